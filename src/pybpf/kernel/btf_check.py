"""Verification of raw BTF at BPF_BTF_LOAD: the kernel's ``btf_parse``, its errnos and its log.

Mirrors ``kernel/bpf/btf.c`` (written from its behaviour, checked against the running kernel):

* ``btf_parse_hdr`` — data shorter than 8 bytes ("hdr_len not found"), a ``hdr_len`` past the data
  ("btf_header not found"), non-zero bytes in a header longer than ``struct btf_header``
  ("Unsupported btf_header", E2BIG), then the header dump (``magic: 0x..`` ... ``btf_total_size``),
  magic (EINVAL), version and flags (ENOTSUPP, 524), "No data", and ``btf_check_sec_info``: the
  type and string sections sorted by offset must tile the data after the header exactly
  ("Invalid section offset", "Unsupported section found", "Section overlap found", "Total section
  length too long").  Only native (little-endian on x86/arm64) BTF is accepted, as by the kernel.
* ``btf_parse_str_sec`` — the string section must end the data, start and end with a NUL and be at
  most 16 MiB.
* ``btf_parse_type_sec`` — ``type_off`` 4-aligned, at least one type, then pass 1
  (``btf_check_all_metas``: per-kind ``check_meta``, logging every type as ``[id] KIND name
  details``) and pass 2 (``btf_check_all_types``: the depth-first ``resolve`` of every type that
  refers to another, with loop and depth detection, member and array size checks, FUNC_PROTO
  argument checks), then ``btf_check_type_tags``.

Error lines are logged exactly as the kernel words them (``btf_verifier_log_type`` /
``btf_verifier_log_member`` / ``btf_verifier_log_vsi``), so a log can be compared line by line.
The result (``VerifiedBTF``) keeps the types with their resolved ids and sizes, which is what
``map_check_btf`` needs (``btf_type_id_size``) and where ``bpf_spin_lock`` is found.  Not done:
split BTF (``btf_fd`` bases are for kernel module BTF) and ``btf_parse_struct_metas``
(bpf_list_head/bpf_rb_root graph roots).
"""

from __future__ import annotations

import errno
import struct
from dataclasses import dataclass, field

ENOTSUPP = 524
BTF_MAGIC = 0xEB9F
BTF_VERSION = 1
HEADER_SIZE = 24
INFO_MASK = 0x9F00FFFF
INT_MASK = 0x0FFFFFFF
MAX_TYPE = 0x000FFFFF
MAX_NAME_OFFSET = 0x00FFFFFF
MAX_SIZE = 16 * 1024 * 1024
MAX_RESOLVE_DEPTH = 32
KSYM_NAME_LEN = 512
U32_MAX = 0xFFFFFFFF
BITS_PER_U128 = 128

(UNKN, INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO,
 VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64) = range(20)  # fmt: skip
KIND_MAX = ENUM64
KIND_NAMES = ("UNKNOWN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF", "VOLATILE",
              "CONST", "RESTRICT", "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT", "DECL_TAG",
              "TYPE_TAG", "ENUM64")  # fmt: skip
_MODIFIERS = frozenset({TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG})
_HAS_SIZE = frozenset({INT, STRUCT, UNION, ENUM, DATASEC, FLOAT, ENUM64})
_NEEDS_RESOLVE = _MODIFIERS | {PTR, STRUCT, UNION, ARRAY, VAR, FUNC, DATASEC, DECL_TAG}
_SOURCE_ONLY = frozenset({VAR, FUNC, DATASEC, DECL_TAG})
_NOSIZE = frozenset({UNKN, FWD, FUNC, FUNC_PROTO})  # UNKN: void
_INT_ENCODINGS = {0: "(none)", 1: "SIGNED", 2: "CHAR", 4: "BOOL"}
NOT_VISITED, VISITED, RESOLVED = 0, 1, 2
RESOLVE_TBD, RESOLVE_PTR, RESOLVE_STRUCT_OR_ARRAY = 0, 1, 2
_U32 = struct.Struct("<I")


class BTFVerifyError(Exception):
    """BTF refused: ``errno`` is the kernel's; the reason is already in the log."""

    def __init__(self, err: int, reason: str) -> None:
        super().__init__(reason)
        self.errno = err


@dataclass
class RawType:
    """One ``struct btf_type`` as it sits in the type section (``at``: byte offset of its tail)."""

    id: int
    name_off: int
    info: int
    sot: int
    """``size`` or ``type``, by kind."""
    at: int = 0

    @property
    def kind(self) -> int:
        return (self.info >> 24) & 0x1F

    @property
    def vlen(self) -> int:
        return self.info & 0xFFFF

    @property
    def kflag(self) -> bool:
        return bool(self.info >> 31)


VOID = RawType(0, 0, 0, 0)


# The kernel's <linux/ctype.h> table: Latin-1 letters count as alpha, 0xa0.. as printable.
def _isalpha(c: int) -> bool:
    return 65 <= c <= 90 or 97 <= c <= 122 or (c >= 192 and c not in (215, 247))


def _isalnum(c: int) -> bool:
    return _isalpha(c) or 48 <= c <= 57


def _isprint(c: int) -> bool:
    return 32 <= c <= 126 or c >= 160


