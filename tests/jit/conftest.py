"""Fixtures of the JIT tests: ``services`` counts what compiled code asks the Python trampoline for."""

from __future__ import annotations

from collections import Counter

import pytest

from pybpf.jit.runtime import JitSession


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """What the JIT's runs asked the trampoline for (helper ids and ``Op`` values)."""
    asked: Counter[int] = Counter()
    real = JitSession.service

    def service(self: JitSession, op: int, args: tuple[int, int, int, int, int], pc: int) -> int:
        asked[op] += 1
        return real(self, op, args, pc)

    monkeypatch.setattr(JitSession, "service", service)
    return asked
