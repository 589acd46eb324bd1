"""The TCP congestion-control kfuncs tcp_congestion_ops programs (struct_ops) call.

Mirrors Linux 6.18's registrations for BPF_PROG_TYPE_STRUCT_OPS: net/ipv4/bpf_tcp_ca.c's
``bpf_tcp_ca_check_kfunc_ids`` (tcp_reno_ssthresh, tcp_reno_cong_avoid, tcp_reno_undo_cwnd,
tcp_slow_start, tcp_cong_avoid_ai), net/ipv4/tcp_cubic.c's ``tcp_cubic_check_kfunc_ids``
(cubictcp_init, cubictcp_recalc_ssthresh, cubictcp_cong_avoid, cubictcp_state, cubictcp_cwnd_event,
cubictcp_acked) and net/ipv4/tcp_bbr.c's ``tcp_bbr_check_kfunc_ids`` (bbr_init, bbr_main,
bbr_sndbuf_expand, bbr_undo_cwnd, bbr_cwnd_event, bbr_ssthresh, bbr_min_tso_segs, bbr_set_state),
all without flags.  A congestion-control program's ``struct sock *`` is a ``struct tcp_sock *``
(bpf_tcp_ca_is_valid_access(), ``pybpf.verifier.btf_ctx``), which the verifier's type walk takes
for a ``struct sock *`` parameter too.  (dctcp is a module on the kernels pybpf is measured on:
its kfuncs are not in vmlinux.)

The verifier checks the calls; pybpf does not run struct_ops programs, so the implementations are
never reached by a run: a call answers 0 and changes nothing.
"""

from __future__ import annotations

from pybpf import uapi
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, RetKind, no_object

PROG_TYPES = frozenset({uapi.BPF_PROG_TYPE_STRUCT_OPS})
_SK = KArg(ArgKind.BTF_ID, "struct sock *", "sk")
_TP = KArg(ArgKind.BTF_ID, "struct tcp_sock *", "tp")
_ACK = KArg(ArgKind.SCALAR, "u32", "ack")
_ACKED = KArg(ArgKind.SCALAR, "u32", "acked")
_STATE = KArg(ArgKind.SCALAR, "u8", "new_state")
_EVENT = KArg(ArgKind.SCALAR, "int", "event")


def _kfunc(name: str, args: tuple[KArg, ...], ret: str = "void") -> KFunc:
    """A flagless struct_ops kfunc returning void or a u32."""
    kind, size = (RetKind.VOID, 0) if ret == "void" else (RetKind.SCALAR, 4)
    return KFunc(name, KfFlag.NONE, args, kind, ret, size, no_object, PROG_TYPES)


KFUNCS: tuple[KFunc, ...] = (
    _kfunc("tcp_reno_ssthresh", (_SK,), "u32"),
    _kfunc("tcp_reno_cong_avoid", (_SK, _ACK, _ACKED)),
    _kfunc("tcp_reno_undo_cwnd", (_SK,), "u32"),
    _kfunc("tcp_slow_start", (_TP, _ACKED), "u32"),
    _kfunc("tcp_cong_avoid_ai", (_TP, KArg(ArgKind.SCALAR, "u32", "w"), _ACKED)),
    _kfunc("cubictcp_init", (_SK,)),
    _kfunc("cubictcp_recalc_ssthresh", (_SK,), "u32"),
    _kfunc("cubictcp_cong_avoid", (_SK, _ACK, _ACKED)),
    _kfunc("cubictcp_state", (_SK, _STATE)),
    _kfunc("cubictcp_cwnd_event", (_SK, _EVENT)),
    _kfunc("cubictcp_acked", (_SK, KArg(ArgKind.BTF_ID, "const struct ack_sample *", "sample"))),
    _kfunc("bbr_init", (_SK,)),
    _kfunc(
        "bbr_main",
        (
            _SK,
            _ACK,
            KArg(ArgKind.SCALAR, "int", "flag"),
            KArg(ArgKind.BTF_ID, "const struct rate_sample *", "rs"),
        ),
    ),
    _kfunc("bbr_sndbuf_expand", (_SK,), "u32"),
    _kfunc("bbr_undo_cwnd", (_SK,), "u32"),
    _kfunc("bbr_cwnd_event", (_SK, _EVENT)),
    _kfunc("bbr_ssthresh", (_SK,), "u32"),
    _kfunc("bbr_min_tso_segs", (_SK,), "u32"),
    _kfunc("bbr_set_state", (_SK, _STATE)),
)
"""The congestion-control kfuncs of vmlinux, in the order of their kernel sets."""
