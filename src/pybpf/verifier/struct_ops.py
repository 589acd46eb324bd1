"""The struct_ops types of the running kernel, and the verifier's check of a struct_ops program.

Mirrors bpf_struct_ops_desc_init() and bpf_struct_ops_find() / bpf_struct_ops_find_value() of
kernel/bpf/bpf_struct_ops.c, check_struct_ops_btf_id() of kernel/bpf/verifier.c, and the per-type
``check_member`` and ``btf_struct_access`` of net/ipv4/bpf_tcp_ca.c and
net/bpf/bpf_dummy_struct_ops.c (Linux 6.18):

* the struct_ops types are those vmlinux BTF describes (``pybpf.btf.struct_ops.describe``: the
  struct, its value type ``bpf_struct_ops_<name>``, each member's prototype and ``__nullable``
  arguments) whose rules pybpf knows (``RULES``: tcp_congestion_ops, bpf_dummy_ops);
* a program names the struct by ``attach_btf_id`` and the member by ``expected_attach_type``: a
  GPL-compatible license, a known struct ("attach_btf_id %u is not a supported struct", ENOTSUPP;
  no id at all: ENOTSUPP, silently), a member index in range and a function-pointer member
  (EINVAL), a member the type implements ("attach to unsupported member", ENOTSUPP: the kernel's
  NULL ``cfi_stubs`` entries, tcp_congestion_ops' ``get_info``) and the type's ``check_member``
  (bpf_dummy_ops: only ``test_sleepable`` may be sleepable, EINVAL);
* a tcp_congestion_ops program writes to a ``struct tcp_sock`` only the fields
  bpf_tcp_ca_btf_struct_access() lists (the congestion window and threshold, the pacing rate and
  status, the ECN flags, app_limited, the ca private area and the pending ACK flags); a
  bpf_dummy_ops program writes anywhere inside its ``struct bpf_dummy_ops_state``.

Types in kernel modules (BPF_F_VTYPE_BTF_OBJ_FD, ``attach_btf_obj_fd``) are not modelled.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pybpf.btf.kinds import Kind
from pybpf.btf.struct_ops import OpsMember, StructOpsDesc, describe
from pybpf.btf.types import BTF, FuncProto, Struct
from pybpf.uapi import ENOTSUPP
from pybpf.verifier import kernel_btf
from pybpf.verifier.attach import AttachTarget
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.state import VerifierState


@dataclass(frozen=True)
class OpsRules:
    """What a struct_ops type's own code decides (its ``cfi_stubs`` and ``check_member``)."""

    unsupported: frozenset[str] = frozenset()
    """Members whose ``cfi_stubs`` entry is NULL: no program may implement them."""
    sleepable: frozenset[str] | None = None
    """The members a sleepable program may implement (None: any)."""


RULES: dict[str, OpsRules] = {
    "tcp_congestion_ops": OpsRules(unsupported=frozenset({"get_info"})),
    "bpf_dummy_ops": OpsRules(sleepable=frozenset({"test_sleepable"})),
}


@functools.cache
def descs() -> tuple[StructOpsDesc, ...]:
    """The struct_ops types of the running kernel pybpf knows the rules of."""
    btf = kernel_btf.vmlinux_btf()
    if btf is None:
        return ()
    found = (describe(btf, name) for name in RULES)
    return tuple(d for d in found if d is not None)


def find(type_id: int) -> StructOpsDesc | None:
    """bpf_struct_ops_find(): the type whose struct is ``type_id``."""
    return next((d for d in descs() if d.type_id == type_id), None) if type_id else None


def find_value(value_id: int) -> StructOpsDesc | None:
    """bpf_struct_ops_find_value(): the type whose value type is ``value_id``."""
    return next((d for d in descs() if d.value_id == value_id), None) if value_id else None


