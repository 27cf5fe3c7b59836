//! Refunds: apply, query one, list an order's refunds, and the delayed final state.
//!
//! A refund is accepted as PROCESSING. After the configured refund delay it reaches its final
//! state (SUCCESS, ABNORMAL or REFUNDCLOSE, chosen by `set_next_refund_outcome`), and a REFUND.*
//! notification follows when the request had a notify_url.

use std::sync::Arc;

use serde_json::json;

use crate::api::{check_path_parameter, query_map};
use crate::crypto::now_beijing;
use crate::inner::{Inner, State};
use crate::model::{parse_refund_owner, to_payer_amount, Order, Owner, Refund, RefundStatus, TradeState};
use crate::notify::{self, Event};
use crate::options::RefundOutcome;
use crate::wire::{check_currency, parse_body_object, ApiError, ApiReply, ApiResult, Fields};

/// Refunds allowed per order.
const MAX_REFUNDS_PER_ORDER: usize = 50;

/// Largest page size of the refund list.
/// NOTE: WeChat's maximum is not documented, so 100 is a tolerant guess.
const MAX_LIST_COUNT: u64 = 100;

/// Handles POST /v3/global/refunds.
pub(crate) fn create(inner: &Arc<Inner>, body: &[u8]) -> ApiResult {
    let map = parse_body_object(body)?;
    let fields = Fields::body(&map);

    let owner = parse_refund_owner(&fields, &inner.settings.merchant)?;
    check_refund_appid(inner, &fields, &owner)?;
    let transaction_id = fields.optional_str("transaction_id", 32)?;
    let out_trade_no = fields.optional_str("out_trade_no", 32)?;
    if transaction_id.is_none() && out_trade_no.is_none() {
        return Err(fields.error("out_trade_no", "", "transaction_id or out_trade_no is required"));
    }
    let out_refund_no = fields.required_str("out_refund_no", 64)?;
    if !out_refund_no.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-|*@".contains(&b)) {
        return Err(fields.error("out_refund_no", out_refund_no, "may contain only letters, digits and _-|*@"));
    }
    fields.optional_str("reason", 80)?;
    let fund_source = match fields.optional_str("source", 30)? {
        None => "REFUND_SOURCE_UNSETTLED_FUNDS",
        Some(source @ ("REFUND_SOURCE_UNSETTLED_FUNDS" | "REFUND_SOURCE_RECHARGE_FUNDS")) => source,
        Some(other) => {
            return Err(fields.error(
                "source",
                other,
                "must be REFUND_SOURCE_UNSETTLED_FUNDS or REFUND_SOURCE_RECHARGE_FUNDS",
            ))
        }
    };
    let amount = fields.required_object("amount")?;
    let refund_amount = amount.required_positive_i64("refund")?;
    let total = amount.required_positive_i64("total")?;
    let currency = check_currency(&amount, "currency")?;
    // The refund notification page gives no length for notify_url; 256 is the limit of the
    // other notification URLs.
    let notify_url = fields.optional_notify_url("notify_url", 256)?;

    let mut state = inner.lock();
    let order_key = find_order_key(&state, &owner, transaction_id, out_trade_no)?;

    // A known out_refund_no is handled before any amount check, so a retry of an accepted
    // refund keeps succeeding.
    let refund_key = (owner.clone(), out_refund_no.to_string());
    if let Some(existing) = state.refunds_by_out_no.get(&refund_key).and_then(|id| state.refunds.get(id)) {
        if existing.same_request(&order_key.1, refund_amount, total, &currency) {
            return Ok(ApiReply::Json(existing.accepted_json()));
        }
        return Err(ApiError::new(
            403,
            "OUT_REFUND_NO_USED",
            format!("out_refund_no {out_refund_no} was already used with different parameters"),
        ));
    }

    let order = state
        .orders
        .get(&order_key)
        .cloned()
        .ok_or_else(|| ApiError::resource_not_exists("the order does not exist"))?;
    check_refundable(&state, &order, refund_amount, total, &currency, &amount)?;

    let outcome = std::mem::take(&mut state.next_refund);
    let refund = Refund {
        refund_id: inner.new_refund_id(),
        out_refund_no: out_refund_no.to_string(),
        owner: owner.clone(),
        out_trade_no: order.out_trade_no.clone(),
        transaction_id: order.transaction_id.clone().unwrap_or_default(),
        refund: refund_amount,
        total,
        currency: currency.clone(),
        payer_refund: to_payer_amount(refund_amount, &currency).unwrap_or_default(),
        payer_total: order.payer_total,
        rate: order.rate,
        fund_source: fund_source.to_string(),
        notify_url: notify_url.map(str::to_string),
        status: RefundStatus::Processing,
        outcome,
        create_time: now_beijing(),
        success_time: None,
    };
    let reply = refund.accepted_json();
    let refund_id = refund.refund_id.clone();

    if let Some(order) = state.orders.get_mut(&order_key) {
        order.trade_state = TradeState::Refund;
        order.refund_ids.push(refund_id.clone());
    }
    state.refunds_by_out_no.insert(refund_key, refund_id.clone());
    state.refunds.insert(refund_id.clone(), refund);
    drop(state);

    schedule_final_state(inner, refund_id);
    Ok(ApiReply::Json(reply))
}

