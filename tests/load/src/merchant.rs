//! The merchant's notification endpoint: an HTTP/1.1 server on 127.0.0.1 that verifies every
//! notification with `Client::parse_notification` and records it in a ledger keyed by
//! notification id, as a merchant's idempotent handler would.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use papay::{NotificationAnswer, NotificationEvent, Order};

/// Verified `TRANSACTION.SUCCESS` notifications and the counters the final checks read.
#[derive(Debug, Default)]
pub struct Ledger {
    state: Mutex<LedgerState>,
    /// Notifications that failed verification and were rejected with HTTP 500.
    pub rejected: AtomicU64,
    /// Verified `PAPAY.SIGN` notifications.
    pub contracts_signed: AtomicU64,
    /// Verified notifications of any other event type.
    pub other_events: AtomicU64,
}

#[derive(Debug, Default)]
pub struct LedgerState {
    /// Deliveries per notification id; more than one is a legal redelivery.
    pub deliveries_by_id: HashMap<String, u32>,
    /// Distinct notification ids per out_trade_no; more than one is a duplicate payment report.
    pub ids_by_order: HashMap<String, HashSet<String>>,
    /// The order as the first verified notification of each out_trade_no reported it.
    pub first_report: HashMap<String, Order>,
}

impl Ledger {
    /// Locks the recorded state; a panic in another handler does not hide what was recorded.
    pub fn state(&self) -> MutexGuard<'_, LedgerState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn record_payment(&self, notification_id: &str, order: Order) {
        let mut state = self.state();
        *state.deliveries_by_id.entry(notification_id.to_owned()).or_default() += 1;
        state.ids_by_order.entry(order.out_trade_no.clone()).or_default().insert(notification_id.to_owned());
        state.first_report.entry(order.out_trade_no.clone()).or_insert(order);
    }

    /// Number of orders with at least one verified payment notification.
    pub fn orders_reported(&self) -> usize {
        self.state().ids_by_order.len()
    }
}

/// Binds 127.0.0.1 on a free port, serves notifications in the background and returns the base
/// URL to redirect the sandbox's deliveries to.
pub async fn start(client: papay::Client, ledger: Arc<Ledger>) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        let accept_errors = AtomicU64::new(0);
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Reported for the first few only: under file-descriptor exhaustion every
                    // accept fails the same way.
                    if accept_errors.fetch_add(1, Ordering::Relaxed) < 5 {
                        tracing::warn!(%error, "notify endpoint accept failed");
                    }
                    continue;
                }
            };
            let client = client.clone();
            let ledger = ledger.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let client = client.clone();
                    let ledger = ledger.clone();
                    async move { Ok::<_, Infallible>(handle(&client, &ledger, request).await) }
                });
                let connection = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                if let Err(error) = connection.await {
                    tracing::debug!(%error, "notify endpoint connection ended with an error");
                }
            });
        }
    });
    Ok(format!("http://{address}"))
}

async fn handle(
    client: &papay::Client,
    ledger: &Ledger,
    request: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let headers = request.headers().clone();
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => {
            tracing::warn!(%error, "notification body could not be read");
            return answer(NotificationAnswer::failure("body could not be read"));
        }
    };

    let notification = match client.parse_notification(&headers, &body).await {
        Ok(notification) => notification,
        Err(error) => {
            let count = ledger.rejected.fetch_add(1, Ordering::Relaxed) + 1;
            if count <= 5 {
                tracing::warn!(code = error.code(), %error, "notification rejected");
            }
            return answer(NotificationAnswer::failure(error.code()));
        }
    };

    match notification.event {
        NotificationEvent::DeductionSucceeded(order) => ledger.record_payment(&notification.id, order),
        NotificationEvent::ContractSigned(_) => {
            ledger.contracts_signed.fetch_add(1, Ordering::Relaxed);
        }
        _ => {
            ledger.other_events.fetch_add(1, Ordering::Relaxed);
        }
    }
    answer(NotificationAnswer::success())
}

fn answer(answer: NotificationAnswer) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(Bytes::from(answer.body)));
    *response.status_mut() =
        hyper::StatusCode::from_u16(answer.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(content_type) = answer.content_type {
        response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(content_type));
    }
    response
}
