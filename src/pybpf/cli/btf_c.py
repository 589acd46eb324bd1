"""BTF types as C declarations: ``bpftool btf dump ... format c`` (a ``vmlinux.h``-style header).

Mirrors libbpf's ``btf_dump`` (tools/lib/bpf/btf_dump.c) as bpftool drives it (``dump_btf_c``): every
type id in order is *ordered* (``btf_dump_order_type``: a struct, union or typedef is emitted after the
types it embeds by value, while a pointer only needs a forward declaration) and then *emitted*
(``btf_dump_emit_type``: forward declarations where a pointer reaches a struct not yet defined; anonymous
structs, unions and enums inline where they are used), with libbpf's spelling of declarators (pointers,
arrays, function pointers, qualifiers), bitfields, explicit padding (``long: 64;``) and
``__attribute__((packed))``.  Names are made unique as libbpf's ``btf_dump_resolve_name`` does: the
second struct, union or enum of a name (in the order names are first printed) becomes ``name___2``, and
typedefs and enumerators, which share C's ordinary namespace, are counted together; ``__builtin_va_list``
is the compiler's and never redefined (``btf_dump_is_blacklisted``).  Enums are spelled as libbpf 1.5+
does (``mode(byte)``/``mode(word)`` for 1- and 8-byte enums that need it, ``ULL``/``LL`` on 64-bit
enumerators); bpftool 7.1 (libbpf 1.1) predates those two.
"""

from __future__ import annotations

from pybpf.btf.types import (
    BTF,
    Array,
    Const,
    Datasec,
    DeclTag,
    Enum,
    Enum64,
    Float,
    Func,
    FuncProto,
    Fwd,
    Int,
    Ptr,
    Restrict,
    Struct,
    Typedef,
    TypeTag,
    Union,
    Var,
    Volatile,
)

__all__ = ["c_header"]

HEADER = """#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

"""
FOOTER = """#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
"""
_PADS = (("long", 64), ("int", 32), ("short", 16), ("char", 8))
_NOT_EMITTED, _EMITTING, _EMITTED = 0, 1, 2
_MAX_DEPTH = 64


def c_header(btf: BTF) -> str:
    """The whole BTF as bpftool's ``format c`` prints it."""
    dumper = _Dumper(btf)
    for type_id in range(1, len(btf)):
        dumper.dump_type(type_id)
    return HEADER + "".join(dumper.out) + FOOTER


