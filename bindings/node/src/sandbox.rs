//! The embedded `papay-sandbox`, so merchants' Node tests can start WeChat Pay's side of the
//! protocol in-process on 127.0.0.1 (entry point `papay/sandbox`).
//!
//! The sandbox runs on napi's tokio runtime, which lives as long as the Node process, so its
//! listener and notification deliveries keep running between calls until `shutdown`.

use std::time::Duration;

use napi::Result;
use napi_derive::napi;

use crate::error::{guard, invalid_argument, sandbox as sandbox_error};

/// Options of an embedded sandbox; every field has a default.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct SandboxOptions {
    /// Merchant id expected in every Authorization header; default `1900000001`.
    pub mchid: Option<String>,
    /// AppID bound to `mchid` in Common mode; default `wx00000000000000a1`.
    pub appid: Option<String>,
    /// Institution AppID in Institutional mode; default `wx00000000000000b2`.
    pub sp_appid: Option<String>,
    /// Sub-merchants of the institution; default `["1900000099"]`.
    pub sub_mchids: Option<Vec<String>>,
    /// Template ids the merchant may sign; default `[999]`.
    pub plan_ids: Option<Vec<u32>>,
    /// URL that receives PAPAY.TERMINATE (WeChat takes it with the template, not per request).
    pub termination_notify_url: Option<String>,
    /// Replaces scheme, host and port of every notification URL, e.g. `http://127.0.0.1:8080`.
    pub notify_redirect: Option<String>,
    /// Waits between delivery attempts of PAPAY.* and TRANSACTION.SUCCESS, in milliseconds;
    /// default WeChat's schedule (about 4 h in total).
    pub retry_schedule_ms: Option<Vec<u32>>,
    /// Waits between delivery attempts of REFUND.*, in milliseconds; default WeChat's schedule.
    pub refund_retry_schedule_ms: Option<Vec<u32>>,
    /// Time from a refund's acceptance to its final state, in milliseconds; default 200.
    pub refund_delay_ms: Option<u32>,
    /// Largest accepted Authorization clock skew, in seconds; default 300.
    pub max_clock_skew_seconds: Option<u32>,
    /// Sends notification bodies with unusual whitespace and key order, so that verifying a
    /// re-serialized body fails; default false.
    pub pretty_notifications: Option<bool>,
    /// The 32-character APIv3 key; default 32 random letters and digits.
    pub apiv3_key: Option<String>,
}

fn millis(list: Vec<u32>) -> Vec<Duration> {
    list.into_iter().map(|ms| Duration::from_millis(u64::from(ms))).collect()
}

impl From<SandboxOptions> for papay_sandbox::SandboxOptions {
    fn from(o: SandboxOptions) -> Self {
        let mut options = papay_sandbox::SandboxOptions::default();
        if let Some(v) = o.mchid {
            options.mchid = v;
        }
        if let Some(v) = o.appid {
            options.appid = v;
        }
        if let Some(v) = o.sp_appid {
            options.sp_appid = v;
        }
        if let Some(v) = o.sub_mchids {
            options.sub_mchids = v;
        }
        if let Some(v) = o.plan_ids {
            options.plan_ids = v.into_iter().map(u64::from).collect();
        }
        options.termination_notify_url = o.termination_notify_url;
        options.notify_redirect = o.notify_redirect;
        if let Some(v) = o.retry_schedule_ms {
            options.retry_schedule = millis(v);
        }
        if let Some(v) = o.refund_retry_schedule_ms {
            options.refund_retry_schedule = millis(v);
        }
        if let Some(ms) = o.refund_delay_ms {
            options.refund_delay = Duration::from_millis(u64::from(ms));
        }
        if let Some(seconds) = o.max_clock_skew_seconds {
            options.max_clock_skew = Duration::from_secs(u64::from(seconds));
        }
        if let Some(v) = o.pretty_notifications {
            options.pretty_notifications = v;
        }
        options.apiv3_key = o.apiv3_key;
        options
    }
}

