"""check_mem_access() and the loads, stores and atomics that reach it.

Mirrors kernel/bpf/verifier.c: check_load_mem / check_store_reg / check_atomic_rmw /
check_atomic_load / check_atomic_store (operand order), check_mem_access() by pointer type —
the stack (check_ptr_alignment: strict on the stack and for atomics, check_stack_access_within_bounds,
check_stack_write_fixed_off / check_stack_read_fixed_off with spills and fills, variable offsets),
map values (check_map_access_type for BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG,
check_mem_region_access's bounds with the kernel's messages), the context (check_ptr_off_reg, the
program type's is_valid_access, packet pointers loaded from the context's data fields), packets
(check_packet_access against the range learned from comparisons with data_end), helper memory
(PTR_TO_MEM with its size) — and coerce_reg_to_size() for narrow loads.  check_helper_mem_access()
checks a helper's memory argument by pointer type: packet, map key (never written), map value,
memory (read-only memory never written), a kernel struct (read only) and the stack
(check_stack_range_initialized()).

Socket pointers are read as check_sock_access() allows (``sock_fields``); a map value's kptrs are
loaded and stored as check_map_kptr_access() allows (``kptrs``); a pointer to a kernel struct is
read within it (writable only when it is the program's own allocated object, never dereferenced
when per-CPU or user memory), and its pointer members load the typed pointers ``btf_ptrs`` gives.
Flow-keys pointers reach ``struct bpf_flow_keys`` (check_flow_keys_access()).
A raw tracepoint's writable buffer is read and written as check_tp_buffer_access() allows (the
furthest byte kept in ``max_tp_access``); a pointer to it is no spillable register (stored as data).
An iterator's map key and value (PTR_TO_BUF, the key MEM_RDONLY) as check_buffer_access() allows,
the furthest bytes kept in ``max_rdonly_access`` / ``max_rdwr_access``.
Not modelled yet (permissive, documented): reads and writes through BTF-id pointers of a type pybpf
does not know;
sign-extending loads give the range of their width.  A read at a constant offset of a frozen
BPF_F_RDONLY_PROG map (clang's .rodata, frozen by the loader) loads the constant it holds
(bpf_map_direct_read()); the kernel also requires that no writable mmap of the map is active
(bpf_map_write_active()), which pybpf does not track.
"""

from __future__ import annotations

import ctypes
import errno
from typing import TYPE_CHECKING, Final, NoReturn

from pybpf.btf.kinds import Kind
from pybpf.errors import BPFError
from pybpf.helpers.map_image import MAP_STRUCTS
from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.uapi import (
    BPF_F_ANY_ALIGNMENT,
    BPF_F_RDONLY_PROG,
    BPF_F_STRICT_ALIGNMENT,
    BPF_F_WRONLY_PROG,
    BPF_MAP_TYPE_ARRAY,
    BPF_MAX_VAR_OFF,
    MAX_BPF_STACK,
    bpf_flow_keys,
)
from pybpf.verifier import (
    bounds,
    btf_ctx,
    btf_ptrs,
    dynptr,
    kernel_btf,
    kptrs,
    nf_conntrack,
    sock_fields,
    struct_ops,
    tnum,
    value_fields,
)
from pybpf.verifier.bounds import s64
from pybpf.verifier.checks.alu import assign_scalar_id_before_mov
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.kernel_btf import KernelType
from pybpf.verifier.mem_region import check_mem_region_access, mem_message, mem_ok
from pybpf.verifier.registers import check_ptr_off_reg
from pybpf.verifier.regstate import RegState, is_null, map_attr, map_key_size, map_value_size
from pybpf.verifier.regtypes import PACKET_TYPES, RegType, TypeFlag
from pybpf.verifier.stack import (
    BPF_REG_SIZE,
    STACK_DYNPTR,
    STACK_INVALID,
    STACK_IRQ_FLAG,
    STACK_ITER,
    STACK_MISC,
    STACK_SPILL,
    STACK_ZERO,
    Stack,
)

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

BPF_READ: Final = 1
BPF_WRITE: Final = 2
MAX_PACKET_OFF: Final = 0xFFFF

# Which context fields hold packet pointers, by program type (the kernel's is_valid_access sets
# info->reg_type for them).  To move into pybpf.progtypes (a ``ctx_field_reg_type`` there).
_XDP_FIELDS: Final = {0: RegType.PTR_TO_PACKET, 4: RegType.PTR_TO_PACKET_END, 8: RegType.PTR_TO_PACKET_META}
_SKB_FIELDS: Final = {
    76: RegType.PTR_TO_PACKET,
    80: RegType.PTR_TO_PACKET_END,
    140: RegType.PTR_TO_PACKET_META,
}
CTX_POINTER_FIELDS: dict[int, dict[int, RegType]] = {
    6: _XDP_FIELDS,  # XDP
    3: _SKB_FIELDS,  # SCHED_CLS
    4: _SKB_FIELDS,  # SCHED_ACT
    8: {76: RegType.PTR_TO_PACKET, 80: RegType.PTR_TO_PACKET_END},  # CGROUP_SKB
    10: {76: RegType.PTR_TO_PACKET, 80: RegType.PTR_TO_PACKET_END},  # LWT_IN
    11: {76: RegType.PTR_TO_PACKET, 80: RegType.PTR_TO_PACKET_END},  # LWT_OUT
    12: {76: RegType.PTR_TO_PACKET, 80: RegType.PTR_TO_PACKET_END},  # LWT_XMIT
    19: {76: RegType.PTR_TO_PACKET, 80: RegType.PTR_TO_PACKET_END},  # LWT_SEG6LOCAL
    14: {76: RegType.PTR_TO_PACKET, 80: RegType.PTR_TO_PACKET_END},  # SK_SKB
    16: {0: RegType.PTR_TO_PACKET, 8: RegType.PTR_TO_PACKET_END, 72: RegType.PTR_TO_SOCKET},  # SK_MSG
    21: {0: RegType.PTR_TO_PACKET, 8: RegType.PTR_TO_PACKET_END, 40: RegType.PTR_TO_SOCKET},  # SK_REUSEPORT
    18: {64: RegType.PTR_TO_SOCKET},  # CGROUP_SOCK_ADDR: sk
    13: {192: RegType.PTR_TO_PACKET, 200: RegType.PTR_TO_PACKET_END},  # SOCK_OPS: skb_data, skb_data_end
    25: {0: RegType.PTR_TO_SOCKET, 8: RegType.PTR_TO_PACKET, 16: RegType.PTR_TO_PACKET_END},  # CGROUP_SOCKOPT
    22: {76: RegType.PTR_TO_PACKET, 80: RegType.PTR_TO_PACKET_END, 144: RegType.PTR_TO_FLOW_KEYS},
}
_PACKET_FIELDS: Final = frozenset(
    {RegType.PTR_TO_PACKET, RegType.PTR_TO_PACKET_META, RegType.PTR_TO_PACKET_END}
)
"""The context fields no sign-extending load (BPF_MEMSX) may read: ``info->is_ldsx`` refuses them in
bpf_skb_is_valid_access() (__sk_buff's data, data_meta, data_end: every type built on it),
xdp_is_valid_access() and flow_dissector_is_valid_access() -- the packet pointers that are 32-bit uapi
fields (the other contexts' pointers are 64-bit, which no BPF_MEMSX loads)."""
_SKB_SK: Final = 168
"""__sk_buff's ``sk``: a PTR_TO_SOCK_COMMON_OR_NULL (bpf_skb_is_valid_access())."""
SK_FIELD_TYPES: Final = frozenset({1, 3, 4, 8, 10, 11, 12, 14, 19})
"""The program types whose __sk_buff ``sk`` reads give that pointer (SOCKET_FILTER, SCHED_CLS,
SCHED_ACT, CGROUP_SKB, LWT_IN, LWT_OUT, LWT_XMIT, SK_SKB, LWT_SEG6LOCAL)."""
MAYBE_NULL_CTX_FIELDS: dict[tuple[int, int], RegType] = {
    (21, 48): RegType.PTR_TO_SOCK_COMMON,  # SK_REUSEPORT: migrating_sk
    (13, 184): RegType.PTR_TO_SOCKET,  # SOCK_OPS: sk
    (30, 0): RegType.PTR_TO_SOCKET,  # SK_LOOKUP: sk (sk_lookup_is_valid_access())
}
"""The other contexts' maybe-NULL socket pointers, by (program type, offset): the type a read gives."""
PACKET_WRITERS: Final = frozenset({3, 4, 6, 12, 14, 16, 25})
"""may_access_direct_pkt_data(BPF_WRITE): the program types that may write the packet (CGROUP_SOCKOPT:
its option buffer)."""

