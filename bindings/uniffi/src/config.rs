//! Client configuration as Kotlin and Swift see it.
//!
//! [`ClientConfig`] is a record (a Kotlin data class, a Swift struct) whose generated
//! `toString()` and `description` print every field, so it contains no secret. The merchant
//! private key and the APIv3 key travel in [`MerchantKeys`], an object whose text form is
//! redacted, and meet the rest of the configuration only inside Rust.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::error::{PayError, PayResult};

/// Identity mode: the merchant identity fields that requests carry.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Mode {
    /// Direct merchant: requests carry `appid`.
    Common { appid: String },
    /// Institution acting for a sub-merchant: requests carry `sp_appid`, `sub_mchid` and
    /// optionally `sub_appid`.
    Institutional { sp_appid: String, sub_mchid: String, sub_appid: Option<String> },
}

impl From<Mode> for papay::Mode {
    fn from(mode: Mode) -> Self {
        match mode {
            Mode::Common { appid } => papay::Mode::Common { appid },
            Mode::Institutional { sp_appid, sub_mchid, sub_appid } => {
                papay::Mode::Institutional { sp_appid, sub_mchid, sub_appid }
            }
        }
    }
}

/// Retry policy for queries: connect errors, 429 and 5xx are retried with capped exponential
/// backoff and jitter. Deductions and refunds are reconciled by a query instead of resent.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RetryPolicy {
    /// Total attempts including the first; 1 disables retries.
    pub max_attempts: u32,
    /// Delay before the first retry, doubled for each further retry.
    pub initial_backoff: Duration,
    /// Upper bound of one delay.
    pub max_backoff: Duration,
}

/// A WeChat Pay public key (public-key verification mode), by the id sent in `Wechatpay-Serial`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PlatformPublicKey {
    /// Key id, e.g. `PUB_KEY_ID_0114232134912410000000000000`.
    pub id: String,
    /// SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`).
    pub pem: String,
}

/// Everything about a client except its two secrets, which [`MerchantKeys`] carries.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ClientConfig {
    /// Merchant id (Common mode) or institution id (Institutional mode).
    pub mchid: String,
    /// Serial number of the merchant API certificate.
    pub serial_no: String,
    /// Identity mode.
    pub mode: Mode,
    /// Base URL; `null`/`nil` selects the production host `https://apihk.mch.weixin.qq.com`.
    /// Must be https, except http on a loopback address for a local sandbox.
    #[uniffi(default = None)]
    pub base_url: Option<String>,
    /// Time allowed to establish a connection; default 5 s.
    #[uniffi(default = None)]
    pub connect_timeout: Option<Duration>,
    /// Time allowed for one attempt of a call; default 30 s.
    #[uniffi(default = None)]
    pub timeout: Option<Duration>,
    /// `User-Agent` header; defaults to `papay-uniffi/VERSION`.
    #[uniffi(default = None)]
    pub user_agent: Option<String>,
    /// `Accept-Language` for WeChat Pay's error messages: `en`, `zh-CN`, `zh-HK` or `zh-TW`.
    #[uniffi(default = None)]
    pub accept_language: Option<String>,
    /// Download platform certificates from `/v3/global/certificates` and keep them fresh.
    /// Turn it off only when public keys or certificates are configured.
    #[uniffi(default = true)]
    pub download_certificates: bool,
    /// WeChat Pay public keys, used in addition to or instead of certificates.
    #[uniffi(default)]
    pub platform_public_keys: Vec<PlatformPublicKey>,
    /// Platform certificates (PEM) known in advance.
    #[uniffi(default)]
    pub platform_certificates_pem: Vec<String>,
    /// Allowed distance between a signed timestamp and the local clock; default 300 s.
    #[uniffi(default = None)]
    pub timestamp_window_seconds: Option<u64>,
    /// Retry policy for queries; default 3 attempts, 100 ms doubling up to 2 s.
    #[uniffi(default = None)]
    pub retry: Option<RetryPolicy>,
    /// Maximum age of the downloaded certificate list before it is fetched again; default 12 h.
    #[uniffi(default = None)]
    pub certificate_refresh_interval: Option<Duration>,
}

