//! Verification of the merchant's `Authorization` header.
//!
//! The header is `WECHATPAY2-SHA256-RSA2048 mchid="..",nonce_str="..",timestamp="..",
//! serial_no="..",signature=".."` with the parameters in any order. The signature is RSA-SHA256
//! over `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n`, where TARGET is the request target exactly as
//! it arrived on the request line and BODY the exact bytes received. Checks run in order and the
//! first failure is rejected with 401 SIGN_ERROR naming the reason.

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::json;

use crate::inner::Settings;
use crate::wire::ApiError;

const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// Longest signed message shown back in a SIGN_ERROR detail.
const MAX_ECHOED_MESSAGE: usize = 512;

/// The parts of a request that the signature covers.
#[derive(Debug)]
pub(crate) struct SignedRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) target: &'a str,
    pub(crate) body: &'a [u8],
    pub(crate) authorization: Option<&'a str>,
}

/// Verifies the Authorization header of a request.
pub(crate) fn verify(request: &SignedRequest<'_>, settings: &Settings, now_unix: i64) -> Result<(), ApiError> {
    let header = request.authorization.ok_or_else(|| ApiError::sign_error("the Authorization header is missing"))?;
    let parameters = parse_header(header)?;

    let parameter = |name: &str| {
        parameters
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ApiError::sign_error(format!("the Authorization header has no {name} parameter")))
    };
    let mchid = parameter("mchid")?;
    let nonce = parameter("nonce_str")?;
    let timestamp = parameter("timestamp")?;
    let serial_no = parameter("serial_no")?;
    let signature = parameter("signature")?;

    if mchid != settings.merchant.mchid {
        return Err(ApiError::sign_error(format!(
            "mchid {mchid} in the Authorization header is not the sandbox merchant {}",
            settings.merchant.mchid
        )));
    }
    if serial_no != settings.merchant_serial_no {
        return Err(ApiError::sign_error(format!(
            "serial_no {serial_no} is not the serial number of the merchant API certificate ({})",
            settings.merchant_serial_no
        )));
    }
    check_nonce(nonce)?;
    check_timestamp(timestamp, now_unix, settings.max_clock_skew.as_secs())?;

    let signature_bytes =
        BASE64.decode(signature).map_err(|e| ApiError::sign_error(format!("signature is not valid base64: {e}")))?;
    let message = signed_message(request, timestamp, nonce);
    if settings.merchant_verifier.verify(&message, &signature_bytes) {
        return Ok(());
    }

    let echoed = String::from_utf8_lossy(&message);
    let truncated: String = echoed.chars().take(MAX_ECHOED_MESSAGE).collect();
    Err(ApiError::sign_error(
        "signature does not verify with the merchant public key over METHOD\\nTARGET\\nTIMESTAMP\\nNONCE\\nBODY\\n as received",
    )
    .with_detail(json!({
        "field": "signature",
        "location": "header",
        "issue": "signature verification failed",
        "sign_information": {
            "method": request.method,
            "url": request.target,
            "timestamp": timestamp,
            "nonce_str": nonce,
            "sign_message_length": message.len(),
            "truncated_sign_message": truncated,
        },
    })))
}

/// Builds the five-line message the merchant signs.
fn signed_message(request: &SignedRequest<'_>, timestamp: &str, nonce: &str) -> Vec<u8> {
    let mut message = Vec::with_capacity(request.body.len() + request.target.len() + 64);
    for part in [request.method, request.target, timestamp, nonce] {
        message.extend_from_slice(part.as_bytes());
        message.push(b'\n');
    }
    message.extend_from_slice(request.body);
    message.push(b'\n');
    message
}

/// Splits `SCHEME key="value",key="value"` into a map.
fn parse_header(header: &str) -> Result<HashMap<String, String>, ApiError> {
    let rest = header.trim().strip_prefix(SCHEME).filter(|rest| rest.starts_with(' ')).ok_or_else(|| {
        ApiError::sign_error(format!("the Authorization scheme must be {SCHEME} followed by a space"))
    })?;

    let mut parameters = HashMap::new();
    for item in rest.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (key, value) = item
            .split_once('=')
            .ok_or_else(|| ApiError::sign_error(format!("Authorization parameter {item:?} is not key=\"value\"")))?;
        let value = value.trim().strip_prefix('"').and_then(|v| v.strip_suffix('"')).ok_or_else(|| {
            ApiError::sign_error(format!("Authorization parameter {} must be a double-quoted value", key.trim()))
        })?;
        if parameters.insert(key.trim().to_string(), value.to_string()).is_some() {
            return Err(ApiError::sign_error(format!("Authorization parameter {} appears twice", key.trim())));
        }
    }
    Ok(parameters)
}

fn check_nonce(nonce: &str) -> Result<(), ApiError> {
    let valid = !nonce.is_empty() && nonce.len() <= 32 && nonce.bytes().all(|b| b.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(ApiError::sign_error(format!("nonce_str {nonce:?} must be 1 to 32 letters or digits")))
    }
}

fn check_timestamp(timestamp: &str, now_unix: i64, max_skew_secs: u64) -> Result<(), ApiError> {
    let value: i64 = timestamp
        .parse()
        .ok()
        .filter(|_| timestamp.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| ApiError::sign_error(format!("timestamp {timestamp:?} is not Unix seconds")))?;

    let skew = now_unix.abs_diff(value);
    if skew > max_skew_secs {
        return Err(ApiError::sign_error(format!(
            "timestamp {value} is {skew} s away from the sandbox clock; at most {max_skew_secs} s is accepted"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_header_accepts_any_order() {
        let header =
            r#"WECHATPAY2-SHA256-RSA2048 signature="c2ln",serial_no="AB", timestamp="1",nonce_str="n",mchid="1""#;
        let parsed = parse_header(header).ok();
        let serial = parsed.as_ref().and_then(|p| p.get("serial_no")).cloned();
        assert_eq!(serial.as_deref(), Some("AB"));
    }

    #[test]
    fn parse_header_rejects_other_scheme() {
        let result = parse_header(r#"Bearer mchid="1""#);
        assert_eq!(result.err().map(|e| e.code), Some("SIGN_ERROR".to_string()));
    }

    #[test]
    fn check_timestamp_rejects_old_value() {
        assert!(check_timestamp("1000", 2000, 300).is_err());
        assert!(check_timestamp("1900", 2000, 300).is_ok());
    }
}
