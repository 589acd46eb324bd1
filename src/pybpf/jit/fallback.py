"""Saying that a program runs on the interpreter because the JIT cannot take it.

Mirrors the kernel's quiet fallback in ``bpf_prog_select_runtime`` (kernel/bpf/core.c: a program
the JIT fails on runs on the interpreter when ``CONFIG_BPF_JIT_ALWAYS_ON`` is off), but not quietly:
one line on stderr, once per reason, so a missing llvmlite or an LLVM failure is seen, never a
traceback.
"""

from __future__ import annotations

import sys

_noticed: set[str] = set()


def notice(reason: str) -> None:
    """Say once per reason, on one line, that a program runs on the interpreter instead."""
    line = reason.splitlines()[0] if reason else "unknown reason"
    if line not in _noticed:
        _noticed.add(line)
        print(f"pybpf: the JIT is not used ({line}); running on the interpreter", file=sys.stderr)


__all__ = ["notice"]
