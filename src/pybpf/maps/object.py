"""BPF objects as files: each map is an unnamed file in a bpffs-like directory, shared by mmap.

Mirrors the kernel's anon-inode bpf objects (``bpf_map_new_fd``, ``__bpf_map_get``) and their
lifetime: the object lives exactly as long as some fd, mapping or pin (hard link) refers to its
file, so ``close``, ``dup``, ``fork`` and SCM_RIGHTS behave as the seed's NOTES say because the
operating system itself counts the references.

* The file is ``open(root, O_TMPFILE | O_RDWR | O_CLOEXEC, 0o600)`` where root is ``$PYBPF_BPFFS``
  (default ``/dev/shm/pybpf-bpffs``, created if missing); pinning hard-links it into root.
* Layout: the map's storage at offset 0 (page aligned, so ``mmap(fd, 0)`` of an mmapable array
  shows the values), then one trailer page holding the header (magic, version, kind, map_type,
  key_size, value_size, max_entries, flags, id, name, frozen; since version 2 also the map's BTF:
  btf_id, btf_key_type_id, btf_value_type_id and the bpf_spin_lock offset + 1, 0 meaning none),
  the shared lock, and after the lock the storage offset up to which growth has been charged and
  the ``excl_prog_hash`` given at creation (a flag word, then the SHA-256); after map_extra a word
  set when the creator had no Spectre v1 bypass (``MapObject.bypass_spec_v1``).
* Memory: the creator charges the map's up-front memory to the root's ledger
  (``pybpf.objects.accounting``: ENOMEM past the limit or past the machine's RAM), then backs the
  trailer page and ``MapOps.reserved_size`` bytes of storage with memory (``fallocate``: ENOMEM when
  the tmpfs is full), so accessing them can never raise SIGBUS.  Types that grow back the rest on
  demand through ``reserve_storage`` (``madvise(MADV_POPULATE_WRITE)``, charged to the ledger as it
  grows); on a kernel without it they are backed whole at creation.
* Opening a map someone else created trusts nothing in its header: the parameters must pass the
  type's ``check``, the layout must fit the file, the spin lock must lie inside the value; otherwise
  EUCLEAN (see ``pybpf.maps.base``, "Shared structure may be corrupted").
* A process maps each object once; the cache is keyed by ``(st_dev, st_ino)``, bounded (oldest first
  out, ``MapObject.cache_limit``) and lets go of released maps (``pybpf.objects.cache``), because a
  cached mapping keeps a closed map's memory alive.  An fd that is not such a file gives EINVAL (the
  kernel's "not a map fd"), a closed fd EBADF.
* Element commands resolve an fd through ``map_and_mode``: the object and the fd's access mode,
  remembered per open file description and re-checked with one ``lseek`` per call (see there);
  ``resolve_fd`` also gives the token, for callers that keep the answer themselves.
* Object ids are unique across processes: a counter file in root updated under ``fcntl.lockf``.
* When a map's last fd and pin are gone, ``pybpf.objects.refs`` calls its type's
  ``release_user_references`` (the kernel's ``map_release_uref``: prog arrays empty their slots),
  and for what released open files stored, ``release_closed_files`` (``map_release``: perf event
  arrays); ``MapOps.file_alive`` tells a type whether the open file a tag names still exists.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import mmap
import os
import stat
import struct
import weakref
from collections.abc import Callable
from typing import ClassVar

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.maps.base import MapOps, MapParams, corrupted, round_up
from pybpf.maps.registry import lookup_map_type
from pybpf.objects import accounting, refs
from pybpf.objects.backing import can_populate, page_ceil, page_floor, populate, reserve_file
from pybpf.objects.cache import ObjectCache
from pybpf.objects.files import (
    MAGIC,
    PAGE,
    VERSION,
    address_of,
    allocation_failure,
    bpffs_root,
    map_file,
    next_object_id,
)
from pybpf.objects.locking import MUTEX_BYTES, SharedMutex, init_mutex

KIND_MAP = 1

# magic, version, kind, map_type, key_size, value_size, max_entries, flags, id, name[16], frozen
_HEADER = struct.Struct("<8s8I16sI")
_FROZEN_AT = _HEADER.size - 4
# version 2: btf_id, btf_key_type_id, btf_value_type_id, spin_lock_off + 1 (0: no bpf_spin_lock)
_BTF_HEADER = struct.Struct("<4I")
_BTF_AT = 64
_EXTRA = struct.Struct("<Q")
_EXTRA_AT = 80
"""map_extra (bloom filters: the number of hash functions), as bpf_map_info reports it."""
_SPEC_V1 = struct.Struct("<I")
_SPEC_V1_AT = 88
"""1 when the map was created by a caller without ``bpf_bypass_spec_v1()`` (0: with it)."""
_LOCK_AT = 128
_CHARGED = struct.Struct("<Q")
_CHARGED_AT = 256
"""The storage offset up to which a growing map's memory has been charged to the ledger."""
_EXCL = struct.Struct("<I32s")
_EXCL_AT = 264
"""``excl_prog_hash``: a u32 set when given, then its 32 bytes (the SHA-256 of the one program
allowed to use the map; checked when a program is loaded)."""
_ATTACHED = struct.Struct("<4I4I")
_ATTACHED_AT = 304
"""The programs attached to a sockmap or sockhash (``struct sk_psock_progs``, BPF_PROG_ATTACH):
the ids of its msg_parser, stream_parser, stream_verdict and skb_verdict programs, then the ids of
the links that attached them (0: none).  Written with the map's lock held."""
ATTACHED_SLOTS = 4
_SPIN_LOCK_SIZE = 4
ARRAY_ALLOC_TYPES = frozenset(
    {
        uapi.BPF_MAP_TYPE_ARRAY,
        uapi.BPF_MAP_TYPE_PERCPU_ARRAY,
        uapi.BPF_MAP_TYPE_PROG_ARRAY,
        uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY,
        uapi.BPF_MAP_TYPE_CGROUP_ARRAY,
        uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS,
    }
)
"""The map types the kernel allocates with ``array_map_alloc`` (kernel/bpf/arraymap.c), the only one
that records ``map->bypass_spec_v1``."""


