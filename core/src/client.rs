//! The client: every Global Auto-Debit endpoint over one request pipeline.
//!
//! typed request -> validate -> serialize once -> build the target once -> sign -> send ->
//! read raw bytes -> verify the signature over those bytes -> parse -> typed response.
//!
//! Queries are retried on connect errors, 429 and 5xx. Deductions and refunds are never resent
//! blindly: after a timeout, a broken connection or a 5xx the client queries the order or refund
//! by the merchant's own number and returns its real state. Only when that query proves the
//! order or refund does not exist is the original request sent once more, with the same
//! merchant number so WeChat Pay cannot apply it twice.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::certificate::{same_serial, PlatformCertificate};
use crate::config::{Config, Mode};
use crate::encoding::Target;
use crate::error::{ApiError, Error, ErrorDetail, Result};
use crate::headers::HeaderSource;
use crate::models::contracts::{Contract, TerminateContractRequest};
use crate::models::refunds::{Refund, RefundList, RefundListRequest, RefundRequest, RefundRequestWire};
use crate::models::signing::{
    AppPreSignRequest, H5PreSignRequest, JsapiPreSignRequest, MiniProgramPreSignRequest, SessionIdResponse,
    ShowCodeUrlResponse, SignUrlResponse, WebPreSignRequest,
};
use crate::models::transactions::{DeductionRequest, Order};
use crate::notification::{Notification, NotificationParser};
use crate::signing::RequestSigner;
use crate::transport::{Method, RawResponse, Transport};
use crate::validate;
use crate::verifier::{verify_signature, CertificateStore, KeySet, SignatureHeaders, VerifyOptions};

const CONTRACTS: &str = "/v3/global/papay/contracts";
const TRANSACTIONS: &str = "/v3/global/papay/transactions";
const REFUNDS: &str = "/v3/global/refunds";
const CERTIFICATES: &str = "/v3/global/certificates";

/// Window over which certificate downloads forced by an unknown `Wechatpay-Serial` are counted.
pub const FORCED_REFRESH_WINDOW: Duration = Duration::from_secs(30);

/// Most certificate downloads an unknown `Wechatpay-Serial` may force within
/// [`FORCED_REFRESH_WINDOW`]. A few allow a real rotation right after a bogus serial; the cap
/// keeps forged notifications from turning into a stream of downloads.
pub const MAX_FORCED_REFRESHES_PER_WINDOW: usize = 3;

/// A WeChat Pay Global Auto-Debit client. Cheap to clone; clones share the connection pool and
/// the platform certificate cache.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    mode: Arc<Mode>,
}

struct Inner {
    config: Config,
    transport: Transport,
    keys: KeySet,
    store: Option<Arc<CertificateStore>>,
    refresh_lock: tokio::sync::Mutex<()>,
    forced_refreshes: tokio::sync::Mutex<std::collections::VecDeque<std::time::Instant>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("config", &self.inner.config).field("mode", &self.mode).finish()
    }
}

/// One call of the pipeline, after validation and serialization.
struct Call {
    endpoint: &'static str,
    method: Method,
    target: String,
    body: Option<Vec<u8>>,
    idempotent: bool,
}

impl Client {
    /// Creates a client. Fails on an unusable configuration; makes no network call.
    pub fn new(config: Config) -> Result<Self> {
        let signer = RequestSigner::new(config.mchid.clone(), config.serial_no.clone(), config.private_key.clone());
        let transport = Transport::new(&config, signer)?;

        let store = config.verification.download_certificates.then(|| Arc::new(CertificateStore::new()));
        let preloaded = Arc::new(CertificateStore::new());
        for certificate in &config.verification.certificates {
            match &store {
                Some(store) => store.insert(certificate.clone()),
                None => preloaded.insert(certificate.clone()),
            }
        }
        let certificates = match &store {
            Some(store) => Some(store.clone()),
            None if !preloaded.is_empty() => Some(preloaded),
            None => None,
        };
        let keys = KeySet { static_keys: Arc::new(config.verification.public_keys.clone()), certificates };
        let mode = Arc::new(config.mode.clone());

        Ok(Self {
            inner: Arc::new(Inner {
                config,
                transport,
                keys,
                store,
                refresh_lock: tokio::sync::Mutex::new(()),
                forced_refreshes: tokio::sync::Mutex::new(std::collections::VecDeque::new()),
            }),
            mode,
        })
    }

