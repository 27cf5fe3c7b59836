"""Django view for WeChat Pay notifications.

Add ``path("papay/notify/<str:kind>", django_view.notify)`` to your URLconf and set
``PAPAY_CLIENT`` in this module (or build it from settings) at start-up.

The view passes ``request.body`` (raw bytes) and ``request.META`` (WSGI environ keys such as
``HTTP_WECHATPAY_SIGNATURE``, which papay translates). Notifications carry no CSRF token,
hence ``csrf_exempt``; the signature check is what authenticates them.
"""

from __future__ import annotations

import logging
import os
from typing import Callable, Optional

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

import papay

logger = logging.getLogger(__name__)

PAPAY_CLIENT: Optional[papay.Client] = None


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


on_notification: Callable[[papay.Notification], None] = handle


@csrf_exempt
@require_POST
def notify(request: HttpRequest, kind: str) -> HttpResponse:
    global PAPAY_CLIENT
    if PAPAY_CLIENT is None:
        PAPAY_CLIENT = build_client()
    try:
        notification = PAPAY_CLIENT.parse_notification(request.META, request.body)
        on_notification(notification)
    except papay.PayError as error:
        logger.warning("WeChat Pay notification on %s rejected: %s", kind, error)
        answer = papay.NotificationAnswer.failure(error.code)
    else:
        answer = papay.NotificationAnswer.success()
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    return response


urlpatterns = [path("papay/notify/<str:kind>", notify)]
