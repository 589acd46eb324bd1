"""``pybpf xdp replay``: the same capture through pybpf and through the kernel (BPF_PROG_TEST_RUN, one
frame per call) gives the same verdicts, the same refused frames and the same maps; the command's JSON,
per-packet output and fault report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pybpf import Object
from pybpf.capture import open_capture
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.map import Map
from pybpf.replay import replay
from tests.cli.clitools import GUARD, GUARD_BROKEN, GUARD_PCAP, pybpf
from tests.replay.test_capture import FRAMES, pcapng_of

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)


def _replayed(backend: object, capture: Path) -> tuple[dict[str, object], dict[str, dict[bytes, bytes]]]:
    with Object.open(GUARD, backend=backend) as obj:  # type: ignore[arg-type]
        obj.load()
        report = replay(obj.programs["xdp_guard"], open_capture(capture))
        contents = {name: _raw_contents(live) for name, live in obj.maps.items()}
    document = report.as_json()
    return {k: document[k] for k in ("packets", "verdicts", "refused")}, contents


def _raw_contents(live: Map) -> dict[bytes, bytes]:
    with Map.from_fd(live.fd, backend=live.backend) as raw:  # bytes in, bytes out
        return {key: raw.lookup(key) for key in raw}


@pytest.mark.skipif(not kernel_bpf_available(), reason="needs the real bpf(2)")
@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_same_verdicts_and_maps_as_the_kernel(fmt: str, tmp_path: Path) -> None:
    capture = GUARD_PCAP if fmt == "pcap" else pcapng_of(tmp_path / "guard.pcapng", FRAMES)
    user, user_maps = _replayed(UserBackend(), capture)
    kernel, kernel_maps = _replayed(NativeBackend(), capture)
    assert user == kernel
    assert user["verdicts"] == {
        "XDP_ABORTED": 0,
        "XDP_DROP": 5,
        "XDP_PASS": 12,
        "XDP_TX": 3,
        "XDP_REDIRECT": 0,
    }
    runt = "EINVAL: shorter than an Ethernet header (14 bytes)"
    assert user["refused"] == {"total": 1, "reasons": {runt: 1},
                               "frames": [11]}  # fmt: skip
    assert user_maps.keys() == kernel_maps.keys()
    for name in user_maps:
        assert sorted(user_maps[name].items()) == sorted(kernel_maps[name].items()), name


def test_json_per_packet_and_text(
    capsys: pytest.CaptureFixture[str], backend: object, tmp_path: Path
) -> None:
    name = backend.name  # type: ignore[attr-defined]
    per_packet = tmp_path / "frames.jsonl"
    done = pybpf(capsys, "-j", "xdp", "replay", GUARD, "--pcap", GUARD_PCAP, "--per-packet", per_packet,
                 "--backend", name)  # fmt: skip
    assert done.code == 0, done.err
    doc = done.json()
    assert doc["packets"] == 21 and doc["verdicts"]["XDP_TX"] == 3 and doc["refused"]["total"] == 1
    assert doc["capture"] == {"path": str(GUARD_PCAP), "format": "pcap", "frames": 21}
    assert doc["maps"][".bss"]["variables"] == {"echo_replies": 3}
    assert doc["maps"][".rodata"]["variables"]["blocked_port"] == 23
    stats = {e["formatted"]["key"]: e["formatted"]["value"] for e in doc["maps"]["proto_stats"]["entries"]}
    assert stats[17] == {"packets": 6, "bytes": 360} and len(stats) == 256
    if name == "user":
        assert len(doc["trace"]) == 5 and "drop proto 6 to port 23" in doc["trace"][0]
    frames = [json.loads(line) for line in per_packet.read_text().splitlines()]
    (reason,) = doc["refused"]["reasons"]
    assert len(frames) == 21 and frames[10] == {"frame": 11, "length": 10, "refused": reason}
    echo = frames[6]  # an ICMP echo request, answered: MACs and IPv4 addresses swapped, type and checksum
    assert echo["verdict"] == "XDP_TX" and echo["modified"]
    changed = set(echo["changed_offsets"])
    assert 34 in changed and changed <= set(range(12)) | set(range(26, 38))
    text = pybpf(capsys, "xdp", "replay", GUARD, "--pcap", GUARD_PCAP, "--set", "blocked_port=53",
                 "--backend", name)  # fmt: skip
    assert text.code == 0
    assert "verdicts: XDP_ABORTED 0, XDP_DROP 5, XDP_PASS 12, XDP_TX 3, XDP_REDIRECT 0" in text.out
    assert ".rodata: blocked_port = 53" in text.out and "253 all-zero entries not shown" in text.out


def test_a_refused_program_is_not_replayed(capsys: pytest.CaptureFixture[str]) -> None:
    """The missing null check is refused at load on pybpf as on the kernel (it used to load on
    pybpf and fault at frame 4)."""
    done = pybpf(capsys, "xdp", "replay", GUARD_BROKEN, "--pcap", GUARD_PCAP, "--backend", "user")
    assert done.code == 1
    assert "refused: EACCES: R0 invalid mem access 'map_value_or_null'" in done.err


def test_no_progress_bar_off_a_terminal(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from pybpf.cli import xdp_commands

    long = pcapng_of(tmp_path / "long.pcapng", FRAMES[:2] * (xdp_commands.PROGRESS_FROM // 2))
    done = pybpf(capsys, "-j", "xdp", "replay", GUARD, "--pcap", long)
    assert done.code == 0 and done.json()["packets"] == xdp_commands.PROGRESS_FROM and done.err == ""


def test_choosing_the_program(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.elf.corpus import obj_path

    several = pybpf(capsys, "xdp", "replay", obj_path("multi_prog"), "--pcap", GUARD_PCAP)
    assert several.code == 1 and "choose one with --program" in several.err
    wrong = pybpf(capsys, "xdp", "replay", obj_path("socket_filter"), "--pcap", GUARD_PCAP)
    assert wrong.code == 1 and "xdp programs" in wrong.err
