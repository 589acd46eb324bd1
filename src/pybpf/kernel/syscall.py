"""The user-space ``bpf(cmd, attr, size)``: attr decoding, size checks and the command table.

Mirrors ``kernel/bpf/syscall.c``'s ``__sys_bpf``: the attr is copied in (a size beyond
``union bpf_attr`` must have an all-zero tail, else E2BIG; beyond a page E2BIG), every command
ignores nothing after its last field (``CHECK_ATTR``: non-zero bytes there give EINVAL), unknown
commands give EINVAL, and each handler checks in the kernel's order so the first failing check
decides the errno.  Pointers inside the attr are real addresses read and written through
``pybpf.kernel.usermem`` (EFAULT for bad ones).  The attr is any buffer ``usermem.UserAttr``
takes; results written back into it (``info_len``, ``retval``, ``count`` ...) reach the caller
exactly as with the native backend (``UserAttr`` says how, for each kind of buffer).
"""

from __future__ import annotations

import dataclasses
import errno
import os
import stat
from collections.abc import Callable
from typing import Any

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.helpers.map_image import revise
from pybpf.kernel import (
    btfobj,
    iter_link,
    link_obj,
    links,
    map_batch,
    map_ids,
    offload,
    permissions,
    prog_attach,
    prog_info,
    progobj,
    struct_ops_link,
    struct_ops_map,
)
from pybpf.kernel.map_elem import (
    KeySource,
    can_read,
    can_write,
    delete_elem,
    get_next_key,
    lookup_and_delete_elem,
    lookup_elem,
    map_of,
    update_elem,
)
from pybpf.kernel.prog_bind_map import prog_bind_map
from pybpf.kernel.prog_load import prog_load
from pybpf.kernel.prog_run import test_run
from pybpf.kernel.prog_stream import prog_stream_read
from pybpf.kernel.run_stats import enable_stats
from pybpf.kernel.task_fd_query import task_fd_query
from pybpf.kernel.token import token_create
from pybpf.kernel.usermem import UserAttr, copy_from_user, copy_to_user, read_info, strncpy_from_user
from pybpf.maps.base import MapOps, MapParams
from pybpf.maps.object import ARRAY_ALLOC_TYPES, MapObject
from pybpf.maps.registry import lookup_map_type, takes_map_extra
from pybpf.objects import accounting, refs
from pybpf.objects.credentials import CAP_SYS_ADMIN, current
from pybpf.objects.files import OBJ_NAME_CHARS, bpffs_root, link_object, path_at
from pybpf.uapi import ATTR_SIZE, BPF_OBJ_NAME_LEN, ENOTSUPP, bpf_attr, member_names, offsetof, offsetofend

_PAGE = os.sysconf("SC_PAGESIZE")
_INFO_LEN_OFFSET = offsetof(bpf_attr, "info.info_len")

# CHECK_ATTR: where each command's last field (the kernel's <CMD>_LAST_FIELD) ends.
_MAP_CREATE_END = offsetofend(uapi.bpf_attr_map_create, member_names(uapi.bpf_attr_map_create)[-1])
_ELEM_END = offsetofend(uapi.bpf_attr_map_elem, "flags")
_DELETE_END = offsetofend(uapi.bpf_attr_map_elem, "key")
_NEXT_KEY_END = offsetofend(uapi.bpf_attr_map_elem, "next_key")
_FREEZE_END = offsetofend(uapi.bpf_attr_map_elem, "map_fd")
_OBJ_END = offsetofend(uapi.bpf_attr_obj, "path_fd")
_INFO_END = offsetofend(bpf_attr, "info.info")
_BATCH_END = offsetofend(bpf_attr, "batch.flags")
_BATCH_OFFSET = offsetof(bpf_attr, "batch")
_NEXT_ID_END = offsetofend(uapi.bpf_attr_get_id, "next_id")
_NEXT_ID_OFFSET = offsetof(uapi.bpf_attr_get_id, "next_id")
_FD_BY_ID_END = offsetofend(uapi.bpf_attr_get_id, "fd_by_id_token_fd")
_PROG_FD_BY_ID_END = offsetofend(uapi.bpf_attr_get_id, "prog_id")
_PROG_LOAD_END = offsetofend(uapi.bpf_attr_prog_load, member_names(uapi.bpf_attr_prog_load)[-1])
_TEST_RUN_END = offsetofend(bpf_attr, "test.batch_size")


class _Call:
    """One bpf() invocation: the decoded attr, and ``write_back(offset, data)`` into the caller's."""

    __slots__ = ("attr", "raw", "size", "write_back")

    def __init__(self, raw: bytes, uattr: UserAttr, size: int) -> None:
        self.raw = raw
        self.attr = uapi.bpf_attr.from_buffer_copy(raw)
        self.size = size
        self.write_back = uattr.write

    def write_back_within_size(self, offset: int, data: bytes) -> None:
        """A write the kernel makes only when the caller's size covers the field (``log_true_size``)."""
        if offset + len(data) <= self.size:
            self.write_back(offset, data)


