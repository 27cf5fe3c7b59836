//! Request signing (merchant to WeChat Pay) and the message formats of both directions.
//!
//! The signer only sees final bytes: the method, the request target exactly as it goes on the
//! request line, and the body exactly as sent. It never sees a model, so what is signed is what
//! is sent.

use crate::crypto::{random_nonce, MerchantPrivateKey};
use crate::error::{Error, Result};

/// The `Authorization` scheme and the only signature type WeChat Pay Global uses.
pub const SIGNATURE_SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// Length of the nonce this SDK generates (WeChat Pay allows up to 32 characters).
pub const NONCE_LEN: usize = 32;

/// Builds the five-line request message: method, target, timestamp, nonce and body, each
/// followed by `\n`, including the last (an empty body still leaves an empty line).
pub fn request_message(method: &str, target: &str, timestamp: i64, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(method.len() + target.len() + nonce.len() + body.len() + 32);
    message.extend_from_slice(method.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(target.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(timestamp.to_string().as_bytes());
    message.push(b'\n');
    message.extend_from_slice(nonce.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

/// Builds the three-line message WeChat Pay signs on responses and notifications: timestamp,
/// nonce and the raw body, each followed by `\n`.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(nonce.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

/// Formats the `Authorization` header value from its parts.
pub fn authorization_header(mchid: &str, nonce: &str, timestamp: i64, serial_no: &str, signature: &str) -> String {
    format!(
        "{SIGNATURE_SCHEME} mchid=\"{mchid}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",serial_no=\"{serial_no}\",signature=\"{signature}\""
    )
}

/// HTTP methods the API uses; a request line with any other method is rejected before signing.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Checks the parts of a request that a caller supplies to [`RequestSigner`] through
/// `Client::sign_request`. Each becomes one line of the signed message or a quoted value of the
/// header, so a line break, space or quote would sign something other than what is sent.
pub fn check_request_parts(method: &str, target: &str, timestamp: i64, nonce: &str) -> Result<()> {
    if !METHODS.contains(&method) {
        return Err(Error::invalid_argument("method", "must be GET, POST, PUT, PATCH or DELETE, in upper case"));
    }
    if !target.starts_with('/') || !target.bytes().all(|b| b.is_ascii_graphic() && b != b'#') {
        return Err(Error::invalid_argument(
            "target",
            "must be the path and query as on the request line: start with / and contain only printable ASCII \
             without spaces or a # fragment (percent-encode the rest)",
        ));
    }
    // Ten digits reach the year 2286; more are milliseconds, which WeChat Pay rejects.
    if !(0..=9_999_999_999).contains(&timestamp) {
        return Err(Error::invalid_argument(
            "timestamp",
            "must be Unix time in seconds (at most 10 digits), not milliseconds",
        ));
    }
    let nonce_ok =
        (1..=64).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !nonce_ok {
        return Err(Error::invalid_argument("nonce", "must be 1 to 64 ASCII letters, digits, - or _"));
    }
    Ok(())
}

/// Signs requests for one merchant: its mchid, certificate serial number and private key.
#[derive(Debug)]
pub struct RequestSigner {
    mchid: String,
    serial_no: String,
    key: std::sync::Arc<MerchantPrivateKey>,
}

impl RequestSigner {
    /// Creates a signer. `mchid` is the merchant's (Common mode) or the institution's id.
    pub fn new(
        mchid: impl Into<String>,
        serial_no: impl Into<String>,
        key: std::sync::Arc<MerchantPrivateKey>,
    ) -> Self {
        Self { mchid: mchid.into(), serial_no: serial_no.into(), key }
    }

    /// Returns the `Authorization` header for one request, with a fresh nonce.
    pub fn authorization(&self, method: &str, target: &str, timestamp: i64, body: &[u8]) -> Result<String> {
        let nonce = random_nonce(NONCE_LEN);
        self.authorization_with_nonce(method, target, timestamp, &nonce, body)
    }

    /// Returns the `Authorization` header for a given nonce; tests use it to compare with
    /// signatures made by other tools.
    pub fn authorization_with_nonce(
        &self,
        method: &str,
        target: &str,
        timestamp: i64,
        nonce: &str,
        body: &[u8],
    ) -> Result<String> {
        let message = request_message(method, target, timestamp, nonce, body);
        let signature = self.key.sign(&message)?;
        Ok(authorization_header(&self.mchid, nonce, timestamp, &self.serial_no, &signature))
    }

    /// Returns the merchant (or institution) id put in the header.
    pub fn mchid(&self) -> &str {
        &self.mchid
    }

    /// Returns the merchant API certificate serial number put in the header.
    pub fn serial_no(&self) -> &str {
        &self.serial_no
    }

    /// Returns the private key, for checks such as "the merchant key was given as a platform key".
    pub(crate) fn key(&self) -> &MerchantPrivateKey {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_message_ends_with_newline_on_empty_body() {
        let message = request_message("GET", "/v3/global/certificates", 1_751_242_500, "NONCE", b"");
        assert_eq!(message, b"GET\n/v3/global/certificates\n1751242500\nNONCE\n\n");
    }

    #[test]
    fn response_message_keeps_body_bytes() {
        let message = response_message("1", "N", "{\"a\": \"\u{4e2d}\"}".as_bytes());
        assert_eq!(message, "1\nN\n{\"a\": \"\u{4e2d}\"}\n".as_bytes());
    }
}
