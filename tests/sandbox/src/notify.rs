//! Notifications from WeChat to the merchant: build the encrypted envelope, sign it, deliver it
//! with WeChat's retry schedule and record every attempt.
//!
//! Safety rule: the sandbox connects only to loopback hosts (127.0.0.0/8, [::1] and
//! `localhost`, which is always dialled as 127.0.0.1), after `notify_redirect` has been applied.
//! Any other URL is recorded as undeliverable with 0 attempts and is never contacted. Delivery
//! is plain HTTP/1.1, so an https URL is undeliverable too unless `notify_redirect` turns it into
//! an http one.
//!
//! Every attempt re-sends the same body bytes with fresh signature headers (new timestamp and
//! nonce, signed by the platform key in use at that moment), so a late retry still passes the
//! merchant's timestamp window. A 200 or 204 response acknowledges. Any other status, a
//! connection error or no response within five seconds counts as a failure and is retried.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::crypto::{self, now_beijing, rfc3339};
use crate::inner::Inner;

/// How long one delivery attempt may take, connection included. WeChat's guidance is that
/// merchants respond within 5 s.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

const USER_AGENT: &str = concat!("papay-sandbox/", env!("CARGO_PKG_VERSION"), " (notification)");

/// One notification and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    /// The envelope `id`.
    pub id: String,
    pub event_type: String,
    /// The URL actually targeted (after `notify_redirect`), or the original URL when it was
    /// undeliverable before redirection.
    pub url: String,
    /// Delivery attempts made so far; 0 for an undeliverable URL.
    pub attempts: u32,
    /// Whether the merchant responded with 200 or 204.
    pub acknowledged: bool,
    /// HTTP status of the last response, if any.
    pub last_status: Option<u16>,
    /// The exact body bytes sent (UTF-8).
    pub body: String,
    /// Headers of the last attempt.
    pub headers: Vec<(String, String)>,
    /// The decrypted `resource` JSON.
    pub resource_plaintext: String,
    /// Why the last attempt failed, why the URL is undeliverable, or why delivery stopped.
    pub last_error: Option<String>,
}

/// A notification to send.
#[derive(Debug)]
pub(crate) struct Event {
    pub(crate) event_type: &'static str,
    pub(crate) summary: &'static str,
    /// `original_type` and `associated_data`: "papay", "transaction" or "refund".
    pub(crate) original_type: &'static str,
    pub(crate) resource: Value,
    /// `None` when the merchant gave no URL (e.g. no termination URL configured).
    pub(crate) url: Option<String>,
    pub(crate) schedule: Vec<Duration>,
}

/// Where a deliverable notification goes.
#[derive(Debug, Clone)]
struct Target {
    address: SocketAddr,
    host_header: String,
    path_and_query: String,
}

/// Records a notification and, if its URL is deliverable, starts delivering it.
pub(crate) fn send(inner: &Arc<Inner>, event: Event) {
    let (body, resource_plaintext, id) = match build_envelope(inner, &event) {
        Ok(built) => built,
        Err(error) => {
            tracing::error!(event_type = event.event_type, %error, "cannot build notification");
            return;
        }
    };

    let redirect = inner.lock().notify_redirect.clone();
    let resolved = match &event.url {
        None => Err(("".to_string(), "no notification URL is configured".to_string())),
        Some(url) => resolve_target(url, redirect.as_deref()),
    };

    let mut record = DeliveryRecord {
        id,
        event_type: event.event_type.to_string(),
        url: String::new(),
        attempts: 0,
        acknowledged: false,
        last_status: None,
        body: body.clone(),
        headers: Vec::new(),
        resource_plaintext,
        last_error: None,
    };

    let target = match resolved {
        Ok((url, target)) => {
            record.url = url;
            Some(target)
        }
        Err((url, reason)) => {
            tracing::info!(event_type = event.event_type, %url, %reason, "notification not delivered");
            record.url = url;
            record.last_error = Some(reason);
            None
        }
    };

    let index = {
        let mut state = inner.lock();
        state.deliveries.push(record);
        state.deliveries.len() - 1
    };
    inner.deliveries_updated();

    if let Some(target) = target {
        let task_inner = Arc::clone(inner);
        let schedule = event.schedule;
        inner.runtime.spawn(async move {
            deliver(task_inner, index, target, Bytes::from(body), schedule).await;
        });
    }
}

