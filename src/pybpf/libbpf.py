"""libbpf-style functions over ``bpf()``: ``bpf_map_create``, ``bpf_map_lookup_elem`` and friends.

Mirrors the low-level API of libbpf's ``bpf.h`` — same names, same argument order — for people
porting C or reading libbpf-based examples.  Each function fills a ``union bpf_attr`` and calls
the current backend (``pybpf.kernel.backend.get_backend()``: pybpf's user space implementation,
or the real kernel with ``PYBPF_BACKEND=native``), or the one given as ``backend=``.

Where libbpf returns ``-errno``, these raise ``BPFError`` carrying the errno (``KeyNotExistError``
for ENOENT on lookups).  Keys are bytes-like or ctypes objects; an output argument (``value``,
``next_key``, ``info``) may be a writable buffer (``bytearray``, ctypes object) that is filled in,
as in C, and the functions also return the bytes so Python callers need not pass one.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.kernel.backend import Backend, get_backend
from pybpf.maps.percpu import user_value_size

Buffer = Any
"""bytes-like or a ctypes object."""


@dataclass
class MapCreateOpts:
    """The optional fields of ``struct bpf_map_create_opts`` that pybpf knows."""

    map_flags: int = 0
    inner_map_fd: int = 0
    numa_node: int = 0
    map_ifindex: int = 0
    btf_fd: int = 0
    btf_key_type_id: int = 0
    btf_value_type_id: int = 0
    btf_vmlinux_value_type_id: int = 0
    map_extra: int = 0


def _in_buffer(data: Buffer) -> ctypes.Array[ctypes.c_char]:
    """A C copy of ``data`` that stays alive while the call runs."""
    if isinstance(data, ctypes._SimpleCData | ctypes.Structure | ctypes.Union | ctypes.Array):
        raw = ctypes.string_at(ctypes.addressof(data), ctypes.sizeof(data))
    else:
        raw = bytes(data)
    return ctypes.create_string_buffer(raw, max(len(raw), 1))


def _out_buffer(size: int) -> ctypes.Array[ctypes.c_char]:
    return ctypes.create_string_buffer(max(size, 1))


def _deliver(result: bytes, out: Buffer | None) -> bytes:
    """Copy ``result`` into the caller's writable buffer, if one was given."""
    if out is None:
        return result
    if isinstance(out, ctypes._SimpleCData | ctypes.Structure | ctypes.Union | ctypes.Array):
        ctypes.memmove(ctypes.addressof(out), result, min(len(result), ctypes.sizeof(out)))
    else:
        view = memoryview(out).cast("B")
        n = min(len(result), len(view))
        view[:n] = result[:n]
    return result


def _call(cmd: int, attr: uapi.bpf_attr, backend: Backend | None) -> int:
    return (backend if backend is not None else get_backend()).bpf(cmd, attr)


def _map_sizes(fd: int, backend: Backend | None) -> tuple[int, int]:
    info = bpf_map_get_info_by_fd(fd, backend=backend)
    return info.key_size, info.value_size


# --- maps ---------------------------------------------------------------------------------------
def bpf_map_create(  # noqa: PLR0917  (libbpf's argument order)
    map_type: int, map_name: str | None, key_size: int, value_size: int, max_entries: int,
    opts: MapCreateOpts | None = None, *, backend: Backend | None = None,
) -> int:
    """BPF_MAP_CREATE; returns the new map fd."""
    opts = opts or MapCreateOpts()
    attr = uapi.bpf_attr()
    attr.map_type, attr.key_size, attr.value_size = map_type, key_size, value_size
    attr.max_entries = max_entries
    attr.map_flags, attr.inner_map_fd, attr.numa_node = opts.map_flags, opts.inner_map_fd, opts.numa_node
    attr.map_ifindex, attr.btf_fd = opts.map_ifindex, opts.btf_fd
    attr.btf_key_type_id, attr.btf_value_type_id = opts.btf_key_type_id, opts.btf_value_type_id
    attr.btf_vmlinux_value_type_id, attr.map_extra = opts.btf_vmlinux_value_type_id, opts.map_extra
    if map_name:
        attr.map_name = map_name.encode()[: uapi.BPF_OBJ_NAME_LEN - 1]
    return _call(uapi.BPF_MAP_CREATE, attr, backend)


