//! Fault injection: rules that make API requests fail in the ways real networks and WeChat do.
//!
//! Rules are matched in insertion order against API requests only (never `/sandbox/` control
//! calls). The first rule whose method and path filter match fires, and its `times` counter is
//! decremented; a rule with `times: 0` fires until [`crate::Sandbox::clear_faults`].
//!
//! JSON form (control API `POST /sandbox/faults`):
//!
//! ```json
//! {"method": "POST", "path_contains": "/transactions", "times": 1,
//!  "fault": {"error": {"status": 500, "code": "SYSTEM_ERROR", "message": "try later"}}}
//! ```
//!
//! `fault` is one of `{"delay_ms": 3000}`, `{"process_then_delay_ms": 3000}`,
//! `{"process_then_status": 500}`, `{"error": {"status", "code", "message"}}`,
//! `{"html_page": 502}`, or one of the strings `"invalid_json"`, `"bad_signature"`,
//! `"unknown_serial"`, `"missing_signature_headers"`, `"reset_mid_body"`, `"close_connection"`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One fault rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// HTTP method to match (case-insensitive); `None` matches any.
    #[serde(default)]
    pub method: Option<String>,
    /// Substring of the request path to match; `None` matches any path.
    #[serde(default)]
    pub path_contains: Option<String>,
    /// How many requests the rule fires for; 0 means until cleared.
    #[serde(default)]
    pub times: u32,
    pub fault: Fault,
}

/// What a matching request gets instead of a normal response.
///
/// "Process" means the request takes effect as usual: a deduction charges, a refund is created.
/// Faults without "process" in their description leave the state unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "FaultJson", from = "FaultJson")]
pub enum Fault {
    /// Waits, then processes and responds normally, so the response headers arrive after any
    /// client timeout shorter than the delay.
    Delay(Duration),
    /// Processes, then waits before responding: a timed-out request that really happened.
    ProcessThenDelay(Duration),
    /// Processes, then answers this status with a signed `{"code":"SYSTEM_ERROR",...}` body.
    ProcessThenStatus(u16),
    /// Answers a signed JSON error without processing (e.g. 429 FREQUENCY_LIMITED,
    /// 500 SYSTEM_ERROR, 403 NOT_ENOUGH).
    Error { status: u16, code: String, message: String },
    /// Answers a `text/html` Bad Gateway page without signature headers, without processing.
    HtmlPage(u16),
    /// Answers 200 with a signed body that is not JSON, without processing.
    InvalidJson,
    /// Processes and answers normally, but with a corrupted Wechatpay-Signature.
    BadSignature,
    /// Processes and answers normally, signed with a key whose serial is never listed.
    UnknownSerial,
    /// Processes and answers normally without any Wechatpay-* header.
    MissingSignatureHeaders,
    /// Processes, sends the headers with the full Content-Length and half the body, then drops
    /// the connection.
    ResetMidBody,
    /// Drops the connection without answering, without processing.
    CloseConnection,
}

impl FaultRule {
    /// Returns whether the rule applies to a request.
    pub(crate) fn matches(&self, method: &str, path: &str) -> bool {
        let method_matches = self.method.as_deref().map(|m| m.eq_ignore_ascii_case(method)).unwrap_or(true);
        let path_matches = self.path_contains.as_deref().map(|fragment| path.contains(fragment)).unwrap_or(true);
        method_matches && path_matches
    }
}

/// Finds the first rule matching the request, consumes one of its uses and returns its fault.
pub(crate) fn take_matching(rules: &mut Vec<FaultRule>, method: &str, path: &str) -> Option<Fault> {
    let index = rules.iter().position(|rule| rule.matches(method, path))?;
    let fault = rules[index].fault.clone();

    match rules[index].times {
        0 => {}
        1 => {
            rules.remove(index);
        }
        _ => rules[index].times -= 1,
    }
    Some(fault)
}

