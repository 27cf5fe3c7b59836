"""examples/autodebit_flow.py runs the whole lifecycle to the end."""

from __future__ import annotations

import pathlib
import subprocess
import sys

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "autodebit_flow.py"


def test_autodebit_flow_example_runs():
    result = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{sys.executable} {EXAMPLE} failed:\n{result.stdout}\n{result.stderr}"
    assert "notification PAPAY.TERMINATE" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("done")
