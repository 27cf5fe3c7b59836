//! Functions that need no client: the app and Mini Program signing helpers, the PC Web QR code,
//! and the signing and verification primitives operators use to check a single message.

use std::collections::HashMap;
use std::sync::Arc;

use napi::bindgen_prelude::Buffer;
use napi::Result;
use napi_derive::napi;

use crate::client::PlatformPublicKey;
use crate::error::{guard, to_napi};
use crate::models::{to_i64, LaunchParams, SigningReturn, SigningTarget};

/// Builds what an app or Mini Program needs to open WeChat's signing page for `sessionId`.
/// The defaults of `target` are unverified for WeChat Pay Global; `verified` is always false.
#[napi]
pub fn launch_params(session_id: String, target: Option<SigningTarget>) -> Result<LaunchParams> {
    guard(|| {
        let target = papay::app_signing::SigningTarget::from(target.unwrap_or_default());
        papay::app_signing::launch_params(&session_id, &target).map(Into::into).map_err(to_napi)
    })
}

/// Reads what WeChat hands back after signing (JSON or a query string); a hint for the UI only.
#[napi]
pub fn parse_signing_return(data: String) -> Result<SigningReturn> {
    guard(|| Ok(papay::app_signing::parse_signing_return(&data).into()))
}

/// Renders a PC Web `showCodeUrl` as an SVG QR code, `modulePixels` (1 to 64) pixels per module.
#[napi]
pub fn qr_code_svg(url: String, module_pixels: u32) -> Result<String> {
    guard(|| papay::app_signing::qr_code_svg(&url, module_pixels).map_err(to_napi))
}

/// Input of [`build_authorization`].
#[napi(object)]
pub struct AuthorizationInput {
    /// Merchant id.
    pub mchid: String,
    /// Serial number of the merchant API certificate.
    pub serial_no: String,
    /// Merchant private key PEM (PKCS#8 or PKCS#1).
    pub private_key: Buffer,
    /// HTTP method, upper case.
    pub method: String,
    /// Path and query exactly as on the request line.
    pub target: String,
    /// Unix time in seconds.
    pub timestamp: f64,
    /// Nonce string.
    pub nonce: String,
    /// Request body bytes; empty for none.
    pub body: Buffer,
}

impl std::fmt::Debug for AuthorizationInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationInput")
            .field("mchid", &self.mchid)
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// Computes the `Authorization` header of one request with a given timestamp and nonce, to
/// compare with the `sign_information` WeChat Pay returns on a SIGN_ERROR.
#[napi]
pub fn build_authorization(input: AuthorizationInput) -> Result<String> {
    guard(|| {
        let key = papay::MerchantPrivateKey::from_pem(&input.private_key).map_err(to_napi)?;
        let timestamp = to_i64("timestamp", input.timestamp)?;
        let signer = papay::RequestSigner::new(input.mchid, input.serial_no, Arc::new(key));
        signer
            .authorization_with_nonce(&input.method, &input.target, timestamp, &input.nonce, &input.body)
            .map_err(to_napi)
    })
}

/// Input of [`verify_response_signature`].
#[napi(object)]
pub struct VerifyInput {
    /// Response headers, names in any case.
    pub headers: HashMap<String, String>,
    /// Raw response body; empty for a 204.
    pub body: Buffer,
    /// Platform certificates (PEM) to verify with.
    pub certificates: Option<Vec<String>>,
    /// WeChat Pay public keys by id.
    pub public_keys: Option<Vec<PlatformPublicKey>>,
    /// The time to check against, Unix seconds; default now.
    pub now_unix_seconds: Option<f64>,
    /// Allowed distance between `Wechatpay-Timestamp` and now, in seconds; default 300.
    pub timestamp_window_seconds: Option<u32>,
}

impl std::fmt::Debug for VerifyInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyInput").field("headers", &self.headers).finish_non_exhaustive()
    }
}

/// Verifies a response's `Wechatpay-*` signature over its raw body and returns the serial or
/// key id that signed it. Fails with the same errors as the client.
#[napi]
pub fn verify_response_signature(input: VerifyInput) -> Result<String> {
    guard(|| {
        let store = Arc::new(papay::CertificateStore::new());
        for pem in input.certificates.unwrap_or_default() {
            store.insert(papay::PlatformCertificate::from_pem(pem.as_bytes()).map_err(to_napi)?);
        }
        let mut keys = papay::StaticPublicKeys::new();
        for key in input.public_keys.unwrap_or_default() {
            keys.insert(key.id, papay::PublicKey::from_pem(key.pem.as_bytes()).map_err(to_napi)?);
        }
        let key_set = papay::KeySet { static_keys: Arc::new(keys), certificates: Some(store) };

        let now = match input.now_unix_seconds {
            Some(seconds) => {
                let seconds = to_i64("now_unix_seconds", seconds)?;
                chrono::DateTime::from_timestamp(seconds, 0)
                    .ok_or_else(|| crate::error::invalid_argument("now_unix_seconds", "is out of range"))?
            }
            None => chrono::Utc::now(),
        };
        let options = papay::verifier::VerifyOptions {
            context: "response",
            now,
            timestamp_window_seconds: Some(u64::from(input.timestamp_window_seconds.unwrap_or(300))),
            refreshed: false,
        };
        let headers = papay::verifier::SignatureHeaders::from_headers(&input.headers, "response").map_err(to_napi)?;
        let key = papay::verifier::verify_signature(&key_set, &headers, &input.body, options).map_err(to_napi)?;
        Ok(key.serial)
    })
}

/// Decrypts an AEAD_AES_256_GCM resource (Base64 of ciphertext and tag) with the APIv3 key.
#[napi]
pub fn decrypt_resource(
    apiv3_key: Buffer,
    nonce: String,
    associated_data: String,
    ciphertext: String,
) -> Result<Buffer> {
    guard(|| {
        let key = papay::ApiV3Key::new(&apiv3_key[..]).map_err(to_napi)?;
        let plaintext = key.decrypt(&nonce, &associated_data, &ciphertext, "resource").map_err(to_napi)?;
        Ok(Buffer::from(plaintext.to_vec()))
    })
}