/// Keys and ids a client needs to talk to the sandbox. Test keys only.
#[napi(object)]
pub struct SandboxCredentials {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub base_url: String,
    /// Merchant id.
    pub mchid: String,
    /// Merchant API certificate serial.
    pub merchant_serial_no: String,
    /// Merchant private key PEM (throwaway).
    pub merchant_private_key_pem: String,
    /// APIv3 key (throwaway).
    pub apiv3_key: String,
    /// Serial of the platform certificate that signs now.
    pub platform_serial_no: String,
    /// That certificate as PEM.
    pub platform_certificate_pem: String,
    /// Id sent in Wechatpay-Serial while public-key mode is on.
    pub public_key_id: String,
    /// Public key PEM behind `publicKeyId`.
    pub public_key_pem: String,
    /// Common-mode AppID.
    pub appid: String,
    /// Institution AppID.
    pub sp_appid: String,
    /// First sub-merchant id.
    pub sub_mchid: String,
    /// First template id.
    pub plan_id: f64,
    /// Test user's openid under `appid`.
    pub openid: String,
}

impl std::fmt::Debug for SandboxCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxCredentials")
            .field("base_url", &self.base_url)
            .field("mchid", &self.mchid)
            .finish_non_exhaustive()
    }
}

/// A contract as the user-playing methods return it.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct SandboxContract {
    /// WeChat Pay contract id.
    pub contract_id: String,
    /// Merchant contract number.
    pub out_contract_code: String,
    /// Template id.
    pub plan_id: f64,
    /// `SIGNED` or `TERMINATED`.
    pub state: String,
    /// The signer's openid.
    pub openid: String,
}

impl From<papay_sandbox::ContractView> for SandboxContract {
    fn from(c: papay_sandbox::ContractView) -> Self {
        // Template ids come from `SandboxOptions.planIds`, which are u32.
        Self {
            contract_id: c.contract_id,
            out_contract_code: c.out_contract_code,
            plan_id: c.plan_id as f64,
            state: c.state,
            openid: c.openid,
        }
    }
}

/// Identifies a signing session: its `sessionId`, or the newest pending session for a
/// template and merchant contract number.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct SigningSessionRef {
    /// Session id from a Mini Program or APP pre-sign, or `os_session_id` from a sign URL.
    pub session_id: Option<String>,
    /// Template id, with `outContractCode`.
    pub plan_id: Option<u32>,
    /// Merchant contract number, with `planId`.
    pub out_contract_code: Option<String>,
}

fn signing_ref(reference: SigningSessionRef) -> Result<papay_sandbox::SigningRef> {
    match reference {
        SigningSessionRef { session_id: Some(id), plan_id: None, out_contract_code: None } => {
            Ok(papay_sandbox::SigningRef::SessionId(id))
        }
        SigningSessionRef { session_id: None, plan_id: Some(plan_id), out_contract_code: Some(code) } => {
            Ok(papay_sandbox::SigningRef::OutContractCode { plan_id: u64::from(plan_id), out_contract_code: code })
        }
        _ => Err(invalid_argument("session", "must give sessionId, or planId with outContractCode")),
    }
}

/// One notification the sandbox sent, with the exact headers and body of its last attempt.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    /// Envelope id.
    pub id: String,
    /// Event type, e.g. `PAPAY.SIGN`.
    pub event_type: String,
    /// URL targeted after the redirect.
    pub url: String,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Whether the merchant answered 200 or 204.
    pub acknowledged: bool,
    /// HTTP status of the last answer.
    pub last_status: Option<u32>,
    /// Exact body sent.
    pub body: String,
    /// Headers of the last attempt as name-value pairs, names in the case sent.
    pub headers: Vec<Vec<String>>,
    /// Decrypted resource JSON.
    pub resource_plaintext: String,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
}

