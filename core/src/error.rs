//! The one error type of the SDK.
//!
//! Every failure maps to a variant with a stable upper-snake [`Error::code`], so the same failure
//! reads the same in every language binding. Messages name the field, value or header involved and
//! never contain a key, a signature or decrypted personal data.

use std::fmt;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Details WeChat Pay attaches to a parameter error (`detail` in the error body).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ErrorDetail {
    /// Offending parameter, a JSON path for body fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Offending value as WeChat Pay saw it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Description of the problem with the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
    /// Location of the parameter: `body`, `query` or `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The whole `detail` object as received, for keys not modelled above
    /// (for example `sign_information` on a `SIGN_ERROR`).
    #[serde(skip)]
    pub raw: Option<serde_json::Value>,
}

/// A non-2xx response from the WeChat Pay API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// WeChat Pay's machine-readable code such as `PARAM_ERROR` or `ORDER_PAID`; kept as received
    /// because the list is open. Empty when the body carried none (an HTML error page, say).
    pub code: String,
    /// Human-readable reason, in the language selected by `Accept-Language`.
    pub message: String,
    /// Parameter details, present mainly for `PARAM_ERROR`.
    pub detail: Option<ErrorDetail>,
    /// The `Request-ID` response header, which WeChat Pay support requests when investigating.
    pub request_id: Option<String>,
    /// Whether the error response carried a signature that verified. Error responses without
    /// signature headers are still reported, but their content is unauthenticated.
    pub signature_verified: bool,
}

/// Kind of transport failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportKind {
    /// The TCP or TLS connection could not be established.
    Connect,
    /// The connection broke while the request or response was in flight.
    Io,
    /// Anything else the HTTP stack reported.
    Other,
}

