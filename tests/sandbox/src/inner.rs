//! The shared core of a running sandbox: fixed settings, keys, and the mutable state behind
//! one `std::sync::Mutex`.
//!
//! The mutex is never held across an `.await`: handlers lock, change records, copy out what
//! they need and unlock before signing or sending anything.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use crate::crypto::{self, PlatformCertificate, RsaSigner, RsaVerifier};
use crate::faults::FaultRule;
use crate::model::{Contract, MerchantConfig, Order, Owner, Refund, Session};
use crate::notify::DeliveryRecord;
use crate::options::{DeductionOutcome, RefundOutcome};
use crate::server::RequestRecord;

/// The number of request records kept; older ones are dropped first.
pub(crate) const MAX_REQUEST_RECORDS: usize = 100_000;

/// Settings fixed at start-up.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) merchant: MerchantConfig,
    pub(crate) merchant_serial_no: String,
    pub(crate) merchant_private_key_pem: String,
    pub(crate) merchant_verifier: RsaVerifier,
    pub(crate) apiv3_key: String,
    pub(crate) public_key_id: String,
    pub(crate) public_key_pem: String,
    pub(crate) public_key_signer: RsaSigner,
    pub(crate) retry_schedule: Vec<Duration>,
    pub(crate) refund_retry_schedule: Vec<Duration>,
    pub(crate) refund_delay: Duration,
    pub(crate) max_clock_skew: Duration,
    pub(crate) pretty_notifications: bool,
    pub(crate) termination_notify_url: Option<String>,
    pub(crate) test_openid: String,
}

/// The key that signs responses and notifications, as a Wechatpay-Serial value and a signer.
#[derive(Debug, Clone)]
pub(crate) struct ResponseSigner {
    pub(crate) serial: String,
    pub(crate) signer: RsaSigner,
}

/// Mutable records of the sandbox.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Listed platform certificates in publication order.
    pub(crate) certificates: Vec<PlatformCertificate>,
    /// Serial number of the certificate that signs.
    pub(crate) signing_serial: String,
    pub(crate) public_key_mode: bool,
    pub(crate) notify_redirect: Option<String>,

    pub(crate) sessions: HashMap<String, Session>,
    pub(crate) contracts: HashMap<String, Contract>,
    /// (owner, plan_id, out_contract_code) to contract_id.
    pub(crate) contract_codes: HashMap<(Owner, u64, String), String>,
    pub(crate) orders: HashMap<(Owner, String), Order>,
    /// transaction_id to (owner, out_trade_no).
    pub(crate) orders_by_transaction: HashMap<String, (Owner, String)>,
    pub(crate) refunds: HashMap<String, Refund>,
    /// (owner, out_refund_no) to refund_id.
    pub(crate) refunds_by_out_no: HashMap<(Owner, String), String>,
    /// out_trade_no to the number of times money moved for it.
    pub(crate) charges: HashMap<String, u32>,

    pub(crate) next_deduction: DeductionOutcome,
    pub(crate) next_refund: RefundOutcome,
    pub(crate) faults: Vec<FaultRule>,

    pub(crate) deliveries: Vec<DeliveryRecord>,
    /// Delivery ids already returned by `wait_for_delivery`.
    pub(crate) waited: HashSet<String>,
    pub(crate) requests: VecDeque<RequestRecord>,
}

impl State {
    pub(crate) fn signing_certificate(&self) -> Option<&PlatformCertificate> {
        self.certificates.iter().find(|c| c.serial_no == self.signing_serial)
    }
}

/// Everything a running sandbox shares between its listener, its tasks and its handles.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) settings: Settings,
    pub(crate) base_url: String,
    pub(crate) state: Mutex<State>,
    /// Woken whenever a delivery record changes.
    pub(crate) deliveries_changed: tokio::sync::Notify,
    /// Turns true at shutdown; the listener and every delivery task watch it.
    pub(crate) shutdown: tokio::sync::watch::Sender<bool>,
    pub(crate) runtime: tokio::runtime::Handle,
    /// A key whose serial is never listed, for the UnknownSerial fault; generated on first use.
    pub(crate) unlisted_signer: OnceLock<Option<ResponseSigner>>,
    sequence: AtomicU64,
    request_id_prefix: String,
}

impl Inner {
    pub(crate) fn new(settings: Settings, base_url: String, state: State, runtime: tokio::runtime::Handle) -> Self {
        let (shutdown, _) = tokio::sync::watch::channel(false);
        Self {
            settings,
            base_url,
            state: Mutex::new(state),
            deliveries_changed: tokio::sync::Notify::new(),
            shutdown,
            runtime,
            unlisted_signer: OnceLock::new(),
            sequence: AtomicU64::new(crypto::random_u64() % 1_000_000),
            request_id_prefix: crypto::random_upper_hex(16),
        }
    }

    /// Locks the state. A poisoned lock is used as it is, because failing every later request
    /// after one panic would hide that panic behind unrelated errors.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn mchid(&self) -> &str {
        &self.settings.merchant.mchid
    }

    fn next_sequence(&self) -> u64 {
        self.sequence.fetch_add(1, Ordering::Relaxed)
    }

    /// Returns a new Request-ID value.
    pub(crate) fn new_request_id(&self) -> String {
        format!("{}{:016X}", self.request_id_prefix, self.next_sequence())
    }

    /// Returns a new 18-digit signing session id.
    pub(crate) fn new_session_id(&self) -> String {
        format!("{:06}{}", self.next_sequence() % 1_000_000, crypto::random_digits(12))
    }

    /// Returns a new contract id: "Wx" and 28 digits and letters.
    pub(crate) fn new_contract_id(&self) -> String {
        format!("Wx{:010}{}", self.next_sequence() % 10_000_000_000, crypto::random_alphanumeric(18))
    }

    /// Returns a new 32-digit transaction id starting with 4200000000, as WeChat's do.
    pub(crate) fn new_transaction_id(&self) -> String {
        self.new_numbered_id("4200000000")
    }

    /// Returns a new 32-digit refund id starting with 5030000000.
    pub(crate) fn new_refund_id(&self) -> String {
        self.new_numbered_id("5030000000")
    }

    fn new_numbered_id(&self, prefix: &str) -> String {
        let date = crypto::now_beijing().format("%Y%m%d");
        format!("{prefix}{date}{:08}{}", self.next_sequence() % 100_000_000, crypto::random_digits(6))
    }

    /// Returns the key that signs responses and notifications now.
    pub(crate) fn response_signer(&self) -> Option<ResponseSigner> {
        let state = self.lock();
        if state.public_key_mode {
            return Some(ResponseSigner {
                serial: self.settings.public_key_id.clone(),
                signer: self.settings.public_key_signer.clone(),
            });
        }
        state.signing_certificate().map(|c| ResponseSigner { serial: c.serial_no.clone(), signer: c.signer.clone() })
    }

    /// Returns a signer whose serial is never listed, generating its key on first use.
    pub(crate) fn unlisted_signer(&self) -> Option<ResponseSigner> {
        self.unlisted_signer
            .get_or_init(|| {
                let signer = RsaSigner::generate().ok()?;
                Some(ResponseSigner { serial: format!("7F{}", crypto::random_upper_hex(38)), signer })
            })
            .clone()
    }

    /// Records a change of the delivery records and wakes `wait_for_delivery`.
    pub(crate) fn deliveries_updated(&self) {
        self.deliveries_changed.notify_waiters();
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        *self.shutdown.borrow()
    }
}