MAP_STRUCT_BYTES = 1024
"""The bytes of ``MapObject.struct_image``: the largest map struct of Linux 6.18 (``struct bpf_htab``,
832 bytes on x86-64) and room to spare; a longer struct of another kernel is imaged this far."""


class MapObject:
    """One map object as this process sees it: its shared mapping, header and implementation."""

    cache_limit: ClassVar[int] = 128
    _cache: ClassVar[ObjectCache[tuple[int, int], MapObject]] = ObjectCache("map", cache_limit)
    """Mappings kept per process (at most ``cache_limit``); a mapping keeps its file alive, so the
    cache is bounded and lets go of released maps (``pybpf.objects.cache``); a mapping is unmapped
    once no call uses it."""
    _created: ClassVar[int] = 0

    @classmethod
    def _remember(cls, key: tuple[int, int], obj: MapObject) -> MapObject:
        return cls._cache.remember(key, obj, obj.root, obj.id, limit=cls.cache_limit)

    def __init__(self, mm: mmap.mmap, header_at: int, *, fresh: bool = False) -> None:
        """The object over ``mm``; ``fresh``: the creator's (its header was just written), else the
        header and layout are checked like any shared data (EUCLEAN when inconsistent)."""
        self.mm = mm
        self.header_at = header_at
        self.frozen_at = header_at + _FROZEN_AT
        """Offset in ``mm`` of the frozen flag's low byte (the u32 is only ever 0 or 1)."""
        fields = _HEADER.unpack_from(mm, header_at)
        _, _, _, map_type, key_size, value_size, max_entries, flags, obj_id, name, _ = fields
        (map_extra,) = _EXTRA.unpack_from(mm, header_at + _EXTRA_AT)
        self.params = MapParams(map_type, key_size, value_size, max_entries, flags, map_extra=map_extra)
        self.id: int = obj_id
        self.name: bytes = name.rstrip(b"\0")
        impl = lookup_map_type(map_type)
        if impl is None:
            raise BPFError(errno.EINVAL, f"map type {map_type} not supported by this pybpf")
        if not fresh:
            try:
                impl.check(self.params)
            except BPFError as exc:
                raise corrupted(f"the header's parameters are refused: {exc.strerror}") from None
        self.impl: MapOps = impl(self.params, memoryview(mm)[:header_at])
        if not fresh and self.impl.layout_size() > header_at:
            raise corrupted(f"its layout needs {self.impl.layout_size()} bytes, the file has {header_at}")
        self.root = bpffs_root()
        """The bpffs-like root the map lives in (its ids, references and ledger)."""
        self.impl.attach_storage(_StorageReserver(mm, header_at, self.root))
        self.impl.file_alive = refs.files_of(self.root, "map", obj_id)
        base = address_of(mm)
        self.address: int = base
        """The real address of the storage (offset 0): what a program's ``lddw map_fd`` holds."""
        self.storage_size: int = header_at
        self.struct_image = (ctypes.c_char * MAP_STRUCT_BYTES)()
        """This process's image of the map's kernel struct (``struct bpf_array``, ``bpf_htab`` ...),
        which programs read through the map pointer: filled and put in a run's memory by
        ``pybpf.helpers.map_image``; memory of its own, never the map's storage or header."""
        self.pointer: int = ctypes.addressof(self.struct_image)
        """The map itself as programs see it (``lddw map_fd``): the address of ``struct_image``, which
        no value shares, so a map reference and a value reference never look alike."""
        _LIVE[base] = self
        _POINTERS[self.pointer] = self
        self.lock = SharedMutex(base + header_at + _LOCK_AT, self.impl.recover)
        self.impl.attach_settle(_settler(weakref.ref(self)))  # (weakly: no cycle keeps the mapping)
        if not fresh and self.impl.unsettled():  # a writer died inside a copy: complete it now
            self._settle()
        btf_id, key_type_id, value_type_id, lock_plus_one = _BTF_HEADER.unpack_from(mm, header_at + _BTF_AT)
        self.btf_id: int = btf_id
        self.btf_key_type_id: int = key_type_id
        self.btf_value_type_id: int = value_type_id
        self.spin_lock_off: int | None = lock_plus_one - 1 if lock_plus_one else None
        """Offset of the ``struct bpf_spin_lock`` in each value (BTF-described maps), or None."""
        if self.spin_lock_off is not None and self.spin_lock_off + _SPIN_LOCK_SIZE > value_size:
            raise corrupted(f"bpf_spin_lock offset {self.spin_lock_off} outside a {value_size}-byte value")
        self.impl.spin_lock_off = self.spin_lock_off
        (unpriv,) = _SPEC_V1.unpack_from(mm, header_at + _SPEC_V1_AT)
        self.bypass_spec_v1: bool = map_type in ARRAY_ALLOC_TYPES and not unpriv
        """``map->bypass_spec_v1``: array_map_alloc() sets it from its creator's
        ``bpf_bypass_spec_v1()``; every other map keeps it false.  The verifier masks a tail call's
        index through a prog array without it (``pybpf.verifier.fixups_spectre``)."""
        self.holds_async: bool = False
        """Whether the values hold a ``struct bpf_timer`` or ``bpf_wq`` (found in the map's BTF by the
        kernel layer before a program using the map is built, ``pybpf.kernel.btfobj.async_fields``):
        then a program's updates and deletes stay in Python, which frees those fields
        (``pybpf.helpers.timers``), never in the JIT's native code."""
        present, digest = _EXCL.unpack_from(mm, header_at + _EXCL_AT)
        self.excl_prog_hash: bytes | None = digest if present else None
        """The SHA-256 of the only program allowed to use this map (``excl_prog_hash``), or None."""

    def _settle(self) -> None:
        """``MapOps.settle``: take and release the lock (waiting for a live writer; the robust
        mutex has ``recover`` complete a dead one's published write).  A write still published once
        the lock is held has no writer (another process wrote the storage): ``recover`` settles it."""
        with self.lock:
            if self.impl.unsettled():
                self.impl.recover()

    @property
    def map_type(self) -> int:
        return self.params.map_type

    def direct_value_address(self, off: int) -> int:
        """``map_direct_value_addr`` (BPF_PSEUDO_MAP_VALUE): the address of byte ``off`` of the map's
        one value, for the types that have one (``MapOps.direct_value_offset``)."""
        return self.address + self.impl.direct_value_offset(off)

    def contains(self, address: int) -> bool:
        """Whether ``address`` lies inside this map's storage."""
        return self.address <= address < self.address + self.storage_size

    @property
    def frozen(self) -> bool:
        """Whether BPF_MAP_FREEZE ran (hot paths may test ``obj.mm[obj.frozen_at]`` themselves)."""
        # One byte suffices: the word is only ever 0 or 1 (little-endian), and mmap indexing is cheap.
        return bool(self.mm[self.frozen_at])

    def freeze(self) -> None:
        struct.pack_into("<I", self.mm, self.header_at + _FROZEN_AT, 1)

    def attached(self) -> tuple[list[int], list[int]]:
        """(program ids, link ids) of the ``ATTACHED_SLOTS`` attach points of a sockmap or sockhash
        (``sk_psock_progs``; 0: empty); read with the lock held."""
        ids = _ATTACHED.unpack_from(self.mm, self.header_at + _ATTACHED_AT)
        return list(ids[:ATTACHED_SLOTS]), list(ids[ATTACHED_SLOTS:])

    def set_attached(self, slot: int, prog_id: int, link_id: int = 0) -> None:
        """Attach program ``prog_id`` (0: none) at ``slot``, through link ``link_id`` (0: none); with
        the lock held (the references are the caller's)."""
        struct.pack_into("<I", self.mm, self.header_at + _ATTACHED_AT + 4 * slot, prog_id)
        struct.pack_into("<I", self.mm, self.header_at + _ATTACHED_AT + 4 * (ATTACHED_SLOTS + slot), link_id)

    # --- memory -----------------------------------------------------------------------------
    @staticmethod
    def up_front_bytes(impl: type[MapOps], params: MapParams) -> int:
        """The memory a new map takes at creation: its reserved storage and the trailer page."""
        storage = round_up(impl.storage_size(params), PAGE)
        reserved = storage if not can_populate() else min(storage, page_ceil(impl.reserved_size(params)))
        return reserved + PAGE

    @classmethod
    def charge_memory(cls, params: MapParams) -> int:
        """``bpf_map_area_alloc``'s refusals for a new map, and its charge: ENOMEM when its up-front
        memory exceeds the machine's RAM or the root's map memory limit.  Returns the bytes charged
        (``create`` takes them over; a caller that does not create must ``uncharge`` them)."""
        impl = lookup_map_type(params.map_type)
        if impl is None:
            return 0
        size = cls.up_front_bytes(impl, params)
        accounting.check_area(size)
        root = bpffs_root()
        accounting.charge(
            root, size, lambda: refs.allocated_bytes(root, "map"), lambda: refs.collect(root, wait=True)
        )
        return size

    # --- creation and lookup ----------------------------------------------------------------
    @classmethod
    def create(
        cls,
        params: MapParams,
        name: bytes,
        btf: tuple[int, int, int, int | None] | None = None,
        *,
        excl_prog_hash: bytes | None = None,
        charged: int | None = None,
        bypass_spec_v1: bool = True,
    ) -> int:
        """Create the object's file; returns a new close-on-exec fd referring to it.

        ``btf``: (btf_id, btf_key_type_id, btf_value_type_id, spin lock offset or None) of a
        BTF-described map (see ``pybpf.kernel.btfobj``).  ``charged``: what ``charge_memory``
        returned for this map (None: charge it here); given back if creation fails.
        ``bypass_spec_v1``: the creator's ``bpf_bypass_spec_v1()``.
        """
        impl = lookup_map_type(params.map_type)
        if impl is None:
            raise BPFError(
                errno.EINVAL, f"map type {params.map_type}: unknown or not yet implemented in pybpf"
            )
        impl.check_adjusted(params)
        root = bpffs_root()
        if charged is None:
            charged = cls.charge_memory(params)
        try:
            return cls._create_file(impl, params, name, btf, excl_prog_hash, charged, bypass_spec_v1)
        except BaseException:
            accounting.uncharge(root, charged)
            raise

    @classmethod
    def _create_file(  # noqa: PLR0917
        cls,
        impl: type[MapOps],
        params: MapParams,
        name: bytes,
        btf: tuple[int, int, int, int | None] | None,
        excl_prog_hash: bytes | None,
        charged: int,
        bypass_spec_v1: bool,
    ) -> int:
        storage = round_up(impl.storage_size(params), PAGE)
        root = bpffs_root()
        cls._created += 1
        if cls._created % 32 == 0:  # release maps nobody uses any more, now and then
            refs.collect(root)
        fd = refs.new_object_file(root, 0o600)
        try:
            try:
                os.ftruncate(fd, storage + PAGE)
                reserve_file(fd, storage, PAGE)  # the trailer: header and lock
                reserve_file(fd, 0, charged - PAGE)  # the storage backed up front
                mm = map_file(fd, storage + PAGE)
            except OSError as exc:
                raise allocation_failure(exc, "cannot allocate map") from exc
            header = (MAGIC, VERSION, KIND_MAP, params.map_type, params.key_size, params.value_size,
                      params.max_entries, params.flags, next_object_id("map", root), name, 0)  # fmt: skip
            _HEADER.pack_into(mm, storage, *header)
            _EXTRA.pack_into(mm, storage + _EXTRA_AT, params.map_extra)
            _CHARGED.pack_into(mm, storage + _CHARGED_AT, charged - PAGE)
            _SPEC_V1.pack_into(mm, storage + _SPEC_V1_AT, 0 if bypass_spec_v1 else 1)
            if excl_prog_hash is not None:
                _EXCL.pack_into(mm, storage + _EXCL_AT, 1, excl_prog_hash)
            if btf is not None:
                lock_plus_one = 0 if btf[3] is None else btf[3] + 1
                _BTF_HEADER.pack_into(mm, storage + _BTF_AT, btf[0], btf[1], btf[2], lock_plus_one)
            init_mutex(address_of(mm) + storage + _LOCK_AT)
            obj = cls(mm, storage, fresh=True)
            obj.impl.initialize()
            refs.register_holder(root, "map", obj.id, fd)  # the anchor: see pybpf.objects.refs
            st = os.fstat(fd)
            cls._remember((st.st_dev, st.st_ino), obj)
        except BaseException:
            os.close(fd)
            raise
        return fd

    @classmethod
    def from_fd(cls, fd: int) -> MapObject:
        """The map object ``fd`` refers to; EBADF for a closed fd, EINVAL for any other file."""
        try:
            st = os.fstat(fd)
        except OSError as exc:
            raise BPFError(errno.EBADF, f"fd {fd} is not open") from exc
        key = (st.st_dev, st.st_ino)
        obj = cls._cache.peek(key)
        if obj is not None:
            return obj
        if not stat.S_ISREG(st.st_mode) or st.st_size < 2 * PAGE or st.st_size % PAGE:
            raise BPFError(errno.EINVAL, f"fd {fd} is not a bpf map")
        try:
            raw = os.pread(fd, _HEADER.size, st.st_size - PAGE)
        except OSError as exc:
            raise BPFError(errno.EINVAL, f"fd {fd} is not a bpf map") from exc
        if len(raw) != _HEADER.size or raw[:8] != MAGIC or _HEADER.unpack(raw)[2] != KIND_MAP:
            raise BPFError(errno.EINVAL, f"fd {fd} is not a bpf map")
        mm = map_file(fd, st.st_size)  # never through ``fd`` itself: see there
        try:
            obj = cls(mm, st.st_size - PAGE)
        except (struct.error, ValueError, IndexError, OverflowError, TypeError) as exc:
            raise corrupted(f"fd {fd}: {exc}") from None
        return cls._remember(key, obj)


