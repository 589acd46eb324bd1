"""Differential fuzz of the engines: random verified XDP programs on the interpreter, the JIT and the kernel.

Programs are built from the verifier soundness test's snippets (``tests.verifier.test_soundness``:
packet reads with and without a data_end check, hash-map lookups and value reads at constant or masked
variable offsets, stack stores and loads of every size, scalar arithmetic, conditional jumps, bpf_loop
callbacks), and only those pybpf's verifier accepts (with this test's two maps) are run.  The stack
is zeroed first, so that no byte read is left to chance; after each snippet the scalar it produced
(r3) is folded into r9; at the end r9 is written into a one-entry array map and over the packet's
first 8 bytes (when the packet holds them) and returned.  Each program runs on a random packet with
the hash map's key 0 holding random bytes, loaded afresh on pybpf's user backend with
``PYBPF_ENGINE=interpreter`` and ``jit``, and on the kernel where bpf(2) is available (a program the
kernel refuses is compared on the two engines only: ``test_soundness`` answers for the verdicts).
Retval, packet out and both maps' contents must be the same everywhere.

``PYBPF_FUZZ_ENGINES_EXAMPLES=N`` runs N examples per shard (default 40, about a minute in all).
"""

from __future__ import annotations

import os
import random
from typing import Any

import pytest
from benchmarks.jit_suite import engine
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from pybpf import Map, Program, uapi
from pybpf.errors import AsmError, BPFError
from pybpf.jit import JitProgram
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kernel.prog_run import ProgRuntime
from pybpf.kernel.progobj import ProgObject
from pybpf.vm import Interpreter
from tests.verifier.test_soundness import snippet

EXAMPLES = int(os.environ.get("PYBPF_FUZZ_ENGINES_EXAMPLES", "40"))
SHARDS = 2
ENGINE_TYPES = {"interpreter": Interpreter, "jit": JitProgram}

EPILOGUE = """
out:
    *(u64 *)(r10 - 24) = r9
    r1 = 0
    *(u32 *)(r10 - 28) = r1
    r2 = r10
    r2 += -28
    r1 = map_fd(results) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto packet
    r1 = *(u64 *)(r10 - 24)
    *(u64 *)(r0 + 0) = r1
packet:
    r2 = r7
    r2 += 8
    if r2 > r8 goto done
    *(u64 *)(r7 + 0) = r9
done:
    r0 = r9
    exit
"""


ZEROED_STACK = [f"*(u64 *)(r10 -{off}) = 0" for off in range(8, 513, 8)]
"""The prologue zeroes the stack: the snippets may read bytes they did not write (a privileged program
may), which the kernel leaves as they were and pybpf zeroes."""


def fuzz_program(seed: int) -> str:
    """Prologue, one to six soundness snippets each folded into r9, the epilogue that shows r9, and the
    snippets' bpf_loop callbacks."""
    rng = random.Random(seed)
    lines = [*ZEROED_STACK, "r6 = r1", "r7 = *(u32 *)(r6 + 0)", "r8 = *(u32 *)(r6 + 4)"]
    lines += ["r3 = 0", "r4 = 0", "r5 = 0", "r9 = 0"]
    callbacks: list[str] = []
    for n in range(rng.randint(1, 6)):
        lines += [*snippet(rng, n, callbacks), "r9 *= 31", "r9 += r3"]
    return "\n".join(lines) + EPILOGUE + "\n".join(callbacks)


def verified_program(seed: int) -> str:
    """The first of the programs from ``seed`` on that pybpf's verifier accepts."""
    backend = UserBackend()
    for attempt in range(200):
        text = fuzz_program(seed * 1000 + attempt)
        with (
            Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 16, 8, backend=backend) as m,
            Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, backend=backend) as results,
        ):
            try:
                Program.load(text, "xdp", maps={"m": m, "results": results}, backend=backend).close()
            except (AsmError, BPFError):  # a snippet naming a map this test has not, or refused
                continue
        return text
    raise AssertionError(f"no program of seed {seed} verifies")  # pragma: no cover - the generator broke


def run(text: str, backend: Backend, packet: bytes, value: bytes, engine_name: str | None) -> tuple[Any, ...]:
    """Load ``text`` with fresh maps through ``backend`` on ``engine_name``, run it once: what it did."""
    with (
        engine(engine_name),
        Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 16, 8, backend=backend) as m,
        Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, backend=backend) as results,
    ):
        m[bytes(4)] = value
        with Program.load(text, "xdp", maps={"m": m, "results": results}, backend=backend) as prog:
            done = prog.run(packet)
            if engine_name is not None:
                runtime = ProgRuntime.of(ProgObject.from_fd(prog.fd))
                assert isinstance(runtime.executable, ENGINE_TYPES[engine_name])
        return done.retval, done.data_out, sorted(m.items()), sorted(results.items())


@pytest.mark.parametrize("shard", range(SHARDS))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    packet=st.binary(min_size=14, max_size=80),
    value=st.binary(min_size=16, max_size=16),
)
def test_engines_and_the_kernel_agree(shard: int, seed: int, packet: bytes, value: bytes) -> None:
    text = verified_program(seed)
    note(text)
    interpreted = run(text, UserBackend(), packet, value, "interpreter")
    assert run(text, UserBackend(), packet, value, "jit") == interpreted
    if kernel_bpf_available():
        try:
            theirs = run(text, NativeBackend(), packet, value, None)
        except BPFError:
            return  # the kernel refuses it: test_soundness compares the verdicts
        assert theirs == interpreted
