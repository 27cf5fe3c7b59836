//! `papay demo`: the whole Auto-Debit lifecycle against an in-process sandbox, through the
//! public client, printing one line per step.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use papay_sandbox::{DeductionOutcome, Sandbox, SandboxOptions, SigningRef};
use tokio::sync::mpsc;

use crate::receiver::{self, Received};

const NOTIFY_BASE: &str = "https://merchant.example/papay";
const NOTIFICATION_TIMEOUT: Duration = Duration::from_secs(10);

/// Counts of what the demo exercised.
struct Tally {
    endpoints: BTreeSet<&'static str>,
    notifications: usize,
}

/// Runs the demo; returns an error naming the failed step.
pub async fn run() -> Result<(), String> {
    let options = SandboxOptions {
        termination_notify_url: Some(format!("{NOTIFY_BASE}/terminate-notify")),
        retry_schedule: vec![Duration::from_millis(200); 5],
        refund_retry_schedule: vec![Duration::from_millis(200); 5],
        refund_delay: Duration::from_millis(100),
        ..SandboxOptions::default()
    };
    let sandbox = Sandbox::start(options).await.map_err(|e| format!("starting the sandbox: {e}"))?;
    let credentials = sandbox.credentials();
    println!(
        "sandbox   listening on {} (merchant {}, platform certificate {})",
        sandbox.base_url(),
        credentials.mchid,
        credentials.platform_serial_no
    );

    let config = papay::Config::builder()
        .mchid(&credentials.mchid)
        .serial_no(&credentials.merchant_serial_no)
        .private_key_pem(credentials.merchant_private_key_pem.as_bytes().to_vec())
        .apiv3_key(credentials.apiv3_key.as_bytes().to_vec())
        .base_url(sandbox.base_url())
        .mode(papay::Mode::Common { appid: credentials.appid.clone() })
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| format!("configuring the client: {e}"))?;
    let client = papay::Client::new(config).map_err(|e| format!("creating the client: {e}"))?;

    let (notify_base, mut received) =
        receiver::start(client.clone()).await.map_err(|e| format!("starting the notify endpoint: {e}"))?;
    sandbox.set_notify_redirect(Some(notify_base.clone())).map_err(|e| format!("redirecting notifications: {e}"))?;
    println!("notify    endpoint on {notify_base} (sandbox delivers {NOTIFY_BASE}/... there)");

    let mut tally = Tally { endpoints: BTreeSet::new(), notifications: 0 };
    let result = lifecycle(&client, &sandbox, &mut received, &mut tally).await;
    sandbox.shutdown().await;
    result?;

    println!("demo ok: {} API calls, {} notifications verified", tally.endpoints.len(), tally.notifications);
    Ok(())
}

