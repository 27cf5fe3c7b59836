//! Public configuration and value types of the sandbox's Rust API.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Configuration of a sandbox. `Default::default()` gives a Common-mode merchant 1900000001 with
/// throwaway keys, listening on an ephemeral port of 127.0.0.1.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The merchant id expected in every Authorization header. In Institutional mode this is
    /// the institution, so it is also the `sp_mchid`.
    pub mchid: String,
    /// The AppID bound to `mchid` in Common mode.
    pub appid: String,
    /// The institution's AppID in Institutional mode.
    pub sp_appid: String,
    /// Sub-merchants of the institution; at least one is required.
    pub sub_mchids: Vec<String>,
    /// Auto-Debit template ids (`plan_id`) the merchant may sign; at least one is required.
    pub plan_ids: Vec<u64>,
    /// URL that receives PAPAY.TERMINATE. WeChat takes it with the template application, not per
    /// request; `None` records terminations as undeliverable notifications.
    pub termination_notify_url: Option<String>,
    /// When set (e.g. `http://127.0.0.1:8080`), the scheme, host and port of every notification
    /// URL are replaced by it and the path is kept.
    pub notify_redirect: Option<String>,
    /// Waits between delivery attempts of PAPAY.* and TRANSACTION.SUCCESS notifications. The
    /// first attempt is immediate, so a notification is tried `len() + 1` times.
    pub retry_schedule: Vec<Duration>,
    /// Waits between delivery attempts of REFUND.* notifications.
    pub refund_retry_schedule: Vec<Duration>,
    /// Time from a refund's acceptance (PROCESSING) to its final state.
    pub refund_delay: Duration,
    /// Largest accepted difference between an Authorization timestamp and the sandbox clock.
    pub max_clock_skew: Duration,
    /// When true, notification bodies use unusual whitespace and a non-alphabetical key order,
    /// so a merchant that verifies a re-serialized body instead of the raw bytes fails.
    pub pretty_notifications: bool,
    /// The merchant's API key and certificate serial; `None` generates a throwaway RSA-2048 key.
    pub merchant: Option<MerchantKey>,
    /// PKCS#8 DER of the first platform key; `None` generates one.
    pub platform_key_pkcs8_der: Option<Vec<u8>>,
    /// The 32-character APIv3 key; `None` generates 32 random letters and digits.
    pub apiv3_key: Option<String>,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            mchid: "1900000001".into(),
            appid: "wx00000000000000a1".into(),
            sp_appid: "wx00000000000000b2".into(),
            sub_mchids: vec!["1900000099".into()],
            plan_ids: vec![999],
            termination_notify_url: None,
            notify_redirect: None,
            retry_schedule: contract_and_deduction_schedule(),
            refund_retry_schedule: refund_schedule(),
            refund_delay: Duration::from_millis(200),
            max_clock_skew: Duration::from_secs(300),
            pretty_notifications: false,
            merchant: None,
            platform_key_pkcs8_der: None,
            apiv3_key: None,
        }
    }
}

/// WeChat's retry schedule for signing, termination and deduction notifications (about 4 h).
fn contract_and_deduction_schedule() -> Vec<Duration> {
    [15, 15, 30, 180, 1800, 1800, 1800, 1800, 3600].into_iter().map(Duration::from_secs).collect()
}

/// WeChat's retry schedule for refund notifications (24 h 4 min).
fn refund_schedule() -> Vec<Duration> {
    let minutes = [0.25, 0.25, 0.5, 3.0, 10.0, 20.0, 30.0, 30.0, 30.0, 60.0];
    let hours = [3, 3, 3, 6, 6];
    minutes
        .into_iter()
        .map(|m| Duration::from_secs_f64(m * 60.0))
        .chain(hours.into_iter().map(|h| Duration::from_secs(h * 3600)))
        .collect()
}

/// The merchant's API private key and the serial number of its API certificate.
///
/// The sandbox verifies signatures with the public half; it keeps the PEM so that
/// [`Credentials`] can hand the same key to clients under test.
#[derive(Clone)]
pub struct MerchantKey {
    pub serial_no: String,
    /// PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`) PEM.
    pub private_key_pem: String,
}

impl std::fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MerchantKey")
            .field("serial_no", &self.serial_no)
            .field("private_key_pem", &"<redacted>")
            .finish()
    }
}

/// Everything a client needs to talk to this sandbox, in one serializable value.
#[derive(Clone, Serialize, Deserialize)]
pub struct Credentials {
    pub base_url: String,
    pub mchid: String,
    pub merchant_serial_no: String,
    pub merchant_private_key_pem: String,
    pub apiv3_key: String,
    /// Serial number of the platform certificate that currently signs.
    pub platform_serial_no: String,
    pub platform_certificate_pem: String,
    /// Id sent in Wechatpay-Serial while public-key mode is on (`use_public_key_id(true)`).
    pub public_key_id: String,
    /// SubjectPublicKeyInfo PEM of the key behind `public_key_id`.
    pub public_key_pem: String,
    pub appid: String,
    pub sp_appid: String,
    /// The first configured sub-merchant.
    pub sub_mchid: String,
    /// The first configured template id.
    pub plan_id: u64,
    /// The test user's openid under `appid`.
    pub openid: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("base_url", &self.base_url)
            .field("mchid", &self.mchid)
            .field("merchant_serial_no", &self.merchant_serial_no)
            .field("merchant_private_key_pem", &"<redacted>")
            .field("apiv3_key", &"<redacted>")
            .field("platform_serial_no", &self.platform_serial_no)
            .field("public_key_id", &self.public_key_id)
            .field("appid", &self.appid)
            .field("sp_appid", &self.sp_appid)
            .field("sub_mchid", &self.sub_mchid)
            .field("plan_id", &self.plan_id)
            .field("openid", &self.openid)
            .finish_non_exhaustive()
    }
}

/// Identifies a signing session for [`crate::Sandbox::confirm_signing`] and
/// [`crate::Sandbox::cancel_signing`].
///
/// H5, JSAPI and PC Web pre-signs return a URL instead of a session id; the sandbox still creates
/// a session and puts its id in the URL's `os_session_id` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigningRef {
    SessionId(String),
    /// The newest pending session for this template and merchant contract number.
    OutContractCode {
        plan_id: u64,
        out_contract_code: String,
    },
}

/// A contract as the user-playing methods return it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractView {
    pub contract_id: String,
    pub out_contract_code: String,
    pub plan_id: u64,
    /// `SIGNED` or `TERMINATED`.
    pub state: String,
    pub openid: String,
}

/// Result of the next deduction request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeductionOutcome {
    /// Answer 200 with trade_state SUCCESS and send TRANSACTION.SUCCESS.
    #[default]
    Success,
    /// Answer 200 with trade_state USERPAYING and no transaction_id; nothing is charged or
    /// notified until [`crate::Sandbox::complete_payment`].
    #[serde(rename = "USERPAYING")]
    UserPaying,
}

/// Final state of the next refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RefundOutcome {
    /// status SUCCESS, notification REFUND.SUCCESS.
    #[default]
    Success,
    /// status ABNORMAL, notification REFUND.ABNORMAL.
    Abnormal,
    /// status REFUNDCLOSE, notification REFUND.CLOSED.
    Closed,
}
