//! Deductions, order queries, reversal, refunds and their notifications against the sandbox.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Harness;
use papay::{NotificationEvent, OrderRef, RefundStatus, TradeState};
use papay_sandbox::{DeductionOutcome, RefundOutcome};

async fn paid_order(h: &Harness, code: &str, out_trade_no: &str, total: i64) -> (String, papay::Order) {
    let contract_id = h.signed_contract(code).await;
    let order = h.client.deduct(&h.deduction(&contract_id, out_trade_no, total)).await.unwrap();
    (contract_id, order)
}

fn refund_request(out_trade_no: &str, out_refund_no: &str, refund: i64, total: i64) -> papay::RefundRequest {
    papay::RefundRequest {
        order: OrderRef::OutTradeNo(out_trade_no.into()),
        out_refund_no: out_refund_no.into(),
        reason: Some("\u{9000}\u{6b3e} refund".into()),
        amount: papay::RefundRequestAmount { refund, total, currency: "HKD".into() },
        notify_url: Some(format!("{}/refund-notify", common::NOTIFY_BASE)),
        source: None,
    }
}

#[tokio::test]
async fn deduction_succeeds_and_notification_matches() {
    let h = Harness::start().await;
    let (_, order) = paid_order(&h, "D0001", "ORDER0001", 1000).await;
    assert_eq!(order.trade_state, TradeState::Success);
    assert_eq!(order.amount.total, 1000);
    assert_eq!(order.amount.currency, "HKD");
    assert_eq!(order.amount.payer_total, Some(905));
    assert_eq!(order.amount.payer_currency.as_deref(), Some("CNY"));
    assert_eq!(order.trade_type.as_deref(), Some("AUTH"));
    assert_eq!(order.payer.as_ref().and_then(|p| p.openid.as_deref()), Some(h.openid.as_str()));

    let (arrival, notification) = h.notification(papay::notification::TRANSACTION_SUCCESS).await;
    assert_eq!(arrival.path, "/papay/pay-notify");
    let NotificationEvent::DeductionSucceeded(notified) = notification.event else {
        panic!("not a DeductionSucceeded event")
    };
    assert_eq!(notified.out_trade_no, "ORDER0001");
    assert_eq!(notified.transaction_id, order.transaction_id);
    assert_eq!(notified.amount.total, 1000);
    assert_eq!(h.sandbox.charge_count("ORDER0001"), 1);
}

#[tokio::test]
async fn order_queries_agree_with_deduction() {
    let h = Harness::start().await;
    let (_, order) = paid_order(&h, "D0002", "ORDER0002", 2500).await;
    let transaction_id = order.transaction_id.clone().unwrap();
    let by_id = h.client.query_order_by_transaction_id(&transaction_id).await.unwrap();
    let by_no = h.client.query_order_by_out_trade_no("ORDER0002").await.unwrap();
    assert_eq!(by_id, by_no);
    assert_eq!(by_id.amount.total, 2500);
    assert_eq!(by_id.trade_state, TradeState::Success);
}

#[tokio::test]
async fn sign_request_authorizes_raw_request() {
    let h = Harness::start().await;
    let (_, order) = paid_order(&h, "D0009", "ORDER0009", 1800).await;
    let target = "/v3/global/papay/transactions/out-trade-no/ORDER0009";
    let url = format!("{}{target}", h.sandbox.base_url().trim_end_matches('/'));
    let http = reqwest::Client::new();
    let send = |authorization: String| {
        http.get(&url)
            .header("Authorization", authorization)
            .header("Accept", "application/json")
            .header("User-Agent", "papay-tests")
            .send()
    };

    let answer = send(h.client.sign_request("GET", target, b"", None, None).unwrap()).await.unwrap();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    assert_eq!(body["transaction_id"], order.transaction_id.unwrap().as_str());
    assert_eq!(body["amount"]["total"], 1800);

    // A header signed for another target does not authorize this one.
    let other = "/v3/global/papay/transactions/out-trade-no/ORDER9999";
    let answer = send(h.client.sign_request("GET", other, b"", None, None).unwrap()).await.unwrap();
    assert_eq!(answer.status(), 401);
    let body: serde_json::Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    assert_eq!(body["code"], "SIGN_ERROR");
}

#[tokio::test]
async fn query_of_unknown_order_is_not_found() {
    let h = Harness::start().await;
    let error = Harness::api_error(h.client.query_order_by_out_trade_no("NOSUCHORDER").await.unwrap_err());
    assert_eq!(error.status, 404);
    assert_eq!(error.code, "NOT_FOUND");
}

