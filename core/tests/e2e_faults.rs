//! Each fault the sandbox can inject, and the documented behaviour: retry, reconcile, or a
//! precise error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{fast_options, Harness};
use papay::TradeState;
use papay_sandbox::{Fault, FaultRule};

fn rule(path: &str, times: u32, fault: Fault) -> FaultRule {
    FaultRule { method: None, path_contains: Some(path.into()), times, fault }
}

fn server_error(status: u16, code: &str) -> Fault {
    Fault::Error { status, code: code.into(), message: format!("injected {code}") }
}

async fn short_timeout() -> Harness {
    Harness::start_with(fast_options(), |b| b.timeout(Duration::from_millis(600))).await
}

#[tokio::test]
async fn query_retries_after_429() {
    let h = Harness::start().await;
    h.sandbox.inject(rule("/out-trade-no/", 1, server_error(429, "FREQUENCY_LIMITED")));
    let error = Harness::api_error(h.client.query_order_by_out_trade_no("NOSUCHORDER").await.unwrap_err());
    assert_eq!(error.code, "NOT_FOUND", "the retry reached the real handler");
    let attempts = h.sandbox.requests().iter().filter(|r| r.target.contains("NOSUCHORDER")).count();
    assert_eq!(attempts, 2);
}

#[tokio::test]
async fn query_retries_after_500_502_503() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("F500").await;
    for status in [500, 502, 503] {
        h.sandbox.inject(rule("/contracts/Wx", 1, server_error(status, "SYSTEM_ERROR")));
        let contract = h.client.query_contract_by_id(&contract_id).await.unwrap();
        assert_eq!(contract.contract_id, contract_id, "after a {status}");
    }
}

#[tokio::test]
async fn query_gives_up_after_max_attempts() {
    let h = Harness::start().await;
    h.sandbox.inject(rule("/out-trade-no/", 0, server_error(503, "SYSTEM_ERROR")));
    let error = Harness::api_error(h.client.query_order_by_out_trade_no("ANY").await.unwrap_err());
    assert_eq!(error.status, 503);
    assert_eq!(error.code, "SYSTEM_ERROR");
    assert!(h.sandbox.requests().iter().filter(|r| r.target.contains("/out-trade-no/ANY")).count() == 3);
}

#[tokio::test]
async fn slow_headers_time_out_then_retry() {
    let h = short_timeout().await;
    h.sandbox.inject(rule("/out-trade-no/", 1, Fault::Delay(Duration::from_secs(2))));
    let error = Harness::api_error(h.client.query_order_by_out_trade_no("SLOW").await.unwrap_err());
    assert_eq!(error.code, "NOT_FOUND", "the second attempt was answered");
}

#[tokio::test]
async fn slow_headers_on_every_attempt_is_timeout() {
    let h = Harness::start_with(fast_options(), |b| {
        b.timeout(Duration::from_millis(300)).retry(papay::RetryPolicy { max_attempts: 1, ..Default::default() })
    })
    .await;
    h.sandbox.inject(rule("/out-trade-no/", 0, Fault::Delay(Duration::from_secs(2))));
    let error = h.client.query_order_by_out_trade_no("SLOW").await.unwrap_err();
    assert_eq!(error.code(), "TIMEOUT");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn html_error_page_is_api_error_without_signature() {
    let h = Harness::start().await;
    h.sandbox.inject(rule("/out-trade-no/", 0, Fault::HtmlPage(502)));
    let error = Harness::api_error(h.client.query_order_by_out_trade_no("ANY").await.unwrap_err());
    assert_eq!(error.status, 502);
    assert_eq!(error.code, "");
    assert!(!error.signature_verified);
    assert!(error.message.contains("text/html"), "{}", error.message);
}

#[tokio::test]
async fn invalid_json_is_malformed_message() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("FJSON").await;
    h.sandbox.inject(rule("/contracts/Wx", 1, Fault::InvalidJson));
    let error = h.client.query_contract_by_id(&contract_id).await.unwrap_err();
    assert_eq!(error.code(), "MALFORMED_MESSAGE");
    assert!(error.to_string().contains("query_contract_by_id response"), "{error}");
}

