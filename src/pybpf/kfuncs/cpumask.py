"""The cpumask kfuncs: struct bpf_cpumask objects programs create, query, change and release.

Mirrors kernel/bpf/cpumask.c of Linux 6.18 (``cpumask_kfunc_btf_ids``, registered for TRACING, LSM,
STRUCT_OPS and SYSCALL programs) over include/linux/cpumask.h and lib/bitmap.c:

* bpf_cpumask_create (KF_ACQUIRE | KF_RET_NULL) allocates a zeroed ``struct bpf_cpumask``: the
  ``cpumask_t`` of NR_CPUS bits (``pybpf.maps.cpumap.NR_CPUS``, the kernel's CONFIG_NR_CPUS) and the
  ``refcount_t usage`` after it, set to 1 -- 40 bytes, the size of vmlinux's struct; pybpf
  allocates it as bpf_obj_new's objects are (``pybpf.kfuncs.alloc_obj``: native memory registered in
  the run's address space, its refcount at the ``usage`` offset), so programs read its words as the
  kernel's programs do.  bpf_cpumask_acquire (KF_ACQUIRE | KF_TRUSTED_ARGS) adds a reference and
  answers the same object, bpf_cpumask_release (KF_RELEASE) drops one and frees the object at the
  last.
* The other 24 (KF_RCU each): first, first_zero, first_and, set_cpu, clear_cpu, test_cpu,
  test_and_set_cpu, test_and_clear_cpu, setall, clear, and, or, xor, equal, intersects, subset,
  empty, full, copy, any_distribute, any_and_distribute, weight and populate.  A ``struct
  bpf_cpumask *`` parameter is one the call may change; a ``const struct cpumask *`` takes a
  bpf_cpumask too (its first member: the verifier's type walk) or a kernel cpumask.

The bit counts are the kernel's (NR_CPUS = 256 is more than one word and at most four):
``nr_cpu_ids`` is pybpf's possible-CPU count (``pybpf.maps.percpu.possible_cpus``: what its per-CPU
maps use, at most NR_CPUS), the "small" operations (first, first_zero, first_and, and, or, xor,
equal, intersects, subset, empty, weight, any_distribute) work on nr_cpu_ids bits -- and, or and xor
on whole words: or and xor write the bits above nr_cpu_ids of their words too, and only clips its
last word --, the "large" ones (clear, copy) on all NR_CPUS bits, setall fills the words of
nr_cpu_ids bits with ones (memset: the bits above nr_cpu_ids in the last word too), full tests
nr_cpu_ids bits, and populate copies the words of nr_cpu_ids bits from the program's memory
(-EACCES when ``src__sz`` is smaller; this machine has efficient unaligned access, so no -EINVAL).
A CPU at or past nr_cpu_ids is ignored by the single-CPU kfuncs (false for the tests).
any_distribute and any_and_distribute answer the next set CPU after the last one they answered
(``distribute_cpu_mask_prev``, one per CPU in the kernel, per process and run CPU here), wrapping,
or nr_cpu_ids when none is set.

A cpumask pybpf cannot reach reads as empty and takes no writes: the kernel cpumasks of a task
(``task->cpus_ptr``) -- pybpf gives a program a task as an address whose memory reads 0
(``pybpf.objects.tasks``), so such a pointer loads as NULL and the kfuncs see an empty mask.
Not modelled: a bpf_cpumask stored in a map's kptr is not released when the map goes away
(``alloc_obj``'s limits).
"""

from __future__ import annotations

import contextlib
import errno
import threading

from pybpf import uapi
from pybpf.errors import MemoryAccessError
from pybpf.helpers.context import HelperContext
from pybpf.kfuncs import alloc_obj
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, KFuncImpl, RetKind, registered_for
from pybpf.maps.cpumap import NR_CPUS
from pybpf.maps.percpu import possible_cpus
from pybpf.objects.forking import fork_safe

BITS_PER_LONG = 64
CPUMASK_BYTES = (NR_CPUS + BITS_PER_LONG - 1) // BITS_PER_LONG * 8
"""sizeof(cpumask_t): NR_CPUS bits in whole longs."""
USAGE_OFFSET = CPUMASK_BYTES
"""offsetof(struct bpf_cpumask, usage)."""
BPF_CPUMASK_SIZE = (USAGE_OFFSET + 4 + 7) // 8 * 8
"""sizeof(struct bpf_cpumask): the mask, a 4-byte refcount_t, padded to the struct's 8-byte alignment."""
_META = alloc_obj.struct_meta(USAGE_OFFSET)
_WORD_MASK = (1 << BITS_PER_LONG) - 1


