"""TRACING (tp_btf, fentry, fexit, fmod_ret, iter) and LSM programs: attach targets, typed ctx arguments,
helper sets and return values, on pybpf and, where the kernel loads them, on the kernel.

The kernel pybpf is measured on refuses every fentry/fexit/fmod_ret/LSM load with EPERM before
verifying (lockdown): those cases compare with the kernel only where it loads a trivial fentry
program, and otherwise check pybpf against the kernel's source."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os

import pytest

from pybpf import uapi
from pybpf.btf.kinds import Kind
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.disasm import disassemble
from pybpf.isa.instruction import decode_program, encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.progtypes import get_prog_type
from pybpf.progtypes.btf_tracing import (
    ITER_FUNC_IDS,
    LSM_FUNC_IDS,
    TRACING_FUNC_IDS,
    TRAMPOLINE_FUNC_IDS,
    LsmProgType,
    TracingProgType,
)
from pybpf.verifier.kernel_btf import vmlinux_btf
from tests.progtypes.test_tracing import xlated

TRACING, LSM = uapi.BPF_PROG_TYPE_TRACING, uapi.BPF_PROG_TYPE_LSM
RAW_TP, ITER = uapi.BPF_TRACE_RAW_TP, uapi.BPF_TRACE_ITER
FENTRY, FEXIT, FMOD_RET = uapi.BPF_TRACE_FENTRY, uapi.BPF_TRACE_FEXIT, uapi.BPF_MODIFY_RETURN
LSM_MAC = uapi.BPF_LSM_MAC
OK = "r0 = 0\nexit\n"

needs_btf = pytest.mark.skipif(vmlinux_btf() is None, reason="needs the running kernel's BTF")


def type_id(name: str, kind: Kind) -> int:
    btf = vmlinux_btf()
    assert btf is not None
    found = [i for i in btf.ids_by_name(name) if btf[i].kind == kind]
    return found[0] if found else 0


def sched_switch() -> int:
    return type_id("btf_trace_sched_switch", Kind.TYPEDEF)


def func(name: str) -> int:
    return type_id(name, Kind.FUNC)


def load(
    backend: Backend, prog_type: int, attach: int, btf_id: int, text: str, *, flags: int = 0, level: int = 2
) -> tuple[int, str]:
    """(errno or 0, verifier log) of loading ``text``."""
    code = encode_program(assemble(text, "kernel"))
    insns, lic = ctypes.create_string_buffer(code, len(code)), ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(1 << 16)
    attr = uapi.bpf_attr()
    attr.prog_type, attr.expected_attach_type, attr.attach_btf_id = prog_type, attach, btf_id
    attr.insns, attr.insn_cnt, attr.license = ctypes.addressof(insns), len(code) // 8, ctypes.addressof(lic)
    attr.prog_flags, attr.log_level, attr.log_size, attr.log_buf = (
        flags,
        level,
        len(log),
        ctypes.addressof(log),
    )
    try:
        os.close(backend.bpf(uapi.BPF_PROG_LOAD, attr))
    except BPFError as exc:
        return exc.errno or 0, log.value.decode()
    return 0, log.value.decode()


@functools.cache
def kernel_loads_trampolines() -> bool:
    """Whether the kernel loads a trivial fentry program (this one refuses it with EPERM, lockdown)."""
    return (
        kernel_bpf_available()
        and load(NativeBackend(), TRACING, FENTRY, func("bpf_fentry_test1"), OK)[0] == 0
    )


def test_registered() -> None:
    assert isinstance(get_prog_type(TRACING), TracingProgType)
    assert isinstance(get_prog_type(LSM), LsmProgType)


# -- tp_btf and iterators: the kernel here loads them -------------------------------------------------
def _iter(name: str) -> tuple[int, int, int, str]:
    return (TRACING, ITER, func(f"bpf_iter_{name}"), "r2 = *(u64 *)(r1 + 8)\nr3 = *(u64 *)(r1 + 16)\n" + OK)


ITER_NAMES = ("task", "bpf_map", "bpf_prog", "bpf_link", "task_file", "task_vma", "tcp", "udp", "unix",
              "netlink", "ipv6_route", "cgroup", "kmem_cache", "ksym")  # fmt: skip
TP_CASES = {
    "ptr_arg_trusted": "r2 = *(u64 *)(r1 + 8)\nr0 = *(u32 *)(r2 + 0)\n" + OK,
    "bool_arg_u8": "r2 = *(u8 *)(r1 + 0)\n" + OK,
    "bool_arg_u64": "r2 = *(u64 *)(r1 + 0)\n" + OK,
    "uint_arg_u32": "r2 = *(u32 *)(r1 + 24)\n" + OK,
    "not_multiple_of_8": "r2 = *(u32 *)(r1 + 28)\n" + OK,
    "no_5th_argument": "r2 = *(u64 *)(r1 + 32)\n" + OK,
    "no_7th_argument": "r2 = *(u64 *)(r1 + 40)\n" + OK,
    "past_12_arguments": "r2 = *(u64 *)(r1 + 96)\n" + OK,
    "negative": "r2 = *(u64 *)(r1 - 8)\n" + OK,
    "pointer_narrow": "r2 = *(u32 *)(r1 + 8)\n" + OK,
    "misaligned": "r2 = *(u16 *)(r1 + 9)\n" + OK,
    "write": "r2 = 1\n*(u64 *)(r1 + 8) = r2\n" + OK,
    "any_return": "r0 = 5\nexit\n",
    "pointer_return": "r0 = r1\nexit\n",
    "member_walk": "r2 = *(u64 *)(r1 + 16)\nr2 = *(u64 *)(r2 + 8)\nr0 = *(u64 *)(r2 + 0)\n" + OK,
    "member_past_struct": "r2 = *(u64 *)(r1 + 16)\nr3 = *(u64 *)(r2 + 20000)\n" + OK,
    "member_write": "r2 = *(u64 *)(r1 + 16)\n*(u32 *)(r2 + 8) = 1\n" + OK,
    "get_func_ip": "call 173\n" + OK,
    "get_func_arg_cnt": "call 185\n" + OK,
}
ATTACH_CASES = {
    "tp_no_btf_id": (TRACING, RAW_TP, 0, OK),
    "tp_invalid_id": (TRACING, RAW_TP, 0xFFFFF, OK),
    "tp_id_past_btf_max": (TRACING, RAW_TP, 0x100000, OK),
    "tp_not_typedef": (TRACING, RAW_TP, 1, OK),
    "tp_wrong_typedef": (TRACING, RAW_TP, -1, OK),
    "iter_not_target": (TRACING, ITER, -2, OK),
    "iter_not_function": (TRACING, ITER, -3, OK),
    "iter_return_2": (TRACING, ITER, -4, "r0 = 2\nexit\n"),
    "iter_null_object": (TRACING, ITER, -4, "r2 = *(u64 *)(r1 + 8)\nr0 = *(u32 *)(r2 + 0)\n" + OK),
    "iter_checked_object": (
        TRACING,
        ITER,
        -4,
        "r2 = *(u64 *)(r1 + 8)\nif r2 == 0 goto +1\nr0 = *(u32 *)(r2 + 0)\n" + OK,
    ),
    "iter_seq_meta": (TRACING, ITER, -4, "r2 = *(u64 *)(r1 + 0)\nr0 = *(u64 *)(r2 + 0)\n" + OK),
    "no_attach_type": (TRACING, 0, -5, OK),
    "xdp_with_btf_id": (uapi.BPF_PROG_TYPE_XDP, 0, 5, OK),
}


def _attach_id(marker: int) -> int:
    return {
        -1: type_id("u64", Kind.TYPEDEF), -2: func("bpf_fentry_test1"), -3: sched_switch(),
        -4: func("bpf_iter_task"), -5: func("bpf_fentry_test1"),
    }.get(marker, marker)  # fmt: skip


def _same_as_the_kernel(prog_type: int, attach: int, btf_id: int, text: str, flags: int = 0) -> None:
    mine = load(UserBackend(), prog_type, attach, btf_id, text, flags=flags)
    if kernel_bpf_available():
        assert mine == load(NativeBackend(), prog_type, attach, btf_id, text, flags=flags)


@needs_btf
@pytest.mark.parametrize("case", sorted(TP_CASES))
def test_tp_btf_ctx_as_the_kernel(case: str) -> None:
    """sched_switch(bool preempt, task_struct *prev, task_struct *next, unsigned int prev_state): the
    verdict and the whole level-2 log."""
    _same_as_the_kernel(TRACING, RAW_TP, sched_switch(), TP_CASES[case])


def test_tp_btf_pointer_argument_is_trusted() -> None:
    if vmlinux_btf() is None:
        pytest.skip("needs the running kernel's BTF")
    err, log = load(UserBackend(), TRACING, RAW_TP, sched_switch(), TP_CASES["ptr_arg_trusted"])
    assert err == 0
    assert "func 'sched_switch' arg1 has btf_id" in log and "R2=trusted_ptr_task_struct()" in log


@needs_btf
@pytest.mark.parametrize("case", sorted(ATTACH_CASES))
def test_attach_targets_as_the_kernel(case: str) -> None:
    prog_type, attach, marker, text = ATTACH_CASES[case]
    _same_as_the_kernel(prog_type, attach, _attach_id(marker), text)


@needs_btf
@pytest.mark.parametrize("name", ITER_NAMES)
def test_iterator_objects_as_the_kernel(name: str) -> None:
    """Each iterator's objects: maybe-NULL, trusted or not as the target registers them."""
    _same_as_the_kernel(*_iter(name))


