"""What a run of a program may reach of maps: its own maps, and exactly the values it was handed.

Mirrors, as run-time checks, what the kernel's verifier proves before a program runs
(kernel/bpf/verifier.c: ``resolve_pseudo_ldimm64`` and the program's ``used_maps``,
``check_map_access`` / ``check_map_access_type`` on PTR_TO_MAP_VALUE, ``check_map_func_compatibility``,
the references of ``bpf_ringbuf_reserve``), for the programs pybpf's structural verifier lets
through and for raw-VM runs of unverified code:

* Maps.  A program may name only the maps it was loaded with (``ProgramMaps``: the kernel's
  ``used_maps``), by the address its ``lddw map_fd`` holds (``MapObject.pointer``: the map's kernel
  struct as ``pybpf.helpers.map_image`` images it, read-only, apart from any storage), and the
  inner maps a lookup in one of its map-in-maps handed it during this run.  ``MapAccess.map_arg``
  turns a helper's map argument into the map or raises ``HelperError`` naming the helper and the
  register: NULL, a forged address, ``map_fd(a) + 8``, a value pointer and another program's map
  all fault.  After a tail call the target program's maps replace the caller's (``switch``).
* Values.  Each value pointer a helper hands out (``bpf_map_lookup_elem``,
  ``bpf_map_lookup_percpu_elem``, the value ``bpf_for_each_map_elem`` passes its callback) is the
  start of a region of exactly ``value_size`` bytes (per-CPU maps: that CPU's slot), registered
  in the run's ``Memory`` with the map's program access flags (BPF_F_RDONLY_PROG: loads only,
  BPF_F_WRONLY_PROG: stores only) and the map as its ``owner``; a second lookup of the same value
  reuses the region.  Global data (``BPF_PSEUDO_MAP_VALUE``: the one value of a single-element
  array, ``map_direct_value_addr``) is registered the same way when the program starts.  Nothing
  else of a map's storage -- headers, hash links, free lists, LRU nodes, ring positions, lock
  words, another element -- is ever inside a region, so no pointer arithmetic reaches it.
* Ring buffer records.  ``bpf_ringbuf_reserve`` registers the record's ``size`` data bytes;
  ``bpf_ringbuf_submit`` / ``bpf_ringbuf_discard`` take exactly such an address and unregister it
  before publishing, so a record is never written after it was handed to the consumer, nor
  published twice.  Records a run still holds when it ends or tail-calls are discarded (the
  kernel's verifier refuses such a program: "Unreleased reference").
* Lifetime.  Value regions and inner maps live until ``release``: for BPF_PROG_TEST_RUN the end of
  the command -- its ``repeat`` runs share them, as the kernel's ``bpf_test_run`` loop runs inside
  one RCU read section -- and for a raw ``Interpreter`` run the end of the ``with MapAccess(...)``
  block.  A pointer kept past that (stored in a map, say) faults when the program uses it later.

* The test run's socket.  ``skb->sk`` of a test run is a socket the kernel allocates for that
  BPF_PROG_TEST_RUN and frees after its repeats (``bpf_prog_test_run_skb``: ``sk_alloc`` ..
  ``bpf_sk_storage_free``, ``sk_free``).  The values ``bpf_sk_storage_get`` gives it live as long:
  ``test_socket_key`` names the socket in socket storage maps (a new key per test run) and
  ``free_test_socket`` deletes its values -- at ``release`` and at the end of each test run (the
  runner's), never at a tail call.
* The test run's cgroup storage.  ``bpf_prog_test_run_skb`` allocates, zeroed, the cgroup storage of
  each flavour (shared, per-CPU) the program uses (``bpf_cgroup_storages_alloc``) and frees it after
  the repeats; ``bpf_get_local_storage`` returns it whatever storage map of that flavour it is
  passed.  ``cgroup_storage`` registers it (private memory: user space never sees it, as no cgroup
  holds it) and ``free_cgroup_storage`` unregisters it -- at ``release`` and at the end of each test
  run, never at a tail call.

A run without a ``MapAccess`` (``RunEnv.maps`` None: ``pybpf.vm.run``, ``pybpf run``, the
conformance plugin) reaches no map at all.  The kernel refuses at load most programs these checks
stop; pybpf's verifier does not yet, so this is what keeps a program inside its maps at run time.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pybpf import uapi
from pybpf.errors import BPFError, HelperError
from pybpf.helpers.map_image import expose
from pybpf.maps.object import MapObject
from pybpf.maps.sk_storage import SkStorageMap, new_test_socket_key
from pybpf.memory.regions import READ, WRITE, Memory, Region
from pybpf.objects import refs
from pybpf.objects.files import bpffs_root


def map_type_name(obj: MapObject) -> str:
    """``hash``, ``percpu_array`` ... for messages."""
    try:
        return uapi.bpf_map_type(obj.params.map_type).name.removeprefix("BPF_MAP_TYPE_").lower()
    except ValueError:
        return f"type {obj.params.map_type}"


def describe_map(obj: MapObject) -> str:
    """``map 'counts' (hash, id 3)`` for messages."""
    name, kind = obj.name.decode(errors="replace"), map_type_name(obj)
    return f"map {name!r} ({kind}, id {obj.id})" if name else f"map id {obj.id} ({kind})"


def value_access(flags: int) -> int:
    """The ``Region.access`` of a map value for programs: ``check_map_access_type``'s rules."""
    access = 0 if flags & uapi.BPF_F_WRONLY_PROG else READ
    return access | (0 if flags & uapi.BPF_F_RDONLY_PROG else WRITE)


