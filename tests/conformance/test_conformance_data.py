"""ISA conformance data, in bpf_conformance's ``.data`` format, run through ``pybpf-conformance-plugin``
on each engine.

Each file of ``tests/conformance/data`` (written for pybpf: the RFC 9669 edge cases of division,
modulo, shifts and 32-bit results, loads and sign extension, atomics on the memory, loops, calls,
faults) holds a program (``-- asm`` in the uBPF syntax, or ``-- raw``: one 64-bit instruction word a
line), optionally its memory (``-- mem``, hex bytes) and either the r0 it must print (``-- result``) or
``-- error``: the plugin must refuse it with status 1.  With a bpf_conformance checkout named by
$BPF_CONFORMANCE_TESTS, its files (those that need no map) are run too.  Each case runs in process,
once per engine (the ``engine`` fixture: ``PYBPF_ENGINE``, and no quiet fallback from the JIT).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from tests.conformance.plugin import in_process

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Case:
    program: bytes
    memory: str
    result: int | None
    """The r0 printed; ``None``: the plugin must fail (``-- error``)."""


def data_files() -> list[Path]:
    files = sorted(DATA.glob("*.data"))
    checkout = os.environ.get("BPF_CONFORMANCE_TESTS")
    return files + (sorted(Path(checkout).glob("*.data")) if checkout else [])


def parse(text: str) -> Case | None:
    """The case a ``.data`` file describes (``None``: it needs maps, which the plugin has none of)."""
    sections: dict[str, list[str]] = {}
    current = None
    for raw in text.splitlines():
        if raw.startswith("--"):
            current = raw[2:].strip()
            sections[current] = []
        elif current is not None:
            sections[current].append(raw.split("#", 1)[0])
    if "map" in sections:
        return None
    if "raw" in sections:
        words = [int(word, 16) for line in sections["raw"] for word in line.split()]
        program = b"".join(word.to_bytes(8, "little") for word in words)
    else:
        program = encode_program(assemble("\n".join(sections["asm"]), "ubpf"))
    memory = "".join("".join(sections.get("mem", [])).split())
    result = None if "error" in sections else int("".join(sections["result"]).strip(), 16)
    return Case(program, memory, result)


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("path", data_files(), ids=lambda path: path.stem)
def test_conformance_data(path: Path) -> None:
    case = parse(path.read_text())
    if case is None:
        pytest.skip("needs maps (-- map)")
    done = in_process(case.program.hex(" "), case.memory)
    if case.result is None:
        assert done.returncode == 1 and done.stdout == "", done.stdout
        assert re.fullmatch(r"pybpf-conformance-plugin: [^\n]+\n", done.stderr), done.stderr
    else:
        assert done.returncode == 0, done.stderr
        assert int(done.stdout, 16) == case.result, f"r0 {done.stdout.strip()}, expected {case.result:#x}"


def test_the_data_covers_results_and_errors() -> None:
    cases = [parse(path.read_text()) for path in sorted(DATA.glob("*.data"))]
    assert len(cases) >= 15 and all(case is not None for case in cases)
    assert any(case.result is None for case in cases if case) and any(case.memory for case in cases if case)
