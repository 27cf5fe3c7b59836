"""Combine the measurements of one `make bench` run into bench/results.json and a table.

Every ratio is defined so that a ratio at or below its target meets the target; each metric's
`ratio_definition` states how it was computed. `better` states whether a lower or a higher value is
better. Metrics without a reference or target carry null there and are reported, not judged.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
from pathlib import Path
from typing import Dict, List, Optional


RAW_OUTPUTS = ("rust-core", "rust-client", "rust-memory-papay", "rust-memory-bare", "python", "node")


def read_json(path: Path) -> Dict:
    return json.loads(path.read_text())


def openssl_rsa(path: Path) -> Dict[str, float]:
    """Parse `openssl speed -mr rsa2048`: the +F2 line contains sign/s and verify/s."""
    for line in path.read_text().splitlines():
        fields = line.split(":")
        if fields[0] == "+F2" and fields[2] == "2048":
            sign_per_second, verify_per_second = float(fields[3]), float(fields[4])
            return {"sign_us": 1e6 / sign_per_second, "verify_us": 1e6 / verify_per_second}
    raise SystemExit(f"no RSA-2048 result (+F2 line) in {path}")


def openssl_aes(path: Path) -> Dict[str, float]:
    """Parse `openssl speed -mr -evp aes-256-gcm -bytes N`: +H contains N, +F bytes per second."""
    size: Optional[int] = None
    rate: Optional[float] = None
    for line in path.read_text().splitlines():
        fields = line.split(":")
        if fields[0] == "+H":
            size = int(fields[1])
        elif fields[0] == "+F":
            rate = float(fields[3])
    if size is None or rate is None:
        raise SystemExit(f"no AES-256-GCM result (+H and +F lines) in {path}")
    return {"bytes": size, "bytes_per_second": rate, "us": size / rate * 1e6}


def fastest_openssl(run: Path) -> Dict[str, float]:
    """Return the fastest time of each OpenSSL operation over the repeated runs."""
    rsa = [openssl_rsa(path) for path in sorted(run.glob("openssl-rsa-*.txt"))]
    aes = [openssl_aes(path) for path in sorted(run.glob("openssl-aes-*.txt"))]
    if not rsa or not aes:
        raise SystemExit(f"no openssl-rsa-*.txt or openssl-aes-*.txt in {run}")
    return {
        "runs": len(rsa),
        "sign_us": min(r["sign_us"] for r in rsa),
        "verify_us": min(r["verify_us"] for r in rsa),
        "aes_bytes": aes[0]["bytes"],
        "aes_us": min(a["us"] for a in aes),
        "all_sign_us": [round(r["sign_us"], 2) for r in rsa],
        "all_verify_us": [round(r["verify_us"], 2) for r in rsa],
    }


def machine() -> Dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    flags = re.search(r"^flags\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    return {
        "cpu": model.group(1) if model else platform.processor(),
        "logical_cpus": cpuinfo.count("processor\t:"),
        "memory_gib": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "kernel": f"{platform.system()} {platform.release()} {platform.machine()}",
        "cpu_flags_used_by_crypto": sorted(
            flag for flag in (flags.group(1).split() if flags else []) if flag in {"aes", "avx2", "adx", "bmi2", "sha_ni", "pclmulqdq", "avx512f"}
        ),
    }


def metric(
    name: str,
    value: Optional[float],
    reference: Optional[float],
    unit: str,
    better: str,
    target: Optional[float] = None,
    inverse: bool = False,
    note: str = "",
) -> Dict:
    """Build one row. The ratio is value/reference, or reference/value when `inverse` is set."""
    ratio = None
    if value is not None and reference is not None and value > 0 and reference > 0:
        ratio = round(reference / value if inverse else value / reference, 3)
    return {
        "name": name,
        "value": None if value is None else round(value, 2),
        "reference": None if reference is None else round(reference, 2),
        "ratio": ratio,
        "target": target,
        "better": better,
        "unit": unit,
        "ratio_definition": "reference / value" if inverse else "value / reference",
        "met": None if ratio is None or target is None else ratio <= target,
        "note": note,
    }


def build_metrics(run: Path, sizes: Dict) -> List[Dict]:
    openssl = fastest_openssl(run)
    core = read_json(run / "rust-core.json")
    client = read_json(run / "rust-client.json")
    python = read_json(run / "python.json")
    node = read_json(run / "node.json")
    memory_papay = read_json(run / "rust-memory-papay.json")
    memory_bare = read_json(run / "rust-memory-bare.json")
    throughput = client["throughput"]
    signing_limit = 1e6 / core["sign_us"]

    return [
        metric("rust: sign request (MerchantPrivateKey::sign)", core["sign_us"], openssl["sign_us"], "us", "lower", 1.25,
               note=f"reference: openssl speed rsa2048 sign time, fastest of {openssl['runs']} runs"),
        metric("rust: notification verify+decrypt (NotificationParser::parse)", core["parse_notification_us"],
               openssl["verify_us"] + openssl["aes_us"], "us", "lower", 1.5,
               note=f"reference: openssl speed rsa2048 verify + aes-256-gcm over {openssl['aes_bytes']} bytes"),
        metric("rust: queries per CPU-second, 1 tokio worker", throughput["requests_per_cpu_second"], signing_limit,
               "req/s", "higher", 1.3, inverse=True,
               note=f"reference: 1 / sign time; {throughput['concurrency']} tasks, "
                    f"{throughput['requests_per_second']:.0f} req/s wall"),
        metric("rust: query p50 minus sign, papay vs bare reqwest",
               client["papay_query_p50_us"] - client["sign_authorization_us"], client["bare_reqwest_query_p50_us"],
               "us", "lower", 1.1, note="target is strictly below 1.1"),
        metric("rust: RSS growth per 1,000 in-flight queries", memory_papay["rss_growth_per_1000_kib"],
               memory_bare["rss_growth_per_1000_kib"], "KiB", "lower",
               note="reference: bare reqwest with the same 1,000 requests in flight, in its own process"),
        metric("python: notification parse vs rust core", python["papay_parse_notification_us"],
               core["parse_notification_us"], "us", "lower", 1.15),
        metric("python: notification parse, AsyncClient, vs rust core", python["papay_async_parse_notification_us"],
               core["parse_notification_us"], "us", "lower",
               note="await AsyncClient.parse_notification inside a running asyncio loop; reported, not judged"),
        metric("python: sign (Client.build_authorization) vs rust core", python["papay_build_authorization_us"],
               core["sign_request_us"], "us", "lower", 1.15,
               note="reference: Client::sign_request, the same message, signature and header text"),
        metric("python: query p50 vs rust client (smallest public call that signs)", python["papay_query_p50_us"],
               client["papay_query_p50_us"], "us", "lower", 1.15),
        metric("python: sign vs wechatpayv3", python["papay_build_authorization_us"], python["wechatpayv3_sign_us"],
               "us", "lower", 1.0, note="reference: WeChatPay.sign over the same 5 lines (signature only, no header)"),
        metric("python: notification vs wechatpayv3 callback", python["papay_parse_notification_us"],
               python["wechatpayv3_callback_us"], "us", "lower", 0.5, note="target: at least 2x faster"),
        metric("python: queries/s, 16 threads, vs wechatpayv3", python["papay_throughput"]["requests_per_second"],
               python["wechatpayv3_throughput"]["requests_per_second"], "req/s", "higher", 0.5, inverse=True,
               note="target: at least 2x wechatpayv3's queries/s; reference: wechatpayv3 Core.request with its "
                    "gateway replaced by the sandbox URL"),
        metric("node: sign (buildAuthorization) vs wechatpay-node-v3 getSignature", node["papay_build_authorization_us"],
               node["wechatpay_node_v3_get_signature_us"], "us", "lower", 1.0),
        metric("node: notification vs wechatpay-node-v3 verifySign+decipher_gcm", node["papay_parse_notification_us"],
               node["wechatpay_node_v3_verify_decrypt_us"], "us", "lower", 0.5, note="target: at least 2x faster"),
        metric("node: queries/s, 64 concurrent, vs wechatpay-node-v3", node["papay_throughput"]["requests_per_second"],
               node["wechatpay_node_v3_throughput"]["requests_per_second"], "req/s", "higher", 1.0, inverse=True,
               note="target is strictly below 1.0 (more queries/s than wechatpay-node-v3); reference: its "
                    "buildAuthorization and httpService.get, sent to the sandbox URL"),
        metric("python: RSS growth per 1,000 in-flight queries (AsyncClient)",
               python["memory_in_flight"]["rss_growth_per_1000_kib"], memory_papay["rss_growth_per_1000_kib"], "KiB",
               "lower", note="reference: the Rust client's row above"),
        metric("node: RSS growth per 1,000 in-flight queries", node["memory_in_flight"]["rss_growth_per_1000_kib"],
               memory_papay["rss_growth_per_1000_kib"], "KiB", "lower", note="reference: the Rust client's row above"),
        metric("python: RSS after import papay", python["memory"]["rss_after_import_kib"],
               python["memory"]["bare_interpreter_rss_kib"], "KiB", "lower", note="reference: the bare interpreter"),
        metric("python: RSS after creating a client", python["memory"]["rss_after_client_kib"],
               python["memory"]["rss_after_import_kib"], "KiB", "lower", note="reference: after import"),
        metric("python: import papay time", python["memory"]["import_ms"], None, "ms", "lower"),
        metric("python: wheel size (release, abi3)", sizes["wheel_bytes"] / 1024, None, "KiB", "lower"),
        metric("node: addon size (release .node)", sizes["addon_bytes"] / 1024, None, "KiB", "lower"),
    ]


def format_number(value: Optional[float]) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


def table(metrics: List[Dict]) -> str:
    header = ("metric", "value", "reference", "ratio", "target", "met")
    rows = [header]
    for m in metrics:
        if m["met"] is None:
            met = "n/a"
        elif m["met"]:
            met = "yes"
        else:
            met = "NO"
        target = "n/a" if m["target"] is None else f"<= {m['target']}"
        value = format_number(m["value"]) + (f" {m['unit']}" if m["value"] is not None else "")
        reference = format_number(m["reference"]) + (f" {m['unit']}" if m["reference"] is not None else "")
        ratio = "n/a" if m["ratio"] is None else f"{m['ratio']:.3f}"
        rows.append((m["name"], value, reference, ratio, target, met))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", required=True, type=Path, help="directory with the raw outputs of run.sh")
    parser.add_argument("--output", required=True, type=Path, help="results.json to write")
    parser.add_argument("--wheel-bytes", required=True, type=int)
    parser.add_argument("--addon-bytes", required=True, type=int)
    parser.add_argument("--command", default="make bench")
    parser.add_argument("--load-before", default="")
    parser.add_argument("--load-after", default="")
    parser.add_argument("--started", default="")
    args = parser.parse_args()

    metrics = build_metrics(args.run_dir, {"wheel_bytes": args.wheel_bytes, "addon_bytes": args.addon_bytes})
    result = {
        "machine": {
            **machine(),
            "load_average_before": args.load_before,
            "load_average_after": args.load_after,
        },
        "command": args.command,
        "started": args.started,
        "raw": {
            "openssl": fastest_openssl(args.run_dir),
            **{name: read_json(args.run_dir / f"{name}.json") for name in RAW_OUTPUTS},
        },
        "metrics": metrics,
    }
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(table(metrics))
    print(f"\nwritten: {args.output}")


if __name__ == "__main__":
    main()