#[tokio::test]
async fn deduction_on_terminated_contract_is_rejected() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("D0003").await;
    h.client
        .terminate_contract(&contract_id, &papay::TerminateContractRequest { termination_note: "end".into() })
        .await
        .unwrap();
    let error = Harness::api_error(h.client.deduct(&h.deduction(&contract_id, "ORDER0003", 100)).await.unwrap_err());
    assert_eq!(error.status, 403);
    assert_eq!(error.code, "CONTRACT_ERROR");
    assert_eq!(h.sandbox.charge_count("ORDER0003"), 0);
}

#[tokio::test]
async fn deduction_on_unknown_contract_is_contract_not_exist() {
    let h = Harness::start().await;
    let error = Harness::api_error(h.client.deduct(&h.deduction("Wx0000NOSUCH", "ORDER0004", 100)).await.unwrap_err());
    assert_eq!(error.code, "CONTRACT_NOT_EXIST");
}

#[tokio::test]
async fn duplicate_out_trade_no_is_rejected_and_charged_once() {
    let h = Harness::start().await;
    let (contract_id, _) = paid_order(&h, "D0005", "ORDER0005", 1000).await;
    let same = Harness::api_error(h.client.deduct(&h.deduction(&contract_id, "ORDER0005", 1000)).await.unwrap_err());
    assert_eq!(same.code, "ORDER_PAID");
    let different =
        Harness::api_error(h.client.deduct(&h.deduction(&contract_id, "ORDER0005", 2000)).await.unwrap_err());
    assert_eq!(different.code, "OUT_TRADE_NO_USED");
    assert_eq!(h.sandbox.charge_count("ORDER0005"), 1);
}

#[tokio::test]
async fn deduction_validates_amount_and_currency() {
    let h = Harness::start().await;
    let mut request = h.deduction("Wx0000ANY", "ORDER0006", 0);
    let error = h.client.deduct(&request).await.unwrap_err();
    assert!(error.to_string().contains("amount.total must be a positive amount"), "{error}");
    request.amount = papay::DeductionAmount { total: 100, currency: "hkd".into() };
    let error = h.client.deduct(&request).await.unwrap_err();
    assert!(error.to_string().contains("amount.currency"), "{error}");
    request.amount.currency = "HKD".into();
    request.out_trade_no = "X".repeat(33);
    let error = h.client.deduct(&request).await.unwrap_err();
    assert!(error.to_string().contains("out_trade_no must be 1 to 32 characters, got 33"), "{error}");
}

#[tokio::test]
async fn reverse_closes_unpaid_order() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("R0001").await;
    h.sandbox.set_next_deduction_outcome(DeductionOutcome::UserPaying);
    let pending = h.client.deduct(&h.deduction(&contract_id, "ORDER0101", 500)).await.unwrap();
    assert_eq!(pending.trade_state, TradeState::UserPaying);
    h.client.reverse_order("ORDER0101").await.unwrap();
    let record = h.sandbox.requests().into_iter().rev().find(|r| r.target.ends_with("/reverse")).unwrap();
    assert_eq!(record.status, 204);
    let closed = h.client.query_order_by_out_trade_no("ORDER0101").await.unwrap();
    assert_eq!(closed.trade_state, TradeState::Closed);

    let again = Harness::api_error(h.client.reverse_order("ORDER0101").await.unwrap_err());
    assert_eq!(again.code, "ORDER_CLOSED");
}

#[tokio::test]
async fn reverse_of_paid_order_is_order_paid() {
    let h = Harness::start().await;
    paid_order(&h, "R0002", "ORDER0102", 500).await;
    let error = Harness::api_error(h.client.reverse_order("ORDER0102").await.unwrap_err());
    assert_eq!(error.status, 400);
    assert_eq!(error.code, "ORDER_PAID");
}

#[tokio::test]
async fn reverse_of_unknown_order_is_not_found() {
    let h = Harness::start().await;
    let error = Harness::api_error(h.client.reverse_order("NOSUCHORDER").await.unwrap_err());
    assert_eq!(error.code, "NOT_FOUND");
}

