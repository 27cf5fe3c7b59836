"""The interpreter exits cleanly while AsyncClient calls finish on Rust worker threads."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Awaits 300 queries one by one, so the worker that delivered the last response may still be
# inside the interpreter when asyncio.run returns. Then leaves 50 in flight: asyncio.run cancels
# their awaitables, and the interpreter exits while Rust tasks are still completing them.
# Without the exit hook, about one run in three aborted.
SCRIPT = textwrap.dedent(
    """
    import asyncio
    from papay.sandbox import Sandbox

    # Not closed on purpose: the sandbox keeps responding while the interpreter exits.
    sandbox = Sandbox().start()
    client = sandbox.async_client()

    async def main():
        for _ in range(300):
            try:
                await client.query_order_by_out_trade_no("NOSUCHORDER")
            except Exception:
                pass
        for _ in range(50):
            asyncio.ensure_future(client.query_order_by_out_trade_no("NOSUCHORDER"))
        await asyncio.sleep(0)

    asyncio.run(main())
    print("exiting")
    """
)


def test_exit_with_async_calls_in_flight_is_clean(tmp_path):
    for _ in range(6):
        # From an empty directory, so that `python -c` imports the installed package and not
        # the source tree next to the tests.
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, cwd=tmp_path
        )
        assert "Fatal Python error" not in done.stderr
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == "exiting"


# An exit handler registered before `import papay` runs after papay's own, when no worker may
# deliver a result any more: its await must fail at once instead of hanging.
LATE_SCRIPT = textwrap.dedent(
    """
    import asyncio
    import atexit

    def late():
        async def query():
            try:
                await client.query_order_by_out_trade_no("NOSUCHORDER")
            except papay.PayError as error:
                print(error.code)

        asyncio.run(query())

    atexit.register(late)

    import papay
    from papay.sandbox import Sandbox

    sandbox = Sandbox().start()
    client = sandbox.async_client()
    """
)


def test_await_after_exit_hook_fails_fast(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", LATE_SCRIPT], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "INTERNAL"
