"""Shared plumbing of the helper tests: user-space maps, their objects and a helper context."""

from __future__ import annotations

from dataclasses import dataclass, field

from pybpf.helpers import RunEnv, default_registry
from pybpf.helpers.context import HelperContext
from pybpf.helpers.registry import HelperRegistry
from pybpf.helpers.trace_pipe import TracePipe
from pybpf.kernel.backend import UserBackend
from pybpf.map import Map
from pybpf.maps.object import MapObject
from pybpf.memory.regions import Memory, Region

U64 = (1 << 64) - 1
REGISTRY: HelperRegistry = default_registry()


def user_map(
    map_type: int, key_size: int, value_size: int, max_entries: int, flags: int = 0
) -> tuple[Map, MapObject]:
    """A map on pybpf's own backend and the object programs see."""
    handle = Map.create(map_type, key_size, value_size, max_entries, flags, backend=UserBackend())
    return handle, MapObject.from_fd(handle.fd)


def signed(value: int) -> int:
    """A helper's u64 result as the signed long a program sees (``-errno``)."""
    value &= U64
    return value - (1 << 64) if value >> 63 else value


@dataclass
class Env:
    """A HelperContext over a Memory holding a scratch buffer (keys, values) and the given maps."""

    cpu: int = 0
    maps: tuple[MapObject, ...] = ()
    memory: Memory = field(default_factory=Memory)
    scratch: Region = field(init=False)
    ctx: HelperContext = field(init=False)

    def __post_init__(self) -> None:
        self.scratch = self.memory.add_buffer(512, name="scratch")
        for obj in self.maps:
            self.memory.add_region(obj.address, obj.storage_size, writable=True, name=f"map {obj.id}")
        self.ctx = HelperContext(self.memory, TracePipe(), env=RunEnv(cpu=self.cpu))

    def put(self, offset: int, data: bytes) -> int:
        """Write ``data`` at ``offset`` of the scratch buffer; its address."""
        address = self.scratch.start + offset
        self.memory.write(address, data)
        return address

    def call(self, helper: str, *args: int) -> int:
        """Call helper ``bpf_<helper>`` with ``args`` (padded to five); its result as a signed long."""
        function = REGISTRY[REGISTRY.resolve(helper)]
        padded = [a & U64 for a in args] + [0] * (5 - len(args))
        return signed(function(self.ctx, *padded))