/// Checks the AppID fields of a refund request: `appid` (Common) or `sp_appid` (+ `sub_appid`).
fn check_refund_appid(inner: &Inner, fields: &Fields<'_>, owner: &Owner) -> Result<(), ApiError> {
    let merchant = &inner.settings.merchant;
    match owner {
        Owner::Merchant => {
            let appid = fields.required_str("appid", 32)?;
            if appid != merchant.appid {
                return Err(ApiError::invalid_request(format!(
                    "appid {appid} is not bound to mchid {}",
                    merchant.mchid
                )));
            }
            Ok(())
        }
        Owner::SubMerchant(_) => {
            let sp_appid = fields.required_str("sp_appid", 32)?;
            if sp_appid != merchant.sp_appid {
                return Err(ApiError::invalid_request(format!(
                    "sp_appid {sp_appid} is not bound to mchid {}",
                    merchant.mchid
                )));
            }
            fields.optional_str("sub_appid", 32)?;
            Ok(())
        }
    }
}

/// Finds the order named by transaction_id and/or out_trade_no; 404 RESOURCE_NOT_EXISTS if none.
fn find_order_key(
    state: &State,
    owner: &Owner,
    transaction_id: Option<&str>,
    out_trade_no: Option<&str>,
) -> Result<(Owner, String), ApiError> {
    let key = match (transaction_id, out_trade_no) {
        (Some(id), _) => {
            state.orders_by_transaction.get(id).filter(|(o, _)| o == owner).cloned().ok_or_else(|| {
                ApiError::resource_not_exists(format!("order with transaction_id {id} does not exist"))
            })?
        }
        (None, Some(no)) => (owner.clone(), no.to_string()),
        (None, None) => {
            return Err(ApiError::param("out_trade_no", "", "transaction_id or out_trade_no is required", "query"))
        }
    };

    if let (Some(id), Some(no)) = (transaction_id, out_trade_no) {
        if key.1 != no {
            return Err(ApiError::invalid_request(format!(
                "transaction_id {id} and out_trade_no {no} name different orders"
            )));
        }
    }
    if !state.orders.contains_key(&key) {
        return Err(ApiError::resource_not_exists(format!("order with out_trade_no {} does not exist", key.1)));
    }
    Ok(key)
}

fn check_refundable(
    state: &State,
    order: &Order,
    refund_amount: i64,
    total: i64,
    currency: &str,
    amount: &Fields<'_>,
) -> Result<(), ApiError> {
    let out_trade_no = &order.out_trade_no;
    if !order.trade_state.is_paid() {
        return Err(ApiError::invalid_request(format!(
            "order {out_trade_no} is {} and cannot be refunded; only paid orders can",
            order.trade_state.as_str()
        )));
    }
    if currency != order.currency {
        return Err(amount.error("currency", currency, format!("must be the order currency {}", order.currency)));
    }
    if total != order.total {
        return Err(amount.error("total", &total.to_string(), format!("must be the order total {}", order.total)));
    }
    if order.refund_ids.len() >= MAX_REFUNDS_PER_ORDER {
        return Err(ApiError::invalid_request(format!(
            "order {out_trade_no} already has {MAX_REFUNDS_PER_ORDER} refunds, the maximum"
        )));
    }

    let refunded: i64 = order
        .refund_ids
        .iter()
        .filter_map(|id| state.refunds.get(id))
        .filter(|r| r.holds_amount())
        .map(|r| r.refund)
        .sum();
    let remaining = order.total - refunded;
    if refund_amount > remaining {
        return Err(ApiError::invalid_request(format!(
            "refund amount exceeds the refundable amount of order {out_trade_no}: requested {refund_amount}, refundable {remaining} {currency}"
        )));
    }
    Ok(())
}

/// Moves the refund to its final state after the refund delay and sends its notification.
fn schedule_final_state(inner: &Arc<Inner>, refund_id: String) {
    let task_inner = Arc::clone(inner);
    inner.runtime.spawn(async move {
        let mut shutdown = task_inner.shutdown.subscribe();
        tokio::select! {
            _ = tokio::time::sleep(task_inner.settings.refund_delay) => {}
            _ = shutdown.changed() => return,
        }
        if let Some(event) = finish_refund(&task_inner, &refund_id) {
            notify::send(&task_inner, event);
        }
    });
}