/// The JSON shape of [`Fault`]: durations in milliseconds, unit variants as plain strings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FaultJson {
    DelayMs(u64),
    ProcessThenDelayMs(u64),
    ProcessThenStatus(u16),
    Error { status: u16, code: String, message: String },
    HtmlPage(u16),
    InvalidJson,
    BadSignature,
    UnknownSerial,
    MissingSignatureHeaders,
    ResetMidBody,
    CloseConnection,
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl From<Fault> for FaultJson {
    fn from(fault: Fault) -> Self {
        match fault {
            Fault::Delay(d) => FaultJson::DelayMs(millis(d)),
            Fault::ProcessThenDelay(d) => FaultJson::ProcessThenDelayMs(millis(d)),
            Fault::ProcessThenStatus(s) => FaultJson::ProcessThenStatus(s),
            Fault::Error { status, code, message } => FaultJson::Error { status, code, message },
            Fault::HtmlPage(s) => FaultJson::HtmlPage(s),
            Fault::InvalidJson => FaultJson::InvalidJson,
            Fault::BadSignature => FaultJson::BadSignature,
            Fault::UnknownSerial => FaultJson::UnknownSerial,
            Fault::MissingSignatureHeaders => FaultJson::MissingSignatureHeaders,
            Fault::ResetMidBody => FaultJson::ResetMidBody,
            Fault::CloseConnection => FaultJson::CloseConnection,
        }
    }
}

impl From<FaultJson> for Fault {
    fn from(json: FaultJson) -> Self {
        match json {
            FaultJson::DelayMs(ms) => Fault::Delay(Duration::from_millis(ms)),
            FaultJson::ProcessThenDelayMs(ms) => Fault::ProcessThenDelay(Duration::from_millis(ms)),
            FaultJson::ProcessThenStatus(s) => Fault::ProcessThenStatus(s),
            FaultJson::Error { status, code, message } => Fault::Error { status, code, message },
            FaultJson::HtmlPage(s) => Fault::HtmlPage(s),
            FaultJson::InvalidJson => Fault::InvalidJson,
            FaultJson::BadSignature => Fault::BadSignature,
            FaultJson::UnknownSerial => Fault::UnknownSerial,
            FaultJson::MissingSignatureHeaders => Fault::MissingSignatureHeaders,
            FaultJson::ResetMidBody => Fault::ResetMidBody,
            FaultJson::CloseConnection => Fault::CloseConnection,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_rule_parses_error_form() {
        let json = r#"{"path_contains":"/transactions","times":1,
            "fault":{"error":{"status":500,"code":"SYSTEM_ERROR","message":"x"}}}"#;
        let rule: Result<FaultRule, _> = serde_json::from_str(json);
        let expected = FaultRule {
            method: None,
            path_contains: Some("/transactions".into()),
            times: 1,
            fault: Fault::Error { status: 500, code: "SYSTEM_ERROR".into(), message: "x".into() },
        };
        assert_eq!(rule.ok(), Some(expected));
    }

    #[test]
    fn fault_rule_parses_delay_and_unit_forms() {
        let delay: Result<FaultRule, _> = serde_json::from_str(r#"{"fault":{"delay_ms":3000}}"#);
        assert_eq!(delay.ok().map(|r| r.fault), Some(Fault::Delay(Duration::from_secs(3))));

        let reset: Result<FaultRule, _> = serde_json::from_str(r#"{"fault":"reset_mid_body"}"#);
        assert_eq!(reset.ok().map(|r| r.fault), Some(Fault::ResetMidBody));
    }

    #[test]
    fn take_matching_consumes_times() {
        let mut rules = vec![FaultRule {
            method: Some("post".into()),
            path_contains: Some("/refunds".into()),
            times: 2,
            fault: Fault::InvalidJson,
        }];
        assert_eq!(take_matching(&mut rules, "GET", "/v3/global/refunds"), None);
        assert!(take_matching(&mut rules, "POST", "/v3/global/refunds").is_some());
        assert!(take_matching(&mut rules, "POST", "/v3/global/refunds").is_some());
        assert_eq!(take_matching(&mut rules, "POST", "/v3/global/refunds"), None);
    }
}