async fn lifecycle(
    client: &papay::Client,
    sandbox: &Sandbox,
    received: &mut mpsc::UnboundedReceiver<Received>,
    tally: &mut Tally,
) -> Result<(), String> {
    let plan_id = sandbox.credentials().plan_id;
    let openid = sandbox.credentials().openid;
    let run_id = chrono::Utc::now().format("%H%M%S").to_string();
    let common = |code: &str| papay::PreSignCommon {
        plan_id,
        out_contract_code: format!("DEMO{run_id}{code}"),
        user_display_name: Some("Demo User \u{6f14}\u{793a}".into()),
        success_notify_url: format!("{NOTIFY_BASE}/sign-notify"),
        expired_time: None,
    };

    // Certificates: downloaded, decrypted and verified before anything else is trusted.
    let started = Instant::now();
    let certificates = step(tally, "download_certificates", client.download_certificates()).await?;
    report(
        "download_certificates",
        sandbox,
        started,
        &format!(
            "{} certificate(s), newest {}",
            certificates.len(),
            certificates.first().map(|c| c.serial_no()).unwrap_or("-")
        ),
    );

    // The five signing flows.
    let started = Instant::now();
    let request = papay::MiniProgramPreSignRequest {
        common: common("MP"),
        openid: openid.clone(),
        user_client_ip: Some("203.0.113.10".into()),
    };
    let session = step(tally, "mini_program_pre_sign", client.mini_program_pre_sign(&request)).await?;
    report("mini_program_pre_sign", sandbox, started, &format!("session_id={}", session.session_id));

    let started = Instant::now();
    let request = papay::H5PreSignRequest {
        common: common("H5"),
        user_client_ip: Some("203.0.113.10".into()),
        ..Default::default()
    };
    let h5 = step(tally, "h5_pre_sign", client.h5_pre_sign(&request)).await?;
    report("h5_pre_sign", sandbox, started, &format!("sign_url={}", h5.sign_url));

    let started = Instant::now();
    let request = papay::JsapiPreSignRequest {
        common: common("JS"),
        openid: openid.clone(),
        return_url: Some("https://merchant.example/signed".into()),
    };
    let jsapi = step(tally, "jsapi_pre_sign", client.jsapi_pre_sign(&request)).await?;
    report("jsapi_pre_sign", sandbox, started, &format!("sign_url={}", jsapi.sign_url));

    let started = Instant::now();
    let request = papay::WebPreSignRequest { common: common("PC"), return_url: None };
    let web = step(tally, "web_pre_sign", client.web_pre_sign(&request)).await?;
    let svg =
        papay::app_signing::qr_code_svg(&web.show_code_url, 4).map_err(|e| format!("rendering the QR code: {e}"))?;
    report(
        "web_pre_sign",
        sandbox,
        started,
        &format!("show_code_url={} (QR code: {} bytes of SVG)", web.show_code_url, svg.len()),
    );

    let started = Instant::now();
    let app_request =
        papay::AppPreSignRequest { common: common("APP"), openid: None, user_client_ip: Some("203.0.113.10".into()) };
    let app = step(tally, "app_pre_sign", client.app_pre_sign(&app_request)).await?;
    let launch = papay::app_signing::launch_params(&app.session_id, &Default::default())
        .map_err(|e| format!("building the launch parameters: {e}"))?;
    report(
        "app_pre_sign",
        sandbox,
        started,
        &format!("session_id={} (app opens {} at {})", app.session_id, launch.mini_program, launch.path),
    );

    // The user confirms the APP signing; the contract exists once PAPAY.SIGN arrives.
    sandbox
        .confirm_signing(SigningRef::SessionId(app.session_id.clone()))
        .map_err(|e| format!("user confirming the APP signing: {e}"))?;
    println!("user      confirmed the APP signing in WeChat");
    let signed = expect_notification(received, tally, papay::notification::PAPAY_SIGN).await?;
    let contract_id = match &signed.event {
        papay::NotificationEvent::ContractSigned(contract) => contract.contract_id.clone(),
        other => return Err(format!("PAPAY.SIGN carried an unexpected event: {other:?}")),
    };
    println!(
        "  notification PAPAY.SIGN verified: contract_id={contract_id} out_contract_code={}",
        app_request.common.out_contract_code
    );

    let started = Instant::now();
    let contract = step(tally, "query_contract_by_id", client.query_contract_by_id(&contract_id)).await?;
    report(
        "query_contract_by_id",
        sandbox,
        started,
        &format!("contract_id={} state={}", contract.contract_id, contract.state),
    );

    let started = Instant::now();
    let contract = step(
        tally,
        "query_contract_by_out_contract_code",
        client.query_contract_by_out_contract_code(plan_id, &app_request.common.out_contract_code),
    )
    .await?;
    report(
        "query_contract_by_out_contract_code",
        sandbox,
        started,
        &format!("out_contract_code={} state={}", contract.out_contract_code, contract.state),
    );

    // A deduction and its notification.
    let out_trade_no = format!("DEMO{run_id}ORDER1");
    let deduction = papay::DeductionRequest {
        description: "Demo shop-HK-monthly plan".into(),
        notify_url: format!("{NOTIFY_BASE}/pay-notify"),
        out_trade_no: out_trade_no.clone(),
        merchant_category_code: "5999".into(),
        contract_id: contract_id.clone(),
        amount: papay::DeductionAmount { total: 1000, currency: "HKD".into() },
        ..Default::default()
    };
    let started = Instant::now();
    let order = step(tally, "deduct", client.deduct(&deduction)).await?;
    let transaction_id = order.transaction_id.clone().unwrap_or_default();
    report(
        "deduct",
        sandbox,
        started,
        &format!(
            "out_trade_no={out_trade_no} transaction_id={transaction_id} trade_state={} total={} {}",
            order.trade_state, order.amount.total, order.amount.currency
        ),
    );
    let paid = expect_notification(received, tally, papay::notification::TRANSACTION_SUCCESS).await?;
    if let papay::NotificationEvent::DeductionSucceeded(order) = &paid.event {
        println!(
            "  notification TRANSACTION.SUCCESS verified: out_trade_no={} payer_total={:?} {:?}",
            order.out_trade_no, order.amount.payer_total, order.amount.payer_currency
        );
    }

    let started = Instant::now();
    let order =
        step(tally, "query_order_by_transaction_id", client.query_order_by_transaction_id(&transaction_id)).await?;
    report(
        "query_order_by_transaction_id",
        sandbox,
        started,
        &format!("transaction_id={transaction_id} trade_state={}", order.trade_state),
    );

    let started = Instant::now();
    let order = step(tally, "query_order_by_out_trade_no", client.query_order_by_out_trade_no(&out_trade_no)).await?;
    report(
        "query_order_by_out_trade_no",
        sandbox,
        started,
        &format!("out_trade_no={out_trade_no} trade_state={}", order.trade_state),
    );

    // A second order that stays unpaid (the user is still paying) is reversed.
    sandbox.set_next_deduction_outcome(DeductionOutcome::UserPaying);
    let second_no = format!("DEMO{run_id}ORDER2");
    let second = papay::DeductionRequest {
        out_trade_no: second_no.clone(),
        amount: papay::DeductionAmount { total: 500, currency: "HKD".into() },
        ..deduction.clone()
    };
    let started = Instant::now();
    let pending = client.deduct(&second).await.map_err(|e| format!("deduct (second order): {e}"))?;
    report("deduct", sandbox, started, &format!("out_trade_no={second_no} trade_state={}", pending.trade_state));
    let started = Instant::now();
    step(tally, "reverse_order", client.reverse_order(&second_no)).await?;
    report("reverse_order", sandbox, started, &format!("out_trade_no={second_no}"));
    let closed = client
        .query_order_by_out_trade_no(&second_no)
        .await
        .map_err(|e| format!("querying the reversed order: {e}"))?;
    println!("          order {second_no} is now {}", closed.trade_state);

    // A partial refund and its notification.
    let out_refund_no = format!("DEMO{run_id}REFUND1");
    let refund_request = papay::RefundRequest {
        order: papay::OrderRef::OutTradeNo(out_trade_no.clone()),
        out_refund_no: out_refund_no.clone(),
        reason: Some("demo partial refund".into()),
        amount: papay::RefundRequestAmount { refund: 300, total: 1000, currency: "HKD".into() },
        notify_url: Some(format!("{NOTIFY_BASE}/refund-notify")),
        ..Default::default()
    };
    let started = Instant::now();
    let refund = step(tally, "refund", client.refund(&refund_request)).await?;
    report(
        "refund",
        sandbox,
        started,
        &format!(
            "out_refund_no={out_refund_no} refund_id={} refund={} {}",
            refund.id, refund.amount.refund, refund.amount.currency
        ),
    );
    let refunded = expect_notification(received, tally, papay::notification::REFUND_SUCCESS).await?;
    if let papay::NotificationEvent::RefundSucceeded(refund) = &refunded.event {
        println!(
            "  notification REFUND.SUCCESS verified: out_refund_no={} refund_status={}",
            refund.out_refund_no, refund.refund_status
        );
    }

    let started = Instant::now();
    let single =
        step(tally, "query_refund_by_out_refund_no", client.query_refund_by_out_refund_no(&out_refund_no)).await?;
    report(
        "query_refund_by_out_refund_no",
        sandbox,
        started,
        &format!("out_refund_no={out_refund_no} status={}", single.status.as_ref().map(|s| s.as_str()).unwrap_or("-")),
    );

    let started = Instant::now();
    let by_id = step(tally, "query_refund_by_id", client.query_refund_by_id(&refund.id)).await?;
    report(
        "query_refund_by_id",
        sandbox,
        started,
        &format!("refund_id={} status={}", by_id.id, by_id.status.as_ref().map(|s| s.as_str()).unwrap_or("-")),
    );

    let started = Instant::now();
    let list_request =
        papay::RefundListRequest { order: papay::OrderRef::OutTradeNo(out_trade_no.clone()), offset: 0, count: 10 };
    let list = step(tally, "list_refunds", client.list_refunds(&list_request)).await?;
    report(
        "list_refunds",
        sandbox,
        started,
        &format!("out_trade_no={out_trade_no} total_num={} on this page={}", list.total_num, list.current_total_num),
    );

    // Termination by the merchant and its notification.
    let started = Instant::now();
    let note = papay::TerminateContractRequest { termination_note: "demo finished".into() };
    step(tally, "terminate_contract", client.terminate_contract(&contract_id, &note)).await?;
    report("terminate_contract", sandbox, started, &format!("contract_id={contract_id}"));
    let terminated = expect_notification(received, tally, papay::notification::PAPAY_TERMINATE).await?;
    if let papay::NotificationEvent::ContractTerminated(contract) = &terminated.event {
        println!(
            "  notification PAPAY.TERMINATE verified: contract_id={} mode={:?}",
            contract.contract_id,
            contract.contract_termination_mode.as_ref().map(|m| m.as_str())
        );
    }
    Ok(())
}