    /// Returns a client for another identity that shares this client's connections and
    /// certificates; an institution uses it to act for each of its sub-merchants.
    pub fn with_mode(&self, mode: Mode) -> Result<Self> {
        mode.validate()?;
        Ok(Self { inner: self.inner.clone(), mode: Arc::new(mode) })
    }

    /// Returns the identity mode that requests carry.
    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    // ----- signing -----

    /// Creates a Mini Program signing session and returns its `session_id`.
    pub async fn mini_program_pre_sign(&self, request: &MiniProgramPreSignRequest) -> Result<SessionIdResponse> {
        request.validate()?;
        self.post_json(
            "mini_program_pre_sign",
            format!("{CONTRACTS}/miniprogram-pre-entrust-sign"),
            &self.with_papay_identity(request),
        )
        .await
    }

    /// Creates an H5 signing session and returns the `sign_url` the mobile browser opens.
    pub async fn h5_pre_sign(&self, request: &H5PreSignRequest) -> Result<SignUrlResponse> {
        request.validate()?;
        self.post_json("h5_pre_sign", format!("{CONTRACTS}/h5-pre-entrust-sign"), &self.with_papay_identity(request))
            .await
    }

    /// Creates a JSAPI signing session and returns the `sign_url` opened inside WeChat.
    pub async fn jsapi_pre_sign(&self, request: &JsapiPreSignRequest) -> Result<SignUrlResponse> {
        request.validate()?;
        self.post_json(
            "jsapi_pre_sign",
            format!("{CONTRACTS}/jsapi-pre-entrust-sign"),
            &self.with_papay_identity(request),
        )
        .await
    }

    /// Creates a PC Web signing session and returns the `show_code_url` to render as a QR code
    /// (see [`crate::app_signing::qr_code_svg`]).
    pub async fn web_pre_sign(&self, request: &WebPreSignRequest) -> Result<ShowCodeUrlResponse> {
        request.validate()?;
        self.post_json("web_pre_sign", format!("{CONTRACTS}/web-pre-entrust-sign"), &self.with_papay_identity(request))
            .await
    }

    /// Creates an APP signing session and returns the `session_id` the app hands to WeChat.
    pub async fn app_pre_sign(&self, request: &AppPreSignRequest) -> Result<SessionIdResponse> {
        request.validate()?;
        self.post_json("app_pre_sign", format!("{CONTRACTS}/app-pre-entrust-sign"), &self.with_papay_identity(request))
            .await
    }

    // ----- contracts -----

    /// Queries a contract by WeChat Pay's `contract_id`.
    pub async fn query_contract_by_id(&self, contract_id: &str) -> Result<Contract> {
        validate::identifier("contract_id", contract_id, 1, 64)?;
        let target = self.papay_query(Target::new(CONTRACTS).segment(contract_id)).build();
        self.get_json("query_contract_by_id", target).await
    }

    /// Queries a contract by the merchant's `out_contract_code` within template `plan_id`.
    pub async fn query_contract_by_out_contract_code(&self, plan_id: u64, out_contract_code: &str) -> Result<Contract> {
        validate::merchant_number("out_contract_code", out_contract_code, 32)?;
        if plan_id == 0 {
            return Err(Error::invalid_argument("plan_id", "must be the positive template id issued by WeChat Pay"));
        }
        let target = Target::new(CONTRACTS).literal("/out-contract-code").segment(out_contract_code);
        let target = self.papay_query(target).query("plan_id", plan_id.to_string()).build();
        self.get_json("query_contract_by_out_contract_code", target).await
    }

    /// Terminates a contract. WeChat Pay responds 204, and the result also arrives as a
    /// `PAPAY.TERMINATE` notification at the template's termination URL.
    pub async fn terminate_contract(&self, contract_id: &str, request: &TerminateContractRequest) -> Result<()> {
        validate::identifier("contract_id", contract_id, 1, 64)?;
        request.validate()?;
        let target = Target::new(CONTRACTS).segment(contract_id).literal("/terminate").build();
        let body = serialize("terminate_contract", &self.with_papay_identity(request))?;
        let call =
            Call { endpoint: "terminate_contract", method: Method::Post, target, body: Some(body), idempotent: false };
        self.execute(&call).await.map(|_| ())
    }

    // ----- deductions and orders -----

