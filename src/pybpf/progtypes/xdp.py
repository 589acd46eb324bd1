"""BPF_PROG_TYPE_XDP: the xdp_md context, its rewrite onto struct xdp_buff, helpers and test_run.

Mirrors net/core/filter.c (``xdp_func_proto``, ``xdp_is_valid_access``,
``xdp_convert_ctx_access``) and net/bpf/test_run.c (``bpf_prog_test_run_xdp``,
``xdp_convert_md_to_buff``/``xdp_convert_buff_to_md``) of Linux 6.18:

* ctx: ``struct xdp_md`` read-only, 4-byte aligned 4-byte reads; ``egress_ifindex`` only for
  BPF_XDP_DEVMAP programs, so never for plain XDP.  The rewrite loads from pybpf's ``xdp_buff``
  (``pybpf.progtypes.xdp_helpers``) with the kernel's shapes: data/data_end/data_meta are one
  64-bit load, ``rx_queue_index`` two (rxq, then queue_index), ``ingress_ifindex`` three (rxq,
  dev, ifindex).
* test_run: the packet gets XDP_PACKET_HEADROOM (256) bytes of headroom, minus the metadata
  ``ctx_in.data`` bytes; the linear part is ``ctx_in.data_end`` (default: all of data_in) capped at
  4096 - headroom - 320 (the skb_shared_info tailroom); the rest goes into fragments of up to 4096
  bytes (at most 17: ENOMEM).  ctx_in rules: data_meta 0, data <= data_end <= data_size_in,
  metadata 4-byte aligned and at most 255 bytes, egress_ifindex 0, rx_queue_index only with an
  ingress_ifindex, which must name a device of this network namespace (ENODEV) with that rx queue
  (EINVAL); without one the packet arrives on the loopback device, queue 0.  data_size_in minus
  the metadata must be at least ETH_HLEN.  The program runs ``repeat`` times on the same buffer
  (adjustments accumulate, as in the kernel); data_out is data_meta..data_end plus the fragments,
  ctx_out the xdp_md with data/data_end relative to data_meta.  The program reaches the packet
  page only between data_meta and data_end (``XdpState.expose``): a load past data_end or before
  data_meta faults instead of reading headroom or tailroom.
* BPF_F_TEST_XDP_LIVE_FRAMES: checked like the kernel (batch_size <= 256, no jumbo frames, no
  data_out/ctx_out with a ctx); pybpf has no network device to transmit on, so each repetition runs
  on a fresh copy, the frames go nowhere, and the results are the kernel's (retval 0, the input
  packet as data_out).  ``TestRunArgs`` carries no pointers: a data_out (ctx_out) buffer is taken
  to be present when data_size_out (ctx_size_out) is non-zero.
* ``XdpTestRunFixture``: the same test run kept ready for ``Program.run`` -- one page and
  ``xdp_buff`` registered once, reset per call as a new one would be (a plain packet skips the
  plan: its geometry is the default one).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import socket
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from time import perf_counter_ns
from typing import ClassVar

from pybpf.errors import BPFError
from pybpf.helpers.context import RunEnv
from pybpf.helpers.csum import bpf_csum_diff
from pybpf.helpers.perf_output import PERF_EVENT_OUTPUT, packet_event_output
from pybpf.helpers.registry import Helper
from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.memory.regions import READ, WRITE, Memory
from pybpf.objects import rtnl
from pybpf.progtypes.base import (
    BASE_FUNC_IDS,
    ETH_HLEN,
    U32_MAX,
    ProgramRunner,
    ProgType,
    TestRunArgs,
    TestRunFixture,
    TestRunResult,
    ctx_present,
    ctx_tail_zero,
    repeat_program,
    repeat_runs,
)
from pybpf.progtypes.registry import register
from pybpf.progtypes.socket_casts import SOCKET_CAST_HELPERS
from pybpf.progtypes.socket_lookup import SOCKET_LOOKUP_HELPERS
from pybpf.progtypes.syncookies import SYNCOOKIE_HELPERS
from pybpf.progtypes.xdp_helpers import (
    MAX_SKB_FRAGS,
    PAGE_SIZE,
    SKB_SHARED_INFO_ROOM,
    XDP_FRAME_SIZE,
    XDP_HELPERS,
    XDP_PACKET_HEADROOM,
    XdpBuff,
    XdpRxqInfo,
    XdpState,
    metalen_invalid,
)
from pybpf.uapi import BPF_F_TEST_XDP_LIVE_FRAMES, BPF_PROG_TYPE_XDP, xdp_md

XDP_MD_SIZE = ctypes.sizeof(xdp_md)
TEST_XDP_MAX_BATCH = 256
NAPI_POLL_WEIGHT = 64
XDP_PAGE_HEAD_SIZE = 2 * ctypes.sizeof(XdpBuff) + XDP_FRAME_SIZE
"""sizeof(struct xdp_page_head): live-frame pages keep it in their headroom."""

# fmt: off
XDP_OWN_FUNC_IDS: frozenset[int] = frozenset({
    23, 28, 44, 51, 54, 65, 69, 84, 85, 86, 99, 100, 110, 163, 188, 189, 190, 204, 205, 206, 207,
})
# fmt: on
"""``xdp_func_proto``'s own helpers: redirect(_map), csum_diff, adjust_*, fib_lookup, socket
lookups, syncookies, check_mtu, get_buff_len, load/store_bytes."""


def _offset(struct_type: type[ctypes.Structure], name: str) -> int:
    return int(getattr(struct_type, name).offset)


_DATA, _DATA_END, _DATA_META, _INGRESS_IFINDEX, _RX_QUEUE_INDEX, _EGRESS_IFINDEX = (
    _offset(xdp_md, name)
    for name in ("data", "data_end", "data_meta", "ingress_ifindex", "rx_queue_index", "egress_ifindex")
)


def _ldx(size: int, dst: int, src: int, off: int) -> Instruction:
    return Instruction(op.BPF_LDX | op.BPF_MEM | size, dst, src, off)


def netdev_rx_queues(ifindex: int) -> int | None:
    """real_num_rx_queues of the device ``ifindex`` in the caller's network namespace, None if there
    is none (``pybpf.objects.rtnl``: rtnetlink and the ethtool ioctl answer for that namespace)."""
    try:
        device = rtnl.link(ifindex)
    except OSError as err:
        raise BPFError(err.errno or errno.EINVAL, f"network device {ifindex}: rtnetlink: {err}") from err
    return None if device is None else rtnl.rx_queues(device)


@functools.cache
def loopback_ifindex() -> int:
    """The ifindex of this network namespace's loopback device (1 in practice: the kernel gives
    every namespace's loopback ``LOOPBACK_IFINDEX``, so it is asked once)."""
    try:
        return socket.if_nametoindex("lo")
    except OSError:
        return 1