#[tokio::test]
async fn bad_signature_is_rejected_not_parsed() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("FSIG").await;
    h.sandbox.inject(rule("/contracts/Wx", 1, Fault::BadSignature));
    let error = h.client.query_contract_by_id(&contract_id).await.unwrap_err();
    assert_eq!(error.code(), "SIGNATURE_INVALID");
}

#[tokio::test]
async fn missing_signature_headers_on_200_is_rejected() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("FHDR").await;
    h.sandbox.inject(rule("/contracts/Wx", 1, Fault::MissingSignatureHeaders));
    let error = h.client.query_contract_by_id(&contract_id).await.unwrap_err();
    assert_eq!(error.code(), "SIGNATURE_HEADERS_MISSING");
    assert!(error.to_string().contains("Wechatpay-Timestamp"), "{error}");
}

#[tokio::test]
async fn unknown_serial_after_refresh_is_rejected() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("FSER").await;
    let downloads_before = h.sandbox.requests().iter().filter(|r| r.target == "/v3/global/certificates").count();
    h.sandbox.inject(rule("/contracts/Wx", 1, Fault::UnknownSerial));
    let error = h.client.query_contract_by_id(&contract_id).await.unwrap_err();
    assert!(matches!(error, papay::Error::UnknownSerial { refreshed: true, .. }), "{error}");
    let downloads_after = h.sandbox.requests().iter().filter(|r| r.target == "/v3/global/certificates").count();
    assert_eq!(downloads_after, downloads_before + 1, "exactly one forced refresh");

    // Unknown serials in quick succession force at most three downloads per 30 s.
    for _ in 0..3 {
        h.sandbox.inject(rule("/contracts/Wx", 1, Fault::UnknownSerial));
        let error = h.client.query_contract_by_id(&contract_id).await.unwrap_err();
        assert_eq!(error.code(), "UNKNOWN_SERIAL");
    }
    let downloads_last = h.sandbox.requests().iter().filter(|r| r.target == "/v3/global/certificates").count();
    assert_eq!(
        downloads_last,
        downloads_before + papay::client::MAX_FORCED_REFRESHES_PER_WINDOW,
        "forced refreshes are capped"
    );
}

#[tokio::test]
async fn deduction_with_unverifiable_answer_is_reconciled() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("RECON6").await;
    h.sandbox.inject(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("/v3/global/papay/transactions".into()),
        times: 1,
        fault: Fault::BadSignature,
    });
    let order = h.client.deduct(&h.deduction(&contract_id, "RECON0006", 1000)).await.unwrap();
    assert_eq!(order.trade_state, TradeState::Success);
    assert_eq!(h.sandbox.charge_count("RECON0006"), 1);
}

#[tokio::test]
async fn reset_mid_body_is_retried_for_queries() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("FRST").await;
    h.sandbox.inject(rule("/contracts/Wx", 1, Fault::ResetMidBody));
    let contract = h.client.query_contract_by_id(&contract_id).await.unwrap();
    assert_eq!(contract.contract_id, contract_id);
}

#[tokio::test]
async fn closed_connection_every_time_is_transport_error() {
    let h = Harness::start().await;
    h.sandbox.inject(rule("/out-trade-no/", 0, Fault::CloseConnection));
    let error = h.client.query_order_by_out_trade_no("ANY").await.unwrap_err();
    assert_eq!(error.code(), "TRANSPORT");
}

