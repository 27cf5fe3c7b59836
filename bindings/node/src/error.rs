//! Maps every `papay::Error` to a JavaScript error, in one `match`.
//!
//! Node-API can only throw an `Error` with a message string, so the structured fields travel as
//! JSON in that string, behind the marker [`PAYLOAD_PREFIX`]. The TypeScript layer (`errors.ts`)
//! parses it and throws the `PayError` subclass for `code`, with `httpStatus`, `requestId` and
//! `detail`. Field names in messages are converted to the camelCase a JavaScript caller wrote.
//!
//! Sync exports run inside [`guard`], so a Rust panic becomes a thrown error instead of
//! unwinding into Node.

use std::panic::{catch_unwind, AssertUnwindSafe};

use serde_json::{json, Map, Value};

/// Marks a message whose remainder is the JSON payload of a papay error.
pub const PAYLOAD_PREFIX: &str = "papay-error:";

/// Builds the JavaScript error for a core error.
pub fn to_napi(error: papay::Error) -> napi::Error {
    let code = error.code();
    let mut detail = Map::new();
    let mut http_status = Value::Null;
    let mut request_id = Value::Null;

    let message = match &error {
        papay::Error::InvalidConfig { field, reason } => {
            detail.insert("field".into(), json!(camel_case_path(field)));
            format!("invalid configuration: {}: {reason}", camel_case_path(field))
        }
        papay::Error::InvalidArgument { field, reason } => {
            detail.insert("field".into(), json!(camel_case_path(field)));
            format!("invalid argument: {} {reason}", camel_case_path(field))
        }
        papay::Error::Transport { kind, endpoint, .. } => {
            detail.insert("kind".into(), json!(format!("{kind:?}").to_lowercase()));
            detail.insert("endpoint".into(), json!(endpoint));
            error.to_string()
        }
        papay::Error::Timeout { endpoint, elapsed_ms } => {
            detail.insert("endpoint".into(), json!(endpoint));
            detail.insert("elapsedMs".into(), json!(elapsed_ms));
            error.to_string()
        }
        papay::Error::Api(api) => {
            http_status = json!(api.status);
            request_id = json!(api.request_id);
            detail.insert("apiCode".into(), json!(api.code));
            detail.insert("apiMessage".into(), json!(api.message));
            detail.insert("signatureVerified".into(), json!(api.signature_verified));
            if let Some(api_detail) = &api.detail {
                let raw =
                    api_detail.raw.clone().unwrap_or_else(|| serde_json::to_value(api_detail).unwrap_or(Value::Null));
                detail.insert("apiDetail".into(), raw);
            }
            error.to_string()
        }
        papay::Error::SignatureHeadersMissing { context, header } => {
            detail.insert("context".into(), json!(context));
            detail.insert("header".into(), json!(header));
            error.to_string()
        }
        papay::Error::UnsupportedAlgorithm { what, value, expected } => {
            detail.insert("what".into(), json!(what));
            detail.insert("value".into(), json!(value));
            detail.insert("expected".into(), json!(expected));
            error.to_string()
        }
        papay::Error::UnknownSerial { serial, refreshed } => {
            detail.insert("serial".into(), json!(serial));
            detail.insert("refreshed".into(), json!(refreshed));
            error.to_string()
        }
        papay::Error::CertificateExpired { serial, not_before, not_after } => {
            detail.insert("serial".into(), json!(serial));
            detail.insert("notBefore".into(), json!(not_before));
            detail.insert("notAfter".into(), json!(not_after));
            error.to_string()
        }
        papay::Error::SignatureInvalid { context, serial, refreshed } => {
            detail.insert("context".into(), json!(context));
            detail.insert("serial".into(), json!(serial));
            detail.insert("refreshed".into(), json!(refreshed));
            error.to_string()
        }
        papay::Error::TimestampOutOfWindow { context, timestamp, skew_seconds, window_seconds } => {
            detail.insert("context".into(), json!(context));
            detail.insert("timestamp".into(), json!(timestamp));
            detail.insert("skewSeconds".into(), json!(skew_seconds));
            detail.insert("windowSeconds".into(), json!(window_seconds));
            error.to_string()
        }
        papay::Error::DecryptionFailed { what } => {
            detail.insert("what".into(), json!(what));
            error.to_string()
        }
        papay::Error::MalformedMessage { what, .. } => {
            detail.insert("what".into(), json!(what));
            error.to_string()
        }
        papay::Error::OutcomeUnknown { operation, merchant_no, cause, query_error } => {
            detail.insert("operation".into(), json!(operation));
            detail.insert("merchantNo".into(), json!(merchant_no));
            detail.insert("cause".into(), json!(cause));
            detail.insert("queryError".into(), json!(query_error));
            error.to_string()
        }
        // `papay::Error` is non-exhaustive; a kind added later still reaches JavaScript with
        // its code and message, as a plain PayError.
        _ => error.to_string(),
    };

    payload_error(code, &message, http_status, request_id, Value::Object(detail), error.is_retryable())
}

/// Builds an INVALID_ARGUMENT error for a check the binding makes itself (a JavaScript number
/// that is not a safe integer, a time that is not RFC 3339), worded like the core's.
pub fn invalid_argument(field: &str, reason: impl std::fmt::Display) -> napi::Error {
    to_napi(papay::Error::InvalidArgument { field: field.to_owned(), reason: reason.to_string() })
}

/// Builds a MALFORMED_MESSAGE error for a response value JavaScript cannot hold exactly.
pub fn malformed(what: &str, reason: impl std::fmt::Display) -> napi::Error {
    to_napi(papay::Error::MalformedMessage { what: what.to_owned(), reason: reason.to_string() })
}

/// Builds the error thrown by a sandbox method. It is not a papay error, so its code is
/// `SANDBOX` and the TypeScript layer throws a `SandboxError` instead of a `PayError`.
pub fn sandbox(error: papay_sandbox::SandboxError) -> napi::Error {
    payload_error("SANDBOX", &error.to_string(), Value::Null, Value::Null, json!({}), false)
}

/// Runs a sync export and turns a panic into a thrown `INTERNAL` error.
pub fn guard<T>(body: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(panic) => {
            let text = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".to_owned());
            let message = format!("internal error in the papay native addon (a bug, please report it): {text}");
            Err(payload_error("INTERNAL", &message, Value::Null, Value::Null, json!({}), false))
        }
    }
}

fn payload_error(
    code: &str,
    message: &str,
    http_status: Value,
    request_id: Value,
    detail: Value,
    retryable: bool,
) -> napi::Error {
    let payload = json!({
        "code": code,
        "message": message,
        "httpStatus": http_status,
        "requestId": request_id,
        "detail": detail,
        "retryable": retryable,
    });
    napi::Error::new(napi::Status::GenericFailure, format!("{PAYLOAD_PREFIX}{payload}"))
}

/// Converts `amount.payer_total` to `amount.payerTotal`: each dot-separated segment from
/// snake_case to camelCase.
fn camel_case_path(path: &str) -> String {
    path.split('.').map(camel_case).collect::<Vec<_>>().join(".")
}

/// Converts one snake_case name to camelCase, e.g. `out_trade_no` to `outTradeNo`.
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}
