"""A local WeChat Pay for tests: the papay sandbox, running in this process on 127.0.0.1.

The sandbox verifies every request's signature, responds with WeChat Pay's status codes and
error bodies, signs its responses with a throwaway platform key, keeps contracts, orders and
refunds in memory, plays the user (confirm a signing, terminate in WeChat, finish a payment)
and delivers signed, encrypted notifications. Nothing leaves the machine: notifications go only
to loopback addresses.

::

    from papay.sandbox import Sandbox

    with Sandbox() as sandbox:
        client = sandbox.client()
        session = client.app_pre_sign(plan_id=sandbox.credentials.plan_id, ...)
        sandbox.confirm_signing(session_id=session.session_id)
        delivery = sandbox.wait_for_delivery("PAPAY.SIGN")
        notification = client.parse_notification(delivery.headers, delivery.body)

By default notifications are redirected to a small receiver started with the sandbox, which
acknowledges every POST with 204, so ``wait_for_delivery`` sees them. Call
:meth:`Sandbox.set_notify_redirect` to send them to your own application instead.
Every notification URL's scheme, host and port are replaced by the redirect; the path stays.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, Dict, List, Optional, Sequence, Union

from . import _native
from .client import AsyncClient, Client
from .errors import SandboxError

__all__ = ["Sandbox", "SandboxCredentials", "Delivery", "ReceivedNotification", "SandboxError"]

TERMINATION_NOTIFY_URL = "https://merchant.example/papay/terminate-notify"
"""Termination URL the sandbox template uses unless another is given."""


@dataclasses.dataclass(frozen=True)
class SandboxCredentials:
    """Keys and ids a client needs to talk to the sandbox. ``repr`` hides both keys.

    The keys are throwaway values generated when the sandbox starts.
    """

    base_url: str
    mchid: str
    merchant_serial_no: str
    merchant_private_key_pem: str = dataclasses.field(repr=False)
    apiv3_key: str = dataclasses.field(repr=False)
    platform_serial_no: str
    platform_certificate_pem: str = dataclasses.field(repr=False)
    public_key_id: str
    public_key_pem: str = dataclasses.field(repr=False)
    appid: str
    sp_appid: str
    sub_mchid: str
    plan_id: int
    openid: str


@dataclasses.dataclass(frozen=True)
class Delivery:
    """One notification the sandbox created, with what happened to its delivery.

    ``headers`` and ``body`` are exactly what the last delivery attempt sent, so they can be
    handed to ``Client.parse_notification`` or a framework test client. ``headers`` is empty
    when the notification was never sent (no deliverable URL).
    """

    id: str
    event_type: str
    url: str
    attempts: int
    acknowledged: bool
    last_status: Optional[int]
    body: bytes = dataclasses.field(repr=False)
    headers: Dict[str, str] = dataclasses.field(repr=False)
    resource_plaintext: str = dataclasses.field(repr=False)
    last_error: Optional[str] = None

    @classmethod
    def from_native(cls, data: Dict[str, Any]) -> "Delivery":
        """Build a delivery from the sandbox's record."""
        return cls(
            id=data["id"],
            event_type=data["event_type"],
            url=data["url"],
            attempts=data["attempts"],
            acknowledged=data["acknowledged"],
            last_status=data.get("last_status"),
            body=data["body"].encode("utf-8"),
            headers={name: value for name, value in data["headers"]},
            resource_plaintext=data["resource_plaintext"],
            last_error=data.get("last_error"),
        )


@dataclasses.dataclass(frozen=True)
class ReceivedNotification:
    """A POST the built-in receiver acknowledged."""

    path: str
    headers: Dict[str, str] = dataclasses.field(repr=False)
    body: bytes = dataclasses.field(repr=False)