_ATOMIC_REFUSED: Final = {
    RegType.PTR_TO_CTX, RegType.PTR_TO_PACKET, RegType.PTR_TO_PACKET_META, RegType.PTR_TO_PACKET_END,
    RegType.PTR_TO_FLOW_KEYS, RegType.PTR_TO_SOCKET, RegType.PTR_TO_SOCK_COMMON, RegType.PTR_TO_TCP_SOCK,
    RegType.PTR_TO_XDP_SOCK,
}  # fmt: skip
"""atomic_ptr_type_ok() is false for these."""
_UNCHECKED: Final = frozenset(
    {
        RegType.PTR_TO_BTF_ID, RegType.PTR_TO_ARENA, RegType.CONST_PTR_TO_MAP, RegType.PTR_TO_MAP_KEY,
    }
)  # fmt: skip
"""Pointer types whose accesses are not modelled yet: accepted, reads give unknown scalars."""


def _size(insn: Instruction) -> int:
    return op.SIZE_BYTES[insn.opcode & 0x18]


def check_load(w: Walker, insn: Instruction, sign_extend: bool) -> None:
    """check_load_mem(): src read, dst written, then the access."""
    w.check_reg_read(insn.src)
    w.check_reg_write(insn.dst, mark=False)
    check_mem_access(
        w,
        insn.src,
        insn.off,
        _size(insn),
        BPF_READ,
        value_regno=insn.dst,
        sign_extend=sign_extend,
        trust_mismatch=True,
    )


def check_store(w: Walker, insn: Instruction, from_reg: bool, *, strict: bool = False) -> None:
    """check_store_reg() (STX) / the BPF_ST branch: the value, the base, then the access."""
    if from_reg:
        w.check_reg_read(insn.src)
    w.check_reg_read(insn.dst)
    check_mem_access(w, insn.dst, insn.off, _size(insn), BPF_WRITE, value_regno=insn.src if from_reg else -1,
                     imm=None if from_reg else insn.imm, strict=strict)  # fmt: skip


def check_atomic(w: Walker, insn: Instruction) -> None:
    """check_atomic_rmw / check_atomic_load / check_atomic_store (Linux 6.18's order)."""
    spec = insn.spec
    assert spec is not None
    regs = w.state.cur.regs
    size = _size(insn)
    if spec.kind is op.Kind.LOAD_ACQ:
        w.check_reg_read(insn.src)
        if regs[insn.src].type in _ATOMIC_REFUSED:
            w.fail(
                errno.EACCES, f"BPF_ATOMIC loads from R{insn.src} {regs[insn.src].type_name()} is not allowed"
            )
        w.check_reg_write(insn.dst, mark=False)
        check_mem_access(w, insn.src, insn.off, size, BPF_READ, value_regno=insn.dst, strict=True)
        w.check_reg_invariants(regs[insn.dst], "atomic_load")  # check_load_mem()'s last step
        return
    if spec.kind is op.Kind.STORE_REL:
        check_store(w, insn, True, strict=True)
        if regs[insn.dst].type in _ATOMIC_REFUSED:
            w.fail(
                errno.EACCES,
                f"BPF_ATOMIC stores into R{insn.dst} {regs[insn.dst].type_name()} is not allowed",
            )
        return
    w.check_reg_read(insn.src)
    w.check_reg_read(insn.dst)
    if spec.op == "cmpxchg":
        w.check_reg_read(0)
        if not w.env.allow_ptr_leaks:
            _check_leak(w, 0, "mem")
    if not w.env.allow_ptr_leaks:
        _check_leak(w, insn.src, "mem")
    if regs[insn.dst].type in _ATOMIC_REFUSED:
        w.fail(
            errno.EACCES, f"BPF_ATOMIC stores into R{insn.dst} {regs[insn.dst].type_name()} is not allowed"
        )
    load_reg = -1
    if spec.fetch:
        load_reg = 0 if spec.op == "cmpxchg" else insn.src
        w.check_reg_write(load_reg)
    check_mem_access(w, insn.dst, insn.off, size, BPF_READ, strict=True)
    if load_reg >= 0:
        check_mem_access(w, insn.dst, insn.off, size, BPF_READ, value_regno=load_reg, strict=True)
    check_mem_access(w, insn.dst, insn.off, size, BPF_WRITE, strict=True)


_TYPE_PER_INSN: Final = frozenset(
    {
        RegType.PTR_TO_CTX, RegType.PTR_TO_SOCKET, RegType.PTR_TO_SOCK_COMMON, RegType.PTR_TO_TCP_SOCK,
        RegType.PTR_TO_XDP_SOCK, RegType.PTR_TO_BTF_ID, RegType.PTR_TO_ARENA,
    }
)  # fmt: skip
"""The base types for which reg_type_mismatch_ok() is false: an instruction accessing memory through
one of them must do so through the same type (flags included) on every path."""
_KERNEL_MEMORY: Final = (RegType.PTR_TO_MEM, RegType.PTR_TO_BTF_ID)
"""is_ptr_to_mem_or_btf_id(): the types a load may mix across paths (save_aux_ptr_type())."""


def _record_pointer(w: Walker, reg: RegState, trust_mismatch: bool) -> bool:
    """save_aux_ptr_type(): the pointer type of the instruction's first path is kept
    (``InsnFacts.ptr_type``); True when ``reg``'s type differs from it and either is one of
    ``_TYPE_PER_INSN`` (reg_type_mismatch()) -- the kernel refuses that after the access's own
    checks pass (``_refuse_mixed_pointers``), so a bad access is named first.  A load
    (``trust_mismatch``) may mix kernel pointers and memory of different trust: the instruction's
    type becomes their merge (PTR_TO_MEM if either is, untrusted or read-only if either is)."""
    facts = w.facts()
    kind = (reg.type, reg.flags)
    first = facts.ptr_type
    if first is None:
        facts.ptr_type = kind
    elif kind != first and (reg.type in _TYPE_PER_INSN or first[0] in _TYPE_PER_INSN):
        if not (trust_mismatch and reg.type in _KERNEL_MEMORY and first[0] in _KERNEL_MEMORY):
            return True
        base = RegType.PTR_TO_MEM if RegType.PTR_TO_MEM in (reg.type, first[0]) else RegType.PTR_TO_BTF_ID
        facts.ptr_type = (base, (reg.flags | first[1]) & (TypeFlag.PTR_UNTRUSTED | TypeFlag.MEM_RDONLY))
    facts.ptr_types.add("ctx" if reg.type is RegType.PTR_TO_CTX else reg.type_name())
    return False


def _refuse_mixed_pointers(w: Walker) -> NoReturn:
    w.fail(errno.EINVAL, "same insn cannot be used with different pointers")


