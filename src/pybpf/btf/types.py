"""The BTF type model: one frozen dataclass per BTF kind, and ``BTF``, the table that holds them.

Mirrors the type section described by the kernel's ``include/uapi/linux/btf.h`` and
``Documentation/bpf/btf.rst``: type id 0 is ``void``, ids 1..N index the types in the order they
were encoded, every reference to another type is a type id, and names are the strings the string
section held (``""`` for anonymous types).  Struct and union members carry their offset in *bits*
and, for bitfields, their width (``bitfield_size``; 0 for an ordinary member), already decoded from
the ``kind_flag`` encoding; ``kind_flag`` itself is kept so the record says exactly what was encoded.

``BTF.types`` is a tuple of records, or -- for a large blob such as the kernel's vmlinux BTF, about 130 000
types -- a ``TypeTable``: the records decoded on demand, by id, and looked up by name from the raw name
offsets (``pybpf.btf.parse`` makes both, from one decoder; they compare equal type by type).

``BTF`` adds what the kernel and libbpf compute on top of the raw records: lookup by name, skipping
typedefs and modifiers (``resolve``), and the size and alignment of any type under the x86-64 /
LP64 C ABI (pointers 8 bytes, scalars aligned to their size, structs to their strictest member,
packed structs to 1).  Split BTF (a module's types on top of vmlinux) is supported through ``base``:
ids continue after the base's last id, as in the kernel.

The records are plain data: no file descriptors, no side effects (DESIGN.md principle 5).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from pybpf.btf.kinds import MODIFIER_KINDS, Kind
from pybpf.btf.raw import BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, BTFError

__all__ = [
    "BTF",
    "BTF_INT_BOOL",
    "BTF_INT_CHAR",
    "BTF_INT_SIGNED",
    "Array",
    "BTFError",
    "BTFType",
    "Const",
    "Datasec",
    "DeclTag",
    "Enum",
    "Enum64",
    "EnumValue",
    "Field",
    "Float",
    "Func",
    "FuncLinkage",
    "FuncProto",
    "Fwd",
    "Int",
    "Kind",
    "Member",
    "Param",
    "Ptr",
    "Restrict",
    "Struct",
    "TypeTable",
    "TypeTag",
    "Typedef",
    "Union",
    "Var",
    "VarLinkage",
    "VarSecinfo",
    "Void",
    "Volatile",
]

POINTER_SIZE = 8


class FuncLinkage(enum.IntEnum):
    """``enum btf_func_linkage``: stored in a FUNC's vlen."""

    STATIC = 0
    GLOBAL = 1
    EXTERN = 2


class VarLinkage(enum.IntEnum):
    """``BTF_VAR_*``: a VAR's ``struct btf_var.linkage``."""

    STATIC = 0
    GLOBAL_ALLOCATED = 1
    GLOBAL_EXTERN = 2


# -- the records ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Void:
    """Type id 0: ``void``.  Never encoded; ``BTF[0]`` returns it."""

    name: str = ""
    kind = Kind.UNKN


@dataclass(frozen=True, slots=True)
class Int:
    """BTF_KIND_INT: ``size`` bytes holding ``bits`` bits starting at ``bit_offset``."""

    name: str
    size: int
    encoding: int = 0  # BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL
    bit_offset: int = 0
    bits: int = 0
    kind = Kind.INT

    @property
    def signed(self) -> bool:
        return bool(self.encoding & BTF_INT_SIGNED)

    @property
    def is_char(self) -> bool:
        return bool(self.encoding & BTF_INT_CHAR)

    @property
    def is_bool(self) -> bool:
        return bool(self.encoding & BTF_INT_BOOL)


@dataclass(frozen=True, slots=True)
class Ptr:
    """BTF_KIND_PTR to ``type_id``."""

    type_id: int
    name: str = ""
    kind = Kind.PTR


@dataclass(frozen=True, slots=True)
class Array:
    """BTF_KIND_ARRAY: ``nelems`` elements of ``elem_type`` (0 for a flexible array member)."""

    elem_type: int
    index_type: int
    nelems: int
    name: str = ""
    kind = Kind.ARRAY


