"""The map helpers called directly: pointers into the shared storage, errnos, per-CPU and LRU rules."""

from __future__ import annotations

import errno
import struct

import pytest

from pybpf import uapi
from pybpf.errors import HelperError, MemoryAccessError
from pybpf.helpers import default_registry
from pybpf.helpers.maps import MAP_HELPERS
from pybpf.maps.lru import LruHashMap
from pybpf.maps.object import MapObject
from pybpf.maps.percpu import possible_cpus
from pybpf.memory.regions import READ_WRITE
from tests.helpers.support import Env, user_map

Q = struct.Struct("<Q")
KEY_AT, VALUE_AT = 0, 64


def key32(env: Env, index: int) -> int:
    return env.put(KEY_AT, struct.pack("<I", index))


def u64_at(env: Env, value: int) -> int:
    return env.put(VALUE_AT, Q.pack(value))


@pytest.fixture(autouse=True)
def _four_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYBPF_NR_CPUS", "4")


def test_default_registry_has_the_map_helpers() -> None:
    registry = default_registry()
    for helper_id in (1, 2, 3, 12, 87, 88, 89, 93, 94, 130, 131, 132, 133, 134, 164, 195):
        assert helper_id in registry
        assert registry[helper_id] is MAP_HELPERS[helper_id]


def test_array_lookup_points_into_the_map() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 12, 4)
    with handle:
        env = Env(maps=(obj,))
        pointer = env.call("map_lookup_elem", obj.pointer, key32(env, 2))
        assert pointer == obj.address + 2 * 16  # elements are round_up(12, 8) apart
        env.memory.write(pointer, b"from program")
        assert handle.lookup(struct.pack("<I", 2)) == b"from program"
        handle.update(struct.pack("<I", 2), b"from user...")
        assert env.memory.read(pointer, 12) == b"from user..."
        assert env.call("map_lookup_elem", obj.pointer, key32(env, 4)) == 0


def test_array_update_and_delete_errnos() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    with handle:
        env = Env(maps=(obj,))
        value = u64_at(env, 0x1234)
        assert env.call("map_update_elem", obj.pointer, key32(env, 1), value, uapi.BPF_ANY) == 0
        assert handle.lookup(struct.pack("<I", 1)) == Q.pack(0x1234)
        assert env.call("map_update_elem", obj.pointer, key32(env, 1), value, uapi.BPF_EXIST) == 0
        assert (
            env.call("map_update_elem", obj.pointer, key32(env, 1), value, uapi.BPF_NOEXIST) == -errno.EEXIST
        )
        assert env.call("map_update_elem", obj.pointer, key32(env, 4), value, uapi.BPF_ANY) == -errno.E2BIG
        assert env.call("map_update_elem", obj.pointer, key32(env, 1), value, 3) == -errno.EINVAL
        assert (
            env.call("map_update_elem", obj.pointer, key32(env, 1), value, uapi.BPF_F_LOCK) == -errno.EINVAL
        )
        assert env.call("map_delete_elem", obj.pointer, key32(env, 1)) == -errno.EINVAL


def test_hash_pointer_update_delete() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_HASH, 4, 8, 2)
    with handle:
        env = Env(maps=(obj,))
        key, value = key32(env, 7), u64_at(env, 5)
        assert env.call("map_lookup_elem", obj.pointer, key) == 0
        assert env.call("map_update_elem", obj.pointer, key, value, uapi.BPF_EXIST) == -errno.ENOENT
        assert env.call("map_update_elem", obj.pointer, key, value, uapi.BPF_NOEXIST) == 0
        assert env.call("map_update_elem", obj.pointer, key, value, uapi.BPF_NOEXIST) == -errno.EEXIST
        pointer = env.call("map_lookup_elem", obj.pointer, key)
        assert obj.contains(pointer)
        env.memory.store(pointer, 8, 99)
        assert handle.lookup(struct.pack("<I", 7)) == Q.pack(99)
        assert env.call("map_update_elem", obj.pointer, key, value, uapi.BPF_F_LOCK) == -errno.EINVAL
        assert env.call("map_update_elem", obj.pointer, key32(env, 8), value, uapi.BPF_ANY) == 0
        assert env.call("map_update_elem", obj.pointer, key32(env, 9), value, uapi.BPF_ANY) == -errno.E2BIG
        assert env.call("map_delete_elem", obj.pointer, key32(env, 8)) == 0
        assert env.call("map_delete_elem", obj.pointer, key32(env, 8)) == -errno.ENOENT
        assert struct.pack("<I", 8) not in handle


