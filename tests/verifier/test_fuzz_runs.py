"""CI-time samples of scripts/fuzz_verifier.py's ``--caps`` and ``--run`` modes against the kernel.

``--caps``: shaped programs (tests.verifier.shape_generator) loaded by a caller with CAP_BPF and
CAP_NET_ADMIN alone (Spectre v1/v4 sanitation, no pointer leaks, no uninitialised stack) and by one
without any capability (socket filters), on pybpf and on the kernel (from a forked child,
tests/caps.py): the same errno, final message, processed-instruction count and first path.

``--run``: what both verifiers accept is run (BPF_PROG_TEST_RUN) on the kernel and on pybpf's
interpreter and JIT with the same packets and map contents (tests.verifier.run_fuzz): the same
errno, return value, packet out and maps afterwards, for root and for the least-privileged XDP
loader (whose xlated program carries the Spectre masking).

Seeds past the ranges the fuzzer's tables were measured on; skipped without the real bpf(2), root
or the capability tools.
"""

from __future__ import annotations

import os

import pytest

from pybpf.isa.asm import assemble
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend
from tests.verifier import verifier_corpus as vc
from tests.verifier.run_fuzz import (
    RunInput,
    RunOutcome,
    compare_runs,
    deterministic,
    inputs,
    nondeterministic,
    run_program,
)
from tests.verifier.shape_fuzz import answer, compare, heavy, program_of
from tests.verifier.shape_generator import SHAPES

CAPS_SEEDS = range(40_000, 40_000 + int(os.environ.get("PYBPF_CAPS_SEEDS", "2")))
RUN_SEEDS = range(50_000, 50_000 + int(os.environ.get("PYBPF_RUN_SEEDS", "3")))
MAX_INSNS = 1500
"""Programs the kernel processes more instructions of are left out (the fuzzer's ``--max-insns``)."""


@pytest.mark.parametrize("caps", ["bpf,net_admin", "none"])
@pytest.mark.parametrize("shape", SHAPES)
def test_shaped_programs_as_a_less_privileged_caller(kernel: bool, shape: str, caps: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to drop capabilities")
    wrong = []
    for seed in CAPS_SEEDS:
        program = program_of(shape, seed, caps)
        if heavy(program, NativeBackend(), MAX_INSNS):
            continue
        theirs, _ = answer(program, NativeBackend())
        if theirs.line.startswith("verifier bug:"):
            continue  # a kernel bug after verification (known_disagreements.txt's "After do_check")
        mine, _ = answer(program, UserBackend())
        kind = compare(mine, theirs)
        if kind:
            wrong.append(f"{kind} {program.name} ({caps}): kernel {theirs} | pybpf {mine}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("caps", ["", "bpf,net_admin"], ids=["root", "bpf,net_admin"])
@pytest.mark.parametrize("shape", SHAPES)
def test_accepted_programs_run_alike(kernel: bool, shape: str, caps: str) -> None:
    if caps and os.geteuid() != 0:
        pytest.skip("needs root to drop capabilities")
    wrong = []
    for seed in RUN_SEEDS:
        program = program_of(shape, seed, caps)
        if heavy(program, NativeBackend(), MAX_INSNS):
            continue
        verdict = run_program(program, seed, NativeBackend(), UserBackend())
        if verdict.kind not in ("", "nondet", "unspec"):
            wrong.append(f"{verdict.kind} {program.name} ({caps or 'root'}): {verdict.detail}")
    assert not wrong, "\n".join(wrong)


def test_a_different_run_is_found() -> None:
    """compare_runs() names the first field an engine's run differs in, the engine and the input."""
    given = (RunInput(bytes(14), ()), RunInput(bytes(64), ()))
    same = RunOutcome(0, 2, bytes(14), (("hmap", ((b"\0" * 4, b"\1" * 16),)),))
    other_map = RunOutcome(0, 2, bytes(14), (("hmap", ()),))
    kernel_runs = (0, {"kernel": (same, same)})
    assert (
        compare_runs(kernel_runs, (0, {"interpreter": (same, same), "jit": (same, same)}), given).kind == ""
    )
    verdict = compare_runs(kernel_runs, (0, {"interpreter": (same, same), "jit": (same, other_map)}), given)
    assert (verdict.kind, verdict.ran) == ("maps", True)
    assert verdict.detail.startswith("jit input 1 (64 bytes)")
    moved = RunOutcome(0, 1, bytes(14), same.maps)
    assert compare_runs(kernel_runs, (0, {"interpreter": (moved, same)}), given).kind == "retval"
    assert compare_runs(kernel_runs, (13, {}), given).kind == "load"
    assert compare_runs((13, {}), (1, {}), given) == compare_runs((13, {}), (13, {}), given)
    poisoned = {"interpreter": (same, same), "interpreter+poisoned": (same, moved), "jit": (same, same)}
    assert compare_runs(kernel_runs, (0, poisoned), given).kind == "unspec"  # reads stack never written


def test_deterministic_programs_assemble() -> None:
    """The calls whose results no two runs share become packet loads that assemble, for XDP (a
    bounds-checked direct load) and the LD_ABS types; the rest keep them and are not run."""
    text = "    call bpf_get_prandom_u32\n    r9 = r0\n    call bpf_ktime_get_ns\n    r0 = 0\n    exit\n"
    assert nondeterministic(text) == "bpf_get_prandom_u32"
    assert nondeterministic("    r0 = 0\n    may_goto +0\n    exit\n") == "may_goto"
    for prog_type in ("xdp", "socket_filter", "sched_cls"):
        made = deterministic(text, prog_type)
        assert not nondeterministic(made), made
        fds = {"hmap": 3}
        assert assemble(made, "kernel", maps=fds)[-1].opcode == 0x95
    assert deterministic(text, "cgroup_skb") == text


def test_inputs_repeat_and_fill_the_maps() -> None:
    program = program_of("ptr_var_off", 1)
    first = inputs(program, 7)
    assert first == inputs(program, 7) and first != inputs(program, 8)
    names = {m.name for m in program.maps}
    for one in first:
        assert len(one.packet) >= 14
        filled = dict(one.maps)
        assert set(filled) <= names and "amap" in filled and "rb" not in filled
        assert len(filled["amap"]) == next(m.entries for m in program.maps if m.name == "amap")
    assert vc.loader_drops(program_of("ptr_var_off", 1, "none"))


UNINIT_KEY = """
    *(u64 *)(r10 -24) = 1
    *(u64 *)(r10 -16) = 1
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -16
    r4 = 0
    r1 = map_fd(amap) ll
    call bpf_map_update_elem
    r0 = 2
    exit
"""


def test_a_program_reading_stack_never_written_is_not_compared(kernel: bool) -> None:
    """helper_mem:1 in run mode: a key of stack never written (root may read it) is whatever the
    kernel's stack held there, pybpf's zeros (unspecified(): refused without CAP_PERFMON)."""
    program = vc.Program(
        name="uninit_key", theme="run", text=UNINIT_KEY, maps=program_of("helper_mem", 1).maps
    )
    verdict = run_program(program, 1, NativeBackend(), UserBackend())
    assert verdict.kind == "unspec", verdict
