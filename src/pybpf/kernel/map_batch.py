"""BPF_MAP_LOOKUP_BATCH, LOOKUP_AND_DELETE_BATCH, UPDATE_BATCH and DELETE_BATCH for every pybpf map.

Mirrors ``kernel/bpf/syscall.c`` (``generic_map_lookup_batch``, ``generic_map_update_batch``,
``generic_map_delete_batch``) and ``kernel/bpf/hashtab.c`` (``__htab_map_lookup_and_delete_batch``)
after ``bpf_map_do_batch`` has checked the attr, the fd and its permissions.  Which of the per-type
``map_*_batch`` ops of ``struct bpf_map_ops`` a map has, and how its lookups walk it, the map declares
(``MapOps.batch_commands``, ``MapOps.batch_walk``); a type without the op answers ENOTSUPP (524):

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
  go through ``pybpf.kernel.map_elem``, which keeps the outer map's references to its inner maps.
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
import struct
from collections.abc import Callable
from typing import Any

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.kernel import btfobj
from pybpf.kernel.map_elem import delete_value, update_value
from pybpf.kernel.usermem import copy_from_user, copy_to_user
from pybpf.maps.base import BatchWalk, corrupted
from pybpf.maps.object import MapObject
from pybpf.uapi import ENOTSUPP, bpf_attr, offsetof

COUNT_OFFSET = offsetof(bpf_attr, "batch.count")

WriteBack = Callable[[int, bytes], None]
"""Writes bytes into the caller's attr at an offset (``batch.count``)."""


def _u32(value: int) -> bytes:
    return value.to_bytes(4, "little")


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
    ks, vs = obj.params.key_size, obj.impl.user_value_size
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
            copy_to_user(b.values + done * vs, btfobj.without_hidden(obj, value))
            done += 1
        prev = key
    write_back(COUNT_OFFSET, _u32(done))
    if done and prev is not None:
        copy_to_user(b.out_batch, prev)
    if err:
        raise BPFError(err, "end of map reached" if err == errno.ENOENT else None)
    return 0


def _generic_write(obj: MapObject, b: Any, write_back: WriteBack, delete: bool) -> int:
    """``generic_map_update_batch`` / ``generic_map_delete_batch``: element by element, stopping at
    the first failure."""
    _check_elem_flags(b, obj)
    count = b.count
    if not count:
        return 0
    ks, vs = obj.params.key_size, obj.impl.user_value_size
    done = 0
    failure: BPFError | None = None
    while done < count:
        try:
            key = copy_from_user(b.keys + done * ks, ks)
            if delete:
                delete_value(obj, key)
            else:
                update_value(b.map_fd, obj, key, copy_from_user(b.values + done * vs, vs), b.elem_flags)
        except BPFError as exc:
            failure = exc
            break
        done += 1
    write_back(COUNT_OFFSET, _u32(done))
    if failure is not None:
        raise failure
    return 0


def _bucket_lookup(obj: MapObject, b: Any, write_back: WriteBack, delete: bool) -> int:
    """``__htab_map_lookup_and_delete_batch``: whole buckets at a time."""
    _check_elem_flags(b, obj)
    if b.flags:
        raise BPFError(errno.EINVAL, "batch.flags must be 0")
    max_count = b.count
    if not max_count:
        return 0
    write_back(COUNT_OFFSET, _u32(0))
    impl = obj.impl
    n_buckets = impl.bucket_count()
    batch = int.from_bytes(copy_from_user(b.in_batch, 4), "little") if b.in_batch else 0
    if batch >= n_buckets:
        raise BPFError(errno.ENOENT, "in_batch past the last bucket")
    ks, vs = obj.params.key_size, impl.user_value_size
    holds_fds = impl.fd_kind is not None
    total, err = 0, 0
    while True:
        with obj.lock:
            items = impl.bucket_items(batch)
            if len(items) > max_count - total:
                if total == 0:
                    err = errno.ENOSPC
                break
            if delete and not holds_fds:  # LRU maps free the list node too
                for key, _ in items:
                    impl.delete(key)
        if delete and holds_fds:  # dropping the references the map held
            for key, _ in items:
                delete_value(obj, key)
        if items:
            copy_to_user(b.keys + total * ks, b"".join(key for key, _ in items))
            copy_to_user(b.values + total * vs, b"".join(btfobj.without_hidden(obj, v) for _, v in items))
        total += len(items)
        batch += 1
        if batch >= n_buckets:
            err = errno.ENOENT
            break
    copy_to_user(b.out_batch, _u32(batch))
    write_back(COUNT_OFFSET, _u32(total))
    if err:
        raise BPFError(err, "end of map reached" if err == errno.ENOENT else "bucket larger than count")
    return 0


def do_batch(cmd: int, obj: MapObject, b: Any, write_back: WriteBack) -> int:
    """Run batch command ``cmd`` on ``obj`` (attr, fd and permissions already checked)."""
    impl = obj.impl
    if cmd not in impl.batch_commands:
        raise BPFError(ENOTSUPP, "this batch operation is not supported by this map type")
    try:
        return _run_batch(cmd, obj, b, write_back)
    except (struct.error, ValueError, IndexError, OverflowError) as exc:  # see pybpf.kernel.map_elem
        raise corrupted(f"{type(exc).__name__}: {exc}") from None


def _run_batch(cmd: int, obj: MapObject, b: Any, write_back: WriteBack) -> int:
    impl = obj.impl
    if cmd == uapi.BPF_MAP_UPDATE_BATCH:
        return _generic_write(obj, b, write_back, delete=False)
    if cmd == uapi.BPF_MAP_DELETE_BATCH:
        return _generic_write(obj, b, write_back, delete=True)
    if impl.batch_walk is BatchWalk.BUCKETS:
        return _bucket_lookup(obj, b, write_back, delete=cmd == uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH)
    if cmd == uapi.BPF_MAP_LOOKUP_BATCH:
        return _generic_lookup(obj, b, write_back)
    raise BPFError(ENOTSUPP, "lookup_and_delete batches walk hash buckets only")
