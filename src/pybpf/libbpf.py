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
import errno
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pybpf import uapi
from pybpf.btf.types import BTF
from pybpf.errors import BPFError, KeyNotExistError, refusal_reason
from pybpf.isa.instruction import encode_program
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
    map_type: int,
    map_name: str | None,
    key_size: int,
    value_size: int,
    max_entries: int,
    opts: MapCreateOpts | None = None,
    *,
    backend: Backend | None = None,
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


def bpf_map_update_elem(
    fd: int, key: Buffer | None, value: Buffer, flags: int = uapi.BPF_ANY, *, backend: Backend | None = None
) -> None:
    """BPF_MAP_UPDATE_ELEM (``key`` None for queue/stack pushes)."""
    key_buf = _in_buffer(key) if key is not None else None
    value_buf = _in_buffer(value)
    attr = uapi.bpf_attr()
    attr.map_fd, attr.flags = fd, flags
    attr.key = ctypes.addressof(key_buf) if key_buf is not None else 0
    attr.value = ctypes.addressof(value_buf)
    _call(uapi.BPF_MAP_UPDATE_ELEM, attr, backend)


def _lookup(
    cmd: int, fd: int, key: Buffer | None, value: Buffer | None, *, flags: int, backend: Backend | None
) -> bytes:
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


def bpf_map_lookup_elem(
    fd: int, key: Buffer | None, value: Buffer | None = None, *, backend: Backend | None = None
) -> bytes:
    """BPF_MAP_LOOKUP_ELEM; fills ``value`` if given and returns the value bytes."""
    return _lookup(uapi.BPF_MAP_LOOKUP_ELEM, fd, key, value, flags=0, backend=backend)


def bpf_map_lookup_elem_flags(
    fd: int,
    key: Buffer | None,
    value: Buffer | None = None,
    flags: int = 0,
    *,
    backend: Backend | None = None,
) -> bytes:
    """BPF_MAP_LOOKUP_ELEM with flags (BPF_F_LOCK)."""
    return _lookup(uapi.BPF_MAP_LOOKUP_ELEM, fd, key, value, flags=flags, backend=backend)


def bpf_map_lookup_and_delete_elem(
    fd: int, key: Buffer | None, value: Buffer | None = None, *, backend: Backend | None = None
) -> bytes:
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


def bpf_map_get_next_key(
    fd: int, key: Buffer | None, next_key: Buffer | None = None, *, backend: Backend | None = None
) -> bytes:
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


def bpf_map_get_info_by_fd(
    fd: int, info: uapi.bpf_map_info | None = None, *, backend: Backend | None = None
) -> uapi.bpf_map_info:
    """``bpf_map_info`` of the map ``fd``."""
    info = info if info is not None else uapi.bpf_map_info()
    bpf_obj_get_info_by_fd(fd, info, backend=backend)
    return info


# --- programs -----------------------------------------------------------------------------------
# Mirrors libbpf's bpf_prog_load / bpf_prog_test_run_opts / bpf_prog_get_{next_id,fd_by_id} /
# bpf_prog_get_info_by_fd (tools/lib/bpf/bpf.c): the opts structs become dataclasses whose output
# fields (log_true_size; retval, duration, data_size_out, ctx_size_out) are filled in after the call.
RETRY_LOG_SIZE = 1 << 20
"""The verifier log a refused load without one is retried with (libbpf's retry grows its own)."""

PROG_LOAD_ATTEMPTS = 5
"""libbpf retries BPF_PROG_LOAD this many times while the kernel answers EAGAIN."""


@dataclass
class ProgLoadOpts:
    """``struct bpf_prog_load_opts``; ``log_buf`` is a writable buffer (bytearray, ctypes array)."""

    expected_attach_type: int = 0
    prog_flags: int = 0
    kern_version: int = 0
    prog_ifindex: int = 0
    log_level: int = 0
    log_size: int = 0
    log_buf: Buffer | None = None
    log_true_size: int = 0
    """Filled in: the size the whole log needs (the kernel's ``log_true_size``)."""
    fd_array: list[int] | None = None
    fd_array_cnt: int = 0
    prog_btf_fd: int = 0
    func_info_rec_size: int = 0
    func_info: Buffer | None = None
    func_info_cnt: int = 0
    line_info_rec_size: int = 0
    line_info: Buffer | None = None
    line_info_cnt: int = 0
    attach_btf_id: int = 0
    attach_prog_fd: int = 0
    attach_btf_obj_fd: int = 0
    token_fd: int = 0