@dataclass
class VerifiedBTF:
    """What ``btf_parse`` leaves: the raw data, its types and their resolved ids and sizes."""

    data: bytes
    types: list[RawType]
    strings: bytes
    type_section: bytes
    resolved_ids: list[int] = field(default_factory=list)
    resolved_sizes: list[int] = field(default_factory=list)

    def type_by_id(self, type_id: int) -> RawType | None:
        return self.types[type_id] if type_id < len(self.types) else None

    def name(self, off: int) -> str:
        end = self.strings.find(b"\0", off)
        return self.strings[off:end].decode("latin-1") if 0 <= off < len(self.strings) else ""

    def word(self, t: RawType, index: int) -> int:
        value: int = _U32.unpack_from(self.type_section, t.at + 4 * index)[0]
        return value

    def id_size(self, type_id: int) -> tuple[RawType, int, int] | None:
        """``btf_type_id_size``: (type with a size, its id, its size) or None."""
        t = self.type_by_id(type_id)
        if t is None or t.kind in _NOSIZE:
            return None
        if t.kind in _HAS_SIZE:
            return t, type_id, t.sot
        if t.kind == ARRAY:
            return t, type_id, self.resolved_sizes[type_id]
        if t.kind == PTR:
            return t, type_id, 8
        if t.kind not in _MODIFIERS and t.kind != VAR:
            return None
        type_id = self.resolved_ids[type_id]
        t = self.type_by_id(type_id)
        if t is None or t.kind in _NOSIZE:
            return None
        if t.kind in _HAS_SIZE:
            return t, type_id, t.sot
        if t.kind == ARRAY:
            return t, type_id, self.resolved_sizes[type_id]
        if t.kind == PTR:
            return t, type_id, 8
        return None

    def members(self, t: RawType) -> list[tuple[int, int, int]]:
        """(name_off, type, offset word) of a STRUCT/UNION's members."""
        return [(self.word(t, 3 * i), self.word(t, 3 * i + 1), self.word(t, 3 * i + 2)) for i in range(t.vlen)]


class _Log:
    def __init__(self, level: int) -> None:
        self.on = level != 0
        self.parts: list[str] = []

    def __call__(self, text: str) -> None:
        if self.on:
            self.parts.append(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)


