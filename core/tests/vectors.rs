//! Checks the papay core against the cross-language vectors in `tests/vectors`, which openssl and
//! Node.js produced without any papay code. The README in that directory describes every field.

// A failed vector check should stop the test with the case name, which `expect` and `panic!`
// provide.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use papay::certificate::PlatformCertificate;
use papay::clock::FixedClock;
use papay::crypto::{ApiV3Key, MerchantPrivateKey, PublicKey};
use papay::encoding::encode_component;
use papay::headers::HeaderSource;
use papay::notification::{NotificationEvent, NotificationParser};
use papay::signing::{authorization_header, request_message, response_message, RequestSigner};
use papay::verifier::{verify_signature, CertificateStore, SignatureHeaders, VerifyOptions};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn read_vector_file(relative: &str) -> Vec<u8> {
    let path = vectors_dir().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn load_json(name: &str) -> Value {
    serde_json::from_slice(&read_vector_file(name)).unwrap_or_else(|e| panic!("{name} is not valid JSON: {e}"))
}

fn cases(document: &Value) -> &Vec<Value> {
    document["cases"].as_array().expect("the file has a \"cases\" array")
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key].as_str().unwrap_or_else(|| panic!("field {key:?} is not a string in {value}"))
}

fn integer(value: &Value, key: &str) -> i64 {
    value[key].as_i64().unwrap_or_else(|| panic!("field {key:?} is not an integer in {value}"))
}

fn case_name(case: &Value) -> &str {
    text(case, "name")
}

fn utc(unix_seconds: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(unix_seconds, 0).expect("Unix time in range")
}

/// Converts a JSON object of header name to value into name-value pairs, keeping the names' case.
fn header_pairs(headers: &Value) -> Vec<(String, String)> {
    headers
        .as_object()
        .expect("headers is an object")
        .iter()
        .map(|(name, value)| (name.clone(), value.as_str().expect("header value is a string").to_owned()))
        .collect()
}

/// Builds a store holding every certificate listed under `certificate_files`.
fn certificate_store(document: &Value) -> CertificateStore {
    let store = CertificateStore::new();
    for file in document["certificate_files"].as_array().expect("certificate_files array") {
        let file = file.as_str().expect("certificate file name");
        let certificate = PlatformCertificate::from_pem(&read_vector_file(file))
            .unwrap_or_else(|e| panic!("{file} does not parse: {e}"));
        store.insert(certificate);
    }
    store
}

#[test]
fn request_signatures_match_openssl() {
    let document = load_json("signatures.json");
    let pkcs8 =
        MerchantPrivateKey::from_pem(&read_vector_file(text(&document, "private_key_file"))).expect("PKCS#8 key");
    let pkcs1 =
        MerchantPrivateKey::from_pem(&read_vector_file(text(&document, "private_key_file_pkcs1"))).expect("PKCS#1 key");
    let mchid = text(&document, "mchid");
    let serial = text(&document, "merchant_serial");
    let signer = RequestSigner::new(
        mchid,
        serial,
        Arc::new(
            MerchantPrivateKey::from_pem(&read_vector_file(text(&document, "private_key_file"))).expect("PKCS#8 key"),
        ),
    );

    for case in cases(&document) {
        let name = case_name(case);
        let method = text(case, "method");
        let target = text(case, "target");
        let timestamp: i64 = text(case, "timestamp").parse().expect("timestamp is decimal");
        let nonce = text(case, "nonce");
        let body = text(case, "body");
        let expected_signature = text(case, "signature");

        let message = request_message(method, target, timestamp, nonce, body.as_bytes());
        assert_eq!(String::from_utf8(message.clone()).expect("UTF-8"), text(case, "message"), "{name}: message");
        assert_eq!(pkcs8.sign(&message).expect("sign"), expected_signature, "{name}: PKCS#8 signature");
        assert_eq!(pkcs1.sign(&message).expect("sign"), expected_signature, "{name}: PKCS#1 signature");
        assert_eq!(
            authorization_header(mchid, nonce, timestamp, serial, expected_signature),
            text(case, "authorization"),
            "{name}: authorization_header"
        );
        assert_eq!(
            signer.authorization_with_nonce(method, target, timestamp, nonce, body.as_bytes()).expect("sign"),
            text(case, "authorization"),
            "{name}: RequestSigner"
        );

        if let Some(parameter) = case.get("path_parameter") {
            let encoded = encode_component(text(parameter, "decoded"));
            assert_eq!(encoded, text(parameter, "encoded"), "{name}: encoded path parameter");
            assert!(target.contains(&format!("/{encoded}")), "{name}: target holds the encoded parameter");
        }
    }
}