def nr_cpu_ids() -> int:
    """The kernel's ``nr_cpu_ids`` as pybpf runs: its possible CPUs, at most NR_CPUS."""
    return min(possible_cpus(), NR_CPUS)


def _words(nbits: int) -> int:
    """BITS_TO_LONGS(nbits)."""
    return (nbits + BITS_PER_LONG - 1) // BITS_PER_LONG


def _low(nbits: int) -> int:
    """The mask of bits below ``nbits``."""
    return (1 << nbits) - 1


def _read(ctx: HelperContext, p: int, nbits: int) -> int:
    """The words of ``nbits`` bits at cpumask ``p`` as one integer (0 where pybpf cannot read it)."""
    try:
        return int.from_bytes(ctx.memory.read(p, _words(nbits) * 8), "little")
    except MemoryAccessError:
        return 0


def _write(ctx: HelperContext, p: int, nbits: int, bits: int) -> None:
    """Store the words of ``nbits`` bits at cpumask ``p`` (nothing where pybpf cannot write it)."""
    size = _words(nbits) * 8
    with contextlib.suppress(MemoryAccessError):
        ctx.memory.write(p, (bits & _low(size * 8)).to_bytes(size, "little"))


def _first(bits: int, nbits: int) -> int:
    """find_first_bit(): the lowest set bit below ``nbits``, else ``nbits``."""
    bits &= _low(nbits)
    return (bits & -bits).bit_length() - 1 if bits else nbits