PROBE_READ_TYPES: Final = frozenset(
    {
        (RegType.PTR_TO_BTF_ID, TypeFlag.NONE),
        (RegType.PTR_TO_BTF_ID, TypeFlag.PTR_UNTRUSTED),
        (RegType.PTR_TO_BTF_ID, TypeFlag.MEM_ALLOC | TypeFlag.PTR_UNTRUSTED),
        (RegType.PTR_TO_MEM, TypeFlag.MEM_RDONLY | TypeFlag.PTR_UNTRUSTED),
    }
)
"""The pointer types (type, flags) whose loads convert_ctx_accesses() turns into probe loads: the
kernel pointers whose memory may be gone (a fault reads 0); trusted and RCU pointers are not."""


def _proven_kind(reg: RegState) -> bool:
    """Whether a successful check_mem_access through ``reg`` proves the access inside memory that is
    there at run time (what the kernel's JIT relies on when it emits a plain load or store): the stack
    frames, a map value of a known map (its value_size; inner maps share their template's), a map key
    (a for_each callback's, key_size bytes), a ring buffer record (its reserved size), the packet up to
    the range learned from data_end, the context (whose rewrite the program type's runs provide), the
    flow keys (the flow dissector's runs provide all of ``struct bpf_flow_keys``)."""
    t = reg.type
    if t in (RegType.PTR_TO_MAP_VALUE, RegType.PTR_TO_MAP_KEY):
        return reg.map is not None and not reg.maybe_null
    if t is RegType.PTR_TO_MEM:
        return not reg.maybe_null and not reg.flags & TypeFlag.PTR_UNTRUSTED
    return t in (RegType.PTR_TO_STACK, RegType.PTR_TO_CTX, RegType.PTR_TO_FLOW_KEYS) or t in PACKET_TYPES


def _record_in_bounds(w: Walker, reg: RegState) -> None:
    """``InsnFacts.in_bounds``: true only while every check of the instruction, on every path, was
    proven (an atomic checks its read and its write)."""
    facts = w.facts()
    proven = _proven_kind(reg)
    facts.in_bounds = proven if facts.in_bounds is None else facts.in_bounds and proven


def check_mem_access(
    w: Walker,
    regno: int,
    off: int,
    size: int,
    access: int,
    *,
    value_regno: int = -1,
    imm: int | None = None,
    sign_extend: bool = False,
    strict: bool = False,
    trust_mismatch: bool = False,
) -> None:
    """check_mem_access(), then save_aux_ptr_type() (``trust_mismatch``: a plain load's)."""
    regs = w.state.cur.regs
    reg = regs[regno]
    mixed_pointers = _record_pointer(w, reg, trust_mismatch)
    check_ptr_alignment(w, reg, off, size, strict)
    off += reg.off
    t = reg.type
    result: RegState | None = None  # what a read loads (None: an unknown scalar)
    _record_in_bounds(w, reg)  # (a check below that fails refuses the program: no fact is kept)
    if access == BPF_READ and (t, reg.flags) in PROBE_READ_TYPES:
        w.facts().probe = True
    if t is RegType.PTR_TO_ARENA:
        w.facts().arena = True
    if t is RegType.PTR_TO_MAP_VALUE and not reg.maybe_null:
        if access == BPF_WRITE and not w.env.allow_ptr_leaks:
            _check_leak(w, value_regno, "map")
        if reg.map is not None:  # (an inner map without a known template: unchecked)
            check_map_access_type(w, reg, off, size, access)
            check_mem_region_access(w, regno, reg, off, size, mem_size=map_value_size(reg.map))
            fields = value_fields.map_fields(reg.map)  # (most values have none: no further call)
            if fields:
                value_fields.check_fields(w, reg, off, size, fields)
            const = fields and tnum.is_const(reg.var_off)
            kptr = kptrs.field_at(reg.map, off + reg.var_off.value) if const else None
            if kptr is not None:
                result = kptrs.check_map_kptr_access(w, w.view.insns[w.index], value_regno, kptr)
            elif (
                access == BPF_READ and value_regno >= 0 and tnum.is_const(reg.var_off) and _is_rdonly(reg.map)
            ):
                result = _direct_read(w, reg.map, off + reg.var_off.value, size, sign_extend)
    elif t is RegType.PTR_TO_MEM and not reg.maybe_null:
        if access == BPF_WRITE and reg.flags & TypeFlag.MEM_RDONLY:
            w.fail(errno.EACCES, f"R{regno} cannot write into {reg.type_name()}")
        if access == BPF_WRITE and not w.env.allow_ptr_leaks:
            _check_leak(w, value_regno, "mem")
        if not reg.flags & TypeFlag.PTR_UNTRUSTED:  # untrusted memory is read by probe loads
            check_mem_region_access(w, regno, reg, off, size, mem_size=reg.mem_size)
    elif t is RegType.PTR_TO_MAP_KEY and reg.map is not None:  # a for_each / timer callback's key
        if access == BPF_WRITE:
            w.fail(errno.EACCES, f"write to change key R{regno} not allowed")
        check_mem_region_access(w, regno, reg, off, size, mem_size=map_key_size(reg.map))
    elif t is RegType.PTR_TO_CTX:
        if access == BPF_WRITE and not w.env.allow_ptr_leaks:
            _check_leak(w, value_regno, "ctx")
        check_ptr_off_reg(w, reg, regno)
        attach_target = getattr(w.env.request.prog_type, "attach_target", None)
        prog_type = w.env.request.prog_type.prog_type
        field = CTX_POINTER_FIELDS.get(prog_type, {}).get(off)
        if attach_target is not None:  # a program attached by BTF id: its target's typed arguments
            result = btf_ctx.check_ctx_arg_access(w, attach_target, off, size, access == BPF_WRITE)
        elif not w.env.request.prog_type.is_valid_access(off, size, access == BPF_WRITE) or (
            sign_extend and field in _PACKET_FIELDS
        ):
            w.fail(errno.EACCES, f"invalid bpf_context access off={off} size={size}")
        w.env.ctx_accesses.add(w.index)
        btf_field = getattr(w.env.request.prog_type, "ctx_btf_fields", {}).get(off)
        if access == BPF_READ and off == getattr(w.env.request.prog_type, "tp_buffer_field", None):
            result = RegState()  # RAW_TRACEPOINT_WRITABLE: the tracepoint's buffer
            result.mark_pointer(RegType.PTR_TO_TP_BUFFER)
        elif access == BPF_READ and btf_field is not None:  # a kernel struct (NETFILTER's state, skb)
            result = RegState()
            result.mark_pointer(RegType.PTR_TO_BTF_ID, TypeFlag.PTR_TRUSTED)
            result.map = kernel_btf.kernel_struct(btf_field)
        elif access == BPF_READ and field is not None:
            result = RegState()
            result.mark_pointer(field)
        elif access == BPF_READ and off == _SKB_SK and prog_type in SK_FIELD_TYPES:
            result = RegState()  # a maybe-NULL pointer gets its id for the NULL check
            result.mark_pointer(RegType.PTR_TO_SOCK_COMMON, TypeFlag.PTR_MAYBE_NULL)
            result.id = w.new_id()
        elif access == BPF_READ and (prog_type, off) in MAYBE_NULL_CTX_FIELDS:
            result = RegState()  # a maybe-NULL pointer gets its id for the NULL check
            result.mark_pointer(MAYBE_NULL_CTX_FIELDS[prog_type, off], TypeFlag.PTR_MAYBE_NULL)
            result.id = w.new_id()
    elif t is RegType.PTR_TO_STACK:
        _check_stack_access(w, regno, reg, off, size, access=access, value_regno=value_regno, imm=imm)
        if access == BPF_READ and value_regno >= 0:  # a narrow fill is truncated like any load
            dst = regs[value_regno]
            if sign_extend and size < BPF_REG_SIZE and dst.is_scalar and dst.umax >> (size * 8 - 1):
                dst.id = 0  # its sign bit may be set: not the spilled value (as Linux 6.18's log shows)
            _coerce(dst, size, sign_extend)
        if mixed_pointers:
            _refuse_mixed_pointers(w)
        return
    elif t in PACKET_TYPES:
        if access == BPF_WRITE and w.env.request.prog_type.prog_type not in PACKET_WRITERS:
            w.fail(errno.EACCES, "cannot write into packet")
        if access == BPF_WRITE and not w.env.allow_ptr_leaks:
            _check_leak(w, value_regno, "packet")
        check_packet_access(w, regno, reg, off, size)
    elif t is RegType.PTR_TO_FLOW_KEYS:
        if access == BPF_WRITE and not w.env.allow_ptr_leaks:
            _check_leak(w, value_regno, "flow keys")
        check_flow_keys_access(w, off, size)
    elif t is RegType.PTR_TO_TP_BUFFER:
        check_tp_buffer_access(w, regno, reg, off, size)
    elif t is RegType.PTR_TO_BUF and not reg.maybe_null:
        check_buffer_access(w, regno, reg, off, size, access=access)
    elif t in sock_fields.SOCK_TYPES and not reg.maybe_null:
        sock_fields.check_sock_access(w, regno, reg, off, size, write=access == BPF_WRITE)
    elif t is RegType.CONST_PTR_TO_MAP and not reg.maybe_null:
        result = _check_ptr_to_map_access(w, regno, reg, off, size, access=access)
    elif t is RegType.PTR_TO_BTF_ID and isinstance(reg.map, KernelType) and not reg.maybe_null:
        result = _check_ptr_to_btf_access(w, regno, reg, off, size, access=access)
    elif t in _UNCHECKED and not reg.maybe_null:
        pass
    else:
        w.fail(errno.EACCES, f"R{regno} invalid mem access '{reg.type_name()}'")
    if mixed_pointers:
        _refuse_mixed_pointers(w)
    if access == BPF_READ and value_regno >= 0:
        dst = regs[value_regno]
        if result is not None:
            dst.copy_from(result)
        else:
            dst.mark_unknown()
            _coerce(dst, size, sign_extend)


