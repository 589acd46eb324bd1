"""Maps described by BTF: BPF_MAP_CREATE with btf_fd + key/value type ids (``map_check_btf``),
``struct bpf_spin_lock`` detection, BPF_F_LOCK lookups and updates (element and batch), and the
BTF ids in ``bpf_map_info`` — every case on the user backend and on the real kernel."""

from __future__ import annotations

import ctypes
import errno
import os
import struct

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.uapi import ENOTSUPP
from tests.btf.btfcases import (
    ARRAY,
    DATASEC,
    I32,
    SPIN_LOCK,
    STRUCT,
    TYPEDEF,
    VAR,
    blob,
    int_type,
    member,
    t,
    u32,
)

TYPES = (
    I32  # 1 int
    + SPIN_LOCK  # 2 struct bpf_spin_lock
    + t("val", STRUCT, 2, sot=16) + member("a", 2, 0) + member("b", 1, 64)  # 3 {lock; int b @8}
    + int_type(8, 64, 0, "long")  # 4
    + t("s", STRUCT, 2, sot=8) + member("a", 1, 0) + member("b", 1, 32)  # 5 plain
    + t("s", STRUCT, 2, sot=8) + member("a", 1, 0) + member("f", 2, 32)  # 6 lock at 4
    + t("long", TYPEDEF, sot=3)  # 7 typedef of 3
    + t("s", STRUCT, 1, sot=16) + member("a", 3, 0)  # 8 nested lock
    + t("", ARRAY) + u32(3, 1, 2)  # 9 struct val[2]
    + t("s", STRUCT, 1, sot=32) + member("a", 9, 0)  # 10 array of lock-holding structs
    + t("val", VAR, sot=1) + u32(1)  # 11
    + t(".data", DATASEC, 1, sot=4) + u32(11, 0, 4)  # 12
    # btf_parse_fields() fails on a member not on a byte boundary (a bitfield): the kernel keeps the
    # error as the map's record, a map without special fields, and creates the map
    + t("s", STRUCT, 3, kf=1, sot=8) + member("a", 1, 3 << 24) + member("b", 1, 5 << 24 | 3)
    + member("f", 1, 32)  # 13 {int a:3, b:5; int f}
    + t("s", STRUCT, 3, kf=1, sot=20) + member("f", 8, 0) + member("a", 1, 3 << 24 | 128)
    + member("b", 1, 5 << 24 | 131)  # 14 {struct 8 (a lock inside); int a:3, b:5}: the lock is lost
    + t("", STRUCT, 0)  # 15 unused
    + t("val", VAR, sot=13) + u32(1)  # 16
    + t(".data", DATASEC, 1, sot=8) + u32(16, 0, 8)  # 17 a global struct with bitfields
)  # fmt: skip
BTF = blob(TYPES)

H, A = uapi.BPF_MAP_TYPE_HASH, uapi.BPF_MAP_TYPE_ARRAY
PH, PA, LRU = uapi.BPF_MAP_TYPE_PERCPU_HASH, uapi.BPF_MAP_TYPE_PERCPU_ARRAY, uapi.BPF_MAP_TYPE_LRU_HASH
Q, ST, BL = uapi.BPF_MAP_TYPE_QUEUE, uapi.BPF_MAP_TYPE_STACK, uapi.BPF_MAP_TYPE_BLOOM_FILTER
LPM, NP = uapi.BPF_MAP_TYPE_LPM_TRIE, uapi.BPF_F_NO_PREALLOC

