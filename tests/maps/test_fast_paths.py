"""The fast element paths stay exact: the per-fd cache of ``map_and_mode`` and lock-free hash lookups.

* An fd validated once is re-checked with one lseek: a closed fd is still EBADF, an fd number
  reused for another map (or for the same map with another access mode) answers for what it is
  now, a map frozen after the fd was cached refuses writes (EPERM) — asked of the kernel too.
* Hash lookups read without the map's mutex under a seqlock: a writer in another process that
  churns slots never makes a reader see a torn or foreign value, and a writer killed mid-update
  (odd sequence count) sends readers to the lock, whose recovery ends the sequence.
"""

from __future__ import annotations

import errno
import os
import signal
import struct
import sys
import traceback

import pytest

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.map import Map
from pybpf.maps.hash import _SEQ, _U32, HashMap, _LittleEndianWords, u32_words
from pybpf.maps.object import MapObject, map_and_mode
from tests.maps.helpers import create, elem

HASH, ARRAY = uapi.BPF_MAP_TYPE_HASH, uapi.BPF_MAP_TYPE_ARRAY


def _obj_get(backend: Backend, path: str, flags: int) -> int:
    import ctypes

    name = ctypes.create_string_buffer(path.encode())
    attr = uapi.bpf_attr()
    attr.pathname = ctypes.addressof(name)
    attr.file_flags = flags
    return backend.bpf(uapi.BPF_OBJ_GET, attr)


def _lookup(backend: Backend, fd: int, key: bytes, value_size: int = 8) -> object:
    return elem(backend, uapi.BPF_MAP_LOOKUP_ELEM, fd, key, value_size=value_size)


def _update(backend: Backend, fd: int, key: bytes, value: bytes) -> object:
    return elem(backend, uapi.BPF_MAP_UPDATE_ELEM, fd, key, value)


def test_closed_fd_is_ebadf_after_caching(backend: Backend) -> None:
    fd = create(backend, HASH, 4, 8, 4)
    assert _update(backend, fd, b"\1\0\0\0", b"x" * 8) == b"x" * 8
    assert _lookup(backend, fd, b"\1\0\0\0") == b"x" * 8
    os.close(fd)
    assert _lookup(backend, fd, b"\1\0\0\0") == ("errno", errno.EBADF)
    assert _update(backend, fd, b"\1\0\0\0", b"y" * 8) == ("errno", errno.EBADF)
    assert elem(backend, uapi.BPF_MAP_DELETE_ELEM, fd, b"\1\0\0\0") == ("errno", errno.EBADF)


def test_reused_fd_number_answers_for_the_new_map(backend: Backend) -> None:
    first = create(backend, HASH, 4, 8, 4)
    _update(backend, first, b"\1\0\0\0", b"a" * 8)
    assert _lookup(backend, first, b"\1\0\0\0") == b"a" * 8
    os.close(first)
    second = create(backend, ARRAY, 4, 16, 2)
    if second != first:  # make the number of the closed fd refer to the new map
        os.dup2(second, first)
        os.close(second)
        second = first
    try:
        assert _lookup(backend, second, b"\1\0\0\0", 16) == bytes(16)
        assert _update(backend, second, b"\5\0\0\0", b"b" * 16) == ("errno", errno.E2BIG)
    finally:
        os.close(second)


def test_fd_reused_with_another_access_mode(backend: Backend, pin_dir: object) -> None:
    path = os.path.join(str(pin_dir), "m")
    fd = create(backend, HASH, 4, 8, 4)
    try:
        attr = uapi.bpf_attr()
        import ctypes

        name = ctypes.create_string_buffer(path.encode())
        attr.pathname = ctypes.addressof(name)
        attr.bpf_fd = fd
        backend.bpf(uapi.BPF_OBJ_PIN, attr)
        ro = _obj_get(backend, path, uapi.BPF_F_RDONLY)
        assert _lookup(backend, ro, b"\1\0\0\0") == ("errno", errno.ENOENT)
        assert _update(backend, ro, b"\1\0\0\0", b"a" * 8) == ("errno", errno.EPERM)
        os.close(ro)
        wo = _obj_get(backend, path, uapi.BPF_F_WRONLY)
        assert wo == ro  # same number, same map, another mode
        try:
            assert _update(backend, wo, b"\1\0\0\0", b"a" * 8) == b"a" * 8
            assert _lookup(backend, wo, b"\1\0\0\0") == ("errno", errno.EPERM)
        finally:
            os.close(wo)
        rw = _obj_get(backend, path, 0)
        assert rw == ro
        try:
            assert _lookup(backend, rw, b"\1\0\0\0") == b"a" * 8
        finally:
            os.close(rw)
    finally:
        os.close(fd)
        os.unlink(path)


