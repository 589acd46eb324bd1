"""A process killed (SIGKILL) in the middle of writing a map loses or corrupts none of its data.

In the kernel an update is a system call that finishes once begun, and a program runs to its end: no
holder of a map dies half-way through writing it.  pybpf's writers are processes sharing the map's
file, and ``kill -9`` can stop one at any instruction -- holding the map's lock, half-way through a
value, between a ring buffer reservation and its commit.  Here children write as fast as they can
and are killed after a random few milliseconds, many times in a row; after every kill the map must
hold only whole values (every value written is one byte repeated, so a torn one shows), its
iteration must end, and it must go on working; at the end every slot must still be usable (a hash
map takes max_entries new keys: no element leaked by a writer that died holding it).

The hash maps (plain, LRU, per-CPU) publish an update with one store after the new element is
written, so their values are whole.  An array's update copies the value in place, as the kernel's
does, through the map's redo journal (``pybpf.maps.journal``): a writer killed inside the copy
leaves a published journal that the next reader (or locker, or opener) completes, so the arrays'
values are whole too (before the journal: one torn value in some 200 kills of writers of a per-CPU
array of 512-byte values).
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable

import pytest

from pybpf import Map, RingBuffer, uapi
from pybpf.kernel.backend import UserBackend
from pybpf.maps.base import round_up
from pybpf.maps.lru import LruHashMap, LruPercpuHashMap
from pybpf.maps.object import MapObject
from pybpf.maps.percpu import possible_cpus
from pybpf.maps.ringbuf import RingBufMap

ROUNDS = 25
"""Writers killed per map."""
ENTRIES = 32
VALUE_SIZE = 512
"""Large enough that a copy of a value takes a while (a kill lands inside one now and then)."""


def _writer(work: Callable[[int], None]) -> int:
    """A child calling ``work(step)`` for step = 0, 1, ... until it is killed."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            step = random.randrange(1 << 20)
            while True:
                work(step)
                step += 1
        finally:
            os._exit(1)
    return pid


def _kill_after(pid: int, rng: random.Random) -> None:
    time.sleep(rng.uniform(0.002, 0.03))
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status), "the writer stopped on its own (it failed)"


def _whole(value: bytes) -> bool:
    return value == value[:1] * len(value)


