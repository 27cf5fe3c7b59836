//! Cryptography of WeChat's side: RSA-SHA256 signatures, AES-256-GCM with the APIv3 key,
//! throwaway keys and self-signed platform certificates.
//!
//! Everything goes through aws-lc-rs (and rcgen on top of it for X.509), independently of the
//! papay core crate, so that a bug in the core cannot hide behind the same bug here.

use std::sync::Arc;

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _, ParsedPublicKey};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chrono::{DateTime, Datelike, Duration as ChronoDuration, FixedOffset, Offset as _, Utc};

use crate::error::SandboxError;

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Fills a buffer from the system CSPRNG.
///
/// aws-lc-rs reports a failure only when the operating system has no randomness, and the
/// sandbox cannot do anything sensible then, so the bytes are left as they are (zeros).
fn fill_random(buffer: &mut [u8]) {
    if aws_lc_rs::rand::fill(buffer).is_err() {
        tracing::error!("system random number generator failed");
    }
}

/// Returns a random u64.
pub(crate) fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    fill_random(&mut bytes);
    u64::from_le_bytes(bytes)
}

/// Returns `len` random ASCII letters and digits.
pub(crate) fn random_alphanumeric(len: usize) -> String {
    random_from_alphabet(len, ALPHANUMERIC)
}

/// Returns `len` random decimal digits.
pub(crate) fn random_digits(len: usize) -> String {
    random_from_alphabet(len, b"0123456789")
}

/// Returns `len` random upper-case hexadecimal digits.
pub(crate) fn random_upper_hex(len: usize) -> String {
    random_from_alphabet(len, b"0123456789ABCDEF")
}

fn random_from_alphabet(len: usize, alphabet: &[u8]) -> String {
    let mut bytes = vec![0u8; len];
    fill_random(&mut bytes);

    // 256 is a multiple of neither 62 nor 10, so the modulo is slightly biased. The values are
    // identifiers and nonces for tests, not secrets whose strength matters.
    bytes.iter().map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()])).collect()
}

/// Returns a random id in the 8-4-4-4-12 hexadecimal form of a UUID (version 4 bits set).
pub(crate) fn random_uuid() -> String {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;

    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// Encodes DER bytes as PEM with the given label and 64-character lines.
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    let encoded = BASE64.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for chunk in encoded.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(chunk));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// Decodes the first PEM block of `pem`, returning its label and DER bytes.
pub(crate) fn pem_decode(pem: &str) -> Result<(String, Vec<u8>), String> {
    let begin = pem.find("-----BEGIN ").ok_or("no -----BEGIN line found in PEM text")?;
    let after_begin = &pem[begin + "-----BEGIN ".len()..];
    let label_end = after_begin.find("-----").ok_or("unterminated -----BEGIN line in PEM text")?;
    let label = after_begin[..label_end].to_string();

    let body_start = &after_begin[label_end + "-----".len()..];
    let end_marker = format!("-----END {label}-----");
    let body_end = body_start.find(&end_marker).ok_or_else(|| format!("no {end_marker} line found in PEM text"))?;

    let base64_text: String = body_start[..body_end].chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = BASE64.decode(base64_text).map_err(|e| format!("PEM block {label} is not valid base64: {e}"))?;
    Ok((label, der))
}

/// An RSA private key that signs with RSASSA-PKCS1-v1_5 and SHA-256.
#[derive(Clone)]
pub(crate) struct RsaSigner {
    key: Arc<KeyPair>,
}

impl std::fmt::Debug for RsaSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RsaSigner(<private key>)")
    }
}

