//! `NativeSandbox`: the `papay-sandbox` crate running on the shared runtime, so that
//! `papay.sandbox` works from a plain `pip install` without a separate server binary.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use papay_sandbox::{DeductionOutcome, FaultRule, RefundOutcome, Sandbox, SandboxError, SandboxOptions, SigningRef};
use pyo3::prelude::*;
use serde::Serialize;

use crate::convert::{json_to_py, py_to_json};
use crate::errors::BindingError;
use crate::runtime;

/// A running sandbox; `shutdown()` stops it.
#[pyclass(module = "papay._native", frozen)]
#[derive(Debug)]
pub struct NativeSandbox {
    sandbox: Mutex<Option<Sandbox>>,
}

fn sandbox_error(py: Python<'_>, error: SandboxError) -> PyErr {
    BindingError::Sandbox(error).into_py_err(py)
}

fn invalid(py: Python<'_>, message: String) -> PyErr {
    sandbox_error(py, SandboxError::InvalidOptions(message))
}

fn to_py<T: Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    let json = serde_json::to_value(value).map_err(|e| invalid(py, format!("cannot convert a sandbox record: {e}")))?;
    json_to_py(py, &json)
}

fn durations(values: Vec<f64>) -> Vec<Duration> {
    values.into_iter().map(|s| Duration::from_secs_f64(s.max(0.0))).collect()
}

impl NativeSandbox {
    fn running(&self, py: Python<'_>) -> PyResult<Sandbox> {
        self.sandbox
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| invalid(py, "the sandbox was shut down; start a new one".into()))
    }

    fn signing_ref(
        py: Python<'_>,
        session_id: Option<String>,
        plan_id: Option<u64>,
        out_contract_code: Option<String>,
    ) -> PyResult<SigningRef> {
        match (session_id, plan_id, out_contract_code) {
            (Some(id), None, None) => Ok(SigningRef::SessionId(id)),
            (None, Some(plan_id), Some(out_contract_code)) => {
                Ok(SigningRef::OutContractCode { plan_id, out_contract_code })
            }
            _ => Err(invalid(py, "give session_id, or plan_id and out_contract_code".into())),
        }
    }
}

