"""The one interface every map type implements: the user-space ``struct bpf_map_ops``.

Mirrors the kernel's ``bpf_map_ops`` (``include/linux/bpf.h``) for maps whose storage is a byte
range of the object's shared file (see ``pybpf.maps.object``).  Every process that holds the map
maps the same file, so the storage *is* the map: no state may live in Python objects.

``MapParams`` are the creation parameters of a live map, as BPF_MAP_CREATE received them (not a
description of a map to be created: that is a spec, as in cilium/ebpf).  ``MapOps`` is the base
class of the implementations, one instance per (process, map object).  The syscall layer
(``pybpf.kernel``) reaches a map only through ``MapOps``: what a type supports is declared here, as
class attributes, never found out by testing for a concrete class or a ``BPF_MAP_TYPE_*`` number.

The interface
-------------
* creation: ``check`` (``map_alloc_check``), ``adjust_params`` and ``check_alloc`` (what
  ``map_alloc`` changes and refuses before allocating; ``check_adjusted`` re-checks adjusted
  parameters), ``takes_map_extra``, ``storage_size``,
  ``reserved_size`` (what is backed with memory at creation), ``initialize``, ``recover``;
* opening an existing map: ``layout_size`` (the storage the layout read from the shared file needs);
* element operations: ``lookup`` (``lookup_unlocked`` where reads need no lock, see
  ``read_locked``), ``update``, ``delete``, ``get_next_key``, ``lookup_and_delete``;
* values without keys (``push_pop_peek``): ``push``, ``pop``, ``peek``; a bloom filter's
  BPF_MAP_LOOKUP_ELEM tests the caller's value (``lookup_tests_value``);
* batch operations: ``batch_commands`` (the ``map_*_batch`` ops the type has) and ``batch_walk``
  (how lookups iterate: by keys, or by hash bucket with ``bucket_count`` / ``bucket_items``);
* values user space sees: ``user_value_size`` (per-CPU: one 8-byte-rounded slot per possible CPU);
* maps whose values are fds (``fd_kind``): ``check_fd_update``, ``check_fd_object``,
  ``store_object``, ``remove_object``, ``holds``, ``claim_owner``; the syscall layer resolves the fd
  and keeps the references (``pybpf.objects.refs``); ``filled_through`` (the open file an update
  came through, for types that remember it), ``release_user_references`` (the type's
  ``map_release_uref``, when the last fd and pin of the map are gone) and ``release_closed_files``
  (the type's ``map_release``, for what files since released stored);
* values that may carry a program fd (device and CPU maps, ``value_prog_fd_at``):
  ``update_with_programs`` (the syscall layer passes the ``ProgResolver`` that takes the program),
  ``check_value_prog``, ``holds``; redirect targets (``bpf_redirect_map``): ``redirect_flags``,
  ``redirect_target``;
* map-in-maps: ``takes_inner_map``, ``as_inner_template`` (on the inner map), ``meta_equal``,
  ``set_inner_template``;
* BTF-described maps: ``own_btf_check`` + ``check_btf`` (the type's ``map_check_btf`` op; keyless
  maps), ``spin_lock_allowed``; BPF_F_LOCK: ``spin_lock_off`` (the value's ``struct
  bpf_spin_lock``, set from the map's BTF);
* programs' view: ``value_offset``, ``peek_value_offset``, ``evicted``, ``program_update``,
  ``program_delete``, ``direct_value_offset``; ring buffers (``ring_buffer``) the producer side of
  the bpf_ringbuf_* helpers: ``reserve``, ``commit``, ``output``, ``query``.  A value pointer a
  program gets reaches exactly ``value_size`` bytes (``pybpf.helpers.map_access``), so nothing else
  of the storage (headers, links, free lists, positions) is ever visible to programs.
* mapping the fd (``pybpf.maps.mapping``): ``mmap_check``; BPF_OBJ_GET_INFO_BY_FD's ``hash``:
  ``values_hash`` (``map_get_hash``); arenas (``arena``: programs reach the pages through arena
  pointers, ``pybpf.maps.arena``);
* growing storage: ``reserve_storage`` (set by the object, see below).

Shared structure may be corrupted
---------------------------------
A map's storage is shared memory: any process holding the map (or one killed mid-write) may have
left anything in it.  Every implementation treats what it reads there as untrusted: every link is
range-checked before it is followed, every walk over shared structure (hash chains and free lists,
LRU lists, LPM trie paths, queue indices, ring positions) is bounded by a step count or by a
property that strictly progresses, and every index is checked before it is used.  A map whose
structure is found inconsistent answers **EUCLEAN** ("structure needs cleaning", ``corrupted()``)
for the operation that found it -- never a loop, never another exception, never a write outside the
map's storage, and always with the map's lock released.  Iteration with get_next_key always ends
(each key returned is strictly after the previous one), so ``for key in map`` terminates too.
What the corruption did to the map's contents (lost or garbled elements) is not repaired; the
robust-mutex ``recover()`` of a holder that died rebuilds the bookkeeping from what is reachable.
A map file whose header or layout is inconsistent cannot be opened (EUCLEAN).

Storage and memory
------------------
Storage the kernel allocates at creation is backed with memory at creation (``reserved_size``:
the whole storage for preallocated maps), so no access can fault.  Types that grow
(``BPF_F_NO_PREALLOC`` hash maps, LPM tries) reserve only their fixed part and call
``reserve_storage(start, end)`` before touching a byte range of ``mem`` for the first time: it backs
the range with memory and charges it to the root's map memory (``pybpf.objects.accounting``), or
raises ENOMEM, the kernel's answer when an element cannot be allocated.

Freezing is the same for every type pybpf has (BPF_MAP_FREEZE refuses maps whose values hold a
bpf_spin_lock, as the kernel refuses special fields), and mapping is not a map operation here: a
map's fd is its file, and ``mmap(fd, 0)`` shows the storage (an mmapable array's values).

How to add a map type
---------------------
1. Create ``pybpf/maps/<type>.py`` with one subclass of :class:`MapOps`.
2. ``check(params)``: raise ``BPFError`` with the errno of the kernel's ``map_alloc_check`` for
   that type (flags mask, key/value sizes ...); ``check_alloc(params)`` for what ``map_alloc``
   refuses before allocating (max_entries caps: E2BIG).
3. ``storage_size(params)``: bytes of storage the type needs (zero-filled, so an all-zero storage
   must be a valid empty map; otherwise override ``initialize``).  A type that grows overrides
   ``reserved_size`` and calls ``reserve_storage`` before first use of the rest.
4. Implement ``lookup``, ``update``, ``delete``, ``get_next_key`` on ``self.mem`` (a writable
   memoryview of the storage) with the kernel's errnos, treating the storage as untrusted (see
   "Shared structure may be corrupted").  Mutating calls (``update``, ``delete``)
   are made with the map's shared lock held; ``lookup`` / ``get_next_key`` are called with it held
   when ``read_locked`` is True.  Publish changes with one aligned store where a crash could
   otherwise leave a half-written structure, and make ``recover()`` repair whatever a process
   killed while holding the lock can leave behind.
5. Declare what else the type's ``bpf_map_ops`` has (the class attributes below: batch commands,
   fd values, push/pop/peek ...) and override the matching methods.
6. Decorate the class with ``@register(BPF_MAP_TYPE_...)`` and add the module's name to
   ``BUILTIN_MODULES`` in ``pybpf/maps/registry.py``.
7. Add its behaviours to ``tests/maps`` so they run against both backends, and its creation
   parameters to ``tests/maps/test_interface.py`` (which checks the declarations against the kernel).
"""

