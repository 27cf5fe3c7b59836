//! Construction-time checks of the configuration and redaction of secrets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/keys");

fn read(name: &str) -> String {
    std::fs::read_to_string(Path::new(VECTORS).join(name)).unwrap()
}

fn builder() -> papay::ConfigBuilder {
    papay::Config::builder()
        .mchid("1900000001")
        .serial_no(read("merchant_serial.txt").trim())
        .private_key_pem(read("merchant_pkcs8.pem"))
        .apiv3_key(read("apiv3_key.txt").trim().to_owned())
        .mode(papay::Mode::Common { appid: "wx00000000000000a1".into() })
}

fn config_error(builder: papay::ConfigBuilder) -> String {
    let error = builder.build().unwrap_err();
    assert_eq!(error.code(), "INVALID_CONFIG");
    error.to_string()
}

#[test]
fn valid_config_builds() {
    let config = builder().build().unwrap();
    assert_eq!(config.base_url(), "https://apihk.mch.weixin.qq.com/");
}

#[test]
fn pkcs1_private_key_is_accepted() {
    assert!(builder().private_key_pem(read("merchant_pkcs1.pem")).build().is_ok());
}

#[test]
fn apiv3_key_of_31_or_33_bytes_is_rejected() {
    for length in [31, 33] {
        let message = config_error(builder().apiv3_key("k".repeat(length)));
        assert!(message.contains(&format!("apiv3_key: must be exactly 32 bytes, got {length} bytes")), "{message}");
    }
}

#[test]
fn unparsable_pem_is_rejected_without_echo() {
    let message = config_error(
        builder().private_key_pem("-----BEGIN PRIVATE KEY-----\nSECRETMATERIAL\n-----END PRIVATE KEY-----\n"),
    );
    assert!(message.contains("merchant_private_key"), "{message}");
    assert!(!message.contains("SECRETMATERIAL"), "{message}");
}

#[test]
fn certificate_given_as_private_key_is_rejected() {
    let message = config_error(builder().private_key_pem(read("platform_cert.pem")));
    assert!(message.contains("give the private key"), "{message}");
}

#[test]
fn merchant_serial_as_platform_key_id_is_rejected() {
    let serial = read("merchant_serial.txt");
    let message = config_error(builder().platform_public_key(serial.trim(), read("platform_public.pem")));
    assert!(message.contains("merchant's own certificate serial"), "{message}");
}

#[test]
fn merchant_public_key_as_platform_key_is_rejected() {
    let merchant = papay::MerchantPrivateKey::from_pem(read("merchant_pkcs8.pem").as_bytes()).unwrap();
    let der = merchant.public_key_der();
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let pem = format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n");
    let message = config_error(builder().platform_public_key("PUB_KEY_ID_0001", pem));
    assert!(message.contains("merchant's own public key"), "{message}");
}

#[test]
fn plain_http_base_url_is_rejected_except_loopback() {
    let message = config_error(builder().base_url("http://apihk.mch.weixin.qq.com"));
    assert!(message.contains("must use https"), "{message}");
    assert!(builder().base_url("http://127.0.0.1:8080").build().is_ok());
}

#[test]
fn institutional_mode_checks_ids() {
    let message = config_error(builder().mode(papay::Mode::Institutional {
        sp_appid: "wx1".into(),
        sub_mchid: String::new(),
        sub_appid: None,
    }));
    assert!(message.contains("sub_mchid"), "{message}");
}

#[test]
fn no_verification_source_is_rejected() {
    let message = config_error(builder().download_certificates(false));
    assert!(message.contains("no platform public key or certificate"), "{message}");
}

#[test]
fn debug_output_never_shows_secrets() {
    let private_pem = read("merchant_pkcs8.pem");
    let apiv3 = read("apiv3_key.txt").trim().to_owned();
    let config = builder().build().unwrap();
    let client = papay::Client::new(builder().build().unwrap()).unwrap();
    let texts = [
        format!("{config:?}"),
        format!("{client:?}"),
        format!("{:?}", builder()),
        format!("{:?}", papay::MerchantPrivateKey::from_pem(private_pem.as_bytes()).unwrap()),
        format!("{:?}", papay::ApiV3Key::new(&apiv3).unwrap()),
        format!("{:?}", client.notification_parser()),
    ];
    let key_line = private_pem.lines().nth(1).unwrap();
    for text in texts {
        assert!(!text.contains(&apiv3), "APIv3 key printed in {text}");
        assert!(!text.contains(key_line), "private key printed in {text}");
        assert!(!text.contains("PRIVATE KEY"), "private key printed in {text}");
    }
}
