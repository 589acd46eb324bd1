"""BPF_MAP_LOOKUP_BATCH, LOOKUP_AND_DELETE_BATCH, UPDATE_BATCH and DELETE_BATCH for every pybpf map.

Mirrors ``kernel/bpf/syscall.c`` (``generic_map_lookup_batch``, ``generic_map_update_batch``,
``generic_map_delete_batch``) and ``kernel/bpf/hashtab.c`` (``__htab_map_lookup_and_delete_batch``)
after ``bpf_map_do_batch`` has checked the attr, the fd and its permissions, and the per-type
``map_*_batch`` ops of ``struct bpf_map_ops`` (a type without the op answers ENOTSUPP, 524):

=================================  ========  =================  ========  ========
map type                           lookup    lookup_and_delete  update    delete
=================================  ========  =================  ========  ========
ARRAY, PERCPU_ARRAY,               generic   ENOTSUPP           generic   ENOTSUPP
ARRAY_OF_MAPS
HASH, PERCPU_HASH, LRU_HASH,       htab      htab               generic   generic
LRU_PERCPU_HASH, HASH_OF_MAPS
LPM_TRIE                           generic   ENOTSUPP           generic   generic
everything else (queue, stack,     ENOTSUPP  ENOTSUPP           ENOTSUPP  ENOTSUPP
bloom filter, prog array, ringbuf)
=================================  ========  =================  ========  ========

* generic lookup walks keys with get_next_key; ``in_batch`` / ``out_batch`` hold a key (the last
  one visited), ENOENT when the end is reached; a key whose lookup finds nothing is skipped (the
  6.14+ kernel's ``goto next_key``).  Generic update and delete go element by element
  and stop at the first failure, whose errno they return with ``count`` = elements done.
* htab lookup (and lookup-and-delete) copies whole buckets; ``in_batch`` / ``out_batch`` are a u32
  bucket index, ``batch.flags`` must be 0, an index past the table or reaching the last bucket
  gives ENOENT, and a first non-empty bucket larger than ``count`` gives ENOSPC.  Bucket contents
  differ from the kernel's (another hash function), the union over a full walk does not.  LRU maps
  are read without refreshing recency and deleted through their LRU list.
* map-in-map values are inner map fds going in and map ids coming out; their updates and deletes
  go through the element commands, which keep the outer map's references to its inner maps.
* values in the user buffers are ``bpf_map_value_size`` bytes each: for per-CPU maps
  ``round_up(value_size, 8) * nr_cpus``.
* ``count`` is set to 0 first (lookups), then to the number of elements processed; an EFAULT while
  copying elements out leaves it 0, as the kernel's early exit does.  ``elem_flags`` other than
  BPF_F_LOCK are EINVAL for every batch, and BPF_F_LOCK is EINVAL unless the map's values hold a
  bpf_spin_lock (BTF-described maps, ``pybpf.kernel.btfobj``; both checked before ``count`` is looked
  at).  Values with a spin lock are written without their lock word (``copy_map_value_locked``).
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.kernel.usermem import copy_from_user, copy_to_user
from pybpf.maps.hash import HashMap
from pybpf.maps.lru import LruHashMap, LruPercpuHashMap
from pybpf.maps.map_in_map import HashOfMaps, MapInMap
from pybpf.maps.object import MapObject
from pybpf.maps.percpu import PercpuHashMap
from pybpf.uapi import ENOTSUPP, bpf_attr, offsetof

_LRU_PREFIX = 8
"""Bytes of LRU bookkeeping (the list node index) in front of each value of an LRU map's table."""
COUNT_OFFSET = offsetof(bpf_attr, "batch.count")

WriteBack = Callable[[int, bytes], None]
"""Writes bytes into the caller's attr at an offset (``batch.count``)."""


def _u32(value: int) -> bytes:
    return value.to_bytes(4, "little")


def _value_size(obj: MapObject) -> int:
    """``bpf_map_value_size``: bytes of one value in the user buffers (whole per-CPU blocks)."""
    size: int = getattr(obj.impl, "user_value_size", obj.spec.value_size)
    return size