def _insn_bytes(insns: Any) -> bytes:
    """Raw instructions from ``Instruction`` objects, bytes-like data or a ctypes array of bpf_insn."""
    if isinstance(insns, bytes | bytearray | memoryview):
        return bytes(insns)
    if isinstance(insns, ctypes.Array | ctypes.Structure):
        return ctypes.string_at(ctypes.addressof(insns), ctypes.sizeof(insns))
    return encode_program(list(insns))


def _writable_size(buffer: Buffer) -> int:
    if isinstance(buffer, ctypes._SimpleCData | ctypes.Structure | ctypes.Union | ctypes.Array):
        return ctypes.sizeof(buffer)
    return memoryview(buffer).nbytes


def bpf_prog_load(  # noqa: PLR0917  (libbpf's argument order)
    prog_type: int,
    prog_name: str | None,
    license: str,
    insns: Any,
    insn_cnt: int,
    opts: ProgLoadOpts | None = None,
    *,
    backend: Backend | None = None,
) -> int:
    """BPF_PROG_LOAD ``insn_cnt`` 8-byte instruction slots of ``insns``; returns the program fd.

    As in libbpf: ``log_buf`` and ``log_size`` go together (EINVAL otherwise), a ``log_level``
    needs a ``log_buf``, EAGAIN is retried, and a failed load with ``log_level`` 0 but a
    ``log_buf`` is retried once with ``log_level`` 1 so the buffer receives the verifier's reason.
    The log is copied into ``opts.log_buf`` and ``opts.log_true_size`` is set.
    """
    import errno as _errno

    opts = opts if opts is not None else ProgLoadOpts()
    log_size = opts.log_size
    if opts.log_buf is not None and not log_size:
        log_size = _writable_size(opts.log_buf)
    if (opts.log_buf is None) != (log_size == 0) or (opts.log_level and opts.log_buf is None):
        raise BPFError(_errno.EINVAL, "log_buf and log_size must be given together, and log_level needs them")
    code = _in_buffer(_insn_bytes(insns))
    license_buf = ctypes.create_string_buffer(license.encode())
    attr = uapi.bpf_attr()
    attr.prog_type, attr.insn_cnt, attr.insns = prog_type, insn_cnt, ctypes.addressof(code)
    attr.license = ctypes.addressof(license_buf)
    attr.expected_attach_type, attr.prog_flags = opts.expected_attach_type, opts.prog_flags
    attr.kern_version, attr.prog_ifindex = opts.kern_version, opts.prog_ifindex
    attr.prog_btf_fd, attr.attach_btf_id = opts.prog_btf_fd, opts.attach_btf_id
    attr.attach_prog_fd = opts.attach_prog_fd or opts.attach_btf_obj_fd
    attr.prog_token_fd = opts.token_fd
    if prog_name:
        attr.prog_name = prog_name.encode()[: uapi.BPF_OBJ_NAME_LEN - 1]
    keep: list[Any] = []
    if opts.fd_array:
        fds = (ctypes.c_int32 * len(opts.fd_array))(*opts.fd_array)
        keep.append(fds)
        attr.fd_array, attr.fd_array_cnt = ctypes.addressof(fds), opts.fd_array_cnt
    for kind in ("func_info", "line_info"):
        data = getattr(opts, kind)
        if data is not None:
            buf = _in_buffer(data)
            keep.append(buf)
            setattr(attr, kind, ctypes.addressof(buf))
            setattr(attr, f"{kind}_rec_size", getattr(opts, f"{kind}_rec_size"))
            setattr(attr, f"{kind}_cnt", getattr(opts, f"{kind}_cnt"))
    log = _out_buffer(log_size)
    if opts.log_level:
        attr.log_level, attr.log_size, attr.log_buf = opts.log_level, log_size, ctypes.addressof(log)

    def load() -> int:
        for attempt in range(PROG_LOAD_ATTEMPTS):
            try:
                return _call(uapi.BPF_PROG_LOAD, attr, backend)
            except BPFError as exc:
                if exc.errno != _errno.EAGAIN or attempt == PROG_LOAD_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    try:
        try:
            fd = load()
        except BPFError as refused:
            if opts.log_level:
                raise
            if opts.log_buf is None:  # libbpf's retry with its own buffer: the error carries the reason
                return _reload_for_the_log(attr, load, refused)
            attr.log_level, attr.log_size, attr.log_buf = 1, log_size, ctypes.addressof(log)
            fd = load()
    except BPFError as exc:
        exc.log = exc.log or log.value.decode(errors="replace")
        raise
    finally:
        opts.log_true_size = int(attr.log_true_size)
        if opts.log_buf is not None and attr.log_level:
            _deliver(log.raw[:log_size], opts.log_buf)
    return fd


