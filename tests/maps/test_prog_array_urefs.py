"""A prog array empties itself when its last user reference goes, on both backends.

The kernel counts a map's user references (``map->usercnt``: every fd, every pin; not the references
programs hold on the maps they use) and, when the count drops to zero, calls the type's
``map_release_uref``: for prog arrays ``prog_array_map_clear``, which empties every slot from a work
item.  So a program stored in a prog array it uses itself is freed once the array's fds and pins
are gone, rather than kept alive forever by the cycle.  The kernel empties the array a moment after
the close (a work item, then RCU), so each check polls with a bounded timeout.
"""

from __future__ import annotations

import errno
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pybpf import Map, Program, uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend

TIMEOUT = 5.0
"""How long the kernel may take to empty the array and free the programs (seconds)."""
PKT = bytes(64)
TAIL = """
r2 = map_fd(jmp) ll
r3 = 0
call bpf_tail_call
r0 = 1
exit
"""
"""Tail-calls slot 0 of ``jmp``; 1 when the slot is empty (or after 33 tail calls into itself)."""


def _ids(backend: Backend, command: int) -> list[int]:
    attr = uapi.bpf_attr()
    found: list[int] = []
    while True:
        attr.start_id = found[-1] if found else 0
        try:
            backend.bpf(command, attr)
        except BPFError as exc:
            assert exc.errno == errno.ENOENT
            return found
        found.append(attr.next_id)


def prog_ids(backend: Backend) -> list[int]:
    return _ids(backend, uapi.BPF_PROG_GET_NEXT_ID)


def map_ids(backend: Backend) -> list[int]:
    return _ids(backend, uapi.BPF_MAP_GET_NEXT_ID)


def eventually(check: Callable[[], bool]) -> bool:
    """Whether ``check()`` becomes true within ``TIMEOUT`` (polled)."""
    deadline = time.monotonic() + TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def stays(check: Callable[[], bool], seconds: float = 0.2) -> bool:
    """Whether ``check()`` holds throughout ``seconds`` (time for the kernel's work item to have run)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not check():
            return False
        time.sleep(0.02)
    return check()


def map_by_id(backend: Backend, map_id: int) -> Map:
    """BPF_MAP_GET_FD_BY_ID, the fd owned by the returned Map."""
    attr = uapi.bpf_attr()
    attr.map_id = map_id
    fd = backend.bpf(uapi.BPF_MAP_GET_FD_BY_ID, attr)
    try:
        return Map.from_fd(fd, backend=backend)
    finally:
        os.close(fd)


def _prog_array(backend: Backend) -> Map:
    return Map.create(uapi.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2, backend=backend)


def _self_calling(backend: Backend) -> tuple[Map, Program]:
    """A prog array and a program that uses it, stored in its slot 0."""
    jmp = _prog_array(backend)
    prog = Program.load(TAIL, "xdp", maps={"jmp": jmp}, backend=backend)
    jmp[0] = prog.fd
    return jmp, prog


def _caller_and_target(backend: Backend) -> tuple[Map, Program, Program]:
    """A prog array whose slot 0 holds a program returning 7, and a program tail-calling it."""
    jmp = _prog_array(backend)
    target = Program.load("r0 = 7\nexit", "xdp", backend=backend)
    caller = Program.load(TAIL, "xdp", maps={"jmp": jmp}, backend=backend)
    jmp[0] = target.fd
    target.close()  # the array holds it
    assert caller.run(PKT).retval == 7
    return jmp, caller, target


@pytest.mark.usefixtures("engine")
def test_program_in_its_own_prog_array_is_freed(backend: Backend) -> None:
    jmp, prog = _self_calling(backend)
    prog_id, jmp_id = prog.id, jmp.info().id
    assert prog.run(PKT).retval == 1  # 33 tail calls into itself, then the fall-through
    prog.close()
    assert stays(lambda: prog_id in prog_ids(backend))  # the array still holds it, and has an fd
    jmp.close()  # the last user reference: the array empties, the cycle is broken
    assert eventually(lambda: prog_id not in prog_ids(backend))
    assert eventually(lambda: jmp_id not in map_ids(backend))


def test_pinned_prog_array_keeps_its_programs_until_unpinned(backend: Backend, pin_dir: Path) -> None:
    jmp, prog = _self_calling(backend)
    prog_id = prog.id
    pin = str(pin_dir / "jmp")
    jmp.pin(pin)
    jmp.close()
    prog.close()
    assert stays(lambda: prog_id in prog_ids(backend))  # the pin is a user reference
    again = Map.from_pinned(pin, backend=backend)  # BPF_OBJ_GET: another one
    assert int.from_bytes(again[0], "little") == prog_id
    os.unlink(pin)
    assert stays(lambda: prog_id in prog_ids(backend))  # the fd from BPF_OBJ_GET is one still
    assert int.from_bytes(again[0], "little") == prog_id
    again.close()
    assert eventually(lambda: prog_id not in prog_ids(backend))


@pytest.mark.usefixtures("engine")
def test_tail_call_finds_the_array_empty_after_its_last_fd(backend: Backend) -> None:
    """A program's own reference to the array is no user reference: once the fds are gone, the
    program still runs, but its tail call falls through."""
    jmp, caller, _ = _caller_and_target(backend)
    duplicate = os.dup(jmp.fd)
    jmp.close()
    assert stays(lambda: caller.run(PKT).retval == 7)  # a dup'ed fd is the same user reference
    os.close(duplicate)
    assert eventually(lambda: caller.run(PKT).retval == 1)
    caller.close()


@pytest.mark.usefixtures("engine")
def test_an_fd_by_id_after_the_last_fd_sees_an_empty_array(backend: Backend) -> None:
    jmp, caller, _ = _caller_and_target(backend)
    jmp_id = jmp.info().id
    jmp.close()

    def emptied() -> bool:
        reopened = map_by_id(backend, jmp_id)
        try:
            return 0 not in reopened
        finally:
            reopened.close()

    assert eventually(emptied)
    assert caller.run(PKT).retval == 1
    caller.close()


@pytest.mark.usefixtures("engine")
def test_an_fd_in_flight_or_in_a_child_is_a_user_reference(backend: Backend) -> None:
    """SCM_RIGHTS and fork share the open file: the array stays filled while a message in a socket
    or a child process holds it."""
    jmp, caller, _ = _caller_and_target(backend)
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        socket.send_fds(left, [b"m"], [jmp.fd])
        jmp.close()
        assert stays(lambda: caller.run(PKT).retval == 7)  # in flight in the socket
        _, (received,), _, _ = socket.recv_fds(right, 1, 1)
        ready_r, ready_w = os.pipe()
        child = os.fork()
        if child == 0:  # the child holds the inherited fd until the parent writes
            os.close(ready_w)
            os.read(ready_r, 1)
            os._exit(0)
        os.close(ready_r)
        os.close(received)
        try:
            assert stays(lambda: caller.run(PKT).retval == 7)  # the child's copy
        finally:
            os.write(ready_w, b"x")
            os.close(ready_w)
            os.waitpid(child, 0)
    assert eventually(lambda: caller.run(PKT).retval == 1)
    caller.close()


@pytest.mark.usefixtures("engine")
def test_a_deleted_slot_is_not_cleared_again(backend: Backend) -> None:
    """Emptying by hand and then closing: nothing left to release, and the array is freed."""
    jmp, caller, _ = _caller_and_target(backend)
    jmp_id = jmp.info().id
    del jmp[0]
    assert caller.run(PKT).retval == 1
    jmp.close()
    caller.close()
    assert eventually(lambda: jmp_id not in map_ids(backend))


@pytest.mark.usefixtures("engine")
def test_users_are_counted_per_array(backend: Backend) -> None:
    """Closing one prog array's fds empties that array only."""
    first, caller_first, _ = _caller_and_target(backend)
    second, caller_second, _ = _caller_and_target(backend)
    first.close()
    assert eventually(lambda: caller_first.run(PKT).retval == 1)
    assert caller_second.run(PKT).retval == 7
    assert int.from_bytes(second[0], "little") != 0
    for obj in (second, caller_first, caller_second):
        obj.close()