KINDS = {
    "hash": (uapi.BPF_MAP_TYPE_HASH, False),
    "lru_hash": (uapi.BPF_MAP_TYPE_LRU_HASH, False),
    "array": (uapi.BPF_MAP_TYPE_ARRAY, False),
    "percpu_hash": (uapi.BPF_MAP_TYPE_PERCPU_HASH, True),
    "lru_percpu_hash": (uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH, True),
    "percpu_array": (uapi.BPF_MAP_TYPE_PERCPU_ARRAY, True),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_killed_writers_leave_whole_values_and_a_working_map(kind: str) -> None:
    map_type, per_cpu = KINDS[kind]
    hashed = "hash" in kind
    cpus = possible_cpus() if per_cpu else 1
    rng = random.Random(kind)
    with Map.create(map_type, 4, VALUE_SIZE, ENTRIES, backend=UserBackend()) as m:

        def value(step: int) -> bytes:
            return bytes([step & 0xFF]) * (VALUE_SIZE * cpus)

        # (an LRU map evicts for new keys; a hash map keeps a slot free for the probe below)
        keys_written = ENTRIES + ENTRIES // 2 if kind.startswith("lru") else ENTRIES - 1

        def write(step: int) -> None:
            key = (step * 7 % keys_written).to_bytes(4, "little")
            if hashed and step % 5 == 0:
                if key in m:
                    m.delete(key)
            else:
                m.update(key, value(step))

        for _ in range(ROUNDS):
            _kill_after(_writer(write), rng)
            keys = list(m.keys())
            assert len(keys) <= ENTRIES
            for key in keys:
                found = m.lookup(key)
                assert _whole(bytes(found)), f"a torn value under {key!r}"
            m.update(b"\xff\xff\xff\x7f" if hashed else b"\0\0\0\0", value(1))
            if hashed:
                m.delete(b"\xff\xff\xff\x7f")
        if hashed:
            for key in list(m.keys()):
                m.delete(key)
            impl = MapObject.from_fd(m.fd).impl
            if isinstance(impl, LruHashMap | LruPercpuHashMap):  # every node on the lists, once
                with MapObject.from_fd(m.fd).lock:
                    impl.check_lists()
                return  # (where a new key's node comes from is the kernel's LRU's choice)
            for index in range(ENTRIES):  # every element free again: none leaked by a dead writer
                m.update(index.to_bytes(4, "little"), value(index), uapi.BPF_NOEXIST)
            assert len(list(m.keys())) == ENTRIES


def test_killed_ring_buffer_producers_lose_no_submitted_record() -> None:
    """Children reserve, fill and submit records (each one byte repeated) until killed, some of them
    between a reservation and its commit: the consumer gets every record each child submitted, in
    order and whole, and never waits for ever on the record a dead child reserved."""
    rng = random.Random(7)
    with Map.create(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, 1 << 16, backend=UserBackend()) as m:
        impl = MapObject.from_fd(m.fd).impl
        assert isinstance(impl, RingBufMap)
        got: list[bytes] = []

        def produce(step: int) -> None:
            size = 8 + step % 200
            offset = impl.reserve(size)
            if offset is None:
                time.sleep(0.0005)
                return
            impl.mem[offset : offset + size] = bytes([step & 0xFF]) * size
            impl.commit(offset, False)

        with RingBuffer(m.fd, got.append) as ring:
            for _ in range(ROUNDS):
                _kill_after(_writer(produce), rng)
                ring.consume()
                assert all(map(_whole, got))
                got.clear()
                assert impl.output(b"\x01" * 16) == 0  # the ring goes on taking records
                deadline = time.monotonic() + 5
                while not got and time.monotonic() < deadline:
                    ring.poll(10)
                assert got[-1:] == [b"\x01" * 16], "a dead producer's reservation stalls the ring"
                got.clear()


RESERVE_THEN_WAIT = """
    r1 = map_fd(m) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    r1 = map_fd(h) ll
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_map_update_elem
    *(u64 *)(r6 + 0) = r0
    r1 = r6
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 0
    exit
"""
"""Reserves a record natively, then updates map ``h`` (whose lock the test holds) before submitting."""


@pytest.mark.parametrize("engine", ["jit", "interpreter"])
def test_a_program_killed_holding_a_record_stalls_no_consumer(engine: str) -> None:
    """A run killed between bpf_ringbuf_reserve and bpf_ringbuf_submit (waiting for a map's lock the
    test holds): its reservation was noted with its process (natively too), and once it is dead the
    consumer discards its record and goes on."""
    from pybpf.helpers import RunEnv, default_registry
    from pybpf.helpers.map_access import MapAccess, ProgramMaps
    from pybpf.isa import assemble
    from pybpf.isa.program import slot_starts
    from pybpf.jit.executable import JitProgram
    from pybpf.maps.ringbuf import RESERVATION_SLOTS, RESERVATIONS_AT
    from pybpf.memory.regions import Memory
    from pybpf.vm import Interpreter

    ring_map = Map.create(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, 1 << 12, backend=UserBackend())
    hash_map = Map.create(uapi.BPF_MAP_TYPE_HASH, 8, 8, 4, backend=UserBackend())
    with ring_map, hash_map:
        ring, hashed = MapObject.from_fd(ring_map.fd), MapObject.from_fd(hash_map.fd)
        impl = ring.impl
        assert isinstance(impl, RingBufMap)
        insns = assemble(RESERVE_THEN_WAIT, "kernel", maps={"m": 3, "h": 4})
        by_fd = {3: ring.pointer, 4: hashed.pointer}
        resolved = {
            slot: by_fd[insn.imm]
            for insn, slot in zip(insns, slot_starts(insns), strict=True)
            if insn.imm in by_fd and insn.src == 1
        }
        memory = Memory()
        if engine == "jit":
            program: Interpreter | JitProgram = JitProgram(
                insns, helpers=default_registry(), memory=memory, resolved=resolved, facts=()
            )
            assert "ringbuf_reserve" in {name for name, _ in program.native.calls.values()}
        else:
            program = Interpreter(insns, helpers=default_registry(), memory=memory, resolved=resolved)
        table = slice(RESERVATIONS_AT // 8, RESERVATIONS_AT // 8 + RESERVATION_SLOTS)
        with hash_map.locked():
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child
                try:
                    with MapAccess(memory, ProgramMaps.of([ring, hashed])) as access:
                        program.run(env=RunEnv(maps=access))
                finally:
                    os._exit(0)
            deadline = time.monotonic() + 10
            while not impl.producer_pos and time.monotonic() < deadline:
                time.sleep(0.001)
            entries = [int(entry) for entry in impl._u64[table] if entry]
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        assert [entry >> 32 for entry in entries] == [pid]
        got: list[bytes] = []
        with RingBuffer(ring_map.fd, got.append) as reader:
            assert reader.consume() == 0
            assert impl.output(b"\2" * 8) == 0
            assert reader.consume() == 1
        assert got == [b"\2" * 8]
        assert not any(impl._u64[table])


TORN_ROUNDS = 60
BIG_VALUE = 1 << 18
"""256 KiB values: a copy takes long enough that most kills land inside one."""


@pytest.mark.slow
@pytest.mark.parametrize("map_type", [uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_PERCPU_ARRAY])
def test_killed_array_writers_leave_old_or_new_values(map_type: int) -> None:
    """A writer killed at a random point of its updates of large array values, again and again: every
    value read afterwards -- without the lock, as array lookups are made -- is entirely one value the
    writer wrote (or the initial zeros), never part of two."""
    cpus = possible_cpus() if map_type == uapi.BPF_MAP_TYPE_PERCPU_ARRAY else 1
    value_size = min(BIG_VALUE // cpus, 32 << 10)  # PCPU_MIN_UNIT_SIZE bounds a per-CPU value
    size = round_up(value_size, 8) * cpus
    written = [bytes([byte]) * size for byte in (0x11, 0x22, 0x33)]
    rng = random.Random(map_type)
    with Map.create(map_type, 4, value_size, 2, backend=UserBackend()) as m:
        keys = [index.to_bytes(4, "little") for index in range(2)]

        def write(step: int) -> None:
            m.update(keys[step & 1], written[step % 3])

        allowed = {bytes(size), *written}
        for _ in range(TORN_ROUNDS):
            pid = _writer(write)
            time.sleep(rng.uniform(0.001, 0.01))
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            for key in keys:
                assert bytes(m.lookup(key)) in allowed, f"a torn value under {key!r}"


PERCPU_VALUE = 32 << 10
"""The largest per-CPU value (PCPU_MIN_UNIT_SIZE): a one-CPU copy long enough for kills to land in."""


@pytest.mark.slow
@pytest.mark.parametrize(
    "map_type",
    [uapi.BPF_MAP_TYPE_PERCPU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH, uapi.BPF_MAP_TYPE_PERCPU_ARRAY],
)
def test_killed_one_cpu_program_writers_leave_old_or_new_values(map_type: int) -> None:
    """A program's update of a per-CPU map writes the running CPU's value in place
    (``__htab_percpu_map_update_elem`` / ``__htab_lru_percpu_map_update_elem`` with ``onallcpus``
    false, ``array_map_update_elem``): a writer killed inside that copy, again and again, leaves
    every CPU's value entirely one value it wrote, never part of two (through the map's journal)."""
    cpus = possible_cpus()
    written = [bytes([byte]) * PERCPU_VALUE for byte in (0x11, 0x22, 0x33)]
    allowed = {bytes(PERCPU_VALUE), *written}
    stride = round_up(PERCPU_VALUE, 8)
    rng = random.Random(map_type)
    with Map.create(map_type, 4, PERCPU_VALUE, 2, backend=UserBackend()) as m:
        keys = [index.to_bytes(4, "little") for index in range(2)]
        for key in keys:
            m.update(key, bytes(stride * cpus))
        obj = MapObject.from_fd(m.fd)

        def write(step: int) -> None:
            with obj.lock:
                obj.impl.program_update(keys[step & 1], written[step % 3], uapi.BPF_EXIST, step % cpus)

        for _ in range(TORN_ROUNDS):
            pid = _writer(write)
            time.sleep(rng.uniform(0.001, 0.01))
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            for key in keys:
                block = bytes(m.lookup(key))
                for cpu in range(cpus):
                    value = block[cpu * stride : cpu * stride + PERCPU_VALUE]
                    assert value in allowed, f"CPU {cpu}'s value under {key!r} is torn"
