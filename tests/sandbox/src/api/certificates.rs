//! GET /v3/global/certificates: the listed platform certificates, each PEM encrypted with the
//! APIv3 key (AEAD_AES_256_GCM, associated data "certificate").

use std::sync::Arc;

use serde_json::json;

use crate::crypto::{self, rfc3339};
use crate::inner::Inner;
use crate::wire::{ApiError, ApiReply, ApiResult};

/// Handles GET /v3/global/certificates.
pub(crate) fn list(inner: &Arc<Inner>) -> ApiResult {
    let certificates = inner.lock().certificates.clone();

    let mut data = Vec::with_capacity(certificates.len());
    for certificate in &certificates {
        let nonce = crypto::random_alphanumeric(12);
        let ciphertext = crypto::aes_gcm_encrypt_base64(
            inner.settings.apiv3_key.as_bytes(),
            &nonce,
            "certificate",
            certificate.certificate_pem.as_bytes(),
        )
        .map_err(|e| ApiError::new(500, "SYSTEM_ERROR", e.to_string()))?;

        data.push(json!({
            "serial_no": certificate.serial_no,
            "effective_time": rfc3339(&certificate.effective_time),
            "expire_time": rfc3339(&certificate.expire_time),
            "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM",
                "nonce": nonce,
                "associated_data": "certificate",
                "ciphertext": ciphertext,
            },
        }));
    }
    Ok(ApiReply::Json(json!({ "data": data })))
}
