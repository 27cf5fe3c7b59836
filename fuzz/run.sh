#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), one after another, and prints per target
# the executions, the final coverage, the corpus size and the findings.
#
# Usage: fuzz/run.sh [SECONDS]
# Needs the nightly toolchain; installs cargo-fuzz from crates.io when it is missing.
# Each target starts from fuzz/seeds/TARGET and grows fuzz/corpus/TARGET. libFuzzer writes
# crashing inputs to fuzz/artifacts/TARGET, and each run's full output goes to
# fuzz/logs/TARGET.log. Exits 1 when any target crashed, timed out, ran out of memory or exited
# with another non-zero status, and 2 when the arguments or the build are invalid.

set -u
cd "$(dirname "$0")"
# The sanitizer and coverage flags differ from the main workspace's builds, so the fuzz build
# keeps its own fuzz/target directory even when the Makefile exports CARGO_TARGET_DIR.
unset CARGO_TARGET_DIR

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz/run.sh: SECONDS must be a positive integer, got '$seconds'" >&2
    exit 2
fi
targets=(notification aes_gcm pem response_decoding request_target)

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz/run.sh: installing cargo-fuzz from crates.io" >&2
    cargo install cargo-fuzz --locked || { echo "fuzz/run.sh: cargo install cargo-fuzz failed" >&2; exit 2; }
fi
cargo +nightly fuzz build || { echo "fuzz/run.sh: cargo fuzz build failed" >&2; exit 2; }
mkdir -p logs

failed=()
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    stamp="logs/$target.started"
    touch "$stamp"
    log="logs/$target.log"

    # -timeout makes an input that runs longer than 10 s a finding instead of a stall.
    cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 -print_final_stats=1 >"$log" 2>&1
    status=$?

    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    last_status=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    coverage=$(grep -o 'cov: [0-9]*' <<<"$last_status" | cut -d' ' -f2)
    features=$(grep -o 'ft: [0-9]*' <<<"$last_status" | cut -d' ' -f2)
    corpus=$(find "corpus/$target" -type f | wc -l)
    new_artifacts=$(find "artifacts/$target" -type f -newer "$stamp")
    findings=$(grep -c . <<<"$new_artifacts")
    rm -f "$stamp"

    echo "$target: ${executions:-?} executions in ${seconds} s (${per_second:-?}/s), cov ${coverage:-?}, ft ${features:-?}, corpus ${corpus} files, findings ${findings}, exit ${status}"
    if [ "$status" -ne 0 ] || [ "$findings" -ne 0 ]; then
        failed+=("$target")
        grep . <<<"$new_artifacts" | sed 's/^/  artifact: fuzz\//'
        grep -m 1 -A 12 -E '^thread .* panicked|ERROR: (libFuzzer|AddressSanitizer)' "$log" | sed 's/^/  /'
    fi
done

if [ "${#failed[@]}" -ne 0 ]; then
    echo "fuzz FAILED: ${failed[*]} (logs in fuzz/logs)"
    exit 1
fi
echo "fuzz ok: ${#targets[@]} targets, ${seconds} s each, no findings"
