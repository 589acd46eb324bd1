"""Every registered map type declares the map interface (``pybpf.maps.base.MapOps``) coherently, and
what it declares is what the kernel does.

The syscall layer decides by these declarations alone, so each is checked against the kernel: the
batch commands, lookup-and-delete, ``map_extra``, inner-map templates, the kind of fd a map holds,
lookups and freezing run on a fresh map of every type on both backends and must answer alike (and
the user backend's answers must follow from the declarations).  What a test cannot ask bpf(2)
without programs (push/pop/peek are helpers) is compared with the kernel's per-type ops table.
Finally the seam itself: no module of ``pybpf.kernel`` imports a concrete map implementation.
"""

from __future__ import annotations

import ast
import errno
import mmap
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import pybpf.kernel
from pybpf import uapi
from pybpf.btf.kinds import Kind
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.maps.base import BatchWalk, FdKind, MapOps
from pybpf.maps.object import MapObject
from pybpf.maps.percpu import PERCPU_MAP_TYPES, user_value_size
from pybpf.maps.registry import BUILTIN_MODULES, lookup_map_type
from pybpf.uapi import ENOTSUPP
from pybpf.verifier.kernel_btf import vmlinux_btf

from .helpers import create, elem, outcome
from .test_btf_maps import _load_btf

T = uapi
L, LD = uapi.BPF_MAP_LOOKUP_BATCH, uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH
U, D = uapi.BPF_MAP_UPDATE_BATCH, uapi.BPF_MAP_DELETE_BATCH
BATCH_COMMANDS = (L, LD, U, D)

CREATE: dict[int, tuple[int, int, int, int]] = {
    T.BPF_MAP_TYPE_ARRAY: (4, 8, 4, 0),
    T.BPF_MAP_TYPE_HASH: (4, 8, 4, 0),
    T.BPF_MAP_TYPE_PERCPU_ARRAY: (4, 8, 4, 0),
    T.BPF_MAP_TYPE_PERCPU_HASH: (4, 8, 4, 0),
    T.BPF_MAP_TYPE_LRU_HASH: (4, 8, 4, 0),
    T.BPF_MAP_TYPE_LRU_PERCPU_HASH: (4, 8, 4, 0),
    T.BPF_MAP_TYPE_LPM_TRIE: (8, 8, 4, T.BPF_F_NO_PREALLOC),
    T.BPF_MAP_TYPE_QUEUE: (0, 8, 4, 0),
    T.BPF_MAP_TYPE_STACK: (0, 8, 4, 0),
    T.BPF_MAP_TYPE_BLOOM_FILTER: (0, 8, 4, 0),
    T.BPF_MAP_TYPE_RINGBUF: (0, 0, mmap.PAGESIZE, 0),
    T.BPF_MAP_TYPE_USER_RINGBUF: (0, 0, mmap.PAGESIZE, 0),
    T.BPF_MAP_TYPE_PROG_ARRAY: (4, 4, 4, 0),
    T.BPF_MAP_TYPE_PERF_EVENT_ARRAY: (4, 4, 4, 0),
    T.BPF_MAP_TYPE_CGROUP_ARRAY: (4, 4, 4, 0),
    T.BPF_MAP_TYPE_STACK_TRACE: (4, 8, 4, 0),
    T.BPF_MAP_TYPE_DEVMAP: (4, 8, 4, 0),
    T.BPF_MAP_TYPE_DEVMAP_HASH: (4, 8, 4, 0),
    T.BPF_MAP_TYPE_CPUMAP: (4, 8, 2, 0),
    T.BPF_MAP_TYPE_XSKMAP: (4, 4, 4, 0),
    T.BPF_MAP_TYPE_ARRAY_OF_MAPS: (4, 4, 4, 0),
    T.BPF_MAP_TYPE_HASH_OF_MAPS: (4, 4, 4, 0),
    T.BPF_MAP_TYPE_SOCKMAP: (4, 8, 4, 0),
    T.BPF_MAP_TYPE_SOCKHASH: (4, 8, 4, 0),
    T.BPF_MAP_TYPE_SK_STORAGE: (4, 8, 0, T.BPF_F_NO_PREALLOC),
    T.BPF_MAP_TYPE_TASK_STORAGE: (4, 8, 0, T.BPF_F_NO_PREALLOC),
    T.BPF_MAP_TYPE_INODE_STORAGE: (4, 8, 0, T.BPF_F_NO_PREALLOC),
    T.BPF_MAP_TYPE_CGRP_STORAGE: (4, 8, 0, T.BPF_F_NO_PREALLOC),
    T.BPF_MAP_TYPE_REUSEPORT_SOCKARRAY: (4, 8, 4, 0),
    T.BPF_MAP_TYPE_CGROUP_STORAGE: (16, 8, 0, 0),
    T.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE: (16, 8, 0, 0),
    T.BPF_MAP_TYPE_ARENA: (0, 0, 4, T.BPF_F_MMAPABLE),
    T.BPF_MAP_TYPE_STRUCT_OPS: (4, 128, 1, 0),
}
"""Valid creation parameters (key_size, value_size, max_entries, map_flags) of every type pybpf has."""

