//! `papay-load`: many concurrent deductions through `papay::Client` against an in-process
//! sandbox on 127.0.0.1, with every `TRANSACTION.SUCCESS` notification verified by the
//! merchant's endpoint.
//!
//! It checks that every order was charged exactly once (the sandbox's charge count), that no
//! order was reported paid by two different notifications, and that every order got a verified
//! notification. Redeliveries of one notification id are legal retries and are only counted.
//! With `--server-errors N` the sandbox carries out N deductions but responds to them with HTTP
//! 500, so the client's reconciliation by order query runs under load too.
//! It prints deduction latency (p50, p99, max) and throughput, and ends with
//! `load ok: N deductions, 0 duplicates, 0 lost` or `load FAILED: ...` and exit status 1.
//! All traffic stays on 127.0.0.1, and `--timeout` bounds the whole run.

mod merchant;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use merchant::Ledger;
use papay::{DeductionAmount, DeductionRequest, Order, TradeState};
use papay_sandbox::{Fault, FaultRule, Sandbox, SandboxOptions, SigningRef};

const NOTIFY_BASE: &str = "https://merchant.example/papay";
const CURRENCY: &str = "HKD";
const TRANSACTIONS_PATH: &str = "/v3/global/papay/transactions";
const ORDER_QUERY_PATH: &str = "/v3/global/papay/transactions/out-trade-no/";

#[derive(Debug, Parser)]
#[command(name = "papay-load", about = "Concurrent deductions against an in-process sandbox on 127.0.0.1")]
struct Args {
    /// Number of deductions, each with its own out_trade_no.
    #[arg(long, default_value_t = 10_000)]
    deductions: usize,
    /// Maximum number of deductions in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Number of contracts signed first; deductions are spread over them in turn.
    #[arg(long, default_value_t = 16)]
    contracts: usize,
    /// Number of deductions the sandbox carries out but responds to with HTTP 500, so that the
    /// client must reconcile them by querying the order.
    #[arg(long, default_value_t = 0)]
    server_errors: u32,
    /// Seconds to wait after the last deduction for notifications still on their way.
    #[arg(long, default_value_t = 60)]
    notification_wait: u64,
    /// Seconds after which the whole run stops and fails.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
}

/// One deduction as the merchant recorded it locally.
#[derive(Debug)]
struct Deduction {
    out_trade_no: String,
    total: i64,
    latency: Duration,
    result: Result<Order, papay::Error>,
}

#[tokio::main]
async fn main() -> ExitCode {
    // papay::client warns once per reconciled deduction, which --server-errors makes routine, so
    // only its errors are shown unless PAPAY_LOG sets another filter.
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("PAPAY_LOG").unwrap_or_else(|_| "warn,papay::client=error".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let args = Args::parse();
    if args.deductions == 0 || args.concurrency == 0 || args.contracts == 0 {
        println!("load FAILED: --deductions, --concurrency and --contracts must be at least 1");
        return ExitCode::FAILURE;
    }

    let outcome = tokio::time::timeout(Duration::from_secs(args.timeout), run(&args)).await;
    let failures = match outcome {
        Ok(Ok(failures)) => failures,
        Ok(Err(error)) => vec![error],
        Err(_) => vec![format!("timed out after {} s (--timeout)", args.timeout)],
    };
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        println!("load FAILED: {}", failures.join("; "));
        ExitCode::FAILURE
    }
}

/// Runs the load and returns the failed checks; an `Err` means the setup itself failed.
async fn run(args: &Args) -> Result<Vec<String>, String> {
    let options = SandboxOptions {
        // Fast retries, so a rejected notification comes back within the wait, not in 15 s.
        retry_schedule: vec![Duration::from_millis(200), Duration::from_millis(500), Duration::from_secs(1)],
        ..SandboxOptions::default()
    };
    let sandbox = Sandbox::start(options).await.map_err(|e| format!("sandbox did not start: {e}"))?;
    let client = client_for(&sandbox)?;
    let ledger = Arc::new(Ledger::default());
    let notify_base = merchant::start(client.clone(), ledger.clone())
        .await
        .map_err(|e| format!("notify endpoint could not bind 127.0.0.1: {e}"))?;
    sandbox.set_notify_redirect(Some(notify_base.clone())).map_err(|e| format!("notify redirect: {e}"))?;
    println!(
        "papay-load: sandbox {}, notify endpoint {notify_base}, {} contracts, {} deductions, concurrency {}, \
         {} injected server errors",
        sandbox.base_url(),
        args.contracts,
        args.deductions,
        args.concurrency,
        args.server_errors
    );

    let contract_ids = sign_contracts(&sandbox, &client, args.contracts).await?;
    if args.server_errors > 0 {
        sandbox.inject(FaultRule {
            method: Some("POST".into()),
            path_contains: Some(TRANSACTIONS_PATH.into()),
            times: args.server_errors,
            fault: Fault::ProcessThenStatus(500),
        });
    }

    let started = Instant::now();
    let deductions = deduct_all(&client, &contract_ids, args.deductions, args.concurrency).await?;
    let elapsed = started.elapsed();
    report_latency(&deductions, elapsed);
    let order_queries =
        sandbox.requests().iter().filter(|r| r.method == "GET" && r.target.starts_with(ORDER_QUERY_PATH)).count();
    println!("reconciliation: {order_queries} order queries by out_trade_no");

    wait_for_notifications(&ledger, &deductions, Duration::from_secs(args.notification_wait)).await;
    // A short pause lets a redelivery already on the wire reach the ledger before it is read.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let failures = check(&sandbox, &ledger, &deductions, args.contracts);
    sandbox.shutdown().await;
    Ok(failures)
}

