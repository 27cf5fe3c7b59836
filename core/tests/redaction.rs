//! The most verbose logging of a whole flow never shows a key, a full signature or decrypted
//! personal data.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::Harness;

/// Collects everything the tracing subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn trace_logs_never_show_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = Harness::start().await;
    let contract_id = h.signed_contract("LOG0001").await;
    let (arrival, _) = h.notification(papay::notification::PAPAY_SIGN).await;
    h.client.deduct(&h.deduction(&contract_id, "LOG0001", 100)).await.unwrap();
    let _ = h.client.query_order_by_out_trade_no("NOSUCHORDER").await;
    let mut tampered = arrival.body.to_vec();
    tampered.push(b' ');
    let _ = h.client.parse_notification(&arrival.headers, &tampered).await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("WeChat Pay call"), "debug call lines are captured:\n{logs}");
    let credentials = h.sandbox.credentials();
    let key_line = credentials.merchant_private_key_pem.lines().nth(1).unwrap();
    let signature = arrival.headers.get("wechatpay-signature").unwrap().to_str().unwrap();
    assert!(!logs.contains(key_line), "private key in logs");
    assert!(!logs.contains(&credentials.apiv3_key), "APIv3 key in logs");
    assert!(!logs.contains(signature), "notification signature in logs");
    assert!(!logs.contains(&credentials.openid), "openid in logs");
    assert!(!logs.contains("WECHATPAY2-SHA256-RSA2048 mchid"), "Authorization header in logs");
}
