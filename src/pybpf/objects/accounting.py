"""Memory accounting of map storage: the limit the kernel's memory cgroup puts on BPF maps.

Mirrors how Linux 6.18 bounds map memory: ``bpf_map_area_alloc`` (kernel/bpf/syscall.c) charges a
map's memory to the creator's memory cgroup (``__GFP_ACCOUNT``; before 5.11 it was RLIMIT_MEMLOCK)
and BPF_MAP_CREATE fails with ENOMEM when the charge fails, and ``__vmalloc_node_range`` refuses at
once any single area larger than the machine's RAM (``totalram_pages``), also ENOMEM.  pybpf's maps
are files of one bpffs-like root shared by every process, so the charge is kept per root:

* ``check_area(size)``: ENOMEM for one map whose up-front memory exceeds ``MemTotal``.
* The limit: ``$PYBPF_MAP_MEMORY_LIMIT`` (bytes, with an optional K/M/G/T suffix, or ``max`` for
  none) or ``set_memory_limit()`` in this process (which takes precedence); by default half of the
  smaller of ``MemTotal`` and this process's cgroup v2 ``memory.max``.  The memory really used is
  further bounded by the tmpfs the root lives on and its memory cgroup: allocations there fail as
  ENOMEM too (``pybpf.objects.backing``).
* The ledger: ``<root>/.pybpf-memory``, a u64 of the bytes charged by the root's live maps, updated
  under an open-file-description lock (``files.lock_file``).  ``charge`` adds to it, refusing with
  ENOMEM past the limit; ``uncharge`` subtracts (``pybpf.objects.refs.collect`` uncharges a map it
  releases).  Before refusing, ``charge`` releases the objects nobody uses any more (the caller's
  ``reclaim``) and recounts the ledger from the live maps' files (the caller's ``recount``), so
  neither maps closed a moment ago nor a ledger left high by a killed process, or written by a
  hostile one, refuse wrongly.
"""

from __future__ import annotations

import errno
import functools
import os
import struct
from collections.abc import Callable

from pybpf.errors import BPFError
from pybpf.objects.files import allocation_failure, lock_file
from pybpf.objects.forking import close_lock_file, open_lock_file

LIMIT_ENV = "PYBPF_MAP_MEMORY_LIMIT"
_LEDGER = ".pybpf-memory"
_U64 = struct.Struct("<Q")
_SUFFIXES = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_UNLIMITED = ("max", "unlimited", "none", "inf")

_process_limit: int | None = None
_process_limit_set = False


@functools.cache
def total_ram() -> int:
    """``MemTotal`` in bytes (the kernel's ``totalram_pages``); 1 TiB when /proc says nothing."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 1 << 40


def _cgroup_limit() -> int | None:
    """This process's cgroup v2 ``memory.max`` in bytes, None when unlimited or unknown."""
    try:
        with open("/proc/self/cgroup", encoding="ascii") as cgroups:
            path = next((line[3:].strip() for line in cgroups if line.startswith("0::")), None)
        if path is None:
            return None
        with open(os.path.join("/sys/fs/cgroup", path.lstrip("/"), "memory.max"), encoding="ascii") as limit:
            text = limit.read().strip()
        return None if text == "max" else int(text)
    except (OSError, ValueError):
        return None


def parse_size(text: str) -> int | None:
    """Bytes from ``123``, ``64K``, ``1.5G`` ... (binary units); None for ``max`` / ``unlimited``."""
    value = text.strip()
    if value.lower() in _UNLIMITED:
        return None
    if value[-1:] in "bB" and len(value) > 1 and value[-2].isalpha():
        value = value[:-1]  # "8MB" is "8M"
    unit = value[-1:].upper() if value[-1:].isalpha() else ""
    number = value[: len(value) - len(unit)].strip()
    if unit not in _SUFFIXES:
        raise ValueError(f"unknown size suffix in {text!r}")
    size = int(float(number) * _SUFFIXES[unit])
    if size < 0:
        raise ValueError(f"negative size {text!r}")
    return size


@functools.cache
def default_limit() -> int:
    """Half of the smaller of MemTotal and the cgroup's memory.max (read once per process)."""
    cgroup = _cgroup_limit()
    ram = total_ram() if cgroup is None else min(total_ram(), cgroup)
    return ram // 2


