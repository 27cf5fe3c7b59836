//! The HTTP/1.1 listener: reads each request, applies fault rules, verifies the merchant's
//! signature, dispatches to the API handlers and signs every response.
//!
//! Every API response (200, 204 and JSON errors alike) carries Request-ID, Wechatpay-Timestamp,
//! Wechatpay-Nonce, Wechatpay-Serial, Wechatpay-Signature (base64 RSA-SHA256 over
//! `TIMESTAMP\nNONCE\nBODY\n` with BODY the exact bytes sent, empty for 204) and
//! Wechatpay-Signature-Type. Faults are the only exceptions.

use std::future::Future as _;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::faults::{self, Fault};
use crate::inner::{Inner, ResponseSigner, MAX_REQUEST_RECORDS};
use crate::wire::ApiError;
use crate::{api, auth, control, crypto};

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// One API request as the sandbox saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: String,
    /// The request target exactly as received: path, and `?` plus the raw query if any.
    pub target: String,
    /// Status sent; 0 when the connection was dropped without a response.
    pub status: u16,
    /// Whether the Authorization header verified. False when the sandbox responded before
    /// verification (a fault, a missing User-Agent or an unknown path).
    pub signature_verified: bool,
    pub request_id: String,
}

/// Accepts connections until shutdown.
pub(crate) async fn run_listener(inner: Arc<Inner>, listener: tokio::net::TcpListener) {
    let mut shutdown = inner.shutdown.subscribe();
    // Shutdown may have been requested before this task first ran; a receiver created after
    // the change would never see it as new.
    if *shutdown.borrow_and_update() {
        return;
    }
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        match accepted {
            Ok((stream, _peer)) => {
                // Small answers are written at once instead of waiting for Nagle's algorithm.
                let _ = stream.set_nodelay(true);
                let connection_inner = Arc::clone(&inner);
                tokio::spawn(serve_connection(connection_inner, stream));
            }
            Err(error) => {
                // Typically EMFILE under heavy load; pause briefly instead of spinning.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn serve_connection(inner: Arc<Inner>, stream: tokio::net::TcpStream) {
    let mut shutdown = inner.shutdown.subscribe();
    let service_inner = Arc::clone(&inner);
    let service = hyper::service::service_fn(move |request| {
        let request_inner = Arc::clone(&service_inner);
        async move { handle(request_inner, request).await }
    });

    let connection =
        hyper::server::conn::http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        result = connection => {
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
        }
        _ = shutdown.changed() => {}
    }
}

/// The error a service returns to make hyper drop the connection without answering.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a sandbox fault")
    }
}

impl std::error::Error for DropConnection {}

/// How long a cut body waits after its bytes before failing, so that hyper flushes the headers
/// and the partial body to the socket before it drops the connection.
const CUT_BODY_PAUSE: Duration = Duration::from_millis(50);

/// A response body that is either complete or cut off after its bytes (ResetMidBody).
#[derive(Debug)]
pub(crate) struct SandboxBody {
    data: Option<Bytes>,
    fail_after_data: bool,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl SandboxBody {
    pub(crate) fn full(data: impl Into<Bytes>) -> Self {
        Self { data: Some(data.into()).filter(|d| !d.is_empty()), fail_after_data: false, pause: None }
    }

    pub(crate) fn empty() -> Self {
        Self::full(Bytes::new())
    }

    fn cut_after(data: Bytes) -> Self {
        Self { data: Some(data), fail_after_data: true, pause: None }
    }
}

impl Body for SandboxBody {
    type Data = Bytes;
    type Error = DropConnection;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, DropConnection>>> {
        if let Some(data) = self.data.take() {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        if !self.fail_after_data {
            return Poll::Ready(None);
        }

        let pause = self.pause.get_or_insert_with(|| Box::pin(tokio::time::sleep(CUT_BODY_PAUSE)));
        if pause.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.fail_after_data = false;
        Poll::Ready(Some(Err(DropConnection)))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && !self.fail_after_data
    }

    fn size_hint(&self) -> SizeHint {
        match (&self.data, self.fail_after_data) {
            (_, true) => SizeHint::default(),
            (Some(data), false) => SizeHint::with_exact(data.len() as u64),
            (None, false) => SizeHint::with_exact(0),
        }
    }
}

/// An API response before signing.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Vec<u8>,
    signature_verified: bool,
}

impl Answer {
    fn error(error: &ApiError, signature_verified: bool) -> Self {
        Self { status: error.status, body: error.body().to_string().into_bytes(), signature_verified }
    }
}

async fn handle(inner: Arc<Inner>, request: Request<Incoming>) -> Result<Response<SandboxBody>, DropConnection> {
    let (parts, incoming) = request.into_parts();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(str::to_string);
    let target = parts.uri.path_and_query().map(|pq| pq.as_str().to_string()).unwrap_or_else(|| parts.uri.to_string());

    let body = match Limited::new(incoming, MAX_BODY_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) => Err(error.to_string()),
    };

