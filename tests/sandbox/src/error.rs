//! Errors of the sandbox's Rust API (start-up and the calls that play the user).
//!
//! Errors answered to HTTP clients are not here: those are WeChat-style JSON bodies built in
//! `wire.rs`.

use std::time::Duration;

/// A failure of a [`crate::Sandbox`] method.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The options passed to [`crate::Sandbox::start`] are inconsistent or malformed.
    #[error("invalid sandbox options: {0}")]
    InvalidOptions(String),

    /// The listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: std::net::SocketAddr, source: std::io::Error },

    /// A key, certificate or cipher operation failed.
    #[error("crypto operation failed: {0}")]
    Crypto(String),

    /// No signing session matches the reference given to `confirm_signing` or `cancel_signing`.
    #[error("signing session not found: {0}")]
    SessionNotFound(String),

    /// The signing session was already confirmed, cancelled or has expired.
    #[error("signing session {session_id} is {state}, only a pending session can be confirmed or cancelled")]
    SessionNotPending { session_id: String, state: String },

    /// The (plan_id, out_contract_code) pair of the session already has a contract.
    #[error("out_contract_code {out_contract_code} is already signed for plan_id {plan_id}")]
    AlreadySigned { plan_id: u64, out_contract_code: String },

    /// No contract has this contract_id.
    #[error("contract not found: {0}")]
    ContractNotFound(String),

    /// The contract was already terminated.
    #[error("contract {0} is already terminated")]
    ContractTerminated(String),

    /// No order has this out_trade_no.
    #[error("order not found: out_trade_no {0}")]
    OrderNotFound(String),

    /// `complete_payment` was called for an order that is not USERPAYING.
    #[error("order {out_trade_no} is {trade_state}, only a USERPAYING order can complete payment")]
    OrderNotUserPaying { out_trade_no: String, trade_state: String },

    /// `use_platform_certificate` was given a serial number that is not listed.
    #[error("platform certificate {0} is not listed by the sandbox; publish or rotate first")]
    UnknownCertificate(String),

    /// `wait_for_delivery` saw no new acknowledged notification of that event type in time.
    #[error("no acknowledged {event_type} notification within {timeout:?}")]
    DeliveryTimeout { event_type: String, timeout: Duration },
}
