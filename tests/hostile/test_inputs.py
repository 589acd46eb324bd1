"""Hostile sizes from outside: checked against the kernel's limits before anything is allocated.

Class 6 of issue 9: BPF_PROG_TEST_RUN with ``data_size_in = 0xffffffff`` allocated 4 GiB first,
``pybpf prog run --data-size-out 99999999999`` printed a traceback, a 13-byte trace_printk format
asked for gigabytes.  Each hostile call runs in a child process under an address-space limit and
a time limit, and must end with the kernel's errno (compared with the running kernel where bpf(2)
is available), leaving the child able to run programs; nothing but ``OSError`` leaves ``bpf()``;
the CLI answers every bad input with one ``pybpf: error:`` line.
"""

from __future__ import annotations

import ctypes
import errno
from pathlib import Path

import pytest

from pybpf import Program, uapi
from pybpf.cli.main import main
from pybpf.errors import BPFError
from pybpf.helpers import printk
from pybpf.kernel import prog_run, syscall
from pybpf.kernel.backend import Backend
from pybpf.memory.regions import Memory
from tests.hostile.test_budget import run_isolated

U32_MAX = 0xFFFF_FFFF
_LOADED: list[Program] = []


def _test_run(backend: Backend, prog_type: str, data_size: int, ctx_size: int = 0) -> int | str:
    """BPF_PROG_TEST_RUN of a trivial program with the given sizes over a 128 KiB buffer: more than
    either side reads of a larger size before refusing it (the kernel copies XDP's fragments page by
    page until it has MAX_SKB_FRAGS of them), so the answer is the size check's, never an EFAULT that
    depends on what happens to be mapped after a smaller buffer."""
    prog = Program.load("r0 = 2\nexit", prog_type, backend=backend)
    buffer = ctypes.create_string_buffer(128 * 1024)
    attr = uapi.bpf_attr()
    attr.test.prog_fd = prog.fd
    attr.test.data_in, attr.test.data_size_in = ctypes.addressof(buffer), data_size
    if ctx_size:
        attr.test.ctx_in, attr.test.ctx_size_in = ctypes.addressof(buffer), ctx_size
    _LOADED.append(prog)  # kept open: a closed program's inode may come back for the next one
    try:
        return backend.bpf(uapi.BPF_PROG_TEST_RUN, attr)
    except OSError as exc:
        return errno.errorcode[exc.errno or 0]


@pytest.mark.usefixtures("engine")  # the sizes reach each engine's test run (tests/conftest.py)
@pytest.mark.parametrize("prog_type", ["xdp", "socket_filter"])
@pytest.mark.parametrize(
    ("data_size", "ctx_size"), [(U32_MAX, 0), (1 << 20, 0), (80_000, 0), (64, U32_MAX), (64, 8192)]
)
def test_test_run_sizes_answer_as_the_kernel(
    backend: Backend, prog_type: str, data_size: int, ctx_size: int
) -> None:
    expected = {("xdp", 0): "ENOMEM", ("socket_filter", 0): "EINVAL"}
    answer = _test_run(backend, prog_type, data_size, ctx_size)
    assert answer == ("E2BIG" if ctx_size else expected[(prog_type, 0)])


def test_test_run_huge_sizes_allocate_nothing_under_a_memory_limit() -> None:
    out = run_isolated(
        """
        import ctypes, errno
        from pybpf import Program, uapi
        from pybpf.kernel.backend import UserBackend
        backend = UserBackend()
        keep = []
        for prog_type, data_errno in (("xdp", errno.ENOMEM), ("socket_filter", errno.EINVAL)):
            prog = Program.load("r0 = 2\\nexit", prog_type, backend=backend)
            keep.append(prog)
            buffer = ctypes.create_string_buffer(4096)
            for data_size, ctx_size, want in ((0xFFFFFFFF, 0, data_errno), (64, 0xFFFFFFFF, errno.E2BIG)):
                attr = uapi.bpf_attr()
                attr.test.prog_fd = prog.fd
                attr.test.data_in, attr.test.data_size_in = ctypes.addressof(buffer), data_size
                if ctx_size:
                    attr.test.ctx_in, attr.test.ctx_size_in = ctypes.addressof(buffer), ctx_size
                attr.test.repeat = 0xFFFFFFFF
                try:
                    backend.bpf(uapi.BPF_PROG_TEST_RUN, attr)
                except OSError as exc:
                    assert exc.errno == want, exc
                else:
                    raise AssertionError("accepted")
            assert prog.run(bytes(64)).retval == 2
        """,
        timeout=60,
        memory_mb=768,
    )
    assert out.endswith("ok\n")