# --- helpers shared by the handlers ---------------------------------------------------------------
def _file_flag(flags: int) -> int:
    """``bpf_get_file_flag``: the open mode BPF_F_RDONLY / BPF_F_WRONLY ask for."""
    rd, wr = flags & uapi.BPF_F_RDONLY, flags & uapi.BPF_F_WRONLY
    if rd and wr:
        raise BPFError(errno.EINVAL, "BPF_F_RDONLY and BPF_F_WRONLY together")
    return os.O_RDONLY if rd else os.O_WRONLY if wr else os.O_RDWR


def _reopen(fd: int, mode: int) -> int:
    """A new open file description of ``fd``'s object in ``mode``, marked as a user; closes ``fd``.

    Always a new description: the creator's is shared with the mapping CPython's mmap keeps.
    """
    try:
        return refs.hold(os.open(f"/proc/self/fd/{fd}", mode | os.O_CLOEXEC))
    finally:
        os.close(fd)


def _object_kind(fd: int) -> str:
    """The kind of a pybpf object fd, "map", "prog", "link" or "btf" (``bpf_fd_probe_obj``); else
    EBADF/EINVAL."""
    try:
        map_of(fd)
        return "map"
    except BPFError as exc:
        if exc.errno != errno.EINVAL:
            raise
    try:
        progobj.ProgObject.from_fd(fd)
        return "prog"
    except BPFError as exc:
        if exc.errno != errno.EINVAL:
            raise
        if link_obj.is_link_fd(fd):
            return "link"
        if not btfobj.is_btf_fd(fd):
            raise
    return "btf"


