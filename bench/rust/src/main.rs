//! `papay-bench`: the Rust measurements of `make bench`. Each subcommand prints one JSON object
//! on stdout, which bench/report.py combines with the OpenSSL, Python and Node numbers.
//!
//! - `fixture KEYS_DIR` prints a TRANSACTION.SUCCESS notification (headers and body) signed with
//!   the platform key and encrypted with the APIv3 key of KEYS_DIR, timestamped now, and the
//!   5-line request message that the signing benchmarks sign.
//! - `sandbox KEYS_DIR INFO_FILE` runs a sandbox on 127.0.0.1 with the keys of KEYS_DIR, creates
//!   one paid order to query, writes what clients need to INFO_FILE and serves until SIGTERM or
//!   SIGINT.
//! - `core KEYS_DIR SECONDS` times `MerchantPrivateKey::sign` and `NotificationParser::parse`.
//! - `client INFO_FILE SECONDS CONCURRENCY` times queries against that sandbox: latency of papay
//!   against bare reqwest, and throughput on a 1-worker runtime.
//! - `memory INFO_FILE papay|bare` measures the RSS growth while 1,000 queries are in flight.
//! - `queries INFO_FILE papay|bare COUNT` sends COUNT queries one at a time and prints nothing;
//!   it is the workload to run under `valgrind --tool=callgrind` for a profile.

mod client;
mod fixture;
mod measure;
mod sandbox;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: papay-bench fixture KEYS_DIR | sandbox KEYS_DIR INFO_FILE | core KEYS_DIR SECONDS | \
                     client INFO_FILE SECONDS CONCURRENCY | memory INFO_FILE papay|bare | queries INFO_FILE papay|bare COUNT";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["fixture", keys] => fixture::print(&PathBuf::from(keys)),
        ["sandbox", keys, info] => sandbox::run(&PathBuf::from(keys), &PathBuf::from(info)),
        ["core", keys, seconds] => parse_seconds(seconds).and_then(|s| measure::core(&PathBuf::from(keys), s)),
        ["client", info, seconds, concurrency] => parse_seconds(seconds).and_then(|s| {
            let concurrency =
                concurrency.parse::<usize>().map_err(|e| format!("invalid CONCURRENCY {concurrency:?}: {e}"))?;
            client::run(&PathBuf::from(info), s, concurrency)
        }),
        ["memory", info, mode @ ("papay" | "bare")] => client::memory(&PathBuf::from(info), mode == &"papay"),
        ["queries", info, mode @ ("papay" | "bare"), count] => count
            .parse::<usize>()
            .map_err(|e| format!("invalid COUNT {count:?}: {e}"))
            .and_then(|count| client::queries(&PathBuf::from(info), mode == &"papay", count)),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("papay-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 => Ok(seconds),
        _ => Err(format!("invalid SECONDS {text:?}: expected a positive number")),
    }
}