def test_huge_counts_in_prog_load_and_btf_load_are_errors_not_allocations() -> None:
    out = run_isolated(
        """
        import ctypes, errno, struct
        from pybpf import assemble, encode_program, uapi
        from pybpf.kernel.backend import UserBackend
        backend = UserBackend()
        code = ctypes.create_string_buffer(encode_program(assemble("r0 = 0\\nexit")))
        licence = ctypes.create_string_buffer(b"GPL")
        blob = ctypes.create_string_buffer(4096)
        fields = ("func_info_cnt", "line_info_cnt", "insn_cnt", "log_size", "fd_array_cnt")
        for field, value in ((name, 0xFFFFFFFF) for name in fields):
            attr = uapi.bpf_attr()
            a = uapi.bpf_attr_prog_load.from_buffer(attr)
            a.prog_type, a.insn_cnt = 1, 2
            a.insns, a.license = ctypes.addressof(code), ctypes.addressof(licence)
            a.func_info_rec_size = a.line_info_rec_size = 8
            a.func_info = a.line_info = a.log_buf = a.fd_array = ctypes.addressof(blob)
            a.log_level = 1 if field == "log_size" else 0
            a.log_size = 4096
            setattr(a, field, value)
            try:
                fd = backend.bpf(uapi.BPF_PROG_LOAD, attr)
            except OSError:
                pass
            else:
                import os
                os.close(fd)
        attr = uapi.bpf_attr()
        b = uapi.bpf_attr_btf_load.from_buffer(attr)
        b.btf, b.btf_size = ctypes.addressof(blob), 0xFFFFFFFF
        try:
            backend.bpf(uapi.BPF_BTF_LOAD, attr)
        except OSError as exc:
            assert exc.errno == errno.E2BIG
        """,
        timeout=60,
        memory_mb=768,
    )
    assert out.endswith("ok\n")


