"""BPF_MAP_TYPE_STRUCT_OPS from user space, on both backends.

Every expectation below is the kernel's answer (measured on Linux 6.18), asserted on pybpf and on the
kernel: creation (the value type id, key, entries, flags, value size and the program's BTF), updates
of bpf_dummy_ops (the kernel's test type, which never registers) and of tcp_congestion_ops (holes,
the state and refcnt fields, the owner, the name and flags, the required operations, programs of
the wrong struct or member, closed fds, a name the kernel or another map has, EBUSY), lookups
(state INIT, INUSE, TOBEFREE, READY with the programs' ids), deletes and the next key.  The
registration is the kernel's own on the native backend: every tcp_congestion_ops name is unique to
the test run and unregistered by the test.  BPF_LINK_CREATE of a struct_ops map is not modelled.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
import time
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.btf import BTF, Int, encode_btf
from pybpf.btf.kinds import Kind
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend
from pybpf.verifier.kernel_btf import vmlinux_btf

STRUCT_OPS = uapi.BPF_MAP_TYPE_STRUCT_OPS
ENOTSUPP = 524
DATA = 64
"""Where the struct lies in the value (``bpf_struct_ops_common_value`` is cache-line aligned)."""
_NAME = f"pyb{os.getpid() % 1000000}"
"""A tcp_congestion_ops name of this run (the kernel's registry is global)."""


def _type_id(name: str) -> int:
    btf = vmlinux_btf()
    found = [i for i in btf.ids_by_name(name) if btf[i].kind == Kind.STRUCT] if btf is not None else []
    return found[0] if found else 0


def _member_offset(struct_name: str, member: str) -> int:
    btf = vmlinux_btf()
    assert btf is not None
    return int(btf.get(struct_name, Kind.STRUCT).member(member).byte_offset)  # type: ignore[union-attr]


pytestmark = pytest.mark.skipif(
    not _type_id("bpf_struct_ops_tcp_congestion_ops") or not _type_id("bpf_struct_ops_bpf_dummy_ops"),
    reason="needs the running kernel's BTF with tcp_congestion_ops and bpf_dummy_ops",
)


def _call(backend: Backend, cmd: int, attr: uapi.bpf_attr) -> int:
    """The command's result, or minus its errno."""
    try:
        return backend.bpf(cmd, attr)
    except BPFError as exc:
        return -(exc.errno or 0)


class Harness:
    """Struct_ops maps and programs on one backend; everything it creates is closed at the end."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.fds: list[int] = []
        raw = encode_btf(BTF((Int("int", 4, 1, 0, 32),)))
        blob = ctypes.create_string_buffer(raw, len(raw))
        attr = uapi.bpf_attr()
        attr.btf, attr.btf_size = ctypes.addressof(blob), len(raw)
        self.btf_fd = self._keep(backend.bpf(uapi.BPF_BTF_LOAD, attr))

    def _keep(self, fd: int) -> int:
        if fd > 0:
            self.fds.append(fd)
        return fd

    def close(self) -> None:
        for fd in reversed(self.fds):
            os.close(fd)

    def create(
        self, value_type: str, value_size: int, *, key: int = 4, entries: int = 1, flags: int = 0,
        map_type: int = STRUCT_OPS, btf: bool = True, value_type_id: int | None = None,
    ) -> int:  # fmt: skip
        attr = uapi.bpf_attr()
        attr.map_type, attr.key_size, attr.value_size = map_type, key, value_size
        attr.max_entries, attr.map_flags = entries, flags
        attr.btf_vmlinux_value_type_id = _type_id(value_type) if value_type_id is None else value_type_id
        if btf:
            attr.btf_fd = self.btf_fd
        return self._keep(_call(self.backend, uapi.BPF_MAP_CREATE, attr))

    def prog(self, struct_name: str, member: int, text: str = "r0 = 0\nexit\n") -> int:
        code = encode_program(assemble(text, "kernel"))
        insns, lic = ctypes.create_string_buffer(code, len(code)), ctypes.create_string_buffer(b"GPL")
        attr = uapi.bpf_attr()
        attr.prog_type, attr.expected_attach_type = uapi.BPF_PROG_TYPE_STRUCT_OPS, member
        attr.attach_btf_id = _type_id(struct_name)
        attr.insns, attr.insn_cnt, attr.license = (
            ctypes.addressof(insns),
            len(code) // 8,
            ctypes.addressof(lic),
        )
        fd = self._keep(_call(self.backend, uapi.BPF_PROG_LOAD, attr))
        assert fd > 0
        return fd

    def prog_id(self, fd: int) -> int:
        info = uapi.bpf_prog_info()
        attr = uapi.bpf_attr()
        attr.info.bpf_fd, attr.info.info_len = fd, ctypes.sizeof(info)
        attr.info.info = ctypes.addressof(info)
        self.backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
        return int(info.id)

    def map_info(self, fd: int) -> uapi.bpf_map_info:
        info = uapi.bpf_map_info()
        attr = uapi.bpf_attr()
        attr.info.bpf_fd, attr.info.info_len = fd, ctypes.sizeof(info)
        attr.info.info = ctypes.addressof(info)
        self.backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
        return info

    def _elem(
        self, cmd: int, fd: int, key: int, value: bytes | None = None, flags: int = 0
    ) -> tuple[int, bytes]:
        k = ctypes.create_string_buffer(struct.pack("<I", key), 4)
        v = ctypes.create_string_buffer(value or b"", max(len(value or b""), 1))
        attr = uapi.bpf_attr()
        attr.map_fd, attr.key, attr.flags = fd, ctypes.addressof(k), flags
        if value is not None:
            attr.value = ctypes.addressof(v)
        return _call(self.backend, cmd, attr), v.raw

    def update(self, fd: int, value: bytes, *, key: int = 0, flags: int = 0) -> int:
        return self._elem(uapi.BPF_MAP_UPDATE_ELEM, fd, key, value, flags)[0]

    def lookup(self, fd: int, size: int, *, key: int = 0) -> tuple[int, bytes]:
        return self._elem(uapi.BPF_MAP_LOOKUP_ELEM, fd, key, bytes(size))

    def delete(self, fd: int, *, key: int = 0) -> int:
        return self._elem(uapi.BPF_MAP_DELETE_ELEM, fd, key)[0]

    def next_key(self, fd: int, key: int | None) -> tuple[int, int]:
        k = ctypes.create_string_buffer(struct.pack("<I", key or 0), 4)
        n = ctypes.create_string_buffer(4)
        attr = uapi.bpf_attr()
        attr.map_fd, attr.next_key = fd, ctypes.addressof(n)
        attr.key = ctypes.addressof(k) if key is not None else 0
        return _call(self.backend, uapi.BPF_MAP_GET_NEXT_KEY, attr), struct.unpack("<I", n.raw)[0]


@pytest.fixture
def harness(backend: Backend) -> Iterator[Harness]:
    h = Harness(backend)
    yield h
    h.close()


DUMMY_VALUE, TCP_VALUE = "bpf_struct_ops_bpf_dummy_ops", "bpf_struct_ops_tcp_congestion_ops"


@pytest.mark.parametrize(
    ("value_type", "size", "kwargs", "err"),
    [
        (DUMMY_VALUE, 128, {}, 0),
        (TCP_VALUE, 256, {}, 0),
        (DUMMY_VALUE, 128, {"flags": uapi.BPF_F_LINK}, 0),
        (DUMMY_VALUE, 128, {"key": 8}, errno.EINVAL),
        (DUMMY_VALUE, 128, {"entries": 2}, errno.EINVAL),
        (DUMMY_VALUE, 136, {}, errno.EINVAL),
        (DUMMY_VALUE, 128, {"value_type_id": 0}, errno.EINVAL),
        ("tcp_congestion_ops", 128, {}, ENOTSUPP),
        (DUMMY_VALUE, 128, {"value_type_id": 0x7FFFFFFF}, ENOTSUPP),
        (DUMMY_VALUE, 128, {"flags": uapi.BPF_F_RDONLY}, errno.EINVAL),
        (DUMMY_VALUE, 128, {"btf": False}, errno.EINVAL),
        (DUMMY_VALUE, 128, {"map_type": uapi.BPF_MAP_TYPE_HASH}, errno.EINVAL),
    ],
    ids=[
        "dummy",
        "tcp",
        "link",
        "key_8",
        "two_entries",
        "value_size",
        "no_value_type",
        "struct_not_value",
        "unknown_value_type",
        "rdonly",
        "no_btf_fd",
        "hash_with_value_type",
    ],
)
def test_create(harness: Harness, value_type: str, size: int, kwargs: dict[str, object], err: int) -> None:
    fd = harness.create(value_type, size, **kwargs)  # type: ignore[arg-type]
    assert (0 if fd > 0 else -fd) == err
    if fd > 0:
        assert harness.map_info(fd).btf_vmlinux_value_type_id == _type_id(value_type)


def test_empty_map(harness: Harness) -> None:
    fd = harness.create(DUMMY_VALUE, 128)
    assert harness.lookup(fd, 128) == (0, bytes(128))
    assert harness.lookup(fd, 128, key=1)[0] == -errno.ENOENT
    assert harness.next_key(fd, None) == (0, 0)
    assert harness.next_key(fd, 0)[0] == -errno.ENOENT
    assert harness.next_key(fd, 5) == (0, 0)
    assert harness.delete(fd) == -errno.ENOENT


def _dummy(*slots: tuple[int, int], patch: tuple[int, bytes] | None = None) -> bytes:
    value = bytearray(128)
    for member, fd in slots:
        struct.pack_into("<Q", value, DATA + 8 * member, fd)
    if patch is not None:
        value[patch[0] : patch[0] + len(patch[1])] = patch[1]
    return bytes(value)


def test_dummy_ops_updates(harness: Harness) -> None:
    """The value's fields are checked, then bpf_dummy_ops refuses to register (EOPNOTSUPP)."""
    fd = harness.create(DUMMY_VALUE, 128)
    test_1, test_2 = harness.prog("bpf_dummy_ops", 0), harness.prog("bpf_dummy_ops", 1)
    tcp = harness.prog("tcp_congestion_ops", 0)
    assert harness.update(fd, _dummy(), key=1) == -errno.E2BIG
    assert harness.update(fd, _dummy(), flags=1) == -errno.EINVAL
    assert harness.update(fd, _dummy(patch=(0, b"\1"))) == -errno.EINVAL  # refcnt
    assert harness.update(fd, _dummy(patch=(4, b"\1"))) == -errno.EINVAL  # state
    assert harness.update(fd, _dummy(patch=(10, b"\1"))) == -errno.EINVAL  # a hole
    for value in (_dummy((0, tcp)), _dummy((0, test_2)), _dummy((0, 999)), _dummy((0, test_1), (1, test_2))):
        assert harness.update(fd, value) == -errno.EOPNOTSUPP
    assert harness.lookup(fd, 128) == (0, bytes(128))
    assert harness.delete(fd) == -errno.ENOENT
    link = harness.create(DUMMY_VALUE, 128, flags=uapi.BPF_F_LINK)
    assert harness.update(link, _dummy((0, test_1))) == -errno.EOPNOTSUPP
    assert harness.delete(link) == -errno.EOPNOTSUPP


class Tcp:
    """tcp_congestion_ops values: the programs of its members and the offsets of its fields."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.ssthresh = harness.prog("tcp_congestion_ops", 0)
        self.cong_avoid = harness.prog("tcp_congestion_ops", 1, "exit\n")
        self.undo_cwnd = harness.prog("tcp_congestion_ops", 8)
        members = ("ssthresh", "cong_avoid", "cong_control", "undo_cwnd", "name", "flags", "owner", "key")
        self.off = {m: _member_offset("tcp_congestion_ops", m) for m in members}

    def value(
        self, name: bytes = _NAME.encode(), *, ssthresh: bool = True, undo: bool = True, cong: bool = True,
        flags: int = 0, field: tuple[str, int] | None = None, ssthresh_fd: int | None = None,
    ) -> bytes:  # fmt: skip
        v = bytearray(256)
        if ssthresh:
            struct.pack_into("<Q", v, DATA + self.off["ssthresh"], ssthresh_fd or self.ssthresh)
        if cong:
            struct.pack_into("<Q", v, DATA + self.off["cong_avoid"], self.cong_avoid)
        if undo:
            struct.pack_into("<Q", v, DATA + self.off["undo_cwnd"], self.undo_cwnd)
        v[DATA + self.off["name"] : DATA + self.off["name"] + len(name)] = name
        struct.pack_into("<I", v, DATA + self.off["flags"], flags)
        if field is not None:
            struct.pack_into("<I", v, DATA + self.off[field[0]], field[1])
        return bytes(v)


@pytest.mark.parametrize(
    ("kwargs", "result"),
    [
        ({"name": b""}, -errno.EINVAL),
        ({"name": b"a-b"}, -errno.EINVAL),
        ({"name": b"pyb\xd7x"}, -errno.EINVAL),  # the multiplication sign: no Latin-1 letter
        ({"name": b"a" * 16}, -errno.EINVAL),  # no room for the NUL
        ({"undo": False}, -errno.EINVAL),
        ({"cong": False}, -errno.EINVAL),
        ({"flags": 0x20}, -errno.EINVAL),  # TCP_CONG_MASK is 0x1f
        ({"name": b"cubic"}, -errno.EEXIST),
        ({"name": b"reno"}, -errno.EEXIST),
        ({"field": ("key", 1)}, -errno.EINVAL),
        ({"field": ("owner", 1)}, 1),  # the kernel's leftover error variable: 1 after init_member(name)
        ({"ssthresh_fd": 999}, -errno.EBADF),
    ],
    ids=[
        "no_name",
        "bad_name",
        "latin1_non_letter",
        "name_16_bytes",
        "no_undo_cwnd",
        "no_cong_avoid",
        "flags",
        "cubic",
        "reno",
        "key",
        "owner",
        "closed_fd",
    ],
)
def test_tcp_refused_updates(harness: Harness, kwargs: dict[str, object], result: int) -> None:
    tcp = Tcp(harness)
    fd = harness.create(TCP_VALUE, 256)
    assert harness.update(fd, tcp.value(**kwargs)) == result  # type: ignore[arg-type]
    assert harness.lookup(fd, 256) == (0, bytes(256))  # left empty


def test_tcp_program_of_another_member(harness: Harness) -> None:
    tcp = Tcp(harness)
    fd = harness.create(TCP_VALUE, 256)
    assert harness.update(fd, tcp.value(ssthresh_fd=tcp.undo_cwnd)) == -errno.EINVAL
    assert harness.update(fd, tcp.value(ssthresh_fd=harness.prog("bpf_dummy_ops", 0))) == -errno.EINVAL
    assert harness.update(fd, tcp.value(ssthresh_fd=fd)) == -errno.EINVAL  # a map's fd


def test_tcp_register_and_unregister(harness: Harness) -> None:
    tcp = Tcp(harness)
    fd = harness.create(TCP_VALUE, 256)
    value = tcp.value()
    assert harness.update(fd, value) == 0
    err, got = harness.lookup(fd, 256)
    assert err == 0
    assert struct.unpack_from("<Ii", got) == (1, 1)  # refcnt 1 (the registration), INUSE
    ids = {
        m: struct.unpack_from("<Q", got, DATA + tcp.off[m])[0]
        for m in ("ssthresh", "cong_avoid", "undo_cwnd")
    }
    assert ids == {"ssthresh": harness.prog_id(tcp.ssthresh), "cong_avoid": harness.prog_id(tcp.cong_avoid),
                   "undo_cwnd": harness.prog_id(tcp.undo_cwnd)}  # fmt: skip
    assert got[DATA + tcp.off["name"] :].startswith(_NAME.encode() + b"\0")
    other = harness.create(TCP_VALUE, 256)
    assert harness.update(other, value) == -errno.EEXIST  # the name is taken
    assert harness.update(fd, tcp.value(name=b"pybpf_other")) == -errno.EBUSY
    assert harness.delete(fd) == 0
    err, got = harness.lookup(fd, 256)
    assert (err, struct.unpack_from("<Ii", got)) == (0, (0, 2))  # TOBEFREE
    assert harness.delete(fd) == -errno.EINPROGRESS
    assert harness.update(fd, value) == -errno.EBUSY
    assert harness.update(other, value) == 0  # the name is free again
    assert harness.delete(other) == 0


def test_tcp_link_map(harness: Harness) -> None:
    """A BPF_F_LINK map is READY after its update (its link would register it) and never deleted."""
    tcp = Tcp(harness)
    fd = harness.create(TCP_VALUE, 256, flags=uapi.BPF_F_LINK)
    assert harness.update(fd, tcp.value()) == 0
    err, got = harness.lookup(fd, 256)
    assert (err, struct.unpack_from("<Ii", got)) == (0, (0, 3))
    assert harness.delete(fd) == -errno.EOPNOTSUPP
    assert harness.update(fd, tcp.value()) == -errno.EBUSY


@pytest.mark.parametrize("flags", [1, 2, 4, 8, 16, 0x1F])
def test_tcp_flags_within_mask(harness: Harness, flags: int) -> None:
    tcp = Tcp(harness)
    fd = harness.create(TCP_VALUE, 256)
    assert harness.update(fd, tcp.value(flags=flags)) == 0
    assert harness.delete(fd) == 0


@pytest.mark.parametrize(
    "name", [b"pyb\xe9t", b"x.y_z", b"pyb" + b"a" * 12], ids=["latin1", "dot", "15_bytes"]
)
def test_tcp_names_bpf_obj_name_cpy_accepts(harness: Harness, name: bytes) -> None:
    tcp = Tcp(harness)
    fd = harness.create(TCP_VALUE, 256)
    assert harness.update(fd, tcp.value(name=name)) == 0
    assert harness.delete(fd) == 0


def _alive(harness: Harness, prog_id: int) -> bool:
    """Whether program ``prog_id`` still exists (a BPF_PROG_GET_NEXT_ID first: pybpf collects the
    objects nothing holds any more when asked for ids, as the kernel freed them when they went)."""
    walk = uapi.bpf_attr()
    _call(harness.backend, uapi.BPF_PROG_GET_NEXT_ID, walk)
    attr = uapi.bpf_attr()
    attr.prog_id = prog_id
    fd = _call(harness.backend, uapi.BPF_PROG_GET_FD_BY_ID, attr)
    if fd > 0:
        os.close(fd)
    return fd > 0


def _gone_soon(harness: Harness, prog_id: int) -> bool:
    """Whether program ``prog_id`` is gone within a second: the kernel drops a refused update's
    references to its programs from a workqueue (bpf_link_put() defers the free), not at once."""
    for _ in range(100):
        if not _alive(harness, prog_id):
            return True
        time.sleep(0.01)
    return False


def test_map_holds_its_programs(harness: Harness) -> None:
    """The programs put into the value live as long as the map: their fds closed, their ids still
    open; a refused update keeps none of them."""
    tcp = Tcp(harness)
    fd = harness.create(TCP_VALUE, 256)
    ids = [harness.prog_id(p) for p in (tcp.ssthresh, tcp.cong_avoid, tcp.undo_cwnd)]
    refused = harness.prog("tcp_congestion_ops", 0)
    refused_id = harness.prog_id(refused)
    assert harness.update(fd, tcp.value(name=b"", ssthresh_fd=refused)) == -errno.EINVAL
    assert harness.update(fd, tcp.value()) == 0
    for prog in (tcp.ssthresh, tcp.cong_avoid, tcp.undo_cwnd, refused):
        harness.fds.remove(prog)
        os.close(prog)
    assert [_alive(harness, prog_id) for prog_id in ids] == [True, True, True]
    assert _gone_soon(harness, refused_id)
    assert harness.delete(fd) == 0
