//! Client configuration, checked once at construction.
//!
//! Misconfiguration fails here, not at the first request: a wrong APIv3 key length, an
//! unreadable PEM, a non-https base URL, or the merchant's own key or serial given as a platform
//! key. Secrets are held in redacting wrappers, so `Debug` of a [`Config`] never shows them.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::certificate::{same_serial, PlatformCertificate};
use crate::clock::{Clock, SystemClock};
use crate::crypto::{ApiV3Key, MerchantPrivateKey, PublicKey};
use crate::error::{Error, Result};
use crate::validate;
use crate::verifier::{StaticPublicKeys, DEFAULT_TIMESTAMP_WINDOW_SECONDS};

/// Production host of the Global APIv3, the Hong Kong access point.
pub const DEFAULT_BASE_URL: &str = "https://apihk.mch.weixin.qq.com";

/// Identity fields that requests carry.
#[derive(Clone, PartialEq, Eq)]
pub enum Mode {
    /// Direct merchant: requests carry `appid`.
    Common {
        /// AppID bound to the merchant id.
        appid: String,
    },
    /// Institution acting for a sub-merchant: requests carry `sp_appid`, `sub_mchid` and
    /// optionally `sub_appid`; the institution signs.
    Institutional {
        /// Institution AppID.
        sp_appid: String,
        /// Sub-merchant id.
        sub_mchid: String,
        /// Sub-merchant AppID through which users sign.
        sub_appid: Option<String>,
    },
}

impl fmt::Debug for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mode::Common { appid } => f.debug_struct("Common").field("appid", appid).finish(),
            Mode::Institutional { sp_appid, sub_mchid, sub_appid } => f
                .debug_struct("Institutional")
                .field("sp_appid", sp_appid)
                .field("sub_mchid", sub_mchid)
                .field("sub_appid", sub_appid)
                .finish(),
        }
    }
}

impl Mode {
    pub(crate) fn validate(&self) -> Result<()> {
        let check = |field: &'static str, value: &str| {
            validate::identifier(field, value, 1, 32).map_err(|e| Error::invalid_config(field, e.to_string()))
        };
        match self {
            Mode::Common { appid } => check("appid", appid),
            Mode::Institutional { sp_appid, sub_mchid, sub_appid } => {
                check("sp_appid", sp_appid)?;
                check("sub_mchid", sub_mchid)?;
                match sub_appid {
                    Some(sub_appid) => check("sub_appid", sub_appid),
                    None => Ok(()),
                }
            }
        }
    }
}

/// Retry policy for idempotent calls (queries): connect errors, 429 and 5xx are retried with
/// capped exponential backoff and jitter. Money-moving calls are reconciled instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first; 1 disables retries.
    pub max_attempts: u32,
    /// Delay before the first retry; doubled for each further retry.
    pub initial_backoff: Duration,
    /// Upper bound of one delay.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 3, initial_backoff: Duration::from_millis(100), max_backoff: Duration::from_secs(2) }
    }
}

/// Sources of keys that verify responses and notifications.
#[derive(Clone, Debug)]
pub struct Verification {
    /// Download platform certificates from `/v3/global/certificates` and keep them fresh.
    pub download_certificates: bool,
    /// WeChat Pay public keys by id, used in addition to or instead of certificates.
    pub public_keys: StaticPublicKeys,
    /// Platform certificates known in advance (loaded before the first download).
    pub certificates: Vec<PlatformCertificate>,
}

impl Default for Verification {
    fn default() -> Self {
        Self { download_certificates: true, public_keys: StaticPublicKeys::new(), certificates: Vec::new() }
    }
}

/// A validated client configuration. Build it with [`Config::builder`].
pub struct Config {
    pub(crate) mchid: String,
    pub(crate) serial_no: String,
    pub(crate) private_key: Arc<MerchantPrivateKey>,
    pub(crate) apiv3_key: ApiV3Key,
    pub(crate) base_url: url::Url,
    pub(crate) mode: Mode,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) user_agent: String,
    pub(crate) accept_language: Option<String>,
    pub(crate) verification: Verification,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) timestamp_window_seconds: u64,
    pub(crate) retry: RetryPolicy,
    pub(crate) certificate_refresh_interval: Duration,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("mchid", &self.mchid)
            .field("serial_no", &self.serial_no)
            .field("private_key", &"<redacted>")
            .field("apiv3_key", &"<redacted>")
            .field("base_url", &self.base_url.as_str())
            .field("mode", &self.mode)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("accept_language", &self.accept_language)
            .field("download_certificates", &self.verification.download_certificates)
            .field(
                "public_key_ids",
                &self.verification.public_keys.iter().map(|(id, _)| id.to_owned()).collect::<Vec<_>>(),
            )
            .field("timestamp_window_seconds", &self.timestamp_window_seconds)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Starts a builder.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Merchant (Common mode) or institution id.
    pub fn mchid(&self) -> &str {
        &self.mchid
    }

    /// Merchant API certificate serial number.
    pub fn serial_no(&self) -> &str {
        &self.serial_no
    }

    /// Base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.base_url.as_str()
    }

    /// Identity mode.
    pub fn mode(&self) -> &Mode {
        &self.mode
    }
}