@dataclass(frozen=True, slots=True)
class Member:
    """One struct/union member: ``bit_offset`` from the start, ``bitfield_size`` 0 if not a bitfield."""

    name: str
    type_id: int
    bit_offset: int
    bitfield_size: int = 0

    @property
    def byte_offset(self) -> int:
        """Offset in bytes (the byte holding the first bit, for a bitfield)."""
        return self.bit_offset // 8


def _member_named(members: tuple[Member, ...], name: str) -> Member:
    """The member of ``members`` called ``name`` (KeyError if none): a struct's or union's."""
    for m in members:
        if m.name == name:
            return m
    raise KeyError(name)


@dataclass(frozen=True, slots=True)
class Struct:
    """BTF_KIND_STRUCT of ``size`` bytes.  ``kind_flag`` set: members use the bitfield encoding."""

    name: str
    size: int
    members: tuple[Member, ...] = ()
    kind_flag: bool = False
    kind = Kind.STRUCT

    def member(self, name: str) -> Member:
        """The directly declared member called ``name`` (KeyError if none)."""
        return _member_named(self.members, name)


@dataclass(frozen=True, slots=True)
class Union:
    """BTF_KIND_UNION of ``size`` bytes; same member encoding as ``Struct``."""

    name: str
    size: int
    members: tuple[Member, ...] = ()
    kind_flag: bool = False
    kind = Kind.UNION

    def member(self, name: str) -> Member:
        """The directly declared member called ``name`` (KeyError if none)."""
        return _member_named(self.members, name)


@dataclass(frozen=True, slots=True)
class EnumValue:
    """One enumerator."""

    name: str
    value: int


@dataclass(frozen=True, slots=True)
class Enum:
    """BTF_KIND_ENUM: 32-bit enumerator values; ``signed`` is the kind_flag."""

    name: str
    size: int
    values: tuple[EnumValue, ...] = ()
    signed: bool = False
    kind = Kind.ENUM


@dataclass(frozen=True, slots=True)
class Enum64:
    """BTF_KIND_ENUM64: 64-bit enumerator values; ``signed`` is the kind_flag."""

    name: str
    size: int
    values: tuple[EnumValue, ...] = ()
    signed: bool = False
    kind = Kind.ENUM64


@dataclass(frozen=True, slots=True)
class Fwd:
    """BTF_KIND_FWD: a forward declaration of a struct (or a union, kind_flag set)."""

    name: str
    is_union: bool = False
    kind = Kind.FWD


@dataclass(frozen=True, slots=True)
class Typedef:
    """BTF_KIND_TYPEDEF ``name`` for ``type_id``."""

    name: str
    type_id: int
    kind = Kind.TYPEDEF


@dataclass(frozen=True, slots=True)
class Volatile:
    """BTF_KIND_VOLATILE modifier."""

    type_id: int
    name: str = ""
    kind = Kind.VOLATILE


@dataclass(frozen=True, slots=True)
class Const:
    """BTF_KIND_CONST modifier."""

    type_id: int
    name: str = ""
    kind = Kind.CONST


@dataclass(frozen=True, slots=True)
class Restrict:
    """BTF_KIND_RESTRICT modifier."""

    type_id: int
    name: str = ""
    kind = Kind.RESTRICT


@dataclass(frozen=True, slots=True)
class Func:
    """BTF_KIND_FUNC ``name`` whose prototype is the FUNC_PROTO ``type_id``."""

    name: str
    type_id: int
    linkage: int = FuncLinkage.STATIC
    kind = Kind.FUNC


@dataclass(frozen=True, slots=True)
class Param:
    """One FUNC_PROTO parameter; a trailing ``Param("", 0)`` means ``...`` (varargs)."""

    name: str
    type_id: int


@dataclass(frozen=True, slots=True)
class FuncProto:
    """BTF_KIND_FUNC_PROTO: return type ``return_type`` (0 = void) and parameters."""

    return_type: int
    params: tuple[Param, ...] = ()
    name: str = ""
    kind = Kind.FUNC_PROTO

    @property
    def variadic(self) -> bool:
        return bool(self.params) and self.params[-1] == Param("", 0)


@dataclass(frozen=True, slots=True)
class Var:
    """BTF_KIND_VAR: a global or static variable of ``type_id``."""

    name: str
    type_id: int
    linkage: int = VarLinkage.STATIC
    kind = Kind.VAR


