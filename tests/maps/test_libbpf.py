"""The libbpf-style functions, on pybpf's user space and on the real kernel (same results, same errno)."""

from __future__ import annotations

import ctypes
import errno
import os
from pathlib import Path

import pytest

from pybpf import libbpf, uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.kernel.backend import Backend


def test_hash_round_trip(backend: Backend) -> None:
    fd = libbpf.bpf_map_create(uapi.BPF_MAP_TYPE_HASH, "lib_hash", 4, 8, 16, backend=backend)
    try:
        key = ctypes.c_uint32(7)
        libbpf.bpf_map_update_elem(fd, key, (99).to_bytes(8, "little"), backend=backend)
        out = ctypes.c_uint64()
        assert libbpf.bpf_map_lookup_elem(fd, key, out, backend=backend) == (99).to_bytes(8, "little")
        assert out.value == 99
        with pytest.raises(BPFError) as exc:
            libbpf.bpf_map_update_elem(fd, key, bytes(8), uapi.BPF_NOEXIST, backend=backend)
        assert exc.value.errno == errno.EEXIST
        assert libbpf.bpf_map_get_next_key(fd, None, backend=backend) == bytes(key)
        with pytest.raises(KeyNotExistError):
            libbpf.bpf_map_get_next_key(fd, key, backend=backend)
        libbpf.bpf_map_delete_elem(fd, key, backend=backend)
        with pytest.raises(KeyNotExistError):
            libbpf.bpf_map_lookup_elem(fd, key, backend=backend)
        with pytest.raises(KeyError):
            libbpf.bpf_map_delete_elem(fd, key, backend=backend)
    finally:
        os.close(fd)


def test_create_opts_and_info(backend: Backend) -> None:
    opts = libbpf.MapCreateOpts(map_flags=uapi.BPF_F_NO_PREALLOC)
    fd = libbpf.bpf_map_create(uapi.BPF_MAP_TYPE_HASH, "lib_info", 8, 16, 32, opts, backend=backend)
    try:
        info = libbpf.bpf_map_get_info_by_fd(fd, backend=backend)
        shape = (info.type, info.key_size, info.value_size, info.max_entries)
        assert shape == (uapi.BPF_MAP_TYPE_HASH, 8, 16, 32)
        assert info.map_flags == uapi.BPF_F_NO_PREALLOC and info.name == b"lib_info" and info.id > 0
    finally:
        os.close(fd)
    with pytest.raises(BPFError) as exc:
        libbpf.bpf_map_create(uapi.BPF_MAP_TYPE_ARRAY, "bad", 4, 8, 0, backend=backend)
    assert exc.value.errno == errno.EINVAL


def test_array_freeze(backend: Backend) -> None:
    fd = libbpf.bpf_map_create(uapi.BPF_MAP_TYPE_ARRAY, None, 4, 4, 2, backend=backend)
    try:
        libbpf.bpf_map_update_elem(fd, (1).to_bytes(4, "little"), b"abcd", backend=backend)
        libbpf.bpf_map_freeze(fd, backend=backend)
        with pytest.raises(BPFError) as exc:
            libbpf.bpf_map_update_elem(fd, (0).to_bytes(4, "little"), b"wxyz", backend=backend)
        assert exc.value.errno == errno.EPERM
        value = bytearray(4)
        libbpf.bpf_map_lookup_elem(fd, (1).to_bytes(4, "little"), value, backend=backend)
        assert value == b"abcd"
    finally:
        os.close(fd)


def test_pin_and_get(backend: Backend, pin_dir: Path) -> None:
    fd = libbpf.bpf_map_create(uapi.BPF_MAP_TYPE_ARRAY, "lib_pin", 4, 8, 1, backend=backend)
    path = str(pin_dir / "lib_pin")
    try:
        libbpf.bpf_map_update_elem(fd, bytes(4), (5).to_bytes(8, "little"), backend=backend)
        libbpf.bpf_obj_pin(fd, path, backend=backend)
        with pytest.raises(BPFError) as exc:
            libbpf.bpf_obj_pin(fd, path, backend=backend)
        assert exc.value.errno == errno.EEXIST
        fd2 = libbpf.bpf_obj_get(path, backend=backend)
        try:
            assert libbpf.bpf_map_lookup_elem(fd2, bytes(4), backend=backend) == (5).to_bytes(8, "little")
        finally:
            os.close(fd2)
        with pytest.raises(BPFError) as exc:
            libbpf.bpf_obj_get(str(pin_dir / "missing"), backend=backend)
        assert exc.value.errno == errno.ENOENT
    finally:
        os.close(fd)
        if os.path.exists(path):
            os.unlink(path)