@needs_btf
def test_sleepable_tp_btf_refused_as_the_kernel() -> None:
    _same_as_the_kernel(TRACING, RAW_TP, sched_switch(), OK, uapi.BPF_F_SLEEPABLE)


def _helper_call(helper: int) -> str:
    return f"r1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\ncall {helper}\n" + OK


@needs_btf
@pytest.mark.parametrize(("attach", "expected"), [(RAW_TP, TRACING_FUNC_IDS), (ITER, ITER_FUNC_IDS)])
def test_helpers_as_the_kernel(attach: int, expected: frozenset[int]) -> None:
    """Which helper ids a tp_btf or iterator program may call: the kernel says "unknown func" or
    "program of this type cannot use helper" only for a helper the program lacks."""
    btf_id = sched_switch() if attach == RAW_TP else func("bpf_iter_task")
    for helper in range(1, 212):
        _, log = load(UserBackend(), TRACING, attach, btf_id, _helper_call(helper), level=1)
        refused = "unknown func" in log or "cannot use helper" in log
        assert refused != (helper in expected), helper
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    for helper in (4, 27, 46, 111, 126, 127, 136, 147, 150, 162, 173, 174, 183, 185, 188, 196):
        _, log = load(NativeBackend(), TRACING, attach, btf_id, _helper_call(helper), level=1)
        refused = "unknown func" in log or "cannot use helper" in log
        assert refused != (helper in expected), helper


