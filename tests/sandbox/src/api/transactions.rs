//! Deductions, order queries and reversal, and the user's completion of a pending payment.

use std::sync::Arc;

use serde_json::Value;

use crate::api::{check_path_parameter, query_map};
use crate::crypto::now_beijing;
use crate::error::SandboxError;
use crate::inner::{Inner, State};
use crate::model::{
    check_sub_mchid, exchange_rate, supported_currencies, to_payer_amount, ContractState, Identity, Order, Owner,
    TradeState,
};
use crate::notify::{self, Event};
use crate::options::DeductionOutcome;
use crate::wire::{check_currency, parse_body_object, ApiError, ApiReply, ApiResult, Fields};

/// Handles POST /v3/global/papay/transactions.
pub(crate) fn deduct(inner: &Arc<Inner>, body: &[u8]) -> ApiResult {
    let map = parse_body_object(body)?;
    let fields = Fields::body(&map);

    let identity = Identity::parse(&fields, &inner.settings.merchant)?;
    let description = fields.required_str("description", 128)?;
    let attach = fields.optional_str("attach", 127)?;
    let notify_url = fields.required_notify_url("notify_url", 256)?;
    let out_trade_no = fields.required_str("out_trade_no", 32)?;
    fields.optional_str("goods_tag", 32)?;
    let merchant_category_code = fields.required_str("merchant_category_code", 16)?;
    let contract_id = fields.required_str("contract_id", 64)?;

    let amount = fields.required_object("amount")?;
    let total = amount.required_positive_i64("total")?;
    let currency = check_currency(&amount, "currency")?;
    let rate = exchange_rate(&currency).ok_or_else(|| {
        amount.error(
            "currency",
            &currency,
            format!("is not supported by the sandbox; use one of {}", supported_currencies()),
        )
    })?;
    let payer_total = to_payer_amount(total, &currency)
        .ok_or_else(|| amount.error("total", &total.to_string(), "is too large to convert"))?;

    // NOTE: no length is documented for the scene_info fields, so the sandbox accepts up to 64
    // characters each.
    let scene_info = match fields.optional_object("scene_info")? {
        Some(scene) => {
            scene.optional_str("device_id", 64)?;
            scene.optional_str("device_ip", 64)?;
            map.get("scene_info").cloned()
        }
        None => None,
    };

    let owner = identity.owner();
    let (reply, event) = {
        let mut state = inner.lock();

        let order_key = (owner.clone(), out_trade_no.to_string());
        if let Some(existing) = state.orders.get(&order_key) {
            return repeated_deduction(inner, existing, contract_id, total, &currency, description);
        }

        let contract = state.contracts.get(contract_id).filter(|c| c.identity.owner() == owner).ok_or_else(|| {
            ApiError::new(403, "CONTRACT_NOT_EXIST", format!("contract {contract_id} does not exist for this merchant"))
        })?;
        if contract.state != ContractState::Signed {
            return Err(ApiError::new(
                403,
                "CONTRACT_ERROR",
                format!("contract {contract_id} is terminated and cannot be deducted"),
            ));
        }
        let openid = contract.openid.clone();

        let outcome = std::mem::take(&mut state.next_deduction);
        let mut order = Order {
            identity,
            out_trade_no: out_trade_no.to_string(),
            transaction_id: None,
            contract_id: contract_id.to_string(),
            description: description.to_string(),
            attach: attach.map(str::to_string),
            notify_url: notify_url.to_string(),
            merchant_category_code: merchant_category_code.to_string(),
            total,
            currency,
            payer_total,
            rate,
            trade_state: TradeState::UserPaying,
            success_time: None,
            openid,
            scene_info,
            refund_ids: Vec::new(),
        };

        let event = match outcome {
            DeductionOutcome::Success => Some(mark_paid(inner, &mut state, &mut order)),
            DeductionOutcome::UserPaying => None,
        };
        let reply = order.to_json(inner.mchid());
        state.orders.insert(order_key, order);
        (reply, event)
    };

    if let Some(event) = event {
        notify::send(inner, event);
    }
    Ok(ApiReply::Json(reply))
}

/// Handles a deduction whose out_trade_no already exists.
fn repeated_deduction(
    inner: &Inner,
    existing: &Order,
    contract_id: &str,
    total: i64,
    currency: &str,
    description: &str,
) -> ApiResult {
    let out_trade_no = &existing.out_trade_no;
    if !existing.same_request(contract_id, total, currency, description) {
        return Err(ApiError::invalid_request(format!(
            "out_trade_no {out_trade_no} was already used with different parameters"
        ))
        .with_code("OUT_TRADE_NO_USED"));
    }
    match existing.trade_state {
        TradeState::Success | TradeState::Refund => {
            Err(ApiError::invalid_request(format!("order {out_trade_no} is already paid")).with_code("ORDER_PAID"))
        }
        TradeState::Closed => {
            Err(ApiError::invalid_request(format!("order {out_trade_no} is closed")).with_code("ORDER_CLOSED"))
        }
        // The user is still paying, so the response is the current order and nothing is charged.
        TradeState::UserPaying => Ok(ApiReply::Json(existing.to_json(inner.mchid()))),
    }
}