def _settler(ref: weakref.ref[MapObject]) -> Callable[[], None]:
    """``MapOps.settle`` of the map object ``ref`` names (``MapObject._settle``)."""

    def settle() -> None:
        obj = ref()
        if obj is not None:
            obj._settle()

    return settle


class _StorageReserver:
    """``MapOps.reserve_storage`` of one mapped map: back storage bytes [start, end) with memory,
    charging what the map has not been charged for yet to the root's ledger; ENOMEM when either
    fails.  Called with the map's lock held (the charged mark in the header is shared).  (Its own
    object, not a method of ``MapObject``: the implementation holding it must not keep the object,
    and so its mapping, alive in a reference cycle.)"""

    def __init__(self, mm: mmap.mmap, storage_size: int, root: str) -> None:
        self.mm = mm
        self.storage_size = storage_size
        self.root = root
        """The root whose ledger this map's growth is charged to."""

    def __call__(self, start: int, end: int) -> None:
        end = min(page_ceil(end), self.storage_size)
        if end <= start or not can_populate():
            return  # nothing asked, or everything was backed at creation
        at = self.storage_size + _CHARGED_AT
        charged_end = min(int(_CHARGED.unpack_from(self.mm, at)[0]), self.storage_size)
        if end > charged_end:
            root = self.root
            accounting.charge(root, end - charged_end, lambda: refs.allocated_bytes(root, "map"))
            _CHARGED.pack_into(self.mm, at, end)
        populate(address_of(self.mm) + page_floor(start), end - page_floor(start))