    /// Charges the user under a contract. The result is synchronous; see the module
    /// documentation for what happens after a timeout or a 5xx.
    pub async fn deduct(&self, request: &DeductionRequest) -> Result<Order> {
        request.validate()?;
        let body = serialize("deduct", &self.with_papay_identity(request))?;
        let call = Call {
            endpoint: "deduct",
            method: Method::Post,
            target: TRANSACTIONS.to_owned(),
            body: Some(body),
            idempotent: false,
        };

        let no = request.out_trade_no.clone();
        let client = self.clone();
        self.money_moving(&call, "deduction", &request.out_trade_no, move || {
            let client = client.clone();
            let no = no.clone();
            async move { client.query_order_by_out_trade_no(&no).await }
        })
        .await
    }

    /// Queries an order by WeChat Pay's `transaction_id`.
    pub async fn query_order_by_transaction_id(&self, transaction_id: &str) -> Result<Order> {
        validate::identifier("transaction_id", transaction_id, 1, 32)?;
        let target = self.order_query(Target::new(TRANSACTIONS).segment(transaction_id)).build();
        self.get_json("query_order_by_transaction_id", target).await
    }

    /// Queries an order by the merchant's `out_trade_no`.
    pub async fn query_order_by_out_trade_no(&self, out_trade_no: &str) -> Result<Order> {
        validate::length("out_trade_no", out_trade_no, 1, 32)?;
        let target = self.order_query(Target::new(TRANSACTIONS).literal("/out-trade-no").segment(out_trade_no)).build();
        self.get_json("query_order_by_out_trade_no", target).await
    }

    /// Closes an unpaid order. A paid order fails with `ORDER_PAID` (refund it instead), and an
    /// order already closed fails with `ORDER_CLOSED`, which callers may treat as success.
    pub async fn reverse_order(&self, out_trade_no: &str) -> Result<()> {
        validate::length("out_trade_no", out_trade_no, 1, 32)?;
        let target =
            Target::new(TRANSACTIONS).literal("/out-trade-no").segment(out_trade_no).literal("/reverse").build();
        // Common mode sends no body, as WeChat Pay's example does; Institutional mode names the
        // sub-merchant.
        let body = match &*self.mode {
            Mode::Common { .. } => None,
            Mode::Institutional { sub_mchid, .. } => {
                Some(serialize("reverse_order", &serde_json::json!({ "sub_mchid": sub_mchid }))?)
            }
        };
        let call = Call { endpoint: "reverse_order", method: Method::Post, target, body, idempotent: false };
        self.execute(&call).await.map(|_| ())
    }

    // ----- refunds -----

    /// Applies for a refund. The answer only means "accepted"; the final state comes from the
    /// refund notification or [`Client::query_refund_by_out_refund_no`]. Reconciled like
    /// deductions.
    pub async fn refund(&self, request: &RefundRequest) -> Result<Refund> {
        request.validate()?;
        let body = serialize(
            "refund",
            &WithIdentity { identity: self.refund_identity(), body: RefundRequestWire::from(request) },
        )?;
        let call = Call {
            endpoint: "refund",
            method: Method::Post,
            target: REFUNDS.to_owned(),
            body: Some(body),
            idempotent: false,
        };

        let no = request.out_refund_no.clone();
        let client = self.clone();
        self.money_moving(&call, "refund", &request.out_refund_no, move || {
            let client = client.clone();
            let no = no.clone();
            async move { client.query_refund_by_out_refund_no(&no).await }
        })
        .await
    }

    /// Queries a refund by WeChat Pay's refund id.
    pub async fn query_refund_by_id(&self, refund_id: &str) -> Result<Refund> {
        validate::identifier("refund_id", refund_id, 1, 32)?;
        let target = self.refund_query(Target::new(REFUNDS).literal("/id").segment(refund_id)).build();
        self.get_json("query_refund_by_id", target).await
    }

    /// Queries a refund by the merchant's `out_refund_no`.
    pub async fn query_refund_by_out_refund_no(&self, out_refund_no: &str) -> Result<Refund> {
        validate::length("out_refund_no", out_refund_no, 1, 64)?;
        let target = self.refund_query(Target::new(REFUNDS).literal("/out-refund-no").segment(out_refund_no)).build();
        self.get_json("query_refund_by_out_refund_no", target).await
    }

