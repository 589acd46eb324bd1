"""The widths of eBPF's registers as masks: 64-bit registers and their 32-bit subregisters.

Every value a register holds is an unsigned 64-bit integer in pybpf (the kernel's ``u64 regs[]`` of
kernel/bpf/core.c); ``& M64`` brings a Python integer back into that range and ``& M32`` takes the
subregister an ALU32 instruction, a ``w`` register or an ``int`` result works on.
"""

from __future__ import annotations

from typing import Final

M64: Final = 0xFFFF_FFFF_FFFF_FFFF
"""A 64-bit register's bits."""
M32: Final = 0xFFFF_FFFF
"""A 32-bit subregister's bits."""
