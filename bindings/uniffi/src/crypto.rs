//! Signing, verification and decryption of single messages without a client, for checking one
//! request or response by hand and for the cross-language test vectors.

use std::collections::HashMap;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::config::PlatformPublicKey;
use crate::error::{invalid_argument, invalid_config, PayResult};

/// Signs requests for one merchant with a given timestamp and nonce. The private key stays in
/// Rust, and the object's text form does not show it.
#[derive(Debug, uniffi::Object)]
pub struct RequestSigner {
    inner: papay::RequestSigner,
}

#[uniffi::export]
impl RequestSigner {
    /// Takes the merchant id (the institution's id in Institutional mode), the serial number of
    /// the merchant API certificate and the private key as PEM text (PKCS#8 or PKCS#1). A key
    /// that does not parse fails with `INVALID_CONFIG`.
    #[uniffi::constructor]
    pub fn new(mchid: String, serial_no: String, private_key_pem: String) -> PayResult<Arc<Self>> {
        let private_key_pem = Zeroizing::new(private_key_pem.into_bytes());
        let key = papay::MerchantPrivateKey::from_pem(&private_key_pem)?;
        Ok(Arc::new(Self { inner: papay::RequestSigner::new(mchid, serial_no, Arc::new(key)) }))
    }

    /// Builds the `Authorization` header value of one request. `target` is the path and query
    /// exactly as on the request line, `timestamp` is Unix seconds and `body` is empty for none.
    /// Compare the result with the `sign_information` WeChat Pay returns on a `SIGN_ERROR`.
    pub fn authorization_with_nonce(
        &self,
        method: String,
        target: String,
        timestamp: i64,
        nonce: String,
        body: Vec<u8>,
    ) -> PayResult<String> {
        Ok(self.inner.authorization_with_nonce(&method, &target, timestamp, &nonce, &body)?)
    }
}

/// Verifies a response's `Wechatpay-*` signature headers over its raw body with the given
/// platform certificates (PEM) and/or public keys, and returns the serial or key id that signed
/// it. Headers are matched without regard to case. Certificate validity and the timestamp window
/// (default 300 s) are checked at `now_unix_seconds`, or at the system time when it is not given.
/// Fails with the same codes as the client, such as `SIGNATURE_INVALID` and `UNKNOWN_SERIAL`.
#[uniffi::export(default(platform_public_keys = [], now_unix_seconds = None, timestamp_window_seconds = None))]
pub fn verify_response_signature(
    headers: HashMap<String, String>,
    body: Vec<u8>,
    platform_certificates_pem: Vec<String>,
    platform_public_keys: Vec<PlatformPublicKey>,
    now_unix_seconds: Option<i64>,
    timestamp_window_seconds: Option<u64>,
) -> PayResult<String> {
    let keys = key_set(platform_certificates_pem, platform_public_keys)?;
    let now = match now_unix_seconds {
        Some(seconds) => chrono::DateTime::from_timestamp(seconds, 0)
            .ok_or_else(|| invalid_argument("now_unix_seconds", format!("{seconds} is outside the supported dates")))?,
        None => chrono::Utc::now(),
    };
    let options = papay::verifier::VerifyOptions {
        context: "response",
        now,
        timestamp_window_seconds: Some(
            timestamp_window_seconds.unwrap_or(papay::verifier::DEFAULT_TIMESTAMP_WINDOW_SECONDS),
        ),
        refreshed: false,
    };
    let signature_headers = papay::verifier::SignatureHeaders::from_headers(&headers, "response")?;
    let key = papay::verifier::verify_signature(&keys, &signature_headers, &body, options)?;
    Ok(key.serial)
}

/// Decrypts an AEAD_AES_256_GCM resource with the 32-byte APIv3 key. `ciphertext` is the Base64
/// of the encrypted data followed by the 16-byte tag, as in a notification's `resource`.
/// Fails with `DECRYPTION_FAILED` for a wrong key, nonce, associated data or tag, and with
/// `MALFORMED_MESSAGE` for a nonce that is not 12 bytes or input that is not Base64 or is
/// shorter than the tag.
#[uniffi::export]
pub fn decrypt_resource(
    apiv3_key: String,
    nonce: String,
    associated_data: String,
    ciphertext: String,
) -> PayResult<Vec<u8>> {
    let key = papay::ApiV3Key::new(Zeroizing::new(apiv3_key.into_bytes()).as_slice())?;
    let plaintext = key.decrypt(&nonce, &associated_data, &ciphertext, "resource")?;
    Ok(plaintext.to_vec())
}

/// Builds the key set of [`verify_response_signature`] and the notification parser. Fails with
/// `INVALID_CONFIG` when a PEM does not parse or when no certificate and no public key is given.
pub(crate) fn key_set(
    platform_certificates_pem: Vec<String>,
    platform_public_keys: Vec<PlatformPublicKey>,
) -> PayResult<papay::KeySet> {
    let mut static_keys = papay::StaticPublicKeys::new();
    for key in platform_public_keys {
        static_keys.insert(key.id, papay::PublicKey::from_pem(key.pem.as_bytes())?);
    }
    let store = papay::CertificateStore::new();
    for pem in platform_certificates_pem {
        store.insert(papay::PlatformCertificate::from_pem(pem.as_bytes())?);
    }
    if static_keys.is_empty() && store.is_empty() {
        return Err(invalid_config(
            "platform_certificates_pem",
            "give at least one platform certificate or public key; without one no signature can be verified",
        ));
    }
    Ok(papay::KeySet { static_keys: Arc::new(static_keys), certificates: Some(Arc::new(store)) })
}
