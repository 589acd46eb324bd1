#!/usr/bin/env bash
# Create .venv (if missing) and install pybpf with its development tools into it.
# Idempotent: a second run only checks that everything is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
# libatomic makes the interpreter's atomic instructions atomic across processes (pybpf.vm.atomics);
# install it when missing and we may (root with apt), otherwise pybpf falls back with a warning.
if ! ldconfig -p 2>/dev/null | grep -q 'libatomic\.so\.1'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libatomic1 >/dev/null || true
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.pybpf-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  touch "$stamp"
fi
