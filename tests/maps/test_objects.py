"""Map objects as fds: freeze, info, read-only fds, pinning, dup / fork / SCM_RIGHTS sharing."""

from __future__ import annotations

import ctypes
import errno
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pybpf import Map, uapi
from pybpf.kernel.backend import Backend

from .helpers import create, delete, lookup, outcome, u32, update

EPERM = ("errno", errno.EPERM)


def _freeze(backend: Backend, fd: int) -> object:
    attr = uapi.bpf_attr()
    attr.map_fd = fd
    return outcome(lambda: backend.bpf(uapi.BPF_MAP_FREEZE, attr))


def test_freeze(backend: Backend) -> None:
    fd = create(backend, uapi.BPF_MAP_TYPE_HASH, 4, 4, 4)
    try:
        assert update(backend, fd, u32(1), u32(1)) == "ok"
        assert _freeze(backend, fd) == 0
        assert update(backend, fd, u32(2), u32(2)) == EPERM
        assert delete(backend, fd, u32(1)) == EPERM
        assert lookup(backend, fd, u32(1), 4) == u32(1)
        # a second freeze is EPERM, not EBUSY: the kernel checks write permission (which freezing
        # removed) before it looks at the frozen flag
        assert _freeze(backend, fd) == EPERM
    finally:
        os.close(fd)


def test_info(backend: Backend) -> None:
    fd = create(backend, uapi.BPF_MAP_TYPE_HASH, 8, 16, 32, uapi.BPF_F_NO_PREALLOC, b"info_map")
    try:
        info = uapi.bpf_map_info()
        attr = uapi.bpf_attr()
        attr.info.bpf_fd, attr.info.info_len, attr.info.info = fd, 1000, ctypes.addressof(info)
        buffer = ctypes.create_string_buffer(1000)
        attr.info.info = ctypes.addressof(buffer)
        assert backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr) == 0
        assert attr.info.info_len == ctypes.sizeof(info)  # written back into the attr
        info = uapi.bpf_map_info.from_buffer_copy(buffer.raw)
        assert (info.type, info.key_size, info.value_size, info.max_entries) == (1, 8, 16, 32)
        assert info.map_flags == uapi.BPF_F_NO_PREALLOC and info.name == b"info_map" and info.id > 0
        buffer[999] = b"\1"
        attr.info.info_len = 1000
        assert outcome(lambda: backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)) == ("errno", errno.E2BIG)
        attr.info.info_len, attr.info.info = 8, 0
        assert outcome(lambda: backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)) == ("errno", errno.EFAULT)
    finally:
        os.close(fd)
    attr.info.info = ctypes.addressof(buffer)
    assert outcome(lambda: backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)) == ("errno", errno.EBADFD)


def test_readonly_map_fd(backend: Backend) -> None:
    fd = create(backend, uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 2, uapi.BPF_F_RDONLY)
    try:
        assert update(backend, fd, u32(0), u32(5)) == EPERM
        assert lookup(backend, fd, u32(0), 4) == u32(0)
    finally:
        os.close(fd)


def test_pin_and_get(backend: Backend, pin_dir: Path, tmp_path: Path) -> None:
    with Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 4, 8, backend=backend, key_type=int, value_type=int) as m:
        m[1] = 11
        path = str(pin_dir / "pinned")
        m.pin(path)
        with pytest.raises(OSError) as info:
            m.pin(path)
        assert info.value.errno == errno.EEXIST
        with pytest.raises(OSError) as info:
            m.pin(str(tmp_path / "outside"))
        assert info.value.errno == errno.EPERM
        with pytest.raises(OSError) as info:
            m.pin(str(pin_dir / "missing" / "x"))
        assert info.value.errno == errno.ENOENT
    with Map.from_pinned(path, backend=backend, key_type=int, value_type=int) as again:
        assert again[1] == 11
        again[2] = 22
    with Map.from_pinned(path, uapi.BPF_F_RDONLY, backend=backend, key_type=int) as ro:
        with pytest.raises(OSError) as info:
            ro[3] = b"\0" * 4
        assert info.value.errno == errno.EPERM
        assert sorted(ro.keys()) == [1, 2]
    with pytest.raises(OSError) as info:
        Map.from_pinned(str(pin_dir / "nothing"), backend=backend)
    assert info.value.errno == errno.ENOENT
    # another process opens the pin
    code = (
        "import sys; from pybpf import Map; from pybpf.kernel.backend import get_backend;"
        "m = Map.from_pinned(sys.argv[1], backend=get_backend(sys.argv[2]), key_type=int, value_type=int);"
        "print(m[2]); m[3] = 33"
    )
    out = subprocess.run([sys.executable, "-c", code, path, backend.name], capture_output=True, text=True,
                         check=True, env=os.environ.copy())  # fmt: skip
    assert out.stdout.strip() == "22"
    with Map.from_pinned(path, backend=backend, key_type=int, value_type=int) as again:
        assert again[3] == 33
    os.unlink(path)


