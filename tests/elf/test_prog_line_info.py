"""BPF_OBJ_GET_INFO_BY_FD of a program loaded with BTF: func_info and line_info, as the kernel gives them.

The kernel (``bpf_prog_get_info_by_fd``) reports ``nr_func_info`` / ``nr_line_info`` with its record sizes
and copies as many records as the caller has room for; ``nr_jited_line_info`` is 0 without a JIT here.
pybpf must give the same records for the same object, so ``prog dump xlated --linum`` works on a pinned
pybpf program as on a kernel one.
"""

from __future__ import annotations

import ctypes
import errno
from pathlib import Path

import pytest

from pybpf import BPFError, libbpf, load_object, uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from tests.cli.clitools import pybpf
from tests.elf.corpus import obj_path

OBJECT = "bpf2bpf_calls"


def _records(fd: int, backend: Backend) -> tuple[uapi.bpf_prog_info, list[bytes], list[bytes]]:
    first = libbpf.bpf_prog_get_info_by_fd(fd, backend=backend)
    funcs = ctypes.create_string_buffer(max(1, first.nr_func_info * first.func_info_rec_size))
    lines = ctypes.create_string_buffer(max(1, first.nr_line_info * first.line_info_rec_size))
    more = uapi.bpf_prog_info()
    more.nr_func_info, more.func_info_rec_size = first.nr_func_info, first.func_info_rec_size
    more.func_info = ctypes.addressof(funcs)
    more.nr_line_info, more.line_info_rec_size = first.nr_line_info, first.line_info_rec_size
    more.line_info = ctypes.addressof(lines)
    libbpf.bpf_prog_get_info_by_fd(fd, more, backend=backend)
    f, n = first.func_info_rec_size, first.line_info_rec_size
    return (
        more,
        [funcs.raw[i * f : (i + 1) * f] for i in range(first.nr_func_info)],
        [lines.raw[i * n : (i + 1) * n] for i in range(first.nr_line_info)],
    )


def test_records_match_the_kernel() -> None:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    got = {}
    for backend in (NativeBackend(), UserBackend()):
        with load_object(obj_path(OBJECT), backend=backend) as obj:
            for name, program in sorted(obj.programs.items()):
                info, funcs, lines = _records(program.fd, backend)
                assert info.btf_id and lines and funcs
                assert (info.func_info_rec_size, info.line_info_rec_size) == (8, 16)
                assert info.nr_jited_line_info == 0 or backend.name == "native"
                got[backend.name, name] = (funcs, lines)
    for (backend_name, name), value in got.items():
        if backend_name == "user":
            assert value == got["native", name], name


def test_wrong_record_size_is_einval(backend: Backend) -> None:
    with load_object(obj_path(OBJECT), backend=backend) as obj:
        program = next(iter(obj.programs.values()))
        info = uapi.bpf_prog_info()
        info.nr_line_info, info.line_info_rec_size = 1, 8
        with pytest.raises(BPFError) as caught:
            libbpf.bpf_prog_get_info_by_fd(program.fd, info, backend=backend)
        assert caught.value.errno == errno.EINVAL
        few = uapi.bpf_prog_info()
        room = ctypes.create_string_buffer(16)
        few.nr_line_info, few.line_info_rec_size, few.line_info = 1, 16, ctypes.addressof(room)
        full = libbpf.bpf_prog_get_info_by_fd(program.fd, few, backend=backend)
        assert full.nr_line_info > 1 and room.raw != bytes(16)  # one record copied, the real count back


def test_linum_on_a_pinned_program(
    capsys: pytest.CaptureFixture[str], backend: Backend, pin_dir: Path
) -> None:
    with load_object(obj_path(OBJECT), backend=backend) as obj:
        name, program = sorted(obj.programs.items())[0]
        program.pin(str(pin_dir / name))
    done = pybpf(
        capsys, "prog", "dump", "xlated", "pinned", pin_dir / name, "--linum", "--backend", backend.name
    )
    assert done.code == 0, done.err
    assert "no line_info" not in done.err
    assert any(line.startswith(";") and "bpf2bpf_calls.c:" in line for line in done.out.splitlines())