def _pinned_kind(fd: int, mode: int) -> str:
    """``_object_kind`` of a pin opened in ``mode``: a write-only open file cannot be read, so a
    program or link opened with BPF_F_WRONLY (bpf_obj_do_get's inode_permission(MAY_WRITE) alone)
    is told by a read-only description of the same file."""
    if mode != os.O_WRONLY:
        return _object_kind(fd)
    try:
        return _object_kind(fd)  # a map is known by its fd whatever its mode
    except BPFError as exc:
        if exc.errno != errno.EINVAL:
            raise
    try:
        probe = os.open(f"/proc/self/fd/{fd}", os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise BPFError(errno.EINVAL, "the pinned file cannot be read") from exc
    try:
        return _object_kind(probe)
    finally:
        os.close(probe)


_SHA256_SIZE = 32


def _check_name(raw: bytes) -> bytes:
    """``bpf_obj_name_cpy``: only the kernel's alphanumerics, '_' and '.', NUL-terminated within the
    16 bytes; EINVAL otherwise."""
    end = raw.find(b"\0")
    if end < 0:
        raise BPFError(errno.EINVAL, "map name not NUL-terminated")
    name = raw[:end]
    if not OBJ_NAME_CHARS.issuperset(name):
        raise BPFError(errno.EINVAL, "map name has characters the kernel's isalnum, '_' and '.' refuse")
    return name


def _excl_prog_hash(a: Any) -> bytes | None:
    """``excl_prog_hash`` / ``excl_prog_hash_size`` (6.18): a hash pointer needs a size of 32 (EINVAL)
    and readable memory (EFAULT); a size without a pointer is EINVAL."""
    if a.excl_prog_hash:
        if a.excl_prog_hash_size != _SHA256_SIZE:
            raise BPFError(errno.EINVAL, "excl_prog_hash_size must be 32 (SHA-256)")
        return copy_from_user(a.excl_prog_hash, _SHA256_SIZE)
    if a.excl_prog_hash_size:
        raise BPFError(errno.EINVAL, "excl_prog_hash_size without excl_prog_hash")
    return None


# --- commands -----------------------------------------------------------------------------------
def _map_create(call: _Call) -> int:
    """``map_create``: the kernel's checks in its order -- attr fields, ``map_alloc_check``, the token,
    ``map_alloc``'s caps and memory (E2BIG, ENOMEM) and inner-map template, then the name, BTF and
    exclusive program hash -- and the map created with its permanent flags (``bpf_map_init_from_attr``
    keeps neither BPF_F_RDONLY / BPF_F_WRONLY, which only set the fd's mode, nor BPF_F_TOKEN_FD)."""
    a = call.attr
    token_flag = a.map_flags & uapi.BPF_F_TOKEN_FD
    flags = a.map_flags & ~uapi.BPF_F_TOKEN_FD
    struct_ops_map.check_attr(a)
    if a.btf_key_type_id and not a.btf_value_type_id:
        raise BPFError(errno.EINVAL, "btf_key_type_id without btf_value_type_id")
    if a.map_extra and not takes_map_extra(a.map_type):
        raise BPFError(errno.EINVAL, "map_extra is only for bloom filters and arenas")
    mode = _file_flag(flags)
    node_dir = f"/sys/devices/system/node/node{a.numa_node}"
    if flags & uapi.BPF_F_NUMA_NODE and not os.path.isdir(node_dir):
        raise BPFError(errno.EINVAL, "numa node out of range")
    params = MapParams(a.map_type, a.key_size, a.value_size, a.max_entries, flags, a.numa_node, a.map_extra)
    impl = lookup_map_type(params.map_type)
    if impl is not None and (not a.map_ifindex or a.map_type in offload.ALLOC_CHECK_TYPES):
        # the kernel's map_alloc_check runs before the name is copied (and before the offload ops)
        if impl.requires_btf and not (a.btf_key_type_id and a.btf_value_type_id):
            raise BPFError(errno.EINVAL, "this map type needs BTF key and value type ids")
        impl.check_early(params) if impl.checked_by_alloc else impl.check(params)
        if a.map_type == uapi.BPF_MAP_TYPE_STRUCT_OPS and not a.btf_vmlinux_value_type_id:
            raise BPFError(errno.EINVAL, "a struct_ops map needs btf_vmlinux_value_type_id")
    if token_flag:
        btfobj._no_token(a.map_token_fd)  # bpf_token_get_from_fd: EBADF, or EINVAL (no tokens here)
    if impl is not None:  # the sysctl, then the map type's capability (map_create's switch)
        permissions.check_map_create(a.map_type)
    if a.map_ifindex:  # the offload ops' map_alloc: after the type's map_alloc_check and the token
        offload.map_offload_alloc(a.map_type, a.map_ifindex)
    template = None
    ops_desc = None
    charged = 0
    if impl is not None:  # map_alloc: its checks, the inner-map template, the memory
        if impl.checked_by_alloc:
            impl.check(params)
        params = impl.adjust_params(params)
        impl.check_alloc(params)
        if not current().bypass_spec_v1 and a.map_type in ARRAY_ALLOC_TYPES and params.max_entries > 1 << 31:
            # array_map_alloc(): without the bypass, the array is rounded up to a power of two
            raise BPFError(errno.E2BIG, "max_entries rounded up to a power of two overflows")
        if a.btf_vmlinux_value_type_id:
            ops_desc = struct_ops_map.alloc(a)
        if impl.takes_inner_map:
            template = map_of(a.inner_map_fd).impl.as_inner_template()  # bpf_map_meta_alloc
        params = dataclasses.replace(params, flags=params.flags & ~(uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY))
        charged = MapObject.charge_memory(params)
    try:
        start = offsetof(uapi.bpf_attr_map_create, "map_name")
        name = _check_name(call.raw[start : start + BPF_OBJ_NAME_LEN])
        btf = _map_btf(a, impl, params) if impl is not None else None  # unknown: EINVAL below
        if ops_desc is not None:  # the program's BTF, which the map holds (no key/value types)
            btf = (btfobj.BTFObject.from_fd(a.btf_fd).id, 0, 0, None)
        excl = _excl_prog_hash(a)
    except BaseException:
        accounting.uncharge(bpffs_root(), charged)
        raise
    fd = MapObject.create(
        params,
        name,
        btf,
        excl_prog_hash=excl,
        charged=charged if impl else None,
        bypass_spec_v1=current().bypass_spec_v1,
    )
    if btf is not None:
        btfobj.attach_btf_to_map(fd, MapObject.from_fd(fd).id, a.btf_fd, btf[0])
    if template is not None:
        MapObject.from_fd(fd).impl.set_inner_template(template)
    if ops_desc is not None:
        created = MapObject.from_fd(fd)
        with created.lock:
            created.impl.set_struct_ops(ops_desc, created.id)
    return _reopen(fd, mode)


def _map_btf(a: Any, ops: type[MapOps], params: MapParams) -> tuple[int, int, int, int | None] | None:
    """The BTF part of ``map_create``: a btf_fd alone is ignored; with type ids ``map_check_btf`` runs."""
    if not a.btf_key_type_id and not a.btf_value_type_id:
        return None
    btf = btfobj.BTFObject.from_fd(a.btf_fd)
    lock_off = btfobj.map_check_btf(btf, ops, params, a.btf_key_type_id, a.btf_value_type_id)
    return btf.id, a.btf_key_type_id, a.btf_value_type_id, lock_off


def _user(address: int) -> KeySource:
    """Copies ``size`` bytes at ``address``; like ``___bpf_copy_key``, a size of 0 (the key of a
    queue, stack or bloom filter) takes only a NULL pointer and anything else is EINVAL."""

    def copy(size: int) -> bytes:
        if size == 0:
            if address:
                raise BPFError(errno.EINVAL, "this map type takes a NULL key")
            return b""
        return copy_from_user(address, size)

    return copy


def _map_lookup(call: _Call) -> int:
    a = call.attr
    found = lookup_elem(a.map_fd, a.flags, _user(a.key), _user(a.value))
    if found:
        copy_to_user(a.value, found)
    return 0


def _user_value(address: int) -> KeySource:
    """Copies a value of ``size`` bytes at ``address``; unlike keys, a 0-byte value (ringbuf) ignores
    the pointer, as the kernel's ``kvmemdup_bpfptr(uvalue, 0)`` does."""
    return lambda size: copy_from_user(address, size) if size else b""


def _map_update(call: _Call) -> int:
    a = call.attr
    return update_elem(a.map_fd, a.flags, _user(a.key), _user_value(a.value))


def _map_delete(call: _Call) -> int:
    a = call.attr
    delete_elem(a.map_fd, _user(a.key))
    return 0


def _map_lookup_and_delete(call: _Call) -> int:
    a = call.attr
    copy_to_user(a.value, lookup_and_delete_elem(a.map_fd, a.flags, _user(a.key)))
    return 0


def _map_get_next_key(call: _Call) -> int:
    a = call.attr
    copy_to_user(a.next_key, get_next_key(a.map_fd, _user(a.key) if a.key else None))
    return 0


def _map_freeze(call: _Call) -> int:
    fd = call.attr.map_fd
    obj = map_of(fd)
    if obj.spin_lock_off is not None or not obj.impl.can_freeze:  # map_freeze: special fields, struct_ops
        raise BPFError(
            ENOTSUPP, "struct_ops maps and maps whose values hold a bpf_spin_lock cannot be frozen"
        )
    if not can_write(fd, obj):
        raise BPFError(errno.EPERM, "map is frozen or the fd is not writable")
    with obj.lock:
        if obj.frozen:
            raise BPFError(errno.EBUSY, "map already frozen")
        obj.freeze()
    return 0


def _path(a: Any) -> str:
    """The attr's ``pathname`` (ENOENT when empty), looked up from ``path_fd`` with BPF_F_PATH_FD
    (its EBADF / ENOTDIR for a relative name), else from the working directory."""
    raw = strncpy_from_user(a.pathname)
    if not raw:
        raise BPFError(errno.ENOENT, "empty path")
    path = os.fsdecode(raw)
    return path_at(a.path_fd, path) if a.file_flags & uapi.BPF_F_PATH_FD else path


def _within(path: str, root: str) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base + os.sep)


