"""Property tests: whatever the instructions, ``verify`` answers with a result or a VerifierError.

Random valid programs (every branch on an instruction start) and random raw instructions (unknown
opcodes, reserved fields, r11-r15) never make the verifier crash; every refusal carries an errno and
a log whose last message line is the reason.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf.errors import BPFError
from pybpf.isa.instruction import Instruction
from pybpf.verifier import VerifierError, verify
from tests.isa.strategies import raw_instructions, valid_programs
from tests.verifier.stubs import SOCKET_FILTER, XDP, FakeMap, make_request

EXIT = Instruction(0x95)
EXAMPLES = int(os.environ.get("PYBPF_VERIFIER_EXAMPLES", "60"))
_MAPS = {3: FakeMap(0x7F0000000000, 2), 4: FakeMap(0x7F0000010000, 1, max_entries=4)}


def _check(program: list[Instruction], prog_type: int, gpl: bool) -> None:
    request = make_request(program, prog_type, gpl=gpl, maps=_MAPS, fd_array=[3, 4])
    try:
        result = verify(request)
    except VerifierError as err:
        assert err.errno
        lines = [
            line for line in err.log.splitlines()[:-1] if not line.startswith(("cur state:", "old state:"))
        ]
        # an infinite loop's reason ends the looping jump's line (the kernel's log glues them) and is
        # followed by both states
        assert lines[-1].endswith(err.reason)
        return
    except BPFError as err:  # pragma: no cover - only VerifierError is expected
        raise AssertionError(f"BPFError outside VerifierError: {err}") from err
    assert result.subprogs[0] == 0
    assert sum(insn.slots for insn in result.insns) >= sum(insn.slots for insn in program)
    assert all(not (insn.is_lddw and insn.src in (1, 2, 5, 6)) for insn in result.insns)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_programs(), st.sampled_from([SOCKET_FILTER, XDP]), st.booleans())
def test_valid_programs_never_crash(program: list[Instruction], prog_type: int, gpl: bool) -> None:
    _check([*program, EXIT], prog_type, gpl)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(raw_instructions(), min_size=1, max_size=12), st.sampled_from([SOCKET_FILTER, XDP]))
def test_raw_instructions_never_crash(program: list[Instruction], prog_type: int) -> None:
    _check([*program, EXIT], prog_type, True)
