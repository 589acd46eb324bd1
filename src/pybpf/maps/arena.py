"""BPF_MAP_TYPE_ARENA: a sparse page-granular memory region shared by programs and user space.

Mirrors ``kernel/bpf/arena.c`` and ``kernel/bpf/range_tree.c`` (Linux 6.18):

* creation (``arena_map_alloc``): key_size and value_size 0, max_entries (the pages) non-zero,
  BPF_F_MMAPABLE required and no flag but BPF_F_SEGV_ON_FAULT and BPF_F_NO_USER_CONV (EINVAL);
  ``map_extra`` is the user address the arena must be mapped at, page aligned (EINVAL), the range
  at most 4 GiB (E2BIG) and not crossing a 4 GiB boundary (ERANGE);
* element commands: lookup EINVAL, update, delete and get_next_key EOPNOTSUPP; the map has no
  BTF check of its own (``arena_map_check_btf`` accepts anything);
* the arena's address: user space fixes it, at creation (``map_extra``) or with its first
  mapping (``arena_map_mmap``: later mappings must be at the same address and of the same size,
  EBUSY); ``pybpf.maps.arena_mapping`` maps it.  Programs see an arena pointer as the low 32
  bits of its user address: byte ``lo32(user address) - lo32(user_vm_start)`` of the pages;
* the pages: a range tree of free page offsets (``range_tree``: maximal runs, found best-fit --
  the smallest run that fits, of equal ones the one changed last) and a bitmap of the pages that
  have memory.  ``alloc_pages`` / ``free_pages`` / ``reserve_pages`` are ``arena_alloc_pages``,
  ``arena_free_pages`` and ``arena_reserve_pages`` (the kfuncs' bodies); a user-space access to a
  page no program allocated gives it memory (``arena_vm_fault``), which ``sync_user_faults`` finds
  (``mincore``: the page is resident) and records as the kernel's fault handler would.

Storage (all in the map's shared file; see ``pybpf.maps.base``): a header (user_vm_start,
user_vm_end, the run count, the change counter), the free runs (start, last, change stamp; at most
``max_entries // 2 + 1`` of them), the page bitmap, then, page aligned, the pages themselves, which
are backed with memory only while allocated (freeing punches them out of the file).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import re
import struct

from pybpf import uapi
from pybpf.btf.raw import RawType
from pybpf.errors import BPFError
from pybpf.maps.base import MapOps, MapParams, corrupted, round_up
from pybpf.maps.registry import register
from pybpf.objects.backing import populate
from pybpf.objects.files import PAGE

SZ_4G = 1 << 32
GUARD_SZ = round_up(1 << 16, PAGE << 1)
"""The guard around the kernel's 4 GiB arena window: every LDX/STX offset (s16) lands inside it."""
ARENA_FLAGS = uapi.BPF_F_SEGV_ON_FAULT | uapi.BPF_F_MMAPABLE | uapi.BPF_F_NO_USER_CONV
EOPNOTSUPP = errno.EOPNOTSUPP

_HEADER = struct.Struct("<QQII")  # user_vm_start, user_vm_end, free run count, change counter
_RUN = struct.Struct("<III")  # start, last (inclusive), change stamp
_RUNS_AT = 64
_MADV_REMOVE = 9
_RESIDENT = re.compile(rb"[\x01-\xff]")
"""A resident page's ``mincore`` byte (bit 0 set; the other bits are reserved, 0)."""


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    libc.mincore.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p)
    return libc


def _max_runs(pages: int) -> int:
    return pages // 2 + 1


