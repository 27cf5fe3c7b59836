//! Query benchmarks against the sandbox process: papay's latency against bare reqwest,
//! throughput on one tokio worker, and memory per in-flight request.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use papay::{MerchantPrivateKey, RequestSigner};

use crate::measure::{median, micros, time_per_call};

/// Requests per round of the latency comparison. papay and bare reqwest alternate rounds, so
/// both see the same load from the rest of the machine.
const LATENCY_ROUND: usize = 200;
const LATENCY_ROUNDS: usize = 10;
/// Requests held open by the sandbox for the memory measurement.
const IN_FLIGHT: usize = 1000;
/// How long the sandbox delays its response to each of them.
const HOLD_MS: u64 = 3000;

#[allow(clippy::too_many_arguments)]
pub fn papay_client(
    base_url: &str,
    mchid: &str,
    serial_no: &str,
    private_key_pem: Vec<u8>,
    apiv3_key: &str,
    appid: &str,
    public_key_id: &str,
    public_key_pem: &[u8],
) -> Result<papay::Client, String> {
    let config = papay::Config::builder()
        .mchid(mchid)
        .serial_no(serial_no)
        .private_key_pem(private_key_pem)
        .apiv3_key(apiv3_key.as_bytes().to_vec())
        .base_url(base_url)
        .mode(papay::Mode::Common { appid: appid.to_owned() })
        .download_certificates(false)
        .platform_public_key(public_key_id, public_key_pem.to_vec())
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("client configuration: {e}"))?;
    papay::Client::new(config).map_err(|e| format!("client: {e}"))
}

struct Info {
    base_url: String,
    mchid: String,
    serial_no: String,
    merchant_pem: Vec<u8>,
    out_trade_no: String,
    client: papay::Client,
}

fn load_info(path: &Path) -> Result<Info, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let info: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let field = |name: &str| {
        info[name].as_str().map(str::to_owned).ok_or_else(|| format!("{} has no string field {name:?}", path.display()))
    };
    let key_file = field("merchant_key_file")?;
    let merchant_pem = std::fs::read(&key_file).map_err(|e| format!("cannot read {key_file}: {e}"))?;
    let client = papay_client(
        &field("base_url")?,
        &field("mchid")?,
        &field("serial_no")?,
        merchant_pem.clone(),
        &field("apiv3_key")?,
        &field("appid")?,
        &field("public_key_id")?,
        field("public_key_pem")?.as_bytes(),
    )?;
    Ok(Info {
        base_url: field("base_url")?,
        mchid: field("mchid")?,
        serial_no: field("serial_no")?,
        merchant_pem,
        out_trade_no: field("out_trade_no")?,
        client,
    })
}

pub fn run(info_path: &Path, seconds: f64, concurrency: usize) -> Result<(), String> {
    let info = load_info(info_path)?;
    // One worker thread: the throughput below is what one core of the client achieves.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    runtime.block_on(measure_all(&info, seconds, concurrency))
}

/// Sends `count` queries one at a time through papay or through bare reqwest, for profiling.
pub fn queries(info_path: &Path, through_papay: bool, count: usize) -> Result<(), String> {
    let info = load_info(info_path)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    runtime.block_on(async {
        let target = format!("/v3/global/papay/transactions/out-trade-no/{}", info.out_trade_no);
        let url = format!("{}{}", info.base_url.trim_end_matches('/'), target);
        let key = MerchantPrivateKey::from_pem(&info.merchant_pem).map_err(|e| format!("merchant key: {e}"))?;
        let signer = RequestSigner::new(info.mchid.clone(), info.serial_no.clone(), Arc::new(key));
        let bare = reqwest::Client::new();
        for _ in 0..count {
            if through_papay {
                info.client
                    .query_order_by_out_trade_no(&info.out_trade_no)
                    .await
                    .map_err(|e| format!("papay query: {e}"))?;
            } else {
                bare_query(&bare, &url, &signer, &target).await?;
            }
        }
        Ok(())
    })
}

async fn measure_all(info: &Info, seconds: f64, concurrency: usize) -> Result<(), String> {
    let target = format!("/v3/global/papay/transactions/out-trade-no/{}", info.out_trade_no);
    let key = MerchantPrivateKey::from_pem(&info.merchant_pem).map_err(|e| format!("merchant key: {e}"))?;
    let signer = RequestSigner::new(info.mchid.clone(), info.serial_no.clone(), Arc::new(key));
    let bare = reqwest::Client::builder()
        .user_agent(format!("papay-bench/{}", env!("CARGO_PKG_VERSION")))
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("reqwest client: {e}"))?;
    let url = format!("{}{}", info.base_url.trim_end_matches('/'), target);

    // Warm both connection pools and check that both requests succeed.
    info.client.query_order_by_out_trade_no(&info.out_trade_no).await.map_err(|e| format!("papay query: {e}"))?;
    let status = bare_query(&bare, &url, &signer, &target).await?;
    if status != 200 {
        return Err(format!("bare reqwest query answered HTTP {status}"));
    }

    let sign = time_per_call(seconds.min(2.0), || {
        std::hint::black_box(signer.authorization("GET", &target, crate::fixture::unix_now(), b"").ok());
    });
    let (papay_p50, bare_p50) = latencies(info, &bare, &url, &signer, &target).await?;
    let throughput = throughput(info, seconds, concurrency).await?;

    let overhead = (papay_p50 - sign.as_secs_f64()) / bare_p50;
    let output = serde_json::json!({
        "sign_authorization_us": micros(sign),
        "papay_query_p50_us": micros(Duration::from_secs_f64(papay_p50)),
        "bare_reqwest_query_p50_us": micros(Duration::from_secs_f64(bare_p50)),
        "overhead_ratio": (overhead * 1000.0).round() / 1000.0,
        "throughput": throughput,
    });
    println!("{output}");
    Ok(())
}

