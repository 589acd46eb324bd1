#!/usr/bin/env bash
# Set up the environment and run the whole test suite plus the linters (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/ruff format --check --quiet src tests benchmarks scripts
.venv/bin/mypy
# the suite runs on the compiled verifier when setup built it (pybpf.native); say which
PYTHONPATH=src .venv/bin/python -c 'import pybpf.verifier; from pybpf import native; print("verifier:", native.status())'
.venv/bin/python -m pytest -n 2 "$@"
