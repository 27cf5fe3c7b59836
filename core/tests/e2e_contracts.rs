//! Signing flows, contract queries, termination and the PAPAY.* notifications against the
//! sandbox.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Harness;
use papay::{ContractState, NotificationEvent, TerminationMode};
use papay_sandbox::SigningRef;

#[tokio::test]
async fn mini_program_pre_sign_returns_session_id() {
    let h = Harness::start().await;
    let request = papay::MiniProgramPreSignRequest {
        common: h.pre_sign_common("MP0001"),
        openid: h.openid.clone(),
        user_client_ip: Some("203.0.113.10".into()),
    };
    let response = h.client.mini_program_pre_sign(&request).await.unwrap();
    assert_eq!(response.session_id.len(), 18);
    assert!(response.session_id.bytes().all(|b| b.is_ascii_digit()));
}

#[tokio::test]
async fn h5_pre_sign_returns_sign_url() {
    let h = Harness::start().await;
    let request = papay::H5PreSignRequest {
        common: h.pre_sign_common("H50001"),
        return_appid: Some("wx00000000000000c3".into()),
        ..Default::default()
    };
    let response = h.client.h5_pre_sign(&request).await.unwrap();
    assert!(response.sign_url.contains("os_session_id="), "{}", response.sign_url);
}

#[tokio::test]
async fn jsapi_pre_sign_returns_sign_url() {
    let h = Harness::start().await;
    let request = papay::JsapiPreSignRequest {
        common: h.pre_sign_common("JS0001"),
        openid: h.openid.clone(),
        return_url: Some("https://merchant.example/done".into()),
    };
    let response = h.client.jsapi_pre_sign(&request).await.unwrap();
    assert!(response.sign_url.contains("/global/papay/contracts/login"), "{}", response.sign_url);
}

#[tokio::test]
async fn web_pre_sign_returns_show_code_url_and_qr_renders() {
    let h = Harness::start().await;
    let request = papay::WebPreSignRequest { common: h.pre_sign_common("PC0001"), return_url: None };
    let response = h.client.web_pre_sign(&request).await.unwrap();
    assert!(response.show_code_url.contains("show_code"), "{}", response.show_code_url);
    let svg = papay::app_signing::qr_code_svg(&response.show_code_url, 4).unwrap();
    assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
}

#[tokio::test]
async fn app_pre_sign_then_user_signs_and_notification_verifies() {
    let h = Harness::start().await;
    let request = papay::AppPreSignRequest {
        common: h.pre_sign_common("APP0001"),
        openid: None,
        user_client_ip: Some("203.0.113.10".into()),
    };
    let session = h.client.app_pre_sign(&request).await.unwrap();
    let contract = h.sandbox.confirm_signing(SigningRef::SessionId(session.session_id)).unwrap();

    let (arrival, notification) = h.notification(papay::notification::PAPAY_SIGN).await;
    assert_eq!(arrival.path, "/papay/sign-notify");
    let NotificationEvent::ContractSigned(signed) = notification.event else { panic!("not a ContractSigned event") };
    assert_eq!(signed.contract_id, contract.contract_id);
    assert_eq!(signed.out_contract_code, "APP0001");
    assert_eq!(signed.plan_id, h.plan_id);
    assert_eq!(signed.identity.appid.as_deref(), Some("wx00000000000000a1"));
}

#[tokio::test]
async fn app_pre_sign_requires_display_name() {
    let h = Harness::start().await;
    let mut common = h.pre_sign_common("APP0002");
    common.user_display_name = None;
    let error = h
        .client
        .app_pre_sign(&papay::AppPreSignRequest { common, openid: None, user_client_ip: None })
        .await
        .unwrap_err();
    assert_eq!(error.code(), "INVALID_ARGUMENT");
    assert!(error.to_string().contains("user_display_name"), "{error}");
    assert!(
        h.sandbox.requests().is_empty()
            || h.sandbox.requests().iter().all(|r| !r.target.contains("app-pre-entrust-sign"))
    );
}

#[tokio::test]
async fn pre_sign_rejects_emoji_display_name_before_sending() {
    let h = Harness::start().await;
    let mut common = h.pre_sign_common("APP0003");
    common.user_display_name = Some("Ann \u{1F600}".into());
    let error = h
        .client
        .app_pre_sign(&papay::AppPreSignRequest { common, openid: None, user_client_ip: None })
        .await
        .unwrap_err();
    assert_eq!(error.code(), "INVALID_ARGUMENT");
    assert!(error.to_string().contains("U+1F600"), "{error}");
}

#[tokio::test]
async fn pre_sign_rejects_http_notify_url() {
    let h = Harness::start().await;
    let mut common = h.pre_sign_common("PC0002");
    common.success_notify_url = "http://merchant.example/sign".into();
    let error = h.client.web_pre_sign(&papay::WebPreSignRequest { common, return_url: None }).await.unwrap_err();
    assert!(error.to_string().contains("success_notify_url must use https"), "{error}");
}

