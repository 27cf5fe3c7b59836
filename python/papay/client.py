"""``papay.Client`` (blocking) and ``papay.AsyncClient`` (asyncio).

Both wrap one Rust ``papay::Client``: every request is validated, signed over the exact bytes
sent, and its response verified with WeChat Pay's platform certificate before it is parsed.
``Client`` releases the GIL while Rust works, so threads run in parallel; ``AsyncClient``
returns asyncio awaitables driven by a shared Rust runtime. Both survive ``os.fork()``: the
first call in a child process builds a fresh connection pool and runtime.

Deductions and refunds are never resent blindly: after a timeout or a 5xx the client queries
the order or refund by your own number and returns its real state, or raises
:class:`~papay.errors.OutcomeUnknownError` when even that query failed.
"""

from __future__ import annotations

import datetime
import logging
import os
import time
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, TypeVar, Union

from . import _native
from .errors import PayError
from .models import (
    Contract,
    Order,
    PlatformCertificate,
    Refund,
    RefundList,
    SessionIdResponse,
    ShowCodeUrlResponse,
    SignUrlResponse,
)
from .notifications import HeadersLike, Notification, body_bytes, normalize_headers

__all__ = ["Client", "AsyncClient", "USER_AGENT"]

logger = logging.getLogger("papay")

USER_AGENT = f"papay-python/{_native.__version__}"
"""Default ``User-Agent``; WeChat Pay rejects requests without one."""

T = TypeVar("T")
PemLike = Union[str, bytes]
Seconds = Union[int, float, datetime.timedelta]


def _pem(field: str, value: PemLike) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    raise TypeError(f"{field} must be PEM text as str or bytes, got {type(value).__name__}")


def _key(field: str, value: Union[str, bytes]) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    raise TypeError(f"{field} must be str or bytes, got {type(value).__name__}")


def _seconds(field: str, value: Optional[Seconds]) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{field} must be seconds as int or float, or a timedelta, got {type(value).__name__}")
    return float(value)


def _time(field: str, value: Optional[datetime.datetime]) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, datetime.datetime):
        raise TypeError(f"{field} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must be timezone-aware, e.g. datetime.now(timezone.utc)")
    return value.isoformat(timespec="seconds")


def _unix_seconds(field: str, value: Optional[datetime.datetime]) -> Optional[int]:
    text = _time(field, value)
    return None if text is None or value is None else int(value.timestamp())


def _certificates(values: List[PlatformCertificate]) -> List[PlatformCertificate]:
    return [PlatformCertificate.from_dict(value) for value in values]


