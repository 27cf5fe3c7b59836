"""Client-side helpers of the signing flows: app launch parameters, the data WeChat hands back
after signing, and the PC Web QR code.

Only the backend can confirm a contract, by the ``PAPAY.SIGN`` notification or a contract
query. What WeChat returns to the app travels through the user's device and is a UI hint.
"""

from __future__ import annotations

from typing import Optional

from . import _native
from .models import LaunchParams, SigningReturn

__all__ = ["launch_params", "parse_signing_return", "qr_code_svg"]


def launch_params(
    session_id: str,
    *,
    mini_program: Optional[str] = None,
    page: Optional[str] = None,
    session_key: Optional[str] = None,
) -> LaunchParams:
    """Build what an app (Open SDK) or Mini Program needs to open WeChat's signing page.

    The defaults are WeChat Pay's China-domestic signing Mini Program, page and session key;
    they are not confirmed for Global, so ``LaunchParams.verified`` is False. Override them
    when WeChat Pay gives you other values.
    """
    data = _native.launch_params(session_id, mini_program=mini_program, page=page, session_key=session_key)
    return LaunchParams.from_dict(data)


def parse_signing_return(data: str) -> SigningReturn:
    """Read the ``extMsg`` (apps) or ``referrerInfo.extraData`` (Mini Programs) WeChat returns.

    Accepts JSON and query-string forms; anything else gives ``outcome == "unknown"``.
    """
    return SigningReturn.from_dict(_native.parse_signing_return(data))


def qr_code_svg(url: str, module_pixels: int = 4) -> str:
    """Render a PC Web ``show_code_url`` as an SVG QR code (error correction M, 4-module quiet zone)."""
    return _native.qr_code_svg(url, module_pixels)
