"""Helper prototypes as data: every kernel helper's return type, argument types and licence rule.

Mirrors the kernel's ``struct bpf_func_proto`` (include/linux/bpf.h) as each helper's ``*_proto``
defines it (kernel/bpf/helpers.c, kernel/trace/bpf_trace.c, net/core/filter.c, kernel/bpf/ringbuf.c,
kernel/bpf/bpf_iter.c, kernel/bpf/stackmap.c, the local-storage maps, ...): ``ret_type``,
``arg1_type`` .. ``arg5_type``, ``gpl_only``, ``pkt_access`` and ``might_sleep``.  The verifier
reads this table to type-check ``call`` instructions (``check_helper_call`` refuses a GPL-only
helper in a program whose licence is not GPL-compatible with "cannot call GPL-restricted function
from non-GPL compatible program"), and the JIT to know which calls return pointers.

Argument types are the kernel's ``enum bpf_arg_type`` base values combined with the type flags the
protos use (``MEM_RDONLY``, ``PTR_MAYBE_NULL``, ``MEM_UNINIT | MEM_WRITE``, ``OBJ_RELEASE``, the
dynptr kinds); each combination the kernel uses is one ``ArgType`` member, and ``ArgType.base`` /
``ArgType.flags`` take it apart again.  ``ARG_PTR_TO_FIXED_SIZE_MEM`` with ``arg_size`` 8 or 4 is
``PTR_TO_LONG`` / ``PTR_TO_INT`` (the names those arguments had before Linux 6.12).

Where a helper has several protos (per program type: ``bpf_get_socket_cookie`` for skb, sock_addr or
sock_ops contexts, ``bpf_sk_assign`` for tc or sk_lookup, ...), the table holds the most common one,
noted next to the entry.  The ``gpl_only`` flags were checked against a Linux 6.18 kernel by loading a
non-GPL program calling each helper (tests/helpers/test_protos.py repeats that check).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from pybpf.isa.helper_names import HELPER_IDS


class ArgBase(enum.Enum):
    """The base of ``enum bpf_arg_type`` (the part below ``BPF_BASE_TYPE_BITS``)."""

    DONTCARE = "ARG_DONTCARE"
    CONST_MAP_PTR = "ARG_CONST_MAP_PTR"
    PTR_TO_MAP_KEY = "ARG_PTR_TO_MAP_KEY"
    PTR_TO_MAP_VALUE = "ARG_PTR_TO_MAP_VALUE"
    PTR_TO_MEM = "ARG_PTR_TO_MEM"
    PTR_TO_ARENA = "ARG_PTR_TO_ARENA"
    CONST_SIZE = "ARG_CONST_SIZE"
    CONST_SIZE_OR_ZERO = "ARG_CONST_SIZE_OR_ZERO"
    PTR_TO_CTX = "ARG_PTR_TO_CTX"
    ANYTHING = "ARG_ANYTHING"
    PTR_TO_SPIN_LOCK = "ARG_PTR_TO_SPIN_LOCK"
    PTR_TO_SOCK_COMMON = "ARG_PTR_TO_SOCK_COMMON"
    PTR_TO_SOCKET = "ARG_PTR_TO_SOCKET"
    PTR_TO_BTF_ID = "ARG_PTR_TO_BTF_ID"
    PTR_TO_RINGBUF_MEM = "ARG_PTR_TO_RINGBUF_MEM"
    CONST_ALLOC_SIZE_OR_ZERO = "ARG_CONST_ALLOC_SIZE_OR_ZERO"
    PTR_TO_BTF_ID_SOCK_COMMON = "ARG_PTR_TO_BTF_ID_SOCK_COMMON"
    PTR_TO_PERCPU_BTF_ID = "ARG_PTR_TO_PERCPU_BTF_ID"
    PTR_TO_FUNC = "ARG_PTR_TO_FUNC"
    PTR_TO_STACK = "ARG_PTR_TO_STACK"
    PTR_TO_CONST_STR = "ARG_PTR_TO_CONST_STR"
    PTR_TO_TIMER = "ARG_PTR_TO_TIMER"
    KPTR_XCHG_DEST = "ARG_KPTR_XCHG_DEST"
    PTR_TO_DYNPTR = "ARG_PTR_TO_DYNPTR"
    PTR_TO_FIXED_SIZE_MEM = "ARG_PTR_TO_FIXED_SIZE_MEM"

    # Members are compared by identity: hashed by it too, in C (Enum's own ``__hash__`` is a Python
    # call, made for the verifier's table look-up by base at every helper argument it checks).
    __hash__ = object.__hash__


class ArgFlag(enum.Flag):
    """The type flags (``enum bpf_type_flag``) helper protos put on arguments."""

    NONE = 0
    MEM_RDONLY = enum.auto()
    PTR_MAYBE_NULL = enum.auto()
    MEM_UNINIT = enum.auto()
    MEM_WRITE = enum.auto()
    MEM_ALIGNED = enum.auto()
    OBJ_RELEASE = enum.auto()
    DYNPTR_TYPE_LOCAL = enum.auto()
    DYNPTR_TYPE_RINGBUF = enum.auto()


_F = ArgFlag
_UNINIT_WRITE = _F.MEM_UNINIT | _F.MEM_WRITE


class ArgType(enum.Enum):
    """One helper argument type: a kernel ``bpf_arg_type`` base with its flags (see the module doc)."""

    ANYTHING = (ArgBase.ANYTHING, _F.NONE)
    CONST_MAP_PTR = (ArgBase.CONST_MAP_PTR, _F.NONE)
    PTR_TO_MAP_KEY = (ArgBase.PTR_TO_MAP_KEY, _F.NONE)
    PTR_TO_MAP_VALUE = (ArgBase.PTR_TO_MAP_VALUE, _F.NONE)
    PTR_TO_MAP_VALUE_OR_NULL = (ArgBase.PTR_TO_MAP_VALUE, _F.PTR_MAYBE_NULL)
    PTR_TO_UNINIT_MAP_VALUE = (ArgBase.PTR_TO_MAP_VALUE, _UNINIT_WRITE)
    """map_pop_elem / map_peek_elem: the helper writes a whole value there."""
    PTR_TO_MEM = (ArgBase.PTR_TO_MEM, _F.NONE)
    PTR_TO_MEM_WRITE = (ArgBase.PTR_TO_MEM, _F.MEM_WRITE)
    PTR_TO_MEM_RDONLY = (ArgBase.PTR_TO_MEM, _F.MEM_RDONLY)
    PTR_TO_MEM_OR_NULL = (ArgBase.PTR_TO_MEM, _F.PTR_MAYBE_NULL)
    PTR_TO_MEM_OR_NULL_WRITE = (ArgBase.PTR_TO_MEM, _F.PTR_MAYBE_NULL | _F.MEM_WRITE)
    """bpf_snprintf's output buffer: memory the helper writes, or NULL with a zero size."""
    PTR_TO_MEM_RDONLY_OR_NULL = (ArgBase.PTR_TO_MEM, _F.PTR_MAYBE_NULL | _F.MEM_RDONLY)
    PTR_TO_UNINIT_MEM = (ArgBase.PTR_TO_MEM, _UNINIT_WRITE)
    """``ARG_PTR_TO_UNINIT_MEM``: memory the helper fills (it need not be initialised)."""
    PTR_TO_FIXED_SIZE_MEM = (ArgBase.PTR_TO_FIXED_SIZE_MEM, _F.NONE)
    PTR_TO_FIXED_SIZE_MEM_RDONLY = (ArgBase.PTR_TO_FIXED_SIZE_MEM, _F.MEM_RDONLY)
    PTR_TO_LONG = (ArgBase.PTR_TO_FIXED_SIZE_MEM, _UNINIT_WRITE | _F.MEM_ALIGNED)
    """8 aligned bytes the helper writes (strtol's ``res``, get_func_arg's ``value``)."""
    PTR_TO_INT = (ArgBase.PTR_TO_FIXED_SIZE_MEM, _F.MEM_WRITE | _F.MEM_ALIGNED)
    """4 aligned initialised bytes the helper reads and writes (check_mtu's ``mtu_len``)."""
    CONST_SIZE = (ArgBase.CONST_SIZE, _F.NONE)
    CONST_SIZE_OR_ZERO = (ArgBase.CONST_SIZE_OR_ZERO, _F.NONE)
    CONST_ALLOC_SIZE_OR_ZERO = (ArgBase.CONST_ALLOC_SIZE_OR_ZERO, _F.NONE)
    PTR_TO_CTX = (ArgBase.PTR_TO_CTX, _F.NONE)
    PTR_TO_CTX_OR_NULL = (ArgBase.PTR_TO_CTX, _F.PTR_MAYBE_NULL)
    PTR_TO_SPIN_LOCK = (ArgBase.PTR_TO_SPIN_LOCK, _F.NONE)
    PTR_TO_SOCK_COMMON = (ArgBase.PTR_TO_SOCK_COMMON, _F.NONE)
    PTR_TO_SOCKET = (ArgBase.PTR_TO_SOCKET, _F.NONE)
    PTR_TO_SOCKET_OR_NULL = (ArgBase.PTR_TO_SOCKET, _F.PTR_MAYBE_NULL)
    PTR_TO_BTF_ID = (ArgBase.PTR_TO_BTF_ID, _F.NONE)
    PTR_TO_BTF_ID_OR_NULL = (ArgBase.PTR_TO_BTF_ID, _F.PTR_MAYBE_NULL)
    PTR_TO_BTF_ID_OR_NULL_RELEASE = (ArgBase.PTR_TO_BTF_ID, _F.PTR_MAYBE_NULL | _F.OBJ_RELEASE)
    PTR_TO_BTF_ID_SOCK_COMMON = (ArgBase.PTR_TO_BTF_ID_SOCK_COMMON, _F.NONE)
    PTR_TO_BTF_ID_SOCK_COMMON_RELEASE = (ArgBase.PTR_TO_BTF_ID_SOCK_COMMON, _F.OBJ_RELEASE)
    PTR_TO_PERCPU_BTF_ID = (ArgBase.PTR_TO_PERCPU_BTF_ID, _F.NONE)
    PTR_TO_RINGBUF_MEM_RELEASE = (ArgBase.PTR_TO_RINGBUF_MEM, _F.OBJ_RELEASE)
    """ringbuf_submit / ringbuf_discard: the record ringbuf_reserve returned."""
    PTR_TO_FUNC = (ArgBase.PTR_TO_FUNC, _F.NONE)
    PTR_TO_STACK = (ArgBase.PTR_TO_STACK, _F.NONE)
    PTR_TO_STACK_OR_NULL = (ArgBase.PTR_TO_STACK, _F.PTR_MAYBE_NULL)
    PTR_TO_CONST_STR = (ArgBase.PTR_TO_CONST_STR, _F.NONE)
    PTR_TO_TIMER = (ArgBase.PTR_TO_TIMER, _F.NONE)
    KPTR_XCHG_DEST = (ArgBase.KPTR_XCHG_DEST, _F.NONE)
    PTR_TO_DYNPTR_RDONLY = (ArgBase.PTR_TO_DYNPTR, _F.MEM_RDONLY)
    PTR_TO_DYNPTR_LOCAL_UNINIT = (ArgBase.PTR_TO_DYNPTR, _F.DYNPTR_TYPE_LOCAL | _UNINIT_WRITE)
    PTR_TO_DYNPTR_RINGBUF_UNINIT = (ArgBase.PTR_TO_DYNPTR, _F.DYNPTR_TYPE_RINGBUF | _UNINIT_WRITE)
    PTR_TO_DYNPTR_RINGBUF_RELEASE = (ArgBase.PTR_TO_DYNPTR, _F.DYNPTR_TYPE_RINGBUF | _F.OBJ_RELEASE)

    # What the verifier asks of an argument type at every helper call, computed once per member
    # below the class (an enum Flag test costs microseconds; the verifier asks ~100k times a load).
    base: ArgBase
    flags: ArgFlag
    maybe_null: bool
    readonly: bool
    uninit: bool
    release: bool
    is_size: bool
    """Whether this argument is the size of the memory argument before it."""