    /// Lists one page of an order's refunds.
    pub async fn list_refunds(&self, request: &RefundListRequest) -> Result<RefundList> {
        request.validate()?;
        let (key, value) = request.order.as_pair();
        let target = self
            .refund_query(Target::new(REFUNDS).query(key, value))
            .query("offset", request.offset.to_string())
            .query("count", request.count.to_string())
            .build();
        self.get_json("list_refunds", target).await
    }

    // ----- certificates and notifications -----

    /// Downloads the platform certificates, decrypts and checks them, verifies the response with
    /// them, and stores them in the cache. Returns them newest first.
    pub async fn download_certificates(&self) -> Result<Vec<PlatformCertificate>> {
        let certificates = self.fetch_certificates().await?;
        if let Some(store) = &self.inner.store {
            for certificate in &certificates {
                store.insert(certificate.clone());
            }
            store.mark_refreshed(self.inner.config.clock.now());
        }
        Ok(certificates)
    }

    /// Returns the `Authorization` header for a request to an endpoint papay does not model,
    /// signed with the merchant key over `method`, `target` (path and query exactly as sent)
    /// and the exact `body` bytes. `timestamp` defaults to the client's clock and `nonce` to a
    /// fresh random one. Pass both to reproduce the `sign_information` that WeChat Pay returns
    /// with a SIGN_ERROR.
    pub fn sign_request(
        &self,
        method: &str,
        target: &str,
        body: &[u8],
        timestamp: Option<i64>,
        nonce: Option<&str>,
    ) -> Result<String> {
        let timestamp = timestamp.unwrap_or_else(|| self.inner.config.clock.now().timestamp());
        let fresh_nonce;
        let nonce = match nonce {
            Some(nonce) => nonce,
            None => {
                fresh_nonce = crate::crypto::random_nonce(crate::signing::NONCE_LEN);
                &fresh_nonce
            }
        };
        crate::signing::check_request_parts(method, target, timestamp, nonce)?;
        self.inner.transport.signer().authorization_with_nonce(method, target, timestamp, nonce, body)
    }

    /// Returns the cached platform certificates, newest expiry first.
    pub fn platform_certificates(&self) -> Vec<PlatformCertificate> {
        self.inner.keys.certificates.as_ref().map(|store| store.certificates()).unwrap_or_default()
    }

    /// Returns a parser that verifies notifications with this client's keys, window and clock,
    /// without network access. [`Client::parse_notification`] adds one certificate refresh on
    /// an unknown serial.
    pub fn notification_parser(&self) -> NotificationParser {
        NotificationParser::new(
            Arc::new(self.inner.keys.clone()),
            self.inner.config.apiv3_key.clone(),
            self.inner.config.clock.clone(),
            self.inner.config.timestamp_window_seconds,
        )
    }

    /// Verifies, decrypts and parses a notification from its raw body bytes and headers. When
    /// `Wechatpay-Serial` is unknown, downloads the certificates once and tries again.
    pub async fn parse_notification<H: HeaderSource + ?Sized>(&self, headers: &H, body: &[u8]) -> Result<Notification> {
        self.ensure_certificates().await?;
        let parser = self.notification_parser();
        match parser.parse(headers, body) {
            Err(Error::UnknownSerial { .. }) if self.inner.store.is_some() => {
                self.force_refresh().await?;
                parser.parse_refreshed(headers, body, true)
            }
            other => other,
        }
    }

