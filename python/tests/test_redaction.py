"""Keys never appear in repr, str, exceptions or debug logs."""

from __future__ import annotations

import logging

import pytest

import papay
from conftest import deduct, sign_contract


def secrets_of(sandbox) -> list:
    credentials = sandbox.credentials
    key_body = credentials.merchant_private_key_pem.splitlines()[1]
    return [credentials.apiv3_key, key_body, credentials.merchant_private_key_pem]


def assert_no_secret(text: str, sandbox) -> None:
    for secret in secrets_of(sandbox):
        assert secret not in text


def test_client_repr_and_str_hide_keys(sandbox, client):
    assert_no_secret(repr(client), sandbox)
    assert_no_secret(str(client), sandbox)
    assert_no_secret(repr(client._native), sandbox)
    assert "<redacted>" in repr(client._native)
    assert sandbox.credentials.mchid in repr(client)


def test_client_keeps_no_key_attribute(sandbox, client):
    for value in vars(client).values():
        assert_no_secret(repr(value), sandbox)


def test_credentials_repr_hides_keys(sandbox):
    text = repr(sandbox.credentials)
    assert_no_secret(text, sandbox)
    assert "apiv3_key" not in text
    assert sandbox.credentials.mchid in text


def test_invalid_key_error_does_not_echo_the_key(sandbox):
    bad_key = "SECRETKEYSECRETKEYSECRETKEYSECRE1"
    with pytest.raises(papay.InvalidConfigError) as raised:
        sandbox.client(apiv3_key=bad_key)
    assert bad_key not in str(raised.value)
    assert bad_key not in repr(raised.value)


def test_debug_logs_hide_keys(sandbox, client, caplog):
    caplog.set_level(logging.DEBUG, logger="papay")
    contract_id = sign_contract(sandbox, client)
    deduct(client, contract_id)
    with pytest.raises(papay.ApiError):
        client.query_contract_by_id("Wx0000UNKNOWN")
    messages = [record.getMessage() for record in caplog.records if record.name.startswith("papay")]
    assert any("deduct succeeded" in m for m in messages)
    assert any("query_contract_by_id failed" in m for m in messages)
    assert_no_secret(caplog.text, sandbox)


def test_notification_repr_has_no_ciphertext(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    record = next(r for r in sandbox.notifications() if contract_id in r.resource_plaintext)
    assert "ciphertext" not in repr(record)