# name: (map_type, key_size, value_size, max_entries, map_flags, key_id, value_id, expected errno)
CREATE_CASES = {
    "hash_lock": (H, 4, 16, 4, 0, 1, 3, 0),
    "array_lock": (A, 4, 16, 4, 0, 1, 3, 0),
    "array_keyless": (A, 4, 16, 4, 0, 0, 3, errno.EINVAL),
    "hash_keyless": (H, 4, 16, 4, 0, 0, 3, errno.EINVAL),
    "key_size_mismatch": (H, 4, 16, 4, 0, 4, 3, errno.EINVAL),
    "value_size_mismatch": (H, 4, 24, 4, 0, 1, 3, errno.EINVAL),
    "value_id_missing": (H, 4, 16, 4, 0, 1, 999, errno.EINVAL),
    "key_id_missing": (H, 4, 16, 4, 0, 999, 3, errno.EINVAL),
    "value_is_func_less_void": (H, 4, 16, 4, 0, 1, 0, errno.EINVAL),
    "nested_lock": (H, 4, 16, 4, 0, 1, 8, 0),
    "typedef_value": (H, 4, 16, 4, 0, 1, 7, 0),
    "lock_at_4": (A, 4, 8, 4, 0, 1, 6, 0),
    "array_of_lock_structs": (H, 4, 32, 4, 0, 1, 10, 0),  # created, without a lock (see below)
    "percpu_hash_lock": (PH, 4, 16, 4, 0, 1, 3, errno.EOPNOTSUPP),
    "percpu_array_lock": (PA, 4, 16, 4, 0, 1, 3, errno.EOPNOTSUPP),
    "lru_lock": (LRU, 4, 16, 4, 0, 1, 3, errno.EOPNOTSUPP),
    "rdonly_prog_lock": (H, 4, 16, 4, uapi.BPF_F_RDONLY_PROG, 1, 3, errno.EACCES),
    "wronly_prog_plain": (H, 4, 8, 4, uapi.BPF_F_WRONLY_PROG, 1, 5, 0),
    "array_struct_key": (A, 4, 16, 4, 0, 2, 3, errno.EINVAL),
    "array_int_key": (A, 4, 8, 4, 0, 1, 5, 0),
    "array_datasec_keyless": (A, 4, 4, 1, 0, 0, 12, 0),
    "array_datasec_keyless_two": (A, 4, 4, 2, 0, 0, 12, errno.EINVAL),
    "percpu_array_plain": (PA, 4, 8, 4, 0, 1, 5, 0),
    "lru_plain": (LRU, 8, 8, 4, 0, 4, 5, 0),
    "queue_btf": (Q, 0, 4, 4, 0, 0, 1, errno.EINVAL),
    "stack_lock": (ST, 0, 16, 4, 0, 0, 3, errno.EINVAL),
    "prog_array_keyed": (uapi.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 1, 1, 0),
    "prog_array_keyless": (uapi.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0, 1, errno.EINVAL),
    "perf_event_array": (uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0, 1, 1, ENOTSUPP),
    "bloom_keyless": (BL, 0, 4, 4, 0, 0, 1, 0),
    "lpm_struct_key": (LPM, 8, 4, 4, NP, 5, 1, 0),
    "lpm_int_key": (LPM, 8, 4, 4, NP, 4, 1, errno.EINVAL),
    "bitfield_value": (H, 4, 8, 4, 0, 1, 13, 0),
    "lock_then_bitfield": (H, 4, 20, 4, 0, 1, 14, 0),
    "lock_then_bitfield_percpu": (PH, 4, 20, 4, 0, 1, 14, 0),  # no lock left to refuse
    "lock_then_bitfield_rdonly_prog": (H, 4, 20, 4, uapi.BPF_F_RDONLY_PROG, 1, 14, 0),
    "datasec_bitfield": (A, 4, 8, 1, 0, 0, 17, 0),
}


def _load_btf(backend: Backend, data: bytes = BTF) -> int:
    buf = ctypes.create_string_buffer(data)
    attr = uapi.bpf_attr()
    attr.btf, attr.btf_size = ctypes.addressof(buf), len(data)
    return backend.bpf(uapi.BPF_BTF_LOAD, attr)


def _create(backend: Backend, btf_fd: int, case: tuple[int, ...]) -> int:
    map_type, key_size, value_size, max_entries, flags, key_id, value_id = case[:7]
    attr = uapi.bpf_attr()
    attr.map_type, attr.key_size, attr.value_size, attr.max_entries = (
        map_type,
        key_size,
        value_size,
        max_entries,
    )
    attr.map_flags = flags
    attr.btf_fd, attr.btf_key_type_id, attr.btf_value_type_id = btf_fd, key_id, value_id
    return backend.bpf(uapi.BPF_MAP_CREATE, attr)


@pytest.fixture
def btf_fd(backend: Backend) -> int:
    fd = _load_btf(backend)
    yield fd
    os.close(fd)


@pytest.mark.parametrize("name", sorted(CREATE_CASES))
def test_create_with_btf(backend: Backend, btf_fd: int, name: str) -> None:
    case = CREATE_CASES[name]
    expected = case[7]
    try:
        fd = _create(backend, btf_fd, case)
    except BPFError as exc:
        assert exc.errno == expected, f"{name}: {exc}"
        return
    os.close(fd)
    assert expected == 0, f"{name}: created, expected errno {expected}"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("hash_lock", ENOTSUPP), ("array_lock", ENOTSUPP), ("array_int_key", 0), ("lock_then_bitfield", 0)],
)
def test_freeze_refuses_values_with_a_spin_lock(
    backend: Backend, btf_fd: int, name: str, expected: int
) -> None:
    """``map_freeze``: a map whose values hold special fields (a bpf_spin_lock) cannot be frozen."""
    fd = _create(backend, btf_fd, CREATE_CASES[name])
    try:
        attr = uapi.bpf_attr()
        attr.map_fd = fd
        try:
            backend.bpf(uapi.BPF_MAP_FREEZE, attr)
            result = 0
        except OSError as exc:
            result = exc.errno or 0
        assert result == expected
    finally:
        os.close(fd)