def test_a_map_argument_must_be_a_map_of_the_run() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_HASH, 4, 8, 2)
    other_handle, other = user_map(uapi.BPF_MAP_TYPE_HASH, 4, 8, 2)
    with handle, other_handle:
        env = Env(maps=(obj,))
        key, value = key32(env, 1), u64_at(env, 1)
        for bad in (0, env.scratch.start, obj.address, obj.pointer + 8, other.pointer, 0x1000):
            with pytest.raises(HelperError, match=r"R1 = .* is not a map of this program"):
                env.call("map_lookup_elem", bad, key)
            with pytest.raises(HelperError, match=r"R1 = .* is not a map of this program"):
                env.call("map_update_elem", bad, key, value, 0)


def test_a_run_without_maps_reaches_none() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 2)
    with handle:
        env = Env()
        env.ctx.env.maps = None
        with pytest.raises(HelperError, match="given no maps"):
            env.call("map_lookup_elem", obj.pointer, key32(env, 1))


def test_a_lookup_registers_exactly_the_value() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 12, 3)
    with handle:
        env = Env(maps=(obj,))
        before = len(env.memory.regions)
        pointer = env.call("map_lookup_elem", obj.pointer, key32(env, 1))
        assert env.call("map_lookup_elem", obj.pointer, key32(env, 1)) == pointer  # one region, reused
        assert len(env.memory.regions) == before + 1
        env.memory.store(pointer + 4, 8, 42)
        assert handle[struct.pack("<I", 1)] == bytes(4) + Q.pack(42)
        for outside in (pointer - 1, pointer + 12, obj.address):
            with pytest.raises(MemoryAccessError):
                env.memory.load(outside, 1)
        env.access.release()
        assert len(env.memory.regions) == before
        with pytest.raises(MemoryAccessError):
            env.memory.load(pointer, 1)


@pytest.mark.parametrize(
    ("flags", "reads", "writes"),
    [(0, True, True), (uapi.BPF_F_RDONLY_PROG, True, False), (uapi.BPF_F_WRONLY_PROG, False, True)],
)
def test_values_follow_the_program_access_flags(flags: int, reads: bool, writes: bool) -> None:
    """``check_map_access_type``: BPF_F_RDONLY_PROG values are loads only, BPF_F_WRONLY_PROG stores
    only; a read-modify-write (an atomic) needs both."""
    handle, obj = user_map(uapi.BPF_MAP_TYPE_HASH, 4, 8, 2, flags)
    with handle:
        handle[struct.pack("<I", 1)] = Q.pack(5)
        env = Env(maps=(obj,))
        pointer = env.call("map_lookup_elem", obj.pointer, key32(env, 1))
        accesses = (
            (reads, lambda: env.memory.load(pointer, 8)),
            (writes, lambda: env.memory.store(pointer, 8, 6)),
            (reads and writes, lambda: env.memory.check(pointer, 8, READ_WRITE)),
        )
        for allowed, access in accesses:
            if allowed:
                access()
            else:
                with pytest.raises(MemoryAccessError):
                    access()
        assert handle[struct.pack("<I", 1)] == Q.pack(6 if writes else 5)


def test_percpu_array_program_sees_its_cpu() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2)
    with handle:
        key = struct.pack("<I", 1)
        handle.update(key, b"".join(struct.pack("<Q", 10 + cpu) for cpu in range(4)))
        env = Env(cpu=2, maps=(obj,))
        pointer = env.call("map_lookup_elem", obj.pointer, key32(env, 1))
        assert env.memory.load(pointer, 4) == 12
        assert (
            env.call("map_update_elem", obj.pointer, key32(env, 1), env.put(VALUE_AT, b"\x07\0\0\0"), 0) == 0
        )
        values = [struct.unpack_from("<Q", handle.lookup(key), 8 * cpu)[0] for cpu in range(4)]
        assert values == [10, 11, 7, 13]
        other = env.call("map_lookup_percpu_elem", obj.pointer, key32(env, 1), 3)
        assert other == pointer + 8 and env.memory.load(other, 4) == 13
        assert env.call("map_lookup_percpu_elem", obj.pointer, key32(env, 1), 4) == 0


