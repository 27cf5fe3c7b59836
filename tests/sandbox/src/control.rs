//! The unsigned control API under `/sandbox/`, so tests in any language can drive a sandbox that
//! runs as a separate server. Each endpoint calls the [`Sandbox`] method of the same name.
//!
//! Actions without a result respond 204. Errors are `{"code", "message"}` with 400 (malformed
//! request), 404 (unknown record or path), 408 (wait timed out) or 409 (record in the wrong state).

use std::time::Duration;

use http::Response;
use percent_encoding::percent_decode_str;
use serde::Deserialize;
use serde_json::json;

use crate::inner::Inner;
use crate::options::{DeductionOutcome, RefundOutcome, SigningRef};
use crate::server::{plain_error, plain_json, SandboxBody};
use crate::{FaultRule, Sandbox, SandboxError};

/// Body of `/sandbox/signing/confirm` and `/sandbox/signing/cancel`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SigningRequest {
    session_id: Option<String>,
    plan_id: Option<u64>,
    out_contract_code: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DeductionOutcomeRequest {
    outcome: DeductionOutcome,
}

#[derive(Debug, Deserialize)]
struct RefundOutcomeRequest {
    outcome: RefundOutcome,
}

#[derive(Debug, Deserialize)]
struct SerialRequest {
    serial_no: String,
}

#[derive(Debug, Deserialize)]
struct EnabledRequest {
    enabled: bool,
}

