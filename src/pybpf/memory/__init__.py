"""The memory model every engine shares: the regions a BPF program may address, bounds-checked.

``regions`` holds ``Memory`` and ``Region`` (see there): stack frames, context, packet and map
values are native memory registered as regions, so the interpreter, helpers and program types all
read and write through one checked address space.
"""

from pybpf.memory.regions import Memory, PacketReader, Region

__all__ = ["Memory", "PacketReader", "Region"]
