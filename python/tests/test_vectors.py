"""The shared cross-language vectors of tests/vectors, through papay.Client: the notifications
of notifications.json and the request signatures of signatures.json.

The other vector files (response signatures, AES-GCM, the certificate download) exercise core
functions that the Python API does not expose one by one. The Rust core's own vector test
covers them, and the sandbox tests here cover them end to end.
"""

from __future__ import annotations

import datetime
import json
import pathlib

import pytest

import papay
from papay.models import Model

VECTORS = pathlib.Path(__file__).resolve().parents[2] / "tests" / "vectors"
NOTIFICATIONS = VECTORS / "notifications.json"
SIGNATURES = VECTORS / "signatures.json"

pytestmark = pytest.mark.skipif(not NOTIFICATIONS.exists(), reason=f"{NOTIFICATIONS} not found")


def load():
    return json.loads(NOTIFICATIONS.read_text(encoding="utf-8"))


def cases():
    if not NOTIFICATIONS.exists():
        return []
    return [pytest.param(case, id=case["name"]) for case in load()["cases"]]


def client_at(document: dict, now: int) -> papay.Client:
    keys = VECTORS / "keys"
    return papay.Client(
        mchid="1900000001",
        serial_no=(keys / "merchant_serial.txt").read_text().strip(),
        private_key_file=keys / "merchant_pkcs8.pem",
        apiv3_key=document["apiv3_key"],
        appid="wx00000000000000a1",
        platform_certificates=[(VECTORS / path).read_text() for path in document["certificate_files"]],
        download_certificates=False,
        timestamp_window_seconds=document["timestamp_window_seconds"],
        fixed_time=datetime.datetime.fromtimestamp(now, datetime.timezone.utc),
    )


def assert_matches(expected, actual, path: str) -> None:
    """Check that every key of the decrypted JSON ``expected`` reads the same on ``actual``."""
    if isinstance(expected, dict):
        for key, value in expected.items():
            child = getattr(actual, key) if isinstance(actual, Model) else actual[key]
            assert_matches(value, child, f"{path}.{key}")
    elif isinstance(actual, datetime.datetime):
        assert actual == datetime.datetime.fromisoformat(expected), path
    else:
        assert actual == expected, path


@pytest.mark.parametrize("case", cases())
def test_notification_vector(case):
    document = load()
    client = client_at(document, case["now"])
    body = case["body"].encode("utf-8")
    expected = case["expected"]

    if "error" in expected:
        with pytest.raises(papay.PayError) as raised:
            client.parse_notification(case["headers"], body)
        assert raised.value.code == expected["error"]
        return

    notification = client.parse_notification(case["headers"], body)
    assert notification.event_type == expected["event_type"]
    assert notification.id == expected["id"]
    assert notification.summary == expected["summary"]
    assert notification.create_time == datetime.datetime.fromisoformat(expected["create_time"])
    assert_matches(expected["resource"], notification.resource, "resource")


def test_build_authorization_matches_openssl_signatures():
    document = json.loads(SIGNATURES.read_text(encoding="utf-8"))
    keys = VECTORS / "keys"
    client = papay.Client(
        mchid=document["mchid"],
        serial_no=document["merchant_serial"],
        private_key_file=VECTORS / document["private_key_file"],
        apiv3_key=(keys / "apiv3_key.txt").read_text().strip(),
        appid="wx00000000000000a1",
        platform_public_keys={"PUB_KEY_ID_0114000000000000000000000000": (keys / "platform_public.pem").read_bytes()},
        download_certificates=False,
    )
    for case in document["cases"]:
        authorization = client.build_authorization(
            case["method"], case["target"], case["body"], timestamp=int(case["timestamp"]), nonce=case["nonce"]
        )
        assert authorization == case["authorization"], case["name"]
