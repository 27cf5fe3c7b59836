//! A client for a sandbox on 127.0.0.1 ignores the proxy variables that route its other traffic.
//! Its own test binary with a single test, because the variables apply to the whole process.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Harness;

#[tokio::test]
async fn loopback_sandbox_is_reached_without_the_proxy() {
    // Nothing listens on port 9 (discard) here, so a request sent through this proxy fails.
    for name in ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
        std::env::set_var(name, "http://127.0.0.1:9");
    }
    for name in ["NO_PROXY", "no_proxy"] {
        std::env::remove_var(name);
    }
    let h = Harness::start().await;
    let error = Harness::api_error(h.client.query_order_by_out_trade_no("NOSUCHORDER").await.unwrap_err());
    assert_eq!(error.status, 404);
    assert_eq!(error.code, "NOT_FOUND");
}