    /// Parses a notification like [`Client::parse_notification`] but never waits for the
    /// network. Returns `None` when that call would download certificates first: a scheduled
    /// refresh is due, or the serial is unknown and certificate download is on. Bindings call
    /// it on their calling thread and fall back to the async call only for `None`.
    pub fn parse_notification_offline<H: HeaderSource + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
    ) -> Option<Result<Notification>> {
        if let Some(store) = &self.inner.store {
            if store.refresh_due(self.inner.config.clock.now(), self.refresh_interval()) {
                return None;
            }
        }
        match self.notification_parser().parse(headers, body) {
            Err(Error::UnknownSerial { .. }) if self.inner.store.is_some() => None,
            other => Some(other),
        }
    }

    // ----- pipeline -----

    async fn post_json<T: DeserializeOwned, B: Serialize>(
        &self,
        endpoint: &'static str,
        target: String,
        body: &B,
    ) -> Result<T> {
        let body = serialize(endpoint, body)?;
        let call = Call { endpoint, method: Method::Post, target, body: Some(body), idempotent: false };
        let raw = self.execute(&call).await?;
        parse_body(endpoint, &raw)
    }

    async fn get_json<T: DeserializeOwned>(&self, endpoint: &'static str, target: String) -> Result<T> {
        let call = Call { endpoint, method: Method::Get, target, body: None, idempotent: true };
        let raw = self.execute(&call).await?;
        parse_body(endpoint, &raw)
    }

    /// Sends `call` with retries, verifies the response and maps error statuses.
    async fn execute(&self, call: &Call) -> Result<RawResponse> {
        self.ensure_certificates().await?;
        let retry = &self.inner.config.retry;
        let mut attempt = 1;
        loop {
            let result =
                self.inner.transport.send(call.endpoint, call.method, &call.target, call.body.as_deref()).await;
            let retryable = match &result {
                // Nothing reached the server, so any request may be sent again.
                Err(Error::Transport { kind: crate::error::TransportKind::Connect, .. }) => true,
                Err(Error::Transport { .. } | Error::Timeout { .. }) => call.idempotent,
                Ok(raw) => call.idempotent && (raw.status == 429 || raw.status >= 500),
                Err(_) => false,
            };
            if retryable && attempt < retry.max_attempts {
                let delay = backoff(retry, attempt);
                tracing::warn!(
                    endpoint = call.endpoint,
                    attempt,
                    delay_ms = delay.as_millis() as u64,
                    "retrying WeChat Pay call"
                );
                tokio::time::sleep(delay).await;
                attempt += 1;
                continue;
            }
            return self.finish(call.endpoint, result?).await;
        }
    }

    async fn finish(&self, endpoint: &'static str, raw: RawResponse) -> Result<RawResponse> {
        let verified = self.verify_response(&raw).await;
        if (200..300).contains(&raw.status) {
            verified?;
            return Ok(raw);
        }
        Err(api_error(endpoint, &raw, verified.is_ok()))
    }

    async fn verify_response(&self, raw: &RawResponse) -> Result<()> {
        let headers = SignatureHeaders::from_headers(&raw.headers, "response")?;
        let mut options = VerifyOptions {
            context: "response",
            now: self.inner.config.clock.now(),
            timestamp_window_seconds: Some(self.inner.config.timestamp_window_seconds),
            refreshed: false,
        };
        match verify_signature(&self.inner.keys, &headers, &raw.body, options) {
            Err(Error::UnknownSerial { .. }) if self.inner.store.is_some() => {
                self.force_refresh().await?;
                options.refreshed = true;
                options.now = self.inner.config.clock.now();
                verify_signature(&self.inner.keys, &headers, &raw.body, options).map(|_| ())
            }
            other => other.map(|_| ()),
        }
    }

    /// Runs a deduction or refund, reconciling on an uncertain outcome.
    async fn money_moving<T, F, Fut>(
        &self,
        call: &Call,
        operation: &'static str,
        merchant_no: &str,
        query: F,
    ) -> Result<T>
    where
        T: DeserializeOwned,
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let first = match self.execute(call).await {
            Ok(raw) => parse_body(call.endpoint, &raw),
            Err(error) => Err(error),
        };
        let cause = match first {
            Err(error) if outcome_uncertain(&error) => error,
            other => return other,
        };
        tracing::warn!(operation, merchant_no, error = %cause, "outcome uncertain, querying by merchant number");

        match query().await {
            Ok(state) => Ok(state),
            Err(query_error) if is_not_found(&query_error) => {
                tracing::warn!(
                    operation,
                    merchant_no,
                    "not found after a failed call, sending it once more with the same merchant number"
                );
                let second = match self.execute(call).await {
                    Ok(raw) => parse_body(call.endpoint, &raw),
                    Err(error) => Err(error),
                };
                match second {
                    Err(error) if outcome_uncertain(&error) => {
                        query().await.map_err(|query_error| Error::OutcomeUnknown {
                            operation,
                            merchant_no: merchant_no.to_owned(),
                            cause: error.to_string(),
                            query_error: query_error.to_string(),
                        })
                    }
                    other => other,
                }
            }
            Err(query_error) => Err(Error::OutcomeUnknown {
                operation,
                merchant_no: merchant_no.to_owned(),
                cause: cause.to_string(),
                query_error: query_error.to_string(),
            }),
        }
    }

    // ----- certificates -----

    fn refresh_interval(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.inner.config.certificate_refresh_interval)
            .unwrap_or(chrono::Duration::hours(12))
    }

    async fn ensure_certificates(&self) -> Result<()> {
        let Some(store) = &self.inner.store else { return Ok(()) };
        let now = self.inner.config.clock.now();
        let interval = self.refresh_interval();
        if !store.refresh_due(now, interval) {
            return Ok(());
        }
        let _guard = self.inner.refresh_lock.lock().await;
        if !store.refresh_due(self.inner.config.clock.now(), interval) {
            return Ok(());
        }
        match self.download_certificates().await {
            Ok(_) => Ok(()),
            // With usable certificates cached, a failed scheduled refresh is not fatal.
            Err(error) if !store.is_empty() => {
                tracing::warn!(error = %error, "platform certificate refresh failed, keeping the cached certificates");
                Ok(())
            }
            Err(error) => Err(error),
        }
    }

    async fn force_refresh(&self) -> Result<()> {
        let before = self.inner.store.as_ref().and_then(|s| s.last_refresh());
        let _guard = self.inner.refresh_lock.lock().await;
        // Another task refreshed while this one waited: one refresh serves both.
        if self.inner.store.as_ref().and_then(|s| s.last_refresh()) != before {
            return Ok(());
        }
        // Anyone who can reach the notify URL can send an unknown serial, so forced downloads
        // are spaced out instead of following every such message.
        let mut recent = self.inner.forced_refreshes.lock().await;
        while recent.front().is_some_and(|at| at.elapsed() >= FORCED_REFRESH_WINDOW) {
            recent.pop_front();
        }
        if recent.len() >= MAX_FORCED_REFRESHES_PER_WINDOW {
            tracing::debug!(
                "unknown Wechatpay-Serial, but the forced certificate downloads of the last 30 s are used up"
            );
            return Ok(());
        }
        recent.push_back(std::time::Instant::now());
        tracing::warn!("unknown Wechatpay-Serial, downloading platform certificates again");
        self.download_certificates().await.map(|_| ())
    }

    async fn fetch_certificates(&self) -> Result<Vec<PlatformCertificate>> {
        let retry = &self.inner.config.retry;
        let mut attempt = 1;
        let raw = loop {
            let result = self.inner.transport.send("download_certificates", Method::Get, CERTIFICATES, None).await;
            let retryable = match &result {
                Err(Error::Transport { .. } | Error::Timeout { .. }) => true,
                Ok(raw) => raw.status == 429 || raw.status >= 500,
                Err(_) => false,
            };
            if retryable && attempt < retry.max_attempts {
                tokio::time::sleep(backoff(retry, attempt)).await;
                attempt += 1;
                continue;
            }
            break result?;
        };

        if raw.status != 200 {
            let headers = SignatureHeaders::from_headers(&raw.headers, "response");
            let verified = headers.is_ok_and(|h| {
                verify_signature(&self.inner.keys, &h, &raw.body, self.verify_options("response", false)).is_ok()
            });
            return Err(api_error("download_certificates", &raw, verified));
        }

        let listing: CertificateListing = serde_json::from_slice(&raw.body).map_err(|e| {
            Error::malformed(
                "certificate download response",
                format!("not the expected JSON: {}", describe_json_error(&e)),
            )
        })?;
        let merchant_spki = self.inner.transport.signer().key().public_key_der();
        let mut certificates = Vec::with_capacity(listing.data.len());
        for entry in &listing.data {
            let encrypted = &entry.encrypt_certificate;
            if encrypted.algorithm != "AEAD_AES_256_GCM" {
                return Err(Error::UnsupportedAlgorithm {
                    what: "encrypt_certificate.algorithm",
                    value: encrypted.algorithm.clone(),
                    expected: "AEAD_AES_256_GCM",
                });
            }
            let pem = self.inner.config.apiv3_key.decrypt(
                &encrypted.nonce,
                encrypted.associated_data.as_deref().unwrap_or_default(),
                &encrypted.ciphertext,
                "platform certificate",
            )?;
            let certificate = PlatformCertificate::from_pem(&pem)?;
            if !same_serial(certificate.serial_no(), &entry.serial_no) {
                return Err(Error::malformed(
                    "certificate download response",
                    format!("entry {} decrypts to certificate {}", entry.serial_no, certificate.serial_no()),
                ));
            }
            if certificate.public_key().spki_der() == merchant_spki.as_slice() {
                return Err(Error::malformed(
                    "certificate download response",
                    format!("certificate {} carries the merchant's own public key", entry.serial_no),
                ));
            }
            certificates.push(certificate);
        }

        // The listing is signed by one of the certificates it carries (or one already known):
        // decrypt first, then verify with the decrypted certificate.
        // Downloaded copies are inserted last so they replace cached ones with the same serial.
        let candidates = Arc::new(CertificateStore::new());
        for certificate in self.platform_certificates().into_iter().chain(certificates.iter().cloned()) {
            candidates.insert(certificate);
        }
        let keys = KeySet { static_keys: self.inner.keys.static_keys.clone(), certificates: Some(candidates) };
        let headers = SignatureHeaders::from_headers(&raw.headers, "response")?;
        verify_signature(&keys, &headers, &raw.body, self.verify_options("response", false))?;

        certificates.sort_by_key(|c| std::cmp::Reverse(c.not_after()));
        tracing::debug!(count = certificates.len(), "platform certificates downloaded");
        Ok(certificates)
    }

    fn verify_options(&self, context: &'static str, refreshed: bool) -> VerifyOptions {
        VerifyOptions {
            context,
            now: self.inner.config.clock.now(),
            timestamp_window_seconds: Some(self.inner.config.timestamp_window_seconds),
            refreshed,
        }
    }

    // ----- identity -----

    fn with_papay_identity<'a, T: Serialize>(&'a self, body: &'a T) -> WithIdentity<PapayIdentity<'a>, &'a T> {
        let identity = match &*self.mode {
            Mode::Common { appid } => PapayIdentity { appid: Some(appid), ..Default::default() },
            Mode::Institutional { sp_appid, sub_mchid, sub_appid } => PapayIdentity {
                sp_appid: Some(sp_appid),
                sub_mchid: Some(sub_mchid),
                sub_appid: sub_appid.as_deref(),
                ..Default::default()
            },
        };
        WithIdentity { identity, body }
    }

    fn refund_identity(&self) -> RefundIdentity<'_> {
        let mchid = self.inner.config.mchid.as_str();
        match &*self.mode {
            Mode::Common { appid } => RefundIdentity { mchid: Some(mchid), appid: Some(appid), ..Default::default() },
            Mode::Institutional { sp_appid, sub_mchid, sub_appid } => RefundIdentity {
                sp_mchid: Some(mchid),
                sub_mchid: Some(sub_mchid),
                sp_appid: Some(sp_appid),
                sub_appid: sub_appid.as_deref(),
                ..Default::default()
            },
        }
    }

    fn papay_query(&self, target: Target) -> Target {
        match &*self.mode {
            Mode::Common { appid } => target.query("appid", appid.as_str()),
            Mode::Institutional { sp_appid, sub_mchid, sub_appid } => target
                .query("sp_appid", sp_appid.as_str())
                .query("sub_mchid", sub_mchid.as_str())
                .query_opt("sub_appid", sub_appid.as_deref()),
        }
    }

    fn order_query(&self, target: Target) -> Target {
        match &*self.mode {
            Mode::Common { .. } => target,
            Mode::Institutional { sub_mchid, .. } => target.query("sub_mchid", sub_mchid.as_str()),
        }
    }

    fn refund_query(&self, target: Target) -> Target {
        let mchid = self.inner.config.mchid.as_str();
        match &*self.mode {
            Mode::Common { .. } => target.query("mchid", mchid),
            Mode::Institutional { sub_mchid, .. } => {
                target.query("sp_mchid", mchid).query("sub_mchid", sub_mchid.as_str())
            }
        }
    }
}