fn client_for(sandbox: &Sandbox) -> Result<papay::Client, String> {
    let credentials = sandbox.credentials();
    let config = papay::Config::builder()
        .mchid(&credentials.mchid)
        .serial_no(&credentials.merchant_serial_no)
        .private_key_pem(credentials.merchant_private_key_pem.as_bytes().to_vec())
        .apiv3_key(credentials.apiv3_key.as_bytes().to_vec())
        .base_url(sandbox.base_url())
        .mode(papay::Mode::Common { appid: credentials.appid.clone() })
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| format!("client configuration: {e}"))?;
    papay::Client::new(config).map_err(|e| format!("client: {e}"))
}

/// Signs `count` contracts through the APP flow, playing the user with the sandbox.
async fn sign_contracts(sandbox: &Sandbox, client: &papay::Client, count: usize) -> Result<Vec<String>, String> {
    let plan_id = sandbox.credentials().plan_id;
    let mut contract_ids = Vec::with_capacity(count);
    for index in 0..count {
        let request = papay::AppPreSignRequest {
            common: papay::PreSignCommon {
                plan_id,
                out_contract_code: format!("LOADCONTRACT{index:06}"),
                user_display_name: Some("Load Test User".into()),
                success_notify_url: format!("{NOTIFY_BASE}/sign-notify"),
                expired_time: None,
            },
            openid: None,
            user_client_ip: None,
        };
        let session = client.app_pre_sign(&request).await.map_err(|e| format!("app pre-sign {index}: {e}"))?;
        let contract = sandbox
            .confirm_signing(SigningRef::SessionId(session.session_id))
            .map_err(|e| format!("signing confirmation {index}: {e}"))?;
        contract_ids.push(contract.contract_id);
    }
    Ok(contract_ids)
}

/// Runs `total` deductions with at most `concurrency` in flight and returns them in order.
async fn deduct_all(
    client: &papay::Client,
    contract_ids: &[String],
    total: usize,
    concurrency: usize,
) -> Result<Vec<Deduction>, String> {
    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..total {
        let permit = permits.clone().acquire_owned().await.map_err(|e| format!("semaphore closed: {e}"))?;
        let client = client.clone();
        let request = DeductionRequest {
            description: "Load test-HK-monthly".into(),
            notify_url: format!("{NOTIFY_BASE}/pay-notify"),
            out_trade_no: format!("LOAD{index:010}"),
            merchant_category_code: "5999".into(),
            contract_id: contract_ids[index % contract_ids.len()].clone(),
            // Distinct amounts make the notification cross-check meaningful.
            amount: DeductionAmount { total: 100 + (index % 9_900) as i64, currency: CURRENCY.into() },
            ..Default::default()
        };
        tasks.spawn(async move {
            let started = Instant::now();
            let result = client.deduct(&request).await;
            drop(permit);
            (
                index,
                Deduction {
                    out_trade_no: request.out_trade_no,
                    total: request.amount.total,
                    latency: started.elapsed(),
                    result,
                },
            )
        });
    }

    let mut slots: Vec<Option<Deduction>> = (0..total).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        let (index, deduction) = joined.map_err(|e| format!("deduction task failed: {e}"))?;
        slots[index] = Some(deduction);
    }
    Ok(slots.into_iter().flatten().collect())
}

