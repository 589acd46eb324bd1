"""BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE: a raw tracepoint program that may write the tracepoint's buffer.

Mirrors kernel/trace/bpf_trace.c of Linux 6.18 (``raw_tracepoint_writable_verifier_ops``): the
helpers are a raw tracepoint's (``raw_tp_prog_func_proto``, measured the same set), the ctx its
up to 12 u64 arguments, read only (``raw_tp_prog_is_valid_access``), except that the first one,
read whole (8 bytes) -- and only so (``raw_tp_writable_prog_is_valid_access``) -- is the
tracepoint's writable buffer: a PTR_TO_TP_BUFFER (``ctx_pointer_fields``, which the verifier
reads), accessed as check_tp_buffer_access() allows (``pybpf.verifier.checks.mem``: not below it,
at a constant offset; the verifier keeps the furthest byte reached, ``max_tp_access``, which the
kernel compares with the tracepoint's writable size when the program is attached).

The kernel has no BPF_PROG_TEST_RUN for the type (ENOTSUPP, the contract's default), and pybpf
does not model attaching a program to a tracepoint (BPF_RAW_TRACEPOINT_OPEN): such programs load.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pybpf.helpers.perf_output import PERF_EVENT_OUTPUT, perf_event_output
from pybpf.helpers.registry import Helper
from pybpf.progtypes.base import ProgType
from pybpf.progtypes.generic import RAW_TP_CTX_MAX, RAW_TP_FUNC_IDS
from pybpf.progtypes.registry import register
from pybpf.uapi import BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE

TP_BUFFER_OFF = 0
"""The ctx offset of the pointer to the tracepoint's writable buffer (its first argument)."""


@register
class RawTracepointWritableProgType(ProgType):
    """BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE: a raw tracepoint's arguments, the first its buffer."""

    prog_type: ClassVar[int] = BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE
    name: ClassVar[str] = "raw_tracepoint_writable"
    ctx_size: ClassVar[int] = 0
    tp_buffer_field: ClassVar[int] = TP_BUFFER_OFF
    """The ctx offset whose read gives PTR_TO_TP_BUFFER (the verifier reads it)."""

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in RAW_TP_FUNC_IDS

    def helpers(self) -> Mapping[int, Helper]:
        return {PERF_EVENT_OUTPUT: perf_event_output}  # bpf_perf_event_output_raw_tp

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        """``raw_tp_writable_prog_is_valid_access``: the buffer pointer as a whole u64 read, then
        ``raw_tp_prog_is_valid_access``'s aligned reads of the arguments."""
        if off == TP_BUFFER_OFF and size != 8:
            return False
        return 0 <= off < RAW_TP_CTX_MAX and not write and off % size == 0


__all__ = ["TP_BUFFER_OFF", "RawTracepointWritableProgType"]
