"""The locks of a bpffs root's shared files never outlive their holder in a forked child.

``pybpf.objects.forking`` lists every lock of the root and the order each path takes them.  What
hung whole roots (session 18: "a process held the memory-ledger lock while waiting on another
lock"): a thread forking while another thread of its process held the ledger's, the id counters'
or the refs root's lock -- those are locks of an open file description, which the child shares,
so the child kept the lock held and then waited for it itself on its next map creation, and every
other process of the root waited behind it.  These tests fork while such a lock is held (or while
another thread creates maps as fast as it can) and require every child to finish creating,
pinning and unpinning maps and charging memory; a child that does not within its deadline is a
hang, reported (and killed), never waited for.  The old code hangs the held-lock tests every time
and the stress test about once in seven forks.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from pybpf import Map, uapi
from pybpf.maps.object import MapObject
from pybpf.objects import accounting, files, forking, refs
from pybpf.objects.files import bpffs_root, next_object_id

CHILD_DEADLINE = 30.0
"""Seconds a child may take (it needs well under one even on a loaded machine)."""


def _child_work(root: str) -> None:
    """What every child does: create a map, pin it, unpin it, charge and uncharge memory, close it."""
    created = Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 16)
    created.update(b"\1\0\0\0", b"\2" * 8)
    pin = os.path.join(root, f"pin-{os.getpid()}")
    created.pin(pin)
    os.unlink(pin)
    accounting.charge(root, 4096, lambda: refs.allocated_bytes(root, "map"))
    accounting.uncharge(root, 4096)
    next_object_id("prog", root)
    created.close()
    refs.collect(root, wait=True)


def _fork_child(root: str) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            _child_work(root)
            code = 0
        finally:
            os._exit(code)
    return pid


def _wait(pid: int, deadline: float = CHILD_DEADLINE) -> str | None:
    """None when child ``pid`` exited 0 in time; else what went wrong (a hung child is killed)."""
    end = time.monotonic() + deadline
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return None if code == 0 else f"child {pid} exited with {code}"
        if time.monotonic() > end:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return f"child {pid} hung for {deadline:.0f} s"
        time.sleep(0.005)


def _holding_thread(
    monkeypatch: pytest.MonkeyPatch, module: object, name: str, work: Callable[[], object]
) -> tuple[threading.Thread, threading.Event, threading.Event]:
    """A thread running pybpf's own ``work``, stopped just after ``module.name`` (the lock call the
    path makes) took its lock, until the returned ``release`` is set; ``holding`` is set then."""
    holding, release = threading.Event(), threading.Event()
    real = getattr(module, name)
    stopped: list[int] = []

    def lock_and_wait(*args: object) -> object:
        result = real(*args)
        if threading.get_ident() in stopped:  # only the holder thread, and only once
            stopped.clear()
            holding.set()
            release.wait(CHILD_DEADLINE)
        return result

    def run() -> None:
        stopped.append(threading.get_ident())
        with contextlib.suppress(OSError):  # (a charge past a limit, a collection's error)
            work()

    monkeypatch.setattr(module, name, lock_and_wait)
    return threading.Thread(target=run), holding, release


def _charge(root: str) -> None:
    accounting.charge(root, 4096, lambda: refs.allocated_bytes(root, "map"))
    accounting.uncharge(root, 4096)


@pytest.mark.parametrize(
    ("module", "name", "work"),
    [
        (accounting, "lock_file", _charge),
        (files, "lock_file", lambda root: next_object_id("map", root)),
        (refs.fcntl, "flock", lambda root: refs.collect(root, wait=True)),
    ],
    ids=["memory-ledger", "id-counter", "refs-root"],
)
def test_a_fork_while_a_root_lock_is_held_leaves_it_to_the_parent(
    monkeypatch: pytest.MonkeyPatch, module: object, name: str, work: Callable[[str], object]
) -> None:
    """Another thread holds the lock across the fork (stopped in the middle of a charge, an id's
    allocation, a collection) and releases it just after: the child, which creates, pins and
    charges, must get it then."""
    root = bpffs_root()
    holder, holding, release = _holding_thread(monkeypatch, module, name, lambda: work(root))
    holder.start()
    try:
        assert holding.wait(CHILD_DEADLINE)
        pid = _fork_child(root)
    finally:
        release.set()
    problem = _wait(pid)  # first: a hung child holds the lock the holder thread takes next
    holder.join(CHILD_DEADLINE)
    assert problem is None
    assert not holder.is_alive()


def test_a_forked_child_gets_none_of_the_parent_lock_fds() -> None:
    root = bpffs_root()
    fd = forking.open_lock_file(os.path.join(root, ".pybpf-memory"))
    try:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.close(read)
            held = forking.lock_fds()
            try:
                os.fstat(fd)
                still_open = b"1"
            except OSError as exc:
                still_open = b"0" if exc.errno == errno.EBADF else b"?"
            os.write(write, (b"1" if not held else b"0") + still_open)
            os._exit(0)
        os.close(write)
        answer = os.read(read, 2)
        os.close(read)
        assert _wait(pid) is None
    finally:
        forking.close_lock_file(fd)
    assert answer == b"10"  # no lock fd remembered, and the parent's one closed in the child


def test_a_fork_while_another_thread_holds_a_cache_lock_leaves_the_child_a_free_lock() -> None:
    """A leaf thread lock (the map cache's) held by another thread at the fork: the fork waits for
    it, and the child gets it free."""
    root = bpffs_root()
    lock = MapObject._cache._lock
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            holding.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(5)
    threading.Timer(0.2, release.set).start()
    try:
        pid = _fork_child(root)
    finally:
        release.set()
    problem = _wait(pid)
    holder.join(CHILD_DEADLINE)
    assert problem is None


@pytest.fixture
def churning() -> Iterator[threading.Event]:
    """Another thread creating, pinning, updating and closing maps without pause until the test ends."""
    root = bpffs_root()
    stop = threading.Event()
    failures: list[BaseException] = []

    def churn() -> None:
        count = 0
        try:
            while not stop.is_set():
                created = Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 64)
                created.update(b"\0" * 4, b"\0" * 8)
                if count % 4 == 0:
                    pin = os.path.join(root, f"churn-{count}")
                    created.pin(pin)
                    os.unlink(pin)
                created.close()
                count += 1
        except BaseException as exc:  # reported by the test
            failures.append(exc)

    thread = threading.Thread(target=churn, daemon=True)
    thread.start()
    yield stop
    stop.set()
    thread.join(60)
    assert not failures, failures


@pytest.mark.slow
def test_forks_while_another_thread_creates_maps_never_hang(churning: threading.Event) -> None:
    """60 children forked while another thread creates, pins and closes maps: every one finishes."""
    root = bpffs_root()
    problems = [problem for _ in range(60) if (problem := _wait(_fork_child(root))) is not None]
    assert problems == []
