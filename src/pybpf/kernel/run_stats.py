"""BPF_ENABLE_STATS and the run statistics of programs (``run_time_ns``, ``run_cnt``).

Mirrors ``bpf_enable_stats`` / ``bpf_enable_runtime_stats`` (kernel/bpf/syscall.c) and the
``bpf_stats_enabled_key`` static key: BPF_STATS_RUN_TIME (the only ``type``; any other is EINVAL)
returns a new fd (``anon_inode:bpf-stats``, read-only, close-on-exec); while at least one such fd is
open anywhere, every run of a program (``__bpf_prog_run`` with the key on) adds its duration to the
program's ``run_time_ns`` and 1 to its ``run_cnt``, which ``bpf_prog_info`` reports
(``recursion_misses`` stays 0: a pybpf program never finds itself already running on its CPU).
Closing the last fd turns the key off; the counters keep their values.

The key is shared by every process of the bpffs root, as the kernel's is global: each fd is an open
file description of ``<root>/.bpf-stats`` holding a user lock (``pybpf.objects.refs.hold``), so
``dup``, ``fork`` and SCM_RIGHTS share it and it goes when the last fd of the description closes;
``stats_enabled()`` asks whether any such lock exists (one lock probe).  The counters of a program
are two u64 in ``run-stats`` in its reference directory, added to under an ``flock`` (the kernel's
per-CPU ``bpf_prog_stats`` summed by ``bpf_prog_get_stats``).  The run paths ask once per test run
(``pybpf.kernel.prog_run.Runner``: interpreter, JIT and replay alike) and add the runs they made.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import mmap
import os
import struct
import threading
from typing import Any

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.objects import refs
from pybpf.objects.backing import reserve_file
from pybpf.objects.files import DEFAULT_ROOT, PAGE, bpffs_root, bpffs_root_name
from pybpf.objects.forking import fork_safe

_KEY = ".bpf-stats"
_STATS = "run-stats"
_COUNTERS = struct.Struct("<QQ")
_U64 = (1 << 64) - 1

_probe_lock = fork_safe(threading.Lock())
_probe: tuple[str, int, mmap.mmap] | None = None
"""(root, fd, mapping) of the key file: the fd holds no lock and is what ``stats_enabled`` asks
through; the mapping's first byte is the hint that some fd may be open."""
_HINT = 0
"""Offset of the hint byte: set by ``enable_stats`` after its fd holds its lock, cleared by
``stats_enabled`` when it finds no lock (and set again if one appeared meanwhile).  While it is 0
(statistics never enabled, or off again) a run pays one byte read instead of a lock probe."""


def _key_path(root: str) -> str:
    return os.path.join(root, _KEY)


def _open_key(root: str, flags: int) -> int:
    try:
        return os.open(_key_path(root), flags | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except FileNotFoundError:  # the root itself is missing: create it as every object creation does
        return os.open(_key_path(bpffs_root()), flags | os.O_CREAT | os.O_CLOEXEC, 0o666)


_ENVIRON: Any = getattr(os.environ, "_data", None)
_ROOT_VARIABLE = os.environ.encodekey("PYBPF_BPFFS") if isinstance(_ENVIRON, dict) else None


def _root_name() -> str:
    """``bpffs_root_name()`` at the cost of a dict lookup: ``os.environ.get`` of a variable that is
    not set raises and catches a KeyError inside (a microsecond), too much for every test run."""
    if _ROOT_VARIABLE is None:
        return bpffs_root_name()
    raw = _ENVIRON.get(_ROOT_VARIABLE)
    return DEFAULT_ROOT if raw is None else os.environ.decodevalue(raw)


def _key() -> tuple[int, mmap.mmap]:
    """The probe fd and the mapping of the key file of the current root (opened once per root)."""
    global _probe
    root = _root_name()
    probe = _probe
    if probe is not None and probe[0] == root:
        return probe[1], probe[2]
    with _probe_lock:
        if _probe is not None:
            os.close(_probe[1])
            _probe = None
        fd = _open_key(root, os.O_RDWR)
        try:
            # (memory given now, not at the first touch of the mapping: a full tmpfs answers ENOMEM
            # here rather than SIGBUS there; every process reserves the same size)
            reserve_file(fd, 0, PAGE)
            mapping = mmap.mmap(fd, PAGE)
        except BaseException:
            os.close(fd)
            raise
        _probe = (root, fd, mapping)
        return fd, mapping


def hint() -> memoryview:
    """A view of the key file's mapping of the current root, whose first byte is 0 while no fd can
    be open (``stats_enabled`` then answers False): what a run path keeps to ask one byte per test
    run (a memoryview: indexing it is cheaper than indexing the mmap).  (A root where the key cannot
    be made can have no BPF_ENABLE_STATS fd: a constant 0.)"""
    try:
        return memoryview(_key()[1])
    except OSError:
        return memoryview(b"\0")


def enable_stats(stats_type: int) -> int:
    """BPF_ENABLE_STATS: a new fd keeping run statistics on while it is open (EINVAL for a type other
    than BPF_STATS_RUN_TIME)."""
    if stats_type != uapi.BPF_STATS_RUN_TIME:
        raise BPFError(errno.EINVAL, f"unknown stats type {stats_type}")
    try:
        _, mapping = _key()
        fd = refs.hold(_open_key(bpffs_root_name(), os.O_RDONLY))
    except OSError as exc:
        if isinstance(exc, BPFError):
            raise
        raise BPFError(errno.ENOMEM, f"cannot open the stats key: {exc.strerror}") from None
    mapping[_HINT] = 1
    return fd


def stats_enabled() -> bool:
    """Whether some BPF_ENABLE_STATS fd is open (the kernel's ``bpf_stats_enabled_key``)."""
    probe = _probe
    if probe is not None and probe[0] == _root_name():
        fd, mapping = probe[1], probe[2]
    else:
        try:
            fd, mapping = _key()
        except OSError:
            return False
    if not mapping[_HINT]:
        return False
    if refs.in_use(fd):
        return True
    mapping[_HINT] = 0
    if refs.in_use(fd):  # an fd opened between the probe and the clear: its hint stays
        mapping[_HINT] = 1
        return True
    return False


def _stats_path(prog_id: int) -> str:
    return os.path.join(refs.holder_dir(bpffs_root(), "prog", prog_id), _STATS)


def add_runs(prog_id: int, runs: int, duration_ns: int) -> None:
    """Account ``runs`` runs of program ``prog_id`` that took ``duration_ns`` in all."""
    if runs <= 0:
        return
    try:
        fd = os.open(_stats_path(prog_id), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:  # the program is being freed: nobody can read its statistics any more
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        raw = os.pread(fd, _COUNTERS.size, 0)
        run_time, count = _COUNTERS.unpack(raw) if len(raw) == _COUNTERS.size else (0, 0)
        os.pwrite(fd, _COUNTERS.pack((run_time + duration_ns) & _U64, (count + runs) & _U64), 0)
    finally:
        os.close(fd)


def prog_stats(prog_id: int) -> tuple[int, int]:
    """(run_time_ns, run_cnt) of program ``prog_id`` (``bpf_prog_get_stats``)."""
    with contextlib.suppress(OSError):
        with open(_stats_path(prog_id), "rb") as f:
            raw = f.read(_COUNTERS.size)
        if len(raw) == _COUNTERS.size:
            run_time, count = _COUNTERS.unpack(raw)
            return run_time, count
    return 0, 0