def _reload_for_the_log(attr: uapi.bpf_attr, load: Callable[[], int], refused: BPFError) -> int:
    """Load a refused program again with a verifier log (log_level 1), as libbpf does when its caller gave
    none: the BPFError raised has the first refusal's errno, the log's reason in its message and ``.log``.

    A log too small for the kernel (ENOSPC with a larger ``log_true_size``) is retried once at that size.
    """
    size = RETRY_LOG_SIZE
    for _ in range(2):
        log = _out_buffer(size)
        attr.log_level, attr.log_size, attr.log_buf = 1, size, ctypes.addressof(log)
        try:
            return load()
        except BPFError as exc:
            text = log.value.decode(errors="replace")
            if exc.errno == errno.ENOSPC and attr.log_true_size > size:
                size = int(attr.log_true_size)
                continue
            break
        finally:
            attr.log_level, attr.log_size, attr.log_buf = 0, 0, 0
    reason = refusal_reason(text)
    message = refused.strerror or ""
    error = BPFError(
        refused.errno or errno.EINVAL, f"{message}: {reason}" if reason and reason not in message else message
    )
    error.log = text
    raise error from None


@dataclass
class TestRunOpts:
    """``struct bpf_test_run_opts``: inputs, writable output buffers and the results filled back."""

    __test__ = False  # not a pytest class

    data_in: Buffer | None = None
    data_out: Buffer | None = None
    data_size_in: int = 0
    """0: the length of ``data_in``."""
    data_size_out: int = 0
    """In: capacity of ``data_out`` (0: unlimited, as in the kernel); out: size of the output."""
    ctx_in: Buffer | None = None
    ctx_out: Buffer | None = None
    ctx_size_in: int = 0
    ctx_size_out: int = 0
    retval: int = 0
    repeat: int = 0
    duration: int = 0
    flags: int = 0
    cpu: int = 0
    batch_size: int = 0


_PACKET_HEADROOM = 64 * 1024  # how much a program may grow a packet when data_size_out is 0


def bpf_prog_test_run_opts(prog_fd: int, opts: TestRunOpts, *, backend: Backend | None = None) -> None:
    """BPF_PROG_TEST_RUN; fills ``opts.retval``, ``duration``, ``data_size_out``, ``ctx_size_out``
    (also when the run fails with ENOSPC, as libbpf does) and copies the output into ``data_out`` /
    ``ctx_out``.  Python buffers are never overrun: an output is cut to the buffer's length."""
    data_size_in = opts.data_size_in or (_writable_size(opts.data_in) if opts.data_in is not None else 0)
    ctx_size_in = opts.ctx_size_in or (_writable_size(opts.ctx_in) if opts.ctx_in is not None else 0)
    data_in = _in_buffer(opts.data_in) if opts.data_in is not None else None
    ctx_in = _in_buffer(opts.ctx_in) if opts.ctx_in is not None else None
    data_out = ctx_out = None
    if opts.data_out is not None:
        data_out = _out_buffer(opts.data_size_out or data_size_in + _PACKET_HEADROOM)
    if opts.ctx_out is not None:
        ctx_out = _out_buffer(opts.ctx_size_out or _PACKET_HEADROOM)
    attr = uapi.bpf_attr()
    t = attr.test
    t.prog_fd, t.repeat, t.duration = prog_fd, opts.repeat, opts.duration
    t.flags, t.cpu = opts.flags, opts.cpu
    t.batch_size = opts.batch_size
    t.data_size_in, t.data_size_out = data_size_in, opts.data_size_out
    t.ctx_size_in, t.ctx_size_out = ctx_size_in, opts.ctx_size_out
    t.data_in = ctypes.addressof(data_in) if data_in is not None else 0
    t.ctx_in = ctypes.addressof(ctx_in) if ctx_in is not None else 0
    t.data_out = ctypes.addressof(data_out) if data_out is not None else 0
    t.ctx_out = ctypes.addressof(ctx_out) if ctx_out is not None else 0
    try:
        _call(uapi.BPF_PROG_TEST_RUN, attr, backend)
    finally:
        opts.retval, opts.duration = int(t.retval), int(t.duration)
        opts.data_size_out, opts.ctx_size_out = int(t.data_size_out), int(t.ctx_size_out)
        if data_out is not None:
            _deliver(data_out.raw[: min(opts.data_size_out, len(data_out))], opts.data_out)
        if ctx_out is not None:
            _deliver(ctx_out.raw[: min(opts.ctx_size_out, len(ctx_out))], opts.ctx_out)


