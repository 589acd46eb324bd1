"""Helper-call and legacy packet-access checks that need no value tracking.

Mirrors the opening of the kernel's check_helper_call(): an id outside the kernel's helper enum is
"invalid func %s#%d" (named ``unknown`` when it has no name); a helper the program type does not
offer (its get_func_proto returns NULL) is "program of this type cannot use helper %s#%d"; a
GPL-only helper in a program whose license is not GPL-compatible is "cannot call GPL-restricted
function from non-GPL compatible program" (all EINVAL).  Argument types are value tracking's part.

Also check_ld_abs()'s first question, may_access_skb(): LD_ABS/LD_IND only in socket filters and
tc classifiers/actions.
"""

from __future__ import annotations

from pybpf.isa.helper_names import helper_name
from pybpf.uapi import BPF_PROG_TYPE_SCHED_ACT, BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_SOCKET_FILTER
from pybpf.verifier.state import VerifierState

SKB_PROG_TYPES = frozenset({BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_SCHED_ACT})


def func_id_name(helper_id: int) -> str:
    name = helper_name(helper_id)
    return name if name is not None else "unknown"


def check_helper_call(state: VerifierState, helper_id: int) -> None:
    request = state.request
    gpl_only = request.is_gpl_only(helper_id)
    name = func_id_name(helper_id)
    if gpl_only is None:
        state.einval(f"invalid func {name}#{helper_id}")
    if not request.prog_type.func_allowed(helper_id):
        state.einval(f"program of this type cannot use helper {name}#{helper_id}")
    if gpl_only and not request.gpl_compatible:
        state.einval("cannot call GPL-restricted function from non-GPL compatible program")


def may_access_skb(prog_type: int) -> bool:
    return prog_type in SKB_PROG_TYPES