def check_struct_ops_btf_id(state: VerifierState, sleepable: bool) -> AttachTarget:
    """check_struct_ops_btf_id(): the member a program implements, as its attach target."""
    request = state.request
    if not request.gpl_compatible:
        state.einval("struct ops programs must have a GPL compatible license")
    btf_id = request.attach_btf_id
    if not btf_id:
        raise VerifierError(ENOTSUPP, "")  # (the kernel logs nothing)
    desc = find(btf_id)
    if desc is None:
        state.fail(ENOTSUPP, f"attach_btf_id {btf_id} is not a supported struct")
    index = request.expected_attach_type
    if index >= len(desc.members):
        state.einval(f"attach to invalid member idx {index} of struct {desc.name}")
    member = desc.members[index]
    if not member.proto:
        state.einval(f"attach to invalid member {member.name}(@idx {index}) of struct {desc.name}")
    unsupported = f"attach to unsupported member {member.name} of struct {desc.name}"
    rules = RULES[desc.name]
    if member.name in rules.unsupported:
        state.fail(ENOTSUPP, unsupported)
    allowed = rules.sleepable
    if sleepable and allowed is not None and member.name not in allowed:
        state.einval(unsupported)
    btf = kernel_btf.vmlinux_btf()
    assert btf is not None
    proto = btf[member.proto]
    assert isinstance(proto, FuncProto)
    return AttachTarget(
        member.name, member.proto, tuple(p.type_id for p in proto.params),
        tuple(p.name for p in proto.params), proto.return_type, index,
        struct_ops=desc.name, nullable_args=member.nullable,
    )  # fmt: skip


# -- writes through a PTR_TO_BTF_ID (the type's btf_struct_access) ------------------------------------
_TCP_SOCK_FIELDS = (
    ("sock", "sk_pacing_rate"), ("sock", "sk_pacing_status"),
    ("tcp_sock", "snd_cwnd"), ("tcp_sock", "snd_cwnd_cnt"), ("tcp_sock", "snd_ssthresh"),
    ("tcp_sock", "ecn_flags"), ("tcp_sock", "app_limited"),
)  # fmt: skip


def _member_range(btf: BTF, struct: str, path: str) -> tuple[int, int]:
    """offsetof() and offsetofend() of a (dotted) member path of a vmlinux struct."""
    type_id = btf.find(struct, Kind.STRUCT)
    off = 0
    for part in path.split("."):
        t = btf[btf.resolve(type_id)]
        assert isinstance(t, Struct)
        m = t.member(part)
        off += m.byte_offset
        type_id = m.type_id
    return off, off + btf.size_of(type_id)


@functools.cache
def _tcp_sock_writable() -> tuple[tuple[int, int, int], ...]:
    """bpf_tcp_ca_btf_struct_access()'s cases: (first offset, last offset, end of the member)."""
    btf = kernel_btf.vmlinux_btf()
    assert btf is not None
    cases = []
    priv, priv_end = _member_range(btf, "inet_connection_sock", "icsk_ca_priv")
    cases.append((priv, priv_end - 1, priv_end))  # bpf_ctx_range(): any offset inside
    pending, pending_end = _member_range(btf, "inet_connection_sock", "icsk_ack.pending")
    cases.append((pending, pending, pending_end))
    for struct, field in _TCP_SOCK_FIELDS:
        start, end = _member_range(btf, struct, field)
        cases.append((start, start, end))
    return tuple(cases)


def btf_write(ops: str, pointee: str, off: int, size: int) -> str | None:
    """The type's btf_struct_access() of a write of ``size`` bytes at ``off`` of a ``pointee``
    struct: None when allowed, else the kernel's log line (EACCES)."""
    if ops == "tcp_congestion_ops":
        if pointee != "tcp_sock":
            return "only read is supported"
        for first, last, end in _tcp_sock_writable():
            if first <= off <= last:
                if off + size > end:
                    return (f"write access at off {off} with size {size} beyond the member of "
                            f"tcp_sock ended at {end}")  # fmt: skip
                return None
        return f"no write support to tcp_sock at off {off}"
    if ops == "bpf_dummy_ops":
        if pointee != "bpf_dummy_ops_state":
            return "only access to bpf_dummy_ops_state is supported"
        btf = kernel_btf.vmlinux_btf()
        assert btf is not None
        if off + size > btf.size_of(btf.find(pointee, Kind.STRUCT)):
            return f"write access at off {off} with size {size}"
        return None
    return "only read is supported"


__all__ = [
    "RULES",
    "OpsMember",
    "OpsRules",
    "StructOpsDesc",
    "btf_write",
    "check_struct_ops_btf_id",
    "descs",
    "find",
    "find_value",
]
