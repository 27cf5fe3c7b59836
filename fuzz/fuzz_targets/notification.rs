//! `NotificationParser::parse` on arbitrary headers and bodies.
//!
//! Input: one mode byte, then a header block and a body (see `papay_fuzz::split_headers`).
//! The mode decides how much of the input the harness repairs, so that mutations reach each
//! stage of the check order:
//!
//! - 0: headers and body as given (missing headers, unknown serials, bad signatures);
//! - 1: the body is re-signed with the given timestamp, nonce and serial (certificate validity,
//!   timestamp window, and everything after the signature when the serial is the signing one);
//! - 2: signed with the signing serial at `now`, so the body always passes the signature and
//!   reaches envelope parsing, the algorithm check and decryption;
//! - 3: the body is a resource plaintext. The harness encrypts it under the APIv3 key, wraps it
//!   in an envelope whose event type is the `X-Event-Type` header and signs it, so the parser
//!   must get as far as the resource JSON.
//!
//! Every mode must end in `Ok` or an `Err`, never a panic. Modes 2 and 3 also check that the
//! error comes from a stage after the signature.

#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use papay::clock::FixedClock;
use papay::notification::NotificationParser;
use papay_fuzz::{header, keys, set_header, split_headers};

const TIMESTAMP: &str = "Wechatpay-Timestamp";
const NONCE: &str = "Wechatpay-Nonce";
const SERIAL: &str = "Wechatpay-Serial";
const SIGNATURE: &str = "Wechatpay-Signature";
const SIGNATURE_TYPE: &str = "Wechatpay-Signature-Type";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let keys = keys();
    let parser =
        NotificationParser::new(keys.key_set.clone(), keys.apiv3_key.clone(), Arc::new(FixedClock::new(keys.now)), 300);
    let (mut headers, body) = split_headers(rest);

    match mode % 4 {
        0 => {
            let _ = parser.parse(&headers, body);
        }
        1 => {
            resign(&mut headers, body);
            let _ = parser.parse(&headers, body);
        }
        2 => {
            sign_now(&mut headers, body);
            check_passed_signature(
                parser.parse(&headers, body),
                &["MALFORMED_MESSAGE", "UNSUPPORTED_ALGORITHM", "DECRYPTION_FAILED"],
            );
        }
        _ => {
            let event_type = header(&headers, "X-Event-Type").unwrap_or("TRANSACTION.SUCCESS").to_owned();
            let envelope = encrypted_envelope(&event_type, body);
            let mut headers = Vec::new();
            sign_now(&mut headers, &envelope);
            check_passed_signature(parser.parse(&headers, &envelope), &["MALFORMED_MESSAGE"]);
        }
    }
});

/// Replaces the signature with a valid one over the input's own timestamp, nonce and body, as
/// the parser will read them (trimmed).
fn resign(headers: &mut Vec<(String, String)>, body: &[u8]) {
    let timestamp = header(headers, TIMESTAMP).unwrap_or_default().trim().to_owned();
    let nonce = header(headers, NONCE).unwrap_or_default().trim().to_owned();
    let signature = keys().sign(&timestamp, &nonce, body);
    set_header(headers, SIGNATURE, &signature);
}

/// Sets every signature header for a message signed now by the signing certificate.
fn sign_now(headers: &mut Vec<(String, String)>, body: &[u8]) {
    let keys = keys();
    let timestamp = keys.now.to_string();
    let nonce = "FUZZNONCE0123456789ABCDEFGHIJKLM";
    set_header(headers, TIMESTAMP, &timestamp);
    set_header(headers, NONCE, nonce);
    set_header(headers, SERIAL, &keys.platform_serial);
    set_header(headers, SIGNATURE_TYPE, "WECHATPAY2-SHA256-RSA2048");
    set_header(headers, SIGNATURE, &keys.sign(&timestamp, nonce, body));
}

/// Builds a notification envelope whose resource is `plaintext` encrypted under the APIv3 key.
fn encrypted_envelope(event_type: &str, plaintext: &[u8]) -> Vec<u8> {
    let nonce = "FUZZNONCE012";
    let associated_data = "transaction";
    let ciphertext =
        keys().apiv3_key.encrypt(nonce, associated_data, plaintext).expect("a 12-byte nonce always encrypts");
    let envelope = serde_json::json!({
        "id": "EV-FUZZ",
        "create_time": "2030-03-01T09:00:01+08:00",
        "event_type": event_type,
        "resource_type": "encrypt-resource",
        "summary": "fuzz",
        "resource": {
            "original_type": associated_data,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": ciphertext,
            "associated_data": associated_data,
            "nonce": nonce,
        },
    });
    serde_json::to_vec(&envelope).expect("a JSON value serializes")
}

/// Panics when a correctly signed message failed with a code outside `allowed`: that would be a
/// signature or window check rejecting a message it must accept.
fn check_passed_signature(result: papay::Result<papay::Notification>, allowed: &[&str]) {
    if let Err(error) = result {
        assert!(
            allowed.contains(&error.code()),
            "a correctly signed notification failed with {}: {error}",
            error.code()
        );
    }
}
