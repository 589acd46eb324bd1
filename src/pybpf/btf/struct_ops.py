"""The struct_ops types a BTF describes: bpf_struct_ops_desc_init() of kernel/bpf/bpf_struct_ops.c.

A struct_ops type ``<name>`` is a struct of the kernel's BTF together with its map value type
``bpf_struct_ops_<name>`` (``{struct bpf_struct_ops_common_value common; struct <name> data;}``,
exactly two members), at most 64 members (BPF_STRUCT_OPS_MAX_NR_MEMBERS), none anonymous nor a
bitfield (Linux 6.18).  ``describe()`` gives each member's offset, size and, for a function pointer,
its prototype and the arguments its stub function ``<name>__<member>`` names ``*__nullable``
(prepare_arg_info(): those pointers may be NULL); a ``struct module *`` member is the owner.  Which
types the kernel registers and what each type's own code decides is the verifier's and the map's
(``pybpf.verifier.struct_ops``, ``pybpf.maps.struct_ops``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pybpf.btf.kinds import Kind
from pybpf.btf.raw import BTFError
from pybpf.btf.types import BTF, FuncProto, Ptr, Struct

VALUE_PREFIX = "bpf_struct_ops_"
MAX_MEMBERS = 64
"""BPF_STRUCT_OPS_MAX_NR_MEMBERS."""
_NULLABLE = "__nullable"


@dataclass(frozen=True)
class OpsMember:
    """One member of a struct_ops struct."""

    name: str
    offset: int
    size: int
    proto: int
    """The FUNC_PROTO id of a function-pointer member, 0 for a data member."""
    module: bool
    """A ``struct module *`` (the owner: user space leaves it zero)."""
    nullable: tuple[int, ...] = ()
    """The arguments its stub marks ``__nullable``."""


@dataclass(frozen=True)
class StructOpsDesc:
    """bpf_struct_ops_desc: a struct_ops type of vmlinux."""

    name: str
    type_id: int
    value_id: int
    value_size: int
    data_offset: int
    """Where the struct lies in the value (after ``bpf_struct_ops_common_value``)."""
    size: int
    members: tuple[OpsMember, ...]


def func_proto(btf: BTF, type_id: int) -> int:
    """btf_type_resolve_func_ptr(): the FUNC_PROTO a member points to (0: not a function pointer)."""
    t = btf[btf.resolve(type_id)]
    if not isinstance(t, Ptr):
        return 0
    proto = btf.resolve(t.type_id)
    return proto if btf[proto].kind == Kind.FUNC_PROTO else 0


def _nullable(btf: BTF, ops: str, member: str, proto: FuncProto) -> tuple[int, ...]:
    """prepare_arg_info(): the arguments the stub ``<ops>__<member>`` names ``*__nullable``."""
    stubs = [i for i in btf.ids_by_name(f"{ops}__{member}") if btf[i].kind == Kind.FUNC]
    if not stubs:
        return ()
    stub = btf[btf[stubs[0]].type_id]  # type: ignore[union-attr]
    if not isinstance(stub, FuncProto) or len(stub.params) != len(proto.params):
        return ()
    return tuple(i for i, p in enumerate(stub.params) if p.name.endswith(_NULLABLE))


def describe(btf: BTF, name: str) -> StructOpsDesc | None:
    """bpf_struct_ops_desc_init() of the type ``name`` (None where ``btf`` lacks it or it is not
    one)."""
    try:
        type_id = btf.find(name, Kind.STRUCT)
        value_id = btf.find(VALUE_PREFIX + name, Kind.STRUCT)
        module = btf.find("module", Kind.STRUCT)
    except BTFError:
        return None
    t, vt = btf[type_id], btf[value_id]
    assert isinstance(t, Struct) and isinstance(vt, Struct)
    if len(t.members) > MAX_MEMBERS or len(vt.members) != 2 or vt.members[1].type_id != type_id:
        return None
    members = []
    for m in t.members:
        if not m.name or m.bitfield_size:
            return None
        proto = func_proto(btf, m.type_id)
        pointer = btf[btf.resolve(m.type_id)]
        is_module = isinstance(pointer, Ptr) and btf.resolve(pointer.type_id) == module
        fp = btf[proto] if proto else None
        nullable = _nullable(btf, name, m.name, fp) if isinstance(fp, FuncProto) else ()
        members.append(OpsMember(m.name, m.byte_offset, btf.size_of(m.type_id), proto, is_module, nullable))
    return StructOpsDesc(name, type_id, value_id, vt.size, vt.members[1].byte_offset, t.size, tuple(members))


__all__ = ["MAX_MEMBERS", "VALUE_PREFIX", "OpsMember", "StructOpsDesc", "describe", "func_proto"]