def test_helper_sets_by_attachment() -> None:
    assert {183, 184, 185} == TRAMPOLINE_FUNC_IDS - TRACING_FUNC_IDS  # get_func_arg, _ret, _arg_cnt
    assert {126, 127, 150} <= ITER_FUNC_IDS and 174 not in ITER_FUNC_IDS  # seq_*, no attach cookie
    assert {145, 146, 159} == LSM_FUNC_IDS - TRAMPOLINE_FUNC_IDS  # inode storage, bprm_opts_set


# -- fentry, fexit, fmod_ret, LSM: the kernel's source (and the kernel, where it loads them) -----------
VFS_READ_CASES = [
    # (attach, program, errno, a line of the log)
    (FENTRY, "r2 = *(u64 *)(r1 + 0)\nr0 = *(u64 *)(r2 + 16)\n" + OK, 0, "R2=ptr_file()"),
    (FENTRY, "r2 = *(u64 *)(r1 + 8)\n" + OK, 0, "R2=scalar()"),  # char __user *buf: a pointer to an int
    (FENTRY, "r2 = *(u64 *)(r1 + 32)\n" + OK, errno.EACCES, "func 'vfs_read' doesn't have 5-th argument"),
    (FEXIT, "r2 = *(u64 *)(r1 + 32)\n" + OK, 0, "R2=scalar()"),  # the return value, after 4 arguments
    (FEXIT, "r2 = *(u64 *)(r1 + 40)\n" + OK, errno.EACCES, "func 'vfs_read' doesn't have 6-th argument"),
    (FENTRY, "r0 = 1\nexit\n", errno.EINVAL, "should have been in [0, 0]"),
    (FMOD_RET, OK, errno.EINVAL, "vfs_read() is not modifiable"),
    (FENTRY, "call 173\n" + OK, 0, ""),
]