from __future__ import annotations

import ctypes
import enum
import errno
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, cast

from pybpf import uapi
from pybpf.btf.raw import RawType
from pybpf.btf.struct_ops import StructOpsDesc
from pybpf.errors import BPFError
from pybpf.uapi import ENOTSUPP

KMALLOC_MAX_SIZE = 1 << 22
"""The kernel's KMALLOC_MAX_SIZE on x86_64 (4 MiB): the bound several size checks use."""

ACCESS_MASK = uapi.BPF_F_RDONLY | uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY | uapi.BPF_F_WRONLY_PROG


ProgResolver = Callable[[int], int]
"""Resolves the program fd of a map value to the id of the program the map then holds (see
``MapOps.update_with_programs``)."""


def refuse_programs(prog_fd: int) -> int:
    """The ``ProgResolver`` of an update made without the syscall layer: no program can be taken."""
    raise BPFError(errno.EINVAL, f"fd {prog_fd}: programs go into map values through bpf(2) only")


def corrupted(what: str) -> BPFError:
    """The error of an operation that found the map's shared structure inconsistent (EUCLEAN)."""
    return BPFError(errno.EUCLEAN, f"map structure is corrupted: {what}")


def _no_storage_to_reserve(start: int, end: int) -> None:
    """``reserve_storage`` of an implementation not attached to an object file: nothing to back."""


