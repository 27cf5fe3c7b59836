//! Keys and primitives: the merchant's RSA private key, platform public keys, the APIv3 key and
//! AEAD_AES_256_GCM.
//!
//! Everything here works on bytes. Secrets live in wrappers whose `Debug` prints a placeholder
//! and whose memory is zeroed on drop (the RSA key inside aws-lc is freed by aws-lc itself).

use std::fmt;

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::{self, ParsedPublicKey};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use rustls_pki_types::pem::{PemObject, SectionKind};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};

/// Length in bytes of the APIv3 key.
pub const APIV3_KEY_LEN: usize = 32;

/// Length in bytes of the AES-256-GCM authentication tag appended to every ciphertext.
pub const GCM_TAG_LEN: usize = 16;

const NONCE_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The merchant's API-certificate private key (RSA, 2048 bits or more) used to sign requests.
pub struct MerchantPrivateKey {
    key: KeyPair,
}

impl MerchantPrivateKey {
    /// Parses a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
    ///
    /// The first private-key block is used, so a PEM file that also carries the certificate works.
    pub fn from_pem(pem: &[u8]) -> Result<Self> {
        for section in <(SectionKind, Vec<u8>)>::pem_slice_iter(pem) {
            let (kind, der) = section.map_err(|e| {
                Error::invalid_config("merchant_private_key", format!("the PEM text cannot be read: {e}"))
            })?;
            let der = Zeroizing::new(der);
            match kind {
                SectionKind::PrivateKey => return Self::from_pkcs8_der(&der),
                SectionKind::RsaPrivateKey => return Self::from_pkcs1_der(&der),
                SectionKind::Certificate => return Err(Error::invalid_config(
                    "merchant_private_key",
                    "found a CERTIFICATE block first; give the private key (apiclient_key.pem), not the certificate",
                )),
                SectionKind::PublicKey => {
                    return Err(Error::invalid_config(
                        "merchant_private_key",
                        "found a PUBLIC KEY block; the merchant private key is needed to sign requests",
                    ))
                }
                _ => continue,
            }
        }
        Err(Error::invalid_config(
            "merchant_private_key",
            "no PEM block 'PRIVATE KEY' (PKCS#8) or 'RSA PRIVATE KEY' (PKCS#1) found",
        ))
    }

    /// Parses a DER-encoded PKCS#8 RSA private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let key = KeyPair::from_pkcs8(der)
            .map_err(|e| Error::invalid_config("merchant_private_key", format!("not a usable PKCS#8 RSA key: {e}")))?;
        Self::checked(key)
    }

    /// Parses a DER-encoded PKCS#1 RSA private key.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        let key = KeyPair::from_der(der)
            .map_err(|e| Error::invalid_config("merchant_private_key", format!("not a usable PKCS#1 RSA key: {e}")))?;
        Self::checked(key)
    }

    fn checked(key: KeyPair) -> Result<Self> {
        let bits = key.public_modulus_len() * 8;
        if bits < 2048 {
            return Err(Error::invalid_config(
                "merchant_private_key",
                format!("RSA key has {bits} bits; WeChat Pay issues 2048-bit keys and rejects shorter ones"),
            ));
        }
        Ok(Self { key })
    }

    /// Signs `message` with SHA256withRSA (RSASSA-PKCS1-v1_5) and returns the Base64 signature.
    pub fn sign(&self, message: &[u8]) -> Result<String> {
        let rng = SystemRandom::new();
        let mut signature = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut signature)
            .map_err(|_| Error::invalid_config("merchant_private_key", "RSA signing failed"))?;
        Ok(BASE64.encode(signature))
    }

    /// Returns the DER SubjectPublicKeyInfo of the matching public key.
    pub fn public_key_der(&self) -> Vec<u8> {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::signature::KeyPair as _;
        self.key.public_key().as_der().map(|der| der.as_ref().to_vec()).unwrap_or_default()
    }
}

impl fmt::Debug for MerchantPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MerchantPrivateKey(<redacted>)")
    }
}

/// An RSA public key that verifies WeChat Pay signatures: from a platform certificate or a
/// configured WeChat Pay public key.
#[derive(Clone)]
pub struct PublicKey {
    key: std::sync::Arc<ParsedPublicKey>,
    spki_der: std::sync::Arc<[u8]>,
}

impl PublicKey {
    /// Parses a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) or the key inside a PEM `CERTIFICATE`.
    pub fn from_pem(pem: &[u8]) -> Result<Self> {
        for section in <(SectionKind, Vec<u8>)>::pem_slice_iter(pem) {
            let (kind, der) = section
                .map_err(|e| Error::invalid_config("public_key", format!("the PEM text cannot be read: {e}")))?;
            match kind {
                SectionKind::PublicKey => return Self::from_der(&der),
                SectionKind::Certificate => {
                    return crate::certificate::PlatformCertificate::from_der(&der).map(|c| c.public_key().clone())
                }
                SectionKind::PrivateKey | SectionKind::RsaPrivateKey => {
                    return Err(Error::invalid_config(
                        "public_key",
                        "found a private key where a platform public key or certificate was expected",
                    ))
                }
                _ => continue,
            }
        }
        // rustls-pki-types skips the PKCS#1 `RSA PUBLIC KEY` label, so it is read here.
        if let Some(der) = pem_block(pem, "RSA PUBLIC KEY") {
            return Self::from_der(&der);
        }
        Err(Error::invalid_config("public_key", "no PEM block 'PUBLIC KEY', 'RSA PUBLIC KEY' or 'CERTIFICATE' found"))
    }

