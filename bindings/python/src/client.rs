//! `NativeClient`: one method per endpoint of `papay::Client`, each returning a
//! [`PendingCall`] that Python either waits for (`papay.Client`) or awaits (`papay.AsyncClient`).
//!
//! Arguments arrive as keyword arguments already normalised by `papay/client.py` (keys as
//! bytes, times as RFC 3339 text); this file only builds the core's request types and lets the
//! core validate them. The client remembers its configuration inputs so that a forked child can
//! build its own `papay::Client`: connections pooled by the parent's runtime are unusable there.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use pyo3::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use crate::errors::BindingError;
use crate::runtime::{self, Converter};

type BoxedCall = Pin<Box<dyn Future<Output = Result<Converter, BindingError>> + Send>>;

/// A Rust call that has not started yet. `wait()` runs it with the GIL released; `await`
/// runs it on the shared runtime and resolves an asyncio future. It runs at most once.
#[pyclass(module = "papay._native", frozen)]
pub struct PendingCall {
    call: Mutex<Option<BoxedCall>>,
    /// Whether `await` polls the call once on the loop's thread first; see
    /// [`runtime::into_awaitable`].
    first_poll_here: bool,
}

impl std::fmt::Debug for PendingCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let started = self.call.lock().unwrap_or_else(PoisonError::into_inner).is_none();
        f.debug_struct("PendingCall").field("started", &started).finish()
    }
}

impl PendingCall {
    /// Wraps a core call whose result Python receives in the core's serde form: dicts, lists,
    /// ints and strings, with times as RFC 3339 text, which `papay/models.py` turns into models.
    fn new<T, F>(future: F) -> Self
    where
        T: Serialize + Send + 'static,
        F: Future<Output = papay::Result<T>> + Send + 'static,
    {
        let call: BoxedCall = Box::pin(async move {
            let value = future.await?;
            let convert: Converter = Box::new(move |py| crate::convert::serialize_to_py(py, &value));
            Ok(convert)
        });
        Self { call: Mutex::new(Some(call)), first_poll_here: false }
    }

    /// Like [`PendingCall::new`], for a call that normally finishes without I/O, so that `await`
    /// runs it on the loop's thread instead of handing it to a worker and back.
    fn without_io<T, F>(future: F) -> Self
    where
        T: Serialize + Send + 'static,
        F: Future<Output = papay::Result<T>> + Send + 'static,
    {
        Self { first_poll_here: true, ..Self::new(future) }
    }

    fn take(&self) -> PyResult<BoxedCall> {
        self.call.lock().unwrap_or_else(PoisonError::into_inner).take().ok_or_else(|| {
            crate::errors::internal_error("this call was already run; call the client method again".into())
        })
    }
}

#[pymethods]
impl PendingCall {
    /// Runs the call and returns its JSON result as Python objects.
    fn wait(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let call = self.take()?;
        runtime::wait_converted(py, call)
    }

    fn __await__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let call = self.take()?;
        runtime::into_awaitable(py, call, self.first_poll_here)?.call_method0("__await__")
    }
}

/// Configuration inputs, kept to build the client again after a fork. Key material is zeroized
/// when the client is dropped.
struct Settings {
    mchid: String,
    serial_no: String,
    private_key_pem: Option<Zeroizing<Vec<u8>>>,
    private_key_file: Option<String>,
    apiv3_key: Zeroizing<Vec<u8>>,
    mode: papay::Mode,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
    accept_language: Option<String>,
    platform_certificates: Vec<Vec<u8>>,
    platform_public_keys: Vec<(String, Vec<u8>)>,
    download_certificates: bool,
    timestamp_window_seconds: Option<u64>,
    max_attempts: Option<u32>,
    fixed_time: Option<i64>,
}