#[tokio::test]
async fn connection_refused_is_transport_error() {
    let sandbox = papay_sandbox::Sandbox::start(fast_options()).await.unwrap();
    let credentials = sandbox.credentials();
    let base = sandbox.base_url();
    sandbox.shutdown().await;
    let config = papay::Config::builder()
        .mchid(&credentials.mchid)
        .serial_no(&credentials.merchant_serial_no)
        .private_key_pem(credentials.merchant_private_key_pem.as_bytes().to_vec())
        .apiv3_key(credentials.apiv3_key.as_bytes().to_vec())
        .platform_certificate(credentials.platform_certificate_pem.as_bytes().to_vec())
        .download_certificates(false)
        .base_url(base)
        .mode(papay::Mode::Common { appid: credentials.appid })
        .retry(papay::RetryPolicy {
            max_attempts: 2,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(5),
        })
        .build()
        .unwrap();
    let client = papay::Client::new(config).unwrap();
    let error = client.query_order_by_out_trade_no("ANY").await.unwrap_err();
    assert!(matches!(error, papay::Error::Transport { kind: papay::TransportKind::Connect, .. }), "{error}");
}

#[tokio::test]
async fn timed_out_deduction_is_reconciled_and_charged_once() {
    let h = short_timeout().await;
    let contract_id = h.signed_contract("RECON1").await;
    h.sandbox.inject(rule("/v3/global/papay/transactions", 1, Fault::ProcessThenDelay(Duration::from_secs(2))));
    let order = h.client.deduct(&h.deduction(&contract_id, "RECON0001", 1000)).await.unwrap();
    assert_eq!(order.trade_state, TradeState::Success);
    assert_eq!(order.out_trade_no, "RECON0001");
    assert_eq!(h.sandbox.charge_count("RECON0001"), 1);
    let queries = h
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.target == "/v3/global/papay/transactions/out-trade-no/RECON0001")
        .count();
    assert_eq!(queries, 1, "reconciled by one order query");
}

#[tokio::test]
async fn deduction_answered_500_after_charging_is_reconciled() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("RECON2").await;
    h.sandbox.inject(rule("/v3/global/papay/transactions", 1, Fault::ProcessThenStatus(500)));
    let order = h.client.deduct(&h.deduction(&contract_id, "RECON0002", 1000)).await.unwrap();
    assert_eq!(order.trade_state, TradeState::Success);
    assert_eq!(h.sandbox.charge_count("RECON0002"), 1);
}

#[tokio::test]
async fn deduction_rejected_before_charging_is_sent_once_more() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("RECON3").await;
    h.sandbox.inject(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("/v3/global/papay/transactions".into()),
        times: 1,
        fault: server_error(500, "SYSTEM_ERROR"),
    });
    let order = h.client.deduct(&h.deduction(&contract_id, "RECON0003", 1000)).await.unwrap();
    assert_eq!(order.trade_state, TradeState::Success);
    assert_eq!(h.sandbox.charge_count("RECON0003"), 1);
    let posts = h
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.target == "/v3/global/papay/transactions")
        .count();
    assert_eq!(posts, 2, "sent again only after the query proved it absent");
}

#[tokio::test]
async fn deduction_with_unreachable_query_is_outcome_unknown() {
    let h = short_timeout().await;
    let contract_id = h.signed_contract("RECON4").await;
    h.sandbox.inject(rule("/v3/global/papay/transactions", 0, Fault::ProcessThenDelay(Duration::from_secs(2))));
    let error = h.client.deduct(&h.deduction(&contract_id, "RECON0004", 1000)).await.unwrap_err();
    assert_eq!(error.code(), "OUTCOME_UNKNOWN");
    assert!(error.to_string().contains("RECON0004"), "{error}");
    assert_eq!(h.sandbox.charge_count("RECON0004"), 1);
}

