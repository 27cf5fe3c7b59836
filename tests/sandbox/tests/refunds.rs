//! Refund acceptance, idempotency, limits and the delayed final state.
#![allow(clippy::panic)]

mod common;

use std::time::Duration;

use common::{call, start_fast, NotificationListener};
use papay_sandbox::{RefundOutcome, Sandbox, SandboxOptions};

/// Signs a contract and deducts HKD 10.00 under `out_trade_no`.
async fn paid_order(sandbox: &Sandbox, out_trade_no: &str) {
    let credentials = sandbox.credentials();
    let contract_id = common::signed_contract(sandbox, &format!("C-{out_trade_no}")).await;
    let body = common::deduction_body(&credentials, &contract_id, out_trade_no, "https://merchant.example/pay");
    let answer = call(sandbox, "POST", "/v3/global/papay/transactions", &body).await;
    assert_eq!(answer.status, 200);
}

fn refund_body(out_trade_no: &str, out_refund_no: &str, refund: i64, notify_url: Option<&str>) -> String {
    let mut body = serde_json::json!({
        "mchid": "1900000001",
        "appid": "wx00000000000000a1",
        "out_trade_no": out_trade_no,
        "out_refund_no": out_refund_no,
        "amount": { "refund": refund, "total": 1000, "currency": "HKD" },
    });
    if let (Some(url), Some(object)) = (notify_url, body.as_object_mut()) {
        object.insert("notify_url".into(), url.into());
    }
    body.to_string()
}

#[tokio::test]
async fn refund_is_idempotent_and_limited() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    paid_order(&sandbox, "ORDER-R1").await;

    let first = call(&sandbox, "POST", "/v3/global/refunds", &refund_body("ORDER-R1", "R1", 600, None)).await;
    let repeat = call(&sandbox, "POST", "/v3/global/refunds", &refund_body("ORDER-R1", "R1", 600, None)).await;
    let changed = call(&sandbox, "POST", "/v3/global/refunds", &refund_body("ORDER-R1", "R1", 500, None)).await;
    let too_much = call(&sandbox, "POST", "/v3/global/refunds", &refund_body("ORDER-R1", "R2", 500, None)).await;
    let unknown = call(&sandbox, "POST", "/v3/global/refunds", &refund_body("NO-SUCH-ORDER", "R3", 1, None)).await;

    assert_eq!(first.status, 200);
    assert_eq!(first.json()["amount"]["payer_refund"], 543);
    assert_eq!(repeat.json()["id"], first.json()["id"]);
    assert_eq!(changed.status, 403);
    assert_eq!(changed.json()["code"], "OUT_REFUND_NO_USED");
    assert_eq!(too_much.status, 400);
    assert_eq!(too_much.json()["code"], "INVALID_REQUEST");
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["code"], "RESOURCE_NOT_EXISTS");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn refund_reaches_final_state_and_notifies() {
    let listener = NotificationListener::start(Vec::new()).await;
    let options = SandboxOptions { notify_redirect: Some(listener.base_url.clone()), ..SandboxOptions::default() };
    let sandbox = start_fast(options).await;
    paid_order(&sandbox, "ORDER-R2").await;
    sandbox.set_next_refund_outcome(RefundOutcome::Closed);
    let body = refund_body("ORDER-R2", "R2-1", 1000, Some("https://merchant.example/refund"));

    let accepted = call(&sandbox, "POST", "/v3/global/refunds", &body).await;
    let delivery = sandbox.wait_for_delivery("REFUND.CLOSED", Duration::from_secs(10)).await;
    let queried = call(&sandbox, "GET", "/v3/global/refunds/out-refund-no/R2-1?mchid=1900000001", "").await;
    let listed =
        call(&sandbox, "GET", "/v3/global/refunds?out_trade_no=ORDER-R2&mchid=1900000001&offset=0&count=10", "").await;

    assert_eq!(accepted.status, 200);
    let delivery = delivery.unwrap_or_else(|e| panic!("no delivery: {e}"));
    let resource: serde_json::Value = serde_json::from_str(&delivery.resource_plaintext).unwrap_or_default();
    assert_eq!(resource["refund_status"], "CLOSED");
    assert_eq!(queried.json()["status"], "REFUNDCLOSE");
    assert_eq!(listed.json()["total_num"], 1);
    assert_eq!(listed.json()["data"][0]["out_refund_no"], "R2-1");
    sandbox.shutdown().await;
}
