"""BTF func_info and line_info of a program load: check_btf_info_early(), check_btf_func() and
check_btf_line() of the verifier.

Mirrors kernel/bpf/verifier.c: when the loader passes ``func_info`` records (``struct
bpf_func_info { __u32 insn_off; __u32 type_id; }``, ``func_info_rec_size`` bytes apart) the record
size must be at least 8, at most a page and a multiple of 4 ("invalid func info rec size %u"), the
first record starts at instruction 0 ("nonzero insn_off %u for the first func info record"), the
offsets increase ("same or smaller insn offset (%u) than previous func info record (%u)") and each
type is a BTF FUNC ("invalid type id %d in func info"); after the subprograms are known there must
be one record per subprogram ("number of funcs in func_info doesn't match number of subprogs") at
its first instruction ("func_info BTF section doesn't match subprog layout in BPF program").  A
program with func_info may use callbacks (``lddw func``) and LD_ABS / tail calls in subprograms, in a
subprogram whose prototype returns a scalar ("LD_ABS is only allowed in functions that return 'int'.",
"tail_call is only allowed ...", EINVAL: a failed load or a tail call leaves it with a number).

check_btf_line(), right after: a ``line_info_cnt`` past INT_MAX / 16 or a record size below
``sizeof(struct bpf_line_info)`` (16), above 252 or not a multiple of 4 is EINVAL with nothing
logged; each record's bytes past the 16 the kernel knows must be zero ("nonzero tailing record in
line_info", no newline, E2BIG); the records' instructions increase strictly and lie inside the
program ("Invalid line_info[%u].insn_off:%u (prev_offset:%u prog->len:%u)"), never on the second
half of an lddw ("Invalid insn code at line_info[%u].insn_off"), their line and file strings are
offsets into the BTF's strings ("Invalid line_info[%u].line_off or .file_name_off"), and every
subprogram starts with a record ("missing bpf_line_info for func#%u", then after the last record
"missing bpf_line_info for %u funcs starting from func#%u"), all EINVAL.  Not modelled: the
kernel's write-back of ``line_info_rec_size`` (16) into the attr with the E2BIG.
"""

from __future__ import annotations

import errno
import struct

from pybpf.btf.kinds import Kind
from pybpf.btf.types import BTF, BTFError, Func, FuncProto, Int
from pybpf.isa.opcodes import LDDW_OPCODE
from pybpf.verifier.attach import skip_modifiers
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.state import VerifierState
from pybpf.verifier.subprogs import abnormal_exits

MIN_BPF_FUNCINFO_SIZE = 8
MAX_FUNCINFO_REC_SIZE = 252
_RECORD = struct.Struct("<II")
LINE_INFO_SIZE = 16
"""sizeof(struct bpf_line_info): insn_off, file_name_off, line_off, line_col."""
MAX_LINEINFO_REC_SIZE = MAX_FUNCINFO_REC_SIZE
_LINE = struct.Struct("<III")
_INT_MAX = 0x7FFF_FFFF


class BtfInfoEarlyPass:
    """check_btf_info_early(): parse and check the func_info records (before subprograms)."""

    name = "btf_info_early"

    def run(self, state: VerifierState) -> None:
        request = state.request
        if request.func_info is None:
            return
        size, raw = request.func_info_rec_size, request.func_info
        if size < MIN_BPF_FUNCINFO_SIZE or size > MAX_FUNCINFO_REC_SIZE or size % 4:
            state.einval(f"invalid func info rec size {size}")
        records = [_RECORD.unpack_from(raw, offset) for offset in range(0, len(raw) - size + 1, size)]
        previous = 0
        for index, (insn_off, type_id) in enumerate(records):
            if index == 0 and insn_off:
                state.fail(errno.EINVAL, f"nonzero insn_off {insn_off} for the first func info record")
            if index and insn_off <= previous:
                # the kernel's format string has no newline: the statistics follow on the same line
                message = (
                    f"same or smaller insn offset ({insn_off}) than previous func info record ({previous})"
                )
                state.log.verbose(message)
                raise VerifierError(errno.EINVAL, message, state.log.text)
            if request.btf_is_func is None or not request.btf_is_func(type_id):
                state.fail(errno.EINVAL, f"invalid type id {type_id} in func info")
            previous = insn_off
        state.func_info = records


