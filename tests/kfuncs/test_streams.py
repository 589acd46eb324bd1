"""BPF streams: bpf_stream_vprintk_impl() writes, BPF_PROG_STREAM_READ_BY_FD reads (``pybpf.kfuncs.streams``).

* Verifier (both backends, the kernel's verdict, errno and last log line): the kfunc loads in every
  program type tried (the common set); the format must be a constant string (a NUL-terminated
  string in a read-only map value), the args trusted memory of ``len__sz`` bytes, ``aux__prog``
  anything (the verifier fills it in).
* Results: the argument errors (-ENOENT for a stream id not 1 or 2, -EINVAL for a length not a
  multiple of 8, past 12 arguments or a refused format) are the kernel's, which writes nothing then.
  A valid message is stored by pybpf (0) and read back byte for byte; the kernel of this machine
  answers -ENOMEM to every valid message (its stream page allocation fails: measured on Linux
  6.18.44), so for those the kernel is asked only that its streams stay empty and pybpf follows the
  source (kernel/bpf/stream.c): the texts, reads across messages and inside one, the 1024-byte
  edge, -ENOMEM beyond it, -ENOSPC at ``BPF_STREAM_MAX_CAPACITY``, EFAULT for a buffer it cannot
  write, and a stream read from another process.
"""

from __future__ import annotations

import ctypes
import errno
import os

import pytest

import pybpf
from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.objects.streams import BPF_STDERR, BPF_STDOUT, BPF_STREAM_MAX_CAPACITY

pytestmark = pytest.mark.usefixtures("engine")  # every program runs on each engine (tests/conftest.py)

FMT_SIZE = 2048
SLEEPABLE = uapi.BPF_F_SLEEPABLE


def _vid() -> int:
    vid = kernel_btf().func_id("bpf_stream_vprintk_impl")
    assert vid is not None
    return vid


def _fmt_map(backend: Backend, text: bytes, *, rdonly: bool = True) -> pybpf.Map:
    flags = uapi.BPF_F_RDONLY_PROG if rdonly else 0
    map_ = pybpf.Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, FMT_SIZE, 1, flags, backend=backend)
    map_.update(0, text.ljust(FMT_SIZE, b"\0"))
    if rdonly:
        map_.freeze()
    return map_


def _program(fmt_fd: int, stream_id: int, length: int, *, times: int = 1, fmt_off: int = 0) -> str:
    """Stores the arguments at fp-32 (7, a pointer to "abc" at fp-40, -5) and prints ``times``
    times; returns the last result."""
    return f"""
        r6 = 0
    again:
        r1 = 0x636261
        *(u64 *)(r10 - 40) = r1
        r1 = 7
        *(u64 *)(r10 - 32) = r1
        r1 = r10
        r1 += -40
        *(u64 *)(r10 - 24) = r1
        r1 = -5
        *(u64 *)(r10 - 16) = r1
        *(u64 *)(r10 - 8) = r1
        r1 = {stream_id}
        r2 = map_value({fmt_fd}, {fmt_off}) ll
        r3 = r10
        r3 += -32
        r4 = {length}
        r5 = 0
        call kfunc({_vid()})
        r7 = r0
        r6 += 1
        if r6 < {times} goto again
        r0 = r7
        exit
    """


def _s32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value >> 31 else value


def _read(
    backend: Backend, fd: int, stream_id: int, size: int = 4096, address: int | None = None
) -> tuple[int, bytes]:
    """(bytes read or -errno, what they were)."""
    out = ctypes.create_string_buffer(max(size, 1))
    attr = uapi.bpf_attr()
    stream = attr.prog_stream_read
    stream.stream_buf = ctypes.addressof(out) if address is None else address
    stream.stream_buf_len, stream.stream_id, stream.prog_fd = size, stream_id, fd
    try:
        done = backend.bpf(uapi.BPF_PROG_STREAM_READ_BY_FD, attr)
    except BPFError as exc:
        return -int(exc.errno or 0), b""
    return done, out.raw[:done]


def _print(
    backend: Backend, fmt: bytes, stream_id: int = BPF_STDOUT, length: int = 24, times: int = 1
) -> tuple[int, pybpf.Program, pybpf.Map]:
    """Load and run the printing program once: (its result, the program, the format map)."""
    map_ = _fmt_map(backend, fmt)
    prog = pybpf.Program.load(
        _program(map_.fd, stream_id, length, times=times), "syscall", prog_flags=SLEEPABLE, backend=backend
    )
    return _s32(prog.run(ctx=b"").retval), prog, map_


def _backends() -> list[Backend]:
    return [UserBackend(), NativeBackend()] if kernel_bpf_available() else [UserBackend()]


# --- the verifier --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prog_type", ["xdp", "sched_cls", "socket_filter", "cgroup_skb", "raw_tracepoint", "syscall"]
)
def test_every_program_type_may_call_it(backend: Backend, prog_type: str) -> None:
    flags = SLEEPABLE if prog_type == "syscall" else 0
    with _fmt_map(backend, b"hi\n") as map_:
        src = _program(map_.fd, BPF_STDOUT, 0).replace("r0 = r7", "r0 = 0")
        with pybpf.Program.load(src, prog_type, prog_flags=flags, backend=backend) as prog:
            assert prog.fd >= 0


