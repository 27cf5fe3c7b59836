//! The HTTP leg of the request pipeline: sign the final bytes, send exactly those bytes, and
//! return the raw status, headers and body without interpreting them.

use std::time::{Duration, Instant};

use crate::config::Config;
use crate::error::{Error, Result, TransportKind};
use crate::headers::names;
use crate::signing::RequestSigner;

/// HTTP methods the API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
}

impl Method {
    /// Upper-case method name as signed and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A response as received: nothing is parsed or verified yet.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: bytes::Bytes,
    pub request_id: Option<String>,
}

#[derive(Debug)]
pub(crate) struct Transport {
    http: reqwest::Client,
    base: String,
    signer: RequestSigner,
    accept_language: Option<String>,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
}

impl Transport {
    pub fn new(config: &Config, signer: RequestSigner) -> Result<Self> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(config.user_agent.clone())
            .pool_idle_timeout(Duration::from_secs(60));
        if crate::config::is_loopback(&config.base_url) {
            // A sandbox on this machine is reached directly: an HTTP_PROXY set for the way out
            // to WeChat Pay would otherwise receive the sandbox's requests and signatures.
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| Error::invalid_config("http_client", format!("the HTTP client cannot be built: {e}")))?;
        let base = config.base_url.as_str().trim_end_matches('/').to_owned();
        Ok(Self { http, base, signer, accept_language: config.accept_language.clone(), clock: config.clock.clone() })
    }

    pub fn signer(&self) -> &RequestSigner {
        &self.signer
    }

    /// Signs and sends one request. `target` is the path and encoded query exactly as it goes on
    /// the request line; `body` the exact bytes sent.
    pub async fn send(
        &self,
        endpoint: &'static str,
        method: Method,
        target: &str,
        body: Option<&[u8]>,
    ) -> Result<RawResponse> {
        let body_bytes = body.unwrap_or_default();
        let timestamp = self.clock.now().timestamp();
        let authorization = self.signer.authorization(method.as_str(), target, timestamp, body_bytes)?;

        let url = format!("{}{}", self.base, target);
        let mut request = match method {
            Method::Get => self.http.get(&url),
            Method::Post => self.http.post(&url),
        }
        .header(http::header::AUTHORIZATION, authorization)
        .header(http::header::ACCEPT, "application/json");
        if let Some(language) = &self.accept_language {
            request = request.header(http::header::ACCEPT_LANGUAGE, language.as_str());
        }
        if method == Method::Post {
            if body.is_some() {
                request = request.header(http::header::CONTENT_TYPE, "application/json");
            }
            request = request.body(body_bytes.to_vec());
        }

        let started = Instant::now();
        let response = request.send().await.map_err(|e| map_reqwest_error(endpoint, e, started))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| map_reqwest_error(endpoint, e, started))?;
        let request_id = headers.get(names::REQUEST_ID).and_then(|v| v.to_str().ok()).map(str::to_owned);
        tracing::debug!(
            endpoint,
            method = method.as_str(),
            status,
            request_id = request_id.as_deref().unwrap_or(""),
            latency_ms = started.elapsed().as_millis() as u64,
            "WeChat Pay call"
        );
        Ok(RawResponse { status, headers, body, request_id })
    }
}

fn map_reqwest_error(endpoint: &'static str, error: reqwest::Error, started: Instant) -> Error {
    if error.is_timeout() {
        return Error::Timeout { endpoint: endpoint.to_owned(), elapsed_ms: started.elapsed().as_millis() as u64 };
    }
    let kind = if error.is_connect() {
        TransportKind::Connect
    } else if error.is_body() || error.is_request() || error.is_decode() {
        TransportKind::Io
    } else {
        TransportKind::Other
    };
    // reqwest's Display includes the URL but never headers or bodies, so no secret leaks here.
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    Error::Transport { kind, endpoint: endpoint.to_owned(), message }
}
