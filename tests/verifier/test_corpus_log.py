"""The level-2 log of the verifier corpus's selftest-themed programs against the kernel's.

The programs of tests/data/verifier_corpus/selftests_*.asm (scalars, bounds, spills, stack, the
kernel's verifier selftests' themes written afresh) use maps, so they are loaded with the corpus's
loader on both backends, each with its own maps, at log level 2.  Every state line
(``N: (code) insn ; state``, ``N: state``, ``from A to B: state``) must be the kernel's -- an
lddw's map address aside, which differs between the kernel and pybpf by nature -- and so must the
verdict and the processed-instruction count.  Programs whose log still differs are strict xfails
with the reason.
"""

from __future__ import annotations

import re

import pytest

from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from tests.verifier import verifier_corpus as vc
from tests.verifier.test_corpus import HEAVY
from tests.verifier.test_log_agreement import processed, state_lines

_MAP_ADDRESS = re.compile(r"(\(18\) r\d+ = )0x[0-9a-f]+ *")

# heavy programs (a million processed instructions) only with PYBPF_CORPUS_HEAVY=1, as in test_corpus
PROGRAMS = [p for p in vc.corpus(with_c=False) if p.theme.startswith("selftests_") and (HEAVY or not p.heavy)]
_TAIL_CALL = (
    "level 2 after bpf_tail_call: the kernel prints the call line without a state (pybpf appends ';'); "
    "from a subprogram, Linux 6.18 processes 10 instructions where pybpf processes 8"
)
_FOR_EACH = (
    "level 2 of bpf_for_each_map_elem: the kernel prints the call line without the caller's state "
    "and walks the callback's instructions in another order (its 'from N to M: safe' lines)"
)
_GLOBAL_ARG_LOG = {
    "nonnull_stack_passed": "level 2 after a global call with memory: pybpf shows the stack slot the "
    "argument check read (fp-8=mmmm????), the kernel does not",
    "dynptr_initialised": "level 2 of a global function's dynptr argument: the kernel prints its id and "
    "type (dynptr_ptr(id=2,type=skb)), pybpf only dynptr_ptr()",
    "dynptr_written_inside": "level 2 of a global function's dynptr argument: the kernel prints its id and "
    "type (dynptr_ptr(id=2,type=skb)), pybpf only dynptr_ptr()",
}  # fmt: skip
LOG_GAPS = {
    **{f"selftests_global_args/{name}": reason for name, reason in _GLOBAL_ARG_LOG.items()},
    "selftests_map_in_map/for_each_on_inner": _FOR_EACH,
    **{
        f"selftests_iterating_callbacks/{name}": _FOR_EACH
        for name in (
            "for_each_key_past", "for_each_value_past", "for_each_value_write", "for_each_key_write",
            "for_each_percpu_array", "for_each_ret_two", "for_each_flags", "for_each_hash",
        )
    },
    **{
        f"selftests_tailcall/{name}": _TAIL_CALL
        for name in (
            "ok_const_index", "r0_after_tail_call", "r6_kept_after_tail_call", "from_subprog",
            "xdp_tail_call", "stack_kept_after_tail_call",
        )
    },
}  # fmt: skip


def _log(program: vc.Program, backend: Backend) -> tuple[int, str]:
    """Load ``program`` through ``backend`` at log level 2: (errno, log)."""
    err, log = vc.load_with_log(program, backend, log_level=2)
    return err, _MAP_ADDRESS.sub(r"\1ADDR ", log)


@pytest.mark.parametrize(
    "program",
    [pytest.param(p, marks=[pytest.mark.xfail(strict=True, reason=LOG_GAPS[p.name])]
                  if p.name in LOG_GAPS else []) for p in PROGRAMS],
    ids=[p.name for p in PROGRAMS],
)  # fmt: skip
def test_selftest_program_log_is_the_kernels(program: vc.Program, kernel: bool) -> None:
    kerr, klog = _log(program, NativeBackend())
    err, log = _log(program, UserBackend())
    assert (err, processed(log)) == (kerr, processed(klog))
    assert state_lines(log) == state_lines(klog)