# -- the objects ----------------------------------------------------------------------------------
def cpumask_create(ctx: HelperContext, _r1: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``struct bpf_cpumask *bpf_cpumask_create(void)``: a new empty mask with one reference."""
    return alloc_obj.obj_new(ctx, BPF_CPUMASK_SIZE, _META, 0, 0, 0)


def cpumask_acquire(ctx: HelperContext, p: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``bpf_cpumask_acquire(cpumask)``: one more reference, the same mask."""
    return alloc_obj.refcount_acquire(ctx, p, _META, 0, 0, 0)


def cpumask_release(ctx: HelperContext, p: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``bpf_cpumask_release(cpumask)``: one reference less; the mask is freed at the last."""
    return alloc_obj.obj_drop(ctx, p, _META, 0, 0, 0)


# -- queries ----------------------------------------------------------------------------------------
def cpumask_first(ctx: HelperContext, p: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    n = nr_cpu_ids()
    return _first(_read(ctx, p, n), n)


def cpumask_first_zero(ctx: HelperContext, p: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    n = nr_cpu_ids()
    return _first(~_read(ctx, p, n), n)


def cpumask_first_and(ctx: HelperContext, a: int, b: int, _r3: int, _r4: int, _r5: int) -> int:
    n = nr_cpu_ids()
    return _first(_read(ctx, a, n) & _read(ctx, b, n), n)


def cpumask_test_cpu(ctx: HelperContext, cpu: int, p: int, _r3: int, _r4: int, _r5: int) -> int:
    cpu &= 0xFFFFFFFF
    return int(cpu < nr_cpu_ids() and bool(_read(ctx, p, cpu + 1) >> cpu & 1))


def cpumask_equal(ctx: HelperContext, a: int, b: int, _r3: int, _r4: int, _r5: int) -> int:
    n = nr_cpu_ids()
    return int(not (_read(ctx, a, n) ^ _read(ctx, b, n)) & _low(n))


def cpumask_intersects(ctx: HelperContext, a: int, b: int, _r3: int, _r4: int, _r5: int) -> int:
    n = nr_cpu_ids()
    return int(bool(_read(ctx, a, n) & _read(ctx, b, n) & _low(n)))


def cpumask_subset(ctx: HelperContext, a: int, b: int, _r3: int, _r4: int, _r5: int) -> int:
    n = nr_cpu_ids()
    return int(not _read(ctx, a, n) & ~_read(ctx, b, n) & _low(n))


def cpumask_empty(ctx: HelperContext, p: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    n = nr_cpu_ids()
    return int(not _read(ctx, p, n) & _low(n))


def cpumask_full(ctx: HelperContext, p: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    n = nr_cpu_ids()
    return int(_read(ctx, p, n) & _low(n) == _low(n))


def cpumask_weight(ctx: HelperContext, p: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    n = nr_cpu_ids()
    return (_read(ctx, p, n) & _low(n)).bit_count()


_prev: dict[tuple[int, int], int] = {}
"""distribute_cpu_mask_prev: the CPU any_distribute last answered, per (thread, run CPU)."""
_prev_lock = fork_safe(threading.Lock())


def _distribute(ctx: HelperContext, bits: int) -> int:
    """cpumask_any_distribute() of ``bits``: the next set CPU after the last answer, wrapping."""
    n = nr_cpu_ids()
    bits &= _low(n)
    key = (threading.get_ident(), ctx.env.cpu)
    with _prev_lock:
        start = _prev.get(key, 0) + 1
        above = bits >> start << start if start < n else 0
        found = _first(above or bits, n)
        if found < n:
            _prev[key] = found
    return found


def cpumask_any_distribute(ctx: HelperContext, p: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    return _distribute(ctx, _read(ctx, p, nr_cpu_ids()))


def cpumask_any_and_distribute(ctx: HelperContext, a: int, b: int, _r3: int, _r4: int, _r5: int) -> int:
    n = nr_cpu_ids()
    return _distribute(ctx, _read(ctx, a, n) & _read(ctx, b, n))


# -- changes ----------------------------------------------------------------------------------------
def _single(update: str) -> KFuncImpl:
    """set_cpu / clear_cpu / test_and_set_cpu / test_and_clear_cpu: the old bit (a CPU past
    nr_cpu_ids: nothing changed, false)."""

    def change(ctx: HelperContext, cpu: int, p: int, _r3: int, _r4: int, _r5: int) -> int:
        cpu &= 0xFFFFFFFF
        if cpu >= nr_cpu_ids():
            return 0
        bits = _read(ctx, p, cpu + 1)
        old = bits >> cpu & 1
        _write(ctx, p, cpu + 1, bits | 1 << cpu if update == "set" else bits & ~(1 << cpu))
        return old

    return change


def cpumask_setall(ctx: HelperContext, p: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """bitmap_fill(nr_cpu_ids): whole words of ones."""
    n = nr_cpu_ids()
    _write(ctx, p, n, -1)
    return 0


def cpumask_clear(ctx: HelperContext, p: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """bitmap_zero(NR_CPUS)."""
    _write(ctx, p, NR_CPUS, 0)
    return 0


def cpumask_and(ctx: HelperContext, dst: int, a: int, b: int, _r4: int, _r5: int) -> int:
    """bitmap_and(nr_cpu_ids): the last word clipped; whether any bit is left."""
    n = nr_cpu_ids()
    bits = _read(ctx, a, n) & _read(ctx, b, n) & _low(n)
    _write(ctx, dst, n, bits)
    return int(bool(bits))


def cpumask_or(ctx: HelperContext, dst: int, a: int, b: int, _r4: int, _r5: int) -> int:
    n = nr_cpu_ids()
    _write(ctx, dst, n, _read(ctx, a, n) | _read(ctx, b, n))
    return 0


def cpumask_xor(ctx: HelperContext, dst: int, a: int, b: int, _r4: int, _r5: int) -> int:
    n = nr_cpu_ids()
    _write(ctx, dst, n, _read(ctx, a, n) ^ _read(ctx, b, n))
    return 0


def cpumask_copy(ctx: HelperContext, dst: int, src: int, _r3: int, _r4: int, _r5: int) -> int:
    """bitmap_copy(NR_CPUS): the whole mask."""
    _write(ctx, dst, NR_CPUS, _read(ctx, src, NR_CPUS))
    return 0


def cpumask_populate(ctx: HelperContext, p: int, src: int, size: int, _r4: int, _r5: int) -> int:
    """``int bpf_cpumask_populate(cpumask, src, src__sz)``: the words of nr_cpu_ids bits from ``src``."""
    n = nr_cpu_ids()
    if size < _words(n) * 8:
        return -errno.EACCES
    _write(ctx, p, n, _read(ctx, src, n))
    return 0


# -- the kfunc set ----------------------------------------------------------------------------------
PROG_TYPES = registered_for(
    uapi.BPF_PROG_TYPE_TRACING,
    uapi.BPF_PROG_TYPE_LSM,
    uapi.BPF_PROG_TYPE_STRUCT_OPS,
    uapi.BPF_PROG_TYPE_SYSCALL,
)
"""The program types cpumask_kfunc_init() registers cpumask_kfunc_set for, with the tracing hook's
(measured: tracepoints and perf events call them too)."""
BPF_CPUMASK = "struct bpf_cpumask *"
_MASK = KArg(ArgKind.BTF_ID, BPF_CPUMASK, "cpumask")
_DST = KArg(ArgKind.BTF_ID, BPF_CPUMASK, "dst")
_CONST = "const struct cpumask *"
_SRC = KArg(ArgKind.BTF_ID, _CONST, "cpumask")
_SRC1, _SRC2 = KArg(ArgKind.BTF_ID, _CONST, "src1"), KArg(ArgKind.BTF_ID, _CONST, "src2")
_CPU = KArg(ArgKind.SCALAR, "u32", "cpu")


def _kfunc(name: str, args: tuple[KArg, ...], ret: str, impl: KFuncImpl) -> KFunc:
    """A KF_RCU cpumask kfunc returning ``ret`` (void, bool, u32 or int)."""
    sizes = {"void": 0, "bool": 1, "u32": 4, "int": 4}
    kind = RetKind.VOID if ret == "void" else RetKind.SCALAR
    return KFunc(f"bpf_cpumask_{name}", KfFlag.RCU, args, kind, ret, sizes[ret], impl, PROG_TYPES)


KFUNCS: tuple[KFunc, ...] = (
    KFunc(
        "bpf_cpumask_create",
        KfFlag.ACQUIRE | KfFlag.RET_NULL,
        (),
        RetKind.BTF_ID,
        BPF_CPUMASK,
        8,
        cpumask_create,
        PROG_TYPES,
    ),
    KFunc(
        "bpf_cpumask_release", KfFlag.RELEASE, (_MASK,), RetKind.VOID, "void", 0, cpumask_release, PROG_TYPES
    ),
    KFunc(
        "bpf_cpumask_acquire",
        KfFlag.ACQUIRE | KfFlag.TRUSTED_ARGS,
        (_MASK,),
        RetKind.BTF_ID,
        BPF_CPUMASK,
        8,
        cpumask_acquire,
        PROG_TYPES,
    ),
    _kfunc("first", (_SRC,), "u32", cpumask_first),
    _kfunc("first_zero", (_SRC,), "u32", cpumask_first_zero),
    _kfunc("first_and", (_SRC1, _SRC2), "u32", cpumask_first_and),
    _kfunc("set_cpu", (_CPU, _MASK), "void", _single("set")),
    _kfunc("clear_cpu", (_CPU, _MASK), "void", _single("clear")),
    _kfunc("test_cpu", (_CPU, _SRC), "bool", cpumask_test_cpu),
    _kfunc("test_and_set_cpu", (_CPU, _MASK), "bool", _single("set")),
    _kfunc("test_and_clear_cpu", (_CPU, _MASK), "bool", _single("clear")),
    _kfunc("setall", (_MASK,), "void", cpumask_setall),
    _kfunc("clear", (_MASK,), "void", cpumask_clear),
    _kfunc("and", (_DST, _SRC1, _SRC2), "bool", cpumask_and),
    _kfunc("or", (_DST, _SRC1, _SRC2), "void", cpumask_or),
    _kfunc("xor", (_DST, _SRC1, _SRC2), "void", cpumask_xor),
    _kfunc("equal", (_SRC1, _SRC2), "bool", cpumask_equal),
    _kfunc("intersects", (_SRC1, _SRC2), "bool", cpumask_intersects),
    _kfunc("subset", (_SRC1, _SRC2), "bool", cpumask_subset),
    _kfunc("empty", (_SRC,), "bool", cpumask_empty),
    _kfunc("full", (_SRC,), "bool", cpumask_full),
    _kfunc("copy", (_DST, KArg(ArgKind.BTF_ID, _CONST, "src")), "void", cpumask_copy),
    _kfunc("any_distribute", (_SRC,), "u32", cpumask_any_distribute),
    _kfunc("any_and_distribute", (_SRC1, _SRC2), "u32", cpumask_any_and_distribute),
    _kfunc("weight", (_SRC,), "u32", cpumask_weight),
    _kfunc(
        "populate",
        (
            _MASK,
            KArg(ArgKind.MEM_SIZED, "void *", "src"),
            KArg(ArgKind.SIZE, "size_t", "src__sz"),
        ),
        "int",
        cpumask_populate,
    ),
)
"""kernel/bpf/cpumask.c's cpumask_kfunc_btf_ids, in its order."""
