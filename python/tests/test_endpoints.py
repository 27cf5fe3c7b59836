"""Every endpoint of papay.Client and papay.AsyncClient against the sandbox."""

from __future__ import annotations

import asyncio
import datetime
import json
import urllib.error
import urllib.request

import pytest

import papay
from conftest import NOTIFY, deduct, sign_contract, unique


def test_download_certificates_returns_signing_certificate(sandbox, client):
    certificates = client.download_certificates()
    serials = [c.serial_no for c in certificates]
    assert sandbox.credentials.platform_serial_no in serials
    assert certificates[0].not_after.tzinfo is not None
    assert "BEGIN CERTIFICATE" in certificates[0].pem
    assert "BEGIN CERTIFICATE" not in repr(certificates[0])
    assert [c.serial_no for c in client.platform_certificates()] == serials


def test_mini_program_pre_sign_returns_session(sandbox, client):
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    session = client.mini_program_pre_sign(
        plan_id=sandbox.credentials.plan_id,
        out_contract_code=unique("MP"),
        success_notify_url=f"{NOTIFY}/sign",
        openid=sandbox.credentials.openid,
        user_display_name="Mini user",
        expired_time=expires,
        user_client_ip="203.0.113.10",
    )
    assert isinstance(session, papay.SessionIdResponse)
    assert session.session_id


def test_h5_pre_sign_returns_sign_url(sandbox, client):
    response = client.h5_pre_sign(
        plan_id=sandbox.credentials.plan_id,
        out_contract_code=unique("H5"),
        success_notify_url=f"{NOTIFY}/sign",
        user_client_ip="203.0.113.10",
    )
    assert response.sign_url.startswith("http")


def test_jsapi_pre_sign_then_confirm_by_code(sandbox, client):
    code = unique("JS")
    response = client.jsapi_pre_sign(
        plan_id=sandbox.credentials.plan_id,
        out_contract_code=code,
        success_notify_url=f"{NOTIFY}/sign",
        openid=sandbox.credentials.openid,
        return_url="https://merchant.example/signed",
    )
    assert response.sign_url
    contract = sandbox.confirm_signing(plan_id=sandbox.credentials.plan_id, out_contract_code=code)
    queried = client.query_contract_by_out_contract_code(plan_id=sandbox.credentials.plan_id, out_contract_code=code)
    assert queried.contract_id == contract["contract_id"]
    assert queried.state == papay.ContractState.SIGNED


def test_web_pre_sign_renders_qr_code(sandbox, client):
    response = client.web_pre_sign(
        plan_id=sandbox.credentials.plan_id,
        out_contract_code=unique("PC"),
        success_notify_url=f"{NOTIFY}/sign",
    )
    svg = papay.qr_code_svg(response.show_code_url, 4)
    assert svg.startswith("<?xml") or "<svg" in svg


def test_app_pre_sign_and_launch_params(sandbox, client):
    session = client.app_pre_sign(
        plan_id=sandbox.credentials.plan_id,
        out_contract_code=unique("AP"),
        success_notify_url=f"{NOTIFY}/sign",
        user_display_name="App user",
    )
    params = papay.launch_params(session.session_id)
    assert params.path.endswith(f"session_id={session.session_id}")
    assert params.extra_data == {"session_id": session.session_id}
    assert params.verified is False


def test_parse_signing_return_reads_both_forms():
    signed = papay.parse_signing_return('{"return_code":"SUCCESS","contract_id":"Wx1"}')
    assert signed.outcome == "signed"
    assert signed.contract_id == "Wx1"
    cancelled = papay.parse_signing_return("return_code=FAIL&return_msg=user%20cancel")
    assert cancelled.outcome == "not_signed"
    assert cancelled.message == "user cancel"
    assert papay.parse_signing_return("").outcome == "unknown"


