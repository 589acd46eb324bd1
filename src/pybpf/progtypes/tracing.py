"""Program types attached through perf events: BPF_PROG_TYPE_KPROBE, _TRACEPOINT and _PERF_EVENT.

Mirrors kernel/trace/bpf_trace.c of Linux 6.18: ``kprobe_prog_func_proto`` / ``tp_prog_func_proto``
(``bpf_tracing_func_proto`` plus get_stackid, get_stack, get_func_ip and get_attach_cookie: the same
set as a raw tracepoint's, measured on the kernel, so ``RAW_TP_FUNC_IDS`` serves all three),
``pe_prog_func_proto`` (the same plus perf_prog_read_value and read_branch_records),
``kprobe_prog_is_valid_access``, ``tp_prog_is_valid_access``, ``pe_prog_is_valid_access`` and
``pe_prog_convert_ctx_access`` (with the verifier's narrow-load wrapping, ``convert_ctx_accesses``).

* KPROBE: the ctx is the probed function's ``struct pt_regs`` (168 bytes on x86-64), read-only,
  any size aligned to itself.  Programs built with libbpf's ``PT_REGS_PARM1(ctx)`` read its fields.
* TRACEPOINT: the ctx is the tracepoint's record (``struct trace_event_raw_<name>``), read-only,
  aligned, from byte 8 (past the common header the kernel keeps to itself) up to
  ``PERF_MAX_TRACE_SIZE`` (8192).
* PERF_EVENT: the ctx is ``struct bpf_perf_event_data`` (the interrupted registers, then
  ``sample_period`` and ``addr``), read-only: the registers as whole 8-byte words, the two u64
  fields also narrower.  Loads are rewritten to go through the kernel's
  ``struct bpf_perf_event_data_kern`` (regs and perf_sample_data pointers).

None of them has a BPF_PROG_TEST_RUN (ENOTSUPP, the contract's default): they load, and user space
attaches them to a probe or a perf event, which pybpf does not model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pybpf.helpers.perf_output import PERF_EVENT_OUTPUT, perf_event_output
from pybpf.helpers.registry import Helper
from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.progtypes.base import ProgType
from pybpf.progtypes.generic import RAW_TP_FUNC_IDS
from pybpf.progtypes.registry import register
from pybpf.progtypes.skb import narrow_access_ok
from pybpf.uapi import BPF_PROG_TYPE_KPROBE, BPF_PROG_TYPE_PERF_EVENT, BPF_PROG_TYPE_TRACEPOINT

PT_REGS_SIZE = 21 * 8
"""``sizeof(struct pt_regs)`` on x86-64 (arch/x86/include/asm/ptrace.h: 21 saved registers), the
machine pybpf models."""
PERF_MAX_TRACE_SIZE = 8192
"""include/linux/trace_events.h: the largest tracepoint record a program may read."""
TRACE_COMMON_SIZE = 8
"""``struct trace_entry`` (type, flags, preempt_count, pid): the bytes a tracepoint program may not read."""

PERF_EVENT_DATA_SIZE = PT_REGS_SIZE + 16
"""``sizeof(struct bpf_perf_event_data)``: the registers, ``sample_period`` and ``addr``."""
SAMPLE_PERIOD_OFF, ADDR_OFF = PT_REGS_SIZE, PT_REGS_SIZE + 8
KERN_REGS_OFF, KERN_DATA_OFF = 0, 8
"""``struct bpf_perf_event_data_kern``: the pointers to the registers and to the perf_sample_data."""
SAMPLE_DATA_FIELD_OFF = {SAMPLE_PERIOD_OFF: 8, ADDR_OFF: 184}
"""Where ``period`` and ``addr`` sit in Linux 6.18's ``struct perf_sample_data`` (x86-64, from its BTF)."""
PERF_EVENT_FUNC_IDS: frozenset[int] = RAW_TP_FUNC_IDS | {56, 119}
"""``pe_prog_func_proto``: the tracing helpers plus perf_prog_read_value and read_branch_records
(measured on Linux 6.18)."""


