"""line_info and func_info of a program the verifier rewrites, against the kernel.

``ctx_rewrites.o`` reads ``__sk_buff`` fields the kernel turns into several instructions
(``pkt_type``: load and mask; ``ifindex``: load ``skb->dev``, test it, load ``dev->ifindex``), in its
main program and in a subprogram after it.  The kernel moves each line_info record with its
instruction as it patches (``bpf_adj_linfo``) and each func_info record to its subprogram's new start
(``adjust_btf_func``); BPF_OBJ_GET_INFO_BY_FD and ``bpftool prog dump xlated ... linum`` show the
moved records.  pybpf's rewrite has the kernel's shape for these fields, so its records must be the
kernel's, byte for byte, and its ``--linum`` dump must put each C line where bpftool puts it.
"""

from __future__ import annotations

import json
import os

import pytest

from pybpf import load_object
from pybpf.elf import read_object
from pybpf.elf.link import LinkedProgram, link_program
from pybpf.isa.instruction import decode_program, slot_starts
from pybpf.isa.opcodes import BPF_LDX
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from tests.cli.clitools import BPFTOOL, bpftool, pybpf
from tests.elf.corpus import obj_path
from tests.elf.test_prog_line_info import _records

OBJECT = obj_path("ctx_rewrites")
PROGRAM = "ctx_rewrites"
needs_kernel = pytest.mark.skipif(not kernel_bpf_available(), reason="the real bpf(2) is not available here")


def _insn_offs(records: list[bytes]) -> list[int]:
    return [int.from_bytes(record[:4], "little") for record in records]


def _linked() -> LinkedProgram:
    """The program as the loader hands it to BPF_PROG_LOAD (subprograms appended), before relocation."""
    spec = read_object(OBJECT)
    return link_program(spec, spec.programs[PROGRAM])


def _loaded(backend: Backend) -> tuple[list[bytes], list[bytes], int]:
    """func_info and line_info records of the loaded program, and its xlated length in slots."""
    with load_object(OBJECT, backend=backend) as obj:
        program = obj.programs[PROGRAM]
        _, funcs, lines = _records(program.fd, backend)
        return funcs, lines, sum(insn.slots for insn in program.xlated())


def test_the_object_is_rewritten_on_load() -> None:
    """pybpf lengthens the program and moves records off the positions the object gave them."""
    linked = _linked()
    funcs, lines, xlated = _loaded(UserBackend())
    assert xlated > linked.slots
    assert len(lines) == len(linked.line_info) and len(funcs) == len(linked.func_info) == 2
    assert _insn_offs(lines) != [line.insn for line in linked.line_info]
    assert _insn_offs(funcs)[1] > linked.func_info[1].insn


def test_records_stay_on_their_instructions() -> None:
    """Every record that was on an instruction the verifier kept is on that same instruction after the
    patches (only loads from the context are replaced here)."""
    linked = _linked()
    loaded = decode_program(bytes(linked.code))
    with load_object(OBJECT, backend=UserBackend()) as obj:
        program = obj.programs[PROGRAM]
        _, _, lines = _records(program.fd, program.backend)
        xlated = program.xlated()
    original = dict(zip(slot_starts(loaded), loaded, strict=True))
    moved = dict(zip(slot_starts(xlated), xlated, strict=True))
    checked = 0
    for before, after in zip(linked.line_info, _insn_offs(lines), strict=True):
        insn = original[before.insn]
        assert after in moved, (before.insn, after)
        if insn.opcode & 0x07 != BPF_LDX:
            assert moved[after].opcode == insn.opcode, (before.insn, after)
            checked += 1
    assert checked >= 10


@needs_kernel
def test_records_match_the_kernel() -> None:
    """insn_off, file and line (the BTF string offsets) of every record as the kernel gives them."""
    kernel = _loaded(NativeBackend())
    user = _loaded(UserBackend())
    assert user == kernel


def _bpftool_lines(prog_id: int) -> dict[int, tuple[str, str, int]]:
    done = bpftool("-j", "prog", "dump", "xlated", "id", prog_id, "linum")
    assert done.returncode == 0, done.stderr
    lines = {}
    for pc, entry in enumerate(json.loads(done.stdout)):
        if "src" in entry:
            lines[pc] = (entry["src"], os.path.basename(entry["file"]), int(entry["line_num"]))
    return lines


def _pybpf_lines(capsys: pytest.CaptureFixture[str], backend: str) -> dict[int, tuple[str, str, int]]:
    done = pybpf(capsys, "-j", "prog", "dump", "xlated", OBJECT, "--linum", "--backend", backend)
    assert done.code == 0, done.err
    lines = {}
    for entry in done.json():
        if "src" in entry:
            file, _, line = entry["linum"].rpartition(":")
            lines[entry["pc"]] = (entry["src"], file, int(line))
    return lines


@needs_kernel
@pytest.mark.skipif(BPFTOOL is None, reason="needs bpftool")
def test_linum_dump_matches_bpftool(capsys: pytest.CaptureFixture[str]) -> None:
    """``pybpf prog dump xlated OBJ --linum`` (pybpf loading it) names the C line bpftool names for the
    kernel's load, at the same instruction, for every record."""
    with load_object(OBJECT, backend=NativeBackend()) as obj:
        theirs = _bpftool_lines(obj.programs[PROGRAM].info().id)
    ours = _pybpf_lines(capsys, "user")
    assert len(ours) >= 10
    assert ours == theirs
    assert _pybpf_lines(capsys, "native") == theirs


def test_a_fault_pc_maps_back_to_the_loaded_instruction() -> None:
    """``Program.loaded_slot``: every xlated slot names the loaded instruction it came from (a replaced
    context load's whole replacement names the load), so a run-time fault's instruction number and C
    line are the object's, not the rewritten program's."""
    linked = _linked()
    loaded = decode_program(bytes(linked.code))
    with load_object(OBJECT, backend=UserBackend()) as obj:
        program = obj.programs[PROGRAM]
        xlated = program.xlated()
        names = [program.loaded_slot(slot) for slot in range(sum(insn.slots for insn in xlated))]
    starts = slot_starts(loaded)
    assert names[0] == 0 and names[-1] == starts[-1]
    assert names == sorted(names) and set(starts) <= set(names)
    assert len(names) > len(set(names))  # some loaded instructions became several
    unchanged = [s for s, insn in zip(starts, loaded, strict=True) if insn.opcode & 0x07 != BPF_LDX]
    assert all(s in names for s in unchanged)
