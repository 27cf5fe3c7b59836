//! A local HTTP endpoint that receives notifications the way a merchant server does: it reads
//! the raw body bytes and headers, hands them to the client for verification and decryption,
//! and answers 204 on success or 500 so that the sender retries.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// A notification that arrived, verified or not.
#[derive(Debug)]
pub struct Received {
    /// Request path.
    pub path: String,
    /// Verification result.
    pub result: papay::Result<papay::Notification>,
}

/// Starts the endpoint on 127.0.0.1 with an OS-assigned port and returns its base URL and the
/// channel of received notifications.
pub async fn start(client: papay::Client) -> std::io::Result<(String, mpsc::UnboundedReceiver<Received>)> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let address = listener.local_addr()?;
    let (sender, receiver) = mpsc::unbounded_channel();

    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let client = client.clone();
            let sender = sender.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |request| handle(request, client.clone(), sender.clone()));
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    Ok((format!("http://{address}"), receiver))
}

async fn handle(
    request: Request<Incoming>,
    client: papay::Client,
    sender: mpsc::UnboundedSender<Received>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    let headers = request.headers().clone();
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Ok(answer(papay::NotificationAnswer::failure("body could not be read"))),
    };

    let result = client.parse_notification(&headers, &body).await;
    let reply = match &result {
        Ok(_) => papay::NotificationAnswer::success(),
        Err(error) => papay::NotificationAnswer::failure(error.code()),
    };
    let _ = sender.send(Received { path, result });
    Ok(answer(reply))
}

fn answer(reply: papay::NotificationAnswer) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() =
        hyper::StatusCode::from_u16(reply.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(content_type) = reply.content_type {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static(content_type));
    }
    response
}