def test_freeze_after_caching_refuses_writes(backend: Backend) -> None:
    with Map.create(HASH, 4, 8, 4, backend=backend, key_type=int, value_type=int) as m:
        m[1] = 10
        dup = Map.from_fd(m.fd, backend=backend, key_type=int, value_type=int)
        with dup:
            dup[2] = 20  # caches dup's fd
            m.freeze()
            for target in (m, dup):
                with pytest.raises(BPFError) as caught:
                    target[3] = 30
                assert caught.value.errno == errno.EPERM
                with pytest.raises(BPFError) as caught:
                    del target[1]
                assert caught.value.errno == errno.EPERM
            assert (dup[1], dup[2]) == (10, 20)


def test_dup2_over_a_cached_fd(backend: Backend) -> None:
    a = create(backend, HASH, 4, 8, 4)
    b = create(backend, HASH, 4, 8, 4)
    try:
        _update(backend, a, b"\1\0\0\0", b"a" * 8)
        _update(backend, b, b"\1\0\0\0", b"b" * 8)
        assert _lookup(backend, a, b"\1\0\0\0") == b"a" * 8
        os.dup2(b, a)
        assert _lookup(backend, a, b"\1\0\0\0") == b"b" * 8
    finally:
        os.close(a)
        os.close(b)


def test_forked_child_and_parent_share_cached_fds(backend: Backend) -> None:
    with Map.create(HASH, 4, 8, 4, backend=backend, key_type=int, value_type=int) as m:
        m[1] = 10  # cached in the parent before the fork
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's outcome is its exit status
            code = 1
            try:
                assert m[1] == 10
                m[2] = 20
                code = 0
            finally:
                os._exit(code)
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
        assert (m[1], m[2]) == (10, 20)


def test_non_map_fds_are_einval_and_the_position_is_untouched(tmp_path: object) -> None:
    path = os.path.join(str(tmp_path), "plain")
    with open(path, "wb") as f:
        f.write(bytes(3 * 4096))
    fd = os.open(path, os.O_RDONLY)
    try:
        os.lseek(fd, 5, os.SEEK_SET)
        with pytest.raises(BPFError) as caught:
            map_and_mode(fd)
        assert caught.value.errno == errno.EINVAL
        assert os.lseek(fd, 0, os.SEEK_CUR) == 5
    finally:
        os.close(fd)


def test_cached_answer_matches_the_slow_one() -> None:
    with Map.create(HASH, 4, 8, 4, backend=UserBackend()) as m:
        obj, mode = map_and_mode(m.fd)
        assert obj is MapObject.from_fd(m.fd) and mode == os.O_RDWR
        assert map_and_mode(m.fd) == (obj, mode)


def test_a_map_answers_for_what_its_fd_number_refers_to_now(backend: Backend) -> None:
    """``Map`` keeps what its fd resolved to (``ElementPath``), re-checked per call: an fd replaced
    or closed behind its back answers as the kernel does."""
    with (
        Map.create(HASH, 4, 8, 4, backend=backend, key_type=int, value_type=int) as a,
        Map.create(HASH, 4, 8, 4, backend=backend, key_type=int, value_type=int) as b,
    ):
        a[1], b[1] = 10, 20
        assert a[1] == 10  # resolved and kept
        os.dup2(b.fd, a.fd)  # a's fd number now refers to b
        assert a[1] == 20
        a[2] = 30
        del a[1]
        assert dict(b.items()) == {2: 30}
        os.close(a.fd)
        for action in (lambda: a[2], lambda: a.update(2, 1), lambda: a.delete(2)):
            with pytest.raises(BPFError) as caught:
                action()
            assert caught.value.errno == errno.EBADF
        if backend.name == "user":  # a read-only description of b at a's number (files can be reopened)
            rofd = os.open(f"/proc/self/fd/{b.fd}", os.O_RDONLY | os.O_CLOEXEC)
            os.dup2(rofd, a.fd)
            os.close(rofd)
            assert a[2] == 30
            with pytest.raises(BPFError) as caught:
                a[2] = 1
            assert caught.value.errno == errno.EPERM
        os.dup2(b.fd, a.fd)  # writable again (and a.close() closes an open fd)
        a[3] = 40
        assert dict(b.items()) == {2: 30, 3: 40}


def test_a_map_whose_fd_position_is_in_use_resolves_it_every_time() -> None:
    with Map.create(HASH, 4, 8, 4, backend=UserBackend(), key_type=int, value_type=int) as m:
        os.lseek(m.fd, 5, os.SEEK_SET)  # not a token: never cached, never moved
        m[1] = 10
        assert m[1] == 10
        del m[1]
        assert 1 not in m
        assert os.lseek(m.fd, 0, os.SEEK_CUR) == 5


