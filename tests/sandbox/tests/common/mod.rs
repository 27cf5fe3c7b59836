//! Test helpers: a minimal APIv3 signer and HTTP client written from the protocol rules (not
//! from the sandbox's code), response verification against the downloaded platform
//! certificate, and a local listener that receives notifications.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::{self, UnparsedPublicKey};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use papay_sandbox::{Credentials, Sandbox, SandboxOptions};
use serde_json::Value;

/// A finished HTTP exchange.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}

/// Starts a sandbox whose notification retries wait milliseconds instead of minutes.
pub async fn start_fast(mut options: SandboxOptions) -> Sandbox {
    options.retry_schedule = vec![Duration::from_millis(50); 3];
    options.refund_retry_schedule = vec![Duration::from_millis(50); 3];
    options.refund_delay = Duration::from_millis(20);
    match Sandbox::start(options).await {
        Ok(sandbox) => sandbox,
        Err(error) => panic!("sandbox did not start: {error}"),
    }
}

pub fn decode_pem(pem: &str) -> Vec<u8> {
    let base64_text: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect::<String>()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    BASE64.decode(base64_text).unwrap_or_default()
}

/// Signs a request as a merchant does and returns the Authorization header value.
pub fn authorization(credentials: &Credentials, method: &str, target: &str, body: &[u8]) -> String {
    let key = KeyPair::from_pkcs8(&decode_pem(&credentials.merchant_private_key_pem));
    let Ok(key) = key else {
        panic!("merchant key in credentials is not PKCS#8");
    };
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let nonce = "TESTNONCE0123456789ABCDEFGHIJKLM";

    let mut message = format!("{method}\n{target}\n{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');

    let rng = aws_lc_rs::rand::SystemRandom::new();
    let mut signature_bytes = vec![0u8; key.public_modulus_len()];
    if key.sign(&signature::RSA_PKCS1_SHA256, &rng, &message, &mut signature_bytes).is_err() {
        panic!("signing failed");
    }
    format!(
        "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",serial_no=\"{}\",signature=\"{}\"",
        credentials.mchid,
        credentials.merchant_serial_no,
        BASE64.encode(signature_bytes)
    )
}

/// Sends one request over a fresh connection and reads the whole response.
pub async fn send(
    base_url: &str,
    method: &str,
    target: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Result<Answer, String> {
    let address: SocketAddr =
        base_url.trim_start_matches("http://").parse().map_err(|e| format!("bad base URL: {e}"))?;
    let stream = tokio::net::TcpStream::connect(address).await.map_err(|e| e.to_string())?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(connection);

    let mut builder = http::Request::builder().method(method).uri(target).header("Host", address.to_string());
    for (name, value) in headers {
        builder = builder.header(*name, value.as_str());
    }
    let request = builder.body(Full::new(Bytes::from(body))).map_err(|e| e.to_string())?;

    let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = response.into_body().collect().await.map_err(|e| format!("body: {e}"))?.to_bytes().to_vec();
    Ok(Answer { status, headers, body })
}

/// Sends a correctly signed API request with JSON headers.
pub async fn call(sandbox: &Sandbox, method: &str, target: &str, body: &str) -> Answer {
    let credentials = sandbox.credentials();
    let headers = vec![
        ("Authorization", authorization(&credentials, method, target, body.as_bytes())),
        ("User-Agent", "papay-sandbox-tests/1".to_string()),
        ("Accept", "application/json".to_string()),
        ("Content-Type", "application/json".to_string()),
    ];
    match send(&sandbox.base_url(), method, target, &headers, body.as_bytes().to_vec()).await {
        Ok(answer) => answer,
        Err(error) => panic!("{method} {target} failed: {error}"),
    }
}

/// Decrypts AEAD_AES_256_GCM base64 ciphertext with the APIv3 key.
pub fn decrypt(apiv3_key: &str, nonce: &str, aad: &str, ciphertext_base64: &str) -> Option<Vec<u8>> {
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, apiv3_key.as_bytes()).ok()?);
    let nonce = Nonce::try_assume_unique_for_key(nonce.as_bytes()).ok()?;
    let mut data = BASE64.decode(ciphertext_base64).ok()?;
    let plaintext = key.open_in_place(nonce, Aad::from(aad.as_bytes()), &mut data).ok()?;
    Some(plaintext.to_vec())
}

/// Parses a platform certificate's serial number (upper-case hex) and SubjectPublicKeyInfo DER.
pub fn certificate_key(pem: &str) -> Option<(String, Vec<u8>)> {
    let (_, parsed_pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).ok()?;
    let certificate = parsed_pem.parse_x509().ok()?;
    let serial: String = certificate.raw_serial().iter().map(|b| format!("{b:02X}")).collect();
    Some((serial, certificate.public_key().raw.to_vec()))
}