def _check_leak(w: Walker, value_regno: int, into: str) -> None:
    """check_mem_access() for a loader without allow_ptr_leaks: the register stored (not an
    immediate) must be a scalar, else "R%d leaks addr into map|mem|ctx|packet|flow keys"."""
    if value_regno >= 0 and not w.state.cur.regs[value_regno].is_scalar:
        w.fail(errno.EACCES, f"R{value_regno} leaks addr into {into}")


def _check_buffer_offset(w: Walker, regno: int, reg: RegState, off: int, size: int, *, what: str) -> None:
    """__check_buffer_access(): a buffer is reached at a constant offset not below it."""
    if off < 0:
        w.fail(errno.EACCES, f"R{regno} invalid {what} buffer access: off={off}, size={size}")
    if not tnum.is_const(reg.var_off) or reg.var_off.value:
        var_off = tnum.format_(reg.var_off)
        w.fail(errno.EACCES, f"R{regno} invalid variable buffer offset: off={off}, var_off={var_off}")


def check_tp_buffer_access(w: Walker, regno: int, reg: RegState, off: int, size: int) -> None:
    """check_tp_buffer_access(): a raw tracepoint's writable buffer, read or written at a constant
    offset not below it; the furthest byte reached is the program's ``max_tp_access`` (what
    attaching it checks against the tracepoint's writable size)."""
    _check_buffer_offset(w, regno, reg, off, size, what="tracepoint")
    w.env.max_tp_access = max(w.env.max_tp_access, off + size)


def check_buffer_access(w: Walker, regno: int, reg: RegState, off: int, size: int, *, access: int) -> None:
    """check_mem_access()'s and check_helper_mem_access()'s PTR_TO_BUF (an iterator's map key or
    value): never written when read-only, then check_buffer_access(): a constant offset not below
    it, the furthest byte reached kept in ``max_rdonly_access`` / ``max_rdwr_access`` -- what
    attaching the iterator to a map checks against its key and value sizes (the verifier knows no
    map here)."""
    rdonly = bool(reg.flags & TypeFlag.MEM_RDONLY)
    if rdonly and access == BPF_WRITE:
        w.fail(errno.EACCES, f"R{regno} cannot write into {reg.type_name()}")
    _check_buffer_offset(w, regno, reg, off, size, what="rdonly" if rdonly else "rdwr")
    if rdonly:
        w.env.max_rdonly_access = max(w.env.max_rdonly_access, off + size)
    else:
        w.env.max_rdwr_access = max(w.env.max_rdwr_access, off + size)


FLOW_KEYS_SIZE: Final = ctypes.sizeof(bpf_flow_keys)


def check_flow_keys_access(w: Walker, off: int, size: int) -> None:
    """check_flow_keys_access(): within ``struct bpf_flow_keys`` (the offset is constant: pointer
    arithmetic on flow keys takes known scalars only); reads give unknown scalars, writes are free
    (a privileged loader may store pointers there too)."""
    if off < 0 or off + size > FLOW_KEYS_SIZE:
        w.fail(errno.EACCES, f"invalid access to flow keys off={off} size={size}")


def _struct_access_needs_perfmon(w: Walker, name: str) -> NoReturn:
    """check_ptr_to_btf_access() / check_ptr_to_map_access() without allow_ptr_leaks (EPERM)."""
    w.fail(errno.EPERM, f"'struct {name}' access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN")


def _check_ptr_to_map_access(
    w: Walker, regno: int, reg: RegState, off: int, size: int, *, access: int
) -> RegState | None:
    """check_ptr_to_map_access(): the program reads the map's kernel struct, never writes it, and
    never below it, as btf_struct_access() allows; what the read loads is returned (None: an
    unknown scalar, also where pybpf does not know the struct)."""
    name = MAP_STRUCTS.get(int(map_attr(reg.map, "map_type", 0)))
    if name is None:
        return None
    if not w.env.allow_ptr_leaks:
        _struct_access_needs_perfmon(w, name)
    if off < 0:
        w.fail(errno.EACCES, f"R{regno} is {name} invalid negative access: off={off}")
    if access != BPF_READ:
        w.fail(errno.EACCES, f"only read from {name} is supported")
    target = kernel_btf.kernel_struct(name)
    if target is None:
        return None
    try:
        walk = kernel_btf.struct_access(target, off, size)
    except kernel_btf.WalkError as exc:
        w.fail(exc.errno, exc.message)
    return btf_ptrs.map_member_register(w, walk)


