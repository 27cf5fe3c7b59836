"""Flask endpoint for WeChat Pay notifications.

Run: WECHATPAY_MCHID=... WECHATPAY_SERIAL_NO=... WECHATPAY_PRIVATE_KEY_FILE=apiclient_key.pem \
     WECHATPAY_APIV3_KEY=... WECHATPAY_APPID=... flask --app flask_app run

The view passes ``request.get_data()``, the raw body bytes: the signature covers those exact
bytes, so a body re-serialized from ``request.json`` would not verify.
"""

from __future__ import annotations

import os

from flask import Flask, Response, request

import papay


def build_client() -> papay.Client:
    """Build the client from environment variables."""
    return papay.Client(
        mchid=os.environ["WECHATPAY_MCHID"],
        serial_no=os.environ["WECHATPAY_SERIAL_NO"],
        private_key_file=os.environ["WECHATPAY_PRIVATE_KEY_FILE"],
        apiv3_key=os.environ["WECHATPAY_APIV3_KEY"],
        appid=os.environ["WECHATPAY_APPID"],
    )


def handle(notification: papay.Notification) -> None:
    """Store the notification; replace with your own, idempotent on ``notification.id``."""
    print(f"{notification.event_type} {notification.id}")


def create_app(client: papay.Client, on_notification=handle) -> Flask:
    app = Flask(__name__)

    @app.post("/papay/notify/<kind>")
    def notify(kind: str) -> Response:
        try:
            notification = client.parse_notification(request.headers, request.get_data())
            on_notification(notification)
        except papay.PayError as error:
            app.logger.warning("WeChat Pay notification on %s rejected: %s", kind, error)
            answer = papay.NotificationAnswer.failure(error.code)
        else:
            answer = papay.NotificationAnswer.success()
        return Response(answer.body, status=answer.status, headers=answer.headers)

    return app


if __name__ == "__main__":
    create_app(build_client()).run(port=8080)
