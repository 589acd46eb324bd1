"""``pybpf prog dump jited`` and ``prog show``'s ``bytes_jited``: the JIT's native code in bpftool's
shapes, on pybpf's JIT and on the kernel's (whose image ``bpftool ... file`` must write the same)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pybpf import Program
from pybpf.cli.jited import JitedFunction, format_jited, jited_json
from pybpf.cli.native_disasm import disassembler
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kernel.prog_run import native_code
from pybpf.kernel.progobj import ProgObject
from tests.cli.clitools import BPFTOOL, bpftool, pybpf

SOURCE = "r0 = 2\nr1 = 3\nr0 += r1\nexit\n"
SHOW_KEYS = {"id", "type", "name", "tag", "gpl_compatible", "loaded_at", "uid", "bytes_xlated", "jited"}

needs_kernel = pytest.mark.skipif(
    BPFTOOL is None or not kernel_bpf_available(), reason="needs bpftool and the real bpf(2)"
)


@pytest.fixture
def on_user(monkeypatch: pytest.MonkeyPatch) -> Iterator[Program]:
    monkeypatch.setenv("PYBPF_ENGINE", "jit")
    with Program.load(SOURCE, "xdp", name="five", backend=UserBackend()) as prog:
        yield prog


def _insn_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(" ") and ":\t" in line]


def test_dump_jited_disassembles_each_function_of_the_native_code(
    on_user: Program, capsys: pytest.CaptureFixture[str]
) -> None:
    compiled = native_code(ProgObject.from_fd(on_user.fd))
    assert compiled is not None
    result = pybpf(capsys, "prog", "dump", "jited", "id", on_user.id)
    assert result.code == 0 and result.err == ""
    lines = result.out.splitlines()
    assert lines[0] == "bpf_run:"  # the entry first, as the kernel's func[0]
    names = [line[:-1] for line in lines if line.endswith(":")]
    assert names == [function.name for function in compiled.functions]
    assert lines[1].startswith("   0:\t") and result.out.endswith("\n\n")  # a blank line after each function
    texts = [line.split("\t", 1)[1] for line in _insn_lines(result.out)]
    assert texts[-1] in ("retq", "ret")  # machine instructions, the function's last a return
    assert all(re.fullmatch(r"[a-z][a-z0-9.]*", text.split("\t")[0]) for text in texts)


def test_dump_jited_opcodes_add_up_to_the_image(on_user: Program, capsys: pytest.CaptureFixture[str]) -> None:
    """``--opcodes``: each instruction's bytes on the line below it; together they are the image."""
    compiled = native_code(ProgObject.from_fd(on_user.fd))
    assert compiled is not None
    lines = pybpf(capsys, "prog", "dump", "jited", "id", on_user.id, "--opcodes").out.splitlines()
    byte_lines = [line for line in lines if line.startswith("\t")]
    assert len(byte_lines) == len(_insn_lines("\n".join(lines)))
    assert bytes.fromhex("".join(byte_lines).replace("\t", "")) == compiled.machine_code
    assert len(compiled.machine_code) == on_user.info().jited_prog_len


def test_dump_jited_json_has_bpftools_keys(on_user: Program, capsys: pytest.CaptureFixture[str]) -> None:
    plain = pybpf(capsys, "-j", "prog", "dump", "jited", "id", on_user.id).json()
    assert [set(function) for function in plain] == [{"name", "insns"}] * len(plain)
    for function in plain:
        for insn in function["insns"]:
            assert list(insn) == ["pc", "operation", "operands"]  # bpftool's order
            assert insn["operands"] == [None] or all(isinstance(o, str) and o for o in insn["operands"])
    functions = pybpf(capsys, "-j", "prog", "dump", "jited", "id", on_user.id, "--opcodes").json()
    first = functions[0]["insns"][0]
    assert first["pc"] == "0x0" and list(first) == ["pc", "operation", "operands", "opcodes"]
    assert all(len(opcode) == 4 and opcode.startswith("0x") for opcode in first["opcodes"])
    for function in functions:  # each instruction starts where the one before ended
        pcs = [int(insn["pc"], 16) for insn in function["insns"]]
        lengths = [len(insn["opcodes"]) for insn in function["insns"]]
        assert pcs == [sum(lengths[:i]) for i in range(len(lengths))]
    image = bytes(int(o, 16) for function in functions for row in function["insns"] for o in row["opcodes"])
    assert len(image) == on_user.info().jited_prog_len
    assert [insn["operation"] for insn in plain[0]["insns"]] == [
        insn["operation"] for insn in functions[0]["insns"]
    ]


