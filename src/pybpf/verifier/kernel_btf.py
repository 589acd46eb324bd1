"""The kernel's own types for the verifier: bpf_get_btf_vmlinux() and the candidate search by name.

Mirrors bpf_get_btf_vmlinux() and bpf_core_find_cands() / bpf_core_add_cands() of kernel/bpf/btf.c
(Linux 6.18) as btf_get_ptr_to_btf_id() uses them for a global function's ``arg:trusted`` and
``arg:untrusted`` pointers: the types of vmlinux of the same kind whose essential name (the name up
to a ``___flavour`` suffix) is the program type's essential name.

pybpf models the kernel it runs on: the types are the running kernel's ``/sys/kernel/btf/vmlinux``,
parsed once per process on first use and decoded on demand (the kernel's answer to such a program
depends on that same file).  Where the file cannot be read there are no kernel types, and every name
has no candidate, as for a kernel built without CONFIG_DEBUG_INFO_BTF.  Module BTF is not searched.

Also btf_struct_ids_match(): whether a pointer to one kernel struct, at an offset, is a pointer to
another -- the same type at offset 0, or (unless the match must be strict) a struct nested at that
offset, then at offset 0 of that one, and so on (btf_struct_walk() looking for a nested struct:
a ``struct tcp_sock *`` is a ``struct sock_common *`` through its first members).
"""

from __future__ import annotations

import errno
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from pybpf.btf.kinds import Kind
from pybpf.btf.parse import read_btf_file_once
from pybpf.btf.types import BTF, Array, BTFError, Enum, Int, Ptr, Struct, TypeTag, Union

VMLINUX_BTF = "/sys/kernel/btf/vmlinux"


@functools.cache
def vmlinux_btf() -> BTF | None:
    """The running kernel's types, or None when they cannot be read."""
    try:
        return read_btf_file_once(VMLINUX_BTF)
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
    return btf.ids_with_prefix(prefix)


_MAX_NESTING = 32
"""How deep a walk follows nested structs (a bound of pybpf's: kernel structs nest far less)."""

WALK_SCALAR, WALK_PTR, WALK_PTR_UNTRUSTED, WALK_STRUCT = range(4)
"""btf_struct_walk()'s answers: a scalar, a pointer to a struct, another pointer, a nested struct."""


class WalkError(Exception):
    """An access btf_struct_walk() refuses: the kernel's errno and log line."""

    def __init__(self, err: int, message: str) -> None:
        super().__init__(message)
        self.errno = err
        self.message = message


class Walk(NamedTuple):
    """One step of btf_struct_walk(): the answer, the struct it names (a WALK_STRUCT's nested struct,
    a WALK_PTR's pointee), whether a union made the walk untrusted, and for a WALK_PTR the pointer
    member's name and its type tag ("user", "percpu", "rcu" or "")."""

    answer: int
    type_id: int = 0
    untrusted: bool = False
    field: str = ""
    tag: str = ""


POINTER_TAGS = ("user", "percpu", "rcu")
"""The type tags btf_struct_walk() reads on a pointer member (__user, __percpu, __rcu)."""