def test_btf_fd_without_type_ids_is_ignored(backend: Backend) -> None:
    fd = _create(backend, 0x7FFF, (A, 4, 8, 1, 0, 0, 0))
    os.close(fd)


def test_bad_btf_fds(backend: Backend, btf_fd: int) -> None:
    with pytest.raises(BPFError) as info:
        _create(backend, 0x7FFF, (A, 4, 8, 1, 0, 1, 5))
    assert info.value.errno == errno.EBADF
    with pytest.raises(BPFError) as info:
        _create(backend, 0, (A, 4, 8, 1, 0, 1, 5))  # stdin: not a BTF
    assert info.value.errno == errno.EINVAL
    with pytest.raises(BPFError) as info:
        _create(backend, btf_fd, (A, 4, 8, 1, 0, 1, 0))  # key id without a value id
    assert info.value.errno == errno.EINVAL


def _map_info(backend: Backend, fd: int) -> uapi.bpf_map_info:
    info = uapi.bpf_map_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = fd, ctypes.sizeof(info), ctypes.addressof(info)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return info


def _btf_id(backend: Backend, fd: int) -> int:
    info = uapi.bpf_btf_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = fd, ctypes.sizeof(info), ctypes.addressof(info)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return int(info.id)


def test_map_info_reports_btf(backend: Backend, btf_fd: int) -> None:
    fd = _create(backend, btf_fd, CREATE_CASES["hash_lock"])
    try:
        info = _map_info(backend, fd)
        assert (info.btf_id, info.btf_key_type_id, info.btf_value_type_id) == (_btf_id(backend, btf_fd), 1, 3)
    finally:
        os.close(fd)
    plain = _create(backend, 0, (A, 4, 8, 1, 0, 0, 0))
    try:
        info = _map_info(backend, plain)
        assert (info.btf_id, info.btf_key_type_id, info.btf_value_type_id) == (0, 0, 0)
    finally:
        os.close(plain)


def test_map_keeps_its_btf_alive(backend: Backend) -> None:
    btf = _load_btf(backend)
    btf_id = _btf_id(backend, btf)
    fd = _create(backend, btf, CREATE_CASES["array_lock"])
    os.close(btf)
    try:
        attr = uapi.bpf_attr()
        attr.btf_id = btf_id
        again = backend.bpf(uapi.BPF_BTF_GET_FD_BY_ID, attr)  # still there: the map holds it
        os.close(again)
    finally:
        os.close(fd)


# --- BPF_F_LOCK ----------------------------------------------------------------------------------
def _elem(backend: Backend, cmd: int, fd: int, key: bytes, value: bytes, flags: int = 0) -> bytes:  # noqa: PLR0917
    kbuf = ctypes.create_string_buffer(key, len(key))
    vbuf = ctypes.create_string_buffer(bytes(value), len(value))
    attr = uapi.bpf_attr()
    attr.map_fd, attr.key, attr.value, attr.flags = fd, ctypes.addressof(kbuf), ctypes.addressof(vbuf), flags
    backend.bpf(cmd, attr)
    return vbuf.raw


def _value(lock: int, b: int, pad: int = 0) -> bytes:
    return struct.pack("<IIiI", lock, pad, b, 0)


@pytest.mark.parametrize("map_type", [H, A])
def test_lock_word_never_copied(backend: Backend, btf_fd: int, map_type: int) -> None:
    fd = _create(backend, btf_fd, (map_type, 4, 16, 4, 0, 1, 3))
    key = struct.pack("<I", 1)
    L, U = uapi.BPF_MAP_LOOKUP_ELEM, uapi.BPF_MAP_UPDATE_ELEM
    try:
        for flags in (uapi.BPF_ANY, uapi.BPF_F_LOCK, uapi.BPF_F_LOCK | uapi.BPF_EXIST):
            _elem(backend, U, fd, key, _value(0xDEADBEEF, 7 + flags, 0x55), flags)
            for lookup_flags in (0, uapi.BPF_F_LOCK):
                got = _elem(backend, L, fd, key, bytes(16), lookup_flags)
                assert got == _value(0, 7 + flags, 0x55), (flags, lookup_flags, got.hex())
    finally:
        os.close(fd)


