"""The last kfuncs of Linux 6.18's vmlinux BTF on pybpf and on the kernel (``pybpf.kfuncs.fs_xattr``,
``cgroup_rstat``, ``test_run``, ``sock``'s bpf_sock_destroy, ``user_copy``'s task copies).

* Which program types may call each: a one-call program (every argument 0) loaded in each program
  type the kernel loads here gets the same errno and last log line on both backends -- "calling
  kernel function %s is not allowed" outside the kfunc's sets, the first argument check inside.
* bpf_cgroup_read_xattr at run time: a cgroup v2 directory made for the test with a ``user.`` xattr,
  read by a SYSCALL program through bpf_cgroup_from_id into a map value's dynptr: the result and the
  bytes, for a value that fits, one too long for the dynptr (-ERANGE), a missing name (-ENODATA)
  and names outside ``user.`` (-EPERM).
* The task user copies at run time: a SYSCALL program reads this process's memory (the kernel runs
  it in the calling thread) through bpf_get_current_task_btf's task: strings that fit, that are
  cut, the zero padding flag, a bad flag, an unmapped address; the data and string dynptr copies.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
from collections.abc import Iterator

import pytest

import pybpf
from pybpf import uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs import test_run
from pybpf.map import Map
from pybpf.objects.cgroups import cgroup2_mount
from pybpf.verifier.kernel_btf import vmlinux_btf
from tests.verifier import verifier_corpus as vc

pytestmark = [
    pytest.mark.usefixtures("engine"),  # every program runs on each engine (tests/conftest.py)
    pytest.mark.skipif(vmlinux_btf() is None, reason="needs the kernel's BTF for the kfunc ids"),
]

KFUNCS = (
    "bpf_cgroup_read_xattr", "bpf_copy_from_user_task_dynptr", "bpf_copy_from_user_task_str",
    "bpf_copy_from_user_task_str_dynptr", "bpf_crypto_ctx_acquire", "bpf_crypto_ctx_create",
    "bpf_crypto_ctx_release", "bpf_crypto_decrypt", "bpf_crypto_encrypt", "bpf_fentry_test1",
    "bpf_get_dentry_xattr", "bpf_get_file_xattr", "bpf_kfunc_call_memb_release",
    "bpf_kfunc_call_test_release",
    "bpf_modify_return_test", "bpf_modify_return_test2", "bpf_remove_dentry_xattr", "bpf_set_dentry_xattr",
    "bpf_sock_destroy", "css_rstat_flush", "css_rstat_updated",
)  # fmt: skip
PROG_TYPES = (
    ("socket_filter", 0, 0), ("kprobe", 0, 0), ("sched_cls", 0, 0), ("sched_act", 0, 0), ("tracepoint", 0, 0),
    ("xdp", 0, 0), ("perf_event", 0, 0), ("cgroup_skb", 0, 0), ("cgroup_sock", 0, 0), ("lwt_in", 0, 0),
    ("sock_ops", 0, 0), ("sk_skb", 0, 0), ("cgroup_device", 0, 0), ("sk_msg", 0, 0), ("raw_tracepoint", 0, 0),
    ("cgroup_sock_addr", uapi.BPF_CGROUP_INET4_CONNECT, 0), ("flow_dissector", 0, 0), ("cgroup_sysctl", 0, 0),
    ("cgroup_sockopt", uapi.BPF_CGROUP_GETSOCKOPT, 0), ("sk_lookup", uapi.BPF_SK_LOOKUP, 0),
    ("syscall", 0, uapi.BPF_F_SLEEPABLE),
)  # fmt: skip


def _verdict(backend: Backend, source: str, prog_type: str, attach: int, flags: int) -> tuple[str, str]:
    try:
        prog = pybpf.Program.load(
            source, prog_type, backend=backend, log_level=1, expected_attach_type=attach, prog_flags=flags
        )
    except OSError as exc:
        lines = [line for line in str(getattr(exc, "log", "")).splitlines() if line.strip()]
        reason = [line for line in lines if not line.startswith("processed ")]
        return errno.errorcode.get(exc.errno or 0, "?"), reason[-1] if reason else ""
    prog.close()
    return "", ""


@pytest.mark.parametrize("name", KFUNCS)
def test_one_call_verdicts_are_the_kernels(name: str) -> None:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    source = vc.resolve_kfuncs(f"r1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\ncall kfunc({name})\nr0 = 0\nexit")
    for prog_type, attach, flags in PROG_TYPES:
        ours = _verdict(UserBackend(), source, prog_type, attach, flags)
        assert ours == _verdict(NativeBackend(), source, prog_type, attach, flags), prog_type


# -- bpf_cgroup_read_xattr -----------------------------------------------------------------------
XATTR_VALUE = b"hello-xattr"


@pytest.fixture
def cgroup_with_xattr() -> Iterator[int]:
    """A cgroup v2 directory with ``user.kfrest`` set: its id."""
    mount = cgroup2_mount()
    if mount is None:
        pytest.skip("no cgroup v2 hierarchy")
    path = os.path.join(mount, f"pybpf_kfrest_{os.getpid()}")
    try:
        os.mkdir(path)
    except OSError as exc:
        pytest.skip(f"cannot make a cgroup here: {exc}")
    try:
        try:
            os.setxattr(path, "user.kfrest", XATTR_VALUE)
        except OSError as exc:
            pytest.skip(f"this cgroupfs takes no user xattrs: {exc}")
        yield os.stat(path).st_ino
    finally:
        os.rmdir(path)


def read_xattr_program(cgroup_id: int, size: int) -> str:
    return f"""
    r1 = {cgroup_id} ll
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r6 = r0
    r1 = map_value(buf, 0) ll
    r2 = {size}
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    r1 = r6
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -16
    call kfunc(bpf_cgroup_read_xattr)
    r7 = r0
    r1 = r6
    call kfunc(bpf_cgroup_release)
    r0 = r7
    exit
