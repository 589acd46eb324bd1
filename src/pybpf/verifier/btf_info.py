"""BTF func_info of a program load: check_btf_info_early() and check_btf_func() of the verifier.

Mirrors kernel/bpf/verifier.c: when the loader passes ``func_info`` records (``struct
bpf_func_info { __u32 insn_off; __u32 type_id; }``, ``func_info_rec_size`` bytes apart) the record
size must be at least 8, at most a page and a multiple of 4 ("invalid func info rec size %u"), the
first record starts at instruction 0 ("nonzero insn_off %u for the first func info record"), the
offsets increase ("same or smaller insn offset (%u) than previous func info record (%u)") and each
type is a BTF FUNC ("invalid type id %d in func info"); after the subprograms are known there must
be one record per subprogram ("number of funcs in func_info doesn't match number of subprogs") at
its first instruction ("func_info BTF section doesn't match subprog layout in BPF program").  A
program with func_info may use callbacks (``lddw func``) and LD_ABS / tail calls in subprograms.
"""

from __future__ import annotations

import errno
import struct

from pybpf.verifier.state import VerifierState

MIN_BPF_FUNCINFO_SIZE = 8
MAX_FUNCINFO_REC_SIZE = 252
_RECORD = struct.Struct("<II")


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
                state.fail(
                    errno.EINVAL,
                    f"same or smaller insn offset ({insn_off}) than previous func info record ({previous})",
                )
            if request.btf_is_func is None or not request.btf_is_func(type_id):
                state.fail(errno.EINVAL, f"invalid type id {type_id} in func info")
            previous = insn_off
        state.func_info = records


class BtfInfoPass:
    """check_btf_func(): one record per subprogram, at its first instruction."""

    name = "btf_info"

    def run(self, state: VerifierState) -> None:
        if state.func_info is None:
            return
        if len(state.func_info) != len(state.subprogs):
            state.einval("number of funcs in func_info doesn't match number of subprogs")
        for (insn_off, _), start in zip(state.func_info, state.subprogs, strict=True):
            if insn_off != start:
                state.einval("func_info BTF section doesn't match subprog layout in BPF program")
