//! Pre-signing, contract queries and termination, and the user's side of signing.

use std::sync::Arc;

use chrono::Months;
use serde_json::json;

use crate::api::{check_path_parameter, query_map};
use crate::crypto::now_beijing;
use crate::error::SandboxError;
use crate::inner::{Inner, State};
use crate::model::{Contract, ContractState, Identity, Session, SessionState, SigningKind};
use crate::notify::{self, Event};
use crate::options::{ContractView, SigningRef};
use crate::wire::{parse_body_object, ApiError, ApiReply, ApiResult, Fields};

/// Contract lifetime reported as `contract_expired_time`: ten years from signing.
const CONTRACT_LIFETIME_MONTHS: u32 = 120;

/// Handles the five pre-sign APIs: checks the request and creates a pending signing session.
pub(crate) fn pre_sign(inner: &Arc<Inner>, kind: SigningKind, body: &[u8]) -> ApiResult {
    let map = parse_body_object(body)?;
    let fields = Fields::body(&map);

    let identity = Identity::parse(&fields, &inner.settings.merchant)?;
    let plan_id = fields.required_u64("plan_id")?;
    let out_contract_code = fields.required_str("out_contract_code", 32)?;
    // The APP page marks user_display_name required; the other pages leave it optional.
    let user_display_name = match kind {
        SigningKind::App => Some(fields.required_str("user_display_name", 32)?),
        _ => fields.optional_str("user_display_name", 32)?,
    };
    let success_notify_url = fields.required_notify_url("success_notify_url", 256)?;
    // The H5 page documents expired_time as at most 32 characters, the others 64.
    let expired_time_max = if kind == SigningKind::H5 { 32 } else { 64 };
    let expired_time = fields.optional_time("expired_time", expired_time_max)?;

    let openid = match kind {
        SigningKind::MiniProgram | SigningKind::Jsapi | SigningKind::App => fields.optional_str("openid", 128)?,
        SigningKind::H5 | SigningKind::Web => None,
    };
    if matches!(kind, SigningKind::MiniProgram | SigningKind::H5 | SigningKind::App) {
        fields.optional_str("user_client_ip", 32)?;
    }
    if matches!(kind, SigningKind::H5 | SigningKind::Jsapi | SigningKind::Web) {
        fields.optional_str("return_url", 256)?;
    }
    if kind == SigningKind::H5 {
        fields.optional_str("return_appid", 32)?;
    }

    check_plan_id(inner, plan_id)?;
    if let Some(time) = &expired_time {
        if *time <= now_beijing() {
            let text = fields.optional_str("expired_time", expired_time_max)?.unwrap_or_default();
            return Err(fields.error("expired_time", text, "must be in the future"));
        }
    }

    let session_id = inner.new_session_id();
    {
        let mut state = inner.lock();
        let key = (identity.owner(), plan_id, out_contract_code.to_string());
        if state.contract_codes.contains_key(&key) {
            return Err(ApiError::invalid_request(format!(
                "out_contract_code {out_contract_code} has already been signed for plan_id {plan_id}; use a new out_contract_code"
            )));
        }
        let sequence = state.sessions.len() as u64;
        state.sessions.insert(
            session_id.clone(),
            Session {
                session_id: session_id.clone(),
                identity,
                plan_id,
                out_contract_code: out_contract_code.to_string(),
                user_display_name: user_display_name.map(str::to_string),
                success_notify_url: success_notify_url.to_string(),
                openid: openid.map(str::to_string),
                expired_time,
                state: SessionState::Pending,
                sequence,
            },
        );
    }

    // The URLs point at this sandbox, which serves a small page for them.
    let reply = match kind {
        SigningKind::MiniProgram | SigningKind::App => json!({ "session_id": session_id }),
        SigningKind::H5 | SigningKind::Jsapi => json!({
            "sign_url": format!(
                "{}/global/papay/contracts/login?os_session_id={session_id}#wechat_redirect",
                inner.base_url
            ),
        }),
        SigningKind::Web => json!({
            "show_code_url": format!(
                "{}/global/papay/contracts/sessions/show_code?os_session_id={session_id}",
                inner.base_url
            ),
        }),
    };
    Ok(ApiReply::Json(reply))
}

