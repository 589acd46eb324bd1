"""The shared ground of BTF verification: the verified result, the log, names and kind predicates.

Mirrors the pieces of ``kernel/bpf/btf.c`` every pass uses: the result of ``btf_parse`` with its resolved
ids and sizes and ``btf_type_id_size`` (``VerifiedBTF``), the verifier log writers
``btf_verifier_log_type`` / ``_member`` / ``_vsi`` with each kind's ``log_details`` (``BTFEnv``), the name
rules (``btf_name_valid_identifier`` / ``_section``, the kernel's Latin-1 ctype), the kind predicates of
btf.c that are checks rather than wire format (``btf_type_needs_resolve``, ``btf_type_nosize``,
``btf_type_is_resolve_source_only``), and the search for ``struct bpf_spin_lock`` fields of
``btf_parse_fields`` (``find_spin_locks``): 4 bytes, 4-aligned, found in nested structs too, two in one
struct E2BIG, arrays of more than one ignored.

The bytes themselves are read by ``pybpf.btf.raw`` (records, trailing data, strings) and every fact about a
kind comes from the kind table ``pybpf.btf.kinds``; this package only checks.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass, field

from pybpf.btf.kinds import KINDS, MODIFIER_KINDS, SIZE_KINDS, Kind
from pybpf.btf.raw import MAX_NAME_OFFSET, RawType, string_at

MAX_RESOLVE_DEPTH = 32
KSYM_NAME_LEN = 512
U32_MAX = 0xFFFFFFFF
SPIN_LOCK_SIZE = 4
BITS_PER_U128 = 128

NEEDS_RESOLVE = MODIFIER_KINDS | {Kind.PTR, Kind.STRUCT, Kind.UNION, Kind.ARRAY, Kind.VAR, Kind.FUNC,
                                  Kind.DATASEC, Kind.DECL_TAG}  # fmt: skip
"""``btf_type_needs_resolve``: the kinds pass 2 resolves."""
RESOLVE_SOURCE_ONLY = frozenset({Kind.VAR, Kind.FUNC, Kind.DATASEC, Kind.DECL_TAG})
"""``btf_type_is_resolve_source_only``: kinds no type may refer to as its type."""
NOSIZE = frozenset({Kind.UNKN, Kind.FWD, Kind.FUNC, Kind.FUNC_PROTO})
"""``btf_type_nosize``: void, forward declarations and functions."""
_INT_ENCODINGS = {0: "(none)", 1: "SIGNED", 2: "CHAR", 4: "BOOL"}
NOT_VISITED, VISITED, RESOLVED = 0, 1, 2
RESOLVE_TBD, RESOLVE_PTR, RESOLVE_STRUCT_OR_ARRAY = 0, 1, 2


class BTFVerifyError(Exception):
    """BTF refused: ``errno`` is the kernel's; the reason is already in the log."""

    def __init__(self, err: int, reason: str) -> None:
        super().__init__(reason)
        self.errno = err


VOID = RawType(0, 0, 0, 0)


# The kernel's <linux/ctype.h>: Latin-1 letters (0xc0-0xff but 0xd7, 0xf7) are alpha, 0xa0.. printable.
_ALPHA = rb"A-Za-z\xc0-\xd6\xd8-\xf6\xf8-\xff"
_IDENTIFIER = re.compile(rb"[" + _ALPHA + rb"_.][" + _ALPHA + rb"0-9_.]*")  # "." even first (foo.llvm.1)
_PRINTABLE = re.compile(rb"[\x20-\x7e\xa0-\xff]+")


def type_id_size(types: list[RawType], resolved_ids: list[int], resolved_sizes: list[int],
                 type_id: int) -> tuple[RawType, int, int] | None:  # fmt: skip
    """``btf_type_id_size``: (the type with a size that ``type_id`` stands for, its id, its size) or None."""
    t = types[type_id] if type_id < len(types) else None
    if t is None or t.kind in NOSIZE:
        return None
    for _ in range(2):
        kind = t.kind
        if kind in SIZE_KINDS:
            return t, type_id, t.size_type
        if kind == Kind.ARRAY:
            return t, type_id, resolved_sizes[type_id]
        if kind == Kind.PTR:
            return t, type_id, 8
        if kind not in MODIFIER_KINDS and kind != Kind.VAR:
            return None
        type_id = resolved_ids[type_id]
        t = types[type_id] if type_id < len(types) else None
        if t is None or t.kind in NOSIZE:
            return None
    return None


