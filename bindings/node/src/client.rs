//! The native `Client` class: builds a `papay::Config` from JavaScript options and forwards every
//! endpoint to the core. Async methods run on napi's tokio runtime and return Promises.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::Buffer;
use napi::Result;
use napi_derive::napi;

use crate::error::{guard, invalid_argument, to_napi};
use crate::models::*;

/// Retry policy for queries: connect errors, 429 and 5xx are retried with capped exponential
/// backoff and jitter.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct RetryOptions {
    /// Total attempts including the first; 1 disables retries. Default 3.
    pub max_attempts: Option<u32>,
    /// Delay before the first retry in milliseconds, doubled for each further retry. Default 100.
    pub initial_backoff_ms: Option<u32>,
    /// Upper bound of one delay in milliseconds. Default 2000.
    pub max_backoff_ms: Option<u32>,
}

/// A WeChat Pay public key, used to verify responses and notifications signed under its id.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct PlatformPublicKey {
    /// Key id as sent in `Wechatpay-Serial`, e.g. `PUB_KEY_ID_...`.
    pub id: String,
    /// SubjectPublicKeyInfo PEM.
    pub pem: String,
}

/// Options of the native client. The TypeScript layer accepts strings or Buffers for the keys
/// and passes Buffers here.
#[napi(object)]
pub struct NativeClientOptions {
    /// Merchant id (Common mode) or institution id (Institutional mode).
    pub mchid: String,
    /// Serial number of the merchant API certificate.
    pub serial_no: String,
    /// Merchant private key PEM (PKCS#8 or PKCS#1); give this or `privateKeyFile`.
    pub private_key: Option<Buffer>,
    /// Path of the merchant private key PEM file, read once at construction.
    pub private_key_file: Option<String>,
    /// APIv3 key, exactly 32 bytes.
    pub apiv3_key: Buffer,
    /// Base URL; default `https://apihk.mch.weixin.qq.com`. Plain http only on a loopback address.
    pub base_url: Option<String>,
    /// Common mode: the AppID bound to `mchid`. Give this, or `spAppid` with `subMchid`.
    pub appid: Option<String>,
    /// Institutional mode: the institution AppID.
    pub sp_appid: Option<String>,
    /// Institutional mode: the sub-merchant id.
    pub sub_mchid: Option<String>,
    /// Institutional mode: the sub-merchant AppID through which users sign.
    pub sub_appid: Option<String>,
    /// Time allowed for one attempt of a call, in milliseconds; default 30000.
    pub timeout_ms: Option<u32>,
    /// Time allowed to establish a connection, in milliseconds; default 5000.
    pub connect_timeout_ms: Option<u32>,
    /// `User-Agent` header; default `papay-rust/VERSION`.
    pub user_agent: Option<String>,
    /// `Accept-Language` for error messages: `en`, `zh-CN`, `zh-HK` or `zh-TW`.
    pub accept_language: Option<String>,
    /// Whether to download platform certificates from `/v3/global/certificates`; default true.
    pub download_certificates: Option<bool>,
    /// Platform certificates (PEM) known in advance.
    pub platform_certificates: Option<Vec<String>>,
    /// WeChat Pay public keys by id.
    pub platform_public_keys: Option<Vec<PlatformPublicKey>>,
    /// Allowed distance between a signed timestamp and the local clock, in seconds; default 300.
    pub timestamp_window_seconds: Option<u32>,
    /// Retry policy for queries.
    pub retry: Option<RetryOptions>,
    /// Maximum age of the downloaded certificate list in seconds before it is fetched again;
    /// default 43200 (12 h).
    pub certificate_refresh_interval_seconds: Option<u32>,
    /// Fixes the client's clock at this Unix time in seconds. For tests that replay recorded
    /// notifications; never set it in production.
    pub fixed_clock_unix_seconds: Option<f64>,
}

