"""Open-coded iterators (kfuncs bpf_iter_num_*) verified as the kernel does: the same answers, the
same statistics (the forked iter_next call, its forced checkpoints and convergence decide how many
instructions and states the walk takes) and the same trace around the call."""

from __future__ import annotations

import pytest

from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.uapi import BPF_PROG_TYPE_SOCKET_FILTER
from pybpf.verifier import VerifierError, verify
from tests.verifier.kernel_load import kernel_load
from tests.verifier.stubs import XDP, make_request
from tests.verifier.test_stats_agreement import stats
from tests.verifier.verifier_corpus import CORPUS, parse_theme, resolve_kfuncs
from tests.verifier.verifier_corpus import Program as CorpusProgram

THEME = parse_theme(CORPUS / "selftests_iters.asm")
TYPES = {"xdp": XDP, "socket_filter": BPF_PROG_TYPE_SOCKET_FILTER}
"""The program types of the theme the verifier's stub requests model (``tests.verifier.stubs``)."""
PLAIN = [p for p in THEME if not p.maps and p.license == "GPL" and p.prog_type in TYPES]


def _pybpf(text: str, prog_type: int, level: int) -> tuple[int, str]:
    insns = assemble(resolve_kfuncs(text), "kernel")
    try:
        return 0, verify(make_request(insns, prog_type, log_level=level)).log
    except VerifierError as exc:
        return exc.errno or 0, exc.log


def test_theme_has_enough_programs() -> None:
    accepted = [p for p in THEME if "refused" not in p.desc]
    assert len(THEME) >= 30 and len(accepted) >= 10


@pytest.mark.parametrize("program", PLAIN, ids=[p.name for p in PLAIN])
def test_statistics_match(program: CorpusProgram, kernel: bool) -> None:
    prog_type = TYPES[program.prog_type]
    insns = assemble(resolve_kfuncs(program.text), "kernel")
    kerr, klog = kernel_load(encode_program(insns), prog_type, log_level=4)
    err, log = _pybpf(program.text, prog_type, 4)
    assert (err, stats(log)) == (kerr, stats(klog))


def _trace(log: str) -> list[str]:
    """The level-2 trace without the kernel's liveness dumps (pybpf prints neither)."""
    out: list[str] = []
    in_dump = False
    for line in log.splitlines():
        if line.startswith("Live regs before insn"):
            in_dump = True
            continue
        if in_dump and line.startswith(" "):
            continue
        in_dump = False
        if not line.startswith("(0) "):
            out.append(line)
    return out


def test_level2_trace_matches(kernel: bool) -> None:
    """The forked call, the drained and active iterator in the state print, the convergence."""
    program = next(p for p in THEME if p.name == "iters/sum_to_ten")
    insns = assemble(resolve_kfuncs(program.text), "kernel")
    _, klog = kernel_load(encode_program(insns), XDP, log_level=2)
    _, log = _pybpf(program.text, XDP, 2)
    assert "state=drained" in log and "SCC backedge" in log
    assert _trace(log)[:-1] == _trace(klog)[:-1]  # (the statistics line's time differs)