/// Encrypts the resource and serializes the envelope. Returns (body, plaintext, id).
fn build_envelope(inner: &Inner, event: &Event) -> Result<(String, String, String), crate::SandboxError> {
    let plaintext = event.resource.to_string();
    let nonce = crypto::random_alphanumeric(12);
    let ciphertext = crypto::aes_gcm_encrypt_base64(
        inner.settings.apiv3_key.as_bytes(),
        &nonce,
        event.original_type,
        plaintext.as_bytes(),
    )?;

    let id = crypto::random_uuid();
    let create_time = rfc3339(&now_beijing());
    let body = if inner.settings.pretty_notifications {
        pretty_envelope(&id, &create_time, event, &ciphertext, &nonce)
    } else {
        json!({
            "id": id,
            "create_time": create_time,
            "event_type": event.event_type,
            "resource_type": "encrypt-resource",
            "summary": event.summary,
            "resource": {
                "original_type": event.original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": ciphertext,
                "associated_data": event.original_type,
                "nonce": nonce,
            },
        })
        .to_string()
    };
    Ok((body, plaintext, id))
}

/// Serializes the envelope with tabs, spaces before colons, CRLF line ends and keys in
/// non-alphabetical order, so that only a merchant that verifies the raw bytes passes.
fn pretty_envelope(id: &str, create_time: &str, event: &Event, ciphertext: &str, nonce: &str) -> String {
    let quote = |s: &str| Value::String(s.to_string()).to_string();
    format!(
        "{{\r\n\t\"resource\" :  {{\r\n\t\t\"nonce\" : {},\r\n\t\t\"ciphertext\":{} ,\r\n\t\t\"algorithm\" : \"AEAD_AES_256_GCM\",\r\n\t\t\"original_type\": {},\r\n\t\t\"associated_data\" : {}\r\n\t}},\r\n\t\"summary\" : {},\r\n\t\"event_type\":   {},\r\n\t\"id\" : {},\r\n\t\"resource_type\" : \"encrypt-resource\",\r\n\t\"create_time\" : {}\r\n}}\r\n",
        quote(nonce),
        quote(ciphertext),
        quote(event.original_type),
        quote(event.original_type),
        quote(event.summary),
        quote(event.event_type),
        quote(id),
        quote(create_time),
    )
}

/// Applies the redirect and the safety rule. Returns the final URL and target, or the URL and
/// the reason it is undeliverable.
fn resolve_target(original: &str, redirect: Option<&str>) -> Result<(String, Target), (String, String)> {
    let parsed =
        url::Url::parse(original).map_err(|e| (original.to_string(), format!("invalid notification URL: {e}")))?;

    let url = match redirect {
        None => parsed,
        Some(base) => {
            let base = url::Url::parse(base)
                .map_err(|e| (original.to_string(), format!("invalid notify_redirect {base}: {e}")))?;
            let mut path = parsed.path().to_string();
            if let Some(query) = parsed.query() {
                path.push('?');
                path.push_str(query);
            }
            let combined = format!("{}{path}", base.origin().ascii_serialization());
            url::Url::parse(&combined).map_err(|e| (combined.clone(), format!("invalid redirected URL: {e}")))?
        }
    };
    let url_text = url.to_string();

    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) if ip.is_loopback() => IpAddr::V6(ip),
        Some(url::Host::Domain(domain)) if domain.eq_ignore_ascii_case("localhost") => {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        }
        _ => {
            return Err((
                url_text,
                "not a loopback host: the sandbox delivers only to 127.0.0.0/8, [::1] and localhost; set notify_redirect to reach a local listener".into(),
            ))
        }
    };
    if url.scheme() != "http" {
        return Err((
            url_text,
            format!(
                "scheme {} is not delivered: the sandbox sends plain HTTP only; set notify_redirect to an http://127.0.0.1:PORT URL",
                url.scheme()
            ),
        ));
    }
    let port = url.port_or_known_default().unwrap_or(80);

    let host_header = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or("127.0.0.1")),
        None => url.host_str().unwrap_or("127.0.0.1").to_string(),
    };
    let mut path_and_query = url.path().to_string();
    if let Some(query) = url.query() {
        path_and_query.push('?');
        path_and_query.push_str(query);
    }

    Ok((url_text, Target { address: SocketAddr::new(ip, port), host_header, path_and_query }))
}

