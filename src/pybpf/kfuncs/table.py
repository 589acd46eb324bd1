"""The kernel functions (kfuncs) pybpf implements, as data: flags, prototypes, program types.

A family of kfuncs kept in its own module of this package defines its ``KFUNCS`` tuple there
(records of ``pybpf.kfuncs.proto``); ``KFUNCS`` here gathers them with the ones below.

Mirrors the kernel's kfunc registrations (Linux 6.18): ``BTF_ID_FLAGS(func, name, flags)`` in a
``BTF_KFUNCS_START(set)`` list registered for program types with register_btf_kfunc_id_set().  A
kfunc is named by the BTF id of its FUNC in the kernel's BTF (``pybpf.kfuncs.kernel_btf``); the
verifier reads its flags and prototype here (check_kfunc_call(), check_kfunc_args() derive the
same from the kernel's BTF and id sets), the engines call its implementation as they call a
helper: ``function(ctx, r1, r2, r3, r4, r5) -> r0``.

Modelled so far, from kernel/bpf/helpers.c's ``common_btf_ids`` (registered for
BPF_PROG_TYPE_UNSPEC: every program type may call them): the numeric open-coded iterator
(bpf_iter_num_new/next/destroy), the bit iterator (bpf_iter_bits_new/next/destroy,
``pybpf.kfuncs.iter_bits``), the region markers bpf_preempt_disable/enable and
bpf_rcu_read_lock/unlock (the verifier tracks the regions; a run in user space has nothing to
disable or protect, so they do nothing there), bpf_local_irq_save/restore (``pybpf.kfuncs.irq``:
the save stores a flags value in the program's stack slot), the casts bpf_cast_to_kern_ctx and bpf_rdonly_cast
(KF_FASTCALL; the same pointer, as another type: the kernel inlines them), and the dynptr kfuncs
bpf_dynptr_slice, bpf_dynptr_slice_rdwr, bpf_dynptr_adjust, bpf_dynptr_is_null, bpf_dynptr_is_rdonly,
bpf_dynptr_size and bpf_dynptr_clone; from net/core/filter.c, bpf_dynptr_from_skb (the skb set of
the socket-buffer program types) and bpf_dynptr_from_xdp (XDP's set), with
bpf_dynptr_from_skb_rdonly, which no set holds: fixup_kfunc_call() calls it instead of
bpf_dynptr_from_skb in program types that may not write the packet (``pybpf.kfuncs.dynptr_pkt``);
from kernel/bpf/helpers.c's ``generic_btf_ids`` (registered for XDP,
SCHED_CLS, SYSCALL, CGROUP_SKB, TRACING and STRUCT_OPS): the referenced task and cgroup objects,
bpf_task_from_pid / bpf_cgroup_from_id (KF_ACQUIRE | KF_RET_NULL), bpf_task_acquire /
bpf_cgroup_acquire (KF_ACQUIRE | KF_RCU | KF_RET_NULL) and bpf_task_release / bpf_cgroup_release
(KF_RELEASE) -- at run time a task lookup finds none, a cgroup lookup the cgroup v2 directory of that
id (``pybpf.objects.cgroups.cgroup_address``), which an acquire returns again --, what a program
stores in a map's kptrs, and the program-allocated objects,
bpf_obj_new_impl (KF_ACQUIRE | KF_RET_NULL) and bpf_obj_drop_impl (KF_RELEASE), which pybpf
allocates in user space (``pybpf.kfuncs.alloc_obj``), bpf_percpu_obj_new_impl /
bpf_percpu_obj_drop_impl (per-CPU objects) and bpf_refcount_acquire_impl (KF_ACQUIRE | KF_RET_NULL |
KF_RCU), the lists of them: bpf_list_push_front_impl / bpf_list_push_back_impl, bpf_list_pop_front /
bpf_list_pop_back (KF_ACQUIRE | KF_RET_NULL) and bpf_list_front / bpf_list_back (KF_RET_NULL)
(``pybpf.kfuncs.graph_list``), and the red-black trees of them: bpf_rbtree_add_impl (its less()
callback), bpf_rbtree_remove (KF_ACQUIRE | KF_RET_NULL), bpf_rbtree_first, bpf_rbtree_root,
bpf_rbtree_left and bpf_rbtree_right (KF_RET_NULL) (``pybpf.kfuncs.graph_rbtree``); the 27
cpumask kfuncs of kernel/bpf/cpumask.c (TRACING, LSM, STRUCT_OPS, SYSCALL), with real masks in user
space (``pybpf.kfuncs.cpumask``); from kernel/bpf/arena.c (every program type, KF_TRUSTED_ARGS |
KF_SLEEPABLE): bpf_arena_alloc_pages, bpf_arena_free_pages and bpf_arena_reserve_pages
(``pybpf.kfuncs.arena``; an arena pointer is a plain ``void *`` to the verifier: R0 of an
allocation is a scalar).  In user space there are no kernel tasks: the lookups find none, acquiring
a task gives NULL, releasing does nothing.
"""