#[tokio::test]
async fn timed_out_refund_is_reconciled() {
    let h = short_timeout().await;
    let contract_id = h.signed_contract("RECON5").await;
    h.client.deduct(&h.deduction(&contract_id, "RECON0005", 1000)).await.unwrap();
    h.sandbox.inject(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("/v3/global/refunds".into()),
        times: 1,
        fault: Fault::ProcessThenDelay(Duration::from_secs(2)),
    });
    let request = papay::RefundRequest {
        order: papay::OrderRef::OutTradeNo("RECON0005".into()),
        out_refund_no: "RECONREFUND5".into(),
        amount: papay::RefundRequestAmount { refund: 100, total: 1000, currency: "HKD".into() },
        ..Default::default()
    };
    let refund = h.client.refund(&request).await.unwrap();
    assert_eq!(refund.out_refund_no, "RECONREFUND5");
    let list = h
        .client
        .list_refunds(&papay::RefundListRequest {
            order: papay::OrderRef::OutTradeNo("RECON0005".into()),
            offset: 0,
            count: 10,
        })
        .await
        .unwrap();
    assert_eq!(list.total_num, 1, "refunded once");
}

#[tokio::test]
async fn money_moving_calls_are_not_retried_on_429() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("F429").await;
    h.sandbox.inject(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("/transactions".into()),
        times: 1,
        fault: server_error(429, "FREQUENCY_LIMITED"),
    });
    let error = Harness::api_error(h.client.deduct(&h.deduction(&contract_id, "F4290001", 100)).await.unwrap_err());
    assert_eq!(error.status, 429);
    assert_eq!(h.sandbox.charge_count("F4290001"), 0);
}

#[tokio::test]
async fn rotated_certificate_is_fetched_once() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("ROT1").await;
    let old_serial = h.client.platform_certificates()[0].serial_no().to_owned();
    let new_serial = h.sandbox.rotate_platform_certificate();
    assert_ne!(old_serial, new_serial);
    let contract = h.client.query_contract_by_id(&contract_id).await.unwrap();
    assert_eq!(contract.contract_id, contract_id);
    let serials: Vec<String> = h.client.platform_certificates().iter().map(|c| c.serial_no().to_owned()).collect();
    assert!(serials.contains(&new_serial), "{serials:?}");
    assert!(serials.contains(&old_serial), "{serials:?}");
}

#[tokio::test]
async fn notification_from_rotated_certificate_verifies_after_refresh() {
    let h = Harness::start().await;
    h.client.download_certificates().await.unwrap();
    h.sandbox.rotate_platform_certificate();
    let contract_id = h.signed_contract("ROT2").await;
    let (_, notification) = h.notification(papay::notification::PAPAY_SIGN).await;
    assert!(
        matches!(notification.event, papay::NotificationEvent::ContractSigned(ref c) if c.contract_id == contract_id)
    );
}

#[tokio::test]
async fn expired_platform_certificate_is_rejected() {
    let h = Harness::start().await;
    let contract_id = h.signed_contract("EXP1").await;
    h.sandbox.expire_platform_certificates();
    // The cached copy is still valid; a fresh download brings the expired one, and the listing
    // signed with it is rejected.
    let error = h.client.download_certificates().await.unwrap_err();
    assert_eq!(error.code(), "CERTIFICATE_EXPIRED", "{error}");
    assert!(h.client.query_contract_by_id(&contract_id).await.is_ok(), "the cached certificate keeps working");
}

/// Builds a client that verifies with the sandbox's public key only and never downloads certificates.
fn public_key_client(sandbox: &papay_sandbox::Sandbox) -> papay::Client {
    let credentials = sandbox.credentials();
    let config = papay::Config::builder()
        .mchid(&credentials.mchid)
        .serial_no(&credentials.merchant_serial_no)
        .private_key_pem(credentials.merchant_private_key_pem.as_bytes().to_vec())
        .apiv3_key(credentials.apiv3_key.as_bytes().to_vec())
        .platform_public_key(&credentials.public_key_id, credentials.public_key_pem.as_bytes().to_vec())
        .download_certificates(false)
        .base_url(sandbox.base_url())
        .mode(papay::Mode::Common { appid: credentials.appid })
        .build()
        .unwrap();
    papay::Client::new(config).unwrap()
}

