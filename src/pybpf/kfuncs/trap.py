"""__bpf_trap(): the call a compiler emits where a program would trap, which the verifier refuses.

Mirrors Linux 6.18: kernel/bpf/helpers.c defines ``void __bpf_trap(void)`` (in ``common_btf_ids``,
every program type, no KF_* flags) only so that programs compiled with a trap (clang lowers
``__builtin_trap()`` -- often the mark of an uninitialized variable -- to a call of it) resolve and
load; check_kfunc_call() (kernel/bpf/verifier.c) refuses every call it reaches with EFAULT,
"unexpected __bpf_trap() due to uninitialized variable?" (``pybpf.verifier.kfuncs``).  A call in
dead code loads, and never runs: the implementation is never called.
"""

from __future__ import annotations

from pybpf.kfuncs.proto import KfFlag, KFunc, RetKind, do_nothing

BPF_TRAP = "__bpf_trap"
TRAP_MESSAGE = "unexpected __bpf_trap() due to uninitialized variable?"

KFUNCS: tuple[KFunc, ...] = (KFunc(BPF_TRAP, KfFlag.NONE, (), RetKind.VOID, "void", 0, do_nothing),)