from __future__ import annotations

from pybpf.helpers.context import HelperContext
from pybpf.kfuncs import (
    alloc_obj,
    arena,
    async_work,
    cgroup_rstat,
    conntrack,
    cpumask,
    crypto,
    dynptr_ext,
    dynptr_pkt,
    exceptions,
    fs_xattr,
    graph_list,
    graph_rbtree,
    irq,
    iter_bits,
    iter_kernel,
    iter_num,
    kernel_objects,
    keys,
    res_spin_lock,
    session,
    skb_meta,
    sock,
    streams,
    strings,
    tcp_cc,
    test_run,
    trap,
    trigger_tp,
    user_copy,
    xdp_meta,
)
from pybpf.kfuncs.proto import (
    GENERIC_PROG_TYPES,
    ArgKind,
    KArg,
    KfFlag,
    KFunc,
    KFuncImpl,
    RetKind,
    do_nothing,
    marker,
    no_object,
    registered_for,
    same_object,
)
from pybpf.objects.cgroups import cgroup_address, cgroup_path_of_id
from pybpf.uapi import (
    BPF_PROG_TYPE_CGROUP_SKB,
    BPF_PROG_TYPE_LWT_IN,
    BPF_PROG_TYPE_LWT_OUT,
    BPF_PROG_TYPE_LWT_SEG6LOCAL,
    BPF_PROG_TYPE_LWT_XMIT,
    BPF_PROG_TYPE_NETFILTER,
    BPF_PROG_TYPE_SCHED_ACT,
    BPF_PROG_TYPE_SCHED_CLS,
    BPF_PROG_TYPE_SK_SKB,
    BPF_PROG_TYPE_SOCKET_FILTER,
    BPF_PROG_TYPE_TRACING,
    BPF_PROG_TYPE_XDP,
)

ITER_NUM = "num"
ITER_BITS = "bits"
ITER_STATE_SIZES = {ITER_NUM: 8, ITER_BITS: 16, **iter_kernel.ITER_STATE_SIZES}
"""sizeof(struct bpf_iter_<type>) for each iterator type (its stack slots: size / 8)."""

_ITER_NUM_ARG = KArg(ArgKind.ITER, "struct bpf_iter_num *", "it")
_ITER_BITS_ARG = KArg(ArgKind.ITER, "struct bpf_iter_bits *", "it")


_GENERIC_TYPES = GENERIC_PROG_TYPES