class _Endpoints:
    """The endpoint methods shared by both clients. ``_call`` decides how a call runs."""

    _native: Any

    def __init__(
        self,
        *,
        mchid: str,
        serial_no: str,
        apiv3_key: Union[str, bytes],
        private_key: Optional[PemLike] = None,
        private_key_file: Optional[Union[str, os.PathLike]] = None,
        appid: Optional[str] = None,
        sp_appid: Optional[str] = None,
        sub_mchid: Optional[str] = None,
        sub_appid: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: Optional[Seconds] = None,
        connect_timeout: Optional[Seconds] = None,
        user_agent: Optional[str] = None,
        accept_language: Optional[str] = None,
        platform_certificates: Iterable[PemLike] = (),
        platform_public_keys: Optional[Mapping[str, PemLike]] = None,
        download_certificates: bool = True,
        timestamp_window_seconds: int = 300,
        max_attempts: Optional[int] = None,
        fixed_time: Optional[datetime.datetime] = None,
    ) -> None:
        """Create a client; raises :class:`~papay.errors.InvalidConfigError` on bad settings.

        Args:
            mchid: merchant id (Common mode) or institution id (Institutional mode).
            serial_no: serial number of the merchant API certificate.
            apiv3_key: the 32-byte APIv3 key.
            private_key: merchant private key PEM (PKCS#8 or PKCS#1), or use
                ``private_key_file``.
            appid: Common mode AppID; or ``sp_appid`` + ``sub_mchid`` (+ ``sub_appid``) for
                Institutional mode.
            base_url: defaults to ``https://apihk.mch.weixin.qq.com``; plain http is accepted
                only on a loopback address (a local sandbox).
            timeout: seconds for one whole call attempt (default 30); ``connect_timeout``
                for establishing the connection (default 5).
            accept_language: ``en``, ``zh-CN``, ``zh-HK`` or ``zh-TW`` for error messages.
            platform_certificates: platform certificate PEMs known in advance.
            platform_public_keys: WeChat Pay public keys by id (``PUB_KEY_ID_...``).
            download_certificates: download and refresh platform certificates (default
                True); turn off only when certificates or public keys are given.
            timestamp_window_seconds: allowed distance between a signed timestamp and the
                local clock.
            max_attempts: total attempts of a query, including the first (default 3).
            fixed_time: for tests only: a timezone-aware time that the client's clock stays
                at, for request timestamps and the signature time window.
        """
        self.mchid = mchid
        self.serial_no = serial_no
        self.base_url = base_url
        self.appid = appid
        self.sp_appid = sp_appid
        self.sub_mchid = sub_mchid
        self.sub_appid = sub_appid
        keys = platform_public_keys or {}
        if not isinstance(keys, Mapping):
            raise TypeError(f"platform_public_keys must be a mapping of id to PEM, got {type(keys).__name__}")
        if isinstance(platform_certificates, (str, bytes)):
            raise TypeError("platform_certificates must be a list of PEM texts, not one text")
        if private_key_file is not None:
            private_key_file = os.fspath(private_key_file)
        self._native = _native.NativeClient(
            mchid=mchid,
            serial_no=serial_no,
            apiv3_key=_key("apiv3_key", apiv3_key),
            private_key=None if private_key is None else _pem("private_key", private_key),
            private_key_file=private_key_file,
            appid=appid,
            sp_appid=sp_appid,
            sub_mchid=sub_mchid,
            sub_appid=sub_appid,
            base_url=base_url,
            timeout=_seconds("timeout", timeout),
            connect_timeout=_seconds("connect_timeout", connect_timeout),
            user_agent=user_agent or USER_AGENT,
            accept_language=accept_language,
            platform_certificates=[_pem("platform_certificates", pem) for pem in platform_certificates],
            platform_public_keys=[(key_id, _pem("platform_public_keys", pem)) for key_id, pem in keys.items()],
            download_certificates=download_certificates,
            timestamp_window_seconds=timestamp_window_seconds,
            max_attempts=max_attempts,
            fixed_time=_unix_seconds("fixed_time", fixed_time),
        )

    def __repr__(self) -> str:
        if self.appid is not None:
            identity = f"appid={self.appid!r}"
        else:
            identity = f"sp_appid={self.sp_appid!r}, sub_mchid={self.sub_mchid!r}, sub_appid={self.sub_appid!r}"
        base_url = self.base_url or "https://apihk.mch.weixin.qq.com"
        return f"{type(self).__name__}(mchid={self.mchid!r}, serial_no={self.serial_no!r}, {identity}, base_url={base_url!r})"

    def _call(self, endpoint: str, start: Callable[[], Any], convert: Callable[[Any], T]) -> Any:
        raise NotImplementedError

    # ----- signing -----

    def mini_program_pre_sign(
        self,
        *,
        plan_id: int,
        out_contract_code: str,
        success_notify_url: str,
        openid: str,
        user_display_name: Optional[str] = None,
        expired_time: Optional[datetime.datetime] = None,
        user_client_ip: Optional[str] = None,
    ) -> SessionIdResponse:
        """Create a Mini Program signing session; returns its ``session_id``."""
        return self._call(
            "mini_program_pre_sign",
            lambda: self._native.mini_program_pre_sign(
                plan_id=plan_id,
                out_contract_code=out_contract_code,
                success_notify_url=success_notify_url,
                openid=openid,
                user_display_name=user_display_name,
                expired_time=_time("expired_time", expired_time),
                user_client_ip=user_client_ip,
            ),
            SessionIdResponse.from_dict,
        )

    def h5_pre_sign(
        self,
        *,
        plan_id: int,
        out_contract_code: str,
        success_notify_url: str,
        user_display_name: Optional[str] = None,
        expired_time: Optional[datetime.datetime] = None,
        user_client_ip: Optional[str] = None,
        return_appid: Optional[str] = None,
        return_url: Optional[str] = None,
    ) -> SignUrlResponse:
        """Create an H5 (mobile browser) signing session; returns the ``sign_url`` to open."""
        return self._call(
            "h5_pre_sign",
            lambda: self._native.h5_pre_sign(
                plan_id=plan_id,
                out_contract_code=out_contract_code,
                success_notify_url=success_notify_url,
                user_display_name=user_display_name,
                expired_time=_time("expired_time", expired_time),
                user_client_ip=user_client_ip,
                return_appid=return_appid,
                return_url=return_url,
            ),
            SignUrlResponse.from_dict,
        )

    def jsapi_pre_sign(
        self,
        *,
        plan_id: int,
        out_contract_code: str,
        success_notify_url: str,
        openid: str,
        user_display_name: Optional[str] = None,
        expired_time: Optional[datetime.datetime] = None,
        return_url: Optional[str] = None,
    ) -> SignUrlResponse:
        """Create a JSAPI (inside WeChat) signing session; returns the ``sign_url``."""
        return self._call(
            "jsapi_pre_sign",
            lambda: self._native.jsapi_pre_sign(
                plan_id=plan_id,
                out_contract_code=out_contract_code,
                success_notify_url=success_notify_url,
                openid=openid,
                user_display_name=user_display_name,
                expired_time=_time("expired_time", expired_time),
                return_url=return_url,
            ),
            SignUrlResponse.from_dict,
        )

    def web_pre_sign(
        self,
        *,
        plan_id: int,
        out_contract_code: str,
        success_notify_url: str,
        user_display_name: Optional[str] = None,
        expired_time: Optional[datetime.datetime] = None,
        return_url: Optional[str] = None,
    ) -> ShowCodeUrlResponse:
        """Create a PC Web signing session; render ``show_code_url`` with :func:`papay.qr_code_svg`."""
        return self._call(
            "web_pre_sign",
            lambda: self._native.web_pre_sign(
                plan_id=plan_id,
                out_contract_code=out_contract_code,
                success_notify_url=success_notify_url,
                user_display_name=user_display_name,
                expired_time=_time("expired_time", expired_time),
                return_url=return_url,
            ),
            ShowCodeUrlResponse.from_dict,
        )

    def app_pre_sign(
        self,
        *,
        plan_id: int,
        out_contract_code: str,
        success_notify_url: str,
        user_display_name: str,
        expired_time: Optional[datetime.datetime] = None,
        openid: Optional[str] = None,
        user_client_ip: Optional[str] = None,
    ) -> SessionIdResponse:
        """Create an APP signing session; pass ``session_id`` to :func:`papay.launch_params`."""
        return self._call(
            "app_pre_sign",
            lambda: self._native.app_pre_sign(
                plan_id=plan_id,
                out_contract_code=out_contract_code,
                success_notify_url=success_notify_url,
                user_display_name=user_display_name,
                expired_time=_time("expired_time", expired_time),
                openid=openid,
                user_client_ip=user_client_ip,
            ),
            SessionIdResponse.from_dict,
        )

    # ----- contracts -----

    def query_contract_by_id(self, contract_id: str) -> Contract:
        """Query a contract by WeChat Pay's ``contract_id``."""
        return self._call(
            "query_contract_by_id",
            lambda: self._native.query_contract_by_id(contract_id),
            Contract.from_dict,
        )

    def query_contract_by_out_contract_code(self, *, plan_id: int, out_contract_code: str) -> Contract:
        """Query a contract by your ``out_contract_code`` within template ``plan_id``."""
        return self._call(
            "query_contract_by_out_contract_code",
            lambda: self._native.query_contract_by_out_contract_code(plan_id=plan_id, out_contract_code=out_contract_code),
            Contract.from_dict,
        )

    def terminate_contract(self, *, contract_id: str, termination_note: str) -> None:
        """Terminate a contract; a ``PAPAY.TERMINATE`` notification follows."""
        return self._call(
            "terminate_contract",
            lambda: self._native.terminate_contract(contract_id=contract_id, termination_note=termination_note),
            _none,
        )

    # ----- deductions and orders -----

    def deduct(
        self,
        *,
        description: str,
        notify_url: str,
        out_trade_no: str,
        merchant_category_code: str,
        contract_id: str,
        total: int,
        currency: str,
        attach: Optional[str] = None,
        goods_tag: Optional[str] = None,
        device_id: Optional[str] = None,
        device_ip: Optional[str] = None,
    ) -> Order:
        """Charge the user under a contract; ``total`` is in minor units of ``currency``.

        After a timeout or a 5xx the client queries the order by ``out_trade_no`` and returns
        its real state instead of charging twice.
        """
        return self._call(
            "deduct",
            lambda: self._native.deduct(
                description=description,
                notify_url=notify_url,
                out_trade_no=out_trade_no,
                merchant_category_code=merchant_category_code,
                contract_id=contract_id,
                total=total,
                currency=currency,
                attach=attach,
                goods_tag=goods_tag,
                device_id=device_id,
                device_ip=device_ip,
            ),
            Order.from_dict,
        )

    def query_order_by_transaction_id(self, transaction_id: str) -> Order:
        """Query an order by WeChat Pay's ``transaction_id``."""
        return self._call(
            "query_order_by_transaction_id",
            lambda: self._native.query_order_by_transaction_id(transaction_id),
            Order.from_dict,
        )

    def query_order_by_out_trade_no(self, out_trade_no: str) -> Order:
        """Query an order by your ``out_trade_no``."""
        return self._call(
            "query_order_by_out_trade_no",
            lambda: self._native.query_order_by_out_trade_no(out_trade_no),
            Order.from_dict,
        )

    def reverse_order(self, out_trade_no: str) -> None:
        """Close an unpaid order. A paid order raises ApiError ``ORDER_PAID``: refund it instead."""
        return self._call(
            "reverse_order",
            lambda: self._native.reverse_order(out_trade_no),
            _none,
        )

    # ----- refunds -----

    def refund(
        self,
        *,
        out_refund_no: str,
        refund: int,
        total: int,
        currency: str,
        transaction_id: Optional[str] = None,
        out_trade_no: Optional[str] = None,
        reason: Optional[str] = None,
        source: Optional[str] = None,
        notify_url: Optional[str] = None,
    ) -> Refund:
        """Apply for a refund of the order given by exactly one of ``transaction_id`` or
        ``out_trade_no``. The response means "accepted", and the final state arrives as a REFUND.*
        notification or through :meth:`query_refund_by_out_refund_no`."""
        return self._call(
            "refund",
            lambda: self._native.refund(
                out_refund_no=out_refund_no,
                refund=refund,
                total=total,
                currency=currency,
                transaction_id=transaction_id,
                out_trade_no=out_trade_no,
                reason=reason,
                source=source,
                notify_url=notify_url,
            ),
            Refund.from_dict,
        )

    def query_refund_by_id(self, refund_id: str) -> Refund:
        """Query a refund by WeChat Pay's refund id."""
        return self._call(
            "query_refund_by_id",
            lambda: self._native.query_refund_by_id(refund_id),
            Refund.from_dict,
        )

    def query_refund_by_out_refund_no(self, out_refund_no: str) -> Refund:
        """Query a refund by your ``out_refund_no``."""
        return self._call(
            "query_refund_by_out_refund_no",
            lambda: self._native.query_refund_by_out_refund_no(out_refund_no),
            Refund.from_dict,
        )

    def list_refunds(
        self,
        *,
        transaction_id: Optional[str] = None,
        out_trade_no: Optional[str] = None,
        offset: int = 0,
        count: int = 10,
    ) -> RefundList:
        """List one page (``count`` 1 to 20) of an order's refunds."""
        return self._call(
            "list_refunds",
            lambda: self._native.list_refunds(
                transaction_id=transaction_id, out_trade_no=out_trade_no, offset=offset, count=count
            ),
            RefundList.from_dict,
        )

    # ----- certificates and notifications -----

    def download_certificates(self) -> List[PlatformCertificate]:
        """Download, decrypt and verify the platform certificates; returns them newest first."""
        return self._call("download_certificates", self._native.download_certificates, _certificates)

    def build_authorization(
        self,
        method: str,
        target: str,
        body: Union[bytes, bytearray, memoryview, str] = b"",
        *,
        timestamp: Optional[int] = None,
        nonce: Optional[str] = None,
    ) -> str:
        """Return the ``Authorization`` header for a request to an endpoint papay does not model.

        The header signs ``method``, ``target`` (path and query exactly as on the request line)
        and the exact ``body`` bytes you send, with this client's merchant key and serial
        number. ``timestamp`` (Unix seconds) defaults to now and ``nonce`` to a fresh random
        one; pass both to reproduce the ``sign_information`` WeChat Pay returns with a
        SIGN_ERROR. Raises :class:`~papay.errors.InvalidArgumentError` naming the part that
        would not sign what is sent. No network call; the GIL is released while signing.
        """
        return self._native.build_authorization(method, target, body_bytes(body), timestamp, nonce)

    def platform_certificates(self) -> List[PlatformCertificate]:
        """Return the cached platform certificates without a network call."""
        return _certificates(self._native.platform_certificates())

    def parse_notification(
        self, headers: HeadersLike, body: Union[bytes, bytearray, memoryview, str]
    ) -> Notification:
        """Verify, decrypt and parse a notification from its headers and raw body bytes.

        Raises a :class:`~papay.errors.PayError` subclass when the notification is not
        authentic or not understood; respond with :meth:`NotificationAnswer.failure` then.
        """
        pairs = normalize_headers(headers)
        raw = body_bytes(body)
        return self._call(
            "parse_notification",
            lambda: self._native.parse_notification(pairs, raw),
            Notification.from_native,
        )


