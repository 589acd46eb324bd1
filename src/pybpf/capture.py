"""Packet captures (pcap and pcapng) read as the Ethernet frames an XDP program would see.

Reading is dpkt's (``dpkt.pcap.Reader`` / ``dpkt.pcapng.Reader``: raw bytes, no dissection).  Before
dpkt reads a byte, :func:`open_capture` walks the file's framing itself -- pcap's 24-byte file header and
16-byte record headers, pcapng's blocks (``block type, total length, body, total length``) -- the way
libpcap's ``pcap_next_ex`` and pcapng's ``read_block`` check them, so that a hostile or damaged capture
(wrong magic, truncated header or record, a length running past the end of the file or past its
block, a huge length, an interface the file never described) fails with a :class:`CaptureError`
naming the record and its offset, never a traceback, a silent early end or a huge allocation: every
read is bounded by what the file holds.  The walk also counts the frames, which a progress bar needs.

Frames are numbered from 1 in file order (pcapng: packet blocks only, as Wireshark numbers them).
Only Ethernet link types reach an XDP program; any other link type is an error naming the frame.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import dpkt

__all__ = ["MAX_FRAME", "Capture", "CaptureError", "Frame", "open_capture"]

MAX_FRAME = 65535
"""The longest frame taken (pcap's traditional snaplen; longer than any XDP test frame)."""

LINKTYPE_ETHERNET = 1
PCAP_HEADER = 24
PCAP_RECORD = 16
PCAPNG_SHB = 0x0A0D0D0A
PCAPNG_IDB, PCAPNG_PB, PCAPNG_SPB, PCAPNG_EPB = 1, 2, 3, 6
PCAPNG_BYTE_ORDER = 0x1A2B3C4D
MAX_BLOCK = MAX_FRAME + 64 * 1024
"""The longest pcapng block taken: a maximal frame plus generous room for options."""

_PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1_000_000),
    b"\xa1\xb2\xc3\xd4": (">", 1_000_000),
    b"\x4d\x3c\xb2\xa1": ("<", 1_000_000_000),
    b"\xa1\xb2\x3c\x4d": (">", 1_000_000_000),
}
_LINKTYPE_NAMES = {
    0: "NULL",
    101: "RAW",
    105: "IEEE802_11",
    113: "LINUX_SLL",
    127: "IEEE802_11_RADIOTAP",
    228: "IPV4",
    229: "IPV6",
    276: "LINUX_SLL2",
}


class CaptureError(ValueError):
    """A capture file that cannot be read: names the file, the record (or block) and the reason."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured frame: its number in the file (from 1), bytes and timestamp (seconds)."""

    number: int
    data: bytes
    timestamp: float


@dataclass(frozen=True)
class Capture:
    """A capture whose framing was checked: ``format`` ``"pcap"`` or ``"pcapng"``, ``frames`` counted.

    Iterating reads the frames through dpkt, in file order.
    """

    path: str
    format: str
    frames: int

    def __len__(self) -> int:
        return self.frames

    def __iter__(self) -> Iterator[Frame]:
        return _read_frames(self)


def open_capture(path: str | os.PathLike[str]) -> Capture:
    """Check the framing of the capture at ``path`` and count its frames (``CaptureError`` if damaged)."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            magic = f.read(4)
            if len(magic) < 4:
                raise CaptureError(f"{name}: too short for a capture ({size} bytes)")
            if magic[:2] == b"\x1f\x8b":
                raise CaptureError(f"{name}: gzip-compressed: decompress it first")
            if magic in _PCAP_MAGICS:
                return Capture(name, "pcap", _walk_pcap(f, name, size, _PCAP_MAGICS[magic][0]))
            if struct.unpack("<I", magic)[0] == PCAPNG_SHB:
                return Capture(name, "pcapng", _walk_pcapng(f, name, size))
            raise CaptureError(f"{name}: not a pcap or pcapng capture (magic 0x{magic.hex()})")
    except OSError as exc:
        raise CaptureError(f"cannot read {name}: {exc.strerror}") from None


def _linktype(linktype: int) -> str:
    known = _LINKTYPE_NAMES.get(linktype)
    return f"{linktype} ({known})" if known else str(linktype)


def _not_ethernet(name: str, where: str, linktype: int) -> CaptureError:
    return CaptureError(
        f"{name}: {where}: link type {_linktype(linktype)} is not Ethernet ({LINKTYPE_ETHERNET}): "
        "XDP programs see Ethernet frames"
    )


# -- framing walks -------------------------------------------------------------------------------
def _walk_pcap(f: IO[bytes], name: str, size: int, endian: str) -> int:
    """libpcap's savefile checks: the file header, then each record header and its captured bytes."""
    f.seek(0)
    header = f.read(PCAP_HEADER)
    if len(header) < PCAP_HEADER:
        raise CaptureError(f"{name}: pcap file header is truncated ({len(header)} of {PCAP_HEADER} bytes)")
    linktype = struct.unpack(endian + "I", header[20:24])[0] & 0x0FFFFFFF
    if linktype != LINKTYPE_ETHERNET:
        raise _not_ethernet(name, "the capture", linktype)
    offset, count = PCAP_HEADER, 0
    while offset < size:
        where = f"record {count + 1} at offset {offset}"
        f.seek(offset)
        record = f.read(PCAP_RECORD)
        if len(record) < PCAP_RECORD:
            raise CaptureError(f"{name}: {where}: header truncated ({len(record)} of {PCAP_RECORD} bytes)")
        caplen = struct.unpack(endian + "I", record[8:12])[0]
        left = size - offset - PCAP_RECORD
        if caplen > MAX_FRAME:
            raise CaptureError(f"{name}: {where}: captured length {caplen} is over {MAX_FRAME} bytes")
        if caplen > left:
            raise CaptureError(
                f"{name}: {where}: captured length {caplen} runs past the end of the file ({left} bytes left)"
            )
        offset += PCAP_RECORD + caplen
        count += 1
    return count