def _obj_pin(call: _Call) -> int:
    a = call.attr
    if a.file_flags & ~uapi.BPF_F_PATH_FD or (not a.file_flags & uapi.BPF_F_PATH_FD and a.path_fd):
        raise BPFError(errno.EINVAL, "invalid file_flags or path_fd")
    try:  # bpf_fd_probe_obj knows maps, programs and links only: EINVAL for anything else
        kind = _object_kind(a.bpf_fd)
    except BPFError as exc:
        if exc.errno == errno.EUCLEAN:  # a map whose shared header is corrupted says so
            raise
        raise BPFError(errno.EINVAL, f"fd {a.bpf_fd} is no map, program or link") from None
    if kind == "btf":
        raise BPFError(errno.EINVAL, "BTF objects cannot be pinned")
    path = _path(a)
    # (no lexical normalisation: ".." steps up from where the lookup is, a /proc/self/fd entry too)
    parent = os.path.dirname(os.path.join(os.getcwd(), path).rstrip("/")) or "/"
    if os.path.lexists(path):
        raise BPFError(errno.EEXIST, f"{path} exists")
    try:  # the lookup of the parent: ENOENT for a missing component, ENOTDIR for a file among them
        is_directory = stat.S_ISDIR(os.stat(parent).st_mode)
    except OSError as exc:
        raise BPFError(exc.errno or errno.ENOENT, f"{parent}: {exc.strerror}") from None
    if not is_directory:
        raise BPFError(errno.ENOTDIR, f"{parent} is not a directory")
    if not _within(parent, bpffs_root()):
        raise BPFError(errno.EPERM, f"{path} is not inside the pybpf bpffs ({bpffs_root()})")
    link_object(a.bpf_fd, path)
    return 0


