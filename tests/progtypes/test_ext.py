"""BPF_PROG_TYPE_EXT (freplace): loading against a target program's global function, with the
kernel's refusals and messages (bpf_check_attach_target(), btf_check_type_match()).

The kernel pybpf is measured on refuses every freplace load with EPERM before verifying (as it
does fentry: lockdown), even against a real target: the differential test below compares where the
kernel loads them and otherwise skips, and the rest checks pybpf against the kernel's source."""

from __future__ import annotations

import ctypes
import errno
import functools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.object import Object
from pybpf.uapi import ENOTSUPP

DATA = Path(__file__).resolve().parent.parent / "data" / "c"
TARGET, EXT = DATA / "freplace_target.o", DATA / "freplace_ext.o"
EXT_TYPE = uapi.BPF_PROG_TYPE_EXT


def last_line(log: str) -> str:
    lines = [line for line in log.splitlines() if line and not line.startswith("processed ")]
    return lines[-1] if lines else ""


def load_ext(backend: Backend, target_fd: int, program: str, func: str) -> tuple[int, str]:
    """(errno or 0, the verifier's last line) of loading ``program`` of freplace_ext.o against
    ``func`` of the program ``target_fd``."""
    obj = Object.open(EXT, backend=backend)
    obj.set_attach_target(program, target_fd, func)
    try:
        obj.load(programs=[program], log_level=1)
    except BPFError as exc:
        return exc.errno or 0, last_line(getattr(exc, "raw_log", "") or "")
    finally:
        obj.close()
    return 0, ""


@pytest.fixture
def target() -> Iterator[Object]:
    obj = Object.open(TARGET, backend=UserBackend()).load()
    yield obj
    obj.close()


CASES = [
    ("new_xdp_verdict", "xdp_target", "xdp_verdict", 0, ""),
    ("new_mix", "xdp_target", "mix", 0, ""),
    ("mix_short", "xdp_target", "mix", errno.EINVAL, "mix_short() has 1 args while mix() has 2 args"),
    ("new_tc_verdict", "xdp_target", "xdp_verdict", errno.EINVAL,
     "arg0 new_tc_verdict(struct __sk_buff *) doesn't match xdp_verdict(struct xdp_md *)"),
    ("new_xdp_verdict", "xdp_target", "hidden", errno.EINVAL, "hidden() is not a global function"),
    ("new_xdp_verdict", "xdp_target", "xdp_target", 0, ""),  # the main program's function too
    ("bad_ctx_read", "xdp_target", "xdp_verdict", errno.EACCES, "R0 32-bit pointer arithmetic prohibited"),
    ("new_tc_verdict", "tc_target", "tc_verdict", 0, ""),
    ("new_xdp_verdict", "tc_target", "xdp_verdict", errno.EINVAL, "Subprog xdp_verdict doesn't exist"),
    ("grows_packet", "tc_target", "tc_verdict", errno.EINVAL,
     "Extension program changes packet data, while original does not"),
    ("grows_packet_too", "xdp_target", "xdp_grows", 0, ""),
    ("new_tp_helper", "tp_target", "tp_helper", 0, ""),  # a tp_btf program's function
    ("new_xdp_verdict", "tp_target", "tp_target", errno.EINVAL,
     "arg0 in tp_target() is not a pointer to context"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[2]}@{c[1]}" for c in CASES])
def test_load_verdicts(target: Object, case: tuple[str, str, str, int, str]) -> None:
    program, in_prog, func, err, message = case
    assert load_ext(UserBackend(), target.programs[in_prog].fd, program, func) == (err, message)


@functools.cache
def kernel_loads_extensions() -> bool:
    """Whether the kernel loads an freplace program against a real target (this one: EPERM)."""
    if not kernel_bpf_available():
        return False
    obj = Object.open(TARGET, backend=NativeBackend()).load(programs=["xdp_target"])
    try:
        fd = obj.programs["xdp_target"].fd
        return load_ext(NativeBackend(), fd, "new_xdp_verdict", "xdp_verdict")[0] == 0
    finally:
        obj.close()


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[2]}@{c[1]}" for c in CASES])
def test_load_verdicts_kernel(case: tuple[str, str, str, int, str]) -> None:
    """The same loads on the kernel, where it loads freplace programs at all."""
    program, in_prog, func = case[:3]
    if not kernel_loads_extensions():
        pytest.skip("the kernel does not load freplace programs here (EPERM before verifying: lockdown)")
    native = NativeBackend()
    obj = Object.open(TARGET, backend=native).load()
    try:
        kernel = load_ext(native, obj.programs[in_prog].fd, program, func)
    finally:
        obj.close()
    user = Object.open(TARGET, backend=UserBackend()).load()
    try:
        assert load_ext(UserBackend(), user.programs[in_prog].fd, program, func) == kernel
    finally:
        user.close()


