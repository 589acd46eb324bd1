"""BPF_PROG_TEST_RUN with ``repeat``: every repetition is a full run, on pybpf as on the kernel.

pybpf runs the repetitions of one test run in a ``RunSession`` (one registered stack, a reused run
state, the region cache carried between runs); these tests ask both backends the same questions:
state in maps accumulates once per repetition, the stack a repetition sees holds nothing from the
previous one that a verified program could read, tail-call limits count per repetition, and on
pybpf nothing of the session outlives the test run.
"""

from __future__ import annotations

import gc
import struct
import threading

import pytest

from pybpf import Map, Program, uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.prog_run import EXEC_MEMORY

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

XDP = "xdp"
PACKET = bytes(14) + bytes(50)

COUNTER = """
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(counts) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
    r1 = *(u64 *)(r0 + 0)
    *(u64 *)(r10 - 16) = r1
    r0 = *(u64 *)(r10 - 16)
    r0 &= 0xff
out:
    exit
"""


def _counter(backend: Backend) -> Map:
    return Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, name="counts", backend=backend)


def test_every_repetition_counts_once(backend: Backend) -> None:
    with (
        _counter(backend) as counts,
        Program.load(COUNTER, XDP, maps={"counts": counts}, backend=backend) as prog,
    ):
        first = prog.run(PACKET, repeat=37)
        second = prog.run(PACKET, repeat=1)
        third = prog.run(PACKET)  # repeat 0 runs once
        value = struct.unpack("<Q", counts[struct.pack("<I", 0)])[0]
    assert (first.retval, second.retval, third.retval) == (37, 38, 39)
    assert value == 39


def test_a_stack_slot_written_late_is_written_again_before_it_is_read(backend: Backend) -> None:
    """Each repetition writes its slot before reading it; the result is the same every time."""
    text = """
        r2 = 5
        *(u64 *)(r10 - 8) = r2
        r0 = *(u64 *)(r10 - 8)
        r3 = 9
        *(u64 *)(r10 - 8) = r3
        exit
    """
    with Program.load(text, XDP, backend=backend) as prog:
        assert prog.run(PACKET, repeat=20).retval == 5


def _stacks() -> int:
    return sum(region.name == "stack" for region in EXEC_MEMORY.regions)


def test_pybpf_leaves_no_stack_and_no_lock_behind() -> None:
    gc.collect()  # programs other tests left open keep their stacks until collected: count from here
    before = _stacks()
    backend = UserBackend()
    with (
        _counter(backend) as counts,
        Program.load(COUNTER, XDP, maps={"counts": counts}, backend=backend) as prog,
    ):
        prog.run(PACKET, repeat=3)
        # Program.run keeps the program's test run ready (its stack registered) until it closes
        with Program.load("r0 = 2\nexit", XDP, backend=backend) as other:
            other.run(PACKET)
            assert _stacks() == before + 2
        assert _stacks() == before + 1
        acquired: list[bool] = []

        def other_thread() -> None:
            acquired.append(EXEC_MEMORY.lock.acquire(timeout=5))
            if acquired[-1]:
                EXEC_MEMORY.lock.release()

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert acquired == [True]
        runs = [prog.run(PACKET, repeat=2).retval for _ in range(2)]
    assert runs == [5, 7]
    assert _stacks() == before