def test_lock_flag_errors(backend: Backend, btf_fd: int) -> None:
    key = struct.pack("<I", 1)
    L, U = uapi.BPF_MAP_LOOKUP_ELEM, uapi.BPF_MAP_UPDATE_ELEM
    plain = _create(backend, btf_fd, (H, 4, 8, 4, 0, 1, 5))
    locked = _create(backend, btf_fd, (H, 4, 16, 4, 0, 1, 3))
    array = _create(backend, btf_fd, (A, 4, 16, 4, 0, 1, 3))
    try:
        for cmd, value in ((L, bytes(8)), (U, bytes(8))):
            with pytest.raises(BPFError) as info:
                _elem(backend, cmd, plain, key, value, uapi.BPF_F_LOCK)
            assert info.value.errno == errno.EINVAL
        with pytest.raises(BPFError) as info:  # BPF_F_LOCK | BPF_EXIST of an absent key
            _elem(backend, U, locked, key, _value(0, 1), uapi.BPF_F_LOCK | uapi.BPF_EXIST)
        assert info.value.errno == errno.ENOENT
        _elem(backend, U, locked, key, _value(0, 1), uapi.BPF_F_LOCK | uapi.BPF_NOEXIST)
        with pytest.raises(BPFError) as info:
            _elem(backend, U, locked, key, _value(0, 2), uapi.BPF_F_LOCK | uapi.BPF_NOEXIST)
        assert info.value.errno == errno.EEXIST
        with pytest.raises(BPFError) as info:
            _elem(backend, L, locked, struct.pack("<I", 9), bytes(16), uapi.BPF_F_LOCK)
        assert info.value.errno == errno.ENOENT
        with pytest.raises(BPFError) as info:
            _elem(backend, U, array, struct.pack("<I", 9), _value(0, 1), uapi.BPF_F_LOCK)
        assert info.value.errno == errno.E2BIG
        with pytest.raises(BPFError) as info:
            _elem(backend, U, array, key, _value(0, 1), uapi.BPF_F_LOCK | uapi.BPF_NOEXIST)
        assert info.value.errno == errno.EEXIST
        with pytest.raises(BPFError) as info:
            _elem(backend, L, locked, key, bytes(16), uapi.BPF_F_LOCK | 8)
        assert info.value.errno == errno.EINVAL
    finally:
        for fd in (plain, locked, array):
            os.close(fd)


def _batch(backend: Backend, cmd: int, fd: int, keys: bytes, values: bytes, *, count: int,
           elem_flags: int) -> tuple[int, bytes, bytes]:  # fmt: skip
    kbuf = ctypes.create_string_buffer(keys, max(len(keys), 1))
    vbuf = ctypes.create_string_buffer(values, max(len(values), 1))
    out = ctypes.create_string_buffer(8)
    attr = uapi.bpf_attr()
    b = attr.batch
    b.map_fd, b.keys, b.values, b.count, b.elem_flags = (
        fd,
        ctypes.addressof(kbuf),
        ctypes.addressof(vbuf),
        count,
        elem_flags,
    )
    b.out_batch = ctypes.addressof(out)
    try:
        backend.bpf(cmd, attr)
    except BPFError as exc:
        if exc.errno != errno.ENOENT:
            raise
    return attr.batch.count, kbuf.raw, vbuf.raw


@pytest.mark.parametrize("map_type", [H, A])
def test_batch_with_lock(backend: Backend, btf_fd: int, map_type: int) -> None:
    fd = _create(backend, btf_fd, (map_type, 4, 16, 4, 0, 1, 3))
    plain = _create(backend, btf_fd, (map_type, 4, 8, 4, 0, 1, 5))
    try:
        keys = struct.pack("<2I", 0, 1)
        values = _value(0xFFFF, 5) + _value(0x1234, 6)
        count, _, _ = _batch(
            backend, uapi.BPF_MAP_UPDATE_BATCH, fd, keys, values, count=2, elem_flags=uapi.BPF_F_LOCK
        )
        assert count == 2
        with pytest.raises(BPFError) as info:
            _batch(
                backend,
                uapi.BPF_MAP_UPDATE_BATCH,
                plain,
                keys,
                bytes(16),
                count=2,
                elem_flags=uapi.BPF_F_LOCK,
            )
        assert info.value.errno == errno.EINVAL
        lookup = uapi.BPF_MAP_LOOKUP_BATCH
        count, got_keys, got_values = _batch(
            backend, lookup, fd, bytes(16), bytes(64), count=4, elem_flags=uapi.BPF_F_LOCK
        )
        found = {
            struct.unpack_from("<I", got_keys, 4 * i)[0]: got_values[16 * i : 16 * i + 16]
            for i in range(count)
        }
        assert found[0] == _value(0, 5) and found[1] == _value(0, 6)
    finally:
        os.close(fd)
        os.close(plain)


