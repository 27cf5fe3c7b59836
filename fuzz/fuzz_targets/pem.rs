//! Key and certificate parsers on arbitrary bytes: `MerchantPrivateKey::from_pem` (and its
//! PKCS#8 and PKCS#1 DER forms), `PublicKey::from_pem` and `from_der`, and
//! `PlatformCertificate::from_pem` and `from_der`. The same input goes to every parser, read as
//! PEM text and as DER.
//!
//! Besides "no panic", each parser that accepts the input must give a usable value:
//!
//! - a certificate has a non-empty upper-case hexadecimal serial, and its own PEM parses back
//!   to the same serial, validity and key;
//! - a public key's SubjectPublicKeyInfo parses back to an equal key;
//! - a private key signs, and its public key verifies that signature.

#![no_main]

use libfuzzer_sys::fuzz_target;
use papay::certificate::PlatformCertificate;
use papay::crypto::{MerchantPrivateKey, PublicKey};

fuzz_target!(|data: &[u8]| {
    for certificate in [PlatformCertificate::from_pem(data), PlatformCertificate::from_der(data)].into_iter().flatten()
    {
        check_certificate(&certificate);
    }
    for key in [PublicKey::from_pem(data), PublicKey::from_der(data)].into_iter().flatten() {
        let again = PublicKey::from_der(key.spki_der()).expect("a parsed key's SubjectPublicKeyInfo parses");
        assert!(again == key, "SubjectPublicKeyInfo round trip changed the key");
    }
    let private_keys = [
        MerchantPrivateKey::from_pem(data),
        MerchantPrivateKey::from_pkcs8_der(data),
        MerchantPrivateKey::from_pkcs1_der(data),
    ];
    for key in private_keys.into_iter().flatten() {
        check_private_key(&key);
    }
});

fn check_certificate(certificate: &PlatformCertificate) {
    let serial = certificate.serial_no();
    assert!(!serial.is_empty(), "empty certificate serial");
    assert!(
        serial.chars().all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c)),
        "serial {serial:?} is not upper-case hexadecimal"
    );

    let again = PlatformCertificate::from_pem(certificate.pem().as_bytes()).expect("a parsed certificate's PEM parses");
    assert_eq!(again.serial_no(), serial, "PEM round trip changed the serial");
    assert_eq!(again.not_before(), certificate.not_before(), "PEM round trip changed not_before");
    assert_eq!(again.not_after(), certificate.not_after(), "PEM round trip changed not_after");
    assert!(again.public_key() == certificate.public_key(), "PEM round trip changed the public key");
}

fn check_private_key(key: &MerchantPrivateKey) {
    let message = b"GET\n/v3/global/certificates\n1898557205\nFUZZ\n\n";
    let signature = key.sign(message).expect("a parsed private key signs");
    let public_key = PublicKey::from_der(&key.public_key_der()).expect("a parsed private key has a usable public key");
    assert!(public_key.verify(message, &signature), "the key's own signature does not verify");
}
