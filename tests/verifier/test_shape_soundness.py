"""Soundness of the verifier on shaped programs: what pybpf accepts runs without a fault.

The shaped random programs (tests.verifier.shape_generator) of the session-20 shapes --
``pkt_invalidate`` (packet pointers across helpers that change the packet), ``stack_ptr_chain``
(stack pointers handed down bpf-to-bpf calls), ``callback_stack`` (callbacks writing the caller's
stack), ``spill_precision`` (spilled scalars relied on after branches), ``atomic_stack``
(atomics on stack slots and map values), ``helper_ret`` (helpers' results as offsets) and
``pkt_end_marks`` (packet pointers compared with data_end around a join), and the session-21
shapes (``map_value_imm``, ``signed_value_off``, ``jset_chains``, ``subprog_ret_ptr``,
``array_const_key``, ``map_helpers``, ``reg_compare_ids``, ``callee_fill``, ``const_str``), and the
session-23 ``alu_mix`` (chains of ALU operations as offsets), ``map_in_map`` (inner maps' values),
``stack_mix`` (stack slots of mixed kinds read back) and ``sock_refs`` (socket references) -- are
loaded into pybpf; each one it accepts is run (BPF_PROG_TEST_RUN, on every engine) on packets of
random lengths and bytes, with its hash and array maps holding random values or nothing, and must
never fault: an accepted program is safe without run-time checks, so a fault is an unsound
acceptance.  Whether
the kernel accepts the same programs is scripts/fuzz_verifier.py's and test_fuzz_kernel.py's
business; this holds without bpf(2).
"""

from __future__ import annotations

import os
import random

import pytest

from pybpf import Map, Program, uapi
from pybpf.errors import BPFError, ProgramFaultError
from pybpf.kernel.backend import UserBackend
from pybpf.libbpf import bpf_map_get_fd_by_id
from tests.verifier import verifier_corpus as vc
from tests.verifier.shape_fuzz import program_of

SOUND_SHAPES = (
    "pkt_invalidate",
    "stack_ptr_chain",
    "callback_stack",
    "spill_precision",
    "atomic_stack",
    "helper_ret",
    "pkt_end_marks",
    "map_value_imm",
    "signed_value_off",
    "jset_chains",
    "subprog_ret_ptr",
    "array_const_key",
    "map_helpers",
    "reg_compare_ids",
    "callee_fill",
    "const_str",
    "alu_mix",
    "map_in_map",
    "stack_mix",
    "sock_refs",
)
SEEDS = range(400_000, 400_000 + int(os.environ.get("PYBPF_SOUND_SEEDS", "24")))
"""Seeds of every shape run here (raise ``PYBPF_SOUND_SEEDS`` for a longer local run)."""
LENGTHS = (0, 1, 14, 15, 20, 34, 40, 64)
"""Packet lengths every accepted program runs on (and one random length more)."""


def _fill_maps(program: Program, rng: random.Random) -> None:
    """Random values (or none) in the program's hash and array maps, key 0 to 3."""
    for map_id in program.map_ids():
        with Map.from_fd(bpf_map_get_fd_by_id(map_id, backend=program.backend), backend=program.backend) as m:
            if m.map_type not in (uapi.BPF_MAP_TYPE_HASH, uapi.BPF_MAP_TYPE_ARRAY):
                continue
            for key in range(min(m.max_entries, 4)):
                if m.map_type == uapi.BPF_MAP_TYPE_ARRAY or rng.random() < 0.7:
                    try:
                        m[key.to_bytes(m.key_size, "little")] = rng.randbytes(m.value_size)
                    except BPFError:  # a frozen map keeps its contents (map_value_imm's read-only array)
                        break


@pytest.mark.usefixtures("engine")  # on the JIT, the verifier's facts leave accesses unchecked
@pytest.mark.parametrize("shape", SOUND_SHAPES)
def test_accepted_shaped_programs_never_fault(shape: str) -> None:
    backend = UserBackend()
    runs = 0
    for seed in SEEDS:
        program = program_of(shape, seed)
        fd, _, _ = vc.load_fd(program, backend, log_level=0, log_size=0)
        if fd < 0:
            continue
        rng = random.Random(seed)
        with Program(fd, backend=backend) as prog:
            _fill_maps(prog, rng)
            for length in (*LENGTHS, rng.randrange(200)):
                try:
                    prog.run(rng.randbytes(length))
                except ProgramFaultError as exc:  # pragma: no cover - the failure being tested for
                    pytest.fail(f"{program.name}: accepted program faulted: {exc}\n{program.text}")
                except BPFError:
                    continue  # a packet the test run refuses (too short for the type): no program fault
                runs += 1
    assert runs, f"no program of {shape} was accepted and run on seeds {SEEDS}"