impl From<papay_sandbox::DeliveryRecord> for DeliveryRecord {
    fn from(d: papay_sandbox::DeliveryRecord) -> Self {
        Self {
            id: d.id,
            event_type: d.event_type,
            url: d.url,
            attempts: d.attempts,
            acknowledged: d.acknowledged,
            last_status: d.last_status.map(u32::from),
            body: d.body,
            headers: d.headers.into_iter().map(|(name, value)| vec![name, value]).collect(),
            resource_plaintext: d.resource_plaintext,
            last_error: d.last_error,
        }
    }
}

/// One API request as the sandbox saw it.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Request target exactly as received.
    pub target: String,
    /// Status answered; 0 when the connection was dropped.
    pub status: u32,
    /// Whether the Authorization header verified.
    pub signature_verified: bool,
    /// Request-ID answered.
    pub request_id: String,
}

/// A running sandbox.
#[napi]
#[derive(Debug)]
pub struct NativeSandbox {
    inner: papay_sandbox::Sandbox,
}

/// Starts a sandbox on an ephemeral port of 127.0.0.1.
#[napi]
pub async fn start_sandbox(options: Option<SandboxOptions>) -> Result<NativeSandbox> {
    let options = papay_sandbox::SandboxOptions::from(options.unwrap_or_default());
    let inner = papay_sandbox::Sandbox::start(options).await.map_err(sandbox_error)?;
    Ok(NativeSandbox { inner })
}

