//! Notifications: the verified and decrypted records, and a parser that works offline with a
//! given key set.
//!
//! Pass the raw body bytes exactly as received and the request headers, because a body that was
//! parsed and serialized again does not verify.

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::PlatformPublicKey;
use crate::error::PayResult;
use crate::models::{format_time, to_long, Order, RefundAmount, ResponseIdentity};

/// Decrypted resource of `PAPAY.SIGN` and `PAPAY.TERMINATE`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ContractNotification {
    pub identity: ResponseIdentity,
    pub out_contract_code: String,
    pub plan_id: i64,
    pub contract_id: String,
    pub openid: Option<String>,
    pub sp_openid: Option<String>,
    pub sub_openid: Option<String>,
    /// Time of the signing or termination.
    pub operate_time: Option<String>,
    pub contract_expired_time: Option<String>,
    /// Termination mode (termination only): `USER`, `MERCHANT`, `PLATFORM` or `EXPIRED`.
    pub contract_termination_mode: Option<String>,
}

impl From<papay::ContractNotification> for ContractNotification {
    fn from(c: papay::ContractNotification) -> Self {
        Self {
            identity: c.identity.into(),
            out_contract_code: c.out_contract_code,
            plan_id: to_long(c.plan_id),
            contract_id: c.contract_id,
            openid: c.openid,
            sp_openid: c.sp_openid,
            sub_openid: c.sub_openid,
            operate_time: c.operate_time.map(format_time),
            contract_expired_time: c.contract_expired_time.map(format_time),
            contract_termination_mode: c.contract_termination_mode.map(|m| m.as_str().to_owned()),
        }
    }
}

/// Decrypted resource of `REFUND.SUCCESS`, `REFUND.ABNORMAL` and `REFUND.CLOSED`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RefundNotification {
    pub identity: ResponseIdentity,
    pub out_trade_no: String,
    pub transaction_id: Option<String>,
    pub out_refund_no: String,
    pub refund_id: String,
    /// `SUCCESS`, `ABNORMAL`, `REFUNDCLOSE` (also for a `CLOSED` on the wire), or a later value.
    pub refund_status: String,
    pub success_time: Option<String>,
    pub recv_account: Option<String>,
    pub fund_source: Option<String>,
    pub amount: RefundAmount,
}

impl From<papay::RefundNotification> for RefundNotification {
    fn from(r: papay::RefundNotification) -> Self {
        Self {
            identity: r.identity.into(),
            out_trade_no: r.out_trade_no,
            transaction_id: r.transaction_id,
            out_refund_no: r.out_refund_no,
            refund_id: r.refund_id,
            refund_status: r.refund_status.as_str().to_owned(),
            success_time: r.success_time.map(format_time),
            recv_account: r.recv_account,
            fund_source: r.fund_source.map(|s| s.as_str().to_owned()),
            amount: r.amount.into(),
        }
    }
}

/// Event of a notification, with its decrypted resource.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum NotificationEvent {
    /// `PAPAY.SIGN`: a user signed a contract.
    ContractSigned { contract: ContractNotification },
    /// `PAPAY.TERMINATE`: a contract ended.
    ContractTerminated { contract: ContractNotification },
    /// `TRANSACTION.SUCCESS`: a deduction was paid.
    DeductionSucceeded { order: Order },
    /// `REFUND.SUCCESS`.
    RefundSucceeded { refund: RefundNotification },
    /// `REFUND.ABNORMAL`: the refund needs manual handling.
    RefundAbnormal { refund: RefundNotification },
    /// `REFUND.CLOSED`.
    RefundClosed { refund: RefundNotification },
    /// An event type this SDK version does not model; the decrypted JSON as text.
    Other { resource_json: String },
}

/// A verified and decrypted notification.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Notification {
    /// Notification id; use it as the idempotency key, WeChat Pay resends until acknowledged.
    pub id: String,
    pub create_time: Option<String>,
    /// Event type as received, e.g. `TRANSACTION.SUCCESS`.
    pub event_type: String,
    pub resource_type: String,
    pub summary: String,
    pub original_type: Option<String>,
    /// Serial or public-key id that signed it.
    pub signed_by: String,
    pub event: NotificationEvent,
}

impl From<papay::Notification> for Notification {
    fn from(n: papay::Notification) -> Self {
        let event = match n.event {
            papay::NotificationEvent::ContractSigned(c) => NotificationEvent::ContractSigned { contract: c.into() },
            papay::NotificationEvent::ContractTerminated(c) => {
                NotificationEvent::ContractTerminated { contract: c.into() }
            }
            papay::NotificationEvent::DeductionSucceeded(o) => {
                NotificationEvent::DeductionSucceeded { order: o.into() }
            }
            papay::NotificationEvent::RefundSucceeded(r) => NotificationEvent::RefundSucceeded { refund: r.into() },
            papay::NotificationEvent::RefundAbnormal(r) => NotificationEvent::RefundAbnormal { refund: r.into() },
            papay::NotificationEvent::RefundClosed(r) => NotificationEvent::RefundClosed { refund: r.into() },
            papay::NotificationEvent::Other(value) => NotificationEvent::Other { resource_json: value.to_string() },
        };
        Self {
            id: n.id,
            create_time: n.create_time.map(format_time),
            event_type: n.event_type,
            resource_type: n.resource_type,
            summary: n.summary,
            original_type: n.original_type,
            signed_by: n.signed_by,
            event,
        }
    }
}

