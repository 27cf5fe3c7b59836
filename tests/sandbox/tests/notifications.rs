//! Notification delivery to a local listener, retries, and the loopback-only safety rule.
#![allow(clippy::panic)]

mod common;

use std::time::Duration;

use common::{decrypt, platform_keys, signature_verifies, start_fast, NotificationListener};
use papay_sandbox::{SandboxOptions, SigningRef};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn notification_retried_after_500() {
    let listener = NotificationListener::start(vec![500]).await;
    let options = SandboxOptions { notify_redirect: Some(listener.base_url.clone()), ..SandboxOptions::default() };
    let sandbox = start_fast(options).await;
    let credentials = sandbox.credentials();

    let contract_id = common::signed_contract(&sandbox, "FAKECONTRACT0100").await;
    let delivery = sandbox.wait_for_delivery("PAPAY.SIGN", WAIT).await;

    let delivery = delivery.unwrap_or_else(|e| panic!("no delivery: {e}"));
    let received = listener.received();
    assert_eq!(delivery.attempts, 2);
    assert!(delivery.acknowledged);
    assert_eq!(delivery.last_status, Some(204));
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].path, "/papay/sign-notify");
    assert_eq!(received[0].body, received[1].body);
    assert_eq!(received[1].body, delivery.body.as_bytes());

    let keys = platform_keys(&sandbox).await;
    let headers = &received[1].headers;
    let header = |name: &str| headers.get(name).map(String::as_str).unwrap_or("");
    let spki = keys.get(header("wechatpay-serial"));
    let verified = spki.is_some_and(|spki| {
        signature_verifies(
            spki,
            header("wechatpay-timestamp"),
            header("wechatpay-nonce"),
            &received[1].body,
            header("wechatpay-signature"),
        )
    });
    assert!(verified);

    let envelope: serde_json::Value = serde_json::from_slice(&received[1].body).unwrap_or_default();
    let resource = &envelope["resource"];
    let plaintext = decrypt(
        &credentials.apiv3_key,
        resource["nonce"].as_str().unwrap_or(""),
        resource["associated_data"].as_str().unwrap_or(""),
        resource["ciphertext"].as_str().unwrap_or(""),
    );
    let plaintext: serde_json::Value = plaintext.and_then(|p| serde_json::from_slice(&p).ok()).unwrap_or_default();
    assert_eq!(envelope["event_type"], "PAPAY.SIGN");
    assert_eq!(plaintext["contract_id"], contract_id.as_str());
    assert_eq!(plaintext["mchid"], credentials.mchid.as_str());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn non_loopback_url_is_never_contacted() {
    let sandbox = start_fast(SandboxOptions::default()).await;

    common::signed_contract(&sandbox, "FAKECONTRACT0101").await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let records = sandbox.notifications();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].url, "https://merchant.example/papay/sign-notify");
    assert_eq!(records[0].attempts, 0);
    assert!(!records[0].acknowledged);
    let reason = records[0].last_error.clone().unwrap_or_default();
    assert!(reason.contains("loopback"), "reason: {reason}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn delivery_gives_up_after_schedule() {
    let listener = NotificationListener::start(vec![500; 10]).await;
    let options = SandboxOptions { notify_redirect: Some(listener.base_url.clone()), ..SandboxOptions::default() };
    let sandbox = start_fast(options).await;

    common::signed_contract(&sandbox, "FAKECONTRACT0102").await;
    tokio::time::sleep(Duration::from_millis(600)).await;

    let records = sandbox.notifications();
    // start_fast sets three retries, so four attempts in all.
    assert_eq!(records[0].attempts, 4);
    assert!(!records[0].acknowledged);
    assert_eq!(records[0].last_status, Some(500));
    assert_eq!(listener.received().len(), 4);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn user_termination_notifies_template_url() {
    let listener = NotificationListener::start(Vec::new()).await;
    let options = SandboxOptions {
        termination_notify_url: Some(format!("{}/papay/terminate-notify", listener.base_url)),
        ..SandboxOptions::default()
    };
    let sandbox = start_fast(options).await;

    let contract_id = common::signed_contract(&sandbox, "FAKECONTRACT0103").await;
    let view = sandbox.terminate_by_user(&contract_id);
    let delivery = sandbox.wait_for_delivery("PAPAY.TERMINATE", WAIT).await;

    assert_eq!(view.map(|v| v.state).ok().as_deref(), Some("TERMINATED"));
    let delivery = delivery.unwrap_or_else(|e| panic!("no delivery: {e}"));
    let resource: serde_json::Value = serde_json::from_str(&delivery.resource_plaintext).unwrap_or_default();
    assert_eq!(resource["contract_termination_mode"], "USER");
    assert_eq!(listener.received()[0].path, "/papay/terminate-notify");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn cancelled_signing_sends_nothing() {
    let sandbox = start_fast(SandboxOptions::default()).await;
    let credentials = sandbox.credentials();
    let body = serde_json::json!({
        "appid": credentials.appid,
        "plan_id": credentials.plan_id,
        "out_contract_code": "FAKECONTRACT0104",
        "success_notify_url": "https://merchant.example/papay/sign-notify",
    })
    .to_string();
    let answer = common::call(&sandbox, "POST", "/v3/global/papay/contracts/web-pre-entrust-sign", &body).await;
    let reference =
        SigningRef::OutContractCode { plan_id: credentials.plan_id, out_contract_code: "FAKECONTRACT0104".into() };

    let cancelled = sandbox.cancel_signing(reference.clone());
    let confirmed = sandbox.confirm_signing(reference);

    assert!(answer.json()["show_code_url"].as_str().unwrap_or("").contains("os_session_id="));
    assert!(cancelled.is_ok());
    assert!(confirmed.is_err());
    assert!(sandbox.notifications().is_empty());
    sandbox.shutdown().await;
}
