"""Python side of `make bench`: papay's Python package against the PyPI package wechatpayv3.

Prints one JSON object. Run by bench/run.sh inside target/bench-venv, where a release wheel of
papay and wechatpayv3 are installed. wechatpayv3 runs in public-key mode, so it downloads no
certificates, and every call stays on this machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List


def time_per_call(seconds: float, operation: Callable[[], object]) -> float:
    """Return seconds per call: the median over batches of about 20 ms, after a warm-up."""
    warm_up_calls = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds / 10 or warm_up_calls == 0:
        operation()
        warm_up_calls += 1
    per_call = (time.perf_counter() - started) / warm_up_calls
    batch = max(1, int(0.02 / per_call))

    batch_means: List[float] = []
    started = time.perf_counter()
    while time.perf_counter() - started < seconds or len(batch_means) < 5:
        batch_started = time.perf_counter()
        for _ in range(batch):
            operation()
        batch_means.append((time.perf_counter() - batch_started) / batch)
    return statistics.median(batch_means)


def micros(seconds: float) -> float:
    return round(seconds * 1e6, 2)


def papay_notification_client(fixture: Dict, keys: Path):
    import papay

    return papay.Client(
        mchid="1900000001",
        serial_no=(keys / "merchant_serial.txt").read_text().strip(),
        private_key=(keys / "merchant_pkcs8.pem").read_bytes(),
        apiv3_key=(keys / "apiv3_key.txt").read_text().strip(),
        appid="wx00000000000000a1",
        base_url="http://127.0.0.1:9",
        platform_public_keys={fixture["public_key_id"]: (keys / "platform_public.pem").read_bytes()},
        download_certificates=False,
    )


def papay_sandbox_client(sandbox: Dict):
    import papay

    return papay.Client(
        mchid=sandbox["mchid"],
        serial_no=sandbox["serial_no"],
        private_key_file=sandbox["merchant_key_file"],
        apiv3_key=sandbox["apiv3_key"],
        appid=sandbox["appid"],
        base_url=sandbox["base_url"],
        platform_public_keys={sandbox["public_key_id"]: sandbox["public_key_pem"]},
        download_certificates=False,
    )


def wechatpayv3_client(fixture: Dict, keys: Path):
    from wechatpayv3 import WeChatPay, WeChatPayType

    return WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid="1900000001",
        private_key=(keys / "merchant_pkcs8.pem").read_text(),
        cert_serial_no=(keys / "merchant_serial.txt").read_text().strip(),
        appid="wx00000000000000a1",
        apiv3_key=(keys / "apiv3_key.txt").read_text().strip(),
        public_key=(keys / "platform_public.pem").read_text(),
        public_key_id=fixture["public_key_id"],
    )


def query_p50(client, out_trade_no: str, count: int) -> float:
    client.query_order_by_out_trade_no(out_trade_no)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        client.query_order_by_out_trade_no(out_trade_no)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def threaded_throughput(client, out_trade_no: str, threads: int, seconds: float) -> Dict:
    """Query from `threads` threads for `seconds`; every call releases the GIL while it runs."""
    stop = threading.Event()
    counts = [0] * threads
    errors: List[BaseException] = []

    def worker(index: int) -> None:
        try:
            while not stop.is_set():
                client.query_order_by_out_trade_no(out_trade_no)
                counts[index] += 1
        except BaseException as error:  # reported below, the measurement is then invalid
            errors.append(error)

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    cpu_started = time.process_time()
    started = time.perf_counter()
    for thread in workers:
        thread.start()
    time.sleep(seconds)
    done = sum(counts)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    stop.set()
    for thread in workers:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} query threads failed, first: {errors[0]!r}")
    return {
        "threads": threads,
        "requests": done,
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "requests_per_second": round(done / elapsed),
    }


def fresh_process(python: str, code: str) -> Dict:
    """Run `code` in a new interpreter and return the JSON it prints."""
    output = subprocess.run([python, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(output)


RSS_CODE = """
import json, time
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
bare = rss()
started = time.perf_counter()
import papay
import_seconds = time.perf_counter() - started
after_import = rss()
client = papay.Client(mchid=%(mchid)r, serial_no=%(serial_no)r, private_key_file=%(key_file)r,
                      apiv3_key=%(apiv3_key)r, appid=%(appid)r, base_url=%(base_url)r,
                      platform_public_keys={%(key_id)r: %(key_pem)r}, download_certificates=False)
after_client = rss()
print(json.dumps({"bare_kib": bare, "after_import_kib": after_import, "after_client_kib": after_client,
                  "import_ms": import_seconds * 1000}))
"""


def memory_and_import(sandbox: Dict, runs: int) -> Dict:
    code = RSS_CODE % {
        "mchid": sandbox["mchid"],
        "serial_no": sandbox["serial_no"],
        "key_file": sandbox["merchant_key_file"],
        "apiv3_key": sandbox["apiv3_key"],
        "appid": sandbox["appid"],
        "base_url": sandbox["base_url"],
        "key_id": sandbox["public_key_id"],
        "key_pem": sandbox["public_key_pem"],
    }
    samples = [fresh_process(sys.executable, code) for _ in range(runs)]
    return {
        "bare_interpreter_rss_kib": statistics.median(s["bare_kib"] for s in samples),
        "rss_after_import_kib": statistics.median(s["after_import_kib"] for s in samples),
        "rss_after_client_kib": statistics.median(s["after_client_kib"] for s in samples),
        "import_ms": round(statistics.median(s["import_ms"] for s in samples), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixture", required=True, help="JSON from `papay-bench fixture`")
    parser.add_argument("--sandbox", required=True, help="JSON that `papay-bench sandbox` wrote")
    parser.add_argument("--keys", required=True, help="tests/vectors/keys")
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each timed loop, in seconds")
    parser.add_argument("--threads", type=int, default=16, help="threads of the throughput test")
    args = parser.parse_args()
    fixture = json.loads(Path(args.fixture).read_text())
    sandbox = json.loads(Path(args.sandbox).read_text())
    keys = Path(args.keys)

    headers = fixture["headers"]
    body = fixture["body"].encode()
    papay_client = papay_notification_client(fixture, keys)
    papay_client.parse_notification(headers, body)
    papay_parse = time_per_call(args.seconds, lambda: papay_client.parse_notification(headers, body))

    baseline = wechatpayv3_client(fixture, keys)
    if baseline.callback(headers, fixture["body"]) is None:
        raise SystemExit("wechatpayv3 did not verify the benchmark notification")
    baseline_parse = time_per_call(args.seconds, lambda: baseline.callback(headers, fixture["body"]))
    request = fixture["request"]
    lines = [request["method"], request["target"], str(request["timestamp"]), request["nonce"], request["body"]]
    baseline_sign = time_per_call(args.seconds, lambda: baseline.sign(lines))

    client = papay_sandbox_client(sandbox)
    query = query_p50(client, sandbox["out_trade_no"], 1000)
    throughput = threaded_throughput(client, sandbox["out_trade_no"], args.threads, args.seconds)

    result = {
        "papay_parse_notification_us": micros(papay_parse),
        "papay_query_p50_us": micros(query),
        "papay_throughput": throughput,
        "wechatpayv3_version": __import__("wechatpayv3").__version__,
        "wechatpayv3_callback_us": micros(baseline_parse),
        "wechatpayv3_sign_us": micros(baseline_sign),
        "memory": memory_and_import(sandbox, 5),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