MAP_IN_MAPS = {T.BPF_MAP_TYPE_ARRAY_OF_MAPS, T.BPF_MAP_TYPE_HASH_OF_MAPS}
KERNEL_FD_KIND = {
    T.BPF_MAP_TYPE_PROG_ARRAY: FdKind.PROG,
    T.BPF_MAP_TYPE_PERF_EVENT_ARRAY: FdKind.PERF_EVENT,
    T.BPF_MAP_TYPE_CGROUP_ARRAY: FdKind.CGROUP,
    T.BPF_MAP_TYPE_ARRAY_OF_MAPS: FdKind.MAP,
    T.BPF_MAP_TYPE_HASH_OF_MAPS: FdKind.MAP,
}
"""The kernel's ``map_fd_get_ptr`` ops (prog_fd_array_get_ptr, perf_event_fd_array_get_ptr,
cgroup_fd_array_get_ptr, bpf_map_fd_get_ptr) of the types pybpf has."""
KERNEL_PUSH_POP_PEEK = {T.BPF_MAP_TYPE_QUEUE, T.BPF_MAP_TYPE_STACK, T.BPF_MAP_TYPE_BLOOM_FILTER}
"""The types whose ops have ``map_push_elem`` / ``map_pop_elem`` / ``map_peek_elem``."""

REGISTERED = sorted(t for t in uapi.bpf_map_type if lookup_map_type(t) is not None)


def _impl(map_type: int) -> type[MapOps]:
    impl = lookup_map_type(map_type)
    assert impl is not None
    return impl


def _name(map_type: int) -> str:
    return uapi.bpf_map_type(map_type).name.removeprefix("BPF_MAP_TYPE_")


def _new_map(backend: Backend, map_type: int, **extra: int) -> int:
    """A fresh map of ``map_type`` (map-in-maps get a one-element array as their template, types
    that require BTF an int key and an 8-byte struct value)."""
    key_size, value_size, max_entries, flags = CREATE[map_type]
    if map_type == T.BPF_MAP_TYPE_STRUCT_OPS and "btf_fd" not in extra:  # a bpf_dummy_ops value
        btf = _load_btf(backend)
        try:
            return _new_map(
                backend, map_type, btf_fd=btf, btf_vmlinux_value_type_id=_dummy_ops_value(), **extra
            )
        finally:
            os.close(btf)
    if _impl(map_type).requires_btf and "btf_fd" not in extra:
        btf = _load_btf(backend)
        try:
            return _new_map(backend, map_type, btf_fd=btf, btf_key_type_id=1, btf_value_type_id=5, **extra)
        finally:
            os.close(btf)
    if map_type in MAP_IN_MAPS and "inner_map_fd" not in extra:
        inner = create(backend, T.BPF_MAP_TYPE_ARRAY, 4, 8, 1)
        try:
            return create(
                backend, map_type, key_size, value_size, max_entries, flags, inner_map_fd=inner, **extra
            )
        finally:
            os.close(inner)
    return create(backend, map_type, key_size, value_size, max_entries, flags, **extra)