def _obj_get(call: _Call) -> int:
    a = call.attr
    allowed = uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY | uapi.BPF_F_PATH_FD
    if a.bpf_fd or a.file_flags & ~allowed or (not a.file_flags & uapi.BPF_F_PATH_FD and a.path_fd):
        raise BPFError(errno.EINVAL, "invalid bpf_fd, file_flags or path_fd")
    mode = _file_flag(a.file_flags)
    path = _path(a)
    with refs.opening(bpffs_root()):  # the pin's user reference passes to the fd with no gap
        try:
            fd = os.open(path, mode | os.O_CLOEXEC)
        except IsADirectoryError:  # bpf_inode_type: a directory is no pinned object
            raise BPFError(errno.EACCES, f"{path} is a directory, not a pinned bpf object") from None
        except OSError as exc:
            raise BPFError(exc.errno or errno.ENOENT, f"{path}: {exc.strerror}") from exc
        try:
            kind = _pinned_kind(fd, mode)
        except BPFError as exc:
            os.close(fd)
            if exc.errno == errno.EUCLEAN:  # a map whose shared header is corrupted says so
                raise
            raise BPFError(errno.EACCES, f"{path} is not a pinned bpf object") from exc
        if kind == "link":  # bpf_obj_get_user: a link is opened read-write or not at all
            if mode != os.O_RDWR:
                os.close(fd)
                raise BPFError(errno.EINVAL, "a pinned link is opened without BPF_F_RDONLY/WRONLY")
            return _reopen(fd, os.O_RDONLY)
        if kind in ("prog", "btf") and mode != os.O_RDONLY:
            return _reopen(fd, os.O_RDONLY)  # program and BTF fds are read-only: both are immutable
        return refs.hold(fd)


def _obj_get_info_by_fd(call: _Call) -> int:
    a = call.attr
    fd = a.info.bpf_fd
    try:
        if fd > 0x7FFFFFFF:
            raise OSError(errno.EBADF, "bad fd")
        os.fstat(fd)
    except OSError as exc:
        raise BPFError(errno.EBADFD, f"fd {fd} is not open") from exc
    kind = _object_kind(fd)
    if kind == "prog":
        prog = progobj.ProgObject.from_fd(fd)
        return prog_info.prog_get_info_by_fd(prog, a.info.info_len, a.info.info, call.write_back)
    if kind == "btf":
        btf = btfobj.BTFObject.from_fd(fd)
        return btfobj.get_info_by_fd(btf, a.info.info_len, a.info.info, call.write_back)
    if kind == "link":
        link = link_obj.LinkObject.from_fd(fd)
        return link_obj.get_info_by_fd(link, a.info.info_len, a.info.info, call.write_back)
    return _map_get_info_by_fd(call, map_of(fd))


def _map_get_info_by_fd(call: _Call, obj: MapObject) -> int:
    """``bpf_map_get_info_by_fd`` (6.18): the caller's struct is read first, so the fields the kernel
    does not fill come back as written; ``hash`` / ``hash_size`` are inputs: a hash pointer needs a
    type with ``map_get_hash`` (arrays; EINVAL), a size of 32 (EINVAL) and a frozen map (EPERM), and
    gets the SHA-256 of the values (EFAULT when unwritable); a size without a pointer is EINVAL."""
    a = call.attr
    address = a.info.info
    info, info_len = read_info(address, a.info.info_len, uapi.bpf_map_info)
    info.type = obj.params.map_type
    info.id = obj.id
    info.key_size = obj.params.key_size
    info.value_size = obj.params.value_size
    info.max_entries = obj.params.max_entries
    info.map_flags = obj.params.flags
    info.map_extra = obj.params.map_extra
    info.name = obj.name
    if obj.btf_id:
        info.btf_id = obj.btf_id
        info.btf_key_type_id = obj.btf_key_type_id
        info.btf_value_type_id = obj.btf_value_type_id
    info.btf_vmlinux_value_type_id = getattr(obj.impl, "value_type_id", 0)  # struct_ops maps only
    if info.hash:
        if not obj.impl.can_hash_values or info.hash_size != _SHA256_SIZE:
            raise BPFError(errno.EINVAL, "hash needs an array map and a hash_size of 32")
        if not obj.frozen:
            raise BPFError(errno.EPERM, "the hash of a map's values needs a frozen map")
        copy_to_user(info.hash, obj.impl.values_hash())
        revise(obj)  # the kernel keeps it in map->sha, which programs may read
    elif info.hash_size:
        raise BPFError(errno.EINVAL, "hash_size without hash")
    copy_to_user(address, bytes(info)[:info_len])
    call.write_back(_INFO_LEN_OFFSET, info_len.to_bytes(4, "little"))
    return 0


def _next_id_allowed(start_id: int) -> None:
    """``bpf_obj_get_next_id``: start_id >= INT_MAX is EINVAL, then CAP_SYS_ADMIN (EPERM)."""
    if start_id >= refs.INT_MAX:
        raise BPFError(errno.EINVAL, "start_id >= INT_MAX")
    permissions.require(CAP_SYS_ADMIN, "BPF_*_GET_NEXT_ID")


def _map_get_next_id(call: _Call) -> int:
    _next_id_allowed(call.attr.start_id)
    found = map_ids.get_next_id(call.attr.start_id)
    call.write_back(_NEXT_ID_OFFSET, found.to_bytes(4, "little"))
    return 0


