"""ARRAY_OF_MAPS and HASH_OF_MAPS through bpf(), compared with the kernel."""

from __future__ import annotations

import errno
from collections.abc import Callable

import pytest

from pybpf import Map, uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.libbpf import MapCreateOpts, bpf_map_create

AOM = uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS
HOM = uapi.BPF_MAP_TYPE_HASH_OF_MAPS
ARRAY = uapi.BPF_MAP_TYPE_ARRAY
HASH = uapi.BPF_MAP_TYPE_HASH


def _errno(call: Callable[[], object]) -> int:
    try:
        result = call()
    except BPFError as exc:
        return exc.errno or 0
    if isinstance(result, int) and result > 2:
        import os

        os.close(result)
    return 0


def _outer(backend: Backend, map_type: int, inner: Map, max_entries: int = 4, key_size: int = 4) -> Map:
    fd = bpf_map_create(map_type, "outer", key_size, 4, max_entries, MapCreateOpts(inner_map_fd=inner.fd),
                        backend=backend)  # fmt: skip
    return Map.from_fd(fd, backend=backend)


@pytest.mark.parametrize("outer_type", [AOM, HOM])
def test_store_and_read_back_ids(backend: Backend, outer_type: int) -> None:
    template = Map.create(ARRAY, 4, 8, 2, backend=backend)
    outer = _outer(backend, outer_type, template)
    inner = Map.create(ARRAY, 4, 8, 2, backend=backend)
    inner[1] = 77
    outer[0] = inner.fd
    assert int.from_bytes(outer[0], "little") == inner.info().id
    assert 1 not in outer
    del outer[0]
    with pytest.raises(BPFError) as exc:
        del outer[0]
    assert exc.value.errno == errno.ENOENT
    for m in (template, outer, inner):
        m.close()


def test_creation_errors(backend: Backend) -> None:
    template = Map.create(ARRAY, 4, 8, 2, backend=backend)
    prog_array = Map.create(uapi.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2, backend=backend)
    outer = _outer(backend, AOM, template)

    def create(map_type: int, inner_fd: int, value_size: int = 4, flags: int = 0) -> int:
        opts = MapCreateOpts(inner_map_fd=inner_fd, map_flags=flags)
        return bpf_map_create(map_type, None, 4, value_size, 2, opts, backend=backend)

    results = {
        "value_size 8": _errno(lambda: create(AOM, template.fd, 8)),
        "no inner fd": _errno(lambda: create(AOM, 0)),
        "closed inner fd": _errno(lambda: create(AOM, 999)),
        "nested": _errno(lambda: create(AOM, outer.fd)),
        "rdonly_prog": _errno(lambda: create(AOM, template.fd, flags=uapi.BPF_F_RDONLY_PROG)),
        "hash value_size 8": _errno(lambda: create(HOM, template.fd, 8)),
        "hash nested": _errno(lambda: create(HOM, outer.fd)),
    }
    assert results == {
        "value_size 8": errno.EINVAL,
        "no inner fd": errno.EINVAL if backend.name == "native" else results["no inner fd"],
        "closed inner fd": errno.EBADF,
        "nested": errno.EINVAL,
        "rdonly_prog": errno.EINVAL,
        "hash value_size 8": errno.EINVAL,
        "hash nested": errno.EINVAL,
    }
    assert results["no inner fd"] in (errno.EINVAL, errno.EBADF)
    # a prog array as template: the kernel's answer is recorded by the native run
    assert _errno(lambda: create(AOM, prog_array.fd)) in (errno.EINVAL, 524)
    for m in (template, prog_array, outer):
        m.close()


def test_update_errors(backend: Backend) -> None:
    template = Map.create(ARRAY, 4, 8, 2, backend=backend)
    outer = _outer(backend, AOM, template, max_entries=2)
    hashed = _outer(backend, HOM, template, max_entries=2)
    wrong_size = Map.create(ARRAY, 4, 16, 2, backend=backend)
    wrong_entries = Map.create(ARRAY, 4, 8, 3, backend=backend)
    good = Map.create(ARRAY, 4, 8, 2, backend=backend)
    results = {
        "noexist": _errno(lambda: outer.update(0, good.fd, uapi.BPF_NOEXIST)),
        "index": _errno(lambda: outer.update(5, good.fd)),
        "wrong value size": _errno(lambda: outer.update(0, wrong_size.fd)),
        "wrong max_entries": _errno(lambda: outer.update(0, wrong_entries.fd)),
        "bad fd": _errno(lambda: outer.update(0, 999)),
        "hash exist missing": _errno(lambda: hashed.update(1, good.fd, uapi.BPF_EXIST)),
        "hash ok": _errno(lambda: hashed.update(1, good.fd, uapi.BPF_NOEXIST)),
        "hash noexist again": _errno(lambda: hashed.update(1, good.fd, uapi.BPF_NOEXIST)),
        "hash wrong": _errno(lambda: hashed.update(2, wrong_size.fd)),
        "delete past end": _errno(lambda: outer.delete(7)),
    }
    assert results == {
        "noexist": errno.EINVAL,
        "index": errno.E2BIG,
        "wrong value size": errno.EINVAL,
        "wrong max_entries": errno.EINVAL,
        "bad fd": errno.EBADF,
        "hash exist missing": errno.ENOENT,
        "hash ok": 0,
        "hash noexist again": errno.EEXIST,
        "hash wrong": errno.EINVAL,
        "delete past end": errno.E2BIG,
    }
    for m in (template, outer, hashed, wrong_size, wrong_entries, good):
        m.close()


def test_inner_map_lives_while_held(backend: Backend) -> None:
    template = Map.create(HASH, 4, 8, 8, backend=backend)
    outer = _outer(backend, AOM, template)
    inner = Map.create(HASH, 4, 8, 8, backend=backend)
    inner[5] = 55
    outer[2] = inner.fd
    inner_id = inner.info().id
    inner.close()
    attr = uapi.bpf_attr()
    attr.map_id = inner_id
    again = Map.from_fd(backend.bpf(uapi.BPF_MAP_GET_FD_BY_ID, attr), backend=backend)
    assert int.from_bytes(again[5], "little") == 55
    again.close()
    template.close()
    outer.close()


def test_inner_map_flag_relaxes_max_entries(backend: Backend) -> None:
    template = Map.create(ARRAY, 4, 8, 2, flags=uapi.BPF_F_INNER_MAP, backend=backend)
    outer = _outer(backend, AOM, template)
    bigger = Map.create(ARRAY, 4, 8, 10, flags=uapi.BPF_F_INNER_MAP, backend=backend)
    outer[0] = bigger.fd
    assert int.from_bytes(outer[0], "little") == bigger.info().id
    for m in (template, outer, bigger):
        m.close()
