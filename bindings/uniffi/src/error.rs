//! The one error type of the Kotlin and Swift bindings, and its mapping from [`papay::Error`].
//!
//! Every variant carries the core's stable upper-snake `code` and its `message`, so a failure
//! reads the same in Kotlin, Swift, Python, Node and Rust. Kotlin gets `PayException` with one
//! subclass per variant, and Swift gets `enum PayError` with one case per variant. Messages come from
//! the core, which never puts a key, a signature or decrypted personal data in them.

/// Parameter details WeChat Pay attached to an error response (`detail` in its body).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ApiErrorDetail {
    /// Offending parameter, a JSON path for body fields.
    pub field: Option<String>,
    /// Offending value as WeChat Pay saw it.
    pub value: Option<String>,
    /// Problem with the value, in WeChat Pay's words.
    pub issue: Option<String>,
    /// Location of the parameter: `body`, `query` or `path`.
    pub location: Option<String>,
    /// The whole `detail` object as JSON text, including keys not modelled above.
    pub raw_json: Option<String>,
}

/// Every failure the SDK reports. The variant names follow the `code` values.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum PayError {
    /// The client configuration or a key is unusable (`INVALID_CONFIG`).
    #[error("{message}")]
    InvalidConfig { code: String, message: String, field: String },

    /// A request argument breaks a documented rule; nothing was signed or sent
    /// (`INVALID_ARGUMENT`). `field` names the argument, e.g. `out_trade_no`.
    #[error("{message}")]
    InvalidArgument { code: String, message: String, field: String },

    /// The request could not be sent or the response could not be read (`TRANSPORT`).
    /// `kind` is `CONNECT`, `IO` or `OTHER`.
    #[error("{message}")]
    Transport { code: String, message: String, kind: String, endpoint: String },

    /// The call did not complete within the configured timeout (`TIMEOUT`).
    #[error("{message}")]
    Timeout { code: String, message: String, endpoint: String },

    /// WeChat Pay responded with an error status (`API_ERROR`). `api_code` is WeChat Pay's own
    /// code such as `PARAM_ERROR`, empty when the body carried none.
    #[error("{message}")]
    Api {
        code: String,
        message: String,
        http_status: u16,
        api_code: String,
        api_message: String,
        request_id: Option<String>,
        detail: Option<ApiErrorDetail>,
        /// Whether the error response's signature verified; when false its content is
        /// unauthenticated.
        signature_verified: bool,
    },

    /// A response or notification lacks a `Wechatpay-*` signature header
    /// (`SIGNATURE_HEADERS_MISSING`).
    #[error("{message}")]
    SignatureHeadersMissing { code: String, message: String },

    /// The signature type or the resource algorithm is not supported (`UNSUPPORTED_ALGORITHM`).
    #[error("{message}")]
    UnsupportedAlgorithm { code: String, message: String },

    /// `Wechatpay-Serial` names no known platform certificate or public key (`UNKNOWN_SERIAL`).
    #[error("{message}")]
    UnknownSerial { code: String, message: String, serial: String },

    /// The signing platform certificate is outside its validity period (`CERTIFICATE_EXPIRED`).
    #[error("{message}")]
    CertificateExpired { code: String, message: String, serial: String },

    /// The signature does not verify over the received bytes (`SIGNATURE_INVALID`).
    #[error("{message}")]
    SignatureInvalid { code: String, message: String, serial: String },

    /// The signed timestamp is too far from the local clock (`TIMESTAMP_OUT_OF_WINDOW`).
    #[error("{message}")]
    TimestampOutOfWindow { code: String, message: String },

    /// AES-256-GCM decryption failed: wrong APIv3 key or modified data (`DECRYPTION_FAILED`).
    #[error("{message}")]
    DecryptionFailed { code: String, message: String },

    /// A response or notification was authentic but could not be understood
    /// (`MALFORMED_MESSAGE`).
    #[error("{message}")]
    MalformedMessage { code: String, message: String },

    /// A deduction or refund failed in transit and the reconciling query failed too
    /// (`OUTCOME_UNKNOWN`). Send the same request again with the same merchant number.
    #[error("{message}")]
    OutcomeUnknown { code: String, message: String, operation: String, merchant_no: String },

    /// A failure kind added to the core after this binding was written; `code` is the core's.
    #[error("{message}")]
    Other { code: String, message: String },
}

#[uniffi::export]
impl PayError {
    /// Returns the stable upper-snake code of any variant, so callers need not match on the
    /// variant to read it. Kotlin: `e.code()`; Swift: `error.code()`.
    pub fn code(&self) -> String {
        self.parts().0.to_owned()
    }

