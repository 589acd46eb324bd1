"""BTF, the BPF Type Format: the one decoder, encoder and type model of pybpf.

Mirrors the kernel's BTF (``include/uapi/linux/btf.h``, ``Documentation/bpf/btf.rst``) as read from
``/sys/kernel/btf/vmlinux``, from the ``.BTF`` section of a clang-compiled BPF object, or from the
blob a program hands to BPF_BTF_LOAD.  Four layers, each on the one before:

* ``kinds`` -- the kind table: every ``BTF_KIND_*`` as data (trailing data per vlen, what the
  size/type word, vlen and kind_flag mean, modifiers);
* ``raw`` -- the wire format: the header, raw ``struct btf_type`` records with their trailing words,
  strings; lenient decoding that says where and why it stopped (what BPF_BTF_LOAD's checks build on);
* ``types`` -- the model: one frozen record per kind and ``BTF`` (lookup by name and kind,
  ``resolve`` through typedefs and modifiers, sizes, alignments, member walks);
* ``parse`` / ``encode`` -- strict decoding into the model, and the model back into bytes.

Parsing yields plain data and never touches the kernel; malformed input raises ``BTFError`` (a
``ValueError``).
"""

from pybpf.btf.encode import encode_btf
from pybpf.btf.kinds import KINDS, Kind, KindInfo, kind_info
from pybpf.btf.parse import parse_btf, read_btf_file
from pybpf.btf.raw import BTF_MAGIC, BTF_VERSION, BTFError, RawType
from pybpf.btf.types import (
    BTF,
    Array,
    BTFType,
    Const,
    Datasec,
    DeclTag,
    Enum,
    Enum64,
    EnumValue,
    Field,
    Float,
    Func,
    FuncLinkage,
    FuncProto,
    Fwd,
    Int,
    Member,
    Param,
    Ptr,
    Restrict,
    Struct,
    Typedef,
    TypeTag,
    Union,
    Var,
    VarLinkage,
    VarSecinfo,
    Void,
    Volatile,
)

__all__ = [
    "BTF",
    "BTF_MAGIC",
    "BTF_VERSION",
    "KINDS",
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
    "KindInfo",
    "Member",
    "Param",
    "Ptr",
    "RawType",
    "Restrict",
    "Struct",
    "TypeTag",
    "Typedef",
    "Union",
    "Var",
    "VarLinkage",
    "VarSecinfo",
    "Void",
    "Volatile",
    "encode_btf",
    "kind_info",
    "parse_btf",
    "read_btf_file",
]