/// Sends the query with the header names papay sends (User-Agent, Authorization, Accept) and
/// reads the whole body.
async fn bare_query(client: &reqwest::Client, url: &str, signer: &RequestSigner, target: &str) -> Result<u16, String> {
    let authorization =
        signer.authorization("GET", target, crate::fixture::unix_now(), b"").map_err(|e| e.to_string())?;
    let (status, _) = send_bare(client, url, authorization).await?;
    Ok(status)
}

async fn send_bare(client: &reqwest::Client, url: &str, authorization: String) -> Result<(u16, usize), String> {
    let response = client
        .get(url)
        .header("Authorization", authorization)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| format!("bare reqwest query: {e}"))?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| format!("bare reqwest body: {e}"))?;
    Ok((status, body.len()))
}

/// Median latency in seconds of one query at a time through papay and through bare reqwest.
async fn latencies(
    info: &Info,
    bare: &reqwest::Client,
    url: &str,
    signer: &RequestSigner,
    target: &str,
) -> Result<(f64, f64), String> {
    let mut papay_times = Vec::with_capacity(LATENCY_ROUND * LATENCY_ROUNDS);
    let mut bare_times = Vec::with_capacity(LATENCY_ROUND * LATENCY_ROUNDS);
    for _ in 0..LATENCY_ROUNDS {
        for _ in 0..LATENCY_ROUND {
            let started = Instant::now();
            info.client
                .query_order_by_out_trade_no(&info.out_trade_no)
                .await
                .map_err(|e| format!("papay query: {e}"))?;
            papay_times.push(started.elapsed().as_secs_f64());
        }
        for _ in 0..LATENCY_ROUND {
            // Signing right before the timed region keeps the same pause between requests as
            // papay has, so the sandbox's CPU idles and wakes up the same way for both.
            let authorization =
                signer.authorization("GET", target, crate::fixture::unix_now(), b"").map_err(|e| e.to_string())?;
            let started = Instant::now();
            let (status, _) = send_bare(bare, url, authorization).await?;
            bare_times.push(started.elapsed().as_secs_f64());
            if status != 200 {
                return Err(format!("bare reqwest query answered HTTP {status}"));
            }
        }
    }
    Ok((median(&mut papay_times), median(&mut bare_times)))
}

/// Queries from `concurrency` tasks for `seconds` on this 1-worker runtime. Returns requests
/// per second of wall time and per second of this process's CPU time.
async fn throughput(info: &Info, seconds: f64, concurrency: usize) -> Result<serde_json::Value, String> {
    let completed = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));

    let mut tasks = tokio::task::JoinSet::new();
    let cpu_before = process_cpu_seconds()?;
    let started = Instant::now();
    for _ in 0..concurrency {
        let (client, out_trade_no) = (info.client.clone(), info.out_trade_no.clone());
        let (completed, failed, stop) = (completed.clone(), failed.clone(), stop.clone());
        tasks.spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                match client.query_order_by_out_trade_no(&out_trade_no).await {
                    Ok(_) => completed.fetch_add(1, Ordering::Relaxed),
                    Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        });
    }
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;

    let done = completed.load(Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = process_cpu_seconds()?;
    let (user, system) = (cpu_after.0 - cpu_before.0, cpu_after.1 - cpu_before.1);
    let cpu = user + system;
    stop.store(true, Ordering::Relaxed);
    while tasks.join_next().await.is_some() {}

    let failures = failed.load(Ordering::Relaxed);
    if failures > 0 {
        return Err(format!("{failures} of the throughput queries failed"));
    }
    Ok(serde_json::json!({
        "concurrency": concurrency,
        "requests": done,
        "seconds": (elapsed * 100.0).round() / 100.0,
        "cpu_seconds": (cpu * 100.0).round() / 100.0,
        "user_cpu_seconds": (user * 100.0).round() / 100.0,
        "system_cpu_seconds": (system * 100.0).round() / 100.0,
        "requests_per_second": (done as f64 / elapsed).round(),
        "requests_per_cpu_second": (done as f64 / cpu).round(),
    }))
}

/// Measures the RSS growth while `IN_FLIGHT` queries wait `HOLD_MS` for the sandbox's response,
/// through papay or through bare reqwest with pre-signed headers. Each kind runs in
/// its own process, so that neither reuses memory the other freed.
pub fn memory(info_path: &Path, through_papay: bool) -> Result<(), String> {
    let info = load_info(info_path)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    runtime.block_on(memory_per_in_flight(&info, through_papay))
}

