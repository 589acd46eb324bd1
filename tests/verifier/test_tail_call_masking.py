"""do_misc_fixups()' Spectre v1 masking of a tail call's index, against the kernel.

A prog array created by a caller without ``bpf_bypass_spec_v1()`` (no CAP_PERFMON, no CAP_SYS_ADMIN)
lacks ``map->bypass_spec_v1`` (array_map_alloc()); a tail call through it, whoever loads the program,
becomes ``if r3 >= max_entries goto +2; w3 &= index_mask; call bpf_tail_call``
(``pybpf.verifier.fixups_spectre.masked_tail_call``).  The helper compares the index as a u32, so a
64-bit index of 2**32 tail-calls slot 0 through a root's prog array but skips the call through an
unprivileged one; and a call site that sees two unprivileged prog arrays is refused ("tail_call
abusing map_ptr", EINVAL; the corpus theme ``conform_s23`` holds the verdicts).  Each case runs on the
kernel in a child process lacking the capabilities (``tests.caps``; skipped without root or bpf(2))
and on pybpf as ``UserBackend(Credentials(...))``; the engines run pybpf's xlated program.
"""

from __future__ import annotations

import errno
import os
import struct
from collections.abc import Callable

import pytest

import pybpf
from pybpf import uapi
from pybpf.isa import Instruction
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.libbpf import (
    ProgLoadOpts,
    TestRunOpts,
    bpf_map_create,
    bpf_map_update_elem,
    bpf_prog_load,
    bpf_prog_test_run_opts,
)
from pybpf.objects.credentials import CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, CAP_SYS_ADMIN, ROOT, Credentials
from pybpf.verifier.fixups_spectre import masked_tail_call
from tests.caps import restore_effective, run_without_caps, unprivileged_bpf_enabled
from tests.verifier.test_spectre import xlated_by_fd

UNPRIV_DROPS = frozenset({CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_PERFMON, CAP_BPF})
"""test_loader's unprivileged caller."""
SLOTS = 4
TARGET = "r0 = 42\nexit"
CALLER = """
    r3 = {index} ll
    r2 = 0 ll
    call 12
    r0 = 2
    exit
"""
"""A socket filter tail-calling slot ``index`` of the prog array (its fd patched into the lddw)."""


def _load(text: str, map_fd: int | None, backend: Backend) -> int:
    insns = pybpf.assemble(text)
    if map_fd is not None:
        at = next(i for i, insn in enumerate(insns) if insn.opcode == 0x18 and insn.dst == 2)
        insns[at] = Instruction(0x18, 2, uapi.BPF_PSEUDO_MAP_FD, 0, map_fd, 0)
    code = b"".join(insn.encode() for insn in insns)
    opts = ProgLoadOpts(log_buf=bytearray(1 << 16), log_size=1 << 16, log_level=0)
    try:
        return bpf_prog_load(
            uapi.BPF_PROG_TYPE_SOCKET_FILTER, "t", "GPL", code, len(code) // 8, opts, backend=backend
        )
    except OSError as exc:
        raise OSError(exc.errno, bytes(opts.log_buf).rstrip(b"\0").decode()) from None


def _scenario(
    index: int, backend: Backend, privileged: Callable[[], Backend]
) -> tuple[int, list[Instruction]]:
    """Create the prog array (slot 0: a program returning 42), load the caller, run it once: (its
    return value, the xlated instructions before the tail call, read as test_loader does with every
    capability back -- ``privileged()``: the kernel shows no xlated program to a caller without
    CAP_BPF)."""
    fds: list[int] = []
    try:
        array = bpf_map_create(uapi.BPF_MAP_TYPE_PROG_ARRAY, "pa", 4, 4, SLOTS, backend=backend)
        fds.append(array)
        target = _load(TARGET, None, backend)
        fds.append(target)
        bpf_map_update_elem(array, struct.pack("<I", 0), struct.pack("<I", target), backend=backend)
        caller = _load(CALLER.format(index=index), array, backend)
        fds.append(caller)
        opts = TestRunOpts(data_in=bytes(64), data_out=bytearray(256), data_size_out=256, repeat=1)
        bpf_prog_test_run_opts(caller, opts, backend=backend)
        xlated = xlated_by_fd(caller, privileged())
        call = next(i for i, insn in enumerate(xlated) if insn.opcode in (0x85, 0xF5))
        return opts.retval, xlated[:call]
    finally:
        for fd in fds:
            os.close(fd)


def _kernel(index: int, drop: frozenset[int]) -> tuple[int, list[Instruction]]:
    with unprivileged_bpf_enabled():
        result: tuple[int, list[Instruction]] = run_without_caps(
            drop, lambda: _scenario(index, NativeBackend(), _restored)
        )
    return result


def _restored() -> Backend:
    restore_effective()
    return NativeBackend()


def _pybpf(index: int, drop: frozenset[int]) -> tuple[int, list[Instruction]]:
    return _scenario(index, UserBackend(Credentials(ROOT.caps - drop, 0)), lambda: UserBackend(ROOT))


def _masked(xlated: list[Instruction]) -> bool:
    """Do the instructions before the tail call end with the bounds check and the mask?"""
    check = masked_tail_call(Instruction(0x85, 0, 0, 0, 12), SLOTS)[:2]
    return [(i.opcode, i.dst, i.off, i.imm) for i in xlated[-2:]] == [
        (i.opcode, i.dst, i.off, i.imm) for i in check
    ]


CALLERS = {
    "unprivileged": UNPRIV_DROPS,
    "cap_bpf_only": frozenset({CAP_SYS_ADMIN, CAP_PERFMON}),
    "root": frozenset(),
}


@pytest.mark.parametrize("caller", sorted(CALLERS))
@pytest.mark.parametrize("index", [0, 1, 1 << 32, (1 << 32) + 1])
def test_same_result_and_mask_as_the_kernel(caller: str, index: int) -> None:
    drop = CALLERS[caller]
    theirs = _kernel(index, drop)
    ours = _pybpf(index, drop)
    assert ours[0] == theirs[0]
    assert _masked(ours[1]) == _masked(theirs[1]) == (caller != "root")


def test_a_64bit_index_skips_the_call_only_through_an_unprivileged_array() -> None:
    """What the mask changes (pybpf alone, no kernel needed): slot 2**32 is slot 0 to the helper."""
    assert _pybpf(1 << 32, frozenset())[0] == 42
    assert _pybpf(1 << 32, UNPRIV_DROPS)[0] == 2
    assert _pybpf(0, UNPRIV_DROPS)[0] == 42


def test_unprivileged_array_sizes_past_2_31_are_e2big() -> None:
    """array_map_alloc() rounds an unprivileged array up to a power of two: past 2**31 entries that
    overflows (E2BIG, before any memory is asked for); a root's array is not rounded."""
    backend = UserBackend(Credentials(ROOT.caps - UNPRIV_DROPS, 0))
    with pytest.raises(OSError) as refused:
        bpf_map_create(uapi.BPF_MAP_TYPE_ARRAY, "big", 4, 1, (1 << 31) + 1, backend=backend)
    assert refused.value.errno == errno.E2BIG