_SIZE_BASES = (ArgBase.CONST_SIZE, ArgBase.CONST_SIZE_OR_ZERO, ArgBase.CONST_ALLOC_SIZE_OR_ZERO)
for _arg in ArgType:
    _arg.base, _arg.flags = _arg.value
    _arg.maybe_null = ArgFlag.PTR_MAYBE_NULL in _arg.flags
    _arg.readonly = ArgFlag.MEM_RDONLY in _arg.flags
    _arg.uninit = ArgFlag.MEM_UNINIT in _arg.flags
    _arg.release = ArgFlag.OBJ_RELEASE in _arg.flags
    _arg.is_size = _arg.base in _SIZE_BASES
del _arg


class RetType(enum.Enum):
    """The kernel's ``enum bpf_return_type`` values (with their flags) that helper protos use."""

    INTEGER = "RET_INTEGER"
    VOID = "RET_VOID"
    PTR_TO_MAP_VALUE = "RET_PTR_TO_MAP_VALUE"
    PTR_TO_MAP_VALUE_OR_NULL = "RET_PTR_TO_MAP_VALUE_OR_NULL"
    PTR_TO_SOCKET_OR_NULL = "RET_PTR_TO_SOCKET_OR_NULL"
    PTR_TO_TCP_SOCK_OR_NULL = "RET_PTR_TO_TCP_SOCK_OR_NULL"
    PTR_TO_SOCK_COMMON_OR_NULL = "RET_PTR_TO_SOCK_COMMON_OR_NULL"
    PTR_TO_MEM_OR_NULL = "RET_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RINGBUF"
    """ringbuf_reserve: a record of the requested size in the ring buffer, or NULL."""
    PTR_TO_DYNPTR_MEM_OR_NULL = "RET_PTR_TO_DYNPTR_MEM_OR_NULL"
    PTR_TO_BTF_ID = "RET_PTR_TO_BTF_ID"
    PTR_TO_BTF_ID_OR_NULL = "RET_PTR_TO_BTF_ID_OR_NULL"
    PTR_TO_BTF_ID_TRUSTED = "RET_PTR_TO_BTF_ID_TRUSTED"
    PTR_TO_MEM_OR_BTF_ID = "RET_PTR_TO_MEM_OR_BTF_ID | MEM_RDONLY"
    PTR_TO_MEM_OR_BTF_ID_OR_NULL = "RET_PTR_TO_MEM_OR_BTF_ID | PTR_MAYBE_NULL | MEM_RDONLY"

    # computed once per member below the class (a property here was a Python call, and an enum
    # ``name`` look-up, at every helper call the verifier checks)
    maybe_null: bool
    is_pointer: bool


