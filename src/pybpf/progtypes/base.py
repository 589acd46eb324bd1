"""The program-type contract: what every ``BPF_PROG_TYPE_*`` implementation provides.

Mirrors the kernel's per-type operation tables (``struct bpf_verifier_ops`` and ``struct
bpf_prog_ops`` in include/linux/bpf.h, filled in per type in net/core/filter.c,
kernel/trace/bpf_trace.c ...):

* ``for_attach_type``       <- ``prog->expected_attach_type`` (BPF_PROG_LOAD's, after
  ``bpf_prog_load_fixup_attach_type``) for the types whose rules read it,
* ``func_allowed(id)``      <- ``get_func_proto(id, prog) != NULL`` (a root loader; includes
  ``bpf_base_func_proto``; ``capable_func`` is what a loader without CAP_BPF or CAP_PERFMON loses
  of it, which the verifier applies),
* ``is_valid_access``       <- ``is_valid_access(off, size, type, prog, info)`` on the uapi ctx,
* ``convert_ctx_access``    <- ``convert_ctx_access``: the verifier's rewrite of ctx loads/stores
  into accesses of the kernel-side structure (``struct xdp_buff``, ``struct sk_buff`` ...),
* ``check_test_run_attr`` / ``test_run`` <- ``bpf_prog_ops.test_run`` (net/bpf/test_run.c): the
  refusals made before running, then the run itself;
* ``test_run_fixture`` (pybpf's own): the same test run kept ready between calls for one program
  run again and again in this process (``Program.run``): its context and packet buffers allocated
  and registered once (``TestRunFixture``), so a call only checks, copies in, runs and copies out;
  ``TestRunFixture.run_packet`` is the same for a call given only a packet, without the argument and
  result objects.

A type without a ``test_run`` answers ENOTSUPP (524), as ``bpf_prog_test_run`` does when the type's
``prog_ops->test_run`` is NULL.  Shared pieces of net/bpf/test_run.c live here too:
``repeat_runs`` (the ``bpf_test_run`` loop and its duration), ``ctx_tail_zero`` (``bpf_ctx_init``'s
``bpf_check_uarg_tail_zero``) and ``range_is_zero``.
"""

from __future__ import annotations

import errno
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from time import perf_counter_ns
from typing import ClassVar, Protocol

from pybpf.errors import BPFError
from pybpf.helpers.context import RunEnv
from pybpf.helpers.registry import Helper
from pybpf.isa.instruction import Instruction
from pybpf.memory.regions import Memory, PacketReader, Region
from pybpf.uapi import ENOTSUPP

"""The kernel-internal errno ``bpf_prog_test_run`` returns for a type with no test_run."""
U32_MAX = 0xFFFF_FFFF
ETH_HLEN = 14
PAGE_SIZE = 4096

# fmt: off
BASE_FUNC_IDS: frozenset[int] = frozenset({
    1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 35, 37, 42, 55, 80, 87, 88, 89, 93, 94, 105, 106,
    109, 112, 113, 114, 115, 117, 118, 120, 123, 125, 130, 131, 132, 133, 134, 136, 137, 138, 139, 140,
    141, 148, 149, 153, 154, 156, 157, 158, 160, 164, 165, 169, 170, 171, 172, 175, 176, 177, 178, 180,
    181, 182, 191, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
})
# fmt: on
"""Helper ids every networking program type gets for a root loader (Linux 6.18).

``bpf_base_func_proto`` with CAP_BPF and CAP_PERFMON (maps, time, randomness, tail calls, ring
buffers, dynptrs, timers, printk, probe_read_*, task/cgroup ids, skc_to_* casts ...) plus
``bpf_perf_event_output`` which each networking type provides in its own flavour.  Measured on the
kernel: the helpers both XDP and SOCKET_FILTER programs may call (tests/progtypes checks it).
"""