class _Dumper:
    def __init__(self, btf: BTF) -> None:
        self.btf = btf
        self.out: list[str] = []
        self.ordered: dict[int, int] = {}  # 1: ordering, 2: ordered
        self.emit_state: dict[int, int] = {}
        self.fwd_emitted: set[int] = set()
        self.referenced: set[int] = set()
        self.queue: list[int] = []
        self.type_names: dict[str, int] = {}  # struct, union and enum tags: how often each was named
        self.ident_names: dict[str, int] = {}  # typedefs and enumerators
        self.resolved: dict[int, str] = {}
        for _, t in btf:
            for ref in _refs(t):
                self.referenced.add(ref)

    # -- ordering (btf_dump_order_type) -------------------------------------------------------
    def dump_type(self, type_id: int) -> None:
        self.queue = []
        self._order(type_id, through_ptr=False, depth=0)
        for queued in self.queue:
            self._emit(queued, 0, 0)

    def _order(self, type_id: int, through_ptr: bool, depth: int) -> bool:
        if depth > _MAX_DEPTH:
            return False
        state = 2 if type_id == 0 else self.ordered.get(type_id, 0)  # void: always ordered, as in libbpf
        if state == 2:
            return True  # already ordered: as libbpf, a strong link from now on (typedefs may be queued)
        t = self.btf[type_id]
        if state == 1:
            return False  # a loop: resolvable through a forward declaration
        if isinstance(t, (Int, Float)):
            self.ordered[type_id] = 2
            return False
        if isinstance(t, Ptr):
            strong = self._order(t.type_id, True, depth + 1)
            self.ordered[type_id] = 2
            return strong
        if isinstance(t, Array):
            return self._order(t.elem_type, False, depth + 1)
        if isinstance(t, (Struct, Union)):
            if through_ptr and t.name:
                return False
            self.ordered[type_id] = 1
            for m in t.members:
                self._order(m.type_id, False, depth + 1)
            if t.name:
                self.queue.append(type_id)
            self.ordered[type_id] = 2
            return True
        if isinstance(t, (Enum, Enum64, Fwd)):
            if t.name or type_id not in self.referenced:
                self.queue.append(type_id)
            self.ordered[type_id] = 2
            return True
        if isinstance(t, Typedef):
            strong = self._order(t.type_id, through_ptr, depth + 1)
            if through_ptr and not strong:
                return False
            self.queue.append(type_id)
            self.ordered[type_id] = 2
            return True
        if isinstance(t, (Const, Volatile, Restrict, TypeTag)):
            return self._order(t.type_id, through_ptr, depth + 1)
        if isinstance(t, FuncProto):
            strong = self._order(t.return_type, through_ptr, depth + 1)
            for p in t.params:
                strong = self._order(p.type_id, through_ptr, depth + 1) or strong
            return strong
        self.ordered[type_id] = 2  # FUNC, VAR, DATASEC, DECL_TAG: not declarations of types
        return False

    # -- emission (btf_dump_emit_type) --------------------------------------------------------
    def _emit(self, type_id: int, cont_id: int, depth: int) -> None:
        if depth > _MAX_DEPTH or type_id == 0:
            return
        top_level = cont_id == 0
        state = self.emit_state.get(type_id, _NOT_EMITTED)
        if state == _EMITTED:
            return
        t = self.btf[type_id]
        if state == _EMITTING:
            if type_id in self.fwd_emitted:
                return
            if isinstance(t, (Struct, Union)) and type_id != cont_id and t.name:
                self.out.append(f"{_tag(t)} {self._type_name(type_id)};\n\n")
                self.fwd_emitted.add(type_id)
            elif isinstance(t, Typedef):
                if not _builtin(t):
                    self.out.append(self._typedef_def(type_id, t) + ";\n\n")
                self.fwd_emitted.add(type_id)
            return
        if isinstance(t, Int):
            self.emit_state[type_id] = _EMITTED
        elif isinstance(t, (Enum, Enum64)):
            if top_level:
                self.out.append(self._enum_def(type_id, t, 0) + ";\n\n")
            self.emit_state[type_id] = _EMITTED
        elif isinstance(t, (Ptr, Const, Volatile, Restrict, TypeTag)):
            self._emit(t.type_id, cont_id, depth + 1)
        elif isinstance(t, Array):
            self._emit(t.elem_type, cont_id, depth + 1)
        elif isinstance(t, Fwd):
            self.out.append(f"{'union' if t.is_union else 'struct'} {self._type_name(type_id)};\n\n")
            self.emit_state[type_id] = _EMITTED
        elif isinstance(t, Typedef):
            self.emit_state[type_id] = _EMITTING
            self._emit(t.type_id, type_id, depth + 1)
            if type_id not in self.fwd_emitted and not _builtin(t):
                self.out.append(self._typedef_def(type_id, t) + ";\n\n")
            self.emit_state[type_id] = _EMITTED
        elif isinstance(t, (Struct, Union)):
            self.emit_state[type_id] = _EMITTING
            if top_level or not t.name:
                inner_cont = cont_id if not t.name else type_id
                for m in t.members:
                    self._emit(m.type_id, inner_cont, depth + 1)
            elif type_id not in self.fwd_emitted and type_id != cont_id:
                self.out.append(f"{_tag(t)} {self._type_name(type_id)};\n\n")
                self.fwd_emitted.add(type_id)
            if top_level:
                self.out.append(self._struct_def(type_id, t, 0) + ";\n\n")
                self.emit_state[type_id] = _EMITTED
            else:
                self.emit_state[type_id] = _NOT_EMITTED
        elif isinstance(t, FuncProto):
            self._emit(t.return_type, cont_id, depth + 1)
            for p in t.params:
                self._emit(p.type_id, cont_id, depth + 1)

    # -- definitions ----------------------------------------------------------------------------
    def _struct_def(self, type_id: int, t: Struct | Union, lvl: int) -> str:
        is_struct = isinstance(t, Struct)
        packed = isinstance(t, Struct) and self._packed(t)
        parts = [f"{_tag(t)}{' ' + self._type_name(type_id) if t.name else ''} {{"]
        off, prev_bitfield = 0, False
        for m in t.members:
            m_align = 1 if packed else self._align(m.type_id)
            in_bitfield = prev_bitfield and m.bitfield_size != 0
            parts.extend(_padding(off, m.bit_offset, m_align, in_bitfield, lvl + 1))
            line = "\n" + "\t" * (lvl + 1) + self._decl(m.type_id, m.name, lvl + 1)
            if m.bitfield_size:
                line += f": {m.bitfield_size}"
                off, prev_bitfield = m.bit_offset + m.bitfield_size, True
            else:
                off, prev_bitfield = m.bit_offset + max(0, self._size(m.type_id)) * 8, False
            parts.append(line + ";")
        if is_struct:
            parts.extend(_padding(off, t.size * 8, self._align(type_id), False, lvl + 1))
        parts.append("\n" + "\t" * lvl + "}" if t.members or t.size else "}")
        if packed:
            parts.append(" __attribute__((packed))")
        return "".join(parts)

    def _enum_def(self, type_id: int, t: Enum | Enum64, lvl: int) -> str:
        """btf_dump_emit_enum_def() with btf_dump_emit_enum32_val() / _enum64_val()."""
        head = f"enum{' ' + self._type_name(type_id) if t.name else ''}"
        if not t.values:
            return head
        lines = [head + " {"]
        wide = isinstance(t, Enum64)
        bits = 64 if wide else 32
        raw = [v.value & ((1 << bits) - 1) for v in t.values]
        suffix = ("LL" if t.signed else "ULL") if wide else ""
        for v, value in zip(t.values, raw, strict=True):
            shown = value - (1 << bits) if t.signed and value >= 1 << (bits - 1) else value
            lines.append("\t" * (lvl + 1) + f"{self._unique(v.name, self.ident_names)} = {shown}{suffix},")
        lines.append("\t" * lvl + "}")
        text = "\n".join(lines)
        if t.size == 1:
            text += " __attribute__((mode(byte)))"
        elif t.size == 8 and (not wide or all(value >> 32 == 0 for value in raw)):
            text += " __attribute__((mode(word)))"  # otherwise a value past 32 bits makes it 8 bytes
        return text

    def _typedef_def(self, type_id: int, t: Typedef) -> str:
        """btf_dump_emit_typedef_def(): old GCC's void ``__gnuc_va_list`` becomes the builtin's."""
        name = self._ident_name(type_id)
        if t.type_id == 0 and name == "__gnuc_va_list":
            return "typedef __builtin_va_list __gnuc_va_list"
        return f"typedef {self._decl(t.type_id, name, 0)}"

    # -- names (btf_dump_resolve_name) ----------------------------------------------------------
    def _type_name(self, type_id: int) -> str:
        """A struct's, union's or enum's tag, made unique among tags."""
        return self._resolve(type_id, self.type_names)

    def _ident_name(self, type_id: int) -> str:
        """A typedef's name, made unique among typedefs and enumerators."""
        return self._resolve(type_id, self.ident_names)

    def _resolve(self, type_id: int, names: dict[str, int]) -> str:
        name = self.resolved.get(type_id)
        if name is None:
            t = self.btf[type_id]
            name = getattr(t, "name", "") or ""
            forward = isinstance(t, Fwd) or (isinstance(t, (Enum, Enum64)) and not t.values)
            if name and not forward:  # a forward declaration keeps its name and takes no number
                name = self._unique(name, names)
            self.resolved[type_id] = name
        return name

    @staticmethod
    def _unique(name: str, names: dict[str, int]) -> str:
        """btf_dump_name_dups(): the n-th use of ``name`` in ``names`` is ``name___n`` from n = 2."""
        count = names.get(name, 0) + 1
        names[name] = count
        return name if count == 1 else f"{name}___{count}"

    def _packed(self, t: Struct) -> bool:
        max_align = 1
        for m in t.members:
            align = self._align(m.type_id)
            if align and not m.bitfield_size and m.bit_offset % (8 * align):
                return True
            max_align = max(align, max_align)
        return t.size % max_align != 0

    def _align(self, type_id: int) -> int:
        try:
            return self.btf.align_of(type_id)
        except ValueError:
            return 1

    def _size(self, type_id: int) -> int:
        try:
            return self.btf.size_of(type_id)
        except ValueError:
            return 0

    # -- declarators (btf_dump_emit_type_decl) --------------------------------------------------
    def _decl(self, type_id: int, name: str, lvl: int) -> str:
        return self._declare(type_id, name, lvl, 0)

    def _declare(self, type_id: int, inner: str, lvl: int, depth: int) -> str:
        if depth > _MAX_DEPTH:
            return _join("void", inner.rstrip())
        t = self.btf[type_id]
        if type_id == 0:
            return _join("void", inner)
        if isinstance(t, Ptr):
            return self._declare(t.type_id, "*" + inner, lvl, depth + 1)
        if isinstance(t, (Const, Volatile, Restrict)):
            if isinstance(self.btf[self._skip_mods(t.type_id)], (Array, FuncProto)):
                # btf_dump_drop_mods(): a qualifier of an array or a function prototype is dropped (GCC
                # emits `const` on an array of const elements and `volatile` on noreturn functions)
                return self._declare(t.type_id, inner, lvl, depth + 1)
            qualifier = t.kind.name.lower()
            if isinstance(self.btf[t.type_id], Ptr):  # the pointer itself is qualified: `char * const p`
                return self._declare(t.type_id, f" {qualifier} {inner}".rstrip(), lvl, depth + 1)
            return qualifier + " " + self._declare(t.type_id, inner, lvl, depth + 1)
        if isinstance(t, TypeTag):  # btf_dump_emit_type_chain(): after the type it tags
            attribute = t.name if t.kind_flag else f'btf_type_tag("{t.name}")'
            return self._declare(t.type_id, f"__attribute__(({attribute})) {inner}".rstrip(), lvl, depth + 1)
        if isinstance(t, Array):
            wrapped = f"({inner})" if inner.startswith("*") else inner
            return self._declare(t.elem_type, f"{wrapped}[{t.nelems}]", lvl, depth + 1)
        if isinstance(t, FuncProto):
            params = [self._declare(p.type_id, p.name, lvl, depth + 1) for p in t.params if p.type_id]
            if t.variadic:
                params.append("...")
            wrapped = f" ({inner})" if inner.startswith("*") else inner  # always " (": `int * (*f)(...)`
            return self._declare(t.return_type, f"{wrapped}({', '.join(params) or 'void'})", lvl, depth + 1)
        if isinstance(t, (Struct, Union)):
            base = f"{_tag(t)} {self._type_name(type_id)}" if t.name else self._struct_def(type_id, t, lvl)
            return _join(base, inner)
        if isinstance(t, (Enum, Enum64)):
            base = f"enum {self._type_name(type_id)}" if t.name else self._enum_def(type_id, t, lvl)
            return _join(base, inner)
        if isinstance(t, Fwd):
            return _join(f"{'union' if t.is_union else 'struct'} {self._type_name(type_id)}", inner)
        if isinstance(t, Typedef):
            return _join(self._ident_name(type_id), inner)
        if isinstance(t, (Int, Float)):
            return _join(t.name, inner)
        if isinstance(t, (Func, Var, Datasec, DeclTag)):
            return _join(t.name, inner)
        return _join("void", inner)

    def _skip_mods(self, type_id: int) -> int:
        """The first type under ``type_id``'s chain of const, volatile and restrict qualifiers."""
        for _ in range(_MAX_DEPTH):
            t = self.btf[type_id]
            if not isinstance(t, (Const, Volatile, Restrict)):
                break
            type_id = t.type_id
        return type_id