#[napi]
impl NativeSandbox {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.inner.base_url()
    }

    /// Keys and ids for a client.
    #[napi]
    pub fn credentials(&self) -> Result<SandboxCredentials> {
        guard(|| {
            let c = self.inner.credentials();
            Ok(SandboxCredentials {
                base_url: c.base_url,
                mchid: c.mchid,
                merchant_serial_no: c.merchant_serial_no,
                merchant_private_key_pem: c.merchant_private_key_pem,
                apiv3_key: c.apiv3_key,
                platform_serial_no: c.platform_serial_no,
                platform_certificate_pem: c.platform_certificate_pem,
                public_key_id: c.public_key_id,
                public_key_pem: c.public_key_pem,
                appid: c.appid,
                sp_appid: c.sp_appid,
                sub_mchid: c.sub_mchid,
                plan_id: c.plan_id as f64,
                openid: c.openid,
            })
        })
    }

    /// Plays the user signing: creates a SIGNED contract and sends PAPAY.SIGN.
    #[napi]
    pub fn confirm_signing(&self, session: SigningSessionRef) -> Result<SandboxContract> {
        guard(|| self.inner.confirm_signing(signing_ref(session)?).map(Into::into).map_err(sandbox_error))
    }

    /// Plays the user abandoning a signing; nothing is sent.
    #[napi]
    pub fn cancel_signing(&self, session: SigningSessionRef) -> Result<()> {
        guard(|| self.inner.cancel_signing(signing_ref(session)?).map_err(sandbox_error))
    }

    /// Plays the user terminating a contract in WeChat; sends PAPAY.TERMINATE.
    #[napi]
    pub fn terminate_by_user(&self, contract_id: String) -> Result<SandboxContract> {
        guard(|| self.inner.terminate_by_user(&contract_id).map(Into::into).map_err(sandbox_error))
    }

    /// Plays the user finishing a USERPAYING payment; sends TRANSACTION.SUCCESS.
    #[napi]
    pub fn complete_payment(&self, out_trade_no: String) -> Result<()> {
        guard(|| self.inner.complete_payment(&out_trade_no).map_err(sandbox_error))
    }

    /// Sets the result of the next deduction: `SUCCESS` or `USERPAYING`.
    #[napi]
    pub fn set_next_deduction_outcome(&self, outcome: String) -> Result<()> {
        guard(|| {
            let outcome = match outcome.as_str() {
                "SUCCESS" => papay_sandbox::DeductionOutcome::Success,
                "USERPAYING" => papay_sandbox::DeductionOutcome::UserPaying,
                other => {
                    return Err(invalid_argument("outcome", format!("must be SUCCESS or USERPAYING, got {other:?}")))
                }
            };
            self.inner.set_next_deduction_outcome(outcome);
            Ok(())
        })
    }

    /// Sets the final state of the next refund: `SUCCESS`, `ABNORMAL` or `CLOSED`.
    #[napi]
    pub fn set_next_refund_outcome(&self, outcome: String) -> Result<()> {
        guard(|| {
            let outcome = match outcome.as_str() {
                "SUCCESS" => papay_sandbox::RefundOutcome::Success,
                "ABNORMAL" => papay_sandbox::RefundOutcome::Abnormal,
                "CLOSED" => papay_sandbox::RefundOutcome::Closed,
                other => {
                    return Err(invalid_argument(
                        "outcome",
                        format!("must be SUCCESS, ABNORMAL or CLOSED, got {other:?}"),
                    ))
                }
            };
            self.inner.set_next_refund_outcome(outcome);
            Ok(())
        })
    }

    /// Issues a new platform certificate and signs with it from now on; returns its serial.
    #[napi]
    pub fn rotate_platform_certificate(&self) -> Result<String> {
        guard(|| Ok(self.inner.rotate_platform_certificate()))
    }

    /// Switches between signing with the platform certificate and with the public key id.
    #[napi]
    pub fn use_public_key_id(&self, enabled: bool) -> Result<()> {
        guard(|| {
            self.inner.use_public_key_id(enabled);
            Ok(())
        })
    }

    /// Points notifications at another local server (`http://127.0.0.1:PORT`), or removes the
    /// redirect with `null`.
    #[napi]
    pub fn set_notify_redirect(&self, url: Option<String>) -> Result<()> {
        guard(|| self.inner.set_notify_redirect(url).map_err(sandbox_error))
    }

    /// Adds a fault rule in its JSON form, e.g.
    /// `{ path_contains: "/transactions", times: 1, fault: { error: { status: 500, code: "SYSTEM_ERROR", message: "x" } } }`.
    #[napi]
    pub fn inject(&self, rule: serde_json::Value) -> Result<()> {
        guard(|| {
            let rule: papay_sandbox::FaultRule = serde_json::from_value(rule)
                .map_err(|e| invalid_argument("rule", format!("is not a fault rule: {e}")))?;
            self.inner.inject(rule);
            Ok(())
        })
    }

    /// Removes every fault rule.
    #[napi]
    pub fn clear_faults(&self) -> Result<()> {
        guard(|| {
            self.inner.clear_faults();
            Ok(())
        })
    }

    /// Returns every notification so far, in creation order.
    #[napi]
    pub fn notifications(&self) -> Result<Vec<DeliveryRecord>> {
        guard(|| Ok(self.inner.notifications().into_iter().map(Into::into).collect()))
    }

    /// Waits for the first acknowledged notification of `eventType` no earlier call returned.
    #[napi]
    pub async fn wait_for_delivery(&self, event_type: String, timeout_ms: u32) -> Result<DeliveryRecord> {
        let record = self
            .inner
            .wait_for_delivery(&event_type, Duration::from_millis(u64::from(timeout_ms)))
            .await
            .map_err(sandbox_error)?;
        Ok(record.into())
    }

    /// Returns the API requests received, oldest first.
    #[napi]
    pub fn requests(&self) -> Result<Vec<RequestRecord>> {
        guard(|| {
            Ok(self
                .inner
                .requests()
                .into_iter()
                .map(|r| RequestRecord {
                    method: r.method,
                    target: r.target,
                    status: u32::from(r.status),
                    signature_verified: r.signature_verified,
                    request_id: r.request_id,
                })
                .collect())
        })
    }

    /// Returns how many times money moved for an order (0 or 1 for a correct client).
    #[napi]
    pub fn charge_count(&self, out_trade_no: String) -> Result<u32> {
        guard(|| Ok(self.inner.charge_count(&out_trade_no)))
    }

    /// Stops the listener and pending deliveries.
    #[napi]
    pub async fn shutdown(&self) -> Result<()> {
        self.inner.clone().shutdown().await;
        Ok(())
    }
}
