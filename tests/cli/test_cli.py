"""The pybpf command line: asm/disasm/run and their error handling (never a traceback).

The tests that run a program untraced run it on each engine (the ``engine`` fixture: ``pybpf run`` and
the conformance plugin, in its own process, follow ``PYBPF_ENGINE``); traced runs are the interpreter's."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from pybpf.cli.main import main
from pybpf.jit import JitProgram
from tests.conformance.plugin import in_process, in_subprocess

FIB = Path(__file__).parents[2] / "examples" / "fib.s"
CHECKSUM = Path(__file__).parents[2] / "examples" / "checksum.ubpf"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_asm_then_disasm_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    binary = tmp_path / "fib.bin"
    assert run_cli(capsys, "asm", str(FIB), "-o", str(binary))[0] == 0
    raw = binary.read_bytes()
    assert len(raw) % 8 == 0 and raw
    code, text, _ = run_cli(capsys, "disasm", str(binary))
    assert code == 0 and "exit" in text and "r1 = *(u32 *)(r1 + 0)" in text
    again = tmp_path / "again.s"
    again.write_text(text)
    assert run_cli(capsys, "asm", str(again), "-o", str(tmp_path / "again.bin"))[0] == 0
    assert (tmp_path / "again.bin").read_bytes() == raw


def test_disasm_ubpf_syntax_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, hex_text, _ = run_cli(capsys, "asm", str(CHECKSUM), "--hex")
    assert code == 0
    src = tmp_path / "prog.hex"
    src.write_text(hex_text)
    code, text, _ = run_cli(capsys, "disasm", str(src), "-s", "ubpf", "--labels")
    assert code == 0 and "ldxb %r3, [%r1]" in text
    code, out, _ = run_cli(capsys, "disasm", str(src), "--json")
    entries = json.loads(out)
    assert entries[0]["opcode"] == 0xB7 and entries[0]["kernel"] == "r0 = 0"
    assert [e["slot"] for e in entries] == list(range(len(entries)))


@pytest.mark.usefixtures("engine")
def test_run_prints_r0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "run", str(FIB), "--mem", "32 00 00 00")
    assert code == 0 and out.strip() == "r0 = 0x2ee333961 (12586269025)"


def test_run_json_and_trace(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "run", str(CHECKSUM), "--mem", "0102030405", "--trace", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["r0"] == 15
    adds = [t for t in result["trace"] if t["insn"] == "r0 += r3"]
    assert [t["changes"]["r0"][1] for t in adds] == [1, 3, 6, 10, 15]


def test_run_trace_lines(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "run", str(CHECKSUM), "--mem", "07", "--trace")
    assert code == 0
    lines = out.splitlines()
    assert any("r0 += r3" in line and "r0 0x0 -> 0x7" in line for line in lines)
    assert lines[-1] == "r0 = 0x7 (7)"


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["run", "-", "--format", "hex"], "b7 00 0", "odd number of hex digits"),
        (["run", "-", "--format", "hex"], "zz", "non-hex"),
        (["run", "-", "--format", "hex"], "b7 00 00 00", "not a multiple of 8"),
        (["run", "-", "--format", "hex"], "ff 00 00 00 00 00 00 00", "unknown opcode"),
        (["run", "-", "--format", "hex"], "05 00 05 00 00 00 00 00 95 00 00 00 00 00 00 00", "out of range"),
        (["run", "-", "--format", "hex"], "18 01 00 00 00 00 00 00", "lddw"),
        (["run", "-"], "r0 = 1\nr0 +== 2\nexit\n", ":2:"),
        (["asm", "-"], "goto nowhere\nexit\n", "nowhere"),
        (["run", "-", "--mem", "0g"], "exit\n", "non-hex"),
        (["disasm", "/nonexistent/file"], "", "cannot read"),
    ],
)
def test_bad_input_is_one_clear_line(
    argv: list[str],
    stdin: str,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    code, _, err = run_cli(capsys, *argv)
    assert code != 0
    assert err.startswith("pybpf: error:")
    assert message.lower() in err.lower()
    assert "Traceback" not in err


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["run", "-"], "r0 = *(u64 *)(r1 + 0)\nexit\n", "fault"),
        (["run", "-", "--budget", "100"], "l: goto l\n", "budget"),
    ],
)
def test_run_time_errors_are_one_clear_line(
    argv: list[str],
    stdin: str,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    test_bad_input_is_one_clear_line(argv, stdin, message, monkeypatch, capsys)


def test_jump_into_lddw_middle_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    prog = tmp_path / "p.hex"
    # goto +1 lands on the second half of the following lddw
    prog.write_text(
        "05 00 01 00 00 00 00 00 18 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00"
    )
    code, _, err = run_cli(capsys, "disasm", str(prog))
    assert code == 0  # disassembly shows what is there
    code, _, err = run_cli(capsys, "run", str(prog))
    assert code == 1 and "middle of lddw" in err


@pytest.mark.usefixtures("engine")
def test_conformance_plugin_protocol() -> None:
    # ldxw r0, [r1+2]; exit  on memory aa bb cc dd ee ff
    done = in_subprocess("61 10 02 00 00 00 00 00 95 00 00 00 00 00 00 00", "aabbccddeeff")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ffeeddcc"


@pytest.mark.usefixtures("engine")
def test_conformance_plugin_helper_numbering() -> None:
    # call 5 (bpf_ktime_get_ns) returns a non-zero monotonic clock
    done = in_process("85 00 00 00 05 00 00 00 95 00 00 00 00 00 00 00")
    assert done.returncode == 0 and int(done.stdout, 16) > 0


@pytest.mark.usefixtures("engine")
def test_conformance_plugin_failures_exit_nonzero() -> None:
    bad = in_process("ff 00 00 00 00 00 00 00")
    assert bad.returncode == 1 and "unknown opcode" in bad.stderr and "Traceback" not in bad.stderr
    fault = in_process("79 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00")  # r0 = *(u64 *)(r1 + 0), no memory
    assert fault.returncode == 1 and "Traceback" not in fault.stderr
    assert fault.stderr.count("\n") == 1  # one line: the fault, no notice of a fallback


def test_conformance_plugin_engine_option(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--engine`` names the engine over ``PYBPF_ENGINE``; both print the same r0."""
    monkeypatch.setenv("PYBPF_ENGINE", "interpreter")
    built: list[str] = []
    monkeypatch.setattr(
        JitProgram, "prepare", lambda self, real=JitProgram.prepare: built.append("jit") or real(self)
    )
    # r0 = 0; r1 = 0x1ffffffff (lddw); r0 += r1; r1 += INT_MIN; if r1 < 0 goto -3; exit
    program = "b7 00 00 00 00 00 00 00 18 01 00 00 ff ff ff ff 00 00 00 00 01 00 00 00 "
    program += (
        "0f 10 00 00 00 00 00 00 07 01 00 00 00 00 00 80 a5 01 fd ff 00 00 00 00 95 00 00 00 00 00 00 00"
    )
    outputs = {engine: in_process(program, "--engine", engine) for engine in ("interpreter", "jit")}
    assert {done.returncode for done in outputs.values()} == {0}, [done.stderr for done in outputs.values()]
    assert outputs["interpreter"].stdout == outputs["jit"].stdout == "1ffffffff\n"
    assert built == ["jit"]
    assert in_process(program).stdout == "1ffffffff\n" and built == ["jit"]  # PYBPF_ENGINE: the interpreter
    assert in_process(program, "--engine", "bogus").returncode == 2  # argparse: not an engine