class BTFVerifier:
    """One run of ``btf_parse`` over ``data``; ``verify()`` returns the result or raises."""

    def __init__(self, data: bytes, log_level: int = 0) -> None:
        self.data = data
        self.log = _Log(log_level)
        self.log_type_id = 0
        self.phase_meta = True
        self.types: list[RawType] = [VOID]
        self.tsec = b""
        self.strings = b""
        self.str_len = 0

    # --- logging (btf_verifier_log_type / _member / _vsi) ---------------------------------------
    def _name(self, off: int) -> str:
        if not off:
            return "(anon)"
        if off >= self.str_len:
            return "(invalid-name-offset)"
        end = self.strings.find(b"\0", off)
        return self.strings[off:end].decode("latin-1")

    def _word(self, t: RawType, index: int) -> int:
        value: int = _U32.unpack_from(self.tsec, t.at + 4 * index)[0]
        return value

    def _details(self, t: RawType) -> str:
        k = t.kind
        if k == INT:
            data = self._word(t, 0)
            enc = _INT_ENCODINGS.get((data >> 24) & 0x0F, "UNKN")
            return f"size={t.sot} bits_offset={(data >> 16) & 0xFF} nr_bits={data & 0xFF} encoding={enc}"
        if k in _MODIFIERS or k in (PTR, FUNC):
            return f"type_id={t.sot}"
        if k == FWD:
            return "union" if t.kflag else "struct"
        if k == ARRAY:
            return f"type_id={self._word(t, 0)} index_type_id={self._word(t, 1)} nr_elems={self._word(t, 2)}"
        if k in (STRUCT, UNION, ENUM, ENUM64, DATASEC):
            return f"size={t.sot} vlen={t.vlen}"
        if k == FUNC_PROTO:
            return f"return={t.sot} args=({self._proto_args(t)})"
        if k == VAR:
            return f"type_id={t.sot} linkage={self._word(t, 0)}"
        if k == FLOAT:
            return f"size={t.sot}"
        if k == DECL_TAG:
            idx = self._word(t, 0)
            return f"type={t.sot} component_idx={idx - (1 << 32) if idx >> 31 else idx}"
        return ""

    def _proto_args(self, t: RawType) -> str:
        n = t.vlen
        if not n:
            return "void"
        args = [(self._word(t, 2 * i), self._word(t, 2 * i + 1)) for i in range(n)]
        if n == 1 and not args[0][1]:
            return "vararg"
        out = f"{args[0][1]} {self._name(args[0][0])}"
        for name_off, type_id in args[1 : n - 1]:
            out += f", {type_id} {self._name(name_off)}"
        if n > 1:
            last_name, last_type = args[-1]
            out += f", {last_type} {self._name(last_name)}" if last_type else ", vararg"
        return out

    def log_type(self, t: RawType, msg: str | None = None, details: bool = True) -> None:
        if not self.log.on:
            return
        line = f"[{self.log_type_id}] {KIND_NAMES[t.kind]} {self._name(t.name_off)}{' ' if details else ''}"
        if details:
            line += self._details(t)
        if msg:
            line += " " + msg
        self.log(line + "\n")

    def log_member(self, st: RawType, member: tuple[int, int, int], msg: str | None = None) -> None:
        if not self.log.on:
            return
        if not self.phase_meta:
            self.log_type(st)
        name_off, type_id, offset = member
        if st.kflag:
            line = f"\t{self._name(name_off)} type_id={type_id} bitfield_size={offset >> 24} bits_offset={offset & 0xFFFFFF}"
        else:
            line = f"\t{self._name(name_off)} type_id={type_id} bits_offset={offset}"
        self.log(line + (" " + msg if msg else "") + "\n")

    def log_vsi(self, ds: RawType, vsi: tuple[int, int, int], msg: str | None = None) -> None:
        if not self.log.on:
            return
        if not self.phase_meta:
            self.log_type(ds)
        self.log(f"\t type_id={vsi[0]} offset={vsi[1]} size={vsi[2]}" + (" " + msg if msg else "") + "\n")

    def fail(self, err: int, reason: str) -> BTFVerifyError:
        return BTFVerifyError(err, reason)

    def type_fail(self, t: RawType, msg: str, err: int = errno.EINVAL, details: bool = True) -> BTFVerifyError:
        self.log_type(t, msg, details)
        return BTFVerifyError(err, f"[{self.log_type_id}] {KIND_NAMES[t.kind]} {msg}")

    def member_fail(self, st: RawType, member: tuple[int, int, int], msg: str) -> BTFVerifyError:
        self.log_member(st, member, msg)
        return BTFVerifyError(errno.EINVAL, f"[{self.log_type_id}] member: {msg}")

    def plain_fail(self, msg: str, err: int = errno.EINVAL) -> BTFVerifyError:
        self.log(msg)
        return BTFVerifyError(err, msg)

    # --- names ---------------------------------------------------------------------------------
    def offset_valid(self, off: int) -> bool:
        return off <= MAX_NAME_OFFSET and off < self.str_len

    def _str(self, off: int) -> bytes:
        end = self.strings.find(b"\0", off)
        return self.strings[off:end]

    def valid_identifier(self, off: int) -> bool:
        s = self._str(off)
        if not s or not (_isalpha(s[0]) or s[0] == 0x5F) or len(s) >= KSYM_NAME_LEN:
            return False
        return all(_isalnum(c) or c == 0x5F for c in s[1:])

    def valid_section(self, off: int) -> bool:
        s = self._str(off)
        return bool(s) and len(s) < KSYM_NAME_LEN and all(_isprint(c) for c in s)

    # --- the parse -----------------------------------------------------------------------------
    def verify(self) -> VerifiedBTF:
        self._parse_header()
        self._parse_str_sec()
        self._parse_type_sec()
        self._check_type_tags()
        return VerifiedBTF(self.data, self.types, self.strings, self.tsec, self.resolved_ids, self.resolved_sizes)

    def _parse_header(self) -> None:
        data, size = self.data, len(self.data)
        if size < 8:
            raise self.plain_fail("hdr_len not found")
        hdr_len = _U32.unpack_from(data, 4)[0]
        if size < hdr_len:
            raise self.plain_fail("btf_header not found")
        if hdr_len > HEADER_SIZE and any(data[HEADER_SIZE:hdr_len]):
            raise self.plain_fail("Unsupported btf_header", errno.E2BIG)
        copy = data[: min(hdr_len, HEADER_SIZE)].ljust(HEADER_SIZE, b"\0")
        magic, version, flags, hdr_len, type_off, type_len, str_off, str_len = struct.unpack("<HBB5I", copy)
        self.hdr = (hdr_len, type_off, type_len, str_off, str_len)
        self.log(f"magic: 0x{magic:x}\nversion: {version}\nflags: 0x{flags:x}\nhdr_len: {hdr_len}\n"
                 f"type_off: {type_off}\ntype_len: {type_len}\nstr_off: {str_off}\nstr_len: {str_len}\n"
                 f"btf_total_size: {size}\n")  # fmt: skip
        if magic != BTF_MAGIC:
            raise self.plain_fail("Invalid magic")
        if version != BTF_VERSION:
            raise self.plain_fail("Unsupported version", ENOTSUPP)
        if flags:
            raise self.plain_fail("Unsupported flags", ENOTSUPP)
        if size == hdr_len:
            raise self.plain_fail("No data")
        secs = [(type_off, type_len), (str_off, str_len)]
        if _s32(secs[0][0] - secs[1][0]) > 0 or (secs[0][0] == secs[1][0] and _s32(secs[0][1] - secs[1][1]) > 0):
            secs.reverse()
        total, expected = 0, (size - hdr_len) & U32_MAX
        for off, length in secs:
            if expected < off:
                raise self.plain_fail("Invalid section offset")
            if total < off:
                raise self.plain_fail("Unsupported section found")
            if total > off:
                raise self.plain_fail("Section overlap found")
            if expected - total < length:
                raise self.plain_fail("Total section length too long")
            total += length
        if expected != total:
            raise self.plain_fail("Unsupported section found")

    def _parse_str_sec(self) -> None:
        hdr_len, _, _, str_off, str_len = self.hdr
        start = hdr_len + str_off
        if start + str_len != len(self.data):
            raise self.plain_fail("String section is not at the end")
        self.strings = self.data[start : start + str_len]
        self.str_len = str_len
        if not str_len or str_len - 1 > MAX_NAME_OFFSET or self.strings[-1]:
            raise self.plain_fail("Invalid string section")
        if self.strings[0]:
            raise self.plain_fail("Invalid string section")

    def _parse_type_sec(self) -> None:
        hdr_len, type_off, type_len, _, _ = self.hdr
        if type_off & 3:
            raise self.plain_fail("Unaligned type_off")
        if not type_len:
            raise self.plain_fail("No type found")
        self.tsec = self.data[hdr_len + type_off : hdr_len + type_off + type_len]
        self._check_all_metas()
        self._check_all_types()

    # --- pass 1: check_meta ----------------------------------------------------------------------
    def _check_all_metas(self) -> None:
        cur, end = 0, len(self.tsec)
        self.log_type_id = 1
        while cur < end:
            cur += self._check_meta(cur, end - cur)
            self.log_type_id += 1

    def _check_meta(self, cur: int, meta_left: int) -> int:
        if meta_left < 12:
            raise self.plain_fail(f"[{self.log_type_id}] meta_left:{meta_left} meta_needed:12")
        name_off, info, sot = struct.unpack_from("<3I", self.tsec, cur)
        t = RawType(self.log_type_id, name_off, info, sot, cur + 12)
        meta_left -= 12
        if info & ~INFO_MASK & U32_MAX:
            raise self.plain_fail(f"[{self.log_type_id}] Invalid btf_info:{info:x}")
        if t.kind > KIND_MAX or t.kind == UNKN:
            raise self.plain_fail(f"[{self.log_type_id}] Invalid kind:{t.kind}")
        if not self.offset_valid(name_off):
            raise self.plain_fail(f"[{self.log_type_id}] Invalid name_offset:{name_off}")
        extra = _META[t.kind](self, t, meta_left)
        self.types.append(t)
        return 12 + extra

    def _need(self, t: RawType, meta_left: int, needed: int) -> None:
        if meta_left < needed:
            raise self.type_fail(t, f"meta_left:{meta_left} meta_needed:{needed}", details=False)

    def _meta_int(self, t: RawType, meta_left: int) -> int:
        self._need(t, meta_left, 4)
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.kflag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        data = self._word(t, 0)
        if data & ~INT_MASK & U32_MAX:
            raise self.type_fail(t, f"Invalid int_data:{data:x}", details=False)
        nr_bits = (data & 0xFF) + ((data >> 16) & 0xFF)
        if nr_bits > BITS_PER_U128:
            raise self.type_fail(t, f"nr_bits exceeds {BITS_PER_U128}")
        if (nr_bits + 7) // 8 > t.sot:
            raise self.type_fail(t, "nr_bits exceeds type_size")
        encoding = (data >> 24) & 0x0F
        if encoding not in (0, 1, 2, 4):
            raise self.type_fail(t, "Unsupported encoding", ENOTSUPP)
        self.log_type(t)
        return 4

    def _meta_ref(self, t: RawType, meta_left: int) -> int:
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.kflag and t.kind != TYPE_TAG:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        if t.sot > MAX_TYPE:
            raise self.type_fail(t, "Invalid type_id")
        if t.kind == TYPEDEF:
            if not t.name_off or not self.valid_identifier(t.name_off):
                raise self.type_fail(t, "Invalid name")
        elif t.kind == TYPE_TAG:
            if not self._str(t.name_off):
                raise self.type_fail(t, "Invalid name")
        elif t.name_off:
            raise self.type_fail(t, "Invalid name")
        self.log_type(t)
        return 0

    def _meta_fwd(self, t: RawType, meta_left: int) -> int:
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.sot:
            raise self.type_fail(t, "type != 0")
        if not t.name_off or not self.valid_identifier(t.name_off):
            raise self.type_fail(t, "Invalid name")
        self.log_type(t)
        return 0

    def _meta_array(self, t: RawType, meta_left: int) -> int:
        self._need(t, meta_left, 12)
        if t.name_off:
            raise self.type_fail(t, "Invalid name")
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.kflag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        if t.sot:
            raise self.type_fail(t, "size != 0")
        elem, index = self._word(t, 0), self._word(t, 1)
        if not elem or elem > MAX_TYPE:
            raise self.type_fail(t, "Invalid elem")
        if not index or index > MAX_TYPE:
            raise self.type_fail(t, "Invalid index")
        self.log_type(t)
        return 12

    def _meta_struct(self, t: RawType, meta_left: int) -> int:
        needed = 12 * t.vlen
        self._need(t, meta_left, needed)
        if t.name_off and not self.valid_identifier(t.name_off):
            raise self.type_fail(t, "Invalid name")
        self.log_type(t)
        last = 0
        for i in range(t.vlen):
            member = (self._word(t, 3 * i), self._word(t, 3 * i + 1), self._word(t, 3 * i + 2))
            name_off, type_id, _ = member
            if not self.offset_valid(name_off):
                raise self.member_fail(t, member, f"Invalid member name_offset:{name_off}")
            if name_off and not self.valid_identifier(name_off):
                raise self.member_fail(t, member, "Invalid name")
            if not type_id or type_id > MAX_TYPE:
                raise self.member_fail(t, member, "Invalid type_id")
            offset = _bit_offset(t, member)
            if t.kind == UNION and offset:
                raise self.member_fail(t, member, "Invalid member bits_offset")
            if last > offset:
                raise self.member_fail(t, member, "Invalid member bits_offset")
            if (offset + 7) // 8 > t.sot:
                raise self.member_fail(t, member, "Member bits_offset exceeds its struct size")
            self.log_member(t, member)
            last = offset
        return needed

    def _meta_enum(self, t: RawType, meta_left: int) -> int:
        per = 8 if t.kind == ENUM else 12
        needed = per * t.vlen
        self._need(t, meta_left, needed)
        if t.sot > 8 or t.sot & (t.sot - 1) or not t.sot:
            raise self.type_fail(t, "Unexpected size")
        if t.name_off and not self.valid_identifier(t.name_off):
            raise self.type_fail(t, "Invalid name")
        self.log_type(t)
        for i in range(t.vlen):
            name_off = self._word(t, (per // 4) * i)
            if not self.offset_valid(name_off):
                raise self.plain_fail(f"\tInvalid name_offset:{name_off}")
            if not name_off or not self.valid_identifier(name_off):
                raise self.type_fail(t, "Invalid name")
            if t.kind == ENUM:
                value = self._word(t, 2 * i + 1)
                if t.kflag and value >> 31:
                    value -= 1 << 32
            else:
                value = self._word(t, 3 * i + 1) | (self._word(t, 3 * i + 2) << 32)
                if t.kflag and value >> 63:
                    value -= 1 << 64
            self.log(f"\t{self._name(name_off)} val={value}\n")
        return needed

    def _meta_func_proto(self, t: RawType, meta_left: int) -> int:
        needed = 8 * t.vlen
        self._need(t, meta_left, needed)
        if t.name_off:
            raise self.type_fail(t, "Invalid name")
        if t.kflag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        self.log_type(t)
        return needed

    def _meta_func(self, t: RawType, meta_left: int) -> int:
        if not t.name_off or not self.valid_identifier(t.name_off):
            raise self.type_fail(t, "Invalid name")
        if t.vlen > 2:  # BTF_FUNC_STATIC, GLOBAL, EXTERN
            raise self.type_fail(t, "Invalid func linkage")
        if t.kflag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        self.log_type(t)
        return 0

    def _meta_var(self, t: RawType, meta_left: int) -> int:
        self._need(t, meta_left, 4)
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.kflag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        if not t.name_off or not self.valid_identifier(t.name_off):
            raise self.type_fail(t, "Invalid name")
        if not t.sot or t.sot > MAX_TYPE:
            raise self.type_fail(t, "Invalid type_id")
        if self._word(t, 0) not in (0, 1):  # BTF_VAR_STATIC, BTF_VAR_GLOBAL_ALLOCATED
            raise self.type_fail(t, "Linkage not supported")
        self.log_type(t)
        return 4

    def _meta_datasec(self, t: RawType, meta_left: int) -> int:
        needed = 12 * t.vlen
        self._need(t, meta_left, needed)
        if not t.sot:
            raise self.type_fail(t, "size == 0")
        if t.kflag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        if not t.name_off or not self.valid_section(t.name_off):
            raise self.type_fail(t, "Invalid name")
        self.log_type(t)
        last_end, total = 0, 0
        for i in range(t.vlen):
            vsi = (self._word(t, 3 * i), self._word(t, 3 * i + 1), self._word(t, 3 * i + 2))
            type_id, offset, size = vsi
            if not type_id or type_id > MAX_TYPE:
                raise self._vsi_fail(t, vsi, "Invalid type_id")
            if offset < last_end or offset >= t.sot:
                raise self._vsi_fail(t, vsi, "Invalid offset")
            if not size or size > t.sot:
                raise self._vsi_fail(t, vsi, "Invalid size")
            last_end = offset + size
            if last_end > t.sot:
                raise self._vsi_fail(t, vsi, "Invalid offset+size")
            self.log_vsi(t, vsi)
            total += size
        if t.sot < total:
            raise self.type_fail(t, "Invalid btf_info size")
        return needed

    def _vsi_fail(self, t: RawType, vsi: tuple[int, int, int], msg: str) -> BTFVerifyError:
        self.log_vsi(t, vsi, msg)
        return BTFVerifyError(errno.EINVAL, f"[{self.log_type_id}] DATASEC var: {msg}")

    def _meta_float(self, t: RawType, meta_left: int) -> int:
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.kflag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        if t.sot not in (2, 4, 8, 12, 16):
            raise self.type_fail(t, "Invalid type_size")
        self.log_type(t)
        return 0

    def _meta_decl_tag(self, t: RawType, meta_left: int) -> int:
        self._need(t, meta_left, 4)
        if not self.offset_valid(t.name_off) or not self._str(t.name_off):
            raise self.type_fail(t, "Invalid value")
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        idx = _s32(self._word(t, 0))
        if idx < -1:
            raise self.type_fail(t, "Invalid component_idx")
        if t.kflag and idx != -1 and False:  # attribute tags may target members too
            raise self.type_fail(t, "Invalid component_idx")
        self.log_type(t)
        return 4

    # --- pass 2: resolve -----------------------------------------------------------------------
    def by_id(self, type_id: int) -> RawType | None:
        return self.types[type_id] if type_id < len(self.types) else None

    def _check_all_types(self) -> None:
        n = len(self.types)
        self.resolved_ids = [0] * n
        self.resolved_sizes = [0] * n
        self.visit = [NOT_VISITED] * n
        self.stack: list[list[int]] = []  # [type_id, next_member]
        self.mode = RESOLVE_TBD
        self.phase_meta = False
        for type_id in range(1, n):
            t = self.types[type_id]
            self.log_type_id = type_id
            if t.kind in _NEEDS_RESOLVE and not self.resolved(type_id):
                self._resolve(t, type_id)
            if t.kind == FUNC_PROTO:
                self._func_proto_check(t)

    def resolved(self, type_id: int) -> bool:
        return self.visit[type_id] == RESOLVED

    def sink(self, t: RawType) -> bool:
        if self.mode == RESOLVE_TBD:
            return t.kind not in _NEEDS_RESOLVE
        if self.mode == RESOLVE_PTR:
            return t.kind not in _MODIFIERS and t.kind != PTR
        return t.kind not in _MODIFIERS and t.kind not in (ARRAY, STRUCT, UNION)

    def push(self, t: RawType, type_id: int) -> int:
        if len(self.stack) == MAX_RESOLVE_DEPTH:
            return -errno.E2BIG
        if self.visit[type_id] != NOT_VISITED:
            return -errno.EEXIST
        self.visit[type_id] = VISITED
        self.stack.append([type_id, 0])
        if self.mode == RESOLVE_TBD:
            if t.kind == PTR:
                self.mode = RESOLVE_PTR
            elif t.kind in (STRUCT, UNION, ARRAY):
                self.mode = RESOLVE_STRUCT_OR_ARRAY
        return 0

    def pop_resolved(self, resolved_id: int, size: int) -> int:
        type_id = self.stack.pop()[0]
        self.resolved_sizes[type_id] = size
        self.resolved_ids[type_id] = resolved_id
        self.visit[type_id] = RESOLVED
        return 0

    def id_size(self, type_id: int) -> tuple[RawType, int, int] | None:
        return VerifiedBTF(b"", self.types, b"", self.tsec, self.resolved_ids, self.resolved_sizes).id_size(type_id)

    def _resolve(self, t: RawType, type_id: int) -> None:
        saved = self.log_type_id
        self.mode = RESOLVE_TBD
        self.push(t, type_id)
        err = 0
        while not err and self.stack:
            top = self.stack[-1]
            self.log_type_id = top[0]
            err = _RESOLVE[self.types[top[0]].kind](self, self.types[top[0]], top)
        self.log_type_id = type_id
        if err == -errno.E2BIG:
            raise self.type_fail(t, f"Exceeded max resolving depth:{MAX_RESOLVE_DEPTH}", errno.E2BIG)
        if err == -errno.EEXIST:
            raise self.type_fail(t, "Loop detected", errno.EEXIST)
        if not self._resolve_valid(t, type_id):
            raise self.type_fail(t, "Invalid resolve state")
        self.log_type_id = saved

    def _resolve_valid(self, t: RawType, type_id: int) -> bool:
        if not self.resolved(type_id):
            return False
        rid, rsize = self.resolved_ids[type_id], self.resolved_sizes[type_id]
        if t.kind in (STRUCT, UNION, DATASEC):
            return not rid and not rsize
        if t.kind in (DECL_TAG, FUNC):
            return bool(rid) and not rsize
        if t.kind in _MODIFIERS or t.kind in (PTR, VAR):
            r = self.by_id(rid)
            return r is not None and r.kind not in _MODIFIERS and r.kind not in (VAR, DATASEC)
        if t.kind == ARRAY:
            found = self.id_size(self._word(t, 0))
            return (found is not None and found[0].kind not in _MODIFIERS
                    and (self._word(t, 2) * found[2]) & U32_MAX == rsize)  # fmt: skip
        return False

    def _next_or_push(self, next_type: RawType, next_id: int) -> int | None:
        """Push ``next_type`` when it still has to be resolved (the caller returns the result)."""
        if not self.sink(next_type) and not self.resolved(next_id):
            return self.push(next_type, next_id)
        return None

    def _r_modifier(self, t: RawType, top: list[int]) -> int:
        next_id = t.sot
        nxt = self.by_id(next_id)
        if nxt is None or nxt.kind in _SOURCE_ONLY:
            raise self.type_fail(t, "Invalid type_id")
        pushed = self._next_or_push(nxt, next_id)
        if pushed is not None:
            return pushed
        found = self.id_size(next_id)
        if found is None:
            if self.resolved(next_id):
                next_id = self.resolved_ids[next_id]
                nxt = self.types[next_id]
            if nxt.kind not in (UNKN, FWD, FUNC_PROTO):
                raise self.type_fail(t, "Invalid type_id")
        else:
            next_id = found[1]
        return self.pop_resolved(next_id, 0)

    def _r_ptr_or_var(self, t: RawType, top: list[int]) -> int:
        next_id = t.sot
        nxt = self.by_id(next_id)
        if nxt is None or nxt.kind in _SOURCE_ONLY:
            raise self.type_fail(t, "Invalid type_id")
        pushed = self._next_or_push(nxt, next_id)
        if pushed is not None:
            return pushed
        if nxt.kind in _MODIFIERS:
            rid = self.resolved_ids[next_id]
            rtype = self.types[rid]
            if rtype.kind == PTR and not self.sink(rtype) and not self.resolved(rid):
                return self.push(rtype, rid)
        found = self.id_size(next_id)
        if found is None:
            if t.kind == VAR:
                raise self.type_fail(t, "Invalid type_id")
            if self.resolved(next_id):
                next_id = self.resolved_ids[next_id]
                nxt = self.types[next_id]
            if nxt.kind not in (UNKN, FWD, FUNC_PROTO):
                raise self.type_fail(t, "Invalid type_id")
        else:
            next_id = found[1]
        return self.pop_resolved(next_id, 0)

    def _r_array(self, t: RawType, top: list[int]) -> int:
        index_id, elem_id, nelems = self._word(t, 1), self._word(t, 0), self._word(t, 2)
        index = self.by_id(index_id)
        if index is None or index.kind in _NOSIZE or index.kind in _SOURCE_ONLY:
            raise self.type_fail(t, "Invalid index")
        pushed = self._next_or_push(index, index_id)
        if pushed is not None:
            return pushed
        found = self.id_size(index_id)
        if found is None or found[0].kind != INT or not self._int_regular(found[0]):
            raise self.type_fail(t, "Invalid index")
        elem = self.by_id(elem_id)
        if elem is None or elem.kind in _NOSIZE or elem.kind in _SOURCE_ONLY:
            raise self.type_fail(t, "Invalid elem")
        pushed = self._next_or_push(elem, elem_id)
        if pushed is not None:
            return pushed
        found = self.id_size(elem_id)
        if found is None:
            raise self.type_fail(t, "Invalid elem")
        elem, elem_id, elem_size = found
        if elem.kind == INT and not self._int_regular(elem):
            raise self.type_fail(t, "Invalid array of int")
        if nelems and elem_size > U32_MAX // nelems:
            raise self.type_fail(t, "Array size overflows U32_MAX")
        return self.pop_resolved(elem_id, elem_size * nelems)

    def _int_regular(self, t: RawType) -> bool:
        data = self._word(t, 0)
        nr_bits = data & 0xFF
        return not (nr_bits % 8 or (data >> 16) & 0xFF or (nr_bits + 7) // 8 not in (1, 2, 4, 8, 16))

    def _r_struct(self, t: RawType, top: list[int]) -> int:
        members = [(self._word(t, 3 * i), self._word(t, 3 * i + 1), self._word(t, 3 * i + 2)) for i in range(t.vlen)]
        if top[1]:
            last = members[top[1] - 1]
            self._check_member(t, last, self.types[last[1]])
        for i in range(top[1], t.vlen):
            member = members[i]
            mtype = self.by_id(member[1])
            if mtype is None or mtype.kind in _NOSIZE or mtype.kind in _SOURCE_ONLY:
                raise self.member_fail(t, member, "Invalid member")
            if not self.sink(mtype) and not self.resolved(member[1]):
                top[1] = i + 1
                return self.push(mtype, member[1])
            self._check_member(t, member, mtype)
        return self.pop_resolved(0, 0)

    def _r_datasec(self, t: RawType, top: list[int]) -> int:
        for i in range(top[1], t.vlen):
            vsi = (self._word(t, 3 * i), self._word(t, 3 * i + 1), self._word(t, 3 * i + 2))
            var = self.by_id(vsi[0])
            if var is None or var.kind != VAR:
                raise self._vsi_fail(t, vsi, "Not a VAR kind member")
            if not self.sink(var) and not self.resolved(vsi[0]):
                top[1] = i + 1
                return self.push(var, vsi[0])
            found = self.id_size(var.sot)
            if found is None:
                raise self._vsi_fail(t, vsi, "Invalid type")
            if vsi[2] < found[2]:
                raise self._vsi_fail(t, vsi, "Invalid size")
        return self.pop_resolved(0, 0)

    def _r_func(self, t: RawType, top: list[int]) -> int:
        proto = self.by_id(t.sot)
        if proto is None or proto.kind != FUNC_PROTO:
            raise self.type_fail(t, "Invalid type_id")
        for i in range(proto.vlen):
            name_off, type_id = self._word(proto, 2 * i), self._word(proto, 2 * i + 1)
            if not name_off and type_id:
                raise self.type_fail(t, f"Invalid arg#{i + 1}")
        return self.pop_resolved(t.sot, 0)

    def _r_decl_tag(self, t: RawType, top: list[int]) -> int:
        nxt = self.by_id(t.sot)
        if nxt is None or nxt.kind not in (FUNC, STRUCT, UNION, VAR, TYPEDEF):
            raise self.type_fail(t, "Invalid type_id")
        pushed = self._next_or_push(nxt, t.sot)
        if pushed is not None:
            return pushed
        idx = _s32(self._word(t, 0))
        if idx != -1:
            if nxt.kind in (VAR, TYPEDEF):
                raise self.type_fail(t, "Invalid component_idx")
            if nxt.kind in (STRUCT, UNION):
                vlen = nxt.vlen
            else:
                proto = self.by_id(nxt.sot)
                vlen = proto.vlen if proto is not None else 0
            if idx >= vlen:
                raise self.type_fail(t, "Invalid component_idx")
        return self.pop_resolved(t.sot, 0)

    def _r_unsupported(self, t: RawType, top: list[int]) -> int:
        raise self.type_fail(t, "Unsupported resolve", details=False)

    # --- member checks (check_member / check_kflag_member of the member's kind) -----------------
    def _check_member(self, st: RawType, member: tuple[int, int, int], mtype: RawType) -> None:
        if st.kflag:
            self._check_kflag_member(st, member, mtype)
        else:
            self._check_plain_member(st, member, mtype)

    def _check_plain_member(self, st: RawType, member: tuple[int, int, int], mtype: RawType) -> None:
        k, off, size = mtype.kind, member[2], st.sot
        if k in _MODIFIERS:
            found = self.id_size(member[1])
            if found is None:
                raise self.member_fail(st, member, "Invalid member")
            self._check_plain_member(st, (member[0], found[1], member[2]), found[0])
            return
        if k == INT:
            data = self._word(mtype, 0)
            if U32_MAX - off < (data >> 16) & 0xFF:
                raise self.member_fail(st, member, "bits_offset exceeds U32_MAX")
            off += (data >> 16) & 0xFF
            nr_copy = (data & 0xFF) + off % 8
            if nr_copy > BITS_PER_U128:
                raise self.member_fail(st, member, "nr_copy_bits exceeds 128")
            if size < off // 8 or size - off // 8 < (nr_copy + 7) // 8:
                raise self.member_fail(st, member, "Member exceeds struct_size")
            return
        if k == FLOAT:
            align = min(8, mtype.sot) * 8
            if off % align:
                raise self.member_fail(st, member, "Member is not properly aligned")
            if off // 8 + mtype.sot > size:
                raise self.member_fail(st, member, "Member exceeds struct_size")
            return
        if k not in (PTR, ARRAY, STRUCT, UNION, ENUM, ENUM64):
            raise self.type_fail(st, "Unsupported check_member", details=False)
        if off % 8:
            raise self.member_fail(st, member, "Member is not byte aligned")
        if k == PTR:
            msize = 8
        elif k == ARRAY:
            found = self.id_size(member[1])
            msize = found[2] if found is not None else 0
        else:
            msize = mtype.sot
        if (size - off // 8) & U32_MAX < msize:
            raise self.member_fail(st, member, "Member exceeds struct_size")

    def _check_kflag_member(self, st: RawType, member: tuple[int, int, int], mtype: RawType) -> None:
        k = mtype.kind
        bitfield, off, size = member[2] >> 24, member[2] & 0xFFFFFF, st.sot
        if k in _MODIFIERS:
            found = self.id_size(member[1])
            if found is None:
                raise self.member_fail(st, member, "Invalid member")
            self._check_kflag_member(st, (member[0], found[1], member[2]), found[0])
            return
        if k == INT:
            if not self._int_regular(mtype):
                raise self.member_fail(st, member, "Invalid member base type")
            int_bits = self._word(mtype, 0) & 0xFF
            if not bitfield:
                if off % 8:
                    raise self.member_fail(st, member, "Invalid member offset")
                bitfield = int_bits
            elif bitfield > int_bits:
                raise self.member_fail(st, member, "Invalid member bitfield_size")
            nr_copy = bitfield + off % 8
            if nr_copy > BITS_PER_U128:
                raise self.member_fail(st, member, "nr_copy_bits exceeds 128")
            if size < off // 8 or size - off // 8 < (nr_copy + 7) // 8:
                raise self.member_fail(st, member, "Member exceeds struct_size")
            return
        if k in (ENUM, ENUM64):
            int_bits = 32
            if not bitfield:
                if off % 8:
                    raise self.member_fail(st, member, "Member is not byte aligned")
                bitfield = int_bits
            elif bitfield > int_bits:
                raise self.member_fail(st, member, "Invalid member bitfield_size")
            if size < (off + bitfield + 7) // 8:
                raise self.member_fail(st, member, "Member exceeds struct_size")
            return
        if k not in (PTR, ARRAY, STRUCT, UNION, FLOAT):
            raise self.type_fail(st, "Unsupported check_kflag_member", details=False)
        if bitfield:
            raise self.member_fail(st, member, "Invalid member bitfield_size")
        self._check_plain_member(st, member, mtype)

    # --- FUNC_PROTO and type tags ------------------------------------------------------------------
    def _func_proto_check(self, t: RawType) -> None:
        if t.sot:
            ret = self.by_id(t.sot)
            if ret is None:
                raise self.type_fail(t, "Invalid return type")
            if ret.kind in _NEEDS_RESOLVE and not self.resolved(t.sot):
                self._resolve(ret, t.sot)
            if self.id_size(t.sot) is None:
                raise self.type_fail(t, "Invalid return type")
        n = t.vlen
        if not n:
            return
        args = [(self._word(t, 2 * i), self._word(t, 2 * i + 1)) for i in range(n)]
        if not args[-1][1]:
            if args[-1][0]:
                raise self.type_fail(t, f"Invalid arg#{n}")
            n -= 1
        for i in range(n):
            name_off, type_id = args[i]
            arg = self.by_id(type_id)
            if arg is None:
                raise self.type_fail(t, f"Invalid arg#{i + 1}")
            if name_off and (not self.offset_valid(name_off) or not self.valid_identifier(name_off)):
                raise self.type_fail(t, f"Invalid arg#{i + 1}")
            if arg.kind in _NEEDS_RESOLVE and not self.resolved(type_id):
                self._resolve(arg, type_id)
            if self.id_size(type_id) is None:
                raise self.type_fail(t, f"Invalid arg#{i + 1}")

    def _check_type_tags(self) -> None:
        good = 0
        for i in range(1, len(self.types)):
            t: RawType | None = self.types[i]
            assert t is not None
            if t.kind not in _MODIFIERS:
                continue
            in_tags = t.kind == TYPE_TAG
            cur, limit = i, 32
            while t is not None and t.kind in _MODIFIERS:
                if not limit:
                    raise self.plain_fail("Max chain length or cycle detected", errno.ELOOP)
                limit -= 1
                if t.kind == TYPE_TAG:
                    if not in_tags:
                        raise self.plain_fail("Type tags don't precede modifiers")
                elif in_tags:
                    in_tags = False
                if cur <= good:
                    break
                cur = t.sot
                t = self.by_id(cur)
                if t is None:
                    raise BTFVerifyError(errno.EINVAL, "type tag chain leaves the BTF")
            good = i


def _s32(value: int) -> int:
    value &= U32_MAX
    return value - (1 << 32) if value >> 31 else value


def _bit_offset(t: RawType, member: tuple[int, int, int]) -> int:
    return member[2] & 0xFFFFFF if t.kflag else member[2]


_META = {
    INT: BTFVerifier._meta_int, PTR: BTFVerifier._meta_ref, ARRAY: BTFVerifier._meta_array,
    STRUCT: BTFVerifier._meta_struct, UNION: BTFVerifier._meta_struct, ENUM: BTFVerifier._meta_enum,
    FWD: BTFVerifier._meta_fwd, TYPEDEF: BTFVerifier._meta_ref, VOLATILE: BTFVerifier._meta_ref,
    CONST: BTFVerifier._meta_ref, RESTRICT: BTFVerifier._meta_ref, FUNC: BTFVerifier._meta_func,
    FUNC_PROTO: BTFVerifier._meta_func_proto, VAR: BTFVerifier._meta_var,
    DATASEC: BTFVerifier._meta_datasec, FLOAT: BTFVerifier._meta_float,
    DECL_TAG: BTFVerifier._meta_decl_tag, TYPE_TAG: BTFVerifier._meta_ref, ENUM64: BTFVerifier._meta_enum,
}  # fmt: skip
_RESOLVE = {
    TYPEDEF: BTFVerifier._r_modifier, VOLATILE: BTFVerifier._r_modifier, CONST: BTFVerifier._r_modifier,
    RESTRICT: BTFVerifier._r_modifier, TYPE_TAG: BTFVerifier._r_modifier, PTR: BTFVerifier._r_ptr_or_var,
    VAR: BTFVerifier._r_ptr_or_var, ARRAY: BTFVerifier._r_array, STRUCT: BTFVerifier._r_struct,
    UNION: BTFVerifier._r_struct, DATASEC: BTFVerifier._r_datasec, FUNC: BTFVerifier._r_func,
    DECL_TAG: BTFVerifier._r_decl_tag,
}  # fmt: skip
for _kind in range(KIND_MAX + 1):
    _RESOLVE.setdefault(_kind, BTFVerifier._r_unsupported)


def verify_btf(data: bytes, log_level: int = 0) -> tuple[VerifiedBTF | None, BTFVerifyError | None, str]:
    """Run ``btf_parse`` over ``data``: (result or None, the refusal or None, the log text)."""
    checker = BTFVerifier(bytes(data), log_level)
    try:
        result = checker.verify()
    except BTFVerifyError as exc:
        return None, exc, checker.log.text
    return result, None, checker.log.text
