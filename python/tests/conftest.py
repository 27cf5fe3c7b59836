"""Fixtures: one sandbox per test module, clients for it, and helpers that walk a contract
through signing and deduction."""

from __future__ import annotations

import itertools
import time
from typing import Iterator

import pytest

import papay
from papay.sandbox import Sandbox

NOTIFY = "https://merchant.example/papay"

_counter = itertools.count(1)


def unique(prefix: str) -> str:
    """Return a merchant number unique within this test run (letters and digits, <= 32)."""
    return f"{prefix}{int(time.time()) % 100000}{next(_counter):05d}"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture()
def client(sandbox: Sandbox) -> papay.Client:
    return sandbox.client()


def sign_contract(sandbox: Sandbox, client: papay.Client) -> str:
    """Sign a contract through the APP flow and return its contract_id."""
    session = client.app_pre_sign(
        plan_id=sandbox.credentials.plan_id,
        out_contract_code=unique("CT"),
        success_notify_url=f"{NOTIFY}/sign",
        user_display_name="Test user",
    )
    contract = sandbox.confirm_signing(session_id=session.session_id)
    return contract["contract_id"]


def deduct(client: papay.Client, contract_id: str, total: int = 1000, out_trade_no: str = "") -> papay.Order:
    """Charge ``total`` HKD cents under ``contract_id``."""
    return client.deduct(
        description="Test shop-HK-monthly plan",
        notify_url=f"{NOTIFY}/pay",
        out_trade_no=out_trade_no or unique("OR"),
        merchant_category_code="5999",
        contract_id=contract_id,
        total=total,
        currency="HKD",
    )