def _case_source(case: str, rdonly_fd: int, writable_fd: int, no_nul_fd: int) -> str:
    good = _program(rdonly_fd, BPF_STDOUT, 8)
    replace = {
        "null_args": ("r3 = r10\n        r3 += -32", "r3 = 0"),
        "scalar_args": ("r3 = r10\n        r3 += -32", "r3 = 46"),
        "ctx_format": (f"r2 = map_value({rdonly_fd}, 0) ll", "r2 = r1\n        r1 = 1"),
        "writable_map_format": (f"map_value({rdonly_fd}, 0)", f"map_value({writable_fd}, 0)"),
        "no_nul_format": (f"map_value({rdonly_fd}, 0)", f"map_value({no_nul_fd}, 0)"),
        "format_at_value_end": (f"map_value({rdonly_fd}, 0)", f"map_value({rdonly_fd}, {FMT_SIZE - 1})"),
        "args_past_stack": ("r4 = 8", "r4 = 40"),
        "unknown_length": ("r4 = 8", "r4 = r0"),
        "aux_anything": ("r5 = 0", "r5 = r10"),
        "stream_id_pointer": ("r1 = 1\n        r2 = map", "r1 = r10\n        r2 = map"),
        "result_is_a_scalar": ("r0 = r7\n        exit", "r0 = r7\n        r0 &= 1\n        exit"),
    }[case]
    src = good.replace(*replace)
    if case == "unknown_length":
        src = src.replace("    again:", "    again:\n        call 7")
    return src


CASES = [
    "null_args", "scalar_args", "ctx_format", "writable_map_format", "no_nul_format", "format_at_value_end",
    "args_past_stack", "unknown_length", "aux_anything", "stream_id_pointer", "result_is_a_scalar",
]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_argument_checks_match_the_kernel(case: str) -> None:
    """The verdict, errno and last log line of each case are the kernel's."""
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    outcomes = []
    for backend in (UserBackend(), NativeBackend()):
        rdonly = _fmt_map(backend, b"x=%d\n")
        writable = _fmt_map(backend, b"x=%d\n", rdonly=False)
        no_nul = pybpf.Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, uapi.BPF_F_RDONLY_PROG, backend=backend)
        no_nul.update(0, b"abcdefgh")
        no_nul.freeze()
        with rdonly, writable, no_nul:
            src = _case_source(case, rdonly.fd, writable.fd, no_nul.fd)
            try:
                pybpf.Program.load(src, "syscall", prog_flags=SLEEPABLE, backend=backend, log_level=1).close()
                outcomes.append((0, ""))
            except BPFError as exc:
                lines = [
                    line for line in (exc.log or "").splitlines() if line and not line.startswith("processed")
                ]
                outcomes.append((exc.errno or 0, lines[-1] if lines else ""))
    assert outcomes[0] == outcomes[1]


# --- results --------------------------------------------------------------------------------------------

ERRORS = [  # (format, stream id, length, the result): refused before anything is stored
    (b"x=%d\n", 0, 8, -errno.ENOENT),
    (b"x=%d\n", 3, 8, -errno.ENOENT),
    (b"x=%d\n", -1, 8, -errno.ENOENT),
    (b"x=%d\n", BPF_STDOUT, 9, -errno.EINVAL),
    (b"x=%d\n", BPF_STDERR, 4, -errno.EINVAL),
    (b"%d %d %d %d\n", BPF_STDOUT, 24, -errno.EINVAL),  # more conversions than arguments
    (b"%q\n", BPF_STDOUT, 8, -errno.EINVAL),
    (b"bad \x01", BPF_STDOUT, 0, -errno.EINVAL),
    (b"%sx", BPF_STDOUT, 16, -errno.EINVAL),  # %s followed by a letter
]


@pytest.mark.parametrize(("fmt", "stream_id", "length", "result"), ERRORS)
def test_refused_messages_match_the_kernel(
    backend: Backend, fmt: bytes, stream_id: int, length: int, result: int
) -> None:
    got, prog, map_ = _print(backend, fmt, stream_id, length)
    with prog, map_:
        assert got == result
        assert _read(backend, prog.fd, BPF_STDOUT) == (0, b"")
        assert _read(backend, prog.fd, BPF_STDERR) == (0, b"")


MESSAGES = [  # (format, length, the text queued); the arguments: 7, "abc", -5, -5
    (b"x=%d y=%s z=%d\n", 24, b"x=7 y=abc z=-5\n"),
    (b"%u|%s|%llx|%-5i|\n", 32, b"7|abc|fffffffffffffffb|-5   |\n"),
    (b"%c%c", 16, b"\x07"),  # the second character is the string's address's low byte: not compared
    (b"100%% plain text", 0, b"100% plain text"),
    (b"", 0, b""),
]


