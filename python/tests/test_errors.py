"""Error mapping: WeChat Pay error responses, injected faults, retries and reconciliation."""

from __future__ import annotations

import pickle

import pytest

import papay
from conftest import deduct, sign_contract, unique


def test_every_error_class_has_its_code():
    expected = {
        papay.InvalidConfigError: "INVALID_CONFIG",
        papay.InvalidArgumentError: "INVALID_ARGUMENT",
        papay.TransportError: "TRANSPORT",
        papay.PayTimeoutError: "TIMEOUT",
        papay.ApiError: "API_ERROR",
        papay.SignatureHeadersMissingError: "SIGNATURE_HEADERS_MISSING",
        papay.UnsupportedAlgorithmError: "UNSUPPORTED_ALGORITHM",
        papay.UnknownSerialError: "UNKNOWN_SERIAL",
        papay.CertificateExpiredError: "CERTIFICATE_EXPIRED",
        papay.SignatureInvalidError: "SIGNATURE_INVALID",
        papay.TimestampOutOfWindowError: "TIMESTAMP_OUT_OF_WINDOW",
        papay.DecryptionFailedError: "DECRYPTION_FAILED",
        papay.MalformedMessageError: "MALFORMED_MESSAGE",
        papay.OutcomeUnknownError: "OUTCOME_UNKNOWN",
    }
    for cls, code in expected.items():
        assert issubclass(cls, papay.PayError)
        assert cls.code == code
    assert issubclass(papay.InvalidConfigError, ValueError)
    assert issubclass(papay.InvalidArgumentError, ValueError)
    assert issubclass(papay.PayTimeoutError, TimeoutError)


def test_unknown_contract_is_404_not_found(client):
    with pytest.raises(papay.ApiError) as raised:
        client.query_contract_by_id("Wx0000UNKNOWN")
    error = raised.value
    assert error.code == "API_ERROR"
    assert error.api_code == "NOT_FOUND"
    assert error.http_status == 404
    assert error.request_id
    assert error.signature_verified is True
    assert error.retryable is False


def test_reverse_paid_order_is_order_paid(sandbox, client):
    order = deduct(client, sign_contract(sandbox, client))
    with pytest.raises(papay.ApiError) as raised:
        client.reverse_order(order.out_trade_no)
    assert raised.value.api_code == "ORDER_PAID"
    assert raised.value.http_status == 400


def test_deduct_unknown_contract_is_contract_not_exist(client):
    with pytest.raises(papay.ApiError) as raised:
        deduct(client, "Wx0000NOSUCHCONTRACT")
    assert raised.value.api_code == "CONTRACT_NOT_EXIST"
    assert raised.value.http_status == 403


def test_injected_500_on_query_is_retried(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    sandbox.inject_fault(
        {"error": {"status": 500, "code": "SYSTEM_ERROR", "message": "try later"}},
        method="GET",
        path_contains=contract_id,
        times=1,
    )
    contract = client.query_contract_by_id(contract_id)
    assert contract.contract_id == contract_id
    statuses = [r["status"] for r in sandbox.requests() if contract_id in r["target"]]
    assert statuses[-2:] == [500, 200]


def test_persistent_500_raises_retryable_api_error(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    sandbox.inject_fault(
        {"error": {"status": 500, "code": "SYSTEM_ERROR", "message": "try later"}},
        method="GET",
        path_contains=contract_id,
        times=0,
    )
    try:
        with pytest.raises(papay.ApiError) as raised:
            client.query_contract_by_id(contract_id)
    finally:
        sandbox.clear_faults()
    assert raised.value.api_code == "SYSTEM_ERROR"
    assert raised.value.retryable is True


def test_slow_answer_raises_timeout(sandbox):
    client = sandbox.client(timeout=0.5, max_attempts=1)
    sandbox.inject_fault({"delay_ms": 2000}, method="GET", path_contains="/out-trade-no/", times=1)
    with pytest.raises(papay.PayTimeoutError) as raised:
        client.query_order_by_out_trade_no("TIMEOUT0001")
    assert isinstance(raised.value, TimeoutError)
    assert raised.value.code == "TIMEOUT"
    assert raised.value.retryable is True


def test_deduct_500_after_processing_is_reconciled(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    out_trade_no = unique("RC")
    sandbox.inject_fault({"process_then_status": 500}, method="POST", path_contains="/transactions", times=1)
    order = deduct(client, contract_id, out_trade_no=out_trade_no)
    assert order.trade_state == papay.TradeState.SUCCESS
    assert sandbox.charge_count(out_trade_no) == 1


def test_deduct_outcome_unknown_when_query_fails(sandbox):
    client = sandbox.client(max_attempts=1)
    contract_id = sign_contract(sandbox, client)
    out_trade_no = unique("OU")
    sandbox.inject_fault({"process_then_status": 500}, method="POST", path_contains="/transactions", times=1)
    sandbox.inject_fault("close_connection", method="GET", path_contains=out_trade_no, times=0)
    try:
        with pytest.raises(papay.OutcomeUnknownError) as raised:
            deduct(client, contract_id, out_trade_no=out_trade_no)
    finally:
        sandbox.clear_faults()
    assert raised.value.detail["merchant_no"] == out_trade_no
    assert raised.value.retryable is True
    assert sandbox.charge_count(out_trade_no) == 1


def test_bad_response_signature_is_rejected(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    sandbox.inject_fault("bad_signature", method="GET", path_contains=contract_id, times=1)
    with pytest.raises(papay.SignatureInvalidError):
        client.query_contract_by_id(contract_id)


def test_missing_response_signature_headers(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    sandbox.inject_fault("missing_signature_headers", method="GET", path_contains=contract_id, times=1)
    with pytest.raises(papay.SignatureHeadersMissingError):
        client.query_contract_by_id(contract_id)


def test_html_error_page_is_unverified_api_error(sandbox):
    client = sandbox.client(max_attempts=1)
    sandbox.inject_fault({"html_page": 502}, method="GET", path_contains="/out-trade-no/", times=1)
    with pytest.raises(papay.ApiError) as raised:
        client.query_order_by_out_trade_no("HTML0001")
    assert raised.value.http_status == 502
    assert raised.value.signature_verified is False


def test_connection_refused_is_transport_error(sandbox):
    client = sandbox.client(base_url="http://127.0.0.1:9", max_attempts=1, download_certificates=False,
                            platform_certificates=[sandbox.credentials.platform_certificate_pem])
    with pytest.raises(papay.TransportError) as raised:
        client.query_order_by_out_trade_no("NOCONN0001")
    assert raised.value.code == "TRANSPORT"


def test_error_survives_pickle(client):
    with pytest.raises(papay.ApiError) as raised:
        client.query_order_by_out_trade_no("PICKLE0001")
    copy = pickle.loads(pickle.dumps(raised.value))
    assert type(copy) is papay.ApiError
    assert copy.api_code == "NOT_FOUND"
    assert copy.http_status == 404
    assert copy.request_id == raised.value.request_id


def test_sandbox_control_error_is_sandbox_error(sandbox):
    with pytest.raises(papay.SandboxError, match="not found"):
        sandbox.confirm_signing(session_id="000000")