_TOKEN_BASE = 1 << 42
"""File positions at or above this mark an open file description as seen by ``map_and_mode``.

Below ``pybpf.objects.refs``' lock range (1 << 40 .. + 1 << 30 is locks, not data: positions are
independent) and far below every file system's maximum file size that pybpf's root may live on
(ext4: 1 << 44), yet never a position a map's file reaches by reading it."""
_TOKEN_SPAN = 1 << 41
_FDS: dict[int, tuple[int, weakref.ref[MapObject], int]] = {}
"""fd -> (token, object, access mode) for the fds ``map_and_mode`` has validated.  The object is held
weakly: only ``MapObject``'s bounded cache keeps mappings (and the fd each mmap holds) alive."""


def map_and_mode(fd: int) -> tuple[MapObject, int]:
    """The map object ``fd`` refers to and the fd's access mode (``O_RDONLY``/``O_WRONLY``/``O_RDWR``).

    What the kernel's ``fdget`` + ``__bpf_map_get`` + ``map_get_sys_perms`` answer, at the cost of
    one ``lseek`` for an fd seen before: the first call validates the fd the slow way (``fstat``,
    ``F_GETFL``, ``MapObject.from_fd``) and marks its open file description by moving its file
    position to a random token (map files are only ever used through mmap and pread/pwrite, so the
    position is free); later calls compare ``lseek(fd, 0, SEEK_CUR)`` with the token.  A closed fd
    fails the lseek (EBADF from the slow path, as before) and an fd number reused for another open
    file description -- even of the same map, with another access mode -- has another position
    (0 for a fresh open, another token for another marked description), so it is validated again.
    The access mode of a description never changes (``F_SETFL`` cannot change it), and whether the
    map is frozen is read from the shared header by the caller, so both stay exact.  Descriptions
    shared by ``dup``, ``fork`` or SCM_RIGHTS share the position: a process that sees a token it
    did not set validates the fd once and adopts it.
    """
    entry = _FDS.get(fd)
    if entry is not None:
        obj = entry[1]()
        try:
            if obj is not None and os.lseek(fd, 0, os.SEEK_CUR) == entry[0]:
                return obj, entry[2]
        except OSError:
            pass  # closed: the slow path raises EBADF
    return _validate(fd)


