"""``bpf_csum_diff`` lowered natively (``pybpf.jit.native_csum``): no trampoline for buffers in the
stack or the region table, and the Python helper's value for every size and seed — and the kernel's."""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf import Program
from pybpf.errors import ExecutionError
from pybpf.helpers import csum, default_registry
from pybpf.helpers.registry import HelperRegistry
from pybpf.isa import assemble
from pybpf.jit.executable import JitProgram
from pybpf.kernel import prog_run
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.vm import Interpreter

CSUM_DIFF_HELPER = 28

DIFF = """
    r6 = r1
    r7 = *(u64 *)(r6 + 0)
    r1 = r6
    r1 += r2
    r2 = r3
    r3 = r6
    r3 += r4
    r4 = r5
    r5 = r7
    call bpf_csum_diff
    exit
"""
"""``bpf_csum_diff(mem + r2, r3, mem + r4, r5, seed = the first u64 of mem)``."""


def registry() -> HelperRegistry:
    helpers = default_registry()
    helpers.register("bpf_csum_diff", csum.bpf_csum_diff)
    return helpers


def engines(text: str) -> tuple[Interpreter, JitProgram]:
    insns = assemble(text)
    return Interpreter(insns, helpers=registry()), JitProgram(insns, helpers=registry())


def outcome(engine: Interpreter | JitProgram, memory: bytes, **registers: int) -> Any:
    regs = {int(name[1:]): value for name, value in registers.items()}
    try:
        return engine.run(bytearray(memory), registers=regs)
    except ExecutionError as error:
        return (type(error), error.pc)


def test_csum_diff_is_native(services: Counter[int]) -> None:
    _, jit = engines(DIFF)
    assert [name for name, _ in jit.native.calls.values()] == ["bpf_csum_diff"]
    assert jit.loops_natively
    data = bytes(range(1, 65))
    assert outcome(jit, data, r2=8, r3=20, r4=28, r5=36) == csum.csum_diff(
        data[8:28], data[28:64], 0x0807060504030201
    )
    assert services == Counter()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.binary(min_size=8, max_size=96),
    source=st.tuples(
        st.integers(0, 100), st.sampled_from([0, 1, 2, 3, 4, 5, 7, 8, 13, 40, 1 << 32, (1 << 32) + 4])
    ),
    target=st.tuples(
        st.integers(0, 100), st.sampled_from([0, 1, 2, 3, 4, 6, 9, 16, 33, 1 << 32, (1 << 32) + 3])
    ),
)
def test_values_and_faults_agree_with_the_interpreter(
    data: bytes, source: tuple[int, int], target: tuple[int, int]
) -> None:
    """Any sizes and seeds, unaligned tails, empty buffers, buffers past the memory (a fault)."""
    interpreter, jit = engines(DIFF)
    registers = {"r2": source[0], "r3": source[1], "r4": target[0], "r5": target[1]}
    expected = outcome(interpreter, data, **registers)
    assert outcome(jit, data, **registers) == expected


@pytest.mark.parametrize("seed", [0, 1, 0xFFFF_FFFF, 0x1_0000_FFFF, 0xDEAD_BEEF_0000_0001])
def test_all_zero_and_all_ones_buffers_with_any_seed(seed: int) -> None:
    """The end-around carry's corners: sums of 0, of 2**32 - 1 and of its multiples."""
    interpreter, jit = engines(DIFF)
    for fill in (b"\0", b"\xff"):
        data = struct.pack("<Q", seed) + fill * 64
        for sizes in ((0, 0), (0, 64), (64, 0), (32, 32), (3, 61)):
            registers = {"r2": 8, "r3": sizes[0], "r4": 8 + sizes[0], "r5": sizes[1]}
            assert outcome(jit, data, **registers) == outcome(interpreter, data, **registers)


def test_buffers_in_the_stack_are_read_natively(services: Counter[int]) -> None:
    text = """
        r1 = 0x0102030405060708 ll
        *(u64 *)(r10 - 16) = r1
        r1 = -1
        *(u64 *)(r10 - 8) = r1
        r1 = r10
        r1 += -16
        r2 = 6
        r3 = r10
        r3 += -9
        r4 = 9
        r5 = 77
        call bpf_csum_diff
        exit
    """
    interpreter, jit = engines(text)
    assert (
        outcome(jit, b"")
        == outcome(interpreter, b"")
        == csum.csum_diff(bytes.fromhex("080706050403"), bytes.fromhex("01") + b"\xff" * 8, 77)
    )
    assert services == Counter()


def test_a_buffer_the_run_cannot_read_goes_to_the_python_helper(services: Counter[int]) -> None:
    interpreter, jit = engines(DIFF)
    expected = outcome(interpreter, bytes(16), r2=8, r3=4, r4=4096, r5=4)
    assert outcome(jit, bytes(16), r2=8, r3=4, r4=4096, r5=4) == expected
    assert expected[0].__name__ == "MemoryAccessError"
    assert services[CSUM_DIFF_HELPER] == 1


# -- loaded programs: the repeat loop and the kernel ----------------------------------------------------
XDP_DIFF = """
    r6 = *(u32 *)(r1 + 0)
    r7 = *(u32 *)(r1 + 4)
    r2 = r6
    r2 += 64
    if r2 > r7 goto out
    r1 = r6
    r2 = 20
    r3 = r6
    r3 += 20
    r4 = 44
    r5 = 0x1234
    call bpf_csum_diff
    exit
out:
    r0 = 1
    exit
"""


def loaded_runs(backend: Backend, engine: str, packets: list[bytes]) -> Iterator[int]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(prog_run.ENGINE_VARIABLE, engine)
        with Program.load(XDP_DIFF, "xdp", backend=backend) as prog:
            for packet in packets:
                for repeat in (1, 5):
                    yield prog.run(packet, repeat=repeat).retval


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(packets=st.lists(st.binary(min_size=64, max_size=80), min_size=1, max_size=4))
def test_loaded_programs_agree_with_the_interpreter_and_the_kernel(packets: list[bytes]) -> None:
    jit = list(loaded_runs(UserBackend(), "jit", packets))
    assert jit == list(loaded_runs(UserBackend(), "interpreter", packets))
    assert jit[::2] == [csum.csum_diff(p[:20], p[20:64], 0x1234) for p in packets]
    if kernel_bpf_available():
        assert jit == list(loaded_runs(NativeBackend(), "jit", packets))