@pytest.mark.parametrize(("fmt", "length", "text"), MESSAGES)
def test_messages(backend: Backend, fmt: bytes, length: int, text: bytes) -> None:
    """pybpf queues the text bstr_printf() makes and a read returns it; this machine's kernel
    refuses every valid message with -ENOMEM and keeps its streams empty."""
    for stream_id in (BPF_STDOUT, BPF_STDERR):
        got, prog, map_ = _print(backend, fmt, stream_id, length)
        with prog, map_:
            other = BPF_STDERR if stream_id == BPF_STDOUT else BPF_STDOUT
            assert _read(backend, prog.fd, other) == (0, b"")
            if isinstance(backend, NativeBackend) and got == -errno.ENOMEM:
                assert _read(backend, prog.fd, stream_id) == (0, b"")
                continue
            assert got == 0
            done, data = _read(backend, prog.fd, stream_id)
            if fmt == b"%c%c":
                data = data[:1]
                done -= 1
            assert (done, data) == (len(text), text)
            assert _read(backend, prog.fd, stream_id) == (0, b"")


# --- pybpf's streams, by the source (this machine's kernel stores nothing) -------------------------------


def test_reads_go_across_and_into_messages() -> None:
    """A read takes bytes in order across messages and keeps the rest of one it stopped inside."""
    backend = UserBackend()
    got, prog, map_ = _print(backend, b"%d-%s.", BPF_STDERR, 16, times=3)
    with prog, map_:
        assert got == 0
        assert _read(backend, prog.fd, BPF_STDERR, 4) == (4, b"7-ab")
        assert _read(backend, prog.fd, BPF_STDERR, 7) == (7, b"c.7-abc")
        assert _read(backend, prog.fd, BPF_STDERR, 0) == (0, b"")
        assert _read(backend, prog.fd, BPF_STDERR, 100) == (7, b".7-abc.")
        assert _read(backend, prog.fd, BPF_STDERR, 100) == (0, b"")
        assert _read(backend, prog.fd, BPF_STDOUT, 100) == (0, b"")


@pytest.mark.parametrize(
    ("size", "result", "stored"), [(1023, 0, 1023), (1024, 0, 1024), (1025, -errno.ENOMEM, 0)]
)
def test_the_format_buffer_edge(size: int, result: int, stored: int) -> None:
    """bstr_printf() into 1024 bytes: 1023 characters and the NUL queued for an output of 1024,
    -ENOMEM for a longer one (bpf_stream_elem_alloc())."""
    backend = UserBackend()
    got, prog, map_ = _print(backend, b"A" * size, BPF_STDOUT, 0)
    with prog, map_:
        assert got == result
        done, data = _read(backend, prog.fd, BPF_STDOUT)
        assert done == stored
        if stored:
            assert data == (b"A" * 1023 + b"\0" if size == 1024 else b"A" * size)


def test_capacity() -> None:
    """-ENOSPC once the bytes queued would reach BPF_STREAM_MAX_CAPACITY; reading gives room back."""
    backend = UserBackend()
    fmt = b"0123456789abcdefghi%d\n"  # 21 bytes with a one-digit argument
    fits = (BPF_STREAM_MAX_CAPACITY - 1) // 21
    got, prog, map_ = _print(backend, fmt, BPF_STDOUT, 8, times=fits)
    with prog, map_:
        assert got == 0
        assert _s32(prog.run(ctx=b"").retval) == -errno.ENOSPC  # its first message no longer fits
        assert _read(backend, prog.fd, BPF_STDERR) == (0, b"")
        total = 0
        while True:
            done, _ = _read(backend, prog.fd, BPF_STDOUT, 1 << 16)
            if done <= 0:
                break
            total += done
        assert total == fits * 21
        assert _s32(prog.run(ctx=b"").retval) == 0


def test_bad_buffer_faults_and_keeps_the_bytes() -> None:
    backend = UserBackend()
    got, prog, map_ = _print(backend, b"x=%d\n", BPF_STDOUT, 8)
    with prog, map_:
        assert got == 0
        assert _read(backend, prog.fd, BPF_STDOUT, 16, address=8) == (-errno.EFAULT, b"")
        assert _read(backend, prog.fd, BPF_STDOUT, 0x8000_0000) == (-errno.EFAULT, b"")  # a negative int
        assert _read(backend, prog.fd, BPF_STDOUT) == (4, b"x=7\n")
        assert _read(backend, prog.fd, BPF_STDOUT, 0x8000_0000) == (0, b"")  # nothing queued


def test_another_process_reads_the_stream() -> None:
    """The streams belong to the program, not to the process that ran it."""
    backend = UserBackend()
    got, prog, map_ = _print(backend, b"from the parent %d\n", BPF_STDOUT, 8)
    with prog, map_:
        assert got == 0
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child reads through the fd it inherited
            try:
                os.close(reader)
                done, data = _read(backend, prog.fd, BPF_STDOUT)
                os.write(writer, done.to_bytes(4, "little", signed=True) + data)
            finally:
                os._exit(0)
        os.close(writer)
        answer = b""
        while chunk := os.read(reader, 4096):
            answer += chunk
        os.close(reader)
        os.waitpid(pid, 0)
        text = b"from the parent 7\n"
        assert answer == len(text).to_bytes(4, "little") + text
        assert _read(backend, prog.fd, BPF_STDOUT) == (0, b"")