class BtfInfoPass:
    """check_btf_info(): check_btf_func() (one record per subprogram, at its first instruction), then
    check_btf_line()."""

    name = "btf_info"

    def run(self, state: VerifierState) -> None:
        if state.func_info is not None:
            check_btf_func(state, state.func_info)
        check_btf_line(state)


def check_btf_func(state: VerifierState, func_info: list[tuple[int, int]]) -> None:
    """check_btf_func(): one record per subprogram, each at its subprogram's first instruction, and
    a subprogram other than the main one that uses LD_ABS / LD_IND or bpf_tail_call returns a scalar
    in its prototype (an int of at most 8 bytes or an enum: the value its hidden exit returns)."""
    if len(func_info) != len(state.subprogs):
        state.einval("number of funcs in func_info doesn't match number of subprogs")
    has_ld_abs, has_tail_call = abnormal_exits(state)
    btf = None
    for n, ((insn_off, type_id), start) in enumerate(zip(func_info, state.subprogs, strict=True)):
        if insn_off != start:
            state.einval("func_info BTF section doesn't match subprog layout in BPF program")
        if not n or (n not in has_ld_abs and n not in has_tail_call):
            continue
        if btf is None:
            btf = _program_btf(state)
        if btf is not None and _returns_scalar(btf, type_id):
            continue
        what = "LD_ABS" if n in has_ld_abs else "tail_call"
        state.einval(f"{what} is only allowed in functions that return 'int'.")


def _program_btf(state: VerifierState) -> BTF | None:
    """The program's BTF (``prog->aux->btf``), None where it cannot be decoded."""
    btf_types = state.request.btf_types
    if btf_types is None:
        return None
    try:
        return btf_types()
    except BTFError:
        return None


def _returns_scalar(btf: BTF, func_id: int) -> bool:
    """check_btf_func()'s ``scalar_return``: the FUNC's prototype returns, past modifiers, an int of at
    most 8 bytes (btf_type_is_small_int()) or an enum (btf_is_any_enum()); void is not a scalar."""
    func = btf[func_id] if func_id < btf.end_id else None
    proto = btf[func.type_id] if isinstance(func, Func) and func.type_id < btf.end_id else None
    if not isinstance(proto, FuncProto) or not proto.return_type:
        return False
    ret = btf[skip_modifiers(btf, proto.return_type)]
    return (isinstance(ret, Int) and ret.size <= 8) or ret.kind in (Kind.ENUM, Kind.ENUM64)


def check_btf_line(state: VerifierState) -> None:
    """check_btf_line(): the line_info records against the program and its subprograms."""
    request = state.request
    count, size = request.line_info_cnt, request.line_info_rec_size
    if not count:
        return
    raw = request.line_info_raw
    if count > _INT_MAX // LINE_INFO_SIZE or raw is None:
        raise VerifierError(errno.EINVAL, "line_info_cnt or line_info_rec_size refused", state.log.text)
    if size < LINE_INFO_SIZE or size > MAX_LINEINFO_REC_SIZE or size % 4:
        raise VerifierError(errno.EINVAL, f"invalid line_info rec size {size}", state.log.text)
    codes = []  # the opcode of each slot (an lddw's second half: 0)
    for insn in request.insns:
        codes.append(insn.opcode)
        if insn.opcode == LDDW_OPCODE:
            codes.append(0)
    starts = state.subprogs
    sub = 0
    previous = 0
    for index, at in enumerate(range(0, count * size, size)):
        if any(raw[at + LINE_INFO_SIZE : at + size]):
            message = "nonzero tailing record in line_info"
            state.log.verbose(message)
            raise VerifierError(errno.E2BIG, message, state.log.text)
        insn_off, file_off, line_off = _LINE.unpack_from(raw, at)
        if (index and insn_off <= previous) or insn_off >= len(codes):
            length = len(codes)
            state.einval(
                f"Invalid line_info[{index}].insn_off:{insn_off} (prev_offset:{previous} prog->len:{length})"
            )
        if not codes[insn_off]:
            state.einval(f"Invalid insn code at line_info[{index}].insn_off")
        if line_off >= request.btf_strings_size or file_off >= request.btf_strings_size:
            state.einval(f"Invalid line_info[{index}].line_off or .file_name_off")
        if sub != len(starts):
            if insn_off == starts[sub]:
                sub += 1
            elif starts[sub] < insn_off:
                state.einval(f"missing bpf_line_info for func#{sub}")
        previous = insn_off
    if sub != len(starts):
        state.einval(f"missing bpf_line_info for {len(starts) - sub} funcs starting from func#{sub}")