async fn memory_per_in_flight(info: &Info, through_papay: bool) -> Result<(), String> {
    let target = format!("/v3/global/papay/transactions/out-trade-no/{}", info.out_trade_no);
    let url = format!("{}{}", info.base_url.trim_end_matches('/'), target);
    let key = MerchantPrivateKey::from_pem(&info.merchant_pem).map_err(|e| format!("merchant key: {e}"))?;
    let signer = RequestSigner::new(info.mchid.clone(), info.serial_no.clone(), Arc::new(key));
    let bare = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("reqwest client: {e}"))?;
    // One query first, so that the client, its pool and the runtime are set up before the
    // baseline RSS is read.
    if through_papay {
        info.client.query_order_by_out_trade_no(&info.out_trade_no).await.map_err(|e| format!("papay query: {e}"))?;
    } else {
        bare_query(&bare, &url, &signer, &target).await?;
    }
    let now = crate::fixture::unix_now();
    let authorizations = if through_papay {
        Vec::new()
    } else {
        (0..IN_FLIGHT)
            .map(|_| signer.authorization("GET", &target, now, b""))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?
    };

    let control = reqwest::Client::new();
    let faults = format!("{}/sandbox/faults", info.base_url.trim_end_matches('/'));
    let rule = serde_json::json!({
        "method": "GET",
        "path_contains": "/out-trade-no/",
        "times": 0,
        "fault": {"delay_ms": HOLD_MS},
    });
    let answer = control
        .post(&faults)
        .header("Content-Type", "application/json")
        .body(rule.to_string())
        .send()
        .await
        .map_err(|e| format!("fault injection: {e}"))?;
    if !answer.status().is_success() {
        return Err(format!("fault injection answered HTTP {}", answer.status()));
    }

    let mut tasks = tokio::task::JoinSet::new();
    let growth = rss_growth(|| {
        if through_papay {
            for _ in 0..IN_FLIGHT {
                let (client, out_trade_no) = (info.client.clone(), info.out_trade_no.clone());
                tasks.spawn(async move {
                    client.query_order_by_out_trade_no(&out_trade_no).await.map(|_| ()).map_err(|e| e.to_string())
                });
            }
        } else {
            for authorization in authorizations {
                let (bare, url) = (bare.clone(), url.clone());
                tasks.spawn(async move { send_bare(&bare, &url, authorization).await.map(|_| ()) });
            }
        }
    })
    .await;
    let failures = count_failures(tasks).await;
    let _ = control.delete(&faults).send().await;
    let growth = growth?;
    if failures > 0 {
        return Err(format!("{failures} of the {IN_FLIGHT} held queries failed"));
    }

    // The size of the state machine each in-flight query keeps in its task. This one is created
    // and dropped without being polled.
    let future_bytes = if through_papay {
        std::mem::size_of_val(&info.client.query_order_by_out_trade_no(&info.out_trade_no))
    } else {
        std::mem::size_of_val(&send_bare(&bare, &url, String::new()))
    };
    let output = serde_json::json!({
        "client": if through_papay { "papay" } else { "bare reqwest" },
        "in_flight": IN_FLIGHT,
        "future_bytes": future_bytes,
        "rss_growth_per_1000_kib": (growth as f64 * 1000.0 / IN_FLIGHT as f64).round(),
    });
    println!("{output}");
    Ok(())
}

/// Runs `spawn` and returns the peak RSS growth, in KiB, sampled every 100 ms while the
/// sandbox delays its responses.
async fn rss_growth(spawn: impl FnOnce()) -> Result<i64, String> {
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss_kib()?;
    spawn();
    let mut peak = before;
    let sampling = Instant::now();
    while sampling.elapsed() < Duration::from_millis(HOLD_MS - 500) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        peak = peak.max(rss_kib()?);
    }
    Ok(peak - before)
}

async fn count_failures(mut tasks: tokio::task::JoinSet<Result<(), String>>) -> usize {
    let mut failures = 0;
    while let Some(result) = tasks.join_next().await {
        if !matches!(result, Ok(Ok(()))) {
            failures += 1;
        }
    }
    failures
}

/// Resident set size of this process, from /proc/self/status.
fn rss_kib() -> Result<i64, String> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| format!("/proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "/proc/self/status has no VmRSS line".to_owned())
}

/// User and system CPU time of this process, from /proc/self/stat (clock ticks of 1/100 s).
fn process_cpu_seconds() -> Result<(f64, f64), String> {
    let stat = std::fs::read_to_string("/proc/self/stat").map_err(|e| format!("/proc/self/stat: {e}"))?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).ok_or("unreadable /proc/self/stat")?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, at indexes 11 and 12 after the name.
    let ticks =
        |index: usize| fields.get(index).and_then(|v| v.parse::<f64>().ok()).ok_or("unreadable /proc/self/stat");
    Ok((ticks(11)? / 100.0, ticks(12)? / 100.0))
}