impl RsaSigner {
    /// Generates a fresh RSA-2048 key.
    pub(crate) fn generate() -> Result<Self, SandboxError> {
        let key = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| SandboxError::Crypto("RSA-2048 key generation failed".into()))?;
        Ok(Self { key: Arc::new(key) })
    }

    /// Loads a PKCS#8 DER private key.
    pub(crate) fn from_pkcs8_der(der: &[u8]) -> Result<Self, SandboxError> {
        let key = KeyPair::from_pkcs8(der)
            .map_err(|e| SandboxError::Crypto(format!("invalid PKCS#8 RSA private key: {e}")))?;
        Ok(Self { key: Arc::new(key) })
    }

    /// Loads a PEM private key, either PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`).
    pub(crate) fn from_pem(pem: &str) -> Result<Self, SandboxError> {
        let (label, der) = pem_decode(pem).map_err(SandboxError::Crypto)?;
        let key = match label.as_str() {
            "PRIVATE KEY" => KeyPair::from_pkcs8(&der),
            "RSA PRIVATE KEY" => KeyPair::from_der(&der),
            other => {
                return Err(SandboxError::Crypto(format!(
                    "expected a PEM block PRIVATE KEY or RSA PRIVATE KEY, got {other}"
                )))
            }
        }
        .map_err(|e| SandboxError::Crypto(format!("invalid RSA private key in PEM: {e}")))?;
        Ok(Self { key: Arc::new(key) })
    }

    /// Returns the PKCS#8 DER encoding of the private key.
    pub(crate) fn pkcs8_der(&self) -> Result<Vec<u8>, SandboxError> {
        let der = self.key.as_der().map_err(|_| SandboxError::Crypto("cannot encode RSA key as PKCS#8".into()))?;
        Ok(der.as_ref().to_vec())
    }

    /// Returns the PKCS#8 PEM encoding of the private key.
    pub(crate) fn pkcs8_pem(&self) -> Result<String, SandboxError> {
        Ok(pem_encode("PRIVATE KEY", &self.pkcs8_der()?))
    }

    /// Returns the SubjectPublicKeyInfo PEM (`PUBLIC KEY`) of the key.
    pub(crate) fn public_key_pem(&self) -> Result<String, SandboxError> {
        let der =
            self.key.public_key().as_der().map_err(|_| SandboxError::Crypto("cannot encode RSA public key".into()))?;
        Ok(pem_encode("PUBLIC KEY", der.as_ref()))
    }

    /// Returns a verifier for the public half of the key.
    pub(crate) fn verifier(&self) -> Result<RsaVerifier, SandboxError> {
        RsaVerifier::from_pkcs1_der(self.key.public_key().as_ref())
    }

    /// Signs `message` and returns the base64 signature.
    pub(crate) fn sign_base64(&self, message: &[u8]) -> String {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let mut signature_bytes = vec![0u8; self.key.public_modulus_len()];
        if self.key.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut signature_bytes).is_err() {
            // PKCS#1 v1.5 signing with a valid key and a modulus-sized buffer does not fail. If it
            // did, the zeroed signature would fail every verification, which tests would notice.
            tracing::error!("RSA signing failed");
        }
        BASE64.encode(signature_bytes)
    }
}

/// An RSA public key that verifies RSASSA-PKCS1-v1_5 SHA-256 signatures (2048 to 8192 bits).
#[derive(Clone)]
pub(crate) struct RsaVerifier {
    key: Arc<ParsedPublicKey>,
}

impl std::fmt::Debug for RsaVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RsaVerifier")
    }
}

impl RsaVerifier {
    fn from_pkcs1_der(der: &[u8]) -> Result<Self, SandboxError> {
        let key = ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, der)
            .map_err(|e| SandboxError::Crypto(format!("invalid RSA public key: {e}")))?;
        Ok(Self { key: Arc::new(key) })
    }

    /// Returns whether `signature` is a valid signature of `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.key.verify_sig(message, signature).is_ok()
    }
}

/// Encrypts `plaintext` with AEAD_AES_256_GCM and returns base64(ciphertext ‖ tag).
///
/// `key` is the 32-byte APIv3 key, `nonce` the 12-byte nonce string, `aad` the associated data.
pub(crate) fn aes_gcm_encrypt_base64(
    key: &[u8],
    nonce: &str,
    aad: &str,
    plaintext: &[u8],
) -> Result<String, SandboxError> {
    let unbound = UnboundKey::new(&AES_256_GCM, key)
        .map_err(|_| SandboxError::Crypto("the APIv3 key must be 32 bytes".into()))?;
    let sealing_key = LessSafeKey::new(unbound);
    let nonce = Nonce::try_assume_unique_for_key(nonce.as_bytes())
        .map_err(|_| SandboxError::Crypto("the AES-GCM nonce must be 12 bytes".into()))?;

    let mut in_out = plaintext.to_vec();
    sealing_key
        .seal_in_place_append_tag(nonce, Aad::from(aad.as_bytes()), &mut in_out)
        .map_err(|_| SandboxError::Crypto("AES-256-GCM encryption failed".into()))?;
    Ok(BASE64.encode(in_out))
}

/// A platform certificate: the RSA key that signs responses and notifications, its
/// self-signed X.509 certificate and the validity that `/v3/global/certificates` reports.
#[derive(Debug, Clone)]
pub(crate) struct PlatformCertificate {
    pub(crate) serial_no: String,
    pub(crate) signer: RsaSigner,
    pub(crate) certificate_pem: String,
    pub(crate) effective_time: DateTime<FixedOffset>,
    pub(crate) expire_time: DateTime<FixedOffset>,
}