#[derive(Serialize, Default)]
struct PapayIdentity<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    appid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sp_appid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_mchid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_appid: Option<&'a str>,
}

#[derive(Serialize, Default)]
struct RefundIdentity<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    mchid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sp_mchid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_mchid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    appid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sp_appid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_appid: Option<&'a str>,
}

#[derive(Serialize)]
struct WithIdentity<I, T> {
    #[serde(flatten)]
    identity: I,
    #[serde(flatten)]
    body: T,
}

#[derive(Deserialize)]
struct CertificateListing {
    data: Vec<CertificateEntry>,
}

#[derive(Deserialize)]
struct CertificateEntry {
    serial_no: String,
    encrypt_certificate: EncryptedCertificate,
}

#[derive(Deserialize)]
struct EncryptedCertificate {
    algorithm: String,
    nonce: String,
    #[serde(default)]
    associated_data: Option<String>,
    ciphertext: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    detail: Option<serde_json::Value>,
}

fn serialize<T: Serialize>(endpoint: &'static str, body: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(body)
        .map_err(|e| Error::invalid_argument(endpoint, format!("request body cannot be serialized: {e}")))
}

fn parse_body<T: DeserializeOwned>(endpoint: &'static str, raw: &RawResponse) -> Result<T> {
    serde_json::from_slice(&raw.body).map_err(|e| {
        let what = format!(
            "{endpoint} response (HTTP {}, Request-ID {})",
            raw.status,
            raw.request_id.as_deref().unwrap_or("none")
        );
        Error::malformed(what, format!("not the expected JSON: {}", describe_json_error(&e)))
    })
}

