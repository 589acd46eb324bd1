"""Stress: creating and releasing objects concurrently never fails where the kernel would not.

The kernel answers BPF_MAP_CREATE and BPF_PROG_LOAD with ENOMEM only when memory runs out, and with
EMFILE when the caller has no fd left.  pybpf's objects are files shared by processes
(``pybpf.objects``): ids, the memory ledger and the reference directories are shared state that
other processes change meanwhile, and collections in one process release what is unused in all.
These tests load the machine the way a test suite does -- processes creating maps, loading programs
that use them, forking children that inherit and use their fds, closing everything in turn -- and
require every call to succeed (or, out of fds, to fail with EMFILE, never ENOMEM).  Bounded by counts,
never by time; nothing asserts how long anything takes.

What they caught: a collection in one process releasing a map or program another was still creating
(its anchor linked, its fd not yet marked as a user), after which loading a program that used it
failed with ENOMEM ("cannot store the program": the map's file could no longer be linked), and a
collection removing a reference directory made a moment before its ``self`` link (map creation failed
with ENOENT).
"""

from __future__ import annotations

import collections
import errno
import multiprocessing
import os
import resource
from collections.abc import Callable
from multiprocessing.connection import Connection

import pytest

from pybpf import Map, Program, uapi
from pybpf.maps.base import MapParams
from pybpf.maps.object import MapObject
from pybpf.maps.registry import lookup_map_type
from pybpf.objects import accounting

_LOOKUP = """
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 2
    exit
"""
_FORK = multiprocessing.get_context("fork")


def _errors(call: Callable[[], None], errors: collections.Counter[str]) -> None:
    try:
        call()
    except OSError as exc:
        errors[f"{errno.errorcode.get(exc.errno or 0, exc.errno)}: {exc}"] += 1


def _create_load_close(rounds: int, value_size: int, fork_every: int) -> collections.Counter[str]:
    """``rounds`` times: create a map, load a program using it, run it, close both; every
    ``fork_every`` rounds a forked child inherits the map's fd and loads its own program with it while
    the parent closes its copy.  The errors met, counted by message."""
    errors: collections.Counter[str] = collections.Counter()
    for round_ in range(rounds):
        try:
            counts = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, value_size, 1)
        except OSError as exc:
            errors[f"map {errno.errorcode.get(exc.errno or 0)}: {exc}"] += 1
            continue
        if fork_every and round_ % fork_every == 0:
            child = _FORK.Process(target=_load_and_exit, args=(counts,))
            child.start()
            counts.close()
            child.join()
            if child.exitcode:
                errors[f"forked child exited with {child.exitcode}"] += 1
            continue

        def load(counts: Map = counts) -> None:
            with Program.load(_LOOKUP, "xdp", maps={"m": counts}) as prog:
                if prog.run(b"\0" * 64).retval != 2:
                    errors["wrong result"] += 1

        _errors(load, errors)
        counts.close()
    return errors


def _load_and_exit(counts: Map) -> None:
    with Program.load(_LOOKUP, "xdp", maps={"m": counts}) as prog:
        os._exit(0 if prog.run(b"\0" * 64).retval == 2 else 3)


def _worker(out: Connection, rounds: int, value_size: int, fork_every: int) -> None:
    try:
        out.send(dict(_create_load_close(rounds, value_size, fork_every)))
    except BaseException as exc:  # anything else is a failure too, reported to the parent
        out.send({f"worker raised {type(exc).__name__}: {exc}": 1})
    finally:
        out.close()


def _run_workers(count: int, rounds: int, value_size: int = 8, fork_every: int = 0) -> dict[str, int]:
    pipes, workers = [], []
    for _ in range(count):
        receive, send = _FORK.Pipe(duplex=False)
        worker = _FORK.Process(target=_worker, args=(send, rounds, value_size, fork_every))
        worker.start()
        send.close()
        pipes.append(receive)
        workers.append(worker)
    errors: collections.Counter[str] = collections.Counter()
    for receive, worker in zip(pipes, workers, strict=True):
        errors.update(receive.recv() if receive.poll(600) else {"worker sent nothing": 1})
        worker.join(60)
    return dict(errors)


@pytest.mark.slow
def test_concurrent_create_load_close_never_fails() -> None:
    assert _run_workers(count=4, rounds=120) == {}


@pytest.mark.slow
def test_concurrent_create_load_close_with_forked_users_never_fails() -> None:
    assert _run_workers(count=3, rounds=60, fork_every=3) == {}


@pytest.mark.slow
def test_maps_closed_a_moment_ago_never_exhaust_the_memory_limit() -> None:
    """Each of 3 processes holds at most one 1 MiB map at a time under a limit of 6 such maps (what
    each is charged: its storage, journal and trailer page): the kernel (whose memory cgroup
    reclaims before refusing) would never refuse; nor may pybpf, although
    a closed map stays charged until a collection releases it."""
    value_size = 1 << 20
    params = MapParams(uapi.BPF_MAP_TYPE_ARRAY, 4, value_size, 1, 0)
    array = lookup_map_type(params.map_type)
    assert array is not None
    accounting.set_memory_limit(6 * MapObject.up_front_bytes(array, params))  # what each map is charged
    try:
        assert _run_workers(count=3, rounds=40, value_size=value_size) == {}
    finally:
        accounting.set_memory_limit(None, reset=True)


def test_out_of_fds_is_emfile_never_enomem() -> None:
    """Near RLIMIT_NOFILE every creation either succeeds or fails with EMFILE (the kernel's
    ``get_unused_fd_flags``), whichever of pybpf's own files ran out of fds."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    held: list[Map] = []
    failures: collections.Counter[int] = collections.Counter()
    successes = 0
    fillers: list[int] = []
    try:
        # fill the holes below the highest open fd (a test process closes fds in any order), so
        # that the lowest free fd -- the one the next file gets -- is the count of open fds
        highest = max(int(fd) for fd in os.listdir("/proc/self/fd"))
        while (filler := os.open(os.devnull, os.O_RDONLY)) < highest:
            fillers.append(filler)
        os.close(filler)
        base = len(os.listdir("/proc/self/fd"))
        for spare in range(12, 0, -1):
            resource.setrlimit(resource.RLIMIT_NOFILE, (base + len(held) + spare, hard))
            for _ in range(3):
                try:
                    counts = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1)
                except OSError as exc:
                    failures[exc.errno or 0] += 1
                    continue
                successes += 1
                try:
                    Program.load(_LOOKUP, "xdp", maps={"m": counts}).close()
                except OSError as exc:
                    failures[exc.errno or 0] += 1
                held.append(counts)  # kept open: the fds run out
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        for kept in held:
            kept.close()
        for filler in fillers:
            os.close(filler)
    assert successes and failures  # both sides of the limit were reached
    assert set(failures) == {errno.EMFILE}