def _map_get_fd_by_id(call: _Call) -> int:
    a = call.attr
    return map_ids.get_fd_by_id(a.map_id, a.open_flags, a.fd_by_id_token_fd)


def _map_batch(cmd: int) -> Callable[[_Call], int]:
    """The handler of one batch command (``bpf_map_do_batch``): fd, permissions, then the op."""
    has_read = cmd in (uapi.BPF_MAP_LOOKUP_BATCH, uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH)
    has_write = cmd != uapi.BPF_MAP_LOOKUP_BATCH

    def handler(call: _Call) -> int:
        b = call.attr.batch
        fd = b.map_fd
        obj = map_of(fd)
        if has_read and not can_read(fd):
            raise BPFError(errno.EPERM, "map fd is not readable")
        if has_write and not can_write(fd, obj):
            raise BPFError(errno.EPERM, "map is frozen or the fd is not writable")

        def write_back(offset: int, data: bytes) -> None:
            call.write_back(_BATCH_OFFSET + offset, data)

        return map_batch.do_batch(cmd, obj, b, write_back)

    return handler


def _prog_load(call: _Call) -> int:
    return prog_load(call.attr, call.write_back_within_size)


def _prog_test_run(call: _Call) -> int:
    return test_run(call.attr, call.write_back)


def _prog_get_next_id(call: _Call) -> int:
    _next_id_allowed(call.attr.start_id)
    found = progobj.get_next_id(call.attr.start_id)
    call.write_back(_NEXT_ID_OFFSET, found.to_bytes(4, "little"))
    return 0


def _prog_get_fd_by_id(call: _Call) -> int:
    permissions.require(CAP_SYS_ADMIN, "BPF_PROG_GET_FD_BY_ID")
    return progobj.get_fd_by_id(call.attr.prog_id, 0, 0)


def _btf_load(call: _Call) -> int:
    return btfobj.btf_load(call.attr, call.write_back_within_size)


def _btf_get_next_id(call: _Call) -> int:
    _next_id_allowed(call.attr.start_id)
    found = btfobj.get_next_id(call.attr.start_id)
    call.write_back(_NEXT_ID_OFFSET, found.to_bytes(4, "little"))
    return 0


def _btf_get_fd_by_id(call: _Call) -> int:
    a = call.attr
    return btfobj.get_fd_by_id(a.btf_id, a.open_flags, a.fd_by_id_token_fd)


_BTF_LOAD_END = offsetofend(uapi.bpf_attr_btf_load, "btf_token_fd")
_LINK_CREATE_END = offsetofend(bpf_attr, "link_create.uprobe_multi.pid")
_RAW_TRACEPOINT_END = offsetofend(bpf_attr, "raw_tracepoint.cookie")
_PROG_BIND_MAP_END = offsetofend(bpf_attr, "prog_bind_map.flags")
_PROG_ATTACH_END = offsetofend(bpf_attr, "expected_revision")
_PROG_QUERY_END = offsetofend(bpf_attr, "query.revision")
_TASK_FD_QUERY_END = offsetofend(bpf_attr, "task_fd_query.probe_addr")
_TOKEN_CREATE_END = offsetofend(bpf_attr, "token_create.bpffs_fd")
_STREAM_READ_END = offsetofend(bpf_attr, "prog_stream_read.prog_fd")
_ENABLE_STATS_END = offsetofend(bpf_attr, "enable_stats.type")


def _link_create(call: _Call) -> int:
    """BPF_LINK_CREATE (``link_create``): pybpf links struct_ops maps, cgroup, freplace and iterator
    programs (EINVAL for others)."""
    a = call.attr.link_create
    if a.attach_type == uapi.BPF_STRUCT_OPS:
        return struct_ops_link.link_create(a.map_fd)
    prog = progobj.ProgObject.from_fd(a.prog_fd)  # bpf_prog_get(): EBADF/EINVAL first
    if prog.prog_type in prog_attach.CGROUP_LINK_PROG_TYPES:
        return prog_attach.link_create(a, prog)
    if prog.prog_type == uapi.BPF_PROG_TYPE_TRACING:
        if a.attach_type != prog.meta.expected_attach_type:
            raise BPFError(errno.EINVAL, "attach_type is not the program's expected attach type")
        if a.attach_type == uapi.BPF_TRACE_ITER:
            return iter_link.attach(a.prog_fd, a)
    return links.tracing_prog_attach(a.prog_fd, a.target_fd, a.target_btf_id)


_LINK_FD_BY_ID_END = offsetofend(uapi.bpf_attr_get_id, "link_id")
_LINK_UPDATE_END = offsetofend(bpf_attr, "link_update.old_prog_fd")
_LINK_DETACH_END = offsetofend(bpf_attr, "link_detach.link_fd")
_ITER_CREATE_END = offsetofend(bpf_attr, "iter_create.flags")


