"""BPF_PROG_TYPE_FLOW_DISSECTOR: a program that dissects a packet into ``struct bpf_flow_keys``.

Mirrors net/core/filter.c ``flow_dissector_verifier_ops``/``flow_dissector_prog_ops`` and
net/core/flow_dissector.c ``bpf_flow_dissect``:

* ``flow_dissector_is_valid_access``: reads only (no __sk_buff field may be written), of data and
  data_end (4 bytes, not sign-extending: packet pointers) and flow_keys (8 bytes: a pointer to the
  flow keys, PTR_TO_FLOW_KEYS, whose accesses the verifier keeps within the struct:
  ``pybpf.verifier.checks.mem.check_flow_keys_access``); nothing else;
* ``flow_dissector_convert_ctx_access``: the three fields become loads from the kernel's
  ``struct bpf_flow_dissector`` {flow_keys, skb, data, data_end}, which ``FlowDissectorKern`` lays
  out as the kernel does, so the xlated program is the kernel's;
* direct packet access is read-only (``may_access_direct_pkt_data``); any return value;
* ``flow_dissector_func_proto`` for a root loader: ``bpf_base_func_proto`` and
  ``bpf_flow_dissector_load_bytes`` (helper 26; no ``bpf_perf_event_output``), read off the running
  kernel as the other types'; in a test run the dissector has no skb (``ctx->skb`` is NULL), so
  that helper zeroes its buffer and returns -EFAULT, as the kernel's does there;
* test_run: ``bpf_prog_test_run_flow_dissector`` (net/bpf/test_run.c): flags, cpu and batch_size
  must be 0, the packet 14..4096 bytes (``bpf_test_init``); the ctx is a ``struct bpf_flow_keys``
  (``bpf_ctx_init``, at most 56 bytes unless zero past them) of which only ``flags`` may be
  non-zero (``verify_user_bpf_flow_keys``); each run (``bpf_flow_dissect``) zeroes the flow keys,
  sets n_proto from the Ethernet header, nhoff = thoff = ETH_HLEN and the flags, runs the program
  with data at the Ethernet header, then clamps nhoff to [ETH_HLEN, size] and thoff to [nhoff,
  size]; data_out is the flow keys, ctx_out the ctx as it came in.
"""

from __future__ import annotations

import ctypes
import errno
from collections.abc import Mapping
from typing import ClassVar

from pybpf.errors import BPFError
from pybpf.helpers.context import HelperContext, RunEnv
from pybpf.helpers.registry import Helper
from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.words import M32, M64
from pybpf.progtypes.base import (
    ETH_HLEN,
    PAGE_SIZE,
    ProgramRunner,
    ProgType,
    TestRunArgs,
    TestRunResult,
    ctx_present,
    ctx_tail_zero,
    helper_ids,
    range_is_zero,
    repeat_runs,
)
from pybpf.progtypes.registry import register
from pybpf.progtypes.skb import OFF, SK_BUFF_SIZE
from pybpf.uapi import BPF_PROG_TYPE_FLOW_DISSECTOR, bpf_flow_keys, offsetof, offsetofend

FLOW_KEYS_SIZE = ctypes.sizeof(bpf_flow_keys)
SKB_LOAD_BYTES = 26
FLOW_DISSECTOR_HELPERS = helper_ids(
    (1, 3), (5, 8), 12, (14, 17), 22, 26, 35, 37, 42, 55, 80, (87, 89), (93, 94), (105, 106), 109,
    (112, 115), (117, 118), 120, 123, 125, (130, 134), (136, 141), (148, 149), (153, 154), (156, 158), 160,
    (164, 165), (169, 172), (175, 178), (180, 182), 191, (194, 203), (208, 211),
)  # fmt: skip
"""``flow_dissector_func_proto(id) != NULL`` on Linux 6.18 for a root loader (helper ids 1..211): the
networking base set (``BASE_FUNC_IDS``) without ``bpf_perf_event_output``, with helper 26."""


class FlowDissectorKern(ctypes.Structure):
    """The kernel's ``struct bpf_flow_dissector``: what the program's ctx pointer points to."""

    _fields_ = (
        ("flow_keys", ctypes.c_uint64),
        ("skb", ctypes.c_uint64),  # NULL in a test run
        ("data", ctypes.c_uint64),
        ("data_end", ctypes.c_uint64),
    )


_KERN_FIELD = {OFF["data"]: "data", OFF["data_end"]: "data_end", OFF["flow_keys"]: "flow_keys"}