def resolve_fd(fd: int) -> tuple[MapObject, int, int]:
    """``map_and_mode(fd)`` and the token marking the fd's open file description, for a caller that
    keeps the answer between calls: it stays true while ``lseek(fd, 0, SEEK_CUR)`` returns the token,
    the check ``map_and_mode`` makes.  The token is -1 (never a position) when the description could
    not be marked: such a caller resolves the fd again on every call."""
    obj, mode = map_and_mode(fd)
    entry = _FDS.get(fd)
    if entry is None or entry[1]() is not obj or entry[2] != mode:
        return obj, mode, -1
    return obj, mode, entry[0]


def _validate(fd: int) -> tuple[MapObject, int]:
    _FDS.pop(fd, None)
    obj = MapObject.from_fd(fd)
    mode = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
    try:
        token = os.lseek(fd, 0, os.SEEK_CUR)
        if not _TOKEN_BASE <= token < _TOKEN_BASE + _TOKEN_SPAN:
            if token:
                return obj, mode  # somebody uses this file's position: leave it alone, never cache
            # os.urandom, not random: forked processes share random's state
            token = _TOKEN_BASE + int.from_bytes(os.urandom(8), "little") % _TOKEN_SPAN
            os.lseek(fd, token, os.SEEK_SET)
    except OSError:
        return obj, mode
    if len(_FDS) >= 4 * MapObject.cache_limit:
        _FDS.clear()  # entries of fds closed long ago
    _FDS[fd] = (token, weakref.ref(obj), mode)
    return obj, mode