# fmt: off
PERFMON_FUNC_IDS: frozenset[int] = frozenset({
    6, 16, 22, 35, 55, 109, 112, 113, 114, 115, 117, 136, 137, 138, 139, 140, 141, 148, 149, 153, 154,
    158, 165, 175, 176, 177, 178, 180, 191, 196,
})
"""Helpers ``bpf_base_func_proto`` / ``bpf_sk_base_func_proto`` give only a loader with CAP_PERFMON
(trace_printk, probe_read_*, get_current_task, snprintf, the skc_to_* casts ...).  Measured on Linux
6.18: what socket filter, cgroup skb, tc, XDP, cgroup sock, lwt, sk_skb, sk_msg, flow dissector and
sk_reuseport programs loaded with CAP_BPF + CAP_NET_ADMIN but without CAP_PERFMON lose."""
BPF_CAPABLE_FUNC_IDS: frozenset[int] = frozenset({
    17, 37, 80, 93, 94, 118, 123, 156, 157, 164, 169, 170, 171, 172, 181, 194, 197, 198, 199, 200, 201,
    202, 203, 209, 210, 211,
})
"""Helpers ``bpf_base_func_proto`` gives only a loader with CAP_BPF (spin locks, timers, kptr_xchg,
dynptrs, per-CPU pointers, user ring buffers ...).  Measured on Linux 6.18: what socket filter and
cgroup skb programs loaded without CAP_BPF (unprivileged_bpf_disabled at 0) lose besides those."""
# fmt: on


SK_PERFMON_FUNC_IDS: frozenset[int] = frozenset({136, 137, 138, 139, 140, 178, 196})
"""The skc_to_* casts of ``bpf_sk_base_func_proto``, which asks CAP_PERFMON alone (the rest of
PERFMON_FUNC_IDS come from ``bpf_base_func_proto``, after its CAP_BPF test).  Measured on Linux 6.18:
what a socket filter loaded with CAP_PERFMON but without CAP_BPF may call of PERFMON_FUNC_IDS."""


def capable_func(helper_id: int, bpf_capable: bool, perfmon_capable: bool) -> bool:
    """Whether the loader's capabilities let ``bpf_base_func_proto`` (or ``bpf_sk_base_func_proto``)
    give ``helper_id`` (the rest of ``func_allowed`` is the program type's)."""
    if helper_id in PERFMON_FUNC_IDS:
        return perfmon_capable and (bpf_capable or helper_id in SK_PERFMON_FUNC_IDS)
    return bpf_capable or helper_id not in BPF_CAPABLE_FUNC_IDS


class ProgramRunner(Protocol):
    """Runs one loaded program (implemented by pybpf.kernel on top of a ``pybpf.engine`` executable)."""

    memory: Memory
    """The run's address space: the program type registers the context and the packet in it, the
    map helpers the values they hand out (``RunEnv.maps``, which the runner fills in)."""

    def run(self, ctx_address: int, env: RunEnv, packet: PacketReader | None = None) -> int:
        """Run the program once with r1 = ``ctx_address``; returns r0 (u64). Tail calls inside.

        ``env`` reaches helpers as ``HelperContext.env`` (the packet state in ``env.packet``); the
        runner fills in the CPU, the tail-call trampoline and the maps the program may reach.
        """
        ...


@dataclass
class TestRunArgs:
    """The inputs of BPF_PROG_TEST_RUN, already copied in from user memory."""

    __test__ = False  # not a pytest test class

    data_in: bytes = b""
    data_size_out: int = 0
    ctx_in: bytes | None = None
    ctx_size_out: int = 0
    repeat: int = 0
    flags: int = 0
    cpu: int = 0
    batch_size: int = 0
    user_memory: tuple[Callable[[int, int], bytes], Callable[[int, bytes], None]] | None = None
    """copy_from_user and copy_to_user, for a type whose ctx_in points at more of the caller's
    memory (bpf_dummy_ops' state); set by the syscall layer."""


@dataclass
class TestRunResult:
    """What BPF_PROG_TEST_RUN reports.

    ``data_out``/``ctx_out``: the FULL bytes the kernel would copy out (the syscall layer truncates
    to the user's sizes and reports ENOSPC); None when the kernel copies nothing.  ``duration_ns``:
    mean nanoseconds per run (total over repeat / repeat; repeat 0 means 1), capped at U32_MAX.
    """

    __test__ = False

    retval: int
    data_out: bytes | None = None
    ctx_out: bytes | None = None
    duration_ns: int = 0