@dataclass(frozen=True, eq=False)
class ProgramMaps:
    """The maps one loaded program was given (the kernel's ``used_maps``), by ``MapObject.pointer``.

    ``direct``: the maps whose value the program addresses directly (``BPF_PSEUDO_MAP_VALUE``).
    """

    by_pointer: dict[int, MapObject] = field(default_factory=dict)
    """Read-only once built (a plain dict: helpers look maps up in it on every call)."""
    direct: tuple[MapObject, ...] = ()
    prog_id: int = 0
    """The id of the program these are the maps of (0: no loaded program): where what the run
    writes to its program's streams goes (``pybpf.kfuncs.streams``)."""

    @classmethod
    def of(cls, maps: Iterable[MapObject], direct: Iterable[MapObject] = (), prog_id: int = 0) -> ProgramMaps:
        return cls({obj.pointer: obj for obj in maps}, tuple(dict.fromkeys(direct)), prog_id)


NO_MAPS = ProgramMaps()
"""The map set of a program loaded without maps."""


@dataclass
class _Record:
    obj: MapObject
    offset: int
    region: Region | None  # None for a record of 0 bytes (nothing to reach)


class MapAccess:
    """The maps, values and ring buffer records one run (or one test run's repeats) may reach.

    Bound to the run's ``Memory``; the runner puts it in ``RunEnv.maps``.  Use it as a context
    manager (or call ``release``) so that its regions leave the address space.
    """

    def __init__(self, memory: Memory, program: ProgramMaps = NO_MAPS) -> None:
        self.memory = memory
        self.program = NO_MAPS
        self._inner: dict[int, MapObject] = {}  # pointer -> inner map handed out
        self._inner_by_id: dict[tuple[int, int], MapObject] = {}  # (outer id, inner id) -> inner map
        self._values: dict[int, Region] = {}  # address -> value region
        self._lent: set[int] = set()  # value regions lent to one callback only
        self.records: dict[int, _Record] = {}
        """The ring buffer records reserved and not yet submitted, by address (read-only outside)."""
        self.test_socket: int | None = None
        """The socket storage key of this test run's socket, once a helper asked (``test_socket_key``)."""
        self._test_socket_maps: dict[int, MapObject] = {}  # map id -> socket storage map it has a value in
        self.cgroup_storages: dict[int, Region] = {}
        """This test run's cgroup storage by flavour (map type), once a helper asked (``cgroup_storage``)."""
        self.switch(program)

    def __enter__(self) -> MapAccess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    # -- the program's maps ------------------------------------------------------------------------
    def switch(self, program: ProgramMaps) -> None:
        """Run ``program`` from now on (a tail call's target): only its maps and global data remain."""
        if program is self.program:
            return
        self._drop_held()
        self.program = program
        for obj in program.direct:
            self.value_pointer(obj, obj.impl.direct_value_offset(0), "BPF_PSEUDO_MAP_VALUE")

    def enter(self, program: ProgramMaps) -> ProgramMaps:
        """Run ``program`` in place of a BPF function (a tail call made in one): its maps and global
        data join, and the values the run holds stay, for the caller goes on after it; returns the
        program that ran until now, which ``enter`` takes back when the target returns."""
        previous, self.program = self.program, program
        for obj in program.direct:
            self.value_pointer(obj, obj.impl.direct_value_offset(0), "BPF_PSEUDO_MAP_VALUE")
        return previous

    def map_arg(self, address: int, helper: str, reg: int) -> MapObject:
        """The map a helper's map argument (register ``reg``) names; ``HelperError`` if it is none of
        this program's maps nor an inner map this run was handed."""
        obj = self.program.by_pointer.get(address) or self._inner.get(address)
        if obj is None:
            raise HelperError(None, f"{helper}: R{reg} = {address:#x} is not a map of this program")
        return obj

    def inner_map(self, outer: MapObject, inner_id: int) -> int | None:
        """The pointer of inner map ``inner_id`` of map-in-map ``outer``, usable by this run from now
        on; None when the outer map no longer holds it."""
        key = (outer.id, inner_id)
        obj = self._inner_by_id.get(key)
        if obj is None:
            try:
                fd = refs.open_ref(bpffs_root(), ("map", outer.id), ("map", inner_id), os.O_RDWR)
            except BPFError:
                return None
            try:
                obj = MapObject.from_fd(fd)
            finally:
                os.close(fd)
            self._inner_by_id[key] = self._inner[obj.pointer] = obj
            expose(self.memory, obj)  # a CONST_PTR_TO_MAP: the program may read its struct
        return obj.pointer

    # -- values --------------------------------------------------------------------------------------
    def value_pointer(self, obj: MapObject, offset: int, helper: str) -> int:
        """The address of the value at storage ``offset`` of ``obj``, registered as a region of
        exactly ``value_size`` bytes for the rest of this access's lifetime."""
        address = obj.address + offset
        if address in self._values:
            if self._lent:
                self._lent.discard(address)
        else:
            self._values[address] = self._add(obj, offset, obj.params.value_size, "value", helper)
        return address

    @contextlib.contextmanager
    def lent_value(self, obj: MapObject, offset: int, helper: str) -> Iterator[int]:
        """``value_pointer`` for the duration of one callback: a region this call created leaves
        again afterwards, unless the callback looked the same value up itself."""
        address = obj.address + offset
        fresh = address not in self._values
        self.value_pointer(obj, offset, helper)
        if fresh:
            self._lent.add(address)
        try:
            yield address
        finally:
            if address in self._lent:
                self._lent.discard(address)
                self.memory.remove_region(self._values.pop(address))

    def value_region_at(self, address: int) -> Region | None:
        """The value region of this access containing ``address`` (its map is ``region.owner``)."""
        region = self.memory.region_at(address)
        if region is not None and self._values.get(region.start) is region:
            return region
        return None

    def _add(self, obj: MapObject, offset: int, size: int, what: str, helper: str) -> Region:
        name = obj.name.decode(errors="replace") or f"id {obj.id}"
        if offset < 0 or offset + size > obj.storage_size:
            raise HelperError(None, f"{helper}: {describe_map(obj)} gave a {what} outside its storage")
        try:
            return self.memory.add_view(
                memoryview(obj.mm)[offset : offset + size],
                obj.address + offset,
                access=value_access(obj.params.flags) if what == "value" else READ | WRITE,
                name=f"{what} of map {name!r}",
                owner=obj,
            )
        except ValueError as exc:  # only a corrupted map hands out overlapping values
            raise HelperError(None, f"{helper}: {describe_map(obj)} is corrupted: {exc}") from None

    # -- ring buffer records ---------------------------------------------------------------------------
    def reserve_record(self, obj: MapObject, offset: int, size: int, helper: str) -> int:
        """Register the record ``obj.impl.reserve`` placed at ``offset`` (``size`` data bytes)."""
        try:
            region = self._add(obj, offset, size, "ring buffer record", helper) if size else None
        except HelperError:
            obj.impl.commit(offset, True)
            raise
        address = obj.address + offset
        self.records[address] = _Record(obj, offset, region)
        return address

    def take_record(self, address: int, helper: str) -> tuple[MapObject, int]:
        """The ring buffer and storage offset of the record reserved at ``address``, which the
        program may not touch any more; ``HelperError`` for any other address."""
        record = self.records.pop(address, None)
        if record is None:
            why = "is not a ring buffer record this run reserved and still holds"
            raise HelperError(None, f"{helper}: R1 = {address:#x} {why}")
        if record.region is not None:
            self.memory.remove_region(record.region)
        return record.obj, record.offset

    def end_run(self) -> int:
        """Discard the records a run ended holding; how many."""
        count = len(self.records)
        for address in list(self.records):
            obj, offset = self.take_record(address, "end of run")
            with contextlib.suppress(BPFError):
                obj.impl.commit(offset, True)
        return count

    # -- lifetime -----------------------------------------------------------------------------------
    def release(self) -> None:
        """Discard held records, unregister every value region, forget the inner maps, free the test
        run's socket and cgroup storage."""
        self._drop_held()
        if self.test_socket is not None:
            self.free_test_socket()
        if self.cgroup_storages:
            self.free_cgroup_storage()

    def _drop_held(self) -> None:
        """Discard held records, unregister every value region, forget the inner maps."""
        self.end_run()
        values, self._values = self._values, {}
        for region in values.values():
            self.memory.remove_region(region)
        self._lent.clear()
        self._inner.clear()
        self._inner_by_id.clear()

    # -- the test run's socket ----------------------------------------------------------------------
    def test_socket_key(self) -> int:
        """The key of this test run's socket in socket storage maps (a new one after ``free_test_socket``)."""
        key = self.test_socket
        if key is None:
            key = self.test_socket = new_test_socket_key()
        return key

    def test_socket_value(self, obj: MapObject) -> None:
        """Note that the test run's socket may have a value in socket storage map ``obj``."""
        self._test_socket_maps[obj.id] = obj

    def free_test_socket(self) -> None:
        """``bpf_sk_storage_free`` of the test run's socket: its values leave every map they are in."""
        key, self.test_socket = self.test_socket, None
        maps, self._test_socket_maps = self._test_socket_maps, {}
        for obj in maps.values():
            impl = obj.impl
            if key is not None and isinstance(impl, SkStorageMap):
                with contextlib.suppress(BPFError), obj.lock:
                    impl.delete_socket_value(key)

    # -- the test run's cgroup storage --------------------------------------------------------------
    def cgroup_storage(self, obj: MapObject, helper: str) -> int:
        """The address of this test run's storage of the flavour of cgroup storage map ``obj``:
        ``value_size`` zeroed bytes at first, with the map's program access flags."""
        flavour = obj.params.map_type
        region = self.cgroup_storages.get(flavour)
        if region is None:
            size = obj.params.value_size
            buffer = (ctypes.c_char * size)()
            name = obj.name.decode(errors="replace") or f"id {obj.id}"
            region = self.cgroup_storages[flavour] = self.memory.add_view(
                memoryview(buffer).cast("B"),
                ctypes.addressof(buffer),
                access=value_access(obj.params.flags),
                name=f"cgroup storage of map {name!r}",
                owner=obj,
            )
        return region.start

    def free_cgroup_storage(self) -> None:
        """``bpf_cgroup_storages_free`` after a test run: its cgroup storage leaves the address space."""
        storages, self.cgroup_storages = self.cgroup_storages, {}
        for region in storages.values():
            self.memory.remove_region(region)

    @property
    def holding(self) -> bool:
        """Whether ``release`` has anything to give back: value regions, records or inner maps."""
        return bool(self._values or self.records or self._inner)

    @property
    def regions(self) -> tuple[Region, ...]:
        """The value and record regions registered now (for tests and diagnostics)."""
        records = (record.region for record in self.records.values() if record.region is not None)
        return (*self._values.values(), *records)


def access_of(env_maps: MapAccess | None, helper: str) -> MapAccess:
    """The run's ``MapAccess``; ``HelperError`` for a run that was given no maps."""
    if env_maps is None:
        raise HelperError(None, f"{helper}: this run was given no maps (RunEnv.maps is None)")
    return env_maps


__all__ = [
    "NO_MAPS",
    "MapAccess",
    "ProgramMaps",
    "access_of",
    "describe_map",
    "map_type_name",
    "value_access",
]
