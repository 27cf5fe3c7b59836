//! Notifications WeChat Pay POSTs to the merchant: sign results, terminations, deductions and
//! refunds.
//!
//! The input is the raw body bytes and the headers, never a parsed or re-serialized body, since
//! a re-serialized copy does not verify. The checks run in this order, each with its own error:
//! required headers, signature type, known serial, certificate validity, signature over the raw
//! bytes, timestamp window, envelope JSON, resource algorithm, AES-256-GCM decryption, resource
//! JSON. Nothing is decrypted before the signature verifies.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::crypto::ApiV3Key;
use crate::error::{Error, Result};
use crate::headers::HeaderSource;
use crate::models::contracts::ContractNotification;
use crate::models::refunds::RefundNotification;
use crate::models::transactions::Order;
use crate::models::Timestamp;
use crate::verifier::{verify_signature, KeyResolver, SignatureHeaders, VerifyOptions};

/// The only resource encryption algorithm WeChat Pay uses.
pub const RESOURCE_ALGORITHM: &str = "AEAD_AES_256_GCM";

/// Event type of a successful signing.
pub const PAPAY_SIGN: &str = "PAPAY.SIGN";
/// Event type of a termination.
pub const PAPAY_TERMINATE: &str = "PAPAY.TERMINATE";
/// Event type of a successful deduction.
pub const TRANSACTION_SUCCESS: &str = "TRANSACTION.SUCCESS";
/// Event type of a successful refund.
pub const REFUND_SUCCESS: &str = "REFUND.SUCCESS";
/// Event type of a refund that needs manual handling.
pub const REFUND_ABNORMAL: &str = "REFUND.ABNORMAL";
/// Event type of a closed refund.
pub const REFUND_CLOSED: &str = "REFUND.CLOSED";

/// What a notification reports, with its decrypted resource.
// NOTE: the PAPAY.* event type names and the REFUND.* names for Global come from SDKs and the
// APIv3 family, not from WeChat Pay's Global pages; other values land in `Other`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", content = "resource", rename_all = "snake_case")]
pub enum NotificationEvent {
    /// `PAPAY.SIGN`: a user signed a contract.
    ContractSigned(ContractNotification),
    /// `PAPAY.TERMINATE`: a contract ended (user, merchant, platform or expiry).
    ContractTerminated(ContractNotification),
    /// `TRANSACTION.SUCCESS`: a deduction was paid.
    DeductionSucceeded(Order),
    /// `REFUND.SUCCESS`.
    RefundSucceeded(RefundNotification),
    /// `REFUND.ABNORMAL`: the refund needs manual handling.
    RefundAbnormal(RefundNotification),
    /// `REFUND.CLOSED`.
    RefundClosed(RefundNotification),
    /// An event type this SDK version does not model; the decrypted JSON is kept.
    Other(serde_json::Value),
}

/// A verified and decrypted notification.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Notification {
    /// Notification id; use it as the idempotency key, WeChat Pay resends until acknowledged.
    pub id: String,
    /// When WeChat Pay created it.
    pub create_time: Option<Timestamp>,
    /// Event type as received, e.g. `TRANSACTION.SUCCESS`.
    pub event_type: String,
    /// `encrypt-resource`.
    pub resource_type: String,
    /// Human-readable summary, possibly Chinese.
    pub summary: String,
    /// `resource.original_type`.
    pub original_type: Option<String>,
    /// Serial or public-key id that signed it.
    pub signed_by: String,
    /// The typed event.
    pub event: NotificationEvent,
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(default)]
    create_time: Option<String>,
    event_type: String,
    #[serde(default)]
    resource_type: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    resource: EncryptedResource,
}

#[derive(Deserialize)]
struct EncryptedResource {
    algorithm: String,
    ciphertext: String,
    nonce: String,
    #[serde(default)]
    associated_data: Option<String>,
    #[serde(default)]
    original_type: Option<String>,
}

/// Verifies and decrypts notifications with a fixed key set, without network access.
#[derive(Clone)]
pub struct NotificationParser {
    keys: Arc<dyn KeyResolver>,
    apiv3_key: ApiV3Key,
    clock: Arc<dyn Clock>,
    window_seconds: u64,
}

impl fmt::Debug for NotificationParser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotificationParser")
            .field("keys", &self.keys)
            .field("apiv3_key", &"<redacted>")
            .field("window_seconds", &self.window_seconds)
            .finish()
    }
}

