"""BTF objects: BPF_BTF_LOAD, BPF_BTF_GET_FD_BY_ID / GET_NEXT_ID, their info, and BTF-described maps.

Mirrors ``kernel/bpf/syscall.c`` (``bpf_btf_load``, ``bpf_btf_get_fd_by_id``, ``map_check_btf``,
the BPF_F_LOCK paths of ``map_lookup_elem`` / ``map_update_elem``) and ``kernel/bpf/btf.c``
(``btf_new_fd``, ``btf_get_info_by_fd``, ``btf_parse_fields`` for ``struct bpf_spin_lock``):

* BPF_BTF_LOAD checks ``btf_flags`` (only BPF_F_TOKEN_FD; pybpf has no tokens: a closed token fd is
  EBADF, any other EINVAL), the size (more than 16 MiB: E2BIG), the log attributes (as
  BPF_PROG_LOAD: ``pybpf.kernel.prog_load.UserLogBuffer``), copies the data (EFAULT) and verifies it
  (``pybpf.kernel.btf_check``).  The log's true size goes to ``btf_log_true_size``; a log that did
  not fit turns the result, success or failure, into ENOSPC, as the kernel's ``finalize_log`` does.
* The BTF object is a read-only ``O_TMPFILE`` file in the bpffs-like root, like a program
  (``pybpf.kernel.progobj``): payload (metadata JSON and the raw BTF) at offset 0, then a trailer
  page with magic, version, kind 3 and the payload's SHA-256.  Ids come from ``next_object_id("btf")``;
  the reference directory ``.refs/btf-<id>`` makes it reachable by id while any fd, pin or map
  holds it.  The fds handed out are O_RDONLY, as the kernel's ``btf_fops`` anon inode.
* ``map_check_btf``: key and value type ids must resolve to sized types of exactly key_size /
  value_size (EINVAL); a missing key type is allowed only for map types with a ``map_check_btf``
  op (arrays: only a single-element DATASEC array; bloom filters: key must be void; LPM tries: the
  key must be a struct); perf event arrays and ring buffers refuse BTF (ENOTSUPP); a ``struct
  bpf_spin_lock`` member (4 bytes, 4-aligned, also inside nested structs; arrays of more than one
  are ignored) is found, BPF_F_RDONLY_PROG/WRONLY_PROG with one is EACCES, and only HASH and ARRAY
  (of pybpf's types) may hold one (EOPNOTSUPP).  Two locks in one struct already fail BPF_BTF_LOAD
  (E2BIG, ``btf_parse_struct_metas``).  A ``struct bpf_res_spin_lock`` (the resilient lock of
  ``pybpf.kfuncs.res_spin_lock``) is found the same way; a value holding both kinds is EINVAL.
* BPF_F_LOCK (``copy_map_value_locked``): the spin lock word is never copied in or out — lookups
  read it as zero and updates keep it — and the copy runs holding the map's shared robust mutex,
  the lock a program's ``bpf_spin_lock`` takes in pybpf; a hash element that exists is updated
  in place.  Kptr fields (``pybpf.verifier.kptrs``): only hash, array, LRU, per-CPU and local-storage
  maps may hold them (EOPNOTSUPP), not with BPF_F_RDONLY_PROG / WRONLY_PROG (EACCES); a value whose
  fields btf_parse_fields() refuses (a referenced kptr to a kernel type without a destructor, two
  type tags ...) makes a map without special fields, as the kernel's error record does.  What
  user space reads of a kptr is zeros, of a list head (``pybpf.verifier.graph``) zeros too where
  the kernel shows an empty list at the address of its own copy of the value (bpf_obj_init_field()'s
  INIT_LIST_HEAD on the buffer it copies out: a kernel address no run can reproduce); an update
  leaves them NULL and empty (``without_hidden``).  A ``struct bpf_timer``, ``bpf_wq`` or
  ``bpf_task_work`` reads as zeros too and an update leaves it zeroed (``async_fields``; the timer's
  state is not in the value: ``pybpf.helpers.timers``).  Not covered: bpf_rb_root; the creation
  rules of list heads (a spin lock beside them, the map types).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import struct
import weakref
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, ClassVar

from pybpf import uapi
from pybpf.btf.kinds import Kind
from pybpf.btf.parse import parse_btf
from pybpf.btf.raw import RawType
from pybpf.btf.types import BTF
from pybpf.errors import BPFError
from pybpf.kernel.btf_check import BTFVerifyError, VerifiedBTF, verify_btf
from pybpf.kernel.btf_env import SPIN_LOCK_SIZE, find_spin_locks
from pybpf.kernel.permissions import require
from pybpf.kernel.user_log import UserLogBuffer
from pybpf.kernel.usermem import copy_from_user, copy_to_user, read_info
from pybpf.objects import refs
from pybpf.objects.cache import ObjectCache
from pybpf.objects.credentials import CAP_BPF, CAP_SYS_ADMIN
from pybpf.objects.files import MAGIC, PAGE, VERSION, allocation_failure, bpffs_root, next_object_id
from pybpf.uapi import BPF_LOG_FIXED, bpf_attr, offsetof
from pybpf.verifier import graph, kptrs, timer

if TYPE_CHECKING:
    from pybpf.maps.base import MapOps, MapParams
    from pybpf.maps.object import MapObject

KIND_BTF = 3
INT_MAX = (1 << 31) - 1
BTF_MAX_SIZE = 16 * 1024 * 1024
_TRAILER = struct.Struct("<8sII32s")  # magic, version, kind, sha256(payload)
_PAYLOAD = struct.Struct("<2Q")
_LOG_TRUE_SIZE_OFFSET = offsetof(uapi.bpf_attr_btf_load, "btf_log_true_size")
_INFO_LEN_OFFSET = offsetof(bpf_attr, "info.info_len")


class BTFObject:
    """A loaded BTF as this process sees it (read from its file once, then cached)."""

    _cache: ClassVar[ObjectCache[tuple[int, int, bytes], BTFObject]] = ObjectCache("btf", 64)
    """What this process read, by file (``pybpf.objects.cache``)."""

    def __init__(self, meta: dict[str, Any], data: bytes, verified: VerifiedBTF | None = None) -> None:
        self.id: int = int(meta["id"])
        self.name: str = str(meta.get("name", ""))
        self.kernel_btf = bool(meta.get("kernel_btf", False))
        self.data = data
        self._verified = verified

    @property
    def verified(self) -> VerifiedBTF:
        """The checked types with their resolved ids and sizes (re-derived once per process)."""
        if self._verified is None:
            result, failure, _ = verify_btf(self.data)
            if result is None:
                raise BPFError(errno.EINVAL, f"BTF object {self.id} no longer verifies: {failure}")
            self._verified = result
        return self._verified

    @classmethod
    def create(cls, data: bytes, verified: VerifiedBTF) -> int:
        """Write a new BTF file; returns a read-only, close-on-exec fd marked as a user."""
        root = bpffs_root()
        meta: dict[str, Any] = {"id": next_object_id("btf", root), "name": "", "kernel_btf": False}
        text = json.dumps(meta, separators=(",", ":")).encode()
        payload = _PAYLOAD.pack(len(text), len(data)) + text + data
        size = (len(payload) + PAGE - 1) // PAGE * PAGE
        fd = refs.new_object_file(root, 0o400)
        try:
            os.ftruncate(fd, size + PAGE)
            os.pwrite(fd, payload, 0)
            digest = hashlib.sha256(payload).digest()
            os.pwrite(fd, _TRAILER.pack(MAGIC, VERSION, KIND_BTF, digest), size)
            refs.register_holder(root, "btf", int(meta["id"]), fd)
            # marked before ``fd`` closes: never a moment without a user (see ``refs.new_object_file``)
            readonly = refs.hold(os.open(f"/proc/self/fd/{fd}", os.O_RDONLY | os.O_CLOEXEC))
            st = os.fstat(readonly)
        except OSError as exc:
            raise allocation_failure(exc, "cannot store the BTF") from exc
        finally:
            os.close(fd)
        cls._cache.remember((st.st_dev, st.st_ino, digest), cls(meta, data, verified), root, int(meta["id"]))
        return readonly

    @classmethod
    def from_fd(cls, fd: int) -> BTFObject:
        """The BTF ``fd`` refers to; EBADF for a closed fd, EINVAL for anything else."""
        try:
            st = os.fstat(fd) if 0 <= fd <= INT_MAX else os.fstat(-1)
        except OSError as exc:
            raise BPFError(errno.EBADF, f"fd {fd} is not open") from exc
        key = _identity(fd, st)
        found = cls._cache.get(key)
        if found is not None:
            return found
        obj = cls._read(fd, st)
        return cls._cache.remember(key, obj, bpffs_root(), obj.id)

    @classmethod
    def _read(cls, fd: int, st: os.stat_result) -> BTFObject:
        invalid = BPFError(errno.EINVAL, f"fd {fd} is not a BTF object")
        if not stat.S_ISREG(st.st_mode) or st.st_size < 2 * PAGE or st.st_size % PAGE:
            raise invalid
        try:
            magic, _, kind, digest = _TRAILER.unpack(os.pread(fd, _TRAILER.size, st.st_size - PAGE))
            if magic != MAGIC or kind != KIND_BTF:
                raise invalid
            lengths = _PAYLOAD.unpack(os.pread(fd, _PAYLOAD.size, 0))
            payload = os.pread(fd, _PAYLOAD.size + sum(lengths), 0)
        except (OSError, struct.error):
            raise invalid from None
        if hashlib.sha256(payload).digest() != digest:
            raise BPFError(errno.EINVAL, f"fd {fd}: BTF file was modified after load")
        text_end = _PAYLOAD.size + lengths[0]
        return cls(json.loads(payload[_PAYLOAD.size : text_end]), payload[text_end:])


def is_btf_fd(fd: int) -> bool:
    try:
        BTFObject.from_fd(fd)
    except BPFError:
        return False
    return True


def _identity(fd: int, st: os.stat_result) -> tuple[int, int, bytes]:
    """What names one BTF file: (device, inode, content digest).  tmpfs reuses inode numbers once a
    file is gone, so the inode alone could name a BTF object that was freed and replaced."""
    try:
        digest = os.pread(fd, _TRAILER.size, st.st_size - PAGE)[-32:] if st.st_size >= PAGE else b""
    except OSError:
        digest = b""
    return st.st_dev, st.st_ino, digest


# --- the commands ------------------------------------------------------------------------------
def btf_load(attr: Any, write_back: Any) -> int:
    """BPF_BTF_LOAD (attr already size-checked): returns the new BTF fd."""
    a = attr
    if a.btf_flags & ~uapi.BPF_F_TOKEN_FD:
        raise BPFError(errno.EINVAL, "unknown btf_flags")
    if a.btf_flags & uapi.BPF_F_TOKEN_FD:
        _no_token(a.btf_token_fd)
    require(CAP_BPF, "BPF_BTF_LOAD")
    if a.btf_size > BTF_MAX_SIZE:
        raise BPFError(errno.E2BIG, "BTF larger than 16 MiB")
    log = UserLogBuffer.from_attr(a.btf_log_level, a.btf_log_buf, a.btf_log_size)
    data = copy_from_user(a.btf, a.btf_size) if a.btf_size else b""
    verified, failure, text = verify_btf(data, a.btf_log_level)
    true_size, truncated = _finish_log(log, text.encode("latin-1"))
    write_back(_LOG_TRUE_SIZE_OFFSET, true_size.to_bytes(4, "little"))
    if truncated:
        raise BPFError(errno.ENOSPC, "BTF log truncated")
    if failure is not None:
        error = BPFError(failure.errno, str(failure))
        error.log = text
        raise error
    assert verified is not None
    return BTFObject.create(bytes(data), verified)


def _finish_log(log: Any, raw: bytes) -> tuple[int, bool]:
    """``UserLogBuffer.finish`` for bytes (names in BTF are raw bytes, not UTF-8): (true size, truncated).

    The true size is reported whenever a level is set, also without a buffer (``bpf_vlog_finalize``).
    """
    if not log.level:
        return 0, False
    true_size = len(raw) + 1 if raw else 0
    if not log.buf:
        return true_size, False
    if true_size <= log.size:
        copy_to_user(log.buf, raw + b"\0")
        return true_size, False
    keep = log.size - 1
    kept = raw[:keep] if log.level & BPF_LOG_FIXED else raw[len(raw) - keep :]
    copy_to_user(log.buf, kept + b"\0")
    return true_size, True


def _no_token(token_fd: int) -> None:
    """``bpf_token_get_from_fd``: pybpf has no BPF tokens, so no fd is one."""
    try:
        os.fstat(token_fd)
    except OSError:
        raise BPFError(errno.EBADF, "token fd is not open") from None
    raise BPFError(errno.EINVAL, "not a BPF token (pybpf has no BPF tokens)")


def get_next_id(start_id: int) -> int:
    """BPF_BTF_GET_NEXT_ID over the live BTF objects of this bpffs root."""
    return refs.next_id(bpffs_root(), "btf", start_id)


def get_fd_by_id(btf_id: int, open_flags: int, token_fd: int) -> int:
    """BPF_BTF_GET_FD_BY_ID: a new read-only, close-on-exec fd for BTF ``btf_id``."""
    if open_flags & ~uapi.BPF_F_TOKEN_FD:
        raise BPFError(errno.EINVAL, "unknown open_flags")
    if open_flags & uapi.BPF_F_TOKEN_FD:
        _no_token(token_fd)
    require(CAP_SYS_ADMIN, "BPF_BTF_GET_FD_BY_ID")
    return open_by_id(btf_id)


def open_by_id(btf_id: int) -> int:
    """A read-only fd for BTF ``btf_id`` opened from within (``btf_get_by_fd`` of a map's or a
    program's own BTF: no capability asked, as the kernel reaches ``map->btf`` without one; a loader
    without CAP_SYS_ADMIN verifying against its map's value type)."""
    return refs.open_holder(bpffs_root(), "btf", btf_id, os.O_RDONLY)


def get_info_by_fd(obj: BTFObject, info_len: int, address: int, write_back: Any) -> int:
    """BPF_OBJ_GET_INFO_BY_FD for a BTF fd (``bpf_btf_get_info_by_fd`` / ``btf_get_info_by_fd``)."""
    info, info_len = read_info(address, info_len, uapi.bpf_btf_info)
    info.id = obj.id
    if info.btf_size:
        copy_to_user(info.btf, obj.data[: info.btf_size])
    info.btf_size = len(obj.data)
    info.kernel_btf = int(obj.kernel_btf)
    uname, uname_len = info.name, info.name_len
    if bool(uname) != bool(uname_len):
        raise BPFError(errno.EINVAL, "name and name_len must be given together")
    name = obj.name.encode()
    info.name_len = len(name)
    result = 0
    if uname:
        if uname_len >= len(name) + 1:
            copy_to_user(uname, name + b"\0")
        else:
            copy_to_user(uname, name[: uname_len - 1] + b"\0")
            result = errno.ENOSPC
    copy_to_user(address, bytes(info)[:info_len])
    write_back(_INFO_LEN_OFFSET, info_len.to_bytes(4, "little"))
    if result:
        raise BPFError(result, "name buffer too short")
    return 0


# --- maps described by BTF -----------------------------------------------------------------------
def map_check_btf(
    btf: BTFObject, ops: type[MapOps], params: MapParams, key_id: int, value_id: int
) -> int | None:
    """``map_check_btf``: EINVAL/EACCES/EOPNOTSUPP/ENOTSUPP as the kernel; the spin lock offset or None.

    ``ops`` is the map type's implementation: its ``own_btf_check`` / ``check_btf`` are the type's
    ``map_check_btf`` op, ``spin_lock_allowed`` whether its values may hold a lock.
    """
    key_size, value_size, map_flags = params.key_size, params.value_size, params.flags
    v = btf.verified
    key_type: RawType | None = None
    if key_id:
        found = v.id_size(key_id)
        if found is None or found[2] != key_size:
            raise BPFError(errno.EINVAL, "btf_key_type_id does not describe a type of key_size bytes")
        key_type = found[0]
    elif not ops.own_btf_check:
        raise BPFError(errno.EINVAL, "this map type needs a key type id")
    found = v.id_size(value_id)
    if found is None or found[2] != value_size:
        raise BPFError(errno.EINVAL, "btf_value_type_id does not describe a type of value_size bytes")
    value_type = found[0]
    try:
        locks = find_spin_locks(v, value_type)
        res_locks = find_spin_locks(v, value_type, "bpf_res_spin_lock")
    except BTFVerifyError:
        # btf_parse_fields() failed (pybpf.verifier.record_error): the kernel keeps the error as
        # map->record and creates a map whose values hold no special field
        locks = res_locks = []
    else:
        if locks and res_locks:
            raise BPFError(errno.EINVAL, "a value cannot hold both a bpf_spin_lock and a bpf_res_spin_lock")
        if not _check_kptrs(btf, ops, params, value_id):
            locks = []
    lock_off = None
    if locks:
        if map_flags & (uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY_PROG):
            raise BPFError(
                errno.EACCES, "maps with special fields cannot be read- or write-only for programs"
            )
        if not ops.spin_lock_allowed:
            raise BPFError(errno.EOPNOTSUPP, "this map type cannot hold a bpf_spin_lock")
        if locks[-1] + SPIN_LOCK_SIZE > value_size:
            raise BPFError(errno.EFAULT, "bpf_spin_lock past the value")
        lock_off = locks[-1]
    if ops.own_btf_check:
        ops.check_btf(params, key_type, value_type)
    return lock_off


def _check_kptrs(btf: BTFObject, ops: type[MapOps], params: MapParams, value_id: int) -> bool:
    """The kptr fields of the value (``pybpf.verifier.kptrs``: btf_parse_fields() and
    map_check_btf()'s rules for them); only a BTF with type tags can have any.  False: the search
    failed on them, and the kernel keeps the error as the map's record (no special fields)."""
    if not any(t is not None and t.kind == Kind.TYPE_TAG for t in btf.verified.types):
        return True
    try:
        fields = kptrs.find_kptr_fields(parse_btf(btf.data), value_id)
    except kptrs.KptrError:
        return False
    try:
        kptrs.check_map_creation(fields, params.map_type, params.flags)
    except kptrs.KptrError as exc:
        raise BPFError(exc.errno, str(exc)) from None
    return True


def attach_btf_to_map(map_fd: int, map_id: int, btf_fd: int, btf_id: int) -> None:
    """The map holds its BTF (``map->btf``): a link in the map's reference directory."""
    root = bpffs_root()
    refs.register_holder(root, "map", map_id, map_fd)
    refs.add_ref(root, ("map", map_id), ("btf", btf_id), btf_fd)


# --- BPF_F_LOCK copies (copy_map_value_locked) ----------------------------------------------------
_hidden: weakref.WeakKeyDictionary[MapObject, tuple[tuple[int, int], ...]] = weakref.WeakKeyDictionary()
"""map object -> the (offset, size) of its values' kptrs and list heads."""


def hidden_fields(obj: MapObject) -> tuple[tuple[int, int], ...]:
    """The (offset, size) of the kptrs, list heads and asynchronous fields (``async_fields``) of the
    map's values (btf_parse_fields() of ``pybpf.verifier.kptrs``, ``pybpf.verifier.graph`` and
    ``pybpf.verifier.timer``): what user space never sees nor sets.  Sets ``obj.holds_async``."""
    if not obj.btf_id or not obj.btf_value_type_id:
        return ()
    found = _hidden.get(obj)
    if found is None:
        fd = open_by_id(obj.btf_id)
        try:
            btf = parse_btf(BTFObject.from_fd(fd).data)
        finally:
            os.close(fd)
        try:
            kptr_fields = kptrs.find_kptr_fields(btf, obj.btf_value_type_id)
        except kptrs.KptrError:
            kptr_fields = ()
        roots = graph.find_graph_roots(btf, obj.btf_value_type_id)
        fields = [(f.off, kptrs.KPTR_SIZE) for f in kptr_fields] + [(r.off, graph.ROOT_SIZE) for r in roots]
        special = async_fields(btf, obj.btf_value_type_id)
        obj.holds_async = bool(special)
        found = _hidden[obj] = tuple(sorted(fields + special))
        obj.impl.special_fields = found
    return found


def async_fields(btf: BTF, value_type_id: int) -> list[tuple[int, int]]:
    """The (offset, size) of the value's ``struct bpf_timer``, ``bpf_wq`` and ``bpf_task_work``
    (``pybpf.verifier.timer``): what ``copy_map_value`` never copies in or out."""
    fields = timer.async_fields(SimpleNamespace(value_btf=(btf, value_type_id)))
    return [(off, size) for off, size, _ in fields]


def without_hidden(obj: MapObject, value: bytes) -> bytes:
    """``value`` (one value, or a per-CPU map's values each rounded up to 8 bytes) with its kptrs
    and list heads zeroed: check_and_init_map_value() of what user space reads, and what an update
    leaves of them -- bpf_obj_free_fields() drops what the old value's kptrs and lists held (a NULL
    kptr, an empty list; pybpf's objects stay allocated, ``pybpf.kfuncs.alloc_obj``)."""
    fields = hidden_fields(obj)
    if not fields or not value:
        return value
    size = obj.params.value_size
    stride = (size + 7) // 8 * 8 if len(value) > size else size
    out = bytearray(value)
    for base in range(0, len(out) - size + 1, stride):
        for off, width in fields:
            out[base + off : base + off + width] = bytes(width)
    return bytes(out)


def without_lock(value: bytes, lock_off: int | None) -> bytes:
    """``value`` with its bpf_spin_lock word zeroed (``check_and_init_map_value``)."""
    if lock_off is None or len(value) < lock_off + SPIN_LOCK_SIZE:
        return value
    return value[:lock_off] + bytes(SPIN_LOCK_SIZE) + value[lock_off + SPIN_LOCK_SIZE :]


def update_value(obj: MapObject, key: bytes, value: bytes, flags: int) -> None:
    """``bpf_map_update_value`` for a map whose values hold a bpf_spin_lock; call with ``obj.lock`` held.

    The lock word is not copied in (it stays zero: pybpf's lock is the map's mutex).  With BPF_F_LOCK a
    hash element that exists is overwritten in place (``htab_map_update_elem``); arrays are in place.
    """
    value = without_lock(value, obj.spin_lock_off)
    impl = obj.impl
    if flags & uapi.BPF_F_LOCK and hasattr(impl, "update_in_place"):
        impl.update_in_place(key, value, flags)
        return
    impl.update(key, value, flags)