@dataclass(frozen=True, slots=True)
class VarSecinfo:
    """One DATASEC entry: the VAR (or FUNC) ``type_id`` at ``offset``, ``size`` bytes."""

    type_id: int
    offset: int
    size: int


@dataclass(frozen=True, slots=True)
class Datasec:
    """BTF_KIND_DATASEC: an ELF data section (``.data``, ``.bss``, ``.maps`` ...)."""

    name: str
    size: int
    vars: tuple[VarSecinfo, ...] = ()
    kind = Kind.DATASEC


@dataclass(frozen=True, slots=True)
class Float:
    """BTF_KIND_FLOAT of ``size`` bytes."""

    name: str
    size: int
    kind = Kind.FLOAT


@dataclass(frozen=True, slots=True)
class DeclTag:
    """BTF_KIND_DECL_TAG on ``type_id`` (``component_idx`` -1: the whole type, else a member/param)."""

    name: str
    type_id: int
    component_idx: int = -1
    kind_flag: bool = False  # set: an __attribute__ rather than a btf_decl_tag
    kind = Kind.DECL_TAG


@dataclass(frozen=True, slots=True)
class TypeTag:
    """BTF_KIND_TYPE_TAG ``name`` on ``type_id``."""

    name: str
    type_id: int
    kind_flag: bool = False
    kind = Kind.TYPE_TAG


@dataclass(frozen=True, slots=True)
class Field:
    """A member reached from an outer struct or union: its path of names, type and offset from its start.

    Members of anonymous struct/union members are reached as in C, without a name of their own in ``path``.
    """

    path: tuple[str, ...]
    type_id: int
    bit_offset: int
    bitfield_size: int = 0

    @property
    def name(self) -> str:
        """The dotted path (``"a.b"``)."""
        return ".".join(self.path)


BTFType = (
    Void
    | Int
    | Ptr
    | Array
    | Struct
    | Union
    | Enum
    | Enum64
    | Fwd
    | Typedef
    | Volatile
    | Const
    | Restrict
    | Func
    | FuncProto
    | Var
    | Datasec
    | Float
    | DeclTag
    | TypeTag
)

_MAX_CHAIN = 64  # longer modifier/array chains than any real C type: treat as a loop


def type_refs(t: BTFType) -> tuple[int, ...]:
    """Every type id ``t`` refers to (for id range checks and graph walks)."""
    if isinstance(t, (Ptr, Typedef, Volatile, Const, Restrict, TypeTag, Func, Var, DeclTag)):
        return (t.type_id,)
    if isinstance(t, Array):
        return (t.elem_type, t.index_type)
    if isinstance(t, (Struct, Union)):
        return tuple(m.type_id for m in t.members)
    if isinstance(t, FuncProto):
        return (t.return_type, *(p.type_id for p in t.params))
    if isinstance(t, Datasec):
        return tuple(v.type_id for v in t.vars)
    return ()


# -- the table -----------------------------------------------------------------------------------