impl std::fmt::Debug for NativeClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeClientOptions")
            .field("mchid", &self.mchid)
            .field("serial_no", &self.serial_no)
            .finish_non_exhaustive()
    }
}

fn mode(options: &NativeClientOptions) -> Result<papay::Mode> {
    match (&options.appid, &options.sp_appid, &options.sub_mchid) {
        (Some(appid), None, None) => Ok(papay::Mode::Common { appid: appid.clone() }),
        (None, Some(sp_appid), Some(sub_mchid)) => Ok(papay::Mode::Institutional {
            sp_appid: sp_appid.clone(),
            sub_mchid: sub_mchid.clone(),
            sub_appid: options.sub_appid.clone(),
        }),
        _ => Err(to_napi(papay::Error::InvalidConfig {
            field: "mode",
            reason: "give appid (Common mode), or spAppid and subMchid (Institutional mode), not both".into(),
        })),
    }
}

fn config(options: NativeClientOptions) -> Result<papay::Config> {
    let mut builder = papay::Config::builder()
        .mchid(options.mchid.clone())
        .serial_no(options.serial_no.clone())
        .apiv3_key(options.apiv3_key.to_vec())
        .mode(mode(&options)?);
    if let Some(pem) = &options.private_key {
        builder = builder.private_key_pem(pem.to_vec());
    }
    if let Some(path) = &options.private_key_file {
        builder = builder.private_key_file(path);
    }
    if let Some(url) = options.base_url {
        builder = builder.base_url(url);
    }
    if let Some(ms) = options.timeout_ms {
        builder = builder.timeout(Duration::from_millis(u64::from(ms)));
    }
    if let Some(ms) = options.connect_timeout_ms {
        builder = builder.connect_timeout(Duration::from_millis(u64::from(ms)));
    }
    if let Some(user_agent) = options.user_agent {
        builder = builder.user_agent(user_agent);
    }
    if let Some(language) = options.accept_language {
        builder = builder.accept_language(language);
    }
    if let Some(enabled) = options.download_certificates {
        builder = builder.download_certificates(enabled);
    }
    for pem in options.platform_certificates.unwrap_or_default() {
        builder = builder.platform_certificate(pem.into_bytes());
    }
    for key in options.platform_public_keys.unwrap_or_default() {
        builder = builder.platform_public_key(key.id, key.pem.into_bytes());
    }
    if let Some(seconds) = options.timestamp_window_seconds {
        builder = builder.timestamp_window_seconds(u64::from(seconds));
    }
    if let Some(retry) = options.retry {
        let defaults = papay::RetryPolicy::default();
        builder = builder.retry(papay::RetryPolicy {
            max_attempts: retry.max_attempts.unwrap_or(defaults.max_attempts),
            initial_backoff: retry
                .initial_backoff_ms
                .map(|ms| Duration::from_millis(u64::from(ms)))
                .unwrap_or(defaults.initial_backoff),
            max_backoff: retry
                .max_backoff_ms
                .map(|ms| Duration::from_millis(u64::from(ms)))
                .unwrap_or(defaults.max_backoff),
        });
    }
    if let Some(seconds) = options.certificate_refresh_interval_seconds {
        builder = builder.certificate_refresh_interval(Duration::from_secs(u64::from(seconds)));
    }
    if let Some(unix_seconds) = options.fixed_clock_unix_seconds {
        let unix_seconds = to_i64("fixed_clock_unix_seconds", unix_seconds)?;
        builder = builder.clock(Arc::new(papay::FixedClock::new(unix_seconds)));
    }
    builder.build().map_err(to_napi)
}

/// A WeChat Pay Global Auto-Debit client over the Rust core.
#[napi]
pub struct NativeClient {
    inner: papay::Client,
}

impl std::fmt::Debug for NativeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