def map_object_at(address: int) -> MapObject | None:
    """The mapped map (of this process) that ``address`` points to or into, or None.

    Helpers receive a map as the address a program's ``lddw map_fd`` produced (``MapObject.pointer``)
    and values as addresses inside its storage; this turns either back into the object.
    """
    found = _POINTERS.get(address) or _LIVE.get(address)
    if found is not None:
        return found
    for obj in list(_LIVE.values()):
        if obj.contains(address):
            return obj
    return None


def _release_held(root: str, map_id: int, fd: int, users_gone: bool) -> bool:
    """What map ``map_id`` (its file open as ``fd``) lets go of before it dies: what the open files
    already released stored (``MapOps.release_closed_files``, the kernel's ``map_release``) and,
    once its last fd and pin are gone, what the type empties then (``release_user_references``,
    ``map_release_uref``); the references to the objects it no longer holds are dropped.  Whether it
    let go of anything."""
    obj = MapObject.from_fd(fd)
    kind = obj.impl.fd_kind
    if obj.id != map_id:
        return False
    with obj.lock:
        gone = obj.impl.release_closed_files() if kind is not None else []
        if users_gone and kind is not None:
            gone += obj.impl.release_user_references()
        for held in set(gone):
            refs.drop_ref(root, ("map", map_id), (kind.value if kind is not None else "prog", held))
        detached = _detach_all(obj) if users_gone else []
        for prog_id in set(detached):
            refs.drop_ref(root, ("map", map_id), ("prog", prog_id))
    return bool(gone or detached)


