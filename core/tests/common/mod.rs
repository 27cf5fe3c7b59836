//! Shared harness for the end-to-end tests: a sandbox on 127.0.0.1, a client configured for it,
//! and a merchant notify endpoint that records what arrives, byte for byte.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use papay_sandbox::{Sandbox, SandboxOptions, SigningRef};

pub const NOTIFY_BASE: &str = "https://merchant.example/papay";

/// One notification as the merchant endpoint received it.
#[derive(Clone, Debug)]
pub struct Arrived {
    pub path: String,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

/// A sandbox, a client for it and the merchant's notify endpoint.
pub struct Harness {
    pub sandbox: Sandbox,
    pub client: papay::Client,
    pub arrived: Arc<Mutex<Vec<Arrived>>>,
    pub arrived_signal: Arc<tokio::sync::Notify>,
    pub plan_id: u64,
    pub openid: String,
}

pub fn fast_options() -> SandboxOptions {
    SandboxOptions {
        termination_notify_url: Some(format!("{NOTIFY_BASE}/terminate-notify")),
        retry_schedule: vec![Duration::from_millis(50); 4],
        refund_retry_schedule: vec![Duration::from_millis(50); 4],
        refund_delay: Duration::from_millis(30),
        ..SandboxOptions::default()
    }
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(fast_options(), |builder| builder).await
    }

    /// Starts with sandbox `options` and lets `configure` adjust the client configuration.
    pub async fn start_with(
        options: SandboxOptions,
        configure: impl FnOnce(papay::ConfigBuilder) -> papay::ConfigBuilder,
    ) -> Self {
        let sandbox = Sandbox::start(options).await.expect("sandbox starts");
        let credentials = sandbox.credentials();
        let builder = papay::Config::builder()
            .mchid(&credentials.mchid)
            .serial_no(&credentials.merchant_serial_no)
            .private_key_pem(credentials.merchant_private_key_pem.as_bytes().to_vec())
            .apiv3_key(credentials.apiv3_key.as_bytes().to_vec())
            .base_url(sandbox.base_url())
            .mode(papay::Mode::Common { appid: credentials.appid.clone() })
            .timeout(Duration::from_secs(5))
            .retry(papay::RetryPolicy {
                max_attempts: 3,
                initial_backoff: Duration::from_millis(10),
                max_backoff: Duration::from_millis(50),
            });
        let client = papay::Client::new(configure(builder).build().expect("valid config")).expect("client");

        let arrived = Arc::new(Mutex::new(Vec::new()));
        let arrived_signal = Arc::new(tokio::sync::Notify::new());
        let base = start_receiver(arrived.clone(), arrived_signal.clone()).await;
        sandbox.set_notify_redirect(Some(base)).expect("redirect");

        Self { sandbox, client, arrived, arrived_signal, plan_id: credentials.plan_id, openid: credentials.openid }
    }

    /// A client in Institutional mode for the sandbox's sub-merchant.
    pub fn institutional(&self) -> papay::Client {
        let credentials = self.sandbox.credentials();
        self.client
            .with_mode(papay::Mode::Institutional {
                sp_appid: credentials.sp_appid,
                sub_mchid: credentials.sub_mchid,
                sub_appid: None,
            })
            .expect("institutional mode")
    }

    pub fn pre_sign_common(&self, out_contract_code: &str) -> papay::PreSignCommon {
        papay::PreSignCommon {
            plan_id: self.plan_id,
            out_contract_code: out_contract_code.to_owned(),
            user_display_name: Some("Test User".into()),
            success_notify_url: format!("{NOTIFY_BASE}/sign-notify"),
            expired_time: None,
        }
    }

    /// Signs a contract through the APP flow and returns its contract_id.
    pub async fn signed_contract(&self, out_contract_code: &str) -> String {
        self.signed_contract_with(&self.client, out_contract_code).await
    }

    pub async fn signed_contract_with(&self, client: &papay::Client, out_contract_code: &str) -> String {
        let request = papay::AppPreSignRequest {
            common: self.pre_sign_common(out_contract_code),
            openid: None,
            user_client_ip: None,
        };
        let session = client.app_pre_sign(&request).await.expect("app pre-sign");
        self.sandbox.confirm_signing(SigningRef::SessionId(session.session_id)).expect("user signs").contract_id
    }

    pub fn deduction(&self, contract_id: &str, out_trade_no: &str, total: i64) -> papay::DeductionRequest {
        papay::DeductionRequest {
            description: "Test shop-HK-monthly".into(),
            notify_url: format!("{NOTIFY_BASE}/pay-notify"),
            out_trade_no: out_trade_no.to_owned(),
            merchant_category_code: "5999".into(),
            contract_id: contract_id.to_owned(),
            amount: papay::DeductionAmount { total, currency: "HKD".into() },
            ..Default::default()
        }
    }

    /// Waits for the next notification whose decrypted event type is `event_type` and returns
    /// the raw arrival and its parsed form.
    pub async fn notification(&self, event_type: &str) -> (Arrived, papay::Notification) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut seen = 0;
        loop {
            let signal = self.arrived_signal.notified();
            let pending: Vec<Arrived> = self.arrived.lock().unwrap()[seen..].to_vec();
            for arrival in pending {
                seen += 1;
                let parsed = self
                    .client
                    .parse_notification(&arrival.headers, &arrival.body)
                    .await
                    .expect("notification verifies");
                if parsed.event_type == event_type {
                    self.arrived.lock().unwrap().retain(|a| a.body != arrival.body);
                    return (arrival, parsed);
                }
            }
            if tokio::time::timeout_at(deadline, signal).await.is_err() {
                panic!("no {event_type} notification arrived within 10 s");
            }
        }
    }

    pub fn api_error(result: papay::Error) -> papay::ApiError {
        match result {
            papay::Error::Api(api) => *api,
            other => panic!("expected an API error, got {} {other}", other.code()),
        }
    }
}

async fn start_receiver(arrived: Arc<Mutex<Vec<Arrived>>>, signal: Arc<tokio::sync::Notify>) -> String {
    use http_body_util::BodyExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind notify endpoint");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let arrived = arrived.clone();
            let signal = signal.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let arrived = arrived.clone();
                    let signal = signal.clone();
                    async move {
                        let path = request.uri().path().to_owned();
                        let headers = request.headers().clone();
                        let body = request.into_body().collect().await.map(|c| c.to_bytes()).unwrap_or_default();
                        arrived.lock().unwrap().push(Arrived { path, headers, body });
                        signal.notify_waiters();
                        let mut response = hyper::Response::new(http_body_util::Full::new(Bytes::new()));
                        *response.status_mut() = hyper::StatusCode::NO_CONTENT;
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    format!("http://{address}")
}