def _link_get_next_id(call: _Call) -> int:
    _next_id_allowed(call.attr.start_id)
    found = link_obj.get_next_id(call.attr.start_id)
    call.write_back(_NEXT_ID_OFFSET, found.to_bytes(4, "little"))
    return 0


def _link_get_fd_by_id(call: _Call) -> int:
    permissions.require(CAP_SYS_ADMIN, "BPF_LINK_GET_FD_BY_ID")
    return link_obj.get_fd_by_id(call.attr.link_id)


def _link_update(call: _Call) -> int:
    a = call.attr.link_update
    return link_obj.update(a.link_fd, a.new_prog_fd, a.flags, a.old_prog_fd)


def _link_detach(call: _Call) -> int:
    return link_obj.detach(call.attr.link_detach.link_fd)


def _iter_create(call: _Call) -> int:
    a = call.attr.iter_create
    return iter_link.iter_create(a.link_fd, a.flags)


def _raw_tracepoint_open(call: _Call) -> int:
    """BPF_RAW_TRACEPOINT_OPEN (``bpf_raw_tp_link_attach``): an freplace program to its load-time
    target (no name: EINVAL with one); pybpf has no raw tracepoints."""
    a = call.attr.raw_tracepoint
    prog = progobj.ProgObject.from_fd(a.prog_fd)
    if prog.prog_type != uapi.BPF_PROG_TYPE_EXT:
        raise BPFError(errno.EINVAL, "pybpf attaches only freplace programs through BPF_RAW_TRACEPOINT_OPEN")
    if a.name:
        raise BPFError(errno.EINVAL, "an freplace program's target is set at load, not by name")
    return links.tracing_prog_attach(a.prog_fd, 0, 0)


def _prog_bind_map(call: _Call) -> int:
    a = call.attr.prog_bind_map
    return prog_bind_map(a.prog_fd, a.map_fd, a.flags)


def _prog_attach(call: _Call) -> int:
    return prog_attach.prog_attach(call.attr)


def _prog_detach(call: _Call) -> int:
    return prog_attach.prog_detach(call.attr)


def _prog_query(call: _Call) -> int:
    permissions.require_net_admin("BPF_PROG_QUERY")
    return prog_attach.prog_query(call.attr, call.write_back)


def _task_fd_query(call: _Call) -> int:
    a = call.attr.task_fd_query
    permissions.require(CAP_SYS_ADMIN, "BPF_TASK_FD_QUERY")
    return task_fd_query(a.pid, a.fd, a.flags)


def _token_create(call: _Call) -> int:
    a = call.attr.token_create
    return token_create(a.flags, a.bpffs_fd)


def _prog_stream_read(call: _Call) -> int:
    a = call.attr.prog_stream_read
    return prog_stream_read(a.prog_fd, a.stream_id, a.stream_buf, a.stream_buf_len)


def _enable_stats(call: _Call) -> int:
    permissions.require(CAP_SYS_ADMIN, "BPF_ENABLE_STATS")
    return enable_stats(call.attr.enable_stats.type)


