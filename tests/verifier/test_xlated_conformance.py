"""pybpf's xlated programs against the kernel's, on a sample of the verifier corpus.

``scripts/xlated_conformance.py`` compares every accepted corpus program (README, *Programs*: *The
xlated program*); this test takes every ``STRIDE``-th assembly program of the same list, loads it
on both (skipped without bpf(2)) and compares BPF_OBJ_GET_INFO_BY_FD's ``xlated_prog_insns`` the
same way (``tests.verifier.xlated_compare``).  Every class of difference found must be one that
pybpf is known not to model, listed in ``KNOWN`` with the reason; the classes pybpf models must not
appear; and the share of identical programs must not fall below what was measured.
"""

from __future__ import annotations

import pytest

from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from tests.verifier import verifier_corpus as vc
from tests.verifier import xlated_compare as xc

STRIDE = 30
KNOWN: dict[str, str] = {
    "inlined map lookup": "not modelled: map_gen_lookup() (array, per-CPU array, hash, LRU hash, maps "
    "of maps) reads the value through the map's kernel struct, where pybpf's values are not",
    "inlined smp_processor_id": "not modelled: the per-CPU load through BPF_MOV64_PERCPU_REG",
    "inlined call": "not modelled: do_misc_fixups() and fixup_kfunc_call() put instructions for "
    "bpf_kptr_xchg, bpf_cast_to_kern_ctx, bpf_rdonly_cast ...",
    "may_goto counter": "not modelled: may_goto's counter on the stack, through AX",
    "LD_ABS/LD_IND rewrite": "not modelled: do_misc_fixups() turns a legacy packet load into a call of "
    "bpf_skb_load_helper_8/16/32 (bpf_gen_ld_abs()); pybpf's engines run the load itself",
    "division guard": "not modelled: do_misc_fixups()'s guards around a division or modulo by a "
    "register (by zero, by -1) through AX; pybpf's engines give those results directly",
    "default exception callback": "not modelled: add_hidden_subprog()'s exception callback at the end",
    "context layout": "pybpf's context structs (its sk_buff, sock, ...) are its own: the same access "
    "at another offset",
    "context rewrite": "convert_ctx_access() sequences pybpf makes otherwise (narrow loads, the fields "
    "read through AX, sign extensions)",
    "jump target": "a consequence of the blocks above: a jump across one of another length",
}
"""The classes of differences left, with why."""
MODELLED = frozenset({"dead code", "hard-wired branch"})
"""Classes pybpf models now: never allowed."""
MIN_IDENTICAL = 0.5
"""The floor of identical xlated programs in the sample."""


def test_sample_agrees_but_for_the_known_classes() -> None:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    sample = xc.candidates(with_c=False)[::STRIDE]
    kernel, mine = NativeBackend(), UserBackend()
    compared = identical = 0
    unknown: list[str] = []
    for program in sample:
        if vc.build_refusal(program):
            continue  # the running build cannot answer for it as Linux 6.18 does (tests/kernel_build.py)
        theirs, ours = xc.fetch(program, kernel), xc.fetch(program, mine)
        assert (theirs is None) == (ours is None), program.name
        if theirs is None or ours is None:
            continue
        comparison = xc.compare(ours[0], ours[1], theirs[0], theirs[1])
        compared += 1
        identical += comparison.same
        unknown += [
            f"{program.name}: {example}"
            for example in comparison.examples
            if example.split(":")[0] not in KNOWN or example.split(":")[0] in MODELLED
        ]
    assert compared >= len(sample) // 2
    assert not unknown, "\n".join(unknown)
    assert identical / compared >= MIN_IDENTICAL, f"{identical} of {compared} identical"
