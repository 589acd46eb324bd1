"""The resilient spin lock kfuncs (kernel/bpf/rqspinlock.c) run by pybpf's engines as by the kernel.

tests/data/c/res_spin_lock.c's programs that load (the ok_* ones) run on both backends, under
each engine: a counter in a map value grown under the lock (plain and irqsave), two locks nested
and released in reverse order, a lock taken inside a region with interrupts disabled, and the
deadlock the verifier cannot see (one slot looked up twice: two ids) that the lock itself reports
at run time with -EDEADLK.  The map's values afterwards (the lock word reads 0: free) and every
return must be the kernel's.
"""

from __future__ import annotations

import errno
import struct

import pytest

from pybpf.kernel.backend import Backend
from pybpf.object import load_object
from tests.elf.corpus import obj_path

pytestmark = pytest.mark.usefixtures("engine")

PACKET = bytes(range(14)) + bytes(50)
"""An Ethernet frame of 64 bytes (its length & 3 is the hash key ok_inside_irq_region uses)."""
VALUE = struct.Struct("<QIIQ")
"""struct counted: before, the lock word, pad, count."""


def _counted(raw: bytes) -> tuple[int, int, int, int]:
    before, word, pad, count = VALUE.unpack(bytes(raw))
    return before, word, pad, count


def _signed32(retval: int) -> int:
    return retval - (1 << 32) if retval & 1 << 31 else retval


def test_locked_counters_count_as_on_the_kernel(backend: Backend) -> None:
    with load_object(obj_path("res_spin_lock"), backend=backend) as obj:
        counters = obj.maps["counters"]
        others = obj.maps["others"]
        progs = obj.programs
        counts = [progs["ok_count"].run(PACKET).retval for _ in range(3)]
        assert counts == [1, 2, 3]
        assert progs["ok_count_irq"].run(PACKET).retval == 5
        assert progs["ok_nested"].run(ctx=b"").retval == 0
        first = _counted(counters.lookup(struct.pack("<I", 0)))
        second = _counted(counters.lookup(struct.pack("<I", 1)))
        assert first == (0, 0, 0, 6)
        assert second == (0, 0, 0, 6)
        key = struct.pack("<I", len(PACKET) & 3)
        assert progs["ok_inside_irq_region"].run(PACKET).retval == 0  # no element yet
        others.update(key, bytes(VALUE.size))
        assert [progs["ok_inside_irq_region"].run(PACKET).retval for _ in range(2)] == [1, 1]
        assert _counted(others.lookup(key)) == (0, 0, 0, 2)


def test_a_lock_the_run_holds_is_a_deadlock(backend: Backend) -> None:
    with load_object(obj_path("res_spin_lock"), backend=backend) as obj:
        assert _signed32(obj.programs["ok_deadlock_at_run"].run(ctx=b"").retval) == -errno.EDEADLK
        value = _counted(obj.maps["counters"].lookup(struct.pack("<I", 0)))
        assert value[1] == 0  # released: the next run takes it again
        assert _signed32(obj.programs["ok_deadlock_at_run"].run(ctx=b"").retval) == -errno.EDEADLK
