//! Helpers shared by the fuzz targets: the test keys from `tests/vectors/keys`, the clock of the
//! notification vectors, and the input framing the targets and their seed files use.
//!
//! The keys are test keys published in this repository. They let a target re-sign or re-encrypt
//! a mutated body, so that mutations reach the checks behind the signature (envelope JSON,
//! decryption, resource JSON) instead of all stopping at `SIGNATURE_INVALID`.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use papay::certificate::PlatformCertificate;
use papay::crypto::{ApiV3Key, MerchantPrivateKey, PublicKey};
use papay::signing::response_message;
use papay::verifier::{CertificateStore, KeySet, StaticPublicKeys};

/// Id under which the first platform public key is also configured as a WeChat Pay public key.
pub const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0000000000000000000000000001";

/// The keys, certificates and clock of the test vectors, loaded once per process.
pub struct TestKeys {
    /// The APIv3 key of `tests/vectors/keys/apiv3_key.txt`.
    pub apiv3_key: ApiV3Key,
    /// The first platform private key; it signs what the targets re-sign.
    pub platform_signer: MerchantPrivateKey,
    /// Serial of the first platform certificate, the one `platform_signer` matches.
    pub platform_serial: String,
    /// The three vector certificates (two current, one expired) and [`PUBLIC_KEY_ID`].
    pub key_set: Arc<KeySet>,
    /// `now` of the notification vectors (2030-03-01T01:00:05Z), inside every current
    /// certificate's validity.
    pub now: i64,
}

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn read_vector(relative: &str) -> Vec<u8> {
    let path = vectors_dir().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Returns the test keys, loading them on first use. Panics when the vector files are missing,
/// because a target without its keys would only test the early checks.
pub fn keys() -> &'static TestKeys {
    static KEYS: OnceLock<TestKeys> = OnceLock::new();
    KEYS.get_or_init(load_keys)
}

fn load_keys() -> TestKeys {
    let apiv3_key =
        ApiV3Key::new(read_vector("keys/apiv3_key.txt")).expect("keys/apiv3_key.txt must contain exactly 32 bytes");
    let platform_signer =
        MerchantPrivateKey::from_pem(&read_vector("keys/platform_pkcs8.pem")).expect("keys/platform_pkcs8.pem parses");

    let store = CertificateStore::new();
    let mut platform_serial = String::new();
    for file in ["keys/platform_cert.pem", "keys/platform2_cert.pem", "keys/platform_expired_cert.pem"] {
        let certificate = PlatformCertificate::from_pem(&read_vector(file)).expect("vector certificate parses");
        if file == "keys/platform_cert.pem" {
            platform_serial = certificate.serial_no().to_owned();
        }
        store.insert(certificate);
    }

    let mut static_keys = StaticPublicKeys::new();
    let public_key =
        PublicKey::from_pem(&read_vector("keys/platform_public.pem")).expect("keys/platform_public.pem parses");
    static_keys.insert(PUBLIC_KEY_ID, public_key);
    let key_set = KeySet { static_keys: Arc::new(static_keys), certificates: Some(Arc::new(store)) };

    let notifications: serde_json::Value =
        serde_json::from_slice(&read_vector("notifications.json")).expect("notifications.json is JSON");
    let now = notifications["cases"][0]["now"].as_i64().expect("the first notification case has \"now\"");

    TestKeys { apiv3_key, platform_signer, platform_serial, key_set: Arc::new(key_set), now }
}

impl TestKeys {
    /// Signs `TIMESTAMP\nNONCE\nBODY\n` with the first platform key, as WeChat Pay signs responses
    /// and notifications.
    pub fn sign(&self, timestamp: &str, nonce: &str, body: &[u8]) -> String {
        self.platform_signer.sign(&response_message(timestamp, nonce, body)).expect("RSA signing with the test key")
    }
}

/// Splits an input into a header block and a body.
///
/// The header block is every line before the first empty line (`\n\n`), each line `Name: value`
/// split at the first colon. Without an empty line the input has no headers and is all body.
/// Seed files use this layout, so they read like an HTTP message without the start line.
pub fn split_headers(data: &[u8]) -> (Vec<(String, String)>, &[u8]) {
    let Some(end) = data.windows(2).position(|pair| pair == b"\n\n") else {
        return (Vec::new(), data);
    };
    let block = String::from_utf8_lossy(&data[..end]);
    let headers = block
        .split('\n')
        .map(|line| match line.split_once(':') {
            Some((name, value)) => (name.to_owned(), value.trim_start().to_owned()),
            None => (line.to_owned(), String::new()),
        })
        .collect();
    (headers, &data[end + 2..])
}

/// Replaces every header named `name` (ignoring ASCII case) by one with `value`.
pub fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    headers.retain(|(existing, _)| !existing.eq_ignore_ascii_case(name));
    headers.push((name.to_owned(), value.to_owned()));
}

/// Returns the first value of header `name`, ignoring ASCII case.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(existing, _)| existing.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
}
