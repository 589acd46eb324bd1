"""The cpumask kfuncs (kernel/bpf/cpumask.c) run by pybpf's engines as by the kernel.

Each SYSCALL program creates three masks (r6, r7, r8), calls cpumask kfuncs on them and stores what
they answer in the slots of an array map's value (r9), then the masks' first words and refcounts,
releases them and returns 7.  The same program runs on both engines and, where bpf(2) works, on the
kernel, whose map value and return must be pybpf's.  The kernel's nr_cpu_ids is its possible CPUs,
as pybpf's; the tests that need a bit count compute it as pybpf does, and the comparison with the
kernel skips where the two counts differ.
"""

from __future__ import annotations

import errno
import re
import struct

import pytest

import pybpf
from pybpf import uapi
from pybpf.helpers.context import HelperContext
from pybpf.helpers.trace_pipe import TracePipe
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs import alloc_obj, cpumask
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.map import Map
from pybpf.memory.regions import Memory
from pybpf.object import load_object
from tests.elf.corpus import obj_path

pytestmark = pytest.mark.usefixtures("engine")

SLOTS = 24
"""u64 slots of the result value: 0..15 the kfuncs' answers, 16.. the masks' words and refcounts."""


def _call(name: str, *args: str) -> str:
    """``bpf_cpumask_<name>(args)``: arguments are registers (r6/r7/r8, r9-relative) or numbers."""
    sets = "\n".join(f"r{i} = {a}" for i, a in enumerate(args, start=1) if a != f"r{i}")
    return f"{sets}\ncall kfunc(bpf_cpumask_{name})"


def _keep(slot: int) -> str:
    return f"*(u64 *)(r9 + {8 * slot}) = r0"


_WIDEN = {1: "r0 &= 0xff", 4: "w0 = w0"}
"""How a compiled caller takes a bool or 32-bit result: the ABI leaves the register's upper bits
undefined (the kernel's JIT-ed call leaves garbage above a bool's byte)."""


def _ask(slot: int, name: str, *args: str) -> str:
    size = next(k.ret_size for k in cpumask.KFUNCS if k.name == f"bpf_cpumask_{name}")
    return f"{_call(name, *args)}\n{_WIDEN[size]}\n{_keep(slot)}"


A, B, C = "r6", "r7", "r8"
CASES: dict[str, list[str]] = {
    "set_and_test": [
        _call("set_cpu", "0", A),
        _ask(0, "test_cpu", "0", A),
        _ask(1, "test_cpu", "1", A),
        _ask(2, "test_cpu", "5", A),
        _call("set_cpu", "200", A),  # past nr_cpu_ids: ignored
        _call("set_cpu", "-1", A),
        _ask(3, "weight", A),
        _ask(4, "first", A),
        _ask(5, "first_zero", A),
        _call("clear_cpu", "0", A),
        _ask(6, "empty", A),
        _ask(7, "first", A),
    ],
    "test_and_change": [
        _ask(0, "test_and_set_cpu", "1", A),
        _ask(1, "test_and_set_cpu", "1", A),
        _ask(2, "test_and_clear_cpu", "1", A),
        _ask(3, "test_and_clear_cpu", "1", A),
        _ask(4, "test_and_set_cpu", "99", A),
        _ask(5, "test_and_set_cpu", "0", A),
        _ask(6, "weight", A),
    ],
    "setall_full_clear": [
        _ask(0, "empty", A),
        _ask(1, "full", A),
        _call("setall", A),
        _ask(2, "full", A),
        _ask(3, "weight", A),
        _ask(4, "first_zero", A),
        _ask(5, "empty", A),
        _ask(6, "test_cpu", "1", A),
        _call("clear", B),
        _call("setall", B),
        _call("clear", B),
        _ask(7, "empty", B),
    ],
    "and_or_xor": [
        _call("set_cpu", "0", A),
        _call("set_cpu", "0", B),
        _call("set_cpu", "1", B),
        _ask(0, "and", C, A, B),
        _ask(1, "weight", C),
        _call("or", C, A, B),
        _ask(2, "weight", C),
        _call("xor", C, A, B),
        _ask(3, "weight", C),
        _ask(4, "first", C),
        _call("clear_cpu", "0", B),
        _ask(5, "and", C, A, B),
        _ask(6, "empty", C),
    ],
    "compare": [
        _ask(0, "equal", A, B),
        _call("set_cpu", "0", A),
        _ask(1, "equal", A, B),
        _ask(2, "intersects", A, B),
        _ask(3, "subset", B, A),
        _ask(4, "subset", A, B),
        _call("setall", B),
        _ask(5, "intersects", A, B),
        _ask(6, "subset", A, B),
        _ask(7, "first_and", A, B),
        _ask(8, "first_and", A, C),
    ],
    "copy": [
        _call("set_cpu", "1", A),
        _call("copy", B, A),
        _ask(0, "equal", A, B),
        _ask(1, "first", B),
        _call("setall", A),
        _call("copy", B, A),
        _ask(2, "full", B),
    ],
    "distribute": [
        _call("set_cpu", "1", A),
        _ask(0, "any_distribute", A),
        _ask(1, "any_distribute", A),
        _ask(2, "any_distribute", B),
        _call("set_cpu", "1", B),
        _ask(3, "any_and_distribute", A, B),
        _ask(4, "any_and_distribute", A, C),
    ],
    "populate": [
        "r1 = -1\n*(u64 *)(r10 - 8) = r1\nr1 = 2\n*(u64 *)(r10 - 16) = r1",
        _ask(0, "populate", A, "r10", "8").replace("r2 = r10", "r2 = r10\nr2 += -8"),
        _ask(1, "weight", A),
        _ask(2, "full", A),
        _ask(3, "populate", B, "r10", "8").replace("r2 = r10", "r2 = r10\nr2 += -16"),
        _ask(4, "first", B),
        _ask(5, "populate", C, "r10", "4").replace("r2 = r10", "r2 = r10\nr2 += -8"),
        _ask(6, "empty", C),
        _ask(7, "and", C, A, B),  # the populated stray bits of A are clipped
        _call("or", C, A, B),  # ... and kept by or
        _ask(8, "equal", C, A),
        _call("xor", C, A, A),
        _ask(9, "empty", C),
    ],
    "refcount": [
        _call("acquire", A),
        "*(u64 *)(r10 - 8) = r0\nr1 = *(u32 *)(r6 + 32)\n*(u64 *)(r9 + 0) = r1",
        "r1 = *(u64 *)(r10 - 8)\ncall kfunc(bpf_cpumask_release)",
        "r1 = *(u32 *)(r6 + 32)\n*(u64 *)(r9 + 8) = r1",
    ],
}