def test_percpu_hash_new_element_zeroes_other_cpus_existing_updates_in_place() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4)
    with handle:
        env = Env(cpu=1, maps=(obj,))
        key = struct.pack("<I", 3)
        assert env.call("map_update_elem", obj.pointer, key32(env, 3), u64_at(env, 0xAB), 0) == 0
        assert handle.lookup(key) == Q.pack(0) + Q.pack(0xAB) + Q.pack(0) * 2
        handle.update(key, Q.pack(5) * 4)
        pointer = env.call("map_lookup_elem", obj.pointer, key32(env, 3))
        assert env.call("map_update_elem", obj.pointer, key32(env, 3), u64_at(env, 0xCD), uapi.BPF_EXIST) == 0
        assert handle.lookup(key) == Q.pack(5) + Q.pack(0xCD) + Q.pack(5) * 2
        assert env.memory.load(pointer, 8) == 0xCD  # the update was made in place
        assert env.call("map_update_elem", obj.pointer, key32(env, 3), u64_at(env, 1), uapi.BPF_F_LOCK) == (
            -errno.EINVAL
        )


def test_lru_program_lookup_sets_the_ref_bit_user_lookup_does_not() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 2)
    with handle:
        env = Env(maps=(obj,))
        a, b, c = (struct.pack("<I", n) for n in (1, 2, 3))
        handle[a], handle[b] = Q.pack(1), Q.pack(2)
        impl = obj.impl
        assert isinstance(impl, LruHashMap)
        assert env.call("map_lookup_elem", obj.pointer, env.put(KEY_AT, a)) != 0  # a's ref bit set
        assert impl._ref(impl._find(a)) == 1
        handle[c] = Q.pack(3)  # evicts the unreferenced b (bpf_lru_list.c's shrink)
        assert a in handle and b not in handle
        handle.lookup(c)  # user-space lookups set no ref bit (map_lookup_elem_sys_only)
        assert impl._ref(impl._find(c)) == 0


def test_lru_percpu_update_from_program() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 2)
    with handle:
        env = Env(cpu=3, maps=(obj,))
        key = struct.pack("<I", 9)
        assert env.call("map_update_elem", obj.pointer, env.put(KEY_AT, key), u64_at(env, 77), 0) == 0
        assert handle.lookup(key) == Q.pack(0) * 3 + Q.pack(77)
        pointer = env.call("map_lookup_elem", obj.pointer, env.put(KEY_AT, key))
        assert env.memory.load(pointer, 8) == 77
        assert env.call("map_lookup_percpu_elem", obj.pointer, env.put(KEY_AT, key), 0) == pointer - 24
        assert env.call("map_update_elem", obj.pointer, env.put(KEY_AT, key), u64_at(env, 78), 0) == 0
        assert env.memory.load(pointer, 8) == 78
        assert (
            env.call("map_update_elem", obj.pointer, env.put(KEY_AT, key), u64_at(env, 1), 4) == -errno.EINVAL
        )


@pytest.mark.parametrize("map_type", [uapi.BPF_MAP_TYPE_QUEUE, uapi.BPF_MAP_TYPE_STACK])
def test_queue_stack_push_pop_peek(map_type: int) -> None:
    handle, obj = user_map(map_type, 0, 8, 2)
    with handle:
        env = Env(maps=(obj,))
        out = env.scratch.start + 128
        assert env.call("map_pop_elem", obj.pointer, out) == -errno.ENOENT
        assert env.call("map_push_elem", obj.pointer, u64_at(env, 1), 0) == 0
        assert env.call("map_push_elem", obj.pointer, u64_at(env, 2), 0) == 0
        assert env.call("map_push_elem", obj.pointer, u64_at(env, 3), 0) == -errno.E2BIG
        assert env.call("map_push_elem", obj.pointer, u64_at(env, 3), uapi.BPF_NOEXIST) == -errno.EINVAL
        assert env.call("map_push_elem", obj.pointer, u64_at(env, 3), uapi.BPF_EXIST) == 0  # drops the oldest
        assert env.call("map_peek_elem", obj.pointer, out) == 0
        first = 2 if map_type == uapi.BPF_MAP_TYPE_QUEUE else 3
        assert env.memory.load(out, 8) == first
        with obj.lock:
            assert obj.impl.lookup(b"") == Q.pack(first)  # what user space's peek sees
        assert env.call("map_pop_elem", obj.pointer, out) == 0
        assert env.memory.load(out, 8) == first
        assert env.call("map_pop_elem", obj.pointer, out) == 0
        assert env.memory.load(out, 8) == 5 - first
        assert env.call("map_peek_elem", obj.pointer, out) == -errno.ENOENT


