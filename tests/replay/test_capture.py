"""Reading captures: pcap and pcapng give the same frames; damaged and hostile captures fail with a
``CaptureError`` naming the record and the reason -- never a traceback, a silent stop or a huge read."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf.capture import CaptureError, open_capture
from pybpf.cli.main import main
from tests.cli.clitools import GUARD, GUARD_PCAP

FRAMES = [f.data for f in open_capture(GUARD_PCAP)]


def _block(kind: int, body: bytes) -> bytes:
    body += bytes(-len(body) % 4)
    return struct.pack("<II", kind, len(body) + 12) + body + struct.pack("<I", len(body) + 12)


def pcapng_of(path: Path, frames: list[bytes]) -> Path:
    """A pcapng file as Wireshark writes one: a section header, one Ethernet interface, enhanced packets."""
    blocks = [
        _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
        _block(1, struct.pack("<HHI", 1, 0, 0)),
    ]
    for i, frame in enumerate(frames):
        ts = 1_700_000_000_000_000 + i
        blocks.append(
            _block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame)) + frame)
        )
    path.write_bytes(b"".join(blocks))
    return path


def test_pcap_and_pcapng_read_alike(tmp_path: Path) -> None:
    ng = open_capture(pcapng_of(tmp_path / "guard.pcapng", FRAMES))
    assert (ng.format, len(ng)) == ("pcapng", 21)
    assert [f.data for f in ng] == FRAMES
    assert [f.number for f in ng] == list(range(1, 22))
    classic = open_capture(GUARD_PCAP)
    assert classic.format == "pcap" and [f.timestamp for f in classic][:2] == [
        1_700_000_000.0,
        1_700_000_000.001,
    ]


def _error(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    with pytest.raises(CaptureError) as caught:
        list(open_capture(path))
    return str(caught.value)


def test_damaged_pcaps_name_the_record(tmp_path: Path) -> None:
    good = GUARD_PCAP.read_bytes()
    bad = tmp_path / "bad.pcap"
    assert "not a pcap or pcapng capture (magic 0x00010203)" in _error(bad, b"\x00\x01\x02\x03" + good[4:])
    assert "file header is truncated (10 of 24 bytes)" in _error(bad, good[:10])
    assert "record 21 at offset" in _error(bad, good[:-3]) and "runs past the end of the file" in _error(
        bad, good[:-3]
    )
    assert "record 22 at offset 1480: header truncated (5 of 16 bytes)" in _error(bad, good + bytes(5))
    huge = good[:24] + struct.pack("<IIII", 0, 0, 0xFFFFFFFF, 0xFFFFFFFF) + bytes(64)
    assert "record 1 at offset 24: captured length 4294967295 is over 65535 bytes" in _error(bad, huge)
    sll = good[:20] + struct.pack("<I", 113) + good[24:]
    assert "link type 113 (LINUX_SLL) is not Ethernet" in _error(bad, sll)
    assert "gzip-compressed" in _error(bad, b"\x1f\x8b\x08\x00" + bytes(20))


def test_damaged_pcapngs_name_the_block(tmp_path: Path) -> None:
    good = pcapng_of(tmp_path / "good.pcapng", FRAMES[:3]).read_bytes()
    bad = tmp_path / "bad.pcapng"
    assert "runs past the end of the file" in _error(bad, good[:-8])
    huge = bytearray(good)
    first_packet = good.index(struct.pack("<I", 6))  # the first enhanced packet block
    huge[first_packet + 4 : first_packet + 8] = struct.pack("<I", 0xFFFFFFF0)
    assert "block length 4294967280 runs past the end of the file" in _error(bad, bytes(huge))
    caplen = bytearray(good)
    caplen[first_packet + 20 : first_packet + 24] = struct.pack("<I", 60_000)
    assert "packet 1" in _error(bad, bytes(caplen)) and "runs past its block" in _error(bad, bytes(caplen))
    iface = bytearray(good)
    iface[first_packet + 8 : first_packet + 12] = struct.pack("<I", 3)
    assert "interface 3, but the section describes 1 interface(s)" in _error(bad, bytes(iface))
    trailer = bytearray(good)
    trailer[-4:] = b"\x01\x00\x00\x00"
    assert "trailing block length differs" in _error(bad, bytes(trailer))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_captures_fail_cleanly(data: st.DataObject, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Bytes flipped, lengths rewritten, files cut: each capture reads, or fails with a CaptureError."""
    base = GUARD_PCAP.read_bytes() if data.draw(st.booleans()) else _PCAPNG
    blob = bytearray(base)
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(blob) - 1))
        if data.draw(st.booleans()):
            blob[at] = data.draw(st.integers(0, 255))
        else:
            blob[at : at + 4] = struct.pack(
                "<I", data.draw(st.sampled_from([0, 1, 12, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF]))
            )
    if data.draw(st.booleans()):
        blob = blob[: data.draw(st.integers(0, len(blob)))]
    path = tmp_path_factory.mktemp("fuzz") / "mutated.cap"
    path.write_bytes(bytes(blob))
    try:
        frames = list(open_capture(path))
    except CaptureError as exc:
        assert str(path) in str(exc)
        return
    assert all(len(f.data) <= 65535 for f in frames)


_PCAPNG = b""


@pytest.fixture(autouse=True, scope="module")
def _pcapng_sample(tmp_path_factory: pytest.TempPathFactory) -> None:
    global _PCAPNG
    _PCAPNG = pcapng_of(tmp_path_factory.mktemp("ng") / "g.pcapng", FRAMES[:6]).read_bytes()


def test_cli_reports_a_bad_capture_in_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "cut.pcap"
    bad.write_bytes(GUARD_PCAP.read_bytes()[:-3])
    assert main(["xdp", "replay", str(GUARD), "--pcap", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("pybpf: error: ") and "record 21" in err and err.count("\n") == 1
