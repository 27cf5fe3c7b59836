//! Routing of the WeChat Pay API paths and dispatch to the handlers.
//!
//! Handlers are synchronous: they lock the state, change it, copy out the answer and any
//! notification, unlock, and only then start deliveries.

use std::sync::Arc;

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use crate::inner::Inner;
use crate::model::SigningKind;
use crate::wire::{ApiError, ApiResult};

pub(crate) mod certificates;
pub(crate) mod contracts;
pub(crate) mod refunds;
pub(crate) mod transactions;

pub(crate) use crate::wire::ApiReply as Reply;

/// An API endpoint with its decoded path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    PreSign(SigningKind),
    ContractById(String),
    ContractByCode(String),
    Terminate(String),
    Deduct,
    OrderByTransactionId(String),
    OrderByOutTradeNo(String),
    Reverse(String),
    CreateRefund,
    ListRefunds,
    RefundById(String),
    RefundByOutRefundNo(String),
    Certificates,
}

/// Finds the endpoint of a request; an unknown path or method is 404 NOT_FOUND.
pub(crate) fn route(method: &str, path: &str) -> Result<Route, ApiError> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let candidates = candidates(&segments)?;

    if let Some((_, route)) = candidates.iter().find(|(m, _)| *m == method) {
        return Ok(route.clone());
    }
    if candidates.is_empty() {
        return Err(ApiError::not_found(format!("no API at {path}")));
    }
    let allowed: Vec<&str> = candidates.iter().map(|(m, _)| *m).collect();
    Err(ApiError::not_found(format!("{path} does not accept {method}; use {}", allowed.join(" or "))))
}

/// Returns every (method, route) that serves this path.
fn candidates(segments: &[&str]) -> Result<Vec<(&'static str, Route)>, ApiError> {
    let routes = match segments {
        ["v3", "global", "papay", "contracts", "out-contract-code", code] => {
            vec![("GET", Route::ContractByCode(decode(code)?))]
        }
        ["v3", "global", "papay", "contracts", id] => {
            let mut routes = Vec::new();
            if let Some(kind) = SigningKind::from_path_segment(id) {
                routes.push(("POST", Route::PreSign(kind)));
            }
            routes.push(("GET", Route::ContractById(decode(id)?)));
            routes
        }
        ["v3", "global", "papay", "contracts", id, "terminate"] => {
            vec![("POST", Route::Terminate(decode(id)?))]
        }
        ["v3", "global", "papay", "transactions"] => vec![("POST", Route::Deduct)],
        ["v3", "global", "papay", "transactions", "out-trade-no", no] => {
            vec![("GET", Route::OrderByOutTradeNo(decode(no)?))]
        }
        ["v3", "global", "papay", "transactions", "out-trade-no", no, "reverse"] => {
            vec![("POST", Route::Reverse(decode(no)?))]
        }
        ["v3", "global", "papay", "transactions", id] => {
            vec![("GET", Route::OrderByTransactionId(decode(id)?))]
        }
        ["v3", "global", "refunds"] => {
            vec![("POST", Route::CreateRefund), ("GET", Route::ListRefunds)]
        }
        ["v3", "global", "refunds", "id", id] => vec![("GET", Route::RefundById(decode(id)?))],
        ["v3", "global", "refunds", "out-refund-no", no] => {
            vec![("GET", Route::RefundByOutRefundNo(decode(no)?))]
        }
        ["v3", "global", "certificates"] => vec![("GET", Route::Certificates)],
        _ => Vec::new(),
    };
    Ok(routes)
}

/// Percent-decodes one path segment (a `/` in a value arrives as `%2F`).
fn decode(segment: &str) -> Result<String, ApiError> {
    percent_decode_str(segment)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| ApiError::param("path", segment, "path segment is not valid percent-encoded UTF-8", "path"))
}

/// Parses a raw query string into string values (later duplicates are ignored).
pub(crate) fn query_map(query: Option<&str>) -> Map<String, Value> {
    let mut map = Map::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        map.entry(key.into_owned()).or_insert_with(|| Value::String(value.into_owned()));
    }
    map
}

/// Checks a path parameter: 1 to `max` characters and no 4-byte UTF-8 character.
pub(crate) fn check_path_parameter(name: &str, value: &str, max: usize) -> Result<(), ApiError> {
    crate::wire::check_text(value, max).map_err(|issue| ApiError::param(name, value, issue, "path"))
}

/// Runs the handler of a verified request.
pub(crate) fn handle(inner: &Arc<Inner>, route: &Route, query: Option<&str>, body: &[u8]) -> ApiResult {
    match route {
        Route::PreSign(kind) => contracts::pre_sign(inner, *kind, body),
        Route::ContractById(id) => contracts::query_by_id(inner, id, query),
        Route::ContractByCode(code) => contracts::query_by_code(inner, code, query),
        Route::Terminate(id) => contracts::terminate(inner, id, body),
        Route::Deduct => transactions::deduct(inner, body),
        Route::OrderByTransactionId(id) => transactions::query_by_transaction_id(inner, id, query),
        Route::OrderByOutTradeNo(no) => transactions::query_by_out_trade_no(inner, no, query),
        Route::Reverse(no) => transactions::reverse(inner, no, body),
        Route::CreateRefund => refunds::create(inner, body),
        Route::ListRefunds => refunds::list(inner, query),
        Route::RefundById(id) => refunds::query_by_id(inner, id, query),
        Route::RefundByOutRefundNo(no) => refunds::query_by_out_refund_no(inner, no, query),
        Route::Certificates => certificates::list(inner),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_decodes_percent_encoded_segment() {
        let route = route("GET", "/v3/global/papay/transactions/out-trade-no/A%2FB");
        assert_eq!(route.ok(), Some(Route::OrderByOutTradeNo("A/B".into())));
    }

    #[test]
    fn route_distinguishes_pre_sign_from_query() {
        let post = route("POST", "/v3/global/papay/contracts/h5-pre-entrust-sign");
        assert_eq!(post.ok(), Some(Route::PreSign(SigningKind::H5)));
        let get = route("GET", "/v3/global/papay/contracts/Wx1");
        assert_eq!(get.ok(), Some(Route::ContractById("Wx1".into())));
    }

    #[test]
    fn route_rejects_unknown_path() {
        let error = route("GET", "/v3/global/nothing").err();
        assert_eq!(error.map(|e| e.status), Some(404));
    }
}