#[napi]
impl NativeClient {
    /// Validates the options and creates the client; makes no network call.
    #[napi(constructor)]
    pub fn new(options: NativeClientOptions) -> Result<Self> {
        guard(|| {
            let config = config(options)?;
            let inner = papay::Client::new(config).map_err(to_napi)?;
            Ok(Self { inner })
        })
    }

    /// Returns the configuration without secrets, for logs and `util.inspect`.
    #[napi]
    pub fn describe(&self) -> serde_json::Value {
        let config = self.inner.config();
        let mode = match self.inner.mode() {
            papay::Mode::Common { appid } => serde_json::json!({ "appid": appid }),
            papay::Mode::Institutional { sp_appid, sub_mchid, sub_appid } => {
                serde_json::json!({ "spAppid": sp_appid, "subMchid": sub_mchid, "subAppid": sub_appid })
            }
        };
        serde_json::json!({
            "mchid": config.mchid(),
            "serialNo": config.serial_no(),
            "baseUrl": config.base_url(),
            "mode": mode,
            "privateKey": "<redacted>",
            "apiv3Key": "<redacted>",
        })
    }

    /// Creates a Mini Program signing session.
    #[napi]
    pub async fn mini_program_pre_sign(&self, request: MiniProgramPreSignRequest) -> Result<SessionIdResponse> {
        let request = papay::MiniProgramPreSignRequest::try_from(request)?;
        self.inner.mini_program_pre_sign(&request).await.map(Into::into).map_err(to_napi)
    }

    /// Creates an H5 signing session.
    #[napi]
    pub async fn h5_pre_sign(&self, request: H5PreSignRequest) -> Result<SignUrlResponse> {
        let request = papay::H5PreSignRequest::try_from(request)?;
        self.inner.h5_pre_sign(&request).await.map(Into::into).map_err(to_napi)
    }

    /// Creates a JSAPI signing session.
    #[napi]
    pub async fn jsapi_pre_sign(&self, request: JsapiPreSignRequest) -> Result<SignUrlResponse> {
        let request = papay::JsapiPreSignRequest::try_from(request)?;
        self.inner.jsapi_pre_sign(&request).await.map(Into::into).map_err(to_napi)
    }

    /// Creates a PC Web signing session.
    #[napi]
    pub async fn web_pre_sign(&self, request: WebPreSignRequest) -> Result<ShowCodeUrlResponse> {
        let request = papay::WebPreSignRequest::try_from(request)?;
        self.inner.web_pre_sign(&request).await.map(Into::into).map_err(to_napi)
    }

    /// Creates an APP signing session.
    #[napi]
    pub async fn app_pre_sign(&self, request: AppPreSignRequest) -> Result<SessionIdResponse> {
        let request = papay::AppPreSignRequest::try_from(request)?;
        self.inner.app_pre_sign(&request).await.map(Into::into).map_err(to_napi)
    }

    /// Queries a contract by WeChat Pay's contract id.
    #[napi]
    pub async fn query_contract_by_id(&self, contract_id: String) -> Result<Contract> {
        self.inner.query_contract_by_id(&contract_id).await.map_err(to_napi)?.try_into()
    }

    /// Queries a contract by the merchant's contract number within a template.
    #[napi]
    pub async fn query_contract_by_out_contract_code(
        &self,
        plan_id: f64,
        out_contract_code: String,
    ) -> Result<Contract> {
        let plan_id = u64::try_from(to_i64("plan_id", plan_id)?)
            .map_err(|_| invalid_argument("plan_id", "must not be negative"))?;
        self.inner.query_contract_by_out_contract_code(plan_id, &out_contract_code).await.map_err(to_napi)?.try_into()
    }

    /// Terminates a contract; resolves when WeChat Pay answers 204.
    #[napi]
    pub async fn terminate_contract(&self, contract_id: String, request: TerminateContractRequest) -> Result<()> {
        let request = papay::TerminateContractRequest { termination_note: request.termination_note };
        self.inner.terminate_contract(&contract_id, &request).await.map_err(to_napi)
    }

