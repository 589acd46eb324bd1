"""``pybpf prog load|run|dump`` given an ELF object (like ``bpftool prog loadall``), refusals with C source
lines, and raw-instruction commands that say an ELF object is not raw instructions."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from pybpf.kernel.backend import Backend
from pybpf.kernel.native import kernel_bpf_available
from tests.cli.clitools import GUARD, GUARD_BROKEN, GUARD_PCAP, pybpf
from tests.elf.corpus import obj_path

TELNET_SYN = bytes.fromhex(
    "020000000001020000000002080045000028000100004006"  # Ethernet, IPv4 header start, TCP
    "66c00a0000420a000001" "80e8" "0017" "00000000000000005002200000000000"
)  # fmt: skip


def test_loadall_pins_every_program(
    capsys: pytest.CaptureFixture[str], backend: Backend, pin_dir: Path
) -> None:
    done = pybpf(
        capsys, "-j", "prog", "load", obj_path("multi_prog"), pin_dir / "progs", "--backend", backend.name
    )
    assert done.code == 0, done.err
    rows = done.json()
    assert len(rows) > 1 and all(Path(r["pinned"]).exists() for r in rows)
    shown = pybpf(capsys, "-j", "prog", "show", "pinned", rows[0]["pinned"], "--backend", backend.name).json()
    assert shown["tag"] == rows[0]["tag"]


def test_loadall_without_pindir_notes_it(capsys: pytest.CaptureFixture[str]) -> None:
    done = pybpf(capsys, "prog", "load", GUARD)
    assert done.code == 0 and "name xdp_guard  section xdp" in done.out and "nothing is pinned" in done.err


@pytest.mark.skipif(not kernel_bpf_available(), reason="needs the real bpf(2)")
def test_kernel_refusal_shows_the_c_line(capsys: pytest.CaptureFixture[str]) -> None:
    done = pybpf(capsys, "prog", "load", GUARD_BROKEN, "--backend", "native")
    assert done.code == 1
    assert "-- BEGIN PROG LOAD LOG --" in done.err
    assert "; __sync_fetch_and_add(drops, 1); @ xdp_guard.c:55" in done.err
    last = done.err.strip().splitlines()[-1]
    assert last.startswith("pybpf: error: program 'xdp_guard' (section xdp) refused: EACCES: R0 invalid mem")
    assert "at xdp_guard.c:55: __sync_fetch_and_add(drops, 1);" in last


def test_pybpf_refusal_shows_the_c_line(capsys: pytest.CaptureFixture[str]) -> None:
    """pybpf refuses a CO-RE relocation it cannot resolve with the C line (value tracking is later)."""
    done = pybpf(capsys, "prog", "load", obj_path("refused_core"), "--backend", "user")
    assert done.code == 1
    assert "@ refused_core.c:" in done.err and done.err.strip().splitlines()[-1].startswith("pybpf: error: ")


@pytest.mark.usefixtures("engine")
def test_run_one_program_of_an_object(
    capsys: pytest.CaptureFixture[str], backend: Backend, tmp_path: Path
) -> None:
    frame = tmp_path / "frame.bin"
    frame.write_bytes(TELNET_SYN)
    done = pybpf(capsys, "-j", "prog", "run", GUARD, "--data-in", frame, "--backend", backend.name)
    assert done.code == 0 and done.json()["retval"] == 1  # XDP_DROP: telnet
    again = pybpf(capsys, "-j", "prog", "run", GUARD, "--data-in", TELNET_SYN.hex(),
                  "--set", "blocked_port=80",
                  "--program", "xdp_guard", "--backend", backend.name)  # fmt: skip
    assert again.json()["retval"] == 2  # XDP_PASS once port 80 is the blocked one
    several = pybpf(capsys, "prog", "run", obj_path("multi_prog"), "--data-in", "00" * 64)
    assert several.code == 1 and "choose one with --program" in several.err


def test_run_of_a_refused_object_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    """The missing null check is refused at load on pybpf as on the kernel (it used to load on pybpf
    and fault at run time)."""
    done = pybpf(capsys, "prog", "run", GUARD_BROKEN, "--data-in", TELNET_SYN.hex(), "--backend", "user")
    assert done.code == 1
    assert "R0 invalid mem access 'map_value_or_null'" in done.err


def test_dump_xlated_linum(capsys: pytest.CaptureFixture[str], backend: Backend) -> None:
    done = pybpf(capsys, "prog", "dump", "xlated", GUARD, "--linum", "--backend", backend.name)
    assert done.code == 0
    lines = done.out.splitlines()
    assert lines[0] == "; int xdp_guard(struct xdp_md *ctx) @ xdp_guard.c:77"
    assert any(line.startswith("; port = bpf_ntohs(ports->dest); @ xdp_guard.c:") for line in lines)
    sources = [line for line in lines if line.startswith(";")]
    assert all(a != b for a, b in itertools.pairwise(sources))  # each C line once where it starts
    as_json = pybpf(
        capsys, "-j", "prog", "dump", "xlated", GUARD, "--linum", "--backend", backend.name
    ).json()
    assert (
        as_json[0]["src"] == "int xdp_guard(struct xdp_md *ctx)" and as_json[0]["linum"] == "xdp_guard.c:77"
    )


@pytest.mark.parametrize("command", [["disasm"], ["run"], ["asm"]])
def test_raw_commands_say_an_object_is_not_instructions(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    done = pybpf(capsys, *command, GUARD)
    assert done.code == 1
    assert done.err.startswith(f"pybpf: error: {GUARD} is an ELF object, not raw instructions")
    assert f"pybpf prog load {GUARD}" in done.err


def test_pindir_needs_an_object(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "ret.s"
    source.write_text("r0 = 2\nexit\n")
    done = pybpf(capsys, "prog", "load", source, tmp_path / "dir")
    assert done.code == 1 and "PINDIR" in done.err


@pytest.mark.usefixtures("engine")
def test_replay_capture_through_prog_run_data_in_file(capsys: pytest.CaptureFixture[str]) -> None:
    """--data-in takes a file too (the bytes of the file are the packet, as bpftool's data_in FILE)."""
    done = pybpf(capsys, "-j", "prog", "run", GUARD, "--data-in", GUARD_PCAP)
    assert done.code == 0 and json.loads(done.out)["retval"] == 2
