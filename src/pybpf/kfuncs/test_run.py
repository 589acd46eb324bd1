"""The kfuncs net/bpf/test_run.c puts in vmlinux for the selftests: bpf_kfunc_call_test_release,
bpf_kfunc_call_memb_release, bpf_fentry_test1, bpf_modify_return_test and bpf_modify_return_test2.

Mirrors Linux 6.18:

* ``test_sk_check_kfunc_ids`` -- bpf_kfunc_call_test_release(struct prog_test_ref_kfunc *p) and
  bpf_kfunc_call_memb_release(struct prog_test_member *p), both KF_RELEASE -- is part of
  ``bpf_prog_test_kfunc_set``, registered for SCHED_CLS, TRACING (the tracing hook: TRACEPOINT and
  PERF_EVENT too) and SYSCALL (measured: those load a call, the other types refuse it).  The objects
  they release come from the bpf_testmod module's acquire kfuncs, which this vmlinux does not have,
  so a program can hold no such reference: the verifier refuses every call ("release kernel function
  %s expects refcounted PTR_TO_BTF_ID" for an unreferenced pointer); at run time they do nothing.
* ``bpf_test_modify_return_ids`` -- bpf_modify_return_test, bpf_modify_return_test2 and
  bpf_fentry_test1 (KF_SLEEPABLE) -- is registered with register_btf_fmodret_id_set(): the functions
  fmod_ret programs may attach to, in BTF_KFUNC_HOOK_FMODRET, which no program type's kfunc calls
  consult.  Every program type refuses a call ("calling kernel function %s is not allowed",
  measured in every type that loads here).  Their implementations are the kernel's arithmetic.
"""

from __future__ import annotations

from pybpf import uapi
from pybpf.helpers.context import HelperContext
from pybpf.isa.words import M32
from pybpf.kfuncs.proto import TRACING_HOOK_PROG_TYPES, ArgKind, KArg, KfFlag, KFunc, RetKind, do_nothing

TEST_KFUNC_PROG_TYPES = frozenset(
    {uapi.BPF_PROG_TYPE_SCHED_CLS, uapi.BPF_PROG_TYPE_SYSCALL, *TRACING_HOOK_PROG_TYPES}
)
"""bpf_prog_test_kfunc_set's registrations."""
FMODRET_ONLY: frozenset[int] = frozenset()
"""No program type: the fmod_ret set is no kfunc set of any program type."""


def _s32(value: int) -> int:
    value &= M32
    return value - (1 << 32) if value & 0x8000_0000 else value


def _sext(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def fentry_test1(_ctx: HelperContext, a: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``int bpf_fentry_test1(int a)``: a + 1."""
    return (_s32(a) + 1) & M32


def modify_return_test(ctx: HelperContext, a: int, b: int, _r3: int, _r4: int, _r5: int) -> int:
    """``int bpf_modify_return_test(int a, int *b)``: ``*b += 1``, then a + *b."""
    value = (_s32(ctx.memory.load(b, 4)) + 1) & M32
    ctx.memory.store(b, 4, value)
    return (_s32(a) + _s32(value)) & M32


def modify_return_test2(ctx: HelperContext, a: int, b: int, c: int, d: int, e: int) -> int:  # noqa: PLR0917
    """``int bpf_modify_return_test2(int a, int *b, short c, int d, void *e, char f, int g)``: the
    last two arguments are past the five registers a kfunc call passes (the verifier refuses a
    prototype of more than five): the kernel reads whatever its caller left there, 0 here."""
    value = (_s32(ctx.memory.load(b, 4)) + 1) & M32
    ctx.memory.store(b, 4, value)
    return (_s32(a) + _s32(value) + _sext(c, 16) + _s32(d) + e) & M32


KFUNCS: tuple[KFunc, ...] = (
    KFunc("bpf_kfunc_call_test_release", KfFlag.RELEASE,
          (KArg(ArgKind.BTF_ID, "struct prog_test_ref_kfunc *", "p"),), RetKind.VOID, "void", 0, do_nothing,
          TEST_KFUNC_PROG_TYPES),
    KFunc("bpf_kfunc_call_memb_release", KfFlag.RELEASE,
          (KArg(ArgKind.BTF_ID, "struct prog_test_member *", "p"),), RetKind.VOID, "void", 0, do_nothing,
          TEST_KFUNC_PROG_TYPES),
    KFunc("bpf_fentry_test1", KfFlag.SLEEPABLE, (KArg(ArgKind.SCALAR, "int", "a"),), RetKind.SCALAR, "int", 4,
          fentry_test1, FMODRET_ONLY),
    KFunc("bpf_modify_return_test", KfFlag.NONE,
          (KArg(ArgKind.SCALAR, "int", "a"), KArg(ArgKind.MEM, "int *", "b", 4)), RetKind.SCALAR, "int", 4,
          modify_return_test, FMODRET_ONLY),
    KFunc("bpf_modify_return_test2", KfFlag.NONE,
          (KArg(ArgKind.SCALAR, "int", "a"), KArg(ArgKind.MEM, "int *", "b", 4),
           KArg(ArgKind.SCALAR, "short int", "c"), KArg(ArgKind.SCALAR, "int", "d"),
           KArg(ArgKind.SCALAR, "void *", "e"), KArg(ArgKind.SCALAR, "char", "f"),
           KArg(ArgKind.SCALAR, "int", "g")),
          RetKind.SCALAR, "int", 4, modify_return_test2, FMODRET_ONLY),
)  # fmt: skip
"""The test_run.c kfuncs of vmlinux."""