def flow_dissector_load_bytes(
    ctx: HelperContext, _ctx: int, offset: int, to: int, length: int, _r5: int
) -> int:
    """``bpf_flow_dissector_load_bytes`` with ``ctx->skb`` NULL (a test run): the buffer zeroed, -EFAULT."""
    ctx.memory.write(to, bytes(length & M32))
    return -errno.EFAULT & M64


@register
class FlowDissector(ProgType):
    """BPF_PROG_TYPE_FLOW_DISSECTOR."""

    converts_ctx: ClassVar[bool] = True

    prog_type: ClassVar[int] = BPF_PROG_TYPE_FLOW_DISSECTOR
    name: ClassVar[str] = "flow_dissector"
    ctx_size: ClassVar[int] = SK_BUFF_SIZE

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in FLOW_DISSECTOR_HELPERS

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        if off < 0 or off >= SK_BUFF_SIZE or write:
            return False
        if off in (OFF["data"], OFF["data_end"]):
            return size == 4
        return off == OFF["flow_keys"] and size == 8

    def convert_ctx_access(self, insn: Instruction) -> list[Instruction]:
        where = getattr(FlowDissectorKern, _KERN_FIELD[insn.off]).offset
        return [Instruction(op.BPF_LDX | op.BPF_MEM | op.BPF_DW, insn.dst, insn.src, where)]

    def helpers(self) -> Mapping[int, Helper]:
        return {SKB_LOAD_BYTES: flow_dissector_load_bytes}

    def check_test_run_attr(self, args: TestRunArgs) -> None:
        if args.flags or args.cpu or args.batch_size:
            raise BPFError(errno.EINVAL, "flags, cpu and batch_size must be 0 for flow dissector programs")
        if not ETH_HLEN <= len(args.data_in) <= PAGE_SIZE:
            raise BPFError(errno.EINVAL, f"data_size_in must be {ETH_HLEN}..{PAGE_SIZE}")
        if ctx_present(args):
            check_user_flow_keys(ctx_tail_zero(args.ctx_in, FLOW_KEYS_SIZE))

    def test_run(self, runner: ProgramRunner, args: TestRunArgs) -> TestRunResult:
        self.check_test_run_attr(args)
        data = args.data_in
        size = len(data)
        user = ctx_tail_zero(args.ctx_in, FLOW_KEYS_SIZE) if ctx_present(args) else None
        flags = bpf_flow_keys.from_buffer_copy(user).flags if user is not None else 0
        packet = ctypes.create_string_buffer(data, size)
        keys = bpf_flow_keys()
        kern = FlowDissectorKern(
            ctypes.addressof(keys), 0, ctypes.addressof(packet), ctypes.addressof(packet) + size
        )
        memory = runner.memory
        regions = [
            memory.add_region(
                ctypes.addressof(kern), ctypes.sizeof(kern), writable=False, name="bpf_flow_dissector"
            ),
            memory.add_region(ctypes.addressof(keys), FLOW_KEYS_SIZE, writable=True, name="flow_keys"),
            memory.add_region(packet, size, writable=False, name="packet"),
        ]
        proto = int.from_bytes(data[12:14], "little")  # the __be16 as the kernel stores it
        env = RunEnv()

        def dissect() -> int:
            ctypes.memset(ctypes.addressof(keys), 0, FLOW_KEYS_SIZE)
            keys.n_proto, keys.nhoff, keys.thoff, keys.flags = proto, ETH_HLEN, ETH_HLEN, flags
            result = runner.run(ctypes.addressof(kern), env)
            keys.nhoff = min(max(keys.nhoff, ETH_HLEN), size)
            keys.thoff = min(max(keys.thoff, keys.nhoff), size)
            return result & M32

        try:
            retval, duration = repeat_runs(args.repeat, dissect)
        finally:
            for region in regions:
                memory.remove_region(region)
        return TestRunResult(retval, bytes(keys), user, duration)


def check_user_flow_keys(ctx: bytes) -> None:
    """``verify_user_bpf_flow_keys``: every byte but ``flags`` zero (EINVAL otherwise)."""
    flags_start, flags_end = offsetof(bpf_flow_keys, "flags"), offsetofend(bpf_flow_keys, "flags")
    if not range_is_zero(ctx, 0, flags_start) or not range_is_zero(ctx, flags_end, FLOW_KEYS_SIZE):
        raise BPFError(errno.EINVAL, "ctx_in: only the flags of struct bpf_flow_keys may be set")


__all__ = [
    "FLOW_DISSECTOR_HELPERS",
    "FLOW_KEYS_SIZE",
    "FlowDissector",
    "FlowDissectorKern",
    "check_user_flow_keys",
    "flow_dissector_load_bytes",
]
