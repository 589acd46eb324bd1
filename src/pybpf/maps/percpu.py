"""BPF_MAP_TYPE_PERCPU_ARRAY and BPF_MAP_TYPE_PERCPU_HASH: one value slot per possible CPU.

Mirrors the per-CPU parts of ``kernel/bpf/arraymap.c`` (``bpf_percpu_array_copy`` /
``bpf_percpu_array_update``) and ``kernel/bpf/hashtab.c`` (``bpf_percpu_hash_copy`` /
``bpf_percpu_hash_update``) as user space sees them: a lookup or update from user space moves
``nr_cpus`` slots of ``round_up(value_size, 8)`` bytes each (the kernel copies whole 8-byte words, so
padding bytes written by user space are stored and read back), the creation checks of
``array_map_alloc_check`` / ``htab_map_alloc_check`` for per-CPU types (no BPF_F_NUMA_NODE, no
BPF_F_MMAPABLE, a rounded value_size above ``PCPU_MIN_UNIT_SIZE`` is E2BIG), and otherwise the
element semantics of the plain array and hash maps.

The runtime has a fixed number of possible CPUs: ``$PYBPF_NR_CPUS`` when set, else the kernel's
possible-CPU count (``/sys/devices/system/cpu/possible``, what libbpf's ``libbpf_num_possible_cpus``
reads), else ``os.cpu_count()``.  The count is fixed per map when it is created (stored in the first
storage word), so processes sharing a map always agree on its value layout.

Storage: a 64-byte header (``nr_cpus`` u32) followed by the storage of the plain ARRAY / HASH
implementation whose "value" is the whole ``nr_cpus * round_up(value_size, 8)`` per-CPU block.  The
stored CPU count is shared data like the rest: a map whose file is too small for the layout it
implies cannot be opened (EUCLEAN, ``layout_size``).
"""

from __future__ import annotations

import dataclasses
import errno
import os
import struct
from collections.abc import Callable

from pybpf import uapi
from pybpf.btf.raw import RawType
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.array import ARRAY_BATCH_COMMANDS, ArrayMap, array_check_btf, array_meta_equal
from pybpf.maps.base import BatchWalk, MapOps, MapParams, round_up
from pybpf.maps.hash import HTAB_BATCH_COMMANDS, HashMap, htab_check_alloc
from pybpf.maps.registry import register

PCPU_MIN_UNIT_SIZE = 32 << 10
"""The kernel's bound on one per-CPU allocation (``PCPU_MIN_UNIT_SIZE``)."""

HEADER_BYTES = 64
_NR_CPUS = struct.Struct("<I")


def _count_cpu_list(text: str) -> int:
    """CPUs in a kernel cpu list such as ``0-3,8``."""
    total = 0
    for part in text.strip().split(","):
        if not part:
            continue
        first, _, last = part.partition("-")
        total += int(last or first) - int(first) + 1
    return total


