"""The program-type registry and the contract's defaults."""

from __future__ import annotations

import errno

import pytest

from pybpf.errors import BPFError
from pybpf.progtypes import (
    ENOTSUPP,
    ProgType,
    TestRunArgs,
    ctx_present,
    ctx_tail_zero,
    get_prog_type,
    prog_types,
    range_is_zero,
    repeat_runs,
)
from pybpf.progtypes.generic import RawTracepointProgType, SyscallProgType
from pybpf.progtypes.xdp import XdpProgType


def test_builtin_types_are_registered() -> None:
    assert isinstance(get_prog_type(6), XdpProgType)
    assert isinstance(get_prog_type(17), RawTracepointProgType)
    assert isinstance(get_prog_type(31), SyscallProgType)
    assert get_prog_type(6) is get_prog_type(6)
    names = {t.name for t in prog_types().values()}
    assert {"xdp", "raw_tracepoint", "syscall"} <= names


def test_unknown_type_is_none() -> None:
    assert get_prog_type(0) is None
    assert get_prog_type(10_000) is None


def test_ctx_sizes() -> None:
    assert XdpProgType.ctx_size == 24
    assert not XdpProgType.ctx_out_to_ctx_in
    assert SyscallProgType.ctx_out_to_ctx_in


def test_base_defaults_refuse_everything() -> None:
    base = ProgType()
    assert not base.func_allowed(1)
    assert not base.is_valid_access(0, 4, False)
    assert dict(base.helpers()) == {}
    with pytest.raises(BPFError) as info:
        base.check_test_run_attr(TestRunArgs())
    assert info.value.errno == ENOTSUPP


def test_ctx_tail_zero() -> None:
    assert ctx_tail_zero(None, 4) == bytes(4)
    assert ctx_tail_zero(b"\x01", 4) == b"\x01\0\0\0"
    assert ctx_tail_zero(b"\x01\x02\x03\x04\0\0", 4) == b"\x01\x02\x03\x04"
    with pytest.raises(BPFError) as info:
        ctx_tail_zero(bytes(4) + b"\x01", 4)
    assert info.value.errno == errno.E2BIG


def test_ctx_present_and_range_is_zero() -> None:
    assert not ctx_present(TestRunArgs())
    assert ctx_present(TestRunArgs(ctx_in=b""))
    assert ctx_present(TestRunArgs(ctx_size_out=4))
    assert range_is_zero(b"\0\0\1", 0, 2)
    assert not range_is_zero(b"\0\0\1", 0, 3)


def test_repeat_runs_counts_zero_as_one() -> None:
    calls: list[int] = []

    def once() -> int:
        calls.append(1)
        return len(calls)

    assert repeat_runs(0, once)[0] == 1
    assert repeat_runs(5, once)[0] == 6
    assert len(calls) == 6