fn check_plan_id(inner: &Inner, plan_id: u64) -> Result<(), ApiError> {
    if inner.settings.merchant.plan_ids.contains(&plan_id) {
        Ok(())
    } else {
        Err(ApiError::invalid_request(format!(
            "plan_id {plan_id} is not an Auto-Debit template of mchid {}",
            inner.mchid()
        )))
    }
}

/// Handles GET /v3/global/papay/contracts/{contract_id}.
pub(crate) fn query_by_id(inner: &Arc<Inner>, contract_id: &str, query: Option<&str>) -> ApiResult {
    check_path_parameter("contract_id", contract_id, 64)?;
    let map = query_map(query);
    let identity = Identity::parse(&Fields::query(&map), &inner.settings.merchant)?;

    let state = inner.lock();
    let contract = state
        .contracts
        .get(contract_id)
        .filter(|c| c.identity.owner() == identity.owner())
        .ok_or_else(|| ApiError::not_found(format!("contract {contract_id} does not exist")))?;
    Ok(ApiReply::Json(contract.to_json(inner.mchid())))
}

/// Handles GET /v3/global/papay/contracts/out-contract-code/{out_contract_code}?plan_id=...
pub(crate) fn query_by_code(inner: &Arc<Inner>, out_contract_code: &str, query: Option<&str>) -> ApiResult {
    check_path_parameter("out_contract_code", out_contract_code, 32)?;
    let map = query_map(query);
    let fields = Fields::query(&map);
    let identity = Identity::parse(&fields, &inner.settings.merchant)?;
    let plan_id = fields.required_u64("plan_id")?;

    let state = inner.lock();
    let key = (identity.owner(), plan_id, out_contract_code.to_string());
    let contract = state.contract_codes.get(&key).and_then(|id| state.contracts.get(id)).ok_or_else(|| {
        ApiError::not_found(format!("no contract with out_contract_code {out_contract_code} for plan_id {plan_id}"))
    })?;
    Ok(ApiReply::Json(contract.to_json(inner.mchid())))
}

/// Handles POST /v3/global/papay/contracts/{contract_id}/terminate.
pub(crate) fn terminate(inner: &Arc<Inner>, contract_id: &str, body: &[u8]) -> ApiResult {
    check_path_parameter("contract_id", contract_id, 64)?;
    let map = parse_body_object(body)?;
    let fields = Fields::body(&map);
    let identity = Identity::parse(&fields, &inner.settings.merchant)?;
    let termination_note = fields.required_str("termination_note", 256)?;

    let event = {
        let mut state = inner.lock();
        let contract =
            state.contracts.get_mut(contract_id).filter(|c| c.identity.owner() == identity.owner()).ok_or_else(
                || {
                    ApiError::new(
                        403,
                        "CONTRACT_NOT_EXIST",
                        format!("contract {contract_id} does not exist for this merchant"),
                    )
                },
            )?;
        if contract.state == ContractState::Terminated {
            return Err(ApiError::invalid_request(format!("contract already terminated: {contract_id}")));
        }
        end_contract(contract, "MERCHANT", Some(termination_note.to_string()));
        termination_event(inner, contract)
    };

    notify::send(inner, event);
    Ok(ApiReply::NoContent)
}

fn end_contract(contract: &mut Contract, mode: &'static str, note: Option<String>) {
    contract.state = ContractState::Terminated;
    contract.terminated_time = Some(now_beijing());
    contract.termination_mode = Some(mode);
    contract.termination_note = note;
}

fn termination_event(inner: &Inner, contract: &Contract) -> Event {
    let operate_time = contract.terminated_time.unwrap_or_else(now_beijing);
    Event {
        event_type: "PAPAY.TERMINATE",
        summary: "解约成功",
        original_type: "papay",
        resource: contract.notification_resource(inner.mchid(), &operate_time),
        url: inner.settings.termination_notify_url.clone(),
        schedule: inner.settings.retry_schedule.clone(),
    }
}