def possible_cpus() -> int:
    """The number of possible CPUs pybpf's per-CPU maps have (see the module docstring)."""
    env = os.environ.get("PYBPF_NR_CPUS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        with open("/sys/devices/system/cpu/possible", encoding="ascii") as possible:
            count = _count_cpu_list(possible.read())
        if count > 0:
            return count
    except (OSError, ValueError):
        pass
    return os.cpu_count() or 1


def percpu_value_size(value_size: int, nr_cpus: int) -> int:
    """Bytes of a per-CPU value as user space reads and writes it (``bpf_map_value_size``)."""
    return round_up(value_size, 8) * nr_cpus


PERCPU_MAP_TYPES = frozenset(
    {
        uapi.BPF_MAP_TYPE_PERCPU_ARRAY,
        uapi.BPF_MAP_TYPE_PERCPU_HASH,
        uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH,
        uapi.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
    }
)


def user_value_size(map_type: int, value_size: int) -> int:
    """Bytes of a value as user space reads and writes it (the kernel's ``bpf_map_value_size``)."""
    if map_type in PERCPU_MAP_TYPES:
        return percpu_value_size(value_size, possible_cpus())
    return value_size


def check_percpu_value_size(params: MapParams) -> None:
    """E2BIG when one CPU's rounded value is beyond ``PCPU_MIN_UNIT_SIZE``."""
    if round_up(params.value_size, 8) > PCPU_MIN_UNIT_SIZE:
        raise BPFError(errno.E2BIG, "per-CPU value_size above PCPU_MIN_UNIT_SIZE")


class _PerCpu(MapOps):
    """Common part: the nr_cpus header and delegation to the plain implementation."""

    percpu = True
    inner_class: type[ArrayMap | HashMap]
    inner: ArrayMap | HashMap

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        stored: int = _NR_CPUS.unpack_from(mem, 0)[0]
        self.nr_cpus = stored or possible_cpus()
        self.user_value_size = percpu_value_size(params.value_size, self.nr_cpus)
        """Bytes user-space lookups return and updates take (``bpf_map_value_size``)."""
        inner_params = dataclasses.replace(params, value_size=self.user_value_size)
        self.inner = self.inner_class(inner_params, mem[HEADER_BYTES:])

    @classmethod
    def inner_storage(cls, params: MapParams) -> int:
        inner_params = dataclasses.replace(
            params, value_size=percpu_value_size(params.value_size, possible_cpus())
        )
        return HEADER_BYTES + cls.inner_class.storage_size(inner_params)

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return cls.inner_storage(params)

    @classmethod
    def reserved_size(cls, params: MapParams) -> int:
        inner_params = dataclasses.replace(
            params, value_size=percpu_value_size(params.value_size, possible_cpus())
        )
        return HEADER_BYTES + cls.inner_class.reserved_size(inner_params)

    def layout_size(self) -> int:
        return HEADER_BYTES + self.inner.layout_size()

    def attach_storage(self, reserve: Callable[[int, int], None]) -> None:
        super().attach_storage(reserve)
        self.inner.attach_storage(lambda start, end: reserve(HEADER_BYTES + start, HEADER_BYTES + end))

    def initialize(self) -> None:
        _NR_CPUS.pack_into(self.mem, 0, self.nr_cpus)
        self.inner.initialize()

    def _value(self, value: bytes) -> bytes:
        if len(value) != self.user_value_size:
            raise BPFError(
                errno.EINVAL,
                f"a per-CPU value is {self.nr_cpus} x {round_up(self.value_size, 8)} bytes, got {len(value)}",
            )
        return value

    def lookup(self, key: bytes) -> bytes:
        return self.inner.lookup(key)

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        if flags > uapi.BPF_EXIST:  # bpf_percpu_*_update: BPF_F_LOCK is not accepted either
            raise BPFError(errno.EINVAL, "unknown update flags")
        self.inner.update(key, self._value(value), flags)

    def delete(self, key: bytes) -> None:
        self.inner.delete(key)

    def get_next_key(self, key: bytes | None) -> bytes:
        return self.inner.get_next_key(key)

    def recover(self) -> None:
        self.inner.recover()

    def attach_settle(self, settle: Callable[[], None]) -> None:
        super().attach_settle(settle)
        self.inner.attach_settle(settle)

    def unsettled(self) -> bool:
        return self.inner.unsettled()

    # --- the program's view: one CPU's slot of each per-CPU block ------------------------------------
    @property
    def cpu_stride(self) -> int:
        """Bytes between two CPUs' values in a block (``round_up(value_size, 8)``)."""
        return round_up(self.value_size, 8)

    def _check_cpu(self, cpu: int) -> None:
        if not 0 <= cpu < self.nr_cpus:
            raise BPFError(errno.EINVAL, f"cpu {cpu} is not one of the map's {self.nr_cpus} possible CPUs")

    def value_offset(self, key: bytes, cpu: int) -> int | None:
        """``this_cpu_ptr`` / ``per_cpu_ptr`` of the key's block: CPU ``cpu``'s value, None when absent."""
        if not 0 <= cpu < self.nr_cpus:
            return None
        block = self.inner.value_offset(key, 0)
        return None if block is None else HEADER_BYTES + block + cpu * self.cpu_stride

    def _write_cpu_value(self, key: bytes, value: bytes, cpu: int) -> bool:
        """Copy ``value`` into CPU ``cpu``'s slot of an existing block in place; False when absent."""
        offset = self.value_offset(key, cpu)
        if offset is None:
            return False
        self.inner.write_value(offset - HEADER_BYTES, value)  # through the journal: never torn
        return True


@register(uapi.BPF_MAP_TYPE_PERCPU_ARRAY)
class PercpuArrayMap(_PerCpu):
    """Per-CPU array: ``max_entries`` blocks of ``nr_cpus`` 8-byte-rounded values, all present."""

    inner_class = ArrayMap
    read_locked = False
    own_btf_check = True
    batch_commands = ARRAY_BATCH_COMMANDS
    batch_walk = BatchWalk.KEYS

    @classmethod
    def check(cls, params: MapParams) -> None:
        # array_map_alloc_check: every EINVAL (these included) comes before its E2BIG checks
        if params.flags & (uapi.BPF_F_NUMA_NODE | uapi.BPF_F_MMAPABLE | uapi.BPF_F_INNER_MAP):
            raise BPFError(errno.EINVAL, "per-CPU arrays take no NUMA node, mmap or inner-map flag")
        ArrayMap.check(params)
        check_percpu_value_size(params)

    @classmethod
    def meta_equal(cls, template: MapParams, inner: MapParams) -> bool:
        return array_meta_equal(template, inner)

    @classmethod
    def check_btf(cls, params: MapParams, key_type: RawType | None, value_type: RawType) -> None:
        array_check_btf(params, key_type, value_type)

    def program_update(self, key: bytes, value: bytes, flags: int, cpu: int) -> None:
        """``array_map_update_elem`` on a per-CPU array: only the running CPU's value changes."""
        self._check_cpu(cpu)
        if (flags & ~uapi.BPF_F_LOCK) > uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "unknown update flags")
        index = int.from_bytes(key[:4], "little")
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        if flags & uapi.BPF_NOEXIST:
            raise BPFError(errno.EEXIST, "array elements always exist")
        if flags & uapi.BPF_F_LOCK:
            raise BPFError(errno.EINVAL, "BPF_F_LOCK needs a bpf_spin_lock in the map value")
        self._write_cpu_value(key, value, cpu)


