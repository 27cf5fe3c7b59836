//! Maps every `papay::Error` variant, in one `match`, to its exception class in
//! `papay.errors`, and sandbox failures to `papay.errors.SandboxError`.
//!
//! The classes are defined in Python so that users can subclass and pickle them; this file only
//! picks the class and fills its attributes. Every exception carries the core's stable `code`
//! and message, plus the HTTP status, `Request-ID`, WeChat Pay's own code and a `detail` dict
//! where the variant has them. Messages come from the core and never contain a key.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{json, Value};

use crate::convert::json_to_py;

/// A failure of a Rust call, before it becomes a Python exception.
#[derive(Debug)]
pub enum BindingError {
    /// A failure reported by the papay core.
    Pay(papay::Error),
    /// A failure of a sandbox control call.
    Sandbox(papay_sandbox::SandboxError),
}

impl From<papay::Error> for BindingError {
    fn from(error: papay::Error) -> Self {
        BindingError::Pay(error)
    }
}

impl From<papay_sandbox::SandboxError> for BindingError {
    fn from(error: papay_sandbox::SandboxError) -> Self {
        BindingError::Sandbox(error)
    }
}

impl BindingError {
    /// Builds the Python exception.
    pub fn into_py_err(self, py: Python<'_>) -> PyErr {
        match self {
            BindingError::Pay(error) => pay_error(py, &error),
            BindingError::Sandbox(error) => {
                let fields = ExceptionFields::new("SandboxError", "SANDBOX_ERROR");
                raise(py, error.to_string(), fields)
            }
        }
    }
}

/// Attributes of one exception instance.
struct ExceptionFields {
    class_name: &'static str,
    code: &'static str,
    http_status: Option<u16>,
    request_id: Option<String>,
    api_code: Option<String>,
    signature_verified: Option<bool>,
    retryable: bool,
    detail: Value,
}

impl ExceptionFields {
    fn new(class_name: &'static str, code: &'static str) -> Self {
        Self {
            class_name,
            code,
            http_status: None,
            request_id: None,
            api_code: None,
            signature_verified: None,
            retryable: false,
            detail: Value::Null,
        }
    }

    fn with_detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

/// Converts a core error into the matching `papay.errors` exception.
pub fn pay_error(py: Python<'_>, error: &papay::Error) -> PyErr {
    use papay::Error as E;

    let fields = match error {
        E::InvalidConfig { field, reason } => ExceptionFields::new("InvalidConfigError", error.code())
            .with_detail(json!({ "field": field, "reason": reason })),
        E::InvalidArgument { field, reason } => ExceptionFields::new("InvalidArgumentError", error.code())
            .with_detail(json!({ "field": field, "reason": reason })),
        E::Transport { kind, endpoint, message } => ExceptionFields::new("TransportError", error.code()).with_detail(
            json!({ "kind": format!("{kind:?}").to_lowercase(), "endpoint": endpoint, "message": message }),
        ),
        E::Timeout { endpoint, elapsed_ms } => ExceptionFields::new("PayTimeoutError", error.code())
            .with_detail(json!({ "endpoint": endpoint, "elapsed_ms": elapsed_ms })),
        E::Api(api) => {
            let detail = api.detail.as_ref().map(|d| d.raw.clone().unwrap_or_else(|| json!(d))).unwrap_or(Value::Null);
            let mut fields = ExceptionFields::new("ApiError", error.code()).with_detail(detail);
            fields.http_status = Some(api.status);
            fields.request_id = api.request_id.clone();
            fields.api_code = Some(api.code.clone());
            fields.signature_verified = Some(api.signature_verified);
            fields
        }
        E::SignatureHeadersMissing { context, header } => {
            ExceptionFields::new("SignatureHeadersMissingError", error.code())
                .with_detail(json!({ "context": context, "header": header }))
        }
        E::UnsupportedAlgorithm { what, value, expected } => {
            ExceptionFields::new("UnsupportedAlgorithmError", error.code())
                .with_detail(json!({ "what": what, "value": value, "expected": expected }))
        }
        E::UnknownSerial { serial, refreshed } => ExceptionFields::new("UnknownSerialError", error.code())
            .with_detail(json!({ "serial": serial, "refreshed": refreshed })),
        E::CertificateExpired { serial, not_before, not_after } => {
            ExceptionFields::new("CertificateExpiredError", error.code())
                .with_detail(json!({ "serial": serial, "not_before": not_before, "not_after": not_after }))
        }
        E::SignatureInvalid { context, serial, refreshed } => {
            ExceptionFields::new("SignatureInvalidError", error.code())
                .with_detail(json!({ "context": context, "serial": serial, "refreshed": refreshed }))
        }
        E::TimestampOutOfWindow { context, timestamp, skew_seconds, window_seconds } => {
            ExceptionFields::new("TimestampOutOfWindowError", error.code()).with_detail(json!({
                "context": context,
                "timestamp": timestamp,
                "skew_seconds": skew_seconds,
                "window_seconds": window_seconds,
            }))
        }
        E::DecryptionFailed { what } => {
            ExceptionFields::new("DecryptionFailedError", error.code()).with_detail(json!({ "what": what }))
        }
        E::MalformedMessage { what, reason } => ExceptionFields::new("MalformedMessageError", error.code())
            .with_detail(json!({ "what": what, "reason": reason })),
        E::OutcomeUnknown { operation, merchant_no, cause, query_error } => ExceptionFields::new(
            "OutcomeUnknownError",
            error.code(),
        )
        .with_detail(
            json!({ "operation": operation, "merchant_no": merchant_no, "cause": cause, "query_error": query_error }),
        ),
        // `papay::Error` is non-exhaustive: a variant added later still arrives as a PayError
        // with its own code.
        _ => ExceptionFields::new("PayError", error.code()),
    };
    let fields = ExceptionFields { retryable: error.is_retryable(), ..fields };
    raise(py, error.to_string(), fields)
}

/// Builds `papay.errors.InternalError` for a failure inside the binding itself, such as a
/// panic in a Rust task. Callable with or without the GIL held.
pub fn internal_error(message: String) -> PyErr {
    Python::attach(|py| raise(py, message, ExceptionFields::new("InternalError", "INTERNAL")))
}

fn raise(py: Python<'_>, message: String, fields: ExceptionFields) -> PyErr {
    match instantiate(py, &message, &fields) {
        Ok(exception) => PyErr::from_value(exception),
        // Only a broken installation without papay/errors.py gets here.
        Err(import_error) => {
            PyRuntimeError::new_err(format!("{} {message} (papay.errors unavailable: {import_error})", fields.code))
        }
    }
}

fn instantiate<'py>(py: Python<'py>, message: &str, fields: &ExceptionFields) -> PyResult<Bound<'py, PyAny>> {
    let class = py.import("papay.errors")?.getattr(fields.class_name)?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("code", fields.code)?;
    kwargs.set_item("http_status", fields.http_status)?;
    kwargs.set_item("request_id", fields.request_id.as_deref())?;
    kwargs.set_item("api_code", fields.api_code.as_deref())?;
    kwargs.set_item("signature_verified", fields.signature_verified)?;
    kwargs.set_item("retryable", fields.retryable)?;
    kwargs.set_item("detail", json_to_py(py, &fields.detail)?)?;
    class.call((message,), Some(&kwargs))
}
