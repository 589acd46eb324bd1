"""The iterators over kernel objects (``pybpf.kfuncs.iter_kernel``) run by pybpf's engines.

What new() answers depends only on its arguments, so it is the kernel's answer too: each program
starts one iterator, keeps new()'s result, walks the iterator to its end, destroys it and returns
the result (or, asked for, the number of objects walked: none in user space).  Where bpf(2) works
the same programs run on the kernel (XDP test runs; SYSCALL ones for the sleepable iterators), and
new()'s result must be the kernel's; the walk's length is the kernel's own business (its tasks,
cgroups, slab caches).
"""

from __future__ import annotations

import errno

import pytest

import pybpf
from pybpf import uapi
from pybpf.btf.types import Func, FuncProto, Struct
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs import async_work, iter_kernel
from pybpf.kfuncs.kernel_btf import KernelBTF, kernel_btf
from pybpf.kfuncs.proto import KFunc, RetKind
from pybpf.objects.cgroups import cgroup_path_of_id

pytestmark = pytest.mark.usefixtures("engine")  # every program runs on each engine (tests/conftest.py)

_EINVAL = -errno.EINVAL & 0xFFFFFFFF
ROOT_CGROUP = cgroup_path_of_id(1) is not None
"""Whether bpf_cgroup_from_id(1) finds the root cgroup here (pybpf: a cgroup v2 hierarchy mounted)."""


def _ids(name: str) -> tuple[int, int, int]:
    k = kernel_btf()
    found = tuple(k.func_id(f"bpf_iter_{name}_{part}") for part in ("new", "next", "destroy"))
    assert None not in found, f"bpf_iter_{name} missing from the kernel BTF"
    return found  # type: ignore[return-value]


def _walk(name: str, setup: str, args: str, result: str) -> str:
    """A program: ``setup``, bpf_iter_<name>_new(fp-32, ``args``), next() until NULL (r6 counts),
    destroy(); then ``result`` (r9 holds new()'s answer)."""
    new, nxt, destroy = _ids(name)
    return f"""
        {setup}
        r1 = r10
        r1 += -32
        {args}
        call kfunc({new})
        r9 = r0
        r6 = 0
    loop:
        r1 = r10
        r1 += -32
        call kfunc({nxt})
        if r0 == 0 goto done
        r6 += 1
        goto loop
    done:
        r1 = r10
        r1 += -32
        call kfunc({destroy})
        {result}
        exit
    """


def _cgroup_walk(name: str, flags: int, result: str) -> str:
    """The same over the root cgroup's css (bpf_cgroup_from_id(1); 99 when there is none)."""
    cgroup_from_id, cgroup_release = (
        kernel_btf().func_id(n) for n in ("bpf_cgroup_from_id", "bpf_cgroup_release")
    )
    walk = _walk(name, "", f"r2 = r7\nr3 = {flags}", result.replace("exit", ""))
    return f"""
        r1 = 1
        call kfunc({cgroup_from_id})
        if r0 != 0 goto found
        r0 = 99
        exit
    found:
        r7 = r0
        {walk.replace("exit", "")}
        r8 = r0
        r1 = r7
        call kfunc({cgroup_release})
        r0 = r8
        exit
    """


def _both(src: str, prog_type: str, prog_flags: int = 0) -> tuple[int, int | None]:
    """pybpf's answer and the kernel's (None without bpf(2))."""
    data = bytes(64) if prog_type == "xdp" else b""
    with pybpf.Program.load(src, prog_type, name="iter_kernel", prog_flags=prog_flags) as prog:
        got = prog.run(data).retval
    if not kernel_bpf_available():
        return got, None
    with pybpf.Program.load(
        src, prog_type, name="iter_kernel", prog_flags=prog_flags, backend=NativeBackend()
    ) as prog:
        return got, prog.run(data).retval


TASK_FLAGS = {
    "all_procs": (iter_kernel.BPF_TASK_ITER_ALL_PROCS, "r2 = 0", 0),
    "all_threads": (iter_kernel.BPF_TASK_ITER_ALL_THREADS, "r2 = 0", 0),
    "proc_threads_no_task": (iter_kernel.BPF_TASK_ITER_PROC_THREADS, "r2 = 0", _EINVAL),
    "unknown": (7, "r2 = 0", _EINVAL),
}


