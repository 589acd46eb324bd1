"""``pybpf prog dump jited`` and ``prog show``'s ``bytes_jited``: the JIT's native code in bpftool's
shapes, on pybpf's JIT and on the kernel's (whose image ``bpftool ... file`` must write the same)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pybpf import Program
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


def test_dump_jited_prints_each_function_of_the_native_code(
    on_user: Program, capsys: pytest.CaptureFixture[str]
) -> None:
    compiled = native_code(ProgObject.from_fd(on_user.fd))
    assert compiled is not None
    result = pybpf(capsys, "prog", "dump", "jited", "id", on_user.id)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "bpf_run:"  # the entry first, as the kernel's func[0]
    names = [line[:-1] for line in lines if line.endswith(":")]
    assert names == [function.name for function in compiled.functions]
    rows = [line for line in lines if line.startswith(" ")]
    printed = bytes.fromhex("".join(row.split("\t")[1].replace(" ", "") for row in rows))
    assert printed == compiled.machine_code
    assert lines[1].startswith("   0:\t")


def test_dump_jited_json_has_bpftools_keys(on_user: Program, capsys: pytest.CaptureFixture[str]) -> None:
    result = pybpf(capsys, "-j", "prog", "dump", "jited", "id", on_user.id)
    functions = result.json()
    assert [set(function) for function in functions] == [{"name", "insns"}] * len(functions)
    first = functions[0]["insns"]
    assert first[0]["pc"] == "0x0" and set(first[0]) == {"pc", "opcodes"}
    assert all(len(opcode) == 4 and opcode.startswith("0x") for opcode in first[0]["opcodes"])
    image = bytes(int(o, 16) for function in functions for row in function["insns"] for o in row["opcodes"])
    assert len(image) == on_user.info().jited_prog_len


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


@needs_kernel
def test_the_kernels_jited_image_in_the_same_shapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the kernel the same command dumps the kernel JIT's image (bpftool's size; where bpftool has
    a disassembler it also writes it with ``file``: then the bytes must be the same)."""
    with Program.load(SOURCE, "xdp", name="five", backend=NativeBackend()) as prog:
        ours, theirs = tmp_path / "pybpf.bin", tmp_path / "bpftool.bin"
        b = ("--backend", "native")
        assert pybpf(capsys, "prog", "dump", "jited", "id", prog.id, "--file", ours, *b).code == 0
        kernel = json.loads(bpftool("-j", "prog", "show", "id", prog.id).stdout)
        assert len(ours.read_bytes()) == kernel["bytes_jited"] > 0
        if bpftool("prog", "dump", "jited", "id", prog.id, "file", theirs).returncode == 0:
            assert ours.read_bytes() == theirs.read_bytes()
        dumped = pybpf(capsys, "-j", "prog", "dump", "jited", "id", prog.id, *b).json()
        assert [set(function) for function in dumped] == [{"name", "insns"}]
        assert dumped[0]["name"].startswith(f"bpf_prog_{bytes(prog.info().tag).hex()}")
        shown = pybpf(capsys, "-j", "prog", "show", "id", prog.id, *b).json()
        assert SHOW_KEYS | {"bytes_jited"} <= set(kernel) & set(shown)
        assert shown["bytes_jited"] == kernel["bytes_jited"]


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
