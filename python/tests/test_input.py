"""Bad configuration and bad arguments fail locally, before anything is sent, naming the field."""

from __future__ import annotations

import datetime

import pytest

import papay
from conftest import NOTIFY, unique


def test_apiv3_key_wrong_length_rejected(sandbox):
    for key in ("k" * 31, "k" * 33):
        with pytest.raises(papay.InvalidConfigError) as raised:
            sandbox.client(apiv3_key=key)
        assert raised.value.field == "apiv3_key"
        assert "32" in raised.value.message
        assert key not in str(raised.value)


def test_apiv3_key_of_wrong_type_is_type_error(sandbox):
    with pytest.raises(TypeError, match="apiv3_key"):
        sandbox.client(apiv3_key=12345)


def test_private_key_garbage_is_invalid_config(sandbox):
    with pytest.raises(papay.InvalidConfigError):
        sandbox.client(private_key="-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")


def test_private_key_file_missing_names_the_path(sandbox, tmp_path):
    missing = tmp_path / "apiclient_key.pem"
    with pytest.raises(papay.InvalidConfigError, match="apiclient_key.pem"):
        sandbox.client(private_key=None, private_key_file=missing)


def test_private_key_file_is_read(sandbox, tmp_path):
    path = tmp_path / "apiclient_key.pem"
    path.write_text(sandbox.credentials.merchant_private_key_pem)
    client = sandbox.client(private_key=None, private_key_file=path)
    assert client.download_certificates()


def test_mixed_modes_are_rejected(sandbox):
    with pytest.raises(papay.InvalidConfigError, match="not a mix"):
        sandbox.client(sp_appid="wx00000000000000b2", sub_mchid="1900000099")


def test_non_https_remote_base_url_is_rejected(sandbox):
    with pytest.raises(papay.InvalidConfigError) as raised:
        sandbox.client(base_url="http://api.example.com")
    assert raised.value.field == "base_url"


def test_negative_timeout_is_rejected(sandbox):
    with pytest.raises(papay.InvalidConfigError) as raised:
        sandbox.client(timeout=-1)
    assert raised.value.field == "timeout"


def test_plan_id_of_wrong_type_is_type_error(sandbox, client):
    with pytest.raises(TypeError, match="plan_id"):
        client.h5_pre_sign(plan_id="999", out_contract_code=unique("TY"), success_notify_url=f"{NOTIFY}/sign")


def test_over_long_out_trade_no_names_the_field(client):
    with pytest.raises(papay.InvalidArgumentError) as raised:
        client.query_order_by_out_trade_no("X" * 33)
    assert raised.value.field == "out_trade_no"
    assert "out_trade_no" in str(raised.value)


def test_over_long_description_names_the_field(client):
    with pytest.raises(papay.InvalidArgumentError) as raised:
        client.deduct(
            description="d" * 129,
            notify_url=f"{NOTIFY}/pay",
            out_trade_no=unique("LD"),
            merchant_category_code="5999",
            contract_id="Wx0000000001",
            total=100,
            currency="HKD",
        )
    assert raised.value.field == "description"


def test_emoji_in_user_display_name_is_rejected(sandbox, client):
    with pytest.raises(papay.InvalidArgumentError) as raised:
        client.app_pre_sign(
            plan_id=sandbox.credentials.plan_id,
            out_contract_code=unique("EM"),
            success_notify_url=f"{NOTIFY}/sign",
            user_display_name="Fan \U0001F600",
        )
    assert raised.value.field == "user_display_name"
    assert raised.value.code == "INVALID_ARGUMENT"


def test_chinese_user_display_name_is_accepted(sandbox, client):
    session = client.app_pre_sign(
        plan_id=sandbox.credentials.plan_id,
        out_contract_code=unique("ZH"),
        success_notify_url=f"{NOTIFY}/sign",
        user_display_name="测试用户",
    )
    assert session.session_id


def test_http_notify_url_is_rejected(sandbox, client):
    with pytest.raises(papay.InvalidArgumentError) as raised:
        client.h5_pre_sign(
            plan_id=sandbox.credentials.plan_id,
            out_contract_code=unique("HT"),
            success_notify_url="http://merchant.example/sign",
        )
    assert raised.value.field == "success_notify_url"


def test_naive_expired_time_is_rejected(sandbox, client):
    with pytest.raises(ValueError, match="timezone-aware"):
        client.h5_pre_sign(
            plan_id=sandbox.credentials.plan_id,
            out_contract_code=unique("NV"),
            success_notify_url=f"{NOTIFY}/sign",
            expired_time=datetime.datetime(2030, 1, 1),
        )


def test_refund_needs_exactly_one_order_reference(client):
    with pytest.raises(papay.InvalidArgumentError, match="exactly one"):
        client.refund(out_refund_no=unique("R1"), refund=1, total=1, currency="HKD")
    with pytest.raises(papay.InvalidArgumentError, match="exactly one"):
        client.refund(transaction_id="4200", out_trade_no="X1", out_refund_no=unique("R2"), refund=1, total=1, currency="HKD")


def test_refund_above_total_names_amount(client):
    with pytest.raises(papay.InvalidArgumentError) as raised:
        client.refund(out_trade_no="X1", out_refund_no=unique("R3"), refund=2, total=1, currency="HKD")
    assert raised.value.field == "amount.refund"


def test_zero_amount_is_rejected(client):
    with pytest.raises(papay.InvalidArgumentError) as raised:
        client.deduct(
            description="zero",
            notify_url=f"{NOTIFY}/pay",
            out_trade_no=unique("ZA"),
            merchant_category_code="5999",
            contract_id="Wx0000000001",
            total=0,
            currency="HKD",
        )
    assert raised.value.field == "amount.total"


def test_list_refunds_page_size_is_bounded(client):
    with pytest.raises(papay.InvalidArgumentError) as raised:
        client.list_refunds(out_trade_no="X1", count=21)
    assert raised.value.field == "count"


def test_qr_code_module_pixels_are_bounded():
    with pytest.raises(papay.InvalidArgumentError) as raised:
        papay.qr_code_svg("https://example.com", 0)
    assert raised.value.field == "module_pixels"


def test_invalid_fault_form_is_sandbox_error(sandbox):
    with pytest.raises(papay.SandboxError, match="fault"):
        sandbox.inject_fault({"no_such_fault": 1})