/// The merchant's HTTP response to a notification.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct NotificationAnswer {
    /// HTTP status: 204 acknowledges the notification, and 500 makes WeChat Pay send it again.
    pub status: u16,
    /// Body, empty on success.
    pub body: String,
    /// `Content-Type` of the body, when there is one.
    pub content_type: Option<String>,
}

impl From<papay::NotificationAnswer> for NotificationAnswer {
    fn from(a: papay::NotificationAnswer) -> Self {
        Self { status: a.status, body: a.body, content_type: a.content_type.map(str::to_owned) }
    }
}

/// Returns the acknowledgement, `204 No Content`. Respond within 5 s and queue slow work.
#[uniffi::export]
pub fn notification_answer_success() -> NotificationAnswer {
    papay::NotificationAnswer::success().into()
}

/// Returns `500` with `{"code":"FAIL","message":...}`, which makes WeChat Pay send the notification
/// again. Use it when verification failed or the notification could not be stored.
#[uniffi::export]
pub fn notification_answer_failure(message: String) -> NotificationAnswer {
    papay::NotificationAnswer::failure(&message).into()
}

/// Verifies and decrypts notifications with a fixed key set, without network access. Use
/// `Client.parseNotification` instead when the client should download a platform certificate
/// it does not know yet.
#[derive(Debug, uniffi::Object)]
pub struct NotificationParser {
    inner: papay::NotificationParser,
}

#[uniffi::export]
impl NotificationParser {
    /// Builds a parser from the APIv3 key and WeChat Pay's platform certificates (PEM) and/or
    /// public keys. `timestamp_window_seconds` defaults to 300; raise it to replay stored
    /// notifications. Certificate validity and the timestamp window are checked against the
    /// system clock.
    #[uniffi::constructor(default(platform_public_keys = [], timestamp_window_seconds = None))]
    pub fn new(
        apiv3_key: String,
        platform_certificates_pem: Vec<String>,
        platform_public_keys: Vec<PlatformPublicKey>,
        timestamp_window_seconds: Option<u64>,
    ) -> PayResult<Arc<Self>> {
        let keys = ParserKeys::new(apiv3_key, platform_certificates_pem, platform_public_keys)?;
        Ok(Arc::new(keys.into_parser(Arc::new(papay::SystemClock), timestamp_window_seconds)))
    }

    /// Builds a parser like the primary constructor whose clock stays at `unix_seconds`, so
    /// certificate validity and the timestamp window are checked against that instant. For tests
    /// and for replaying stored notifications at the time they arrived.
    #[uniffi::constructor(default(platform_public_keys = [], timestamp_window_seconds = None))]
    pub fn with_fixed_time(
        apiv3_key: String,
        platform_certificates_pem: Vec<String>,
        platform_public_keys: Vec<PlatformPublicKey>,
        timestamp_window_seconds: Option<u64>,
        unix_seconds: i64,
    ) -> PayResult<Arc<Self>> {
        let keys = ParserKeys::new(apiv3_key, platform_certificates_pem, platform_public_keys)?;
        let clock = Arc::new(papay::FixedClock::new(unix_seconds));
        Ok(Arc::new(keys.into_parser(clock, timestamp_window_seconds)))
    }

    /// Verifies, decrypts and parses one notification from its headers (names compared without
    /// regard to case) and its raw body bytes.
    pub fn parse(&self, headers: HashMap<String, String>, body: Vec<u8>) -> PayResult<Notification> {
        Ok(self.inner.parse(&headers, &body)?.into())
    }
}

/// The checked keys of a [`NotificationParser`], shared by its constructors.
struct ParserKeys {
    apiv3_key: papay::ApiV3Key,
    keys: papay::KeySet,
}

impl ParserKeys {
    fn new(
        apiv3_key: String,
        platform_certificates_pem: Vec<String>,
        platform_public_keys: Vec<PlatformPublicKey>,
    ) -> PayResult<Self> {
        let apiv3_key = papay::ApiV3Key::new(zeroize::Zeroizing::new(apiv3_key.into_bytes()).as_slice())?;
        let keys = crate::crypto::key_set(platform_certificates_pem, platform_public_keys)?;
        Ok(Self { apiv3_key, keys })
    }

    fn into_parser(self, clock: Arc<dyn papay::Clock>, timestamp_window_seconds: Option<u64>) -> NotificationParser {
        let window = timestamp_window_seconds.unwrap_or(papay::verifier::DEFAULT_TIMESTAMP_WINDOW_SECONDS);
        let inner = papay::NotificationParser::new(Arc::new(self.keys), self.apiv3_key, clock, window);
        NotificationParser { inner }
    }
}
