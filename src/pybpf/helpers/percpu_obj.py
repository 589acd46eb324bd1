"""Per-CPU memory of program-allocated objects and the helpers that reach it: bpf_per_cpu_ptr (153) and
bpf_this_cpu_ptr (154).

Mirrors kernel/bpf/helpers.c of Linux 6.18 for the per-CPU objects of bpf_percpu_obj_new_impl()
(``pybpf.kfuncs.alloc_obj``): such an object is a pointer to its per-CPU block (what
bpf_mem_alloc() of ``bpf_global_percpu_ma`` answers), which do_misc_fixups() loads into r1 before
each call of the two helpers (``call_with_percpu_alloc_ptr``); the block holds one copy of the
struct per possible CPU (``pybpf.maps.percpu.possible_cpus``), each rounded up to 8 bytes, all
zeroed.  bpf_per_cpu_ptr(block, cpu) is CPU ``cpu``'s copy, NULL for a CPU beyond the possible ones;
bpf_this_cpu_ptr(block) the copy of the CPU the run is on (``RunEnv.cpu``).

Per-CPU kernel variables (ld_imm64 of a per-CPU ksym) are not modelled: the verifier refuses them,
so these helpers only ever see blocks registered here (anything else: NULL).
"""

from __future__ import annotations

import threading

from pybpf.helpers.context import HelperContext
from pybpf.objects.forking import fork_safe

_blocks: dict[int, tuple[int, int]] = {}
"""Every live per-CPU block, by address: (bytes per CPU, number of CPUs)."""
_blocks_lock = fork_safe(threading.Lock())


def register_block(base: int, stride: int, cpus: int) -> None:
    """A new per-CPU block at ``base``: ``cpus`` copies of ``stride`` bytes."""
    with _blocks_lock:
        _blocks[base] = (stride, cpus)


def unregister_block(base: int) -> None:
    with _blocks_lock:
        _blocks.pop(base, None)


def per_cpu_ptr(_ctx: HelperContext, block: int, cpu: int, *_: int) -> int:
    """``void *bpf_per_cpu_ptr(const void *percpu_ptr, u32 cpu)``."""
    found = _blocks.get(block)
    cpu &= 0xFFFF_FFFF
    if found is None or cpu >= found[1]:
        return 0
    return block + cpu * found[0]


def this_cpu_ptr(ctx: HelperContext, block: int, *_: int) -> int:
    """``void *bpf_this_cpu_ptr(const void *percpu_ptr)``."""
    found = _blocks.get(block)
    if found is None:
        return 0
    return block + min(ctx.env.cpu, found[1] - 1) * found[0]