class _PerfEventAttached(ProgType):
    """What KPROBE and TRACEPOINT share: the tracing helpers, a read-only ctx."""

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in RAW_TP_FUNC_IDS

    def helpers(self) -> Mapping[int, Helper]:
        return {PERF_EVENT_OUTPUT: perf_event_output}  # bpf_perf_event_output's tracing flavour


@register
class KprobeProgType(_PerfEventAttached):
    """BPF_PROG_TYPE_KPROBE: the probed function's registers (``struct pt_regs``) as ctx."""

    prog_type: ClassVar[int] = BPF_PROG_TYPE_KPROBE
    name: ClassVar[str] = "kprobe"
    ctx_size: ClassVar[int] = PT_REGS_SIZE

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        return off >= 0 and off + size <= PT_REGS_SIZE and not write and off % size == 0


@register
class TracepointProgType(_PerfEventAttached):
    """BPF_PROG_TYPE_TRACEPOINT: the tracepoint's record as ctx."""

    prog_type: ClassVar[int] = BPF_PROG_TYPE_TRACEPOINT
    name: ClassVar[str] = "tracepoint"
    ctx_size: ClassVar[int] = 0

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        return TRACE_COMMON_SIZE <= off < PERF_MAX_TRACE_SIZE and not write and off % size == 0


def _ldx_dw(dst: int, src: int, off: int) -> Instruction:
    return Instruction(op.BPF_LDX | op.BPF_MEM | op.BPF_DW, dst, src, off)


def _rsh64(dst: int, shift: int) -> Instruction:
    return Instruction(op.BPF_ALU64 | op.ALU_OPS["rsh"] | op.BPF_K, dst, 0, 0, shift)


@register
class PerfEventProgType(_PerfEventAttached):
    """BPF_PROG_TYPE_PERF_EVENT: a perf event's sample (``struct bpf_perf_event_data``) as ctx."""

    converts_ctx: ClassVar[bool] = True

    prog_type: ClassVar[int] = BPF_PROG_TYPE_PERF_EVENT
    name: ClassVar[str] = "perf_event"
    ctx_size: ClassVar[int] = PERF_EVENT_DATA_SIZE

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in PERF_EVENT_FUNC_IDS

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        if off < 0 or off >= PERF_EVENT_DATA_SIZE or write or off % size:
            return False
        if off >= SAMPLE_PERIOD_OFF:
            return narrow_access_ok(off, size, 8)
        return size == 8

    def convert_ctx_access(self, insn: Instruction) -> list[Instruction]:
        """``pe_prog_convert_ctx_access``: two loads through bpf_perf_event_data_kern; a narrow read of
        sample_period or addr is widened to the u64, shifted (ALU64: the field is 8 bytes wide) and masked
        (ALU32, which also clears the upper half) as ``convert_ctx_accesses`` does."""
        size = op.SIZE_BYTES[insn.opcode & 0x18]
        dst, src = insn.dst, insn.src
        if insn.off < SAMPLE_PERIOD_OFF:
            return [_ldx_dw(dst, src, KERN_REGS_OFF), _ldx_dw(dst, dst, insn.off)]
        field = insn.off & ~7
        out = [_ldx_dw(dst, src, KERN_DATA_OFF), _ldx_dw(dst, dst, SAMPLE_DATA_FIELD_OFF[field])]
        if size < 8:
            shift = (insn.off & 7) * 8
            if shift:
                out.append(_rsh64(dst, shift))
            mask = (1 << (size * 8)) - 1 - (1 << 32) * (size == 4)  # as a signed 32-bit immediate
            out.append(Instruction(op.BPF_ALU | op.ALU_OPS["and"] | op.BPF_K, dst, 0, 0, mask))
        if insn.opcode & 0xE0 == op.BPF_MEMSX:
            out.append(Instruction(op.BPF_ALU64 | op.ALU_OPS["mov"] | op.BPF_X, dst, dst, size * 8))
        return out


__all__ = [
    "PERF_EVENT_FUNC_IDS",
    "PERF_MAX_TRACE_SIZE",
    "PT_REGS_SIZE",
    "KprobeProgType",
    "PerfEventProgType",
    "TracepointProgType",
]