fn api_error(endpoint: &'static str, raw: &RawResponse, signature_verified: bool) -> Error {
    let parsed: Option<ErrorBody> = serde_json::from_slice(&raw.body).ok();
    let (code, message, detail) = match parsed {
        Some(body) => {
            let detail = body.detail.map(|value| {
                let mut detail: ErrorDetail = serde_json::from_value(value.clone()).unwrap_or_default();
                detail.raw = Some(value);
                detail
            });
            (body.code.unwrap_or_default(), body.message.unwrap_or_default(), detail)
        }
        None => {
            let content_type =
                raw.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("unknown");
            (String::new(), format!("{endpoint}: non-JSON error body ({content_type}, {} bytes)", raw.body.len()), None)
        }
    };
    Error::Api(Box::new(ApiError {
        status: raw.status,
        code,
        message,
        detail,
        request_id: raw.request_id.clone(),
        signature_verified,
    }))
}

/// Whether a money-moving call may have taken effect although it failed. A 2xx answer that
/// fails verification counts: WeChat Pay may have charged, and only a verified query can tell.
fn outcome_uncertain(error: &Error) -> bool {
    match error {
        Error::Timeout { .. }
        | Error::Transport { .. }
        | Error::MalformedMessage { .. }
        | Error::SignatureHeadersMissing { .. }
        | Error::UnsupportedAlgorithm { .. }
        | Error::UnknownSerial { .. }
        | Error::CertificateExpired { .. }
        | Error::SignatureInvalid { .. }
        | Error::TimestampOutOfWindow { .. } => true,
        Error::Api(api) => api.status >= 500,
        _ => false,
    }
}