async fn step<T>(
    tally: &mut Tally,
    endpoint: &'static str,
    call: impl std::future::Future<Output = papay::Result<T>>,
) -> Result<T, String> {
    match call.await {
        Ok(value) => {
            tally.endpoints.insert(endpoint);
            Ok(value)
        }
        Err(error) => Err(format!("{endpoint}: {} {error}", error.code())),
    }
}

/// Prints one step line: the endpoint, the HTTP method, target and status the sandbox
/// recorded for the last request, ids, and latency.
fn report(endpoint: &str, sandbox: &Sandbox, started: Instant, ids: &str) {
    let last = sandbox.requests().into_iter().rev().find(|r| !r.target.starts_with("/sandbox/"));
    let (method, target, status) = last.map(|r| (r.method, r.target, r.status)).unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default().to_owned();
    println!(
        "api       {endpoint:<36} {method:<4} {path} -> {status}  {ids}  {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
}

async fn expect_notification(
    received: &mut mpsc::UnboundedReceiver<Received>,
    tally: &mut Tally,
    event_type: &str,
) -> Result<papay::Notification, String> {
    let deadline = tokio::time::Instant::now() + NOTIFICATION_TIMEOUT;
    loop {
        let next = tokio::time::timeout_at(deadline, received.recv())
            .await
            .map_err(|_| format!("no {event_type} notification within {} s", NOTIFICATION_TIMEOUT.as_secs()))?
            .ok_or_else(|| "the notify endpoint stopped".to_owned())?;
        match next.result {
            Ok(notification) if notification.event_type == event_type => {
                tally.notifications += 1;
                return Ok(notification);
            }
            Ok(other) => println!("  notification {} on {} (not the one awaited)", other.event_type, next.path),
            Err(error) => {
                return Err(format!("notification on {} failed verification: {} {error}", next.path, error.code()))
            }
        }
    }
}
