//! The sandbox the request benchmarks of every language query, as its own process so that it
//! can be pinned to its own CPU.

use std::path::Path;
use std::time::Duration;

use papay_sandbox::{MerchantKey, Sandbox, SandboxOptions, SigningRef};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

use crate::fixture::Keys;

/// The order every query benchmark reads.
pub const OUT_TRADE_NO: &str = "BENCHORDER000001";

pub fn run(keys_dir: &Path, info_path: &Path) -> Result<(), String> {
    // One worker, so the sandbox uses one CPU as the benchmark script pins it.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    runtime.block_on(serve(keys_dir, info_path))
}

async fn serve(keys_dir: &Path, info_path: &Path) -> Result<(), String> {
    let keys = Keys::load(keys_dir)?;
    let notify_sink = start_notify_sink().await?;
    let options = SandboxOptions {
        merchant: Some(MerchantKey {
            serial_no: keys.merchant_serial.clone(),
            private_key_pem: String::from_utf8_lossy(&keys.merchant_pem).into_owned(),
        }),
        platform_key_pkcs8_der: Some(pem_to_der(&keys.platform_private_pem)?),
        apiv3_key: Some(keys.apiv3_key.clone()),
        // Notifications of the setup go to a local endpoint that acknowledges them, never to
        // the merchant.example host of the requests.
        notify_redirect: Some(notify_sink),
        retry_schedule: Vec::new(),
        ..SandboxOptions::default()
    };
    let sandbox = Sandbox::start(options).await.map_err(|e| format!("sandbox did not start: {e}"))?;
    sandbox.use_public_key_id(true);
    let credentials = sandbox.credentials();

    let client = crate::client::papay_client(
        &sandbox.base_url(),
        &credentials.mchid,
        &credentials.merchant_serial_no,
        keys.merchant_pem.clone(),
        &credentials.apiv3_key,
        &credentials.appid,
        &credentials.public_key_id,
        credentials.public_key_pem.as_bytes(),
    )?;
    let session = client
        .app_pre_sign(&papay::AppPreSignRequest {
            common: papay::PreSignCommon {
                plan_id: credentials.plan_id,
                out_contract_code: "BENCHCONTRACT0001".into(),
                user_display_name: Some("Bench User".into()),
                success_notify_url: "https://merchant.example/papay/sign-notify".into(),
                expired_time: None,
            },
            openid: None,
            user_client_ip: None,
        })
        .await
        .map_err(|e| format!("app pre-sign: {e}"))?;
    let contract = sandbox
        .confirm_signing(SigningRef::SessionId(session.session_id))
        .map_err(|e| format!("signing confirmation: {e}"))?;
    let order = client
        .deduct(&papay::DeductionRequest {
            description: "Bench Store-HK-monthly plan".into(),
            attach: None,
            notify_url: "https://merchant.example/papay/pay-notify".into(),
            out_trade_no: OUT_TRADE_NO.into(),
            goods_tag: None,
            merchant_category_code: "5999".into(),
            contract_id: contract.contract_id,
            amount: papay::DeductionAmount { total: 1000, currency: "HKD".into() },
            scene_info: None,
        })
        .await
        .map_err(|e| format!("deduction: {e}"))?;

    let merchant_key_file = std::fs::canonicalize(keys_dir.join("merchant_pkcs8.pem"))
        .map_err(|e| format!("merchant key file in {}: {e}", keys_dir.display()))?;
    let info = serde_json::json!({
        "base_url": sandbox.base_url(),
        "mchid": credentials.mchid,
        "serial_no": credentials.merchant_serial_no,
        "appid": credentials.appid,
        "apiv3_key": credentials.apiv3_key,
        "public_key_id": credentials.public_key_id,
        "public_key_pem": credentials.public_key_pem,
        "merchant_key_file": merchant_key_file,
        "out_trade_no": order.out_trade_no,
    });
    let text = serde_json::to_string_pretty(&info).map_err(|e| format!("info JSON: {e}"))?;
    std::fs::write(info_path, text).map_err(|e| format!("cannot write {}: {e}", info_path.display()))?;
    eprintln!("papay-bench sandbox: listening on {}, order {OUT_TRADE_NO}", sandbox.base_url());

    wait_for_stop().await;
    sandbox.shutdown().await;
    Ok(())
}

/// Decodes the first PEM block of `pem`.
fn pem_to_der(pem: &[u8]) -> Result<Vec<u8>, String> {
    use base64::Engine;
    let text = String::from_utf8_lossy(pem);
    let base64_text: String = text.lines().filter(|line| !line.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(base64_text).map_err(|e| format!("platform key PEM: {e}"))
}

/// Starts an HTTP endpoint on 127.0.0.1 that responds to every request with 204, and returns
/// its base URL.
async fn start_notify_sink() -> Result<String, String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| format!("notify sink: {e}"))?;
    let address = listener.local_addr().map_err(|e| format!("notify sink: {e}"))?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut reader = tokio::io::BufReader::new(stream);
                let mut content_length = 0usize;
                let mut line = String::new();
                while reader.read_line(&mut line).await.unwrap_or(0) > 0 && line != "\r\n" {
                    if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        content_length = value.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut body = vec![0u8; content_length];
                let _ = reader.read_exact(&mut body).await;
                let answer = b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
                let _ = reader.get_mut().write_all(answer).await;
            });
        }
    });
    Ok(format!("http://{address}"))
}

/// Returns on SIGTERM or SIGINT, or after an hour in case the benchmark script died.
async fn wait_for_stop() {
    let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(signal) => signal,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = terminate.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
        _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
    }
}