def struct_walk(type_id: int, off: int, size: int, untrusted: bool = False, types: BTF | None = None) -> Walk:
    """btf_struct_walk(): what ``size`` bytes at ``off`` of the struct ``type_id`` of ``types``
    (vmlinux's when None) are.  Raises WalkError where the kernel refuses the access."""
    btf = vmlinux_btf() if types is None else types
    assert btf is not None
    for _ in range(_MAX_NESTING):
        t = btf[btf.resolve(type_id)]
        if not isinstance(t, (Struct, Union)):
            raise WalkError(errno.EINVAL, f"Type '{_name(t.name)}' is not a struct")
        if isinstance(t, Union) and len(t.members) != 1:
            untrusted = True  # walking unions yields untrusted pointers (but for one-member ones)
        if off + size > t.size:
            type_id, off = _flexible_tail(btf, t, off, size)
            if not type_id:
                return Walk(WALK_SCALAR, 0, untrusted)
            continue
        descended = False
        for member in t.members:
            moff = member.bit_offset // 8
            if off + size <= moff:
                break
            if member.bitfield_size:
                end_byte = (member.bit_offset + member.bitfield_size + 7) // 8
                if off <= moff and end_byte <= off + size:
                    return Walk(WALK_SCALAR, 0, untrusted)
                continue
            if off < moff:
                break
            mid, msize, nelems = _resolve_size(btf, member.type_id, member.name)
            true_end = moff + msize
            if off >= true_end:
                continue
            if nelems:  # an array: the element holding off (its end stays the array's)
                if moff == true_end:
                    continue
                msize //= nelems
                moff += (off - moff) // msize * msize
            mtype = btf[mid]
            if isinstance(mtype, (Struct, Union)):
                if off == moff:
                    return Walk(WALK_STRUCT, mid, untrusted)
                type_id, off, descended = mid, off - moff, True
                break
            if isinstance(mtype, Ptr):
                if msize != size or off != moff:
                    raise WalkError(
                        errno.EACCES,
                        f"cannot access ptr member {_name(member.name)} with moff {moff} in struct "
                        f"{_name(t.name)} with off {off} size {size}",
                    )
                tagged = btf[mtype.type_id]
                tag = ""
                if isinstance(tagged, TypeTag) and not tagged.kind_flag and tagged.name in POINTER_TAGS:
                    tag = tagged.name
                pointee = btf.resolve(mtype.type_id)
                if isinstance(btf[pointee], (Struct, Union)):
                    return Walk(WALK_PTR, pointee, untrusted, member.name, tag)
                return Walk(WALK_PTR_UNTRUSTED, 0, untrusted)
            if off + size > true_end and not untrusted:
                raise WalkError(
                    errno.EACCES,
                    f"access beyond the end of member {_name(member.name)} (mend:{true_end}) in struct "
                    f"{_name(t.name)} with off {off} size {size}",
                )
            return Walk(WALK_SCALAR, 0, untrusted)
        if not descended:
            raise WalkError(errno.EINVAL, f"struct {_name(t.name)} doesn't have field at offset {off}")
    raise WalkError(errno.EINVAL, "struct nesting too deep")


def _name(name: str) -> str:
    """__btf_name_by_offset(): an anonymous type or member is "(anon)" in the kernel's messages."""
    return name or "(anon)"


