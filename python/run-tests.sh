#!/usr/bin/env bash
# Builds the papay Python package into a virtual environment and runs its pytest suite against
# the embedded sandbox. Exits non-zero when the build or any test fails.
#
# Environment:
#   PYTHON            interpreter that creates the venv (default python3.11)
#   PAPAY_PY_VENV     venv location (default $CARGO_TARGET_DIR/python-venv)
#   CARGO_TARGET_DIR  shared Cargo target directory (default <repo>/target)
#   PYTEST_ARGS       extra pytest arguments, e.g. "-k fork -x"
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
python="${PYTHON:-python3.11}"
venv="${PAPAY_PY_VENV:-$CARGO_TARGET_DIR/python-venv}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "pytest>=8" "flask>=3" "fastapi>=0.110" "httpx>=0.27" "django>=4.2"

# A debug build (the dev profile) shares compiled dependencies with the other crates of the
# workspace; `pip install ./python` without this variable builds an optimised release wheel.
MATURIN_PEP517_ARGS="--profile dev" "$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$here"

cd "$here"
# bin/pytest, unlike `python -m pytest`, does not put the current directory on sys.path, so
# the tests import the installed package rather than the source tree.
# shellcheck disable=SC2086
"$venv/bin/pytest" -p no:cacheprovider tests ${PYTEST_ARGS:-}
