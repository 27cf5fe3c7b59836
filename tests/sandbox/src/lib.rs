//! `papay-sandbox` plays WeChat Pay's side of the Global Auto-Debit API (APIv3) on 127.0.0.1,
//! so that SDK tests, the `papay demo` and merchants' CI run the real protocol without WeChat.
//!
//! It is an independent implementation: it does not use the papay core crate, so a signing or
//! encoding bug in the core cannot be mirrored here and pass unnoticed.
//!
//! What it does:
//!
//! * verifies every API request's `Authorization` header (merchant id, certificate serial,
//!   ±`max_clock_skew`, RSA-SHA256 over the request target and body bytes exactly as received)
//!   and rejects a failure with 401 SIGN_ERROR naming the failed check;
//! * signs every answer, errors and 204 included, with the current platform key, and serves the
//!   platform certificates at `/v3/global/certificates` encrypted with the APIv3 key;
//! * keeps signing sessions, contracts, orders and refunds in memory, in both access modes
//!   (Common: `appid`; Institutional: `sp_appid` + `sub_mchid`);
//! * plays the user (confirm or cancel a signing, terminate in WeChat, finish a pending payment);
//! * sends signed, encrypted notifications with WeChat's retry schedules, to loopback hosts only;
//! * injects faults ([`FaultRule`]) and records every request and notification.
//!
//! Business errors it answers:
//!
//! | case | status | code |
//! |---|---|---|
//! | pre-sign with an out_contract_code already signed for the plan | 400 | INVALID_REQUEST |
//! | pre-sign with a plan_id not configured | 400 | INVALID_REQUEST |
//! | appid / sp_appid / sub_mchid / mchid not configured | 400 | INVALID_REQUEST |
//! | contract query of an unknown contract_id or code | 404 | NOT_FOUND |
//! | terminate an unknown contract | 403 | CONTRACT_NOT_EXIST |
//! | terminate a terminated contract | 400 | INVALID_REQUEST |
//! | deduction on an unknown contract | 403 | CONTRACT_NOT_EXIST |
//! | deduction on a terminated contract | 403 | CONTRACT_ERROR |
//! | repeated out_trade_no, same parameters, order paid | 400 | ORDER_PAID |
//! | repeated out_trade_no, same parameters, order closed | 400 | ORDER_CLOSED |
//! | repeated out_trade_no, same parameters, user still paying | 200 | the order, not charged again |
//! | repeated out_trade_no, different parameters | 400 | OUT_TRADE_NO_USED |
//! | order query of an unknown order | 404 | NOT_FOUND |
//! | reverse a paid order / a closed order / an unknown order | 400 / 400 / 404 | ORDER_PAID / ORDER_CLOSED / NOT_FOUND |
//! | refund of an unknown order | 404 | RESOURCE_NOT_EXISTS |
//! | refund of an unpaid order | 400 | INVALID_REQUEST |
//! | refund amount.total or currency differs from the order | 400 | PARAM_ERROR |
//! | refund above the remaining refundable amount | 400 | INVALID_REQUEST |
//! | repeated out_refund_no, same parameters | 200 | the existing refund |
//! | repeated out_refund_no, different parameters | 403 | OUT_REFUND_NO_USED |
//! | 51st refund of an order | 400 | INVALID_REQUEST |
//! | refund query of an unknown refund | 404 | RESOURCE_NOT_EXISTS |
//! | missing User-Agent | 400 | INVALID_REQUEST |
//! | malformed body, missing field, too long, 4-byte UTF-8, non-https notify URL | 400 | PARAM_ERROR |
//! | unknown path or method | 404 | NOT_FOUND |

use std::sync::{Arc, Mutex};
use std::time::Duration;

mod api;
mod auth;
mod control;
mod crypto;
mod error;
mod faults;
mod inner;
mod model;
mod notify;
mod options;
mod server;
mod wire;

pub use error::SandboxError;
pub use faults::{Fault, FaultRule};
pub use notify::DeliveryRecord;
pub use options::{
    ContractView, Credentials, DeductionOutcome, MerchantKey, RefundOutcome, SandboxOptions, SigningRef,
};
pub use server::RequestRecord;

use crate::crypto::{PlatformCertificate, RsaSigner};
use crate::inner::{Inner, Settings, State};
use crate::model::MerchantConfig;

/// The openid of the test user under the merchant's AppID.
const TEST_OPENID: &str = "oSANDBOX_openid_0000000000001";

/// A running sandbox. Clones share the same server and state.
#[derive(Debug, Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
    listener_task: Arc<Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