def _check_elem_flags(b: Any, obj: MapObject | None = None) -> None:
    if b.elem_flags & ~uapi.BPF_F_LOCK:
        raise BPFError(errno.EINVAL, "unknown elem_flags")
    if b.elem_flags & uapi.BPF_F_LOCK and (obj is None or obj.spin_lock_off is None):
        raise BPFError(errno.EINVAL, "BPF_F_LOCK needs a bpf_spin_lock in the value")


def _generic_lookup(obj: MapObject, b: Any, write_back: WriteBack) -> int:
    _check_elem_flags(b, obj)
    max_count = b.count
    if not max_count:
        return 0
    write_back(COUNT_OFFSET, _u32(0))
    ks, vs = obj.spec.key_size, _value_size(obj)
    prev = copy_from_user(b.in_batch, ks) if b.in_batch else None
    err = 0
    done = 0
    while done < max_count:
        try:
            with obj.lock:
                key = obj.impl.get_next_key(prev)
                try:
                    value: bytes | None = obj.impl.lookup(key)
                except KeyNotExistError:  # a key without a value (an empty slot): skip it
                    value = None
        except BPFError as exc:
            err = exc.errno or errno.EINVAL
            break
        if value is not None:
            copy_to_user(b.keys + done * ks, key)
            copy_to_user(b.values + done * vs, value)
            done += 1
        prev = key
    write_back(COUNT_OFFSET, _u32(done))
    if done and prev is not None:
        copy_to_user(b.out_batch, prev)
    if err:
        raise BPFError(err, "end of map reached" if err == errno.ENOENT else None)
    return 0


def _write_one(obj: MapObject, fd: int, key: bytes, value: bytes | None, flags: int) -> None:
    """One update (``value`` given) or delete, as ``bpf_map_update_value`` / ``map_delete_elem``.

    Map-in-map values are fds in and references held by the outer map: those go through the
    element commands of ``pybpf.kernel.syscall``, which resolve the fd and keep the references.
    """
    if isinstance(obj.impl, MapInMap):
        from pybpf.kernel import syscall  # imported here: syscall imports this module

        if value is None:
            syscall.delete_elem(fd, lambda _size: key)
        else:
            syscall.update_elem(fd, flags, lambda _size: key, lambda _size: value)
        return
    with obj.lock:
        if value is None:
            obj.impl.delete(key)
        elif obj.spin_lock_off is not None:
            from pybpf.kernel.btfobj import update_value

            update_value(obj, key, value, flags)
        else:
            obj.impl.update(key, value, flags)


def _generic_write(obj: MapObject, b: Any, write_back: WriteBack, delete: bool) -> int:
    _check_elem_flags(b, obj)
    count = b.count
    if not count:
        return 0
    ks, vs = obj.spec.key_size, _value_size(obj)
    done = 0
    failure: BPFError | None = None
    while done < count:
        try:
            key = copy_from_user(b.keys + done * ks, ks)
            value = None if delete else copy_from_user(b.values + done * vs, vs)
            _write_one(obj, b.map_fd, key, value, b.elem_flags)
        except BPFError as exc:
            failure = exc
            break
        done += 1
    write_back(COUNT_OFFSET, _u32(done))
    if failure is not None:
        raise failure
    return 0


def _hash_table(obj: MapObject) -> tuple[HashMap, int]:
    """The plain hash table under a hash-type map, and the bytes its values carry before the user's."""
    impl = obj.impl
    if isinstance(impl, HashMap):
        return impl, 0
    if isinstance(impl, PercpuHashMap):
        assert isinstance(impl.inner, HashMap)
        return impl.inner, 0
    if isinstance(impl, LruHashMap | LruPercpuHashMap):
        return impl.inner, _LRU_PREFIX
    if isinstance(impl, HashOfMaps):
        return impl.table, 0
    raise BPFError(ENOTSUPP, "not a hash map")