/// Collects configuration; [`ConfigBuilder::build`] validates it all at once.
#[derive(Default)]
pub struct ConfigBuilder {
    mchid: Option<String>,
    serial_no: Option<String>,
    private_key_pem: Option<zeroize::Zeroizing<Vec<u8>>>,
    private_key_path: Option<std::path::PathBuf>,
    apiv3_key: Option<zeroize::Zeroizing<Vec<u8>>>,
    base_url: Option<String>,
    mode: Option<Mode>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    user_agent: Option<String>,
    accept_language: Option<String>,
    download_certificates: Option<bool>,
    public_keys: Vec<(String, Vec<u8>)>,
    certificates_pem: Vec<Vec<u8>>,
    clock: Option<Arc<dyn Clock>>,
    timestamp_window_seconds: Option<u64>,
    retry: Option<RetryPolicy>,
    certificate_refresh_interval: Option<Duration>,
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field("mchid", &self.mchid)
            .field("serial_no", &self.serial_no)
            .field("private_key", &self.private_key_pem.as_ref().map(|_| "<redacted>"))
            .field("apiv3_key", &self.apiv3_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    /// Merchant id (Common mode) or institution id (Institutional mode); required.
    pub fn mchid(mut self, mchid: impl Into<String>) -> Self {
        self.mchid = Some(mchid.into());
        self
    }

    /// Serial number of the merchant API certificate; required.
    pub fn serial_no(mut self, serial_no: impl Into<String>) -> Self {
        self.serial_no = Some(serial_no.into());
        self
    }

    /// Merchant private key as PEM bytes (PKCS#8 or PKCS#1).
    pub fn private_key_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.private_key_pem = Some(zeroize::Zeroizing::new(pem.into()));
        self
    }

    /// Merchant private key read from a PEM file (usually `apiclient_key.pem`) at build time.
    pub fn private_key_file(mut self, path: impl AsRef<Path>) -> Self {
        self.private_key_path = Some(path.as_ref().to_path_buf());
        self
    }

    /// APIv3 key, exactly 32 bytes; required.
    pub fn apiv3_key(mut self, key: impl Into<Vec<u8>>) -> Self {
        self.apiv3_key = Some(zeroize::Zeroizing::new(key.into()));
        self
    }

    /// Base URL; defaults to the production host. Must be https, except http on a loopback
    /// address, which only a local sandbox can be.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Identity mode; required.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Time allowed to establish a connection; default 5 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time allowed for a whole call (one attempt); default 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// `User-Agent` header; WeChat Pay rejects requests without one. Defaults to
    /// `papay-rust/VERSION`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// `Accept-Language` for error messages: `en`, `zh-CN`, `zh-HK` or `zh-TW`.
    pub fn accept_language(mut self, language: impl Into<String>) -> Self {
        self.accept_language = Some(language.into());
        self
    }

    /// Whether to download platform certificates (default true). Turn it off only when
    /// public keys or certificates are configured.
    pub fn download_certificates(mut self, enabled: bool) -> Self {
        self.download_certificates = Some(enabled);
        self
    }

    /// Adds a WeChat Pay public key (PEM) under its id, as sent in `Wechatpay-Serial`.
    pub fn platform_public_key(mut self, id: impl Into<String>, pem: impl Into<Vec<u8>>) -> Self {
        self.public_keys.push((id.into(), pem.into()));
        self
    }