def _cgroup_from_id(_ctx: HelperContext, cgid: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``bpf_cgroup_from_id(cgid)``: the cgroup v2 directory with that id, as the address programs see
    for it (``pybpf.objects.cgroups.cgroup_address``), or NULL."""
    return cgroup_address(cgid) if cgroup_path_of_id(cgid) is not None else 0


def _object_kfuncs(
    struct: str, lookup: str, key: KArg, find: KFuncImpl = no_object, acquire: KFuncImpl = no_object
) -> tuple[KFunc, ...]:
    """<lookup>(key), bpf_<obj>_acquire(p) and bpf_<obj>_release(p) of ``struct <struct>``: ``find``
    and ``acquire`` their run-time implementations (NULL where pybpf has no such objects)."""
    ctype = f"struct {struct} *"
    obj = "task" if struct == "task_struct" else struct
    arg = KArg(ArgKind.BTF_ID, ctype, "p")
    acquired = KfFlag.ACQUIRE | KfFlag.RET_NULL
    return (
        KFunc(lookup, acquired, (key,), RetKind.BTF_ID, ctype, 8, find, _GENERIC_TYPES),
        KFunc(f"bpf_{obj}_acquire", acquired | KfFlag.RCU, (arg,), RetKind.BTF_ID, ctype, 8, acquire,
              _GENERIC_TYPES),
        KFunc(f"bpf_{obj}_release", KfFlag.RELEASE, (arg,), RetKind.VOID, "void", 0, do_nothing,
              _GENERIC_TYPES),
    )  # fmt: skip


DYNPTR_SKB, DYNPTR_XDP = "skb", "xdp"
"""dynptr_type_str() of BPF_DYNPTR_TYPE_SKB and BPF_DYNPTR_TYPE_XDP."""
DYNPTR_FROM_SKB, DYNPTR_FROM_SKB_RDONLY = "bpf_dynptr_from_skb", "bpf_dynptr_from_skb_rdonly"
DYNPTR_FROM_XDP, DYNPTR_CLONE = "bpf_dynptr_from_xdp", "bpf_dynptr_clone"
DYNPTR_SLICE, DYNPTR_SLICE_RDWR = "bpf_dynptr_slice", "bpf_dynptr_slice_rdwr"
SKB_DYNPTR_PROG_TYPES = registered_for(
    BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_SCHED_ACT, BPF_PROG_TYPE_SK_SKB, BPF_PROG_TYPE_SOCKET_FILTER,
    BPF_PROG_TYPE_CGROUP_SKB, BPF_PROG_TYPE_LWT_OUT, BPF_PROG_TYPE_LWT_IN, BPF_PROG_TYPE_LWT_XMIT,
    BPF_PROG_TYPE_LWT_SEG6LOCAL, BPF_PROG_TYPE_NETFILTER, BPF_PROG_TYPE_TRACING,
)  # fmt: skip
"""The program types bpf_kfunc_init() registers bpf_kfunc_set_skb for, with their hooks (measured:
the cgroup and tracing hooks' types may call it; their programs then need a trusted ``struct
sk_buff`` for the argument).  A NETFILTER program passes its ctx's trusted ``skb`` (vmlinux's
``struct sk_buff``) for the ``struct __sk_buff *`` parameter."""
_SKB_ARG = KArg(ArgKind.CTX, "struct __sk_buff *", "skb_")
_FLAGS_ARG = KArg(ArgKind.SCALAR, "u64", "flags")
_DYNPTR_ARG = KArg(ArgKind.DYNPTR, "const struct bpf_dynptr *", "p")
_DYNPTR_UNINIT_ARG = KArg(ArgKind.DYNPTR_UNINIT, "struct bpf_dynptr *", "ptr__uninit")
_SLICE_ARGS = (
    _DYNPTR_ARG,
    KArg(ArgKind.SCALAR, "u32", "offset"),
    KArg(ArgKind.MEM_OPT, "void *", "buffer__opt"),
    KArg(ArgKind.CONST_SIZE, "u32", "buffer__szk"),
)

OBJ_NEW, OBJ_DROP = "bpf_obj_new_impl", "bpf_obj_drop_impl"
PERCPU_OBJ_NEW, PERCPU_OBJ_DROP = "bpf_percpu_obj_new_impl", "bpf_percpu_obj_drop_impl"
"""The kfuncs behind libbpf's bpf_obj_new() and bpf_obj_drop() macros (``special_kfunc_list``)."""
_IGNORED_META = KArg(ArgKind.IGNORED, "void *", "meta__ign")
LIST_PUSH = frozenset({"bpf_list_push_front_impl", "bpf_list_push_back_impl"})
"""The list insertions (their node's reference becomes non-owning; the fixup passes the node offset)."""
_LIST_HEAD_ARG = KArg(ArgKind.LIST_HEAD, "struct bpf_list_head *", "head")
_LIST_PUSH_ARGS = (
    _LIST_HEAD_ARG,
    KArg(ArgKind.LIST_NODE, "struct bpf_list_node *", "node"),
    _IGNORED_META,
    KArg(ArgKind.SCALAR, "u64", "off"),
)

