//! Verification of WeChat Pay's signatures on responses and notifications.
//!
//! A [`KeyResolver`] maps the `Wechatpay-Serial` header to a public key. Two implementations
//! exist: [`CertificateStore`] (platform certificates downloaded from `/v3/global/certificates`)
//! and [`StaticPublicKeys`] (WeChat Pay public keys configured by id). [`KeySet`] combines both.
//! [`verify_signature`] runs the checks in a fixed order, each failing with its own error:
//! headers present, signature type, known serial, certificate validity, signature over the raw
//! bytes, timestamp window.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use crate::certificate::{normalize_serial, PlatformCertificate};
use crate::crypto::PublicKey;
use crate::error::{Error, Result};
use crate::headers::{names, HeaderSource};
use crate::signing::{response_message, SIGNATURE_SCHEME};

/// Default tolerance between a signed timestamp and the local clock, in seconds.
pub const DEFAULT_TIMESTAMP_WINDOW_SECONDS: u64 = 300;

/// A public key found for a serial, with the validity period when it comes from a certificate.
#[derive(Clone, Debug)]
pub struct ResolvedKey {
    /// The key that verifies the signature.
    pub public_key: PublicKey,
    /// Serial or public-key id as stored.
    pub serial: String,
    /// Validity period for certificates; `None` for configured public keys.
    pub validity: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Maps a `Wechatpay-Serial` value to the public key that verifies it.
pub trait KeyResolver: Send + Sync + fmt::Debug {
    /// Returns the key for `serial`, or `None` when it is unknown.
    fn resolve(&self, serial: &str) -> Option<ResolvedKey>;
}

/// WeChat Pay public keys configured by id (for example `PUB_KEY_ID_...`), for merchants that
/// use the public-key mode or pin a platform key.
#[derive(Clone, Debug, Default)]
pub struct StaticPublicKeys {
    keys: HashMap<String, (String, PublicKey)>,
}

impl StaticPublicKeys {
    /// Creates an empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key` under `id`; a later key with the same id replaces the earlier one.
    pub fn insert(&mut self, id: impl Into<String>, key: PublicKey) {
        let id = id.into();
        self.keys.insert(normalize_serial(&id), (id, key));
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Returns whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &PublicKey)> {
        self.keys.values().map(|(id, key)| (id.as_str(), key))
    }
}

impl KeyResolver for StaticPublicKeys {
    fn resolve(&self, serial: &str) -> Option<ResolvedKey> {
        self.keys.get(&normalize_serial(serial)).map(|(id, key)| ResolvedKey {
            public_key: key.clone(),
            serial: id.clone(),
            validity: None,
        })
    }
}

/// A cache of platform certificates keyed by serial number. Safe to share between threads;
/// the client refreshes it from `/v3/global/certificates`.
#[derive(Debug, Default)]
pub struct CertificateStore {
    certificates: RwLock<HashMap<String, PlatformCertificate>>,
    last_refresh: RwLock<Option<DateTime<Utc>>>,
}

impl CertificateStore {
    /// Creates an empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a certificate.
    pub fn insert(&self, certificate: PlatformCertificate) {
        if let Ok(mut certificates) = self.certificates.write() {
            certificates.insert(normalize_serial(certificate.serial_no()), certificate);
        }
    }

    /// Returns the certificate with `serial`, if cached.
    pub fn get(&self, serial: &str) -> Option<PlatformCertificate> {
        self.certificates.read().ok()?.get(&normalize_serial(serial)).cloned()
    }

    /// Returns all cached certificates, newest expiry first.
    pub fn certificates(&self) -> Vec<PlatformCertificate> {
        let mut all: Vec<PlatformCertificate> =
            self.certificates.read().map(|c| c.values().cloned().collect()).unwrap_or_default();
        all.sort_by_key(|c| std::cmp::Reverse(c.not_after()));
        all
    }

    /// Returns the certificate with the latest expiry, the one WeChat Pay recommends
    /// when encrypting.
    pub fn newest(&self) -> Option<PlatformCertificate> {
        self.certificates().into_iter().next()
    }

    /// Drops certificates that expired before `now`.
    pub fn remove_expired(&self, now: DateTime<Utc>) {
        if let Ok(mut certificates) = self.certificates.write() {
            certificates.retain(|_, c| c.not_after() >= now);
        }
    }

    /// Records a successful refresh at `now`.
    pub fn mark_refreshed(&self, now: DateTime<Utc>) {
        if let Ok(mut last) = self.last_refresh.write() {
            *last = Some(now);
        }
    }

    /// Time of the last successful refresh.
    pub fn last_refresh(&self) -> Option<DateTime<Utc>> {
        self.last_refresh.read().ok().and_then(|last| *last)
    }

    /// Returns whether a refresh is due: never refreshed, the last refresh is older than `interval`, or
    /// every cached certificate expires within `interval`.
    pub fn refresh_due(&self, now: DateTime<Utc>, interval: chrono::Duration) -> bool {
        let Some(last) = self.last_refresh() else {
            return true;
        };
        if now - last >= interval {
            return true;
        }
        match self.newest() {
            Some(newest) => newest.not_after() - now <= interval,
            None => true,
        }
    }