def test_each_function_is_disassembled_on_its_own(on_user: Program) -> None:
    """Functions (``jited_ksyms`` / ``jited_func_lens``) each under their name, their pcs from 0."""
    image = native_code(ProgObject.from_fd(on_user.fd))
    assert image is not None
    decode, missing = disassembler()
    assert decode is not None, missing
    functions = [JitedFunction("first", 1, image.machine_code), JitedFunction("second", 2, b"\x90\xc3\xff")]
    dumped = jited_json(functions, decode, opcodes=True)
    assert [function["name"] for function in dumped] == ["first", "second"]
    assert [insn["pc"] for insn in dumped[1]["insns"]] == ["0x0", "0x1", "0x2"]
    assert [insn["operation"] for insn in dumped[1]["insns"]] == [
        "nop",
        "retq",
        ".byte",
    ]  # undecodable: .byte
    assert [len(insn["opcodes"]) for insn in dumped[1]["insns"]] == [1, 1, 1]
    assert sum(len(insn["opcodes"]) for insn in dumped[0]["insns"]) == len(image.machine_code)
    text = format_jited(functions, decode)
    assert text.startswith("first:\n   0:\t") and "\n\nsecond:\n   0:\tnop\n   1:\tretq\n" in text


def test_dump_jited_without_capstone_prints_bytes_after_a_notice(
    on_user: Program, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "capstone", None)  # import capstone raises ImportError
    compiled = native_code(ProgObject.from_fd(on_user.fd))
    assert compiled is not None
    result = pybpf(capsys, "prog", "dump", "jited", "id", on_user.id)
    assert result.code == 0
    assert len(result.err.splitlines()) == 1 and "capstone" in result.err and "Traceback" not in result.err
    lines = result.out.splitlines()
    assert lines[0] == "bpf_run:" and lines[1].startswith("   0:\t")
    rows = _insn_lines(result.out)
    assert all(len(row.split("\t")[1].split()) <= 16 for row in rows)
    printed = bytes.fromhex("".join(row.split("\t")[1].replace(" ", "") for row in rows))
    assert printed == compiled.machine_code
    rows_json = pybpf(capsys, "-j", "prog", "dump", "jited", "id", on_user.id).json()
    assert [list(row) for row in rows_json[0]["insns"]] == [["pc", "opcodes"]] * len(rows_json[0]["insns"])
    image = bytes(int(o, 16) for function in rows_json for row in function["insns"] for o in row["opcodes"])
    assert image == compiled.machine_code