def bpf_prog_get_next_id(start_id: int, *, backend: Backend | None = None) -> int:
    """BPF_PROG_GET_NEXT_ID: the smallest program id above ``start_id`` (ENOENT when none)."""
    attr = uapi.bpf_attr()
    attr.start_id = start_id
    _call(uapi.BPF_PROG_GET_NEXT_ID, attr, backend)
    return int(attr.next_id)


def bpf_prog_get_fd_by_id(prog_id: int, *, backend: Backend | None = None) -> int:
    """BPF_PROG_GET_FD_BY_ID: a new fd for the program with ``prog_id``."""
    attr = uapi.bpf_attr()
    attr.prog_id = prog_id
    return _call(uapi.BPF_PROG_GET_FD_BY_ID, attr, backend)


def bpf_prog_get_info_by_fd(
    fd: int, info: uapi.bpf_prog_info | None = None, *, backend: Backend | None = None
) -> uapi.bpf_prog_info:
    """``bpf_prog_info`` of the program ``fd``.  Pointers and capacities the caller put in ``info``
    (``xlated_prog_insns`` + ``xlated_prog_len``, ``map_ids`` + ``nr_map_ids``) are filled as in C."""
    info = info if info is not None else uapi.bpf_prog_info()
    bpf_obj_get_info_by_fd(fd, info, backend=backend)
    return info


def bpf_prog_bind_map(prog_fd: int, map_fd: int, *, flags: int = 0, backend: Backend | None = None) -> None:
    """BPF_PROG_BIND_MAP: the program holds the map (listed in its ``map_ids``) without using it."""
    attr = uapi.bpf_attr()
    attr.prog_bind_map.prog_fd, attr.prog_bind_map.map_fd = prog_fd, map_fd
    attr.prog_bind_map.flags = flags
    _call(uapi.BPF_PROG_BIND_MAP, attr, backend)


def bpf_enable_stats(stats_type: int = uapi.BPF_STATS_RUN_TIME, *, backend: Backend | None = None) -> int:
    """BPF_ENABLE_STATS: an fd keeping programs' run statistics on until it is closed."""
    attr = uapi.bpf_attr()
    attr.enable_stats.type = stats_type
    return _call(uapi.BPF_ENABLE_STATS, attr, backend)


def bpf_prog_attach(prog_fd: int, target_fd: int, attach_type: int, flags: int = 0, *,
                    replace_prog_fd: int = 0, backend: Backend | None = None) -> None:  # fmt: skip
    """BPF_PROG_ATTACH (libbpf's ``bpf_prog_attach_opts``): ``prog_fd`` to ``target_fd`` at
    ``attach_type``."""
    attr = uapi.bpf_attr()
    attr.target_fd, attr.attach_bpf_fd, attr.attach_type = target_fd, prog_fd, attach_type
    attr.attach_flags, attr.replace_bpf_fd = flags, replace_prog_fd
    _call(uapi.BPF_PROG_ATTACH, attr, backend)


def bpf_prog_detach2(
    prog_fd: int, target_fd: int, attach_type: int, *, backend: Backend | None = None
) -> None:
    """BPF_PROG_DETACH of the program ``prog_fd`` from ``target_fd`` at ``attach_type``."""
    attr = uapi.bpf_attr()
    attr.target_fd, attr.attach_bpf_fd, attr.attach_type = target_fd, prog_fd, attach_type
    _call(uapi.BPF_PROG_DETACH, attr, backend)