def _nothing_to_settle() -> None:
    """``settle`` of an implementation not attached to an object file: no lock, no other writer."""


def _every_file_alive(tag: int) -> bool:
    """``file_alive`` of an implementation not attached to an object file: no file is ever released."""
    return True


_INDEX_KEY = struct.Struct("<I")


def index_of(key: bytes) -> int:
    """The slot a 4-byte key names in the maps keyed by index (arrays of values, programs, cgroups,
    perf events, sockets, CPUs and devices): the kernel's ``*(u32 *)key``."""
    index: int = _INDEX_KEY.unpack(key)[0]
    return index


def _load_sched_getcpu() -> Callable[[], int] | None:
    try:
        function = ctypes.CDLL(None, use_errno=True).sched_getcpu
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return None
    function.restype = ctypes.c_int
    function.argtypes = []
    return cast("Callable[[], int]", function)


_SCHED_GETCPU = _load_sched_getcpu()


def running_cpu() -> int:
    """The CPU the calling thread runs on (``raw_smp_processor_id`` of a bpf() call made now):
    ``sched_getcpu``, 0 where the C library has none."""
    if _SCHED_GETCPU is None:  # pragma: no cover
        return 0
    cpu = int(_SCHED_GETCPU())
    return max(cpu, 0)


def round_up(value: int, align: int) -> int:
    """``value`` rounded up to a multiple of ``align``."""
    return (value + align - 1) // align * align


def flags_access_ok(flags: int) -> bool:
    """``bpf_map_flags_access_ok``: a map may not be both read-only and write-only for programs."""
    both = uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY_PROG
    return (flags & both) != both


@dataclass(frozen=True)
class MapParams:
    """The creation parameters of a map, as BPF_MAP_CREATE received them."""

    map_type: int
    key_size: int
    value_size: int
    max_entries: int
    flags: int
    numa_node: int = 0
    map_extra: int = 0
    """Bloom filters: the number of hash functions (kept in the object's header, reported by
    bpf_map_info)."""


class FdKind(enum.Enum):
    """The kind of object an fd-holding map stores (its ``map_fd_get_ptr``); the value is the kind's
    name in the reference directories of ``pybpf.objects.refs``."""

    PROG = "prog"
    """Programs (prog arrays: ``bpf_tail_call`` targets)."""
    MAP = "map"
    """Maps (map-in-maps: inner maps)."""
    PERF_EVENT = "perf"
    """Perf events (perf event arrays: ``bpf_perf_event_output`` targets)."""
    CGROUP = "cgroup"
    """Cgroups (cgroup arrays: ``bpf_current_task_under_cgroup`` / ``bpf_skb_under_cgroup``
    targets).  The running kernel's, not pybpf's: the map keeps the cgroup's id and no reference
    (``pybpf.objects.cgroups``)."""

    @property
    def held_by_reference(self) -> bool:
        """Whether the map holds the objects by a reference of ``pybpf.objects.refs`` (all but
        cgroups, which are no pybpf objects)."""
        return self is not FdKind.CGROUP


