"""``pybpf prog load|run|show|dump``: output shapes, both backends, and errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import pybpf
from pybpf import uapi
from pybpf.cli.main import main
from pybpf.cli.xlated import format_xlated
from pybpf.isa.asm import assemble
from pybpf.kernel.backend import get_backend
from pybpf.kernel.native import kernel_bpf_available

RET2 = "r0 = 2\nexit\n"
COUNTER = """
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(counts) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
out:
    r1 = 0x0a6968 ll
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    r2 = 4
    call bpf_trace_printk
    r0 = 1
    exit
"""
PACKET = "00" * 64


@pytest.fixture(params=["user", "native"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "native" and not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    return str(request.param)


@pytest.fixture
def pin_dir(backend: str, _private_bpffs: Path, tmp_path: Path) -> Iterator[Path]:
    if backend == "user":
        yield _private_bpffs
        return
    mount = tmp_path / "bpffs"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "bpf", "bpf", str(mount)], capture_output=True, check=False).returncode:
        pytest.skip("cannot mount a bpffs for the kernel")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def source(tmp_path: Path, text: str, name: str = "prog.s") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_load_prints_id_and_note(backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(
        capsys, "prog", "load", source(tmp_path, RET2), "--backend", backend, "--type", "xdp"
    )
    assert code == 0
    assert out.startswith("id ") and int(out.split()[1]) > 0
    assert "not pinned" in err


@pytest.mark.usefixtures("engine")
def test_load_pin_show_dump_run(
    backend: str, pin_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pin = str(pin_dir / "ret2")
    b = ("--backend", backend)
    code, out, err = cli(capsys, "prog", "load", source(tmp_path, RET2), "-t", "xdp", "--name", "ret2",
                         "--pin", pin, "--json", *b)  # fmt: skip
    assert code == 0 and "not pinned" not in err
    loaded = json.loads(out)
    assert loaded["type"] == "xdp" and loaded["name"] == "ret2" and loaded["pinned"] == pin

    code, out, _ = cli(capsys, "prog", "show", "pinned", pin, *b)
    assert code == 0
    head, loaded_at, sizes = out.splitlines()
    assert head == f"{loaded['id']}: xdp  name ret2  tag {loaded['tag']}  gpl"
    assert loaded_at.startswith("\tloaded_at ") and f"uid {os.getuid()}" in loaded_at
    assert sizes.startswith("\txlated 16B")

    code, out, _ = cli(capsys, "prog", "show", "id", str(loaded["id"]), "--json", *b)
    shown = json.loads(out)
    assert shown["id"] == loaded["id"] and shown["bytes_xlated"] == 16 and shown["gpl_compatible"] is True

    code, out, _ = cli(capsys, "prog", "show", "--json", *b)
    assert loaded["id"] in [entry["id"] for entry in json.loads(out)]

    code, out, _ = cli(capsys, "prog", "dump", "xlated", "pinned", pin, "--opcodes", *b)
    assert out.splitlines() == [
        "   0: (b7) r0 = 2",
        "       b7 00 00 00 02 00 00 00",
        "   1: (95) exit",
        "       95 00 00 00 00 00 00 00",
    ]
    code, out, _ = cli(capsys, "prog", "dump", "xlated", "id", str(loaded["id"]), "--json", *b)
    assert json.loads(out) == [{"pc": 0, "disasm": "r0 = 2"}, {"pc": 1, "disasm": "exit"}]

    code, out, _ = cli(capsys, "prog", "run", "pinned", pin, "--data-in", PACKET, "--repeat", "2", *b)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "retval: 2 (0x2)"
    assert lines[1].startswith("duration: ") and "mean of 2 runs" in lines[1]
    assert lines[2] == "data_out: " + " ".join(["00"] * 64)


@pytest.mark.usefixtures("engine")
def test_map_references_and_trace(
    backend: str, pin_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = ("--backend", backend)
    with pybpf.Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, name="counts", backend=get_backend(backend),
                          key_type=int, value_type=int) as m:  # fmt: skip
        m.pin(str(pin_dir / "counts"))
        map_id = m.info().id
        prog = source(tmp_path, COUNTER)
        code, out, _ = cli(capsys, "prog", "run", prog, "--map", f"counts=id:{map_id}", "--data-in", PACKET,
                           "--json", *b)  # fmt: skip
        assert code == 0
        result = json.loads(out)
        assert result["retval"] == 1
        if backend == "user":  # the kernel's lines go to /sys/kernel/tracing, read when it is mounted
            assert len(result["trace"]) == 1 and result["trace"][0].endswith("bpf_trace_printk: hi")
        assert m[0] == 1
        pin = str(pin_dir / "counter")
        code, _, _ = cli(
            capsys, "prog", "load", prog, "--map", f"counts={pin_dir / 'counts'}", "--pin", pin, *b
        )
        assert code == 0
        code, out, _ = cli(capsys, "prog", "dump", "xlated", "pinned", pin, *b)
        assert code == 0 and f"r1 = map[id:{map_id}]" in out and "(18)" in out
        assert "call bpf_trace_printk#" in out and "goto pc+" in out
        code, out, _ = cli(capsys, "prog", "show", "pinned", pin, "--json", *b)
        assert json.loads(out)["map_ids"] == [map_id]
        code, out, _ = cli(capsys, "prog", "run", "pinned", pin, "--data-in", PACKET, *b)
        assert code == 0 and out.startswith("retval: 1 (0x1)")
        if backend == "user":
            assert out.rstrip().endswith("bpf_trace_printk: hi")
        assert m[0] == 2


@pytest.mark.parametrize(
    "case",
    [
        ("r0 = 0\n", "errno 22", "last insn is not an exit or jmp"),
        ("r0 = *(u64 *)(r1 + 0)\nr0 = *(u64 *)(r0 + 0)\nexit\n", "errno 13", "invalid bpf_context access"),
    ],
    ids=["no-exit", "ctx-access"],
)
def test_refused_program_shows_errno_and_reason(
    backend: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: tuple[str, str, str],
) -> None:
    program, errno_text, reason = case
    path = source(tmp_path, program)
    code, out, err = cli(capsys, "prog", "load", path, "-t", "xdp", "--backend", backend)
    assert code == 1 and not out
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pybpf: error: program load failed: ")
    assert errno_text in lines[0] and reason in lines[0]
    code, _, err = cli(capsys, "prog", "load", path, "-t", "xdp", "--log-level", "1", "--backend", backend)
    assert code == 1 and "processed" in err and err.rstrip().splitlines()[-1].startswith("pybpf: error:")
    code, _, err = cli(capsys, "prog", "run", path, "-t", "xdp", "--backend", backend)
    assert code == 1 and reason in err


def test_load_log_level_prints_log(backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(
        capsys, "prog", "load", source(tmp_path, RET2), "--log-level", "1", "--backend", backend
    )
    assert code == 0 and "processed 2 insns" in out and out.splitlines()[-1].startswith("id ")
    code, out, _ = cli(capsys, "prog", "load", source(tmp_path, RET2), "--log-level", "1", "--json",
                       "--backend", backend)  # fmt: skip
    assert "processed 2 insns" in json.loads(out)["log"]


@pytest.mark.usefixtures("engine")
def test_hex_and_raw_programs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = tmp_path / "prog.bin"
    raw.write_bytes(pybpf.encode_program(assemble(RET2)))
    hex_file = source(tmp_path, raw.read_bytes().hex(" "), "prog.hex")
    for path in (str(raw), hex_file):
        code, out, _ = cli(capsys, "prog", "run", path, "-t", "xdp", "--data-in", PACKET, "--json")
        assert code == 0 and json.loads(out)["retval"] == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["prog", "load", "/nonexistent/p.s"], "cannot read /nonexistent/p.s"),
        (["prog", "load", "{prog}", "--type", "nope"], "unknown program type 'nope'"),
        (["prog", "load", "{prog}", "--map", "counts"], "--map expects NAME=PINNED_PATH or NAME=id:N"),
        (["prog", "load", "{prog}", "--map", "m=id:x"], "map id must be a number"),
        (["prog", "load", "{prog}", "--map", "m={root}/missing"], "errno 2"),
        (["prog", "load", "{bad}"], "bad.s:1:6: unknown operand 'frob'"),
        (["prog", "run", "{bad}"], "bad.s:1:6: unknown operand 'frob'"),
        (["prog", "run", "{prog}", "--data-in", "zz"], "non-hex"),
        (["prog", "run", "id", "0x7ffffff0"], "errno 2"),
        (["prog", "run", "a", "b"], "expected FILE, 'id N' or 'pinned PATH'"),
        (["prog", "show", "id"], "expected 'id N' or 'pinned PATH'"),
        (["prog", "show", "pinned", "{root}/missing"], "errno 2"),
        (["prog", "dump", "xlated", "id", "-1"], "must not be negative"),
    ],
)
def test_errors_are_one_line(
    tmp_path: Path, _private_bpffs: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    names = {"prog": source(tmp_path, RET2), "bad": source(tmp_path, "r0 = frob\n", "bad.s"),
             "root": str(_private_bpffs)}  # fmt: skip
    code, out, err = cli(capsys, *(arg.format(**names) for arg in argv))
    assert code == 1 and not out
    assert err.count("\n") == 1 or "^" in err  # assembly errors add the source line and a caret
    assert err.startswith("pybpf: error: ") and message in err.splitlines()[0]


def test_prog_without_subcommand_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "prog")
    assert code == 2 and "load" in err


def test_format_xlated_spellings() -> None:
    insns = assemble(
        "if r1 > -1 goto +1\n*(u64 *)(r10 - 8) = r1\nr1 = map_fd(5) ll\nr2 = map_value(5, 16) ll\n"
        "r3 = 0x1122334455 ll\ncall 1\nexit"
    )
    assert [format_xlated(i) for i in insns] == [
        "if r1 > 0xffffffff goto pc+1", "*(u64 *)(r10 -8) = r1", "r1 = map[id:5]", "r2 = map[id:5][0]+16",
        "r3 = 0x1122334455", "call bpf_map_lookup_elem#1", "exit",
    ]  # fmt: skip


@pytest.mark.usefixtures("engine")
def test_backend_default_from_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PYBPF_BACKEND", "user")
    code, out, _ = cli(
        capsys, "prog", "run", source(tmp_path, RET2), "-t", "xdp", "--data-in", PACKET, "--json"
    )
    assert code == 0 and json.loads(out)["retval"] == 2
