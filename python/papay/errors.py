"""Exceptions raised by papay.

Every failure of the SDK is a :class:`PayError` with the core's stable upper-snake ``code``;
each core error kind has its own subclass, so callers catch exactly what they can handle::

    try:
        order = client.deduct(...)
    except papay.ApiError as error:
        if error.api_code == "ORDER_PAID":
            ...
    except papay.OutcomeUnknownError:
        ...  # retry later with the same out_trade_no

Messages name the field, header or value involved and never contain a key.
"""

from __future__ import annotations

import builtins
from typing import Any, Optional

__all__ = [
    "PayError",
    "InvalidConfigError",
    "InvalidArgumentError",
    "TransportError",
    "PayTimeoutError",
    "ApiError",
    "SignatureHeadersMissingError",
    "UnsupportedAlgorithmError",
    "UnknownSerialError",
    "CertificateExpiredError",
    "SignatureInvalidError",
    "TimestampOutOfWindowError",
    "DecryptionFailedError",
    "MalformedMessageError",
    "OutcomeUnknownError",
    "InternalError",
    "SandboxError",
]


class PayError(Exception):
    """A papay failure.

    Attributes:
        code: stable upper-snake code of the error kind, identical in every papay binding
            (``INVALID_ARGUMENT``, ``API_ERROR``, ``TIMEOUT`` ...).
        message: human-readable description, without keys or personal data.
        http_status: HTTP status of a WeChat Pay error response, else None.
        request_id: the ``Request-ID`` header WeChat Pay support asks for, else None.
        detail: dict of structured details: WeChat Pay's ``detail`` object for API errors, the
            offending ``field`` and ``reason`` for invalid arguments, the serial or header
            involved for verification failures.
        api_code: WeChat Pay's own code (``ORDER_PAID``, ``NOT_FOUND`` ...) for API errors.
        retryable: whether sending the same request again unchanged may succeed.
    """

    code: str = "PAY_ERROR"

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        http_status: Optional[int] = None,
        request_id: Optional[str] = None,
        detail: Optional[dict[str, Any]] = None,
        api_code: Optional[str] = None,
        signature_verified: Optional[bool] = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.http_status = http_status
        self.request_id = request_id
        self.detail = detail or {}
        self.api_code = api_code
        self.signature_verified = signature_verified
        self.retryable = retryable

    @property
    def field(self) -> Optional[str]:
        """The offending field, for invalid configuration or arguments."""
        field = self.detail.get("field")
        return field if isinstance(field, str) else None

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"

    def __reduce__(self):  # keeps the attributes when pickled, e.g. by multiprocessing
        keywords = {
            "code": self.code,
            "http_status": self.http_status,
            "request_id": self.request_id,
            "detail": self.detail,
            "api_code": self.api_code,
            "signature_verified": self.signature_verified,
            "retryable": self.retryable,
        }
        return (_rebuild, (type(self), self.message, keywords))


def _rebuild(cls: type, message: str, keywords: dict[str, Any]) -> PayError:
    return cls(message, **keywords)


class InvalidConfigError(PayError, ValueError):
    """The client configuration is unusable (raised by the constructor)."""

    code = "INVALID_CONFIG"


class InvalidArgumentError(PayError, ValueError):
    """A request argument breaks a documented rule; nothing was sent."""

    code = "INVALID_ARGUMENT"


class TransportError(PayError):
    """The request could not be sent or the response could not be read."""

    code = "TRANSPORT"


class PayTimeoutError(PayError, builtins.TimeoutError):
    """The call did not complete within the configured timeout."""

    code = "TIMEOUT"


class ApiError(PayError):
    """WeChat Pay responded with an error status; see ``api_code`` and ``http_status``.

    ``signature_verified`` is whether the error response carried a valid platform signature.
    """

    code = "API_ERROR"


class SignatureHeadersMissingError(PayError):
    """A response or notification lacks a ``Wechatpay-*`` signature header."""

    code = "SIGNATURE_HEADERS_MISSING"


class UnsupportedAlgorithmError(PayError):
    """The signature type or resource algorithm is not the one WeChat Pay APIv3 uses."""

    code = "UNSUPPORTED_ALGORITHM"


class UnknownSerialError(PayError):
    """``Wechatpay-Serial`` names no known platform certificate or public key."""

    code = "UNKNOWN_SERIAL"


class CertificateExpiredError(PayError):
    """The platform certificate that signed the message is outside its validity period."""

    code = "CERTIFICATE_EXPIRED"


class SignatureInvalidError(PayError):
    """The signature does not verify over the received bytes."""

    code = "SIGNATURE_INVALID"


class TimestampOutOfWindowError(PayError):
    """The signed timestamp is too far from the local clock (replay or clock skew)."""

    code = "TIMESTAMP_OUT_OF_WINDOW"


class DecryptionFailedError(PayError):
    """AES-256-GCM decryption failed: wrong APIv3 key or modified ciphertext."""

    code = "DECRYPTION_FAILED"


class MalformedMessageError(PayError):
    """A response or notification was authentic but could not be understood."""

    code = "MALFORMED_MESSAGE"


class OutcomeUnknownError(PayError):
    """A deduction or refund failed in transit and the reconciling query failed too.

    Retry the same call with the same merchant number: WeChat Pay treats it as the same order
    or refund.
    """

    code = "OUTCOME_UNKNOWN"


class InternalError(PayError):
    """A failure inside the SDK itself, such as a panic in Rust code; please report it."""

    code = "INTERNAL"


class SandboxError(Exception):
    """A sandbox control call failed (unknown session, contract or order, bad options)."""

    def __init__(self, message: str, **_attributes: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = "SANDBOX_ERROR"