class TypeTable(Sequence[BTFType]):
    """The records of a BTF blob decoded on demand (``pybpf.btf.parse`` makes it): ``table[i]`` is
    the type ``start_id + i`` of its ``BTF``, decoded the first time it is asked for, then kept.

    It finds types by name without decoding them (``local_ids_named``, ``local_ids_prefixed``: the
    indices of the records whose name is, or starts with, some bytes), and compares equal to the
    tuple of the same records (so a ``BTF`` holding it equals one holding them eagerly decoded).
    """

    def __len__(self) -> int:
        raise NotImplementedError

    def decode(self, index: int) -> BTFType:
        """The record at ``index`` (0 <= index < len), decoded."""
        raise NotImplementedError

    def local_ids_named(self, name: bytes, offsets: frozenset[int]) -> list[int]:
        """The indices of the records whose name offset is one of ``offsets`` (the offsets at which
        the string section, base included, holds ``name``), in order."""
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> BTFType: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[BTFType, ...]: ...

    def __getitem__(self, index: int | slice) -> BTFType | tuple[BTFType, ...]:
        if isinstance(index, slice):
            return tuple(self.decode(i) for i in range(*index.indices(len(self))))
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("type table index out of range")
        return self.decode(index)

    def __iter__(self) -> Iterator[BTFType]:
        decode = self.decode
        for i in range(len(self)):
            yield decode(i)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (TypeTable, tuple, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {len(self)} types>"


@dataclass(frozen=True)
class BTF:
    """A parsed BTF object: ``types[i]`` is type id ``start_id + i``; id 0 is ``void``.

    ``base`` is the base BTF of split BTF (kernel module BTF on top of vmlinux), whose ids
    ``0 .. start_id - 1`` this object's types may refer to.
    """

    types: tuple[BTFType, ...] | TypeTable
    strings: bytes = b"\0"
    base: BTF | None = None
    little_endian: bool = True
    _by_name: dict[str, tuple[int, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _aligns: dict[int, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    _indexed: list[bool] = field(default_factory=lambda: [False], init=False, repr=False, compare=False)
    _prefixed: dict[str, tuple[int, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def _own_ids_named(self, name: str) -> tuple[int, ...]:
        """The ids of this object's own types called ``name`` (not the base's); "" names none."""
        if not name:
            return ()
        if isinstance(self.types, TypeTable):
            found = self._by_name.get(name)
            if found is None:
                key = name.encode("utf-8", errors="surrogateescape")
                start = self.start_id
                indices = self.types.local_ids_named(key, self.string_offsets(key))
                found = self._by_name[name] = tuple(start + i for i in indices)
            return found
        if not self._indexed[0]:
            index: dict[str, list[int]] = {}
            for i, t in enumerate(self.types):
                if t.name:
                    index.setdefault(t.name, []).append(self.start_id + i)
            self._by_name.update({k: tuple(v) for k, v in index.items()})
            self._indexed[0] = True
        return self._by_name.get(name, ())

    # -- ids ---------------------------------------------------------------------------------
    @property
    def start_id(self) -> int:
        """The first id this object defines (1, or the base's type count for split BTF)."""
        return self.base.end_id if self.base is not None else 1

    @property
    def end_id(self) -> int:
        """One past the last valid type id."""
        return self.start_id + len(self.types)

    def __len__(self) -> int:
        """Number of valid type ids, void included (like libbpf's ``btf__type_cnt``)."""
        return self.end_id

    def __getitem__(self, type_id: int) -> BTFType:
        if type_id == 0:
            return Void()
        if self.start_id <= type_id < self.end_id:
            return self.types[type_id - self.start_id]
        if self.base is not None and 0 < type_id < self.start_id:
            return self.base[type_id]
        raise BTFError(f"type id {type_id} out of range (1..{self.end_id - 1})")

    def __iter__(self) -> Iterator[tuple[int, BTFType]]:
        """(id, type) for the types this object itself defines (not the base's)."""
        for i, t in enumerate(self.types):
            yield self.start_id + i, t

    # -- names -------------------------------------------------------------------------------
    @property
    def strings_end(self) -> int:
        """One past the last valid string offset (split BTF continues the base's offsets)."""
        return (self.base.strings_end if self.base is not None else 0) + len(self.strings)

    def string(self, offset: int) -> str:
        """The NUL-terminated string at ``offset`` of the string section (BTFError if invalid).

        The bytes are the kernel's, not necessarily UTF-8 (a tag's value may hold any byte but NUL,
        btf_decl_tag_check_meta): undecodable bytes come back as surrogate escapes, so the name
        encodes back to the same bytes (``encode(errors="surrogateescape")``)."""
        base_end = self.base.strings_end if self.base is not None else 0
        if offset < base_end and self.base is not None:
            return self.base.string(offset)
        local = offset - base_end
        if not 0 <= local < len(self.strings):
            raise BTFError(f"string offset {offset} out of range (string section ends at {self.strings_end})")
        end = self.strings.find(b"\0", local)
        if end < 0:
            raise BTFError(f"string at offset {offset} is not NUL-terminated")
        return self.strings[local:end].decode("utf-8", errors="surrogateescape")

    def string_offsets(self, text: bytes, *, prefix: bool = False) -> frozenset[int]:
        """Every offset (base included) at which the string section holds ``text`` -- the whole string
        up to its NUL, or with ``prefix`` its start: the name offsets of the types so named."""
        key = text if prefix else text + b"\0"
        found: set[int] = set()
        base_end = self.base.strings_end if self.base is not None else 0
        at = self.strings.find(key)
        while at >= 0:
            found.add(base_end + at)
            at = self.strings.find(key, at + 1)
        if self.base is not None:
            found |= self.base.string_offsets(text, prefix=prefix)
        return frozenset(found)

    def ids_by_name(self, name: str) -> tuple[int, ...]:
        """Every type id with this name, base first."""
        own = self._own_ids_named(name)
        return (self.base.ids_by_name(name) if self.base is not None else ()) + own

    def ids_with_prefix(self, prefix: str) -> list[int]:
        """Every id of a named type whose name starts with ``prefix`` (strncmp's test), base first,
        in id order; without decoding the others when the types are a ``TypeTable``.  Answers are kept
        (CO-RE asks for the same candidates at every relocation of a type, as libbpf's candidate cache
        answers it once)."""
        known = self._prefixed.get(prefix)
        if known is not None:
            return list(known)
        found = self.base.ids_with_prefix(prefix) if self.base is not None else []
        start = self.start_id
        if isinstance(self.types, TypeTable) and prefix:
            key = prefix.encode("utf-8", errors="surrogateescape")
            indices = self.types.local_ids_named(key, self.string_offsets(key, prefix=True))
            found += [start + i for i in indices]
        else:
            found += [start + i for i, t in enumerate(self.types) if t.name and t.name.startswith(prefix)]
        self._prefixed[prefix] = tuple(found)
        return found

    def find(self, name: str, kind: Kind | type[BTFType] | None = None) -> int:
        """The id of the first type called ``name`` (optionally of one kind); BTFError if none."""
        for type_id in self.ids_by_name(name):
            t = self[type_id]
            if kind is None or (t.kind == kind if isinstance(kind, Kind) else isinstance(t, kind)):
                return type_id
        what = f"{kind.name if isinstance(kind, Kind) else kind.__name__} " if kind is not None else ""
        raise BTFError(f"no {what}type named {name!r}")

    def get(self, name: str, kind: Kind | type[BTFType] | None = None) -> BTFType:
        """The first type called ``name`` (optionally of one kind); BTFError if none."""
        return self[self.find(name, kind)]

    # -- resolution --------------------------------------------------------------------------
    def resolve(self, type_id: int) -> int:
        """Skip typedefs, const/volatile/restrict and type tags: the id of the underlying type."""
        for _ in range(_MAX_CHAIN):
            t = self[type_id]
            if t.kind not in MODIFIER_KINDS:
                return type_id
            type_id = t.type_id  # type: ignore[union-attr]
        raise BTFError(f"modifier chain too long or looping at type id {type_id}")

    def array_elements(self, type_id: int) -> tuple[int, int]:
        """Nested arrays flattened, as btf_find_field_one() does: the innermost element type's id and
        the number of elements in all (``(type_id, 1)`` for a type that is no array; a chain too long
        ends at the array it reached)."""
        nelems = 1
        for _ in range(_MAX_CHAIN):
            t = self[type_id]
            if not isinstance(t, Array):
                break
            nelems *= t.nelems
            type_id = t.elem_type
        return type_id, nelems

    def size_of(self, type_id: int) -> int:
        """Size in bytes of a type, as ``sizeof`` in C (modifiers and typedefs resolved)."""
        return self._size(type_id, 0)

    def _size(self, type_id: int, depth: int) -> int:
        if depth > _MAX_CHAIN:
            raise BTFError(f"type chain too long or looping at type id {type_id}")
        t = self[self.resolve(type_id)]
        if isinstance(t, (Int, Struct, Union, Enum, Enum64, Float, Datasec)):
            return t.size
        if isinstance(t, Ptr):
            return POINTER_SIZE
        if isinstance(t, Array):
            return t.nelems * self._size(t.elem_type, depth + 1)
        if isinstance(t, Var):
            return self._size(t.type_id, depth + 1)
        raise BTFError(f"type id {type_id} ({t.kind.name}) has no size")

    def align_of(self, type_id: int) -> int:
        """Alignment in bytes, as ``_Alignof`` under the LP64 ABI; 1 for a packed struct/union."""
        return self._align(type_id, set())

    def _align(self, type_id: int, visiting: set[int]) -> int:
        rid = self.resolve(type_id)
        cached = self._aligns.get(rid)
        if cached is not None:
            return cached
        if rid in visiting or len(visiting) > _MAX_CHAIN:
            raise BTFError(f"type id {type_id} contains itself")
        visiting.add(rid)
        t = self[rid]
        if isinstance(t, (Int, Float)):
            a = max(1, min(t.size, 16))
        elif isinstance(t, (Enum, Enum64)):
            a = max(1, min(t.size, POINTER_SIZE))
        elif isinstance(t, Ptr):
            a = POINTER_SIZE
        elif isinstance(t, Array):
            a = self._align(t.elem_type, visiting)
        elif isinstance(t, Var):
            a = self._align(t.type_id, visiting)
        elif isinstance(t, (Struct, Union)):
            a = 1
            for m in t.members:
                ma = self._align(m.type_id, visiting)
                a = max(a, ma)
                if m.bitfield_size == 0 and m.bit_offset % (8 * ma):
                    a = 0  # a misaligned member: the struct is packed
                    break
            if a == 0 or t.size % a:
                a = 1
        else:
            raise BTFError(f"type id {type_id} ({t.kind.name}) has no alignment")
        visiting.discard(rid)
        self._aligns[rid] = a
        return a

    # -- members -------------------------------------------------------------------------------
    def members_of(self, type_id: int) -> tuple[Member, ...]:
        """The members of a struct or union (typedefs and modifiers resolved); BTFError for other kinds."""
        t = self[self.resolve(type_id)]
        if not isinstance(t, (Struct, Union)):
            raise BTFError(f"type id {type_id} ({t.kind.name}) is not a struct or union")
        return t.members

    def walk_members(self, type_id: int, *, nested: bool = False) -> Iterator[Field]:
        """Every member of a struct or union in order, offsets in bits from its start.

        Anonymous struct/union members are walked into in their place, as C reaches their members;
        ``nested``: every struct/union member is also walked into, right after it is yielded.
        """
        yield from self._walk(type_id, (), 0, nested, 0)

    def _walk(
        self, type_id: int, path: tuple[str, ...], base: int, nested: bool, depth: int
    ) -> Iterator[Field]:
        if depth > _MAX_CHAIN:
            raise BTFError(f"struct nesting too deep or looping at type id {type_id}")
        for m in self.members_of(type_id):
            inner = self[self.resolve(m.type_id)]
            aggregate = isinstance(inner, (Struct, Union))
            if m.name:
                here = Field((*path, m.name), m.type_id, base + m.bit_offset, m.bitfield_size)
                yield here
                if aggregate and nested:
                    yield from self._walk(m.type_id, here.path, here.bit_offset, nested, depth + 1)
            elif aggregate:
                yield from self._walk(m.type_id, path, base + m.bit_offset, nested, depth + 1)

    def member_at(self, type_id: int, path: str) -> Field:
        """The member at a dotted ``path`` (``"a.b"``) of a struct or union; BTFError if there is none."""
        wanted = tuple(path.split("."))
        for found in self.walk_members(type_id, nested=len(wanted) > 1):
            if found.path == wanted:
                return found
        raise BTFError(f"{self.name_of(type_id)} has no member {path!r}")

    def name_of(self, type_id: int) -> str:
        """A C-like spelling of a type for messages (``struct bpf_insn``, ``__u32 *``, ``int[4]``)."""
        return self._spell(type_id, 0)

    def _spell(self, type_id: int, depth: int) -> str:
        if depth > _MAX_CHAIN:
            return "..."
        t = self[type_id]
        if isinstance(t, Void):
            return "void"
        if isinstance(t, Ptr):
            return self._spell(t.type_id, depth + 1) + " *"
        if isinstance(t, Array):
            return f"{self._spell(t.elem_type, depth + 1)}[{t.nelems}]"
        if isinstance(t, (Const, Volatile, Restrict)):
            return f"{t.kind.name.lower()} {self._spell(t.type_id, depth + 1)}"
        if isinstance(t, (Struct, Union, Enum, Enum64)):
            tag = {Kind.STRUCT: "struct", Kind.UNION: "union"}.get(t.kind, "enum")
            return f"{tag} {t.name or '(anon)'}"
        if isinstance(t, Fwd):
            return f"{'union' if t.is_union else 'struct'} {t.name}"
        if isinstance(t, FuncProto):
            return "func_proto"
        return t.name or t.kind.name.lower()
