//! The ways peer SDKs break on the wire: non-ASCII bodies, values that need percent-encoding,
//! empty 204 bodies, unsigned error pages, notifications whose raw bytes differ from their
//! re-serialized form, header names in any case, and clock skew.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::{fast_options, Harness};
use papay_sandbox::SandboxOptions;

#[tokio::test]
async fn non_ascii_body_is_signed_as_sent() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("WIRE01").await;
    let mut request = h.deduction(&contract_id, "WIRE0001", 1000);
    request.description = "\u{5546}\u{5e97}-\u{9999}\u{6e2f}-\u{6708}\u{8cbb} caf\u{e9}".into();
    request.attach = Some("\u{00fc}ber \u{4e2d}\u{6587}".into());
    let order = h.client.deduct(&request).await.unwrap();
    assert_eq!(order.attach.as_deref(), Some("\u{00fc}ber \u{4e2d}\u{6587}"));
    let record = h
        .sandbox
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "POST" && r.target == "/v3/global/papay/transactions")
        .unwrap();
    assert!(record.signature_verified);
}

#[tokio::test]
async fn path_values_are_percent_encoded_once() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("WIRE02").await;
    let out_trade_no = "A|B*C@1-x_y";
    h.client.deduct(&h.deduction(&contract_id, out_trade_no, 100)).await.unwrap();
    let order = h.client.query_order_by_out_trade_no(out_trade_no).await.unwrap();
    assert_eq!(order.out_trade_no, out_trade_no);
    let record = h
        .sandbox
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "GET" && r.target.contains("/out-trade-no/"))
        .unwrap();
    assert_eq!(record.target, "/v3/global/papay/transactions/out-trade-no/A%7CB%2AC%401-x_y");
    assert!(record.signature_verified);
}

#[tokio::test]
async fn query_values_are_percent_encoded_once() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("WIRE03").await;
    let out_trade_no = "Q|R@2";
    h.client.deduct(&h.deduction(&contract_id, out_trade_no, 100)).await.unwrap();
    let list = h
        .client
        .list_refunds(&papay::RefundListRequest {
            order: papay::OrderRef::OutTradeNo(out_trade_no.into()),
            offset: 0,
            count: 5,
        })
        .await
        .unwrap();
    assert_eq!(list.out_trade_no, out_trade_no);
    assert_eq!(list.total_num, 0);
    let record = h.sandbox.requests().into_iter().rev().find(|r| r.target.starts_with("/v3/global/refunds?")).unwrap();
    assert_eq!(record.target, "/v3/global/refunds?out_trade_no=Q%7CR%402&mchid=1900000001&offset=0&count=5");
}

#[tokio::test]
async fn empty_204_body_is_verified() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("WIRE04").await;
    h.sandbox.set_next_deduction_outcome(papay_sandbox::DeductionOutcome::UserPaying);
    h.client.deduct(&h.deduction(&contract_id, "WIRE0004", 100)).await.unwrap();
    // Common-mode reversal sends no body and gets none back; both sides sign an empty line.
    h.client.reverse_order("WIRE0004").await.unwrap();
    let record = h.sandbox.requests().into_iter().rev().find(|r| r.target.ends_with("/reverse")).unwrap();
    assert_eq!(record.status, 204);
    assert!(record.signature_verified);
}

#[tokio::test]
async fn signed_error_response_is_marked_verified() {
    let h = Harness::start().await;
    let error = Harness::api_error(h.client.query_contract_by_id("Wx0000MISSING").await.unwrap_err());
    assert!(error.signature_verified);
    assert!(!error.to_string().contains("not verified"), "{error}");
}

#[tokio::test]
async fn unusual_whitespace_notification_verifies_and_reserialized_copy_fails() {
    let options = SandboxOptions { pretty_notifications: true, ..fast_options() };
    let h = Harness::start_with(options, |b| b).await;
    h.signed_contract("WIRE06").await;
    let (arrival, notification) = h.notification(papay::notification::PAPAY_SIGN).await;
    let raw = std::str::from_utf8(&arrival.body).unwrap();
    assert!(raw.contains('\n'), "the sandbox sent a pretty-printed body");
    assert_eq!(notification.event_type, "PAPAY.SIGN");

    let value: serde_json::Value = serde_json::from_slice(&arrival.body).unwrap();
    let reserialized = serde_json::to_vec(&value).unwrap();
    assert_ne!(reserialized, arrival.body.to_vec());
    let error = h.client.parse_notification(&arrival.headers, &reserialized).await.unwrap_err();
    assert_eq!(error.code(), "SIGNATURE_INVALID");
}

#[tokio::test]
async fn notification_headers_match_in_any_case() {
    let h = Harness::start().await;
    h.signed_contract("WIRE07").await;
    let (arrival, _) = h.notification(papay::notification::PAPAY_SIGN).await;
    let pairs: Vec<(String, String)> = arrival
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap().to_owned()))
        .collect();
    let upper: Vec<(String, String)> = pairs.iter().map(|(n, v)| (n.to_ascii_uppercase(), v.clone())).collect();
    let mixed: std::collections::HashMap<String, String> =
        pairs.iter().map(|(n, v)| (n.replace("wechatpay", "WeChatPay"), v.clone())).collect();
    assert!(h.client.parse_notification(&upper, &arrival.body).await.is_ok());
    assert!(h.client.parse_notification(&mixed, &arrival.body).await.is_ok());
}

#[tokio::test]
async fn notification_outside_time_window_is_rejected() {
    let clock = Arc::new(papay::FixedClock::new(chrono::Utc::now().timestamp()));
    let dyn_clock: Arc<dyn papay::Clock> = clock.clone();
    let h = Harness::start_with(fast_options(), move |b| b.clock(dyn_clock)).await;
    h.signed_contract("WIRE08").await;
    let (arrival, _) = h.notification(papay::notification::PAPAY_SIGN).await;
    clock.set(chrono::Utc::now().timestamp() + 301);
    let error = h.client.parse_notification(&arrival.headers, &arrival.body).await.unwrap_err();
    assert_eq!(error.code(), "TIMESTAMP_OUT_OF_WINDOW");
    clock.set(chrono::Utc::now().timestamp() + 200);
    assert!(h.client.parse_notification(&arrival.headers, &arrival.body).await.is_ok());
}

#[tokio::test]
async fn request_with_skewed_clock_gets_sign_error() {
    let clock: Arc<dyn papay::Clock> = Arc::new(papay::FixedClock::new(chrono::Utc::now().timestamp() - 600));
    let h = Harness::start_with(fast_options(), move |b| b.clock(clock).timestamp_window_seconds(3600)).await;
    let error = Harness::api_error(h.client.query_order_by_out_trade_no("ANY").await.unwrap_err());
    assert_eq!(error.status, 401);
    assert_eq!(error.code, "SIGN_ERROR");
}

#[tokio::test]
async fn every_request_carries_user_agent_and_verifies() {
    let h = Harness::start().await;
    h.signed_contract("WIRE10").await;
    let requests = h.sandbox.requests();
    assert!(!requests.is_empty());
    assert!(
        requests.iter().filter(|r| !r.target.starts_with("/sandbox/")).all(|r| r.signature_verified),
        "{requests:?}"
    );
}
