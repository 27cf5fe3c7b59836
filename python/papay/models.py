"""Typed responses of the Auto-Debit API.

Each class mirrors a model of the Rust core and is built from the core's JSON form of it.
Amounts are ``int`` minor units of their currency (1000 HKD cents is HK$10.00), times are
timezone-aware ``datetime`` values, and enum-like fields are plain ``str`` because WeChat Pay
may add values; the constant classes below list the known ones. In Institutional mode the
identity fields ``sp_mchid``, ``sp_appid``, ``sub_mchid`` and ``sub_appid`` are filled
instead of ``mchid`` and ``appid``.

``to_dict()`` returns the attributes as a dict, nested models as dicts, times as ``datetime``.
"""

from __future__ import annotations

import dataclasses
import functools
import datetime
import typing
from typing import Any, Callable, Dict, List, Optional, Tuple, Type, TypeVar

__all__ = [
    "ContractState",
    "TerminationMode",
    "TradeState",
    "RefundStatus",
    "RefundChannel",
    "FundSource",
    "SessionIdResponse",
    "SignUrlResponse",
    "ShowCodeUrlResponse",
    "Contract",
    "ContractNotification",
    "Payer",
    "ExchangeRate",
    "OrderAmount",
    "SceneInfo",
    "PromotionDetail",
    "Order",
    "RefundAmount",
    "RefundPromotion",
    "Refund",
    "RefundListOrderAmount",
    "RefundList",
    "RefundNotification",
    "PlatformCertificate",
    "LaunchParams",
    "SigningReturn",
]


class ContractState:
    """Known values of ``Contract.state``."""

    SIGNED = "SIGNED"
    TERMINATED = "TERMINATED"


class TerminationMode:
    """Known values of ``termination_mode`` and ``contract_termination_mode``."""

    USER = "USER"
    MERCHANT = "MERCHANT"
    PLATFORM = "PLATFORM"
    EXPIRED = "EXPIRED"


class TradeState:
    """Known values of ``Order.trade_state``."""

    SUCCESS = "SUCCESS"
    REFUND = "REFUND"
    NOTPAY = "NOTPAY"
    CLOSED = "CLOSED"
    PAYERROR = "PAYERROR"
    USERPAYING = "USERPAYING"
    REVOKED = "REVOKED"


class RefundStatus:
    """Known refund states. Notifications write the closed state ``CLOSED`` and queries
    ``REFUNDCLOSE``; the core reports both as ``REFUNDCLOSE``."""

    SUCCESS = "SUCCESS"
    CLOSED = "REFUNDCLOSE"
    PROCESSING = "PROCESSING"
    ABNORMAL = "ABNORMAL"


class RefundChannel:
    """Known values of ``Refund.channel``."""

    ORIGINAL = "ORIGINAL"
    BALANCE = "BALANCE"
    OTHER_BALANCE = "OTHER_BALANCE"
    OTHER_BANKCARD = "OTHER_BANKCARD"


class FundSource:
    """Values of the refund ``source`` argument and ``Refund.fund_source``."""

    UNSETTLED_FUNDS = "REFUND_SOURCE_UNSETTLED_FUNDS"
    RECHARGE_FUNDS = "REFUND_SOURCE_RECHARGE_FUNDS"


ModelT = TypeVar("ModelT", bound="Model")


Converter = Callable[[Any], Any]


