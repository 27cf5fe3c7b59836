//! Request verification and response signing, over real HTTP on 127.0.0.1.
#![allow(clippy::panic)]

mod common;

use common::{answer_verifies, authorization, call, platform_keys, send, start_fast};
use papay_sandbox::SandboxOptions;

const MINI_PROGRAM_PRE_SIGN: &str = "/v3/global/papay/contracts/miniprogram-pre-entrust-sign";

fn pre_sign_body(appid: &str) -> String {
    serde_json::json!({
        "appid": appid,
        "plan_id": 999,
        "out_contract_code": "FAKECONTRACT0001",
        "user_display_name": "Test User",
        "success_notify_url": "https://merchant.example/papay/sign-notify",
    })
    .to_string()
}

#[tokio::test]
async fn signed_request_passes() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    let body = pre_sign_body(&sandbox.credentials().appid);

    let answer = call(&sandbox, "POST", MINI_PROGRAM_PRE_SIGN, &body).await;

    assert_eq!(answer.status, 200, "body: {}", String::from_utf8_lossy(&answer.body));
    let session_id = answer.json()["session_id"].as_str().unwrap_or("").to_string();
    assert_eq!(session_id.len(), 18);
    assert!(session_id.bytes().all(|b| b.is_ascii_digit()));
    let records = sandbox.requests();
    assert_eq!(records.len(), 1);
    assert!(records[0].signature_verified);
    assert_eq!(records[0].target, MINI_PROGRAM_PRE_SIGN);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn tampered_body_gets_sign_error() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    let credentials = sandbox.credentials();
    let signed_body = pre_sign_body(&credentials.appid);
    let sent_body = signed_body.replace("FAKECONTRACT0001", "FAKECONTRACT0002");
    let headers = vec![
        ("Authorization", authorization(&credentials, "POST", MINI_PROGRAM_PRE_SIGN, signed_body.as_bytes())),
        ("User-Agent", "tests".to_string()),
        ("Content-Type", "application/json".to_string()),
    ];

    let answer = send(&sandbox.base_url(), "POST", MINI_PROGRAM_PRE_SIGN, &headers, sent_body.into_bytes()).await;

    let answer = answer.unwrap_or_else(|e| panic!("request failed: {e}"));
    assert_eq!(answer.status, 401);
    assert_eq!(answer.json()["code"], "SIGN_ERROR");
    assert!(answer.header("Wechatpay-Signature").is_some());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn raw_query_is_signed_as_received() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    // A signature over the decoded query does not match the target on the request line.
    let credentials = sandbox.credentials();
    let sent = "/v3/global/papay/contracts/out-contract-code/A%2FB?appid=wx00000000000000a1&plan_id=999";
    let decoded = "/v3/global/papay/contracts/out-contract-code/A/B?appid=wx00000000000000a1&plan_id=999";
    let headers =
        vec![("Authorization", authorization(&credentials, "GET", decoded, b"")), ("User-Agent", "tests".to_string())];

    let wrong = send(&sandbox.base_url(), "GET", sent, &headers, Vec::new()).await;
    let right = call(&sandbox, "GET", sent, "").await;

    assert_eq!(wrong.map(|a| a.status).ok(), Some(401));
    assert_eq!(right.status, 404);
    assert_eq!(right.json()["code"], "NOT_FOUND");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn missing_user_agent_is_invalid_request() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    let credentials = sandbox.credentials();
    let headers = vec![("Authorization", authorization(&credentials, "GET", "/v3/global/certificates", b""))];

    let answer = send(&sandbox.base_url(), "GET", "/v3/global/certificates", &headers, Vec::new()).await;

    let answer = answer.unwrap_or_else(|e| panic!("request failed: {e}"));
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["code"], "INVALID_REQUEST");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn responses_verify_with_downloaded_certificate() {
    let sandbox = start_fast(SandboxOptions::default()).await;

    let keys = platform_keys(&sandbox).await;
    let certificates = call(&sandbox, "GET", "/v3/global/certificates", "").await;
    let error = call(&sandbox, "GET", "/v3/global/papay/contracts/Wx0000UNKNOWN?appid=wx00000000000000a1", "").await;

    assert_eq!(keys.len(), 1);
    assert!(keys.contains_key(&sandbox.credentials().platform_serial_no));
    assert!(answer_verifies(&keys, &certificates));
    assert_eq!(error.status, 404);
    assert!(answer_verifies(&keys, &error));
    assert_eq!(error.header("Wechatpay-Signature-Type"), Some("WECHATPAY2-SHA256-RSA2048"));
    assert!(error.header("Request-ID").is_some());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn rotated_certificate_signs_and_both_are_listed() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    let old_serial = sandbox.credentials().platform_serial_no;

    let new_serial = sandbox.rotate_platform_certificate();
    let keys = platform_keys(&sandbox).await;
    let answer = call(&sandbox, "GET", "/v3/global/certificates", "").await;

    assert_ne!(new_serial, old_serial);
    assert!(keys.contains_key(&old_serial));
    assert!(keys.contains_key(&new_serial));
    assert_eq!(answer.header("Wechatpay-Serial"), Some(new_serial.as_str()));
    assert!(answer_verifies(&keys, &answer));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn encoded_out_trade_no_round_trips() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    let credentials = sandbox.credentials();
    let contract_id = common::signed_contract(&sandbox, "FAKECONTRACT0009").await;
    let body = common::deduction_body(&credentials, &contract_id, "ORDER/1", "https://merchant.example/pay");

    let deducted = call(&sandbox, "POST", "/v3/global/papay/transactions", &body).await;
    let queried = call(&sandbox, "GET", "/v3/global/papay/transactions/out-trade-no/ORDER%2F1", "").await;

    assert_eq!(deducted.status, 200, "body: {}", String::from_utf8_lossy(&deducted.body));
    assert_eq!(deducted.json()["trade_state"], "SUCCESS");
    assert_eq!(deducted.json()["amount"]["payer_total"], 905);
    assert_eq!(queried.status, 200);
    assert_eq!(queried.json()["out_trade_no"], "ORDER/1");
    assert_eq!(sandbox.charge_count("ORDER/1"), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn repeated_deduction_is_order_paid() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    let credentials = sandbox.credentials();
    let contract_id = common::signed_contract(&sandbox, "FAKECONTRACT0010").await;
    let body = common::deduction_body(&credentials, &contract_id, "ORDER2", "https://merchant.example/pay");
    let changed = body.replace("1000", "2000");

    let first = call(&sandbox, "POST", "/v3/global/papay/transactions", &body).await;
    let again = call(&sandbox, "POST", "/v3/global/papay/transactions", &body).await;
    let different = call(&sandbox, "POST", "/v3/global/papay/transactions", &changed).await;

    assert_eq!(first.status, 200);
    assert_eq!(again.status, 400);
    assert_eq!(again.json()["code"], "ORDER_PAID");
    assert_eq!(different.json()["code"], "OUT_TRADE_NO_USED");
    assert_eq!(sandbox.charge_count("ORDER2"), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn emoji_in_description_is_param_error() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    let credentials = sandbox.credentials();
    let contract_id = common::signed_contract(&sandbox, "FAKECONTRACT0011").await;
    let body = common::deduction_body(&credentials, &contract_id, "ORDER3", "https://merchant.example/pay")
        .replace("FakeShop-HK-Monthly plan", "Monthly \u{1F600}");

    let answer = call(&sandbox, "POST", "/v3/global/papay/transactions", &body).await;

    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["code"], "PARAM_ERROR");
    assert_eq!(answer.json()["detail"]["field"], "description");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn public_key_mode_signs_with_key_id() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    let credentials = sandbox.credentials();
    sandbox.use_public_key_id(true);

    let answer = call(&sandbox, "GET", "/v3/global/certificates", "").await;

    let spki = common::decode_pem(&credentials.public_key_pem);
    assert!(credentials.public_key_id.starts_with("PUB_KEY_ID_"));
    assert_eq!(answer.header("Wechatpay-Serial"), Some(credentials.public_key_id.as_str()));
    assert!(common::signature_verifies(
        &spki,
        answer.header("Wechatpay-Timestamp").unwrap_or(""),
        answer.header("Wechatpay-Nonce").unwrap_or(""),
        &answer.body,
        answer.header("Wechatpay-Signature").unwrap_or(""),
    ));
    sandbox.shutdown().await;
}
