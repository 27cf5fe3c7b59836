//! `ApiV3Key::decrypt` on arbitrary nonces, associated data and ciphertexts.
//!
//! Input: `NONCE \0 ASSOCIATED_DATA \0 CIPHERTEXT_BASE64 \0 PLAINTEXT`, each part read as UTF-8
//! with invalid bytes replaced; missing parts are empty. Checks:
//!
//! - decryption with the test APIv3 key returns `Ok` or an error and never panics. When it
//!   returns `Ok`, encrypting the plaintext again gives the same bytes, because GCM is
//!   deterministic for a given key and nonce;
//! - with a 12-byte nonce, `PLAINTEXT` encrypts and decrypts back to itself, and changing any
//!   one byte of the ciphertext or tag makes decryption fail with `DECRYPTION_FAILED`;
//! - `ApiV3Key::new` accepts exactly the 32-byte keys.

#![no_main]

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use papay::crypto::{ApiV3Key, APIV3_KEY_LEN, GCM_NONCE_LEN};
use papay_fuzz::keys;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |&byte| byte == 0);
    let mut next = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let (nonce, associated_data, ciphertext, plaintext) = (next(), next(), next(), next());
    let key = &keys().apiv3_key;

    if let Ok(decrypted) = key.decrypt(&nonce, &associated_data, &ciphertext, "fuzz input") {
        let again = key.encrypt(&nonce, &associated_data, &decrypted).expect("a nonce that decrypted also encrypts");
        let received = BASE64.decode(ciphertext.trim()).expect("a ciphertext that decrypted is valid Base64");
        assert_eq!(BASE64.decode(again).expect("own Base64"), received, "re-encryption differs from the input");
    }

    if nonce.len() == GCM_NONCE_LEN {
        round_trip(key, &nonce, &associated_data, plaintext.as_bytes(), data.len());
    }

    let candidate = ApiV3Key::new(associated_data.as_bytes());
    assert_eq!(
        candidate.is_ok(),
        associated_data.len() == APIV3_KEY_LEN,
        "ApiV3Key::new on {} bytes",
        associated_data.len()
    );
});

/// Encrypts `plaintext`, decrypts it back, then flips one byte chosen by `selector` and expects
/// the tag check to fail.
fn round_trip(key: &ApiV3Key, nonce: &str, associated_data: &str, plaintext: &[u8], selector: usize) {
    let sealed = key.encrypt(nonce, associated_data, plaintext).expect("a 12-byte nonce encrypts");
    let opened = key.decrypt(nonce, associated_data, &sealed, "round trip").expect("own ciphertext decrypts");
    assert_eq!(opened.as_slice(), plaintext, "round trip changed the plaintext");

    let mut tampered = BASE64.decode(&sealed).expect("own Base64");
    let index = selector % tampered.len();
    tampered[index] ^= 0x01;
    let error = key
        .decrypt(nonce, associated_data, &BASE64.encode(&tampered), "tampered")
        .expect_err("a changed ciphertext byte must fail the tag check");
    assert_eq!(error.code(), "DECRYPTION_FAILED", "tampered ciphertext: {error}");
}
