"""Program types whose context is a plain user blob: BPF_PROG_TYPE_RAW_TRACEPOINT and BPF_PROG_TYPE_SYSCALL.

Mirrors kernel/trace/bpf_trace.c (``raw_tp_prog_func_proto``, ``raw_tp_prog_is_valid_access``
through ``bpf_tracing_ctx_access``), kernel/bpf/syscall.c (``syscall_prog_is_valid_access``,
``syscall_prog_func_proto``) and net/bpf/test_run.c (``bpf_prog_test_run_raw_tp``,
``bpf_prog_test_run_syscall``) of Linux 6.18.  Neither type rewrites ctx accesses: r1 points at a
copy of ctx_in (NULL when ctx_size_in is 0).

* RAW_TRACEPOINT: the ctx is up to 12 u64 arguments (96 bytes), read-only, aligned reads.
  test_run takes no data, ctx_out, repeat or batch_size (EINVAL); ctx_size_in must cover what the
  program reads (``max_ctx_offset``) and be at most 96 bytes; a non-zero cpu needs
  BPF_F_TEST_RUN_ON_CPU, and such a cpu must exist (ENXIO).  The program runs once; only retval
  is reported.
* SYSCALL (sleepable programs only, as the kernel loads them): the ctx is up to 65535 bytes, read
  and written with aligned accesses.  test_run takes no data, ctx_out, repeat, flags or
  batch_size (EINVAL; a non-zero input duration is refused by the kernel too, but TestRunArgs does
  not carry it).  The program runs once, and the kernel writes the ctx back into the user's
  **ctx_in** buffer: ``ctx_out_to_ctx_in`` is True and ``TestRunResult.ctx_out`` holds those bytes.

``BlobTestRunFixture`` keeps one ctx buffer registered between the test runs of one program
(``Program.run``), bounded to each call's ctx; ``run_context`` runs a call given only a ctx there.

``max_ctx_offset`` (the verifier's largest ctx offset read, ``prog->aux->max_ctx_offset``) comes
from the runner's optional ``max_ctx_offset`` attribute (0 when it has none).  TestRunArgs carries
no pointers: data_in is taken as given when non-empty, data_out / ctx_out when their sizes are
non-zero.
"""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Mapping
from typing import ClassVar

from pybpf.errors import BPFError
from pybpf.helpers.context import RunEnv
from pybpf.helpers.perf_output import PERF_EVENT_OUTPUT, perf_event_output
from pybpf.helpers.registry import Helper
from pybpf.memory.regions import READ, WRITE, Memory, Region
from pybpf.progtypes.base import (
    BASE_FUNC_IDS,
    ProgramRunner,
    ProgType,
    TestRunArgs,
    TestRunFixture,
    TestRunResult,
)
from pybpf.progtypes.registry import register
from pybpf.uapi import (
    BPF_F_TEST_RUN_ON_CPU,
    BPF_PROG_TYPE_RAW_TRACEPOINT,
    BPF_PROG_TYPE_SYSCALL,
    MAX_BPF_FUNC_ARGS,
)

RAW_TP_CTX_MAX = 8 * MAX_BPF_FUNC_ARGS
U16_MAX = 0xFFFF

# fmt: off
RAW_TP_FUNC_IDS: frozenset[int] = (
    BASE_FUNC_IDS - {136, 137, 138, 139, 140, 160, 178, 196}
) | {4, 27, 45, 67, 173, 174}
"""``raw_tp_prog_func_proto`` -> ``bpf_tracing_func_proto``: the base helpers but the skc_to_* casts
(136-140, 178, 196) and ktime_get_coarse_ns, plus probe_read(_str), get_stackid, get_stack,
get_func_ip and get_attach_cookie (measured on Linux 6.18)."""

SYSCALL_FUNC_IDS: frozenset[int] = (BASE_FUNC_IDS - {160}) | {
    4, 27, 45, 46, 67, 107, 108, 111, 121, 147, 162, 166, 167, 168, 173, 179, 188,
}
"""``syscall_prog_func_proto`` (sleepable): bpf_sys_bpf, sys_close, btf_find_by_name_kind,
kallsyms_lookup_name and the tracing helpers (measured on Linux 6.18)."""
# fmt: on


def _max_ctx_offset(runner: ProgramRunner) -> int:
    return int(getattr(runner, "max_ctx_offset", 0))


