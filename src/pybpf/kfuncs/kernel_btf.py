"""The kernel's BTF as pybpf sees it: where kfunc BTF ids come from (the one place that chooses).

A kfunc call names its function by the BTF id of a FUNC in the kernel's BTF (``call`` with
src BPF_PSEUDO_KFUNC_CALL, imm = that id, off = 0 for vmlinux).  The kernel resolves it in
find_kfunc_desc_btf() / add_kfunc_call() (kernel/bpf/verifier.c); libbpf resolves an
``extern ... __ksym`` function by name to that id.

pybpf's kernel BTF is the running kernel's ``/sys/kernel/btf/vmlinux`` when it is readable and
parses (then ids, names and log lines are the kernel's, and programs built against it load on both
backends alike); else a small BTF pybpf builds from the prototypes of the kfuncs it implements
(``pybpf.kfuncs.table``), whose ids are its own.  Either way it is read once per process, and
vmlinux's is decoded on demand (``pybpf.btf.parse``): a kfunc is found by its id's name in the
kfunc table, never by decoding every FUNC of the kernel.

Module BTF (off != 0: an fd_array index of a module's BTF) is not modelled.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from pybpf.btf.parse import read_btf_file_once
from pybpf.btf.raw import BTFError
from pybpf.btf.types import (
    BTF,
    BTF_INT_BOOL,
    BTF_INT_SIGNED,
    Array,
    BTFType,
    Const,
    Enum,
    Func,
    FuncProto,
    Fwd,
    Int,
    Param,
    Ptr,
    Struct,
    Union,
)
from pybpf.btf.types import Member as BTFMember
from pybpf.kfuncs.proto import KFunc
from pybpf.kfuncs.table import BY_NAME, ITER_STATE_SIZES, KFUNCS

VMLINUX_BTF = "/sys/kernel/btf/vmlinux"


@dataclass
class KernelBTF:
    """The kernel's BTF (``btf``) and the kfuncs pybpf implements found in it by name."""

    btf: BTF
    from_kernel: bool  # the running kernel's vmlinux BTF (else pybpf's own)
    _kfuncs: dict[int, KFunc | None] = field(default_factory=dict, repr=False)
    _func_ids: dict[str, int | None] = field(default_factory=dict, repr=False)

    def func_id(self, name: str) -> int | None:
        """The id of the FUNC named ``name`` (None: no such function)."""
        if name in self._func_ids:
            return self._func_ids[name]
        found = next((i for i in self.btf.ids_by_name(name) if isinstance(self.btf[i], Func)), None)
        self._func_ids[name] = found
        return found

    def func_name(self, type_id: int) -> str | None:
        """The name of FUNC ``type_id`` (None: no type, or not a FUNC)."""
        t = self.type_at(type_id)
        return t.name if isinstance(t, Func) else None

    def type_at(self, type_id: int) -> BTFType | None:
        if not 0 < type_id < self.btf.end_id:
            return None
        return self.btf[type_id]

    def iter_struct_id(self, name: str) -> int:
        """The id of ``struct bpf_iter_<name>`` (0 when the BTF lacks it)."""
        for type_id in self.btf.ids_by_name(f"bpf_iter_{name}"):
            if isinstance(self.btf[type_id], Struct):
                return type_id
        return 0

    def kfunc(self, type_id: int) -> KFunc | None:
        """The kfunc pybpf implements whose FUNC is ``type_id`` (the first FUNC of its name), or None."""
        if type_id in self._kfuncs:
            return self._kfuncs[type_id]
        name = self.func_name(type_id)
        found = BY_NAME.get(name) if name is not None else None
        if found is not None and self.func_id(found.name) != type_id:
            found = None
        self._kfuncs[type_id] = found
        return found


@functools.cache
def kernel_btf() -> KernelBTF:
    """The kernel BTF of this process: vmlinux's when readable, else pybpf's own."""
    try:
        return KernelBTF(read_btf_file_once(VMLINUX_BTF), from_kernel=True)
    except (OSError, BTFError):
        return KernelBTF(own_btf(), from_kernel=False)


