"""The ``pseudo`` pass: sanity of every slot and resolution of lddw's pseudo sources.

Mirrors the kernel's check_and_resolve_insns() (formerly resolve_pseudo_ldimm64), one walk over the
raw slots in order, so the first failing slot decides:

* ``BPF_LDX`` with a mode no load of the opcode table has (only MEM/MEMSX), or a field every load
  reserves in use (imm): "BPF_LDX uses reserved fields";
* ``lddw``: the last slot, or a second slot with code/regs/off set: "invalid bpf_ld_imm64 insn";
  src 0 is a plain constant; src 3 (BPF_PSEUDO_BTF_ID) needs kernel BTF, which pybpf does not
  resolve (EINVAL, the kernel's message for an id that is no VAR/FUNC); src 4 (BPF_PSEUDO_FUNC) is
  left for the call graph; src 1/5 with a non-zero second imm, or any other src: "unrecognized
  bpf_ld_imm64 insn"; src 5/6 without fd_array: "fd_idx without fd_array is invalid" (EPROTO);
  a bad fd: "fd %d is not pointing to valid bpf_map" with the lookup's errno (EBADF, EINVAL);
  src 2/6: "direct value offset of %u is not allowed" (>= 1 << 29) and the map's direct value
  address (only arrays have one);
* any other opcode the kernel's instruction table lacks: "unknown opcode %02x".

Used maps are collected once each in first-use order (at most MAX_USED_MAPS, E2BIG), and every
resolved lddw's 64-bit value is recorded by slot; the instructions themselves are rewritten at the
end (the ``ld_imm64`` fixup), because value tracking still needs the pseudo sources.
"""

from __future__ import annotations

import errno

from pybpf.errors import BPFError
from pybpf.isa import opcodes as op
from pybpf.isa.program import CALLX_OPCODE
from pybpf.uapi import BPF_MAP_TYPE_ARENA, BPF_MAP_TYPE_ARRAY, BPF_MAX_VAR_OFF, MAX_USED_MAPS
from pybpf.verifier import map_compat
from pybpf.verifier.request import MapRef
from pybpf.verifier.state import VerifierState

KERNEL_OPCODES: frozenset[int] = frozenset(op.BY_OPCODE) - {CALLX_OPCODE, op.BPF_ST | op.BPF_NOSPEC}
"""bpf_opcode_in_insntable(): every opcode of pybpf's table except callx and the speculation barrier
(the fixups' own), which the kernel refuses."""
_LDX = [spec for spec in op.OPCODES if spec.cls == op.BPF_LDX]
_LDX_MODES = frozenset(spec.opcode & 0xE0 for spec in _LDX)
"""The addressing modes of the table's loads (MEM, MEMSX): another one is a reserved-field error."""
_LDX_RESERVED = frozenset.intersection(*(spec.kernel_reserved for spec in _LDX))
"""The fields every load of the table reserves (imm)."""


class PseudoPass:
    name = "pseudo"

    def run(self, state: VerifierState) -> None:
        slots = state.view.slots
        count = len(slots)
        i = 0
        while i < count:
            s = slots[i]
            cls = s.code & 0x07
            mode = s.code & 0xE0
            if cls == op.BPF_LDX and (mode not in _LDX_MODES or any(getattr(s, f) for f in _LDX_RESERVED)):
                state.einval("BPF_LDX uses reserved fields")
            if s.code == op.LDDW_OPCODE:
                _check_lddw(state, i)
                i += 2
                continue
            if s.code not in KERNEL_OPCODES:
                state.einval(f"unknown opcode {s.code:02x}")
            i += 1


def _check_lddw(state: VerifierState, i: int) -> None:
    slots = state.view.slots
    first = slots[i]
    second = slots[i + 1] if i + 1 < len(slots) else None
    if second is None or second.code or second.dst or second.src or second.off:
        state.einval("invalid bpf_ld_imm64 insn")
    src = first.src
    if src in (0, op.BPF_PSEUDO_FUNC):
        return
    if src == op.BPF_PSEUDO_BTF_ID:
        state.einval(f"pseudo btf_id {first.imm} in ldimm64 isn't KIND_VAR or KIND_FUNC")
    if src in (op.BPF_PSEUDO_MAP_FD, op.BPF_PSEUDO_MAP_IDX):
        if second.imm != 0:
            state.einval("unrecognized bpf_ld_imm64 insn")
    elif src not in (op.BPF_PSEUDO_MAP_VALUE, op.BPF_PSEUDO_MAP_IDX_VALUE):
        state.einval("unrecognized bpf_ld_imm64 insn")
    request = state.request
    if src in (op.BPF_PSEUDO_MAP_IDX, op.BPF_PSEUDO_MAP_IDX_VALUE):
        if request.fd_array is None:
            state.fail(errno.EPROTO, "fd_idx without fd_array is invalid")
        lookup = request.fd_array
        what = first.imm
    else:
        lookup = request.resolve_map_fd
        what = first.imm
    try:
        map_ = lookup(what)
    except BPFError as err:
        state.fail(err.errno or errno.EINVAL, f"fd {what} is not pointing to valid bpf_map")
    _add_used_map(state, map_)
    if src in (op.BPF_PSEUDO_MAP_FD, op.BPF_PSEUDO_MAP_IDX):
        value = map_.address
        state.lddw_maps[i] = (map_, 0)
    else:
        off = second.imm & 0xFFFFFFFF
        if off >= BPF_MAX_VAR_OFF:
            state.einval(f"direct value offset of {off} is not allowed")
        if map_.map_type not in (BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_ARENA):
            state.einval("no direct value access support for this map type")
        try:
            value = map_.direct_value_address(off)
        except BPFError as err:
            value_size = _value_size(map_)
            state.fail(
                err.errno or errno.EINVAL,
                f"invalid access to map value pointer, value_size={value_size} off={off}",
            )
        state.lddw_maps[i] = (map_, off)
    state.resolved[i] = value & ((1 << 64) - 1)


def _value_size(map_: MapRef) -> int:
    """The map's value_size for the log line: a ``value_size`` attribute, or ``spec.value_size``."""
    size: object = getattr(map_, "value_size", None)
    if size is None:
        size = getattr(getattr(map_, "spec", None), "value_size", 0)
    return size if isinstance(size, int) else 0


def _add_used_map(state: VerifierState, map_: MapRef) -> None:
    """add_used_map(): each map once, by identity (its address), in first-use order."""
    if any(m.address == map_.address for m in state.maps):
        return
    if len(state.maps) >= MAX_USED_MAPS:
        limit = MAX_USED_MAPS
        state.fail(errno.E2BIG, f"The total number of maps per program has reached the limit of {limit}")
    map_compat.check_map_prog_compatibility(state, map_)
    state.maps.append(map_)