/// Downloads and decrypts the platform certificates: serial number to SPKI DER.
pub async fn platform_keys(sandbox: &Sandbox) -> HashMap<String, Vec<u8>> {
    let credentials = sandbox.credentials();
    let answer = call(sandbox, "GET", "/v3/global/certificates", "").await;
    let mut keys = HashMap::new();
    let data = answer.json()["data"].as_array().cloned().unwrap_or_default();
    for item in data {
        let encrypted = &item["encrypt_certificate"];
        let pem = decrypt(
            &credentials.apiv3_key,
            encrypted["nonce"].as_str().unwrap_or(""),
            encrypted["associated_data"].as_str().unwrap_or(""),
            encrypted["ciphertext"].as_str().unwrap_or(""),
        );
        let key = pem.and_then(|p| certificate_key(&String::from_utf8_lossy(&p)));
        if let Some((serial, spki)) = key {
            keys.insert(serial, spki);
        }
    }
    keys
}

/// Verifies Wechatpay-* headers over a body with the given SPKI DER.
pub fn signature_verifies(spki: &[u8], timestamp: &str, nonce: &str, body: &[u8], signature: &str) -> bool {
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    let Ok(signature_bytes) = BASE64.decode(signature) else {
        return false;
    };
    UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, spki).verify(&message, &signature_bytes).is_ok()
}

/// Verifies an answer's signature with the downloaded platform keys.
pub fn answer_verifies(keys: &HashMap<String, Vec<u8>>, answer: &Answer) -> bool {
    let serial = answer.header("Wechatpay-Serial").unwrap_or("");
    let Some(spki) = keys.get(serial) else {
        return false;
    };
    signature_verifies(
        spki,
        answer.header("Wechatpay-Timestamp").unwrap_or(""),
        answer.header("Wechatpay-Nonce").unwrap_or(""),
        &answer.body,
        answer.header("Wechatpay-Signature").unwrap_or(""),
    )
}

/// A request received by [`NotificationListener`].
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

/// A local HTTP server that records POSTs and responds with statuses from a script (then 204).
#[derive(Debug, Clone)]
pub struct NotificationListener {
    pub base_url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl NotificationListener {
    pub async fn start(mut statuses: Vec<u16>) -> NotificationListener {
        let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(error) => panic!("cannot bind the notification listener: {error}"),
        };
        let base_url = format!("http://{}", listener.local_addr().map(|a| a.to_string()).unwrap_or_default());
        let received = Arc::new(Mutex::new(Vec::new()));
        statuses.reverse();
        let script = Arc::new(Mutex::new(statuses));

        let server_received = Arc::clone(&received);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let received = Arc::clone(&server_received);
                let script = Arc::clone(&script);
                let service = hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    let received = Arc::clone(&received);
                    let script = Arc::clone(&script);
                    async move {
                        let path = request.uri().path().to_string();
                        let headers = request
                            .headers()
                            .iter()
                            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                            .collect();
                        let body =
                            request.into_body().collect().await.map(|c| c.to_bytes().to_vec()).unwrap_or_default();
                        if let Ok(mut list) = received.lock() {
                            list.push(Received { path, headers, body });
                        }
                        let status = script.lock().ok().and_then(|mut s| s.pop()).unwrap_or(204);
                        let mut response = http::Response::new(Full::new(Bytes::new()));
                        *response.status_mut() =
                            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::NO_CONTENT);
                        Ok::<_, std::convert::Infallible>(response)
                    }
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service),
                );
            }
        });

        NotificationListener { base_url, received }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

/// Pre-signs with the Mini Program API in Common mode and confirms; returns the contract id.
pub async fn signed_contract(sandbox: &Sandbox, out_contract_code: &str) -> String {
    let credentials = sandbox.credentials();
    let body = serde_json::json!({
        "appid": credentials.appid,
        "plan_id": credentials.plan_id,
        "out_contract_code": out_contract_code,
        "user_display_name": "Test User",
        "success_notify_url": "https://merchant.example/papay/sign-notify",
        "openid": credentials.openid,
    })
    .to_string();
    let answer = call(sandbox, "POST", "/v3/global/papay/contracts/miniprogram-pre-entrust-sign", &body).await;
    let session_id = answer.json()["session_id"].as_str().unwrap_or("").to_string();
    match sandbox.confirm_signing(papay_sandbox::SigningRef::SessionId(session_id)) {
        Ok(view) => view.contract_id,
        Err(error) => panic!("confirm_signing failed: {error}"),
    }
}

/// Builds a Common-mode deduction body.
pub fn deduction_body(credentials: &Credentials, contract_id: &str, out_trade_no: &str, notify_url: &str) -> String {
    serde_json::json!({
        "appid": credentials.appid,
        "description": "FakeShop-HK-Monthly plan",
        "notify_url": notify_url,
        "out_trade_no": out_trade_no,
        "merchant_category_code": "5999",
        "contract_id": contract_id,
        "amount": { "total": 1000, "currency": "HKD" },
    })
    .to_string()
}
