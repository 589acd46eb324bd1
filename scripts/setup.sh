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
# clang compiles the C test corpus (tests/data/c), llvm-mc and llvm-objdump are what the ISA and ELF
# tests cross-check pybpf's assembler, disassembler and object reader with, bpftool what they compare
# loading with.  The tests take the newest versioned tool on PATH (tests/llvm_tools.py: llvm-mc-19 before
# an unversioned llvm-mc, often an LLVM 14 that lacks the v4 instructions), so install the newest
# clang-N and llvm-N the distribution packages when none that new is installed (root with apt).
# Without them those tests skip; setup never fails.
newest_installed() {  # the highest N of an installed TOOL-N on PATH, or 0
  local tool=$1 best=0 dir entry n
  IFS=: read -r -a dirs <<<"$PATH"
  for dir in "${dirs[@]}"; do
    for entry in "$dir/$tool"-[0-9]*; do
      n=${entry##*/"$tool"-}
      [[ $n =~ ^[0-9]+$ && -x $entry && $n -gt $best ]] && best=$n
    done
  done
  echo "$best"
}
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  wanted=()
  packaged=$(apt-cache search --names-only '^llvm-[0-9]+$' 2>/dev/null | sed -n 's/^llvm-\([0-9]*\) .*/\1/p' | sort -n | tail -n 1)
  if [ -z "$packaged" ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    packaged=$(apt-cache search --names-only '^llvm-[0-9]+$' 2>/dev/null | sed -n 's/^llvm-\([0-9]*\) .*/\1/p' | sort -n | tail -n 1)
  fi
  if [ -n "$packaged" ]; then
    [ "$(newest_installed llvm-mc)" -ge "$packaged" ] && [ "$(newest_installed llvm-objdump)" -ge "$packaged" ] || wanted+=("llvm-$packaged")
    [ "$(newest_installed clang)" -ge "$packaged" ] || wanted+=("clang-$packaged")
  else
    command -v clang >/dev/null || wanted+=(clang)
    command -v llvm-objdump >/dev/null && command -v llvm-mc >/dev/null || wanted+=(llvm)
  fi
  command -v bpftool >/dev/null || wanted+=(bpftool)
  if [ ${#wanted[@]} -gt 0 ]; then
    { apt-cache show "${wanted[0]}" >/dev/null 2>&1 || apt-get update -qq; } >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null 2>&1 || true
  fi
  # BCC's libbpf-tools and xdp-tools: real-world objects that tests/elf/test_packaged_objects.py loads
  # and runs on the kernel and on pybpf; one at a time, as not every distribution packages them.
  for package in libbpf-tools xdp-tools xdp-tests libxdp1; do
    if ! dpkg -s "$package" >/dev/null 2>&1; then
      { apt-cache show "$package" >/dev/null 2>&1 || apt-get update -qq; } >/dev/null 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null 2>&1 || true
    fi
  done
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
# The compiled verifier (pybpf.native, scripts/build_native.py): mypyc (part of mypy, a dev dependency)
# turns the verifier's hot modules into C extensions in build/native.  It needs a C compiler and the
# Python headers: install them when missing and we may (root with apt).  Rebuilt only when the sources
# changed; when the build fails pybpf runs the pure-Python verifier (same results, slower): setup goes on.
if [ "${PYBPF_NATIVE:-1}" != 0 ]; then
  if ! .venv/bin/python scripts/build_native.py --check >/dev/null 2>&1; then
    headers=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      wanted=()
      command -v gcc >/dev/null || wanted+=(gcc)
      [ -f "$headers/Python.h" ] || wanted+=(python3-dev)
      if [ ${#wanted[@]} -gt 0 ]; then
        { apt-cache show "${wanted[0]}" >/dev/null 2>&1 || apt-get update -qq; } >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null 2>&1 || true
      fi
    fi
    mkdir -p build
    if .venv/bin/python scripts/build_native.py >build/native-build.log 2>&1; then
      tail -n 1 build/native-build.log
    else
      echo "native verifier: build failed (see build/native-build.log); pybpf uses the pure-Python verifier"
    fi
  fi
fi
