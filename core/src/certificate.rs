//! WeChat Pay platform certificates: parsing and the serial-number rules.

use chrono::{DateTime, TimeZone, Utc};

use crate::crypto::PublicKey;
use crate::error::{Error, Result};

/// A parsed platform certificate: serial number, validity period and RSA public key.
#[derive(Clone, Debug)]
pub struct PlatformCertificate {
    serial_no: String,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
    public_key: PublicKey,
    pem: String,
}

impl PlatformCertificate {
    /// Parses the first `CERTIFICATE` block of a PEM text.
    pub fn from_pem(pem: &[u8]) -> Result<Self> {
        use rustls_pki_types::pem::PemObject;
        let der = rustls_pki_types::CertificateDer::from_pem_slice(pem)
            .map_err(|e| Error::malformed("platform certificate", format!("no readable PEM CERTIFICATE block: {e}")))?;
        Self::from_der(der.as_ref())
    }

    /// Parses a DER X.509 certificate carrying an RSA key.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|e| Error::malformed("platform certificate", format!("not a valid X.509 certificate: {e}")))?;

        let serial_no = serial_hex(cert.tbs_certificate.raw_serial());
        let validity = cert.validity();
        let not_before = timestamp_to_utc(validity.not_before.timestamp())?;
        let not_after = timestamp_to_utc(validity.not_after.timestamp())?;
        let public_key = PublicKey::from_der(cert.public_key().raw).map_err(|_| {
            Error::malformed(
                "platform certificate",
                format!("certificate {serial_no} does not carry an RSA key of 2048 to 8192 bits"),
            )
        })?;
        let pem = to_pem(der);
        Ok(Self { serial_no, not_before, not_after, public_key, pem })
    }

    /// Serial number in upper-case hexadecimal, the form of the `Wechatpay-Serial` header.
    pub fn serial_no(&self) -> &str {
        &self.serial_no
    }

    /// Start of validity.
    pub fn not_before(&self) -> DateTime<Utc> {
        self.not_before
    }

    /// End of validity.
    pub fn not_after(&self) -> DateTime<Utc> {
        self.not_after
    }

    /// Returns the RSA public key that verifies this certificate's signatures.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// Returns the certificate as PEM text.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// Returns whether `now` lies inside the validity period.
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.not_before <= now && now <= self.not_after
    }
}

/// Compares two serial numbers the way WeChat Pay writes them: hexadecimal, case-insensitive,
/// ignoring leading zeros (DER adds one when the high bit is set).
pub fn same_serial(a: &str, b: &str) -> bool {
    normalize_serial(a) == normalize_serial(b)
}

/// Upper-case hexadecimal without leading zeros; other text is upper-cased as it is.
pub fn normalize_serial(serial: &str) -> String {
    let upper = serial.trim().to_ascii_uppercase();
    if upper.chars().all(|c| c.is_ascii_hexdigit()) {
        let stripped = upper.trim_start_matches('0');
        if stripped.is_empty() {
            "0".to_owned()
        } else {
            stripped.to_owned()
        }
    } else {
        upper
    }
}

fn serial_hex(raw: &[u8]) -> String {
    let mut hex = String::with_capacity(raw.len() * 2);
    for byte in raw {
        hex.push_str(&format!("{byte:02X}"));
    }
    // DER prefixes a 00 byte to keep a serial with the high bit set positive; WeChat Pay's
    // serials are written without it.
    if hex.len() > 2 && hex.starts_with("00") {
        hex.drain(..2);
    }
    hex
}

fn timestamp_to_utc(seconds: i64) -> Result<DateTime<Utc>> {
    Utc.timestamp_opt(seconds, 0)
        .single()
        .ok_or_else(|| Error::malformed("platform certificate", format!("validity time {seconds} is out of range")))
}

fn to_pem(der: &[u8]) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in encoded.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(chunk));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_compare_without_case_or_leading_zeros() {
        assert!(same_serial("00ab12", "AB12"));
        assert!(!same_serial("AB12", "AB13"));
        assert!(same_serial("PUB_KEY_ID_0001", "pub_key_id_0001"));
    }

    #[test]
    fn serial_hex_drops_der_sign_byte() {
        assert_eq!(serial_hex(&[0x00, 0x9F, 0x01]), "9F01");
        assert_eq!(serial_hex(&[0x12, 0x34]), "1234");
    }
}
