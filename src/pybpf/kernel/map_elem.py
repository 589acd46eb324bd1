"""The element commands of bpf(2) after attr decoding: lookup, update, delete, next key, lookup-and-delete.

Mirrors ``kernel/bpf/syscall.c``: ``map_lookup_elem``, ``map_update_elem`` (``bpf_map_update_value``),
``map_delete_elem``, ``map_get_next_key`` and ``map_lookup_and_delete_elem`` -- the checks in the
kernel's order (flags, fd, access mode and frozen, BPF_F_LOCK, key copy), then the map's operation
through its ``pybpf.maps.base.MapOps``, never by naming a map type.

Maps whose values are fds (``MapOps.fd_kind``) are written the fd of a program, map, perf event or
cgroup: the fd is resolved here (the kernel's ``map_fd_get_ptr``) and the map holds the object by a
reference in its reference directory (``pybpf.objects.refs``), dropped once no key holds it
(``map_fd_put_ptr``); a cgroup is the kernel's, kept by its id alone (``FdKind.held_by_reference``).

The attr handlers of ``pybpf.kernel.syscall``, the batch commands (``pybpf.kernel.map_batch``) and the
Pythonic ``pybpf.Map`` (which passes the key and value bytes themselves) share these functions; a
``Map`` reaches them through its ``ElementPath``, which keeps what its fd resolved to between calls.

Map storage is shared memory other processes may have corrupted; the map types check what they read
and answer EUCLEAN (``pybpf.maps.base``).  As a last line of defence, an exception a map operation
should never raise (``struct.error``, ``ValueError``, ``IndexError``, ``OverflowError``) is turned
into the same EUCLEAN here, so nothing but ``BPFError`` leaves these functions; it costs nothing
until it happens.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct
import weakref
from collections.abc import Callable

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.helpers import timers
from pybpf.kernel import btfobj, links, progobj
from pybpf.maps.base import FdKind, FdTarget, corrupted
from pybpf.maps.object import MapObject, map_and_mode, resolve_fd
from pybpf.objects import cgroups, perf_event, refs
from pybpf.objects.files import bpffs_root

KeySource = Callable[[int], bytes]
"""Produces the bytes of a key or value given its size (``copy_from_user`` for attr pointers)."""

Source = KeySource | bytes
"""A KeySource, or the bytes themselves when the caller already has them (the Pythonic ``Map``)."""

_F_LOCK = uapi.BPF_F_LOCK
_lseek, _SEEK_CUR = os.lseek, os.SEEK_CUR
_CLOSED = -2
"""What ``ElementPath`` takes as the position of an fd lseek fails on: never a token (``resolve_fd``
gives -1 for a description it could not mark), so such an fd is always resolved again."""
_BROKEN = (struct.error, ValueError, IndexError, OverflowError)
"""What a map operation raises only when the storage it read is inconsistent."""


def _broken(exc: Exception) -> BPFError:
    return corrupted(f"{type(exc).__name__}: {exc}")


# --- the map behind an fd, and what the fd may do -----------------------------------------------
def map_of(fd: int) -> MapObject:
    """The map ``fd`` refers to (``__bpf_map_get``): EBADF for no open fd, EINVAL for another file.

    (An fd above 0x7FFFFFFF is a negative int to the kernel: never open, EBADF.)
    """
    if fd > 0x7FFFFFFF:
        raise BPFError(errno.EBADF, f"fd {fd} is not open")
    return map_and_mode(fd)[0]


def _mode(fd: int) -> int:
    return fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE


def can_read(fd: int) -> bool:
    """``map_get_sys_perms`` & FMODE_CAN_READ."""
    return _mode(fd) != os.O_WRONLY


def can_write(fd: int, obj: MapObject) -> bool:
    """``map_get_sys_perms`` & FMODE_CAN_WRITE: a writable fd of a map that is not frozen."""
    return _mode(fd) != os.O_RDONLY and not obj.frozen


def _bytes_of(source: Source, size: int) -> bytes:
    """The bytes of a key or value ``Source`` of ``size`` bytes."""
    return source if isinstance(source, bytes) else source(size)


# --- the commands -------------------------------------------------------------------------------
def lookup_elem(fd: int, flags: int, key: Source, value: KeySource | None = None) -> bytes:
    """BPF_MAP_LOOKUP_ELEM after attr decoding: the checks in the kernel's order, then the lookup.

    A map whose lookup tests a value (bloom filters) reads it from ``value`` (the kernel copies it in
    from the value pointer) and returns b"" (nothing to copy out) when the value may be present.
    Types that can read without the lock (``read_locked`` False, ``lookup_unlocked``) do so.
    """
    if flags & ~_F_LOCK:
        raise BPFError(errno.EINVAL, "unknown lookup flags")
    if fd > 0x7FFFFFFF:
        raise BPFError(errno.EBADF, f"fd {fd} is not open")
    obj, mode = map_and_mode(fd)
    if mode == os.O_WRONLY:
        raise BPFError(errno.EPERM, "map fd is not readable")
    lock_off = obj.spin_lock_off
    if flags & _F_LOCK and lock_off is None:
        raise BPFError(errno.EINVAL, "BPF_F_LOCK needs a bpf_spin_lock in the value")
    raw = key if isinstance(key, bytes) else key(obj.params.key_size)
    impl = obj.impl
    try:
        if obj.btf_id and btfobj.hidden_fields(obj):  # check_and_init_map_value(): kptrs, list heads
            with obj.lock:
                return btfobj.without_hidden(obj, btfobj.without_lock(impl.lookup(raw), lock_off))
        if lock_off is not None:  # copy_map_value(_locked): the lock word reads as zero
            if flags & _F_LOCK or impl.read_locked:
                with obj.lock:
                    return btfobj.without_lock(impl.lookup(raw), lock_off)
            return btfobj.without_lock(impl.lookup(raw), lock_off)
        if not impl.read_locked:
            if value is not None and impl.lookup_tests_value:
                return impl.peek(value(obj.params.value_size))
            return impl.lookup(raw)
        found = impl.lookup_unlocked(raw)
        if found is not None:
            return found
    except _BROKEN as exc:
        raise _broken(exc) from None
    lock = obj.lock
    address = lock.address
    rc = lock.raw_lock(address)
    if rc:
        lock.locked_with(rc)
    try:
        return impl.lookup(raw)
    except _BROKEN as exc:
        raise _broken(exc) from None
    finally:
        lock.raw_unlock(address)


def update_elem(fd: int, flags: int, key: Source, value: Source) -> int:
    """BPF_MAP_UPDATE_ELEM after attr decoding; what it returns (0 but for a struct_ops quirk)."""
    if fd > 0x7FFFFFFF:
        raise BPFError(errno.EBADF, f"fd {fd} is not open")
    obj, mode = map_and_mode(fd)
    if mode == os.O_RDONLY or obj.mm[obj.frozen_at]:
        raise BPFError(errno.EPERM, "map is frozen or the fd is not writable")
    lock_off = obj.spin_lock_off
    if flags & _F_LOCK and lock_off is None:  # before the key is read, on every map type
        raise BPFError(errno.EINVAL, "BPF_F_LOCK needs a bpf_spin_lock in the value")
    impl = obj.impl
    kind = impl.fd_kind
    if kind is not None:  # values are fds of other objects: held by reference
        raw_key = _bytes_of(key, obj.params.key_size)
        _update_fd_value(fd, obj, kind, raw_key, int.from_bytes(_bytes_of(value, 4), "little"), flags=flags)
        return 0
    if impl.value_prog_fd_at is not None:  # values may carry a program fd: held by reference
        raw_key = _bytes_of(key, obj.params.key_size)
        return _update_with_programs(fd, obj, raw_key, _bytes_of(value, impl.user_value_size), flags)
    raw_key = key if isinstance(key, bytes) else key(obj.params.key_size)
    raw_value = value if isinstance(value, bytes) else value(impl.user_value_size)
    if obj.btf_id:
        raw_value = btfobj.without_hidden(obj, raw_value)
    lock = obj.lock
    address = lock.address
    rc = lock.raw_lock(address)
    if rc:
        lock.locked_with(rc)
    try:
        replaced = timers.element_timer(obj, raw_key, flags)
        if lock_off is not None:
            btfobj.update_value(obj, raw_key, raw_value, flags)
        else:
            impl.update(raw_key, raw_value, flags)
    except _BROKEN as exc:
        raise _broken(exc) from None
    finally:
        lock.raw_unlock(address)
    if replaced is not None:  # bpf_obj_free_fields() of the value replaced: its timer
        timers.free_element(obj, replaced)
    timers.free_evicted(obj)
    return 0


def delete_elem(fd: int, key: Source) -> None:
    """BPF_MAP_DELETE_ELEM after attr decoding."""
    if fd > 0x7FFFFFFF:
        raise BPFError(errno.EBADF, f"fd {fd} is not open")
    obj, mode = map_and_mode(fd)
    if mode == os.O_RDONLY or obj.mm[obj.frozen_at]:
        raise BPFError(errno.EPERM, "map is frozen or the fd is not writable")
    raw = key if isinstance(key, bytes) else key(obj.params.key_size)
    impl = obj.impl
    lock = obj.lock
    address = lock.address
    rc = lock.raw_lock(address)
    if rc:
        lock.locked_with(rc)
    try:
        kind = impl.fd_kind
        if kind is not None:
            _remove_object(obj, kind, raw)
            return
        if impl.value_prog_fd_at is not None:
            _delete_with_programs(obj, raw)
            return
        deleted = timers.element_timer(obj, raw)
        impl.delete(raw)
    except _BROKEN as exc:
        raise _broken(exc) from None
    finally:
        lock.raw_unlock(address)
    if deleted is not None:  # bpf_obj_free_fields() of the value deleted: its timer
        timers.free_element(obj, deleted)


def get_next_key(fd: int, key: KeySource | None) -> bytes:
    """BPF_MAP_GET_NEXT_KEY after attr decoding (``key`` None: the NULL key pointer)."""
    if fd > 0x7FFFFFFF:
        raise BPFError(errno.EBADF, f"fd {fd} is not open")
    obj, mode = map_and_mode(fd)
    if mode == os.O_WRONLY:
        raise BPFError(errno.EPERM, "map fd is not readable")
    raw = key(obj.params.key_size) if key is not None else None
    try:
        if obj.impl.read_locked:
            with obj.lock:
                return obj.impl.get_next_key(raw)
        return obj.impl.get_next_key(raw)
    except _BROKEN as exc:
        raise _broken(exc) from None


def lookup_and_delete_elem(fd: int, flags: int, key: KeySource) -> bytes:
    """BPF_MAP_LOOKUP_AND_DELETE_ELEM after attr decoding (``map_lookup_and_delete_elem``).

    Hash maps return the value and remove the key under one hold of the lock; queues and stacks
    pop; the other types answer ENOTSUPP (524), as the kernel does for arrays.  The kernel's "flags
    are EINVAL for a queue or stack" is the BPF_F_LOCK check here: their values hold no spin lock.
    """
    if flags & ~_F_LOCK:
        raise BPFError(errno.EINVAL, "unknown lookup_and_delete flags")
    obj = map_of(fd)
    if not can_read(fd) or not can_write(fd, obj):
        raise BPFError(errno.EPERM, "lookup_and_delete needs a readable and writable map")
    if flags & _F_LOCK and obj.spin_lock_off is None:
        raise BPFError(errno.EINVAL, "BPF_F_LOCK needs a bpf_spin_lock in the value")
    raw = key(obj.params.key_size)
    try:
        with obj.lock:
            deleted = timers.element_timer(obj, raw)
            value = obj.impl.lookup_and_delete(raw)
    except _BROKEN as exc:
        raise _broken(exc) from None
    if deleted is not None:
        timers.free_element(obj, deleted)
    return btfobj.without_hidden(obj, btfobj.without_lock(value, obj.spin_lock_off))


# --- one fd's element commands, for pybpf.Map ------------------------------------------------------
def _no_object() -> MapObject | None:
    """The map object of an ``ElementPath`` not resolved yet: none (so the first call resolves)."""
    return None


def _no_lock(address: int) -> int:
    """The lock calls of an ``ElementPath`` not resolved yet: never called (it resolves first)."""
    raise AssertionError("the lock of a map that was never resolved")


_State = tuple[int, Callable[[], "MapObject | None"], bool, bool, bool, int, int, Callable[[int], int],
               Callable[[int], int]]  # fmt: skip
"""What ``ElementPath`` keeps of its fd, in one tuple so threads sharing it read one consistent
answer: (token, the map object held weakly, fast reads, reads take the lock, fast writes, offset
of the frozen flag, and the lock's address, ``raw_lock`` and ``raw_unlock``)."""


class ElementPath:
    """``lookup_elem`` / ``update_elem`` / ``delete_elem`` on one fd, for ``pybpf.Map``: keys and
    values are ``bytes`` of the map's sizes, and what the fd resolved to is kept between calls.

    Every call re-checks the fd as ``map_and_mode`` does -- one ``lseek`` compared with the token of
    its open file description (``resolve_fd``) -- and resolves it again when that fails, so a closed
    fd is EBADF and a reused fd number answers for what it refers to now; the access mode is the
    description's (it never changes) and the frozen flag is read from the shared header each time.
    The common case -- a readable (writable) fd of a map whose values are plain bytes, not frozen,
    no BPF_F_LOCK -- then runs the map's operation as the functions above do; every other case
    (EPERM, BPF_F_LOCK, values that are fds or hold a bpf_spin_lock) is handed to them, which answer
    it.  The map object is held weakly, as ``map_and_mode`` holds it (a mapping keeps a dup of the fd
    it maps: only ``MapObject``'s bounded cache keeps mappings alive).
    """

    __slots__ = ("_state", "fd")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._state: _State = (_CLOSED, _no_object, False, False, False, 0, 0, _no_lock, _no_lock)

    def _resolve(self) -> tuple[MapObject, _State]:
        """Resolve the fd (EBADF, EINVAL as ``map_and_mode``) and keep the answer."""
        obj, mode, token = resolve_fd(self.fd)
        impl = obj.impl
        plain = (
            impl.fd_kind is None
            and impl.value_prog_fd_at is None
            and obj.spin_lock_off is None
            and not btfobj.hidden_fields(obj)
        )
        reads, writes = plain and mode != os.O_WRONLY, plain and mode != os.O_RDONLY
        lock = obj.lock
        state = (token, weakref.ref(obj), reads, obj.impl.read_locked, writes, obj.frozen_at,
                 lock.address, lock.raw_lock, lock.raw_unlock)  # fmt: skip
        self._state = state
        return obj, state

    def lookup(self, key: bytes) -> bytes:
        """``lookup_elem(fd, 0, key)``."""
        state = self._state
        try:
            here = _lseek(self.fd, 0, _SEEK_CUR)
        except OSError:
            here = _CLOSED
        obj = state[1]()
        if obj is None or here != state[0]:
            obj, state = self._resolve()
        _, _, fast, read_locked, _, _, address, lock, unlock = state
        if not fast:
            return lookup_elem(self.fd, 0, key)
        impl = obj.impl
        try:
            if not read_locked:
                return impl.lookup(key)
            found = impl.lookup_unlocked(key)
            if found is not None:
                return found
        except _BROKEN as exc:
            raise _broken(exc) from None
        rc = lock(address)
        if rc:
            obj.lock.locked_with(rc)
        try:
            return impl.lookup(key)
        except _BROKEN as exc:
            raise _broken(exc) from None
        finally:
            unlock(address)

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        """``update_elem(fd, flags, key, value)``."""
        state = self._state
        try:
            here = _lseek(self.fd, 0, _SEEK_CUR)
        except OSError:
            here = _CLOSED
        obj = state[1]()
        if obj is None or here != state[0]:
            obj, state = self._resolve()
        _, _, _, _, fast, frozen_at, address, lock, unlock = state
        if not fast or flags & _F_LOCK or obj.mm[frozen_at]:
            update_elem(self.fd, flags, key, value)
            return
        rc = lock(address)
        if rc:
            obj.lock.locked_with(rc)
        try:
            obj.impl.update(key, value, flags)
        except _BROKEN as exc:
            raise _broken(exc) from None
        finally:
            unlock(address)

    def delete(self, key: bytes) -> None:
        """``delete_elem(fd, key)``."""
        state = self._state
        try:
            here = _lseek(self.fd, 0, _SEEK_CUR)
        except OSError:
            here = _CLOSED
        obj = state[1]()
        if obj is None or here != state[0]:
            obj, state = self._resolve()
        _, _, _, _, fast, frozen_at, address, lock, unlock = state
        if not fast or obj.mm[frozen_at]:
            delete_elem(self.fd, key)
            return
        rc = lock(address)
        if rc:
            obj.lock.locked_with(rc)
        try:
            obj.impl.delete(key)
        except _BROKEN as exc:
            raise _broken(exc) from None
        finally:
            unlock(address)


# --- shared with the batch commands --------------------------------------------------------------
def update_value(fd: int, obj: MapObject, key: bytes, value: bytes, flags: int) -> None:
    """``bpf_map_update_value``: one update of a map whose fd the caller has checked (batches)."""
    kind = obj.impl.fd_kind
    if kind is not None:
        _update_fd_value(fd, obj, kind, key, int.from_bytes(value[:4], "little"), flags=flags)
        return
    value = btfobj.without_hidden(obj, value)
    try:
        with obj.lock:
            replaced = timers.element_timer(obj, key, flags)
            if obj.spin_lock_off is not None:
                btfobj.update_value(obj, key, value, flags)
            else:
                obj.impl.update(key, value, flags)
    except _BROKEN as exc:
        raise _broken(exc) from None
    if replaced is not None:
        timers.free_element(obj, replaced)
    timers.free_evicted(obj)


def delete_value(obj: MapObject, key: bytes) -> None:
    """``map_delete_elem``'s delete: one delete of a map whose fd the caller has checked (batches)."""
    try:
        with obj.lock:
            kind = obj.impl.fd_kind
            if kind is not None:
                _remove_object(obj, kind, key)
                return
            deleted = timers.element_timer(obj, key)
            obj.impl.delete(key)
    except _BROKEN as exc:
        raise _broken(exc) from None
    if deleted is not None:
        timers.free_element(obj, deleted)


# --- maps whose values are fds ---------------------------------------------------------------------
def _resolve(kind: FdKind, fd: int) -> FdTarget:
    """``map_fd_get_ptr``: the object ``fd`` refers to, of the kind the map holds (EBADF / EINVAL
    for a closed fd or another kind of file, as the kernel's fd lookups answer)."""
    if kind is FdKind.MAP:
        inner = map_of(fd)
        return FdTarget(inner.id, params=inner.params)
    if fd > 0x7FFFFFFF:
        fd = -1
    if kind is FdKind.PROG:
        prog = progobj.ProgObject.from_fd(fd)
        return FdTarget(prog.id, prog_type=prog.prog_type)
    if kind is FdKind.CGROUP:
        return FdTarget(cgroups.cgroup_id_of_fd(fd))
    return FdTarget(perf_event.PerfEventObject.from_fd(fd).id)


def _update_fd_value(
    map_fd: int, obj: MapObject, kind: FdKind, key: bytes, object_fd: int, *, flags: int
) -> None:
    """``bpf_fd_array_map_update_elem`` / ``bpf_fd_htab_map_update_elem``: the map holds the object
    ``object_fd`` refers to by a reference, and drops the reference of the object it replaces."""
    impl = obj.impl
    impl.check_fd_update(key, flags)
    target = _resolve(kind, object_fd)
    impl.check_fd_object(target)
    if kind is FdKind.PROG and links.replacements(target.id):  # prog_fd_array_get_ptr: is_extended
        raise BPFError(errno.EBUSY, f"program {target.id} is extended by a live freplace link")
    if not kind.held_by_reference:
        with obj.lock:
            impl.store_object(key, target, flags)
        return
    root = bpffs_root()
    holder = ("map", obj.id)
    refs.register_holder(root, "map", obj.id, map_fd)
    refs.add_ref(root, holder, (kind.value, target.id), object_fd)
    with obj.lock:
        try:
            old = impl.store_object(key, target, flags)
            impl.filled_through(key, map_fd)
        except BPFError:
            if not impl.holds(target.id):
                refs.drop_ref(root, holder, (kind.value, target.id))
            raise
        if old and old != target.id and not impl.holds(old):
            refs.drop_ref(root, holder, (kind.value, old))


def _remove_object(obj: MapObject, kind: FdKind, key: bytes) -> None:
    """Empty ``key`` of an fd-holding map (lock held), dropping the reference no key holds any more."""
    old = obj.impl.remove_object(key)
    if kind.held_by_reference and not obj.impl.holds(old):
        refs.drop_ref(bpffs_root(), ("map", obj.id), (kind.value, old))


# --- maps whose values may carry a program fd (device maps, CPU maps) ----------------------------------
def _value_prog(obj: MapObject, key: bytes) -> int:
    """The id of the program the value at ``key`` holds (0: none, or no such key); lock held."""
    at = obj.impl.value_prog_fd_at
    try:
        value = obj.impl.lookup(key)
    except BPFError:
        return 0
    return int.from_bytes(value[at : at + 4], "little") if at is not None and len(value) >= at + 4 else 0


def _drop_unheld(obj: MapObject, prog_ids: set[int]) -> None:
    """Drop the map's references to the programs of ``prog_ids`` no value holds any more."""
    for prog_id in prog_ids - {0}:
        if not obj.impl.holds(prog_id):
            refs.drop_ref(bpffs_root(), ("map", obj.id), ("prog", prog_id))


def _update_with_programs(map_fd: int, obj: MapObject, key: bytes, value: bytes, flags: int) -> int:
    """``__dev_map_update_elem`` & co.: a value's program fd is resolved where the map asks
    (``bpf_prog_get_type_dev``: EINVAL for anything but a program the map takes) and held by a
    reference, dropped with the value that held it."""
    impl = obj.impl
    root = bpffs_root()
    taken: set[int] = set()

    def resolve(prog_fd: int) -> int:
        try:
            prog = progobj.ProgObject.from_fd(prog_fd)
        except BPFError as exc:
            if impl.value_prog_fd_errno:  # bpf_prog_get(): the fd's own errno
                raise
            raise BPFError(errno.EINVAL, f"fd {prog_fd} is not a program") from exc
        meta = prog.meta
        impl.check_value_prog(
            FdTarget(
                prog.id, prog_type=prog.prog_type, expected_attach_type=meta.expected_attach_type,
                attach_btf_id=meta.attach_btf_id,
            )
        )  # fmt: skip
        refs.register_holder(root, "map", obj.id, map_fd)
        refs.add_ref(root, ("map", obj.id), ("prog", prog.id), prog_fd)
        taken.add(prog.id)
        return prog.id

    with obj.lock:
        old = _value_prog(obj, key)
        try:
            return impl.update_with_programs(key, value, flags, resolve) or 0
        except _BROKEN as exc:
            raise _broken(exc) from None
        finally:
            _drop_unheld(obj, taken | {old})


def _delete_with_programs(obj: MapObject, key: bytes) -> None:
    """Delete from a map whose values may hold programs (lock held), dropping what no value holds."""
    old = _value_prog(obj, key)
    obj.impl.delete(key)
    _drop_unheld(obj, {old})