    if path == "/sandbox" || path.starts_with("/sandbox/") {
        let body = body.unwrap_or_default();
        return Ok(control::handle(&inner, &method, &path, query.as_deref(), &body).await);
    }
    if let Some(page) = control::signing_page(&method, &path, query.as_deref()) {
        return Ok(page);
    }

    let request_id = inner.new_request_id();
    let fault = {
        let mut state = inner.lock();
        faults::take_matching(&mut state.faults, &method, &path)
    };

    let early = match &fault {
        Some(Fault::CloseConnection) => {
            record(&inner, &method, &target, 0, false, &request_id);
            return Err(DropConnection);
        }
        Some(Fault::HtmlPage(status)) => {
            record(&inner, &method, &target, *status, false, &request_id);
            return Ok(html_page(*status, &request_id));
        }
        Some(Fault::Error { status, code, message }) => {
            Some(Answer::error(&ApiError::new(*status, code, message.clone()), false))
        }
        Some(Fault::InvalidJson) => {
            Some(Answer { status: 200, body: b"<xml>this body is not JSON</xml>".to_vec(), signature_verified: false })
        }
        Some(Fault::Delay(duration)) => {
            sleep_unless_shutdown(&inner, *duration).await;
            None
        }
        _ => None,
    };

    let mut answer = match early {
        Some(answer) => answer,
        None => {
            let request = ApiRequest {
                method: &method,
                target: &target,
                path: &path,
                query: query.as_deref(),
                headers: &parts.headers,
                body: body.as_deref().map_err(String::as_str),
            };
            process(&inner, &request)
        }
    };

    match &fault {
        Some(Fault::ProcessThenDelay(duration)) => sleep_unless_shutdown(&inner, *duration).await,
        Some(Fault::ProcessThenStatus(status)) => {
            let error = ApiError::new(
                *status,
                "SYSTEM_ERROR",
                "system error injected by the sandbox after the request took effect",
            );
            answer = Answer::error(&error, answer.signature_verified);
        }
        _ => {}
    }

    let signing = match &fault {
        Some(Fault::MissingSignatureHeaders) => Signing::None,
        Some(Fault::BadSignature) => Signing::Corrupted,
        Some(Fault::UnknownSerial) => Signing::Unlisted,
        _ => Signing::Normal,
    };
    let cut = matches!(fault, Some(Fault::ResetMidBody));

    record(&inner, &method, &target, answer.status, answer.signature_verified, &request_id);
    Ok(signed_response(&inner, answer, &request_id, signing, cut))
}

/// A request as the API handlers see it.
#[derive(Debug)]
pub(crate) struct ApiRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) target: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: &'a HeaderMap,
    /// The body, or why it could not be read.
    pub(crate) body: Result<&'a [u8], &'a str>,
}

/// Routes, verifies and handles an API request.
fn process(inner: &Arc<Inner>, request: &ApiRequest<'_>) -> Answer {
    let route = match api::route(request.method, request.path) {
        Ok(route) => route,
        Err(error) => return Answer::error(&error, false),
    };

    let body = match request.body {
        Ok(body) => body,
        Err(reason) => {
            let error = ApiError::param(
                "body",
                "",
                format!("the request body could not be read (at most {MAX_BODY_BYTES} bytes): {reason}"),
                "body",
            );
            return Answer::error(&error, false);
        }
    };

    if !request.headers.contains_key(http::header::USER_AGENT) {
        let error = ApiError::invalid_request("the User-Agent header is required");
        return Answer::error(&error, false);
    }

    let authorization = request.headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let signed = auth::SignedRequest { method: request.method, target: request.target, body, authorization };
    if let Err(error) = auth::verify(&signed, &inner.settings, chrono::Utc::now().timestamp()) {
        return Answer::error(&error, false);
    }

    if !body.is_empty() {
        let content_type = request.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !content_type.to_ascii_lowercase().starts_with("application/json") {
            let error = ApiError::invalid_request(format!(
                "Content-Type must be application/json for a request with a body, got {content_type:?}"
            ));
            return Answer::error(&error, true);
        }
    }

    match api::handle(inner, &route, request.query, body) {
        Ok(api::Reply::Json(value)) => {
            Answer { status: 200, body: value.to_string().into_bytes(), signature_verified: true }
        }
        Ok(api::Reply::NoContent) => Answer { status: 204, body: Vec::new(), signature_verified: true },
        Err(error) => Answer::error(&error, true),
    }
}

