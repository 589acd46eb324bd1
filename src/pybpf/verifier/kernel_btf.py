"""The kernel's own types for the verifier: bpf_get_btf_vmlinux() and the candidate search by name.

Mirrors bpf_get_btf_vmlinux() and bpf_core_find_cands() / bpf_core_add_cands() of kernel/bpf/btf.c
(Linux 6.18) as btf_get_ptr_to_btf_id() uses them for a global function's ``arg:trusted`` and
``arg:untrusted`` pointers: the types of vmlinux of the same kind whose essential name (the name up
to a ``___flavour`` suffix) is the program type's essential name.

pybpf models the kernel it runs on: the types are the running kernel's ``/sys/kernel/btf/vmlinux``,
parsed once per process on first use (the kernel's answer to such a program depends on that same
file).  Where the file cannot be read there are no kernel types, and every name has no candidate,
as for a kernel built without CONFIG_DEBUG_INFO_BTF.  Module BTF is not searched.

Also btf_struct_ids_match(): whether a pointer to one kernel struct, at an offset, is a pointer to
another -- the same type at offset 0, or (unless the match must be strict) a struct nested at that
offset, then at offset 0 of that one, and so on (btf_struct_walk() looking for a nested struct:
a ``struct tcp_sock *`` is a ``struct sock_common *`` through its first members).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pybpf.btf.kinds import Kind
from pybpf.btf.parse import read_btf_file
from pybpf.btf.types import BTF, Array, BTFError

VMLINUX_BTF = "/sys/kernel/btf/vmlinux"


@functools.cache
def vmlinux_btf() -> BTF | None:
    """The running kernel's types, or None when they cannot be read."""
    try:
        return read_btf_file(VMLINUX_BTF)
    except (OSError, BTFError):
        return None


@dataclass(frozen=True)
class KernelType:
    """The kernel type a PTR_TO_BTF_ID register points to (the kernel's ``reg->btf_id`` in vmlinux):
    one object per type id (``kernel_type()``), so identity compares them."""

    type_id: int
    name: str
    kind: Kind
    size: int  # bytes (0 for a type without a size)


@functools.cache
def kernel_type(type_id: int) -> KernelType:
    """The vmlinux type ``type_id`` (an id ``find_candidates()`` returned)."""
    btf = vmlinux_btf()
    assert btf is not None
    t = btf[type_id]
    try:
        size = btf.size_of(type_id)
    except BTFError:
        size = 0
    return KernelType(type_id, t.name, t.kind, size)


def kernel_struct(name: str) -> KernelType | None:
    """The vmlinux struct called ``name`` (a helper's fixed return type: ``task_struct`` ...)."""
    btf = vmlinux_btf()
    found = [] if btf is None else [i for i in btf.ids_by_name(name) if btf[i].kind == Kind.STRUCT]
    return kernel_type(found[0]) if len(found) == 1 else None


def essential_name(name: str) -> str:
    """bpf_core_essential_name_len(): ``name`` without a ``___flavour`` suffix (X___Y, X and Y not
    underscores)."""
    for i in range(len(name) - 5, -1, -1):
        if name[i] != "_" and name[i + 1 : i + 4] == "___" and name[i + 4] != "_":
            return name[: i + 1]
    return name


def find_candidates(kind: Kind, name: str) -> list[int]:
    """bpf_core_find_cands() in vmlinux: the ids of the types of a kind compatible with ``kind`` (the
    same, or a struct or union for a forward declaration and back) that ``name`` may mean."""
    btf = vmlinux_btf()
    if btf is None or not name:
        return []
    wanted = essential_name(name)
    return [
        type_id
        for type_id in _ids_starting_with(btf, wanted)
        if _kinds_compatible(btf[type_id].kind, kind) and essential_name(btf[type_id].name) == wanted
    ]


_COMPOSITE = (Kind.STRUCT, Kind.UNION)


def _kinds_compatible(a: Kind, b: Kind) -> bool:
    """btf_kind_core_compat() (measured: a forward declaration finds the struct)."""
    return a == b or (a in _COMPOSITE and b == Kind.FWD) or (a == Kind.FWD and b in _COMPOSITE)


def _ids_starting_with(btf: BTF, prefix: str) -> list[int]:
    """The ids of ``btf``'s named types whose name starts with ``prefix`` (strncmp's test)."""
    return [type_id for type_id, t in btf if t.name.startswith(prefix)]


_MAX_NESTING = 32
"""How deep struct_ids_match() follows nested structs (the kernel's walk has the same kind of bound)."""


def struct_ids_match(have: KernelType, off: int, want: KernelType, *, strict: bool) -> bool:
    """btf_struct_ids_match(): a pointer to ``have`` at byte ``off`` may be passed where a pointer to
    ``want`` is expected."""
    if off == 0 and have is want:
        return True
    btf = vmlinux_btf()
    if strict or btf is None:
        return False
    type_id = have.type_id
    for _ in range(_MAX_NESTING):
        nested = _nested_struct_at(btf, type_id, off)
        if nested is None:
            return False
        if nested == want.type_id:
            return True
        type_id, off = nested, 0
    return False


def _nested_struct_at(btf: BTF, type_id: int, off: int) -> int | None:
    """btf_struct_walk() for one byte at ``off``: the id of the struct or union member (of the
    struct, of a struct inside it, of an array element ...) that starts exactly there, or None."""
    for _ in range(_MAX_NESTING):
        t = btf[btf.resolve(type_id)]
        if t.kind not in _COMPOSITE:
            return None
        for member in t.members:  # type: ignore[union-attr]
            if member.bitfield_size:
                continue
            start = member.byte_offset
            member_id = btf.resolve(member.type_id)
            try:
                size = btf.size_of(member_id)
            except BTFError:
                continue
            if not start <= off < start + size:
                continue
            member_type = btf[member_id]
            if isinstance(member_type, Array):  # the element that holds the byte
                member_id = btf.resolve(member_type.elem_type)
                elem_size = btf.size_of(member_id)
                if not elem_size:
                    return None
                start += (off - start) // elem_size * elem_size
                member_type = btf[member_id]
            if member_type.kind not in _COMPOSITE:
                return None
            if off == start:
                return member_id
            type_id, off = member_id, off - start
            break
        else:
            return None
    return None
