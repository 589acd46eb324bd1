"""The helpers about the calling task (``pybpf.helpers.current_task``), compared with the kernel.

Each program runs through BPF_PROG_TEST_RUN on pybpf (once per engine: interpreter, JIT and the
tiered ``auto`` engine) and on the real kernel (skipped where bpf(2) is unavailable), and what it
recorded (``tests.progtypes.net_diff.recording``) must agree: bpf_get_ns_current_pid_tgid with the
right and wrong namespace identities and sizes, bpf_get_current_ancestor_cgroup_id at every level,
bpf_get_cgroup_classid outside skb programs, bpf_send_signal / bpf_send_signal_thread (signal 0, an
invalid signal, and a real SIGUSR1 the test counts), bpf_copy_from_user from a sleepable SYSCALL
program reading this process's memory (readable, unreadable, program memory).
"""

from __future__ import annotations

import ctypes
import mmap
import os
import signal
import struct
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kernel.prog_run import ENGINE_VARIABLE
from tests.progtypes.net_diff import OUT_SLOTS, _out_map, _read_out, recording, run_on

ENGINES = ("interpreter", "jit", "auto")
PACKET = bytes(range(64))
SOCKET_FILTER = uapi.BPF_PROG_TYPE_SOCKET_FILTER
XDP = uapi.BPF_PROG_TYPE_XDP
U64 = (1 << 64) - 1


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    monkeypatch.setenv(ENGINE_VARIABLE, request.param)
    yield request.param


def both(prog_type: int, *snippets: str) -> tuple[int, ...]:
    """What the recording program of ``snippets`` stored, asserted the same on pybpf and the kernel."""
    text = recording(*snippets)
    mine = run_on(UserBackend(), prog_type, text, PACKET, record=True, explain=True)
    theirs = run_on(NativeBackend(), prog_type, text, PACKET, record=True, explain=True)
    assert mine == theirs, f"pybpf {mine} != kernel {theirs}"
    assert not mine.load_errno and not mine.run_errno, mine
    return mine.out


def _pidns() -> tuple[int, int]:
    info = os.stat("/proc/self/ns/pid")
    return os.major(info.st_dev) << 20 | os.minor(info.st_dev), info.st_ino


def _ns_call(dev: int, ino: int, size: int = 8) -> str:
    return (
        "r1 = -1\n*(u64 *)(r10 - 16) = r1\n"  # a filled buffer: a refusal must zero it
        f"r1 = {dev} ll\nr2 = {ino} ll\nr3 = r10\nr3 += -16\nr4 = {size}\ncall bpf_get_ns_current_pid_tgid"
    )


READ_BUFFER = "r0 = *(u64 *)(r10 - 16)"


def test_ns_current_pid_tgid(engine: str) -> None:
    dev, ino = _pidns()
    out = both(
        SOCKET_FILTER,
        _ns_call(dev, ino), READ_BUFFER,
        _ns_call(dev, ino + 1), READ_BUFFER,
        _ns_call(dev + 1, ino), READ_BUFFER,
    )  # fmt: skip
    einval = -22 & U64
    assert out[0] == 0
    assert out[1] == os.getpid() << 32 | (out[1] & 0xFFFF_FFFF)  # {pid (the thread), tgid}
    assert out[2:6] == (einval, 0, einval, 0)
    out = both(SOCKET_FILTER, _ns_call(dev | 1 << 32, ino), READ_BUFFER, _ns_call(dev, ino, 4), READ_BUFFER)
    assert out[0] == out[2] == einval
    assert out[1] == 0 and out[3] == U64 << 32 & U64  # a refusal zeroes ``size`` bytes


def test_current_ancestor_cgroup_id(engine: str) -> None:
    levels = (0, 1, 2, 3, 1000, -1, 0x7FFF_FFFF)
    out = both(SOCKET_FILTER, *(f"r1 = {level}\ncall bpf_get_current_ancestor_cgroup_id" for level in levels))
    assert out[0] != 0  # the root cgroup's id
    assert out[4:7] == (0, 0, 0)


def test_current_ancestor_cgroup_id_matches_current_cgroup_id(engine: str) -> None:
    out = both(SOCKET_FILTER, "call bpf_get_current_cgroup_id", *(
        f"r1 = {level}\ncall bpf_get_current_ancestor_cgroup_id" for level in range(OUT_SLOTS - 1)
    ))  # fmt: skip
    assert out[0] in out[1:] or out[0] == 0