@dataclass(frozen=True)
class FdTarget:
    """The object behind an fd written into an fd-holding map, as the syscall layer resolved it."""

    id: int
    prog_type: int = 0
    """Programs: the program type (prog arrays belong to the first one)."""
    params: MapParams | None = None
    """Maps: the inner map's parameters (checked against the map-in-map's template)."""
    expected_attach_type: int = 0
    """Programs: the expected attach type they were loaded with (a device map's programs)."""
    attach_btf_id: int = 0
    """Programs: the attach_btf_id they were loaded with (a struct_ops map's programs)."""


class BatchWalk(enum.Enum):
    """How BPF_MAP_LOOKUP_BATCH (and LOOKUP_AND_DELETE_BATCH) iterate a map."""

    KEYS = "keys"
    """``generic_map_lookup_batch``: a get_next_key walk; in/out_batch hold the last key visited."""
    BUCKETS = "buckets"
    """``__htab_map_lookup_and_delete_batch``: whole hash buckets; in/out_batch a u32 bucket index."""


class MapOps:
    """Base class of map implementations; one instance per (process, map object)."""

    map_type: ClassVar[int]
    read_locked: ClassVar[bool] = True
    """Whether lookups need the shared lock (False when reads of a stable layout are safe)."""
    percpu: ClassVar[bool] = False
    """Whether values are per CPU (user space reads and writes one slot per possible CPU)."""
    lookup_tests_value: ClassVar[bool] = False
    """Whether BPF_MAP_LOOKUP_ELEM copies the caller's value in and tests it with ``peek`` (bloom
    filters) instead of looking a key up."""
    push_pop_peek: ClassVar[bool] = False
    """Whether ``push`` / ``pop`` / ``peek`` are the type's element operations (queue, stack, bloom
    filter: the maps the bpf_map_push/pop/peek_elem helpers work on)."""
    takes_map_extra: ClassVar[bool] = False
    """Whether creation takes a non-zero ``map_extra`` (bloom filters: the number of hash functions)."""
    fd_kind: ClassVar[FdKind | None] = None
    """What the values are fds of (None: the values are plain bytes)."""
    takes_inner_map: ClassVar[bool] = False
    """Whether BPF_MAP_CREATE takes an ``inner_map_fd`` template (map-in-maps)."""
    can_be_inner: ClassVar[bool] = True
    """Whether maps of this type can be a map-in-map's inner map (the kernel's ``map_meta_equal``)."""
    batch_commands: ClassVar[frozenset[int]] = frozenset()
    """The BPF_MAP_*_BATCH commands the type has (the others are ENOTSUPP)."""
    batch_walk: ClassVar[BatchWalk | None] = None
    """How the type's batch lookups iterate (None: it has no batch lookup)."""
    requires_btf: ClassVar[bool] = False
    """Whether creation needs BTF key and value type ids (local storage: EINVAL without them, a
    refusal of the type's ``map_alloc_check``)."""
    own_btf_check: ClassVar[bool] = False
    """Whether the type has its own ``map_check_btf`` op (``check_btf``); only those may be keyless."""
    spin_lock_allowed: ClassVar[bool] = False
    """Whether values may hold a ``struct bpf_spin_lock`` (``btf_record`` special fields)."""
    ring_buffer: ClassVar[bool] = False
    """Whether the type is a BPF ring buffer: ``reserve`` / ``commit`` / ``output`` / ``query`` are
    its operations (the maps the bpf_ringbuf_* helpers work on)."""
    can_mmap: ClassVar[bool] = False
    """Whether the type has ``map_mmap`` (``mmap_check`` says which mappings it accepts)."""
    can_hash_values: ClassVar[bool] = False
    """Whether the type has ``map_get_hash`` (``values_hash``)."""
    value_prog_fd_at: ClassVar[int | None] = None
    """Where a value may carry a program fd (``struct bpf_devmap_val`` / ``bpf_cpumap_val``'s
    ``bpf_prog.fd``), None for the types whose values hold none: the syscall layer updates such maps
    through ``update_with_programs``, and the map holds the programs (``holds``) by reference."""
    arena: ClassVar[bool] = False
    """Whether the type is an arena (``pybpf.maps.arena``): programs reach its pages through arena
    pointers, carried out by the engines (``pybpf.vm.arena``)."""
    checked_by_alloc: ClassVar[bool] = False
    """Whether the kernel type has no ``map_alloc_check``: its ``map_alloc`` makes the checks of
    ``check``, after bpf(2)'s capability checks (``check_early`` runs before them)."""
    can_freeze: ClassVar[bool] = True
    """Whether BPF_MAP_FREEZE may freeze the type (map_freeze(): not a struct_ops map, ENOTSUPP)."""
    value_prog_fd_errno: ClassVar[bool] = False
    """Whether a bad program fd in a value answers its own errno (bpf_prog_get(): EBADF for a closed
    fd; struct_ops maps) instead of EINVAL (bpf_prog_get_type_dev(): device and CPU maps)."""
    redirect_flags: ClassVar[int | None] = None
    """The flags the type's ``map_redirect`` (``bpf_redirect_map``) accepts beside the fallback
    action (None: the type is no redirect target); ``redirect_target`` says whether a key has one."""

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        self.params = params
        self.mem = mem
        self.key_size = params.key_size
        self.value_size = params.value_size
        self.max_entries = params.max_entries
        self.user_value_size = params.value_size
        """Bytes of a value as user space reads and writes it (the kernel's ``bpf_map_value_size``)."""
        self.spin_lock_off: int | None = None
        """Offset of the ``struct bpf_spin_lock`` in each value (BTF-described maps), or None."""
        self.special_fields: tuple[tuple[int, int], ...] = ()
        """(offset, size) of the kptrs, list heads, timers and workqueues of each value (set by the
        kernel layer from the map's BTF): what an update in place never copies over
        (``copy_map_value`` skips the record's fields)."""
        self.reserve_storage: Callable[[int, int], None] = _no_storage_to_reserve
        """Back bytes [start, end) of ``mem`` with memory before their first use (ENOMEM); see
        "Storage and memory".  Set through ``attach_storage``."""
        self.file_alive: Callable[[int], bool] = _every_file_alive
        """Whether the open file of the map a ``pybpf.objects.refs.tag_file`` tag names still exists
        (``refs.files_of``, set by the map object; see ``filled_through``)."""
        self.evicted: list[int] = []
        """Offsets in ``mem`` of the values of the elements the last update evicted (LRU maps:
        ``htab_lru_map_delete_node``, which frees their timers); empty for the other types."""
        self.settle: Callable[[], None] = _nothing_to_settle
        """Take and release the map's lock (set by the map object, ``attach_settle``): a reader that
        finds a write published and unfinished (``pybpf.maps.journal``) waits for its live writer
        this way, or recovers after a dead one (``recover``), before it reads."""

    # --- creation ---------------------------------------------------------------------------------
    @classmethod
    def check(cls, params: MapParams) -> None:
        """Validate ``params`` like the kernel's ``map_alloc_check``; raise ``BPFError`` on refusal."""
        raise NotImplementedError

    @classmethod
    def check_early(cls, params: MapParams) -> None:
        """What a ``checked_by_alloc`` type refuses before the capability checks (its small
        ``map_alloc_check``, if it has one); nothing by default."""

    @classmethod
    def adjust_params(cls, params: MapParams) -> MapParams:
        """The parameters ``map_alloc`` really creates the map with (BPF_F_NO_COMMON_LRU rounds
        max_entries up); called after ``check``."""
        return params

    @classmethod
    def check_adjusted(cls, params: MapParams) -> None:
        """``check`` of parameters ``adjust_params`` may have changed (a map object's own check
        before it creates the file); the default checks them as given."""
        cls.check(params)

    @classmethod
    def check_alloc(cls, params: MapParams) -> None:
        """What ``map_alloc`` refuses before it allocates (E2BIG caps); called after ``adjust_params``."""

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        """Bytes of storage this map needs (the caller rounds it up to whole pages)."""
        raise NotImplementedError

    @classmethod
    def reserved_size(cls, params: MapParams) -> int:
        """Bytes at the start of the storage backed with memory at creation (default: all of it, as
        for every preallocated map); the rest is backed on demand through ``reserve_storage``."""
        return cls.storage_size(params)

    def layout_size(self) -> int:
        """Bytes of storage the layout this instance read (parameters and shared header fields such
        as a per-CPU map's CPU count) needs; an opened map whose file is smaller is corrupted."""
        return type(self).storage_size(self.params)

    def attach_storage(self, reserve: Callable[[int, int], None]) -> None:
        """Give the instance its object's ``reserve_storage`` (composite types pass it on, shifted)."""
        self.reserve_storage = reserve

    def initialize(self) -> None:
        """Prepare fresh (all-zero) storage; called once, by the creator, with the lock held."""

    def recover(self) -> None:
        """Repair the storage after a process died holding the lock (default: nothing to do)."""

    def attach_settle(self, settle: Callable[[], None]) -> None:
        """Give the instance its object's ``settle`` (composite types pass it on)."""
        self.settle = settle

    def unsettled(self) -> bool:
        """Whether a write was left published and unfinished (``pybpf.maps.journal``): opening the
        map then settles it (``settle``) before anyone reads.  False by default."""
        return False

    # --- element operations -----------------------------------------------------------------------
    def lookup(self, key: bytes) -> bytes:
        """The value stored for ``key``; ``KeyNotExistError`` (ENOENT) when absent."""
        raise BPFError(errno.EINVAL, "lookup not supported by this map type")

    def lookup_unlocked(self, key: bytes) -> bytes | None:
        """``lookup`` without the shared lock where the type can (hash maps: a seqlock read); None
        when the caller must take the lock and ``lookup`` (always, by default)."""
        return None

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        """Store ``value`` for ``key`` honouring BPF_ANY / BPF_NOEXIST / BPF_EXIST."""
        raise BPFError(errno.EINVAL, "update not supported by this map type")

    def delete(self, key: bytes) -> None:
        """Remove ``key``; ``KeyNotExistError`` when absent."""
        raise BPFError(errno.EINVAL, "delete not supported by this map type")

    def get_next_key(self, key: bytes | None) -> bytes:
        """The key after ``key`` (the first key when ``key`` is None or absent); ENOENT at the end."""
        raise BPFError(errno.EINVAL, "get_next_key not supported by this map type")

    def update_with_programs(self, key: bytes, value: bytes, flags: int, resolve: ProgResolver) -> int | None:
        """``update`` of a type whose values may carry a program fd (``value_prog_fd_at``), with the
        lock held: ``resolve(fd)`` (called where the kernel takes the program) checks the program
        and returns the id the value then holds; it raises the kernel's errno.  What the update
        returns (None: 0) is what BPF_MAP_UPDATE_ELEM returns (a struct_ops map's quirk)."""
        raise BPFError(errno.EINVAL, "this map type's values hold no programs")

    def check_value_prog(self, target: FdTarget) -> None:
        """Whether the program a value's fd names may sit in this map (EINVAL when not)."""
        raise BPFError(errno.EINVAL, "this map type's values hold no programs")

    def redirect_target(self, key: int) -> bool:
        """The lookup of the type's ``map_redirect``: whether ``key`` names a target (``redirect_flags``)."""
        return False

    def lookup_and_delete(self, key: bytes) -> bytes:
        """BPF_MAP_LOOKUP_AND_DELETE_ELEM with the lock held: the value, removed (hash maps), or the
        popped element (queues, stacks); ENOTSUPP for the types without the op."""
        raise BPFError(ENOTSUPP, "lookup_and_delete is not supported by this map type")

    # --- values without keys (push_pop_peek) ------------------------------------------------------
    def push(self, value: bytes, flags: int) -> None:
        """``map_push_elem``: add ``value`` (queue, stack, bloom filter)."""
        raise BPFError(errno.EINVAL, "push not supported by this map type")

    def pop(self) -> bytes:
        """``map_pop_elem``: remove and return the next element; ENOENT when empty."""
        raise BPFError(errno.EINVAL, "pop not supported by this map type")

    def peek(self, value: bytes | None = None) -> bytes:
        """``map_peek_elem``: the next element (queue, stack; ``value`` unused); a bloom filter tests
        ``value`` instead and returns b"" when it may be present.  ENOENT when empty / absent."""
        raise BPFError(errno.EINVAL, "peek not supported by this map type")

    # --- batch operations (batch_walk BUCKETS) ----------------------------------------------------
    def bucket_count(self) -> int:
        """The number of hash buckets a bucket-wise batch walks."""
        raise BPFError(ENOTSUPP, "this map type has no buckets")

    def bucket_items(self, bucket: int) -> list[tuple[bytes, bytes]]:
        """The (key, value as user space sees it) pairs in ``bucket``; call with the lock held."""
        raise BPFError(ENOTSUPP, "this map type has no buckets")

    # --- BTF-described maps ---------------------------------------------------------------------------
    @classmethod
    def check_btf(cls, params: MapParams, key_type: RawType | None, value_type: RawType) -> None:
        """The type's ``map_check_btf`` op (called only when ``own_btf_check``): raise to refuse.

        ``key_type`` is None for a keyless map (``btf_key_type_id`` 0)."""

    # --- maps whose values are fds (fd_kind) --------------------------------------------------------
    def check_fd_update(self, key: bytes, flags: int) -> None:
        """The checks an fd update makes before the fd is resolved (flags, index range)."""

    def check_fd_object(self, target: FdTarget) -> None:
        """The checks of the resolved object before the map takes a reference to it."""

    def store_object(self, key: bytes, target: FdTarget, flags: int) -> int:
        """Store ``target`` (by id) under ``key`` with the lock held; returns the id it replaced (0: none)."""
        raise BPFError(errno.EINVAL, "this map type holds no fds")

    def remove_object(self, key: bytes) -> int:
        """Empty ``key`` with the lock held; returns the id it held (ENOENT when empty)."""
        raise BPFError(errno.EINVAL, "this map type holds no fds")

    def slot(self, index: int) -> int:
        """Fd-holding arrays: the id of the object stored at ``index`` (0: empty)."""
        raise BPFError(errno.EINVAL, "this map type has no object slots")

    def holds(self, object_id: int) -> bool:
        """Whether some key still holds object ``object_id`` (so its reference must stay)."""
        return False

    def filled_through(self, key: bytes, map_fd: int) -> None:
        """After ``store_object`` (lock held): ``key`` was filled through ``map_fd``'s open file (the
        ``map_file`` of the kernel's fd array entries); only types that act on its release care."""

    def release_closed_files(self) -> list[int]:
        """``map_release`` of the open files already released (``file_alive(tag)`` is False for
        them), with the lock held: what the type empties then; returns the ids of the objects no key
        holds any more.  Most types have no such op."""
        return []

    def release_user_references(self) -> list[int]:
        """``map_release_uref``: what the type empties when the map's last user reference (fd or pin)
        goes, with the lock held; returns the ids of the objects no key holds any more.  Most types
        have no such op and keep everything (their contents go only with the map)."""
        return []

    def claim_owner(self, prog_type: int) -> None:
        """``bpf_prog_map_compatible`` for a program loaded with this map: maps that hold programs
        belong to the first program type (another is EINVAL); other maps accept every program."""

    # --- map-in-maps --------------------------------------------------------------------------------
    def as_inner_template(self) -> MapParams:
        """``bpf_map_meta_alloc``: this map as the template of a map-in-map's inner maps.

        EINVAL for a map-in-map (one level only), ENOTSUPP for a type that cannot be inner.
        """
        if self.takes_inner_map:
            raise BPFError(errno.EINVAL, "a map-in-map cannot be an inner map")
        if not self.can_be_inner:
            raise BPFError(ENOTSUPP, "this map type cannot be an inner map")
        return self.params

    @classmethod
    def meta_equal(cls, template: MapParams, inner: MapParams) -> bool:
        """``bpf_map_meta_equal``: whether ``inner`` matches ``template`` (a map of this type)."""
        return (template.map_type, template.key_size, template.value_size, template.flags) == (
            inner.map_type, inner.key_size, inner.value_size, inner.flags,
        )  # fmt: skip

    def set_struct_ops(self, desc: StructOpsDesc, map_id: int) -> None:
        """``bpf_struct_ops_map_alloc``: the struct_ops type the map holds (``desc``, from the value
        type ``btf_vmlinux_value_type_id`` named) and the map's id; only struct_ops maps take one."""
        raise BPFError(errno.EINVAL, "btf_vmlinux_value_type_id is for struct_ops maps alone")

    def set_inner_template(self, template: MapParams) -> None:
        """Record the inner-map template of a new map-in-map (``takes_inner_map``)."""
        raise BPFError(errno.EINVAL, "only map-in-maps take an inner map template")

    # --- the view BPF programs have (helpers in pybpf.helpers.maps) ------------------------------
    def value_offset(self, key: bytes, cpu: int) -> int | None:
        """Offset in ``self.mem`` of the value a program's ``bpf_map_lookup_elem`` points at.

        Per-CPU maps give CPU ``cpu``'s value (None when ``cpu`` is not a possible CPU); LRU maps
        mark the entry as used, as the kernel's program-side lookup does.  None when ``key`` is
        absent or the map type gives programs no value pointers (the kernel's NULL).
        """
        return None

    def peek_value_offset(self, key: bytes, cpu: int) -> int | None:
        """``value_offset`` without side effects (LRU recency), as ``bpf_for_each_map_elem`` reads."""
        return self.value_offset(key, cpu)

    def program_update(self, key: bytes, value: bytes, flags: int, cpu: int) -> None:
        """The update ``bpf_map_update_elem`` makes from a program running on ``cpu``.

        ``value`` is ``value_size`` bytes (one CPU's value for per-CPU maps).  Raises ``BPFError``
        with the errno the kernel's helper returns.  Called with the map's lock held.
        """
        self.update(key, value, flags)

    def program_delete(self, key: bytes) -> None:
        """The delete ``bpf_map_delete_elem`` makes from a program (called with the lock held)."""
        self.delete(key)

    def direct_value_offset(self, off: int) -> int:
        """``map_direct_value_addr`` (BPF_PSEUDO_MAP_VALUE): the storage offset of byte ``off`` of
        the map's one value; EINVAL for the types without direct value access."""
        raise BPFError(errno.EINVAL, "no direct value access support for this map type")

    # --- ring buffers (ring_buffer) -----------------------------------------------------------------
    def reserve(self, size: int) -> int | None:
        """``bpf_ringbuf_reserve``: the storage offset of a new record's ``size`` data bytes, None when
        there is no room."""
        raise BPFError(errno.EINVAL, "this map type is not a ring buffer")

    def commit(self, data_offset: int, discard: bool) -> None:
        """``bpf_ringbuf_submit`` / ``bpf_ringbuf_discard`` of the record ``reserve`` placed at
        ``data_offset``."""
        raise BPFError(errno.EINVAL, "this map type is not a ring buffer")

    def output(self, data: bytes, flags: int = 0) -> int:
        """``bpf_ringbuf_output``: 0 or -errno."""
        raise BPFError(errno.EINVAL, "this map type is not a ring buffer")

    def query(self, flags: int) -> int:
        """``bpf_ringbuf_query``: the position or size ``flags`` asks for."""
        raise BPFError(errno.EINVAL, "this map type is not a ring buffer")

    # --- the fd as a file: mmap and the values' hash ----------------------------------------------
    def mmap_check(self, offset: int, length: int, writable: bool) -> None:
        """The type's ``map_mmap`` (``can_mmap``): refuse a shared mapping of [offset, offset +
        length) of the map's storage (length page-rounded) with the kernel's errno."""
        raise BPFError(ENOTSUPP, "this map type cannot be mmapped")

    def values_hash(self) -> bytes:
        """``map_get_hash`` (``can_hash_values``): the SHA-256 of the values."""
        raise BPFError(errno.EINVAL, "this map type has no map_get_hash")


class NoBtfMapOps(MapOps):
    """A map type whose ``map_check_btf`` is the kernel's ``map_check_no_btf``: any BTF is ENOTSUPP."""

    own_btf_check = True

    @classmethod
    def check_btf(cls, params: MapParams, key_type: RawType | None, value_type: RawType) -> None:
        raise BPFError(ENOTSUPP, "this map type takes no BTF")