fn report_latency(deductions: &[Deduction], elapsed: Duration) {
    let mut latencies: Vec<Duration> = deductions.iter().map(|d| d.latency).collect();
    latencies.sort();
    let succeeded = deductions.iter().filter(|d| d.result.is_ok()).count();
    let throughput = deductions.len() as f64 / elapsed.as_secs_f64();
    println!(
        "deductions: {succeeded} succeeded, {} failed in {:.1} s ({throughput:.0} per second)",
        deductions.len() - succeeded,
        elapsed.as_secs_f64()
    );
    println!(
        "latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        milliseconds(percentile(&latencies, 50)),
        milliseconds(percentile(&latencies, 99)),
        milliseconds(latencies.last().copied().unwrap_or_default())
    );
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[Duration], percent: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Waits until every successful deduction has a verified notification, or `wait` has passed.
async fn wait_for_notifications(ledger: &Ledger, deductions: &[Deduction], wait: Duration) {
    let expected = deductions.iter().filter(|d| d.result.is_ok()).count();
    let deadline = Instant::now() + wait;
    while ledger.orders_reported() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Compares the sandbox's charges and the verified notifications with the local records and
/// returns one message per failed check.
fn check(sandbox: &Sandbox, ledger: &Ledger, deductions: &[Deduction], contracts: usize) -> Vec<String> {
    use std::sync::atomic::Ordering;

    let mut failures = Vec::new();
    let mut deduction_errors = 0;
    let mut charged_once = 0;
    let mut charged_twice = 0;
    let mut never_charged = 0;
    let mut lost = 0;
    let mut duplicates = 0;
    let mut mismatched = 0;
    let state = ledger.state();

    for deduction in deductions {
        let response = match &deduction.result {
            Ok(order) if order.trade_state == TradeState::Success && order.out_trade_no == deduction.out_trade_no => {
                Some(order)
            }
            Ok(order) => {
                deduction_errors += 1;
                tracing::warn!(out_trade_no = %deduction.out_trade_no, state = %order.trade_state, "deduction not paid");
                None
            }
            Err(error) => {
                deduction_errors += 1;
                if deduction_errors <= 5 {
                    tracing::warn!(out_trade_no = %deduction.out_trade_no, code = error.code(), %error, "deduction failed");
                }
                None
            }
        };

        let charges = sandbox.charge_count(&deduction.out_trade_no);
        match charges {
            1 => charged_once += 1,
            0 => never_charged += 1,
            _ => charged_twice += 1,
        }
        let notification_ids = state.ids_by_order.get(&deduction.out_trade_no).map_or(0, |ids| ids.len());
        if notification_ids == 0 {
            lost += 1;
        }
        if charges > 1 || notification_ids > 1 {
            duplicates += 1;
        }
        if let (Some(response), Some(reported)) = (response, state.first_report.get(&deduction.out_trade_no)) {
            let same = reported.amount.total == deduction.total
                && reported.amount.currency == CURRENCY
                && reported.trade_state == TradeState::Success
                && reported.transaction_id == response.transaction_id;
            if !same {
                mismatched += 1;
                tracing::warn!(out_trade_no = %deduction.out_trade_no, "notification differs from the deduction response");
            }
        }
    }

    let ours: std::collections::HashSet<&str> = deductions.iter().map(|d| d.out_trade_no.as_str()).collect();
    let unknown_orders = state.ids_by_order.keys().filter(|no| !ours.contains(no.as_str())).count();
    let verified: u32 = state.deliveries_by_id.values().sum();
    let redeliveries = verified as usize - state.deliveries_by_id.len();
    let rejected = ledger.rejected.load(Ordering::Relaxed);
    let signed = ledger.contracts_signed.load(Ordering::Relaxed);
    let others = ledger.other_events.load(Ordering::Relaxed);

    println!(
        "notifications: {verified} TRANSACTION.SUCCESS verified ({} distinct ids, {redeliveries} redeliveries), \
         {rejected} rejected, {signed} PAPAY.SIGN, {others} other",
        state.deliveries_by_id.len()
    );
    println!("charges: {charged_once} orders charged once, {charged_twice} more than once, {never_charged} never");
    drop(state);

    let mut fail_if = |count: usize, what: &str| {
        if count > 0 {
            failures.push(format!("{count} {what}"));
        }
    };
    fail_if(deduction_errors, "deductions failed or were not paid");
    fail_if(charged_twice, "orders charged more than once");
    fail_if(never_charged, "orders never charged");
    fail_if(duplicates, "duplicates (orders charged twice or reported paid by two notification ids)");
    fail_if(lost, "orders without a verified notification (lost)");
    fail_if(mismatched, "notifications that differ from the deduction response");
    fail_if(unknown_orders, "notifications for orders this run never made");
    fail_if(rejected as usize, "notifications rejected by verification");
    fail_if(contracts.saturating_sub(signed as usize), "PAPAY.SIGN notifications missing");

    if failures.is_empty() {
        println!("load ok: {} deductions, {duplicates} duplicates, {lost} lost", deductions.len());
    }
    failures
}
