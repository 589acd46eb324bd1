"""SOCKET_FILTER / SCHED_CLS / SCHED_ACT: allowed helpers, ctx access rules and the ctx rewrite.

Each rule is asked of the running kernel: helper ids 1..211 loaded as ``call N`` per type, every
aligned __sk_buff offset and size read and written, and the xlated program compared in shape
(length and opcodes) with pybpf's rewrite.
"""

from __future__ import annotations

import os

import pytest

from pybpf import assemble
from pybpf.isa.instruction import Instruction
from pybpf.progtypes import get_prog_type
from pybpf.progtypes.base import ProgType
from pybpf.progtypes.skb import OFF, SK_BUFF_SIZE, ctx_field_size, narrow_access_ok
from tests.progtypes import kernel_run
from tests.progtypes.runner import rewrite
from tests.progtypes.test_skb_support import SKB_TYPES, needs_kernel


def _type(number: int) -> ProgType:
    kind = get_prog_type(number)
    assert kind is not None
    return kind


def _loads(program: list[Instruction], prog_type: int) -> kernel_run.LoadError | None:
    try:
        fd = kernel_run.load(program, prog_type)
    except kernel_run.LoadError as err:
        return err
    os.close(fd)
    return None


def test_registered_names_and_sizes() -> None:
    names = {number: _type(number).name for number in SKB_TYPES}
    assert names == {1: "socket_filter", 3: "sched_cls", 4: "sched_act"}
    assert all(_type(number).ctx_size == SK_BUFF_SIZE == 192 for number in SKB_TYPES)


@pytest.mark.parametrize("prog_type", SKB_TYPES)
def test_own_helpers_are_allowed(prog_type: int) -> None:
    kind = _type(prog_type)
    assert all(kind.func_allowed(number) for number in kind.helpers())
    assert kind.func_allowed(26) and kind.func_allowed(68)  # skb_load_bytes(_relative) everywhere
    assert kind.func_allowed(9) == (prog_type != 1)  # socket filters cannot store bytes


@needs_kernel
@pytest.mark.parametrize("prog_type", SKB_TYPES)
def test_func_allowed_matches_kernel(prog_type: int) -> None:
    kind = _type(prog_type)
    differ = []
    for helper in range(1, 212):
        program = assemble(f"r0 = 0\ncall {helper}\nr0 = 0\nexit")
        err = _loads(program, prog_type)
        refused = err is not None and ("cannot use helper" in err.log or "invalid func" in err.log)
        if kind.func_allowed(helper) == refused:
            differ.append(helper)
    assert not differ, f"func_allowed differs from the kernel for helper ids {differ}"


def _access_program(off: int, size: int, write: bool) -> list[Instruction]:
    width = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}[size]
    if write:
        return assemble(f"r2 = 0\n*({width} *)(r1 + {off}) = r2\nr0 = 0\nexit")
    return assemble(f"r2 = *({width} *)(r1 + {off})\nr0 = 0\nexit")


@needs_kernel
@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
@pytest.mark.parametrize("prog_type", SKB_TYPES)
def test_is_valid_access_matches_kernel(prog_type: int, write: bool) -> None:
    kind = _type(prog_type)
    differ = []
    for size in (1, 2, 4, 8):
        for off in range(0, SK_BUFF_SIZE + 8, size):
            accepted = _loads(_access_program(off, size, write), prog_type) is None
            if kind.is_valid_access(off, size, write) != accepted:
                differ.append((off, size, accepted))
    assert not differ, f"(off, size, kernel accepts) where pybpf differs: {differ}"


def test_narrow_rules() -> None:
    assert narrow_access_ok(OFF["mark"] + 3, 1)
    assert narrow_access_ok(OFF["mark"] + 2, 2)
    assert not narrow_access_ok(OFF["mark"] + 2, 4)
    assert ctx_field_size(OFF["cb"] + 1) == 0 and ctx_field_size(OFF["len"]) == 4


# Fields whose kernel sequence uses BPF_REG_AX (tstamp under CONFIG_NET_XGRESS, skb_shinfo on
# 64-bit): pybpf emits the one load the sequence amounts to in a test run.
_AX_FIELDS = {"tstamp", "tstamp_type", "hwtstamp", "gso_segs", "gso_size"}


def _shape(program: list[Instruction]) -> list[int]:
    return [insn.opcode for insn in program]


@needs_kernel
@pytest.mark.parametrize("prog_type", SKB_TYPES)
def test_rewrite_has_the_kernels_shape(prog_type: int) -> None:
    kind = _type(prog_type)
    checked = []
    for name, off in OFF.items():
        if name in _AX_FIELDS:
            continue
        for size in (4, 2, 1, 8):
            program = _access_program(off + (size == 1 and name != "cb"), size, False)
            if not kind.is_valid_access(program[0].off, size, False):
                continue
            fd = kernel_run.load(program, prog_type)
            try:
                theirs = kernel_run.xlated(fd)
            finally:
                os.close(fd)
            assert _shape(rewrite(kind, program)) == _shape(theirs), (name, size)
            checked.append((name, size))
    assert len(checked) > 20


@pytest.mark.parametrize("prog_type", SKB_TYPES)
def test_writes_rewrite_to_kernel_widths(prog_type: int) -> None:
    kind = _type(prog_type)
    if prog_type == 1:
        assert not kind.is_valid_access(OFF["mark"], 4, True)
        assert kind.is_valid_access(OFF["cb"] + 2, 2, True)
        return
    (store,) = kind.convert_ctx_access(assemble(f"*(u32 *)(r1 + {OFF['tc_classid']}) = r2")[0])
    assert store.opcode & 0x18 == 0x08  # BPF_H: qdisc_skb_cb.tc_classid is 16 bits
    jump, store = kind.convert_ctx_access(assemble(f"*(u32 *)(r1 + {OFF['queue_mapping']}) = r3")[0])
    assert jump.imm == 0xFFFF and jump.dst == 3 and store.opcode & 0x18 == 0x08
