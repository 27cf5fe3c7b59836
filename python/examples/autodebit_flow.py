"""The whole Auto-Debit lifecycle against the local sandbox, one line per step.

Run: python examples/autodebit_flow.py

Certificates, the five signing flows, the user signing, contract queries, a deduction and its
notification, a reversed unpaid order, a partial refund with its notification, refund queries
and a merchant termination. Exits non-zero at the first failed step.
"""

from __future__ import annotations

import sys
import time

import papay
from papay.sandbox import Sandbox

NOTIFY = "https://merchant.example/papay"


def step(name: str, detail: str) -> None:
    print(f"{name:<36} {detail}")


def verified(sandbox: Sandbox, client: papay.Client, event_type: str) -> papay.Notification:
    """Wait for the next delivered ``event_type`` notification and verify it with the client."""
    delivery = sandbox.wait_for_delivery(event_type, timeout=10)
    notification = client.parse_notification(delivery.headers, delivery.body)
    step(f"  notification {event_type}", f"verified, signed by {notification.signed_by}")
    return notification


def run() -> None:
    with Sandbox() as sandbox:
        credentials = sandbox.credentials
        client = sandbox.client()
        run_id = time.strftime("%H%M%S")
        step("sandbox", f"{sandbox.base_url} merchant {credentials.mchid}")

        certificates = client.download_certificates()
        step("download_certificates", f"{len(certificates)} certificate(s), newest {certificates[0].serial_no}")

        def common(suffix: str) -> dict:
            return dict(
                plan_id=credentials.plan_id,
                out_contract_code=f"DEMO{run_id}{suffix}",
                success_notify_url=f"{NOTIFY}/sign-notify",
            )

        mini = client.mini_program_pre_sign(**common("MP"), openid=credentials.openid, user_client_ip="203.0.113.10")
        step("mini_program_pre_sign", f"session_id={mini.session_id}")
        h5 = client.h5_pre_sign(**common("H5"), user_client_ip="203.0.113.10")
        step("h5_pre_sign", f"sign_url={h5.sign_url}")
        jsapi = client.jsapi_pre_sign(**common("JS"), openid=credentials.openid)
        step("jsapi_pre_sign", f"sign_url={jsapi.sign_url}")
        web = client.web_pre_sign(**common("PC"))
        svg = papay.qr_code_svg(web.show_code_url)
        step("web_pre_sign", f"show_code_url={web.show_code_url} (QR code: {len(svg)} bytes of SVG)")
        app_request = common("APP")
        app = client.app_pre_sign(**app_request, user_display_name="Demo User 演示")
        launch = papay.launch_params(app.session_id)
        step("app_pre_sign", f"session_id={app.session_id} (app opens {launch.mini_program} at {launch.path})")

        sandbox.confirm_signing(session_id=app.session_id)
        step("user", "confirmed the APP signing in WeChat")
        signed = verified(sandbox, client, papay.EventType.PAPAY_SIGN)
        contract_id = signed.resource.contract_id

        contract = client.query_contract_by_id(contract_id)
        step("query_contract_by_id", f"contract_id={contract.contract_id} state={contract.state}")
        contract = client.query_contract_by_out_contract_code(
            plan_id=credentials.plan_id, out_contract_code=app_request["out_contract_code"]
        )
        step("query_contract_by_out_contract_code", f"out_contract_code={contract.out_contract_code} state={contract.state}")

        out_trade_no = f"DEMO{run_id}ORDER1"
        order = client.deduct(
            description="Demo shop-HK-monthly plan",
            notify_url=f"{NOTIFY}/pay-notify",
            out_trade_no=out_trade_no,
            merchant_category_code="5999",
            contract_id=contract_id,
            total=1000,
            currency="HKD",
        )
        step("deduct", f"out_trade_no={out_trade_no} trade_state={order.trade_state} total={order.amount.total} {order.amount.currency}")
        verified(sandbox, client, papay.EventType.TRANSACTION_SUCCESS)
        order = client.query_order_by_transaction_id(order.transaction_id)
        step("query_order_by_transaction_id", f"transaction_id={order.transaction_id} trade_state={order.trade_state}")
        order = client.query_order_by_out_trade_no(out_trade_no)
        step("query_order_by_out_trade_no", f"out_trade_no={out_trade_no} trade_state={order.trade_state}")

        sandbox.set_next_deduction_outcome("USERPAYING")
        second_no = f"DEMO{run_id}ORDER2"
        pending = client.deduct(
            description="Demo shop-HK-monthly plan",
            notify_url=f"{NOTIFY}/pay-notify",
            out_trade_no=second_no,
            merchant_category_code="5999",
            contract_id=contract_id,
            total=500,
            currency="HKD",
        )
        step("deduct", f"out_trade_no={second_no} trade_state={pending.trade_state}")
        client.reverse_order(second_no)
        closed = client.query_order_by_out_trade_no(second_no)
        step("reverse_order", f"out_trade_no={second_no} is now {closed.trade_state}")

        out_refund_no = f"DEMO{run_id}REFUND1"
        refund = client.refund(
            out_trade_no=out_trade_no,
            out_refund_no=out_refund_no,
            refund=300,
            total=1000,
            currency="HKD",
            reason="demo partial refund",
            notify_url=f"{NOTIFY}/refund-notify",
        )
        step("refund", f"out_refund_no={out_refund_no} refund_id={refund.id} refund={refund.amount.refund} {refund.amount.currency}")
        verified(sandbox, client, papay.EventType.REFUND_SUCCESS)
        by_no = client.query_refund_by_out_refund_no(out_refund_no)
        step("query_refund_by_out_refund_no", f"out_refund_no={out_refund_no} status={by_no.status}")
        by_id = client.query_refund_by_id(refund.id)
        step("query_refund_by_id", f"refund_id={by_id.id} status={by_id.status}")
        listing = client.list_refunds(out_trade_no=out_trade_no, count=10)
        step("list_refunds", f"out_trade_no={out_trade_no} total_num={listing.total_num}")

        client.terminate_contract(contract_id=contract_id, termination_note="demo finished")
        step("terminate_contract", f"contract_id={contract_id}")
        terminated = verified(sandbox, client, papay.EventType.PAPAY_TERMINATE)
        step("done", f"contract ended by {terminated.resource.contract_termination_mode}")


if __name__ == "__main__":
    try:
        run()
    except (papay.PayError, papay.SandboxError) as error:
        print(f"failed: {error}", file=sys.stderr)
        sys.exit(1)