def _walk_pcapng(f: IO[bytes], name: str, size: int) -> int:
    """pcapng's block framing: lengths, trailers, byte order per section, interfaces, packet lengths."""
    offset, block_number, count = 0, 0, 0
    endian = "<"
    interfaces = 0
    while offset < size:
        block_number += 1
        where = f"block {block_number} at offset {offset}"
        f.seek(offset)
        head = f.read(12)
        if len(head) < 8:
            raise CaptureError(f"{name}: {where}: block header truncated ({len(head)} of 8 bytes)")
        if struct.unpack("<I", head[:4])[0] == PCAPNG_SHB:
            if len(head) < 12:
                raise CaptureError(f"{name}: {where}: section header truncated")
            if struct.unpack("<I", head[8:12])[0] == PCAPNG_BYTE_ORDER:
                endian = "<"
            elif struct.unpack(">I", head[8:12])[0] == PCAPNG_BYTE_ORDER:
                endian = ">"
            else:
                raise CaptureError(f"{name}: {where}: bad byte-order magic 0x{head[8:12].hex()}")
            interfaces = 0  # interface ids are per section
        elif block_number == 1:
            raise CaptureError(f"{name}: {where}: a pcapng file starts with a section header block")
        kind, length = struct.unpack(endian + "II", head[:8])
        if length < 12 or length % 4:
            raise CaptureError(f"{name}: {where}: bad block length {length} (at least 12, a multiple of 4)")
        if length > size - offset:
            raise CaptureError(
                f"{name}: {where}: block length {length} runs past the end of the file "
                f"({size - offset} bytes left)"
            )
        if length > MAX_BLOCK:
            raise CaptureError(f"{name}: {where}: block length {length} is over {MAX_BLOCK} bytes")
        f.seek(offset)
        block = f.read(length)
        if struct.unpack(endian + "I", block[-4:])[0] != length:
            raise CaptureError(f"{name}: {where}: trailing block length differs from the leading {length}")
        body = block[8:-4]
        if kind == PCAPNG_SHB and len(body) < 16:
            raise CaptureError(f"{name}: {where}: section header block too short ({length} bytes)")
        if kind == PCAPNG_IDB:
            if len(body) < 8:
                raise CaptureError(f"{name}: {where}: interface description block too short")
            interfaces += 1
            linktype = struct.unpack(endian + "H", body[:2])[0]
            if linktype != LINKTYPE_ETHERNET:
                raise _not_ethernet(name, f"{where} (interface {interfaces - 1})", linktype)
        elif kind in (PCAPNG_EPB, PCAPNG_PB, PCAPNG_SPB):
            count += 1
            _check_packet_block(f"{name}: packet {count} ({where})", endian, kind, body, interfaces)
        offset += length
    return count


def _check_packet_block(where: str, endian: str, kind: int, body: bytes, interfaces: int) -> None:
    if kind == PCAPNG_SPB:
        raise CaptureError(f"{where}: simple packet blocks (no interface, no time) are not supported")
    if len(body) < 20:
        raise CaptureError(f"{where}: packet block too short ({len(body)} of 20 bytes)")
    if kind == PCAPNG_EPB:
        interface = struct.unpack(endian + "I", body[:4])[0]
    else:
        interface = struct.unpack(endian + "H", body[:2])[0]
    caplen = struct.unpack(endian + "I", body[12:16])[0]
    room = len(body) - 20
    if interface >= interfaces:
        raise CaptureError(
            f"{where}: interface {interface}, but the section describes {interfaces} interface(s)"
        )
    if caplen > room:
        raise CaptureError(f"{where}: captured length {caplen} runs past its block ({room} bytes)")
    if caplen > MAX_FRAME:
        raise CaptureError(f"{where}: captured length {caplen} is over {MAX_FRAME} bytes")


# -- reading through dpkt ------------------------------------------------------------------------
def _read_frames(capture: Capture) -> Iterator[Frame]:
    number = 0
    try:
        with open(capture.path, "rb") as f:
            reader: Any = dpkt.pcapng.Reader(f) if capture.format == "pcapng" else dpkt.pcap.Reader(f)
            for timestamp, data in reader:
                number += 1
                yield Frame(number, bytes(data), float(timestamp))
    except (dpkt.Error, ValueError, OSError, struct.error) as exc:
        raise CaptureError(f"{capture.path}: frame {number + 1}: {exc}") from None
    if number != capture.frames:
        raise CaptureError(
            f"{capture.path}: frame {number + 1}: unreadable (the file changed, or its options are damaged)"
        )