fn finish_refund(inner: &Inner, refund_id: &str) -> Option<Event> {
    let mut state = inner.lock();
    let refund = state.refunds.get_mut(refund_id)?;
    refund.status = RefundStatus::from_outcome(refund.outcome);
    if refund.status == RefundStatus::Success {
        refund.success_time = Some(now_beijing());
    }
    let (event_type, summary) = match refund.outcome {
        RefundOutcome::Success => ("REFUND.SUCCESS", "退款成功"),
        RefundOutcome::Abnormal => ("REFUND.ABNORMAL", "退款异常"),
        RefundOutcome::Closed => ("REFUND.CLOSED", "退款关闭"),
    };
    let event = refund.notify_url.clone().map(|url| Event {
        event_type,
        summary,
        original_type: "refund",
        resource: refund.notification_resource(inner.mchid()),
        url: Some(url),
        schedule: inner.settings.refund_retry_schedule.clone(),
    });

    // An order whose refunds were all closed is back to SUCCESS.
    let order_key = (refund.owner.clone(), refund.out_trade_no.clone());
    let refunds = &state.refunds;
    let still_refunded = state
        .orders
        .get(&order_key)
        .map(|order| order.refund_ids.iter().filter_map(|id| refunds.get(id)).any(Refund::holds_amount));
    if still_refunded == Some(false) {
        if let Some(order) = state.orders.get_mut(&order_key) {
            order.trade_state = TradeState::Success;
        }
    }
    event
}

/// Reads `mchid` or `sp_mchid` + `sub_mchid` from a refund query string.
fn query_owner(
    inner: &Inner,
    query: Option<&str>,
) -> Result<(Owner, serde_json::Map<String, serde_json::Value>), ApiError> {
    let map = query_map(query);
    let owner = parse_refund_owner(&Fields::query(&map), &inner.settings.merchant)?;
    Ok((owner, map))
}

/// Handles GET /v3/global/refunds/id/{refund_id}.
pub(crate) fn query_by_id(inner: &Arc<Inner>, refund_id: &str, query: Option<&str>) -> ApiResult {
    check_path_parameter("refund_id", refund_id, 32)?;
    let (owner, _) = query_owner(inner, query)?;

    let state = inner.lock();
    state
        .refunds
        .get(refund_id)
        .filter(|r| r.owner == owner)
        .map(|r| ApiReply::Json(r.to_json()))
        .ok_or_else(|| ApiError::resource_not_exists(format!("refund {refund_id} does not exist")))
}

/// Handles GET /v3/global/refunds/out-refund-no/{out_refund_no}.
pub(crate) fn query_by_out_refund_no(inner: &Arc<Inner>, out_refund_no: &str, query: Option<&str>) -> ApiResult {
    check_path_parameter("out_refund_no", out_refund_no, 64)?;
    let (owner, _) = query_owner(inner, query)?;

    let state = inner.lock();
    state
        .refunds_by_out_no
        .get(&(owner, out_refund_no.to_string()))
        .and_then(|id| state.refunds.get(id))
        .map(|r| ApiReply::Json(r.to_json()))
        .ok_or_else(|| {
            ApiError::resource_not_exists(format!("refund with out_refund_no {out_refund_no} does not exist"))
        })
}

/// Handles GET /v3/global/refunds?...&offset=&count=: one page of an order's refunds.
pub(crate) fn list(inner: &Arc<Inner>, query: Option<&str>) -> ApiResult {
    let (owner, map) = query_owner(inner, query)?;
    let fields = Fields::query(&map);
    let transaction_id = fields.optional_str("transaction_id", 32)?;
    let out_trade_no = fields.optional_str("out_trade_no", 32)?;
    let offset = fields.required_u64("offset")?;
    let count = fields.required_u64("count")?;
    if count == 0 || count > MAX_LIST_COUNT {
        return Err(fields.error("count", &count.to_string(), format!("must be 1 to {MAX_LIST_COUNT}")));
    }

    let state = inner.lock();
    let order_key = find_order_key(&state, &owner, transaction_id, out_trade_no)?;
    let Some(order) = state.orders.get(&order_key) else {
        return Err(ApiError::resource_not_exists("the order does not exist"));
    };

    let page: Vec<_> = order
        .refund_ids
        .iter()
        .filter_map(|id| state.refunds.get(id))
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(count).unwrap_or(usize::MAX))
        .map(Refund::to_json)
        .collect();

    let mut object = serde_json::Map::new();
    if let Some(id) = &order.transaction_id {
        object.insert("id".into(), json!(id));
    }
    match &owner {
        Owner::Merchant => {
            object.insert("mchid".into(), json!(inner.mchid()));
        }
        Owner::SubMerchant(sub_mchid) => {
            object.insert("sp_mchid".into(), json!(inner.mchid()));
            object.insert("sub_mchid".into(), json!(sub_mchid));
        }
    }
    object.insert("out_trade_no".into(), json!(order.out_trade_no));
    object.insert(
        "amount".into(),
        json!({
            "total": order.total,
            "currency": order.currency,
            "payer_total": order.payer_total,
            "payer_currency": crate::model::PAYER_CURRENCY,
        }),
    );
    object.insert("total_num".into(), json!(order.refund_ids.len()));
    object.insert("current_total_num".into(), json!(page.len()));
    object.insert("data".into(), json!(page));
    Ok(ApiReply::Json(serde_json::Value::Object(object)))
}