/// Validity of a newly issued platform certificate. WeChat's platform certificates last five
/// years; the start is yesterday so that clocks a few hours apart still accept it.
const VALIDITY_DAYS: i64 = 5 * 365;

impl PlatformCertificate {
    /// Issues a certificate for `signer` with a new random serial number, valid from yesterday
    /// for five years.
    pub(crate) fn issue(signer: RsaSigner) -> Result<Self, SandboxError> {
        let today = Utc::now().date_naive();
        let not_before = today - ChronoDuration::days(1);
        let not_after = today + ChronoDuration::days(VALIDITY_DAYS);
        Self::issue_with_validity(signer, &new_certificate_serial(), not_before, not_after)
    }

    /// Re-issues this certificate (same key and serial number) with a validity that ended
    /// yesterday.
    pub(crate) fn reissue_expired(&self) -> Result<Self, SandboxError> {
        let today = Utc::now().date_naive();
        let not_before = today - ChronoDuration::days(2 * 365);
        let not_after = today - ChronoDuration::days(1);
        Self::issue_with_validity(self.signer.clone(), &self.serial_no, not_before, not_after)
    }

    fn issue_with_validity(
        signer: RsaSigner,
        serial_no: &str,
        not_before: chrono::NaiveDate,
        not_after: chrono::NaiveDate,
    ) -> Result<Self, SandboxError> {
        let pkcs8_pem = signer.pkcs8_pem()?;
        let rcgen_key = rcgen::KeyPair::from_pem_and_sign_algo(&pkcs8_pem, &rcgen::PKCS_RSA_SHA256)
            .map_err(|e| SandboxError::Crypto(format!("rcgen cannot load the RSA key: {e}")))?;

        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())
            .map_err(|e| SandboxError::Crypto(format!("certificate parameters: {e}")))?;
        let mut name = rcgen::DistinguishedName::new();
        name.push(rcgen::DnType::OrganizationName, "papay-sandbox");
        name.push(rcgen::DnType::CommonName, "WeChat Pay sandbox platform certificate");
        params.distinguished_name = name;
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&hex_to_bytes(serial_no)?));
        let (year, month, day) = date_parts(not_before)?;
        params.not_before = rcgen::date_time_ymd(year, month, day);
        let (year, month, day) = date_parts(not_after)?;
        params.not_after = rcgen::date_time_ymd(year, month, day);

        let certificate = params
            .self_signed(&rcgen_key)
            .map_err(|e| SandboxError::Crypto(format!("self-signing the certificate: {e}")))?;

        // rcgen encodes dates as midnight UTC of the given day; the list reports the same instants.
        let beijing = beijing_offset();
        let effective_time = midnight_utc(not_before).with_timezone(&beijing);
        let expire_time = midnight_utc(not_after).with_timezone(&beijing);

        Ok(Self {
            serial_no: serial_no.to_string(),
            signer,
            certificate_pem: certificate.pem(),
            effective_time,
            expire_time,
        })
    }
}

/// Returns a new 40-digit upper-case hexadecimal serial number.
///
/// The first byte is in 0x10..=0x7F so that the DER integer is positive and its hexadecimal form
/// has no leading zero; a parser that strips leading zeros prints the same 40 characters.
fn new_certificate_serial() -> String {
    let first = 0x10 + (random_u64() % 0x70) as u8;
    format!("{first:02X}{}", random_upper_hex(38))
}

fn hex_to_bytes(hex: &str) -> Result<Vec<u8>, SandboxError> {
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| SandboxError::Crypto(format!("serial number {hex} is not hexadecimal")))
        })
        .collect()
}

/// Splits a date into the (year, month, day) that `rcgen::date_time_ymd` takes.
fn date_parts(date: chrono::NaiveDate) -> Result<(i32, u8, u8), SandboxError> {
    let month = u8::try_from(date.month()).map_err(|_| SandboxError::Crypto("month out of range".into()))?;
    let day = u8::try_from(date.day()).map_err(|_| SandboxError::Crypto("day out of range".into()))?;
    Ok((date.year(), month, day))
}

fn midnight_utc(date: chrono::NaiveDate) -> DateTime<Utc> {
    date.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Returns UTC+08:00, the offset WeChat uses in every time it sends.
pub(crate) fn beijing_offset() -> FixedOffset {
    // 8 hours is within the ±24 h range that FixedOffset accepts, so the fallback is never taken.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// Returns the current time in UTC+08:00.
pub(crate) fn now_beijing() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&beijing_offset())
}

/// Formats a time as RFC 3339 with whole seconds and a numeric offset.
pub(crate) fn rfc3339(time: &DateTime<FixedOffset>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}