def test_cgroup_classid_outside_skb(engine: str) -> None:
    both(XDP, "r1 = r6\ncall bpf_get_cgroup_classid")  # (XDP's proto takes no argument: see the README)


def test_send_signal_checks(engine: str) -> None:
    einval = -22 & U64
    out = both(
        SOCKET_FILTER,
        "r1 = 0\ncall bpf_send_signal", "r1 = 0\ncall bpf_send_signal_thread",
        "r1 = 65\ncall bpf_send_signal", "r1 = 65\ncall bpf_send_signal_thread",
        "r1 = -1\ncall bpf_send_signal",
    )  # fmt: skip
    assert out[:5] == (0, 0, einval, einval, einval)


@pytest.mark.parametrize("helper", ["bpf_send_signal", "bpf_send_signal_thread"])
def test_send_signal_delivers(engine: str, helper: str) -> None:
    received: list[int] = []
    previous = signal.signal(signal.SIGUSR1, lambda signum, _frame: received.append(signum))
    try:
        counts = []
        for backend in (UserBackend(), NativeBackend()):
            received.clear()
            text = recording(f"r1 = {int(signal.SIGUSR1)}\ncall {helper}")
            outcome = run_on(backend, SOCKET_FILTER, text, PACKET, record=True)
            signal.pthread_sigmask(signal.SIG_BLOCK, [])  # a bytecode boundary: the handler has run
            counts.append((outcome.out[0], list(received)))
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert counts[0] == counts[1] == (0, [signal.SIGUSR1])


# -- bpf_copy_from_user: a sleepable SYSCALL program whose ctx holds a user pointer --------------------
COPY = """
r6 = r1
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(out) ll
call bpf_map_lookup_elem
if r0 == 0 goto done
r7 = r0
r1 = -1
*(u64 *)(r10 - 24) = r1
*(u64 *)(r10 - 16) = r1
r3 = *(u64 *)(r6 + 0)
r1 = r10
r1 += -24
r2 = 16
call bpf_copy_from_user
*(u64 *)(r7 + 0) = r0
r0 = *(u64 *)(r10 - 24)
*(u64 *)(r7 + 8) = r0
r0 = *(u64 *)(r10 - 16)
*(u64 *)(r7 + 16) = r0
r3 = r10
r3 += -8
r1 = r10
r1 += -24
r2 = 8
call bpf_copy_from_user
*(u64 *)(r7 + 24) = r0
r0 = *(u64 *)(r10 - 24)
*(u64 *)(r7 + 32) = r0
done:
r0 = 0
exit
"""


def _syscall_run(backend: Backend, pointer: int, text: str = COPY) -> tuple[int, ...]:
    out_fd = _out_map(backend)
    try:
        code = encode_program(assemble(text, "kernel", maps={"out": out_fd}))
        insns = ctypes.create_string_buffer(code, len(code))
        lic = ctypes.create_string_buffer(b"GPL")
        attr = uapi.bpf_attr()
        attr.prog_type, attr.insns, attr.insn_cnt = (
            uapi.BPF_PROG_TYPE_SYSCALL,
            ctypes.addressof(insns),
            len(code) // 8,
        )
        attr.license, attr.prog_flags = ctypes.addressof(lic), uapi.BPF_F_SLEEPABLE
        fd = backend.bpf(uapi.BPF_PROG_LOAD, attr)
        try:
            ctx = ctypes.create_string_buffer(struct.pack("<Q", pointer), 8)
            run = uapi.bpf_attr()
            run.test.prog_fd, run.test.ctx_in, run.test.ctx_size_in = fd, ctypes.addressof(ctx), 8
            backend.bpf(uapi.BPF_PROG_TEST_RUN, run)
        finally:
            os.close(fd)
        return _read_out(backend, out_fd)
    finally:
        os.close(out_fd)


def _copy_both(pointer: int, text: str = COPY) -> tuple[int, ...]:
    try:
        mine = _syscall_run(UserBackend(), pointer, text)
    except BPFError as err:
        mine = (-(err.errno or 0),)
    theirs = _syscall_run(NativeBackend(), pointer, text)
    assert mine == theirs
    return mine


