//! The client object: every Global Auto-Debit endpoint as a `suspend` (Kotlin) or `async`
//! (Swift) method.
//!
//! The futures run on the tokio runtime that uniffi's `async_runtime = "tokio"` provides, so the
//! foreign side needs no Rust runtime of its own. Cancelling the calling coroutine or task drops
//! the Rust future, which abandons the call and any reconciling query, while a request that
//! already reached WeChat Pay may still take effect. After cancelling a deduction or refund,
//! query it by its merchant number.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::config::{self, ClientConfig, MerchantKeys, Mode};
use crate::error::PayResult;
use crate::models::{
    AppPreSignRequest, Contract, DeductionRequest, H5PreSignRequest, JsapiPreSignRequest, MiniProgramPreSignRequest,
    Order, PlatformCertificate, Refund, RefundList, RefundListRequest, RefundRequest, SessionIdResponse,
    ShowCodeUrlResponse, SignUrlResponse, WebPreSignRequest,
};
use crate::notification::Notification;

/// A WeChat Pay Global Auto-Debit client. Create one per merchant and share it, because it
/// contains the connection pool and the platform certificate cache. Its text form shows the configuration
/// with both keys redacted.
#[derive(uniffi::Object)]
#[uniffi::export(Display, Debug)]
pub struct Client {
    inner: papay::Client,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Client {
    /// Checks the configuration and creates the client; makes no network call.
    #[uniffi::constructor]
    pub fn new(config: ClientConfig, keys: Arc<MerchantKeys>) -> PayResult<Arc<Self>> {
        let config = config::build(config, &keys)?;
        Ok(Arc::new(Self { inner: papay::Client::new(config)? }))
    }

    /// Returns a client for another identity that shares this client's connections and
    /// certificates; an institution uses it to act for each of its sub-merchants.
    pub fn with_mode(&self, mode: Mode) -> PayResult<Arc<Client>> {
        Ok(Arc::new(Client { inner: self.inner.with_mode(mode.into())? }))
    }

    // ----- signing -----

    /// Creates a Mini Program signing session and returns its `session_id`.
    pub async fn mini_program_pre_sign(&self, request: MiniProgramPreSignRequest) -> PayResult<SessionIdResponse> {
        let response = self.inner.mini_program_pre_sign(&request.try_into()?).await?;
        Ok(SessionIdResponse { session_id: response.session_id })
    }

    /// Creates an H5 signing session and returns the `sign_url` the mobile browser opens.
    pub async fn h5_pre_sign(&self, request: H5PreSignRequest) -> PayResult<SignUrlResponse> {
        let response = self.inner.h5_pre_sign(&request.try_into()?).await?;
        Ok(SignUrlResponse { sign_url: response.sign_url })
    }

    /// Creates a JSAPI signing session and returns the `sign_url` opened inside WeChat.
    pub async fn jsapi_pre_sign(&self, request: JsapiPreSignRequest) -> PayResult<SignUrlResponse> {
        let response = self.inner.jsapi_pre_sign(&request.try_into()?).await?;
        Ok(SignUrlResponse { sign_url: response.sign_url })
    }

    /// Creates a PC Web signing session and returns the `show_code_url` to render as a QR code.
    pub async fn web_pre_sign(&self, request: WebPreSignRequest) -> PayResult<ShowCodeUrlResponse> {
        let response = self.inner.web_pre_sign(&request.try_into()?).await?;
        Ok(ShowCodeUrlResponse { show_code_url: response.show_code_url })
    }

    /// Creates an APP signing session and returns the `session_id` the app hands to WeChat.
    pub async fn app_pre_sign(&self, request: AppPreSignRequest) -> PayResult<SessionIdResponse> {
        let response = self.inner.app_pre_sign(&request.try_into()?).await?;
        Ok(SessionIdResponse { session_id: response.session_id })
    }

    // ----- contracts -----

    /// Queries a contract by WeChat Pay's `contract_id`.
    pub async fn query_contract_by_id(&self, contract_id: String) -> PayResult<Contract> {
        Ok(self.inner.query_contract_by_id(&contract_id).await?.into())
    }

    /// Queries a contract by the merchant's `out_contract_code` within template `plan_id`.
    pub async fn query_contract_by_out_contract_code(
        &self,
        plan_id: i64,
        out_contract_code: String,
    ) -> PayResult<Contract> {
        let plan_id = u64::try_from(plan_id).map_err(|_| {
            crate::error::invalid_argument(
                "plan_id",
                format!("must be the positive template id issued by WeChat Pay, got {plan_id}"),
            )
        })?;
        Ok(self.inner.query_contract_by_out_contract_code(plan_id, &out_contract_code).await?.into())
    }

    /// Terminates a contract. The result also arrives as a `PAPAY.TERMINATE` notification.
    pub async fn terminate_contract(&self, contract_id: String, termination_note: String) -> PayResult<()> {
        let request = papay::TerminateContractRequest { termination_note };
        Ok(self.inner.terminate_contract(&contract_id, &request).await?)
    }

    // ----- deductions and orders -----

    /// Charges the user under a contract. After a timeout or a 5xx the client queries the order
    /// by `out_trade_no` and returns its real state instead of charging twice.
    pub async fn deduct(&self, request: DeductionRequest) -> PayResult<Order> {
        Ok(self.inner.deduct(&request.into()).await?.into())
    }

    /// Queries an order by WeChat Pay's `transaction_id`.
    pub async fn query_order_by_transaction_id(&self, transaction_id: String) -> PayResult<Order> {
        Ok(self.inner.query_order_by_transaction_id(&transaction_id).await?.into())
    }

    /// Queries an order by the merchant's `out_trade_no`.
    pub async fn query_order_by_out_trade_no(&self, out_trade_no: String) -> PayResult<Order> {
        Ok(self.inner.query_order_by_out_trade_no(&out_trade_no).await?.into())
    }

    /// Closes an unpaid order. A paid order fails with `api_code` `ORDER_PAID` (refund it
    /// instead); an order already closed fails with `ORDER_CLOSED`.
    pub async fn reverse_order(&self, out_trade_no: String) -> PayResult<()> {
        Ok(self.inner.reverse_order(&out_trade_no).await?)
    }

    // ----- refunds -----

    /// Applies for a refund. The response only means "accepted"; the final state comes from the
    /// refund notification or a refund query. Reconciled like deductions.
    pub async fn refund(&self, request: RefundRequest) -> PayResult<Refund> {
        Ok(self.inner.refund(&request.into()).await?.into())
    }

    /// Queries a refund by WeChat Pay's refund id.
    pub async fn query_refund_by_id(&self, refund_id: String) -> PayResult<Refund> {
        Ok(self.inner.query_refund_by_id(&refund_id).await?.into())
    }

    /// Queries a refund by the merchant's `out_refund_no`.
    pub async fn query_refund_by_out_refund_no(&self, out_refund_no: String) -> PayResult<Refund> {
        Ok(self.inner.query_refund_by_out_refund_no(&out_refund_no).await?.into())
    }

    /// Lists one page of an order's refunds.
    pub async fn list_refunds(&self, request: RefundListRequest) -> PayResult<RefundList> {
        Ok(self.inner.list_refunds(&request.try_into()?).await?.into())
    }

    // ----- certificates and notifications -----

    /// Downloads, decrypts and checks the platform certificates, verifies the response with
    /// them and caches them. Returns them newest first.
    pub async fn download_certificates(&self) -> PayResult<Vec<PlatformCertificate>> {
        Ok(self.inner.download_certificates().await?.into_iter().map(PlatformCertificate::from).collect())
    }

    /// Returns the cached platform certificates, newest expiry first.
    pub fn platform_certificates(&self) -> Vec<PlatformCertificate> {
        self.inner.platform_certificates().into_iter().map(PlatformCertificate::from).collect()
    }

    /// Verifies, decrypts and parses a notification from its headers and raw body bytes. When
    /// `Wechatpay-Serial` is unknown, downloads the certificates once and tries again.
    pub async fn parse_notification(&self, headers: HashMap<String, String>, body: Vec<u8>) -> PayResult<Notification> {
        Ok(self.inner.parse_notification(&headers, &body).await?.into())
    }
}