@dataclass
class _Plan:
    """The geometry of one test run, decided by the checks."""

    headroom: int
    meta: int
    linear: int
    ctx: bytes | None
    live: bool
    batch: int
    ifindex: int = field(default_factory=loopback_ifindex)
    queue: int = 0


@register
class XdpProgType(ProgType):
    """XDP: packet processing at the driver, before any skb exists."""

    converts_ctx: ClassVar[bool] = True
    ctx_before_data: ClassVar[bool] = True

    prog_type: ClassVar[int] = BPF_PROG_TYPE_XDP
    name: ClassVar[str] = "xdp"
    ctx_size: ClassVar[int] = XDP_MD_SIZE

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in BASE_FUNC_IDS or helper_id in XDP_OWN_FUNC_IDS

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        if off == _EGRESS_IFINDEX:  # only for expected_attach_type BPF_XDP_DEVMAP
            return False
        if write:  # only offloaded programs may write rx_queue_index
            return False
        return 0 <= off < XDP_MD_SIZE and size == 4 and off % size == 0

    def convert_ctx_access(self, insn: Instruction) -> list[Instruction]:
        dst, src, off = insn.dst, insn.src, insn.off
        dw, w = op.BPF_DW, op.BPF_W
        if off == _DATA:
            return [_ldx(dw, dst, src, _offset(XdpBuff, "data"))]
        if off == _DATA_END:
            return [_ldx(dw, dst, src, _offset(XdpBuff, "data_end"))]
        if off == _DATA_META:
            return [_ldx(dw, dst, src, _offset(XdpBuff, "data_meta"))]
        if off == _INGRESS_IFINDEX:
            return [
                _ldx(dw, dst, src, _offset(XdpBuff, "rxq")),
                _ldx(dw, dst, dst, _offset(XdpRxqInfo, "dev")),
                _ldx(w, dst, dst, 0),  # net_device.ifindex
            ]
        if off == _RX_QUEUE_INDEX:
            return [
                _ldx(dw, dst, src, _offset(XdpBuff, "rxq")),
                _ldx(w, dst, dst, _offset(XdpRxqInfo, "queue_index")),
            ]
        if off == _EGRESS_IFINDEX:
            return [
                _ldx(dw, dst, src, _offset(XdpBuff, "txq")),
                _ldx(dw, dst, dst, 0),  # xdp_txq_info.dev
                _ldx(w, dst, dst, 0),
            ]
        raise BPFError(errno.EINVAL, f"invalid bpf_context access off={off} size=4")

    def helpers(self) -> Mapping[int, Helper]:
        # csum_diff is generic (pybpf.helpers.csum); helper 25 is bpf_xdp_event_output here
        return {
            **XDP_HELPERS,
            **SOCKET_LOOKUP_HELPERS,
            **SOCKET_CAST_HELPERS,
            **SYNCOOKIE_HELPERS,
            28: bpf_csum_diff,
            PERF_EVENT_OUTPUT: packet_event_output,
        }

    # -- BPF_PROG_TEST_RUN ----------------------------------------------------------------------
    def check_test_run_attr(self, args: TestRunArgs) -> None:
        self._plan(args)

    def _plan(self, args: TestRunArgs) -> _Plan:
        live = bool(args.flags & BPF_F_TEST_XDP_LIVE_FRAMES)
        if args.flags & ~BPF_F_TEST_XDP_LIVE_FRAMES:
            raise BPFError(errno.EINVAL, "XDP test_run: unknown flags")
        batch = args.batch_size
        if live:
            if not batch:
                batch = NAPI_POLL_WEIGHT
            elif batch > TEST_XDP_MAX_BATCH:
                raise BPFError(errno.E2BIG, f"XDP live frames: batch_size {batch} > {TEST_XDP_MAX_BATCH}")
        elif batch:
            raise BPFError(errno.EINVAL, "XDP test_run: batch_size needs BPF_F_TEST_XDP_LIVE_FRAMES")
        size = len(args.data_in)
        headroom, meta, linear = XDP_PACKET_HEADROOM, 0, size
        ctx: bytes | None = None
        if ctx_present(args):  # bpf_ctx_init: a ctx_in or a ctx_out buffer
            ctx = ctx_tail_zero(args.ctx_in, XDP_MD_SIZE)
            md = xdp_md.from_buffer_copy(ctx)
            if (
                md.data_meta
                or md.data_end > size
                or md.data > md.data_end
                or (live and (args.data_size_out or args.ctx_size_out))
            ):
                raise BPFError(errno.EINVAL, "XDP test_run: invalid xdp_md in ctx_in")
            meta = md.data
            if metalen_invalid(meta) or meta > headroom - XDP_FRAME_SIZE:
                raise BPFError(errno.EINVAL, f"XDP test_run: invalid metadata size {meta}")
            headroom -= meta
            linear = md.data_end
        if live:
            headroom += XDP_PAGE_HEAD_SIZE
        max_linear = PAGE_SIZE - headroom - SKB_SHARED_INFO_ROOM
        linear = min(linear, max_linear)
        if live and size > linear:
            raise BPFError(errno.EINVAL, "XDP live frames: the packet does not fit one page")
        if size - meta < ETH_HLEN:
            raise BPFError(errno.EINVAL, f"XDP test_run: {size - meta} bytes of packet, fewer than ETH_HLEN")
        plan = _Plan(headroom=headroom, meta=meta, linear=linear, ctx=ctx, live=live, batch=batch)
        if ctx is not None:
            self._convert_md(plan, xdp_md.from_buffer_copy(ctx))
        if size > linear and -(-(size - linear) // PAGE_SIZE) > MAX_SKB_FRAGS:
            raise BPFError(errno.ENOMEM, f"XDP test_run: more than {MAX_SKB_FRAGS} fragments")
        return plan

    @staticmethod
    def _convert_md(plan: _Plan, md: xdp_md) -> None:
        """``xdp_convert_md_to_buff``'s device checks."""
        if md.egress_ifindex:
            raise BPFError(errno.EINVAL, "XDP test_run: egress_ifindex must be 0")
        if not md.ingress_ifindex:
            if md.rx_queue_index:
                raise BPFError(errno.EINVAL, "XDP test_run: rx_queue_index without ingress_ifindex")
            return
        queues = netdev_rx_queues(md.ingress_ifindex)
        if queues is None:
            raise BPFError(errno.ENODEV, f"XDP test_run: no device with ifindex {md.ingress_ifindex}")
        if md.rx_queue_index >= queues:
            raise BPFError(errno.EINVAL, f"XDP test_run: device has no rx queue {md.rx_queue_index}")
        plan.ifindex, plan.queue = md.ingress_ifindex, md.rx_queue_index

    def _state(self, plan: _Plan, data: bytes) -> XdpState:
        state = XdpState(
            headroom=plan.headroom,
            linear=data[: plan.linear],
            meta_len=plan.meta,
            ifindex=plan.ifindex,
            queue=plan.queue,
        )
        for start in range(plan.linear, len(data), PAGE_SIZE):
            state.add_frag(data[start : start + PAGE_SIZE])
        return state

    def test_run(self, runner: ProgramRunner, args: TestRunArgs) -> TestRunResult:
        plan = self._plan(args)
        data = bytes(args.data_in)
        state = self._state(plan, data)
        if plan.live:
            _, duration = repeat_runs(args.repeat, lambda: self._run(runner, self._state(plan, data)))
            return self._result(plan, state, 0, duration)
        with self._registered(runner, state):  # once for all repetitions: they share the buffer
            return self._run_state(runner, args, plan, state)

    def _run_state(
        self, runner: ProgramRunner, args: TestRunArgs, plan: _Plan, state: XdpState
    ) -> TestRunResult:
        """The ``repeat`` runs of a test run (not live frames) on ``state``, registered, and its result."""
        env = RunEnv(packet=state)
        retval, duration = repeat_program(runner, args.repeat, state.address, env)
        return self._result(plan, state, retval & 0xFFFF_FFFF, duration)

    @staticmethod
    def _result(plan: _Plan, state: XdpState, retval: int, duration: int) -> TestRunResult:
        """What the test run copies out: the packet, and the xdp_md when there is a ctx."""
        ctx_out = None
        if plan.ctx is not None:
            md = xdp_md.from_buffer_copy(plan.ctx)
            md.data, md.data_end = state.md_fields()
            ctx_out = bytes(md)
        return TestRunResult(
            retval=retval, data_out=state.packet_bytes(), ctx_out=ctx_out, duration_ns=duration
        )

    def test_run_fixture(self, memory: Memory) -> TestRunFixture:
        return XdpTestRunFixture(self, memory)

    @classmethod
    def _run(cls, runner: ProgramRunner, state: XdpState) -> int:
        with cls._registered(runner, state):
            env = RunEnv(packet=state)
            return runner.run(state.address, env) & 0xFFFF_FFFF

    @staticmethod
    @contextlib.contextmanager
    def _registered(runner: ProgramRunner, state: XdpState) -> Iterator[None]:
        """The context and the packet as regions of the run's address space: the packet page's
        region spans only [data_meta, data_end), and follows the helpers that move them."""
        memory = runner.memory
        # Views of the buffers whose addresses the state holds (no ctypes array to build over them)
        ctx_region = memory.add_view(
            memoryview(state.kctx).cast("B"), state.address, access=READ, name="xdp_buff"
        )
        try:
            packet_region = memory.add_view(
                memoryview(state.page).cast("B"), state.base, access=READ | WRITE, name="xdp packet"
            )
            try:
                state.expose(memory, packet_region)
                yield
            finally:
                state.expose(None, None)
                memory.remove_region(packet_region)
        finally:
            memory.remove_region(ctx_region)


_PLAIN_LINEAR = PAGE_SIZE - XDP_PACKET_HEADROOM - SKB_SHARED_INFO_ROOM
"""The largest packet that fits the page's linear part with the default headroom and no metadata."""


class XdpTestRunFixture(TestRunFixture):
    """``bpf_prog_test_run_xdp`` kept ready: one packet page and xdp_buff registered once (the page
    always holds the largest linear part), reset for each call as a new one would be.  Live frames
    (a fresh page per repetition) go through ``test_run``."""

    def __init__(self, prog_type: XdpProgType, memory: Memory) -> None:
        super().__init__(memory)
        self.prog_type = prog_type
        state = self.state = XdpState(
            headroom=XDP_PACKET_HEADROOM, linear=b"", meta_len=0, ifindex=loopback_ifindex(), queue=0
        )
        self.register(memoryview(state.kctx).cast("B"), state.address, access=READ, name="xdp_buff")
        self.packet_region = self.register(
            memoryview(state.page).cast("B"), state.base, access=READ | WRITE, name="xdp packet"
        )
        state.memory, state.region = memory, self.packet_region
        self.ifindex = loopback_ifindex()
        self.device = (self.ifindex, 0)
        """The (ifindex, queue) of a plain packet's context."""
        self.data_start = state.base + XDP_PACKET_HEADROOM
        """Where a plain packet starts (data_meta = data)."""
        self.env = RunEnv(packet=state)
        """The run environment of the plain calls (the runner fills it in once, ``redirect`` is reset)."""

    def run_packet(
        self, runner: ProgramRunner, data: bytes, data_size_out: int, repeat: int
    ) -> tuple[int, bytes | None, int]:
        size = len(data)
        if not ETH_HLEN <= size <= _PLAIN_LINEAR:  # what ``_plan`` decides for a plain packet
            return super().run_packet(runner, data, data_size_out, repeat)
        state = self.state
        state.refill(XDP_PACKET_HEADROOM, data, self.device)
        region = self.packet_region
        start = self.data_start
        if region.start != start or region.end != start + size:
            self.memory.resize_region(region, start, start + size)
        env = self.env
        env.redirect = None
        env.devices.clear()
        if repeat > 1:
            retval, duration = repeat_program(runner, repeat, state.address, env)
        else:  # ``repeat_program``'s one run, without its call
            started = perf_counter_ns()
            retval = runner.run(state.address, env)
            duration = perf_counter_ns() - started
        return retval & 0xFFFF_FFFF, state.packet_bytes(), duration if duration < U32_MAX else U32_MAX

    def run(self, runner: ProgramRunner, args: TestRunArgs) -> TestRunResult:
        data = args.data_in
        size = len(data)
        state = self.state
        plain = args.ctx_in is None and not (args.ctx_size_out or args.flags or args.batch_size)
        if plain and ETH_HLEN <= size <= _PLAIN_LINEAR:
            retval, data_out, duration = self.run_packet(runner, data, args.data_size_out, args.repeat)
            return TestRunResult(retval, data_out, None, duration)
        prog_type = self.prog_type
        plan = prog_type._plan(args)
        if plan.live:
            return prog_type.test_run(runner, args)
        state.reset(
            headroom=plan.headroom, linear=memoryview(data)[: plan.linear], meta_len=plan.meta,
            ifindex=plan.ifindex, queue=plan.queue,
        )  # fmt: skip
        for start in range(plan.linear, size, PAGE_SIZE):
            state.add_frag(data[start : start + PAGE_SIZE])
        self.bound(self.packet_region, *state.packet_bounds())
        return prog_type._run_state(runner, args, plan, state)


def xdp_md_bytes(
    *,
    data: int = 0,
    data_end: int = 0,
    data_meta: int = 0,
    ingress_ifindex: int = 0,
    rx_queue_index: int = 0,
    egress_ifindex: int = 0,
) -> bytes:
    """A ``struct xdp_md`` for ctx_in."""
    return struct.pack("<6I", data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex)


__all__ = [
    "XDP_OWN_FUNC_IDS",
    "XdpProgType",
    "XdpTestRunFixture",
    "loopback_ifindex",
    "netdev_rx_queues",
    "xdp_md_bytes",
]