def bpf_prog_query(target_fd: int, attach_type: int, query_flags: int = 0, *, max_progs: int = 64,
                   backend: Backend | None = None) -> tuple[int, list[int]]:  # fmt: skip
    """BPF_PROG_QUERY: (attach_flags, the ids of the programs attached), room for ``max_progs`` ids."""
    ids = (ctypes.c_uint32 * max(max_progs, 1))()
    attr = uapi.bpf_attr()
    attr.query.target_fd, attr.query.attach_type, attr.query.query_flags = target_fd, attach_type, query_flags
    attr.query.prog_ids, attr.query.prog_cnt = ctypes.addressof(ids), max_progs
    _call(uapi.BPF_PROG_QUERY, attr, backend)
    return attr.query.attach_flags, list(ids[: min(attr.query.prog_cnt, max_progs)])


# --- BTF ----------------------------------------------------------------------------------------
def bpf_btf_load(btf_data: Buffer, *, log_buf: Buffer | None = None, log_size: int = 0, log_level: int = 0,
                 btf_flags: int = 0, token_fd: int = 0, backend: Backend | None = None) -> int:  # fmt: skip
    """BPF_BTF_LOAD the raw BTF ``btf_data``; returns the (read-only) BTF fd.

    As libbpf's ``bpf_btf_load(btf_data, btf_size, opts)``: ``log_buf`` receives the BTF verifier log
    (``log_size`` defaults to its size); with ``log_level`` but no buffer one of 64 KiB is used.  On
    failure the ``BPFError`` carries the log as ``.log``.
    """
    data = _in_buffer(btf_data)
    if log_buf is not None and not log_size:
        log_size = _writable_size(log_buf)
    if log_level and log_buf is None and not log_size:
        log_size = 1 << 16
    log = _out_buffer(log_size) if log_size else None
    attr = uapi.bpf_attr()
    attr.btf, attr.btf_size = ctypes.addressof(data), _writable_size(btf_data)
    attr.btf_log_level, attr.btf_flags, attr.btf_token_fd = log_level, btf_flags, token_fd
    if log is not None:
        attr.btf_log_buf, attr.btf_log_size = ctypes.addressof(log), log_size
    try:
        return _call(uapi.BPF_BTF_LOAD, attr, backend)
    except BPFError as exc:
        exc.log = log.value.decode(errors="replace") if log is not None else ""
        raise
    finally:
        if log is not None and log_buf is not None:
            _deliver(log.raw, log_buf)


def bpf_btf_get_fd_by_id(btf_id: int, open_flags: int = 0, *, backend: Backend | None = None) -> int:
    """BPF_BTF_GET_FD_BY_ID: a new read-only fd for the BTF object ``btf_id``."""
    attr = uapi.bpf_attr()
    attr.btf_id, attr.open_flags = btf_id, open_flags
    return _call(uapi.BPF_BTF_GET_FD_BY_ID, attr, backend)


def bpf_btf_get_next_id(start_id: int, *, backend: Backend | None = None) -> int:
    """BPF_BTF_GET_NEXT_ID: the smallest BTF id above ``start_id`` (ENOENT when none)."""
    attr = uapi.bpf_attr()
    attr.start_id = start_id
    _call(uapi.BPF_BTF_GET_NEXT_ID, attr, backend)
    return int(attr.next_id)


def bpf_btf_get_info_by_fd(fd: int, info: uapi.bpf_btf_info | None = None, *,
                           backend: Backend | None = None) -> uapi.bpf_btf_info:  # fmt: skip
    """BPF_OBJ_GET_INFO_BY_FD for a BTF fd (``btf``/``name`` pointers in ``info`` are honoured)."""
    info = info if info is not None else uapi.bpf_btf_info()
    bpf_obj_get_info_by_fd(fd, info, backend=backend)
    return info


def btf_load_from_kernel_by_id(btf_id: int, *, backend: Backend | None = None) -> BTF:
    """libbpf's ``btf__load_from_kernel_by_id``: BPF_BTF_GET_FD_BY_ID, the raw data through
    BPF_OBJ_GET_INFO_BY_FD (size first, then the bytes), parsed (``BTFError`` for bad data)."""
    from pybpf.elf.loader import btf_by_id  # the ELF loader: imported when a BTF by id is asked for

    return btf_by_id(backend if backend is not None else get_backend(), btf_id)


def libbpf_find_prog_btf_id(name: str, attach_prog_fd: int, *, backend: Backend | None = None) -> int:
    """libbpf's ``libbpf_find_prog_btf_id``: the BTF id of function ``name`` of the loaded program
    ``attach_prog_fd`` (an freplace target)."""
    from pybpf.elf.loader import find_prog_btf_id

    return find_prog_btf_id(backend if backend is not None else get_backend(), attach_prog_fd, name)