def bpf_map_update_elem(fd: int, key: Buffer | None, value: Buffer, flags: int = uapi.BPF_ANY, *,
                        backend: Backend | None = None) -> None:
    """BPF_MAP_UPDATE_ELEM (``key`` None for queue/stack pushes)."""
    key_buf = _in_buffer(key) if key is not None else None
    value_buf = _in_buffer(value)
    attr = uapi.bpf_attr()
    attr.map_fd, attr.flags = fd, flags
    attr.key = ctypes.addressof(key_buf) if key_buf is not None else 0
    attr.value = ctypes.addressof(value_buf)
    _call(uapi.BPF_MAP_UPDATE_ELEM, attr, backend)


def _lookup(cmd: int, fd: int, key: Buffer | None, value: Buffer | None, *, flags: int,
            backend: Backend | None) -> bytes:
    info = bpf_map_get_info_by_fd(fd, backend=backend)
    size = user_value_size(info.type, info.value_size)
    key_buf = _in_buffer(key) if key is not None else None
    out = _out_buffer(size)
    attr = uapi.bpf_attr()
    attr.map_fd, attr.flags = fd, flags
    attr.key = ctypes.addressof(key_buf) if key_buf is not None else 0
    attr.value = ctypes.addressof(out)
    try:
        _call(cmd, attr, backend)
    except BPFError as exc:
        if exc.errno == KeyNotExistError().errno and not isinstance(exc, KeyNotExistError):
            raise KeyNotExistError(exc.strerror) from None
        raise
    return _deliver(out.raw[:size], value)


def bpf_map_lookup_elem(fd: int, key: Buffer | None, value: Buffer | None = None, *,
                        backend: Backend | None = None) -> bytes:
    """BPF_MAP_LOOKUP_ELEM; fills ``value`` if given and returns the value bytes."""
    return _lookup(uapi.BPF_MAP_LOOKUP_ELEM, fd, key, value, flags=0, backend=backend)


def bpf_map_lookup_elem_flags(fd: int, key: Buffer | None, value: Buffer | None = None, flags: int = 0, *,
                              backend: Backend | None = None) -> bytes:
    """BPF_MAP_LOOKUP_ELEM with flags (BPF_F_LOCK)."""
    return _lookup(uapi.BPF_MAP_LOOKUP_ELEM, fd, key, value, flags=flags, backend=backend)


def bpf_map_lookup_and_delete_elem(fd: int, key: Buffer | None, value: Buffer | None = None, *,
                                   backend: Backend | None = None) -> bytes:
    """BPF_MAP_LOOKUP_AND_DELETE_ELEM (also the pop of queue/stack maps, with ``key`` None)."""
    return _lookup(uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, key, value, flags=0, backend=backend)


def bpf_map_delete_elem(fd: int, key: Buffer, *, backend: Backend | None = None) -> None:
    """BPF_MAP_DELETE_ELEM."""
    key_buf = _in_buffer(key)
    attr = uapi.bpf_attr()
    attr.map_fd, attr.key = fd, ctypes.addressof(key_buf)
    try:
        _call(uapi.BPF_MAP_DELETE_ELEM, attr, backend)
    except BPFError as exc:
        if exc.errno == KeyNotExistError().errno and not isinstance(exc, KeyNotExistError):
            raise KeyNotExistError(exc.strerror) from None
        raise