#[derive(Debug, Deserialize)]
struct RedirectRequest {
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WaitRequest {
    event_type: String,
    #[serde(default = "default_wait_ms")]
    timeout_ms: u64,
}

fn default_wait_ms() -> u64 {
    5_000
}

/// Handles one control request.
pub(crate) async fn handle(
    inner: &std::sync::Arc<Inner>,
    method: &str,
    path: &str,
    _query: Option<&str>,
    body: &[u8],
) -> Response<SandboxBody> {
    let sandbox = Sandbox::from_inner(std::sync::Arc::clone(inner));
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();

    match (method, segments.as_slice()) {
        ("POST", ["sandbox", "signing", action @ ("confirm" | "cancel")]) => {
            let request: SigningRequest = match parse(body) {
                Ok(r) => r,
                Err(response) => return *response,
            };
            let reference = match (request.session_id, request.plan_id, request.out_contract_code) {
                (Some(id), None, None) => SigningRef::SessionId(id),
                (None, Some(plan_id), Some(out_contract_code)) => {
                    SigningRef::OutContractCode { plan_id, out_contract_code }
                }
                _ => {
                    return plain_error(
                        400,
                        "INVALID_REQUEST",
                        "send either {\"session_id\"} or {\"plan_id\", \"out_contract_code\"}",
                    )
                }
            };
            if *action == "confirm" {
                result_json(sandbox.confirm_signing(reference))
            } else {
                result_empty(sandbox.cancel_signing(reference))
            }
        }
        ("POST", ["sandbox", "contracts", contract_id, "terminate-by-user"]) => {
            result_json(sandbox.terminate_by_user(contract_id))
        }
        ("POST", ["sandbox", "orders", out_trade_no, "complete-payment"]) => {
            result_empty(sandbox.complete_payment(out_trade_no))
        }
        ("GET", ["sandbox", "orders", out_trade_no, "charge-count"]) => plain_json(
            200,
            &json!({
                "out_trade_no": out_trade_no,
                "charge_count": sandbox.charge_count(out_trade_no),
            }),
        ),
        ("POST", ["sandbox", "deduction-outcome"]) => match parse::<DeductionOutcomeRequest>(body) {
            Ok(request) => {
                sandbox.set_next_deduction_outcome(request.outcome);
                no_content()
            }
            Err(response) => *response,
        },
        ("POST", ["sandbox", "refund-outcome"]) => match parse::<RefundOutcomeRequest>(body) {
            Ok(request) => {
                sandbox.set_next_refund_outcome(request.outcome);
                no_content()
            }
            Err(response) => *response,
        },
        ("POST", ["sandbox", "certificates", "rotate"]) => {
            plain_json(200, &json!({ "serial_no": sandbox.rotate_platform_certificate() }))
        }
        ("POST", ["sandbox", "certificates", "publish"]) => {
            plain_json(200, &json!({ "serial_no": sandbox.publish_platform_certificate() }))
        }
        ("POST", ["sandbox", "certificates", "use"]) => match parse::<SerialRequest>(body) {
            Ok(request) => result_empty(sandbox.use_platform_certificate(&request.serial_no)),
            Err(response) => *response,
        },
        ("POST", ["sandbox", "certificates", "expire"]) => {
            sandbox.expire_platform_certificates();
            no_content()
        }
        ("POST", ["sandbox", "public-key-id"]) => match parse::<EnabledRequest>(body) {
            Ok(request) => {
                sandbox.use_public_key_id(request.enabled);
                no_content()
            }
            Err(response) => *response,
        },
        ("POST", ["sandbox", "faults"]) => match parse::<FaultRule>(body) {
            Ok(rule) => {
                sandbox.inject(rule);
                no_content()
            }
            Err(response) => *response,
        },
        ("DELETE", ["sandbox", "faults"]) => {
            sandbox.clear_faults();
            no_content()
        }
        ("GET", ["sandbox", "notifications"]) => plain_json(200, &json!(sandbox.notifications())),
        ("POST", ["sandbox", "notifications", "wait"]) => match parse::<WaitRequest>(body) {
            Ok(request) => {
                let timeout = Duration::from_millis(request.timeout_ms);
                result_json(sandbox.wait_for_delivery(&request.event_type, timeout).await)
            }
            Err(response) => *response,
        },
        ("GET", ["sandbox", "requests"]) => plain_json(200, &json!(sandbox.requests())),
        ("GET", ["sandbox", "credentials"]) => plain_json(200, &json!(sandbox.credentials())),
        ("POST", ["sandbox", "notify-redirect"]) => match parse::<RedirectRequest>(body) {
            Ok(request) => result_empty(sandbox.set_notify_redirect(request.url)),
            Err(response) => *response,
        },
        _ => plain_error(404, "NOT_FOUND", &format!("no control endpoint {method} {path}")),
    }
}

/// Parses a control request body. The error is the 400 response to send.
fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Box<Response<SandboxBody>>> {
    serde_json::from_slice(body).map_err(|e| {
        Box::new(plain_error(
            400,
            "INVALID_REQUEST",
            &format!("the control request body is not the expected JSON: {e}"),
        ))
    })
}

fn no_content() -> Response<SandboxBody> {
    let mut response = Response::new(SandboxBody::empty());
    *response.status_mut() = http::StatusCode::NO_CONTENT;
    response
}

fn result_json<T: serde::Serialize>(result: Result<T, SandboxError>) -> Response<SandboxBody> {
    match result {
        Ok(value) => plain_json(200, &json!(value)),
        Err(error) => error_response(&error),
    }
}

fn result_empty(result: Result<(), SandboxError>) -> Response<SandboxBody> {
    match result {
        Ok(()) => no_content(),
        Err(error) => error_response(&error),
    }
}

fn error_response(error: &SandboxError) -> Response<SandboxBody> {
    let (status, code) = match error {
        SandboxError::SessionNotFound(_)
        | SandboxError::ContractNotFound(_)
        | SandboxError::OrderNotFound(_)
        | SandboxError::UnknownCertificate(_) => (404, "NOT_FOUND"),
        SandboxError::SessionNotPending { .. }
        | SandboxError::AlreadySigned { .. }
        | SandboxError::ContractTerminated(_)
        | SandboxError::OrderNotUserPaying { .. } => (409, "CONFLICT"),
        SandboxError::DeliveryTimeout { .. } => (408, "TIMEOUT"),
        SandboxError::InvalidOptions(_) => (400, "INVALID_REQUEST"),
        _ => (500, "SYSTEM_ERROR"),
    };
    plain_error(status, code, &error.to_string())
}

/// Serves a small HTML page at the signing URLs that pre-sign responses point to, telling a human
/// how to play the user. Returns `None` for any other request.
pub(crate) fn signing_page(method: &str, path: &str, query: Option<&str>) -> Option<Response<SandboxBody>> {
    let is_signing_path =
        path == "/global/papay/contracts/login" || path == "/global/papay/contracts/sessions/show_code";
    if method != "GET" || !is_signing_path {
        return None;
    }

    let session_id: String = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(key, _)| key == "os_session_id")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let page = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>papay sandbox signing</title></head>\n<body>\n<h1>papay sandbox: signing session {session_id}</h1>\n<p>This page stands in for WeChat's signing page. Play the user with:</p>\n<pre>POST /sandbox/signing/confirm  {{\"session_id\": \"{session_id}\"}}\nPOST /sandbox/signing/cancel   {{\"session_id\": \"{session_id}\"}}</pre>\n</body></html>\n"
    );
    Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(SandboxBody::full(page))
        .ok()
}