def memory_limit() -> int | None:
    """The limit on the bytes the maps of one root may hold together (None: no limit)."""
    if _process_limit_set:
        return _process_limit
    text = os.environ.get(LIMIT_ENV)
    if text:
        try:
            return parse_size(text)
        except ValueError:
            pass  # an unusable setting falls back to the default rather than lifting every limit
    return default_limit()


def set_memory_limit(limit: int | None, *, reset: bool = False) -> None:
    """Set this process's map memory limit in bytes (None: unlimited); ``reset=True`` goes back to
    ``$PYBPF_MAP_MEMORY_LIMIT`` / the default."""
    global _process_limit, _process_limit_set
    if limit is not None and limit < 0:
        raise ValueError("the map memory limit cannot be negative")
    _process_limit, _process_limit_set = limit, not reset


def check_area(size: int) -> None:
    """ENOMEM for one map area larger than the machine's RAM (``__vmalloc_node_range``)."""
    if size > total_ram():
        raise BPFError(
            errno.ENOMEM, f"a map of {size} bytes exceeds the machine's memory ({total_ram()} bytes)"
        )


def _open_ledger(root: str) -> int:
    return open_lock_file(os.path.join(root, _LEDGER))


def _read(fd: int) -> int:
    raw = os.pread(fd, _U64.size, 0)
    return int(_U64.unpack(raw)[0]) if len(raw) == _U64.size else 0


def _write(fd: int, value: int) -> None:
    os.pwrite(fd, _U64.pack(max(0, min(value, (1 << 64) - 1))), 0)


def charge(
    root: str, size: int, recount: Callable[[], int], reclaim: Callable[[], object] | None = None
) -> None:
    """Charge ``size`` bytes to ``root``'s maps; ENOMEM when the limit would be exceeded.

    ``recount()`` returns the bytes the root's live maps really hold; it is called (with the ledger
    locked) only when the charge would be refused, and its answer replaces the ledger's.  Before
    that, ``reclaim()`` (when given) runs with the ledger unlocked: it releases the objects nobody
    uses any more (``refs.collect``, which uncharges them), as the kernel reclaims memory before
    failing an allocation -- a map closed a moment ago must not make the next one fail.
    """
    if size <= 0:
        return
    limit = memory_limit()
    if limit is None:
        _add(root, size, None, recount)
        return
    if _add(root, size, limit, None):
        return
    if reclaim is not None:
        reclaim()
    _add(root, size, limit, recount)


def _add(root: str, size: int, limit: int | None, recount: Callable[[], int] | None) -> bool:
    """Add ``size`` to the ledger if it stays within ``limit``; whether it did.  Past the limit:
    False, or with ``recount`` the ledger is recounted first and ENOMEM raised if still past it."""
    what = f"cannot account map memory in {root}"
    try:
        fd = _open_ledger(root)
    except OSError as exc:
        raise allocation_failure(exc, what) from None
    try:
        lock_file(fd)
        used = _read(fd)
        if limit is not None and used + size > limit:
            if recount is None:
                return False
            used = recount()
            if used + size > limit:
                _write(fd, used)
                raise BPFError(
                    errno.ENOMEM,
                    f"map memory limit reached: {used} bytes in use, {size} more asked, limit {limit} "
                    f"(${LIMIT_ENV})",
                )
        _write(fd, used + size)
        return True
    except OSError as exc:
        raise allocation_failure(exc, what) from None
    finally:
        close_lock_file(fd)


def uncharge(root: str, size: int) -> None:
    """Give back ``size`` bytes charged to ``root``'s maps (never below zero)."""
    if size <= 0:
        return
    try:
        fd = _open_ledger(root)
    except OSError:
        return
    try:
        lock_file(fd)
        _write(fd, _read(fd) - size)
    finally:
        close_lock_file(fd)


def charged(root: str) -> int:
    """The bytes the ledger says ``root``'s maps hold."""
    try:
        fd = os.open(os.path.join(root, _LEDGER), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return 0
    try:
        return _read(fd)
    finally:
        os.close(fd)
