"""The user-memory kfuncs (``pybpf.kfuncs.user_copy``) against the kernel.

A sleepable SYSCALL program runs in the calling process on both backends, so the user memory both
read is this test's: a buffer holding a string, a string that ends at an unmapped page, NULL, a low
address, a kernel address.  Each of bpf_probe_read_user_dynptr, bpf_probe_read_user_str_dynptr,
bpf_copy_from_user_dynptr, bpf_copy_from_user_str_dynptr (into a local dynptr over a map value) and
bpf_copy_from_user_str (into the map value, with and without BPF_F_PAD_ZEROS) copies from each at
several sizes: the same result and the same map value bytes (what the word-at-a-time string copy
zeroes past the NUL included).  The verifier's side: the copy_from_user ones need a sleepable
program, and bpf_copy_from_user_str's ``dst``/``dst__sz`` pair (KF_ARG_PTR_TO_MEM_SIZE) is checked
like the kernel's (bounded size, memory that holds it, no NULL).
"""

from __future__ import annotations

import ctypes
import mmap
import struct
from collections.abc import Iterator

import pytest

import pybpf
from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs.kernel_btf import kernel_btf

pytestmark = pytest.mark.usefixtures("engine")  # every program runs on each engine (tests/conftest.py)

DYNPTR_KFUNCS = (
    "bpf_probe_read_user_dynptr",
    "bpf_probe_read_user_str_dynptr",
    "bpf_copy_from_user_dynptr",
    "bpf_copy_from_user_str_dynptr",
)
FILL = b"\x7f" * 64


def _id(name: str) -> int:
    btf_id = kernel_btf().func_id(name)
    assert btf_id is not None, name
    return btf_id


@pytest.fixture(scope="module")
def sources() -> Iterator[dict[str, int]]:
    """The user addresses read: a string buffer, a string running into an unmapped page (and one
    ending there with its NUL), NULL, a low page, a kernel address."""
    buffer = ctypes.create_string_buffer(b"hello user world\0tail".ljust(64, b"Z"), 64)
    pages = mmap.mmap(-1, 2 * mmap.PAGESIZE)
    base = ctypes.addressof(ctypes.c_char.from_buffer(pages))
    pages[mmap.PAGESIZE - 12 : mmap.PAGESIZE] = b"edge string!"  # no NUL before the hole
    pages[mmap.PAGESIZE - 24 : mmap.PAGESIZE - 12] = b"ends here\0\0\0"
    ctypes.CDLL(None).mprotect(ctypes.c_void_p(base + mmap.PAGESIZE), mmap.PAGESIZE, 0)
    yield {
        "buffer": ctypes.addressof(buffer),
        "after_nul": ctypes.addressof(buffer) + 17,
        "edge": base + mmap.PAGESIZE - 12,
        "edge_nul": base + mmap.PAGESIZE - 24,
        "null": 0,
        "low": 0x1000,
        "kernel": 0xFFFF_FFFF_FFFF_0000,
    }
    ctypes.CDLL(None).mprotect(ctypes.c_void_p(base + mmap.PAGESIZE), mmap.PAGESIZE, 3)
    del base
    pages.close()


def _run(backend: Backend, body: str) -> tuple[int, bytes]:
    """Run ``body`` (r7: the map value) in a sleepable SYSCALL program: its r0 and the value."""
    with pybpf.Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 64, 1, backend=backend) as map_:
        map_.update(0, FILL)
        src = f"r6 = r1\nr7 = map_value({map_.fd}, 0) ll\n{body}\n*(u32 *)(r6 + 0) = r0\nr0 = 0\nexit"
        with pybpf.Program.load(src, "syscall", prog_flags=uapi.BPF_F_SLEEPABLE, backend=backend) as prog:
            out = prog.run(ctx=bytes(8)).ctx_out
        assert out is not None
        return struct.unpack("<i", out[:4])[0], bytes(map_.lookup(0))


def _both(body: str) -> None:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    assert _run(UserBackend(), body) == _run(NativeBackend(), body)


@pytest.mark.parametrize("name", DYNPTR_KFUNCS)
@pytest.mark.parametrize("where", ["buffer", "after_nul", "edge", "edge_nul", "null", "low", "kernel"])
@pytest.mark.parametrize("size", [0, 1, 8, 30, 64])
def test_dynptr_copies_match_the_kernel(sources: dict[str, int], name: str, where: str, size: int) -> None:
    _both(f"""
        r1 = r7
        r2 = 64
        r3 = 0
        r4 = r10
        r4 += -16
        call bpf_dynptr_from_mem
        r1 = r10
        r1 += -16
        r2 = 0
        r3 = {size}
        r4 = {sources[where]:#x} ll
        call kfunc({_id(name)})
    """)