/// The merchant's two secrets: the API private key (PEM) and the APIv3 key. The text form of
/// this object never shows them, and the bytes are zeroed when the object is freed.
#[derive(uniffi::Object)]
#[uniffi::export(Display, Debug)]
pub struct MerchantKeys {
    private_key_pem: Zeroizing<Vec<u8>>,
    apiv3_key: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for MerchantKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MerchantKeys(private_key=<redacted>, apiv3_key=<redacted>)")
    }
}

impl fmt::Display for MerchantKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[uniffi::export]
impl MerchantKeys {
    /// Takes the private key as PEM text (PKCS#8 or PKCS#1) and the 32-byte APIv3 key. Both
    /// are checked here, so a wrong key fails now with `INVALID_CONFIG`, not at the first call.
    #[uniffi::constructor]
    pub fn new(private_key_pem: String, apiv3_key: String) -> PayResult<Arc<Self>> {
        let private_key_pem = Zeroizing::new(private_key_pem.into_bytes());
        let apiv3_key = Zeroizing::new(apiv3_key.into_bytes());
        papay::MerchantPrivateKey::from_pem(&private_key_pem)?;
        papay::ApiV3Key::new(apiv3_key.as_slice())?;
        Ok(Arc::new(Self { private_key_pem, apiv3_key }))
    }

    /// Reads the private key from a PEM file (usually `apiclient_key.pem`).
    #[uniffi::constructor]
    pub fn from_file(private_key_path: String, apiv3_key: String) -> PayResult<Arc<Self>> {
        let pem = std::fs::read(&private_key_path).map_err(|e| {
            crate::error::invalid_config("private_key_file", format!("cannot read {private_key_path}: {e}"))
        })?;
        let pem = String::from_utf8(pem).map_err(|_| {
            crate::error::invalid_config("private_key_file", format!("{private_key_path} is not PEM text"))
        })?;
        Self::new(pem, apiv3_key)
    }
}

/// Builds and validates the core configuration.
pub(crate) fn build(config: ClientConfig, keys: &MerchantKeys) -> PayResult<papay::Config> {
    let mut builder = papay::Config::builder()
        .mchid(config.mchid)
        .serial_no(config.serial_no)
        .private_key_pem(keys.private_key_pem.to_vec())
        .apiv3_key(keys.apiv3_key.to_vec())
        .mode(config.mode.into())
        .download_certificates(config.download_certificates)
        .user_agent(config.user_agent.unwrap_or_else(|| format!("papay-uniffi/{}", env!("CARGO_PKG_VERSION"))));
    if let Some(base_url) = config.base_url {
        builder = builder.base_url(base_url);
    }
    if let Some(timeout) = config.connect_timeout {
        builder = builder.connect_timeout(timeout);
    }
    if let Some(timeout) = config.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(language) = config.accept_language {
        builder = builder.accept_language(language);
    }
    for key in config.platform_public_keys {
        builder = builder.platform_public_key(key.id, key.pem.into_bytes());
    }
    for pem in config.platform_certificates_pem {
        builder = builder.platform_certificate(pem.into_bytes());
    }
    if let Some(seconds) = config.timestamp_window_seconds {
        builder = builder.timestamp_window_seconds(seconds);
    }
    if let Some(retry) = config.retry {
        builder = builder.retry(papay::RetryPolicy {
            max_attempts: retry.max_attempts,
            initial_backoff: retry.initial_backoff,
            max_backoff: retry.max_backoff,
        });
    }
    if let Some(interval) = config.certificate_refresh_interval {
        builder = builder.certificate_refresh_interval(interval);
    }
    builder.build().map_err(PayError::from)
}