def _htab_lookup(obj: MapObject, b: Any, write_back: WriteBack, delete: bool) -> int:
    _check_elem_flags(b, obj)
    if b.flags:
        raise BPFError(errno.EINVAL, "batch.flags must be 0")
    max_count = b.count
    if not max_count:
        return 0
    write_back(COUNT_OFFSET, _u32(0))
    table, skip = _hash_table(obj)
    batch = int.from_bytes(copy_from_user(b.in_batch, 4), "little") if b.in_batch else 0
    if batch >= table.n_buckets:
        raise BPFError(errno.ENOENT, "in_batch past the last bucket")
    ks, vs = obj.spec.key_size, _value_size(obj)
    total, err = 0, 0
    while True:
        with obj.lock:
            items = table.bucket_items(batch)
            if len(items) > max_count - total:
                if total == 0:
                    err = errno.ENOSPC
                break
            if delete and not isinstance(obj.impl, MapInMap):  # LRU maps free the list node too
                for key, _ in items:
                    obj.impl.delete(key)
        if delete and isinstance(obj.impl, MapInMap):  # dropping the inner maps' references
            for key, _ in items:
                _write_one(obj, b.map_fd, key, None, 0)
        if items:
            copy_to_user(b.keys + total * ks, b"".join(key for key, _ in items))
            copy_to_user(b.values + total * vs, b"".join(value[skip:] for _, value in items))
        total += len(items)
        batch += 1
        if batch >= table.n_buckets:
            err = errno.ENOENT
            break
    copy_to_user(b.out_batch, _u32(batch))
    write_back(COUNT_OFFSET, _u32(total))
    if err:
        raise BPFError(err, "end of map reached" if err == errno.ENOENT else "bucket larger than count")
    return 0


Op = Callable[[MapObject, Any, WriteBack], int]


def _lookup(obj: MapObject, b: Any, write_back: WriteBack) -> int:
    return _generic_lookup(obj, b, write_back)


def _update(obj: MapObject, b: Any, write_back: WriteBack) -> int:
    return _generic_write(obj, b, write_back, delete=False)


def _delete(obj: MapObject, b: Any, write_back: WriteBack) -> int:
    return _generic_write(obj, b, write_back, delete=True)


def _htab(obj: MapObject, b: Any, write_back: WriteBack) -> int:
    return _htab_lookup(obj, b, write_back, delete=False)


def _htab_and_delete(obj: MapObject, b: Any, write_back: WriteBack) -> int:
    return _htab_lookup(obj, b, write_back, delete=True)


L, LD = uapi.BPF_MAP_LOOKUP_BATCH, uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH
U, D = uapi.BPF_MAP_UPDATE_BATCH, uapi.BPF_MAP_DELETE_BATCH
_ARRAY_OPS: dict[int, Op] = {L: _lookup, U: _update}
_HTAB_OPS: dict[int, Op] = {L: _htab, LD: _htab_and_delete, U: _update, D: _delete}
BATCH_OPS: dict[int, dict[int, Op]] = {
    uapi.BPF_MAP_TYPE_ARRAY: _ARRAY_OPS,
    uapi.BPF_MAP_TYPE_PERCPU_ARRAY: _ARRAY_OPS,
    uapi.BPF_MAP_TYPE_HASH: _HTAB_OPS,
    uapi.BPF_MAP_TYPE_PERCPU_HASH: _HTAB_OPS,
    uapi.BPF_MAP_TYPE_LRU_HASH: _HTAB_OPS,
    uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH: _HTAB_OPS,
    uapi.BPF_MAP_TYPE_LPM_TRIE: {L: _lookup, U: _update, D: _delete},
    uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS: _ARRAY_OPS,
    uapi.BPF_MAP_TYPE_HASH_OF_MAPS: _HTAB_OPS,
}
"""Map type -> batch command -> implementation: the ``map_*_batch`` members of each type's
``bpf_map_ops``.  A missing entry is the kernel's NULL op: ENOTSUPP."""


def do_batch(cmd: int, obj: MapObject, b: Any, write_back: WriteBack) -> int:
    """Run batch command ``cmd`` on ``obj`` (attr, fd and permissions already checked)."""
    op = BATCH_OPS.get(obj.spec.map_type, {}).get(cmd)
    if op is None:
        raise BPFError(ENOTSUPP, "this batch operation is not supported by this map type")
    return op(obj, b, write_back)
