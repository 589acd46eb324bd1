"""``pybpf.Program``: load, run, pin and inspect programs over any backend's bpf().

Mirrors what libbpf users do with ``bpf_prog_load``, ``bpf_prog_test_run_opts``, ``bpf_obj_pin`` /
``bpf_obj_get`` and ``bpf_prog_get_info_by_fd``: ``Program.load(source, prog_type=...)`` takes
assembly text (either syntax; ``maps`` names the maps its ``map_fd(name)`` references use), raw
instruction bytes or ``Instruction`` objects, and returns a program owning its fd;
``prog.run(data=..., ctx=..., repeat=...)`` is BPF_PROG_TEST_RUN and returns a ``TestRun`` (retval,
data_out, ctx_out, duration in ns).  A refused load raises ``BPFError`` whose ``log`` attribute
holds the verifier log.  The same calls drive the real kernel with ``backend=NativeBackend()``;
on the user backend itself ``run`` skips the bpf_attr and calls the test run in process.
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import errno
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pybpf import uapi
from pybpf.errors import BPFError, ProgramFaultError
from pybpf.fd_object import FdObject
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import Instruction, decode_program
from pybpf.isa.program import slot_starts
from pybpf.kernel.backend import Backend, UserBackend, get_backend
from pybpf.kernel.prog_run import TestRunHandle
from pybpf.kernel.progobj import ProgObject
from pybpf.libbpf import (
    ProgLoadOpts,
    bpf_enable_stats,
    bpf_link_create,
    bpf_prog_bind_map,
    bpf_prog_load,
    bpf_raw_tracepoint_open,
    libbpf_find_prog_btf_id,
)
from pybpf.link import Link
from pybpf.progtypes.base import TestRunArgs

ProgramSource = str | bytes | bytearray | memoryview | Sequence[Instruction]

PROG_TYPE_NAMES: dict[str, int] = {
    member.name.removeprefix("BPF_PROG_TYPE_").lower(): member.value
    for member in uapi.bpf_prog_type
    if not member.name.startswith("__")
}
"""bpftool's program type names ("xdp", "socket_filter", "sched_cls", ...) -> BPF_PROG_TYPE_*."""

DEFAULT_LOG_SIZE = 1 << 20

_SYSCALL = uapi.BPF_PROG_TYPE_SYSCALL
CTX_OUT_TYPES = frozenset(
    {
        uapi.BPF_PROG_TYPE_XDP,
        uapi.BPF_PROG_TYPE_SOCKET_FILTER,
        uapi.BPF_PROG_TYPE_SCHED_CLS,
        uapi.BPF_PROG_TYPE_SCHED_ACT,
        uapi.BPF_PROG_TYPE_CGROUP_SKB,
        uapi.BPF_PROG_TYPE_LWT_IN,
        uapi.BPF_PROG_TYPE_LWT_OUT,
        uapi.BPF_PROG_TYPE_LWT_XMIT,
        uapi.BPF_PROG_TYPE_FLOW_DISSECTOR,
        uapi.BPF_PROG_TYPE_SK_LOOKUP,
    }
)
"""Program types whose test runs copy a context out (the others refuse ctx_out with EINVAL)."""


def prog_type_number(prog_type: int | str) -> int:
    """A BPF_PROG_TYPE_* number from a number or a name ("xdp", "BPF_PROG_TYPE_XDP", "tc" ...)."""
    if isinstance(prog_type, int):
        return prog_type
    name = prog_type.lower().removeprefix("bpf_prog_type_")
    name = {"tc": "sched_cls", "socket": "socket_filter", "raw_tp": "raw_tracepoint"}.get(name, name)
    if name not in PROG_TYPE_NAMES:
        raise ValueError(f"unknown program type {prog_type!r} (known: {', '.join(sorted(PROG_TYPE_NAMES))})")
    return PROG_TYPE_NAMES[name]


def prog_type_name(prog_type: int) -> str:
    for name, number in PROG_TYPE_NAMES.items():
        if number == prog_type:
            return name
    return f"type {prog_type}"


def instructions_of(source: ProgramSource, maps: Mapping[str, Any] | None = None) -> list[Instruction]:
    """Instructions from assembly text, raw bytes or Instruction objects."""
    if isinstance(source, str):
        fds = {name: (m if isinstance(m, int) else m.fd) for name, m in (maps or {}).items()}
        return assemble(source, maps=fds)
    if isinstance(source, bytes | bytearray | memoryview):
        return decode_program(bytes(source))
    return list(source)