@register(uapi.BPF_MAP_TYPE_PERCPU_HASH)
class PercpuHashMap(_PerCpu):
    """Per-CPU hash: the plain hash table whose values are whole per-CPU blocks."""

    inner_class = HashMap
    inner: HashMap
    batch_commands = HTAB_BATCH_COMMANDS
    batch_walk = BatchWalk.BUCKETS

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        self.inner.replace_at_head = False  # __htab_percpu_map_update_elem copies into the element

    @classmethod
    def check(cls, params: MapParams) -> None:
        # htab_map_alloc_check: flag checks, then sizes (EINVAL), then E2BIG
        if params.flags & uapi.BPF_F_NO_COMMON_LRU:
            raise BPFError(errno.EINVAL, "BPF_F_NO_COMMON_LRU is for LRU maps")
        if params.flags & uapi.BPF_F_NUMA_NODE:
            raise BPFError(errno.EINVAL, "per-CPU maps take no NUMA node")
        HashMap.check(params)
        check_percpu_value_size(params)

    @classmethod
    def check_alloc(cls, params: MapParams) -> None:
        htab_check_alloc(params)

    def lookup_unlocked(self, key: bytes) -> bytes | None:
        return self.inner.lookup_unlocked(key)

    def lookup_and_delete(self, key: bytes) -> bytes:
        """``htab_percpu_map_lookup_and_delete_elem``: every CPU's value, and the key removed."""
        return self.inner.lookup_and_delete(key)

    def bucket_count(self) -> int:
        return self.inner.bucket_count()

    def bucket_items(self, bucket: int) -> list[tuple[bytes, bytes]]:
        return self.inner.bucket_items(bucket)

    def program_update(self, key: bytes, value: bytes, flags: int, cpu: int) -> None:
        """``__htab_percpu_map_update_elem(onallcpus=false)``: an existing element gets the running CPU's
        value in place; a new one gets it with every other CPU's value zeroed (``pcpu_init_value``)."""
        self._check_cpu(cpu)
        if flags > uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "unknown update flags")
        exists = self.inner.value_offset(key, 0) is not None
        if exists and flags == uapi.BPF_NOEXIST:
            raise BPFError(errno.EEXIST, "key exists")
        if not exists and flags == uapi.BPF_EXIST:
            raise KeyNotExistError()
        if self._write_cpu_value(key, value, cpu):
            return
        block = bytearray(self.user_value_size)
        start = cpu * self.cpu_stride
        block[start : start + self.value_size] = value
        self.inner.update(key, bytes(block), uapi.BPF_ANY)
