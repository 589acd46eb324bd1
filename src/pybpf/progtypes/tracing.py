"""Program types attached through perf events: BPF_PROG_TYPE_KPROBE and BPF_PROG_TYPE_TRACEPOINT.

Mirrors kernel/trace/bpf_trace.c of Linux 6.18: ``kprobe_prog_func_proto`` / ``tp_prog_func_proto``
(``bpf_tracing_func_proto`` plus get_stackid, get_stack, get_func_ip and get_attach_cookie: the same
set as a raw tracepoint's, measured on the kernel, so ``RAW_TP_FUNC_IDS`` serves all three),
``kprobe_prog_is_valid_access`` and ``tp_prog_is_valid_access``.

* KPROBE: the ctx is the probed function's ``struct pt_regs`` (168 bytes on x86-64), read-only,
  any size aligned to itself.  Programs built with libbpf's ``PT_REGS_PARM1(ctx)`` read its fields.
* TRACEPOINT: the ctx is the tracepoint's record (``struct trace_event_raw_<name>``), read-only,
  aligned, from byte 8 (past the common header the kernel keeps to itself) up to
  ``PERF_MAX_TRACE_SIZE`` (8192).

Neither type has a BPF_PROG_TEST_RUN (ENOTSUPP, the contract's default): they load, and user space
attaches them to a perf event, which pybpf does not model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pybpf.helpers.perf_output import PERF_EVENT_OUTPUT, perf_event_output
from pybpf.helpers.registry import Helper
from pybpf.progtypes.base import ProgType
from pybpf.progtypes.generic import RAW_TP_FUNC_IDS
from pybpf.progtypes.registry import register
from pybpf.uapi import BPF_PROG_TYPE_KPROBE, BPF_PROG_TYPE_TRACEPOINT

PT_REGS_SIZE = 21 * 8
"""``sizeof(struct pt_regs)`` on x86-64 (arch/x86/include/asm/ptrace.h: 21 saved registers), the
machine pybpf models."""
PERF_MAX_TRACE_SIZE = 8192
"""include/linux/trace_events.h: the largest tracepoint record a program may read."""
TRACE_COMMON_SIZE = 8
"""``struct trace_entry`` (type, flags, preempt_count, pid): the bytes a tracepoint program may not read."""


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


__all__ = ["PERF_MAX_TRACE_SIZE", "PT_REGS_SIZE", "KprobeProgType", "TracepointProgType"]