    /// Parses a DER SubjectPublicKeyInfo or PKCS#1 RSAPublicKey. Either way the key is kept as
    /// SubjectPublicKeyInfo, so the two encodings of one key compare equal.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        use aws_lc_rs::encoding::AsDer;
        let rejected = || Error::invalid_config("public_key", "not an RSA public key of 2048 to 8192 bits");
        let spki =
            aws_lc_rs::rsa::PublicKey::from_der(der).map_err(|_| rejected())?.as_der().map_err(|_| rejected())?;
        let key =
            ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, spki.as_ref()).map_err(|_| rejected())?;
        let spki_der: std::sync::Arc<[u8]> = spki.as_ref().into();
        Ok(Self { key: std::sync::Arc::new(key), spki_der })
    }

    /// Verifies a Base64 SHA256withRSA `signature` over `message`. Returns whether it verifies.
    pub fn verify(&self, message: &[u8], signature_base64: &str) -> bool {
        let Ok(signature) = BASE64.decode(signature_base64.trim()) else {
            return false;
        };
        self.key.verify_sig(message, &signature).is_ok()
    }

    /// DER SubjectPublicKeyInfo, used to compare keys.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({} bytes SPKI)", self.spki_der.len())
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki_der == other.spki_der
    }
}

/// The 32-byte APIv3 key that decrypts notifications and platform certificates.
#[derive(Clone, Zeroize)]
#[zeroize(drop)]
pub struct ApiV3Key {
    bytes: [u8; APIV3_KEY_LEN],
}

impl ApiV3Key {
    /// Wraps the key as set in the merchant platform: exactly 32 bytes, used as raw ASCII.
    pub fn new(key: impl AsRef<[u8]>) -> Result<Self> {
        let key = key.as_ref();
        if key.len() != APIV3_KEY_LEN {
            return Err(Error::invalid_config(
                "apiv3_key",
                format!("must be exactly {APIV3_KEY_LEN} bytes, got {} bytes", key.len()),
            ));
        }
        let mut bytes = [0u8; APIV3_KEY_LEN];
        bytes.copy_from_slice(key);
        Ok(Self { bytes })
    }

    /// Decrypts a Base64 AEAD_AES_256_GCM `ciphertext` (data followed by the 16-byte tag).
    ///
    /// `nonce` must be 12 bytes; `associated_data` may be empty.
    pub fn decrypt(
        &self,
        nonce: &str,
        associated_data: &str,
        ciphertext_base64: &str,
        what: &'static str,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let nonce = Nonce::try_assume_unique_for_key(nonce.as_bytes()).map_err(|_| {
            Error::malformed(what, format!("resource nonce must be 12 bytes, got {} bytes", nonce.len()))
        })?;
        let mut buffer = Zeroizing::new(
            BASE64
                .decode(ciphertext_base64.trim())
                .map_err(|e| Error::malformed(what, format!("ciphertext is not valid Base64: {e}")))?,
        );
        if buffer.len() < GCM_TAG_LEN {
            return Err(Error::malformed(what, "ciphertext is shorter than the 16-byte GCM tag"));
        }

        let key = self.aead_key().map_err(|_| Error::DecryptionFailed { what })?;
        let plaintext_len = key
            .open_in_place(nonce, Aad::from(associated_data.as_bytes()), &mut buffer)
            .map_err(|_| Error::DecryptionFailed { what })?
            .len();
        buffer.truncate(plaintext_len);
        Ok(buffer)
    }

    /// Encrypts `plaintext` the way WeChat Pay does and returns Base64 of ciphertext and tag.
    /// The SDK itself only decrypts; tools and tests use this to build notifications.
    pub fn encrypt(&self, nonce: &str, associated_data: &str, plaintext: &[u8]) -> Result<String> {
        let nonce = Nonce::try_assume_unique_for_key(nonce.as_bytes())
            .map_err(|_| Error::invalid_argument("nonce", format!("must be 12 bytes, got {} bytes", nonce.len())))?;
        let mut buffer = plaintext.to_vec();
        self.aead_key()
            .map_err(|_| Error::invalid_argument("apiv3_key", "AES-256-GCM key setup failed"))?
            .seal_in_place_append_tag(nonce, Aad::from(associated_data.as_bytes()), &mut buffer)
            .map_err(|_| Error::invalid_argument("plaintext", "AES-256-GCM encryption failed"))?;
        Ok(BASE64.encode(buffer))
    }

    fn aead_key(&self) -> std::result::Result<LessSafeKey, aws_lc_rs::error::Unspecified> {
        Ok(LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.bytes)?))
    }
}

impl fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiV3Key(<redacted>)")
    }
}

/// Returns the Base64-decoded content of the first PEM block with `label`.
fn pem_block(pem: &[u8], label: &str) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(pem).ok()?;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text[start..].find(&end)?;
    let encoded: String = text[start..stop].chars().filter(|c| !c.is_ascii_whitespace()).collect();
    BASE64.decode(encoded).ok()
}

/// Returns `len` random letters and digits from the system CSPRNG, the form WeChat Pay uses for
/// nonces.
pub fn random_nonce(len: usize) -> String {
    let rng = SystemRandom::new();
    let mut raw = vec![0u8; len];
    // The system random source does not fail on supported platforms; fall back to a fixed
    // pattern only so that this function stays total. Nonces only need to be unique per minute.
    if rng.fill(&mut raw).is_err() {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        for (i, byte) in raw.iter_mut().enumerate() {
            *byte = (nanos >> ((i % 16) * 8)) as u8 ^ i as u8;
        }
    }
    raw.iter().map(|b| NONCE_ALPHABET[usize::from(*b) % NONCE_ALPHABET.len()] as char).collect()
}

/// Nonce length of AEAD_AES_256_GCM as WeChat Pay uses it.
pub const GCM_NONCE_LEN: usize = aead::NONCE_LEN;
