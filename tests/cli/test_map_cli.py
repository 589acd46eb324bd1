"""``pybpf map ...``: every command on pins and ids, on both backends; ``map dump``/``show``/``lookup``
JSON against bpftool's for the same maps loaded into the kernel; ``event-pipe`` on a ring buffer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pybpf import Object
from pybpf.kernel.backend import Backend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.object import pin_name
from tests.cli.clitools import BPFTOOL, GUARD, GUARD_PCAP, bpftool, pybpf
from tests.elf.corpus import obj_path


def _loaded(path: Path, backend: Backend, pins: Path) -> Object:
    """The object loaded, its programs run over the guard capture, its maps pinned in ``pins``."""
    from pybpf.capture import open_capture

    obj = Object.open(path, backend=backend).load()
    frames = [f.data for f in open_capture(GUARD_PCAP) if len(f.data) >= 14]
    for program in obj.programs.values():
        if program.prog_type == 6:  # XDP
            for frame in frames:
                program.run(frame)
    for name, live in obj.maps.items():
        live.pin(str(pins / pin_name(name)))
    return obj


@pytest.mark.usefixtures("engine")
def test_every_command(capsys: pytest.CaptureFixture[str], backend: Backend, pin_dir: Path) -> None:
    name = backend.name
    with _loaded(GUARD, backend, pin_dir):
        stats = pin_dir / "proto_stats"
        shown = pybpf(capsys, "-j", "map", "show", "pinned", stats, "--backend", name).json()
        assert shown["type"] == "array" and shown["bytes_key"] == 4 and shown["bytes_value"] == 16
        by_id = pybpf(capsys, "map", "show", "id", shown["id"], "--backend", name)
        assert by_id.out.startswith(f"{shown['id']}: array  name proto_stats  flags 0x0\n\tkey 4B  value 16B")
        dump = pybpf(capsys, "-j", "map", "dump", "pinned", stats, "--backend", name).json()
        assert len(dump) == 256
        assert dump[6]["formatted"] == {"key": 6, "value": {"packets": 9, "bytes": 486}}
        assert pybpf(capsys, "map", "update", "pinned", stats, "key", "7", "0", "0", "0", "value", "hex",
                     "0100000000000000", "0200000000000000", "--backend", name).code == 0  # fmt: skip
        looked = pybpf(
            capsys, "map", "lookup", "pinned", stats, "key", "0x07", "0", "0", "0", "--backend", name
        )
        assert json.loads(looked.out) == {"key": 7, "value": {"packets": 1, "bytes": 2}}
        drops = pin_dir / "drops_by_source"
        plain = pybpf(capsys, "map", "dump", "pinned", drops, "--backend", name)
        assert json.loads(plain.out) == [
            {"key": 1107296266, "value": 3},
            {"key": 1291845642, "value": 2},
        ] or (json.loads(plain.out) == [{"key": 1291845642, "value": 2}, {"key": 1107296266, "value": 3}])
        assert (
            pybpf(
                capsys, "map", "delete", "pinned", drops, "key", "10", "0", "0", "66", "--backend", name
            ).code
            == 0
        )
        missing = pybpf(
            capsys, "map", "lookup", "pinned", drops, "key", "10", "0", "0", "66", "--backend", name
        )
        assert missing.code == 1 and "errno 2" in missing.err
        again = pin_dir / "drops_again"
        assert pybpf(capsys, "map", "pin", "pinned", drops, again, "--backend", name).code == 0
        assert pybpf(capsys, "map", "freeze", "pinned", again, "--backend", name).code == 0
        frozen = pybpf(capsys, "-j", "map", "show", "pinned", drops, "--backend", name).json()
        assert frozen["frozen"] == 1
        refused = pybpf(capsys, "map", "update", "pinned", drops, "key", "1", "2", "3", "4",
                        "value", *["0"] * 8, "--backend", name)  # fmt: skip
        assert refused.code == 1 and refused.err.startswith("pybpf: error: ")
        created = pin_dir / "fresh"
        made = pybpf(capsys, "-j", "map", "create", created, "type", "percpu_hash", "key", "4", "value", "8",
                     "entries", "16", "name", "fresh", "--backend", name)  # fmt: skip
        assert made.code == 0 and made.json()["type"] == "percpu_hash"
        every = pybpf(capsys, "-j", "map", "show", "--backend", name).json()
        assert {"proto_stats", "drops_by_source", "fresh"} <= {m["name"] for m in every}
        raw = pybpf(capsys, "map", "dump", "pinned", created, "--backend", name)
        assert raw.out == "Found 0 elements\n"


@pytest.mark.skipif(BPFTOOL is None or not kernel_bpf_available(), reason="needs bpftool and the real bpf(2)")
@pytest.mark.parametrize(("obj", "maps"), [
    ("xdp_guard", ["proto_stats", "drops_by_source", ".rodata", ".bss"]),
    ("percpu_maps", None),
    ("global_vars", None),
])  # fmt: skip
def test_dump_show_lookup_equal_bpftool(
    obj: str, maps: list[str] | None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import subprocess

    mount = tmp_path / "bpffs"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "bpf", "bpf", str(mount)], capture_output=True, check=False).returncode:
        pytest.skip("cannot mount a bpffs")
    try:
        path = GUARD if obj == "xdp_guard" else obj_path(obj)
        with _loaded(path, NativeBackend(), mount) as loaded:
            for name in maps or list(loaded.maps):
                pin = mount / pin_name(name)
                ours = pybpf(capsys, "-j", "map", "dump", "pinned", pin, "--backend", "native")
                theirs = bpftool("-j", "map", "dump", "pinned", pin)
                assert ours.code == 0 and theirs.returncode == 0, theirs.stderr
                assert ours.json() == json.loads(theirs.stdout), name
                shown = pybpf(capsys, "-j", "map", "show", "pinned", pin, "--backend", "native").json()
                expected = json.loads(bpftool("-j", "map", "show", "pinned", pin).stdout)
                assert {k: v for k, v in expected.items() if k in shown} == shown
                plain = pybpf(capsys, "map", "dump", "pinned", pin, "--backend", "native")
                assert json.loads(plain.out) == json.loads(bpftool("map", "dump", "pinned", pin).stdout)
    finally:
        subprocess.run(["umount", str(mount)], check=False)


@pytest.mark.usefixtures("engine")
def test_event_pipe_reads_a_ring_buffer(
    capsys: pytest.CaptureFixture[str], backend: Backend, pin_dir: Path
) -> None:
    with Object.open(obj_path("ringbuf_events"), backend=backend) as obj:
        obj.load()
        ring = next(name for name, m in obj.maps.items() if m.map_type == 27)  # BPF_MAP_TYPE_RINGBUF
        obj.maps[ring].pin(str(pin_dir / ring))
        program = next(iter(obj.programs.values()))
        for _ in range(3):
            program.run(bytes(64))
        done = pybpf(capsys, "-j", "map", "event-pipe", "pinned", pin_dir / ring, "--count", "2",
                     "--timeout", "5", "--backend", backend.name)  # fmt: skip
    assert done.code == 0
    records = [json.loads(line) for line in done.out.splitlines()]
    assert len(records) == 2 and all(r["type"] == "ringbuf" and r["data"] for r in records)


def test_bad_arguments_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["map", "show", "id", "x"],
        ["map", "dump", "idd", "3"],
        ["map", "lookup", "id", "999999", "key", "1"],
        [
            "map",
            "create",
            "/nowhere/m",
            "type",
            "nosuch",
            "key",
            "4",
            "value",
            "4",
            "entries",
            "1",
            "name",
            "n",
        ],
        ["map", "event-pipe", "id", "999999"],
    ):
        done = pybpf(capsys, *argv)
        assert done.code != 0 and done.err.startswith("pybpf: error: ") and "Traceback" not in done.err
