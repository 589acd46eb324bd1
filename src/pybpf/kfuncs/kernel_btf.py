"""The kernel's BTF as pybpf sees it: where kfunc BTF ids come from (the one place that chooses).

A kfunc call names its function by the BTF id of a FUNC in the kernel's BTF (``call`` with
src BPF_PSEUDO_KFUNC_CALL, imm = that id, off = 0 for vmlinux).  The kernel resolves it in
find_kfunc_desc_btf() / add_kfunc_call() (kernel/bpf/verifier.c); libbpf resolves an
``extern ... __ksym`` function by name to that id.

pybpf's kernel BTF is the running kernel's ``/sys/kernel/btf/vmlinux`` when it is readable and
parses (then ids, names and log lines are the kernel's, and programs built against it load on both
backends alike); else a small BTF pybpf builds from the prototypes of the kfuncs it implements
(``pybpf.kfuncs.table``), whose ids are its own.  Either way it is read once per process.

Module BTF (off != 0: an fd_array index of a module's BTF) is not modelled.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from pybpf.btf.parse import parse_btf
from pybpf.btf.raw import BTFError
from pybpf.btf.types import (
    BTF,
    BTF_INT_BOOL,
    BTF_INT_SIGNED,
    Array,
    BTFType,
    Const,
    Func,
    FuncProto,
    Fwd,
    Int,
    Param,
    Ptr,
    Struct,
)
from pybpf.btf.types import Member as BTFMember
from pybpf.kfuncs.proto import KFunc, struct_name
from pybpf.kfuncs.table import ITER_STATE_SIZES, KFUNCS, LESS_CTYPE

VMLINUX_BTF = "/sys/kernel/btf/vmlinux"


@dataclass
class KernelBTF:
    """The kernel's BTF (``btf``) and the kfuncs pybpf implements found in it by name."""

    btf: BTF
    from_kernel: bool  # the running kernel's vmlinux BTF (else pybpf's own)
    _kfuncs: dict[int, KFunc] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for kfunc in KFUNCS:
            type_id = self.func_id(kfunc.name)
            if type_id is not None:
                self._kfuncs[type_id] = kfunc

    def func_id(self, name: str) -> int | None:
        """The id of the FUNC named ``name`` (None: no such function)."""
        for type_id in self.btf.ids_by_name(name):
            if isinstance(self.btf[type_id], Func):
                return type_id
        return None

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
        """The kfunc pybpf implements whose FUNC is ``type_id``, or None."""
        return self._kfuncs.get(type_id)


@functools.cache
def kernel_btf() -> KernelBTF:
    """The kernel BTF of this process: vmlinux's when readable, else pybpf's own."""
    try:
        with open(VMLINUX_BTF, "rb") as f:
            return KernelBTF(parse_btf(f.read()), from_kernel=True)
    except (OSError, BTFError):
        return KernelBTF(own_btf(), from_kernel=False)


def own_btf() -> BTF:
    """The BTF pybpf builds when the kernel's cannot be read: the C types of the implemented
    kfuncs' prototypes, then a FUNC_PROTO and a FUNC per kfunc (in table order)."""
    types: list[BTFType] = [
        Int("int", 4, BTF_INT_SIGNED, 0, 32),
        Int("long long unsigned int", 8, 0, 0, 64),
        Array(2, 1, 1),  # __u64 __opaque[1]
        Struct("bpf_iter_num", 8, (BTFMember("__opaque", 3, 0),)),
        Ptr(4),
        Ptr(1),
        Struct("task_struct", 0),
        Ptr(7),
        Struct("cgroup", 0),
        Ptr(9),
        Struct("bpf_cpumask", 0),
        Ptr(11),
        Int("unsigned int", 4, 0, 0, 32),
        Int("_Bool", 1, BTF_INT_BOOL, 0, 8),
        Array(2, 1, 2),  # __u64 __opaque[2]
        Struct("bpf_dynptr", 16, (BTFMember("__opaque", 15, 0),)),
        Ptr(16),
        Const(16),
        Ptr(18),
        Fwd("__sk_buff"),
        Ptr(20),
        Fwd("xdp_md"),
        Ptr(22),
        Ptr(0),
        Struct("bpf_list_head", 16, (BTFMember("__opaque", 15, 0),)),
        Ptr(25),
        Array(2, 1, 3),  # __u64 __opaque[3]
        Struct("bpf_list_node", 24, (BTFMember("__opaque", 27, 0),)),
        Ptr(28),
        Struct("bpf_rb_root", 16, (BTFMember("__opaque", 15, 0),)),
        Ptr(30),
        Array(2, 1, 4),  # __u64 __opaque[4]
        Struct("bpf_rb_node", 32, (BTFMember("__opaque", 32, 0),)),
        Ptr(33),
        Const(33),
        Ptr(35),
        FuncProto(14, (Param("a", 34), Param("b", 36))),  # bool (*less)(node, const node)
        Ptr(37),
        Struct("bpf_iter_bits", 16, (BTFMember("__opaque", 15, 0),)),
        Ptr(39),
        Const(2),
        Ptr(41),
    ]
    ctypes = {
        "void": 0, "int": 1, "long long unsigned int": 2, "u64": 2, "struct bpf_iter_num *": 5, "int *": 6,
        "struct task_struct *": 8, "struct cgroup *": 10, "struct bpf_cpumask *": 12, "u32": 13, "__u32": 13,
        "bool": 14, "struct bpf_dynptr *": 17, "const struct bpf_dynptr *": 19, "struct __sk_buff *": 21,
        "struct xdp_md *": 23, "void *": 24, "struct bpf_list_head *": 26, "struct bpf_list_node *": 29,
        "struct bpf_rb_root *": 31, "struct bpf_rb_node *": 34, LESS_CTYPE: 38,
        "struct bpf_iter_bits *": 40, "const u64 *": 42,
    }  # fmt: skip

    def type_of(ctype: str) -> int:
        """The id of ``ctype``; a ``struct NAME *`` not in the table above gets an opaque struct (an
        iterator's of its size) and a pointer to it, anything else is ``void *``."""
        found = ctypes.get(ctype)
        if found is None:
            name = struct_name(ctype)
            if not name:
                return ctypes["void *"]
            types.append(Struct(name, ITER_STATE_SIZES.get(name.removeprefix("bpf_iter_"), 0)))
            types.append(Ptr(len(types)))
            found = ctypes[ctype] = len(types)
        return found

    for kfunc in KFUNCS:
        params = tuple(Param(arg.name, type_of(arg.ctype)) for arg in kfunc.args)
        types.append(FuncProto(type_of(kfunc.ret_ctype), params))
        types.append(Func(kfunc.name, len(types)))
    return BTF(tuple(types))