for _ret in RetType:
    _ret.maybe_null = _ret.name.endswith("_OR_NULL")
    _ret.is_pointer = _ret not in (RetType.INTEGER, RetType.VOID)
del _ret


@dataclass(frozen=True)
class HelperProto:
    """One helper's ``struct bpf_func_proto``: what the verifier checks a call against."""

    id: int
    name: str
    ret: RetType
    args: tuple[ArgType, ...]
    gpl_only: bool = False
    pkt_access: bool = False
    """Whether packet pointers may be passed as memory arguments (``bpf_func_proto.pkt_access``)."""
    might_sleep: bool = False
    """Only sleepable programs may call it (``bpf_func_proto.might_sleep``)."""
    fixed_sizes: tuple[tuple[int, int], ...] = ()
    """(argument index, ``argN_size``) for ``PTR_TO_FIXED_SIZE_MEM`` arguments other than long/int."""
    arg_btf: tuple[tuple[int, str], ...] = ()
    """(argument index, kernel struct) for ``PTR_TO_BTF_ID`` arguments (``arg_btf_id``)."""
    ret_btf: str = ""
    """The kernel struct a ``RET_PTR_TO_BTF_ID*`` result points to (``ret_btf_id``)."""

    def arg_size(self, index: int) -> int | None:
        """Bytes a fixed-size memory argument covers (``argN_size``), None for other arguments."""
        arg = self.args[index]
        if arg is ArgType.PTR_TO_LONG:
            return 8
        if arg is ArgType.PTR_TO_INT:
            return 4
        return dict(self.fixed_sizes).get(index)

    def arg_btf_name(self, index: int) -> str:
        """The kernel struct a ``PTR_TO_BTF_ID`` argument must point to ("" for other arguments)."""
        return dict(self.arg_btf).get(index, "")