def _converter(annotation: Any) -> Optional[Converter]:
    """Return the function that turns a JSON value into the type ``annotation``, or None when
    the JSON value is already of that type."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union:
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _converter(inner[0])
    if origin in (list, List):
        (item_type,) = typing.get_args(annotation)
        convert_item = _converter(item_type)
        if convert_item is None:
            return list
        return lambda items: [None if item is None else convert_item(item) for item in items]
    if annotation is datetime.datetime:
        return datetime.datetime.fromisoformat
    if isinstance(annotation, type) and issubclass(annotation, Model):
        return annotation.from_dict
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


_REQUIRED = object()
"""Marks a field without a default in a plan."""


class _Field(typing.NamedTuple):
    """One dataclass field as ``from_dict`` reads it."""

    name: str
    convert: Optional[Converter]
    default: Any
    factory: Optional[Callable[[], Any]]


@functools.lru_cache(maxsize=None)
def _plan(cls: type) -> Tuple[_Field, ...]:
    """Return the fields of ``cls`` in declaration order, computed once per class."""
    # typing.get_type_hints evaluates every annotation string, which costs more than building
    # the instance, so it runs once per class.
    hints = typing.get_type_hints(cls)
    fields = []
    for field in dataclasses.fields(cls):
        factory = None if field.default_factory is dataclasses.MISSING else field.default_factory
        default = _REQUIRED if field.default is dataclasses.MISSING and factory is None else field.default
        fields.append(_Field(field.name, _converter(hints[field.name]), default, factory))
    return tuple(fields)


def _build(cls: Type[ModelT], values: Dict[str, Any]) -> ModelT:
    """Create an instance from complete, converted field values without calling ``__init__``.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, which
    costs more than converting the values. The values come from the core, which has already
    checked them, so filling ``__dict__`` in one step gives the same instance.
    """
    instance = object.__new__(cls)
    instance.__dict__.update(values)
    return instance


@dataclasses.dataclass(frozen=True)
class Model:
    """Base of the response classes."""

    @classmethod
    def from_dict(cls: Type[ModelT], data: Dict[str, Any]) -> ModelT:
        """Build an instance from the core's JSON form, ignoring keys it does not model."""
        values = {}
        missing = []
        # In declaration order, so that ``vars()`` and pickles match an instance from ``__init__``.
        for name, convert, default, factory in _plan(cls):
            if name in data:
                value = data[name]
                values[name] = value if convert is None or value is None else convert(value)
            elif factory is not None:
                values[name] = factory()
            elif default is not _REQUIRED:
                values[name] = default
            else:
                missing.append(name)
        if missing:
            raise TypeError(f"{cls.__name__} is missing required fields: {', '.join(missing)}")
        return _build(cls, values)

    def to_dict(self) -> Dict[str, Any]:
        """Return the attributes as a dict; nested models become dicts."""
        return {field.name: _plain(getattr(self, field.name)) for field in dataclasses.fields(self)}


@dataclasses.dataclass(frozen=True)
class SessionIdResponse(Model):
    """Response of the Mini Program and APP pre-sign calls."""

    session_id: str


@dataclasses.dataclass(frozen=True)
class SignUrlResponse(Model):
    """Response of the H5 and JSAPI pre-sign calls: the URL the page navigates to."""

    sign_url: str


@dataclasses.dataclass(frozen=True)
class ShowCodeUrlResponse(Model):
    """Response of the PC Web pre-sign call: the URL to render as a QR code."""

    show_code_url: str


@dataclasses.dataclass(frozen=True)
class Contract(Model):
    """A contract, as the two contract queries return it."""

    contract_id: str
    plan_id: int
    out_contract_code: str
    state: str
    user_display_name: Optional[str] = None
    openid: Optional[str] = None
    signed_time: Optional[datetime.datetime] = None
    terminated_time: Optional[datetime.datetime] = None
    termination_mode: Optional[str] = None
    termination_note: Optional[str] = None
    mchid: Optional[str] = None
    appid: Optional[str] = None
    sp_mchid: Optional[str] = None
    sp_appid: Optional[str] = None
    sub_mchid: Optional[str] = None
    sub_appid: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class ContractNotification(Model):
    """Decrypted resource of ``PAPAY.SIGN`` and ``PAPAY.TERMINATE``."""

    out_contract_code: str
    plan_id: int
    contract_id: str
    openid: Optional[str] = None
    sp_openid: Optional[str] = None
    sub_openid: Optional[str] = None
    operate_time: Optional[datetime.datetime] = None
    contract_expired_time: Optional[datetime.datetime] = None
    contract_termination_mode: Optional[str] = None
    mchid: Optional[str] = None
    appid: Optional[str] = None
    sp_mchid: Optional[str] = None
    sp_appid: Optional[str] = None
    sub_mchid: Optional[str] = None
    sub_appid: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Payer(Model):
    """The user who paid: ``openid`` in Common mode, ``sp_openid``/``sub_openid`` otherwise."""

    openid: Optional[str] = None
    sp_openid: Optional[str] = None
    sub_openid: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class ExchangeRate(Model):
    """Exchange rate between the order currency and the user's currency."""

    type: Optional[str] = None
    rate: Optional[int] = None
    """Rate multiplied by 10^8 (100000000 for identical currencies)."""


@dataclasses.dataclass(frozen=True)
class OrderAmount(Model):
    """Amounts of an order, in minor units."""

    total: int
    currency: str
    payer_total: Optional[int] = None
    payer_currency: Optional[str] = None
    exchange_rate: Optional[ExchangeRate] = None


@dataclasses.dataclass(frozen=True)
class SceneInfo(Model):
    """Merchant device information echoed back by an order."""

    device_id: Optional[str] = None
    device_ip: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class PromotionDetail(Model):
    """A discount applied to an order."""

    promotion_id: str
    name: Optional[str] = None
    scope: Optional[str] = None
    type: Optional[str] = None
    amount: int = 0
    currency: str = ""
    activity_id: Optional[str] = None
    wxpay_contribute_amount: Optional[int] = None
    merchant_contribute_amount: Optional[int] = None
    other_contribute_amount: Optional[int] = None