def _check_ptr_to_btf_access(
    w: Walker, regno: int, reg: RegState, off: int, size: int, *, access: int
) -> RegState | None:
    """check_ptr_to_btf_access() for a pointer to a known kernel type: a GPL-compatible program
    reads it (writes need a program type's btf_struct_access for the struct, none of pybpf's types
    offers one for these), at a constant offset, not below it, neither user nor per-CPU memory, as
    btf_struct_access() allows (within one member, a pointer member whole, nested structs entered:
    ``kernel_btf.struct_access()``); a pointer member read gives the pointer ``btf_ptrs`` types.
    A program's own object (``kptrs.LocalType``, MEM_ALLOC) may be written too, as
    ``kptrs.check_object_access`` allows.  What the read loads is returned (None: an unknown
    scalar)."""
    target = reg.map
    assert isinstance(target, KernelType)
    kind = "union" if target.kind == Kind.UNION else "struct"
    if not w.env.allow_ptr_leaks:
        _struct_access_needs_perfmon(w, target.name)
    if not w.env.request.gpl_compatible and not isinstance(target, kptrs.LocalType):
        w.fail(errno.EINVAL, f"Cannot access kernel '{kind} {target.name}' from non-GPL compatible program")
    if off < 0:
        w.fail(errno.EACCES, f"R{regno} is ptr_{target.name} invalid negative access: off={off}")
    if not tnum.is_const(reg.var_off) or reg.var_off.value:
        var_off = tnum.format_(reg.var_off)
        w.fail(
            errno.EACCES,
            f"R{regno} is ptr_{target.name} invalid variable offset: off={off}, var_off={var_off}",
        )
    if reg.flags & TypeFlag.MEM_USER:  # (a member tagged __user)
        w.fail(errno.EACCES, f"R{regno} is ptr_{target.name} access user memory: off={off}")
    if reg.flags & TypeFlag.MEM_PERCPU:  # (bpf_this_cpu_ptr(), bpf_per_cpu_ptr(), members tagged __percpu)
        w.fail(errno.EACCES, f"R{regno} is ptr_{target.name} access percpu memory: off={off}")
    ops = getattr(getattr(w.env.request.prog_type, "attach_target", None), "struct_ops", "")
    if access != BPF_READ and ops and not reg.flags & TypeFlag.MEM_ALLOC:  # the type's btf_struct_access
        refused = struct_ops.btf_write(ops, target.name, off, size)
        if refused is not None:
            w.fail(errno.EACCES, refused)
        return None
    writer = w.env.request.prog_type.prog_type in nf_conntrack.WRITERS
    if access != BPF_READ and not reg.flags & TypeFlag.MEM_ALLOC and writer:  # its btf_struct_access
        refused = nf_conntrack.btf_write(target.name, off, size)
        if refused is not None:
            w.fail(errno.EACCES, refused)
        return None
    if access != BPF_READ and not reg.flags & TypeFlag.MEM_ALLOC:  # (a program's own object: writable)
        w.fail(errno.EACCES, "only read is supported")
    if isinstance(target, kptrs.LocalType):  # the program's own BTF (``alloc_obj``)
        kptrs.check_object_access(w, reg, target, off, size)
        return None
    try:
        walk = kernel_btf.struct_access(target, off, size)
    except kernel_btf.WalkError as exc:
        w.fail(exc.errno, exc.message)
    return btf_ptrs.loaded_register(w, reg, walk)


def map_is_rdonly(map_ref: object) -> bool:
    """bpf_map_is_rdonly(): BPF_F_RDONLY_PROG and frozen (the program cannot change the map, nor
    can user space any more)."""
    if not int(map_attr(map_ref, "map_flags", 0)) & BPF_F_RDONLY_PROG:
        return False
    frozen = getattr(map_ref, "frozen", None)
    if frozen is None:
        frozen = getattr(getattr(map_ref, "obj", None), "frozen", False)
    return bool(frozen)


def has_direct_value_addr(map_ref: object) -> bool:
    """Whether the map type has map_direct_value_addr (an array: its values lie at one address)."""
    return bool(map_attr(map_ref, "map_type", None) == BPF_MAP_TYPE_ARRAY)


def _is_rdonly(map_ref: object) -> bool:
    """bpf_map_is_rdonly() of a map with map_direct_value_addr."""
    return has_direct_value_addr(map_ref) and map_is_rdonly(map_ref)


def _direct_read(w: Walker, map_ref: object, off: int, size: int, sign_extend: bool) -> RegState:
    """bpf_map_direct_read(): the constant a read of a frozen read-only map loads (its
    map_direct_value_addr: an array of one element; other maps refuse the load with that errno and
    no log line, as the kernel does)."""
    try:
        address = map_ref.direct_value_address(off)  # type: ignore[attr-defined]
    except BPFError as exc:
        raise VerifierError(exc.errno or errno.EINVAL, "", w.env.log.text) from None
    value = int.from_bytes(ctypes.string_at(address, size), "little", signed=sign_extend)
    result = RegState()
    result.mark_known(value)
    return result


def _coerce(dst: RegState, size: int, sign_extend: bool) -> None:
    """coerce_reg_to_size() / coerce_reg_to_size_sx() for a narrow load."""
    if size >= BPF_REG_SIZE or not dst.is_scalar:
        return
    if sign_extend:
        bounds.coerce_to_size_sx(dst, size)
        bounds.sync(dst)
    else:
        bounds.coerce_to_size(dst, size)


_ANY_OFFSET_ARGS: Final = frozenset(
    {
        (RegType.PTR_TO_STACK, TypeFlag.NONE), (RegType.PTR_TO_PACKET, TypeFlag.NONE),
        (RegType.PTR_TO_PACKET_META, TypeFlag.NONE), (RegType.PTR_TO_MAP_KEY, TypeFlag.NONE),
        (RegType.PTR_TO_MAP_VALUE, TypeFlag.NONE), (RegType.PTR_TO_MEM, TypeFlag.NONE),
        (RegType.PTR_TO_MEM, TypeFlag.MEM_RDONLY), (RegType.PTR_TO_MEM, TypeFlag.MEM_RINGBUF),
        (RegType.PTR_TO_BUF, TypeFlag.NONE), (RegType.PTR_TO_BUF, TypeFlag.MEM_RDONLY),
        (RegType.PTR_TO_ARENA, TypeFlag.NONE), (RegType.SCALAR_VALUE, TypeFlag.NONE),
    }
)  # fmt: skip
"""check_func_arg_reg_off(): the argument types (with their exact flags) that may carry fixed and
variable offsets."""
_FIXED_OFFSET_BTF_FLAGS: Final = frozenset(
    {TypeFlag.NONE, TypeFlag.MEM_ALLOC, TypeFlag.PTR_TRUSTED, TypeFlag.MEM_RCU,
     TypeFlag.MEM_ALLOC | TypeFlag.NON_OWN_REF, TypeFlag.MEM_ALLOC | TypeFlag.NON_OWN_REF | TypeFlag.MEM_RCU}
)  # fmt: skip
"""check_func_arg_reg_off(): the PTR_TO_BTF_ID flavours that may carry a fixed offset."""


def check_func_arg_reg_off(w: Walker, reg: RegState, regno: int, *, release: bool, dynptr_arg: bool) -> None:
    """check_func_arg_reg_off(): a pointer handed to a release function must be the one it was
    given (offset 0); other arguments may be moved only if their type allows it."""
    if release:
        if dynptr_arg and reg.type is RegType.PTR_TO_STACK:
            return
        if reg.off:
            w.fail(
                errno.EINVAL,
                f"R{regno} must have zero offset when passed to release func or trusted arg to kfunc",
            )
        check_ptr_off_reg(w, reg, regno)
        return
    flags = reg.flags  # (a plain int or a TypeFlag: both hash as the int)
    if (reg.type, flags) in _ANY_OFFSET_ARGS:
        return
    fixed_ok = reg.type is RegType.PTR_TO_BTF_ID and flags in _FIXED_OFFSET_BTF_FLAGS
    check_ptr_off_reg(w, reg, regno, fixed_off_ok=fixed_ok)


def check_map_access_type(w: Walker, reg: RegState, off: int, size: int, access: int) -> None:
    flags = int(map_attr(reg.map, "map_flags", 0))
    vs = map_value_size(reg.map)
    if access == BPF_WRITE and flags & BPF_F_RDONLY_PROG:
        w.fail(errno.EACCES, f"write into map forbidden, value_size={vs} off={off} size={size}")
    if access == BPF_READ and flags & BPF_F_WRONLY_PROG:
        w.fail(errno.EACCES, f"read from map forbidden, value_size={vs} off={off} size={size}")


def check_packet_access(
    w: Walker, regno: int, reg: RegState, off: int, size: int, *, zero_ok: bool = False
) -> None:
    if reg.smin < 0:
        w.fail(
            errno.EACCES,
            f"R{regno} min value is negative, either use unsigned index or do a if (index >=0) check.",
        )
    if reg.range < 0:  # at or beyond data_end (mark_pkt_end()): EINVAL, without the access line
        w.fail(errno.EINVAL, f"R{regno} offset is outside of the packet")
    if not mem_ok(off, size, reg.range, zero_ok):
        w.env.log.line(mem_message(regno, reg, off, size, reg.range))
        w.fail(errno.EACCES, f"R{regno} offset is outside of the packet")


# --- the stack ---------------------------------------------------------------------------------