def _detach_all(obj: MapObject) -> list[int]:
    """``sock_map_release_progs`` (a sockmap's ``map_release_uref``): every attached program let go
    of (a link that attached one holds its own reference); the ids of the programs detached."""
    progs, _ = obj.attached()
    if not any(progs):
        return []
    for slot in range(ATTACHED_SLOTS):
        obj.set_attached(slot, 0)
    return [prog for prog in progs if prog]


refs.on_last_user_reference("map", _release_held)

_LIVE: weakref.WeakValueDictionary[int, MapObject] = weakref.WeakValueDictionary()
"""Every map object of this process that is still referenced (cached or used by a program), by address."""
_POINTERS: weakref.WeakValueDictionary[int, MapObject] = weakref.WeakValueDictionary()
"""The same objects by ``MapObject.pointer``."""

assert MUTEX_BYTES + _LOCK_AT <= PAGE and _HEADER.size <= _BTF_AT and _BTF_AT + _BTF_HEADER.size <= _EXTRA_AT
assert _EXTRA_AT + _EXTRA.size <= _SPEC_V1_AT and _SPEC_V1_AT + _SPEC_V1.size <= _LOCK_AT
assert _EXTRA_AT + _EXTRA.size <= _LOCK_AT and _LOCK_AT + MUTEX_BYTES <= _CHARGED_AT
assert _CHARGED_AT + _CHARGED.size <= _EXCL_AT and _EXCL_AT + _EXCL.size <= _ATTACHED_AT
assert _ATTACHED_AT + _ATTACHED.size <= PAGE