out:
    r0 = 99
    exit
"""


def _s32(value: int) -> int:
    return value - (1 << 32) if value >= 1 << 31 else value


def run_with_buf(
    backend: Backend, source: str, maps: tuple[vc.MapDef, ...], ctx: bytes = b""
) -> tuple[int, bytes]:
    """Run ``source`` as a sleepable SYSCALL program: (r0 as an int, map ``buf``'s value)."""
    with vc.created_maps((*maps, vc.MapDef("buf", "array", 4, 64, 1)), backend) as fds:
        with pybpf.Program.load(
            vc.resolve_kfuncs(source), "syscall", maps=fds, backend=backend, prog_flags=uapi.BPF_F_SLEEPABLE
        ) as prog:
            result = _s32(prog.run(ctx=ctx).retval)
        with Map(os.dup(fds["buf"]), backend=backend) as buf:
            return result, bytes(buf.lookup(bytes(4)))


def backends() -> list[Backend]:
    return [UserBackend(), NativeBackend()] if kernel_bpf_available() else [UserBackend()]


@pytest.mark.parametrize(
    ("name", "size", "expected"),
    [
        ("user.kfrest", 16, len(XATTR_VALUE)),
        ("user.kfrest", len(XATTR_VALUE), len(XATTR_VALUE)),
        ("user.kfrest", 4, -errno.ERANGE),
        ("user.nothere", 16, -errno.ENODATA),
        ("trusted.kfrest", 16, -errno.EPERM),
        ("security.bpf.x", 16, -errno.EPERM),
        ("user.", 16, -errno.ENODATA),
    ],
)
def test_cgroup_read_xattr_runs_as_the_kernel(
    cgroup_with_xattr: int, name: str, size: int, expected: int
) -> None:
    ro = vc.MapDef("ro", "array", 4, 32, 1, ("rdonly_prog", "frozen"), data=name.encode() + b"\0")
    got = [run_with_buf(b, read_xattr_program(cgroup_with_xattr, size), (ro,)) for b in backends()]
    assert all(g == got[0] for g in got), got
    result, buf = got[0]
    assert result == expected
    assert buf[: len(XATTR_VALUE)] == (XATTR_VALUE if expected > 0 else bytes(len(XATTR_VALUE)))


# -- the task user copies ------------------------------------------------------------------------
TASK_STR = """
    r6 = r1
    call bpf_get_current_task_btf
    r4 = r0
    r3 = *(u64 *)(r6 + 0)
    r5 = *(u64 *)(r6 + 8)
    r1 = map_value(buf, 0) ll
    r2 = SIZE
    call kfunc(bpf_copy_from_user_task_str)
    exit
"""
TASK_DYNPTR = """
    r6 = r1
    r1 = map_value(buf, 0) ll
    r2 = 64
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    call bpf_get_current_task_btf
    r5 = r0
    r1 = r10
    r1 += -16
    r2 = OFF
    r3 = SIZE
    r4 = *(u64 *)(r6 + 0)
    call kfunc(KFUNC)
    exit
"""


def _user_string(text: bytes) -> tuple[ctypes.Array[ctypes.c_char], int]:
    buffer = ctypes.create_string_buffer(text, len(text) + 64)
    return buffer, ctypes.addressof(buffer)


@pytest.mark.parametrize(
    ("text", "size", "flags"),
    [
        (b"hello", 32, 0),
        (b"hello", 32, 1),  # BPF_F_PAD_ZEROS
        (b"a longer string than the size", 8, 0),
        (b"exactly7", 8, 1),
        (b"x", 1, 0),
        (b"hello", 32, 2),  # an unknown flag: -EINVAL
    ],
)
def test_copy_from_user_task_str_runs_as_the_kernel(text: bytes, size: int, flags: int) -> None:
    keep, address = _user_string(text)
    source = TASK_STR.replace("SIZE", str(size))
    got = [run_with_buf(b, source, (), struct.pack("<QQ", address, flags)) for b in backends()]
    del keep
    assert all(g == got[0] for g in got), got
    result, buf = got[0]
    if flags & ~1:
        assert result == -errno.EINVAL
        return
    length = min(len(text), size - 1)
    assert result == length + 1
    assert buf[: length + 1] == text[:length] + b"\0"


def test_copy_from_user_task_str_of_unmapped_memory() -> None:
    got = [
        run_with_buf(b, TASK_STR.replace("SIZE", "16"), (), struct.pack("<QQ", 0x1000, 1)) for b in backends()
    ]
    assert all(g == got[0] for g in got), got
    assert got[0] == (-errno.EFAULT, bytes(64))


def _page_before_a_hole(tail: bytes) -> tuple[int, int]:
    """A readable page followed by one that cannot be read (PROT_NONE), ``tail`` written at the end of
    the first: (the mapping's address, the address of ``tail``)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_long,
    ]
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    page = os.sysconf("SC_PAGE_SIZE")
    base = libc.mmap(None, 2 * page, 3, 0x22, -1, 0)  # PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS
    assert base not in (None, ctypes.c_void_p(-1).value)
    assert libc.mprotect(base + page, page, 0) == 0  # PROT_NONE: no mapping can take its place
    ctypes.memmove(base + page - len(tail), tail, len(tail))
    return base, base + page - len(tail)


@pytest.mark.parametrize(("tail", "size"), [(b"abc", 32), (b"abc\0", 32), (b"abcdefgh", 4)])
def test_copy_from_user_task_str_up_to_a_hole(tail: bytes, size: int) -> None:
    base, address = _page_before_a_hole(tail)
    try:
        source = TASK_STR.replace("SIZE", str(size))
        got = [run_with_buf(b, source, (), struct.pack("<QQ", address, 0)) for b in backends()]
    finally:
        libc = ctypes.CDLL(None)
        libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        libc.munmap(base, 2 * os.sysconf("SC_PAGE_SIZE"))
    assert all(g == got[0] for g in got), got
    if b"\0" in tail or len(tail) >= size - 1:
        assert got[0][0] == min(tail.find(b"\0") % (len(tail) + 1), size - 1) + 1
    else:
        assert got[0][0] == -errno.EFAULT


@pytest.mark.parametrize(
    ("kfunc", "off", "size"),
    [
        ("bpf_copy_from_user_task_dynptr", 0, 16),
        ("bpf_copy_from_user_task_dynptr", 8, 56),
        ("bpf_copy_from_user_task_dynptr", 60, 8),  # past the dynptr: -E2BIG
        ("bpf_copy_from_user_task_str_dynptr", 0, 32),
        ("bpf_copy_from_user_task_str_dynptr", 4, 6),
    ],
)
def test_task_dynptr_copies_run_as_the_kernel(kfunc: str, off: int, size: int) -> None:
    keep, address = _user_string(b"the task's own memory, read by a program")
    source = TASK_DYNPTR.replace("KFUNC", kfunc).replace("OFF", str(off)).replace("SIZE", str(size))
    got = [run_with_buf(b, source, (), struct.pack("<Q", address)) for b in backends()]
    del keep
    assert all(g == got[0] for g in got), got


# -- net/bpf/test_run.c's kfuncs: never callable, the kernel's arithmetic --------------------------
def test_fmod_ret_targets_compute_the_kernels_sums() -> None:
    from pybpf.helpers.context import HelperContext
    from pybpf.helpers.trace_pipe import TRACE_PIPE
    from pybpf.memory.regions import Memory

    memory = Memory()
    region = memory.add_buffer(8)
    ctx = HelperContext(memory, TRACE_PIPE)
    assert test_run.fentry_test1(ctx, 41, 0, 0, 0, 0) == 42
    memory.store(region.base, 4, 1)
    assert test_run.modify_return_test(ctx, 1, region.base, 0, 0, 0) == 3  # *b = 2; 1 + 2
    assert memory.load(region.base, 4) == 2
    memory.store(region.base, 4, 1)
    assert test_run.modify_return_test2(ctx, 1, region.base, 3, 4, 5) == 1 + 2 + 3 + 4 + 5
    assert test_run.modify_return_test2(ctx, 1, region.base, 0xFFFF, 0, 0) == (1 + 3 - 1) & 0xFFFF_FFFF