_ARENA_MAP_ARG = KArg(ArgKind.MAP, "void *", "p__map")
_PAGE_CNT_ARG = KArg(ArgKind.SCALAR, "u32", "page_cnt")
RBTREE_ADD, RBTREE_REMOVE = "bpf_rbtree_add_impl", "bpf_rbtree_remove"
REFCOUNT_ACQUIRE = "bpf_refcount_acquire_impl"
_RB_ROOT_ARG = KArg(ArgKind.RB_ROOT, "struct bpf_rb_root *", "root")
_RB_NODE_ARG = KArg(ArgKind.RB_NODE, "struct bpf_rb_node *", "node")
LESS_CTYPE = "bool (*)(struct bpf_rb_node *, const struct bpf_rb_node *)"
_RBTREE_ADD_ARGS = (
    _RB_ROOT_ARG,
    _RB_NODE_ARG,
    KArg(ArgKind.CALLBACK, LESS_CTYPE, "less"),
    _IGNORED_META,
    KArg(ArgKind.SCALAR, "u64", "off"),
)
_RB_NODE = "struct bpf_rb_node *"

PREEMPT_DISABLE, PREEMPT_ENABLE = "bpf_preempt_disable", "bpf_preempt_enable"
RCU_READ_LOCK, RCU_READ_UNLOCK = "bpf_rcu_read_lock", "bpf_rcu_read_unlock"