class _Receiver:
    """Acknowledges every POST with 204 and keeps what arrived."""

    def __init__(self) -> None:
        # Imported here, not at the top: http.server pulls in the email and http.client
        # packages, a third of `import papay`'s time, and only sandbox users need it.
        import http.server

        self.received: List[ReceivedNotification] = []
        lock = threading.Lock()
        received = self.received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with lock:
                    received.append(ReceivedNotification(self.path, dict(self.headers.items()), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # the sandbox records every delivery; stderr lines would only add noise

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="papay-sandbox-receiver", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Sandbox:
    """The sandbox as a context manager; :meth:`start` and :meth:`close` work too.

    Args:
        plan_ids: Auto-Debit template ids the merchant may sign (default ``[999]``).
        termination_notify_url: where PAPAY.TERMINATE goes (WeChat takes it per template).
        retry_schedule: seconds between notification delivery attempts; WeChat's real
            schedule spans hours, the default here is five retries 0.2 s apart.
        refund_delay: seconds from a refund's acceptance to its final state.
        pretty_notifications: send notification bodies with unusual whitespace and key
            order, so only a receiver that verifies the raw bytes passes.
        acknowledge_notifications: start the built-in 204 receiver and redirect to it.
    """

    def __init__(
        self,
        *,
        mchid: Optional[str] = None,
        appid: Optional[str] = None,
        sp_appid: Optional[str] = None,
        sub_mchids: Optional[Sequence[str]] = None,
        plan_ids: Optional[Sequence[int]] = None,
        termination_notify_url: Optional[str] = TERMINATION_NOTIFY_URL,
        notify_redirect: Optional[str] = None,
        retry_schedule: Sequence[float] = (0.2, 0.2, 0.2, 0.2, 0.2),
        refund_retry_schedule: Sequence[float] = (0.2, 0.2, 0.2, 0.2, 0.2),
        refund_delay: float = 0.1,
        pretty_notifications: bool = False,
        apiv3_key: Optional[str] = None,
        acknowledge_notifications: bool = True,
    ) -> None:
        self._options = dict(
            mchid=mchid,
            appid=appid,
            sp_appid=sp_appid,
            sub_mchids=list(sub_mchids) if sub_mchids is not None else None,
            plan_ids=list(plan_ids) if plan_ids is not None else None,
            termination_notify_url=termination_notify_url,
            notify_redirect=notify_redirect,
            retry_schedule=[float(s) for s in retry_schedule],
            refund_retry_schedule=[float(s) for s in refund_retry_schedule],
            refund_delay=float(refund_delay),
            pretty_notifications=pretty_notifications,
            apiv3_key=apiv3_key,
        )
        self._acknowledge = acknowledge_notifications and notify_redirect is None
        self._native: Optional[Any] = None
        self._receiver: Optional[_Receiver] = None

    # ----- lifecycle -----

    def start(self) -> "Sandbox":
        """Start listening on an ephemeral port of 127.0.0.1."""
        if self._native is not None:
            return self
        self._native = _native.NativeSandbox(**self._options)
        if self._acknowledge:
            self._receiver = _Receiver()
            self._native.set_notify_redirect(self._receiver.url)
        return self

    def close(self) -> None:
        """Stop the sandbox and the receiver; pending deliveries are dropped."""
        if self._native is not None:
            self._native.shutdown()
            self._native = None
        if self._receiver is not None:
            self._receiver.close()
            self._receiver = None

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *_exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = self.base_url if self._native is not None else "stopped"
        return f"Sandbox({state})"

    @property
    def _running(self) -> Any:
        if self._native is None:
            raise SandboxError("the sandbox is not running; use it inside `with Sandbox() as sandbox:`")
        return self._native

    # ----- identity -----

    @property
    def base_url(self) -> str:
        """Base URL of the API, e.g. ``http://127.0.0.1:41234``."""
        return self._running.base_url()

    @property
    def credentials(self) -> SandboxCredentials:
        """Keys and ids of the sandbox merchant, with the platform certificate in use now."""
        return SandboxCredentials(**self._running.credentials())

    @property
    def received(self) -> List[ReceivedNotification]:
        """POSTs the built-in receiver acknowledged, oldest first."""
        return list(self._receiver.received) if self._receiver is not None else []

    def client(self, *, institutional: bool = False, **overrides: Any) -> Client:
        """Build a :class:`papay.Client` for this sandbox (Common mode unless ``institutional``).

        ``overrides`` replace constructor arguments, e.g. ``timeout=1``.
        """
        return Client(**self._client_arguments(institutional, overrides))

    def async_client(self, *, institutional: bool = False, **overrides: Any) -> AsyncClient:
        """Build a :class:`papay.AsyncClient` for this sandbox."""
        return AsyncClient(**self._client_arguments(institutional, overrides))

    def _client_arguments(self, institutional: bool, overrides: Dict[str, Any]) -> Dict[str, Any]:
        credentials = self.credentials
        arguments: Dict[str, Any] = dict(
            mchid=credentials.mchid,
            serial_no=credentials.merchant_serial_no,
            private_key=credentials.merchant_private_key_pem,
            apiv3_key=credentials.apiv3_key,
            base_url=credentials.base_url,
            timeout=10,
        )
        if institutional:
            arguments.update(sp_appid=credentials.sp_appid, sub_mchid=credentials.sub_mchid)
        else:
            arguments.update(appid=credentials.appid)
        arguments.update(overrides)
        return arguments

    # ----- playing the user -----

    def confirm_signing(
        self,
        *,
        session_id: Optional[str] = None,
        plan_id: Optional[int] = None,
        out_contract_code: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Play the user signing: creates a SIGNED contract and sends PAPAY.SIGN.

        Give the ``session_id`` of a Mini Program or APP pre-sign, or ``plan_id`` and
        ``out_contract_code`` (for H5, JSAPI and PC Web, whose responses carry a URL). Returns
        the contract as a dict with ``contract_id``.
        """
        return self._running.confirm_signing(session_id=session_id, plan_id=plan_id, out_contract_code=out_contract_code)

    def cancel_signing(
        self,
        *,
        session_id: Optional[str] = None,
        plan_id: Optional[int] = None,
        out_contract_code: Optional[str] = None,
    ) -> None:
        """Play the user abandoning a signing; nothing is notified."""
        self._running.cancel_signing(session_id=session_id, plan_id=plan_id, out_contract_code=out_contract_code)

    def terminate_by_user(self, contract_id: str) -> Dict[str, Any]:
        """Play the user ending a contract in WeChat; sends PAPAY.TERMINATE (mode USER)."""
        return self._running.terminate_by_user(contract_id)

    def complete_payment(self, out_trade_no: str) -> None:
        """Play the user finishing a USERPAYING payment; sends TRANSACTION.SUCCESS."""
        self._running.complete_payment(out_trade_no)

    def set_next_deduction_outcome(self, outcome: str) -> None:
        """Make the next deduction ``SUCCESS`` (default) or ``USERPAYING``."""
        self._running.set_next_deduction_outcome(outcome)

    def set_next_refund_outcome(self, outcome: str) -> None:
        """Make the next refund end ``SUCCESS`` (default), ``ABNORMAL`` or ``CLOSED``."""
        self._running.set_next_refund_outcome(outcome)

    # ----- platform certificates -----

    def rotate_platform_certificate(self) -> str:
        """Issue a new platform certificate and sign with it from now on; returns its serial."""
        return self._running.rotate_platform_certificate()

    def publish_platform_certificate(self) -> str:
        """List a new platform certificate without signing with it yet; returns its serial."""
        return self._running.publish_platform_certificate()

    def use_platform_certificate(self, serial_no: str) -> None:
        """Sign with a listed platform certificate from now on."""
        self._running.use_platform_certificate(serial_no)

    def expire_platform_certificates(self) -> None:
        """Re-issue the signing certificate with a validity that ended yesterday."""
        self._running.expire_platform_certificates()

    def use_public_key_id(self, enabled: bool = True) -> None:
        """Sign with the WeChat Pay public key (``Wechatpay-Serial: PUB_KEY_ID_...``)."""
        self._running.use_public_key_id(enabled)

    # ----- faults and notifications -----

    def inject_fault(
        self,
        fault: Union[str, Dict[str, Any]],
        *,
        method: Optional[str] = None,
        path_contains: Optional[str] = None,
        times: int = 1,
    ) -> None:
        """Make matching API requests fail; ``times=0`` means until :meth:`clear_faults`.

        ``fault`` is ``{"delay_ms": N}``, ``{"process_then_delay_ms": N}``,
        ``{"process_then_status": S}``, ``{"error": {"status", "code", "message"}}``,
        ``{"html_page": S}``, or one of ``"invalid_json"``, ``"bad_signature"``,
        ``"unknown_serial"``, ``"missing_signature_headers"``, ``"reset_mid_body"``,
        ``"close_connection"``. "process" faults apply the request before failing.
        """
        self._running.inject_fault(fault, method=method, path_contains=path_contains, times=times)

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self._running.clear_faults()

    def set_notify_redirect(self, url: Optional[str]) -> None:
        """Send notifications to ``url`` (``http://127.0.0.1:PORT``) instead; None removes it."""
        self._running.set_notify_redirect(url)

    def notifications(self) -> List[Delivery]:
        """Return every notification so far, oldest first."""
        return [Delivery.from_native(record) for record in self._running.notifications()]

    def wait_for_delivery(self, event_type: str, timeout: float = 10.0) -> Delivery:
        """Wait for the next acknowledged notification of ``event_type`` not returned before.

        Raises :class:`SandboxError` when none arrives within ``timeout`` seconds.
        """
        return Delivery.from_native(self._running.wait_for_delivery(event_type, float(timeout)))

    def requests(self) -> List[Dict[str, Any]]:
        """API requests received, oldest first: method, target, status, signature_verified."""
        return self._running.requests()

    def charge_count(self, out_trade_no: str) -> int:
        """Return how many times money moved for ``out_trade_no``: 0 or 1 for a correct client."""
        return self._running.charge_count(out_trade_no)