def _join(base: str, inner: str) -> str:
    """``base`` then its declarator, one space between (a declarator that opens with its own
    space, a wrapped function pointer's, keeps just that one)."""
    if not inner:
        return base
    return f"{base}{inner}" if inner.startswith(" ") else f"{base} {inner}"


def _builtin(t: Typedef) -> bool:
    """btf_dump_is_blacklisted(): ``__builtin_va_list`` is the compiler's own."""
    return t.name == "__builtin_va_list"


def _tag(t: Struct | Union) -> str:
    return "struct" if isinstance(t, Struct) else "union"


def _refs(t: object) -> tuple[int, ...]:
    if isinstance(t, (Ptr, Typedef, Volatile, Const, Restrict, TypeTag)):
        return (t.type_id,)
    if isinstance(t, Array):
        return (t.elem_type,)
    if isinstance(t, (Struct, Union)):
        return tuple(m.type_id for m in t.members)
    if isinstance(t, FuncProto):
        return (t.return_type, *(p.type_id for p in t.params))
    if isinstance(t, (Var, Func)):
        return (t.type_id,)
    if isinstance(t, Datasec):
        return tuple(v.type_id for v in t.vars)
    return ()


def _padding(cur: int, nxt: int, next_align: int, in_bitfield: bool, lvl: int) -> list[str]:
    """btf_dump_emit_bit_padding: explicit ``<type>: N;`` markers filling a gap of bits."""
    if cur >= nxt:
        return []
    out: list[str] = []
    prefix = "\n" + "\t" * lvl
    pad_type, pad_bits, new_off = "char", 8, cur
    for pad_type, pad_bits in _PADS:  # noqa: B007  (the first type whose boundary fits is kept)
        new_off = -(-cur // pad_bits) * pad_bits
        if new_off <= nxt:
            break
    if cur < new_off <= nxt:
        if (
            in_bitfield
            or (new_off == nxt and -(-cur // (next_align * 8)) * next_align * 8 != new_off)
            or (new_off != nxt and nxt - new_off <= new_off - cur)
        ):
            out.append(f"{prefix}{pad_type}: {new_off - cur if in_bitfield else 0};")
        cur = new_off
    while cur != nxt:
        bits = min(nxt - cur, pad_bits)
        if bits == pad_bits:
            out.append(f"{prefix}{pad_type}: {pad_bits};")
            cur += bits
            continue
        for small_type, small_bits in reversed(_PADS):
            if small_bits >= bits:
                out.append(f"{prefix}{small_type}: {bits};")
                cur += bits
                break
    return out
