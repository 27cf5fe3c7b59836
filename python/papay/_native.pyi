# Type stubs of the Rust extension module papay._native (bindings/python/src). Users import
# papay.Client, papay.AsyncClient and papay.sandbox instead; these are the shapes they call.
# Results are the core's JSON form as Python objects: dicts, lists, str, int, bool and None.

from typing import Any, Awaitable, Dict, Generator, List, Optional, Sequence, Tuple, Union

__version__: str

Json = Any

class PendingCall:
    """A Rust call not started yet; run it once with wait() or await."""

    def wait(self) -> Json: ...
    def __await__(self) -> Generator[Any, None, Json]: ...

class NativeClient:
    def __init__(
        self,
        *,
        mchid: str,
        serial_no: str,
        apiv3_key: bytes,
        private_key: Optional[bytes] = None,
        private_key_file: Optional[str] = None,
        appid: Optional[str] = None,
        sp_appid: Optional[str] = None,
        sub_mchid: Optional[str] = None,
        sub_appid: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        user_agent: Optional[str] = None,
        accept_language: Optional[str] = None,
        platform_certificates: Sequence[bytes] = ...,
        platform_public_keys: Sequence[Tuple[str, bytes]] = ...,
        download_certificates: bool = True,
        timestamp_window_seconds: Optional[int] = None,
        max_attempts: Optional[int] = None,
        fixed_time: Optional[int] = None,
    ) -> None: ...
    def built_in_pid(self) -> int: ...
    def mini_program_pre_sign(
        self,
        *,
        plan_id: int,
        out_contract_code: str,
        success_notify_url: str,
        openid: str,
        user_display_name: Optional[str] = None,
        expired_time: Optional[str] = None,
        user_client_ip: Optional[str] = None,
    ) -> PendingCall: ...
    def h5_pre_sign(
        self,
        *,
        plan_id: int,
        out_contract_code: str,
        success_notify_url: str,
        user_display_name: Optional[str] = None,
        expired_time: Optional[str] = None,
        user_client_ip: Optional[str] = None,
        return_appid: Optional[str] = None,
        return_url: Optional[str] = None,
    ) -> PendingCall: ...
    def jsapi_pre_sign(
        self,
        *,
        plan_id: int,
        out_contract_code: str,
        success_notify_url: str,
        openid: str,
        user_display_name: Optional[str] = None,
        expired_time: Optional[str] = None,
        return_url: Optional[str] = None,
    ) -> PendingCall: ...
    def web_pre_sign(
        self,
        *,
        plan_id: int,
        out_contract_code: str,
        success_notify_url: str,
        user_display_name: Optional[str] = None,
        expired_time: Optional[str] = None,
        return_url: Optional[str] = None,
    ) -> PendingCall: ...
    def app_pre_sign(
        self,
        *,
        plan_id: int,
        out_contract_code: str,
        success_notify_url: str,
        user_display_name: Optional[str] = None,
        expired_time: Optional[str] = None,
        openid: Optional[str] = None,
        user_client_ip: Optional[str] = None,
    ) -> PendingCall: ...
    def query_contract_by_id(self, contract_id: str) -> PendingCall: ...
    def query_contract_by_out_contract_code(self, *, plan_id: int, out_contract_code: str) -> PendingCall: ...
    def terminate_contract(self, *, contract_id: str, termination_note: str) -> PendingCall: ...
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
    ) -> PendingCall: ...
    def query_order_by_transaction_id(self, transaction_id: str) -> PendingCall: ...
    def query_order_by_out_trade_no(self, out_trade_no: str) -> PendingCall: ...
    def reverse_order(self, out_trade_no: str) -> PendingCall: ...
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
    ) -> PendingCall: ...
    def query_refund_by_id(self, refund_id: str) -> PendingCall: ...
    def query_refund_by_out_refund_no(self, out_refund_no: str) -> PendingCall: ...
    def list_refunds(
        self,
        *,
        transaction_id: Optional[str] = None,
        out_trade_no: Optional[str] = None,
        offset: int = 0,
        count: int = 10,
    ) -> PendingCall: ...
    def download_certificates(self) -> PendingCall: ...
    def build_authorization(
        self, method: str, target: str, body: bytes, timestamp: Optional[int] = ..., nonce: Optional[str] = ...
    ) -> str: ...
    def platform_certificates(self) -> List[Dict[str, str]]: ...
    def parse_notification(self, headers: Sequence[Tuple[str, str]], body: bytes) -> PendingCall: ...

class NativeSandbox:
    def __init__(
        self,
        *,
        port: int = 0,
        mchid: Optional[str] = None,
        appid: Optional[str] = None,
        sp_appid: Optional[str] = None,
        sub_mchids: Optional[Sequence[str]] = None,
        plan_ids: Optional[Sequence[int]] = None,
        termination_notify_url: Optional[str] = None,
        notify_redirect: Optional[str] = None,
        retry_schedule: Optional[Sequence[float]] = None,
        refund_retry_schedule: Optional[Sequence[float]] = None,
        refund_delay: Optional[float] = None,
        max_clock_skew: Optional[float] = None,
        pretty_notifications: bool = False,
        apiv3_key: Optional[str] = None,
    ) -> None: ...
    def base_url(self) -> str: ...
    def credentials(self) -> Dict[str, Any]: ...
    def shutdown(self) -> None: ...
    def confirm_signing(
        self, *, session_id: Optional[str] = None, plan_id: Optional[int] = None, out_contract_code: Optional[str] = None
    ) -> Dict[str, Any]: ...
    def cancel_signing(
        self, *, session_id: Optional[str] = None, plan_id: Optional[int] = None, out_contract_code: Optional[str] = None
    ) -> None: ...
    def terminate_by_user(self, contract_id: str) -> Dict[str, Any]: ...
    def complete_payment(self, out_trade_no: str) -> None: ...
    def set_next_deduction_outcome(self, outcome: str) -> None: ...
    def set_next_refund_outcome(self, outcome: str) -> None: ...
    def rotate_platform_certificate(self) -> str: ...
    def publish_platform_certificate(self) -> str: ...
    def use_platform_certificate(self, serial: str) -> None: ...
    def expire_platform_certificates(self) -> None: ...
    def use_public_key_id(self, enabled: bool) -> None: ...
    def set_notify_redirect(self, url: Optional[str]) -> None: ...
    def inject_fault(
        self, fault: Union[str, Dict[str, Any]], *, method: Optional[str] = None, path_contains: Optional[str] = None, times: int = 1
    ) -> None: ...
    def clear_faults(self) -> None: ...
    def notifications(self) -> List[Dict[str, Any]]: ...
    def wait_for_delivery(self, event_type: str, timeout: float = 10.0) -> Dict[str, Any]: ...
    def requests(self) -> List[Dict[str, Any]]: ...
    def charge_count(self, out_trade_no: str) -> int: ...

def launch_params(
    session_id: str, *, mini_program: Optional[str] = None, page: Optional[str] = None, session_key: Optional[str] = None
) -> Dict[str, Any]: ...
def parse_signing_return(data: str) -> Dict[str, Any]: ...
def qr_code_svg(url: str, module_pixels: int = 4) -> str: ...
def notification_answer(message: Optional[str] = None) -> Dict[str, Any]: ...
def before_exit() -> None: ...
def after_fork_in_child() -> None: ...