def _run_on_blob(
    runner: ProgramRunner, ctx: bytes, *, writable: bool, kept: BlobTestRunFixture | None = None
) -> tuple[int, bytes]:
    """Run once with r1 = a native copy of ``ctx`` (NULL when empty); (u32 retval, ctx after).
    The copy is in ``kept``'s buffer when given, else in a buffer registered for this run."""
    if not ctx:
        return runner.run(0, RunEnv()) & 0xFFFF_FFFF, b""
    if kept is not None:
        address, view = kept.holding(ctx)
        retval = runner.run(address, RunEnv()) & 0xFFFF_FFFF
        return retval, bytes(view[: len(ctx)])
    buffer = (ctypes.c_char * len(ctx)).from_buffer_copy(ctx)
    region = runner.memory.add_region(ctypes.addressof(buffer), len(ctx), writable=writable, name="ctx")
    try:
        retval = runner.run(ctypes.addressof(buffer), RunEnv()) & 0xFFFF_FFFF
    finally:
        runner.memory.remove_region(region)
    return retval, bytes(buffer)


class BlobTestRunFixture(TestRunFixture):
    """The test run of a type whose context is a copy of ctx_in, kept ready: one buffer registered
    once (a larger ctx gets a new one), bounded to each call's ctx."""

    def __init__(self, prog_type: BlobProgType, memory: Memory) -> None:
        super().__init__(memory)
        self.prog_type = prog_type
        self.writable = prog_type.ctx_writable
        self._access = READ | WRITE if self.writable else READ
        self.env = RunEnv()
        """The run environment of ``run_context``'s runs (the runner fills it in)."""
        self._buffer = (ctypes.c_char * 0)()
        self._view = memoryview(self._buffer).cast("B")
        self._region: Region | None = None
        self._largest = prog_type.ctx_max
        self._sized_for: ProgramRunner | None = None
        self._smallest = 0
        """The smallest ctx ``run_context`` takes (the program's ``max_ctx_offset``), for the runner
        ``_sized_for``."""

    def holding(self, ctx: bytes) -> tuple[int, memoryview]:
        """The buffer's address and bytes, holding ``ctx`` (the region bounded to it)."""
        size = len(ctx)
        if len(self._buffer) < size:
            if self._region is not None:
                self.unregister(self._region)
                self._region = None
            self._buffer = (ctypes.c_char * max(size, RAW_TP_CTX_MAX))()
            self._view = memoryview(self._buffer).cast("B")
            self._region = self.register(
                self._view, ctypes.addressof(self._buffer), access=self._access, name="ctx"
            )
        assert self._region is not None
        self._view[:size] = ctx
        self.bound(self._region, self._region.base, self._region.base + size)
        return self._region.base, self._view

    def run(self, runner: ProgramRunner, args: TestRunArgs) -> TestRunResult:
        return self.prog_type.run_blob(runner, args, self)

    def run_context(
        self, runner: ProgramRunner, ctx: bytes, ctx_size_out: int, repeat: int
    ) -> tuple[int, bytes | None, int]:
        """``run`` of a test run given only a non-empty ``ctx_in`` (and ``ctx_size_out``; no data,
        flags, cpu or batch_size), for ``Program.run``: (retval, ctx_out, duration_ns) of its
        ``TestRunResult``.  A context the type's checks pass runs here, without the argument and
        result objects (in one run environment kept between calls); any other goes through ``run``,
        which refuses it."""
        size = len(ctx)
        if runner is not self._sized_for:
            self._sized_for, self._smallest = runner, _max_ctx_offset(runner)
        if repeat or ctx_size_out or size > self._largest or size < self._smallest:
            result = self.run(runner, TestRunArgs(b"", 0, ctx, ctx_size_out, repeat))
            return result.retval, result.ctx_out, result.duration_ns
        region = self._region
        if region is not None and size <= len(self._buffer):  # ``holding``, inline
            self._view[:size] = ctx
            address = region.base
            if region.start != address or region.end != address + size:
                self.memory.resize_region(region, address, address + size)
        else:
            address, _ = self.holding(ctx)
        retval = runner.run(address, self.env) & 0xFFFF_FFFF
        if not self.writable:
            return retval, None, 0
        ctx_out: bytes = self._buffer[:size]  # type: ignore[assignment]  # a c_char array's slice is bytes
        return retval, ctx_out, 0


class BlobProgType(ProgType):
    """What RAW_TRACEPOINT and SYSCALL share: a test run on a copy of ctx_in."""

    ctx_writable: ClassVar[bool] = False
    """Whether programs may write their context (and the test run reports it back)."""
    ctx_max: ClassVar[int] = 0
    """The largest ctx_size_in the type's test run takes."""

    def test_run(self, runner: ProgramRunner, args: TestRunArgs) -> TestRunResult:
        return self.run_blob(runner, args, None)

    def run_blob(
        self, runner: ProgramRunner, args: TestRunArgs, kept: BlobTestRunFixture | None
    ) -> TestRunResult:
        """The test run, its ctx copied into ``kept`` when given."""
        raise NotImplementedError

    def test_run_fixture(self, memory: Memory) -> BlobTestRunFixture:
        return BlobTestRunFixture(self, memory)