@contextlib.contextmanager
def enable_stats(
    stats_type: int = uapi.BPF_STATS_RUN_TIME, *, backend: Backend | None = None
) -> Iterator[int]:
    """BPF_ENABLE_STATS for the ``with`` block: programs' ``run_time_ns`` / ``run_cnt`` are kept
    while it runs (unless another fd keeps them on longer); yields the fd."""
    fd = bpf_enable_stats(stats_type, backend=backend if backend is not None else get_backend())
    try:
        yield fd
    finally:
        os.close(fd)


@dataclass(frozen=True, init=False)
class TestRun:
    """What one BPF_PROG_TEST_RUN returned."""

    __test__ = False  # not a pytest class

    retval: int
    data_out: bytes
    ctx_out: bytes | None
    duration: int
    """Mean nanoseconds per run, as the kernel measures it."""

    def __init__(self, retval: int, data_out: bytes, ctx_out: bytes | None, duration: int) -> None:
        # The fields written into the instance dict, past the frozen __setattr__ (a third of the cost
        # of the generated __init__, which matters on Program.run's per-call path).
        fields = self.__dict__
        fields["retval"], fields["data_out"], fields["ctx_out"] = retval, data_out, ctx_out
        fields["duration"] = duration


class Program(FdObject):
    """A loaded program reached through ``backend``; owns its fd (``close()`` or ``with``)."""

    kind: ClassVar[str] = "program"

    def __init__(self, fd: int, *, backend: Backend | None = None) -> None:
        self.backend = backend if backend is not None else get_backend()
        self._fd = fd
        info = self.info()
        self.prog_type: int = info.type
        self.id: int = info.id
        self.name: str = bytes(info.name).rstrip(b"\0").decode(errors="replace")
        self.tag: str = bytes(info.tag).hex()
        self.log: str = ""
        """The verifier log of the load (when it was asked for)."""
        self._test_run: TestRunHandle | None = None
        """The program's test run kept ready in this process (user backend), built by the first ``run``."""

    def attach_freplace(self, target: int | Program | None = None, func_name: str | None = None) -> Link:
        """libbpf's ``bpf_program__attach_freplace``: attach this freplace program in place of
        ``func_name`` of the loaded program ``target`` (a program or its fd) -- BPF_LINK_CREATE with
        the function's BTF id -- or, without a target, to the one it was loaded for
        (BPF_RAW_TRACEPOINT_OPEN)."""
        if target is None:
            return Link(bpf_raw_tracepoint_open(None, self.fd, backend=self.backend), backend=self.backend)
        if func_name is None:
            raise BPFError(errno.EINVAL, "a target program needs the name of the function to replace")
        target_fd = target if isinstance(target, int) else target.fd
        btf_id = libbpf_find_prog_btf_id(func_name, target_fd, backend=self.backend)
        fd = bpf_link_create(self.fd, target_fd, 0, target_btf_id=btf_id, backend=self.backend)
        return Link(fd, backend=self.backend)

    def attach_iter(self, map_fd: int = 0) -> Link:
        """libbpf's ``bpf_program__attach_iter``: an iterator link of this BPF_TRACE_ITER program
        (BPF_LINK_CREATE; ``map_fd`` goes in ``iter_info.map.map_fd`` for the targets taking a map).
        Its ``read_iter()`` runs the iteration."""
        info = None
        if map_fd:
            info = uapi.bpf_iter_link_info()
            info.map.map_fd = map_fd
        fd = bpf_link_create(self.fd, 0, uapi.BPF_TRACE_ITER, iter_info=info, backend=self.backend)
        return Link(fd, backend=self.backend)

    # --- construction ---------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        source: ProgramSource,
        prog_type: int | str = "socket_filter",
        *,
        maps: Mapping[str, Any] | None = None,
        license: str = "GPL",
        name: str = "",
        log_level: int = 0,
        log_size: int = DEFAULT_LOG_SIZE,
        expected_attach_type: int = 0,
        prog_flags: int = 0,
        fd_array: Sequence[int] | None = None,
        backend: Backend | None = None,
    ) -> Program:
        """BPF_PROG_LOAD ``source``; a refusal raises ``BPFError`` with ``.log`` (the verifier log)."""
        backend = backend if backend is not None else get_backend()
        insns = instructions_of(source, maps)
        log_buf = bytearray(log_size) if log_level else None
        opts = ProgLoadOpts(
            expected_attach_type=expected_attach_type, prog_flags=prog_flags, log_level=log_level,
            log_size=log_size if log_level else 0, log_buf=log_buf, fd_array=list(fd_array or ()),
        )  # fmt: skip
        fd = bpf_prog_load(
            prog_type_number(prog_type),
            name,
            license,
            insns,
            sum(i.slots for i in insns),
            opts,
            backend=backend,
        )
        try:
            program = cls(fd, backend=backend)
        except BaseException:
            os.close(fd)
            raise
        program.log = bytes(log_buf or b"").split(b"\0", 1)[0].decode(errors="replace")
        return program

    @classmethod
    def from_fd(cls, fd: int, *, backend: Backend | None = None) -> Program:
        """Adopt ``fd`` (a program fd; EINVAL for anything else)."""
        return cls(fd, backend=backend)

    @classmethod
    def from_pinned(cls, path: str, *, backend: Backend | None = None) -> Program:
        """BPF_OBJ_GET a pinned program."""
        backend = backend if backend is not None else get_backend()
        return cls(cls._get_pinned(path, 0, backend), backend=backend)

    @classmethod
    def from_id(cls, prog_id: int, *, backend: Backend | None = None) -> Program:
        """BPF_PROG_GET_FD_BY_ID."""
        backend = backend if backend is not None else get_backend()
        attr = uapi.bpf_attr()
        attr.prog_id = prog_id
        return cls(backend.bpf(uapi.BPF_PROG_GET_FD_BY_ID, attr), backend=backend)

    # --- inspection -------------------------------------------------------------------------------
    def info(self, *, xlated: bool = False, map_ids: bool = False) -> uapi.bpf_prog_info:
        """BPF_OBJ_GET_INFO_BY_FD; with ``xlated``/``map_ids`` the arrays are fetched too
        (``info.xlated_prog_insns`` / ``info.map_ids`` then point at buffers kept on the result)."""
        info = uapi.bpf_prog_info()
        self._info_call(info)
        keep: list[Any] = []
        if xlated or map_ids:
            more = uapi.bpf_prog_info()
            if xlated and info.xlated_prog_len:
                code = ctypes.create_string_buffer(info.xlated_prog_len)
                keep.append(code)
                more.xlated_prog_len, more.xlated_prog_insns = info.xlated_prog_len, ctypes.addressof(code)
            if map_ids and info.nr_map_ids:
                ids = (ctypes.c_uint32 * info.nr_map_ids)()
                keep.append(ids)
                more.nr_map_ids, more.map_ids = info.nr_map_ids, ctypes.addressof(ids)
            self._info_call(more)
            info = more
        setattr(info, "_pybpf_buffers", keep)  # noqa: B010  (keeps the array buffers alive with the info)
        return info

    def loaded_slot(self, xlated_slot: int) -> int:
        """The slot of the program as loaded that became xlated slot ``xlated_slot`` (the verifier's
        fixups may have replaced one instruction by several): what a run-time fault's pc names in the
        loader's terms.  The same slot where nothing moved, and on the kernel (which never faults)."""
        if type(self.backend) is not UserBackend:
            return xlated_slot
        obj = ProgObject.from_fd(self.fd)
        moved = obj.meta.slot_map
        if not moved:
            return xlated_slot
        # the last loaded slot there: instructions removed as dead code before it share its place
        slot = max(0, bisect.bisect_right(moved, xlated_slot, hi=len(moved) - 1) - 1)
        starts = set(slot_starts(obj.original))
        while slot > 0 and slot not in starts:  # an lddw's halves share one place
            slot -= 1
        return slot

    def _info_call(self, info: uapi.bpf_prog_info) -> None:
        attr = uapi.bpf_attr()
        attr.info.bpf_fd = self.fd
        attr.info.info_len = ctypes.sizeof(info)
        attr.info.info = ctypes.addressof(info)
        self.backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)

    def xlated(self) -> list[Instruction]:
        """The translated instructions (what ``bpftool prog dump xlated`` shows)."""
        info = self.info(xlated=True)
        if not info.xlated_prog_len:
            return []
        return decode_program(ctypes.string_at(info.xlated_prog_insns, info.xlated_prog_len))

    def map_ids(self) -> list[int]:
        info = self.info(map_ids=True)
        if not info.nr_map_ids:
            return []
        return list((ctypes.c_uint32 * info.nr_map_ids).from_address(info.map_ids))

    def bind_map(self, bound: int | FdObject) -> None:
        """BPF_PROG_BIND_MAP: this program holds the map ``bound`` (a map or its fd), which its
        ``map_ids`` list from then on, without using it (libbpf binds ``.rodata`` metadata so)."""
        bpf_prog_bind_map(self.fd, bound if isinstance(bound, int) else bound.fd, backend=self.backend)

    def run_stats(self) -> tuple[int, int]:
        """(``run_time_ns``, ``run_cnt``): what the program's runs took while statistics were on
        (``enable_stats``)."""
        info = self.info()
        return info.run_time_ns, info.run_cnt

    # --- running ----------------------------------------------------------------------------------
    def run(
        self,
        data: bytes = b"",
        *,
        ctx: bytes | ctypes.Structure | None = None,
        repeat: int = 0,
        flags: int = 0,
        cpu: int = 0,
        data_size_out: int | None = None,
        ctx_size_out: int | None = None,
    ) -> TestRun:
        """BPF_PROG_TEST_RUN: run on ``data`` (the packet) and/or ``ctx`` ``repeat`` times.

        ``repeat`` 0 (the default) runs once, as the kernel counts; types that take no repeat
        (raw_tracepoint, syscall) refuse any other value with EINVAL, like the kernel.
        """
        try:
            handle = self._test_run
            if handle is not None and not (flags or cpu):
                # The per-call paths: a packet alone or a context alone, on the test run kept ready (see
                # ``_run_in_process``), without the argument and result objects.
                if ctx is None and type(data) is bytes and data:
                    out_size = len(data) + 4096 if data_size_out is None else data_size_out
                    ran = handle.run_given(handle.packet_run, data, out_size, repeat)
                    if ran is not None:
                        retval, out, duration = ran
                        if out is None:
                            out = bytes(out_size)
                        elif not out_size:  # (``run_given`` refused more than a non-zero size with ENOSPC)
                            out = b""
                        return TestRun(retval, out, None, duration)
                elif type(ctx) is bytes and ctx and not data:
                    ran = handle.run_given(handle.context_run, ctx, 0, repeat)
                    if ran is not None:
                        return TestRun(ran[0], b"", self._ctx_result(ctx, ran[1], 0), ran[2])
            ctx_bytes = bytes(memoryview(ctx).cast("B")) if isinstance(ctx, ctypes.Structure) else ctx
            if type(self.backend) is UserBackend:
                return self._run_in_process(
                    data if type(data) is bytes else bytes(data), ctx_bytes or None, repeat=repeat,
                    flags=flags, cpu=cpu, data_size_out=data_size_out, ctx_size_out=ctx_size_out,
                )  # fmt: skip
            data_in = ctypes.create_string_buffer(bytes(data), max(1, len(data)))
            out_size = data_size_out if data_size_out is not None else len(data) + 4096
            data_out = ctypes.create_string_buffer(max(1, out_size))
            attr = uapi.bpf_attr()
            attr.test.prog_fd = self.fd
            if data:
                attr.test.data_in, attr.test.data_size_in = ctypes.addressof(data_in), len(data)
            if data and out_size:  # (a data_size_out of 0 lets the kernel copy all it has: none asked)
                attr.test.data_out, attr.test.data_size_out = ctypes.addressof(data_out), out_size
            attr.test.repeat, attr.test.flags, attr.test.cpu = repeat, flags, cpu
            ctx_in = ctypes.create_string_buffer(ctx_bytes or b"\0", max(1, len(ctx_bytes or b"")))
            ctx_out = ctypes.create_string_buffer(max(1, ctx_size_out or len(ctx_bytes or b"")))
            wants_ctx_out = bool(ctx_bytes) and self.prog_type in CTX_OUT_TYPES
            if ctx_bytes:
                attr.test.ctx_in, attr.test.ctx_size_in = ctypes.addressof(ctx_in), len(ctx_bytes)
            if wants_ctx_out:
                attr.test.ctx_out = ctypes.addressof(ctx_out)
                attr.test.ctx_size_out = ctx_size_out or len(ctx_bytes or b"")
            self.backend.bpf(uapi.BPF_PROG_TEST_RUN, attr)
            produced = min(attr.test.data_size_out, out_size)
            out = ctypes.string_at(data_out, produced) if data else b""
            if wants_ctx_out:
                ctx_result: bytes | None = ctypes.string_at(ctx_out, attr.test.ctx_size_out)
            elif ctx_bytes and self.prog_type == uapi.BPF_PROG_TYPE_SYSCALL:
                ctx_result = ctx_in.raw[: len(ctx_bytes)]  # syscall programs write their ctx back in place
            else:
                ctx_result = None
            return TestRun(attr.test.retval, out, ctx_result, attr.test.duration)
        except ProgramFaultError as fault:
            self.fault_located(fault)
            raise

    def fault_located(self, fault: ProgramFaultError) -> None:
        """Add what is known of where a run-time fault of ``run`` happened (``ObjectProgram``: its C
        source line); nothing here."""

    def _run_in_process(
        self,
        data: bytes,
        ctx_bytes: bytes | None,
        *,
        repeat: int,
        flags: int,
        cpu: int,
        data_size_out: int | None,
        ctx_size_out: int | None,
    ) -> TestRun:
        """``run`` on the user backend: the same attr fields and results, without the bpf_attr and
        the buffers (``TestRunHandle``: the program's test run, kept ready between calls).  What
        ``run`` reads back from buffers the run left alone is what they held: zeros for data_out
        and ctx_out, the caller's bytes for ctx_in.  The output sizes are set as ``run`` sets the
        attr's."""
        out_size = data_size_out if data_size_out is not None else len(data) + 4096
        handle = self._test_run
        if handle is None or not handle.current:
            if handle is not None:
                handle.close()
            self._test_run = None
            handle = self._test_run = TestRunHandle(self.fd)
        if ctx_bytes is None:  # the common case: a packet, or nothing
            result = handle.run(TestRunArgs(data, out_size if data else 0, None, 0, repeat, flags, cpu))
            data_out = result.data_out
            if not data:
                out = b""
            elif data_out is None:
                out = bytes(out_size)
            else:
                out = data_out if len(data_out) <= out_size else data_out[:out_size]
            return TestRun(result.retval, out, None, result.duration_ns)
        wants_ctx_out = self.prog_type in CTX_OUT_TYPES
        ctx_out_size = (ctx_size_out or len(ctx_bytes)) if wants_ctx_out else 0
        args = TestRunArgs(data, out_size if data else 0, ctx_bytes, ctx_out_size, repeat, flags, cpu)
        result = handle.run(args)
        out = b""
        if data:
            out = result.data_out[:out_size] if result.data_out is not None else bytes(out_size)
        ctx_result = self._ctx_result(ctx_bytes, result.ctx_out, ctx_out_size)
        return TestRun(result.retval, out, ctx_result, result.duration_ns)

    def _ctx_result(self, ctx_bytes: bytes, ctx_out: bytes | None, ctx_out_size: int) -> bytes | None:
        """``TestRun.ctx_out`` of an in-process test run given the (non-empty) context ``ctx_bytes``, from
        the run's ``ctx_out``, as ``run`` reads it back from its buffers: the ctx_out buffer
        (``ctx_out_size`` bytes, zeros where the run wrote none), or for SYSCALL programs the ctx_in
        buffer they write back into; None for the types that copy no context out."""
        prog_type = self.prog_type
        if prog_type == _SYSCALL:
            if ctx_out is not None and len(ctx_out) == len(ctx_bytes):
                return ctx_out  # (all of it written back)
            written = (ctx_out or b"")[: len(ctx_bytes)]
            return written + ctx_bytes[len(written) :]
        if prog_type in CTX_OUT_TYPES:
            return ctx_out if ctx_out is not None else bytes(ctx_out_size)
        return None

    def close(self) -> None:
        """Close the fd; the test run kept ready for ``run`` closes with it."""
        handle, self._test_run = self._test_run, None
        try:
            if handle is not None:
                handle.close()
        finally:
            super().close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"fd={self._fd}"
        return f"<Program {self.name or '?'} id={self.id} {prog_type_name(self.prog_type)} {state}>"