def _none(_value: Any) -> None:
    return None


def _log_failure(endpoint: str, started: float, error: PayError) -> None:
    elapsed_ms = (time.monotonic() - started) * 1000
    logger.debug("papay %s failed after %.1f ms: %s", endpoint, elapsed_ms, error)


def _log_success(endpoint: str, started: float) -> None:
    logger.debug("papay %s succeeded in %.1f ms", endpoint, (time.monotonic() - started) * 1000)


class Client(_Endpoints):
    """Blocking WeChat Pay Global Auto-Debit client; safe to share between threads.

    Every method releases the GIL while the Rust core signs, sends, verifies and parses.
    See :meth:`_Endpoints.__init__` for the constructor arguments.
    """

    def _call(self, endpoint: str, start: Callable[[], Any], convert: Callable[[Any], T]) -> T:
        if not logger.isEnabledFor(logging.DEBUG):
            # The timing below costs as much as a third of a notification parse's Python work.
            return convert(start().wait())
        started = time.monotonic()
        try:
            value = start().wait()
        except PayError as error:
            _log_failure(endpoint, started, error)
            raise
        _log_success(endpoint, started)
        return convert(value)


class AsyncClient(_Endpoints):
    """asyncio WeChat Pay Global Auto-Debit client: the methods of :class:`Client`, awaitable.

    The awaitables are asyncio futures resolved by Rust tasks on a shared runtime, not a
    thread pool. Cancelling one does not stop the call already sent: it completes in the
    background and its result is dropped, so query by your merchant number afterwards.
    ``platform_certificates()`` and ``build_authorization()`` are not coroutines, because they
    make no network call.
    """

    def _call(self, endpoint: str, start: Callable[[], Any], convert: Callable[[Any], T]) -> Any:
        async def run() -> T:
            started = time.monotonic()
            try:
                value = await start()
            except PayError as error:
                _log_failure(endpoint, started, error)
                raise
            _log_success(endpoint, started)
            return convert(value)

        return run()