# --- links ---------------------------------------------------------------------------------------
def bpf_link_create(prog_fd: int, target_fd: int, attach_type: int, *, target_btf_id: int = 0,
                    iter_info: ctypes.Structure | ctypes.Union | None = None, flags: int = 0,
                    backend: Backend | None = None) -> int:  # fmt: skip
    """BPF_LINK_CREATE: a link fd.  pybpf links freplace programs (``target_btf_id`` names the
    replaced function of the program ``target_fd``; both 0 for the load-time target), iterator
    programs (BPF_TRACE_ITER, ``iter_info`` a ``union bpf_iter_link_info``) and struct_ops maps
    (BPF_STRUCT_OPS: ``prog_fd`` is the map's fd, as libbpf passes it)."""
    attr = uapi.bpf_attr()
    attr.link_create.prog_fd, attr.link_create.target_fd = prog_fd, target_fd
    attr.link_create.attach_type, attr.link_create.flags = attach_type, flags
    if iter_info is not None:
        attr.link_create.iter_info = ctypes.addressof(iter_info)
        attr.link_create.iter_info_len = ctypes.sizeof(iter_info)
    else:
        attr.link_create.target_btf_id = target_btf_id
    return _call(uapi.BPF_LINK_CREATE, attr, backend)


def bpf_link_get_next_id(start_id: int, *, backend: Backend | None = None) -> int:
    """BPF_LINK_GET_NEXT_ID: the smallest link id above ``start_id`` (ENOENT when none)."""
    attr = uapi.bpf_attr()
    attr.start_id = start_id
    _call(uapi.BPF_LINK_GET_NEXT_ID, attr, backend)
    return int(attr.next_id)


def bpf_link_get_fd_by_id(link_id: int, *, backend: Backend | None = None) -> int:
    """BPF_LINK_GET_FD_BY_ID: a new fd for the link with ``link_id``."""
    attr = uapi.bpf_attr()
    attr.link_id = link_id
    return _call(uapi.BPF_LINK_GET_FD_BY_ID, attr, backend)


def bpf_link_get_info_by_fd(
    fd: int, info: uapi.bpf_link_info | None = None, *, backend: Backend | None = None
) -> uapi.bpf_link_info:
    """``bpf_link_info`` of the link ``fd`` (an iterator's ``iter.target_name`` buffer is honoured)."""
    info = info if info is not None else uapi.bpf_link_info()
    bpf_obj_get_info_by_fd(fd, info, backend=backend)
    return info


def bpf_link_detach(fd: int, *, backend: Backend | None = None) -> None:
    """BPF_LINK_DETACH: the link stays, its attachment goes (EOPNOTSUPP for types without detach)."""
    attr = uapi.bpf_attr()
    attr.link_detach.link_fd = fd
    _call(uapi.BPF_LINK_DETACH, attr, backend)


def bpf_link_update(
    fd: int, new_fd: int, *, flags: int = 0, old_fd: int = 0, backend: Backend | None = None
) -> None:
    """BPF_LINK_UPDATE: the link's program (or a struct_ops link's map) becomes ``new_fd``; with
    BPF_F_REPLACE only if it is ``old_fd``'s."""
    attr = uapi.bpf_attr()
    attr.link_update.link_fd, attr.link_update.new_prog_fd = fd, new_fd
    attr.link_update.flags, attr.link_update.old_prog_fd = flags, old_fd
    _call(uapi.BPF_LINK_UPDATE, attr, backend)


def bpf_iter_create(link_fd: int, *, backend: Backend | None = None) -> int:
    """BPF_ITER_CREATE: an fd whose reads yield the iterator link's output."""
    attr = uapi.bpf_attr()
    attr.iter_create.link_fd = link_fd
    return _call(uapi.BPF_ITER_CREATE, attr, backend)


def bpf_raw_tracepoint_open(name: str | None, prog_fd: int, *, backend: Backend | None = None) -> int:
    """BPF_RAW_TRACEPOINT_OPEN: a link fd (an freplace program to its load-time target: no name)."""
    attr = uapi.bpf_attr()
    keep = ctypes.create_string_buffer(name.encode()) if name is not None else None
    attr.raw_tracepoint.name = ctypes.addressof(keep) if keep is not None else 0
    attr.raw_tracepoint.prog_fd = prog_fd
    return _call(uapi.BPF_RAW_TRACEPOINT_OPEN, attr, backend)