/// Marks an order paid, counts the charge and returns its TRANSACTION.SUCCESS notification.
fn mark_paid(inner: &Inner, state: &mut State, order: &mut Order) -> Event {
    let transaction_id = inner.new_transaction_id();
    order.transaction_id = Some(transaction_id.clone());
    order.trade_state = TradeState::Success;
    order.success_time = Some(now_beijing());

    state.orders_by_transaction.insert(transaction_id, (order.identity.owner(), order.out_trade_no.clone()));
    *state.charges.entry(order.out_trade_no.clone()).or_insert(0) += 1;

    Event {
        event_type: "TRANSACTION.SUCCESS",
        summary: "支付成功",
        original_type: "transaction",
        resource: order.to_json(inner.mchid()),
        url: Some(order.notify_url.clone()),
        schedule: inner.settings.retry_schedule.clone(),
    }
}

/// Reads the optional `sub_mchid` that selects an Institutional order.
fn order_owner(inner: &Inner, fields: &Fields<'_>) -> Result<Owner, ApiError> {
    match fields.optional_str("sub_mchid", 32)? {
        Some(sub_mchid) => {
            check_sub_mchid(sub_mchid, &inner.settings.merchant)?;
            Ok(Owner::SubMerchant(sub_mchid.to_string()))
        }
        None => Ok(Owner::Merchant),
    }
}

fn order_json(inner: &Inner, state: &State, key: &(Owner, String)) -> Option<Value> {
    state.orders.get(key).map(|o| o.to_json(inner.mchid()))
}

/// Handles GET /v3/global/papay/transactions/{transaction_id}.
pub(crate) fn query_by_transaction_id(inner: &Arc<Inner>, transaction_id: &str, query: Option<&str>) -> ApiResult {
    check_path_parameter("transaction_id", transaction_id, 32)?;
    let map = query_map(query);
    let owner = order_owner(inner, &Fields::query(&map))?;

    let state = inner.lock();
    state
        .orders_by_transaction
        .get(transaction_id)
        .filter(|(o, _)| *o == owner)
        .and_then(|key| order_json(inner, &state, key))
        .map(ApiReply::Json)
        .ok_or_else(|| ApiError::not_found(format!("order with transaction_id {transaction_id} does not exist")))
}

/// Handles GET /v3/global/papay/transactions/out-trade-no/{out_trade_no}.
pub(crate) fn query_by_out_trade_no(inner: &Arc<Inner>, out_trade_no: &str, query: Option<&str>) -> ApiResult {
    check_path_parameter("out_trade_no", out_trade_no, 32)?;
    let map = query_map(query);
    let owner = order_owner(inner, &Fields::query(&map))?;

    let state = inner.lock();
    order_json(inner, &state, &(owner, out_trade_no.to_string()))
        .map(ApiReply::Json)
        .ok_or_else(|| ApiError::not_found(format!("order with out_trade_no {out_trade_no} does not exist")))
}

/// Handles POST /v3/global/papay/transactions/out-trade-no/{out_trade_no}/reverse: closes an
/// unpaid order.
pub(crate) fn reverse(inner: &Arc<Inner>, out_trade_no: &str, body: &[u8]) -> ApiResult {
    check_path_parameter("out_trade_no", out_trade_no, 32)?;
    let map = parse_body_object(body)?;
    let owner = order_owner(inner, &Fields::body(&map))?;

    let mut state = inner.lock();
    let order = state
        .orders
        .get_mut(&(owner, out_trade_no.to_string()))
        .ok_or_else(|| ApiError::not_found(format!("order with out_trade_no {out_trade_no} does not exist")))?;
    match order.trade_state {
        TradeState::Success | TradeState::Refund => Err(ApiError::invalid_request(format!(
            "order {out_trade_no} is already paid and cannot be closed; use the refund API"
        ))
        .with_code("ORDER_PAID")),
        TradeState::Closed => {
            Err(ApiError::invalid_request(format!("order {out_trade_no} is already closed")).with_code("ORDER_CLOSED"))
        }
        TradeState::UserPaying => {
            order.trade_state = TradeState::Closed;
            Ok(ApiReply::NoContent)
        }
    }
}

/// Plays the user finishing a USERPAYING payment: the order becomes SUCCESS and
/// TRANSACTION.SUCCESS is sent.
pub(crate) fn complete_payment(inner: &Arc<Inner>, out_trade_no: &str) -> Result<(), SandboxError> {
    let event = {
        let mut state = inner.lock();
        let key = [Owner::Merchant]
            .into_iter()
            .chain(inner.settings.merchant.sub_mchids.iter().cloned().map(Owner::SubMerchant))
            .map(|owner| (owner, out_trade_no.to_string()))
            .find(|key| state.orders.contains_key(key))
            .ok_or_else(|| SandboxError::OrderNotFound(out_trade_no.to_string()))?;

        let Some(mut order) = state.orders.remove(&key) else {
            return Err(SandboxError::OrderNotFound(out_trade_no.to_string()));
        };
        if order.trade_state != TradeState::UserPaying {
            let trade_state = order.trade_state.as_str().to_string();
            state.orders.insert(key, order);
            return Err(SandboxError::OrderNotUserPaying { out_trade_no: out_trade_no.to_string(), trade_state });
        }
        let event = mark_paid(inner, &mut state, &mut order);
        state.orders.insert(key, order);
        event
    };

    notify::send(inner, event);
    Ok(())
}
