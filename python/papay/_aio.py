"""Glue between Rust tasks and asyncio, called by the native module."""

from __future__ import annotations

import atexit
import os
from typing import TYPE_CHECKING, Any, Optional

from . import _native

# Keeps tokio worker threads from entering the interpreter while it finalizes, which would abort
# the process. A call that finishes after this point is dropped.
atexit.register(_native.before_exit)
os.register_at_fork(after_in_child=_native.after_fork_in_child)

if TYPE_CHECKING:
    # Only for the annotation: importing asyncio would add about 20 ms to `import papay`.
    import asyncio


def resolve(future: asyncio.Future, error: Optional[BaseException], value: Any) -> None:
    """Set the outcome of ``future`` on its loop's thread, unless it was cancelled meanwhile."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)