def test_dump_jited_file_writes_the_raw_image(
    on_user: Program, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "image"
    result = pybpf(capsys, "-j", "prog", "dump", "jited", "id", on_user.id, "--file", path)
    assert result.code == 0 and result.out.strip() == "null"
    compiled = native_code(ProgObject.from_fd(on_user.fd))
    assert compiled is not None and path.read_bytes() == compiled.machine_code
    xlated = tmp_path / "xlated"
    assert pybpf(capsys, "prog", "dump", "xlated", "id", on_user.id, "--file", xlated).code == 0
    assert len(xlated.read_bytes()) == on_user.info().xlated_prog_len


def test_show_reports_bytes_jited(on_user: Program, capsys: pytest.CaptureFixture[str]) -> None:
    info = on_user.info()
    shown = pybpf(capsys, "-j", "prog", "show", "id", on_user.id).json()
    assert shown["jited"] is True and shown["bytes_jited"] == info.jited_prog_len > 0
    plain = pybpf(capsys, "prog", "show", "id", on_user.id).out
    assert f"  jited {info.jited_prog_len}B" in plain


def test_a_program_on_the_interpreter_is_not_jited(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PYBPF_ENGINE", "interpreter")
    with Program.load(SOURCE, "xdp", backend=UserBackend()) as prog:
        assert prog.run(bytes(64)).retval == 5
        shown = pybpf(capsys, "-j", "prog", "show", "id", prog.id).json()
        assert shown["jited"] is False and "bytes_jited" not in shown
        assert "not jited" in pybpf(capsys, "prog", "show", "id", prog.id).out
        result = pybpf(capsys, "prog", "dump", "jited", "id", prog.id)
        assert result.code != 0 and "not jited" in result.err and "Traceback" not in result.err


INSN_LINE = re.compile(r" {0,3}[0-9a-f]+:\t\S")
"""An instruction line of bpftool's plain ``prog dump jited``: ``%4x:``, a tab, the instruction."""


def text_shape(out: str) -> list[str]:
    """The structure of a plain dump: its runs of function headers, instruction lines and blank lines."""
    kinds = [
        "function" if line.endswith(":") else "insn" if INSN_LINE.match(line) else line
        for line in out.split("\n")
    ]
    return [kind for i, kind in enumerate(kinds) if i == 0 or kind != kinds[i - 1]]


def json_shape(dumped: list[dict[str, Any]]) -> list[tuple[list[str], set[tuple[str, ...]]]]:
    """The structure of a JSON dump: each function's keys, and the key lists its instructions have."""
    return [(list(function), {tuple(insn) for insn in function["insns"]}) for function in dumped]


@needs_kernel
def test_the_kernels_jited_image_in_the_same_shapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the kernel the same command disassembles the kernel JIT's image in bpftool's shapes, its
    instructions adding up to bpftool's ``bytes_jited``; where bpftool has a disassembler its plain
    and JSON dumps have the same structure and keys as pybpf's, and ``file`` writes the same bytes."""
    with Program.load(SOURCE, "xdp", name="five", backend=NativeBackend()) as prog:
        ours, theirs = tmp_path / "pybpf.bin", tmp_path / "bpftool.bin"
        b = ("--backend", "native")
        assert pybpf(capsys, "prog", "dump", "jited", "id", prog.id, "--file", ours, *b).code == 0
        kernel = json.loads(bpftool("-j", "prog", "show", "id", prog.id).stdout)
        assert len(ours.read_bytes()) == kernel["bytes_jited"] > 0
        dumped = pybpf(capsys, "-j", "prog", "dump", "jited", "id", prog.id, "--opcodes", *b).json()
        assert [set(function) for function in dumped] == [{"name", "insns"}]
        assert dumped[0]["name"].startswith(f"bpf_prog_{bytes(prog.info().tag).hex()}")
        assert {tuple(insn) for insn in dumped[0]["insns"]} == {("pc", "operation", "operands", "opcodes")}
        assert sum(len(insn["opcodes"]) for insn in dumped[0]["insns"]) == kernel["bytes_jited"]
        plain = pybpf(capsys, "prog", "dump", "jited", "id", prog.id, *b).out
        assert text_shape(plain) == ["function", "insn", ""]
        shown = pybpf(capsys, "-j", "prog", "show", "id", prog.id, *b).json()
        assert SHOW_KEYS | {"bytes_jited"} <= set(kernel) & set(shown)
        assert shown["bytes_jited"] == kernel["bytes_jited"]
        if bpftool("prog", "dump", "jited", "id", prog.id, "file", theirs).returncode != 0:
            pytest.skip("this bpftool has no disassembler (built without LLVM and libbfd)")
        assert ours.read_bytes() == theirs.read_bytes()
        for opcodes in ((), ("opcodes",)):
            flag = ("--opcodes",) if opcodes else ()
            theirs_json = json.loads(bpftool("-j", "prog", "dump", "jited", "id", prog.id, *opcodes).stdout)
            ours_json = pybpf(capsys, "-j", "prog", "dump", "jited", "id", prog.id, *flag, *b).json()
            assert json_shape(ours_json) == json_shape(theirs_json)
        theirs_text = bpftool("prog", "dump", "jited", "id", prog.id).stdout
        assert text_shape(plain) == text_shape(theirs_text)


@needs_kernel
def test_pybpf_and_the_kernel_show_the_same_keys_for_a_jited_program(
    on_user: Program, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = pybpf(capsys, "-j", "prog", "show", "id", on_user.id).json()
    with Program.load(SOURCE, "xdp", name="five", backend=NativeBackend()) as prog:
        kernel = json.loads(bpftool("-j", "prog", "show", "id", prog.id).stdout)
    common = SHOW_KEYS | {"bytes_jited"}
    assert common <= set(ours) and common <= set(kernel)
    assert ours["jited"] is kernel["jited"] is True