/// Every failure the SDK reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client configuration is unusable; raised when the client or a key is constructed.
    #[error("invalid configuration: {field}: {reason}")]
    InvalidConfig { field: &'static str, reason: String },

    /// A request argument breaks a documented rule; raised before anything is signed or sent.
    #[error("invalid argument: {field} {reason}")]
    InvalidArgument { field: String, reason: String },

    /// The request could not be sent or the response could not be read.
    #[error("transport error ({kind:?}) calling {endpoint}: {message}")]
    Transport { kind: TransportKind, endpoint: String, message: String },

    /// The call did not complete within the configured timeout.
    #[error("timed out after {elapsed_ms} ms calling {endpoint}")]
    Timeout { endpoint: String, elapsed_ms: u64 },

    /// WeChat Pay responded with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),

    /// A response or notification lacks one of the `Wechatpay-*` signature headers.
    #[error("{context} is missing the {header} header; it cannot be authenticated")]
    SignatureHeadersMissing { context: &'static str, header: &'static str },

    /// The signature type or the resource encryption algorithm is not the one this SDK supports.
    #[error("unsupported {what}: {value:?}, expected {expected}")]
    UnsupportedAlgorithm { what: &'static str, value: String, expected: &'static str },

    /// `Wechatpay-Serial` names no known platform certificate or public key.
    #[error("platform certificate or public key {serial} is unknown{}", refreshed_note(*.refreshed))]
    UnknownSerial { serial: String, refreshed: bool },

    /// The platform certificate that signed the message is outside its validity period.
    #[error("platform certificate {serial} is not valid now: valid from {not_before} to {not_after}")]
    CertificateExpired { serial: String, not_before: String, not_after: String },

    /// The signature does not verify over the received bytes.
    #[error("{context} signature does not verify with platform key {serial}{}", refreshed_note(*.refreshed))]
    SignatureInvalid { context: &'static str, serial: String, refreshed: bool },

    /// The signed timestamp is too far from the local clock (replay or clock skew).
    #[error("{context} timestamp {timestamp} is {skew_seconds} s away from local time, more than the allowed {window_seconds} s")]
    TimestampOutOfWindow { context: &'static str, timestamp: i64, skew_seconds: i64, window_seconds: u64 },

    /// AEAD_AES_256_GCM decryption failed: wrong APIv3 key, or a changed ciphertext, tag, nonce or
    /// associated data.
    #[error("AEAD_AES_256_GCM decryption of {what} failed: wrong APIv3 key or modified ciphertext, nonce or associated data")]
    DecryptionFailed { what: &'static str },

    /// A response or notification was authentic but could not be understood.
    #[error("malformed {what}: {reason}")]
    MalformedMessage { what: String, reason: String },

    /// A money-moving call failed in transit and the follow-up query could not tell whether it
    /// took effect. Retry the same call with the same merchant number: WeChat Pay treats it as
    /// the same order or refund.
    #[error("outcome of {operation} {merchant_no} is unknown: the call failed ({cause}) and the reconciling query failed too ({query_error})")]
    OutcomeUnknown { operation: &'static str, merchant_no: String, cause: String, query_error: String },
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_api_error(self))
    }
}

impl std::error::Error for ApiError {}

fn format_api_error(error: &ApiError) -> String {
    let mut text = format!("WeChat Pay answered HTTP {}", error.status);
    if !error.code.is_empty() {
        text.push_str(&format!(" {}", error.code));
    }
    if !error.message.is_empty() {
        text.push_str(&format!(": {}", error.message));
    }
    if let Some(detail) = &error.detail {
        if let Some(field) = &detail.field {
            text.push_str(&format!(" (field {field}"));
            if let Some(issue) = &detail.issue {
                text.push_str(&format!(": {issue}"));
            }
            text.push(')');
        }
    }
    if let Some(request_id) = &error.request_id {
        text.push_str(&format!(", Request-ID {request_id}"));
    }
    if !error.signature_verified {
        text.push_str(", response signature not verified");
    }
    text
}

fn refreshed_note(refreshed: bool) -> &'static str {
    if refreshed {
        ", even after the platform certificates were downloaded again"
    } else {
        ""
    }
}

impl Error {
    /// Returns the stable upper-snake code of this error kind, identical in every binding.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidConfig { .. } => "INVALID_CONFIG",
            Error::InvalidArgument { .. } => "INVALID_ARGUMENT",
            Error::Transport { .. } => "TRANSPORT",
            Error::Timeout { .. } => "TIMEOUT",
            Error::Api(_) => "API_ERROR",
            Error::SignatureHeadersMissing { .. } => "SIGNATURE_HEADERS_MISSING",
            Error::UnsupportedAlgorithm { .. } => "UNSUPPORTED_ALGORITHM",
            Error::UnknownSerial { .. } => "UNKNOWN_SERIAL",
            Error::CertificateExpired { .. } => "CERTIFICATE_EXPIRED",
            Error::SignatureInvalid { .. } => "SIGNATURE_INVALID",
            Error::TimestampOutOfWindow { .. } => "TIMESTAMP_OUT_OF_WINDOW",
            Error::DecryptionFailed { .. } => "DECRYPTION_FAILED",
            Error::MalformedMessage { .. } => "MALFORMED_MESSAGE",
            Error::OutcomeUnknown { .. } => "OUTCOME_UNKNOWN",
        }
    }

    /// Returns the API error, when WeChat Pay responded with an error status.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// Returns whether the failure is transient, so that the same request may be sent again unchanged.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } | Error::OutcomeUnknown { .. } => true,
            Error::Api(api) => {
                api.status == 429
                    || api.status >= 500
                    || matches!(api.code.as_str(), "SYSTEM_ERROR" | "BIZERR_NEED_RETRY" | "FREQUENCY_LIMITED")
            }
            _ => false,
        }
    }

    pub(crate) fn invalid_argument(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidArgument { field: field.into(), reason: reason.into() }
    }

    pub(crate) fn invalid_config(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidConfig { field, reason: reason.into() }
    }

    pub(crate) fn malformed(what: impl Into<String>, reason: impl fmt::Display) -> Self {
        Error::MalformedMessage { what: what.into(), reason: reason.to_string() }
    }
}
