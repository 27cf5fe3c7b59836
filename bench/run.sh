#!/usr/bin/env bash
# `make bench`: builds release versions of the Rust bench crate, the Python wheel and the Node
# addon, measures papay side by side with OpenSSL and the baselines wechatpayv3 (PyPI) and
# wechatpay-node-v3 (npm), prints a table and writes bench/results.json. Not part of `make test`.
#
# Every server is a sandbox on 127.0.0.1. When taskset exists, the sandbox runs on CPU 1 and
# every measuring process on CPU 0, so the client side of each number uses one core.
#
# Environment:
#   PYTHON            interpreter that creates the bench venv (default python3.11)
#   PAPAY_BENCH_VENV  venv for papay's wheel and wechatpayv3 (default $CARGO_TARGET_DIR/bench-venv)
#   BENCH_SECONDS     duration of each timed loop (default 3)
#   CARGO_TARGET_DIR  shared Cargo target directory (default <repo>/target)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
python="${PYTHON:-python3.11}"
venv="${PAPAY_BENCH_VENV:-$CARGO_TARGET_DIR/bench-venv}"
seconds="${BENCH_SECONDS:-3}"
keys="$repo/tests/vectors/keys"
run_dir="$CARGO_TARGET_DIR/bench/run"
bench_bin="$CARGO_TARGET_DIR/release/papay-bench"
node_package="$CARGO_TARGET_DIR/bench/node-papay"

if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    client_cpu=(taskset -c 0)
    sandbox_cpu=(taskset -c 1)
else
    echo "bench: taskset or a second CPU is missing, so processes are not pinned" >&2
    client_cpu=()
    sandbox_cpu=()
fi

# Every server here is on 127.0.0.1. requests, urllib and reqwest send through HTTP_PROXY unless
# NO_PROXY lists the host, so a proxy set for the machine would otherwise see this traffic.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

step() { echo "== $*" >&2; }

rm -rf "$run_dir"
mkdir -p "$run_dir"

step "build the Rust bench crate (release)"
cargo build --quiet --release --manifest-path "$here/rust/Cargo.toml"

step "bench venv $venv: wechatpayv3 and maturin"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "wechatpayv3==2.0.4" "maturin>=1.9,<2"

step "build the Python wheel (release) and install it into the bench venv"
wheel_dir="$(mktemp -d)"
trap 'rm -rf "$wheel_dir"' EXIT
(cd "$repo/python" && "$venv/bin/maturin" build --quiet --release -o "$wheel_dir")
wheel="$(ls "$wheel_dir"/papay-*.whl)"
wheel_bytes="$(stat -c %s "$wheel")"
"$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$wheel"

step "build the Node addon (release) into $node_package"
if [ ! -d "$repo/node/node_modules" ]; then
    (cd "$repo/node" && npm ci --no-audit --no-fund)
fi
if [ ! -d "$repo/node/dist/cjs" ]; then
    (cd "$repo/node" && npm run build)
fi
rm -rf "$node_package"
mkdir -p "$node_package"
cp -r "$repo/node/dist" "$repo/node/esm" "$repo/node/package.json" "$node_package/"
(cd "$repo/node" && node_modules/.bin/napi build --manifest-path ../bindings/node/Cargo.toml \
    --package-json-path package.json --platform --no-js --release \
    --output-dir "$node_package/native" --dts index.d.ts >"$run_dir/napi-build.log" 2>&1) \
    || { cat "$run_dir/napi-build.log" >&2; exit 1; }
addon="$(ls "$node_package"/native/papay.*.node)"
addon_bytes="$(stat -c %s "$addon")"
(cd "$here/node" && npm ci --no-audit --no-fund --silent)

started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
step "measure (load average $load_before)"

step "openssl speed rsa2048 and aes-256-gcm"
"$bench_bin" fixture "$keys" >"$run_dir/fixture.json"
plaintext_len="$("$venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["plaintext_len"])' "$run_dir/fixture.json")"
# Three runs each, and report.py takes the fastest, because one `openssl speed` run is a mean
# that another process on the machine can slow down.
for run in 1 2 3; do
    "${client_cpu[@]}" openssl speed -mr -seconds "$seconds" rsa2048 >"$run_dir/openssl-rsa-$run.txt" 2>/dev/null
    "${client_cpu[@]}" openssl speed -mr -seconds "$seconds" -evp aes-256-gcm -bytes "$plaintext_len" \
        >"$run_dir/openssl-aes-$run.txt" 2>/dev/null
done

step "rust core: sign and notification parse"
"${client_cpu[@]}" "$bench_bin" core "$keys" "$seconds" >"$run_dir/rust-core.json"

step "sandbox on 127.0.0.1"
"${sandbox_cpu[@]}" "$bench_bin" sandbox "$keys" "$run_dir/sandbox.json" 2>"$run_dir/sandbox.log" &
sandbox_pid=$!
trap 'kill "$sandbox_pid" 2>/dev/null || true; rm -rf "$wheel_dir"' EXIT
for _ in $(seq 100); do
    [ -s "$run_dir/sandbox.json" ] && break
    kill -0 "$sandbox_pid" 2>/dev/null || { cat "$run_dir/sandbox.log" >&2; exit 1; }
    sleep 0.1
done
[ -s "$run_dir/sandbox.json" ] || { echo "bench: the sandbox did not start within 10 s" >&2; exit 1; }

step "rust client: latency and throughput"
"${client_cpu[@]}" "$bench_bin" client "$run_dir/sandbox.json" "$((seconds + 2))" 16 >"$run_dir/rust-client.json"

step "rust client: memory per 1,000 in-flight queries, papay and bare reqwest"
"${client_cpu[@]}" "$bench_bin" memory "$run_dir/sandbox.json" papay >"$run_dir/rust-memory-papay.json"
"${client_cpu[@]}" "$bench_bin" memory "$run_dir/sandbox.json" bare >"$run_dir/rust-memory-bare.json"

step "python: papay against wechatpayv3"
# A fresh fixture keeps the notification's timestamp inside the 300 s window.
"$bench_bin" fixture "$keys" >"$run_dir/fixture.json"
"${client_cpu[@]}" "$venv/bin/python" "$here/python/bench.py" --fixture "$run_dir/fixture.json" \
    --sandbox "$run_dir/sandbox.json" --keys "$keys" --seconds "$seconds" --threads 16 >"$run_dir/python.json"

step "node: papay against wechatpay-node-v3"
"$bench_bin" fixture "$keys" >"$run_dir/fixture.json"
(cd "$here/node" && "${client_cpu[@]}" node bench.mjs --papay "$node_package" --fixture "$run_dir/fixture.json" \
    --sandbox "$run_dir/sandbox.json" --keys "$keys" --seconds "$seconds" --concurrency 64 >"$run_dir/node.json")

kill "$sandbox_pid"
wait "$sandbox_pid" 2>/dev/null || true
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

"$venv/bin/python" "$here/report.py" --run-dir "$run_dir" --output "$here/results.json" \
    --wheel-bytes "$wheel_bytes" --addon-bytes "$addon_bytes" --command "make bench" \
    --started "$started" --load-before "$load_before" --load-after "$load_after"
