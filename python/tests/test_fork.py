"""A client built before os.fork() keeps working in the child, as under gunicorn or Celery."""

from __future__ import annotations

import json
import os
import sys

import pytest

from conftest import sign_contract

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")


def run_in_child(work) -> dict:
    """Run ``work()`` in a forked child and return the dict it produced (or its error)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            result = {"ok": True, "value": work()}
        except BaseException as error:  # report every failure to the parent
            result = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        with os.fdopen(write_end, "w") as pipe:
            json.dump(result, pipe)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        output = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return json.loads(output)


def test_client_used_before_fork_works_in_child(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    parent_contract = client.query_contract_by_id(contract_id)
    parent_pid = client._native.built_in_pid()

    def work():
        contract = client.query_contract_by_id(contract_id)
        return {"contract_id": contract.contract_id, "built_in_pid": client._native.built_in_pid(), "pid": os.getpid()}

    result = run_in_child(work)
    assert result["ok"], result.get("error")
    assert result["value"]["contract_id"] == parent_contract.contract_id
    assert result["value"]["built_in_pid"] == result["value"]["pid"]
    assert result["value"]["pid"] != parent_pid


def test_parent_client_still_works_after_fork(sandbox, client):
    contract_id = sign_contract(sandbox, client)
    result = run_in_child(lambda: client.query_contract_by_id(contract_id).state)
    assert result["ok"], result.get("error")
    assert client.query_contract_by_id(contract_id).contract_id == contract_id
    assert client._native.built_in_pid() == os.getpid()


def test_async_client_after_fork(sandbox):
    import asyncio

    client = sandbox.async_client()
    contract_id = sign_contract(sandbox, sandbox.client())
    asyncio.run(client.query_contract_by_id(contract_id))

    def work():
        contract = asyncio.run(client.query_contract_by_id(contract_id))
        return contract.contract_id

    result = run_in_child(work)
    assert result["ok"], result.get("error")
    assert result["value"] == contract_id


if sys.platform == "darwin":  # pragma: no cover - fork after threads is unsafe on macOS
    pytestmark = pytest.mark.skip(reason="fork with running threads is unsupported on macOS")