    /// Number of cached certificates.
    pub fn len(&self) -> usize {
        self.certificates.read().map(|c| c.len()).unwrap_or(0)
    }

    /// Returns whether no certificate is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl KeyResolver for CertificateStore {
    fn resolve(&self, serial: &str) -> Option<ResolvedKey> {
        self.get(serial).map(|c| ResolvedKey {
            public_key: c.public_key().clone(),
            serial: c.serial_no().to_owned(),
            validity: Some((c.not_before(), c.not_after())),
        })
    }
}

/// Configured public keys first, then the certificate store.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    /// Keys configured by id.
    pub static_keys: Arc<StaticPublicKeys>,
    /// Downloaded platform certificates, when certificate download is enabled.
    pub certificates: Option<Arc<CertificateStore>>,
}

impl KeyResolver for KeySet {
    fn resolve(&self, serial: &str) -> Option<ResolvedKey> {
        self.static_keys.resolve(serial).or_else(|| self.certificates.as_ref().and_then(|store| store.resolve(serial)))
    }
}

/// The signature headers of one response or notification.
#[derive(Clone, Debug)]
pub struct SignatureHeaders<'a> {
    /// `Wechatpay-Timestamp`.
    pub timestamp: &'a str,
    /// `Wechatpay-Nonce`.
    pub nonce: &'a str,
    /// `Wechatpay-Signature`.
    pub signature: &'a str,
    /// `Wechatpay-Serial`.
    pub serial: &'a str,
    /// `Wechatpay-Signature-Type`, when present.
    pub signature_type: Option<&'a str>,
}

impl<'a> SignatureHeaders<'a> {
    /// Reads the headers, failing on the first one missing or empty.
    pub fn from_headers<H: HeaderSource + ?Sized>(headers: &'a H, context: &'static str) -> Result<Self> {
        let required = |name: &'static str| -> Result<&'a str> {
            match headers.header(name).map(str::trim) {
                Some(value) if !value.is_empty() => Ok(value),
                _ => Err(Error::SignatureHeadersMissing { context, header: name }),
            }
        };
        Ok(Self {
            timestamp: required(names::TIMESTAMP)?,
            nonce: required(names::NONCE)?,
            signature: required(names::SIGNATURE)?,
            serial: required(names::SERIAL)?,
            signature_type: headers.header(names::SIGNATURE_TYPE).map(str::trim),
        })
    }
}

/// Options of one verification.
#[derive(Clone, Copy, Debug)]
pub struct VerifyOptions {
    /// Kind of message verified, for error messages: "response" or "notification".
    pub context: &'static str,
    /// Current time.
    pub now: DateTime<Utc>,
    /// Allowed distance between the signed timestamp and `now`; `None` skips the check.
    pub timestamp_window_seconds: Option<u64>,
    /// Whether the key set was already refreshed for this message (worded into errors).
    pub refreshed: bool,
}

/// Runs the ordered signature checks on `body` with the given headers.
///
/// The body must be the bytes exactly as received: a re-serialized copy does not verify.
/// Probe messages WeChat Pay sends with signatures starting `WECHATPAY/SIGNTEST/` fail here with
/// [`Error::SignatureInvalid`], as they are meant to.
pub fn verify_signature(
    resolver: &dyn KeyResolver,
    headers: &SignatureHeaders<'_>,
    body: &[u8],
    options: VerifyOptions,
) -> Result<ResolvedKey> {
    if let Some(signature_type) = headers.signature_type {
        if !signature_type.is_empty() && signature_type != SIGNATURE_SCHEME {
            return Err(Error::UnsupportedAlgorithm {
                what: "Wechatpay-Signature-Type",
                value: signature_type.to_owned(),
                expected: SIGNATURE_SCHEME,
            });
        }
    }

    let key = resolver
        .resolve(headers.serial)
        .ok_or_else(|| Error::UnknownSerial { serial: headers.serial.to_owned(), refreshed: options.refreshed })?;

    if let Some((not_before, not_after)) = key.validity {
        if options.now < not_before || options.now > not_after {
            return Err(Error::CertificateExpired {
                serial: key.serial.clone(),
                not_before: not_before.to_rfc3339(),
                not_after: not_after.to_rfc3339(),
            });
        }
    }

    let message = response_message(headers.timestamp, headers.nonce, body);
    if !key.public_key.verify(&message, headers.signature) {
        return Err(Error::SignatureInvalid {
            context: options.context,
            serial: key.serial.clone(),
            refreshed: options.refreshed,
        });
    }

    if let Some(window) = options.timestamp_window_seconds {
        let timestamp: i64 = headers.timestamp.parse().map_err(|_| {
            Error::malformed(
                format!("{} header {}", options.context, names::TIMESTAMP),
                format!("{:?} is not Unix seconds", headers.timestamp),
            )
        })?;
        let skew = timestamp.saturating_sub(options.now.timestamp());
        if skew.unsigned_abs() > window {
            return Err(Error::TimestampOutOfWindow {
                context: options.context,
                timestamp,
                skew_seconds: skew,
                window_seconds: window,
            });
        }
    }

    Ok(key)
}