impl NotificationParser {
    /// Creates a parser. `window_seconds` bounds the distance between the signed timestamp and
    /// `clock` (300 by default elsewhere in the SDK).
    pub fn new(keys: Arc<dyn KeyResolver>, apiv3_key: ApiV3Key, clock: Arc<dyn Clock>, window_seconds: u64) -> Self {
        Self { keys, apiv3_key, clock, window_seconds }
    }

    /// Verifies, decrypts and parses one notification.
    pub fn parse<H: HeaderSource + ?Sized>(&self, headers: &H, body: &[u8]) -> Result<Notification> {
        self.parse_refreshed(headers, body, false)
    }

    pub(crate) fn parse_refreshed<H: HeaderSource + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
        refreshed: bool,
    ) -> Result<Notification> {
        let signature_headers = SignatureHeaders::from_headers(headers, "notification")?;
        let options = VerifyOptions {
            context: "notification",
            now: self.clock.now(),
            timestamp_window_seconds: Some(self.window_seconds),
            refreshed,
        };
        let key = verify_signature(self.keys.as_ref(), &signature_headers, body, options)?;

        let envelope: Envelope = serde_json::from_slice(body).map_err(|e| {
            Error::malformed(
                "notification body",
                format!("not a WeChat Pay notification envelope: {}", crate::client::describe_json_error(&e)),
            )
        })?;
        if envelope.resource.algorithm != RESOURCE_ALGORITHM {
            return Err(Error::UnsupportedAlgorithm {
                what: "resource.algorithm",
                value: envelope.resource.algorithm.clone(),
                expected: RESOURCE_ALGORITHM,
            });
        }
        let resource = &envelope.resource;
        let plaintext = self.apiv3_key.decrypt(
            &resource.nonce,
            resource.associated_data.as_deref().unwrap_or_default(),
            &resource.ciphertext,
            "notification resource",
        )?;

        let event = decode_event(&envelope.event_type, &plaintext)?;
        let create_time = envelope.create_time.as_deref().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
        tracing::debug!(id = %envelope.id, event_type = %envelope.event_type, "notification verified");
        Ok(Notification {
            id: envelope.id,
            create_time,
            event_type: envelope.event_type,
            resource_type: envelope.resource_type.unwrap_or_default(),
            summary: envelope.summary.unwrap_or_default(),
            original_type: envelope.resource.original_type,
            signed_by: key.serial,
            event,
        })
    }
}

fn decode_event(event_type: &str, plaintext: &[u8]) -> Result<NotificationEvent> {
    fn typed<T: serde::de::DeserializeOwned>(event_type: &str, plaintext: &[u8]) -> Result<T> {
        serde_json::from_slice(plaintext).map_err(|e| {
            let reason = format!("decrypted JSON does not match: {}", crate::client::describe_json_error(&e));
            Error::malformed(format!("{event_type} resource"), reason)
        })
    }
    Ok(match event_type {
        PAPAY_SIGN => NotificationEvent::ContractSigned(typed(event_type, plaintext)?),
        PAPAY_TERMINATE => NotificationEvent::ContractTerminated(typed(event_type, plaintext)?),
        TRANSACTION_SUCCESS => NotificationEvent::DeductionSucceeded(typed(event_type, plaintext)?),
        REFUND_SUCCESS => NotificationEvent::RefundSucceeded(typed(event_type, plaintext)?),
        REFUND_ABNORMAL => NotificationEvent::RefundAbnormal(typed(event_type, plaintext)?),
        REFUND_CLOSED => NotificationEvent::RefundClosed(typed(event_type, plaintext)?),
        _ => NotificationEvent::Other(typed(event_type, plaintext)?),
    })
}

/// The merchant's HTTP response to a notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationAnswer {
    /// HTTP status: 204 acknowledges, and 500 makes WeChat Pay resend.
    pub status: u16,
    /// Body, empty on success.
    pub body: String,
    /// `Content-Type` of the body, when there is one.
    pub content_type: Option<&'static str>,
}

impl NotificationAnswer {
    /// Acknowledges with `204 No Content`. Respond within 5 s and queue slow work.
    pub fn success() -> Self {
        Self { status: 204, body: String::new(), content_type: None }
    }

    /// Asks WeChat Pay to resend later: `500` with `{"code":"FAIL","message":...}`. Use it when
    /// verification failed or the notification could not be stored.
    pub fn failure(message: &str) -> Self {
        let body = serde_json::json!({ "code": "FAIL", "message": message }).to_string();
        Self { status: 500, body, content_type: Some("application/json") }
    }
}