def test_bloom_filter_push_and_peek() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 100)
    with handle:
        env = Env(maps=(obj,))
        assert env.call("map_push_elem", obj.pointer, u64_at(env, 1234), 0) == 0
        assert env.call("map_peek_elem", obj.pointer, u64_at(env, 1234)) == 0
        assert env.call("map_push_elem", obj.pointer, u64_at(env, 1), uapi.BPF_EXIST) == -errno.EINVAL
        assert env.call("map_pop_elem", obj.pointer, u64_at(env, 1234)) == -errno.EOPNOTSUPP
        absent = [v for v in range(2000, 2050) if env.call("map_peek_elem", obj.pointer, u64_at(env, v))]
        assert absent and all(
            env.call("map_peek_elem", obj.pointer, u64_at(env, v)) == -errno.ENOENT for v in absent
        )


def test_helpers_refuse_maps_of_other_types() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_HASH, 4, 8, 2)
    queue_handle, queue = user_map(uapi.BPF_MAP_TYPE_QUEUE, 0, 8, 2)
    with handle, queue_handle:
        env = Env(maps=(obj, queue))
        calls = [
            ("map_push_elem", obj.pointer, u64_at(env, 1), 0),
            ("map_lookup_percpu_elem", obj.pointer, key32(env, 1), 0),
            ("ringbuf_query", obj.pointer, 0),
            ("tail_call", 0, obj.pointer, 0),
            ("map_lookup_elem", queue.pointer, key32(env, 1)),
            ("map_update_elem", queue.pointer, key32(env, 1), u64_at(env, 1), 0),
        ]
        for helper, *args in calls:
            with pytest.raises(HelperError, match=rf"bpf_{helper}: R. is map id .* takes"):
                env.call(helper, *args)  # type: ignore[arg-type]


def test_tail_call_delegates_to_the_runner() -> None:
    handle, array = user_map(uapi.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4)
    with handle:
        env = Env(maps=(array,))
        assert env.call("tail_call", 0, array.pointer, 1) == -errno.EINVAL  # no runner: the call fails
        calls: list[tuple[int, int]] = []
        env.ctx.env.tail_call = lambda map_ptr, index: calls.append((map_ptr, index)) or -errno.ENOENT
        assert env.call("tail_call", 0, array.pointer, (1 << 32) + 3) == -errno.ENOENT
        assert calls == [(array.pointer, 3)]
        with pytest.raises(HelperError, match="R2 = 0x5000 is not a map of this program"):
            env.call("tail_call", 0, 0x5000, 1)


def test_ringbuf_helpers() -> None:
    if not hasattr(uapi, "BPF_MAP_TYPE_RINGBUF"):
        pytest.skip("no ringbuf")
    try:
        handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, 4096)
    except OSError:
        pytest.skip("ringbuf maps are not implemented in this pybpf")
    with handle:
        env = Env(maps=(obj,))
        assert env.call("ringbuf_query", obj.pointer, uapi.BPF_RB_RING_SIZE) == 4096
        record = env.call("ringbuf_reserve", obj.pointer, 12, 0)
        assert obj.contains(record)
        env.memory.write(record, b"hello world!")
        with pytest.raises(MemoryAccessError):
            env.memory.write(record + 12, b"!")  # exactly the record's 12 bytes
        assert env.call("ringbuf_submit", record, 0) == 0
        with pytest.raises(MemoryAccessError):
            env.memory.write(record, b"H")  # published: the record is the consumer's now
        with pytest.raises(HelperError, match="not a ring buffer record"):
            env.call("ringbuf_submit", record, 0)
        assert env.call("ringbuf_query", obj.pointer, uapi.BPF_RB_AVAIL_DATA) == 8 + 16
        assert env.call("ringbuf_reserve", obj.pointer, 12, 1) == 0
        dropped = env.call("ringbuf_reserve", obj.pointer, 4, 0)
        assert env.call("ringbuf_discard", dropped, 0) == 0
        assert env.call("ringbuf_output", obj.pointer, env.put(0, b"abc"), 3, 0) == 0
        assert env.call("ringbuf_output", obj.pointer, env.put(0, b"abc"), 3, 8) == -errno.EINVAL
        assert env.call("ringbuf_reserve", obj.pointer, 8192, 0) == 0
        assert env.call("ringbuf_query", obj.pointer, uapi.BPF_RB_PROD_POS) == 24 + 16 + 16
        held = env.call("ringbuf_reserve", obj.pointer, 8, 0)
        assert env.access.end_run() == 1  # a run that ends holding a record has it discarded
        assert env.call("ringbuf_query", obj.pointer, uapi.BPF_RB_PROD_POS) == 24 + 16 + 16 + 16
        with pytest.raises(MemoryAccessError):
            env.memory.write(held, b"x")


def test_map_object_address_is_what_map_object_at_finds() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1)
    with handle:
        assert MapObject.from_fd(handle.fd) is obj
        assert possible_cpus() == 4