_HANDLERS: dict[int, tuple[int, Callable[[_Call], int]]] = {
    uapi.BPF_PROG_LOAD: (_PROG_LOAD_END, _prog_load),
    uapi.BPF_PROG_TEST_RUN: (_TEST_RUN_END, _prog_test_run),
    uapi.BPF_PROG_GET_NEXT_ID: (_NEXT_ID_END, _prog_get_next_id),
    uapi.BPF_PROG_GET_FD_BY_ID: (_PROG_FD_BY_ID_END, _prog_get_fd_by_id),
    uapi.BPF_MAP_CREATE: (_MAP_CREATE_END, _map_create),
    uapi.BPF_MAP_LOOKUP_ELEM: (_ELEM_END, _map_lookup),
    uapi.BPF_MAP_UPDATE_ELEM: (_ELEM_END, _map_update),
    uapi.BPF_MAP_DELETE_ELEM: (_DELETE_END, _map_delete),
    uapi.BPF_MAP_GET_NEXT_KEY: (_NEXT_KEY_END, _map_get_next_key),
    uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM: (_ELEM_END, _map_lookup_and_delete),
    uapi.BPF_MAP_FREEZE: (_FREEZE_END, _map_freeze),
    uapi.BPF_OBJ_PIN: (_OBJ_END, _obj_pin),
    uapi.BPF_OBJ_GET: (_OBJ_END, _obj_get),
    uapi.BPF_OBJ_GET_INFO_BY_FD: (_INFO_END, _obj_get_info_by_fd),
    uapi.BPF_MAP_GET_NEXT_ID: (_NEXT_ID_END, _map_get_next_id),
    uapi.BPF_MAP_LOOKUP_BATCH: (_BATCH_END, _map_batch(uapi.BPF_MAP_LOOKUP_BATCH)),
    uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH: (_BATCH_END, _map_batch(uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH)),
    uapi.BPF_MAP_UPDATE_BATCH: (_BATCH_END, _map_batch(uapi.BPF_MAP_UPDATE_BATCH)),
    uapi.BPF_MAP_DELETE_BATCH: (_BATCH_END, _map_batch(uapi.BPF_MAP_DELETE_BATCH)),
    uapi.BPF_MAP_GET_FD_BY_ID: (_FD_BY_ID_END, _map_get_fd_by_id),
    uapi.BPF_BTF_LOAD: (_BTF_LOAD_END, _btf_load),
    uapi.BPF_BTF_GET_FD_BY_ID: (_FD_BY_ID_END, _btf_get_fd_by_id),
    uapi.BPF_BTF_GET_NEXT_ID: (_NEXT_ID_END, _btf_get_next_id),
    uapi.BPF_LINK_CREATE: (_LINK_CREATE_END, _link_create),
    uapi.BPF_RAW_TRACEPOINT_OPEN: (_RAW_TRACEPOINT_END, _raw_tracepoint_open),
    uapi.BPF_LINK_GET_NEXT_ID: (_NEXT_ID_END, _link_get_next_id),
    uapi.BPF_LINK_GET_FD_BY_ID: (_LINK_FD_BY_ID_END, _link_get_fd_by_id),
    uapi.BPF_LINK_UPDATE: (_LINK_UPDATE_END, _link_update),
    uapi.BPF_LINK_DETACH: (_LINK_DETACH_END, _link_detach),
    uapi.BPF_ITER_CREATE: (_ITER_CREATE_END, _iter_create),
    uapi.BPF_PROG_BIND_MAP: (_PROG_BIND_MAP_END, _prog_bind_map),
    uapi.BPF_ENABLE_STATS: (_ENABLE_STATS_END, _enable_stats),
    uapi.BPF_PROG_ATTACH: (_PROG_ATTACH_END, _prog_attach),
    uapi.BPF_PROG_DETACH: (_PROG_ATTACH_END, _prog_detach),
    uapi.BPF_PROG_QUERY: (_PROG_QUERY_END, _prog_query),
    uapi.BPF_TASK_FD_QUERY: (_TASK_FD_QUERY_END, _task_fd_query),
    uapi.BPF_TOKEN_CREATE: (_TOKEN_CREATE_END, _token_create),
    uapi.BPF_PROG_STREAM_READ_BY_FD: (_STREAM_READ_END, _prog_stream_read),
}

NOT_IMPLEMENTED = sorted(
    (c.name for c in uapi.bpf_cmd if c.value not in _HANDLERS and not c.name.startswith("__")),
)
"""Commands the kernel has and pybpf does not yet: they fail with EINVAL saying so."""


def bpf(cmd: int, attr: Any, size: int | None = None) -> int:
    """The user-space bpf(2): run ``cmd`` with ``attr`` (a bpf_attr, bytes, or any buffer ``UserAttr`` takes).

    Returns an fd or 0; raises ``BPFError`` carrying the kernel's errno, and nothing else for
    anything the attr holds (a ``MemoryError`` becomes ENOMEM); only an ``attr`` that is not a
    buffer (TypeError) or a ``size`` past its end (ValueError) are the caller's programming errors.
    """
    uattr = UserAttr(attr)
    raw = uattr.raw
    if size is None:
        size = len(raw)
    elif not 0 <= size <= len(raw):
        raise ValueError(f"attr size {size} outside the {len(raw)}-byte buffer")
    raw = raw[:size]
    if size > _PAGE:
        raise BPFError(errno.E2BIG, "attr larger than a page")
    if size > ATTR_SIZE and any(raw[ATTR_SIZE:]):
        raise BPFError(errno.E2BIG, "non-zero bytes past union bpf_attr")
    buffer = raw[:ATTR_SIZE].ljust(ATTR_SIZE, b"\0")
    entry = _HANDLERS.get(cmd)
    if entry is None:
        known = {c.value: c.name for c in uapi.bpf_cmd}
        if cmd in known:
            raise BPFError(errno.EINVAL, f"{known[cmd]} is not yet implemented in pybpf")
        raise BPFError(errno.EINVAL, f"unknown bpf command {cmd}")
    last, handler = entry
    if any(buffer[last:]):
        raise BPFError(errno.EINVAL, "non-zero bytes after the command's last attr field")
    try:
        return handler(_Call(buffer, uattr, size))
    except MemoryError:  # an allocation the kernel's kvmalloc would refuse: its errno, never the exception
        raise BPFError(errno.ENOMEM, "out of memory") from None