def _layout(pages: int) -> tuple[int, int]:
    """(offset of the page bitmap, offset of the pages) in the storage of an arena of ``pages``."""
    bitmap_at = round_up(_RUNS_AT + _max_runs(pages) * _RUN.size, 8)
    data_at = round_up(bitmap_at + round_up(pages, 64) // 8, PAGE)
    return bitmap_at, data_at


def clear_lo32(value: int) -> int:
    """``clear_lo32``: the upper half of a 64-bit address."""
    return value & ~0xFFFFFFFF & ((1 << 64) - 1)


@register(uapi.BPF_MAP_TYPE_ARENA)
class ArenaMap(MapOps):
    """An arena: ``max_entries`` pages, allocated by programs or faulted in by user space."""

    takes_map_extra = True
    own_btf_check = True
    can_mmap = True
    arena = True

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        self.bitmap_at, self.data_at = _layout(params.max_entries)
        self.size = params.max_entries * PAGE
        """Bytes of the arena's user range (its pages)."""

    # --- creation -------------------------------------------------------------------------------
    @classmethod
    def check(cls, params: MapParams) -> None:
        """``arena_map_alloc``'s refusals, in its order."""
        if (
            params.key_size
            or params.value_size
            or params.max_entries == 0
            or not params.flags & uapi.BPF_F_MMAPABLE
            or params.flags & ~ARENA_FLAGS
        ):
            raise BPFError(errno.EINVAL, "invalid arena attributes")
        if params.map_extra % PAGE:
            raise BPFError(errno.EINVAL, "the arena's user address (map_extra) must be page aligned")
        vm_range = params.max_entries * PAGE
        if vm_range > SZ_4G:
            raise BPFError(errno.E2BIG, "an arena holds at most 4 GiB")
        if params.map_extra >> 32 != (params.map_extra + vm_range - 1) >> 32:
            raise BPFError(errno.ERANGE, "the arena's user range may not cross a 4 GiB boundary")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return _layout(params.max_entries)[1] + params.max_entries * PAGE

    @classmethod
    def reserved_size(cls, params: MapParams) -> int:
        return _layout(params.max_entries)[1]

    @classmethod
    def check_btf(cls, params: MapParams, key_type: RawType | None, value_type: RawType) -> None:
        """``arena_map_check_btf``: any BTF."""

    def initialize(self) -> None:
        """``range_tree_set(&rt, 0, max_entries)``; the user address of ``map_extra``."""
        start = self.params.map_extra
        _HEADER.pack_into(self.mem, 0, start, start + self.size if start else 0, 0, 0)
        self._write_runs([(0, self.max_entries - 1, 0)], 0)

    def layout_size(self) -> int:
        return self.data_at + self.size

    # --- element commands -------------------------------------------------------------------------
    def lookup(self, key: bytes) -> bytes:
        raise BPFError(errno.EINVAL, "arenas have no elements")

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        raise BPFError(EOPNOTSUPP, "arenas have no elements")

    def delete(self, key: bytes) -> None:
        raise BPFError(EOPNOTSUPP, "arenas have no elements")

    def get_next_key(self, key: bytes | None) -> bytes:
        raise BPFError(EOPNOTSUPP, "arenas have no keys")

    def mmap_check(self, offset: int, length: int, writable: bool) -> None:
        """The arena's own mapping rules live in ``pybpf.maps.arena_mapping`` (they need the address)."""

    # --- the user range ---------------------------------------------------------------------------
    @property
    def user_vm_start(self) -> int:
        start: int = _HEADER.unpack_from(self.mem, 0)[0]
        return start

    @property
    def user_vm_end(self) -> int:
        end: int = _HEADER.unpack_from(self.mem, 0)[1]
        return end

    def set_user_range(self, start: int, end: int) -> None:
        """``arena_map_mmap``: the first mapping fixes the user range (called with the lock held)."""
        _, _, count, counter = _HEADER.unpack_from(self.mem, 0)
        _HEADER.pack_into(self.mem, 0, start, end, count, counter)

    def direct_value_offset(self, off: int) -> int:
        """``arena_map_direct_value_addr``: ERANGE past the user range.  A program's ``lddw`` of the
        arena's "value" gets the user address ``user_vm_start + off``: the answer is relative to the
        storage (what ``MapObject.direct_value_address`` adds it to), so it lands there."""
        if off > self.user_vm_end - self.user_vm_start:
            raise BPFError(errno.ERANGE, "offset past the arena")
        return self.user_vm_start + off - ctypes.addressof(ctypes.c_char.from_buffer(self.mem))

    # --- the range tree of free pages -------------------------------------------------------------
    def _read_runs(self) -> tuple[list[tuple[int, int, int]], int]:
        _, _, count, counter = _HEADER.unpack_from(self.mem, 0)
        if count > _max_runs(self.max_entries):
            raise corrupted(f"{count} free runs in an arena of {self.max_entries} pages")
        runs = [_RUN.unpack_from(self.mem, _RUNS_AT + i * _RUN.size) for i in range(count)]
        previous = -1
        for start, last, _ in runs:
            if not previous < start <= last < self.max_entries:
                raise corrupted("the arena's free runs are out of order")
            previous = last + 1  # maximal runs: never adjacent
        return runs, counter

    def _write_runs(self, runs: list[tuple[int, int, int]], counter: int) -> None:
        for i, run in enumerate(runs):
            _RUN.pack_into(self.mem, _RUNS_AT + i * _RUN.size, *run)
        start, end, _, _ = _HEADER.unpack_from(self.mem, 0)
        _HEADER.pack_into(self.mem, 0, start, end, len(runs), counter)

    def _clear(self, start: int, count: int) -> None:
        """``range_tree_clear``: mark pages [start, start + count) taken; what remains of a run it cut
        is re-inserted (a new stamp), the left piece before the right one."""
        runs, counter = self._read_runs()
        last = start + count - 1
        kept: list[tuple[int, int, int]] = []
        for rs, rl, stamp in runs:
            if rl < start or rs > last:
                kept.append((rs, rl, stamp))
                continue
            if rs < start:
                counter += 1
                kept.append((rs, start - 1, counter))
            if rl > last:
                counter += 1
                kept.append((last + 1, rl, counter))
        self._write_runs(kept, counter & 0xFFFFFFFF)

    def _set(self, start: int, count: int) -> None:
        """``range_tree_set``: mark pages [start, start + count) free, merged with the runs beside them
        (the merged run re-inserted); nothing changes when a run already holds them all."""
        runs, counter = self._read_runs()
        last = start + count - 1
        if any(rs <= start and last <= rl for rs, rl, _ in runs):
            return
        new_start, new_last = start, last
        kept: list[tuple[int, int, int]] = []
        for rs, rl, stamp in runs:
            if rl + 1 >= start and rs <= last + 1:  # overlaps or touches: merged
                new_start, new_last = min(new_start, rs), max(new_last, rl)
            else:
                kept.append((rs, rl, stamp))
        counter += 1
        kept.append((new_start, new_last, counter))
        kept.sort()
        self._write_runs(kept, counter & 0xFFFFFFFF)

    def _is_free(self, start: int, count: int) -> bool:
        """``is_range_tree_set``: one free run holds all of [start, start + count)."""
        last = start + count - 1
        return any(rs <= start and last <= rl for rs, rl, _ in self._read_runs()[0])

    def _find(self, count: int) -> int:
        """``range_tree_find``: the start of the smallest free run of at least ``count`` pages (of equal
        ones, the one inserted last), or -ENOENT."""
        best: tuple[int, int, int] | None = None
        for rs, rl, stamp in self._read_runs()[0]:
            size = rl - rs + 1
            if size >= count and (best is None or size < best[0] or (size == best[0] and stamp > best[1])):
                best = (size, stamp, rs)
        return -errno.ENOENT if best is None else best[2]

    # --- pages with memory ------------------------------------------------------------------------
    def present(self, pgoff: int) -> bool:
        """Whether page ``pgoff`` has memory (a program's access there reaches it)."""
        return bool(self.mem[self.bitmap_at + pgoff // 8] >> (pgoff % 8) & 1)

    def _mark(self, pgoff: int, present: bool) -> None:
        at = self.bitmap_at + pgoff // 8
        bit = 1 << (pgoff % 8)
        self.mem[at] = (self.mem[at] | bit) if present else (self.mem[at] & ~bit)

    def page_address(self, pgoff: int) -> int:
        """The address of page ``pgoff`` in this process's mapping of the storage."""
        return ctypes.addressof(ctypes.c_char.from_buffer(self.mem)) + self.data_at + pgoff * PAGE

    def _punch(self, pgoff: int, count: int) -> None:
        """Give the pages' memory back: they read as zeros again, in every process."""
        if _libc().madvise(self.page_address(pgoff), count * PAGE, _MADV_REMOVE) != 0:
            at = self.data_at + pgoff * PAGE
            self.mem[at : at + count * PAGE] = bytes(count * PAGE)

    def resident(self, pgoff: int, count: int = 1) -> bytes:
        """``mincore`` of pages [pgoff, pgoff + count): a non-zero byte for each page whose memory exists
        (allocated, or given by a user-space access), empty when the call fails."""
        vec = ctypes.create_string_buffer(count)
        if _libc().mincore(self.page_address(pgoff), count * PAGE, vec) != 0:
            return b""
        return vec.raw

    def sync_user_faults(self) -> None:
        """Record the pages user space gave memory by touching them (``arena_vm_fault``: the page is
        taken and has memory).  Called with the lock held, before the range tree is used."""
        for found in _RESIDENT.finditer(self.resident(0, self.max_entries)):  # (a scan at C speed)
            pgoff = found.start()
            if not self.present(pgoff):
                if self._is_free(pgoff, 1):
                    self._clear(pgoff, 1)
                self._mark(pgoff, True)

    # --- the kfuncs' bodies -----------------------------------------------------------------------
    def pgoff_of(self, uaddr: int) -> int:
        """``compute_pgoff``."""
        return ((uaddr - (self.user_vm_start & 0xFFFFFFFF)) & 0xFFFFFFFF) >> 12

    def alloc_pages(self, uaddr: int, page_cnt: int) -> int:
        """``arena_alloc_pages``: the user address of ``page_cnt`` fresh zeroed pages (at ``uaddr``
        when non-zero), or 0.  Called with the lock held."""
        start = self.user_vm_start
        page_cnt_max = (self.user_vm_end - start) >> 12
        if page_cnt > page_cnt_max:
            return 0
        pgoff = 0
        if uaddr:
            if uaddr % PAGE:
                return 0
            pgoff = self.pgoff_of(uaddr)
            if pgoff > page_cnt_max - page_cnt:
                return 0
            if not self._is_free(pgoff, page_cnt):
                return 0
        else:
            pgoff = self._find(page_cnt)
            if pgoff < 0:
                return 0
        self._clear(pgoff, page_cnt)
        try:
            populate(self.page_address(pgoff), page_cnt * PAGE)
        except BPFError:
            self._set(pgoff, page_cnt)
            return 0
        for page in range(pgoff, pgoff + page_cnt):
            self._mark(page, True)
        return clear_lo32(start) + ((start + pgoff * PAGE) & 0xFFFFFFFF)

    def free_pages(self, uaddr: int, page_cnt: int) -> None:
        """``arena_free_pages``: the pages at ``uaddr`` (its low 32 bits, page aligned) go back to the
        range tree and lose their memory.  Called with the lock held."""
        uaddr = uaddr & 0xFFFFFFFF & ~(PAGE - 1)
        full = clear_lo32(self.user_vm_start) + uaddr
        end = min(self.user_vm_end, full + (page_cnt << 12))
        if full >= end:
            return
        count = (end - full) >> 12
        pgoff = self.pgoff_of(uaddr)
        if pgoff + count > self.max_entries:
            return  # below the user range: the kernel's page walk finds no page there
        self._set(pgoff, count)
        for page in range(pgoff, pgoff + count):
            if self.present(page):
                self._mark(page, False)
                self._punch(page, 1)

    def reserve_pages(self, uaddr: int, page_cnt: int) -> int:
        """``arena_reserve_pages``: take [uaddr, + page_cnt pages) without memory so that no
        allocation hands them out; 0, -EINVAL past the range, -EALREADY when some is taken."""
        if uaddr % PAGE:
            return 0
        pgoff = self.pgoff_of(uaddr)
        if pgoff + page_cnt > (self.user_vm_end - self.user_vm_start) >> 12:
            return -errno.EINVAL
        if not self._is_free(pgoff, page_cnt):
            return -errno.EALREADY
        self._clear(pgoff, page_cnt)
        return 0

    # --- programs' accesses -----------------------------------------------------------------------
    def program_offset(self, address: int, size: int) -> int | None:
        """Where a program's arena access of ``size`` bytes at ``address`` (the low 32 bits of a user
        address plus the instruction's offset) lands in the storage, or None where the kernel's
        access would fault (no page there: a load reads 0, a store is dropped)."""
        at = address - (self.user_vm_start & 0xFFFFFFFF)
        if at < 0 or at + size > self.size:
            return None
        first, last = at >> 12, (at + size - 1) >> 12
        if not (self.present(first) and self.present(last)):
            resident = self.resident(first, last - first + 1)  # touched by user space since
            if not resident or not all(byte & 1 for byte in resident):
                return None
        return self.data_at + at


__all__ = ["ARENA_FLAGS", "GUARD_SZ", "SZ_4G", "ArenaMap", "clear_lo32"]