_ALIGNMENT_NAMES: Final = {
    RegType.PTR_TO_MAP_KEY: "key ",
    RegType.PTR_TO_MAP_VALUE: "value ",
    RegType.PTR_TO_CTX: "context ",
    RegType.PTR_TO_STACK: "stack ",
    RegType.PTR_TO_FLOW_KEYS: "flow keys ",
    RegType.PTR_TO_SOCKET: "sock ",
    RegType.PTR_TO_SOCK_COMMON: "sock_common ",
    RegType.PTR_TO_TCP_SOCK: "tcp_sock ",
    RegType.PTR_TO_XDP_SOCK: "xdp_sock ",
}
"""check_ptr_alignment()'s names of the pointer types it checks with a description."""

_ALIGNMENT_FLAGS: Final = BPF_F_STRICT_ALIGNMENT | BPF_F_ANY_ALIGNMENT
"""``env->strict_alignment`` (bpf_check) is ``prog_flags & _ALIGNMENT_FLAGS == BPF_F_STRICT_ALIGNMENT``:
BPF_F_STRICT_ALIGNMENT asks for it, BPF_F_ANY_ALIGNMENT wins over it (the machine is x86:
CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS, never strict by default)."""


def check_ptr_alignment(w: Walker, reg: RegState, off: int, size: int, strict: bool) -> None:
    """check_ptr_alignment(): the stack is always strict, other memory when the instruction asks
    for it (atomics: ``strict_alignment_once``) or the load did (``strict_alignment``); packets are
    checked as if NET_IP_ALIGN were 2, arena memory never."""
    if size == 1 or not (
        strict
        or reg.type is RegType.PTR_TO_STACK
        or w.env.request.prog_flags & _ALIGNMENT_FLAGS == BPF_F_STRICT_ALIGNMENT
    ):
        return
    if reg.type is RegType.PTR_TO_ARENA:
        return
    packet = reg.type in PACKET_TYPES
    ip_align = 2 if packet else 0
    at = tnum.add(reg.var_off, tnum.const(ip_align + reg.off + off))
    if tnum.is_aligned(at, size):
        return
    where = str(bounds.s64(reg.var_off.value)) if tnum.is_const(reg.var_off) else tnum.format_(reg.var_off)
    if packet:
        w.fail(errno.EACCES, f"misaligned packet access off {ip_align}+{where}+{reg.off}+{off} size {size}")
    name = _ALIGNMENT_NAMES.get(reg.type, "")
    w.fail(errno.EACCES, f"misaligned {name}access off {where}+{reg.off}+{off} size {size}")


def stack_bounds(
    w: Walker, regno: int, reg: RegState, off: int, size: int, *, access: int
) -> tuple[int, int]:
    """check_stack_access_within_bounds(): the [min, max) offsets reached, checked against 512 bytes."""
    if tnum.is_const(reg.var_off):
        min_off = s64(reg.var_off.value) + off
        max_off = min_off + size
    else:
        if reg.smax >= BPF_MAX_VAR_OFF or reg.smin <= -BPF_MAX_VAR_OFF:
            w.fail(errno.EACCES, f"invalid unbounded variable-offset{_what(access)} stack R{regno}")
        min_off = reg.smin + off
        max_off = reg.smax + off + size
    frame = w.state.frames[reg.frameno]
    # check_stack_slot_within_bounds(): without allow_uninit_stack a read stays in the allocated stack
    lowest = -MAX_BPF_STACK if access == BPF_WRITE or w.env.allow_uninit_stack else -frame.stack.allocated
    if min_off < lowest or min_off > -1 or max_off > 0 or size < 0:
        err = errno.EACCES if min_off < lowest or min_off > -1 else errno.EINVAL
        if tnum.is_const(reg.var_off):
            w.fail(err, f"invalid{_what(access)} stack R{regno} off={off} size={size}")
        w.fail(
            err,
            f"invalid variable-offset{_what(access)} stack R{regno} var_off={tnum.format_(reg.var_off)} "
            f"off={off} size={size}",
        )
    frame.stack.grow(-min_off)
    if access == BPF_WRITE and w.env.stack_buffer_slices:  # a dynptr slice may be these bytes
        dynptr.invalidate_buffer_slices(w.state, reg.frameno, min_off, max_off)
    w.note_stack_depth(frame.subprog, frame.stack.allocated)
    return min_off, max_off