#[tokio::test]
async fn completed_payment_notifies() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("R0003").await;
    h.sandbox.set_next_deduction_outcome(DeductionOutcome::UserPaying);
    h.client.deduct(&h.deduction(&contract_id, "ORDER0103", 700)).await.unwrap();
    h.sandbox.complete_payment("ORDER0103").unwrap();
    let (_, notification) = h.notification(papay::notification::TRANSACTION_SUCCESS).await;
    let NotificationEvent::DeductionSucceeded(order) = notification.event else {
        panic!("not a DeductionSucceeded event")
    };
    assert_eq!(order.out_trade_no, "ORDER0103");
    assert_eq!(h.client.query_order_by_out_trade_no("ORDER0103").await.unwrap().trade_state, TradeState::Success);
}

#[tokio::test]
async fn institutional_deduction_and_reverse() {
    let h = Harness::start().await;
    let client = h.institutional();
    let contract_id = h.signed_contract_with(&client, "INST0101").await;
    let order = client.deduct(&h.deduction(&contract_id, "ORDER0104", 1000)).await.unwrap();
    assert_eq!(order.identity.sub_mchid.as_deref(), Some("1900000099"));
    assert!(order.payer.as_ref().is_some_and(|p| p.sp_openid.is_some() || p.sub_openid.is_some()));
    let queried = client.query_order_by_out_trade_no("ORDER0104").await.unwrap();
    assert_eq!(queried.transaction_id, order.transaction_id);
    let target = h.sandbox.requests().into_iter().rev().find(|r| r.target.contains("ORDER0104")).unwrap().target;
    assert_eq!(target, "/v3/global/papay/transactions/out-trade-no/ORDER0104?sub_mchid=1900000099");
    let error = Harness::api_error(client.reverse_order("ORDER0104").await.unwrap_err());
    assert_eq!(error.code, "ORDER_PAID");
}

#[tokio::test]
async fn refund_succeeds_and_notification_matches() {
    let h = Harness::start().await;
    let (_, order) = paid_order(&h, "F0001", "ORDER0201", 1000).await;
    let refund = h.client.refund(&refund_request("ORDER0201", "REFUND0201", 300, 1000)).await.unwrap();
    assert_eq!(refund.out_refund_no, "REFUND0201");
    assert_eq!(refund.amount.refund, 300);

    let (arrival, notification) = h.notification(papay::notification::REFUND_SUCCESS).await;
    assert_eq!(arrival.path, "/papay/refund-notify");
    let NotificationEvent::RefundSucceeded(notified) = notification.event else {
        panic!("not a RefundSucceeded event")
    };
    assert_eq!(notified.refund_id, refund.id);
    assert_eq!(notified.refund_status, RefundStatus::Success);
    assert_eq!(notified.transaction_id, order.transaction_id);
    assert_eq!(notified.amount.refund, 300);
}

#[tokio::test]
async fn refund_abnormal_and_closed_notify() {
    let h = Harness::start().await;
    paid_order(&h, "F0002", "ORDER0202", 1000).await;
    h.sandbox.set_next_refund_outcome(RefundOutcome::Abnormal);
    h.client.refund(&refund_request("ORDER0202", "REFUND0202A", 100, 1000)).await.unwrap();
    let (_, abnormal) = h.notification(papay::notification::REFUND_ABNORMAL).await;
    assert!(
        matches!(abnormal.event, NotificationEvent::RefundAbnormal(ref r) if r.refund_status == RefundStatus::Abnormal)
    );

    h.sandbox.set_next_refund_outcome(RefundOutcome::Closed);
    h.client.refund(&refund_request("ORDER0202", "REFUND0202B", 100, 1000)).await.unwrap();
    let (_, closed) = h.notification(papay::notification::REFUND_CLOSED).await;
    assert!(matches!(closed.event, NotificationEvent::RefundClosed(ref r) if r.refund_status == RefundStatus::Closed));
    let queried = h.client.query_refund_by_out_refund_no("REFUND0202B").await.unwrap();
    assert_eq!(queried.status, Some(RefundStatus::Closed));
}