def program(case: str) -> str:
    k = kernel_btf()
    words = "\n".join(
        f"r1 = *(u64 *)({reg} + 0)\n*(u64 *)(r9 + {8 * (16 + i)}) = r1\n"
        f"r1 = *(u32 *)({reg} + {cpumask.USAGE_OFFSET})\n*(u64 *)(r9 + {8 * (20 + i)}) = r1"
        for i, reg in enumerate((A, B, C))
    )
    body = "\n".join(CASES[case])
    text = f"""
        r9 = map_value(m, 0) ll
        call kfunc(bpf_cpumask_create)
        if r0 == 0 goto out
        r6 = r0
        call kfunc(bpf_cpumask_create)
        if r0 == 0 goto drop6
        r7 = r0
        call kfunc(bpf_cpumask_create)
        if r0 == 0 goto drop7
        r8 = r0
        {body}
        {words}
        r1 = r8
        call kfunc(bpf_cpumask_release)
    drop7:
        r1 = r7
        call kfunc(bpf_cpumask_release)
    drop6:
        r1 = r6
        call kfunc(bpf_cpumask_release)
        r0 = 7
        exit
    out:
        r0 = 1
        exit
    """
    return re.sub(r"kfunc\((\w+)\)", lambda m: f"kfunc({k.func_id(m.group(1))})", text)


def run(case: str, backend: UserBackend | NativeBackend) -> tuple[int, tuple[int, ...]]:
    """The program's return and its result slots (signed answers as the u64 the program stored)."""
    m = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8 * SLOTS, 1, backend=backend)
    try:
        with pybpf.Program.load(
            program(case), "syscall", maps={"m": m}, backend=backend, prog_flags=uapi.BPF_F_SLEEPABLE
        ) as prog:
            retval = prog.run(ctx=b"").retval
        value = m.lookup(0)
    finally:
        m.close()
    return retval, struct.unpack(f"<{SLOTS}Q", bytes(value))


def _kernel_nr_cpu_ids() -> int:
    with open("/sys/devices/system/cpu/possible", encoding="ascii") as f:
        text = f.read().strip()
    return int(text.split(",")[-1].split("-")[-1]) + 1