@dataclass
class VerifiedBTF:
    """What ``btf_parse`` leaves: the raw data, its types and their resolved ids and sizes."""

    data: bytes
    types: list[RawType]
    strings: bytes
    resolved_ids: list[int] = field(default_factory=list)
    resolved_sizes: list[int] = field(default_factory=list)

    def type_by_id(self, type_id: int) -> RawType | None:
        return self.types[type_id] if type_id < len(self.types) else None

    def name(self, off: int) -> str:
        return string_at(self.strings, off).decode("latin-1")

    def id_size(self, type_id: int) -> tuple[RawType, int, int] | None:
        """``btf_type_id_size``: (type with a size, its id, its size) or None."""
        return type_id_size(self.types, self.resolved_ids, self.resolved_sizes, type_id)


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
        self.strings = b""
        self.str_len = 0
        self._identifiers: dict[int, bool] = {}

    # --- logging (btf_verifier_log_type / _member / _vsi) ---------------------------------------
    def _name(self, off: int) -> str:
        if not off:
            return "(anon)"
        if off >= self.str_len:
            return "(invalid-name-offset)"
        return string_at(self.strings, off).decode("latin-1")

    def _details(self, t: RawType) -> str:
        k = t.kind
        if k == Kind.INT:
            enc = _INT_ENCODINGS.get(t.int_encoding, "UNKN")
            return f"size={t.size_type} bits_offset={t.int_offset} nr_bits={t.int_bits} encoding={enc}"
        if k in MODIFIER_KINDS or k in (Kind.PTR, Kind.FUNC):
            return f"type_id={t.size_type}"
        if k == Kind.FWD:
            return "union" if t.kind_flag else "struct"
        if k == Kind.ARRAY:
            elem, index, nelems = t.array
            return f"type_id={elem} index_type_id={index} nr_elems={nelems}"
        if k in (Kind.STRUCT, Kind.UNION, Kind.ENUM, Kind.ENUM64, Kind.DATASEC):
            return f"size={t.size_type} vlen={t.vlen}"
        if k == Kind.FUNC_PROTO:
            return f"return={t.size_type} args=({self._proto_args(t)})"
        if k == Kind.VAR:
            return f"type_id={t.size_type} linkage={t.var_linkage}"
        if k == Kind.FLOAT:
            return f"size={t.size_type}"
        if k == Kind.DECL_TAG:
            return f"type={t.size_type} component_idx={t.component_idx}"
        return ""

    def _proto_args(self, t: RawType) -> str:
        n = t.vlen
        if not n:
            return "void"
        args = t.params()
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
        line = f"[{self.log_type_id}] {KINDS[t.kind].name} {self._name(t.name_off)}{' ' if details else ''}"
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
        if st.kind_flag:
            bits = f"bitfield_size={st.bitfield_size(offset)} bits_offset={st.bit_offset(offset)}"
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

    def type_fail(
        self, t: RawType, msg: str, err: int = errno.EINVAL, details: bool = True
    ) -> BTFVerifyError:
        self.log_type(t, msg, details)
        return BTFVerifyError(err, f"[{self.log_type_id}] {KINDS[t.kind].name} {msg}")

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
        return string_at(self.strings, off)

    def valid_identifier(self, off: int) -> bool:
        """``btf_name_valid_identifier`` (answers cached by offset: names are shared)."""
        known = self._identifiers.get(off)
        if known is None:
            s = self._str(off)
            known = self._identifiers[off] = len(s) <= KSYM_NAME_LEN and _IDENTIFIER.fullmatch(s) is not None
        return known

    def valid_section(self, off: int) -> bool:
        """``btf_name_valid_section``."""
        s = self._str(off)
        return len(s) <= KSYM_NAME_LEN and _PRINTABLE.fullmatch(s) is not None


def find_spin_locks(v: VerifiedBTF, t: RawType, lock: str = "bpf_spin_lock") -> list[int]:
    """Offsets of ``struct bpf_spin_lock`` fields of a value type (``btf_find_field``); ``lock``:
    the struct searched for (``bpf_res_spin_lock``: BPF_RES_SPIN_LOCK, the same 4-byte word)."""
    if t.kind == Kind.STRUCT:
        return _struct_locks(v, t, 0, lock)
    if t.kind == Kind.DATASEC:
        seen = [False]
        found: list[int] = []
        for var_id, offset, size in t.secinfos():
            var = v.type_by_id(var_id)
            var_type = v.type_by_id(var.size_type) if var is not None else None
            if var_type is not None:
                found += _field_one(v, var_type, offset, expected=size, seen=seen, level=0, lock=lock)
        return found
    return []


def _struct_locks(v: VerifiedBTF, t: RawType, level: int, lock: str) -> list[int]:
    seen = [False]
    found: list[int] = []
    for _, type_id, off_word in t.members():
        member_type = v.type_by_id(type_id)
        off = t.bit_offset(off_word)
        if off % 8:
            raise BTFVerifyError(errno.EINVAL, "a value member is not byte aligned")
        if member_type is not None:
            found += _field_one(v, member_type, off // 8, expected=0, seen=seen, level=level, lock=lock)
    return found


def _field_one(v: VerifiedBTF, var_type: RawType, off: int, *, expected: int, seen: list[bool],
               level: int, lock: str) -> list[int]:  # fmt: skip
    """``btf_find_field_one`` for BPF_SPIN_LOCK (or BPF_RES_SPIN_LOCK: ``lock``) only."""
    nelems = 1
    for _ in range(MAX_RESOLVE_DEPTH):
        if var_type.kind != Kind.ARRAY:
            break
        elem_id, _, count = var_type.array
        nelems = (nelems * count) & U32_MAX
        elem = v.type_by_id(elem_id)
        if elem is None:
            return []
        var_type = elem
    else:
        raise BTFVerifyError(errno.E2BIG, "array nesting too deep")
    if not nelems:
        return []
    is_lock = v.name(var_type.name_off) == lock if var_type.name_off else False
    if is_lock:
        if seen[0]:
            raise BTFVerifyError(errno.E2BIG, f"more than one {lock}")
        seen[0] = True
    elif var_type.kind == Kind.STRUCT:
        if expected and expected != var_type.size_type * nelems:
            return []
        if level + 1 >= MAX_RESOLVE_DEPTH:
            raise BTFVerifyError(errno.E2BIG, "struct nesting too deep")
        inner = [off + o for o in _struct_locks(v, var_type, level + 1, lock)]
        return inner if nelems == 1 else []  # a lock cannot repeat: the kernel records none
    else:
        return []
    if expected and expected != SPIN_LOCK_SIZE * nelems:
        return []
    if off % 4 or var_type.kind != Kind.STRUCT or var_type.size_type != SPIN_LOCK_SIZE:
        return []
    return [off] if nelems == 1 else []
