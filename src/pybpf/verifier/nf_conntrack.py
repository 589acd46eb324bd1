"""Writes into conntrack entries: the btf_struct_access of XDP and tc programs.

Mirrors net/core/filter.c's xdp_btf_struct_access() and tc_cls_act_btf_struct_access() (Linux
6.18), which hand a write through a pointer to a kernel struct to net/netfilter/
nf_conntrack_bpf.c's _nf_conntrack_btf_struct_access() (registered when nf_conntrack is built in,
as it is in the modelled kernel): only ``struct nf_conn`` and ``struct nf_conn___init`` (the same
layout) may be written ("only read is supported"), and of them only ``mark`` (CONFIG_NF_CONNTRACK_MARK):
a write must start at its offset ("no write support to nf_conn at off %d") and end within it
("write access at off %d with size %d beyond the member of nf_conn ended at %zu"), all EACCES.
Reads go to btf_struct_access() as in every program type.
"""

from __future__ import annotations

import functools

from pybpf.btf.types import Kind, Struct
from pybpf.uapi import BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_XDP
from pybpf.verifier import kernel_btf

WRITERS = frozenset({BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_SCHED_CLS})
"""The program types whose btf_struct_access lets conntrack entries be written."""
CONNTRACK_STRUCTS = frozenset({"nf_conn", "nf_conn___init"})


@functools.cache
def _mark_range() -> tuple[int, int] | None:
    """offsetof() and offsetofend() of ``struct nf_conn``'s ``mark`` (None: no such member known)."""
    btf = kernel_btf.vmlinux_btf()
    if btf is None:
        return None
    found = [i for i in btf.ids_by_name("nf_conn") if btf[i].kind == Kind.STRUCT]
    if not found:
        return None
    t = btf[found[0]]
    assert isinstance(t, Struct)
    for m in t.members:
        if m.name == "mark":
            return m.byte_offset, m.byte_offset + btf.size_of(m.type_id)
    return None


def btf_write(pointee: str, off: int, size: int) -> str | None:
    """_nf_conntrack_btf_struct_access() of a write of ``size`` bytes at ``off`` of a ``pointee``
    struct: None when allowed, else the kernel's log line (EACCES)."""
    if pointee not in CONNTRACK_STRUCTS:
        return "only read is supported"
    mark = _mark_range()
    if mark is None or off != mark[0]:
        return f"no write support to nf_conn at off {off}"
    if off + size > mark[1]:
        return f"write access at off {off} with size {size} beyond the member of nf_conn ended at {mark[1]}"
    return None
