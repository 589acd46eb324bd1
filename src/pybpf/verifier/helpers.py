"""Helper-call and legacy packet-access checks that need no value tracking.

Mirrors the opening of the kernel's check_helper_call(): an id outside the kernel's helper enum
(below 0 or from ``__BPF_FUNC_MAX_ID`` on) is "invalid func %s#%d" (named ``unknown`` when it has
no name); a helper the program type does not offer (its get_func_proto returns NULL: so does every
program type's for id 0, ``bpf_unspec``) is "program of this type cannot use helper %s#%d"; a
GPL-only helper in a program whose license is not GPL-compatible is "cannot call GPL-restricted
function from non-GPL compatible program", a helper that might sleep (``might_sleep``) in a
program loaded without BPF_F_SLEEPABLE (or in a timer callback, which never sleeps) is "helper
call might sleep in a non-sleepable prog" (all
EINVAL).  Argument types are value tracking's part; may_access_direct_pkt_data() says which
program types may hand packet memory to a helper (with ``pkt_access``).

Also check_ld_abs()'s first question, may_access_skb(): LD_ABS/LD_IND only in socket filters and
tc classifiers/actions.
"""

from __future__ import annotations

from collections.abc import Callable

from pybpf import uapi
from pybpf.helpers.protos import HelperProto, proto
from pybpf.isa.helper_names import HELPER_IDS, helper_name
from pybpf.isa.instruction import Instruction
from pybpf.progtypes.base import capable_func
from pybpf.uapi import BPF_PROG_TYPE_SCHED_ACT, BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_SOCKET_FILTER
from pybpf.verifier.state import VerifierState

LOOP = HELPER_IDS["bpf_loop"]
FOR_EACH_MAP_ELEM = HELPER_IDS["bpf_for_each_map_elem"]
FIND_VMA = HELPER_IDS["bpf_find_vma"]
USER_RINGBUF_DRAIN = HELPER_IDS["bpf_user_ringbuf_drain"]
TIMER_SET_CALLBACK = HELPER_IDS["bpf_timer_set_callback"]

SYNC_CALLBACK_HELPERS = frozenset({LOOP, FOR_EACH_MAP_ELEM, FIND_VMA, USER_RINGBUF_DRAIN})
"""is_sync_callback_calling_function(): the helpers that call their callback before they return."""
CALLBACK_HELPERS = SYNC_CALLBACK_HELPERS | {TIMER_SET_CALLBACK}
"""The helpers that take a callback (the sync ones and is_async_callback_calling_function()'s timer)."""

SKB_PROG_TYPES = frozenset({BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_SCHED_ACT})


def func_id_name(helper_id: int) -> str:
    name = helper_name(helper_id)
    return name if name is not None else "unknown"


def check_helper_call(state: VerifierState, helper_id: int, sleepable: bool) -> None:
    """The opening of check_helper_call(); ``sleepable``: in_sleepable() of the calling path.  Its
    questions are the load's alone (program type, licence, flags): an opening that passed is
    remembered for the load (``VerifierState.helpers_opened``)."""
    key = helper_id * 2 + sleepable
    if key in state.helpers_opened:
        return
    request = state.request
    gpl_only = request.is_gpl_only(helper_id)
    name = func_id_name(helper_id)
    if helper_name(helper_id) is None:  # __BPF_FUNC_MAPPER names every id in [0, __BPF_FUNC_MAX_ID)
        state.einval(f"invalid func {name}#{helper_id}")
    if gpl_only is None or not offered(state)(helper_id):
        state.einval(f"program of this type cannot use helper {name}#{helper_id}")
    if gpl_only and not request.gpl_compatible:
        state.einval("cannot call GPL-restricted function from non-GPL compatible program")
    fn = proto(helper_id)
    if fn is not None and fn.might_sleep and not sleepable:
        state.einval("helper call might sleep in a non-sleepable prog")
    state.helpers_opened.add(key)


def load_helper_proto(state: VerifierState, helper_id: int) -> HelperProto | None:
    """helper_proto() of the program's type, asked once per load and helper
    (``VerifierState.helper_protos``)."""
    protos = state.helper_protos
    if helper_id in protos:
        return protos[helper_id]
    fn = protos[helper_id] = helper_proto(state.request.prog_type, helper_id)
    return fn


def offered(state: VerifierState) -> Callable[[int], bool]:
    """get_func_proto() != NULL for this load: the program type's helpers, less those
    bpf_base_func_proto keeps from a loader without CAP_BPF or CAP_PERFMON."""
    allowed = state.request.prog_type.func_allowed
    if state.base_helpers:
        return allowed
    bpf, perfmon = state.bpf_capable, state.perfmon_capable
    return lambda helper_id: allowed(helper_id) and capable_func(helper_id, bpf, perfmon)


def helper_proto(prog_type: object, helper_id: int) -> HelperProto | None:
    """get_func_proto(): the prototype a program type gives ``helper_id`` -- its own flavour where it
    has one (``func_proto``: sk_lookup's bpf_sk_assign, tc's bpf_get_cgroup_classid ...), else the
    shared table's."""
    type_proto = getattr(prog_type, "func_proto", None)
    return type_proto(helper_id) if type_proto is not None else proto(helper_id)


def call_might_sleep(insn: Instruction) -> bool:
    """Whether a call instruction may sleep (check_cfg()'s mark_subprog_might_sleep()): a helper whose
    prototype has ``might_sleep``, whatever the program type offers."""
    if insn.src != 0:
        return False
    fn = proto(insn.imm)
    return fn is not None and fn.might_sleep


_DIRECT_READ_ONLY = frozenset(
    {
        uapi.BPF_PROG_TYPE_LWT_IN, uapi.BPF_PROG_TYPE_LWT_OUT, uapi.BPF_PROG_TYPE_LWT_SEG6LOCAL,
        uapi.BPF_PROG_TYPE_SK_REUSEPORT, uapi.BPF_PROG_TYPE_FLOW_DISSECTOR, uapi.BPF_PROG_TYPE_CGROUP_SKB,
    }
)  # fmt: skip
_DIRECT_READ_WRITE = frozenset(
    {
        BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_SCHED_ACT, uapi.BPF_PROG_TYPE_XDP, uapi.BPF_PROG_TYPE_LWT_XMIT,
        uapi.BPF_PROG_TYPE_SK_SKB, uapi.BPF_PROG_TYPE_SK_MSG,
    }
)  # fmt: skip


def helper_may_read_packet(prog_type: int, helper_id: int) -> bool:
    """may_access_direct_pkt_data(env, meta, BPF_READ): packet memory as a helper argument."""
    if prog_type in _DIRECT_READ_ONLY or prog_type in _DIRECT_READ_WRITE:
        fn = proto(helper_id)
        return fn is not None and fn.pkt_access
    return prog_type == uapi.BPF_PROG_TYPE_CGROUP_SOCKOPT


def may_access_skb(prog_type: int) -> bool:
    return prog_type in SKB_PROG_TYPES