#[tokio::test]
async fn institutional_pre_sign_and_query_carry_sub_merchant() {
    let h = Harness::start().await;
    let client = h.institutional();
    let contract_id = h.signed_contract_with(&client, "INST0001").await;
    let contract = client.query_contract_by_id(&contract_id).await.unwrap();
    assert_eq!(contract.identity.sub_mchid.as_deref(), Some("1900000099"));
    assert_eq!(contract.identity.sp_mchid.as_deref(), Some("1900000001"));
    assert_eq!(contract.identity.mchid, None);
    let target = h.sandbox.requests().into_iter().rev().find(|r| r.target.contains(&contract_id)).unwrap().target;
    assert!(target.contains("sub_mchid=1900000099"), "{target}");
}

#[tokio::test]
async fn reused_out_contract_code_is_rejected() {
    let h = Harness::start().await;
    h.signed_contract("DUP0001").await;
    let request = papay::AppPreSignRequest { common: h.pre_sign_common("DUP0001"), openid: None, user_client_ip: None };
    let error = Harness::api_error(h.client.app_pre_sign(&request).await.unwrap_err());
    assert_eq!(error.status, 400);
    assert_eq!(error.code, "INVALID_REQUEST");
    assert!(error.signature_verified);
}

#[tokio::test]
async fn contract_queries_agree() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("Q0001").await;
    let by_id = h.client.query_contract_by_id(&contract_id).await.unwrap();
    let by_code = h.client.query_contract_by_out_contract_code(h.plan_id, "Q0001").await.unwrap();
    assert_eq!(by_id, by_code);
    assert_eq!(by_id.state, ContractState::Signed);
    assert_eq!(by_id.plan_id, h.plan_id);
    assert!(by_id.signed_time.is_some());
    let target =
        h.sandbox.requests().into_iter().rev().find(|r| r.target.contains("out-contract-code")).unwrap().target;
    assert_eq!(
        target,
        format!("/v3/global/papay/contracts/out-contract-code/Q0001?appid=wx00000000000000a1&plan_id={}", h.plan_id)
    );
}

#[tokio::test]
async fn query_of_unknown_contract_is_not_found() {
    let h = Harness::start().await;
    let error = Harness::api_error(h.client.query_contract_by_id("Wx0000NOSUCHCONTRACT").await.unwrap_err());
    assert_eq!(error.status, 404);
    assert_eq!(error.code, "NOT_FOUND");
    assert!(error.request_id.is_some());
}

#[tokio::test]
async fn cancelled_signing_creates_no_contract() {
    let h = Harness::start().await;
    let request =
        papay::AppPreSignRequest { common: h.pre_sign_common("CANCEL01"), openid: None, user_client_ip: None };
    let session = h.client.app_pre_sign(&request).await.unwrap();
    h.sandbox.cancel_signing(SigningRef::SessionId(session.session_id)).unwrap();
    let error =
        Harness::api_error(h.client.query_contract_by_out_contract_code(h.plan_id, "CANCEL01").await.unwrap_err());
    assert_eq!(error.code, "NOT_FOUND");
}

#[tokio::test]
async fn terminate_returns_unit_on_204_and_notifies() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("T0001").await;
    h.notification(papay::notification::PAPAY_SIGN).await;
    let note =
        papay::TerminateContractRequest { termination_note: "\u{7528}\u{6237}\u{89e3}\u{7ea6} user request".into() };
    h.client.terminate_contract(&contract_id, &note).await.unwrap();

    let record = h.sandbox.requests().into_iter().rev().find(|r| r.target.ends_with("/terminate")).unwrap();
    assert_eq!(record.status, 204);
    let contract = h.client.query_contract_by_id(&contract_id).await.unwrap();
    assert_eq!(contract.state, ContractState::Terminated);
    assert_eq!(contract.termination_mode, Some(TerminationMode::Merchant));

    let (arrival, notification) = h.notification(papay::notification::PAPAY_TERMINATE).await;
    assert_eq!(arrival.path, "/papay/terminate-notify");
    let NotificationEvent::ContractTerminated(ended) = notification.event else {
        panic!("not a ContractTerminated event")
    };
    assert_eq!(ended.contract_id, contract_id);
    assert_eq!(ended.contract_termination_mode, Some(TerminationMode::Merchant));
}

#[tokio::test]
async fn terminate_twice_is_rejected() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("T0002").await;
    let note = papay::TerminateContractRequest { termination_note: "first".into() };
    h.client.terminate_contract(&contract_id, &note).await.unwrap();
    let error = Harness::api_error(h.client.terminate_contract(&contract_id, &note).await.unwrap_err());
    assert_eq!(error.status, 400);
    assert_eq!(error.code, "INVALID_REQUEST");
}

#[tokio::test]
async fn terminate_unknown_contract_is_contract_not_exist() {
    let h = Harness::start().await;
    let note = papay::TerminateContractRequest { termination_note: "x".into() };
    let error = Harness::api_error(h.client.terminate_contract("Wx0000NOSUCH", &note).await.unwrap_err());
    assert_eq!(error.status, 403);
    assert_eq!(error.code, "CONTRACT_NOT_EXIST");
}

#[tokio::test]
async fn user_termination_notifies_with_user_mode() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("T0003").await;
    h.sandbox.terminate_by_user(&contract_id).unwrap();
    let (_, notification) = h.notification(papay::notification::PAPAY_TERMINATE).await;
    let NotificationEvent::ContractTerminated(ended) = notification.event else {
        panic!("not a ContractTerminated event")
    };
    assert_eq!(ended.contract_termination_mode, Some(TerminationMode::User));
}
