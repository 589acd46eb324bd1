"""``pybpf.Map``: a Pythonic map over any backend's bpf() (user space or the real kernel).

Mirrors what libbpf users do with ``bpf_map_create`` / ``bpf_map_lookup_elem`` /
``bpf_map_update_elem`` / ``bpf_map_delete_elem`` / ``bpf_map_get_next_key`` / ``bpf_obj_pin`` /
``bpf_obj_get`` / ``bpf_map_get_info_by_fd``, as a mapping: ``m[k]``, ``m[k] = v``, ``del m[k]``,
``k in m``, ``clear()`` and iteration (``keys()`` / ``values()`` / ``items()``) through
BPF_MAP_LOOKUP_BATCH where the map type has it, GET_NEXT_KEY otherwise (as ``bpf_map_lookup_batch``
users fall back).  Keys and values are ``bytes`` of the map's sizes, ``int`` (little-endian of the
map's size) or ctypes objects; results are ``bytes`` unless ``key_type`` / ``value_type`` (``int`` or a
ctypes type) says otherwise, or ``type_from_btf()`` took them from the map's BTF.  On a per-CPU map a
typed value is one CPU's: a lookup gives a list with one typed value per possible CPU (``sum(m[k])``
for counters, like BCC's ``PerCpuArray``) and an update takes such a list.  Errors are the backend's
``BPFError`` (``KeyNotExistError``, also a ``KeyError``, for an absent key).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import mmap
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

from pybpf import uapi
from pybpf.btf.ctypes_types import python_type
from pybpf.btf.raw import BTFError
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.fd_object import FdObject
from pybpf.kernel import map_elem
from pybpf.kernel.backend import Backend, UserBackend, get_backend
from pybpf.kernel.btfobj import update_value, without_lock
from pybpf.libbpf import bpf_prog_attach, bpf_prog_detach2, bpf_prog_query, btf_load_from_kernel_by_id
from pybpf.maps.arena_mapping import ArenaMapping, arena_mmap
from pybpf.maps.base import round_up
from pybpf.maps.mapping import map_mmap
from pybpf.maps.object import MapObject
from pybpf.maps.percpu import user_value_size
from pybpf.objects.forking import fork_safe

_ARRAY_TYPES = frozenset({
    uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_PERCPU_ARRAY, uapi.BPF_MAP_TYPE_PROG_ARRAY,
    uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY, uapi.BPF_MAP_TYPE_CGROUP_ARRAY, uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS,
})  # fmt: skip
"""Types whose elements always exist: ``clear()`` resets them instead of deleting (as BCC's arrays)."""
_NO_BATCH = frozenset({errno.EINVAL, errno.EOPNOTSUPP, 524})
"""What BPF_MAP_LOOKUP_BATCH answers for a type without it (524 is the kernel's ENOTSUPP)."""
_BATCH_CHUNK = 64

Convertible = Any
"""bytes-like, int or a ctypes object."""
_BYTEORDER = sys.byteorder


def _to_bytes(obj: Convertible, size: int, what: str) -> bytes:
    kind = type(obj)
    if kind is bytes and len(obj) == size:  # the common cases first
        return obj  # type: ignore[no-any-return]
    if kind is int and obj >= 0:
        try:
            return obj.to_bytes(size, _BYTEORDER)  # type: ignore[no-any-return]
        except OverflowError:
            raise ValueError(f"{what} {obj} does not fit in {size} bytes") from None
    if isinstance(obj, bool):
        raise TypeError(f"{what} must be bytes, int or a ctypes object, not bool")
    if isinstance(obj, int):
        try:
            return obj.to_bytes(size, sys.byteorder, signed=obj < 0)
        except OverflowError:
            raise ValueError(f"{what} {obj} does not fit in {size} bytes") from None
    if isinstance(obj, (bytes, bytearray, memoryview)):
        data = bytes(obj)
    elif isinstance(obj, (ctypes.Structure, ctypes.Union, ctypes.Array, ctypes._SimpleCData)):
        data = ctypes.string_at(ctypes.addressof(obj), ctypes.sizeof(obj))
    else:
        raise TypeError(f"{what} must be bytes, int or a ctypes object, not {type(obj).__name__}")
    if len(data) != size:
        raise ValueError(f"{what} is {len(data)} bytes, the map's is {size}")
    return data


def _from_bytes(data: bytes, kind: Any) -> Any:
    if kind is None or kind is bytes:
        return data
    if kind is int:
        return int.from_bytes(data, sys.byteorder)
    return kind.from_buffer_copy(data)


class Map(FdObject):
    """A bpf map reached through ``backend``; owns its fd (closed by ``close()`` or ``with``)."""

    kind: ClassVar[str] = "map"

    def __init__(
        self,
        fd: int,
        *,
        backend: Backend | None = None,
        key_type: Any = None,
        value_type: Any = None,
    ) -> None:
        self.backend = backend if backend is not None else get_backend()
        self._fd = fd
        self.key_type = key_type
        self.value_type = value_type
        info = self.info()
        self.map_type: int = info.type
        self.key_size: int = info.key_size
        self.value_size: int = info.value_size
        self.user_value_size: int = user_value_size(info.type, info.value_size)
        """Bytes a lookup returns and an update takes: per-CPU maps hold one 8-byte-rounded slot per CPU."""
        self.percpu: bool = self.user_value_size != info.value_size
        self.nr_cpus: int = self.user_value_size // round_up(info.value_size, 8) if self.percpu else 1
        """Possible CPUs: the slots of a per-CPU map's value (1 for the others)."""
        self.max_entries: int = info.max_entries
        self.flags: int = info.map_flags
        self.name: str = info.name.decode("latin-1")  # the kernel's names may hold Latin-1 letters
        self.id: int = info.id
        self._direct = isinstance(self.backend, UserBackend)
        """User backend: element calls skip attr encoding and user-pointer copies (same checks)."""
        self._elements = map_elem.ElementPath(fd) if self._direct else None
        """User backend: the element commands of this fd, resolved once and re-checked per call."""

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def create(  # noqa: PLR0917  (the fields of BPF_MAP_CREATE in attr order)
        cls,
        map_type: int,
        key_size: int,
        value_size: int,
        max_entries: int,
        flags: int = 0,
        name: str = "",
        *,
        backend: Backend | None = None,
        key_type: Any = None,
        value_type: Any = None,
        map_extra: int = 0,
    ) -> Map:
        """BPF_MAP_CREATE a new map (``map_extra``: a bloom filter's hash count, an arena's address)."""
        backend = backend if backend is not None else get_backend()
        attr = uapi.bpf_attr()
        attr.map_type, attr.key_size, attr.value_size = map_type, key_size, value_size
        attr.max_entries, attr.map_flags = max_entries, flags
        attr.map_extra = map_extra
        attr.map_name = name.encode()
        fd = backend.bpf(uapi.BPF_MAP_CREATE, attr)
        return cls._adopt(fd, backend, key_type, value_type)

    @classmethod
    def _adopt(cls, fd: int, backend: Backend, key_type: Any, value_type: Any) -> Map:
        try:
            return cls(fd, backend=backend, key_type=key_type, value_type=value_type)
        except BaseException:
            os.close(fd)
            raise

    @classmethod
    def from_fd(cls, fd: int, *, backend: Backend | None = None, key_type: Any = None,
                value_type: Any = None) -> Map:  # fmt: skip
        """A Map over a duplicate of ``fd`` (the caller keeps ``fd``)."""
        return cls._adopt(os.dup(fd), backend or get_backend(), key_type, value_type)

    @classmethod
    def from_pinned(cls, path: str, flags: int = 0, *, backend: Backend | None = None,
                    key_type: Any = None, value_type: Any = None) -> Map:  # fmt: skip
        """BPF_OBJ_GET the map pinned at ``path``."""
        backend = backend if backend is not None else get_backend()
        return cls._adopt(cls._get_pinned(path, flags, backend), backend, key_type, value_type)

    # --- plumbing -----------------------------------------------------------------------------
    def info(self) -> uapi.bpf_map_info:
        """BPF_OBJ_GET_INFO_BY_FD."""
        info = uapi.bpf_map_info()
        attr = uapi.bpf_attr()
        attr.info.bpf_fd = self.fd
        attr.info.info_len = ctypes.sizeof(info)
        attr.info.info = ctypes.addressof(info)
        self.backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
        return info

    def _elem_attr(self, key: Convertible | None) -> tuple[uapi.bpf_attr, Any]:
        """An attr for an element command and the key buffer it points to (kept alive by the caller).

        Buffers are per call, so one Map may be used from several threads at once.
        """
        attr = uapi.bpf_attr()
        attr.map_fd = self.fd
        buffer = None
        if key is not None:
            buffer = ctypes.create_string_buffer(_to_bytes(key, self.key_size, "key"), max(self.key_size, 1))
            attr.key = ctypes.addressof(buffer)
        return attr, buffer

    def lookup(self, key: Convertible) -> Any:
        """BPF_MAP_LOOKUP_ELEM: the value, or ``KeyNotExistError``."""
        if Map._holders:
            self._not_locked()
        elements = self._elements
        if elements is not None:
            if self._fd < 0:
                raise ValueError("map is closed")
            if type(key) is not bytes or len(key) != self.key_size:
                key = _to_bytes(key, self.key_size, "key")
            found = elements.lookup(key)
            kind = self.value_type
            if kind is None:
                return found
            return _from_bytes(found, kind) if not self.percpu else self._decode_value(found)
        attr, _keep = self._elem_attr(key)
        value = ctypes.create_string_buffer(max(self.user_value_size, 1))
        attr.value = ctypes.addressof(value)
        try:
            self.backend.bpf(uapi.BPF_MAP_LOOKUP_ELEM, attr)
        except BPFError as exc:
            if exc.errno == errno.ENOENT and not isinstance(exc, KeyNotExistError):
                raise KeyNotExistError(str(exc)) from None
            raise
        return self._decode_value(value.raw[: self.user_value_size])

    def _decode_value(self, data: bytes) -> Any:
        """A value as the map's ``value_type`` reads it: one per CPU on a per-CPU map."""
        if not self.percpu or self.value_type is None or self.value_type is bytes:
            return _from_bytes(data, self.value_type)
        slot, size = round_up(self.value_size, 8), self.value_size
        return [_from_bytes(data[i : i + size], self.value_type) for i in range(0, slot * self.nr_cpus, slot)]

    def _encode_value(self, value: Convertible) -> bytes:
        """The bytes an update gives: a per-CPU map also takes a sequence of one value per CPU."""
        if self.percpu and isinstance(value, (list, tuple)):
            if len(value) != self.nr_cpus:
                raise ValueError(f"a per-CPU value needs {self.nr_cpus} values (one a CPU), not {len(value)}")
            pad = bytes(round_up(self.value_size, 8) - self.value_size)
            return b"".join(_to_bytes(v, self.value_size, "value") + pad for v in value)
        return _to_bytes(value, self.user_value_size, "value")

    def update(self, key: Convertible, value: Convertible, flags: int = uapi.BPF_ANY) -> None:
        """BPF_MAP_UPDATE_ELEM with BPF_ANY / BPF_NOEXIST / BPF_EXIST."""
        if Map._holders:
            self._not_locked()
        elements = self._elements
        if elements is not None:
            if self._fd < 0:
                raise ValueError("map is closed")
            if type(key) is not bytes or len(key) != self.key_size:
                key = _to_bytes(key, self.key_size, "key")
            if type(value) is not bytes or len(value) != self.user_value_size:
                value = self._encode_value(value)
            elements.update(key, value, flags)
            return
        attr, _keep = self._elem_attr(key)
        raw = self._encode_value(value)
        data = ctypes.create_string_buffer(raw, max(self.user_value_size, 1))
        attr.value = ctypes.addressof(data)
        attr.flags = flags
        self.backend.bpf(uapi.BPF_MAP_UPDATE_ELEM, attr)

    def delete(self, key: Convertible) -> None:
        """BPF_MAP_DELETE_ELEM."""
        if Map._holders:
            self._not_locked()
        elements = self._elements
        try:
            if elements is not None:
                if self._fd < 0:
                    raise ValueError("map is closed")
                if type(key) is not bytes or len(key) != self.key_size:
                    key = _to_bytes(key, self.key_size, "key")
                elements.delete(key)
                return
            attr, _keep = self._elem_attr(key)
            self.backend.bpf(uapi.BPF_MAP_DELETE_ELEM, attr)
        except BPFError as exc:
            if exc.errno == errno.ENOENT and not isinstance(exc, KeyNotExistError):
                raise KeyNotExistError(str(exc)) from None
            raise

    def get_next_key(self, key: Convertible | None = None) -> Any:
        """BPF_MAP_GET_NEXT_KEY: the key after ``key`` (first key for None); ENOENT at the end."""
        return _from_bytes(self._raw_next(None if key is None else _to_bytes(key, self.key_size, "key")),
                           self.key_type)  # fmt: skip

    # --- the map's lock -------------------------------------------------------------------------
    _held = threading.local()
    _holders = 0
    _holders_lock = fork_safe(threading.Lock())
    """How many ``locked()`` blocks are open in this process (any thread): element calls look at the
    thread-local set only when some are."""

    def _not_locked(self) -> None:
        if getattr(Map._held, "fds", None) and self._fd in Map._held.fds:
            raise RuntimeError("inside Map.locked() use the view it yields: the map's mutex is held")

    @contextlib.contextmanager
    def locked(self) -> Iterator[LockedView]:
        """Hold the map's shared lock for a read-modify-write; yields a view to read and write through.

        The lock is the map's process-shared robust mutex: the one every update, every BPF_F_LOCK
        copy and every program's ``bpf_spin_lock`` on this map takes, in any process.  So::

            with counters.locked() as view:
                view[0] = view[0] + 1      # atomic against other processes and programs

        Reads and writes through the view skip the lock (it is held) but not the checks (readable /
        writable fd, frozen map); a value's bpf_spin_lock word reads as zero and is never written, as
        with BPF_F_LOCK.  User backend only: the kernel gives user space no hold of a value's
        bpf_spin_lock beyond the single BPF_F_LOCK copy (EOPNOTSUPP there).  Do not call the Map's own
        element methods inside the block (RuntimeError): they would take the mutex again.
        """
        if not self._direct:
            raise BPFError(errno.EOPNOTSUPP, "Map.locked() needs the user backend (the kernel has none)")
        obj = MapObject.from_fd(self.fd)
        fds = getattr(Map._held, "fds", None)
        if fds is None:
            fds = Map._held.fds = set()
        with obj.lock:
            fds.add(self._fd)
            with Map._holders_lock:
                Map._holders += 1
            try:
                yield LockedView(self, obj)
            finally:
                with Map._holders_lock:
                    Map._holders -= 1
                fds.discard(self._fd)

    def map_arena(
        self,
        length: int | None = None,
        address: int = 0,
        *,
        prot: int = mmap.PROT_READ | mmap.PROT_WRITE,
        flags: int = mmap.MAP_SHARED,
    ) -> ArenaMapping:
        """``mmap(address, length, prot, flags, fd, 0)`` of an arena (length: its pages by default),
        refused as the kernel refuses it (``pybpf.maps.arena_mapping``): the first mapping fixes the
        arena's user address unless ``map_extra`` did, later ones must be at it (MAP_FIXED)."""
        if length is None:
            length = self.max_entries * mmap.PAGESIZE
        if self._direct:
            return arena_mmap(self.fd, length, address, prot=prot, flags=flags)
        return ArenaMapping.of_fd(self.fd, length, address, prot=prot, flags=flags)

    def mmap(
        self,
        length: int | None = None,
        offset: int = 0,
        *,
        prot: int = mmap.PROT_READ | mmap.PROT_WRITE,
        flags: int = mmap.MAP_SHARED,
    ) -> mmap.mmap:
        """``mmap(2)`` of the map's fd (BPF_F_MMAPABLE arrays, ring buffers), refused as the kernel
        refuses it on either backend (``pybpf.maps.mapping``: EINVAL for a private mapping, a mapping
        past the values or an array without BPF_F_MMAPABLE, EPERM for a writable mapping of a frozen
        map, ENOTSUPP for other map types ...).  ``length`` defaults to an array's page-rounded values.
        """
        if length is None:
            if self.map_type != uapi.BPF_MAP_TYPE_ARRAY:
                raise BPFError(errno.EINVAL, "give the length to map for maps other than arrays")
            page = mmap.PAGESIZE
            length = -(-self.max_entries * ((self.value_size + 7) // 8 * 8) // page) * page
        if self._direct:
            return map_mmap(self.fd, length, offset, prot=prot, flags=flags)
        if length <= 0:
            raise BPFError(errno.EINVAL, "mmap needs a non-zero length")
        try:
            return mmap.mmap(self.fd, length, flags, prot, offset=offset)
        except OSError as exc:
            raise BPFError(exc.errno or errno.EINVAL, f"mmap: {exc.strerror}") from None
        except (ValueError, OverflowError) as exc:
            raise BPFError(errno.EINVAL, f"mmap: {exc}") from None

    def freeze(self) -> None:
        """BPF_MAP_FREEZE: no more writes through bpf()."""
        attr = uapi.bpf_attr()
        attr.map_fd = self.fd
        self.backend.bpf(uapi.BPF_MAP_FREEZE, attr)

    # --- programs attached to the map (sockmaps and sockhashes) -----------------------------------
    def attach_program(self, program: int | FdObject, attach_type: int) -> None:
        """BPF_PROG_ATTACH ``program`` (a program or its fd) to this sockmap / sockhash at
        ``attach_type`` (BPF_SK_MSG_VERDICT, BPF_SK_SKB_STREAM_PARSER, _STREAM_VERDICT, _VERDICT)."""
        prog_fd = program if isinstance(program, int) else program.fd
        bpf_prog_attach(prog_fd, self.fd, attach_type, backend=self.backend)

    def detach_program(self, program: int | FdObject, attach_type: int) -> None:
        """BPF_PROG_DETACH ``program`` (the one attached at ``attach_type``) from this map."""
        prog_fd = program if isinstance(program, int) else program.fd
        bpf_prog_detach2(prog_fd, self.fd, attach_type, backend=self.backend)

    def query_programs(self, attach_type: int) -> list[int]:
        """BPF_PROG_QUERY: the ids of the programs attached to this map at ``attach_type``."""
        return bpf_prog_query(self.fd, attach_type, backend=self.backend)[1]

    # --- mapping protocol ---------------------------------------------------------------------
    def __getitem__(self, key: Convertible) -> Any:
        return self.lookup(key)

    def __setitem__(self, key: Convertible, value: Convertible) -> None:
        self.update(key, value)

    def __delitem__(self, key: Convertible) -> None:
        self.delete(key)

    def __contains__(self, key: object) -> bool:
        try:
            self.lookup(key)
        except KeyNotExistError:
            return False
        return True

    def get(self, key: Convertible, default: Any = None) -> Any:
        try:
            return self.lookup(key)
        except KeyNotExistError:
            return default

    def keys(self) -> Iterator[Any]:
        """Every key (batch lookups where the type has them, else GET_NEXT_KEY: the kernel's order)."""
        for key, _value in self._raw_items(values=False):
            yield _from_bytes(key, self.key_type)

    def _next_keys(self) -> Iterator[bytes]:
        key: bytes | None = None
        while True:
            try:
                key = self._raw_next(key)
            except BPFError as exc:
                if exc.errno == errno.ENOENT:
                    return
                raise
            yield key

    def _raw_next(self, key: bytes | None) -> bytes:
        self._not_locked()
        if self._direct:
            return map_elem.get_next_key(self.fd, None if key is None else lambda _size: key)
        attr, _keep = self._elem_attr(key)
        nxt = ctypes.create_string_buffer(max(self.key_size, 1))
        attr.next_key = ctypes.addressof(nxt)
        self.backend.bpf(uapi.BPF_MAP_GET_NEXT_KEY, attr)
        return nxt.raw[: self.key_size]

    __iter__ = keys

    def values(self) -> Iterator[Any]:
        for _key, value in self._raw_items(values=True):
            yield self._decode_value(value)

    def items(self) -> Iterator[tuple[Any, Any]]:
        for key, value in self._raw_items(values=True):
            yield _from_bytes(key, self.key_type), self._decode_value(value)

    def _raw_items(self, *, values: bool) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) pairs by BPF_MAP_LOOKUP_BATCH, or GET_NEXT_KEY + lookups (values only if asked)."""
        batches = self._lookup_batches()
        try:
            first = next(batches)
        except StopIteration:
            return
        except BPFError as exc:
            if exc.errno not in _NO_BATCH:
                raise
            for key in self._next_keys():
                if not values:
                    yield key, b""
                    continue
                try:
                    yield key, self._raw_lookup(key)
                except KeyNotExistError:
                    continue  # deleted since GET_NEXT_KEY named it
            return
        yield from first
        for chunk in batches:
            yield from chunk

    def _raw_lookup(self, key: bytes) -> bytes:
        value_type, self.value_type = self.value_type, None
        try:
            raw: bytes = self.lookup(key)
        finally:
            self.value_type = value_type
        return raw

    def _lookup_batches(self) -> Iterator[list[tuple[bytes, bytes]]]:
        """BPF_MAP_LOOKUP_BATCH from the start to ENOENT, a chunk of (key, value) pairs per call.

        The first call's error propagates (the caller falls back on ENOTSUPP / EINVAL); ENOSPC (a hash
        bucket larger than the chunk) retries with a chunk twice the size, as libbpf's users do.
        """
        self._not_locked()
        token = max(self.key_size, 8)
        in_batch, out_batch = ctypes.create_string_buffer(token), ctypes.create_string_buffer(token)
        chunk, started = _BATCH_CHUNK, False
        while True:
            keys = ctypes.create_string_buffer(max(1, chunk * self.key_size))
            vals = ctypes.create_string_buffer(max(1, chunk * self.user_value_size))
            attr = uapi.bpf_attr()
            attr.batch.map_fd, attr.batch.count = self.fd, chunk
            attr.batch.in_batch = ctypes.addressof(in_batch) if started else 0
            attr.batch.out_batch = ctypes.addressof(out_batch)
            attr.batch.keys, attr.batch.values = ctypes.addressof(keys), ctypes.addressof(vals)
            done = False
            try:
                self.backend.bpf(uapi.BPF_MAP_LOOKUP_BATCH, attr)
            except BPFError as exc:
                if exc.errno == errno.ENOSPC and attr.batch.count == 0:
                    chunk *= 2
                    continue
                if exc.errno != errno.ENOENT:
                    raise
                done = True
            count, ks, vs = int(attr.batch.count), self.key_size, self.user_value_size
            yield [(keys.raw[i * ks : (i + 1) * ks], vals.raw[i * vs : (i + 1) * vs]) for i in range(count)]
            if done:
                return
            ctypes.memmove(in_batch, out_batch, token)
            started = True

    def clear(self) -> None:
        """Empty the map: delete every key, or on an array (whose elements always exist) zero every value."""
        if self.map_type in _ARRAY_TYPES:
            if self.map_type in {uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_PERCPU_ARRAY}:
                zero = bytes(self.user_value_size)
                for index in range(self.max_entries):
                    self.update(index, zero)
            else:  # fd arrays: an entry is removed by deleting it
                for index in range(self.max_entries):
                    with contextlib.suppress(KeyNotExistError):
                        self.delete(index)
            return
        for key in list(self._next_keys()):
            with contextlib.suppress(KeyNotExistError):
                self.delete(key)

    def type_from_btf(self) -> Map:
        """Take ``key_type`` / ``value_type`` from the map's BTF (as the ELF loader does); returns self.

        Leaves them as they are when the map has no BTF or its types do not read as Python values.
        """
        info = self.info()
        if not info.btf_id:
            return self
        try:
            btf = btf_load_from_kernel_by_id(info.btf_id, backend=self.backend)
        except BTFError:
            return self
        if info.btf_key_type_id:
            self.key_type = python_type(btf, info.btf_key_type_id, self.key_size) or self.key_type
        if info.btf_value_type_id:
            self.value_type = python_type(btf, info.btf_value_type_id, self.value_size) or self.value_type
        return self

    def __len__(self) -> int:
        return sum(1 for _ in self._next_keys())

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"fd={self._fd}"
        return f"<Map type={self.map_type} name={self.name!r} {state} backend={self.backend.name}>"


class LockedView:
    """Element access to a map whose lock ``Map.locked()`` holds (lookups and updates without relocking)."""

    def __init__(self, owner: Map, obj: Any) -> None:
        self._map = owner
        self._obj = obj

    def lookup(self, key: Convertible) -> Any:
        m, obj = self._map, self._obj
        if not map_elem.can_read(m.fd):
            raise BPFError(errno.EPERM, "map fd is not readable")
        raw = obj.impl.lookup(_to_bytes(key, m.key_size, "key"))
        if obj.spin_lock_off is not None:
            raw = without_lock(raw, obj.spin_lock_off)
        return m._decode_value(raw)

    def update(self, key: Convertible, value: Convertible, flags: int = uapi.BPF_ANY) -> None:
        m, obj = self._map, self._obj
        if not map_elem.can_write(m.fd, obj):
            raise BPFError(errno.EPERM, "map is frozen or the fd is not writable")
        raw_key = _to_bytes(key, m.key_size, "key")
        raw_value = m._encode_value(value)
        if obj.spin_lock_off is not None:
            update_value(obj, raw_key, raw_value, flags)
        else:
            obj.impl.update(raw_key, raw_value, flags)

    def __getitem__(self, key: Convertible) -> Any:
        return self.lookup(key)

    def __setitem__(self, key: Convertible, value: Convertible) -> None:
        self.update(key, value)
