""".BTF.ext: the per-instruction BTF records clang writes beside ``.BTF`` -- func_info, line_info, CO-RE.

Mirrors ``struct btf_ext_header`` and the record layouts of libbpf's ``btf.h`` / ``libbpf_internal.h``
(``bpf_func_info``, ``bpf_line_info``, ``bpf_core_relo``) and the checks of libbpf's ``btf_ext__new``
(``btf_ext_parse_hdr``, ``btf_ext_parse_info``): a header (magic 0xeB9F, version 1, ``hdr_len``, then
offset/length pairs of the func_info, line_info and -- when the header is long enough -- CO-RE
relocation subsections, relative to the end of the header).  Each subsection starts with the u32 size of
one record, followed by blocks ``{u32 sec_name_off; u32 num_info; records[num_info]}``, one per ELF
section; names are offsets into the ``.BTF`` string section.  Records may be longer than pybpf knows
(a newer producer); the known prefix is decoded and the rest kept in ``tail`` so they can be handed to
the kernel unchanged.

Instruction offsets in an object are byte offsets in their ELF section (``insn_off``); the kernel wants
instruction indices (``insn``).  Records hold both views through ``insn``, and ``encode_*`` writes the
kernel's form for a program's records.  Malformed input raises ``BTFError`` naming the subsection,
block and record, as the rest of ``pybpf.btf`` does; nothing is allocated beyond the input's size.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from pybpf import uapi
from pybpf.btf.raw import BTF_MAGIC, BTFError, string_at
from pybpf.btf.types import BTF

__all__ = [
    "CORE_RELO_MIN_SIZE",
    "FUNC_INFO_MIN_SIZE",
    "LINE_INFO_MIN_SIZE",
    "BTFExt",
    "CoreRelo",
    "FuncInfo",
    "LineInfo",
    "encode_func_info",
    "encode_line_info",
    "parse_btf_ext",
    "shifted",
]

INSN_SIZE = 8
FUNC_INFO_MIN_SIZE = 8
"""``sizeof(struct bpf_func_info)``: insn_off, type_id."""
LINE_INFO_MIN_SIZE = 16
"""``sizeof(struct bpf_line_info)``: insn_off, file_name_off, line_off, line_col."""
CORE_RELO_MIN_SIZE = 16
"""``sizeof(struct bpf_core_relo)``: insn_off, type_id, access_str_off, kind."""
_HEADER_MIN = 24
"""The header up to and including line_info_len; the CO-RE pair follows when ``hdr_len`` covers it."""
_HEADER_WITH_CORE = 32


@dataclass(frozen=True, slots=True)
class FuncInfo:
    """``struct bpf_func_info``: the FUNC type ``type_id`` starts at instruction ``insn``."""

    insn: int
    type_id: int
    tail: bytes = b""


@dataclass(frozen=True, slots=True)
class LineInfo:
    """``struct bpf_line_info``: instruction ``insn`` comes from ``file``:``line``:``column``.

    ``file_name_off`` / ``line_off`` are the string offsets in ``.BTF`` (what the kernel is given);
    ``source`` is the text of the C line (clang stores it, trimmed), ``file`` the file's name.
    """

    insn: int
    file_name_off: int
    line_off: int
    line: int
    column: int
    file: str = ""
    source: str = ""
    tail: bytes = b""

    @property
    def line_col(self) -> int:
        """The packed ``line_col`` word (``BPF_LINE_INFO_LINE_NUM`` << 10 | column)."""
        return (self.line << 10) | (self.column & 0x3FF)


@dataclass(frozen=True, slots=True)
class CoreRelo:
    """``struct bpf_core_relo``: patch instruction ``insn`` by the CO-RE rule ``kind``.

    ``type_id`` is the root type in the object's own BTF; ``access`` the access string (``"0:1:2"``:
    the root's array index, then member or element indices; ``"0"`` for type and enum-value rules,
    whose enumerator index it is for the latter).
    """

    insn: int
    type_id: int
    access_str_off: int
    access: str
    kind: uapi.bpf_core_relo_kind
    tail: bytes = b""


@dataclass(frozen=True)
class BTFExt:
    """A decoded .BTF.ext: records per ELF section name, in the order they were written."""

    func_info: dict[str, tuple[FuncInfo, ...]]
    line_info: dict[str, tuple[LineInfo, ...]]
    core_relos: dict[str, tuple[CoreRelo, ...]]
    func_info_rec_size: int = FUNC_INFO_MIN_SIZE
    line_info_rec_size: int = LINE_INFO_MIN_SIZE
    core_relo_rec_size: int = CORE_RELO_MIN_SIZE


# -- decoding ---------------------------------------------------------------------------------------------


def parse_btf_ext(data: bytes | bytearray | memoryview, btf: BTF) -> BTFExt:
    """Decode a .BTF.ext section; names are looked up in ``btf`` (the object's .BTF)."""
    buf = bytes(data)
    if len(buf) < 8:
        raise BTFError(f".BTF.ext: too short for a header ({len(buf)} bytes)")
    magic, version, _flags, hdr_len = struct.unpack_from("<HBBI", buf)
    if magic != BTF_MAGIC:
        if magic == 0x9FEB:
            raise BTFError(".BTF.ext: big-endian data is not supported")
        raise BTFError(f".BTF.ext: bad magic {magic:#06x} (expected 0xeb9f)")
    if version != 1:
        raise BTFError(f".BTF.ext: unsupported version {version}")
    if hdr_len < _HEADER_MIN or hdr_len > len(buf):
        raise BTFError(f".BTF.ext: bad header length {hdr_len} (section is {len(buf)} bytes)")
    func_off, func_len, line_off, line_len = struct.unpack_from("<4I", buf, 8)
    core_off = core_len = 0
    if hdr_len >= _HEADER_WITH_CORE:
        core_off, core_len = struct.unpack_from("<2I", buf, 24)
    body = buf[hdr_len:]
    func_size, func_blocks = _subsection(body, func_off, func_len, "func_info", FUNC_INFO_MIN_SIZE)
    line_size, line_blocks = _subsection(body, line_off, line_len, "line_info", LINE_INFO_MIN_SIZE)
    core_size, core_blocks = _subsection(body, core_off, core_len, "core_relo", CORE_RELO_MIN_SIZE)
    names = _Names(btf)
    return BTFExt(
        func_info=_per_section(func_blocks, names, "func_info", _func_info),
        line_info=_per_section(line_blocks, names, "line_info", _line_info),
        core_relos=_per_section(core_blocks, names, "core_relo", _core_relo),
        func_info_rec_size=func_size or FUNC_INFO_MIN_SIZE,
        line_info_rec_size=line_size or LINE_INFO_MIN_SIZE,
        core_relo_rec_size=core_size or CORE_RELO_MIN_SIZE,
    )


_Block = tuple[int, int, list[bytes]]
"""(block index, sec_name_off, the raw records)."""


def _subsection(body: bytes, off: int, length: int, what: str, min_size: int) -> tuple[int, list[_Block]]:
    """``btf_ext_parse_info``: the record size and the blocks of one subsection (none when empty)."""
    if length == 0:
        return 0, []
    if off % 4:
        raise BTFError(f".BTF.ext {what}: offset {off} is not 4-byte aligned")
    if off + length > len(body) or off + length < off:
        raise BTFError(f".BTF.ext {what}: [{off}, +{length}) runs past the section ({len(body)} bytes)")
    if length < 4:
        raise BTFError(f".BTF.ext {what}: too short for a record size")
    data = body[off : off + length]
    (rec_size,) = struct.unpack_from("<I", data)
    if rec_size < min_size or rec_size % 4 or rec_size > 0xFFFF:
        raise BTFError(f".BTF.ext {what}: bad record size {rec_size} (at least {min_size}, a multiple of 4)")
    pos, blocks = 4, list[_Block]()
    while pos < len(data):
        index = len(blocks)
        if len(data) - pos < 8:
            raise BTFError(f".BTF.ext {what} block #{index}: truncated block header at offset {pos}")
        name_off, count = struct.unpack_from("<2I", data, pos)
        pos += 8
        if count == 0:
            raise BTFError(f".BTF.ext {what} block #{index}: no records")
        if count > (len(data) - pos) // rec_size:
            raise BTFError(
                f".BTF.ext {what} block #{index}: {count} records of {rec_size} bytes run past the "
                f"subsection ({len(data) - pos} bytes left)"
            )
        records = [data[pos + i * rec_size : pos + (i + 1) * rec_size] for i in range(count)]
        pos += count * rec_size
        blocks.append((index, name_off, records))
    return rec_size, blocks


class _Names:
    """String lookups in the object's .BTF string section, with the errors .BTF.ext decoding gives."""

    def __init__(self, btf: BTF) -> None:
        self.strings = btf.strings

    def get(self, off: int, where: str) -> str:
        if not 0 <= off < len(self.strings):
            raise BTFError(f"{where}: string offset {off} out of range ({len(self.strings)} bytes)")
        try:
            return string_at(self.strings, off).decode()
        except UnicodeDecodeError:
            raise BTFError(f"{where}: string at offset {off} is not valid UTF-8") from None


_Decoder = Callable[[bytes, "_Names", str], Any]


def _per_section(
    blocks: list[_Block], names: _Names, what: str, decode: _Decoder
) -> dict[str, tuple[Any, ...]]:
    out: dict[str, list[Any]] = {}
    for index, name_off, records in blocks:
        where = f".BTF.ext {what} block #{index}"
        section = names.get(name_off, where)
        if not section:
            raise BTFError(f"{where}: empty section name")
        decoded = out.setdefault(section, [])
        for i, raw in enumerate(records):
            decoded.append(decode(raw, names, f"{where} ({section}) record #{i}"))
    return {name: tuple(records) for name, records in out.items()}


def _insn(insn_off: int, where: str) -> int:
    if insn_off % INSN_SIZE:
        raise BTFError(f"{where}: insn_off {insn_off} is not a multiple of {INSN_SIZE}")
    return insn_off // INSN_SIZE


def _func_info(raw: bytes, names: _Names, where: str) -> FuncInfo:
    insn_off, type_id = struct.unpack_from("<2I", raw)
    return FuncInfo(_insn(insn_off, where), type_id, raw[FUNC_INFO_MIN_SIZE:])


def _line_info(raw: bytes, names: _Names, where: str) -> LineInfo:
    insn_off, file_off, line_off, line_col = struct.unpack_from("<4I", raw)
    file = names.get(file_off, f"{where} file name")
    source = names.get(line_off, f"{where} line") if line_off else ""
    return LineInfo(
        _insn(insn_off, where),
        file_off,
        line_off,
        line_col >> 10,
        line_col & 0x3FF,
        file,
        source,
        raw[LINE_INFO_MIN_SIZE:],
    )


def _core_relo(raw: bytes, names: _Names, where: str) -> CoreRelo:
    insn_off, type_id, access_off, kind = struct.unpack_from("<4I", raw)
    try:
        relo_kind = uapi.bpf_core_relo_kind(kind)
    except ValueError:
        raise BTFError(f"{where}: unknown CO-RE relocation kind {kind}") from None
    access = names.get(access_off, f"{where} access string")
    if not access:
        raise BTFError(f"{where}: empty access string")
    return CoreRelo(_insn(insn_off, where), type_id, access_off, access, relo_kind, raw[CORE_RELO_MIN_SIZE:])


# -- encoding (what BPF_PROG_LOAD takes) ----------------------------------------------------------------


def encode_func_info(records: Iterable[FuncInfo], rec_size: int = FUNC_INFO_MIN_SIZE) -> bytes:
    """``bpf_func_info`` records for BPF_PROG_LOAD: insn_off as an instruction index."""
    return b"".join(
        struct.pack("<2I", r.insn, r.type_id)
        + r.tail[: rec_size - FUNC_INFO_MIN_SIZE].ljust(rec_size - FUNC_INFO_MIN_SIZE, b"\0")
        for r in records
    )


def encode_line_info(records: Iterable[LineInfo], rec_size: int = LINE_INFO_MIN_SIZE) -> bytes:
    """``bpf_line_info`` records for BPF_PROG_LOAD: insn_off as an instruction index."""
    return b"".join(
        struct.pack("<4I", r.insn, r.file_name_off, r.line_off, r.line_col)
        + r.tail[: rec_size - LINE_INFO_MIN_SIZE].ljust(rec_size - LINE_INFO_MIN_SIZE, b"\0")
        for r in records
    )


_R = TypeVar("_R", FuncInfo, LineInfo, CoreRelo)


def shifted(records: Iterable[_R], delta: int) -> Iterator[_R]:
    """The records with every instruction index moved by ``delta``."""
    for r in records:
        yield replace(r, insn=r.insn + delta)