/// Keys created or loaded at start-up.
struct StartupKeys {
    merchant_serial_no: String,
    merchant_private_key_pem: String,
    merchant_signer: RsaSigner,
    platform_signer: RsaSigner,
}

impl Sandbox {
    /// Starts a sandbox: loads or generates keys, issues the first platform certificate and
    /// starts listening. Must be called inside a tokio runtime.
    pub async fn start(options: SandboxOptions) -> Result<Sandbox, SandboxError> {
        check_options(&options)?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|e| {
            SandboxError::InvalidOptions(format!("Sandbox::start must run inside a tokio runtime: {e}"))
        })?;

        // RSA key generation takes tens of milliseconds, so it runs off the async worker.
        let merchant = options.merchant.clone();
        let platform_der = options.platform_key_pkcs8_der.clone();
        let keys = runtime
            .spawn_blocking(move || load_keys(merchant, platform_der))
            .await
            .map_err(|e| SandboxError::Crypto(format!("key generation task failed: {e}")))??;
        let certificate = PlatformCertificate::issue(keys.platform_signer.clone())?;

        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|source| SandboxError::Bind { addr: options.listen, source })?;
        let local_addr = listener.local_addr().map_err(|source| SandboxError::Bind { addr: options.listen, source })?;
        let base_url = format!("http://{local_addr}");

        let settings = Settings {
            merchant: MerchantConfig {
                mchid: options.mchid.clone(),
                appid: options.appid.clone(),
                sp_appid: options.sp_appid.clone(),
                sub_mchids: options.sub_mchids.clone(),
                plan_ids: options.plan_ids.clone(),
            },
            merchant_serial_no: keys.merchant_serial_no,
            merchant_private_key_pem: keys.merchant_private_key_pem,
            merchant_verifier: keys.merchant_signer.verifier()?,
            apiv3_key: options.apiv3_key.clone().unwrap_or_else(|| crypto::random_alphanumeric(32)),
            public_key_id: format!("PUB_KEY_ID_{}", crypto::random_digits(28)),
            // Public-key mode signs with the first platform key. That key stays the same across
            // certificate rotations, as a published WeChat Pay public key does.
            public_key_pem: keys.platform_signer.public_key_pem()?,
            public_key_signer: keys.platform_signer,
            retry_schedule: options.retry_schedule.clone(),
            refund_retry_schedule: options.refund_retry_schedule.clone(),
            refund_delay: options.refund_delay,
            max_clock_skew: options.max_clock_skew,
            pretty_notifications: options.pretty_notifications,
            termination_notify_url: options.termination_notify_url.clone(),
            test_openid: TEST_OPENID.to_string(),
        };
        let state = State {
            signing_serial: certificate.serial_no.clone(),
            certificates: vec![certificate],
            notify_redirect: options.notify_redirect.clone(),
            ..State::default()
        };

        let inner = Arc::new(Inner::new(settings, base_url, state, runtime.clone()));
        let listener_task = runtime.spawn(server::run_listener(Arc::clone(&inner), listener));
        tracing::info!(base_url = %inner.base_url, mchid = %options.mchid, "sandbox started");

        Ok(Sandbox { inner, listener_task: Arc::new(Mutex::new(Some(listener_task))) })
    }

    /// Wraps the shared core for the control API, which has no listener handle of its own.
    pub(crate) fn from_inner(inner: Arc<Inner>) -> Sandbox {
        Sandbox { inner, listener_task: Arc::new(Mutex::new(None)) }
    }

    /// Returns the base URL, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        self.inner.base_url.clone()
    }

    /// Returns the keys and ids a client needs, with the platform certificate that signs now.
    pub fn credentials(&self) -> Credentials {
        let settings = &self.inner.settings;
        let (platform_serial_no, platform_certificate_pem) = {
            let state = self.inner.lock();
            state.signing_certificate().map(|c| (c.serial_no.clone(), c.certificate_pem.clone())).unwrap_or_default()
        };
        Credentials {
            base_url: self.inner.base_url.clone(),
            mchid: settings.merchant.mchid.clone(),
            merchant_serial_no: settings.merchant_serial_no.clone(),
            merchant_private_key_pem: settings.merchant_private_key_pem.clone(),
            apiv3_key: settings.apiv3_key.clone(),
            platform_serial_no,
            platform_certificate_pem,
            public_key_id: settings.public_key_id.clone(),
            public_key_pem: settings.public_key_pem.clone(),
            appid: settings.merchant.appid.clone(),
            sp_appid: settings.merchant.sp_appid.clone(),
            sub_mchid: settings.merchant.sub_mchids.first().cloned().unwrap_or_default(),
            plan_id: settings.merchant.plan_ids.first().copied().unwrap_or_default(),
            openid: settings.test_openid.clone(),
        }
    }

    /// Stops the listener, open connections, pending refunds and notification deliveries.
    pub async fn shutdown(self) {
        self.inner.shutdown.send_replace(true);
        let task = self.listener_task.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(task) = task {
            let _ = task.await;
        }
        tracing::info!(base_url = %self.inner.base_url, "sandbox stopped");
    }

    /// Plays the user signing: creates a SIGNED contract and sends PAPAY.SIGN to the session's
    /// success_notify_url.
    pub fn confirm_signing(&self, session: SigningRef) -> Result<ContractView, SandboxError> {
        api::contracts::confirm_signing(&self.inner, &session)
    }

    /// Plays the user abandoning a signing. Nothing is sent: WeChat notifies only successes.
    pub fn cancel_signing(&self, session: SigningRef) -> Result<(), SandboxError> {
        api::contracts::cancel_signing(&self.inner, &session)
    }

    /// Plays the user terminating a contract in WeChat: termination_mode USER, PAPAY.TERMINATE
    /// sent to `termination_notify_url`.
    pub fn terminate_by_user(&self, contract_id: &str) -> Result<ContractView, SandboxError> {
        api::contracts::terminate_by_user(&self.inner, contract_id)
    }

    /// Plays the user finishing a USERPAYING payment: the order becomes SUCCESS and
    /// TRANSACTION.SUCCESS is sent.
    pub fn complete_payment(&self, out_trade_no: &str) -> Result<(), SandboxError> {
        api::transactions::complete_payment(&self.inner, out_trade_no)
    }

    /// Sets the result of the next deduction; later ones succeed again.
    pub fn set_next_deduction_outcome(&self, outcome: DeductionOutcome) {
        self.inner.lock().next_deduction = outcome;
    }

    /// Sets the final state of the next refund; later ones succeed again.
    pub fn set_next_refund_outcome(&self, outcome: RefundOutcome) {
        self.inner.lock().next_refund = outcome;
    }

    /// Issues a new platform key and certificate, lists it and signs with it from now on. The
    /// previous certificates stay listed. Returns the new serial number.
    pub fn rotate_platform_certificate(&self) -> String {
        self.add_platform_certificate(true)
    }

    /// Issues and lists a new platform certificate without signing with it yet (WeChat lists a
    /// new certificate about a day before using it). Returns its serial number.
    pub fn publish_platform_certificate(&self) -> String {
        self.add_platform_certificate(false)
    }

    fn add_platform_certificate(&self, use_now: bool) -> String {
        let issued = RsaSigner::generate().and_then(PlatformCertificate::issue);
        let mut state = self.inner.lock();
        match issued {
            Ok(certificate) => {
                let serial = certificate.serial_no.clone();
                state.certificates.push(certificate);
                if use_now {
                    state.signing_serial = serial.clone();
                }
                tracing::info!(serial_no = %serial, use_now, "platform certificate issued");
                serial
            }
            Err(error) => {
                // Key generation does not fail on a working system; keep the current certificate.
                tracing::error!(%error, "cannot issue a platform certificate");
                state.signing_serial.clone()
            }
        }
    }

    /// Signs with a listed platform certificate from now on.
    pub fn use_platform_certificate(&self, serial: &str) -> Result<(), SandboxError> {
        let mut state = self.inner.lock();
        if !state.certificates.iter().any(|c| c.serial_no == serial) {
            return Err(SandboxError::UnknownCertificate(serial.to_string()));
        }
        state.signing_serial = serial.to_string();
        Ok(())
    }

    /// Re-issues the signing platform certificate (same key and serial number) with a validity
    /// that ended yesterday. Other listed certificates are unchanged.
    pub fn expire_platform_certificates(&self) {
        let mut state = self.inner.lock();
        let signing_serial = state.signing_serial.clone();
        for certificate in state.certificates.iter_mut().filter(|c| c.serial_no == signing_serial) {
            match certificate.reissue_expired() {
                Ok(expired) => *certificate = expired,
                Err(error) => tracing::error!(%error, "cannot re-issue the platform certificate"),
            }
        }
    }

    /// Switches between signing with the platform certificate (Wechatpay-Serial = certificate
    /// serial) and with the WeChat Pay public key (Wechatpay-Serial = `PUB_KEY_ID_...`).
    pub fn use_public_key_id(&self, enabled: bool) {
        self.inner.lock().public_key_mode = enabled;
    }

    /// Points notifications at another local server, or removes the redirect with `None`.
    /// The URL must be http with a host, e.g. `http://127.0.0.1:8080`.
    pub fn set_notify_redirect(&self, url: Option<String>) -> Result<(), SandboxError> {
        if let Some(url) = &url {
            check_redirect(url)?;
        }
        self.inner.lock().notify_redirect = url;
        Ok(())
    }

    /// Adds a fault rule after the existing ones.
    pub fn inject(&self, rule: FaultRule) {
        self.inner.lock().faults.push(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.inner.lock().faults.clear();
    }

    /// Returns every notification so far, in creation order.
    pub fn notifications(&self) -> Vec<DeliveryRecord> {
        self.inner.lock().deliveries.clone()
    }

    /// Waits for the first acknowledged notification of `event_type` that no earlier call
    /// returned, or fails with [`SandboxError::DeliveryTimeout`].
    pub async fn wait_for_delivery(&self, event_type: &str, timeout: Duration) -> Result<DeliveryRecord, SandboxError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registering interest before looking avoids missing a change between the two.
            let changed = self.inner.deliveries_changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();

            {
                let mut state = self.inner.lock();
                let found = state
                    .deliveries
                    .iter()
                    .find(|d| d.acknowledged && d.event_type == event_type && !state.waited.contains(&d.id))
                    .cloned();
                if let Some(record) = found {
                    state.waited.insert(record.id.clone());
                    return Ok(record);
                }
            }

            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return Err(SandboxError::DeliveryTimeout { event_type: event_type.to_string(), timeout });
            }
        }
    }

    /// Returns the API requests received (the latest 100,000), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.inner.lock().requests.iter().cloned().collect()
    }

    /// Returns how many times money moved for an out_trade_no (0 or 1 for a correct client).
    pub fn charge_count(&self, out_trade_no: &str) -> u32 {
        self.inner.lock().charges.get(out_trade_no).copied().unwrap_or(0)
    }
}

