"""BPF_PROG_BIND_MAP on both backends: every expectation is Linux 6.18's answer (``bpf_prog_bind_map``).

The map joins the program's ``map_ids`` after its load-time maps, binding it again is a no-op, and
the program holds it: its id still opens after its last fd is closed.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Callable

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.map import Map
from pybpf.program import Program


def _errno(call: Callable[[], object]) -> int:
    try:
        call()
    except BPFError as exc:
        return int(exc.errno or 0)
    return 0


def _bind(backend: Backend, prog_fd: int, map_fd: int, flags: int = 0, dirty: int | None = None) -> int:
    attr = uapi.bpf_attr()
    attr.prog_bind_map.prog_fd, attr.prog_bind_map.map_fd, attr.prog_bind_map.flags = prog_fd, map_fd, flags
    raw = bytearray(bytes(attr))
    if dirty is not None:
        raw[dirty] = 1
    return backend.bpf(uapi.BPF_PROG_BIND_MAP, raw)


@pytest.fixture
def objects(backend: Backend) -> tuple[Program, Map, Map]:
    prog = Program.load("r0 = 0\nexit", "socket_filter", backend=backend)
    return (
        prog,
        Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 1, backend=backend),
        Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 4, backend=backend),
    )


def test_bound_maps_join_map_ids_in_order(backend: Backend, objects: tuple[Program, Map, Map]) -> None:
    prog, first, second = objects
    assert prog.map_ids() == []
    assert _bind(backend, prog.fd, first.fd) == 0
    assert prog.map_ids() == [first.id]
    assert _bind(backend, prog.fd, first.fd) == 0  # already used: nothing changes
    prog.bind_map(second)
    assert prog.map_ids() == [first.id, second.id]
    assert prog.info().nr_map_ids == 2


def test_a_load_time_map_is_already_used(backend: Backend) -> None:
    array = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 1, backend=backend)
    other = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 1, backend=backend)
    prog = Program.load(
        "r1 = map_fd(m) ll\nr0 = 0\nexit", "socket_filter", maps={"m": array}, backend=backend
    )
    prog.bind_map(array)
    prog.bind_map(other)
    assert prog.map_ids() == [array.id, other.id]


def test_the_program_holds_the_bound_map(backend: Backend, objects: tuple[Program, Map, Map]) -> None:
    prog, first, _ = objects
    prog.bind_map(first)
    map_id = first.id
    first.close()
    attr = uapi.bpf_attr()
    attr.map_id = map_id
    fd = backend.bpf(uapi.BPF_MAP_GET_FD_BY_ID, attr)
    os.close(fd)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("flags", errno.EINVAL),
        ("attr tail", errno.EINVAL),
        ("closed prog fd", errno.EBADF),
        ("map fd as prog", errno.EINVAL),
        ("closed map fd", errno.EBADF),
        ("prog fd as map", errno.EINVAL),
        ("file as prog", errno.EINVAL),
        ("file as map", errno.EINVAL),
        ("both bad and flags", errno.EINVAL),
        ("prog fd past INT_MAX", errno.EBADF),
    ],
)
def test_refusals(backend: Backend, objects: tuple[Program, Map, Map], case: str, expected: int) -> None:
    prog, array, _ = objects
    closed = 9999  # no fd of this process
    with open("/dev/null", "rb") as file:
        calls: dict[str, Callable[[], object]] = {
            "flags": lambda: _bind(backend, prog.fd, array.fd, flags=1),
            "attr tail": lambda: _bind(backend, prog.fd, array.fd, dirty=12),
            "closed prog fd": lambda: _bind(backend, closed, array.fd),
            "map fd as prog": lambda: _bind(backend, array.fd, array.fd),
            "closed map fd": lambda: _bind(backend, prog.fd, closed),
            "prog fd as map": lambda: _bind(backend, prog.fd, prog.fd),
            "file as prog": lambda: _bind(backend, file.fileno(), array.fd),
            "file as map": lambda: _bind(backend, prog.fd, file.fileno()),
            "both bad and flags": lambda: _bind(backend, closed, closed, flags=1),
            "prog fd past INT_MAX": lambda: _bind(backend, 0x80000000, array.fd),
        }
        assert _errno(calls[case]) == expected
    assert prog.map_ids() == []


def test_another_process_sees_the_binding(objects: tuple[Program, Map, Map], backend: Backend) -> None:
    """The binding is the program's, not the process's: a child reading the pinned program sees it."""
    if backend.name != "user":
        pytest.skip("pybpf's cross-process sharing")
    prog, array, _ = objects
    prog.bind_map(array)
    code = f"import sys; from pybpf.program import Program; print(Program.from_id({prog.id}).map_ids())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"[{array.id}]"
