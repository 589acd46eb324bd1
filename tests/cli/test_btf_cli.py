"""``pybpf btf dump``: the same text and JSON as ``bpftool btf dump file X [format c]`` for every object
of the C corpus, and the BTF of a loaded map by id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pybpf import Object
from tests.cli.clitools import BPFTOOL, GUARD, bpftool, pybpf
from tests.elf.corpus import DATA

OBJECTS = sorted(DATA.glob("*.o"))
needs_bpftool = pytest.mark.skipif(BPFTOOL is None, reason="needs bpftool")


@needs_bpftool
@pytest.mark.parametrize("path", OBJECTS, ids=lambda p: p.stem)
def test_raw_dump_equals_bpftool(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ours = pybpf(capsys, "btf", "dump", "file", path)
    theirs = bpftool("btf", "dump", "file", path)
    assert ours.code == 0 and theirs.returncode == 0
    assert ours.out == theirs.stdout


@needs_bpftool
@pytest.mark.parametrize("path", OBJECTS, ids=lambda p: p.stem)
def test_c_dump_equals_bpftool(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ours = pybpf(capsys, "btf", "dump", path, "format", "c")
    theirs = bpftool("btf", "dump", "file", path, "format", "c")
    assert ours.code == 0 and theirs.returncode == 0
    assert ours.out == theirs.stdout


@needs_bpftool
@pytest.mark.parametrize("path", OBJECTS[:8], ids=lambda p: p.stem)
def test_json_dump_equals_bpftool(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ours = pybpf(capsys, "-j", "btf", "dump", "file", path)
    theirs = bpftool("-j", "btf", "dump", "file", path)
    assert ours.json() == json.loads(theirs.stdout)


def test_dump_of_a_loaded_maps_btf(capsys: pytest.CaptureFixture[str], backend: object) -> None:
    with Object.open(GUARD, backend=backend) as obj:  # type: ignore[arg-type]
        obj.load()
        map_id = obj.maps["proto_stats"].id
        done = pybpf(capsys, "btf", "dump", "map", "id", map_id, "format", "c", "--backend", obj.backend.name)
    assert done.code == 0
    assert "struct flow_stats {\n\t__u64 packets;\n\t__u64 bytes;\n};" in done.out


def test_bad_inputs_are_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    junk = tmp_path / "junk.btf"
    junk.write_bytes(b"\x9f\xeb\x01\x00" + b"\xff" * 30)
    for argv in (
        ["btf", "dump", junk],
        ["btf", "dump", GUARD, "format", "html"],
        ["btf", "dump", "id", "999999"],
    ):
        done = pybpf(capsys, *argv)
        assert done.code != 0
        assert done.err.startswith("pybpf: error: ") and "Traceback" not in done.err
