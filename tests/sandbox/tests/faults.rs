//! Fault injection, and the control API that other languages use to drive the sandbox.
#![allow(clippy::panic)]

mod common;

use common::{answer_verifies, call, platform_keys, send, start_fast};
use papay_sandbox::{Fault, FaultRule, SandboxOptions};

const CERTIFICATES: &str = "/v3/global/certificates";

#[tokio::test]
async fn error_fault_fires_times_then_stops() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    let keys = platform_keys(&sandbox).await;
    sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some(CERTIFICATES.into()),
        times: 2,
        fault: Fault::Error { status: 500, code: "SYSTEM_ERROR".into(), message: "injected".into() },
    });

    let first = call(&sandbox, "GET", CERTIFICATES, "").await;
    let second = call(&sandbox, "GET", CERTIFICATES, "").await;
    let third = call(&sandbox, "GET", CERTIFICATES, "").await;

    assert_eq!(first.status, 500);
    assert_eq!(first.json()["code"], "SYSTEM_ERROR");
    assert!(answer_verifies(&keys, &first));
    assert_eq!(second.status, 500);
    assert_eq!(third.status, 200);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn process_then_status_still_charges() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    let credentials = sandbox.credentials();
    let contract_id = common::signed_contract(&sandbox, "FAKECONTRACT0200").await;
    sandbox.inject(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("/transactions".into()),
        times: 1,
        fault: Fault::ProcessThenStatus(500),
    });
    let body = common::deduction_body(&credentials, &contract_id, "ORDER-F1", "https://merchant.example/pay");

    let deducted = call(&sandbox, "POST", "/v3/global/papay/transactions", &body).await;
    let queried = call(&sandbox, "GET", "/v3/global/papay/transactions/out-trade-no/ORDER-F1", "").await;

    assert_eq!(deducted.status, 500);
    assert_eq!(queried.json()["trade_state"], "SUCCESS");
    assert_eq!(sandbox.charge_count("ORDER-F1"), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn close_connection_gives_no_answer() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    sandbox.inject(FaultRule { method: None, path_contains: None, times: 1, fault: Fault::CloseConnection });

    let result = send(&sandbox.base_url(), "GET", CERTIFICATES, &[("User-Agent", "t".into())], Vec::new()).await;

    assert!(result.is_err());
    assert_eq!(sandbox.requests()[0].status, 0);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn reset_mid_body_cuts_the_body() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    sandbox.inject(FaultRule {
        method: None,
        path_contains: Some(CERTIFICATES.into()),
        times: 1,
        fault: Fault::ResetMidBody,
    });
    let credentials = sandbox.credentials();
    let headers = vec![
        ("Authorization", common::authorization(&credentials, "GET", CERTIFICATES, b"")),
        ("User-Agent", "tests".to_string()),
    ];

    let result = send(&sandbox.base_url(), "GET", CERTIFICATES, &headers, Vec::new()).await;

    let error = result.err().unwrap_or_default();
    assert!(error.starts_with("body"), "error: {error}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn html_page_is_unsigned() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    sandbox.inject(FaultRule { method: None, path_contains: None, times: 1, fault: Fault::HtmlPage(502) });

    let answer = call(&sandbox, "GET", CERTIFICATES, "").await;

    assert_eq!(answer.status, 502);
    assert_eq!(answer.header("Content-Type"), Some("text/html"));
    assert!(answer.header("Wechatpay-Signature").is_none());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn control_api_drives_signing_and_faults() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    let base = sandbox.base_url();
    let credentials = sandbox.credentials();
    let pre_sign = serde_json::json!({
        "appid": credentials.appid,
        "plan_id": credentials.plan_id,
        "out_contract_code": "FAKECONTRACT0201",
        "user_display_name": "Test User",
        "success_notify_url": "https://merchant.example/papay/sign-notify",
    })
    .to_string();
    call(&sandbox, "POST", "/v3/global/papay/contracts/app-pre-entrust-sign", &pre_sign).await;
    let json = vec![("Content-Type", "application/json".to_string())];

    let confirm_body = br#"{"plan_id":999,"out_contract_code":"FAKECONTRACT0201"}"#.to_vec();
    let confirmed = send(&base, "POST", "/sandbox/signing/confirm", &json, confirm_body).await;
    let fault_body = br#"{"path_contains":"/certificates","times":1,"fault":{"error":{"status":429,"code":"FREQUENCY_LIMITED","message":"slow down"}}}"#.to_vec();
    let injected = send(&base, "POST", "/sandbox/faults", &json, fault_body).await;
    let limited = call(&sandbox, "GET", CERTIFICATES, "").await;
    let control_credentials = send(&base, "GET", "/sandbox/credentials", &[], Vec::new()).await;

    let view = confirmed.map(|a| a.json()).unwrap_or_default();
    assert_eq!(view["state"], "SIGNED");
    assert_eq!(view["out_contract_code"], "FAKECONTRACT0201");
    assert_eq!(injected.as_ref().map(|a| a.status).ok(), Some(204));
    assert_eq!(limited.status, 429);
    assert_eq!(limited.json()["code"], "FREQUENCY_LIMITED");
    let served = control_credentials.map(|a| a.json()).unwrap_or_default();
    assert_eq!(served["merchant_serial_no"], credentials.merchant_serial_no.as_str());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn control_api_confirms_by_session_id() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    let credentials = sandbox.credentials();
    let pre_sign = serde_json::json!({
        "appid": credentials.appid,
        "plan_id": credentials.plan_id,
        "out_contract_code": "FAKECONTRACT0202",
        "user_display_name": "测试用户",
        "success_notify_url": "https://merchant.example/papay/sign-notify",
    })
    .to_string();
    let answer = call(&sandbox, "POST", "/v3/global/papay/contracts/app-pre-entrust-sign", &pre_sign).await;
    let session_id = answer.json()["session_id"].as_str().unwrap_or("").to_string();
    let json = vec![("Content-Type", "application/json".to_string())];
    let body = serde_json::json!({ "session_id": session_id }).to_string().into_bytes();

    let confirmed = send(&sandbox.base_url(), "POST", "/sandbox/signing/confirm", &json, body).await;

    let view = confirmed.map(|a| a.json()).unwrap_or_default();
    assert_eq!(view["state"], "SIGNED");
    assert!(view["contract_id"].as_str().unwrap_or("").starts_with("Wx"));
    assert_eq!(view["contract_id"].as_str().map(str::len), Some(30));
    sandbox.shutdown().await;
}
