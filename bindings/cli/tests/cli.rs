//! The `papay` binary as a user runs it: the demo, the sandbox server with its credentials
//! file, and the operator commands against that server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PAPAY: &str = env!("CARGO_BIN_EXE_papay");

#[test]
fn demo_ends_with_ok_line() {
    let output = Command::new(PAPAY).arg("demo").output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "papay demo failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let last = stdout.lines().last().unwrap_or_default();
    assert_eq!(last, "demo ok: 17 API calls, 4 notifications verified");
    for endpoint in
        ["download_certificates", "app_pre_sign", "deduct", "reverse_order", "list_refunds", "terminate_contract"]
    {
        assert!(stdout.contains(endpoint), "{endpoint} missing from:\n{stdout}");
    }
}

/// A `papay sandbox` process that is killed when dropped.
struct Server {
    child: std::process::Child,
    credentials: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.credentials);
    }
}

fn start_server(name: &str) -> (Server, serde_json::Value) {
    let credentials = std::env::temp_dir().join(format!("papay-cli-{name}-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&credentials);
    let child = Command::new(PAPAY)
        .args(["sandbox", "--listen", "127.0.0.1:0", "--credentials"])
        .arg(&credentials)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, credentials: credentials.clone() };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(text) = std::fs::read_to_string(&credentials) {
            if let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) {
                return (server, json);
            }
        }
        assert!(Instant::now() < deadline, "papay sandbox wrote no credentials within 30 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sandbox_writes_credentials_that_work() {
    let (server, credentials) = start_server("serve");
    for key in [
        "base_url",
        "mchid",
        "merchant_serial_no",
        "merchant_private_key_pem",
        "apiv3_key",
        "platform_serial_no",
        "platform_certificate_pem",
    ] {
        assert!(credentials.get(key).and_then(|v| v.as_str()).is_some_and(|v| !v.is_empty()), "credentials lack {key}");
    }
    let base_url = credentials["base_url"].as_str().unwrap();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");

    let output = Command::new(PAPAY)
        .args(["query", "--credentials"])
        .arg(&server.credentials)
        .args(["order", "NOSUCHORDER"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("API_ERROR"), "{stderr}");
    assert!(stderr.contains("NOT_FOUND"), "{stderr}");
}

#[test]
fn sandbox_rejects_non_loopback_listen_address() {
    let output =
        Command::new(PAPAY).args(["sandbox", "--listen", "0.0.0.0:0", "--credentials", "/dev/null"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a loopback address"));
}

#[test]
fn verify_notification_reads_stored_files() {
    let vectors = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors");
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{vectors}/notifications.json")).unwrap()).unwrap();
    let case = cases["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["expected"]["event_type"] == "TRANSACTION.SUCCESS")
        .unwrap();

    let directory = std::env::temp_dir().join(format!("papay-cli-verify-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let key = |name: &str| std::fs::read_to_string(format!("{vectors}/keys/{name}")).unwrap();
    let credentials = serde_json::json!({
        "base_url": "http://127.0.0.1:9", "mchid": "1900000001",
        "merchant_serial_no": key("merchant_serial.txt").trim(), "merchant_private_key_pem": key("merchant_pkcs8.pem"),
        "apiv3_key": key("apiv3_key.txt").trim(), "platform_serial_no": "", "platform_certificate_pem": key("platform_cert.pem"),
        "public_key_id": "", "public_key_pem": "", "appid": "wx00000000000000a1", "sp_appid": "wx00000000000000b2",
        "sub_mchid": "1900000099", "plan_id": 999, "openid": ""
    });
    std::fs::write(directory.join("credentials.json"), credentials.to_string()).unwrap();
    std::fs::write(directory.join("headers.json"), case["headers"].to_string()).unwrap();
    std::fs::write(directory.join("body"), case["body"].as_str().unwrap()).unwrap();

    let output = Command::new(PAPAY)
        .arg("verify-notification")
        .arg("--credentials")
        .arg(directory.join("credentials.json"))
        .arg("--headers")
        .arg(directory.join("headers.json"))
        .arg("--body")
        .arg(directory.join("body"))
        .arg("--ignore-time")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let printed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(printed["event_type"], "TRANSACTION.SUCCESS");
    assert_eq!(printed["event"]["resource"]["amount"]["total"], 1000);
    let _ = std::fs::remove_dir_all(&directory);
}
