"""The framework examples in python/examples/, driven by each framework's own test client with a
notification the sandbox delivered (its recorded headers and body)."""

from __future__ import annotations

import pathlib
import sys

import pytest

import papay
from conftest import sign_contract
from test_notifications import delivered

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))


@pytest.fixture()
def signed(sandbox, client):
    """Headers and body of a PAPAY.SIGN notification, and its contract_id."""
    contract_id = sign_contract(sandbox, client)
    record = delivered(sandbox, "PAPAY.SIGN", contract_id)
    headers = {k: v for k, v in record.headers.items() if k.lower().startswith("wechatpay-")}
    headers["Content-Type"] = "application/json"
    return headers, record.body, contract_id


def test_flask_example_acknowledges_notification(sandbox, client, signed):
    flask_app = pytest.importorskip("flask_app")
    headers, body, contract_id = signed
    handled = []
    app = flask_app.create_app(client, handled.append)

    response = app.test_client().post("/papay/notify/sign", data=body, headers=headers)

    assert response.status_code == 204
    assert [n.resource.contract_id for n in handled] == [contract_id]


def test_flask_example_rejects_tampered_body(sandbox, client, signed):
    flask_app = pytest.importorskip("flask_app")
    headers, body, _ = signed
    handled = []
    app = flask_app.create_app(client, handled.append)

    response = app.test_client().post("/papay/notify/sign", data=body.replace(b"{", b"{ ", 1), headers=headers)

    assert response.status_code == 500
    assert response.get_json()["code"] == "FAIL"
    assert handled == []


def test_fastapi_example_acknowledges_notification(sandbox, signed):
    fastapi_app = pytest.importorskip("fastapi_app")
    from fastapi.testclient import TestClient

    headers, body, contract_id = signed
    handled = []

    async def record(notification: papay.Notification) -> None:
        handled.append(notification)

    app = fastapi_app.create_app(sandbox.async_client(), record)
    with TestClient(app) as http:
        response = http.post("/papay/notify/sign", content=body, headers=headers)
        tampered = http.post("/papay/notify/sign", content=body + b" ", headers=headers)

    assert response.status_code == 204
    assert [n.resource.contract_id for n in handled] == [contract_id]
    assert tampered.status_code == 500


def test_django_example_acknowledges_notification(sandbox, client, signed):
    pytest.importorskip("django")
    from django.conf import settings

    if not settings.configured:
        settings.configure(ROOT_URLCONF="django_view", ALLOWED_HOSTS=["testserver"], DEBUG=False)
        import django

        django.setup()
    import django_view
    from django.test import Client as DjangoClient

    headers, body, contract_id = signed
    handled = []
    django_view.PAPAY_CLIENT = client
    django_view.on_notification = handled.append

    http = DjangoClient()
    response = http.post("/papay/notify/sign", data=body, content_type="application/json", headers=headers)
    rejected = http.post("/papay/notify/sign", data=b"{}", content_type="application/json", headers=headers)

    assert response.status_code == 204
    assert [n.resource.contract_id for n in handled] == [contract_id]
    assert rejected.status_code == 500