    /// Charges the user under a contract, reconciling an uncertain outcome by querying the order.
    #[napi]
    pub async fn deduct(&self, request: DeductionRequest) -> Result<Order> {
        let request = papay::DeductionRequest::try_from(request)?;
        self.inner.deduct(&request).await.map_err(to_napi)?.try_into()
    }

    /// Queries an order by WeChat Pay's transaction id.
    #[napi]
    pub async fn query_order_by_transaction_id(&self, transaction_id: String) -> Result<Order> {
        self.inner.query_order_by_transaction_id(&transaction_id).await.map_err(to_napi)?.try_into()
    }

    /// Queries an order by the merchant's order number.
    #[napi]
    pub async fn query_order_by_out_trade_no(&self, out_trade_no: String) -> Result<Order> {
        self.inner.query_order_by_out_trade_no(&out_trade_no).await.map_err(to_napi)?.try_into()
    }

    /// Closes an unpaid order.
    #[napi]
    pub async fn reverse_order(&self, out_trade_no: String) -> Result<()> {
        self.inner.reverse_order(&out_trade_no).await.map_err(to_napi)
    }

    /// Applies for a refund, reconciling an uncertain outcome by querying the refund.
    #[napi]
    pub async fn refund(&self, request: RefundRequest) -> Result<Refund> {
        let request = papay::RefundRequest::try_from(request)?;
        self.inner.refund(&request).await.map_err(to_napi)?.try_into()
    }

    /// Queries a refund by WeChat Pay's refund id.
    #[napi]
    pub async fn query_refund_by_id(&self, refund_id: String) -> Result<Refund> {
        self.inner.query_refund_by_id(&refund_id).await.map_err(to_napi)?.try_into()
    }

    /// Queries a refund by the merchant's refund number.
    #[napi]
    pub async fn query_refund_by_out_refund_no(&self, out_refund_no: String) -> Result<Refund> {
        self.inner.query_refund_by_out_refund_no(&out_refund_no).await.map_err(to_napi)?.try_into()
    }

    /// Lists one page of an order's refunds.
    #[napi]
    pub async fn list_refunds(&self, request: RefundListRequest) -> Result<RefundList> {
        let request = papay::RefundListRequest::try_from(request)?;
        self.inner.list_refunds(&request).await.map_err(to_napi)?.try_into()
    }

    /// Downloads, decrypts and verifies the platform certificates and caches them; newest first.
    #[napi]
    pub async fn download_certificates(&self) -> Result<Vec<PlatformCertificate>> {
        let certificates = self.inner.download_certificates().await.map_err(to_napi)?;
        Ok(certificates.iter().map(PlatformCertificate::from).collect())
    }

    /// Returns the cached platform certificates, newest expiry first.
    #[napi]
    pub fn platform_certificates(&self) -> Result<Vec<PlatformCertificate>> {
        guard(|| Ok(self.inner.platform_certificates().iter().map(PlatformCertificate::from).collect()))
    }

    /// Parses a notification on the calling thread when that needs no certificate download, in
    /// about the time of the RSA verify. Returns null when only `parseNotification` can parse it.
    #[napi]
    pub fn parse_notification_offline(
        &self,
        headers: HashMap<String, String>,
        body: Buffer,
    ) -> Result<Option<Notification>> {
        guard(|| match self.inner.parse_notification_offline(&headers, &body) {
            None => Ok(None),
            Some(parsed) => parsed.map_err(to_napi)?.try_into().map(Some),
        })
    }

    /// Verifies, decrypts and parses a notification from its headers (names in any case) and
    /// raw body bytes. Downloads the certificates once when the serial is unknown.
    #[napi]
    pub async fn parse_notification(&self, headers: HashMap<String, String>, body: Buffer) -> Result<Notification> {
        let body = body.to_vec();
        self.inner.parse_notification(&headers, &body).await.map_err(to_napi)?.try_into()
    }
}