def test_copy_from_user(engine: str) -> None:
    data = ctypes.create_string_buffer(bytes(range(1, 17)), 16)
    out = _copy_both(ctypes.addressof(data))
    assert out[:3] == (0, *struct.unpack("<QQ", bytes(range(1, 17))))
    assert out[3] == -14 & U64 and out[4] == 0  # program memory is not user memory: zeroed, -EFAULT


def test_copy_from_user_unreadable(engine: str) -> None:
    page = mmap.mmap(-1, 2 * mmap.PAGESIZE)
    base = ctypes.addressof(ctypes.c_char.from_buffer(page))
    try:
        page[mmap.PAGESIZE - 8 : mmap.PAGESIZE] = b"ABCDEFGH"
        libc = ctypes.CDLL(None, use_errno=True)
        assert libc.mprotect(ctypes.c_void_p(base + mmap.PAGESIZE), mmap.PAGESIZE, 0) == 0
        out = _copy_both(base + mmap.PAGESIZE - 8)  # half readable: all zeroed, -EFAULT
        assert out[:3] == (-14 & U64, 0, 0)
        out = _copy_both(base + mmap.PAGESIZE - 8, COPY_TASK)
        assert out[:3] == (-14 & U64, 0, 0)
        out = _copy_both(0)
        assert out[:3] == (-14 & U64, 0, 0)
        out = _copy_both(U64 - 7)
        assert out[:3] == (-14 & U64, 0, 0)
    finally:
        libc.mprotect(ctypes.c_void_p(base + mmap.PAGESIZE), mmap.PAGESIZE, 3)
        page.close()


COPY_TASK = """
r6 = r1
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(out) ll
call bpf_map_lookup_elem
if r0 == 0 goto done
r7 = r0
call bpf_get_current_task_btf
r8 = r0
r1 = -1
*(u64 *)(r10 - 24) = r1
*(u64 *)(r10 - 16) = r1
r3 = *(u64 *)(r6 + 0)
r4 = r8
r5 = 0
r1 = r10
r1 += -24
r2 = 16
call bpf_copy_from_user_task
*(u64 *)(r7 + 0) = r0
r0 = *(u64 *)(r10 - 24)
*(u64 *)(r7 + 8) = r0
r0 = *(u64 *)(r10 - 16)
*(u64 *)(r7 + 16) = r0
r3 = *(u64 *)(r6 + 0)
r4 = r8
r5 = 1
r1 = r10
r1 += -24
r2 = 16
call bpf_copy_from_user_task
*(u64 *)(r7 + 24) = r0
r0 = *(u64 *)(r10 - 24)
*(u64 *)(r7 + 32) = r0
done:
r0 = 0
exit
"""


def test_copy_from_user_task(engine: str) -> None:
    data = ctypes.create_string_buffer(bytes(range(1, 17)), 16)
    out = _copy_both(ctypes.addressof(data), COPY_TASK)
    assert out[:3] == (0, *struct.unpack("<QQ", bytes(range(1, 17))))
    assert out[3] == -22 & U64  # flags: refused before anything is copied
    assert out[4] == out[1]


# -- bpf_check_mtu in XDP (bpf_xdp_check_mtu) -----------------------------------------------------------
def _mtu_call(ifindex: int, given: int, len_diff: int, flags: int = 0) -> str:
    return (
        f"r1 = {given}\n*(u32 *)(r10 - 16) = r1\nr1 = r6\nr2 = {ifindex}\nr3 = r10\nr3 += -16\n"
        f"r4 = {len_diff}\nr5 = {flags}\ncall bpf_check_mtu\nr1 = *(u32 *)(r10 - 16)\nr1 <<= 32\nr0 |= r1"
    )


@pytest.mark.parametrize(
    ("given", "len_diff"), [(0, 0), (0, 65536), (0, -100), (1500, 0), (65536, 0), (65536, 1), (100, -200)]
)
def test_xdp_check_mtu(engine: str, given: int, len_diff: int) -> None:
    both(XDP, _mtu_call(0, given, len_diff), _mtu_call(1, given, len_diff), _mtu_call(0, given, len_diff, 1),
         _mtu_call(0x7FFF_0000, given, len_diff))  # fmt: skip
