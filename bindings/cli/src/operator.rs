//! Operator commands: serve the sandbox, verify a stored notification, query by id.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Subcommand;
use papay_sandbox::{Credentials, Sandbox, SandboxOptions};

/// What `papay query` looks up.
#[derive(Subcommand, Debug)]
pub enum QueryKind {
    /// A contract by WeChat Pay's contract_id.
    Contract {
        /// Contract id.
        contract_id: String,
    },
    /// A contract by plan_id and out_contract_code.
    ContractCode {
        /// Template id.
        plan_id: u64,
        /// Merchant contract number.
        out_contract_code: String,
    },
    /// An order by out_trade_no.
    Order {
        /// Merchant order number.
        out_trade_no: String,
    },
    /// A refund by out_refund_no.
    Refund {
        /// Merchant refund number.
        out_refund_no: String,
    },
}

pub async fn serve_sandbox(
    listen: std::net::SocketAddr,
    credentials_path: PathBuf,
    notify_redirect: Option<String>,
    termination_notify_url: Option<String>,
    fast_retries: Option<Duration>,
) -> Result<(), String> {
    if !listen.ip().is_loopback() {
        return Err(format!("--listen {listen} is not a loopback address; the sandbox serves only 127.0.0.1 or ::1"));
    }
    let mut options = SandboxOptions { listen, notify_redirect, termination_notify_url, ..SandboxOptions::default() };
    if let Some(interval) = fast_retries {
        options.retry_schedule = vec![interval; 9];
        options.refund_retry_schedule = vec![interval; 15];
    }
    let sandbox = Sandbox::start(options).await.map_err(|e| format!("starting the sandbox: {e}"))?;
    let credentials = sandbox.credentials();
    let json = serde_json::to_string_pretty(&credentials).map_err(|e| format!("encoding the credentials: {e}"))?;
    write_private(&credentials_path, json.as_bytes())
        .map_err(|e| format!("writing {}: {e}", credentials_path.display()))?;
    println!("sandbox listening on {}", sandbox.base_url());
    println!("credentials written to {}", credentials_path.display());

    tokio::signal::ctrl_c().await.map_err(|e| format!("waiting for Ctrl-C: {e}"))?;
    sandbox.shutdown().await;
    Ok(())
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    // The file holds a (throwaway) private key and APIv3 key: readable by the owner only.
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
        file.write_all(contents)
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, contents)
    }
}

fn load_credentials(path: &Path) -> Result<Credentials, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not a credentials JSON file: {e}", path.display()))
}

fn client_from(
    credentials: &Credentials,
    clock: Option<std::sync::Arc<dyn papay::Clock>>,
    window: Option<u64>,
) -> Result<papay::Client, String> {
    let mut builder = papay::Config::builder()
        .mchid(&credentials.mchid)
        .serial_no(&credentials.merchant_serial_no)
        .private_key_pem(credentials.merchant_private_key_pem.as_bytes().to_vec())
        .apiv3_key(credentials.apiv3_key.as_bytes().to_vec())
        .base_url(&credentials.base_url)
        .mode(papay::Mode::Common { appid: credentials.appid.clone() });
    if !credentials.platform_certificate_pem.is_empty() {
        builder = builder.platform_certificate(credentials.platform_certificate_pem.as_bytes().to_vec());
    }
    if let Some(clock) = clock {
        builder = builder.clock(clock);
    }
    if let Some(window) = window {
        builder = builder.timestamp_window_seconds(window);
    }
    let config = builder.build().map_err(|e| format!("{} {e}", e.code()))?;
    papay::Client::new(config).map_err(|e| format!("{} {e}", e.code()))
}

pub async fn verify_notification(
    credentials: &Path,
    headers: &Path,
    body: &Path,
    ignore_time: bool,
) -> Result<(), String> {
    let credentials = load_credentials(credentials)?;
    let header_text = std::fs::read_to_string(headers).map_err(|e| format!("reading {}: {e}", headers.display()))?;
    let header_map: std::collections::BTreeMap<String, String> = serde_json::from_str(&header_text)
        .map_err(|e| format!("{} is not a JSON object of strings: {e}", headers.display()))?;
    let body = std::fs::read(body).map_err(|e| format!("reading {}: {e}", body.display()))?;

    let window = ignore_time.then_some(u64::MAX / 2);
    let client = client_from(&credentials, None, window)?;
    let notification = client.parse_notification(&header_map, &body).await.map_err(|e| format!("{} {e}", e.code()))?;
    let json = serde_json::to_string_pretty(&notification).map_err(|e| e.to_string())?;
    println!("{json}");
    Ok(())
}

pub async fn query(credentials: &Path, what: QueryKind) -> Result<(), String> {
    let credentials = load_credentials(credentials)?;
    let client = client_from(&credentials, None, None)?;
    let describe = |e: papay::Error| format!("{} {e}", e.code());
    let json = match what {
        QueryKind::Contract { contract_id } => {
            serde_json::to_value(client.query_contract_by_id(&contract_id).await.map_err(describe)?)
        }
        QueryKind::ContractCode { plan_id, out_contract_code } => serde_json::to_value(
            client.query_contract_by_out_contract_code(plan_id, &out_contract_code).await.map_err(describe)?,
        ),
        QueryKind::Order { out_trade_no } => {
            serde_json::to_value(client.query_order_by_out_trade_no(&out_trade_no).await.map_err(describe)?)
        }
        QueryKind::Refund { out_refund_no } => {
            serde_json::to_value(client.query_refund_by_out_refund_no(&out_refund_no).await.map_err(describe)?)
        }
    }
    .map_err(|e| e.to_string())?;
    println!("{}", serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?);
    Ok(())
}
