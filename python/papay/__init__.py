"""papay: WeChat Pay Global Auto-Debit (APIv3) for Python.

The signing, verification, certificate handling, notification decryption and validation are
done by the papay Rust core; this package gives it a Python face:

- :class:`Client` (blocking) and :class:`AsyncClient` (asyncio), one method per endpoint;
- typed responses in :mod:`papay.models`, exceptions in :mod:`papay.errors`;
- :class:`NotificationAnswer` and header handling for notification endpoints;
- :mod:`papay.sandbox`, a local WeChat Pay for tests.
"""

from . import _aio, errors, models  # _aio registers the native runtime's exit hook
from ._native import __version__
from .client import USER_AGENT, AsyncClient, Client
from .errors import (
    ApiError,
    CertificateExpiredError,
    DecryptionFailedError,
    InternalError,
    InvalidArgumentError,
    InvalidConfigError,
    MalformedMessageError,
    OutcomeUnknownError,
    PayError,
    PayTimeoutError,
    SandboxError,
    SignatureHeadersMissingError,
    SignatureInvalidError,
    TimestampOutOfWindowError,
    TransportError,
    UnknownSerialError,
    UnsupportedAlgorithmError,
)
from .models import (
    Contract,
    ContractNotification,
    ContractState,
    FundSource,
    LaunchParams,
    Order,
    PlatformCertificate,
    Refund,
    RefundList,
    RefundNotification,
    RefundStatus,
    SessionIdResponse,
    ShowCodeUrlResponse,
    SignUrlResponse,
    SigningReturn,
    TerminationMode,
    TradeState,
)
from .notifications import EventType, Notification, NotificationAnswer, NotificationKind, normalize_headers
from .signing import launch_params, parse_signing_return, qr_code_svg

from . import sandbox  # noqa: E402 - needs Client, defined above

__all__ = [
    "__version__",
    "USER_AGENT",
    "Client",
    "AsyncClient",
    "errors",
    "models",
    "sandbox",
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
    "Contract",
    "ContractNotification",
    "ContractState",
    "FundSource",
    "LaunchParams",
    "Order",
    "PlatformCertificate",
    "Refund",
    "RefundList",
    "RefundNotification",
    "RefundStatus",
    "SessionIdResponse",
    "ShowCodeUrlResponse",
    "SignUrlResponse",
    "SigningReturn",
    "TerminationMode",
    "TradeState",
    "EventType",
    "Notification",
    "NotificationAnswer",
    "NotificationKind",
    "normalize_headers",
    "launch_params",
    "parse_signing_return",
    "qr_code_svg",
]
