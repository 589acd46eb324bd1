"""What a kfunc is to pybpf: its ``KF_*`` flags, parameter and return kinds, and the record of one.

Mirrors include/linux/btf.h (the ``KF_*`` flags) and what check_kfunc_args() /
get_kfunc_ptr_arg_type() and check_kfunc_call() (kernel/bpf/verifier.c) derive from a kfunc's BTF
prototype and parameter-name suffixes (``__sz``, ``__k``, ``__uninit``, ``__ign``, ``__map`` ...).
The kfuncs themselves are data in the family modules of this package; ``pybpf.kfuncs.table``
gathers them.  The engines call an implementation as they call a helper:
``function(ctx, r1, r2, r3, r4, r5) -> r0``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from pybpf import uapi
from pybpf.helpers.context import HelperContext

KFuncImpl = Callable[[HelperContext, int, int, int, int, int], int]


KFUNC_HOOKS: tuple[frozenset[int], ...] = (
    frozenset(
        {
            uapi.BPF_PROG_TYPE_TRACING, uapi.BPF_PROG_TYPE_TRACEPOINT, uapi.BPF_PROG_TYPE_PERF_EVENT,
            uapi.BPF_PROG_TYPE_LSM,
        }
    ),
    frozenset(
        {
            uapi.BPF_PROG_TYPE_CGROUP_SKB, uapi.BPF_PROG_TYPE_CGROUP_SOCK, uapi.BPF_PROG_TYPE_CGROUP_DEVICE,
            uapi.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, uapi.BPF_PROG_TYPE_CGROUP_SOCKOPT,
            uapi.BPF_PROG_TYPE_CGROUP_SYSCTL, uapi.BPF_PROG_TYPE_SOCK_OPS,
        }
    ),
    frozenset(
        {
            uapi.BPF_PROG_TYPE_LWT_IN, uapi.BPF_PROG_TYPE_LWT_OUT, uapi.BPF_PROG_TYPE_LWT_XMIT,
            uapi.BPF_PROG_TYPE_LWT_SEG6LOCAL,
        }
    ),
)  # fmt: skip
"""bpf_prog_type_to_kfunc_hook() (kernel/bpf/btf.c) where several program types share one hook:
BTF_KFUNC_HOOK_TRACING, BTF_KFUNC_HOOK_CGROUP and BTF_KFUNC_HOOK_LWT; every other type is a hook of
its own.  A kfunc set is registered for a program type but kept per hook, so every type of that hook
may call its kfuncs (unless the set's filter says otherwise).  Linux 6.18: RAW_TRACEPOINT is not in
the tracing hook (measured: a raw tracepoint may not call bpf_task_from_pid, a tracepoint may)."""


def registered_for(*prog_types: int) -> frozenset[int]:
    """The program types that may call the kfuncs of a set registered (register_btf_kfunc_id_set())
    for each of ``prog_types``: every type of each one's hook."""
    types = set(prog_types)
    for hook in KFUNC_HOOKS:
        if hook & types:
            types |= hook
    return frozenset(types)


GENERIC_PROG_TYPES = registered_for(
    uapi.BPF_PROG_TYPE_SCHED_CLS, uapi.BPF_PROG_TYPE_XDP, uapi.BPF_PROG_TYPE_CGROUP_SKB,
    uapi.BPF_PROG_TYPE_TRACING, uapi.BPF_PROG_TYPE_STRUCT_OPS, uapi.BPF_PROG_TYPE_SYSCALL,
)  # fmt: skip
"""The program types kernel/bpf/helpers.c's generic_btf_ids is registered for (kfunc_init()), with
their hooks: the task, cgroup, object, graph and key kfuncs of several families (measured)."""


class KfFlag(enum.IntFlag):
    """The ``KF_*`` flags of include/linux/btf.h."""

    NONE = 0
    ACQUIRE = 1 << 0
    RELEASE = 1 << 1
    RET_NULL = 1 << 2
    TRUSTED_ARGS = 1 << 4
    SLEEPABLE = 1 << 5
    DESTRUCTIVE = 1 << 6
    RCU = 1 << 7
    ITER_NEW = 1 << 8
    ITER_NEXT = 1 << 9
    ITER_DESTROY = 1 << 10
    RCU_PROTECTED = 1 << 11
    FASTCALL = 1 << 12


class ArgKind(enum.Enum):
    """What check_kfunc_args() makes of a parameter's BTF type (get_kfunc_ptr_arg_type())."""

    SCALAR = "scalar"  # an integer: any scalar register ("R%d is not a scalar")
    ITER = "iter"  # struct bpf_iter_<type> *: an iterator's slots on the stack (KF_ARG_PTR_TO_ITER)
    BTF_ID = "btf_id"  # struct <name> *: a kernel object (KF_ARG_PTR_TO_BTF_ID)
    CTX = "ctx"  # the program type's context (KF_ARG_PTR_TO_CTX)
    DYNPTR = "dynptr"  # struct bpf_dynptr *: an initialised dynptr (KF_ARG_PTR_TO_DYNPTR)
    DYNPTR_UNINIT = "dynptr_uninit"  # struct bpf_dynptr *<name>__uninit: the dynptr the call makes
    MEM_OPT = "mem_opt"  # void *<name>__opt: memory of the next (constant) argument's size, or NULL
    CONST_SIZE = "const_size"  # <name>__szk: the size of the memory before it, a known constant
    CONSTANT = "constant"  # <name>__k: a scalar that must be a known constant (is_kfunc_arg_constant)
    IGNORED = "ignored"  # <name>__ign: not checked at all (is_kfunc_arg_ignore; the fixups fill it in)
    ALLOC_OBJ = "alloc_obj"  # void *<name>__alloc: an object of bpf_obj_new (KF_ARG_PTR_TO_ALLOC_BTF_ID)
    LIST_HEAD = "list_head"  # struct bpf_list_head *: a list head of a map value (KF_ARG_PTR_TO_LIST_HEAD)
    LIST_NODE = "list_node"  # struct bpf_list_node *: an object's node (KF_ARG_PTR_TO_LIST_NODE)
    MAP = "map"  # void *<name>__map: a map (KF_ARG_PTR_TO_MAP: CONST_PTR_TO_MAP, a struct bpf_map)
    RB_ROOT = "rb_root"  # struct bpf_rb_root *: a tree's root (KF_ARG_PTR_TO_RB_ROOT)
    RB_NODE = "rb_node"  # struct bpf_rb_node *: an object's tree node (KF_ARG_PTR_TO_RB_NODE)
    CALLBACK = "callback"  # a function pointer: a subprogram called back (KF_ARG_PTR_TO_CALLBACK)
    REFCOUNTED = "refcounted"  # void *<name>__refcounted_kptr: an object with a bpf_refcount
    MEM = "mem"  # a pointer to a scalar or a struct of scalars: ``size`` bytes (KF_ARG_PTR_TO_MEM)
    MEM_SIZED = "mem_sized"  # memory of as many bytes as the next, ``__sz``, argument says
    # (KF_ARG_PTR_TO_MEM_SIZE; ``size``: the pointee's, for a size register that is no scalar)
    SIZE = "size"  # <name>__sz: the size of the memory before it, any bounded scalar
    IRQ_FLAG = "irq_flag"  # unsigned long *<name>__irq_flag: a saved IRQ flag's slot on the stack
    # (KF_ARG_PTR_TO_IRQ_FLAG)
    WORKQUEUE = "workqueue"  # struct bpf_wq *: a map value's workqueue (KF_ARG_PTR_TO_WORKQUEUE)
    TASK_WORK = "task_work"  # struct bpf_task_work *: a map value's task work (KF_ARG_PTR_TO_TASK_WORK)
    CONST_STR = "const_str"  # const char *<name>__str: a NUL-terminated string in a read-only map value
    # (KF_ARG_PTR_TO_CONST_STR)
    PROG = "prog"  # void *<name>__prog: not checked; the verifier passes the program's own bpf_prog_aux
    # (is_kfunc_arg_prog(), filled in by fixup_kfunc_call())
    RES_SPIN_LOCK = "res_spin_lock"  # struct bpf_res_spin_lock *: a map value's resilient lock
    # (KF_ARG_PTR_TO_RES_SPIN_LOCK)


class RetKind(enum.Enum):
    """What check_kfunc_call() makes of the return type."""

    VOID = "void"  # r0 not readable after the call
    SCALAR = "scalar"  # an unknown scalar
    RDONLY_MEM = "rdonly_mem"  # a pointer to a scalar: PTR_TO_MEM | MEM_RDONLY of its size
    BTF_ID = "btf_id"  # a pointer to a struct: PTR_TO_BTF_ID of that kernel type
    SLICE = "slice"  # void *: a dynptr slice, PTR_TO_MEM of the constant size argument
    KERN_CTX = "kern_ctx"  # void *: the program type's kernel context, trusted (bpf_cast_to_kern_ctx)
    RDONLY_CAST = "rdonly_cast"  # void *: untrusted, of the type the constant names (bpf_rdonly_cast)
    NEW_OBJ = "new_obj"  # void *: bpf_obj_new's object of the program's type its constant names
    LIST_NODE = "list_node"  # struct bpf_list_node *: the node of the head's struct (an owning reference
    # under KF_ACQUIRE, else a non-owning one)
    RB_NODE = "rb_node"  # struct bpf_rb_node *: the node of the root's struct (the same)
    REFCOUNTED = "refcounted"  # void *: the argument's object, one more owning reference to it
    MEM = "mem"  # a pointer to a scalar the program may write: PTR_TO_MEM of ret_size (bpf_session_cookie,
    # which check_kfunc_call() makes writable)


@dataclass(frozen=True)
class KArg:
    """One parameter: its kind, its C type (for pybpf's own BTF) and name."""

    kind: ArgKind
    ctype: str
    name: str
    size: int = 0  # the pointee's size (btf_resolve_size()) of a MEM or MEM_SIZED argument

    @property
    def struct(self) -> str:
        """The struct a ``struct <name> *`` parameter points to ("" for other types)."""
        return struct_name(self.ctype)


def struct_name(ctype: str) -> str:
    """``task_struct`` of ``struct task_struct *`` or ``const struct task_struct *`` ("" for a type
    that is no struct pointer)."""
    ctype = ctype.removeprefix("const ")
    return ctype[len("struct ") : -2] if ctype.startswith("struct ") and ctype.endswith(" *") else ""


@dataclass(frozen=True)
class KFunc:
    """One kfunc: ``name`` (its BTF FUNC's), the ``KF_*`` flags, the parameters and return value,
    the program types whose kfunc set holds it (None: the common set, every type) and the
    implementation."""

    name: str
    flags: KfFlag
    args: tuple[KArg, ...]
    ret: RetKind
    ret_ctype: str
    ret_size: int
    impl: KFuncImpl
    prog_types: frozenset[int] | None = None
    iter_type: str = ""  # an iterator kfunc's ``<type>`` of struct bpf_iter_<type> (ITER_STATE_SIZES)
    dynptr_type: str = ""  # the type of the dynptr a DYNPTR_UNINIT argument receives ("": its source's)
    attach_types: frozenset[int] | None = None  # the expected attach types its set's filter lets call it
    # (None: any; e.g. bpf_kprobe_multi_filter(): kprobe/uprobe sessions only)

    @property
    def is_iter(self) -> bool:
        return bool(self.flags & (KfFlag.ITER_NEW | KfFlag.ITER_NEXT | KfFlag.ITER_DESTROY))

    def allowed(self, prog_type: int, attach_type: int | None = None) -> bool:
        """btf_kfunc_id_set_contains(): the common set, or the program type's hook, and the set's
        filter (``attach_types``) for a program loaded for ``attach_type`` (None: not asked)."""
        if self.prog_types is not None and prog_type not in self.prog_types:
            return False
        return attach_type is None or self.attach_types is None or attach_type in self.attach_types


def do_nothing(_ctx: HelperContext, _r1: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """A kfunc whose run-time effect in user space is none (a region marker, a release of an object
    pybpf never hands out)."""
    return 0


def no_object(_ctx: HelperContext, _r1: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """A kernel-object lookup or acquire in user space: no such object (NULL)."""
    return 0


def same_object(_ctx: HelperContext, p: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """An acquire that cannot fail (another reference to the same object), or a cast (the same
    pointer as another type: the kernel inlines both casts as ``r0 = r1``)."""
    return p


def marker(name: str) -> KFunc:
    """A kfunc without arguments or result that only marks a place for the verifier."""
    return KFunc(name, KfFlag.NONE, (), RetKind.VOID, "void", 0, do_nothing)


TRACING_HOOK_PROG_TYPES = registered_for(uapi.BPF_PROG_TYPE_TRACING)
"""The program types of BTF_KFUNC_HOOK_TRACING (bpf_prog_type_to_kfunc_hook(), kernel/bpf/btf.c): a
set registered for BPF_PROG_TYPE_TRACING serves them all (measured: TRACEPOINT and PERF_EVENT load
its kfuncs), unless its filter says otherwise."""