    /// Adds a platform certificate (PEM) known in advance.
    pub fn platform_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.certificates_pem.push(pem.into());
        self
    }

    /// Clock for timestamps and the time window; defaults to the system clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Allowed distance in seconds between a signed timestamp and the local clock; default 300.
    pub fn timestamp_window_seconds(mut self, seconds: u64) -> Self {
        self.timestamp_window_seconds = Some(seconds);
        self
    }

    /// Retry policy for queries.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Maximum age of the downloaded certificate list before it is fetched again; default 12 h.
    pub fn certificate_refresh_interval(mut self, interval: Duration) -> Self {
        self.certificate_refresh_interval = Some(interval);
        self
    }

    /// Validates everything and returns the configuration.
    pub fn build(self) -> Result<Config> {
        let mchid = self.mchid.ok_or_else(|| Error::invalid_config("mchid", "is required"))?;
        validate::identifier("mchid", &mchid, 1, 32).map_err(|e| Error::invalid_config("mchid", e.to_string()))?;
        let serial_no = self.serial_no.ok_or_else(|| Error::invalid_config("serial_no", "is required"))?;
        validate::identifier("serial_no", &serial_no, 1, 64)
            .map_err(|e| Error::invalid_config("serial_no", e.to_string()))?;

        let private_key = match (self.private_key_pem, self.private_key_path) {
            (Some(pem), None) => MerchantPrivateKey::from_pem(&pem)?,
            (None, Some(path)) => {
                let pem = zeroize::Zeroizing::new(std::fs::read(&path).map_err(|e| {
                    Error::invalid_config("private_key_file", format!("cannot read {}: {e}", path.display()))
                })?);
                MerchantPrivateKey::from_pem(&pem)?
            }
            (Some(_), Some(_)) => {
                return Err(Error::invalid_config(
                    "private_key",
                    "give either the PEM bytes or the file path, not both",
                ))
            }
            (None, None) => return Err(Error::invalid_config("private_key", "is required (PEM bytes or a file path)")),
        };
        let apiv3_key =
            ApiV3Key::new(self.apiv3_key.as_deref().ok_or_else(|| Error::invalid_config("apiv3_key", "is required"))?)?;

        let base_url = parse_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let mode = self.mode.ok_or_else(|| {
            Error::invalid_config(
                "mode",
                "is required: Common with appid, or Institutional with sp_appid and sub_mchid",
            )
        })?;
        mode.validate()?;

        let merchant_spki = private_key.public_key_der();
        let mut public_keys = StaticPublicKeys::new();
        for (id, pem) in &self.public_keys {
            let key = PublicKey::from_pem(pem)?;
            reject_merchant_key("platform_public_key", id, &key, &serial_no, &merchant_spki)?;
            public_keys.insert(id.clone(), key);
        }
        let mut certificates = Vec::new();
        for pem in &self.certificates_pem {
            let certificate = PlatformCertificate::from_pem(pem)
                .map_err(|e| Error::invalid_config("platform_certificate", e.to_string()))?;
            reject_merchant_key(
                "platform_certificate",
                certificate.serial_no(),
                certificate.public_key(),
                &serial_no,
                &merchant_spki,
            )?;
            certificates.push(certificate);
        }
        let download_certificates = self.download_certificates.unwrap_or(true);
        if !download_certificates && public_keys.is_empty() && certificates.is_empty() {
            return Err(Error::invalid_config(
                "download_certificates",
                "is off but no platform public key or certificate is configured, so no response could be verified",
            ));
        }

        let timeout = self.timeout.unwrap_or(Duration::from_secs(30));
        let connect_timeout = self.connect_timeout.unwrap_or(Duration::from_secs(5));
        if timeout.is_zero() || connect_timeout.is_zero() {
            return Err(Error::invalid_config("timeout", "timeouts must be greater than zero"));
        }
        let accept_language = self.accept_language;
        if let Some(language) = &accept_language {
            if !["en", "zh-CN", "zh-HK", "zh-TW"].contains(&language.as_str()) {
                return Err(Error::invalid_config(
                    "accept_language",
                    format!("must be en, zh-CN, zh-HK or zh-TW, got {language:?}"),
                ));
            }
        }
        let retry = self.retry.unwrap_or_default();
        if retry.max_attempts == 0 {
            return Err(Error::invalid_config("retry.max_attempts", "must be at least 1"));
        }

        Ok(Config {
            mchid,
            serial_no,
            private_key: Arc::new(private_key),
            apiv3_key,
            base_url,
            mode,
            connect_timeout,
            timeout,
            user_agent: self.user_agent.unwrap_or_else(|| format!("papay-rust/{}", env!("CARGO_PKG_VERSION"))),
            accept_language,
            verification: Verification { download_certificates, public_keys, certificates },
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            timestamp_window_seconds: self.timestamp_window_seconds.unwrap_or(DEFAULT_TIMESTAMP_WINDOW_SECONDS),
            retry,
            certificate_refresh_interval: self.certificate_refresh_interval.unwrap_or(Duration::from_secs(12 * 3600)),
        })
    }
}

fn reject_merchant_key(
    field: &'static str,
    id: &str,
    key: &PublicKey,
    merchant_serial: &str,
    merchant_spki: &[u8],
) -> Result<()> {
    if same_serial(id, merchant_serial) {
        return Err(Error::invalid_config(
            field,
            format!(
                "{id} is the merchant's own certificate serial; give WeChat Pay's platform key or certificate instead"
            ),
        ));
    }
    if key.spki_der() == merchant_spki {
        return Err(Error::invalid_config(
            field,
            format!("{id} holds the merchant's own public key; give WeChat Pay's platform key or certificate instead"),
        ));
    }
    Ok(())
}

/// Returns whether `url` names this machine: a loopback address or `localhost`.
pub(crate) fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(domain)) => domain == "localhost",
        None => false,
    }
}

fn parse_base_url(text: &str) -> Result<url::Url> {
    let url = url::Url::parse(text)
        .map_err(|e| Error::invalid_config("base_url", format!("{text:?} is not an absolute URL: {e}")))?;
    let loopback = is_loopback(&url);
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        scheme => {
            return Err(Error::invalid_config(
                "base_url",
                format!(
                    "must use https (http is allowed only on a loopback address for a local sandbox), got {scheme}://"
                ),
            ))
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_config("base_url", "must not carry a query or fragment"));
    }
    if url.path() != "/" && !url.path().is_empty() {
        return Err(Error::invalid_config(
            "base_url",
            format!("must be scheme and host only, got path {}", url.path()),
        ));
    }
    Ok(url)
}