_INTS: dict[str, Int] = {
    "int": Int("int", 4, BTF_INT_SIGNED, 0, 32),
    "long long unsigned int": Int("long long unsigned int", 8, 0, 0, 64),
    "long long int": Int("long long int", 8, BTF_INT_SIGNED, 0, 64),
    "long unsigned int": Int("long unsigned int", 8, 0, 0, 64),
    "long int": Int("long int", 8, BTF_INT_SIGNED, 0, 64),
    "unsigned int": Int("unsigned int", 4, 0, 0, 32),
    "short unsigned int": Int("short unsigned int", 2, 0, 0, 16),
    "short int": Int("short int", 2, BTF_INT_SIGNED, 0, 16),
    "unsigned char": Int("unsigned char", 1, 0, 0, 8),
    "char": Int("char", 1, 0, 0, 8),  # the kernel builds with -funsigned-char
    "_Bool": Int("_Bool", 1, BTF_INT_BOOL, 0, 8),
}
"""The integer types of pybpf's own BTF, by their C names."""
_INT_ALIASES = {
    "u64": "long long unsigned int", "__u64": "long long unsigned int", "s64": "long long int",
    "u32": "unsigned int", "__u32": "unsigned int", "s32": "int", "u16": "short unsigned int",
    "u8": "unsigned char", "bool": "_Bool", "size_t": "long unsigned int",
    "unsigned long": "long unsigned int",
    "unsigned long long": "long long unsigned int", "long": "long int", "unsigned": "unsigned int",
    "__u16": "short unsigned int", "__u8": "unsigned char", "__s32": "int", "__s64": "long long int",
    "__be16": "short unsigned int", "__be32": "unsigned int", "__be64": "long long unsigned int",
}  # fmt: skip
"""Type names written in kfunc prototypes that pybpf's own BTF gives as their integer type (no
TYPEDEF records: a kfunc's parameters are checked by what they resolve to)."""
_OPAQUE_STRUCTS = {
    "bpf_dynptr": 16, "bpf_list_head": 16, "bpf_list_node": 24, "bpf_rb_root": 16, "bpf_rb_node": 32,
}  # fmt: skip
"""The UAPI structs kfuncs take whose size matters (``__u64 __opaque[size / 8]``); other structs are
named only (size 0) and the context types are forward declarations."""
_FORWARD_STRUCTS = frozenset({"__sk_buff", "xdp_md"})


class _OwnBTFBuilder:
    """Builds pybpf's own BTF from the C types written in the kfunc table, one record per type."""

    def __init__(self) -> None:
        self.types: list[BTFType] = []
        self._ids: dict[str, int] = {"void": 0}

    def add(self, t: BTFType) -> int:
        self.types.append(t)
        return len(self.types)

    def type_id(self, ctype: str) -> int:
        """The id of ``ctype`` (``const struct bpf_dynptr *``, ``bool (*)(int *, void *)`` ...)."""
        ctype = " ".join(ctype.split())
        known = self._ids.get(ctype)
        if known is not None:
            return known
        if ctype.endswith(")") and "(*)(" in ctype:
            ret, _, params = ctype[:-1].partition("(*)(")
            arg_ids = [self.type_id(p) for p in params.split(",") if p.strip() not in ("", "void")]
            names = [chr(ord("a") + i) for i in range(len(arg_ids))]
            proto = self.add(FuncProto(self.type_id(ret), tuple(map(Param, names, arg_ids))))
            type_id = self.add(Ptr(proto))
        elif ctype.endswith("*"):
            type_id = self.add(Ptr(self.type_id(ctype[:-1])))
        elif ctype.startswith("const "):
            type_id = self.add(Const(self.type_id(ctype[len("const ") :])))
        elif ctype.startswith("struct "):
            type_id = self._struct(ctype[len("struct ") :])
        elif ctype.startswith("union "):
            type_id = self.add(Union(ctype[len("union ") :], 0))
        elif ctype.startswith("enum "):
            type_id = self.add(Enum(ctype[len("enum ") :], 4))
        elif ctype in _INT_ALIASES:
            type_id = self.type_id(_INT_ALIASES[ctype])
        elif ctype in _INTS:
            type_id = self.add(_INTS[ctype])
        else:
            raise ValueError(f"pybpf's own kernel BTF has no C type {ctype!r} (kfuncs/kernel_btf.py)")
        self._ids[ctype] = type_id
        return type_id

    def _struct(self, name: str) -> int:
        if name in _FORWARD_STRUCTS:
            return self.add(Fwd(name))
        size = _OPAQUE_STRUCTS.get(name, 0)
        if name.startswith("bpf_iter_") and name[len("bpf_iter_") :] in ITER_STATE_SIZES:
            size = ITER_STATE_SIZES[name[len("bpf_iter_") :]]
        if not size:
            return self.add(Struct(name, 0))
        opaque = self.add(Array(self.type_id("u64"), self.type_id("int"), size // 8))
        return self.add(Struct(name, size, (BTFMember("__opaque", opaque, 0),)))


def own_btf() -> BTF:
    """The BTF pybpf builds when the kernel's cannot be read: the iterator structs, then per
    implemented kfunc (in table order) the C types of its prototype, a FUNC_PROTO and a FUNC."""
    builder = _OwnBTFBuilder()
    for name in ITER_STATE_SIZES:
        builder.type_id(f"struct bpf_iter_{name}")
    for kfunc in KFUNCS:
        params = tuple(Param(arg.name, builder.type_id(arg.ctype)) for arg in kfunc.args)
        proto = builder.add(FuncProto(builder.type_id(kfunc.ret_ctype), params))
        builder.add(Func(kfunc.name, proto))
    return BTF(tuple(builder.types))