impl Settings {
    fn build(&self) -> papay::Result<papay::Client> {
        let mut builder = papay::Config::builder()
            .mchid(&self.mchid)
            .serial_no(&self.serial_no)
            .apiv3_key(self.apiv3_key.to_vec())
            .mode(self.mode.clone())
            .download_certificates(self.download_certificates);
        if let Some(pem) = &self.private_key_pem {
            builder = builder.private_key_pem(pem.to_vec());
        }
        if let Some(path) = &self.private_key_file {
            builder = builder.private_key_file(path);
        }
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url);
        }
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        if let Some(user_agent) = &self.user_agent {
            builder = builder.user_agent(user_agent);
        }
        if let Some(language) = &self.accept_language {
            builder = builder.accept_language(language);
        }
        for pem in &self.platform_certificates {
            builder = builder.platform_certificate(pem.clone());
        }
        for (id, pem) in &self.platform_public_keys {
            builder = builder.platform_public_key(id, pem.clone());
        }
        if let Some(seconds) = self.timestamp_window_seconds {
            builder = builder.timestamp_window_seconds(seconds);
        }
        if let Some(unix_seconds) = self.fixed_time {
            builder = builder.clock(std::sync::Arc::new(papay::FixedClock::new(unix_seconds)));
        }
        if let Some(max_attempts) = self.max_attempts {
            builder = builder.retry(papay::RetryPolicy { max_attempts, ..papay::RetryPolicy::default() });
        }
        papay::Client::new(builder.build()?)
    }
}

/// The `papay::Client` of the process that built it.
struct ProcessClient {
    pid: u32,
    client: papay::Client,
}

/// Backs `papay.Client` and `papay.AsyncClient`.
#[pyclass(module = "papay._native", frozen)]
pub struct NativeClient {
    settings: Settings,
    current: Mutex<ProcessClient>,
}

impl std::fmt::Debug for NativeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The core's Debug of the client redacts the private key and the APIv3 key.
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("NativeClient").field("pid", &current.pid).field("client", &current.client).finish()
    }
}

impl NativeClient {
    /// Returns the client for the current process, building a new one after a fork.
    fn client(&self) -> PyResult<papay::Client> {
        let pid = std::process::id();
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.pid != pid {
            let rebuilt = self.settings.build().map_err(|e| Python::attach(|py| crate::errors::pay_error(py, &e)))?;
            let inherited = std::mem::replace(&mut *current, ProcessClient { pid, client: rebuilt });
            // Dropping the parent's connections here would deregister them from the epoll
            // instance the child shares with the parent.
            std::mem::forget(inherited);
            tracing::debug!(pid, "process forked, built a new papay client");
        }
        Ok(current.client.clone())
    }
}

fn seconds(field: &'static str, value: Option<f64>) -> papay::Result<Option<Duration>> {
    match value {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => {
            Err(papay::Error::InvalidConfig { field, reason: format!("must be a positive number of seconds, got {s}") })
        }
    }
}

fn mode(
    appid: Option<String>,
    sp_appid: Option<String>,
    sub_mchid: Option<String>,
    sub_appid: Option<String>,
) -> papay::Result<papay::Mode> {
    match (appid, sp_appid, sub_mchid) {
        (Some(appid), None, None) if sub_appid.is_none() => Ok(papay::Mode::Common { appid }),
        (None, Some(sp_appid), Some(sub_mchid)) => Ok(papay::Mode::Institutional { sp_appid, sub_mchid, sub_appid }),
        (None, None, None) => Err(papay::Error::InvalidConfig {
            field: "appid",
            reason: "is required: give appid (Common mode) or sp_appid and sub_mchid (Institutional mode)".into(),
        }),
        _ => Err(papay::Error::InvalidConfig {
            field: "appid",
            reason: "give either appid (Common mode) or sp_appid, sub_mchid and optionally sub_appid (Institutional mode), not a mix".into(),
        }),
    }
}

