"""freplace links (BPF_LINK_CREATE, BPF_RAW_TRACEPOINT_OPEN) and their effect: a target program run
with BPF_PROG_TEST_RUN calls the extension instead of the function it replaces, on every engine,
while the link lives; closing the link restores the function.

The kernel pybpf is measured on refuses freplace loads with EPERM (``test_ext``), so nothing here is
compared with it: the rules are bpf_tracing_prog_attach()'s and bpf_trampoline_link_prog()'s."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.jit import JitProgram
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.prog_run import ENGINE_VARIABLE
from pybpf.kernel.progobj import ProgObject
from pybpf.libbpf import bpf_link_create, bpf_map_create, bpf_map_update_elem, bpf_raw_tracepoint_open
from pybpf.object import Object
from pybpf.program import Link
from pybpf.vm.interpreter import Interpreter
from tests.progtypes.test_ext import EXT, TARGET

SMALL, LARGE = b"\0" * 64, b"\0" * 200
XDP_DROP, XDP_PASS, XDP_TX = 1, 2, 3


@pytest.fixture(params=["interpreter", "jit"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(ENGINE_VARIABLE, request.param)
    return str(request.param)


@pytest.fixture
def target(engine: str) -> Iterator[Object]:
    obj = Object.open(TARGET, backend=UserBackend())
    obj.spec.programs["xdp_target"].expected_attach_type = 0  # see test_inherited_attach_type
    obj.load()
    yield obj
    obj.close()


def extension(target: Object, program: str, in_prog: str, func: str) -> Object:
    obj = Object.open(EXT, backend=UserBackend())
    obj.set_attach_target(program, target.programs[in_prog], func)
    return obj.load(programs=[program])


def test_replaced_while_the_link_lives(target: Object, engine: str) -> None:
    tc = target.programs["tc_target"]
    assert (tc.run(LARGE).retval, tc.run(SMALL).retval) == (2, 0)
    with extension(target, "new_tc_verdict", "tc_target", "tc_verdict") as ext:
        link = ext.programs["new_tc_verdict"].attach_freplace()  # BPF_RAW_TRACEPOINT_OPEN
        assert (tc.run(LARGE).retval, tc.run(SMALL).retval) == (1, 1)
        runtime = ProgObject.from_fd(tc.fd).runtime
        assert runtime.replaced  # the target runs combined with its extension, on the engine asked for
        assert isinstance(runtime.executable, JitProgram if engine == "jit" else Interpreter)
        link.close()
        assert (tc.run(LARGE).retval, tc.run(SMALL).retval) == (2, 0)
        with ext.programs["new_tc_verdict"].attach_freplace(tc, "tc_verdict"):  # BPF_LINK_CREATE
            assert tc.run(LARGE).retval == 1
        assert tc.run(LARGE).retval == 2


def test_xdp_functions(target: Object) -> None:
    xdp = target.programs["xdp_target"]
    assert xdp.run(SMALL).retval == XDP_PASS
    verdict = extension(target, "new_xdp_verdict", "xdp_target", "xdp_verdict")
    mix = extension(target, "new_mix", "xdp_target", "mix")
    main = extension(target, "new_xdp_verdict", "xdp_target", "xdp_target")
    try:
        with verdict.programs["new_xdp_verdict"].attach_freplace():
            assert xdp.run(SMALL).retval == XDP_TX
            with mix.programs["new_mix"].attach_freplace():  # scalar arguments: new_mix(x, y) = x + y
                assert xdp.run(SMALL).retval == XDP_DROP
            assert xdp.run(SMALL).retval == XDP_TX
        with main.programs["new_xdp_verdict"].attach_freplace():  # the whole program replaced
            assert xdp.run(LARGE).retval == XDP_TX
        assert xdp.run(SMALL).retval == XDP_PASS
    finally:
        for obj in (verdict, mix, main):
            obj.close()


def test_attach_rules(target: Object) -> None:
    tc = target.programs["tc_target"]
    ext = extension(target, "new_tc_verdict", "tc_target", "tc_verdict")
    prog = ext.programs["new_tc_verdict"]
    btf_id = tc_verdict_id(target)
    try:
        with pytest.raises(BPFError) as exc:  # a target fd without a BTF id
            bpf_link_create(prog.fd, tc.fd, 0)
        assert exc.value.errno == errno.EINVAL
        with pytest.raises(BPFError) as exc:  # a name: freplace targets are set at load
            bpf_raw_tracepoint_open("tc_verdict", prog.fd)
        assert exc.value.errno == errno.EINVAL
        with pytest.raises(BPFError) as exc:  # not an extension
            bpf_link_create(tc.fd, tc.fd, 0, target_btf_id=btf_id)
        assert exc.value.errno == errno.EINVAL
        first = prog.attach_freplace()
        with pytest.raises(BPFError) as exc:  # the load-time target is used once
            prog.attach_freplace()
        assert exc.value.errno == errno.EINVAL
        with pytest.raises(BPFError) as exc:  # one extension per function
            bpf_link_create(prog.fd, tc.fd, 0, target_btf_id=btf_id)
        assert exc.value.errno == errno.EBUSY
        first.close()
        second = Link(bpf_link_create(prog.fd, tc.fd, 0, target_btf_id=btf_id))
        second.close()
        with pytest.raises(BPFError) as exc:  # another type's function (checked as at load)
            prog.attach_freplace(target.programs["xdp_target"], "xdp_verdict")
        assert exc.value.errno == errno.EINVAL
    finally:
        ext.close()


def tc_verdict_id(target: Object) -> int:
    btf = target.btf
    assert btf is not None
    return next(i for i in btf.ids_by_name("tc_verdict") if btf[i].kind.name == "FUNC")


def test_another_target_of_the_same_type(target: Object) -> None:
    other = Object.open(TARGET, backend=UserBackend()).load(programs=["tc_target"])
    ext = extension(target, "new_tc_verdict", "tc_target", "tc_verdict")
    try:
        tc, tc2 = target.programs["tc_target"], other.programs["tc_target"]
        with ext.programs["new_tc_verdict"].attach_freplace(tc2, "tc_verdict"):
            assert (tc.run(LARGE).retval, tc2.run(LARGE).retval) == (2, 1)
        assert tc2.run(LARGE).retval == 2
        with pytest.raises(BPFError) as exc:  # attached once: no load-time target any more
            ext.programs["new_tc_verdict"].attach_freplace()
        assert exc.value.errno == errno.EINVAL
    finally:
        ext.close()
        other.close()


def test_prog_array_member(target: Object) -> None:
    """A program held by a prog array is not extended (EBUSY: a tail call could loop through it)."""
    tc = target.programs["tc_target"]
    array = bpf_map_create(uapi.BPF_MAP_TYPE_PROG_ARRAY, "progs", 4, 4, 1)
    ext = extension(target, "new_tc_verdict", "tc_target", "tc_verdict")
    try:
        bpf_map_update_elem(array, (0).to_bytes(4, "little"), tc.fd.to_bytes(4, "little"))
        with pytest.raises(BPFError) as exc:
            ext.programs["new_tc_verdict"].attach_freplace()
        assert exc.value.errno == errno.EBUSY
    finally:
        os.close(array)
        ext.close()


def test_inherited_attach_type(engine: str) -> None:
    """An extension inherits its target's expected attach type, and bpf_tracing_prog_attach() takes
    only extensions whose expected attach type is 0: one of an XDP program loaded with BPF_XDP (as
    libbpf loads SEC("xdp")) loads but does not attach."""
    obj = Object.open(TARGET, backend=UserBackend()).load(programs=["xdp_target"])
    ext = extension(obj, "new_xdp_verdict", "xdp_target", "xdp_verdict")
    try:
        assert ext.programs["new_xdp_verdict"].info().type == uapi.BPF_PROG_TYPE_EXT
        with pytest.raises(BPFError) as exc:
            ext.programs["new_xdp_verdict"].attach_freplace()
        assert exc.value.errno == errno.EINVAL
    finally:
        ext.close()
        obj.close()


def test_hostile_fds(target: Object) -> None:
    """fds past INT_MAX are negative ints to the kernel: EBADF, or EINVAL where it then tries a BTF
    object (attach_prog_fd), never an exception of Python's."""
    tc = target.programs["tc_target"]
    for fd in (0xFFFFFFFF, 0x80000000):
        with pytest.raises(BPFError) as exc:
            bpf_link_create(fd, tc.fd, 0, target_btf_id=1)
        assert exc.value.errno == errno.EBADF
        with pytest.raises(BPFError) as exc:
            bpf_raw_tracepoint_open(None, fd)
        assert exc.value.errno == errno.EBADF
    ext = extension(target, "new_tc_verdict", "tc_target", "tc_verdict")
    try:
        with pytest.raises(BPFError) as exc:
            bpf_link_create(ext.programs["new_tc_verdict"].fd, 0xFFFFFFFF, 0, target_btf_id=1)
        assert exc.value.errno == errno.EBADF
    finally:
        ext.close()


def test_info(target: Object) -> None:
    """bpf_prog_info: the extension's attach_btf_id, and its target's BTF as attach_btf_obj_id while
    it holds its load-time target (bpf_prog_get_target_btf(): the kernel forgets it at attachment)."""
    ext = extension(target, "new_tc_verdict", "tc_target", "tc_verdict")
    try:
        prog = ext.programs["new_tc_verdict"]
        info = prog.info()
        assert (info.type, info.attach_btf_id) == (uapi.BPF_PROG_TYPE_EXT, tc_verdict_id(target))
        assert info.attach_btf_obj_id == target.programs["tc_target"].info().btf_id != 0
        with prog.attach_freplace():
            assert prog.info().attach_btf_obj_id == 0
    finally:
        ext.close()
