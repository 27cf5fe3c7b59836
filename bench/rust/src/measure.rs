//! Timing helpers and the core benchmarks: request signing and notification parsing.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use papay::{ApiV3Key, MerchantPrivateKey, NotificationParser, PublicKey, StaticPublicKeys, SystemClock};

use crate::fixture::{self, Keys};

/// Time per call of `operation`: the median over batches of about 20 ms each, run for
/// `seconds` after a warm-up of a tenth of that. The median keeps a batch disturbed by another
/// process on the machine from moving the result.
pub fn time_per_call<F: FnMut()>(seconds: f64, mut operation: F) -> Duration {
    let warm_up = Instant::now();
    let mut calls_in_warm_up = 0u64;
    while warm_up.elapsed().as_secs_f64() < seconds / 10.0 || calls_in_warm_up == 0 {
        operation();
        calls_in_warm_up += 1;
    }
    let per_call = warm_up.elapsed().as_secs_f64() / calls_in_warm_up as f64;
    let batch = ((0.02 / per_call) as u64).max(1);

    let mut batch_means = Vec::new();
    let started = Instant::now();
    while started.elapsed().as_secs_f64() < seconds || batch_means.len() < 5 {
        let batch_started = Instant::now();
        for _ in 0..batch {
            operation();
        }
        batch_means.push(batch_started.elapsed().as_secs_f64() / batch as f64);
    }
    Duration::from_secs_f64(median(&mut batch_means))
}

pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Microseconds, rounded to 0.01.
pub fn micros(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e8).round() / 100.0
}

/// Times `MerchantPrivateKey::sign` on a deduction request message and
/// `NotificationParser::parse` on a TRANSACTION.SUCCESS notification.
pub fn core(keys_dir: &Path, seconds: f64) -> Result<(), String> {
    let keys = Keys::load(keys_dir)?;
    let now = fixture::unix_now();

    let key = MerchantPrivateKey::from_pem(&keys.merchant_pem).map_err(|e| format!("merchant key: {e}"))?;
    let message = fixture::request_message(now);
    key.sign(&message).map_err(|e| format!("signing failed: {e}"))?;
    let sign = time_per_call(seconds, || {
        std::hint::black_box(key.sign(std::hint::black_box(&message)).ok());
    });

    // The whole Authorization header through a client, as the Python and Node bindings build
    // it: the same message and signature plus the header text.
    let client = crate::client::papay_client(
        "http://127.0.0.1:9",
        "1900000001",
        &keys.merchant_serial,
        keys.merchant_pem.clone(),
        &keys.apiv3_key,
        "wx00000000000000a1",
        fixture::PUBLIC_KEY_ID,
        &keys.platform_public_pem,
    )?;
    let request = fixture::REQUEST;
    let sign_request =
        || client.sign_request(request.method, request.target, request.body.as_bytes(), Some(now), Some(request.nonce));
    sign_request().map_err(|e| format!("Client::sign_request failed: {e}"))?;
    let sign_header = time_per_call(seconds, || {
        std::hint::black_box(sign_request().ok());
    });

    let notification = fixture::notification(&keys, now)?;
    let mut public_keys = StaticPublicKeys::new();
    let public_key = PublicKey::from_pem(&keys.platform_public_pem).map_err(|e| format!("platform public key: {e}"))?;
    public_keys.insert(fixture::PUBLIC_KEY_ID, public_key);
    let apiv3_key = ApiV3Key::new(keys.apiv3_key.as_bytes()).map_err(|e| format!("APIv3 key: {e}"))?;
    let parser = NotificationParser::new(Arc::new(public_keys), apiv3_key, Arc::new(SystemClock), 300);
    let body = notification.body.as_bytes();
    parser.parse(&notification.headers, body).map_err(|e| format!("the benchmark notification does not parse: {e}"))?;
    let parse = time_per_call(seconds, || {
        std::hint::black_box(parser.parse(&notification.headers, std::hint::black_box(body)).ok());
    });

    let output = serde_json::json!({
        "sign_us": micros(sign),
        "sign_request_us": micros(sign_header),
        "message_len": message.len(),
        "parse_notification_us": micros(parse),
        "notification_body_len": body.len(),
        "plaintext_len": notification.plaintext_len,
    });
    println!("{output}");
    Ok(())
}