/// Delivers one notification until it is acknowledged, the schedule is exhausted or the
/// sandbox shuts down.
async fn deliver(inner: Arc<Inner>, index: usize, target: Target, body: Bytes, schedule: Vec<Duration>) {
    let mut shutdown = inner.shutdown.subscribe();
    let mut retries_done = 0;

    loop {
        if inner.is_shut_down() {
            return;
        }

        let headers = signature_headers(&inner, &body);
        let outcome = tokio::time::timeout(ATTEMPT_TIMEOUT, attempt(&target, &headers, body.clone()))
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {ATTEMPT_TIMEOUT:?}")));
        let acknowledged = matches!(outcome, Ok(200 | 204));

        {
            let mut state = inner.lock();
            if let Some(record) = state.deliveries.get_mut(index) {
                record.attempts += 1;
                record.headers = headers;
                record.acknowledged = acknowledged;
                match &outcome {
                    Ok(status) => {
                        record.last_status = Some(*status);
                        record.last_error =
                            (!acknowledged).then(|| format!("the merchant responded with status {status}"));
                    }
                    Err(error) => {
                        record.last_status = None;
                        record.last_error = Some(error.clone());
                    }
                }
                tracing::debug!(
                    event_type = %record.event_type,
                    id = %record.id,
                    attempt = record.attempts,
                    acknowledged,
                    "notification attempt"
                );
            }
        }
        inner.deliveries_updated();

        if acknowledged {
            return;
        }
        let Some(wait) = schedule.get(retries_done).copied() else {
            give_up(&inner, index, schedule.len());
            return;
        };
        retries_done += 1;

        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return,
        }
    }
}

fn give_up(inner: &Inner, index: usize, retries: usize) {
    let mut state = inner.lock();
    if let Some(record) = state.deliveries.get_mut(index) {
        let last = record.last_error.clone().unwrap_or_default();
        record.last_error =
            Some(format!("gave up after {} attempts ({retries} retries); last failure: {last}", record.attempts));
        tracing::warn!(event_type = %record.event_type, id = %record.id, "notification given up");
    }
    drop(state);
    inner.deliveries_updated();
}

/// Builds the Wechatpay-* headers and the fixed headers of one attempt.
fn signature_headers(inner: &Inner, body: &[u8]) -> Vec<(String, String)> {
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let nonce = crypto::random_alphanumeric(32);
    let mut headers = vec![
        ("Content-Type".to_string(), "application/json".to_string()),
        ("Accept".to_string(), "*/*".to_string()),
        ("User-Agent".to_string(), USER_AGENT.to_string()),
        ("Wechatpay-Timestamp".to_string(), timestamp.clone()),
        ("Wechatpay-Nonce".to_string(), nonce.clone()),
    ];
    if let Some(signer) = inner.response_signer() {
        let message = crate::server::response_message(&timestamp, &nonce, body);
        headers.push(("Wechatpay-Serial".to_string(), signer.serial));
        headers.push(("Wechatpay-Signature".to_string(), signer.signer.sign_base64(&message)));
        headers.push(("Wechatpay-Signature-Type".to_string(), "WECHATPAY2-SHA256-RSA2048".to_string()));
    }
    headers
}

/// Makes one POST and returns the response status.
async fn attempt(target: &Target, headers: &[(String, String)], body: Bytes) -> Result<u16, String> {
    let stream = tokio::net::TcpStream::connect(target.address)
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", target.address))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake with {} failed: {e}", target.address))?;
    let connection_task = tokio::spawn(connection);

    let mut builder = http::Request::builder()
        .method(http::Method::POST)
        .uri(target.path_and_query.as_str())
        .header(http::header::HOST, target.host_header.as_str());
    for (name, value) in headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let request = builder.body(Full::new(body)).map_err(|e| format!("cannot build the notification request: {e}"))?;

    let result = async {
        let response =
            sender.send_request(request).await.map_err(|e| format!("request to {} failed: {e}", target.address))?;
        let status = response.status().as_u16();
        // Reading the response to the end lets the merchant's server finish cleanly.
        let _ = response.into_body().collect().await;
        Ok(status)
    }
    .await;

    connection_task.abort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_target_rejects_public_host() {
        let result = resolve_target("https://merchant.example/notify", None);
        assert!(result.is_err());
    }

    #[test]
    fn resolve_target_redirects_path() {
        let result = resolve_target("https://merchant.example/papay/sign", Some("http://127.0.0.1:9000"));
        let url = result.ok().map(|(url, _)| url);
        assert_eq!(url.as_deref(), Some("http://127.0.0.1:9000/papay/sign"));
    }

    #[test]
    fn resolve_target_dials_localhost_as_ipv4() {
        let result = resolve_target("http://localhost:9000/n", None);
        let address = result.ok().map(|(_, target)| target.address);
        assert_eq!(address, Some(SocketAddr::from(([127, 0, 0, 1], 9000))));
    }

    #[test]
    fn resolve_target_rejects_private_address() {
        assert!(resolve_target("http://10.0.0.1:9000/n", None).is_err());
        assert!(resolve_target("http://127.0.0.1.example:9000/n", None).is_err());
    }
}