@pytest.mark.parametrize("case", sorted(CASES))
def test_cpumask_kfuncs_answer_as_the_kernel(case: str) -> None:
    got = run(case, UserBackend())
    assert got[0] == 7
    assert got[1][20:23] == (1, 1, 1)  # every mask still holds its one reference
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    if _kernel_nr_cpu_ids() != cpumask.nr_cpu_ids():
        pytest.skip("pybpf runs with another CPU count than the kernel (PYBPF_NR_CPUS)")
    assert got == run(case, NativeBackend())


def test_the_answers_follow_nr_cpu_ids() -> None:
    """Independent of the kernel: what the cases answer, from cpumask.h's semantics."""
    n = cpumask.nr_cpu_ids()
    words = (1 << 64) - 1
    _, slots = run("setall_full_clear", UserBackend())
    assert slots[:8] == (1, 0, 1, n, n, 0, int(n > 1), 1)
    assert slots[16] == words  # bitmap_fill: the whole word, past nr_cpu_ids
    _, slots = run("set_and_test", UserBackend())
    assert slots[:8] == (1, 0, 0, 1, 0, 1 if n > 1 else n, 1, n)
    _, slots = run("populate", UserBackend())
    assert slots[0] == 0 and slots[5] == -errno.EACCES & 0xFFFFFFFF
    assert slots[1] == n and slots[16] == words
    _, slots = run("refcount", UserBackend())
    assert slots[:2] == (2, 1)


def test_objects_are_freed_at_the_last_release() -> None:
    ctx = HelperContext(Memory(), TracePipe())
    before = alloc_obj.live_objects()
    p = cpumask.cpumask_create(ctx, 0, 0, 0, 0, 0)
    assert p and ctx.memory.read(p, cpumask.BPF_CPUMASK_SIZE)[: cpumask.CPUMASK_BYTES] == bytes(
        cpumask.CPUMASK_BYTES
    )
    assert cpumask.cpumask_acquire(ctx, p, 0, 0, 0, 0) == p
    cpumask.cpumask_release(ctx, p, 0, 0, 0, 0)
    assert alloc_obj.live_objects() == before + 1
    cpumask.cpumask_release(ctx, p, 0, 0, 0, 0)
    assert alloc_obj.live_objects() == before
    assert ctx.memory.region_at(p) is None


def test_a_mask_pybpf_cannot_reach_reads_empty() -> None:
    """task->cpus_ptr loads as NULL in user space: the queries see an empty mask, writes go nowhere."""
    ctx = HelperContext(Memory(), TracePipe())
    n = cpumask.nr_cpu_ids()
    assert cpumask.cpumask_weight(ctx, 0, 0, 0, 0, 0) == 0
    assert cpumask.cpumask_first(ctx, 0x1000, 0, 0, 0, 0) == n
    assert cpumask.cpumask_empty(ctx, 0, 0, 0, 0, 0) == 1
    assert cpumask.cpumask_setall(ctx, 0, 0, 0, 0, 0) == 0


def test_the_struct_is_the_kernels() -> None:
    """sizeof(struct bpf_cpumask) and the refcount's offset as vmlinux's BTF has them."""
    from pybpf.verifier.kernel_btf import kernel_struct, vmlinux_btf

    if vmlinux_btf() is None:
        pytest.skip("no vmlinux BTF")
    found = kernel_struct("bpf_cpumask")
    mask = kernel_struct("cpumask")
    assert found is not None and mask is not None
    assert (found.size, mask.size) == (cpumask.BPF_CPUMASK_SIZE, cpumask.CPUMASK_BYTES)


def test_compiled_programs_answer_as_the_kernel(backend: Backend) -> None:
    """tests/data/c/cpumask_kfuncs.c: bool and u32 answers as compiled C uses them, populate from a
    stack bitmap, and a mask kept in a map's kptr across runs (one CPU more each run).  The expected
    values hold for a machine of at least two CPUs (the kernel's and pybpf's)."""
    if cpumask.nr_cpu_ids() < 2:
        pytest.skip("needs two CPUs")
    n = cpumask.nr_cpu_ids()
    with load_object(obj_path("cpumask_kfuncs"), backend=backend) as obj:
        answers = obj.programs["mask_answers"].run(ctx=b"").retval
        populated = obj.programs["mask_populated"].run(ctx=b"").retval
        kept = [obj.programs["mask_kept"].run(ctx=b"").retval for _ in range(4)]
    assert answers == 1 | 4 | 16 | 1 << 8 | n << 16
    assert populated == 1 << 8 | 0
    assert kept == [0, 1, 2, 2]