def test_query_contract_by_id_returns_typed_contract(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    contract = client.query_contract_by_id(contract_id)
    assert contract.contract_id == contract_id
    assert contract.plan_id == sandbox.credentials.plan_id
    assert isinstance(contract.signed_time, datetime.datetime)
    assert contract.signed_time.tzinfo is not None
    assert contract.to_dict()["contract_id"] == contract_id


def test_terminate_contract_returns_none(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    assert client.terminate_contract(contract_id=contract_id, termination_note="user asked") is None
    contract = client.query_contract_by_id(contract_id)
    assert contract.state == papay.ContractState.TERMINATED
    assert contract.termination_mode == papay.TerminationMode.MERCHANT


def test_deduct_and_query_order_both_ways(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    order = deduct(client, contract_id, total=1000)
    assert order.trade_state == papay.TradeState.SUCCESS
    assert order.amount.total == 1000
    assert isinstance(order.amount.total, int)
    assert order.transaction_id
    by_id = client.query_order_by_transaction_id(order.transaction_id)
    assert by_id.out_trade_no == order.out_trade_no
    by_no = client.query_order_by_out_trade_no(order.out_trade_no)
    assert by_no.transaction_id == order.transaction_id
    assert by_no.success_time is not None
    assert by_no.to_dict()["amount"]["total"] == 1000


def test_reverse_order_closes_unpaid_order(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    sandbox.set_next_deduction_outcome("USERPAYING")
    order = deduct(client, contract_id)
    assert order.trade_state == papay.TradeState.USERPAYING
    assert client.reverse_order(order.out_trade_no) is None
    closed = client.query_order_by_out_trade_no(order.out_trade_no)
    assert closed.trade_state != papay.TradeState.USERPAYING


def test_refund_queries_and_list(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    order = deduct(client, contract_id, total=1000)
    out_refund_no = unique("RF")
    refund = client.refund(
        out_trade_no=order.out_trade_no,
        out_refund_no=out_refund_no,
        refund=300,
        total=1000,
        currency="HKD",
        reason="partial refund",
        notify_url=f"{NOTIFY}/refund",
    )
    assert refund.out_refund_no == out_refund_no
    assert refund.amount.refund == 300
    by_no = client.query_refund_by_out_refund_no(out_refund_no)
    assert by_no.id == refund.id
    by_id = client.query_refund_by_id(refund.id)
    assert by_id.out_refund_no == out_refund_no
    listing = client.list_refunds(transaction_id=order.transaction_id, offset=0, count=10)
    assert listing.total_num == 1
    assert [r.out_refund_no for r in listing.data] == [out_refund_no]
    assert listing.id == order.transaction_id


def test_async_client_runs_every_kind_of_call(sandbox):
    async def flow():
        client = sandbox.async_client()
        certificates = await client.download_certificates()
        session = await client.app_pre_sign(
            plan_id=sandbox.credentials.plan_id,
            out_contract_code=unique("AS"),
            success_notify_url=f"{NOTIFY}/sign",
            user_display_name="Async user",
        )
        contract = sandbox.confirm_signing(session_id=session.session_id)
        contract_id = contract["contract_id"]
        queried, other = await asyncio.gather(
            client.query_contract_by_id(contract_id),
            client.query_contract_by_id(contract_id),
        )
        order = await client.deduct(
            description="Async shop",
            notify_url=f"{NOTIFY}/pay",
            out_trade_no=unique("AO"),
            merchant_category_code="5999",
            contract_id=contract_id,
            total=500,
            currency="HKD",
        )
        refund = await client.refund(
            transaction_id=order.transaction_id, out_refund_no=unique("AR"), refund=500, total=500, currency="HKD"
        )
        listing = await client.list_refunds(out_trade_no=order.out_trade_no)
        await client.terminate_contract(contract_id=contract_id, termination_note="done")
        return certificates, queried, other, order, refund, listing

    certificates, queried, other, order, refund, listing = asyncio.run(flow())
    assert certificates
    assert queried == other
    assert order.amount.total == 500
    assert refund.amount.refund == 500
    assert listing.total_num == 1


def test_async_error_raises_at_await(sandbox):
    async def query():
        client = sandbox.async_client()
        await client.query_order_by_out_trade_no("MISSING0001")

    try:
        asyncio.run(query())
    except papay.ApiError as error:
        assert error.http_status == 404
    else:
        raise AssertionError("expected ApiError")


def test_institutional_mode_signs_and_deducts(sandbox):
    client = sandbox.client(institutional=True)
    contract_id = sign_contract(sandbox, client)
    contract = client.query_contract_by_id(contract_id)
    assert contract.sub_mchid == sandbox.credentials.sub_mchid
    order = deduct(client, contract_id)
    assert order.sub_mchid == sandbox.credentials.sub_mchid
    assert order.mchid is None


def send_signed(sandbox, authorization: str, target: str) -> tuple:
    """Send a GET with ``authorization`` to the sandbox through urllib; return (status, JSON body)."""
    request = urllib.request.Request(
        sandbox.base_url.rstrip("/") + target,
        headers={"Authorization": authorization, "Accept": "application/json", "User-Agent": "papay-tests"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_build_authorization_signs_raw_request(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    order = deduct(client, contract_id, total=1500)
    target = f"/v3/global/papay/transactions/out-trade-no/{order.out_trade_no}"

    status, body = send_signed(sandbox, client.build_authorization("GET", target), target)
    assert status == 200
    assert body["transaction_id"] == order.transaction_id
    assert body["amount"]["total"] == 1500

    # A header signed for another order does not authorize this one.
    other = f"/v3/global/papay/transactions/out-trade-no/{unique('OR')}"
    status, body = send_signed(sandbox, client.build_authorization("GET", other), target)
    assert status == 401
    assert body["code"] == "SIGN_ERROR"


def test_build_authorization_rejects_bad_parts(client):
    with pytest.raises(papay.InvalidArgumentError) as caught:
        client.build_authorization("GET", "/v3/global/papay/transactions/out-trade-no/A B")
    assert caught.value.field == "target"
    with pytest.raises(papay.InvalidArgumentError) as caught:
        client.build_authorization("get", "/v3/x")
    assert caught.value.field == "method"
    with pytest.raises(papay.InvalidArgumentError) as caught:
        client.build_authorization("GET", "/v3/x", nonce='a"b', timestamp=1)
    assert caught.value.field == "nonce"
