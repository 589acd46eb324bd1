"""BPF_MAP_LOOKUP_BATCH, LOOKUP_AND_DELETE_BATCH, UPDATE_BATCH and DELETE_BATCH for ARRAY and HASH.

Mirrors ``kernel/bpf/syscall.c`` (``generic_map_lookup_batch``, ``generic_map_update_batch``,
``generic_map_delete_batch``) and ``kernel/bpf/hashtab.c`` (``__htab_map_lookup_and_delete_batch``)
after ``bpf_map_do_batch`` has checked the attr, the fd and its permissions:

* ARRAY: lookup batch walks keys with get_next_key; ``in_batch`` / ``out_batch`` hold a key (the
  last one returned), ENOENT when the end is reached.  Update batch is generic; lookup-and-delete
  and delete batches are ENOTSUPP (524), as in the kernel.
* HASH: lookup (and lookup-and-delete) batches copy whole buckets; ``in_batch`` / ``out_batch`` are a
  u32 bucket index, ``batch.flags`` must be 0, an index past the table or reaching the last bucket
  gives ENOENT, and a first non-empty bucket larger than ``count`` gives ENOSPC.  Bucket contents
  differ from the kernel's (another hash function), the union over a full walk does not.  Update
  and delete batches are generic.
* ``count`` is set to 0 first (lookups), then to the number of elements processed; an EFAULT while
  copying elements out leaves it 0, as the kernel's early exit does.  ``elem_flags`` other than
  BPF_F_LOCK are EINVAL for every batch (update included), and BPF_F_LOCK is EINVAL because no
  pybpf value has a bpf_spin_lock.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.objfile import MapObject
from pybpf.kernel.usermem import copy_from_user, copy_to_user
from pybpf.maps.hash import HashMap

ENOTSUPP = 524
COUNT_OFFSET: int = uapi._generated.bpf_attr_batch.count.offset  # type: ignore[attr-defined]

WriteBack = Callable[[int, bytes], None]
"""Writes bytes into the caller's attr at an offset (``batch.count``)."""


def _u32(value: int) -> bytes:
    return value.to_bytes(4, "little")


def _check_elem_flags(b: Any) -> None:
    if b.elem_flags & ~uapi.BPF_F_LOCK:
        raise BPFError(errno.EINVAL, "unknown elem_flags")
    if b.elem_flags & uapi.BPF_F_LOCK:
        raise BPFError(errno.EINVAL, "BPF_F_LOCK needs a bpf_spin_lock in the value")


def _generic_lookup(obj: MapObject, b: Any, write_back: WriteBack) -> int:
    _check_elem_flags(b)
    max_count = b.count
    if not max_count:
        return 0
    write_back(COUNT_OFFSET, _u32(0))
    ks, vs = obj.spec.key_size, obj.spec.value_size
    prev = copy_from_user(b.in_batch, ks) if b.in_batch else None
    err = 0
    done = 0
    while done < max_count:
        try:
            with obj.lock:
                key = obj.impl.get_next_key(prev)
                value = obj.impl.lookup(key)
        except BPFError as exc:
            err = exc.errno or errno.EINVAL
            break
        copy_to_user(b.keys + done * ks, key)
        copy_to_user(b.values + done * vs, value)
        prev = key
        done += 1
    write_back(COUNT_OFFSET, _u32(done))
    if done and prev is not None:
        copy_to_user(b.out_batch, prev)
    if err:
        raise BPFError(err, "end of map reached" if err == errno.ENOENT else None)
    return 0


def _generic_write(obj: MapObject, b: Any, write_back: WriteBack, delete: bool) -> int:
    _check_elem_flags(b)
    count = b.count
    if not count:
        return 0
    ks, vs = obj.spec.key_size, obj.spec.value_size
    done = 0
    failure: BPFError | None = None
    while done < count:
        try:
            key = copy_from_user(b.keys + done * ks, ks)
            if delete:
                with obj.lock:
                    obj.impl.delete(key)
            else:
                value = copy_from_user(b.values + done * vs, vs)
                with obj.lock:
                    obj.impl.update(key, value, b.elem_flags)
        except BPFError as exc:
            failure = exc
            break
        done += 1
    write_back(COUNT_OFFSET, _u32(done))
    if failure is not None:
        raise failure
    return 0


def _htab_lookup(obj: MapObject, b: Any, write_back: WriteBack, delete: bool) -> int:
    _check_elem_flags(b)
    if b.flags:
        raise BPFError(errno.EINVAL, "batch.flags must be 0")
    max_count = b.count
    if not max_count:
        return 0
    write_back(COUNT_OFFSET, _u32(0))
    impl = obj.impl
    assert isinstance(impl, HashMap)
    batch = int.from_bytes(copy_from_user(b.in_batch, 4), "little") if b.in_batch else 0
    if batch >= impl.n_buckets:
        raise BPFError(errno.ENOENT, "in_batch past the last bucket")
    ks, vs = obj.spec.key_size, obj.spec.value_size
    total, err = 0, 0
    while True:
        with obj.lock:
            items = impl.bucket_items(batch)
            if len(items) > max_count - total:
                if total == 0:
                    err = errno.ENOSPC
                break
            if delete:
                for key, _ in items:
                    impl.delete(key)
        if items:
            copy_to_user(b.keys + total * ks, b"".join(key for key, _ in items))
            copy_to_user(b.values + total * vs, b"".join(value for _, value in items))
        total += len(items)
        batch += 1
        if batch >= impl.n_buckets:
            err = errno.ENOENT
            break
    copy_to_user(b.out_batch, _u32(batch))
    write_back(COUNT_OFFSET, _u32(total))
    if err:
        raise BPFError(err, "end of map reached" if err == errno.ENOENT else "bucket larger than count")
    return 0


def do_batch(cmd: int, obj: MapObject, b: Any, write_back: WriteBack) -> int:
    """Run batch command ``cmd`` on ``obj`` (attr, fd and permissions already checked)."""
    map_type = obj.spec.map_type
    if map_type == uapi.BPF_MAP_TYPE_HASH:
        if cmd == uapi.BPF_MAP_LOOKUP_BATCH:
            return _htab_lookup(obj, b, write_back, delete=False)
        if cmd == uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH:
            return _htab_lookup(obj, b, write_back, delete=True)
        return _generic_write(obj, b, write_back, delete=cmd == uapi.BPF_MAP_DELETE_BATCH)
    if map_type == uapi.BPF_MAP_TYPE_ARRAY:
        if cmd == uapi.BPF_MAP_LOOKUP_BATCH:
            return _generic_lookup(obj, b, write_back)
        if cmd == uapi.BPF_MAP_UPDATE_BATCH:
            return _generic_write(obj, b, write_back, delete=False)
    raise BPFError(ENOTSUPP, "this batch operation is not supported by this map type in pybpf")