fn timestamp(field: &str, value: Option<String>) -> papay::Result<Option<papay::Timestamp>> {
    value
        .map(|text| {
            chrono::DateTime::parse_from_rfc3339(&text).map_err(|e| papay::Error::InvalidArgument {
                field: field.into(),
                reason: format!("must be an RFC 3339 time with offset, got {text:?}: {e}"),
            })
        })
        .transpose()
}

fn order_ref(transaction_id: Option<String>, out_trade_no: Option<String>) -> papay::Result<papay::OrderRef> {
    match (transaction_id, out_trade_no) {
        (Some(id), None) => Ok(papay::OrderRef::TransactionId(id)),
        (None, Some(no)) => Ok(papay::OrderRef::OutTradeNo(no)),
        _ => Err(papay::Error::InvalidArgument {
            field: "transaction_id".into(),
            reason: "give exactly one of transaction_id or out_trade_no".into(),
        }),
    }
}

fn raise(py: Python<'_>, error: papay::Error) -> PyErr {
    crate::errors::pay_error(py, &error)
}

#[pymethods]
impl NativeClient {
    #[new]
    #[pyo3(signature = (
        *, mchid, serial_no, apiv3_key, private_key=None, private_key_file=None, appid=None,
        sp_appid=None, sub_mchid=None, sub_appid=None, base_url=None, timeout=None,
        connect_timeout=None, user_agent=None, accept_language=None,
        platform_certificates=Vec::new(), platform_public_keys=Vec::new(),
        download_certificates=true, timestamp_window_seconds=None, max_attempts=None, fixed_time=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        mchid: String,
        serial_no: String,
        apiv3_key: Vec<u8>,
        private_key: Option<Vec<u8>>,
        private_key_file: Option<String>,
        appid: Option<String>,
        sp_appid: Option<String>,
        sub_mchid: Option<String>,
        sub_appid: Option<String>,
        base_url: Option<String>,
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
        user_agent: Option<String>,
        accept_language: Option<String>,
        platform_certificates: Vec<Vec<u8>>,
        platform_public_keys: Vec<(String, Vec<u8>)>,
        download_certificates: bool,
        timestamp_window_seconds: Option<u64>,
        max_attempts: Option<u32>,
        fixed_time: Option<i64>,
    ) -> PyResult<Self> {
        let apiv3_key = Zeroizing::new(apiv3_key);
        let private_key_pem = private_key.map(Zeroizing::new);
        let settings = (|| {
            Ok::<_, papay::Error>(Settings {
                mchid,
                serial_no,
                private_key_pem,
                private_key_file,
                apiv3_key,
                mode: mode(appid, sp_appid, sub_mchid, sub_appid)?,
                base_url,
                timeout: seconds("timeout", timeout)?,
                connect_timeout: seconds("connect_timeout", connect_timeout)?,
                user_agent,
                accept_language,
                platform_certificates,
                platform_public_keys,
                download_certificates,
                timestamp_window_seconds,
                max_attempts,
                fixed_time,
            })
        })()
        .map_err(|e| raise(py, e))?;
        let client = settings.build().map_err(|e| raise(py, e))?;
        Ok(Self { settings, current: Mutex::new(ProcessClient { pid: std::process::id(), client }) })
    }

    /// Returns the configuration as the core's redacting `Debug` prints it.
    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("{:?}", self.client()?.config()))
    }

    /// Returns the process id the inner client was built in, so tests can observe the fork handling.
    fn built_in_pid(&self) -> u32 {
        self.current.lock().unwrap_or_else(PoisonError::into_inner).pid
    }

    // ----- signing -----

    #[pyo3(signature = (*, plan_id, out_contract_code, success_notify_url, openid, user_display_name=None, expired_time=None, user_client_ip=None))]
    #[allow(clippy::too_many_arguments)]
    fn mini_program_pre_sign(
        &self,
        py: Python<'_>,
        plan_id: u64,
        out_contract_code: String,
        success_notify_url: String,
        openid: String,
        user_display_name: Option<String>,
        expired_time: Option<String>,
        user_client_ip: Option<String>,
    ) -> PyResult<PendingCall> {
        let expired_time = timestamp("expired_time", expired_time).map_err(|e| raise(py, e))?;
        let common =
            papay::PreSignCommon { plan_id, out_contract_code, user_display_name, success_notify_url, expired_time };
        let request = papay::MiniProgramPreSignRequest { common, openid, user_client_ip };
        let client = self.client()?;
        Ok(PendingCall::new(async move { client.mini_program_pre_sign(&request).await }))
    }

    #[pyo3(signature = (*, plan_id, out_contract_code, success_notify_url, user_display_name=None, expired_time=None, user_client_ip=None, return_appid=None, return_url=None))]
    #[allow(clippy::too_many_arguments)]
    fn h5_pre_sign(
        &self,
        py: Python<'_>,
        plan_id: u64,
        out_contract_code: String,
        success_notify_url: String,
        user_display_name: Option<String>,
        expired_time: Option<String>,
        user_client_ip: Option<String>,
        return_appid: Option<String>,
        return_url: Option<String>,
    ) -> PyResult<PendingCall> {
        let expired_time = timestamp("expired_time", expired_time).map_err(|e| raise(py, e))?;
        let common =
            papay::PreSignCommon { plan_id, out_contract_code, user_display_name, success_notify_url, expired_time };
        let request = papay::H5PreSignRequest { common, user_client_ip, return_appid, return_url };
        let client = self.client()?;
        Ok(PendingCall::new(async move { client.h5_pre_sign(&request).await }))
    }

    #[pyo3(signature = (*, plan_id, out_contract_code, success_notify_url, openid, user_display_name=None, expired_time=None, return_url=None))]
    #[allow(clippy::too_many_arguments)]
    fn jsapi_pre_sign(
        &self,
        py: Python<'_>,
        plan_id: u64,
        out_contract_code: String,
        success_notify_url: String,
        openid: String,
        user_display_name: Option<String>,
        expired_time: Option<String>,
        return_url: Option<String>,
    ) -> PyResult<PendingCall> {
        let expired_time = timestamp("expired_time", expired_time).map_err(|e| raise(py, e))?;
        let common =
            papay::PreSignCommon { plan_id, out_contract_code, user_display_name, success_notify_url, expired_time };
        let request = papay::JsapiPreSignRequest { common, openid, return_url };
        let client = self.client()?;
        Ok(PendingCall::new(async move { client.jsapi_pre_sign(&request).await }))
    }

    #[pyo3(signature = (*, plan_id, out_contract_code, success_notify_url, user_display_name=None, expired_time=None, return_url=None))]
    #[allow(clippy::too_many_arguments)]
    fn web_pre_sign(
        &self,
        py: Python<'_>,
        plan_id: u64,
        out_contract_code: String,
        success_notify_url: String,
        user_display_name: Option<String>,
        expired_time: Option<String>,
        return_url: Option<String>,
    ) -> PyResult<PendingCall> {
        let expired_time = timestamp("expired_time", expired_time).map_err(|e| raise(py, e))?;
        let common =
            papay::PreSignCommon { plan_id, out_contract_code, user_display_name, success_notify_url, expired_time };
        let request = papay::WebPreSignRequest { common, return_url };
        let client = self.client()?;
        Ok(PendingCall::new(async move { client.web_pre_sign(&request).await }))
    }

    #[pyo3(signature = (*, plan_id, out_contract_code, success_notify_url, user_display_name=None, expired_time=None, openid=None, user_client_ip=None))]
    #[allow(clippy::too_many_arguments)]
    fn app_pre_sign(
        &self,
        py: Python<'_>,
        plan_id: u64,
        out_contract_code: String,
        success_notify_url: String,
        user_display_name: Option<String>,
        expired_time: Option<String>,
        openid: Option<String>,
        user_client_ip: Option<String>,
    ) -> PyResult<PendingCall> {
        let expired_time = timestamp("expired_time", expired_time).map_err(|e| raise(py, e))?;
        let common =
            papay::PreSignCommon { plan_id, out_contract_code, user_display_name, success_notify_url, expired_time };
        let request = papay::AppPreSignRequest { common, openid, user_client_ip };
        let client = self.client()?;
        Ok(PendingCall::new(async move { client.app_pre_sign(&request).await }))
    }

    // ----- contracts -----

    #[pyo3(signature = (contract_id))]
    fn query_contract_by_id(&self, contract_id: String) -> PyResult<PendingCall> {
        let client = self.client()?;
        Ok(PendingCall::new(async move { client.query_contract_by_id(&contract_id).await }))
    }

    #[pyo3(signature = (*, plan_id, out_contract_code))]
    fn query_contract_by_out_contract_code(&self, plan_id: u64, out_contract_code: String) -> PyResult<PendingCall> {
        let client = self.client()?;
        Ok(PendingCall::new(
            async move { client.query_contract_by_out_contract_code(plan_id, &out_contract_code).await },
        ))
    }

    #[pyo3(signature = (*, contract_id, termination_note))]
    fn terminate_contract(&self, contract_id: String, termination_note: String) -> PyResult<PendingCall> {
        let client = self.client()?;
        let request = papay::TerminateContractRequest { termination_note };
        Ok(PendingCall::new(async move { client.terminate_contract(&contract_id, &request).await }))
    }

    // ----- deductions and orders -----

    #[pyo3(signature = (*, description, notify_url, out_trade_no, merchant_category_code, contract_id, total, currency, attach=None, goods_tag=None, device_id=None, device_ip=None))]
    #[allow(clippy::too_many_arguments)]
    fn deduct(
        &self,
        description: String,
        notify_url: String,
        out_trade_no: String,
        merchant_category_code: String,
        contract_id: String,
        total: i64,
        currency: String,
        attach: Option<String>,
        goods_tag: Option<String>,
        device_id: Option<String>,
        device_ip: Option<String>,
    ) -> PyResult<PendingCall> {
        let has_scene_info = device_id.is_some() || device_ip.is_some();
        let scene_info = has_scene_info.then_some(papay::SceneInfo { device_id, device_ip });
        let request = papay::DeductionRequest {
            description,
            attach,
            notify_url,
            out_trade_no,
            goods_tag,
            merchant_category_code,
            contract_id,
            amount: papay::DeductionAmount { total, currency },
            scene_info,
        };
        let client = self.client()?;
        Ok(PendingCall::new(async move { client.deduct(&request).await }))
    }

    #[pyo3(signature = (transaction_id))]
    fn query_order_by_transaction_id(&self, transaction_id: String) -> PyResult<PendingCall> {
        let client = self.client()?;
        Ok(PendingCall::new(async move { client.query_order_by_transaction_id(&transaction_id).await }))
    }

    #[pyo3(signature = (out_trade_no))]
    fn query_order_by_out_trade_no(&self, out_trade_no: String) -> PyResult<PendingCall> {
        let client = self.client()?;
        Ok(PendingCall::new(async move { client.query_order_by_out_trade_no(&out_trade_no).await }))
    }

    #[pyo3(signature = (out_trade_no))]
    fn reverse_order(&self, out_trade_no: String) -> PyResult<PendingCall> {
        let client = self.client()?;
        Ok(PendingCall::new(async move { client.reverse_order(&out_trade_no).await }))
    }

    // ----- refunds -----

    #[pyo3(signature = (*, out_refund_no, refund, total, currency, transaction_id=None, out_trade_no=None, reason=None, source=None, notify_url=None))]
    #[allow(clippy::too_many_arguments)]
    fn refund(
        &self,
        py: Python<'_>,
        out_refund_no: String,
        refund: i64,
        total: i64,
        currency: String,
        transaction_id: Option<String>,
        out_trade_no: Option<String>,
        reason: Option<String>,
        source: Option<String>,
        notify_url: Option<String>,
    ) -> PyResult<PendingCall> {
        let order = order_ref(transaction_id, out_trade_no).map_err(|e| raise(py, e))?;
        let request = papay::RefundRequest {
            order,
            out_refund_no,
            reason,
            source: source.as_deref().map(papay::FundSource::parse),
            amount: papay::RefundRequestAmount { refund, total, currency },
            notify_url,
        };
        let client = self.client()?;
        Ok(PendingCall::new(async move { client.refund(&request).await }))
    }

    #[pyo3(signature = (refund_id))]
    fn query_refund_by_id(&self, refund_id: String) -> PyResult<PendingCall> {
        let client = self.client()?;
        Ok(PendingCall::new(async move { client.query_refund_by_id(&refund_id).await }))
    }

    #[pyo3(signature = (out_refund_no))]
    fn query_refund_by_out_refund_no(&self, out_refund_no: String) -> PyResult<PendingCall> {
        let client = self.client()?;
        Ok(PendingCall::new(async move { client.query_refund_by_out_refund_no(&out_refund_no).await }))
    }

    #[pyo3(signature = (*, transaction_id=None, out_trade_no=None, offset=0, count=10))]
    fn list_refunds(
        &self,
        py: Python<'_>,
        transaction_id: Option<String>,
        out_trade_no: Option<String>,
        offset: u32,
        count: u32,
    ) -> PyResult<PendingCall> {
        let order = order_ref(transaction_id, out_trade_no).map_err(|e| raise(py, e))?;
        let request = papay::RefundListRequest { order, offset, count };
        let client = self.client()?;
        Ok(PendingCall::new(async move { client.list_refunds(&request).await }))
    }

    // ----- certificates and notifications -----

    fn download_certificates(&self) -> PyResult<PendingCall> {
        let client = self.client()?;
        Ok(PendingCall::new(async move {
            let certificates = client.download_certificates().await?;
            Ok(certificates.iter().map(certificate_json).collect::<Vec<_>>())
        }))
    }

    /// Returns the `Authorization` header for a request papay does not model, signed with the
    /// GIL released. `timestamp` and `nonce` default to now and a fresh nonce.
    #[pyo3(signature = (method, target, body, timestamp=None, nonce=None))]
    fn build_authorization(
        &self,
        py: Python<'_>,
        method: String,
        target: String,
        body: Vec<u8>,
        timestamp: Option<i64>,
        nonce: Option<String>,
    ) -> PyResult<String> {
        let client = self.client()?;
        py.detach(|| client.sign_request(&method, &target, &body, timestamp, nonce.as_deref()))
            .map_err(|e| raise(py, e))
    }

    /// Returns the cached platform certificates, newest expiry first, without a network call.
    fn platform_certificates(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let certificates: Vec<Value> = self.client()?.platform_certificates().iter().map(certificate_json).collect();
        crate::convert::json_to_py(py, &Value::Array(certificates))
    }

    /// Verifies, decrypts and parses a notification. `headers` are (name, value) pairs with
    /// HTTP header names; `body` is the raw request body.
    #[pyo3(signature = (headers, body))]
    fn parse_notification(&self, headers: Vec<(String, String)>, body: Vec<u8>) -> PyResult<PendingCall> {
        let client = self.client()?;
        Ok(PendingCall::without_io(async move {
            if let Some(parsed) = client.parse_notification_offline(&headers, &body) {
                return parsed;
            }
            // The certificate download must come first. Yielding once moves it to a worker, so
            // that an `await` does not sign the download request on the event loop's thread.
            tokio::task::yield_now().await;
            client.parse_notification(&headers, &body).await
        }))
    }
}

fn certificate_json(certificate: &papay::PlatformCertificate) -> Value {
    json!({
        "serial_no": certificate.serial_no(),
        "not_before": certificate.not_before().to_rfc3339(),
        "not_after": certificate.not_after().to_rfc3339(),
        "pem": certificate.pem(),
    })
}