KFUNCS: tuple[KFunc, ...] = (
    KFunc(
        "bpf_iter_num_new",
        KfFlag.ITER_NEW,
        (_ITER_NUM_ARG, KArg(ArgKind.SCALAR, "int", "start"), KArg(ArgKind.SCALAR, "int", "end")),
        RetKind.SCALAR,
        "int",
        4,
        iter_num.iter_num_new,
        iter_type=ITER_NUM,
    ),
    KFunc(
        "bpf_iter_num_next",
        KfFlag.ITER_NEXT | KfFlag.RET_NULL,
        (_ITER_NUM_ARG,),
        RetKind.RDONLY_MEM,
        "int *",
        4,
        iter_num.iter_num_next,
        iter_type=ITER_NUM,
    ),
    KFunc(
        "bpf_iter_num_destroy",
        KfFlag.ITER_DESTROY,
        (_ITER_NUM_ARG,),
        RetKind.VOID,
        "void",
        0,
        iter_num.iter_num_destroy,
        iter_type=ITER_NUM,
    ),
    KFunc(
        "bpf_iter_bits_new",
        KfFlag.ITER_NEW,
        (
            _ITER_BITS_ARG,
            KArg(ArgKind.IGNORED, "const u64 *", "unsafe_ptr__ign"),
            KArg(ArgKind.SCALAR, "u32", "nr_words"),
        ),
        RetKind.SCALAR,
        "int",
        4,
        iter_bits.iter_bits_new,
        iter_type=ITER_BITS,
    ),
    KFunc(
        "bpf_iter_bits_next",
        KfFlag.ITER_NEXT | KfFlag.RET_NULL,
        (_ITER_BITS_ARG,),
        RetKind.RDONLY_MEM,
        "int *",
        4,
        iter_bits.iter_bits_next,
        iter_type=ITER_BITS,
    ),
    KFunc(
        "bpf_iter_bits_destroy",
        KfFlag.ITER_DESTROY,
        (_ITER_BITS_ARG,),
        RetKind.VOID,
        "void",
        0,
        iter_bits.iter_bits_destroy,
        iter_type=ITER_BITS,
    ),
    *(marker(name) for name in (PREEMPT_DISABLE, PREEMPT_ENABLE, RCU_READ_LOCK, RCU_READ_UNLOCK)),
    KFunc(
        "bpf_cast_to_kern_ctx",
        KfFlag.FASTCALL,
        (KArg(ArgKind.CTX, "void *", "obj"),),
        RetKind.KERN_CTX,
        "void *",
        8,
        same_object,
    ),
    KFunc(
        "bpf_rdonly_cast",
        KfFlag.FASTCALL,
        (KArg(ArgKind.IGNORED, "void *", "obj__ign"), KArg(ArgKind.CONSTANT, "u32", "btf_id__k")),
        RetKind.RDONLY_CAST,
        "void *",
        8,
        same_object,
    ),
    *_object_kfuncs("task_struct", "bpf_task_from_pid", KArg(ArgKind.SCALAR, "int", "pid")),
    *_object_kfuncs(
        "cgroup",
        "bpf_cgroup_from_id",
        KArg(ArgKind.SCALAR, "long long unsigned int", "cgid"),
        _cgroup_from_id,
        same_object,
    ),
    *cpumask.KFUNCS,
    *kernel_objects.KFUNCS,
    *tcp_cc.KFUNCS,
    # program-allocated objects: kernel/bpf/helpers.c's generic_btf_ids
    KFunc(
        OBJ_NEW,
        KfFlag.ACQUIRE | KfFlag.RET_NULL,
        (KArg(ArgKind.CONSTANT, "u64", "local_type_id__k"), _IGNORED_META),
        RetKind.NEW_OBJ,
        "void *",
        8,
        alloc_obj.obj_new,
        _GENERIC_TYPES,
    ),
    KFunc(
        OBJ_DROP,
        KfFlag.RELEASE,
        (KArg(ArgKind.ALLOC_OBJ, "void *", "p__alloc"), _IGNORED_META),
        RetKind.VOID,
        "void",
        0,
        alloc_obj.obj_drop,
        _GENERIC_TYPES,
    ),
    KFunc(
        PERCPU_OBJ_NEW,
        KfFlag.ACQUIRE | KfFlag.RET_NULL,
        (KArg(ArgKind.CONSTANT, "u64", "local_type_id__k"), _IGNORED_META),
        RetKind.NEW_OBJ,
        "void *",
        8,
        alloc_obj.percpu_obj_new,
        _GENERIC_TYPES,
    ),
    KFunc(
        PERCPU_OBJ_DROP,
        KfFlag.RELEASE,
        (KArg(ArgKind.ALLOC_OBJ, "void *", "p__alloc"), _IGNORED_META),
        RetKind.VOID,
        "void",
        0,
        alloc_obj.percpu_obj_drop,
        _GENERIC_TYPES,
    ),
    *(
        KFunc(name, KfFlag.NONE, _LIST_PUSH_ARGS, RetKind.SCALAR, "int", 4, impl, _GENERIC_TYPES)
        for name, impl in (
            ("bpf_list_push_front_impl", graph_list.list_push_front),
            ("bpf_list_push_back_impl", graph_list.list_push_back),
        )
    ),
    *(
        KFunc(
            name,
            flags,
            (_LIST_HEAD_ARG,),
            RetKind.LIST_NODE,
            "struct bpf_list_node *",
            8,
            impl,
            _GENERIC_TYPES,
        )
        for name, flags, impl in (
            ("bpf_list_pop_front", KfFlag.ACQUIRE | KfFlag.RET_NULL, graph_list.list_pop_front),
            ("bpf_list_pop_back", KfFlag.ACQUIRE | KfFlag.RET_NULL, graph_list.list_pop_back),
            ("bpf_list_front", KfFlag.RET_NULL, graph_list.list_front),
            ("bpf_list_back", KfFlag.RET_NULL, graph_list.list_back),
        )
    ),
    KFunc(
        RBTREE_ADD,
        KfFlag.NONE,
        _RBTREE_ADD_ARGS,
        RetKind.SCALAR,
        "int",
        4,
        graph_rbtree.rbtree_add,
        _GENERIC_TYPES,
    ),
    KFunc(
        RBTREE_REMOVE,
        KfFlag.ACQUIRE | KfFlag.RET_NULL,
        (_RB_ROOT_ARG, _RB_NODE_ARG),
        RetKind.RB_NODE,
        _RB_NODE,
        8,
        graph_rbtree.rbtree_remove,
        _GENERIC_TYPES,
    ),
    *(
        KFunc(name, KfFlag.RET_NULL, args, RetKind.RB_NODE, _RB_NODE, 8, impl, _GENERIC_TYPES)
        for name, args, impl in (
            ("bpf_rbtree_first", (_RB_ROOT_ARG,), graph_rbtree.rbtree_first),
            ("bpf_rbtree_root", (_RB_ROOT_ARG,), graph_rbtree.rbtree_root),
            ("bpf_rbtree_left", (_RB_ROOT_ARG, _RB_NODE_ARG), graph_rbtree.rbtree_left),
            ("bpf_rbtree_right", (_RB_ROOT_ARG, _RB_NODE_ARG), graph_rbtree.rbtree_right),
        )
    ),
    KFunc(
        REFCOUNT_ACQUIRE,
        KfFlag.ACQUIRE | KfFlag.RET_NULL | KfFlag.RCU,
        (KArg(ArgKind.REFCOUNTED, "void *", "p__refcounted_kptr"), _IGNORED_META),
        RetKind.REFCOUNTED,
        "void *",
        8,
        alloc_obj.refcount_acquire,
        _GENERIC_TYPES,
    ),
    # dynptrs: net/core/filter.c's skb and xdp kfunc sets, kernel/bpf/helpers.c's common_btf_ids
    KFunc(
        DYNPTR_FROM_SKB,
        KfFlag.TRUSTED_ARGS,
        (_SKB_ARG, _FLAGS_ARG, _DYNPTR_UNINIT_ARG),
        RetKind.SCALAR,
        "int",
        4,
        dynptr_pkt.dynptr_from_skb,
        prog_types=SKB_DYNPTR_PROG_TYPES,
        dynptr_type=DYNPTR_SKB,
    ),
    KFunc(
        DYNPTR_FROM_SKB_RDONLY,
        KfFlag.TRUSTED_ARGS,
        (_SKB_ARG, _FLAGS_ARG, _DYNPTR_UNINIT_ARG),
        RetKind.SCALAR,
        "int",
        4,
        dynptr_pkt.dynptr_from_skb_rdonly,
        prog_types=frozenset(),  # in no set: only fixup_kfunc_call() calls it
        dynptr_type=DYNPTR_SKB,
    ),
    KFunc(
        DYNPTR_FROM_XDP,
        KfFlag.NONE,
        (KArg(ArgKind.CTX, "struct xdp_md *", "x"), _FLAGS_ARG, _DYNPTR_UNINIT_ARG),
        RetKind.SCALAR,
        "int",
        4,
        dynptr_pkt.dynptr_from_xdp,
        prog_types=frozenset({BPF_PROG_TYPE_XDP}),
        dynptr_type=DYNPTR_XDP,
    ),
    *(
        KFunc(name, KfFlag.RET_NULL, _SLICE_ARGS, RetKind.SLICE, "void *", 0, impl)
        for name, impl in (
            (DYNPTR_SLICE, dynptr_pkt.dynptr_slice),
            (DYNPTR_SLICE_RDWR, dynptr_pkt.dynptr_slice_rdwr),
        )
    ),
    KFunc(
        "bpf_dynptr_adjust",
        KfFlag.NONE,
        (_DYNPTR_ARG, KArg(ArgKind.SCALAR, "u32", "start"), KArg(ArgKind.SCALAR, "u32", "end")),
        RetKind.SCALAR,
        "int",
        4,
        dynptr_pkt.dynptr_adjust,
    ),
    KFunc(
        "bpf_dynptr_is_null",
        KfFlag.NONE,
        (_DYNPTR_ARG,),
        RetKind.SCALAR,
        "bool",
        1,
        dynptr_pkt.dynptr_is_null,
    ),
    KFunc(
        "bpf_dynptr_is_rdonly",
        KfFlag.NONE,
        (_DYNPTR_ARG,),
        RetKind.SCALAR,
        "bool",
        1,
        dynptr_pkt.dynptr_is_rdonly,
    ),
    KFunc("bpf_dynptr_size", KfFlag.NONE, (_DYNPTR_ARG,), RetKind.SCALAR, "__u32", 4, dynptr_pkt.dynptr_size),
    KFunc(
        DYNPTR_CLONE,
        KfFlag.NONE,
        (_DYNPTR_ARG, KArg(ArgKind.DYNPTR_UNINIT, "struct bpf_dynptr *", "clone__uninit")),
        RetKind.SCALAR,
        "int",
        4,
        dynptr_pkt.dynptr_clone,
    ),
    # arenas: kernel/bpf/arena.c's arena_kfuncs (KF_ARENA_* only tag their BTF with address_space(1))
    KFunc(
        "bpf_arena_alloc_pages",
        KfFlag.TRUSTED_ARGS | KfFlag.SLEEPABLE,
        (
            _ARENA_MAP_ARG,
            KArg(ArgKind.IGNORED, "void *", "addr__ign"),
            _PAGE_CNT_ARG,
            KArg(ArgKind.SCALAR, "int", "node_id"),
            _FLAGS_ARG,
        ),
        RetKind.SCALAR,
        "void *",
        8,
        arena.arena_alloc_pages,
    ),
    KFunc(
        "bpf_arena_free_pages",
        KfFlag.TRUSTED_ARGS | KfFlag.SLEEPABLE,
        (_ARENA_MAP_ARG, KArg(ArgKind.IGNORED, "void *", "ptr__ign"), _PAGE_CNT_ARG),
        RetKind.VOID,
        "void",
        0,
        arena.arena_free_pages,
    ),
    KFunc(
        "bpf_arena_reserve_pages",
        KfFlag.TRUSTED_ARGS | KfFlag.SLEEPABLE,
        (_ARENA_MAP_ARG, KArg(ArgKind.IGNORED, "void *", "ptr__ign"), _PAGE_CNT_ARG),
        RetKind.SCALAR,
        "int",
        4,
        arena.arena_reserve_pages,
    ),
    *strings.KFUNCS,
    *streams.KFUNCS,
    *trap.KFUNCS,
    *session.KFUNCS,
    *keys.KFUNCS,
    *trigger_tp.KFUNCS,
    *dynptr_ext.KFUNCS,
    *user_copy.KFUNCS,
    *irq.KFUNCS,
    *res_spin_lock.KFUNCS,
    *conntrack.KFUNCS,
    *xdp_meta.KFUNCS,
    *sock.KFUNCS,
    *skb_meta.KFUNCS,
    *iter_kernel.KFUNCS,
    *async_work.KFUNCS,
    *exceptions.KFUNCS,
    *crypto.KFUNCS,
    *fs_xattr.KFUNCS,
    *cgroup_rstat.KFUNCS,
    *test_run.KFUNCS,
)
"""Every kfunc pybpf implements."""

BY_NAME: dict[str, KFunc] = {k.name: k for k in KFUNCS}
RBTREE_KFUNCS = frozenset(
    {RBTREE_ADD, RBTREE_REMOVE, "bpf_rbtree_first", "bpf_rbtree_root", "bpf_rbtree_left", "bpf_rbtree_right"}
)
"""is_bpf_rbtree_api_kfunc(): the kfuncs that need the tree's lock (none of them within less())."""
SPIN_ALLOWED = frozenset(
    {*LIST_PUSH, "bpf_list_pop_front", "bpf_list_pop_back", "bpf_list_front", "bpf_list_back",
     *RBTREE_KFUNCS, REFCOUNT_ACQUIRE, "bpf_iter_num_new", "bpf_iter_num_next", "bpf_iter_num_destroy",
     *res_spin_lock.NAMES}
)  # fmt: skip
"""kfunc_spin_allowed(): the graph kfuncs (is_bpf_graph_api_kfunc(): lists, trees and
bpf_refcount_acquire), the numeric-iterator kfuncs and the resilient spin lock kfuncs
(is_bpf_res_spin_lock_kfunc()), which may be called holding a spin lock."""
