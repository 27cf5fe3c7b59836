//! `papay`: the demo, the sandbox server and operator tasks.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

mod demo;
mod operator;
mod receiver;

#[derive(Parser, Debug)]
#[command(name = "papay", version, about = "WeChat Pay Global Auto-Debit: demo, sandbox and operator tasks")]
struct Cli {
    /// Log filter for tracing, e.g. `papay=debug`; defaults to warnings only.
    #[arg(long, global = true, env = "PAPAY_LOG", default_value = "warn")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the whole Auto-Debit lifecycle against an in-process sandbox on 127.0.0.1.
    Demo,
    /// Serve the sandbox until interrupted and write the credentials it accepts as JSON.
    Sandbox {
        /// Address to listen on; only loopback addresses are accepted.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: std::net::SocketAddr,
        /// File that receives the credentials JSON (merchant key, APIv3 key, platform certificate).
        #[arg(long)]
        credentials: PathBuf,
        /// Deliver notifications to this loopback base URL, keeping each URL's path.
        #[arg(long)]
        notify_redirect: Option<String>,
        /// Termination notification URL registered with the template.
        #[arg(long)]
        termination_notify_url: Option<String>,
        /// Retry undelivered notifications every this many milliseconds instead of WeChat Pay's
        /// schedule of 15 s up to 1 h.
        #[arg(long)]
        fast_retries_ms: Option<u64>,
    },
    /// Verify and decrypt a stored notification (raw body file plus headers as JSON).
    VerifyNotification {
        /// Credentials JSON as written by `papay sandbox`, or the same fields for a real merchant.
        #[arg(long)]
        credentials: PathBuf,
        /// JSON object of the notification's headers.
        #[arg(long)]
        headers: PathBuf,
        /// The raw notification body, byte for byte.
        #[arg(long)]
        body: PathBuf,
        /// Skip the timestamp window, for notifications stored earlier.
        #[arg(long)]
        ignore_time: bool,
    },
    /// Query a contract, order or refund and print it as JSON.
    Query {
        /// Credentials JSON (see `verify-notification`).
        #[arg(long)]
        credentials: PathBuf,
        #[command(subcommand)]
        what: operator::QueryKind,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cli.log)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Demo => demo::run().await,
            Command::Sandbox { listen, credentials, notify_redirect, termination_notify_url, fast_retries_ms } => {
                operator::serve_sandbox(
                    listen,
                    credentials,
                    notify_redirect,
                    termination_notify_url,
                    fast_retries_ms.map(Duration::from_millis),
                )
                .await
            }
            Command::VerifyNotification { credentials, headers, body, ignore_time } => {
                operator::verify_notification(&credentials, &headers, &body, ignore_time).await
            }
            Command::Query { credentials, what } => operator::query(&credentials, what).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