def test_words_of_a_big_endian_host_read_and_write_the_little_endian_storage() -> None:
    storage = memoryview(bytearray(range(64)))
    native, portable = u32_words(storage), _LittleEndianWords(storage)
    assert [portable[i] for i in range(16)] == [native[i] for i in range(16)]
    portable[3] = 0x11223344
    assert bytes(storage[12:16]) == bytes([0x44, 0x33, 0x22, 0x11]) and native[3] == 0x11223344
    for index in (-1, 16):  # errors the element commands turn into EUCLEAN, never another word
        with pytest.raises((IndexError, struct.error)):
            portable[index]
        with pytest.raises((IndexError, struct.error)):
            portable[index] = 0


# --- lock-free hash lookups ----------------------------------------------------------------------
KEYS = 64
ROUNDS = 300


def _writer(fd: int) -> None:
    """Churn the map: rewrite every key's value (new slot each time) and delete/re-insert others."""
    m = Map(fd, backend=UserBackend())
    for round_ in range(ROUNDS):
        fill = bytes([round_ % 250 + 1]) * 256
        for k in range(KEYS):
            m.update(k.to_bytes(4, "little"), fill)
        for k in range(KEYS, 2 * KEYS):
            key = k.to_bytes(4, "little")
            if round_ % 2:
                m.delete(key)
            else:
                m.update(key, fill)


def test_lockfree_lookups_never_see_torn_values() -> None:
    with Map.create(HASH, 4, 256, 2 * KEYS, backend=UserBackend()) as m:
        for k in range(KEYS):
            m.update(k.to_bytes(4, "little"), b"\xff" * 256)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's outcome is its exit status
            code = 1
            try:
                _writer(m.fd)
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        seen = 0
        try:
            while True:
                done, _ = os.waitpid(pid, os.WNOHANG)
                for k in range(KEYS):
                    value = m.lookup(k.to_bytes(4, "little"))
                    assert value == value[:1] * 256, "torn value"
                    seen += 1
                for k in range(KEYS, 2 * KEYS):
                    try:
                        value = m.lookup(k.to_bytes(4, "little"))
                    except KeyNotExistError:
                        continue
                    assert value == value[:1] * 256, "torn value"
                if done:
                    break
        finally:
            _, status = os.waitpid(pid, 0) if not done else (pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert seen >= KEYS


def test_writer_killed_mid_update_sends_readers_to_the_lock() -> None:
    with Map.create(HASH, 4, 8, 4, backend=UserBackend(), key_type=int, value_type=int) as m:
        m[1] = 10
        obj = MapObject.from_fd(m.fd)
        assert isinstance(obj.impl, HashMap)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - killed
            obj.lock.__enter__()
            obj.impl._begin_write()  # a write in progress, never finished
            os.kill(os.getpid(), signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status)
        assert _U32.unpack_from(obj.impl.mem, _SEQ)[0] % 2 == 1
        assert obj.impl.lookup_unlocked((1).to_bytes(4, "little")) is None  # must take the lock
        assert m[1] == 10  # takes the lock: EOWNERDEAD -> recover() ends the sequence
        assert _U32.unpack_from(obj.impl.mem, _SEQ)[0] % 2 == 0
        assert obj.impl.lookup_unlocked((1).to_bytes(4, "little")) == (10).to_bytes(8, "little")
        with pytest.raises(KeyNotExistError):
            obj.impl.lookup_unlocked((2).to_bytes(4, "little"))
        m[2] = 20
        assert dict(m.items()) == {1: 10, 2: 20}


def test_every_write_leaves_the_sequence_even() -> None:
    with Map.create(HASH, 4, 8, 2, backend=UserBackend(), key_type=int, value_type=int) as m:
        impl = MapObject.from_fd(m.fd).impl
        seqs = []
        for action in (
            lambda: m.update(1, 1),
            lambda: m.update(1, 2),
            lambda: m.delete(1),
            lambda: m.update(2, 3),
        ):
            action()
            seqs.append(_U32.unpack_from(impl.mem, _SEQ)[0])
        for failing in (lambda: m.update(2, 4, uapi.BPF_NOEXIST), lambda: m.delete(7)):
            with pytest.raises(BPFError):
                failing()
            seqs.append(_U32.unpack_from(impl.mem, _SEQ)[0])
        assert all(seq % 2 == 0 for seq in seqs)
        assert seqs[:4] == sorted(set(seqs[:4]))  # each successful write moved it on


def test_cached_fds_survive_eviction_from_the_object_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MapObject, "cache_limit", 2)
    maps = [Map.create(HASH, 4, 8, 2, backend=UserBackend(), key_type=int, value_type=int) for _ in range(6)]
    try:
        for index, m in enumerate(maps):
            m[1] = index
        for index, m in enumerate(maps):  # most were evicted: validated and mapped again
            assert m[1] == index
    finally:
        for m in maps:
            m.close()
