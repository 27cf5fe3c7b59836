//! `papay._native`: the Rust half of the `papay` Python package.
//!
//! The crate stays thin. It converts Python arguments into the core's request types, runs the
//! core's futures on one shared tokio runtime (`runtime.rs`), maps every core error to its
//! Python exception (`errors.rs`) and embeds the sandbox (`sandbox.rs`). Typed response
//! classes, header normalisation and the public `Client`/`AsyncClient` live in Python
//! (`python/papay/`), which is what users import.

use pyo3::prelude::*;
use serde_json::json;

mod client;
mod convert;
mod errors;
mod runtime;
mod sandbox;

/// Builds the parameters an app or Mini Program needs to open WeChat's signing page.
#[pyfunction]
#[pyo3(signature = (session_id, *, mini_program=None, page=None, session_key=None))]
fn launch_params(
    py: Python<'_>,
    session_id: &str,
    mini_program: Option<String>,
    page: Option<String>,
    session_key: Option<String>,
) -> PyResult<Py<PyAny>> {
    let defaults = papay::app_signing::SigningTarget::default();
    let target = papay::app_signing::SigningTarget {
        mini_program: mini_program.unwrap_or(defaults.mini_program),
        page: page.unwrap_or(defaults.page),
        session_key: session_key.unwrap_or(defaults.session_key),
    };
    let params = papay::app_signing::launch_params(session_id, &target).map_err(|e| errors::pay_error(py, &e))?;
    let value = serde_json::to_value(&params).map_err(|e| errors::internal_error(e.to_string()))?;
    convert::json_to_py(py, &value)
}

/// Reads what WeChat handed back to the app or Mini Program after signing (a UI hint only).
#[pyfunction]
fn parse_signing_return(py: Python<'_>, data: &str) -> PyResult<Py<PyAny>> {
    let parsed = papay::app_signing::parse_signing_return(data);
    let value = serde_json::to_value(&parsed).map_err(|e| errors::internal_error(e.to_string()))?;
    convert::json_to_py(py, &value)
}

/// Renders a PC Web `show_code_url` as an SVG QR code.
#[pyfunction]
#[pyo3(signature = (url, module_pixels=4))]
fn qr_code_svg(py: Python<'_>, url: &str, module_pixels: u32) -> PyResult<String> {
    papay::app_signing::qr_code_svg(url, module_pixels).map_err(|e| errors::pay_error(py, &e))
}

/// Returns the merchant's answer to a notification as `{status, body, content_type}`: 204 when
/// `message` is None, otherwise 500 with WeChat Pay's failure body.
#[pyfunction]
#[pyo3(signature = (message=None))]
fn notification_answer(py: Python<'_>, message: Option<&str>) -> PyResult<Py<PyAny>> {
    let answer = match message {
        None => papay::NotificationAnswer::success(),
        Some(message) => papay::NotificationAnswer::failure(message),
    };
    let value = json!({ "status": answer.status, "body": answer.body, "content_type": answer.content_type });
    convert::json_to_py(py, &value)
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add_class::<client::NativeClient>()?;
    module.add_class::<client::PendingCall>()?;
    module.add_class::<sandbox::NativeSandbox>()?;
    module.add_function(wrap_pyfunction!(launch_params, module)?)?;
    module.add_function(wrap_pyfunction!(parse_signing_return, module)?)?;
    module.add_function(wrap_pyfunction!(qr_code_svg, module)?)?;
    module.add_function(wrap_pyfunction!(notification_answer, module)?)?;
    module.add_function(wrap_pyfunction!(runtime::before_exit, module)?)?;
    module.add_function(wrap_pyfunction!(runtime::after_fork_in_child, module)?)?;
    Ok(())
}
