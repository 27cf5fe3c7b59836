"""Every notification type the sandbox sends, verified and decrypted by the client, plus the
header forms frameworks hand over and tampered notifications."""

from __future__ import annotations

import time

import pytest

import papay
from conftest import NOTIFY, deduct, sign_contract, unique
from papay.sandbox import Delivery, Sandbox


def delivered(sandbox: Sandbox, event_type: str, marker: str, timeout: float = 10.0) -> Delivery:
    """Wait for the acknowledged ``event_type`` notification whose resource mentions ``marker``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for record in sandbox.notifications():
            if record.event_type == event_type and record.acknowledged and marker in record.resource_plaintext:
                return record
        time.sleep(0.05)
    raise AssertionError(f"no acknowledged {event_type} mentioning {marker} within {timeout} s")


def test_papay_sign_notification(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    record = delivered(sandbox, "PAPAY.SIGN", contract_id)
    notification = client.parse_notification(record.headers, record.body)
    assert notification.event_type == papay.EventType.PAPAY_SIGN
    assert notification.kind == papay.NotificationKind.CONTRACT_SIGNED
    assert isinstance(notification.resource, papay.ContractNotification)
    assert notification.resource.contract_id == contract_id
    assert notification.id == record.id
    assert notification.create_time.tzinfo is not None


def test_papay_terminate_notification_by_user(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    sandbox.terminate_by_user(contract_id)
    record = delivered(sandbox, "PAPAY.TERMINATE", contract_id)
    notification = client.parse_notification(record.headers, record.body)
    assert notification.kind == papay.NotificationKind.CONTRACT_TERMINATED
    assert notification.resource.contract_termination_mode == papay.TerminationMode.USER


def test_transaction_success_notification(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    order = deduct(client, contract_id, total=1234)
    record = delivered(sandbox, "TRANSACTION.SUCCESS", order.out_trade_no)
    notification = client.parse_notification(record.headers, record.body)
    assert notification.kind == papay.NotificationKind.DEDUCTION_SUCCEEDED
    assert isinstance(notification.resource, papay.Order)
    assert notification.resource.out_trade_no == order.out_trade_no
    assert notification.resource.amount.total == 1234


def test_transaction_success_after_complete_payment(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    sandbox.set_next_deduction_outcome("USERPAYING")
    order = deduct(client, contract_id)
    sandbox.complete_payment(order.out_trade_no)
    record = delivered(sandbox, "TRANSACTION.SUCCESS", order.out_trade_no)
    notification = client.parse_notification(record.headers, record.body)
    assert notification.resource.trade_state == papay.TradeState.SUCCESS


@pytest.mark.parametrize(
    ("outcome", "event_type", "kind", "status"),
    [
        ("SUCCESS", "REFUND.SUCCESS", papay.NotificationKind.REFUND_SUCCEEDED, papay.RefundStatus.SUCCESS),
        ("ABNORMAL", "REFUND.ABNORMAL", papay.NotificationKind.REFUND_ABNORMAL, papay.RefundStatus.ABNORMAL),
        ("CLOSED", "REFUND.CLOSED", papay.NotificationKind.REFUND_CLOSED, papay.RefundStatus.CLOSED),
    ],
)
def test_refund_notifications(sandbox, client, outcome, event_type, kind, status):
    contract_id = sign_contract(sandbox, client)
    order = deduct(client, contract_id, total=1000)
    sandbox.set_next_refund_outcome(outcome)
    out_refund_no = unique("RN")
    client.refund(
        out_trade_no=order.out_trade_no,
        out_refund_no=out_refund_no,
        refund=1000,
        total=1000,
        currency="HKD",
        notify_url=f"{NOTIFY}/refund",
    )
    record = delivered(sandbox, event_type, out_refund_no)
    notification = client.parse_notification(record.headers, record.body)
    assert notification.event_type == event_type
    assert notification.kind == kind
    assert isinstance(notification.resource, papay.RefundNotification)
    assert notification.resource.refund_status == status
    assert notification.resource.amount.refund == 1000
    assert client.query_refund_by_out_refund_no(out_refund_no).status == status


def test_wsgi_environ_headers_verify(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    record = delivered(sandbox, "PAPAY.SIGN", contract_id)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/papay/sign", "wsgi.input": object()}
    for name, value in record.headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    notification = client.parse_notification(environ, record.body)
    assert notification.resource.contract_id == contract_id


def test_header_pairs_and_bytes_verify(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    record = delivered(sandbox, "PAPAY.SIGN", contract_id)
    pairs = [(name.lower().encode(), value.encode()) for name, value in record.headers.items()]
    notification = client.parse_notification(pairs, bytearray(record.body))
    assert notification.resource.contract_id == contract_id


def test_reserialized_body_fails_signature(sandbox, client):
    import json

    contract_id = sign_contract(sandbox, client)
    record = delivered(sandbox, "PAPAY.SIGN", contract_id)
    reserialized = json.dumps(json.loads(record.body), indent=1).encode()
    with pytest.raises(papay.SignatureInvalidError) as raised:
        client.parse_notification(record.headers, reserialized)
    assert raised.value.code == "SIGNATURE_INVALID"


def test_missing_signature_header_is_reported(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    record = delivered(sandbox, "PAPAY.SIGN", contract_id)
    headers = {k: v for k, v in record.headers.items() if k.lower() != "wechatpay-signature"}
    with pytest.raises(papay.SignatureHeadersMissingError) as raised:
        client.parse_notification(headers, record.body)
    assert raised.value.detail["header"] == "Wechatpay-Signature"


def test_wrong_apiv3_key_fails_decryption(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    record = delivered(sandbox, "PAPAY.SIGN", contract_id)
    other = sandbox.client(apiv3_key="0" * 32, download_certificates=False,
                           platform_certificates=[sandbox.credentials.platform_certificate_pem])
    with pytest.raises(papay.DecryptionFailedError):
        other.parse_notification(record.headers, record.body)


def test_body_of_wrong_type_raises_type_error(client):
    with pytest.raises(TypeError, match="raw request body"):
        client.parse_notification({}, {"id": "x"})


def test_notification_after_certificate_rotation(sandbox, client):
    client.download_certificates()
    new_serial = sandbox.rotate_platform_certificate()
    contract_id = sign_contract(sandbox, client)
    record = delivered(sandbox, "PAPAY.SIGN", contract_id)
    notification = client.parse_notification(record.headers, record.body)
    assert notification.signed_by == new_serial


def test_pretty_notification_body_verifies():
    with Sandbox(pretty_notifications=True) as pretty:
        client = pretty.client()
        contract_id = sign_contract(pretty, client)
        record = delivered(pretty, "PAPAY.SIGN", contract_id)
        assert b"\r\n\t" in record.body
        notification = client.parse_notification(record.headers, record.body)
        assert notification.resource.contract_id == contract_id


def test_notification_answers():
    success = papay.NotificationAnswer.success()
    assert success.status == 204
    assert success.body == ""
    assert success.headers == {}
    failure = papay.NotificationAnswer.failure("storage unavailable")
    assert failure.status == 500
    assert '"code":"FAIL"' in failure.body
    assert failure.headers == {"Content-Type": "application/json"}