@needs_btf
@pytest.mark.parametrize(("attach", "text", "err", "line"), VFS_READ_CASES)
def test_fentry_fexit_on_vfs_read(attach: int, text: str, err: int, line: str) -> None:
    """vfs_read(struct file *, char __user *, size_t, loff_t *): plain (untrusted-walk) struct pointers,
    the return value for fexit, fentry's return value 0, fmod_ret only where errors may be injected."""
    mine = load(UserBackend(), TRACING, attach, func("vfs_read"), text)
    assert mine[0] == err and line in mine[1]
    if kernel_loads_trampolines():
        assert mine == load(NativeBackend(), TRACING, attach, func("vfs_read"), text)


@needs_btf
def test_fmod_ret_on_security_functions() -> None:
    err, _ = load(UserBackend(), TRACING, FMOD_RET, func("security_file_open"), "r0 = 1\nexit\n")
    assert err == 0  # check_attach_modify_return(): the security_ prefix; any return value


@needs_btf
def test_trampoline_helpers_inlined() -> None:
    """bpf_get_func_arg / _ret / _arg_cnt / bpf_get_func_ip become loads from the trampoline's frame
    (do_misc_fixups); get_func_ret in fentry is -EOPNOTSUPP."""
    text = (
        "r6 = r1\nr2 = 1\nr3 = r10\nr3 += -8\ncall 183\nr1 = r6\nr2 = r10\nr2 += -16\ncall 184\n"
        "r1 = r6\ncall 185\nr1 = r6\ncall 173\n" + OK
    )
    code = encode_program(assemble(text, "kernel"))
    for attach, ret in ((FENTRY, "r0 = -95"), (FEXIT, "r3 = *(u64 *)(r0 + 0)")):
        insns, lic = ctypes.create_string_buffer(code, len(code)), ctypes.create_string_buffer(b"GPL")
        attr = uapi.bpf_attr()
        attr.prog_type, attr.expected_attach_type, attr.attach_btf_id = TRACING, attach, func("vfs_read")
        attr.insns, attr.insn_cnt = ctypes.addressof(insns), len(code) // 8
        attr.license = ctypes.addressof(lic)
        fd = UserBackend().bpf(uapi.BPF_PROG_LOAD, attr)
        try:
            text_out = disassemble(decode_program(xlated(UserBackend(), fd)), "kernel")
        finally:
            os.close(fd)
        assert "call" not in text_out
        assert "r0 = *(u64 *)(r1 - 8)" in text_out and "r0 = *(u64 *)(r1 - 16)" in text_out
        assert "if w2 >= w0 goto +6" in text_out and ret in text_out


LSM_CASES = [
    ("bpf_lsm_file_open", "r2 = *(u64 *)(r1 + 0)\nr0 = -1\nexit\n", 0, 0, "R2=trusted_ptr_file()"),
    ("bpf_lsm_file_open", "r0 = 1\nexit\n", 0, errno.EINVAL, "should have been in [-4095, 0]"),
    ("bpf_lsm_file_open", "r2 = *(u64 *)(r1 + 8)\n" + OK, 0, 0, "R2=scalar(smin=smin32=-4095,smax=smax32=0)"),
    ("bpf_lsm_task_free", "r2 = *(u64 *)(r1 + 0)\n" + OK, 0, 0, "R2=ptr_task_struct()"),  # untrusted hook
    ("vfs_read", OK, 0, errno.EINVAL, "attach_btf_id"),
    ("bpf_lsm_file_open", OK, uapi.BPF_F_SLEEPABLE, 0, ""),
    ("bpf_lsm_socket_recvmsg", OK, uapi.BPF_F_SLEEPABLE, errno.EINVAL, "is not sleepable"),
]