/// Plays the user signing: turns a pending session into a SIGNED contract and sends PAPAY.SIGN.
pub(crate) fn confirm_signing(inner: &Arc<Inner>, reference: &SigningRef) -> Result<ContractView, SandboxError> {
    let (view, event) = {
        let mut state = inner.lock();
        let session_id = find_session(&state, reference)?;
        let session = state
            .sessions
            .get(&session_id)
            .cloned()
            .ok_or_else(|| SandboxError::SessionNotFound(session_id.clone()))?;
        check_pending(&session)?;

        let key = (session.identity.owner(), session.plan_id, session.out_contract_code.clone());
        if state.contract_codes.contains_key(&key) {
            return Err(SandboxError::AlreadySigned {
                plan_id: session.plan_id,
                out_contract_code: session.out_contract_code.clone(),
            });
        }

        let signed_time = now_beijing();
        let contract = Contract {
            contract_id: inner.new_contract_id(),
            identity: session.identity.clone(),
            plan_id: session.plan_id,
            out_contract_code: session.out_contract_code.clone(),
            user_display_name: session.user_display_name.clone(),
            openid: session.openid.clone().unwrap_or_else(|| inner.settings.test_openid.clone()),
            state: ContractState::Signed,
            signed_time,
            expired_time: signed_time.checked_add_months(Months::new(CONTRACT_LIFETIME_MONTHS)).unwrap_or(signed_time),
            terminated_time: None,
            termination_mode: None,
            termination_note: None,
        };

        let event = Event {
            event_type: "PAPAY.SIGN",
            summary: "签约成功",
            original_type: "papay",
            resource: contract.notification_resource(inner.mchid(), &signed_time),
            url: Some(session.success_notify_url.clone()),
            schedule: inner.settings.retry_schedule.clone(),
        };
        let view = contract.view();

        if let Some(stored) = state.sessions.get_mut(&session_id) {
            stored.state = SessionState::Confirmed;
        }
        state.contract_codes.insert(key, contract.contract_id.clone());
        state.contracts.insert(contract.contract_id.clone(), contract);
        (view, event)
    };

    notify::send(inner, event);
    Ok(view)
}

/// Plays the user abandoning a signing. WeChat notifies only successes, so nothing is sent.
pub(crate) fn cancel_signing(inner: &Inner, reference: &SigningRef) -> Result<(), SandboxError> {
    let mut state = inner.lock();
    let session_id = find_session(&state, reference)?;
    let session =
        state.sessions.get_mut(&session_id).ok_or_else(|| SandboxError::SessionNotFound(session_id.clone()))?;
    check_pending(session)?;
    session.state = SessionState::Cancelled;
    Ok(())
}

fn check_pending(session: &Session) -> Result<(), SandboxError> {
    let expired = session.expired_time.is_some_and(|time| time <= now_beijing());
    let state = if session.state == SessionState::Pending && expired { "expired" } else { session.state.as_str() };
    if state == "pending" {
        Ok(())
    } else {
        Err(SandboxError::SessionNotPending { session_id: session.session_id.clone(), state: state.to_string() })
    }
}

/// Resolves a reference to a session id; for a contract code, the newest pending session.
fn find_session(state: &State, reference: &SigningRef) -> Result<String, SandboxError> {
    match reference {
        SigningRef::SessionId(id) => state
            .sessions
            .contains_key(id)
            .then(|| id.clone())
            .ok_or_else(|| SandboxError::SessionNotFound(format!("session_id {id}"))),
        SigningRef::OutContractCode { plan_id, out_contract_code } => state
            .sessions
            .values()
            .filter(|s| s.plan_id == *plan_id && s.out_contract_code == *out_contract_code)
            .filter(|s| s.state == SessionState::Pending)
            .max_by_key(|s| s.sequence)
            .map(|s| s.session_id.clone())
            .ok_or_else(|| {
                SandboxError::SessionNotFound(format!(
                    "no pending session for plan_id {plan_id} and out_contract_code {out_contract_code}"
                ))
            }),
    }
}

/// Plays the user terminating a contract in WeChat: termination_mode USER, sends PAPAY.TERMINATE.
pub(crate) fn terminate_by_user(inner: &Arc<Inner>, contract_id: &str) -> Result<ContractView, SandboxError> {
    let (view, event) = {
        let mut state = inner.lock();
        let contract = state
            .contracts
            .get_mut(contract_id)
            .ok_or_else(|| SandboxError::ContractNotFound(contract_id.to_string()))?;
        if contract.state == ContractState::Terminated {
            return Err(SandboxError::ContractTerminated(contract_id.to_string()));
        }
        end_contract(contract, "USER", None);
        (contract.view(), termination_event(inner, contract))
    };

    notify::send(inner, event);
    Ok(view)
}