def test_kernel_refuses_extensions_only_with_eperm() -> None:
    """Where the kernel does not load freplace programs it says EPERM before verifying."""
    if not kernel_bpf_available():
        pytest.skip("needs the real bpf(2)")
    if kernel_loads_extensions():
        pytest.skip("this kernel loads freplace programs")
    native = NativeBackend()
    obj = Object.open(TARGET, backend=native).load(programs=["xdp_target"])
    try:
        assert load_ext(native, obj.programs["xdp_target"].fd, "new_xdp_verdict", "xdp_verdict") == (
            errno.EPERM,
            "",
        )
    finally:
        obj.close()


# --- raw loads: the attr rules of bpf_prog_load() and the verifier's first refusals ---


def raw_load(
    target_fd: int, btf_id: int, *, attach: int = 0, prog_type: int = EXT_TYPE, text: str = "r0 = 0\nexit\n"
) -> tuple[int, str]:
    code = encode_program(assemble(text, "kernel"))
    insns, lic = ctypes.create_string_buffer(code, len(code)), ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(1 << 14)
    attr = uapi.bpf_attr()
    attr.prog_type, attr.expected_attach_type, attr.attach_btf_id = prog_type, attach, btf_id
    attr.attach_prog_fd = target_fd
    attr.insns, attr.insn_cnt, attr.license = ctypes.addressof(insns), len(code) // 8, ctypes.addressof(lic)
    attr.log_level, attr.log_size, attr.log_buf = 1, len(log), ctypes.addressof(log)
    try:
        os.close(UserBackend().bpf(uapi.BPF_PROG_LOAD, attr))
    except BPFError as exc:
        return exc.errno or 0, last_line(log.value.decode())
    return 0, ""


def verdict_id(target: Object) -> int:
    btf = target.btf
    assert btf is not None
    return btf.find("xdp_verdict", type(btf[btf.ids_by_name("xdp_verdict")[0]]))


def test_raw_refusals(target: Object) -> None:
    fd = target.programs["xdp_target"].fd
    btf_id = verdict_id(target)
    assert raw_load(0, 0) == (errno.EINVAL, "Tracing programs must provide btf_id")
    assert raw_load(fd, 0) == (errno.EINVAL, "Tracing programs must provide btf_id")
    assert raw_load(fd, btf_id) == (errno.EINVAL, "Program extension requires BTF")
    assert raw_load(fd, btf_id, attach=uapi.BPF_XDP) == (errno.EINVAL, "")  # no expected attach type
    assert raw_load(fd, btf_id, prog_type=uapi.BPF_PROG_TYPE_XDP) == (errno.EINVAL, "")  # no attach_btf_id
    assert raw_load(fd, 0xFFFFF + 1) == (errno.EINVAL, "")
    assert raw_load(fd, 100000)[0] == errno.EINVAL
    assert raw_load(fd, 100000) == (errno.EINVAL, "attach_btf_id 100000 is invalid")
    assert raw_load(0xFFFFFFFF, btf_id) == (errno.EINVAL, "")  # a negative fd: no program, no BTF
    rd, wr = os.pipe()
    try:
        assert raw_load(rd, btf_id) == (errno.EINVAL, "")  # neither a program nor a BTF object
    finally:
        os.close(rd)
        os.close(wr)
    assert target.loaded is not None
    assert raw_load(target.loaded.btf_fd, btf_id) == (ENOTSUPP, "")  # a program's BTF, not the kernel's


def test_no_target_is_a_kernel_function() -> None:
    from pybpf.verifier.kernel_btf import vmlinux_btf

    if vmlinux_btf() is None:
        pytest.skip("needs the running kernel's BTF")
    assert raw_load(0, 1) == (errno.EINVAL, "Cannot replace kernel functions")


def test_extension_of_an_extension(target: Object) -> None:
    ext = Object.open(EXT, backend=UserBackend())
    ext.set_attach_target("new_xdp_verdict", target.programs["xdp_target"], "xdp_verdict")
    ext.load(programs=["new_xdp_verdict"])
    try:
        fd = ext.programs["new_xdp_verdict"].fd
        found = load_ext(UserBackend(), fd, "new_xdp_verdict", "new_xdp_verdict")
        assert found == (errno.EINVAL, "Cannot recursively attach")
        with pytest.raises(BPFError) as exc:  # bpf_extension_prog_ops has no test_run
            ext.programs["new_xdp_verdict"].run(b"\0" * 64)
        assert exc.value.errno == ENOTSUPP
    finally:
        ext.close()


def test_set_attach_target_rules(target: Object) -> None:
    ext = Object.open(EXT, backend=UserBackend())
    with pytest.raises(BPFError) as exc:
        ext.set_attach_target("nope", target.programs["xdp_target"])
    assert exc.value.errno == errno.ENOENT
    with pytest.raises(BPFError) as exc:  # libbpf: "attach program FD is not set"
        ext.load(programs=["new_xdp_verdict"])
    assert exc.value.errno == errno.EINVAL
    ext.close()
