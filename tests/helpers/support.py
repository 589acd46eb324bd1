"""Shared plumbing of the helper tests: user-space maps, their objects, a helper context, raw runs."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pybpf.helpers import RunEnv, default_registry
from pybpf.helpers.context import HelperContext
from pybpf.helpers.map_access import MapAccess, ProgramMaps
from pybpf.helpers.registry import HelperRegistry
from pybpf.helpers.trace_pipe import TracePipe
from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction, slot_starts
from pybpf.kernel.backend import UserBackend
from pybpf.map import Map
from pybpf.maps.object import MapObject
from pybpf.memory.regions import Memory, Region
from pybpf.vm.interpreter import Interpreter

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


def map_slots(insns: list[Instruction], obj: MapObject) -> dict[int, int]:
    """``resolved`` for an interpreter: each ``lddw map_fd`` slot holds ``obj``'s map pointer."""
    return {
        slot: obj.pointer
        for insn, slot in zip(insns, slot_starts(insns), strict=True)
        if insn.opcode == op.BPF_LD | op.BPF_DW | op.BPF_IMM and insn.src == op.BPF_PSEUDO_MAP_FD
    }


@contextlib.contextmanager
def program_env(memory: Memory, maps: Iterable[MapObject], *, cpu: int = 0) -> Iterator[RunEnv]:
    """A ``RunEnv`` whose run may reach ``maps`` (a ``MapAccess``: its value regions leave at exit)."""
    with MapAccess(memory, ProgramMaps.of(maps)) as access:
        yield RunEnv(cpu=cpu, maps=access)


def run_with_maps(vm: Interpreter, maps: Iterable[MapObject], *, cpu: int = 0, **kwargs: Any) -> int:
    """``vm.run`` with a ``MapAccess`` of ``maps`` (the values it hands out leave afterwards)."""
    with program_env(vm.memory, maps, cpu=cpu) as env:
        return vm.run(env=env, **kwargs)


@dataclass
class Env:
    """A HelperContext over a Memory holding a scratch buffer (keys, values), allowed ``maps``."""

    cpu: int = 0
    maps: tuple[MapObject, ...] = ()
    memory: Memory = field(default_factory=Memory)
    scratch: Region = field(init=False)
    ctx: HelperContext = field(init=False)
    access: MapAccess = field(init=False)

    def __post_init__(self) -> None:
        self.scratch = self.memory.add_buffer(512, name="scratch")
        self.access = MapAccess(self.memory, ProgramMaps.of(self.maps))
        self.ctx = HelperContext(self.memory, TracePipe(), env=RunEnv(cpu=self.cpu, maps=self.access))

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
