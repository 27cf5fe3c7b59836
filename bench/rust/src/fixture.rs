//! The messages every benchmark works on, built from the test keys in tests/vectors/keys.

use std::path::Path;

use papay::{ApiV3Key, MerchantPrivateKey};

/// Id of the WeChat Pay public key that signs the notification. Public-key mode lets every
/// library under test look the key up by this id without downloading certificates.
pub const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0119000000012026120400000000000001";

/// Decrypted resource of a TRANSACTION.SUCCESS notification, with the fields WeChat Pay Global
/// sends for a paid HKD deduction charged in CNY.
const ORDER_PLAINTEXT: &str = concat!(
    r#"{"mchid":"1900000001","appid":"wx00000000000000a1","out_trade_no":"BENCHORDER000001","#,
    r#""transaction_id":"4200000000202612040000000000000001","trade_type":"AUTH","trade_state":"SUCCESS","#,
    r#""trade_state_desc":"payment succeeded","bank_type":"CFT","attach":"monthly plan 2026-12","#,
    r#""success_time":"2026-12-04T21:00:01+08:00","payer":{"openid":"oFAKE_openid_000000000000001"},"#,
    r#""amount":{"total":1000,"currency":"HKD","payer_total":905,"payer_currency":"CNY","#,
    r#""exchange_rate":{"type":"SETTLEMENT_RATE","rate":90500000}}}"#
);

/// Body of a deduction request, the request the signing benchmarks sign.
const DEDUCTION_BODY: &str = concat!(
    r#"{"description":"Bench Store-HK-monthly plan","notify_url":"https://merchant.example/papay/pay-notify","#,
    r#""out_trade_no":"BENCHORDER000001","merchant_category_code":"5999","#,
    r#""contract_id":"Wx0000BENCH0000000000000000001","amount":{"total":1000,"currency":"HKD"}}"#
);

/// The test keys of tests/vectors/keys.
pub struct Keys {
    pub merchant_pem: Vec<u8>,
    pub merchant_serial: String,
    pub platform_private_pem: Vec<u8>,
    pub platform_public_pem: Vec<u8>,
    pub apiv3_key: String,
}

impl Keys {
    pub fn load(dir: &Path) -> Result<Self, String> {
        let read = |name: &str| {
            std::fs::read(dir.join(name)).map_err(|e| format!("cannot read {}: {e}", dir.join(name).display()))
        };
        let text = |name: &str| read(name).map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned());
        Ok(Self {
            merchant_pem: read("merchant_pkcs8.pem")?,
            merchant_serial: text("merchant_serial.txt")?,
            platform_private_pem: read("platform_pkcs8.pem")?,
            platform_public_pem: read("platform_public.pem")?,
            apiv3_key: text("apiv3_key.txt")?,
        })
    }
}

/// A notification as the merchant's endpoint receives it.
pub struct Notification {
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub plaintext_len: usize,
}

/// Builds a TRANSACTION.SUCCESS notification signed at `timestamp` (Unix seconds).
pub fn notification(keys: &Keys, timestamp: i64) -> Result<Notification, String> {
    let apiv3_key = ApiV3Key::new(keys.apiv3_key.as_bytes()).map_err(|e| format!("APIv3 key: {e}"))?;
    let resource_nonce = "bN3cT7dQ2xW9";
    let ciphertext = apiv3_key
        .encrypt(resource_nonce, "transaction", ORDER_PLAINTEXT.as_bytes())
        .map_err(|e| format!("encryption: {e}"))?;
    let body = format!(
        concat!(
            r#"{{"id":"d9e4c6a1-5b2f-5c8e-9a7d-3f1e0b6c4a21","create_time":"2026-12-04T21:00:02+08:00","#,
            r#""resource_type":"encrypt-resource","event_type":"TRANSACTION.SUCCESS","summary":"支付成功","#,
            r#""resource":{{"original_type":"transaction","algorithm":"AEAD_AES_256_GCM","ciphertext":"{}","#,
            r#""associated_data":"transaction","nonce":"{}"}}}}"#
        ),
        ciphertext, resource_nonce
    );

    let nonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";
    let platform_key =
        MerchantPrivateKey::from_pem(&keys.platform_private_pem).map_err(|e| format!("platform key: {e}"))?;
    let message = papay::signing::response_message(&timestamp.to_string(), nonce, body.as_bytes());
    let signature = platform_key.sign(&message).map_err(|e| format!("signing: {e}"))?;
    let headers = vec![
        ("Wechatpay-Timestamp".to_owned(), timestamp.to_string()),
        ("Wechatpay-Nonce".to_owned(), nonce.to_owned()),
        ("Wechatpay-Serial".to_owned(), PUBLIC_KEY_ID.to_owned()),
        ("Wechatpay-Signature".to_owned(), signature),
        ("Wechatpay-Signature-Type".to_owned(), "WECHATPAY2-SHA256-RSA2048".to_owned()),
    ];
    Ok(Notification { headers, body, plaintext_len: ORDER_PLAINTEXT.len() })
}

/// The deduction request whose 5-line message the signing benchmarks sign.
pub struct Request {
    pub method: &'static str,
    pub target: &'static str,
    pub nonce: &'static str,
    pub body: &'static str,
}

pub const REQUEST: Request = Request {
    method: "POST",
    target: "/v3/global/papay/transactions",
    nonce: "593BEC0C930BF1AFEB40B4A08C8FB242",
    body: DEDUCTION_BODY,
};

/// The 5-line message of [`REQUEST`]: method, target, timestamp, nonce and body.
pub fn request_message(timestamp: i64) -> Vec<u8> {
    papay::signing::request_message(REQUEST.method, REQUEST.target, timestamp, REQUEST.nonce, REQUEST.body.as_bytes())
}

/// Prints the notification and the request message as JSON for the Python and Node scripts.
pub fn print(keys_dir: &Path) -> Result<(), String> {
    let keys = Keys::load(keys_dir)?;
    let now = unix_now();
    let notification = notification(&keys, now)?;
    let headers: serde_json::Map<String, serde_json::Value> =
        notification.headers.iter().map(|(name, value)| (name.clone(), value.clone().into())).collect();
    let message = request_message(now);
    let output = serde_json::json!({
        "public_key_id": PUBLIC_KEY_ID,
        "headers": headers,
        "body": notification.body,
        "plaintext_len": notification.plaintext_len,
        "request": {
            "method": REQUEST.method,
            "target": REQUEST.target,
            "timestamp": now,
            "nonce": REQUEST.nonce,
            "body": REQUEST.body,
            "message": String::from_utf8_lossy(&message),
        },
    });
    println!("{output}");
    Ok(())
}

/// Current Unix time in seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