@pytest.mark.parametrize("case", sorted(TASK_FLAGS))
def test_task_iterator_flags(case: str) -> None:
    flags, task, want = TASK_FLAGS[case]
    got, kernel = _both(_walk("task", "", f"{task}\nr3 = {flags}", "r0 = r9"), "xdp")
    assert got == want
    assert kernel in (None, want)


def test_task_iterator_walks_nothing_in_user_space() -> None:
    """No kernel tasks in user space: the walk is empty (on the kernel: every process, at least 1)."""
    got, kernel = _both(_walk("task", "", "r2 = 0\nr3 = 0", "r0 = r6"), "xdp")
    assert got == 0
    assert kernel is None or kernel >= 1


@pytest.mark.parametrize("order", [0, 1, 2, 3, 4, 5])
def test_css_iterator_orders(order: int) -> None:
    """DESCENDANTS_PRE, DESCENDANTS_POST and ANCESTORS_UP; not UNSPEC, SELF_ONLY or beyond."""
    want = 0 if order in (2, 3, 4) else _EINVAL
    got, kernel = _both(_cgroup_walk("css", order, "r0 = r9"), "xdp")
    assert got == (want if ROOT_CGROUP else 99)
    assert kernel in (None, want)


@pytest.mark.parametrize("flags", [0, 1, 2, 3, 4])
def test_css_task_iterator_flags(flags: int) -> None:
    want = 0 if flags in (0, 1, 3) else _EINVAL
    src = _cgroup_walk("css_task", flags, "r0 = r9")
    got, kernel = _both(src, "syscall", uapi.BPF_F_SLEEPABLE)
    assert got == (want if ROOT_CGROUP else 99)
    assert kernel in (None, want)


@pytest.mark.parametrize("name", ["kmem_cache", "dmabuf"])
def test_sleepable_iterators_start(name: str) -> None:
    got, kernel = _both(_walk(name, "", "", "r0 = r9"), "syscall", uapi.BPF_F_SLEEPABLE)
    assert got == 0
    assert kernel in (None, 0)
    got, _ = _both(_walk(name, "", "", "r0 = r6"), "syscall", uapi.BPF_F_SLEEPABLE)
    assert got == 0


def test_task_vma_iterator_of_the_current_task() -> None:
    """A raw tracepoint's test run: the current task's VMAs (on the kernel, the test's own)."""
    src = _walk("task_vma", "call bpf_get_current_task_btf", "r2 = r0\nr3 = 0", "r0 = r9")
    with pybpf.Program.load(src, "raw_tracepoint", name="iter_kernel") as prog:
        assert prog.run().retval == 0
    if kernel_bpf_available():
        with pybpf.Program.load(src, "raw_tracepoint", name="iter_kernel", backend=NativeBackend()) as prog:
            assert prog.run().retval == 0


def _vmlinux() -> KernelBTF:
    k = kernel_btf()
    if not k.from_kernel:
        pytest.skip("no vmlinux BTF: pybpf's own BTF is built from these very records")
    return k


@pytest.mark.parametrize("name", sorted(iter_kernel.ITER_STATE_SIZES))
def test_state_sizes_are_vmlinux(name: str) -> None:
    """sizeof(struct bpf_iter_<name>) as the running kernel's BTF has it (the verifier's slots)."""
    k = _vmlinux()
    struct = k.btf[k.iter_struct_id(name)]
    assert isinstance(struct, Struct)
    assert struct.size == iter_kernel.ITER_STATE_SIZES[name]


@pytest.mark.parametrize("kfunc", [*iter_kernel.KFUNCS, *async_work.KFUNCS], ids=lambda k: k.name)
def test_prototypes_are_vmlinux(kfunc: KFunc) -> None:
    """Each kfunc's parameters are named as in the running kernel's BTF (the suffixes -- ``__nullable``,
    ``__map``, ``__prog`` -- decide how the verifier checks them) and as many."""
    k = _vmlinux()
    func_id = k.func_id(kfunc.name)
    assert func_id is not None
    func = k.btf[func_id]
    assert isinstance(func, Func)
    proto = k.btf[func.type_id]
    assert isinstance(proto, FuncProto)
    assert [p.name for p in proto.params] == [a.name for a in kfunc.args]
    assert (proto.return_type == 0) == (kfunc.ret is RetKind.VOID)
