"""What the verifier does about the XDP kfuncs of ``pybpf.kfuncs.xdp_meta`` besides their arguments.

Mirrors kernel/bpf/verifier.c (Linux 6.18): add_kfunc_call() refuses a call of an RX metadata kfunc
in a program not bound to a device (bpf_dev_bound_kfunc_id() / bpf_dev_bound_kfunc_check():
"metadata kfuncs require device-bound program", EINVAL, before the program is walked); and
bpf_xdp_pull_data is a kfunc that may move the packet (is_kfunc_pkt_changing()): check_kfunc_call()
invalidates every packet pointer after it (clear_all_pkt_pointers()) and check_cfg() marks the
subprogram calling it as one that changes packet data.
"""

from __future__ import annotations

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.program import CALL_OPCODE
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.kfuncs.xdp_meta import METADATA_KFUNCS, PULL_DATA
from pybpf.verifier.state import VerifierState


def check_dev_bound(state: VerifierState, name: str | None) -> None:
    """bpf_dev_bound_kfunc_check() of a call of ``name``: pybpf's programs are never device-bound."""
    if name in METADATA_KFUNCS:
        state.einval("metadata kfuncs require device-bound program")


def is_pkt_changing_call(insn: Instruction) -> bool:
    """A call of bpf_xdp_pull_data (vmlinux's)."""
    if insn.opcode != CALL_OPCODE or insn.src != op.BPF_PSEUDO_KFUNC_CALL or insn.off or not insn.imm:
        return False
    return kernel_btf().func_name(insn.imm & 0xFFFF_FFFF) == PULL_DATA