def stack_slots(min_off: int, max_off: int) -> int:
    """The mask of the stack slots (bit ``spi``) the bytes [min_off, max_off) lie in."""
    return (1 << ((-min_off - 1) // BPF_REG_SIZE + 1)) - (1 << (-max_off // BPF_REG_SIZE))


def _what(access: int) -> str:
    return " read from" if access == BPF_READ else " write to"


def _check_stack_access(
    w: Walker,
    regno: int,
    reg: RegState,
    off: int,
    size: int,
    *,
    access: int,
    value_regno: int,
    imm: int | None,
) -> None:
    min_off, max_off = stack_bounds(w, regno, reg, off, size, access=access)
    frame = w.state.frames[reg.frameno]
    stack = frame.stack
    w.scratch_stack((-min_off - 1) // BPF_REG_SIZE, reg.frameno)
    fastcall = w.env.fastcall
    if fastcall is not None:  # check_fastcall_stack_contract(): a fixed read counts for the reader
        reader = access == BPF_READ and tnum.is_const(reg.var_off)
        fastcall.check_contract(w.state.cur.subprog if reader else frame.subprog, w.insn_idx, min_off)
    regs = w.state.cur.regs
    if access == BPF_WRITE:  # a write over a dynptr destroys it (or is refused)
        slots = stack.slots
        for spi in range((-max_off) // BPF_REG_SIZE, (-min_off - 1) // BPF_REG_SIZE + 1):
            if slots[spi].kinds[0] == STACK_DYNPTR:
                dynptr.destroy_if_dynptr_stack_slot(w, stack, spi, reg.frameno)
    if not tnum.is_const(reg.var_off):
        if access != BPF_WRITE:  # check_stack_range_initialized(): every slot reached may be read
            w.mark_stack_read(reg.frameno, stack_slots(min_off, max_off))
        if access == BPF_WRITE:
            zero = (imm == 0) if imm is not None else (value_regno >= 0 and is_null(regs[value_regno]))
            zero_used = stack.write_var_off(min_off, max_off, zero)
            for spi in range(-max_off // BPF_REG_SIZE, (-min_off - 1) // BPF_REG_SIZE + 1):
                w.scratch_stack(spi, reg.frameno)
            if zero_used and value_regno >= 0:  # (precision of the zero relied on)
                w.mark_chain_precision(value_regno)
        elif value_regno >= 0:
            regs[value_regno].mark_unknown()
        return
    if access == BPF_WRITE:
        value = regs[value_regno] if value_regno >= 0 else None
        if (
            value is not None
            and value.type is RegType.PTR_TO_STACK
            and size == BPF_REG_SIZE
            and reg.frameno != w.state.curframe
        ):  # a callee's (or callback's) frame pointer would outlive its frame
            w.fail(errno.EINVAL, "cannot spill pointers to stack into stack frame of the caller")
        _stack_write(w, frame.stack, min_off, size, value=value, imm=imm)
        if size == BPF_REG_SIZE and min_off % BPF_REG_SIZE == 0:  # a whole slot written
            w.mark_stack_write(reg.frameno, 1 << ((-min_off - 1) // BPF_REG_SIZE))
    else:
        w.mark_stack_read(reg.frameno, 1 << ((-min_off - 1) // BPF_REG_SIZE))
        _stack_read(w, frame.stack, min_off, size, value_regno)


_NOT_SPILLABLE: Final = frozenset({RegType.PTR_TO_TP_BUFFER, RegType.CONST_PTR_TO_DYNPTR})
"""The pointers is_spillable_regtype() is false for: written to the stack as plain data (a callback's
const dynptr read back from the stack is a scalar, not a dynptr)."""


def _stack_write(
    w: Walker, stack: Stack, off: int, size: int, *, value: RegState | None, imm: int | None
) -> None:
    """check_stack_write_fixed_off(): a loader without CAP_BPF spills no scalar (the bytes become
    data), and without allow_ptr_leaks may not overwrite part of a spilled pointer; without the
    Spectre v4 bypass a barrier follows a spill, or the overwriting of anything not data."""
    env = w.env
    if not env.allow_ptr_leaks and size != BPF_REG_SIZE:
        slot, _ = stack.byte(off)
        if slot.is_spill and slot.spilled is not None and not slot.spilled.is_scalar:
            w.fail(errno.EACCES, "attempt to corrupt spilled pointer on stack")
    if not w.bypass_spec_v4:
        sanitize = value is not None and value.is_pointer and value.type not in _NOT_SPILLABLE
        if not sanitize:
            for at in range(off, off + size):
                slot, index = stack.byte(at)
                if slot.kinds[index] not in (STACK_MISC, STACK_ZERO):
                    sanitize = True
                    break
        if sanitize:
            w.facts().nospec_result = True
    aligned = off % BPF_REG_SIZE == 0 and env.bpf_capable
    if value is not None and aligned and value.is_scalar:
        saved = value
        fits = value.umax < (1 << (8 * size)) if size < 8 else True
        if fits:  # the spill and the register share an id (a +const link is cut, as on a mov)
            assign_scalar_id_before_mov(w, value)
        stack.spill(off, saved, size)
        if not fits:
            slot, _ = stack.byte(off)
            assert slot.spilled is not None
            slot.spilled.id = 0
    elif value is None and aligned and imm is not None:
        const = RegState()
        const.mark_known(imm)
        stack.spill(off, const, size)
    elif value is not None and value.is_pointer and value.type not in _NOT_SPILLABLE:
        if size != BPF_REG_SIZE:
            w.fail(errno.EACCES, "invalid size of register spill")
        stack.spill(off, value, size)
    else:
        zero = (value is not None and is_null(value)) or (value is None and imm == 0)
        stack.write_data(off, size, zero)


def _stack_read(w: Walker, stack: Stack, off: int, size: int, dst_regno: int) -> None:
    """check_stack_read_fixed_off() (uninitialised bytes read as unknown: a privileged loader)."""
    slot, _ = stack.byte(off)
    regs = w.state.cur.regs
    kinds = [stack.byte(o)[0].kinds[stack.byte(o)[1]] for o in range(off, off + size)]
    if slot.is_spill and slot.spilled is not None:
        spilled = slot.spilled
        spill_size = slot.spill_size()
        if size != BPF_REG_SIZE or spill_size != BPF_REG_SIZE:
            if not spilled.is_scalar:
                w.fail(errno.EACCES, "invalid size of register fill")
            if dst_regno < 0:  # an atomic's read: Linux 6.18 refuses its bytes never written too
                if not w.env.allow_uninit_stack:
                    _check_initialized(w, kinds, off, size, (STACK_SPILL, STACK_MISC, STACK_ZERO))
                return
            if size <= spill_size and _narrow_access_ok(off):
                regs[dst_regno].copy_from(spilled)
                if spilled.umax >= 1 << (size * 8) and size < 8:
                    regs[dst_regno].id = 0
                return
            if not w.env.allow_uninit_stack:
                _check_initialized(w, kinds, off, size, (STACK_SPILL, STACK_MISC, STACK_ZERO))
            spills = sum(1 for k in kinds if k == STACK_SPILL)
            zeros = sum(1 for k in kinds if k == STACK_ZERO)
            if (spills == size and tnum.equals_const(spilled.var_off, 0)) or zeros == size:
                regs[dst_regno].mark_known(0)
            else:
                regs[dst_regno].mark_unknown()
            return
        if dst_regno >= 0:
            regs[dst_regno].copy_from(spilled)
        elif not (w.env.allow_ptr_leaks or spilled.is_scalar):  # (an atomic's operand: a scalar)
            w.fail(errno.EACCES, f"leaking pointer from stack off {off}")
        return
    if not w.env.allow_uninit_stack:
        _check_initialized(w, kinds, off, size, (STACK_MISC, STACK_ZERO))
    for special in _NO_DATA:  # a dynptr's, an iterator's or an IRQ flag's bytes are no data
        if special in kinds:
            w.fail(errno.EACCES, f"invalid read from stack off {off}+{kinds.index(special)} size {size}")
    if dst_regno < 0:
        return
    if all(k == STACK_ZERO for k in kinds):
        regs[dst_regno].mark_known(0)
    else:
        regs[dst_regno].mark_unknown()


def _check_initialized(w: Walker, kinds: list[int], off: int, size: int, readable: tuple[int, ...]) -> None:
    """check_stack_read_fixed_off() without allow_uninit_stack: the first byte of a kind not
    ``readable`` (never written: STACK_INVALID, or no data) is "invalid read from stack"."""
    for i, kind in enumerate(kinds):
        if kind not in readable:
            w.fail(errno.EACCES, f"invalid read from stack off {off}+{i} size {size}")


def _narrow_access_ok(off: int) -> bool:
    """bpf_stack_narrow_access_ok() on a little-endian machine: a read starting at the slot's
    lowest address reads the spill's low bytes (the caller has checked it is no wider than the
    spill)."""
    return off % BPF_REG_SIZE == 0


def check_stack_store(w: Walker, regno: int, reg: RegState, off: int, size: int) -> None:
    """check_mem_access() of a store of ``size`` unknown bytes at ``off`` from the stack pointer in
    ``regno`` (a helper's object being built there: a dynptr)."""
    check_ptr_alignment(w, reg, off, size, False)
    _check_stack_access(w, regno, reg, reg.off + off, size, access=BPF_WRITE, value_regno=-1, imm=None)


def helper_stack_access(
    w: Walker,
    regno: int,
    reg: RegState,
    size: int,
    *,
    access: int,
    zero_ok: bool,
    clobber: bool,
    const_size: bool = True,
    raw: bool = True,
) -> None:
    """check_stack_range_initialized(): ``size`` bytes at the pointer, within the frame (an empty
    range only where the argument allows it); a helper that writes them (``clobber``) makes them
    data.  Written in raw mode (``raw``: memory the helper fills, MEM_UNINIT) at a constant offset
    with a constant size, the bytes are stored one by one after the call's checks, so every slot
    they touch shows in the log; else they change silently.  An empty range allowed is still
    checked against the frame (a variable offset: every byte it may start at)."""
    if size == 0 and not zero_ok:
        w.fail(errno.EACCES, "invalid zero-sized read")
    min_off, max_off = stack_bounds(w, regno, reg, reg.off, size, access=access)
    stack = w.state.frames[reg.frameno].stack
    if w.env.fastcall is not None:  # a helper's access counts as the frame's (Linux 6.18, measured)
        w.env.fastcall.check_contract(w.state.frames[reg.frameno].subprog, w.insn_idx, min_off)
    at = dynptr.touches_dynptr(stack, min_off, max_off)
    if at is not None and clobber:
        w.fail(errno.EACCES, f"potential write to dynptr at off={at} disallowed")
    if at is None and not clobber:
        at = _first_iter_byte(stack, min_off, max_off)
    if at is not None:
        w.fail(errno.EACCES, f"invalid read from stack R{regno} off {min_off}+{at - min_off} size {size}")
    # (a size register not constant: check_mem_size_reg() drops the raw mode, the bytes must be set)
    if not (w.env.allow_uninit_stack and w.env.allow_ptr_leaks) and not (clobber and raw and const_size):
        _check_range_initialized(w, regno, reg, stack, min_off=min_off, max_off=max_off, size=size)
    if not (clobber and raw and const_size and tnum.is_const(reg.var_off)):  # raw mode: the stores only
        w.mark_stack_read(reg.frameno, stack_slots(min_off, max_off))
    if clobber:  # only a helper's write shows the slot in the log (a read does not scratch it)
        stack.write_data(min_off, max_off - min_off, False)
        if raw and const_size and tnum.is_const(reg.var_off):
            for spi in range(-max_off // BPF_REG_SIZE, (-min_off - 1) // BPF_REG_SIZE + 1):
                w.scratch_stack(spi, reg.frameno)


def _check_range_initialized(
    w: Walker, regno: int, reg: RegState, stack: Stack, *, min_off: int, max_off: int, size: int
) -> None:
    """check_stack_range_initialized()'s byte loop as a loader without allow_uninit_stack or
    allow_ptr_leaks meets it: each byte data, zero, never written (allow_uninit_stack only) or part
    of a spilled scalar (any spill with allow_ptr_leaks) -- a byte the spill wrote, not one past a
    narrow spill that was never written; the first other is "invalid read from stack"."""
    uninit_ok, leaks_ok = w.env.allow_uninit_stack, w.env.allow_ptr_leaks
    for at in range(min_off, max_off):
        slot, j = stack.byte(at)
        kind = slot.kinds[j]
        if kind in (STACK_MISC, STACK_ZERO) or (kind == STACK_INVALID and uninit_ok):
            continue
        if kind == STACK_SPILL and slot.spilled is not None and (leaks_ok or slot.spilled.is_scalar):
            continue  # (a byte of its own: the bytes past a narrow spill are refused, measured on 6.18)
        if tnum.is_const(reg.var_off):
            w.fail(errno.EACCES, f"invalid read from stack R{regno} off {min_off}+{at - min_off} size {size}")
        var_off = tnum.format_(reg.var_off)
        w.fail(errno.EACCES, f"invalid read from stack R{regno} var_off {var_off}+{at} size {size}")


_NO_DATA: Final = (STACK_DYNPTR, STACK_ITER, STACK_IRQ_FLAG)
"""Slot kinds whose bytes no load may read (check_stack_read_fixed_off())."""


def _first_iter_byte(stack: Stack, min_off: int, max_off: int) -> int | None:
    """The first stack offset in [min_off, max_off) holding an iterator's or an IRQ flag's byte, or
    None."""
    for off in range(max(min_off, -stack.allocated), max_off):
        slot, j = stack.byte(off)
        if slot.kinds[j] in (STACK_ITER, STACK_IRQ_FLAG):
            return off
    return None


def stack_constant(w: Walker, reg: RegState, size: int) -> int | None:
    """get_constant_map_key(): the value of ``size`` bytes of stack at the pointer, when they are
    zero bytes or a spill of a constant scalar of exactly that size; else None."""
    if not w.env.bpf_capable or reg.type is not RegType.PTR_TO_STACK or not tnum.is_const(reg.var_off):
        return None
    position = -(reg.off + bounds.s64(reg.var_off.value)) - 1
    stack = w.state.frames[reg.frameno].stack
    if not 0 <= position < stack.allocated:
        return None
    slot = stack.slots[position // BPF_REG_SIZE]
    j = position % BPF_REG_SIZE
    zeros = 0
    while j - zeros >= 0 and slot.kinds[j - zeros] == STACK_ZERO:
        zeros += 1
    if zeros >= size:
        return 0
    if not slot.is_spill or slot.spilled is None or not slot.spilled.is_scalar:
        return None
    spills = 0
    while j - spills >= 0 and slot.kinds[j - spills] == STACK_SPILL:
        spills += 1
    if spills != size or not tnum.is_const(slot.spilled.var_off):
        return None
    return slot.spilled.var_off.value


def _check_ctx_byte(w: Walker, regno: int, reg: RegState, off: int, access: int) -> None:
    """check_helper_mem_access() for a context the program type does not rewrite (SYSCALL, the
    tracing types): check_mem_access() of one byte at ``off``, the last the helper reaches -- the
    context pointer unmoved, the type's is_valid_access (its BTF arguments for a program attached by
    BTF id), and ``max_ctx_offset`` grown to cover it (what a raw_tp test run must supply)."""
    check_ptr_off_reg(w, reg, regno)
    attach_target = getattr(w.env.request.prog_type, "attach_target", None)
    if attach_target is not None:
        btf_ctx.check_ctx_arg_access(w, attach_target, off, 1, access == BPF_WRITE)
    elif not w.env.request.prog_type.is_valid_access(off, 1, access == BPF_WRITE):
        w.fail(errno.EACCES, f"invalid bpf_context access off={off} size=1")
    w.env.max_ctx_offset = max(w.env.max_ctx_offset, off + 1)


def helper_mem_access(
    w: Walker,
    regno: int,
    size: int,
    access: int,
    *,
    zero_ok: bool,
    clobber: bool,
    const_size: bool = True,
    raw: bool = True,
) -> None:
    """check_helper_mem_access(): ``size`` bytes at the pointer in ``regno`` (``const_size`` false:
    the most a size register allows), read or written (``access``: a BPF_WRITE refuses a map key,
    read-only memory and a BPF_F_RDONLY_PROG map value).  On the stack, a helper that writes the
    bytes (``clobber``) leaves them data; ``raw`` (MEM_UNINIT) says the kernel stores them one by
    one after the call's checks, so the log shows the slots (see helper_stack_access())."""
    reg = w.state.cur.regs[regno]
    t = reg.type
    if t in PACKET_TYPES:
        check_packet_access(w, regno, reg, reg.off, size, zero_ok=zero_ok)
    elif t is RegType.PTR_TO_MAP_KEY and reg.map is not None:
        if access == BPF_WRITE:
            w.fail(errno.EACCES, f"R{regno} cannot write into {reg.type_name()}")
        check_mem_region_access(w, regno, reg, reg.off, size, mem_size=map_key_size(reg.map))  # never empty
    elif t is RegType.PTR_TO_MAP_VALUE and reg.map is not None:
        check_map_access_type(w, reg, reg.off, size, access)
        check_mem_region_access(
            w, regno, reg, reg.off, size, mem_size=map_value_size(reg.map), zero_ok=zero_ok
        )
        value_fields.check_map_fields(w, reg, reg.off, size, direct=False)
    elif t is RegType.PTR_TO_MEM:
        if access == BPF_WRITE and reg.flags & TypeFlag.MEM_RDONLY:
            w.fail(errno.EACCES, f"R{regno} cannot write into {reg.type_name()}")
        check_mem_region_access(w, regno, reg, reg.off, size, mem_size=reg.mem_size, zero_ok=zero_ok)
    elif t is RegType.PTR_TO_BTF_ID and isinstance(reg.map, KernelType):  # (of a type pybpf knows)
        _check_ptr_to_btf_access(w, regno, reg, reg.off, size, access=access)  # a write too (6.18 stable)
    elif t is RegType.PTR_TO_BUF:
        check_buffer_access(w, regno, reg, reg.off, size, access=access)
    elif t is RegType.PTR_TO_STACK:
        helper_stack_access(
            w,
            regno,
            reg,
            size,
            access=access,
            zero_ok=zero_ok,
            clobber=clobber,
            const_size=const_size,
            raw=raw,
        )
    elif t is RegType.PTR_TO_CTX and not w.env.request.prog_type.converts_ctx:
        if size == 0:  # a zero-byte access: allowed where the helper allows one, else EACCES unlogged
            if not zero_ok:
                raise VerifierError(errno.EACCES, "", w.env.log.text)
            return
        _check_ctx_byte(w, regno, reg, size - 1, access)
    elif t in (RegType.SCALAR_VALUE, RegType.PTR_TO_CTX) and not (zero_ok and size == 0 and is_null(reg)):
        w.fail(errno.EACCES, f"R{regno} type={reg.type_name()} expected=fp")