def _dummy_ops_value() -> int:
    """The running kernel's ``struct bpf_struct_ops_bpf_dummy_ops`` (128 bytes)."""
    btf = vmlinux_btf()
    if btf is None:
        pytest.skip("struct_ops maps need the running kernel's BTF")
    return btf.find("bpf_struct_ops_bpf_dummy_ops", Kind.STRUCT)


def _batch(backend: Backend, cmd: int, fd: int) -> Any:
    """A batch command with count 0: 0 where the type has the op, ENOTSUPP where it has not."""
    attr = uapi.bpf_attr()
    attr.batch.map_fd = fd
    return outcome(lambda: backend.bpf(cmd, attr))


def _key(map_type: int) -> bytes | None:
    key_size = CREATE[map_type][0]
    return bytes(key_size) if key_size else None


def _value_out(backend: Backend, cmd: int, fd: int, key: bytes | None, size: int) -> Any:
    """An element command's outcome: the first ``size`` bytes of the value it wrote, or the errno
    (the buffer is large enough for any CPU count)."""
    found = elem(backend, cmd, fd, key, value_size=1 << 16)
    return found[:size] if isinstance(found, bytes) else found


def _probes(backend: Backend, map_type: int) -> Iterator[tuple[str, Any]]:
    """What a fresh map of ``map_type`` answers to the commands the interface decides."""
    key = _key(map_type)
    size = user_value_size(map_type, CREATE[map_type][1])
    fd = _new_map(backend, map_type)
    try:
        for cmd in BATCH_COMMANDS:
            yield f"batch {uapi.bpf_cmd(cmd).name}", _batch(backend, cmd, fd)
        yield "lookup", _value_out(backend, T.BPF_MAP_LOOKUP_ELEM, fd, key, size)
        yield "lookup_and_delete", _value_out(backend, T.BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, key, size)
        if map_type in KERNEL_FD_KIND:  # write the fd of a plain array map
            value = create(backend, T.BPF_MAP_TYPE_ARRAY, 4, 8, 1)
            try:
                written = elem(backend, T.BPF_MAP_UPDATE_ELEM, fd, key, value.to_bytes(4, "little"))
                yield "update with a map fd", "ok" if isinstance(written, bytes) else written
            finally:
                os.close(value)
        attr = uapi.bpf_attr()
        attr.map_fd = fd
        yield "freeze", outcome(lambda: backend.bpf(T.BPF_MAP_FREEZE, attr))
        template = outcome(lambda: os.close(_new_map(backend, T.BPF_MAP_TYPE_ARRAY_OF_MAPS, inner_map_fd=fd)))
        yield "as inner map template", template
    finally:
        os.close(fd)
    extra = mmap.PAGESIZE if map_type == T.BPF_MAP_TYPE_ARENA else 1  # (an arena's: a page address)
    yield "map_extra 1", outcome(lambda: os.close(_new_map(backend, map_type, map_extra=extra)))


@pytest.fixture
def native() -> Backend:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    return NativeBackend()


def test_every_registered_type_has_creation_parameters_here() -> None:
    assert set(REGISTERED) == set(CREATE), "add the new map type's creation parameters to CREATE"


@pytest.mark.parametrize("map_type", REGISTERED, ids=_name)
def test_declared_behaviour_is_the_kernels(map_type: int, native: Backend) -> None:
    if map_type == T.BPF_MAP_TYPE_ARENA and outcome(lambda: os.close(_new_map(native, map_type))):
        pytest.skip("this kernel refuses arenas (EPERM)")
    user = dict(_probes(UserBackend(), map_type))
    assert user == dict(_probes(native, map_type))
    impl = _impl(map_type)
    for cmd in BATCH_COMMANDS:
        expected = 0 if cmd in impl.batch_commands else ("errno", ENOTSUPP)
        assert user[f"batch {uapi.bpf_cmd(cmd).name}"] == expected
    if impl.fd_kind is FdKind.MAP:
        assert user["update with a map fd"] == "ok"
    elif impl.fd_kind is not None:
        assert user["update with a map fd"] == (
            "errno",
            errno.EINVAL if impl.fd_kind is FdKind.PROG else errno.EBADF,
        )
    if impl.takes_inner_map:
        assert user["as inner map template"] == ("errno", errno.EINVAL)
    elif not impl.can_be_inner:
        assert user["as inner map template"] == ("errno", ENOTSUPP)
    else:
        assert user["as inner map template"] is None
    assert (user["map_extra 1"] is None) == impl.takes_map_extra
    if impl.lookup_tests_value:  # a fresh filter holds no value, not even the zero value tested
        assert user["lookup"] == ("errno", errno.ENOENT)


