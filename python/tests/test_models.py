"""Building response models from the core's serde form."""

from __future__ import annotations

import datetime
import pickle

import pytest

from papay.models import ExchangeRate, Order, OrderAmount, Payer, PromotionDetail, RefundList


ORDER = {
    "out_trade_no": "OR1",
    "trade_state": "SUCCESS",
    "amount": {"total": 1000, "currency": "HKD", "exchange_rate": {"type": "SETTLEMENT_RATE", "rate": 100000000}},
    "success_time": "2026-12-04T21:00:01+08:00",
    "payer": {"openid": "oUSER"},
    "promotion_detail": [{"promotion_id": "P1", "amount": 100, "currency": "HKD"}],
    "a_field_added_by_a_later_core": {"ignored": True},
}


def test_from_dict_converts_nested_models_times_and_lists():
    order = Order.from_dict(ORDER)
    assert order.amount.exchange_rate.rate == 100000000
    assert order.payer.openid == "oUSER"
    assert order.success_time == datetime.datetime(2026, 12, 4, 13, 0, 1, tzinfo=datetime.timezone.utc)
    assert order.promotion_detail[0].amount == 100
    assert order.transaction_id is None
    assert not hasattr(order, "a_field_added_by_a_later_core")


def test_models_from_dict_behave_like_constructed_ones():
    built = Order.from_dict(ORDER)
    constructed = Order(
        out_trade_no="OR1",
        trade_state="SUCCESS",
        amount=OrderAmount(
            total=1000, currency="HKD", exchange_rate=ExchangeRate(type="SETTLEMENT_RATE", rate=100000000)
        ),
        success_time=datetime.datetime.fromisoformat("2026-12-04T21:00:01+08:00"),
        payer=Payer(openid="oUSER"),
        promotion_detail=[PromotionDetail(promotion_id="P1", amount=100, currency="HKD")],
    )
    assert built == constructed
    assert repr(built) == repr(constructed)
    assert list(vars(built)) == list(vars(constructed))
    assert pickle.dumps(built) == pickle.dumps(constructed)
    assert pickle.loads(pickle.dumps(built)) == built
    with pytest.raises(AttributeError):
        built.trade_state = "REFUND"  # type: ignore[misc]


def test_from_dict_fills_defaults_and_reports_missing_fields():
    page = RefundList.from_dict(
        {"id": "42", "out_trade_no": "OR1", "amount": {"total": 1, "currency": "HKD"}, "total_num": 0,
         "current_total_num": 0}
    )
    assert page.data == []
    assert page.mchid is None
    with pytest.raises(TypeError, match="amount"):
        Order.from_dict({"out_trade_no": "OR1", "trade_state": "SUCCESS"})
