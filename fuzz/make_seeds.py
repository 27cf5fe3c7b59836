#!/usr/bin/env python3
"""Write the seed corpus of every fuzz target from the cross-language vectors in tests/vectors.

Each target's seeds go to fuzz/seeds/TARGET/, one file per case, in the input layout that the
target's header comment describes. The output is deterministic, so rerunning it after the vectors
change gives a reviewable diff. Usage: python3 fuzz/make_seeds.py
"""

import base64
import json
import pathlib
import re
import shutil

FUZZ = pathlib.Path(__file__).resolve().parent
VECTORS = FUZZ.parent / "tests" / "vectors"
SEEDS = FUZZ / "seeds"

# Event types whose resource the notification target's mode 3 wraps in an envelope.
EVENT_TYPES = ["PAPAY.SIGN", "PAPAY.TERMINATE", "TRANSACTION.SUCCESS", "REFUND.SUCCESS", "REFUND.ABNORMAL",
               "REFUND.CLOSED", "OTHER.EVENT"]


def load(name):
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def header_block(headers, body):
    """Format `Name: value` lines, an empty line and the body, the layout papay_fuzz::split_headers reads."""
    lines = "".join(f"{name}: {value}\n" for name, value in headers.items())
    return (lines + "\n").encode() + body


def write(target, name, data):
    directory = SEEDS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)


def notification_seeds():
    document = load("notifications.json")
    for case in document["cases"]:
        body = case["body"].encode()
        message = header_block(case["headers"], body)
        write("notification", f"{case['name']}.mode0", b"\x00" + message)
        write("notification", f"{case['name']}.mode1", b"\x01" + message)
        write("notification", f"{case['name']}.mode2", b"\x02" + header_block({}, body))
        resource = case["expected"].get("resource")
        if resource is not None:
            plaintext = json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode()
            event_type = case["expected"]["event_type"]
            write("notification", f"{case['name']}.mode3", b"\x03" + header_block({"X-Event-Type": event_type}, plaintext))
    for event_type in EVENT_TYPES:
        write("notification", f"event_{event_type.lower()}.mode3", b"\x03" + header_block({"X-Event-Type": event_type}, b"{}"))


def aes_gcm_seeds():
    document = load("aes_gcm.json")
    for case in document["cases"]:
        plaintext = case["plaintext"] or ""
        parts = [case["nonce"], case["associated_data"], case["ciphertext"], plaintext]
        write("aes_gcm", case["name"], b"\x00".join(part.encode() for part in parts))


def pem_der(text):
    """Decodes the first PEM block of `text` to DER."""
    match = re.search(r"-----BEGIN [A-Z ]+-----(.*?)-----END", text, re.S)
    return base64.b64decode("".join(match.group(1).split()))


def pem_seeds():
    for path in sorted((VECTORS / "keys").glob("*.pem")):
        text = path.read_text(encoding="ascii")
        write("pem", path.name, text.encode())
        write("pem", path.stem + ".der", pem_der(text))


def response_seeds():
    document = load("response_signatures.json")
    for case in document["cases"]:
        headers = {
            "Wechatpay-Timestamp": case["timestamp"],
            "Wechatpay-Nonce": case["nonce"],
            "Wechatpay-Serial": case["serial"],
            "Wechatpay-Signature": case["signature"],
        }
        message = header_block(headers, case["body"].encode())
        write("response_decoding", f"{case['name']}.mode0", b"\x00" + message)
        write("response_decoding", f"{case['name']}.mode1", b"\x01" + message)
    certificates = load("certificates.json")
    write("response_decoding", "certificates.mode0", b"\x00" + header_block(certificates["headers"], certificates["body"].encode()))
    # Decrypted notification resources are the Order, ContractNotification and RefundNotification models.
    for case in load("notifications.json")["cases"]:
        resource = case["expected"].get("resource")
        if resource is not None:
            body = json.dumps(resource, ensure_ascii=False).encode()
            write("response_decoding", f"resource_{case['name']}.mode0", b"\x00" + header_block({}, body))


def request_target_seeds():
    # The first byte is the number of path segments; values are separated by NUL bytes.
    samples = {
        "out_contract_code": [1, "FAKECONTRACT0001", "wx00000000000000a1", "999"],
        "slash_and_space": [1, "A/B C"],
        "query_specials": [0, "a&b=c%", "0", "x?y#z"],
        "chinese": [2, "\u4e2d\u6587", "caf\u00e9", "\u4e2d"],
        "empty_values": [3, "", "", "", ""],
    }
    for name, (segments, *values) in samples.items():
        write("request_target", name, bytes([segments]) + b"\x00".join(v.encode() for v in values))


def main():
    if SEEDS.exists():
        shutil.rmtree(SEEDS)
    notification_seeds()
    aes_gcm_seeds()
    pem_seeds()
    response_seeds()
    request_target_seeds()
    for directory in sorted(SEEDS.iterdir()):
        print(f"{directory.name}: {len(list(directory.iterdir()))} seeds")


if __name__ == "__main__":
    main()