@pytest.mark.parametrize("map_type", REGISTERED, ids=_name)
def test_declarations_are_coherent(map_type: int) -> None:
    impl = _impl(map_type)
    assert impl.map_type == map_type
    assert impl.fd_kind is KERNEL_FD_KIND.get(map_type)
    assert impl.push_pop_peek == (map_type in KERNEL_PUSH_POP_PEEK)
    assert impl.percpu == (map_type in PERCPU_MAP_TYPES)
    assert impl.takes_inner_map == (map_type in MAP_IN_MAPS)
    assert impl.batch_commands <= set(BATCH_COMMANDS)
    assert (impl.batch_walk is None) == (L not in impl.batch_commands)
    assert (impl.batch_walk is BatchWalk.BUCKETS) == (LD in impl.batch_commands)  # only htab has it
    if impl.fd_kind is not None:  # fds go in, ids come out: 4 bytes, never a plain update
        assert CREATE[map_type][1] == 4
        assert not impl.lookup_tests_value and not impl.push_pop_peek


@pytest.mark.parametrize("map_type", REGISTERED, ids=_name)
def test_user_value_size_is_bpf_map_value_size(map_type: int) -> None:
    fd = _new_map(UserBackend(), map_type)
    try:
        impl = MapObject.from_fd(fd).impl
        assert impl.user_value_size == user_value_size(map_type, CREATE[map_type][1])
    finally:
        os.close(fd)


# --- the seam: pybpf.kernel reaches maps through the interface only ---------------------------------
INTERFACE_MODULES = {"pybpf.maps", "pybpf.maps.base", "pybpf.maps.object", "pybpf.maps.registry"}
"""What the syscall layer may import from the maps: the interface, the map object (a map as a
shared file) and the registry of types."""


def _maps_imports(tree: ast.AST) -> Iterator[tuple[str, str | None, int]]:
    """(module, imported name or None, line) of every import of ``pybpf.maps``, in functions too."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pybpf.maps"):
                    yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pybpf.maps"):
            for alias in node.names:
                yield node.module or "", alias.name, node.lineno


def _concrete_map_imports(source: str) -> list[str]:
    found = []
    for module, name, line in _maps_imports(ast.parse(source)):
        target = f"{module}.{name}" if module == "pybpf.maps" and name else module
        if target not in INTERFACE_MODULES and not (
            module == "pybpf.maps" and name in {"MapOps", "MapParams"}
        ):
            found.append(f"line {line}: {module} {name or ''}".strip())
        elif name is not None and module in INTERFACE_MODULES:
            value = getattr(__import__(module, fromlist=[name]), name, None)
            if isinstance(value, type) and issubclass(value, MapOps) and value is not MapOps:
                found.append(f"line {line}: {module} {name} (a map implementation)")
    return found


def _kernel_modules() -> list[Path]:
    return sorted(Path(pybpf.kernel.__file__).parent.rglob("*.py"))


@pytest.mark.parametrize("path", _kernel_modules(), ids=lambda p: p.name)
def test_kernel_imports_no_concrete_map_type(path: Path) -> None:
    assert _concrete_map_imports(path.read_text()) == []


@pytest.mark.parametrize(
    "source",
    [
        "from pybpf.maps.hash import HashMap",
        "import pybpf.maps.prog_array",
        "from pybpf.maps import array",
        "def f():\n    from pybpf.maps.queue_stack import QueueMap\n",
    ],
)
def test_the_seam_check_sees_concrete_imports(source: str) -> None:
    assert _concrete_map_imports(source)


def test_builtin_modules_are_the_concrete_ones() -> None:
    """Every map implementation lives in a module of ``BUILTIN_MODULES``, none in the interface."""
    modules = {_impl(t).__module__ for t in REGISTERED}
    assert modules == set(BUILTIN_MODULES)
    assert not modules & INTERFACE_MODULES
