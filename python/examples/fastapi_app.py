"""FastAPI endpoint for WeChat Pay notifications, with papay.AsyncClient.

Run: WECHATPAY_MCHID=... WECHATPAY_SERIAL_NO=... WECHATPAY_PRIVATE_KEY_FILE=apiclient_key.pem \
     WECHATPAY_APIV3_KEY=... WECHATPAY_APPID=... uvicorn fastapi_app:app

The endpoint reads ``await request.body()``, the raw body bytes; a pydantic model parameter
would hand over a re-serialized body that does not verify.
"""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI, Request, Response

import papay

logger = logging.getLogger(__name__)


def build_client() -> papay.AsyncClient:
    """Build the client from environment variables."""
    return papay.AsyncClient(
        mchid=os.environ["WECHATPAY_MCHID"],
        serial_no=os.environ["WECHATPAY_SERIAL_NO"],
        private_key_file=os.environ["WECHATPAY_PRIVATE_KEY_FILE"],
        apiv3_key=os.environ["WECHATPAY_APIV3_KEY"],
        appid=os.environ["WECHATPAY_APPID"],
    )


async def handle(notification: papay.Notification) -> None:
    """Store the notification; replace with your own, idempotent on ``notification.id``."""
    print(f"{notification.event_type} {notification.id}")


def create_app(client: papay.AsyncClient, on_notification=handle) -> FastAPI:
    app = FastAPI()

    @app.post("/papay/notify/{kind}")
    async def notify(kind: str, request: Request) -> Response:
        body = await request.body()
        try:
            notification = await client.parse_notification(request.headers, body)
            await on_notification(notification)
        except papay.PayError as error:
            logger.warning("WeChat Pay notification on %s rejected: %s", kind, error)
            answer = papay.NotificationAnswer.failure(error.code)
        else:
            answer = papay.NotificationAnswer.success()
        return Response(content=answer.body, status_code=answer.status, media_type=answer.content_type)

    return app


if os.environ.get("WECHATPAY_MCHID"):
    app = create_app(build_client())
