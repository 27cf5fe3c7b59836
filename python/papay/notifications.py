"""Notifications WeChat Pay POSTs to the merchant, and the merchant's answer.

Pass the raw request body bytes, never a parsed or re-serialized body: the signature covers
the exact bytes, so ``json.dumps(request.json)`` does not verify. Headers may be any mapping
or list of pairs: ``Wechatpay-Signature`` names in any case, or WSGI environ keys such as
``HTTP_WECHATPAY_SIGNATURE`` (Django's ``request.META``).

Answer within 5 seconds with :meth:`NotificationAnswer.success` (204) after storing the
notification, or :meth:`NotificationAnswer.failure` (500) so that WeChat Pay sends it again.
Use ``Notification.id`` as the idempotency key: WeChat Pay resends until acknowledged.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import _native
from .models import ContractNotification, Model, Order, RefundNotification, _build

__all__ = [
    "EventType",
    "NotificationKind",
    "Notification",
    "NotificationAnswer",
    "normalize_headers",
]

HeadersLike = Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]


class EventType:
    """Known ``Notification.event_type`` values."""

    PAPAY_SIGN = "PAPAY.SIGN"
    PAPAY_TERMINATE = "PAPAY.TERMINATE"
    TRANSACTION_SUCCESS = "TRANSACTION.SUCCESS"
    REFUND_SUCCESS = "REFUND.SUCCESS"
    REFUND_ABNORMAL = "REFUND.ABNORMAL"
    REFUND_CLOSED = "REFUND.CLOSED"


class NotificationKind:
    """Values of ``Notification.kind`` and the type of ``Notification.resource`` for each."""

    CONTRACT_SIGNED = "contract_signed"  # ContractNotification
    CONTRACT_TERMINATED = "contract_terminated"  # ContractNotification
    DEDUCTION_SUCCEEDED = "deduction_succeeded"  # Order
    REFUND_SUCCEEDED = "refund_succeeded"  # RefundNotification
    REFUND_ABNORMAL = "refund_abnormal"  # RefundNotification
    REFUND_CLOSED = "refund_closed"  # RefundNotification
    OTHER = "other"  # dict: the decrypted JSON of an event type this version does not model


_RESOURCE_TYPES = {
    NotificationKind.CONTRACT_SIGNED: ContractNotification,
    NotificationKind.CONTRACT_TERMINATED: ContractNotification,
    NotificationKind.DEDUCTION_SUCCEEDED: Order,
    NotificationKind.REFUND_SUCCEEDED: RefundNotification,
    NotificationKind.REFUND_ABNORMAL: RefundNotification,
    NotificationKind.REFUND_CLOSED: RefundNotification,
}

_WSGI_UNPREFIXED = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}


def _header_name(key: str) -> Optional[str]:
    """Return the HTTP header name of ``key``, translating WSGI environ keys."""
    if key.startswith("HTTP_"):
        return key[len("HTTP_"):].replace("_", "-")
    if key in _WSGI_UNPREFIXED:
        return _WSGI_UNPREFIXED[key]
    if key.isupper() and "_" in key and "-" not in key:
        # Another environ entry (SERVER_NAME, wsgi.input ...), not a header.
        return None
    return key


def normalize_headers(headers: HeadersLike) -> List[Tuple[str, str]]:
    """Return ``headers`` as (name, value) pairs with HTTP names.

    Accepts dicts, framework header objects (Flask/Werkzeug, Starlette, Django), WSGI environ
    dicts and lists of pairs. Values that are not text (``wsgi.input``, say) are skipped;
    bytes values are decoded as Latin-1, as HTTP/1.1 header bytes are.
    """
    if hasattr(headers, "items"):
        pairs: Iterable[Tuple[Any, Any]] = headers.items()  # type: ignore[union-attr]
    else:
        pairs = headers
    result = []
    for key, value in pairs:
        if isinstance(key, bytes):
            key = key.decode("latin-1")
        if not isinstance(key, str):
            continue
        name = _header_name(key)
        if name is None:
            continue
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if isinstance(value, str):
            result.append((name, value))
    return result


def body_bytes(body: Union[bytes, bytearray, memoryview, str]) -> bytes:
    """Return the raw body as bytes; ``str`` is encoded as UTF-8, the encoding WeChat Pay uses."""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    raise TypeError(f"body must be the raw request body as bytes, got {type(body).__name__}")


@dataclasses.dataclass(frozen=True)
class Notification(Model):
    """A verified and decrypted notification.

    ``kind`` is what happened (see :class:`NotificationKind`) and ``resource`` is the typed
    decrypted resource: :class:`ContractNotification`, :class:`Order` or
    :class:`RefundNotification`, or a dict for an event type this version does not model.
    """

    id: str
    event_type: str
    kind: str
    resource: Any
    create_time: Optional[datetime.datetime] = None
    resource_type: str = ""
    summary: str = ""
    original_type: Optional[str] = None
    signed_by: str = ""

    @classmethod
    def from_native(cls, data: Dict[str, Any]) -> "Notification":
        """Build a notification from the core's JSON form."""
        event = data.get("event") or {}
        kind = event.get("kind", NotificationKind.OTHER)
        resource = event.get("resource")
        resource_type = _RESOURCE_TYPES.get(kind)
        if resource_type is not None and isinstance(resource, dict):
            resource = resource_type.from_dict(resource)
        create_time = data.get("create_time")
        return _build(
            cls,
            {
                "id": data["id"],
                "event_type": data["event_type"],
                "kind": kind,
                "resource": resource,
                "create_time": datetime.datetime.fromisoformat(create_time) if create_time else None,
                "resource_type": data.get("resource_type") or "",
                "summary": data.get("summary") or "",
                "original_type": data.get("original_type"),
                "signed_by": data.get("signed_by") or "",
            },
        )


@dataclasses.dataclass(frozen=True)
class NotificationAnswer:
    """The HTTP response to send WeChat Pay for a notification."""

    status: int
    body: str
    content_type: Optional[str]

    @classmethod
    def success(cls) -> "NotificationAnswer":
        """Acknowledge: ``204 No Content``."""
        return cls(**_native.notification_answer(None))

    @classmethod
    def failure(cls, message: str = "notification not processed") -> "NotificationAnswer":
        """Ask WeChat Pay to send it again later: 500 with ``{"code":"FAIL","message":...}``."""
        return cls(**_native.notification_answer(message))

    @property
    def headers(self) -> Dict[str, str]:
        """Response headers to set: ``Content-Type`` when there is a body."""
        return {"Content-Type": self.content_type} if self.content_type else {}
