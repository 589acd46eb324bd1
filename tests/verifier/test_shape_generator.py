"""The shaped random programs (tests.verifier.shape_generator) assemble, are a pure function of their
seed, and a few of each shape get the kernel's verdict and final message from pybpf.

scripts/fuzz_verifier.py runs thousands per shape; this keeps the generator working and a sample of
its agreement in CI time.
"""

from __future__ import annotations

import pytest

from pybpf.isa.asm import assemble
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend
from tests.verifier import verifier_corpus as vc
from tests.verifier.shape_fuzz import program_of
from tests.verifier.shape_generator import MAPS, SHAPE_MAPS, SHAPES, shaped_program

SAMPLE = range(4)


def test_every_shape_is_built() -> None:
    assert len(SHAPES) == 58
    with pytest.raises(ValueError, match="unknown shape"):
        shaped_program("nothing", 0)


@pytest.mark.parametrize("shape", SHAPES)
def test_programs_assemble_and_repeat(shape: str) -> None:
    for seed in range(40):
        text = shaped_program(shape, seed)
        assert text == shaped_program(shape, seed)
        names = [spec.partition("=")[0] for spec in SHAPE_MAPS.get(shape, MAPS).split()]
        fds = {name: fd for fd, name in enumerate(names, start=3)}
        program = assemble(vc.resolve_kfuncs(text), "kernel", maps=fds)
        assert program[-1].opcode == 0x95


@pytest.mark.parametrize("shape", SHAPES)
def test_a_sample_agrees_with_the_kernel(shape: str, kernel: bool) -> None:
    refused = []
    for seed in SAMPLE:
        program = program_of(shape, seed)
        if refusal := vc.build_refusal(program):
            refused.append(f"{program.name}: {refusal}")
            continue  # the running build cannot answer for it (tests/kernel_build.py)
        theirs, mine = vc.load(program, NativeBackend()), vc.load(program, UserBackend())
        assert mine == theirs, f"{shape}:{seed}: kernel {theirs}, pybpf {mine}\n{program.text}"
    if len(refused) == len(SAMPLE):
        pytest.skip(refused[0])