class ProgType:
    """One BPF_PROG_TYPE_*: its context, its helpers, its test_run. Subclass one per type."""

    prog_type: ClassVar[int] = 0
    name: ClassVar[str] = "unspec"
    ctx_size: ClassVar[int] = 0
    converts_ctx: ClassVar[bool] = False
    """Whether the kernel's verifier_ops of the type has ``convert_ctx_access`` (its context is a uapi
    view the verifier rewrites): a helper may then not take the context as memory
    (check_helper_mem_access(): "type=ctx expected=fp"); a type without one lets it, checked as a
    one-byte context access at the last byte."""
    ctx_out_to_ctx_in: ClassVar[bool] = False
    """True where the kernel writes the ctx back into ctx_in instead of ctx_out (SYSCALL programs):
    the syscall layer then copies ``TestRunResult.ctx_out`` to the user's ctx_in buffer."""
    ctx_before_data: ClassVar[bool] = False
    """True where the type's test run reads and checks the ctx before it copies the data in (XDP:
    the ctx says where the data goes); elsewhere the data comes first (bpf_test_init, then
    bpf_ctx_init).  Decides which of a bad data and a bad ctx the caller hears of."""

    def for_attach_type(self, expected_attach_type: int) -> ProgType:
        """This type as a program loaded with ``expected_attach_type`` sees it: the kernel's
        ``prog->expected_attach_type``, which some types' is_valid_access and func_proto read (the
        cgroup socket types).  The registered object itself for the types that do not read it."""
        return self

    def func_allowed(self, helper_id: int) -> bool:
        """The kernel's ``<type>_func_proto(id)`` is not NULL (root loader)."""
        return False

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        """The kernel's ``<type>_is_valid_access`` on the uapi ctx struct."""
        return False

    def convert_ctx_access(self, insn: Instruction) -> list[Instruction]:
        """Rewrite one LDX/STX/ST through the ctx pointer into accesses of the kernel-side struct."""
        return [insn]

    def helpers(self) -> Mapping[int, Helper]:
        """This type's own helper implementations (generic ones come from pybpf.helpers)."""
        return {}

    def check_test_run_attr(self, args: TestRunArgs) -> None:
        """The kernel's refusals before running (raise BPFError)."""
        raise BPFError(ENOTSUPP, f"program type {self.name} has no BPF_PROG_TEST_RUN")

    def test_run(self, runner: ProgramRunner, args: TestRunArgs) -> TestRunResult:
        """Run the program as BPF_PROG_TEST_RUN does for this type."""
        raise BPFError(ENOTSUPP, f"program type {self.name} has no BPF_PROG_TEST_RUN")

    def test_run_fixture(self, memory: Memory) -> TestRunFixture | None:
        """This type's test run kept ready in ``memory`` for repeated calls, or None (each call then
        goes through ``check_test_run_attr`` and ``test_run``)."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} ({self.prog_type})>"


class TestRunFixture:
    """One program type's BPF_PROG_TEST_RUN kept ready between the calls of one program.

    ``run(runner, args)`` is ``check_test_run_attr(args)`` then ``test_run(runner, args)`` — the same
    checks in the same order, the same result — on buffers the fixture allocated and registered in
    the runner's address space once (a larger packet than they hold gets new ones), so that a call
    only checks its arguments, copies the packet and context in, runs and copies the results out.
    Between calls the buffers stay registered.  ``close`` unregisters them; a fixture that was
    dropped without ``close`` unregisters them when it is collected.
    """

    __test__ = False

    def __init__(self, memory: Memory) -> None:
        self.memory = memory
        self._regions: list[Region] = []
        self._finalizer = weakref.finalize(self, _unregister, memory, self._regions)
        self._finalizer.atexit = False  # the address space goes with the process

    def run(self, runner: ProgramRunner, args: TestRunArgs) -> TestRunResult:
        raise NotImplementedError

    def run_packet(
        self, runner: ProgramRunner, data: bytes, data_size_out: int, repeat: int
    ) -> tuple[int, bytes | None, int]:
        """``run`` of a test run given only a packet (no ctx, flags, cpu or batch_size): (retval,
        data_out, duration_ns) of its ``TestRunResult``.  Types with a shorter way to it override this
        (the per-call path of ``Program.run``: no ``TestRunArgs`` nor ``TestRunResult`` built)."""
        result = self.run(runner, TestRunArgs(data, data_size_out, None, 0, repeat))
        return result.retval, result.data_out, result.duration_ns

    def register(self, view: memoryview, address: int, *, access: int, name: str) -> Region:
        """Register ``view`` (at ``address``) for the life of the fixture."""
        region = self.memory.add_view(view, address, access=access, name=name)
        self._regions.append(region)
        return region

    def unregister(self, region: Region) -> None:
        self._regions.remove(region)
        self.memory.remove_region(region)

    def bound(self, region: Region, start: int, end: int) -> None:
        """Give ``region`` the bounds [start, end) (the address space changes only if they do)."""
        if region.start != start or region.end != end:
            self.memory.resize_region(region, start, end)

    def close(self) -> None:
        self._finalizer()


def _unregister(memory: Memory, regions: list[Region]) -> None:
    with memory.lock:
        while regions:
            memory.remove_region(regions.pop())


# -- shared pieces of net/bpf/test_run.c ---------------------------------------------------------------
def helper_ids(*spans: int | tuple[int, int]) -> frozenset[int]:
    """A set of helper ids from single ids and inclusive ``(first, last)`` spans."""
    ids: set[int] = set()
    for span in spans:
        first, last = (span, span) if isinstance(span, int) else span
        ids.update(range(first, last + 1))
    return frozenset(ids)


def repeat_runs(repeat: int, once: Callable[[], int]) -> tuple[int, int]:
    """``bpf_test_run``'s loop: call ``once`` ``max(repeat, 1)`` times; (last retval, mean ns per run).

    The mean is the total time over the number of runs, capped at U32_MAX as the attr's ``duration``.
    """
    count = max(repeat, 1)
    retval = 0
    start = time.perf_counter_ns()
    for _ in range(count):
        retval = once()
    total = time.perf_counter_ns() - start
    return retval, min(total // count, U32_MAX)


def repeat_program(
    runner: ProgramRunner, repeat: int, ctx_address: int, env: RunEnv, packet: PacketReader | None = None
) -> tuple[int, int]:
    """``repeat_runs`` of ``runner.run`` on one context, in the runner's own loop where it has one
    (``run_repeated``: the JIT's native loop) when there is more than one run; (last r0, mean ns
    per run)."""
    if repeat <= 1:  # one run: a loop's set-up would cost more than the run
        start = perf_counter_ns()
        retval = runner.run(ctx_address, env, packet)
        duration = perf_counter_ns() - start
        return retval, duration if duration < U32_MAX else U32_MAX
    own: Callable[..., tuple[int, int]] | None = getattr(runner, "run_repeated", None)
    if own is not None:
        return own(repeat, ctx_address, env, packet)
    return repeat_runs(repeat, lambda: runner.run(ctx_address, env, packet))


def ctx_present(args: TestRunArgs) -> bool:
    """``bpf_ctx_init`` allocates a ctx when ctx_in or ctx_out is given (ctx_out: ctx_size_out > 0)."""
    return args.ctx_in is not None or args.ctx_size_out > 0


def ctx_tail_zero(ctx_in: bytes | None, max_size: int) -> bytes:
    """``bpf_ctx_init``: the ctx_in bytes padded/truncated to ``max_size``.

    Bytes past ``max_size`` must be zero, and there may be at most a page of them
    (``bpf_check_uarg_tail_zero``: E2BIG otherwise).
    None or empty gives ``max_size`` zero bytes.
    """
    data = ctx_in or b""
    if len(data) > max_size and len(data) > PAGE_SIZE:
        raise BPFError(errno.E2BIG, f"ctx_in of {len(data)} bytes: larger than the context and than a page")
    if len(data) > max_size and any(data[max_size:]):
        raise BPFError(errno.E2BIG, f"ctx_in has non-zero bytes past the {max_size}-byte context")
    return data[:max_size] + bytes(max(0, max_size - len(data)))


def range_is_zero(ctx: bytes, start: int, end: int) -> bool:
    """``range_is_zero`` of net/bpf/test_run.c: bytes ``[start, end)`` of ``ctx`` are all zero."""
    return not any(ctx[start:end])


__all__ = [
    "BASE_FUNC_IDS",
    "ENOTSUPP",
    "ETH_HLEN",
    "PAGE_SIZE",
    "ProgType",
    "ProgramRunner",
    "TestRunArgs",
    "TestRunFixture",
    "TestRunResult",
    "ctx_present",
    "ctx_tail_zero",
    "range_is_zero",
    "repeat_program",
    "repeat_runs",
]
