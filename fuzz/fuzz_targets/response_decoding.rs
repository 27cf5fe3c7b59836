//! Response bodies and signature headers from a hostile or broken server.
//!
//! Input: one mode byte, then a header block and a body (see `papay_fuzz::split_headers`).
//!
//! The body is decoded with `serde_json::from_slice` into every public response model. A model
//! that decodes must serialize and decode again to an equal value, so no field is silently lost
//! or changed between the two forms.
//!
//! The headers go through `SignatureHeaders::from_headers` and `verify_signature` with the
//! vector certificates and one configured public key. With an odd mode byte the harness first
//! replaces `Wechatpay-Signature` by a valid signature over the input's timestamp, nonce and
//! body. When the serial then names the signing key, the check must get past the signature, so
//! `SIGNATURE_INVALID` is a failure and arbitrary timestamp texts reach the window check.

#![no_main]

use libfuzzer_sys::fuzz_target;
use papay::certificate::same_serial;
use papay::clock::{Clock as _, FixedClock};
use papay::verifier::{verify_signature, SignatureHeaders, VerifyOptions};
use papay::{
    Contract, ContractNotification, Order, Refund, RefundList, RefundNotification, SessionIdResponse,
    ShowCodeUrlResponse, SignUrlResponse,
};
use papay_fuzz::{keys, set_header, split_headers, PUBLIC_KEY_ID};
use serde::de::DeserializeOwned;
use serde::Serialize;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let (mut headers, body) = split_headers(rest);

    round_trip::<Contract>(body);
    round_trip::<Order>(body);
    round_trip::<Refund>(body);
    round_trip::<RefundList>(body);
    round_trip::<SessionIdResponse>(body);
    round_trip::<SignUrlResponse>(body);
    round_trip::<ShowCodeUrlResponse>(body);
    round_trip::<ContractNotification>(body);
    round_trip::<RefundNotification>(body);

    let resign = mode % 2 == 1;
    if resign {
        if let Ok(parsed) = SignatureHeaders::from_headers(&headers, "response") {
            let signature = keys().sign(parsed.timestamp, parsed.nonce, body);
            set_header(&mut headers, "Wechatpay-Signature", &signature);
        }
    }
    check_signature(&headers, body, resign);
});

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(body: &[u8]) {
    let Ok(first) = serde_json::from_slice::<T>(body) else { return };
    let encoded = serde_json::to_vec(&first).expect("a decoded model serializes");
    let second: T = serde_json::from_slice(&encoded).unwrap_or_else(|e| {
        panic!("{} does not decode its own JSON {}: {e}", std::any::type_name::<T>(), String::from_utf8_lossy(&encoded))
    });
    assert_eq!(first, second, "{} changed in a JSON round trip", std::any::type_name::<T>());
}

fn check_signature(headers: &[(String, String)], body: &[u8], resigned: bool) {
    let Ok(parsed) = SignatureHeaders::from_headers(headers, "response") else { return };
    let keys = keys();
    let options = VerifyOptions {
        context: "response",
        now: FixedClock::new(keys.now).now(),
        timestamp_window_seconds: Some(300),
        refreshed: false,
    };
    let result = verify_signature(keys.key_set.as_ref(), &parsed, body, options);

    let signed_by_signing_key =
        same_serial(parsed.serial, &keys.platform_serial) || same_serial(parsed.serial, PUBLIC_KEY_ID);
    if resigned && signed_by_signing_key {
        if let Err(error) = result {
            assert_ne!(error.code(), "SIGNATURE_INVALID", "a correctly signed response failed verification: {error}");
        }
    }
}
