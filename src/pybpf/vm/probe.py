"""Probe loads: loads through untrusted kernel pointers read 0 where no memory is, instead of faulting.

Mirrors ``BPF_PROBE_MEM``/``BPF_PROBE_MEMSX`` in ``___bpf_prog_run`` (kernel/bpf/core.c:
``LDX_PROBE_MEM_*`` reads with ``bpf_probe_read_kernel`` and leaves 0 in the destination when it
faults) and in the JIT (arch/x86/net/bpf_jit_comp.c: an exception-table entry that zeroes the
destination and goes on).  The verifier decides which loads are probe loads
(``VerifiedProgram.probe_loads``: convert_ctx_accesses() turns the loads through untrusted
``PTR_TO_BTF_ID`` pointers into them); ``probing`` gives the interpreter's generated code loaders that
answer 0 for those slots alone, so every other load still faults; a load of bytes pybpf stands in for
but cannot know (``pybpf.memory.regions.OPAQUE``) stops the run even there.  A program without probe loads
keeps the plain loaders: nothing is slower.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, MutableMapping
from typing import Any

from pybpf.errors import MemoryAccessError, UnknownMemoryError

ZERO_VIEW = memoryview(bytes(8))
"""What a probe load that found no memory reads from (any size, at offset 0)."""
EMPTY_RANGE = (1, 0)
"""A cached read range no address is in: the probed address is not cached as readable."""


def probing(namespace: MutableMapping[str, Any], probes: Collection[int]) -> None:
    """Replace the loaders of ``namespace`` (the interpreter's generated code's: the region cache's
    ``_fill`` and the step functions' ``_ld*``/``_lds*``) by ones answering 0 at ``probes``."""
    if not probes:
        return
    slots = frozenset(probes)
    fill = namespace["_fill"]

    def fill_or_zero(address: int, size: int, write: bool, pc: int) -> tuple[int, int, int, memoryview]:
        try:
            return fill(address, size, write, pc)  # type: ignore[no-any-return]
        except MemoryAccessError as err:
            if write or pc not in slots or isinstance(err, UnknownMemoryError):
                raise
            return EMPTY_RANGE[0], EMPTY_RANGE[1], address, ZERO_VIEW

    namespace["_fill"] = fill_or_zero
    for name in ("_ld1", "_ld2", "_ld4", "_ld8", "_lds1", "_lds2", "_lds4"):
        namespace[name] = _load_or_zero(namespace[name], slots)


def _load_or_zero(load: Callable[[int, int], int], slots: frozenset[int]) -> Callable[[int, int], int]:
    def load_or_zero(address: int, pc: int) -> int:
        try:
            return load(address, pc)
        except MemoryAccessError as err:
            if pc not in slots or isinstance(err, UnknownMemoryError):
                raise
            return 0

    return load_or_zero


__all__ = ["ZERO_VIEW", "probing"]