    /// Returns the message of any variant. In Kotlin the `message` property is uniffi's summary
    /// of all fields, and `e.message()` returns this message alone.
    pub fn message(&self) -> String {
        self.parts().1.to_owned()
    }
}

impl PayError {
    fn parts(&self) -> (&str, &str) {
        match self {
            PayError::InvalidConfig { code, message, .. }
            | PayError::InvalidArgument { code, message, .. }
            | PayError::Transport { code, message, .. }
            | PayError::Timeout { code, message, .. }
            | PayError::Api { code, message, .. }
            | PayError::SignatureHeadersMissing { code, message }
            | PayError::UnsupportedAlgorithm { code, message }
            | PayError::UnknownSerial { code, message, .. }
            | PayError::CertificateExpired { code, message, .. }
            | PayError::SignatureInvalid { code, message, .. }
            | PayError::TimestampOutOfWindow { code, message }
            | PayError::DecryptionFailed { code, message }
            | PayError::MalformedMessage { code, message }
            | PayError::OutcomeUnknown { code, message, .. }
            | PayError::Other { code, message } => (code, message),
        }
    }
}

impl From<papay::Error> for PayError {
    fn from(error: papay::Error) -> Self {
        let code = error.code().to_owned();
        let message = error.to_string();
        match error {
            papay::Error::InvalidConfig { field, .. } => {
                PayError::InvalidConfig { code, message, field: field.to_owned() }
            }
            papay::Error::InvalidArgument { field, .. } => PayError::InvalidArgument { code, message, field },
            papay::Error::Transport { kind, endpoint, .. } => {
                let kind = match kind {
                    papay::TransportKind::Connect => "CONNECT",
                    papay::TransportKind::Io => "IO",
                    papay::TransportKind::Other => "OTHER",
                };
                PayError::Transport { code, message, kind: kind.to_owned(), endpoint }
            }
            papay::Error::Timeout { endpoint, .. } => PayError::Timeout { code, message, endpoint },
            papay::Error::Api(api) => {
                let api = *api;
                PayError::Api {
                    code,
                    message,
                    http_status: api.status,
                    api_code: api.code,
                    api_message: api.message,
                    request_id: api.request_id,
                    detail: api.detail.map(|detail| ApiErrorDetail {
                        field: detail.field,
                        value: detail.value,
                        issue: detail.issue,
                        location: detail.location,
                        raw_json: detail.raw.map(|raw| raw.to_string()),
                    }),
                    signature_verified: api.signature_verified,
                }
            }
            papay::Error::SignatureHeadersMissing { .. } => PayError::SignatureHeadersMissing { code, message },
            papay::Error::UnsupportedAlgorithm { .. } => PayError::UnsupportedAlgorithm { code, message },
            papay::Error::UnknownSerial { serial, .. } => PayError::UnknownSerial { code, message, serial },
            papay::Error::CertificateExpired { serial, .. } => PayError::CertificateExpired { code, message, serial },
            papay::Error::SignatureInvalid { serial, .. } => PayError::SignatureInvalid { code, message, serial },
            papay::Error::TimestampOutOfWindow { .. } => PayError::TimestampOutOfWindow { code, message },
            papay::Error::DecryptionFailed { .. } => PayError::DecryptionFailed { code, message },
            papay::Error::MalformedMessage { .. } => PayError::MalformedMessage { code, message },
            papay::Error::OutcomeUnknown { operation, merchant_no, .. } => {
                PayError::OutcomeUnknown { code, message, operation: operation.to_owned(), merchant_no }
            }
            // `papay::Error` is `#[non_exhaustive]`, so a wildcard arm is required; it keeps the
            // core's code and message for a kind this binding does not know yet.
            _ => PayError::Other { code, message },
        }
    }
}

/// Builds an `INVALID_ARGUMENT` error raised by the binding itself (a malformed time or a negative number).
pub(crate) fn invalid_argument(field: &str, reason: impl std::fmt::Display) -> PayError {
    PayError::InvalidArgument {
        code: "INVALID_ARGUMENT".to_owned(),
        message: format!("invalid argument: {field} {reason}"),
        field: field.to_owned(),
    }
}

/// Builds an `INVALID_CONFIG` error raised by the binding itself.
pub(crate) fn invalid_config(field: &str, reason: impl std::fmt::Display) -> PayError {
    PayError::InvalidConfig {
        code: "INVALID_CONFIG".to_owned(),
        message: format!("invalid configuration: {field}: {reason}"),
        field: field.to_owned(),
    }
}

/// Result alias of the binding.
pub type PayResult<T> = Result<T, PayError>;