#[tokio::test]
async fn refund_queries_and_list_agree() {
    let h = Harness::start().await;
    paid_order(&h, "F0003", "ORDER0203", 1000).await;
    let first = h.client.refund(&refund_request("ORDER0203", "REFUND0203A", 100, 1000)).await.unwrap();
    h.client.refund(&refund_request("ORDER0203", "REFUND0203B", 200, 1000)).await.unwrap();
    h.client.refund(&refund_request("ORDER0203", "REFUND0203C", 300, 1000)).await.unwrap();

    let by_no = h.client.query_refund_by_out_refund_no("REFUND0203A").await.unwrap();
    let by_id = h.client.query_refund_by_id(&first.id).await.unwrap();
    assert_eq!(by_no.id, by_id.id);
    assert_eq!(by_no.out_trade_no.as_deref(), Some("ORDER0203"));

    let page = h
        .client
        .list_refunds(&papay::RefundListRequest {
            order: OrderRef::OutTradeNo("ORDER0203".into()),
            offset: 1,
            count: 1,
        })
        .await
        .unwrap();
    assert_eq!(page.total_num, 3);
    assert_eq!(page.current_total_num, 1);
    assert_eq!(page.data.len(), 1);
    assert_eq!(page.out_trade_no, "ORDER0203");
    assert_eq!(page.amount.total, 1000);
}

#[tokio::test]
async fn refund_above_paid_amount_is_rejected() {
    let h = Harness::start().await;
    paid_order(&h, "F0004", "ORDER0204", 1000).await;
    h.client.refund(&refund_request("ORDER0204", "REFUND0204A", 800, 1000)).await.unwrap();
    let error =
        Harness::api_error(h.client.refund(&refund_request("ORDER0204", "REFUND0204B", 300, 1000)).await.unwrap_err());
    assert_eq!(error.status, 400);
    assert_eq!(error.code, "INVALID_REQUEST");
}

#[tokio::test]
async fn refund_above_total_fails_locally() {
    let h = Harness::start().await;
    let error = h.client.refund(&refund_request("ORDER0205", "REFUND0205", 1200, 1000)).await.unwrap_err();
    assert_eq!(error.code(), "INVALID_ARGUMENT");
    assert!(error.to_string().contains("amount.refund must not exceed amount.total 1000"), "{error}");
}

#[tokio::test]
async fn refund_number_reuse_is_idempotent_or_rejected() {
    let h = Harness::start().await;
    paid_order(&h, "F0006", "ORDER0206", 1000).await;
    let first = h.client.refund(&refund_request("ORDER0206", "REFUND0206", 100, 1000)).await.unwrap();
    let repeat = h.client.refund(&refund_request("ORDER0206", "REFUND0206", 100, 1000)).await.unwrap();
    assert_eq!(first.id, repeat.id);
    let error =
        Harness::api_error(h.client.refund(&refund_request("ORDER0206", "REFUND0206", 200, 1000)).await.unwrap_err());
    assert_eq!(error.code, "OUT_REFUND_NO_USED");
}

#[tokio::test]
async fn refund_of_unknown_order_is_resource_not_exists() {
    let h = Harness::start().await;
    let error =
        Harness::api_error(h.client.refund(&refund_request("NOSUCHORDER", "REFUND0207", 100, 1000)).await.unwrap_err());
    assert_eq!(error.status, 404);
    assert_eq!(error.code, "RESOURCE_NOT_EXISTS");
}

#[tokio::test]
async fn refund_query_of_unknown_refund_is_not_found() {
    let h = Harness::start().await;
    let error = Harness::api_error(h.client.query_refund_by_out_refund_no("NOSUCHREFUND").await.unwrap_err());
    assert_eq!(error.status, 404);
    let error = Harness::api_error(h.client.query_refund_by_id("50300000000000000000000000000000").await.unwrap_err());
    assert_eq!(error.status, 404);
}

#[tokio::test]
async fn institutional_refund_carries_sub_merchant() {
    let h = Harness::start().await;
    let client = h.institutional();
    let contract_id = h.signed_contract_with(&client, "INST0201").await;
    client.deduct(&h.deduction(&contract_id, "ORDER0208", 1000)).await.unwrap();
    let refund = client.refund(&refund_request("ORDER0208", "REFUND0208", 400, 1000)).await.unwrap();
    let queried = client.query_refund_by_id(&refund.id).await.unwrap();
    assert_eq!(queried.amount.refund, 400);
    let target = h.sandbox.requests().into_iter().rev().find(|r| r.target.contains("/refunds/id/")).unwrap().target;
    assert!(target.ends_with("?sp_mchid=1900000001&sub_mchid=1900000099"), "{target}");
    let list = client
        .list_refunds(&papay::RefundListRequest {
            order: OrderRef::OutTradeNo("ORDER0208".into()),
            offset: 0,
            count: 10,
        })
        .await
        .unwrap();
    assert_eq!(list.identity.sub_mchid.as_deref(), Some("1900000099"));
}