def test_memory_error_inside_a_command_is_enomem(monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(*_: object) -> bytes:
        raise MemoryError

    monkeypatch.setattr(prog_run, "copy_from_user", exhausted)
    prog = Program.load("r0 = 2\nexit", "xdp")
    buffer = ctypes.create_string_buffer(64)
    attr = uapi.bpf_attr()
    attr.test.prog_fd = prog.fd
    attr.test.data_in, attr.test.data_size_in = ctypes.addressof(buffer), 64
    try:
        with pytest.raises(BPFError) as info:
            syscall.bpf(uapi.BPF_PROG_TEST_RUN, attr)
        assert info.value.errno == errno.ENOMEM
    finally:
        prog.close()


# -- printf widths: lib/vsprintf.c clamps them, and nothing wider than the buffer is built ---------
WIDTHS = [b"%5d", b"%1500000000d", b"%8388608d", b"%16777216d", b"%99999999999d", b"%2147483648d",
          b"%-9000000d", b"%09000000d", b"%9000000s", b"%9000000c", b"%+05d|%-5x|% 05d|%05x"]  # fmt: skip


@pytest.mark.parametrize("fmt", WIDTHS)
def test_printf_widths_are_clamped(fmt: bytes) -> None:
    text, length = printk.render(Memory(), fmt, (5, -3, 255, 10), printk.MAX_BPRINTF_BUF - 1)
    assert len(text) <= printk.MAX_BPRINTF_BUF - 1
    assert length <= len(fmt) + 4 * printk.FIELD_WIDTH_MAX


def _printk_program(fmt: bytes) -> str:
    """A program calling bpf_trace_printk(fmt, len, 5) with ``fmt`` on its stack."""
    fmt += b"\0"
    padded = fmt + bytes(-len(fmt) % 8)
    lines = []
    for offset in range(0, len(padded), 8):
        word = int.from_bytes(padded[offset : offset + 8], "little")
        lines += [f"r1 = {word:#x} ll", f"*(u64 *)(r10 - {len(padded) - offset}) = r1"]
    lines += ["r1 = r10", f"r1 += -{len(padded)}", f"r2 = {len(fmt)}", "r3 = 5", "call 6", "exit"]
    return "\n".join(lines)


@pytest.mark.usefixtures("engine")  # the program runs on each engine (tests/conftest.py)
@pytest.mark.parametrize("fmt", [b"%5d", b"%1500000000d", b"%2147483648d", b"%-9000000d", b"%9000000c"])
def test_trace_printk_returns_what_the_kernel_returns(backend: Backend, fmt: bytes) -> None:
    prog = Program.load(_printk_program(fmt), "socket_filter", backend=backend)
    _LOADED.append(prog)
    retval = prog.run(bytes(64)).retval
    expected = {b"%5d": 5, b"%2147483648d": 1}.get(fmt, printk.FIELD_WIDTH_MAX)
    assert retval == expected


def test_a_13_byte_format_allocates_nothing_under_a_memory_limit() -> None:
    out = run_isolated(
        f"""
        import time
        program = pybpf.assemble({_printk_program(b"%1500000000d")!r})
        start = time.perf_counter()
        assert pybpf.vm.run(program) == 8388607
        assert time.perf_counter() - start < 5
        """,
        timeout=60,
        memory_mb=512,
    )
    assert out.endswith("ok\n")


# -- the command line ---------------------------------------------------------------------------
BAD_ARGV = [
    ["prog", "run", "{prog}", "--data-size-out", "99999999999"],
    ["prog", "run", "{prog}", "--ctx-size-out", "-1"],
    ["prog", "run", "{prog}", "--repeat", "4294967296"],
    ["prog", "run", "{prog}", "--data-in", "zz"],
    ["prog", "run", "{prog}", "--data-in", "abc"],
    ["prog", "run", "{prog}", "--data-in-file", "/nonexistent"],
    ["prog", "run", "{prog}", "--data-in", "00" * 100_000],
    ["prog", "run", "{prog}", "--ctx-in", "ff" * 9000],
    ["prog", "run", "id", "99999999999999999999"],
    ["prog", "run", "id", "-3"],
    ["prog", "run", "pinned", "/nonexistent"],
    ["prog", "load", "{prog}", "--log-level", "x"],
    ["prog", "load", "{prog}", "--log-level", "99999999999"],
    ["prog", "load", "{prog}", "--type", "nosuchtype"],
    ["prog", "load", "/nonexistent"],
    ["prog", "show", "id", "abc"],
    ["prog", "dump", "xlated", "id", "4294967296"],
    ["run", "--budget", "-1", "{prog}"],
    ["run", "--budget", "1e9", "{prog}"],
    ["run", "{prog}", "--mem", "0"],
    ["run", "{prog}", "--mem-file", "/nonexistent"],
    ["run", "/nonexistent"],
    ["disasm", "/nonexistent"],
    ["disasm", "-f", "hex", "{prog}"],
    ["asm", "/nonexistent"],
    ["trace", "--timeout", "nan"],
    ["trace", "--timeout", "-1"],
    ["nosuchcommand"],
]


@pytest.mark.parametrize("argv", BAD_ARGV, ids=lambda argv: " ".join(argv)[:60])
def test_cli_bad_input_is_one_error_line(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "prog.s"
    source.write_text("r0 = 2\nexit\n")
    args = [arg.replace("{prog}", str(source)) for arg in argv]
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    err = capsys.readouterr().err
    assert code in (1, 2), err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if not line.startswith("note: ")]
    assert len(lines) == 1 and lines[0].startswith("pybpf: error: "), err
