"""struct_ops objects (``.struct_ops`` / ``.struct_ops.link`` + SEC("struct_ops...")) on both backends.

tests/data/c/struct_ops_tcp.c is a TCP congestion control in miniature (a struct tcp_congestion_ops of
``.struct_ops``: init, ssthresh, cong_avoid, undo_cwnd, and a program no map uses);
tests/data/c/struct_ops_dummy.c two bpf_dummy_ops programs in ``.struct_ops.link``.  Opened, each
variable is a BPF_MAP_TYPE_STRUCT_OPS map spec (BPF_F_LINK for ``.link``) with its programs by
member; loaded, the programs get the kernel struct's id and their member's index
(``bpf_map__init_kern_struct_ops``), the unused program is not loaded, and ``attach_struct_ops``
registers the map (on the native backend, with the running kernel's TCP stack: the name is
unregistered by the test).  The dummy programs then run with BPF_PROG_TEST_RUN as the kernel runs
them.
"""

from __future__ import annotations

import ctypes
import errno
import struct

import pytest

from pybpf import Object, uapi
from pybpf.elf.errors import ELFError
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from tests.elf.corpus import obj_path
from tests.maps.test_struct_ops import _member_offset, pytestmark  # noqa: F401  (the BTF skip)

DATA = 64
"""Where the struct lies in a struct_ops map's value."""


def test_tcp_spec() -> None:
    spec = Object.open(obj_path("struct_ops_tcp")).spec
    m = spec.maps["mini_cc"]
    assert (m.map_type, m.key_size, m.max_entries, m.flags) == (uapi.BPF_MAP_TYPE_STRUCT_OPS, 4, 1, 0)
    assert m.struct_ops is not None and m.struct_ops.type_name == "tcp_congestion_ops"
    assert sorted(m.struct_ops.programs.values()) == ["mini_cong_avoid", "mini_init", "mini_ssthresh",
                                                      "mini_undo_cwnd"]  # fmt: skip
    assert not spec.programs["mini_unused"].autoload
    assert all(p.prog_type == uapi.BPF_PROG_TYPE_STRUCT_OPS for p in spec.programs.values())


def test_dummy_spec_is_a_link_map() -> None:
    m = Object.open(obj_path("struct_ops_dummy")).spec.maps["dummy_ops"]
    assert m.flags == uapi.BPF_F_LINK and m.struct_ops is not None
    assert m.struct_ops.type_name == "bpf_dummy_ops"


def test_tcp_load_and_register(backend: Backend) -> None:
    with Object.open(obj_path("struct_ops_tcp"), backend=backend) as obj:
        obj.load()
        assert sorted(obj.programs) == ["mini_cong_avoid", "mini_init", "mini_ssthresh", "mini_undo_cwnd"]
        members = {"mini_ssthresh": 0, "mini_cong_avoid": 1, "mini_undo_cwnd": 8, "mini_init": 16}
        assert {n: obj.spec.programs[n].expected_attach_type for n in members} == members
        cc = obj.maps["mini_cc"]
        assert cc.lookup(0) == bytes(256)  # created, not registered yet
        obj.attach_struct_ops("mini_cc")
        try:
            value = cc.lookup(0)
            assert struct.unpack_from("<Ii", value) == (1, 1)  # INUSE
            assert value[DATA + 88 : DATA + 99] == b"pybpf_mini\0"
            offsets = [
                _member_offset("tcp_congestion_ops", m)
                for m in ("ssthresh", "cong_avoid", "undo_cwnd", "init")
            ]
            ids = {struct.unpack_from("<Q", value, DATA + off)[0] for off in offsets}
            assert ids == {p.info().id for p in obj.programs.values()}
            with pytest.raises(BPFError) as exc:
                obj.attach_struct_ops("mini_cc")
            assert exc.value.errno == errno.EBUSY
        finally:
            cc.delete(0)
        assert struct.unpack_from("<Ii", cc.lookup(0)) == (0, 2)  # TOBEFREE


@pytest.mark.usefixtures("engine")
def test_dummy_programs_run(backend: Backend) -> None:
    with Object.open(obj_path("struct_ops_dummy"), backend=backend) as obj:
        obj.load()
        with pytest.raises(BPFError) as exc:  # bpf_dummy_ops never registers
            obj.attach_struct_ops("dummy_ops")
        assert exc.value.errno == errno.EOPNOTSUPP
        state = ctypes.create_string_buffer(struct.pack("<i", 7), 4)
        assert _run(backend, obj.programs["dummy_test_1"].fd, [ctypes.addressof(state)]) == 7
        assert struct.unpack("<i", state.raw)[0] == 0x5A
        assert _run(backend, obj.programs["dummy_test_1"].fd, [0]) == 0xF2F3F4F5
        assert _run(backend, obj.programs["dummy_test_2"].fd, [ctypes.addressof(state), 1, 2, 3, 4]) == 0
        assert struct.unpack("<i", state.raw)[0] == 10


def _run(backend: Backend, fd: int, args: list[int]) -> int:
    raw = b"".join(struct.pack("<Q", a) for a in args)
    ctx = ctypes.create_string_buffer(raw, len(raw))
    attr = uapi.bpf_attr()
    attr.test.prog_fd, attr.test.ctx_in, attr.test.ctx_size_in = fd, ctypes.addressof(ctx), len(raw)
    backend.bpf(uapi.BPF_PROG_TEST_RUN, attr)
    return int(attr.test.retval)


def test_struct_the_kernel_lacks(backend: Backend) -> None:
    """``bpf_map__init_kern_struct_ops``: a struct the kernel's BTF has no struct_ops type of."""
    with Object.open(obj_path("struct_ops_tcp"), backend=backend) as obj:
        ops = obj.spec.maps["mini_cc"].struct_ops
        assert ops is not None
        ops.type_name = "Qdisc_ops"  # in vmlinux, but registered by no struct_ops
        with pytest.raises(ELFError, match="not a struct_ops type"):
            obj.load()