#[pymethods]
impl NativeSandbox {
    /// Starts a sandbox on 127.0.0.1 (an ephemeral port unless `port` is given). Durations are
    /// seconds.
    #[new]
    #[pyo3(signature = (
        *, port=0, mchid=None, appid=None, sp_appid=None, sub_mchids=None, plan_ids=None,
        termination_notify_url=None, notify_redirect=None, retry_schedule=None,
        refund_retry_schedule=None, refund_delay=None, max_clock_skew=None,
        pretty_notifications=false, apiv3_key=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        port: u16,
        mchid: Option<String>,
        appid: Option<String>,
        sp_appid: Option<String>,
        sub_mchids: Option<Vec<String>>,
        plan_ids: Option<Vec<u64>>,
        termination_notify_url: Option<String>,
        notify_redirect: Option<String>,
        retry_schedule: Option<Vec<f64>>,
        refund_retry_schedule: Option<Vec<f64>>,
        refund_delay: Option<f64>,
        max_clock_skew: Option<f64>,
        pretty_notifications: bool,
        apiv3_key: Option<String>,
    ) -> PyResult<Self> {
        let defaults = SandboxOptions::default();
        let options = SandboxOptions {
            listen: std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, port)),
            mchid: mchid.unwrap_or(defaults.mchid),
            appid: appid.unwrap_or(defaults.appid),
            sp_appid: sp_appid.unwrap_or(defaults.sp_appid),
            sub_mchids: sub_mchids.unwrap_or(defaults.sub_mchids),
            plan_ids: plan_ids.unwrap_or(defaults.plan_ids),
            termination_notify_url,
            notify_redirect,
            retry_schedule: retry_schedule.map(durations).unwrap_or(defaults.retry_schedule),
            refund_retry_schedule: refund_retry_schedule.map(durations).unwrap_or(defaults.refund_retry_schedule),
            refund_delay: refund_delay.map(|s| Duration::from_secs_f64(s.max(0.0))).unwrap_or(defaults.refund_delay),
            max_clock_skew: max_clock_skew
                .map(|s| Duration::from_secs_f64(s.max(0.0)))
                .unwrap_or(defaults.max_clock_skew),
            pretty_notifications,
            merchant: None,
            platform_key_pkcs8_der: None,
            apiv3_key,
        };
        let sandbox = runtime::wait(py, async move { Sandbox::start(options).await.map_err(BindingError::from) })?;
        Ok(Self { sandbox: Mutex::new(Some(sandbox)) })
    }

    /// Returns the base URL, e.g. `http://127.0.0.1:41234`.
    fn base_url(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.running(py)?.base_url())
    }

    /// Returns the keys and ids a client needs, as a dict (the Python wrapper redacts it in repr).
    fn credentials(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.running(py)?.credentials())
    }

    /// Stops the listener and pending deliveries; later calls raise SandboxError.
    fn shutdown(&self, py: Python<'_>) -> PyResult<()> {
        let taken = self.sandbox.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(sandbox) = taken {
            runtime::wait(py, async move {
                sandbox.shutdown().await;
                Ok(())
            })?;
        }
        Ok(())
    }

    #[pyo3(signature = (*, session_id=None, plan_id=None, out_contract_code=None))]
    fn confirm_signing(
        &self,
        py: Python<'_>,
        session_id: Option<String>,
        plan_id: Option<u64>,
        out_contract_code: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let reference = Self::signing_ref(py, session_id, plan_id, out_contract_code)?;
        let contract = self.running(py)?.confirm_signing(reference).map_err(|e| sandbox_error(py, e))?;
        to_py(py, &contract)
    }

    #[pyo3(signature = (*, session_id=None, plan_id=None, out_contract_code=None))]
    fn cancel_signing(
        &self,
        py: Python<'_>,
        session_id: Option<String>,
        plan_id: Option<u64>,
        out_contract_code: Option<String>,
    ) -> PyResult<()> {
        let reference = Self::signing_ref(py, session_id, plan_id, out_contract_code)?;
        self.running(py)?.cancel_signing(reference).map_err(|e| sandbox_error(py, e))
    }

    fn terminate_by_user(&self, py: Python<'_>, contract_id: &str) -> PyResult<Py<PyAny>> {
        let contract = self.running(py)?.terminate_by_user(contract_id).map_err(|e| sandbox_error(py, e))?;
        to_py(py, &contract)
    }

    fn complete_payment(&self, py: Python<'_>, out_trade_no: &str) -> PyResult<()> {
        self.running(py)?.complete_payment(out_trade_no).map_err(|e| sandbox_error(py, e))
    }

    /// `outcome` is `SUCCESS` or `USERPAYING`.
    fn set_next_deduction_outcome(&self, py: Python<'_>, outcome: &str) -> PyResult<()> {
        let outcome = match outcome.to_ascii_uppercase().as_str() {
            "SUCCESS" => DeductionOutcome::Success,
            "USERPAYING" => DeductionOutcome::UserPaying,
            other => {
                return Err(invalid(py, format!("deduction outcome must be SUCCESS or USERPAYING, got {other:?}")))
            }
        };
        self.running(py)?.set_next_deduction_outcome(outcome);
        Ok(())
    }

    /// `outcome` is `SUCCESS`, `ABNORMAL` or `CLOSED`.
    fn set_next_refund_outcome(&self, py: Python<'_>, outcome: &str) -> PyResult<()> {
        let outcome = match outcome.to_ascii_uppercase().as_str() {
            "SUCCESS" => RefundOutcome::Success,
            "ABNORMAL" => RefundOutcome::Abnormal,
            "CLOSED" => RefundOutcome::Closed,
            other => {
                return Err(invalid(py, format!("refund outcome must be SUCCESS, ABNORMAL or CLOSED, got {other:?}")))
            }
        };
        self.running(py)?.set_next_refund_outcome(outcome);
        Ok(())
    }

    fn rotate_platform_certificate(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.running(py)?.rotate_platform_certificate())
    }

    fn publish_platform_certificate(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.running(py)?.publish_platform_certificate())
    }

    fn use_platform_certificate(&self, py: Python<'_>, serial: &str) -> PyResult<()> {
        self.running(py)?.use_platform_certificate(serial).map_err(|e| sandbox_error(py, e))
    }

    fn expire_platform_certificates(&self, py: Python<'_>) -> PyResult<()> {
        self.running(py)?.expire_platform_certificates();
        Ok(())
    }

    fn use_public_key_id(&self, py: Python<'_>, enabled: bool) -> PyResult<()> {
        self.running(py)?.use_public_key_id(enabled);
        Ok(())
    }

    #[pyo3(signature = (url))]
    fn set_notify_redirect(&self, py: Python<'_>, url: Option<String>) -> PyResult<()> {
        self.running(py)?.set_notify_redirect(url).map_err(|e| sandbox_error(py, e))
    }

    /// Adds a fault rule. `fault` has the sandbox's JSON form, e.g. `{"delay_ms": 3000}`,
    /// `{"error": {"status": 500, "code": "SYSTEM_ERROR", "message": "..."}}` or `"bad_signature"`.
    #[pyo3(signature = (fault, *, method=None, path_contains=None, times=1))]
    fn inject_fault(
        &self,
        py: Python<'_>,
        fault: &Bound<'_, PyAny>,
        method: Option<String>,
        path_contains: Option<String>,
        times: u32,
    ) -> PyResult<()> {
        let rule = serde_json::json!({
            "method": method,
            "path_contains": path_contains,
            "times": times,
            "fault": py_to_json("fault", fault)?,
        });
        let rule: FaultRule =
            serde_json::from_value(rule).map_err(|e| invalid(py, format!("fault is not a known fault form: {e}")))?;
        self.running(py)?.inject(rule);
        Ok(())
    }

    fn clear_faults(&self, py: Python<'_>) -> PyResult<()> {
        self.running(py)?.clear_faults();
        Ok(())
    }

    /// Returns every notification so far, oldest first, as dicts of the delivery record.
    fn notifications(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.running(py)?.notifications())
    }

    /// Waits, with the GIL released, for the next acknowledged notification of `event_type`.
    #[pyo3(signature = (event_type, timeout=10.0))]
    fn wait_for_delivery(&self, py: Python<'_>, event_type: String, timeout: f64) -> PyResult<Py<PyAny>> {
        let sandbox = self.running(py)?;
        let timeout = Duration::from_secs_f64(timeout.max(0.0));
        let record = runtime::wait(py, async move {
            sandbox.wait_for_delivery(&event_type, timeout).await.map_err(BindingError::from)
        })?;
        to_py(py, &record)
    }

    /// Returns the API requests received, oldest first.
    fn requests(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.running(py)?.requests())
    }

    /// Returns how many times money moved for `out_trade_no`.
    fn charge_count(&self, py: Python<'_>, out_trade_no: &str) -> PyResult<u32> {
        Ok(self.running(py)?.charge_count(out_trade_no))
    }
}