fn check_options(options: &SandboxOptions) -> Result<(), SandboxError> {
    let invalid = |message: &str| Err(SandboxError::InvalidOptions(message.to_string()));
    if options.mchid.is_empty() {
        return invalid("mchid must not be empty");
    }
    if options.plan_ids.is_empty() {
        return invalid("plan_ids must contain at least one template id");
    }
    if options.sub_mchids.is_empty() {
        return invalid("sub_mchids must contain at least one sub-merchant id");
    }
    if let Some(key) = &options.apiv3_key {
        if key.len() != 32 || !key.is_ascii() {
            return invalid("apiv3_key must be 32 ASCII characters");
        }
    }
    if let Some(url) = &options.notify_redirect {
        check_redirect(url)?;
    }
    if let Some(merchant) = &options.merchant {
        if merchant.serial_no.is_empty() {
            return invalid("merchant.serial_no must not be empty");
        }
    }
    Ok(())
}

fn check_redirect(url: &str) -> Result<(), SandboxError> {
    let parsed = url::Url::parse(url)
        .map_err(|e| SandboxError::InvalidOptions(format!("notify_redirect {url} is not a URL: {e}")))?;
    if parsed.scheme() != "http" || parsed.host_str().is_none() {
        return Err(SandboxError::InvalidOptions(format!(
            "notify_redirect {url} must be an http URL with a host, e.g. http://127.0.0.1:8080"
        )));
    }
    Ok(())
}

fn load_keys(merchant: Option<MerchantKey>, platform_der: Option<Vec<u8>>) -> Result<StartupKeys, SandboxError> {
    let (merchant_serial_no, merchant_private_key_pem, merchant_signer) = match merchant {
        Some(key) => {
            let signer = RsaSigner::from_pem(&key.private_key_pem)
                .map_err(|e| SandboxError::InvalidOptions(format!("merchant.private_key_pem: {e}")))?;
            (key.serial_no, key.private_key_pem, signer)
        }
        None => {
            let signer = RsaSigner::generate()?;
            let serial = crypto::random_upper_hex(40);
            (serial, signer.pkcs8_pem()?, signer)
        }
    };
    let platform_signer = match platform_der {
        Some(der) => RsaSigner::from_pkcs8_der(&der)
            .map_err(|e| SandboxError::InvalidOptions(format!("platform_key_pkcs8_der: {e}")))?,
        None => RsaSigner::generate()?,
    };
    Ok(StartupKeys { merchant_serial_no, merchant_private_key_pem, merchant_signer, platform_signer })
}
