//! papay: a client for the WeChat Pay Global Auto-Debit API (APIv3).
//!
//! It signs requests over the exact bytes it sends, verifies every response and notification
//! over the exact bytes it receives, keeps WeChat Pay's platform certificates fresh, decrypts
//! notifications, validates requests before they leave, and reconciles deductions and refunds
//! whose outcome a timeout left uncertain.
//!
//! ```no_run
//! # async fn run() -> papay::Result<()> {
//! let config = papay::Config::builder()
//!     .mchid("1900000001")
//!     .serial_no("5157F09EFDC096DE15EBE81A47057A7232F1B8E1")
//!     .private_key_file("apiclient_key.pem")
//!     .apiv3_key(std::env::var("WECHATPAY_APIV3_KEY").unwrap_or_default())
//!     .mode(papay::Mode::Common { appid: "wx00000000000000a1".into() })
//!     .build()?;
//! let client = papay::Client::new(config)?;
//! let contract = client.query_contract_by_out_contract_code(999, "CONTRACT0001").await?;
//! println!("{} is {}", contract.contract_id, contract.state);
//! # Ok(()) }
//! ```

pub mod app_signing;
pub mod certificate;
pub mod client;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod encoding;
pub mod error;
pub mod headers;
pub mod models;
pub mod notification;
pub mod signing;
pub mod transport;
pub mod validate;
pub mod verifier;

pub use certificate::PlatformCertificate;
pub use client::Client;
pub use clock::{Clock, FixedClock, SystemClock};
pub use config::{Config, ConfigBuilder, Mode, RetryPolicy, DEFAULT_BASE_URL};
pub use crypto::{ApiV3Key, MerchantPrivateKey, PublicKey};
pub use error::{ApiError, Error, ErrorDetail, Result, TransportKind};
pub use headers::HeaderSource;
pub use models::contracts::{Contract, ContractNotification, ContractState, TerminateContractRequest, TerminationMode};
pub use models::refunds::{
    FundSource, OrderRef, Refund, RefundAmount, RefundChannel, RefundList, RefundListRequest, RefundNotification,
    RefundRequest, RefundRequestAmount, RefundStatus,
};
pub use models::signing::{
    AppPreSignRequest, H5PreSignRequest, JsapiPreSignRequest, MiniProgramPreSignRequest, PreSignCommon,
    SessionIdResponse, ShowCodeUrlResponse, SignUrlResponse, WebPreSignRequest,
};
pub use models::transactions::{DeductionAmount, DeductionRequest, Order, OrderAmount, SceneInfo, TradeState};
pub use models::{ExchangeRate, Payer, ResponseIdentity, Timestamp};
pub use notification::{Notification, NotificationAnswer, NotificationEvent, NotificationParser};
pub use signing::RequestSigner;
pub use verifier::{CertificateStore, KeyResolver, KeySet, StaticPublicKeys};