#[derive(Debug, Clone, Copy)]
enum Signing {
    Normal,
    None,
    Corrupted,
    Unlisted,
}

/// Builds the message a platform signature covers: `TIMESTAMP\nNONCE\nBODY\n`.
pub(crate) fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(body.len() + 64);
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(nonce.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

fn signed_response(
    inner: &Inner,
    answer: Answer,
    request_id: &str,
    signing: Signing,
    cut: bool,
) -> Response<SandboxBody> {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = Response::builder().status(status).header("Request-ID", request_id);
    if !answer.body.is_empty() {
        builder = builder.header(http::header::CONTENT_TYPE, "application/json; charset=utf-8");
    }

    let signer = match signing {
        Signing::None => None,
        Signing::Unlisted => inner.unlisted_signer(),
        Signing::Normal | Signing::Corrupted => inner.response_signer(),
    };
    if let Some(ResponseSigner { serial, signer }) = signer {
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let nonce = crypto::random_alphanumeric(32);
        let message = response_message(&timestamp, &nonce, &answer.body);
        let mut signature = signer.sign_base64(&message);
        if matches!(signing, Signing::Corrupted) {
            signature = corrupt_signature(&signature);
        }
        builder = builder
            .header("Wechatpay-Timestamp", timestamp)
            .header("Wechatpay-Nonce", nonce)
            .header("Wechatpay-Serial", serial)
            .header("Wechatpay-Signature", signature)
            .header("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048");
    }

    let body = if cut {
        let full_length = answer.body.len();
        let half = Bytes::from(answer.body).slice(..full_length / 2);
        builder = builder.header(http::header::CONTENT_LENGTH, full_length);
        SandboxBody::cut_after(half)
    } else {
        SandboxBody::full(answer.body)
    };
    builder.body(body).unwrap_or_else(|_| fallback_response())
}

/// Flips the first base64 character so that the signature stays well-formed but never verifies.
fn corrupt_signature(signature: &str) -> String {
    let mut characters: Vec<char> = signature.chars().collect();
    if let Some(first) = characters.first_mut() {
        *first = if *first == 'A' { 'B' } else { 'A' };
    }
    characters.into_iter().collect()
}

fn html_page(status: u16, request_id: &str) -> Response<SandboxBody> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let page = format!(
        "<html>\r\n<head><title>{status}</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>stgw</center>\r\n</body>\r\n</html>\r\n"
    );
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "text/html")
        .header("Request-ID", request_id)
        .body(SandboxBody::full(page))
        .unwrap_or_else(|_| fallback_response())
}

/// Builds a bare 500, for the case a response cannot be built (an invalid header value).
pub(crate) fn fallback_response() -> Response<SandboxBody> {
    let mut response = Response::new(SandboxBody::empty());
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

/// Builds an unsigned JSON response, used by the control API.
pub(crate) fn plain_json(status: u16, value: &serde_json::Value) -> Response<SandboxBody> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(SandboxBody::full(value.to_string()))
        .unwrap_or_else(|_| fallback_response())
}

/// Builds an unsigned JSON error `{"code","message"}`.
pub(crate) fn plain_error(status: u16, code: &str, message: &str) -> Response<SandboxBody> {
    plain_json(status, &json!({ "code": code, "message": message }))
}

async fn sleep_unless_shutdown(inner: &Inner, duration: Duration) {
    let mut shutdown = inner.shutdown.subscribe();
    tokio::select! {
        _ = tokio::time::sleep(duration) => {}
        _ = shutdown.changed() => {}
    }
}

fn record(inner: &Inner, method: &str, target: &str, status: u16, signature_verified: bool, request_id: &str) {
    let mut state = inner.lock();
    if state.requests.len() >= MAX_REQUEST_RECORDS {
        state.requests.pop_front();
    }
    state.requests.push_back(RequestRecord {
        method: method.to_string(),
        target: target.to_string(),
        status,
        signature_verified,
        request_id: request_id.to_string(),
    });
}