@dataclasses.dataclass(frozen=True)
class Order(Model):
    """An Auto-Debit order: the deduction answer, the order queries and ``TRANSACTION.SUCCESS``."""

    out_trade_no: str
    trade_state: str
    amount: OrderAmount
    transaction_id: Optional[str] = None
    attach: Optional[str] = None
    trade_type: Optional[str] = None
    trade_state_desc: Optional[str] = None
    bank_type: Optional[str] = None
    success_time: Optional[datetime.datetime] = None
    payer: Optional[Payer] = None
    merchant_category_code: Optional[str] = None
    scene_info: Optional[SceneInfo] = None
    promotion_detail: Optional[List[PromotionDetail]] = None
    mchid: Optional[str] = None
    appid: Optional[str] = None
    sp_mchid: Optional[str] = None
    sp_appid: Optional[str] = None
    sub_mchid: Optional[str] = None
    sub_appid: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class RefundAmount(Model):
    """Amounts of a refund, in minor units."""

    refund: int
    currency: str
    total: Optional[int] = None
    payer_refund: Optional[int] = None
    payer_total: Optional[int] = None
    payer_currency: Optional[str] = None
    exchange_rate: Optional[ExchangeRate] = None


@dataclasses.dataclass(frozen=True)
class RefundPromotion(Model):
    """A refunded promotion."""

    promotion_id: str
    scope: Optional[str] = None
    type: Optional[str] = None
    amount: Optional[int] = None
    refund_amount: Optional[int] = None
    currency: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Refund(Model):
    """A refund: the refund answer, the refund queries and the items of ``list_refunds``.

    ``status`` is None in the refund answer, which only means the refund was accepted.
    """

    id: str
    out_refund_no: str
    amount: RefundAmount
    transaction_id: Optional[str] = None
    out_trade_no: Optional[str] = None
    channel: Optional[str] = None
    recv_account: Optional[str] = None
    fund_source: Optional[str] = None
    success_time: Optional[datetime.datetime] = None
    create_time: Optional[datetime.datetime] = None
    status: Optional[str] = None
    promotion_detail: Optional[List[RefundPromotion]] = None


@dataclasses.dataclass(frozen=True)
class RefundListOrderAmount(Model):
    """Order amounts in the refund list."""

    total: int
    currency: str
    payer_total: Optional[int] = None
    payer_currency: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class RefundList(Model):
    """One page of an order's refunds. ``id`` is WeChat Pay's order number, not a refund id."""

    id: str
    out_trade_no: str
    amount: RefundListOrderAmount
    total_num: int
    current_total_num: int
    data: List[Refund] = dataclasses.field(default_factory=list)
    mchid: Optional[str] = None
    appid: Optional[str] = None
    sp_mchid: Optional[str] = None
    sp_appid: Optional[str] = None
    sub_mchid: Optional[str] = None
    sub_appid: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class RefundNotification(Model):
    """Decrypted resource of ``REFUND.SUCCESS``, ``REFUND.ABNORMAL`` and ``REFUND.CLOSED``."""

    out_trade_no: str
    out_refund_no: str
    refund_id: str
    refund_status: str
    amount: RefundAmount
    transaction_id: Optional[str] = None
    success_time: Optional[datetime.datetime] = None
    recv_account: Optional[str] = None
    fund_source: Optional[str] = None
    mchid: Optional[str] = None
    appid: Optional[str] = None
    sp_mchid: Optional[str] = None
    sp_appid: Optional[str] = None
    sub_mchid: Optional[str] = None
    sub_appid: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class PlatformCertificate(Model):
    """A WeChat Pay platform certificate, decrypted and checked."""

    serial_no: str
    not_before: datetime.datetime
    not_after: datetime.datetime
    pem: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True)
class LaunchParams(Model):
    """Parameters an app or Mini Program needs to open WeChat's signing page.

    ``verified`` is False: the Global signing Mini Program's id, page and session key are
    WeChat Pay's China-domestic values, not confirmed for Global.
    """

    mini_program: str
    path: str
    extra_data: Dict[str, str]
    mini_program_type: int
    verified: bool


@dataclasses.dataclass(frozen=True)
class SigningReturn(Model):
    """Data WeChat handed back after signing: a UI hint, never proof of a contract.

    ``outcome`` is ``signed``, ``not_signed`` or ``unknown``.
    """

    outcome: str
    contract_id: Optional[str] = None
    message: Optional[str] = None
