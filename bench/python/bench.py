"""Python side of `make bench`: papay's Python package against the PyPI package wechatpayv3.

Prints one JSON object. Run by bench/run.sh inside target/bench-venv, where a release wheel of
papay and wechatpayv3 are installed. wechatpayv3 runs in public-key mode, so it downloads no
certificates. Its query client has its gateway replaced by the sandbox's 127.0.0.1 URL, so every
call stays on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Callable, Dict, List, Optional
from urllib.parse import quote, urlsplit


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


def papay_notification_client(fixture: Dict, keys: Path, client_class=None):
    """Return a `papay.Client` (or `client_class`) that verifies the fixture's notifications."""
    import papay

    return (client_class or papay.Client)(
        mchid="1900000001",
        serial_no=(keys / "merchant_serial.txt").read_text().strip(),
        private_key=(keys / "merchant_pkcs8.pem").read_bytes(),
        apiv3_key=(keys / "apiv3_key.txt").read_text().strip(),
        appid="wx00000000000000a1",
        base_url="http://127.0.0.1:9",
        platform_public_keys={fixture["public_key_id"]: (keys / "platform_public.pem").read_bytes()},
        download_certificates=False,
    )


def async_parse_time(fixture: Dict, keys: Path, seconds: float) -> float:
    """Return seconds per `await AsyncClient.parse_notification(...)`: the median over batches of
    about 20 ms, each batch awaited in one running loop."""
    import papay

    client = papay_notification_client(fixture, keys, papay.AsyncClient)
    headers = fixture["headers"]
    body = fixture["body"].encode()

    async def batch(count: int) -> float:
        started = time.perf_counter()
        for _ in range(count):
            await client.parse_notification(headers, body)
        return (time.perf_counter() - started) / count

    async def measure() -> float:
        per_call = await batch(100)
        size = max(1, int(0.02 / per_call))
        means: List[float] = []
        started = time.perf_counter()
        while time.perf_counter() - started < seconds or len(means) < 5:
            means.append(await batch(size))
        return statistics.median(means)

    return asyncio.run(measure())


def papay_sandbox_client(sandbox: Dict, client_class=None, **options):
    """Return a `papay.Client` (or `client_class`) for the bench sandbox, in public-key mode."""
    import papay

    return (client_class or papay.Client)(
        mchid=sandbox["mchid"],
        serial_no=sandbox["serial_no"],
        private_key_file=sandbox["merchant_key_file"],
        apiv3_key=sandbox["apiv3_key"],
        appid=sandbox["appid"],
        base_url=sandbox["base_url"],
        platform_public_keys={sandbox["public_key_id"]: sandbox["public_key_pem"]},
        download_certificates=False,
        **options,
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


def sandbox_base_url(sandbox: Dict) -> str:
    """Return the sandbox's base URL, or exit unless it is plain HTTP on 127.0.0.1."""
    base_url = sandbox["base_url"].rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1" or parts.path:
        raise SystemExit(
            f"invalid sandbox base_url {base_url!r}: expected http://127.0.0.1:PORT as written by "
            "`papay-bench sandbox`, so no baseline request is sent"
        )
    return base_url


def wechatpayv3_sandbox_client(sandbox: Dict):
    """Build a wechatpayv3 client whose requests go to the sandbox instead of WeChat Pay's host.

    wechatpayv3 2.0.4 sets `Core._gate_way` to https://api.mch.weixin.qq.com in `Core.__init__`
    and prefixes it to every path in `Core.request`, with no option for another host. Its
    public-key mode sends no request in the constructor, so replacing the attribute before the
    first call keeps every request on 127.0.0.1.
    """
    from wechatpayv3 import WeChatPay, WeChatPayType

    base_url = sandbox_base_url(sandbox)
    client = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=sandbox["mchid"],
        private_key=Path(sandbox["merchant_key_file"]).read_text(),
        cert_serial_no=sandbox["serial_no"],
        appid=sandbox["appid"],
        apiv3_key=sandbox["apiv3_key"],
        public_key=sandbox["public_key_pem"],
        public_key_id=sandbox["public_key_id"],
    )
    client._core._gate_way = base_url
    return client


def wechatpayv3_query(client, out_trade_no: str) -> Callable[[], str]:
    """Return a callable that sends the Global order query papay sends, through `Core.request`.

    `Core.request` signs the request, sends it with `requests.get` and, for a 2xx status,
    verifies the response's signature and raises when that fails. It returns (status, body).
    """
    from wechatpayv3.type import RequestType

    # The target of papay's `query_order_by_out_trade_no` in Common mode (core/src/client.rs).
    path = f"/v3/global/papay/transactions/out-trade-no/{quote(out_trade_no, safe='')}"

    def query() -> str:
        status, body = client._core.request(path, method=RequestType.GET)
        if status != 200:
            raise RuntimeError(f"wechatpayv3 query of {path} returned status {status}: {body!r}")
        return body

    return query


def check_wechatpayv3_query(query: Callable[[], str], out_trade_no: str) -> None:
    """Exit unless the first baseline query returns the sandbox's order with a verified signature."""
    body = query()  # raises on a status other than 200 or on a signature that fails to verify
    returned = json.loads(body).get("out_trade_no")
    if returned != out_trade_no:
        raise SystemExit(f"wechatpayv3 query returned order {returned!r}, expected {out_trade_no!r}")