@pytest.mark.usefixtures("engine")
def test_an_array_filled_again_after_the_release_empties_again(backend: Backend) -> None:
    """After the release an fd by id may fill the array again, and its close empties it again."""
    jmp, caller, _ = _caller_and_target(backend)
    jmp_id = jmp.info().id
    jmp.close()
    assert eventually(lambda: caller.run(PKT).retval == 1)
    reopened = map_by_id(backend, jmp_id)
    target = Program.load("r0 = 9\nexit", "xdp", backend=backend)
    reopened[0] = target.fd
    target.close()
    assert caller.run(PKT).retval == 9
    reopened.close()
    assert eventually(lambda: caller.run(PKT).retval == 1)
    caller.close()


@pytest.mark.usefixtures("engine")
def test_markers_written_by_anybody_release_nothing_else(_private_bpffs: Path) -> None:
    """The marker directory is shared with every process: marks for objects that are no prog array,
    for holders that are gone or for no holder at all are dropped at the next collection, harmlessly."""
    backend = UserBackend()
    array = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 1, backend=backend)
    array[0] = b"\x05\x00\x00\x00"
    array_id = array.info().id
    jmp, caller, _ = _caller_and_target(backend)
    marks = _private_bpffs / ".refs" / ".uref"
    names = [f"map-{array_id}", "map-99999", "map-x", "prog-1", "btf-", "junk"]
    for name in names:
        (marks / name).touch()
    other = os.dup(array.fd)
    array.close()  # the dup keeps it alive, and its user lock
    assert map_ids(backend)  # a collection: the marks of objects that have users stay
    assert sorted(os.listdir(marks)) == sorted([f"map-{array_id}", f"map-{jmp.info().id}"])
    again = Map.from_fd(other, backend=backend)
    os.close(other)
    assert again[0] == b"\x05\x00\x00\x00"
    assert caller.run(PKT).retval == 7
    again.close()
    assert array_id not in map_ids(backend)
    assert os.listdir(marks) == [f"map-{jmp.info().id}"]
    for obj in (jmp, caller):
        obj.close()