def _flexible_tail(btf: BTF, t: Struct | Union, off: int, size: int) -> tuple[int, int]:
    """An access past the struct's end: allowed into a last member that is a flexible array
    (of ints: a scalar, answered as type id 0; of structs: the element, as (its id, the offset in
    it)); otherwise "access beyond struct"."""
    beyond = WalkError(errno.EACCES, f"access beyond struct {_name(t.name)} at off {off} size {size}")
    if not t.members:
        raise beyond
    last = t.members[-1]
    array = btf[btf.resolve(last.type_id)]
    if not isinstance(array, Array) or array.nelems != 0 or off < last.bit_offset // 8:
        raise beyond
    elem_id = btf.resolve(array.elem_type)
    elem = btf[elem_id]
    if isinstance(elem, Int):
        return 0, 0
    if not isinstance(elem, (Struct, Union)) or not elem.size:
        raise beyond
    return elem_id, (off - last.bit_offset // 8) % elem.size


def _resolve_size(btf: BTF, type_id: int, name: str) -> tuple[int, int, int]:
    """__btf_resolve_size(): (the type, or an array's innermost element type; the whole size; the
    number of elements of a possibly multi-dimensional array, 0 for no array)."""
    mid = btf.resolve(type_id)
    nelems = 0
    while isinstance(btf[mid], Array):
        array = btf[mid]
        assert isinstance(array, Array)
        nelems = (nelems or 1) * array.nelems
        mid = btf.resolve(array.elem_type)
    try:
        size = btf.size_of(type_id)
    except BTFError:
        raise WalkError(errno.EFAULT, f"field {_name(name)} doesn't have size") from None
    return mid, size, nelems


def struct_access(have: KernelType, off: int, size: int, types: BTF | None = None) -> Walk:
    """btf_struct_access() of a read: the walk's last step -- WALK_SCALAR, WALK_PTR (with the
    pointee, the member and its tag) or WALK_PTR_UNTRUSTED -- for ``size`` bytes at ``off`` of
    ``have`` (a type of ``types``, vmlinux's when None; nested structs entered at their start);
    WalkError if refused."""
    type_id, untrusted = have.type_id, False
    for _ in range(_MAX_NESTING):
        walk = struct_walk(type_id, off, size, untrusted, types)
        if walk.answer != WALK_STRUCT:
            return walk
        type_id, off, untrusted = walk.type_id, 0, walk.untrusted
    raise WalkError(errno.EINVAL, "struct nesting too deep")


def nested_type_is_trusted(have: KernelType, field: str, pointee: int, suffix: str) -> bool:
    """btf_nested_type_is_trusted(): whether the kernel lists ``field`` (a pointer to ``pointee``)
    of ``have`` in its allow-list struct ``<have>__safe_<suffix>``, which vmlinux carries
    (BTF_TYPE_SAFE_TRUSTED / _TRUSTED_OR_NULL / _RCU / _RCU_OR_NULL in kernel/bpf/verifier.c):
    a member of that name whose pointee is the same type."""
    btf = vmlinux_btf()
    if btf is None:
        return False
    safe = [i for i in btf.ids_by_name(f"{have.name}__safe_{suffix}") if btf[i].kind == have.kind]
    if not safe:
        return False
    t = btf[safe[0]]
    assert isinstance(t, (Struct, Union))
    for member in t.members:
        mtype = btf[member.type_id]
        if isinstance(mtype, Ptr) and member.name == field and btf.resolve(mtype.type_id) == pointee:
            return True
    return False


def kern_ctx_type(prog_type_name: str) -> tuple[int, KernelType | None]:
    """get_kern_ctx_btf_id(): the kernel's own context type of a program type, from vmlinux's
    ``struct bpf_ctx_convert`` (member ``<BPF_PROG_TYPE_...>_kern``): its type id, and the type
    when it is a struct (None: the kernel refuses the cast, "kern ctx type id %u is not a struct")."""
    btf = vmlinux_btf()
    if btf is None:
        return 0, None
    convert = [i for i in btf.ids_by_name("bpf_ctx_convert") if btf[i].kind == Kind.STRUCT]
    if not convert:
        return 0, None
    t = btf[convert[0]]
    assert isinstance(t, Struct)
    for member in t.members:
        if member.name == f"{prog_type_name}_kern":
            ctx = btf[member.type_id]
            is_struct = isinstance(ctx, (Struct, Union))
            return member.type_id, kernel_type(member.type_id) if is_struct else None
    return 0, None


def cast_target(type_id: int) -> KernelType | None:
    """What bpf_rdonly_cast() makes of its type id: the vmlinux struct or union (None for void, id
    0); WalkError for an id vmlinux does not have or a type of another kind."""
    btf = vmlinux_btf()
    if btf is None or not 0 <= type_id < len(btf):
        raise WalkError(errno.EINVAL, f"Unknown type ID {type_id} passed to kfunc bpf_rdonly_cast")
    if type_id == 0:
        return None
    if not isinstance(btf[type_id], (Struct, Union)):
        raise WalkError(errno.EINVAL, "kfunc bpf_rdonly_cast type ID argument must be of a struct or void")
    return kernel_type(type_id)


def struct_ids_match(
    have: KernelType, off: int, want: KernelType, *, strict: bool, log: Callable[[str], None] | None = None
) -> bool:
    """btf_struct_ids_match(): a pointer to ``have`` at byte ``off`` may be passed where a pointer to
    ``want`` is expected (a refused walk's line goes to ``log``, as the kernel logs it)."""
    if off == 0 and have is want:
        return True
    if strict or vmlinux_btf() is None:
        return False
    type_id = have.type_id
    for _ in range(_MAX_NESTING):
        try:
            walk = struct_walk(type_id, off, 1)
        except WalkError as exc:
            if log is not None:
                log(exc.message)
            return False
        if walk.answer != WALK_STRUCT:
            return False
        if walk.type_id == want.type_id:
            return True
        type_id, off = walk.type_id, 0
    return False


_SCALAR_STRUCT_NESTING = 3


def is_scalar_struct(
    btf: BTF, t: Struct | Union, depth: int = 0, *, log: Callable[[str], None] | None = None
) -> bool:
    """__btf_type_is_scalar_struct(): every member an integer or enum, an array of them (not empty),
    or such a struct or union (at most 3 deep: "max struct nesting depth exceeded" to ``log``)."""
    for member in t.members:
        mtype = btf[btf.resolve(member.type_id)]
        if isinstance(mtype, (Struct, Union)):
            if depth >= _SCALAR_STRUCT_NESTING:
                if log is not None:
                    log("max struct nesting depth exceeded")
                return False
            if not is_scalar_struct(btf, mtype, depth + 1, log=log):
                return False
            continue
        if isinstance(mtype, Array):
            if not mtype.nelems:
                return False
            mtype = btf[btf.resolve(mtype.elem_type)]
        if not isinstance(mtype, (Int, Enum)):
            return False
    return True