@needs_btf
@pytest.mark.parametrize(("hook", "text", "flags", "err", "line"), LSM_CASES)
def test_lsm(hook: str, text: str, flags: int, err: int, line: str) -> None:
    """LSM programs: trusted arguments but on the hooks that free their object, [-4095, 0] returned by
    int hooks, only bpf_lsm_* functions, sleepable only on the sleepable hooks."""
    mine = load(UserBackend(), LSM, LSM_MAC, func(hook), text, flags=flags)
    assert mine[0] == err and line in mine[1], mine[1]
    if kernel_loads_trampolines():
        assert mine == load(NativeBackend(), LSM, LSM_MAC, func(hook), text, flags=flags)


def _test_run(backend: Backend, attach: int, btf_id: int, flags: int = 0) -> tuple[int, int]:
    """(errno or 0, retval) of BPF_PROG_TEST_RUN on a trivial program attached as ``attach``."""
    code = encode_program(assemble("r0 = 0\nr0 += 0\nexit\n", "kernel"))
    insns, lic = ctypes.create_string_buffer(code, len(code)), ctypes.create_string_buffer(b"GPL")
    attr = uapi.bpf_attr()
    attr.prog_type, attr.expected_attach_type, attr.attach_btf_id = TRACING, attach, btf_id
    attr.insns, attr.insn_cnt, attr.license = ctypes.addressof(insns), len(code) // 8, ctypes.addressof(lic)
    fd = backend.bpf(uapi.BPF_PROG_LOAD, attr)
    try:
        run = uapi.bpf_attr()
        run.test.prog_fd, run.test.flags = fd, flags
        try:
            backend.bpf(uapi.BPF_PROG_TEST_RUN, run)
        except BPFError as exc:
            return exc.errno or 0, 0
        return 0, run.test.retval
    finally:
        os.close(fd)


@needs_btf
@pytest.mark.parametrize("attach", [RAW_TP, ITER])
def test_test_run_as_the_kernel(attach: int) -> None:
    """bpf_prog_test_run_tracing(): tp_btf and iterator programs have nothing to run (EFAULT)."""
    btf_id = sched_switch() if attach == RAW_TP else func("bpf_iter_task")
    mine = _test_run(UserBackend(), attach, btf_id)
    assert mine == (errno.EFAULT, 0)
    assert _test_run(UserBackend(), attach, btf_id, flags=1)[0] == errno.EINVAL
    if kernel_bpf_available():
        assert mine == _test_run(NativeBackend(), attach, btf_id)


@needs_btf
@pytest.mark.parametrize(("attach", "retval"), [(FENTRY, 0), (FEXIT, 0), (FMOD_RET, (2 << 16) | 33)])
def test_trampoline_test_run(attach: int, retval: int) -> None:
    """The kernel's test functions run unhooked (the program is not attached)."""
    target = "bpf_modify_return_test" if attach == FMOD_RET else "bpf_fentry_test1"
    mine = _test_run(UserBackend(), attach, func(target))
    assert mine == (0, retval)
    if kernel_loads_trampolines():
        assert mine == _test_run(NativeBackend(), attach, func(target))


def test_kernel_refuses_trampolines_only_with_eperm() -> None:
    """Where the kernel does not load trampoline programs it says EPERM before verifying: nothing logged."""
    if not kernel_bpf_available() or vmlinux_btf() is None:
        pytest.skip("needs the real bpf(2) and the running kernel's BTF")
    if kernel_loads_trampolines():
        pytest.skip("this kernel loads fentry programs")
    with contextlib.suppress(BPFError):
        assert load(NativeBackend(), TRACING, FENTRY, func("vfs_read"), OK) == (errno.EPERM, "")