/// Builds a client with the key of `signatures.json`. It never sends anything.
fn signing_client(document: &Value) -> papay::Client {
    let config = papay::Config::builder()
        .mchid(text(document, "mchid"))
        .serial_no(text(document, "merchant_serial"))
        .private_key_pem(read_vector_file(text(document, "private_key_file")))
        .apiv3_key(String::from_utf8(read_vector_file("keys/apiv3_key.txt")).expect("UTF-8").trim().to_owned())
        .platform_public_key("PUB_KEY_ID_0114000000000000000000000000", read_vector_file("keys/platform_public.pem"))
        .download_certificates(false)
        .mode(papay::Mode::Common { appid: "wx00000000000000a1".into() })
        .build()
        .expect("config");
    papay::Client::new(config).expect("client")
}

#[test]
fn client_sign_request_matches_openssl() {
    let document = load_json("signatures.json");
    let client = signing_client(&document);
    for case in cases(&document) {
        let name = case_name(case);
        let timestamp: i64 = text(case, "timestamp").parse().expect("timestamp is decimal");
        let authorization = client
            .sign_request(
                text(case, "method"),
                text(case, "target"),
                text(case, "body").as_bytes(),
                Some(timestamp),
                Some(text(case, "nonce")),
            )
            .expect("sign_request");
        assert_eq!(authorization, text(case, "authorization"), "{name}: Client::sign_request");
    }

    // Without a timestamp and nonce the client fills in the current time and a fresh nonce.
    let fresh = client.sign_request("GET", "/v3/global/refunds/out-refund-no/R1", b"", None, None).expect("sign");
    let again = client.sign_request("GET", "/v3/global/refunds/out-refund-no/R1", b"", None, None).expect("sign");
    assert_ne!(fresh, again, "each call gets its own nonce");
    let timestamp: i64 = fresh
        .split("timestamp=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|digits| digits.parse().ok())
        .expect("timestamp in the header");
    assert!((timestamp - chrono::Utc::now().timestamp()).abs() <= 5, "timestamp {timestamp} is now");
}

#[test]
fn client_sign_request_rejects_bad_parts() {
    let document = load_json("signatures.json");
    let client = signing_client(&document);
    let rejected = |method: &str, target: &str, timestamp: i64, nonce: &str| {
        let error = client.sign_request(method, target, b"", Some(timestamp), Some(nonce)).unwrap_err();
        assert_eq!(error.code(), "INVALID_ARGUMENT");
        error.to_string()
    };
    assert!(rejected("get", "/v3/x", 1, "N1").contains("method"));
    assert!(rejected("GET\nPOST", "/v3/x", 1, "N1").contains("method"));
    assert!(rejected("GET", "v3/x", 1, "N1").contains("target"));
    assert!(rejected("GET", "/v3/x y", 1, "N1").contains("target"));
    assert!(rejected("GET", "/v3/x\n", 1, "N1").contains("target"));
    assert!(rejected("GET", "/v3/订单", 1, "N1").contains("target"));
    assert!(rejected("GET", "/v3/x#part", 1, "N1").contains("target"));
    assert!(rejected("GET", "/v3/x", -1, "N1").contains("timestamp"));
    assert!(rejected("GET", "/v3/x", 1_796_424_809_000, "N1").contains("milliseconds"));
    assert!(rejected("GET", "/v3/x", 1, "").contains("nonce"));
    assert!(rejected("GET", "/v3/x", 1, "a\"b").contains("nonce"));
    assert!(rejected("GET", "/v3/x", 1, &"n".repeat(65)).contains("nonce"));
}

#[test]
fn merchant_key_forms_share_public_key() {
    let pkcs8 = MerchantPrivateKey::from_pem(&read_vector_file("keys/merchant_pkcs8.pem")).expect("PKCS#8 key");
    let pkcs1 = MerchantPrivateKey::from_pem(&read_vector_file("keys/merchant_pkcs1.pem")).expect("PKCS#1 key");
    assert_eq!(pkcs8.public_key_der(), pkcs1.public_key_der());
}

#[test]
fn platform_public_key_pem_forms_agree() {
    let from_certificate = PublicKey::from_pem(&read_vector_file("keys/platform_cert.pem")).expect("CERTIFICATE");
    let from_spki = PublicKey::from_pem(&read_vector_file("keys/platform_public.pem")).expect("PUBLIC KEY");
    assert_eq!(from_certificate, from_spki);

    let second = PublicKey::from_pem(&read_vector_file("keys/platform2_public.pem")).expect("second PUBLIC KEY");
    assert_ne!(from_certificate, second);
}

#[test]
fn platform_public_key_pkcs1_pem_parses() {
    let from_spki = PublicKey::from_pem(&read_vector_file("keys/platform_public.pem")).expect("PUBLIC KEY");
    let from_pkcs1 = PublicKey::from_pem(&read_vector_file("keys/platform_public_pkcs1.pem"))
        .unwrap_or_else(|e| panic!("BEGIN RSA PUBLIC KEY (PKCS#1) is rejected: {e}"));
    assert_eq!(from_spki, from_pkcs1);
}

#[test]
fn platform_public_key_pkcs1_der_parses() {
    use base64::Engine as _;
    let pem = String::from_utf8(read_vector_file("keys/platform_public_pkcs1.pem")).expect("UTF-8 PEM");
    let base64_body: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(base64_body).expect("PEM body is Base64");
    let from_pkcs1 = PublicKey::from_der(&der).expect("PKCS#1 RSAPublicKey DER");

    let responses = load_json("response_signatures.json");
    let case = cases(&responses).iter().find(|case| case_name(case) == "valid_200_json_body").expect("case exists");
    let message = response_message(text(case, "timestamp"), text(case, "nonce"), text(case, "body").as_bytes());
    assert!(from_pkcs1.verify(&message, text(case, "signature")), "the PKCS#1 key verifies valid_200_json_body");

    let from_spki = PublicKey::from_pem(&read_vector_file("keys/platform_public.pem")).expect("PUBLIC KEY");
    assert_eq!(from_pkcs1.spki_der(), from_spki.spki_der(), "spki_der() of a PKCS#1 key is SubjectPublicKeyInfo");
}

#[test]
fn platform_certificates_have_chosen_serials() {
    let expected = [
        ("keys/platform_cert.pem", "3C6A1E5F0B7D92A4C8E1F03B5D7A9C2E4F6B8D01"),
        ("keys/platform2_cert.pem", "4D7B2F6A1C8E03B5D9F14A6C2E8B0D3F5A7C9E12"),
        ("keys/platform_expired_cert.pem", "2E5C8A1F7B3D09E6C4A2F81D5B3E7C9A0F2D4B63"),
    ];
    for (file, serial) in expected {
        let certificate = PlatformCertificate::from_pem(&read_vector_file(file)).expect(file);
        assert_eq!(certificate.serial_no(), serial, "{file}: serial");
    }

    let expired = PlatformCertificate::from_pem(&read_vector_file("keys/platform_expired_cert.pem")).expect("expired");
    assert_eq!(expired.not_before().timestamp(), 1_577_836_800, "expired certificate: notBefore 2020-01-01");
    assert_eq!(expired.not_after().timestamp(), 1_609_459_200, "expired certificate: notAfter 2021-01-01");
}

#[test]
fn response_signatures_verify_as_expected() {
    let document = load_json("response_signatures.json");
    let store = certificate_store(&document);

    for case in cases(&document) {
        let name = case_name(case);
        let headers = SignatureHeaders {
            timestamp: text(case, "timestamp"),
            nonce: text(case, "nonce"),
            signature: text(case, "signature"),
            serial: text(case, "serial"),
            signature_type: None,
        };
        let options = VerifyOptions {
            context: "response",
            now: utc(integer(case, "now")),
            timestamp_window_seconds: Some(300),
            refreshed: false,
        };
        let result = verify_signature(&store, &headers, text(case, "body").as_bytes(), options);

        if case["valid"].as_bool().expect("valid is a boolean") {
            let key = result.unwrap_or_else(|e| panic!("{name}: expected to verify, got {} ({e})", e.code()));
            assert_eq!(key.serial, text(case, "serial"), "{name}: resolved serial");
        } else {
            let error = result.err().unwrap_or_else(|| panic!("{name}: expected a failure, it verified"));
            assert_eq!(error.code(), text(case, "expected_error"), "{name}: error code ({error})");
        }
    }
}

#[test]
fn aes_gcm_matches_node() {
    let document = load_json("aes_gcm.json");

    for case in cases(&document) {
        let name = case_name(case);
        let key = ApiV3Key::new(text(case, "key")).expect("32-byte key");
        let nonce = text(case, "nonce");
        let associated_data = text(case, "associated_data");
        let ciphertext = text(case, "ciphertext");
        let result = key.decrypt(nonce, associated_data, ciphertext, "test vector");

        match case["expected_error"].as_str() {
            None => {
                let plaintext = text(case, "plaintext");
                let decrypted =
                    result.unwrap_or_else(|e| panic!("{name}: expected to decrypt, got {} ({e})", e.code()));
                assert_eq!(decrypted.as_slice(), plaintext.as_bytes(), "{name}: plaintext");
                let encrypted = key.encrypt(nonce, associated_data, plaintext.as_bytes()).expect("encrypt");
                assert_eq!(encrypted, ciphertext, "{name}: ciphertext");
            }
            Some(code) => {
                let error = result.err().unwrap_or_else(|| panic!("{name}: expected {code}, it decrypted"));
                assert_eq!(error.code(), code, "{name}: error code ({error})");
            }
        }
    }
}

#[test]
fn certificate_download_decrypts_and_verifies() {
    let document = load_json("certificates.json");
    let key = ApiV3Key::new(text(&document, "apiv3_key")).expect("32-byte key");
    let body = text(&document, "body");
    let parsed: Value = serde_json::from_str(body).expect("body is JSON");
    let expected: BTreeMap<&str, &Value> = document["expected"]["certificates"]
        .as_array()
        .expect("expected certificates")
        .iter()
        .map(|entry| (text(entry, "serial_no"), entry))
        .collect();

    let store = CertificateStore::new();
    let entries = parsed["data"].as_array().expect("data array");
    assert_eq!(entries.len(), expected.len(), "number of certificates");
    for entry in entries {
        let serial = text(entry, "serial_no");
        let expected_entry = expected.get(serial).unwrap_or_else(|| panic!("unexpected serial {serial}"));
        let encrypted = &entry["encrypt_certificate"];
        assert_eq!(text(encrypted, "algorithm"), "AEAD_AES_256_GCM");
        let pem = key
            .decrypt(
                text(encrypted, "nonce"),
                text(encrypted, "associated_data"),
                text(encrypted, "ciphertext"),
                "certificate",
            )
            .unwrap_or_else(|e| panic!("{serial}: decryption failed: {e}"));
        assert_eq!(
            pem.as_slice(),
            read_vector_file(text(expected_entry, "certificate_file")).as_slice(),
            "{serial}: PEM"
        );

        let certificate = PlatformCertificate::from_pem(&pem).expect("decrypted PEM parses");
        assert_eq!(certificate.serial_no(), serial, "{serial}: certificate serial");
        assert_eq!(certificate.not_before().timestamp(), integer(expected_entry, "not_before"), "{serial}: notBefore");
        assert_eq!(certificate.not_after().timestamp(), integer(expected_entry, "not_after"), "{serial}: notAfter");
        assert_eq!(entry["effective_time"], expected_entry["effective_time"], "{serial}: effective_time");
        assert_eq!(entry["expire_time"], expected_entry["expire_time"], "{serial}: expire_time");
        let effective = chrono::DateTime::parse_from_rfc3339(text(entry, "effective_time")).expect("RFC 3339");
        assert_eq!(effective.timestamp(), certificate.not_before().timestamp(), "{serial}: effective_time instant");
        store.insert(certificate);
    }

    let headers = header_pairs(&document["headers"]);
    let signature_headers = SignatureHeaders::from_headers(&headers, "response").expect("signature headers present");
    let options = VerifyOptions {
        context: "response",
        now: utc(integer(&document, "now")),
        timestamp_window_seconds: Some(300),
        refreshed: false,
    };
    let signer = verify_signature(&store, &signature_headers, body.as_bytes(), options).expect("response verifies");
    assert_eq!(signer.serial, text(&document["expected"], "signed_by"));
}

/// Returns the decrypted resource of a typed event as JSON, the form the vectors hold.
fn event_resource_json(event: &NotificationEvent) -> Value {
    let mut serialized = serde_json::to_value(event).expect("event serializes");
    serialized["resource"].take()
}

#[test]
fn notifications_parse_or_fail_with_expected_code() {
    let document = load_json("notifications.json");
    let store: Arc<CertificateStore> = Arc::new(certificate_store(&document));
    let apiv3_key = ApiV3Key::new(text(&document, "apiv3_key")).expect("32-byte key");
    let window = document["timestamp_window_seconds"].as_u64().expect("timestamp_window_seconds");

    for case in cases(&document) {
        let name = case_name(case);
        let clock = Arc::new(FixedClock::new(integer(case, "now")));
        let parser = NotificationParser::new(store.clone(), apiv3_key.clone(), clock, window);
        let headers = header_pairs(&case["headers"]);
        let expected = &case["expected"];
        let result = parser.parse(&headers, text(case, "body").as_bytes());

        if let Some(code) = expected["error"].as_str() {
            let error = result.err().unwrap_or_else(|| panic!("{name}: expected {code}, it parsed"));
            assert_eq!(error.code(), code, "{name}: error code ({error})");
            continue;
        }

        let notification = result.unwrap_or_else(|e| panic!("{name}: expected to parse, got {} ({e})", e.code()));
        assert_eq!(notification.id, text(expected, "id"), "{name}: id");
        let serial = headers.header("Wechatpay-Serial").expect("valid cases carry Wechatpay-Serial");
        assert_eq!(notification.signed_by, serial, "{name}: signed_by");
        assert_eq!(notification.event_type, text(expected, "event_type"), "{name}: event_type");
        assert_eq!(notification.summary, text(expected, "summary"), "{name}: summary");
        let create_time = chrono::DateTime::parse_from_rfc3339(text(expected, "create_time")).expect("RFC 3339");
        assert_eq!(notification.create_time, Some(create_time), "{name}: create_time");

        let kind_matches = matches!(
            (text(expected, "event_type"), &notification.event),
            ("PAPAY.SIGN", NotificationEvent::ContractSigned(_))
                | ("PAPAY.TERMINATE", NotificationEvent::ContractTerminated(_))
                | ("TRANSACTION.SUCCESS", NotificationEvent::DeductionSucceeded(_))
                | ("REFUND.SUCCESS", NotificationEvent::RefundSucceeded(_))
        );
        assert!(kind_matches, "{name}: event variant {:?} for {}", notification.event, text(expected, "event_type"));
        assert_eq!(event_resource_json(&notification.event), expected["resource"], "{name}: decrypted resource");
    }
}

#[test]
fn notification_typed_fields_match_vectors() {
    let document = load_json("notifications.json");
    let store: Arc<CertificateStore> = Arc::new(certificate_store(&document));
    let apiv3_key = ApiV3Key::new(text(&document, "apiv3_key")).expect("32-byte key");
    let parse = |name: &str| {
        let case = cases(&document).iter().find(|case| case_name(case) == name).expect("case exists");
        let parser = NotificationParser::new(
            store.clone(),
            apiv3_key.clone(),
            Arc::new(FixedClock::new(integer(case, "now"))),
            300,
        );
        let headers = header_pairs(&case["headers"]);
        parser.parse(&headers, text(case, "body").as_bytes()).expect("valid notification")
    };

    let NotificationEvent::DeductionSucceeded(order) = parse("transaction_success_common").event else {
        panic!("transaction_success_common is not a deduction");
    };
    assert_eq!(order.out_trade_no, "FAKEORDER000002");
    assert_eq!(order.amount.total, 1000);
    assert_eq!(order.amount.currency, "HKD");
    assert_eq!(order.amount.payer_total, Some(905));
    assert_eq!(order.amount.payer_currency.as_deref(), Some("CNY"));
    assert_eq!(order.identity.mchid.as_deref(), Some("1900000001"));

    let NotificationEvent::ContractTerminated(contract) = parse("papay_terminate_user").event else {
        panic!("papay_terminate_user is not a termination");
    };
    assert_eq!(contract.contract_termination_mode.map(|mode| mode.to_string()).as_deref(), Some("USER"));
    assert_eq!(contract.plan_id, 999);

    let NotificationEvent::RefundSucceeded(refund) = parse("refund_success_lowercase_headers").event else {
        panic!("refund_success_lowercase_headers is not a refund");
    };
    assert_eq!(refund.identity.sub_mchid.as_deref(), Some("1900000099"));
    assert_eq!(refund.out_refund_no, "FAKEREFUND0001");

    let whitespace = parse("unusual_whitespace_chinese_summary");
    assert_eq!(whitespace.summary, "支付成功");
}