def test_pybpf_map_locked_read_modify_write(backend: Backend, btf_fd: int) -> None:
    """``Map.locked()``: the map's shared mutex held around a read-modify-write (user backend)."""
    from pybpf.map import Map

    fd = _create(backend, btf_fd, (A, 4, 16, 1, 0, 1, 3))
    m = Map(fd, backend=backend)
    try:
        if backend.name != "user":
            with pytest.raises(BPFError) as info, m.locked():
                pass
            assert info.value.errno == errno.EOPNOTSUPP
            return
        for _ in range(5):
            with m.locked() as view:
                value = view[0]
                view[0] = value[:8] + struct.pack("<q", struct.unpack_from("<q", value, 8)[0] + 1)
        assert struct.unpack_from("<q", m[0], 8)[0] == 5
        with m.locked(), pytest.raises(RuntimeError):
            m.lookup(0)  # the Map itself would take the mutex again
    finally:
        m.close()


PROGRAM_LOCKED_UPDATE = """
    r1 = 1
    *(u32 *)(r10 - 4) = r1
    r1 = 0x11223344
    *(u32 *)(r10 - 24) = r1
    r1 = 0x55
    *(u32 *)(r10 - 20) = r1
    r1 = 77
    *(u64 *)(r10 - 16) = r1
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -24
    r4 = {flags}
    call bpf_map_update_elem
    exit
"""


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("map_type", [H, A])
@pytest.mark.parametrize("flags", [0, uapi.BPF_F_LOCK])
def test_program_update_skips_the_lock_word(backend: Backend, btf_fd: int, map_type: int, flags: int) -> None:
    """``bpf_map_update_elem`` from a program (with and without BPF_F_LOCK) never writes the lock word."""
    from pybpf.program import Program

    fd = _create(backend, btf_fd, (map_type, 4, 16, 4, 0, 1, 3))
    plain = _create(backend, btf_fd, (map_type, 4, 8, 4, 0, 1, 5))
    try:
        with Program.load(
            PROGRAM_LOCKED_UPDATE.format(flags=flags), "xdp", maps={"m": fd}, backend=backend
        ) as p:
            assert p.run(bytes(64)).retval == 0
        got = _elem(backend, uapi.BPF_MAP_LOOKUP_ELEM, fd, struct.pack("<I", 1), bytes(16))
        assert got == struct.pack("<IIQ", 0, 0x55, 77)
        source = PROGRAM_LOCKED_UPDATE.format(flags=uapi.BPF_F_LOCK)
        with Program.load(source, "xdp", maps={"m": plain}, backend=backend) as p:  # no lock: -EINVAL
            assert p.run(bytes(64)).retval & 0xFFFFFFFF == (-errno.EINVAL) & 0xFFFFFFFF
    finally:
        os.close(fd)
        os.close(plain)


def test_lookup_and_delete_with_lock(backend: Backend, btf_fd: int) -> None:
    fd = _create(backend, btf_fd, (H, 4, 16, 4, 0, 1, 3))
    plain = _create(backend, btf_fd, (H, 4, 8, 4, 0, 1, 5))
    array = _create(backend, btf_fd, (A, 4, 16, 4, 0, 1, 3))
    key = struct.pack("<I", 2)
    LD = uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM
    try:
        _elem(backend, uapi.BPF_MAP_UPDATE_ELEM, fd, key, _value(0xAB, 9, 3))
        assert _elem(backend, LD, fd, key, bytes(16), uapi.BPF_F_LOCK) == _value(0, 9, 3)
        with pytest.raises(BPFError) as info:
            _elem(backend, LD, fd, key, bytes(16), uapi.BPF_F_LOCK)
        assert info.value.errno == errno.ENOENT
        _elem(backend, uapi.BPF_MAP_UPDATE_ELEM, plain, key, bytes(8))
        with pytest.raises(BPFError) as info:
            _elem(backend, LD, plain, key, bytes(8), uapi.BPF_F_LOCK)
        assert info.value.errno == errno.EINVAL
        with pytest.raises(BPFError) as info:
            _elem(backend, LD, array, key, bytes(16), uapi.BPF_F_LOCK)
        assert info.value.errno == ENOTSUPP
    finally:
        for each in (fd, plain, array):
            os.close(each)