def bpf_map_get_next_key(fd: int, key: Buffer | None, next_key: Buffer | None = None, *,
                         backend: Backend | None = None) -> bytes:
    """BPF_MAP_GET_NEXT_KEY: the key after ``key`` (the first key when ``key`` is None or absent).

    Raises ``KeyNotExistError`` after the last key, as the kernel's ENOENT.
    """
    key_size, _ = _map_sizes(fd, backend)
    key_buf = _in_buffer(key) if key is not None else None
    out = _out_buffer(key_size)
    attr = uapi.bpf_attr()
    attr.map_fd, attr.next_key = fd, ctypes.addressof(out)
    attr.key = ctypes.addressof(key_buf) if key_buf is not None else 0
    try:
        _call(uapi.BPF_MAP_GET_NEXT_KEY, attr, backend)
    except BPFError as exc:
        if exc.errno == KeyNotExistError().errno and not isinstance(exc, KeyNotExistError):
            raise KeyNotExistError(exc.strerror) from None
        raise
    return _deliver(out.raw[:key_size], next_key)


def bpf_map_freeze(fd: int, *, backend: Backend | None = None) -> None:
    """BPF_MAP_FREEZE: user space can no longer write the map."""
    attr = uapi.bpf_attr()
    attr.map_fd = fd
    _call(uapi.BPF_MAP_FREEZE, attr, backend)


def bpf_map_get_next_id(start_id: int, *, backend: Backend | None = None) -> int:
    """BPF_MAP_GET_NEXT_ID: the smallest map id above ``start_id`` (ENOENT when none)."""
    attr = uapi.bpf_attr()
    attr.start_id = start_id
    _call(uapi.BPF_MAP_GET_NEXT_ID, attr, backend)
    return int(attr.next_id)


def bpf_map_get_fd_by_id(map_id: int, open_flags: int = 0, *, backend: Backend | None = None) -> int:
    """BPF_MAP_GET_FD_BY_ID: a new fd for the map with ``map_id``."""
    attr = uapi.bpf_attr()
    attr.map_id, attr.open_flags = map_id, open_flags
    return _call(uapi.BPF_MAP_GET_FD_BY_ID, attr, backend)


# --- objects ------------------------------------------------------------------------------------
def bpf_obj_pin(fd: int, pathname: str, file_flags: int = 0, *, backend: Backend | None = None) -> None:
    """BPF_OBJ_PIN ``fd`` at ``pathname`` (a path in bpffs, or in pybpf's root for the user backend)."""
    path = ctypes.create_string_buffer(pathname.encode())
    attr = uapi.bpf_attr()
    attr.bpf_fd, attr.pathname, attr.file_flags = fd, ctypes.addressof(path), file_flags
    _call(uapi.BPF_OBJ_PIN, attr, backend)


def bpf_obj_get(pathname: str, file_flags: int = 0, *, backend: Backend | None = None) -> int:
    """BPF_OBJ_GET: a new fd for the object pinned at ``pathname`` (BPF_F_RDONLY / BPF_F_WRONLY)."""
    path = ctypes.create_string_buffer(pathname.encode())
    attr = uapi.bpf_attr()
    attr.pathname, attr.file_flags = ctypes.addressof(path), file_flags
    return _call(uapi.BPF_OBJ_GET, attr, backend)


def bpf_obj_get_info_by_fd(fd: int, info: ctypes.Structure, *, backend: Backend | None = None) -> int:
    """BPF_OBJ_GET_INFO_BY_FD into ``info``; returns the info_len the kernel reported."""
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len = fd, ctypes.sizeof(info)
    attr.info.info = ctypes.addressof(info)
    _call(uapi.BPF_OBJ_GET_INFO_BY_FD, attr, backend)
    return int(attr.info.info_len)


def bpf_map_get_info_by_fd(fd: int, info: uapi.bpf_map_info | None = None, *,
                           backend: Backend | None = None) -> uapi.bpf_map_info:
    """``bpf_map_info`` of the map ``fd``."""
    info = info if info is not None else uapi.bpf_map_info()
    bpf_obj_get_info_by_fd(fd, info, backend=backend)
    return info