/// Describes a JSON decoding failure without quoting the input: serde's messages can contain
/// values from the document, such as an openid.
pub(crate) fn describe_json_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    if text.starts_with("missing field") {
        return text;
    }
    let category = match error.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "invalid JSON syntax",
        serde_json::error::Category::Data => "a field has an unexpected type or value",
        serde_json::error::Category::Eof => "the JSON ends early",
    };
    format!("{category} at line {} column {}", error.line(), error.column())
}

fn is_not_found(error: &Error) -> bool {
    matches!(error, Error::Api(api) if api.status == 404 || matches!(api.code.as_str(), "NOT_FOUND" | "RESOURCE_NOT_EXISTS" | "ORDER_NOT_EXIST"))
}

fn backoff(retry: &crate::config::RetryPolicy, attempt: u32) -> Duration {
    let exponent = attempt.saturating_sub(1).min(16);
    let base = retry.initial_backoff.saturating_mul(1 << exponent).min(retry.max_backoff);
    // Full jitter in [base/2, base] spreads retries of concurrent callers.
    let jitter_source =
        crate::crypto::random_nonce(4).bytes().fold(0u32, |acc, b| acc.wrapping_mul(31).wrapping_add(u32::from(b)));
    let fraction = f64::from(jitter_source % 1000) / 1000.0;
    base.mul_f64(0.5 + fraction / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_error_description_does_not_quote_values() {
        let body =
            r#"{"out_trade_no":"A1","trade_state":"SUCCESS","amount":{"total":"oSECRET_openid","currency":"HKD"}}"#;
        let error = serde_json::from_str::<Order>(body).err().map(|e| describe_json_error(&e)).unwrap_or_default();
        assert!(!error.contains("oSECRET_openid"), "{error}");
        assert!(error.contains("line 1"), "{error}");
    }

    #[test]
    fn json_error_description_names_missing_field() {
        let error = serde_json::from_str::<Order>(r#"{"out_trade_no":"A1"}"#).err().map(|e| describe_json_error(&e));
        assert!(error.is_some_and(|e| e.starts_with("missing field")));
    }
}