_A = ArgType
_R = RetType
ANY, CTX, MAP, KEY = _A.ANYTHING, _A.PTR_TO_CTX, _A.CONST_MAP_PTR, _A.PTR_TO_MAP_KEY
SZ, SZ0 = _A.CONST_SIZE, _A.CONST_SIZE_OR_ZERO
RO, RO_NULL, UNINIT = _A.PTR_TO_MEM_RDONLY, _A.PTR_TO_MEM_RDONLY_OR_NULL, _A.PTR_TO_UNINIT_MEM
BTF, BTF_NULL, SKC = _A.PTR_TO_BTF_ID, _A.PTR_TO_BTF_ID_OR_NULL, _A.PTR_TO_BTF_ID_SOCK_COMMON
INT, VOID = _R.INTEGER, _R.VOID
FIXED_RO = _A.PTR_TO_FIXED_SIZE_MEM_RDONLY

# name: (ret, args, gpl_only); extra attributes in _EXTRA below.
_TABLE: dict[str, tuple[RetType, tuple[ArgType, ...], bool]] = {
    "map_lookup_elem": (_R.PTR_TO_MAP_VALUE_OR_NULL, (MAP, KEY), False),
    "map_update_elem": (INT, (MAP, KEY, _A.PTR_TO_MAP_VALUE, ANY), False),
    "map_delete_elem": (INT, (MAP, KEY), False),
    "probe_read": (INT, (UNINIT, SZ0, ANY), True),
    "ktime_get_ns": (INT, (), False),
    "trace_printk": (INT, (RO, SZ), True),
    "get_prandom_u32": (INT, (), False),
    "get_smp_processor_id": (INT, (), False),
    "skb_store_bytes": (INT, (CTX, ANY, RO, SZ, ANY), False),
    "l3_csum_replace": (INT, (CTX, ANY, ANY, ANY, ANY), False),
    "l4_csum_replace": (INT, (CTX, ANY, ANY, ANY, ANY), False),
    "tail_call": (VOID, (CTX, MAP, ANY), False),
    "clone_redirect": (INT, (CTX, ANY, ANY), False),
    "get_current_pid_tgid": (INT, (), False),
    "get_current_uid_gid": (INT, (), False),
    "get_current_comm": (INT, (UNINIT, SZ), False),
    "get_cgroup_classid": (INT, (), False),  # _curr_proto: tc and LWT take the skb (progtypes.skb)
    "skb_vlan_push": (INT, (CTX, ANY, ANY), False),
    "skb_vlan_pop": (INT, (CTX,), False),
    "skb_get_tunnel_key": (INT, (CTX, UNINIT, SZ, ANY), False),
    "skb_set_tunnel_key": (INT, (CTX, RO, SZ, ANY), False),
    "perf_event_read": (INT, (MAP, ANY), True),
    "redirect": (INT, (ANY, ANY), False),
    "get_route_realm": (INT, (CTX,), False),
    "perf_event_output": (INT, (CTX, MAP, ANY, RO, SZ0), True),
    "skb_load_bytes": (INT, (CTX, ANY, UNINIT, SZ), False),
    "get_stackid": (INT, (CTX, MAP, ANY), True),
    "csum_diff": (INT, (RO_NULL, SZ0, RO_NULL, SZ0, ANY), False),
    "skb_get_tunnel_opt": (INT, (CTX, UNINIT, SZ), False),
    "skb_set_tunnel_opt": (INT, (CTX, RO, SZ), False),
    "skb_change_proto": (INT, (CTX, ANY, ANY), False),
    "skb_change_type": (INT, (CTX, ANY), False),
    "skb_under_cgroup": (INT, (CTX, MAP, ANY), False),
    "get_hash_recalc": (INT, (CTX,), False),
    "get_current_task": (INT, (), True),
    "probe_write_user": (INT, (ANY, RO, SZ), True),
    "current_task_under_cgroup": (INT, (MAP, ANY), False),
    "skb_change_tail": (INT, (CTX, ANY, ANY), False),
    "skb_pull_data": (INT, (CTX, ANY), False),
    "csum_update": (INT, (CTX, ANY), False),
    "set_hash_invalid": (VOID, (CTX,), False),
    "get_numa_node_id": (INT, (), False),
    "skb_change_head": (INT, (CTX, ANY, ANY), False),
    "xdp_adjust_head": (INT, (CTX, ANY), False),
    "probe_read_str": (INT, (UNINIT, SZ0, ANY), True),
    "get_socket_cookie": (INT, (CTX,), False),  # skb / sock_addr / sock_ops / sock contexts
    "get_socket_uid": (INT, (CTX,), False),
    "set_hash": (INT, (CTX, ANY), False),
    "setsockopt": (INT, (CTX, ANY, ANY, RO, SZ), False),
    "skb_adjust_room": (INT, (CTX, ANY, ANY, ANY), False),
    "redirect_map": (INT, (MAP, ANY, ANY), False),
    "sk_redirect_map": (INT, (CTX, MAP, ANY, ANY), False),
    "sock_map_update": (INT, (CTX, MAP, KEY, ANY), False),
    "xdp_adjust_meta": (INT, (CTX, ANY), False),
    "perf_event_read_value": (INT, (MAP, ANY, UNINIT, SZ), True),
    "perf_prog_read_value": (INT, (CTX, UNINIT, SZ), True),
    "getsockopt": (INT, (CTX, ANY, ANY, UNINIT, SZ), False),
    "override_return": (INT, (CTX, ANY), True),
    "sock_ops_cb_flags_set": (INT, (CTX, ANY), False),
    "msg_redirect_map": (INT, (CTX, MAP, ANY, ANY), False),
    "msg_apply_bytes": (INT, (CTX, ANY), False),
    "msg_cork_bytes": (INT, (CTX, ANY), False),
    "msg_pull_data": (INT, (CTX, ANY, ANY, ANY), False),
    "bind": (INT, (CTX, RO, SZ), False),
    "xdp_adjust_tail": (INT, (CTX, ANY), False),
    "skb_get_xfrm_state": (INT, (CTX, ANY, UNINIT, SZ, ANY), False),
    "get_stack": (INT, (CTX, UNINIT, SZ0, ANY), True),
    "skb_load_bytes_relative": (INT, (CTX, ANY, UNINIT, SZ, ANY), False),
    "fib_lookup": (INT, (CTX, _A.PTR_TO_MEM_WRITE, SZ, ANY), True),
    "sock_hash_update": (INT, (CTX, MAP, KEY, ANY), False),
    "msg_redirect_hash": (INT, (CTX, MAP, KEY, ANY), False),
    "sk_redirect_hash": (INT, (CTX, MAP, KEY, ANY), False),
    "lwt_push_encap": (INT, (CTX, ANY, RO, SZ), False),
    "lwt_seg6_store_bytes": (INT, (CTX, ANY, RO, SZ), False),
    "lwt_seg6_adjust_srh": (INT, (CTX, ANY, ANY), False),
    "lwt_seg6_action": (INT, (CTX, ANY, RO, SZ), False),
    "rc_repeat": (INT, (CTX,), True),
    "rc_keydown": (INT, (CTX, ANY, ANY, ANY), True),
    "skb_cgroup_id": (INT, (CTX,), False),
    "get_current_cgroup_id": (INT, (), False),
    "get_local_storage": (_R.PTR_TO_MAP_VALUE, (MAP, ANY), False),
    "sk_select_reuseport": (INT, (CTX, MAP, KEY, ANY), False),
    "skb_ancestor_cgroup_id": (INT, (CTX, ANY), False),
    "sk_lookup_tcp": (_R.PTR_TO_SOCKET_OR_NULL, (CTX, RO, SZ0, ANY, ANY), False),
    "sk_lookup_udp": (_R.PTR_TO_SOCKET_OR_NULL, (CTX, RO, SZ0, ANY, ANY), False),
    "sk_release": (INT, (_A.PTR_TO_BTF_ID_SOCK_COMMON_RELEASE,), False),
    "map_push_elem": (INT, (MAP, _A.PTR_TO_MAP_VALUE, ANY), False),
    "map_pop_elem": (INT, (MAP, _A.PTR_TO_UNINIT_MAP_VALUE), False),
    "map_peek_elem": (INT, (MAP, _A.PTR_TO_UNINIT_MAP_VALUE), False),
    "msg_push_data": (INT, (CTX, ANY, ANY, ANY), False),
    "msg_pop_data": (INT, (CTX, ANY, ANY, ANY), False),
    "rc_pointer_rel": (INT, (CTX, ANY, ANY), True),
    "spin_lock": (VOID, (_A.PTR_TO_SPIN_LOCK,), False),
    "spin_unlock": (VOID, (_A.PTR_TO_SPIN_LOCK,), False),
    "sk_fullsock": (_R.PTR_TO_SOCKET_OR_NULL, (_A.PTR_TO_SOCK_COMMON,), False),
    "tcp_sock": (_R.PTR_TO_TCP_SOCK_OR_NULL, (_A.PTR_TO_SOCK_COMMON,), False),
    "skb_ecn_set_ce": (INT, (CTX,), False),
    "get_listener_sock": (_R.PTR_TO_SOCKET_OR_NULL, (_A.PTR_TO_SOCK_COMMON,), False),
    "skc_lookup_tcp": (_R.PTR_TO_SOCK_COMMON_OR_NULL, (CTX, RO, SZ0, ANY, ANY), False),
    "tcp_check_syncookie": (INT, (SKC, RO, SZ, RO, SZ), True),
    "sysctl_get_name": (INT, (CTX, _A.PTR_TO_MEM_WRITE, SZ, ANY), False),
    "sysctl_get_current_value": (INT, (CTX, UNINIT, SZ), False),
    "sysctl_get_new_value": (INT, (CTX, UNINIT, SZ), False),
    "sysctl_set_new_value": (INT, (CTX, RO, SZ), False),
    "strtol": (INT, (RO, SZ, ANY, _A.PTR_TO_LONG), False),
    "strtoul": (INT, (RO, SZ, ANY, _A.PTR_TO_LONG), False),
    "sk_storage_get": (_R.PTR_TO_MAP_VALUE_OR_NULL, (MAP, SKC, _A.PTR_TO_MAP_VALUE_OR_NULL, ANY), False),
    "sk_storage_delete": (INT, (MAP, SKC), False),
    "send_signal": (INT, (ANY,), False),
    "tcp_gen_syncookie": (INT, (SKC, RO, SZ, RO, SZ), True),
    "skb_output": (INT, (BTF, MAP, ANY, RO, SZ0), True),
    "probe_read_user": (INT, (UNINIT, SZ0, ANY), True),
    "probe_read_kernel": (INT, (UNINIT, SZ0, ANY), True),
    "probe_read_user_str": (INT, (UNINIT, SZ0, ANY), True),
    "probe_read_kernel_str": (INT, (UNINIT, SZ0, ANY), True),
    "tcp_send_ack": (INT, (BTF, ANY), False),
    "send_signal_thread": (INT, (ANY,), False),
    "jiffies64": (INT, (), False),
    "read_branch_records": (INT, (CTX, _A.PTR_TO_MEM_OR_NULL, SZ0, ANY), True),
    "get_ns_current_pid_tgid": (INT, (ANY, ANY, UNINIT, SZ), False),
    "xdp_output": (INT, (BTF, MAP, ANY, RO, SZ0), True),
    "get_netns_cookie": (INT, (_A.PTR_TO_CTX_OR_NULL,), False),
    "get_current_ancestor_cgroup_id": (INT, (ANY,), False),
    "sk_assign": (INT, (CTX, SKC, ANY), False),  # tc; sk_lookup's takes PTR_TO_SOCKET_OR_NULL
    "ktime_get_boot_ns": (INT, (), False),
    "seq_printf": (INT, (BTF, RO, SZ, RO_NULL, SZ0), True),
    "seq_write": (INT, (BTF, RO, SZ0), True),
    "sk_cgroup_id": (INT, (SKC,), False),
    "sk_ancestor_cgroup_id": (INT, (SKC, ANY), False),
    "ringbuf_output": (INT, (MAP, RO, SZ0, ANY), False),
    "ringbuf_reserve": (_R.PTR_TO_MEM_OR_NULL, (MAP, _A.CONST_ALLOC_SIZE_OR_ZERO, ANY), False),
    "ringbuf_submit": (VOID, (_A.PTR_TO_RINGBUF_MEM_RELEASE, ANY), False),
    "ringbuf_discard": (VOID, (_A.PTR_TO_RINGBUF_MEM_RELEASE, ANY), False),
    "ringbuf_query": (INT, (MAP, ANY), False),
    "csum_level": (INT, (CTX, ANY), False),
    "skc_to_tcp6_sock": (_R.PTR_TO_BTF_ID_OR_NULL, (SKC,), False),
    "skc_to_tcp_sock": (_R.PTR_TO_BTF_ID_OR_NULL, (SKC,), False),
    "skc_to_tcp_timewait_sock": (_R.PTR_TO_BTF_ID_OR_NULL, (SKC,), False),
    "skc_to_tcp_request_sock": (_R.PTR_TO_BTF_ID_OR_NULL, (SKC,), False),
    "skc_to_udp6_sock": (_R.PTR_TO_BTF_ID_OR_NULL, (SKC,), False),
    "get_task_stack": (INT, (BTF, UNINIT, SZ0, ANY), False),
    "load_hdr_opt": (INT, (CTX, _A.PTR_TO_MEM_WRITE, SZ, ANY), False),
    "store_hdr_opt": (INT, (CTX, RO, SZ, ANY), False),
    "reserve_hdr_opt": (INT, (CTX, ANY, ANY), False),
    "inode_storage_get": (
        _R.PTR_TO_MAP_VALUE_OR_NULL,
        (MAP, BTF_NULL, _A.PTR_TO_MAP_VALUE_OR_NULL, ANY),
        False,
    ),
    "inode_storage_delete": (INT, (MAP, BTF_NULL), False),
    "d_path": (INT, (BTF, _A.PTR_TO_MEM_WRITE, SZ0), False),
    "copy_from_user": (INT, (UNINIT, SZ0, ANY), False),
    "snprintf_btf": (INT, (_A.PTR_TO_MEM_WRITE, SZ, RO, SZ, ANY), False),
    "seq_printf_btf": (INT, (BTF, RO, SZ0, ANY), True),
    "skb_cgroup_classid": (INT, (CTX,), False),
    "redirect_neigh": (INT, (ANY, RO_NULL, SZ0, ANY), False),
    "per_cpu_ptr": (_R.PTR_TO_MEM_OR_BTF_ID_OR_NULL, (_A.PTR_TO_PERCPU_BTF_ID, ANY), False),
    "this_cpu_ptr": (_R.PTR_TO_MEM_OR_BTF_ID, (_A.PTR_TO_PERCPU_BTF_ID,), False),
    "redirect_peer": (INT, (ANY, ANY), False),
    "task_storage_get": (
        _R.PTR_TO_MAP_VALUE_OR_NULL,
        (MAP, BTF_NULL, _A.PTR_TO_MAP_VALUE_OR_NULL, ANY),
        False,
    ),
    "task_storage_delete": (INT, (MAP, BTF_NULL), False),
    "get_current_task_btf": (_R.PTR_TO_BTF_ID_TRUSTED, (), True),
    "bprm_opts_set": (INT, (BTF, ANY), False),
    "ktime_get_coarse_ns": (INT, (), False),
    "ima_inode_hash": (INT, (BTF, UNINIT, SZ), False),
    "sock_from_file": (_R.PTR_TO_BTF_ID_OR_NULL, (BTF,), False),
    "check_mtu": (INT, (CTX, ANY, _A.PTR_TO_INT, ANY, ANY), True),
    "for_each_map_elem": (INT, (MAP, _A.PTR_TO_FUNC, _A.PTR_TO_STACK_OR_NULL, ANY), False),
    "snprintf": (INT, (_A.PTR_TO_MEM_OR_NULL_WRITE, SZ0, _A.PTR_TO_CONST_STR, RO_NULL, SZ0), True),
    "sys_bpf": (INT, (ANY, RO, SZ), False),
    "btf_find_by_name_kind": (INT, (RO, SZ, ANY, ANY), False),
    "sys_close": (INT, (ANY,), False),
    "timer_init": (INT, (_A.PTR_TO_TIMER, MAP, ANY), True),
    "timer_set_callback": (INT, (_A.PTR_TO_TIMER, _A.PTR_TO_FUNC), True),
    "timer_start": (INT, (_A.PTR_TO_TIMER, ANY, ANY), True),
    "timer_cancel": (INT, (_A.PTR_TO_TIMER,), True),
    "get_func_ip": (INT, (CTX,), True),
    "get_attach_cookie": (INT, (CTX,), False),
    "task_pt_regs": (_R.PTR_TO_BTF_ID, (BTF,), True),
    "get_branch_snapshot": (INT, (UNINIT, SZ0), True),
    "trace_vprintk": (INT, (RO, SZ, RO_NULL, SZ0), True),
    "skc_to_unix_sock": (_R.PTR_TO_BTF_ID_OR_NULL, (SKC,), False),
    "kallsyms_lookup_name": (INT, (_A.PTR_TO_MEM, SZ0, ANY, _A.PTR_TO_LONG), False),
    "find_vma": (INT, (BTF, ANY, _A.PTR_TO_FUNC, _A.PTR_TO_STACK_OR_NULL, ANY), False),
    "loop": (INT, (ANY, _A.PTR_TO_FUNC, _A.PTR_TO_STACK_OR_NULL, ANY), False),
    "strncmp": (INT, (RO, SZ, _A.PTR_TO_CONST_STR), False),
    "get_func_arg": (INT, (CTX, ANY, _A.PTR_TO_LONG), False),
    "get_func_ret": (INT, (CTX, _A.PTR_TO_LONG), False),
    "get_func_arg_cnt": (INT, (CTX,), False),
    "get_retval": (INT, (), False),
    "set_retval": (INT, (ANY,), False),
    "xdp_get_buff_len": (INT, (CTX,), False),
    "xdp_load_bytes": (INT, (CTX, ANY, UNINIT, SZ), False),
    "xdp_store_bytes": (INT, (CTX, ANY, RO, SZ), False),
    "copy_from_user_task": (INT, (UNINIT, SZ0, ANY, BTF, ANY), True),
    "skb_set_tstamp": (INT, (CTX, ANY, ANY), False),
    "ima_file_hash": (INT, (BTF, UNINIT, SZ), False),
    "kptr_xchg": (_R.PTR_TO_BTF_ID_OR_NULL, (_A.KPTR_XCHG_DEST, _A.PTR_TO_BTF_ID_OR_NULL_RELEASE), False),
    "map_lookup_percpu_elem": (_R.PTR_TO_MAP_VALUE_OR_NULL, (MAP, KEY, ANY), False),
    "skc_to_mptcp_sock": (_R.PTR_TO_BTF_ID_OR_NULL, (_A.PTR_TO_SOCK_COMMON,), False),
    "dynptr_from_mem": (INT, (UNINIT, SZ0, ANY, _A.PTR_TO_DYNPTR_LOCAL_UNINIT), False),
    "ringbuf_reserve_dynptr": (INT, (MAP, ANY, ANY, _A.PTR_TO_DYNPTR_RINGBUF_UNINIT), False),
    "ringbuf_submit_dynptr": (VOID, (_A.PTR_TO_DYNPTR_RINGBUF_RELEASE, ANY), False),
    "ringbuf_discard_dynptr": (VOID, (_A.PTR_TO_DYNPTR_RINGBUF_RELEASE, ANY), False),
    "dynptr_read": (INT, (UNINIT, SZ0, _A.PTR_TO_DYNPTR_RDONLY, ANY, ANY), False),
    "dynptr_write": (INT, (_A.PTR_TO_DYNPTR_RDONLY, ANY, RO, SZ0, ANY), False),
    "dynptr_data": (
        _R.PTR_TO_DYNPTR_MEM_OR_NULL,
        (_A.PTR_TO_DYNPTR_RDONLY, ANY, _A.CONST_ALLOC_SIZE_OR_ZERO),
        False,
    ),
    "tcp_raw_gen_syncookie_ipv4": (INT, (_A.PTR_TO_FIXED_SIZE_MEM_RDONLY, RO, SZ0), True),
    "tcp_raw_gen_syncookie_ipv6": (INT, (_A.PTR_TO_FIXED_SIZE_MEM_RDONLY, RO, SZ0), True),
    "tcp_raw_check_syncookie_ipv4": (INT, (FIXED_RO, FIXED_RO), True),
    "tcp_raw_check_syncookie_ipv6": (INT, (FIXED_RO, FIXED_RO), True),
    "ktime_get_tai_ns": (INT, (), False),
    "user_ringbuf_drain": (INT, (MAP, _A.PTR_TO_FUNC, _A.PTR_TO_STACK_OR_NULL, ANY), False),
    "cgrp_storage_get": (
        _R.PTR_TO_MAP_VALUE_OR_NULL,
        (MAP, BTF_NULL, _A.PTR_TO_MAP_VALUE_OR_NULL, ANY),
        False,
    ),
    "cgrp_storage_delete": (INT, (MAP, BTF_NULL), False),
}