def _online_cpus() -> int:
    return os.cpu_count() or 1


@register
class RawTracepointProgType(BlobProgType):
    """BPF_PROG_TYPE_RAW_TRACEPOINT: the tracepoint's raw u64 arguments as ctx."""

    prog_type: ClassVar[int] = BPF_PROG_TYPE_RAW_TRACEPOINT
    name: ClassVar[str] = "raw_tracepoint"
    ctx_size: ClassVar[int] = 0
    ctx_max: ClassVar[int] = RAW_TP_CTX_MAX

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in RAW_TP_FUNC_IDS

    def helpers(self) -> Mapping[int, Helper]:
        return {PERF_EVENT_OUTPUT: perf_event_output}  # bpf_perf_event_output_raw_tp

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        return 0 <= off < RAW_TP_CTX_MAX and not write and off % size == 0

    def check_test_run_attr(self, args: TestRunArgs) -> None:
        if args.data_in or args.data_size_out or args.ctx_size_out or args.repeat or args.batch_size:
            raise BPFError(errno.EINVAL, "raw_tp test_run takes only ctx_in, flags and cpu")
        size = len(args.ctx_in or b"")
        if size > self.ctx_max:
            raise BPFError(errno.EINVAL, f"raw_tp ctx_size_in {size} > {RAW_TP_CTX_MAX}")
        if not args.flags & BPF_F_TEST_RUN_ON_CPU and args.cpu:
            raise BPFError(errno.EINVAL, "raw_tp test_run: cpu needs BPF_F_TEST_RUN_ON_CPU")
        if args.flags & BPF_F_TEST_RUN_ON_CPU and args.cpu >= _online_cpus():
            raise BPFError(errno.ENXIO, f"raw_tp test_run: no cpu {args.cpu}")

    def run_blob(
        self, runner: ProgramRunner, args: TestRunArgs, kept: BlobTestRunFixture | None
    ) -> TestRunResult:
        self.check_test_run_attr(args)
        ctx = bytes(args.ctx_in or b"")
        if len(ctx) < _max_ctx_offset(runner):
            raise BPFError(errno.EINVAL, "raw_tp ctx_size_in is smaller than what the program reads")
        retval, _ = _run_on_blob(runner, ctx, writable=False, kept=kept)
        return TestRunResult(retval=retval)


@register
class SyscallProgType(BlobProgType):
    """BPF_PROG_TYPE_SYSCALL: a sleepable program run from bpf(BPF_PROG_TEST_RUN) on a user blob."""

    prog_type: ClassVar[int] = BPF_PROG_TYPE_SYSCALL
    name: ClassVar[str] = "syscall"
    ctx_size: ClassVar[int] = 0
    ctx_out_to_ctx_in: ClassVar[bool] = True
    ctx_writable: ClassVar[bool] = True
    ctx_max: ClassVar[int] = U16_MAX

    def check_expected_attach_type(self, expected_attach_type: int) -> None:
        """``bpf_prog_load_check_attach``: syscall programs take no attach type (EINVAL)."""
        if expected_attach_type:
            raise BPFError(errno.EINVAL, "syscall programs take no expected_attach_type")

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in SYSCALL_FUNC_IDS

    def helpers(self) -> Mapping[int, Helper]:
        return {PERF_EVENT_OUTPUT: perf_event_output}  # bpf_tracing_func_proto's flavour

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        return 0 <= off < U16_MAX and off % size == 0

    def check_test_run_attr(self, args: TestRunArgs) -> None:
        if (
            args.data_in
            or args.data_size_out
            or args.ctx_size_out
            or args.repeat
            or args.flags
            or args.batch_size
        ):
            raise BPFError(errno.EINVAL, "syscall test_run takes only ctx_in")
        size = len(args.ctx_in or b"")
        if size > self.ctx_max:
            raise BPFError(errno.EINVAL, f"syscall ctx_size_in {size} > {U16_MAX}")

    def run_blob(
        self, runner: ProgramRunner, args: TestRunArgs, kept: BlobTestRunFixture | None
    ) -> TestRunResult:
        self.check_test_run_attr(args)
        ctx = bytes(args.ctx_in or b"")
        if len(ctx) < _max_ctx_offset(runner):
            raise BPFError(errno.EINVAL, "syscall ctx_size_in is smaller than what the program accesses")
        retval, after = _run_on_blob(runner, ctx, writable=True, kept=kept)
        return TestRunResult(retval=retval, ctx_out=after if ctx else None)


__all__ = [
    "RAW_TP_FUNC_IDS",
    "SYSCALL_FUNC_IDS",
    "BlobProgType",
    "BlobTestRunFixture",
    "RawTracepointProgType",
    "SyscallProgType",
]