@pytest.mark.parametrize("where", ["buffer", "after_nul", "edge", "edge_nul", "null", "kernel"])
@pytest.mark.parametrize("size", [0, 1, 9, 30])
@pytest.mark.parametrize("flags", [0, 1, 2])
def test_copy_from_user_str_matches_the_kernel(
    sources: dict[str, int], where: str, size: int, flags: int
) -> None:
    _both(f"""
        r1 = r7
        r2 = {size}
        r3 = {sources[where]:#x} ll
        r4 = {flags}
        call kfunc({_id("bpf_copy_from_user_str")})
    """)


def test_program_memory_is_not_user_memory() -> None:
    """A user copy from the stack or a map value (kernel memory) faults; the string copy's
    BPF_F_PAD_ZEROS zeroes the destination."""
    _both(f"""
        r1 = 0x41414141 ll
        *(u64 *)(r10 - 8) = r1
        r1 = r7
        r2 = 16
        r3 = r10
        r3 += -8
        r4 = 1
        call kfunc({_id("bpf_copy_from_user_str")})
    """)


VERDICTS = {
    "not_sleepable": (0, "r1 = r7\nr2 = 8\nr3 = 0\nr4 = 0\ncall kfunc(bpf_copy_from_user_str)"),
    "too_big": (uapi.BPF_F_SLEEPABLE, "r1 = r7\nr2 = 65\nr3 = 0\nr4 = 0\ncall kfunc(bpf_copy_from_user_str)"),
    "bounded": (
        uapi.BPF_F_SLEEPABLE,
        "call 7\nr2 = r0\nr2 &= 63\nr1 = r7\nr3 = 0\nr4 = 0\ncall kfunc(bpf_copy_from_user_str)",
    ),
    "unbounded": (
        uapi.BPF_F_SLEEPABLE,
        "call 7\nr2 = r0\nr1 = r7\nr3 = 0\nr4 = 0\ncall kfunc(bpf_copy_from_user_str)",
    ),
    "null_dst": (uapi.BPF_F_SLEEPABLE, "r1 = 0\nr2 = 8\nr3 = 0\nr4 = 0\ncall kfunc(bpf_copy_from_user_str)"),
    "uninit_stack": (
        uapi.BPF_F_SLEEPABLE,
        "r1 = r10\nr1 += -16\nr2 = 16\nr3 = 0\nr4 = 0\ncall kfunc(bpf_copy_from_user_str)",
    ),
    "zero_size": (
        uapi.BPF_F_SLEEPABLE,
        "r1 = r7\nr2 = 0\nr3 = 0\nr4 = 0\ncall kfunc(bpf_copy_from_user_str)",
    ),
    "dynptr_not_sleepable": (
        0,
        "r1 = r10\nr1 += -16\nr2 = 0\nr3 = 0\nr4 = 0\ncall kfunc(bpf_copy_from_user_dynptr)",
    ),
}


@pytest.mark.parametrize("case", sorted(VERDICTS))
def test_verdicts_match_the_kernel(case: str) -> None:
    """The verdict, errno and last log line (in an XDP program when not sleepable)."""
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    flags, body = VERDICTS[case]
    for name in ("bpf_copy_from_user_str", "bpf_copy_from_user_dynptr"):
        body = body.replace(f"kfunc({name})", f"kfunc({_id(name)})")
    prog_type = "syscall" if flags else "xdp"
    outcomes = []
    for backend in (UserBackend(), NativeBackend()):
        with pybpf.Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 64, 1, backend=backend) as map_:
            src = f"r7 = map_value({map_.fd}, 0) ll\n{body}\nr0 = 0\nexit"
            try:
                pybpf.Program.load(src, prog_type, prog_flags=flags, backend=backend, log_level=1).close()
                outcomes.append((0, ""))
            except BPFError as exc:
                lines = [
                    line for line in (exc.log or "").splitlines() if line and not line.startswith("processed")
                ]
                outcomes.append((exc.errno or 0, lines[-1] if lines else ""))
    assert outcomes[0] == outcomes[1]