_IPHDR, _IPV6HDR, _TCPHDR = 20, 40, 20
_TASK: dict[str, object] = {"arg_btf": ((0, "task_struct"),)}
_EXTRA: dict[str, dict[str, object]] = {
    "map_lookup_elem": {"pkt_access": True},
    "map_update_elem": {"pkt_access": True},
    "map_delete_elem": {"pkt_access": True},
    "map_push_elem": {"pkt_access": True},
    "map_lookup_percpu_elem": {"pkt_access": True},
    "csum_diff": {"pkt_access": True},
    "sock_map_update": {"pkt_access": True},
    "sock_hash_update": {"pkt_access": True},
    "sk_lookup_tcp": {"pkt_access": True},
    "sk_lookup_udp": {"pkt_access": True},
    "skc_lookup_tcp": {"pkt_access": True},
    "tcp_check_syncookie": {"pkt_access": True},
    "tcp_gen_syncookie": {"pkt_access": True},
    "copy_from_user": {"might_sleep": True},
    "ima_inode_hash": {"might_sleep": True, "arg_btf": ((0, "inode"),)},
    "ima_file_hash": {"might_sleep": True, "arg_btf": ((0, "file"),)},
    "tcp_raw_gen_syncookie_ipv4": {"pkt_access": True, "fixed_sizes": ((0, _IPHDR),)},
    "tcp_raw_gen_syncookie_ipv6": {"pkt_access": True, "fixed_sizes": ((0, _IPV6HDR),)},
    "tcp_raw_check_syncookie_ipv4": {"pkt_access": True, "fixed_sizes": ((0, _IPHDR), (1, _TCPHDR))},
    "tcp_raw_check_syncookie_ipv6": {"pkt_access": True, "fixed_sizes": ((0, _IPV6HDR), (1, _TCPHDR))},
    # the kernel structs of BTF-typed arguments and results (btf_tracing_ids, btf_sock_ids, ...)
    "get_task_stack": _TASK,
    "task_pt_regs": {**_TASK, "ret_btf": "pt_regs"},
    "find_vma": _TASK,
    "task_storage_get": {"arg_btf": ((1, "task_struct"),)},
    "task_storage_delete": {"arg_btf": ((1, "task_struct"),)},
    "copy_from_user_task": {"might_sleep": True, "arg_btf": ((3, "task_struct"),)},
    "inode_storage_get": {"arg_btf": ((1, "inode"),)},
    "inode_storage_delete": {"arg_btf": ((1, "inode"),)},
    "cgrp_storage_get": {"arg_btf": ((1, "cgroup"),)},
    "cgrp_storage_delete": {"arg_btf": ((1, "cgroup"),)},
    "skb_output": {"arg_btf": ((0, "sk_buff"),)},
    "xdp_output": {"arg_btf": ((0, "xdp_buff"),)},
    "seq_printf": {"arg_btf": ((0, "seq_file"),)},
    "seq_write": {"arg_btf": ((0, "seq_file"),)},
    "seq_printf_btf": {"arg_btf": ((0, "seq_file"),)},
    "d_path": {"arg_btf": ((0, "path"),)},
    "tcp_send_ack": {"arg_btf": ((0, "tcp_sock"),)},
    "bprm_opts_set": {"arg_btf": ((0, "linux_binprm"),)},
    "sock_from_file": {"arg_btf": ((0, "file"),), "ret_btf": "socket"},
    "get_current_task_btf": {"ret_btf": "task_struct"},
    "skc_to_tcp6_sock": {"ret_btf": "tcp6_sock"},
    "skc_to_tcp_sock": {"ret_btf": "tcp_sock"},
    "skc_to_tcp_timewait_sock": {"ret_btf": "tcp_timewait_sock"},
    "skc_to_tcp_request_sock": {"ret_btf": "tcp_request_sock"},
    "skc_to_udp6_sock": {"ret_btf": "udp6_sock"},
    "skc_to_unix_sock": {"ret_btf": "unix_sock"},
    "skc_to_mptcp_sock": {"ret_btf": "mptcp_sock"},
}


def _build() -> dict[int, HelperProto]:
    protos: dict[int, HelperProto] = {}
    for name, (ret, args, gpl_only) in _TABLE.items():
        helper_id = HELPER_IDS["bpf_" + name]
        extra = _EXTRA.get(name, {})
        protos[helper_id] = HelperProto(
            helper_id,
            "bpf_" + name,
            ret,
            args,
            gpl_only,
            pkt_access=bool(extra.get("pkt_access", False)),
            might_sleep=bool(extra.get("might_sleep", False)),
            fixed_sizes=extra.get("fixed_sizes", ()),  # type: ignore[arg-type]
            arg_btf=extra.get("arg_btf", ()),  # type: ignore[arg-type]
            ret_btf=str(extra.get("ret_btf", "")),
        )
    return dict(sorted(protos.items()))


PROTOS: dict[int, HelperProto] = _build()
"""helper id -> its prototype, for every helper of ``enum bpf_func_id`` (ids 1..211)."""


def proto(helper_id: int) -> HelperProto | None:
    """The prototype of helper ``helper_id``, or None for an id the kernel does not have."""
    return PROTOS.get(helper_id)


__all__ = ["PROTOS", "ArgBase", "ArgFlag", "ArgType", "HelperProto", "RetType", "proto"]