#[tokio::test]
async fn public_key_mode_verifies_without_certificates() {
    let sandbox = papay_sandbox::Sandbox::start(fast_options()).await.unwrap();
    sandbox.use_public_key_id(true);
    let client = public_key_client(&sandbox);
    let error = Harness::api_error(client.query_order_by_out_trade_no("NONE").await.unwrap_err());
    assert_eq!(error.code, "NOT_FOUND");
    assert!(error.signature_verified);
    assert!(sandbox.requests().iter().all(|r| r.target != "/v3/global/certificates"));
}

/// Waits for the next notification to arrive at the merchant's endpoint, without parsing it.
async fn next_arrival(h: &Harness) -> common::Arrived {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let signal = h.arrived_signal.notified();
        if let Some(arrival) = h.arrived.lock().unwrap().pop() {
            return arrival;
        }
        if tokio::time::timeout_at(deadline, signal).await.is_err() {
            panic!("no notification arrived within 10 s");
        }
    }
}

#[tokio::test]
async fn offline_parse_defers_to_download() {
    let h = Harness::start().await;
    h.client.download_certificates().await.unwrap();
    h.arrived.lock().unwrap().clear();
    h.signed_contract("OFF1").await;
    let arrival = next_arrival(&h).await;
    let offline = h.client.parse_notification_offline(&arrival.headers, &arrival.body).expect("known serial");
    let online = h.client.parse_notification(&arrival.headers, &arrival.body).await.unwrap();
    assert_eq!(offline.unwrap(), online);

    let mut tampered = arrival.body.to_vec();
    tampered[10] ^= 1;
    let error = h.client.parse_notification_offline(&arrival.headers, &tampered).expect("known serial").unwrap_err();
    assert_eq!(error.code(), "SIGNATURE_INVALID");

    // A receiving service with its own client has not seen the rotated certificate, because
    // only h.client made calls after the rotation. Only its async call, which downloads, can parse.
    let receiver = separate_client(&h);
    receiver.download_certificates().await.unwrap();
    h.sandbox.rotate_platform_certificate();
    h.arrived.lock().unwrap().clear();
    let contract_id = h.signed_contract("OFF2").await;
    let arrival = next_arrival(&h).await;
    assert!(receiver.parse_notification_offline(&arrival.headers, &arrival.body).is_none());
    let online = receiver.parse_notification(&arrival.headers, &arrival.body).await.unwrap();
    assert!(matches!(online.event, papay::NotificationEvent::ContractSigned(ref c) if c.contract_id == contract_id));
    let offline = receiver.parse_notification_offline(&arrival.headers, &arrival.body).expect("downloaded serial");
    assert_eq!(offline.unwrap(), online);
}

/// Builds a second client for the harness's sandbox that shares no certificate cache with `h.client`.
fn separate_client(h: &Harness) -> papay::Client {
    let credentials = h.sandbox.credentials();
    let config = papay::Config::builder()
        .mchid(&credentials.mchid)
        .serial_no(&credentials.merchant_serial_no)
        .private_key_pem(credentials.merchant_private_key_pem.as_bytes().to_vec())
        .apiv3_key(credentials.apiv3_key.as_bytes().to_vec())
        .base_url(h.sandbox.base_url())
        .mode(papay::Mode::Common { appid: credentials.appid })
        .build()
        .unwrap();
    papay::Client::new(config).unwrap()
}

#[tokio::test]
async fn offline_parse_rejects_unknown_key_id() {
    let sandbox = papay_sandbox::Sandbox::start(fast_options()).await.unwrap();
    let client = public_key_client(&sandbox);
    let headers = vec![
        ("Wechatpay-Serial".to_owned(), "PUB_KEY_ID_0000000000000000000000000000".to_owned()),
        ("Wechatpay-Timestamp".to_owned(), chrono::Utc::now().timestamp().to_string()),
        ("Wechatpay-Nonce".to_owned(), "N1".to_owned()),
        ("Wechatpay-Signature".to_owned(), "c2lnbmF0dXJl".to_owned()),
    ];
    let error = client.parse_notification_offline(&headers, b"{}").expect("no download possible").unwrap_err();
    assert_eq!(error.code(), "UNKNOWN_SERIAL");
}