def query_p50(client, out_trade_no: str, count: int) -> float:
    client.query_order_by_out_trade_no(out_trade_no)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        client.query_order_by_out_trade_no(out_trade_no)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def threaded_throughput(query: Callable[[], object], threads: int, seconds: float) -> Dict:
    """Call `query` from `threads` threads at once for `seconds`, so `query` must be thread-safe."""
    stop = threading.Event()
    counts = [0] * threads
    errors: List[BaseException] = []

    def worker(index: int) -> None:
        try:
            while not stop.is_set():
                query()
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


IN_FLIGHT = 1000
HOLD_SECONDS = 3.0


def rss_kib() -> int:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("/proc/self/status has no VmRSS line")


def sandbox_faults(sandbox: Dict, method: str, rule: Optional[Dict] = None) -> None:
    """Add (POST) or clear (DELETE) fault rules through the sandbox's control API."""
    data = json.dumps(rule).encode() if rule is not None else None
    request = urllib.request.Request(
        sandbox_base_url(sandbox) + "/sandbox/faults", data=data, method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        if answer.status >= 300:
            raise RuntimeError(f"sandbox fault control returned HTTP {answer.status}")


def memory_in_flight(sandbox: Dict) -> Dict:
    """Return the RSS growth while `IN_FLIGHT` queries of one `papay.AsyncClient` wait on the
    sandbox, which delays every order query by `HOLD_SECONDS`: the peak of samples every 100 ms."""
    import papay

    out_trade_no = sandbox["out_trade_no"]

    async def measure() -> Dict:
        client = papay_sandbox_client(sandbox, papay.AsyncClient, timeout=30)
        # One query first, so that the runtime, the client and its pool exist before the baseline.
        await client.query_order_by_out_trade_no(out_trade_no)
        await asyncio.sleep(0.2)
        before = rss_kib()
        queries = [asyncio.ensure_future(client.query_order_by_out_trade_no(out_trade_no)) for _ in range(IN_FLIGHT)]
        peak = before
        started = time.perf_counter()
        while time.perf_counter() - started < HOLD_SECONDS - 0.5:
            await asyncio.sleep(0.1)
            peak = max(peak, rss_kib())
        orders = await asyncio.gather(*queries)
        if any(order.out_trade_no != out_trade_no for order in orders):
            raise RuntimeError("a held query returned another order")
        return {"in_flight": IN_FLIGHT, "rss_growth_per_1000_kib": round((peak - before) * 1000 / IN_FLIGHT)}

    sandbox_faults(sandbox, "POST", {
        "method": "GET", "path_contains": "/out-trade-no/", "times": 0, "fault": {"delay_ms": int(HOLD_SECONDS * 1000)},
    })
    try:
        return asyncio.run(measure())
    finally:
        sandbox_faults(sandbox, "DELETE")


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
    papay_async_parse = async_parse_time(fixture, keys, args.seconds)

    baseline = wechatpayv3_client(fixture, keys)
    if baseline.callback(headers, fixture["body"]) is None:
        raise SystemExit("wechatpayv3 did not verify the benchmark notification")
    baseline_parse = time_per_call(args.seconds, lambda: baseline.callback(headers, fixture["body"]))
    request = fixture["request"]
    lines = [request["method"], request["target"], str(request["timestamp"]), request["nonce"], request["body"]]
    baseline_sign = time_per_call(args.seconds, lambda: baseline.sign(lines))
    # The same request through papay: message, signature and the Authorization header text.
    def papay_sign() -> str:
        return papay_client.build_authorization(
            request["method"], request["target"], request["body"], timestamp=request["timestamp"], nonce=request["nonce"]
        )

    if request["nonce"] not in papay_sign():
        raise SystemExit("papay's Authorization header lacks the benchmark nonce")
    papay_sign_time = time_per_call(args.seconds, papay_sign)

    out_trade_no = sandbox["out_trade_no"]
    client = papay_sandbox_client(sandbox)
    query = query_p50(client, out_trade_no, 1000)
    # papay's blocking calls release the GIL while they wait.
    throughput = threaded_throughput(
        lambda: client.query_order_by_out_trade_no(out_trade_no), args.threads, args.seconds
    )

    baseline_query = wechatpayv3_query(wechatpayv3_sandbox_client(sandbox), out_trade_no)
    check_wechatpayv3_query(baseline_query, out_trade_no)
    baseline_throughput = threaded_throughput(baseline_query, args.threads, args.seconds)

    result = {
        "papay_parse_notification_us": micros(papay_parse),
        "papay_build_authorization_us": micros(papay_sign_time),
        "papay_async_parse_notification_us": micros(papay_async_parse),
        "papay_query_p50_us": micros(query),
        "papay_throughput": throughput,
        "wechatpayv3_version": __import__("wechatpayv3").__version__,
        "wechatpayv3_callback_us": micros(baseline_parse),
        "wechatpayv3_sign_us": micros(baseline_sign),
        "wechatpayv3_throughput": baseline_throughput,
        "memory": memory_and_import(sandbox, 5),
        "memory_in_flight": memory_in_flight(sandbox),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
