"""The shared ground of BTF verification: the raw type view, the verified result, the log and names.

Mirrors the pieces of ``kernel/bpf/btf.c`` every pass uses: ``struct btf_type`` as it sits in the type
section (``RawType``), the result of ``btf_parse`` with its resolved ids and sizes and
``btf_type_id_size`` (``VerifiedBTF``), the verifier log writers ``btf_verifier_log_type`` /
``_member`` / ``_vsi`` with each kind's ``log_details`` (``BTFEnv``), the name rules
(``btf_name_valid_identifier`` / ``_section``, the kernel's Latin-1 ctype), and the search for
``struct bpf_spin_lock`` fields of ``btf_parse_fields`` (``find_spin_locks``): 4 bytes, 4-aligned,
found in nested structs too, two in one struct E2BIG, arrays of more than one ignored.
"""

from __future__ import annotations

import errno
import struct
from dataclasses import dataclass, field

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
SPIN_LOCK_SIZE = 4
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
        return [
            (self.word(t, 3 * i), self.word(t, 3 * i + 1), self.word(t, 3 * i + 2)) for i in range(t.vlen)
        ]


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


class BTFEnv:
    """The state of one ``btf_parse`` run, its log (``btf_verifier_log_*``) and name checks."""

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
            bits = f"bitfield_size={offset >> 24} bits_offset={offset & 0xFFFFFF}"
            line = f"\t{self._name(name_off)} type_id={type_id} {bits}"
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

    def type_fail(
        self, t: RawType, msg: str, err: int = errno.EINVAL, details: bool = True
    ) -> BTFVerifyError:
        self.log_type(t, msg, details)
        return BTFVerifyError(err, f"[{self.log_type_id}] {KIND_NAMES[t.kind]} {msg}")

    def _vsi_fail(self, t: RawType, vsi: tuple[int, int, int], msg: str) -> BTFVerifyError:
        self.log_vsi(t, vsi, msg)
        return BTFVerifyError(errno.EINVAL, f"[{self.log_type_id}] DATASEC var: {msg}")

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
        if not s or not (_isalpha(s[0]) or s[0] == 0x5F) or len(s) > KSYM_NAME_LEN:
            return False
        return all(_isalnum(c) or c in (0x5F, 0x2E) for c in s[1:])  # "_" and "." (foo.llvm.123)

    def valid_section(self, off: int) -> bool:
        s = self._str(off)
        return bool(s) and len(s) <= KSYM_NAME_LEN and all(_isprint(c) for c in s)


def find_spin_locks(v: VerifiedBTF, t: RawType) -> list[int]:
    """Offsets of ``struct bpf_spin_lock`` fields of a value type (``btf_find_field``)."""
    if t.kind == STRUCT:
        return _struct_locks(v, t, 0)
    if t.kind == DATASEC:
        seen = [False]
        found: list[int] = []
        for i in range(t.vlen):
            var = v.type_by_id(v.word(t, 3 * i))
            var_type = v.type_by_id(var.sot) if var is not None else None
            if var_type is not None:
                found += _field_one(
                    v, var_type, v.word(t, 3 * i + 1), expected=v.word(t, 3 * i + 2), seen=seen, level=0
                )
        return found
    return []


def _struct_locks(v: VerifiedBTF, t: RawType, level: int) -> list[int]:
    seen = [False]
    found: list[int] = []
    for _, type_id, off_word in v.members(t):
        member_type = v.type_by_id(type_id)
        off = off_word & 0xFFFFFF if t.kflag else off_word
        if off % 8:
            raise BTFVerifyError(errno.EINVAL, "a value member is not byte aligned")
        if member_type is not None:
            found += _field_one(v, member_type, off // 8, expected=0, seen=seen, level=level)
    return found


def _field_one(v: VerifiedBTF, var_type: RawType, off: int, *, expected: int, seen: list[bool],
               level: int) -> list[int]:  # fmt: skip
    """``btf_find_field_one`` for BPF_SPIN_LOCK only."""
    nelems = 1
    for _ in range(MAX_RESOLVE_DEPTH):
        if var_type.kind != ARRAY:
            break
        nelems = (nelems * v.word(var_type, 2)) & 0xFFFFFFFF
        elem = v.type_by_id(v.word(var_type, 0))
        if elem is None:
            return []
        var_type = elem
    else:
        raise BTFVerifyError(errno.E2BIG, "array nesting too deep")
    if not nelems:
        return []
    is_lock = v.name(var_type.name_off) == "bpf_spin_lock" if var_type.name_off else False
    if is_lock:
        if seen[0]:
            raise BTFVerifyError(errno.E2BIG, "more than one bpf_spin_lock")
        seen[0] = True
    elif var_type.kind == STRUCT:
        if expected and expected != var_type.sot * nelems:
            return []
        if level + 1 >= MAX_RESOLVE_DEPTH:
            raise BTFVerifyError(errno.E2BIG, "struct nesting too deep")
        inner = [off + o for o in _struct_locks(v, var_type, level + 1)]
        return inner if nelems == 1 else []  # a lock cannot repeat: the kernel records none
    else:
        return []
    if expected and expected != SPIN_LOCK_SIZE * nelems:
        return []
    if off % 4 or var_type.kind != STRUCT or var_type.sot != SPIN_LOCK_SIZE:
        return []
    return [off] if nelems == 1 else []


def _s32(value: int) -> int:
    value &= U32_MAX
    return value - (1 << 32) if value >> 31 else value


def _bit_offset(t: RawType, member: tuple[int, int, int]) -> int:
    return member[2] & 0xFFFFFF if t.kflag else member[2]