def test_dup_fork_and_scm_rights(backend: Backend) -> None:
    with Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4, backend=backend, value_type=int) as m:
        dup = Map.from_fd(m.fd, backend=backend, value_type=int)
        dup[0] = 7
        assert m[0] == 7
        dup.close()
        pid = os.fork()
        if pid == 0:  # child: inherited fd
            try:
                m[1] = 8
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        assert m[1] == 8
        left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        with left, right:
            pid = os.fork()
            if pid == 0:  # child: receives the fd over the socket
                code = 1
                try:
                    _, fds, _, _ = socket.recv_fds(right, 1, 1)
                    received = Map(fds[0], backend=backend, value_type=int)
                    received[2] = received[0] + received[1]
                    code = 0
                finally:
                    os._exit(code)
            socket.send_fds(left, [b"x"], [m.fd])
            _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert m[2] == 15


def test_map_api(backend: Backend) -> None:
    class Value(ctypes.Structure):
        _fields_ = (("a", ctypes.c_uint32), ("b", ctypes.c_uint32))

    with Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 8, name="api", backend=backend, key_type=int,
                    value_type=Value) as m:  # fmt: skip
        m[1] = Value(1, 2)
        m[ctypes.c_uint32(2)] = b"\3\0\0\0\4\0\0\0"
        assert (m[2].a, m[2].b) == (3, 4)
        assert 1 in m and 5 not in m and len(m) == 2
        assert sorted(m) == [1, 2]
        assert sorted(v.b for v in m.values()) == [2, 4]
        del m[1]
        with pytest.raises(KeyError):
            m[1]
        with pytest.raises(KeyError):
            del m[1]
        with pytest.raises(ValueError):
            m[b"abc"] = Value()
        with pytest.raises(TypeError):
            m[1.5] = Value()
        assert m.name == "api"
    assert m.closed


def test_forked_writers_lose_nothing(backend: Backend) -> None:
    workers, per_worker = 4, 2000
    with Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, workers * per_worker, backend=backend,
                    key_type=int, value_type=int) as m:  # fmt: skip
        pids = []
        for w in range(workers):
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    for i in range(per_worker):
                        m[w * per_worker + i] = i
                    code = 0
                finally:
                    os._exit(code)
            pids.append(pid)
        for pid in pids:
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0
        items = dict(m.items())
        assert len(items) == workers * per_worker
        assert all(items[w * per_worker + i] == i for w in range(workers) for i in range(per_worker))


def test_threads_share_one_map(backend: Backend) -> None:
    import threading

    with Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 4, 4000, backend=backend, key_type=int, value_type=int) as m:

        def work(base: int) -> None:
            for i in range(1000):
                m[base + i] = i

        threads = [threading.Thread(target=work, args=(t * 1000,)) for t in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        items = dict(m.items())
        assert len(items) == 4000 and all(items[k] == k % 1000 for k in items)


def test_mapping_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from pybpf.kernel.backend import UserBackend
    from pybpf.maps.object import MapObject

    monkeypatch.setattr(MapObject, "cache_limit", 3)
    maps = [Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 1, backend=UserBackend(), value_type=int)
            for _ in range(6)]  # fmt: skip
    try:
        assert len(MapObject._cache) <= 3
        for i, m in enumerate(maps):
            m[0] = i  # evicted objects are mapped again on use
        assert [m[0] for m in maps] == list(range(6))
    finally:
        for m in maps:
            m.close()


def test_not_a_map_file(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "plain"
    path.write_bytes(b"PYBPFOBJ" * 2048)
    fd = os.open(path, os.O_RDWR)
    try:
        assert lookup(backend, fd, u32(0), 4) == ("errno", errno.EINVAL)
    finally:
        os.close(fd)


def test_write_only_fd(backend: Backend, pin_dir: Path) -> None:
    with Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 2, backend=backend) as m:
        path = str(pin_dir / "wo")
        m.pin(path)
        attr = uapi.bpf_attr()
        name = ctypes.create_string_buffer(path.encode())
        attr.pathname, attr.file_flags = ctypes.addressof(name), uapi.BPF_F_WRONLY
        fd = backend.bpf(uapi.BPF_OBJ_GET, attr)
        try:
            assert update(backend, fd, u32(1), u32(9)) == "ok"
            assert lookup(backend, fd, u32(1), 4) == EPERM
            assert m[1] == u32(9)
        finally:
            os.close(fd)
            os.unlink(path)
