"""The BTF kinds as data: the one table of what every ``BTF_KIND_*`` record looks like on the wire.

Mirrors ``include/uapi/linux/btf.h`` (the ``BTF_KIND_*`` numbers and the structs that follow a
``struct btf_type``) and the kernel's ``btf_kind_str`` (``kernel/bpf/btf.c``: the names its verifier log
prints).  For each kind the table says what the ``size``/``type`` word of ``struct btf_type`` holds, how
many 32-bit words of trailing data follow the record (a fixed part, plus one entry per ``vlen``), what
``vlen`` and ``kind_flag`` mean for it (empty: they must be zero), and whether it is a modifier
(``btf_type_is_modifier``: a typedef or qualifier that stands for the type it refers to).

Everything that reads or writes BTF -- the raw decoder and encoder (``pybpf.btf.raw``), the type model
(``pybpf.btf.types``) and the BPF_BTF_LOAD checks (``pybpf.kernel.btf_check``) -- takes kinds from here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

__all__ = ["KINDS", "KIND_MAX", "MODIFIER_KINDS", "SIZE_KINDS", "Kind", "KindInfo", "SizeOrType", "kind_info"]


class Kind(enum.IntEnum):
    """``BTF_KIND_*`` (btf.h): bits 24-28 of ``btf_type.info``.  0 is void, never encoded."""

    UNKN = 0
    INT = 1
    PTR = 2
    ARRAY = 3
    STRUCT = 4
    UNION = 5
    ENUM = 6
    FWD = 7
    TYPEDEF = 8
    VOLATILE = 9
    CONST = 10
    RESTRICT = 11
    FUNC = 12
    FUNC_PROTO = 13
    VAR = 14
    DATASEC = 15
    FLOAT = 16
    DECL_TAG = 17
    TYPE_TAG = 18
    ENUM64 = 19


KIND_MAX = Kind.ENUM64
"""``BTF_KIND_MAX``: the highest kind this table (and the modelled kernel) knows."""

SizeOrType = Literal["size", "type", "zero"]
"""What the ``size``/``type`` word holds: the type's size in bytes, a type id, or nothing (must be 0)."""


@dataclass(frozen=True, slots=True)
class KindInfo:
    """One row of the kind table."""

    kind: Kind
    size_or_type: SizeOrType
    fixed_words: int = 0
    """u32 words of trailing data whatever the vlen: the INT encoding, ``btf_array``, ``btf_var``,
    ``btf_decl_tag``."""
    entry_words: int = 0
    """u32 words per vlen entry: ``btf_member``, ``btf_enum``, ``btf_enum64``, ``btf_param``,
    ``btf_var_secinfo``."""
    vlen: str = ""
    """What vlen counts (``members``, ``enumerators``, ``params``, ``vars``) or holds (``linkage``);
    empty: it must be 0."""
    kind_flag: str = ""
    """What kind_flag says (``bitfields``: members carry a bitfield size, ``signed`` enumerators,
    ``union`` for a FWD, ``attribute`` for a tag); empty: it must be 0."""
    modifier: bool = False
    """A typedef, qualifier or type tag: it stands for the type it refers to."""

    @property
    def name(self) -> str:
        """The kernel's spelling in its log (``btf_kind_str``): ``INT``, ... and ``UNKNOWN`` for 0."""
        return self.kind.name if self.kind else "UNKNOWN"

    @property
    def has_size(self) -> bool:
        """The ``size``/``type`` word is the type's size (``btf_type_has_size``)."""
        return self.size_or_type == "size"

    def trailer_size(self, vlen: int) -> int:
        """Bytes of trailing data after the 12-byte ``struct btf_type`` for this ``vlen``."""
        return 4 * (self.fixed_words + self.entry_words * vlen)


KINDS: tuple[KindInfo, ...] = (
    KindInfo(Kind.UNKN, "zero"),
    KindInfo(Kind.INT, "size", fixed_words=1),
    KindInfo(Kind.PTR, "type"),
    KindInfo(Kind.ARRAY, "zero", fixed_words=3),
    KindInfo(Kind.STRUCT, "size", entry_words=3, vlen="members", kind_flag="bitfields"),
    KindInfo(Kind.UNION, "size", entry_words=3, vlen="members", kind_flag="bitfields"),
    KindInfo(Kind.ENUM, "size", entry_words=2, vlen="enumerators", kind_flag="signed"),
    KindInfo(Kind.FWD, "zero", kind_flag="union"),
    KindInfo(Kind.TYPEDEF, "type", modifier=True),
    KindInfo(Kind.VOLATILE, "type", modifier=True),
    KindInfo(Kind.CONST, "type", modifier=True),
    KindInfo(Kind.RESTRICT, "type", modifier=True),
    KindInfo(Kind.FUNC, "type", vlen="linkage"),
    KindInfo(Kind.FUNC_PROTO, "type", entry_words=2, vlen="params"),
    KindInfo(Kind.VAR, "type", fixed_words=1),
    KindInfo(Kind.DATASEC, "size", entry_words=3, vlen="vars"),
    KindInfo(Kind.FLOAT, "size"),
    KindInfo(Kind.DECL_TAG, "type", fixed_words=1, kind_flag="attribute"),
    KindInfo(Kind.TYPE_TAG, "type", kind_flag="attribute", modifier=True),
    KindInfo(Kind.ENUM64, "size", entry_words=3, vlen="enumerators", kind_flag="signed"),
)
"""``KINDS[k]`` describes kind ``k`` (0 .. ``KIND_MAX``)."""


def kind_info(kind: int) -> KindInfo | None:
    """The row of an encodable kind (1 .. ``KIND_MAX``); None for void and for unknown kinds."""
    return KINDS[kind] if 0 < kind <= KIND_MAX else None


MODIFIER_KINDS = frozenset(k.kind for k in KINDS if k.modifier)
"""Kinds that stand for the type they refer to (``btf_type_is_modifier``)."""
SIZE_KINDS = frozenset(k.kind for k in KINDS if k.has_size)
"""Kinds whose ``size``/``type`` word is a size (``btf_type_has_size``)."""
