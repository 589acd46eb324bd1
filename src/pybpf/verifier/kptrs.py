"""kptrs: kernel-object pointers stored in map values, and bpf_kptr_xchg().

Mirrors Linux 6.18:

* kernel/bpf/btf.c btf_parse_fields() / btf_find_kptr() / btf_parse_kptr() for BPF_KPTR_UNREF
  (``__kptr_untrusted``), BPF_KPTR_REF (``__kptr``) and BPF_KPTR_PERCPU (``__percpu_kptr``): a
  member (of the value struct, of nested structs, of arrays of either, or a DATASEC variable) whose
  type is a pointer (``volatile`` allowed) to a TYPE_TAG of that name, 8-aligned, whose pointee is a
  struct.  The struct is looked up by name in the kernel's BTF (``kernel_btf``); one found there is a
  kernel type, which a ``__kptr`` may hold only when the kernel registers a destructor for it
  (task_struct, cgroup, bpf_cpumask, bpf_crypto_ctx); one not found is the program's own type (a
  ``LocalType``: what bpf_obj_new() allocates).  A referenced kptr to a kernel type without a
  destructor, a second type tag on the pointer, an unknown tag, a pointee that is no struct or more
  than BTF_FIELDS_MAX fields make the whole record an error (``KptrError``), which the kernel keeps
  as the map's record: such a map is created and has no special fields at all — but a struct with
  a well-formed kptr member must parse already at BPF_BTF_LOAD (btf_parse_struct_metas():
  ``check_struct_metas``), so a referenced kptr to a kernel type without a destructor is ENOENT
  there;
* kernel/bpf/syscall.c map_check_btf() (``check_map_creation``): a map whose values hold kptrs is
  one of the hash, array, LRU, per-CPU and local-storage types (else EOPNOTSUPP) and neither
  BPF_F_RDONLY_PROG nor BPF_F_WRONLY_PROG (EACCES);
* kernel/bpf/verifier.c check_map_access() (``check_field_access``: "kptr access cannot have
  variable offset", "kptr access misaligned expected=%u off=%llu", "kptr access size must be
  BPF_DW", "kptr cannot be accessed indirectly by helper") and check_map_kptr_access(): only
  BPF_MEM loads and stores ("kptr in map can only be accessed using BPF_MEM instruction mode"); a
  load gives PTR_TO_BTF_ID | PTR_MAYBE_NULL with a new id, MEM_RCU for a referenced kptr of an
  RCU-protected type read inside an RCU read-side section (any non-sleepable program, a held
  bpf_rcu_read_lock or spin lock: btf_ld_kptr_type()), else PTR_UNTRUSTED; a store to a referenced
  kptr is "store to referenced kptr disallowed", BPF_ST stores only 0 ("BPF_ST imm must be 0 when
  storing to kptr at off=%u"), a register stored into an unreferenced kptr is NULL or a pointer of
  its type (map_kptr_match_type(): "invalid kptr access, R%d type=%s expected=%s");
* process_kptr_func() for bpf_kptr_xchg's ARG_KPTR_XCHG_DEST ("map '%s' has to have BTF in order to
  use bpf_kptr_xchg", "R%d doesn't have constant offset. kptr has to be at the constant offset",
  "R%d has no valid kptr", "off=%d doesn't point to kptr", "off=%d kptr isn't referenced kptr"), its
  value argument (NULL, or a referenced pointer of the field's type, released by the call) and its
  result: an acquired PTR_TO_BTF_ID_OR_NULL of the field's type (MEM_ALLOC for a program type).

Not modelled: kptrs inside allocated objects (the destination is always a map value here),
bpf_obj_new()/bpf_obj_drop() and the graph fields (bpf_list_head, bpf_rb_root), uptrs; a pointer at
a non-zero offset into a struct whose first member is the kptr's type (btf_struct_ids_match()'s
walk) is refused where the kernel would accept it.
"""

from __future__ import annotations

import enum
import errno
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pybpf.btf.kinds import Kind
from pybpf.btf.types import BTF, Datasec, Ptr, Struct, TypeTag, Var, Volatile
from pybpf.isa import opcodes as op
from pybpf.uapi import (
    BPF_F_RDONLY_PROG,
    BPF_F_WRONLY_PROG,
    BPF_MAP_TYPE_ARRAY,
    BPF_MAP_TYPE_CGRP_STORAGE,
    BPF_MAP_TYPE_HASH,
    BPF_MAP_TYPE_INODE_STORAGE,
    BPF_MAP_TYPE_LRU_HASH,
    BPF_MAP_TYPE_LRU_PERCPU_HASH,
    BPF_MAP_TYPE_PERCPU_ARRAY,
    BPF_MAP_TYPE_PERCPU_HASH,
    BPF_MAP_TYPE_SK_STORAGE,
    BPF_MAP_TYPE_TASK_STORAGE,
)
from pybpf.verifier import kernel_btf, references, tnum
from pybpf.verifier.kernel_btf import KernelType
from pybpf.verifier.record_error import MAX_RESOLVE_DEPTH, SPECIAL_STRUCTS
from pybpf.verifier.registers import check_ptr_off_reg
from pybpf.verifier.regstate import RegState, is_null, map_name
from pybpf.verifier.regtypes import RegType, TypeFlag, type_str

if TYPE_CHECKING:
    from pybpf.isa.instruction import Instruction
    from pybpf.verifier.do_check import Walker

KPTR_SIZE = 8
BTF_FIELDS_MAX = 11


class KptrKind(enum.Enum):
    """The field types of a kptr (``enum btf_field_type``)."""

    UNREF = "kptr_untrusted"  # BPF_KPTR_UNREF
    REF = "kptr"  # BPF_KPTR_REF
    PERCPU = "percpu_kptr"  # BPF_KPTR_PERCPU


@dataclass(frozen=True)
class LocalType(KernelType):
    """A struct of the map's own BTF that a kptr points to (btf_is_kernel() false: an object the
    program allocates)."""


@dataclass(frozen=True)
class KptrField:
    """One kptr of a map value: its offset, kind and the struct it points to."""

    off: int
    kind: KptrKind
    target: KernelType

    @property
    def name(self) -> str:
        """btf_field_type_name()."""
        return "percpu_kptr" if self.kind is KptrKind.PERCPU else "kptr"

    @property
    def local(self) -> bool:
        return isinstance(self.target, LocalType)


class KptrError(Exception):
    """A value type whose kptr fields the kernel refuses (btf_parse_fields()'s error)."""

    def __init__(self, err: int, message: str) -> None:
        super().__init__(message)
        self.errno = err


_DTOR_TYPES = frozenset(
    {"task_struct", "cgroup", "bpf_cpumask", "bpf_crypto_ctx", "prog_test_ref_kfunc", "prog_test_member"}
)
"""The kernel types with a registered destructor kfunc (btf_find_dtor_kfunc()): the only ones a
referenced kptr may hold (helpers.c, cpumask.c, crypto.c; net/bpf/test_run.c registers
bpf_kfunc_call_test_release_dtor and bpf_kfunc_call_memb_release_dtor for the selftests' two types)."""
_RCU_PROTECTED = frozenset({"task_struct", "cgroup", "bpf_cpumask", "bpf_crypto_ctx", "prog_test_ref_kfunc"})
"""rcu_protected_types: the kernel types whose referenced kptrs load as MEM_RCU in an RCU section."""
_KPTR_MAP_TYPES = frozenset(
    {
        BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH,
        BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_SK_STORAGE, BPF_MAP_TYPE_INODE_STORAGE,
        BPF_MAP_TYPE_TASK_STORAGE, BPF_MAP_TYPE_CGRP_STORAGE,
    }
)  # fmt: skip
"""map_check_btf(): the map types whose values may hold kptrs."""


# --- the fields of a value type (btf_parse_fields) ---------------------------------------------


def find_kptr_fields(btf: BTF, type_id: int) -> tuple[KptrField, ...]:
    """btf_parse_fields(BPF_KPTR) on the value type ``type_id`` of ``btf``: the kptrs in offset
    order (KptrError for a value the kernel refuses)."""
    found: list[tuple[int, KptrKind, int]] = []
    t = btf[type_id]
    if isinstance(t, Struct):
        _in_struct(btf, t, 0, 0, found)
    elif isinstance(t, Datasec):
        for info in t.vars:
            var = btf[info.type_id]
            if isinstance(var, Var):
                _field_one(btf, var.type_id, info.offset, 0, found)
    if len(found) > BTF_FIELDS_MAX:
        raise KptrError(errno.E2BIG, "more than BTF_FIELDS_MAX special fields")
    return tuple(sorted((_parse_kptr(btf, off, kind, target) for off, kind, target in found), key=_offset))


def _offset(field: KptrField) -> int:
    return field.off


def _in_struct(btf: BTF, t: Struct, base: int, level: int, found: list[tuple[int, KptrKind, int]]) -> None:
    for member in t.members:
        if member.bit_offset % 8:
            raise KptrError(errno.EINVAL, "a value member is not byte aligned")
        _field_one(btf, member.type_id, base + member.bit_offset // 8, level, found)


def _field_one(btf: BTF, type_id: int, off: int, level: int, found: list[tuple[int, KptrKind, int]]) -> None:
    """btf_find_field_one() for kptrs: arrays flattened, a tagged pointer, or a nested struct."""
    elem_id, nelems = btf.array_elements(type_id)
    t = btf[elem_id]
    if nelems == 0:
        return
    if isinstance(t, Volatile):
        t = btf[t.type_id]
    if isinstance(t, Ptr):
        tag = btf[t.type_id]
        if not isinstance(tag, TypeTag) or tag.kind_flag or off % KPTR_SIZE:
            return  # a plain pointer (or a misaligned one): data
        if isinstance(btf[tag.type_id], TypeTag):
            raise KptrError(errno.EINVAL, "a kptr with two type tags")
        try:
            kind = KptrKind(tag.name)
        except ValueError:
            raise KptrError(errno.EINVAL, f"unknown pointer tag {tag.name!r}") from None
        target = btf.resolve(tag.type_id)
        if not isinstance(btf[target], Struct):
            raise KptrError(errno.EINVAL, "a kptr must point to a struct")
        found.extend((off + i * KPTR_SIZE, kind, target) for i in range(nelems))
    elif isinstance(t, Struct) and level < MAX_RESOLVE_DEPTH and t.name not in SPECIAL_STRUCTS:
        for i in range(nelems):
            _in_struct(btf, t, off + i * t.size, level + 1, found)


def _parse_kptr(btf: BTF, off: int, kind: KptrKind, target_id: int) -> KptrField:
    """btf_parse_kptr(): the pointee found in the kernel's BTF by name, else the program's own."""
    t = btf[target_id]
    kernel = kernel_btf.kernel_struct(t.name)
    if kernel is None:
        return KptrField(off, kind, LocalType(target_id, t.name, Kind.STRUCT, btf.size_of(target_id)))
    if kind is KptrKind.REF and kernel.name not in _DTOR_TYPES:
        raise KptrError(errno.ENOENT, f"no destructor for a referenced kptr to struct {kernel.name}")
    return KptrField(off, kind, kernel)


def _is_kptr_pointer(btf: BTF, type_id: int) -> bool:
    """btf_find_kptr() finds a kptr in a pointer of type ``type_id`` (an untagged, twice-tagged or
    unknown-tagged pointer, or one to no struct, is none)."""
    t = btf[type_id]
    if not isinstance(t, Ptr):
        return False
    tag = btf[t.type_id]
    if not isinstance(tag, TypeTag) or tag.kind_flag or isinstance(btf[tag.type_id], TypeTag):
        return False
    return tag.name in _TAGS and isinstance(btf[btf.resolve(tag.type_id)], Struct)


_TAGS = frozenset({kind.value for kind in KptrKind})


def check_struct_metas(btf: BTF) -> None:
    """btf_parse_struct_metas() at BPF_BTF_LOAD for kptrs: a struct with a kptr member must have
    fields btf_parse_fields() accepts (KptrError: the load fails with its errno)."""
    for type_id, t in btf:
        if isinstance(t, Struct) and any(_is_kptr_pointer(btf, m.type_id) for m in t.members):
            find_kptr_fields(btf, type_id)


def check_map_creation(fields: tuple[KptrField, ...], map_type: int, map_flags: int) -> None:
    """map_check_btf()'s rules for a value with kptrs (KptrError)."""
    if not fields:
        return
    if map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG):
        raise KptrError(errno.EACCES, "maps with special fields cannot be read- or write-only for programs")
    if map_type not in _KPTR_MAP_TYPES:
        raise KptrError(errno.EOPNOTSUPP, "this map type cannot hold kptrs")


_Field = TypeVar("_Field")
_CACHE_LIMIT = 64
_records: dict[tuple[str, int, int], tuple[BTF, tuple[Any, ...]]] = {}
"""(field kind, id(btf), value type id) -> (the BTF, kept alive so that its id is not reused; the
fields of that kind)."""


def value_record(
    map_ref: Any, kind: str, find: Callable[[BTF, int], tuple[_Field, ...]]
) -> tuple[_Field, ...]:
    """``map->record``'s special fields of one kind (btf_parse_fields(), once per value type):
    what ``find`` answers for the map's value type (none for a map without BTF)."""
    value_btf = getattr(map_ref, "value_btf", None)
    if value_btf is None:
        return ()
    btf, type_id = value_btf
    key = (kind, id(btf), type_id)
    cached = _records.get(key)
    if cached is None:
        if len(_records) >= _CACHE_LIMIT:
            _records.clear()
        cached = _records[key] = (btf, find(btf, type_id))
    return cached[1]


def _kptr_record(btf: BTF, type_id: int) -> tuple[KptrField, ...]:
    try:
        return find_kptr_fields(btf, type_id)
    except KptrError:  # a record the kernel drops
        return ()


def kptr_fields(map_ref: Any) -> tuple[KptrField, ...]:
    """``map->record``'s kptrs (none for a map without BTF, or whose record the kernel dropped)."""
    return value_record(map_ref, "kptr", _kptr_record)


def field_at(map_ref: Any, off: int) -> KptrField | None:
    """btf_record_find(BPF_KPTR): the kptr at exactly ``off``."""
    for field in kptr_fields(map_ref):
        if field.off == off:
            return field
    return None


# --- loads and stores (check_map_access, check_map_kptr_access) -------------------------------


def check_field_access(
    w: Walker, reg: RegState, off: int, size: int, field: KptrField, *, direct: bool
) -> None:
    """check_map_access() of an access that touches the kptr ``field``."""
    if not direct:
        w.fail(errno.EACCES, f"{field.name} cannot be accessed indirectly by helper")
    if not tnum.is_const(reg.var_off):
        w.fail(errno.EACCES, f"{field.name} access cannot have variable offset")
    at = off + reg.var_off.value
    if field.off != at:
        w.fail(errno.EACCES, f"{field.name} access misaligned expected={field.off} off={at}")
    if size != KPTR_SIZE:
        w.fail(errno.EACCES, f"{field.name} access size must be BPF_DW")


def check_map_kptr_access(
    w: Walker, insn: Instruction, value_regno: int, field: KptrField
) -> RegState | None:
    """check_map_kptr_access(): the kptr accessed by ``insn``; for a load, the register it gives."""
    if insn.opcode & 0xE0 != op.BPF_MEM:
        w.fail(errno.EACCES, "kptr in map can only be accessed using BPF_MEM instruction mode")
    cls = insn.opcode & 0x07
    if cls != op.BPF_LDX and field.kind is not KptrKind.UNREF:
        w.fail(errno.EACCES, "store to referenced kptr disallowed")
    if cls == op.BPF_LDX:
        loaded = RegState()
        loaded.mark_pointer(RegType.PTR_TO_BTF_ID, _loaded_flags(w, field))
        loaded.map = field.target
        loaded.id = w.new_id()
        return loaded
    if cls == op.BPF_STX:
        value = w.state.cur.regs[value_regno]
        if is_null(value):
            w.mark_chain_precision(value_regno)  # the NULL is relied on exactly
        else:
            match_type(w, field, value, value_regno)
    elif insn.imm:
        w.fail(errno.EACCES, f"BPF_ST imm must be 0 when storing to kptr at off={field.off}")
    return None


def _loaded_flags(w: Walker, field: KptrField) -> TypeFlag:
    """btf_ld_kptr_type()."""
    flags = TypeFlag.PTR_MAYBE_NULL
    rcu_safe = field.kind is KptrKind.PERCPU or (
        field.kind is KptrKind.REF and (field.local or field.target.name in _RCU_PROTECTED)
    )
    if rcu_safe and references.in_rcu_cs(w):
        flags |= TypeFlag.MEM_RCU
        if field.kind is KptrKind.PERCPU:
            flags |= TypeFlag.MEM_PERCPU
        elif field.local:
            flags |= TypeFlag.MEM_ALLOC
        return flags
    return flags | TypeFlag.PTR_UNTRUSTED


def match_type(w: Walker, field: KptrField, reg: RegState, regno: int) -> None:
    """map_kptr_match_type(): ``reg`` is a pointer of the field's type, with only the flags the
    register's BTF allows (a kernel type's: trusted or RCU, untrusted for an unreferenced kptr; the
    program's own: allocated), at offset 0 -- or, for an unreferenced kptr of a kernel type, a
    pointer to a kernel struct whose member at its offset is (or starts with) one of that type
    (btf_struct_ids_match() walks into nested structs, logging the walk's refusal).  A program's own
    type is matched exactly (its walk through the program's BTF is not modelled)."""
    if isinstance(reg.map, LocalType):
        allowed = TypeFlag.PTR_MAYBE_NULL | TypeFlag.MEM_ALLOC
        if field.kind is KptrKind.PERCPU:
            allowed |= TypeFlag.MEM_PERCPU
    else:
        allowed = TypeFlag.PTR_MAYBE_NULL | TypeFlag.PTR_TRUSTED | TypeFlag.MEM_RCU
        if field.kind is KptrKind.UNREF:
            allowed |= TypeFlag.PTR_UNTRUSTED
    reg_name = ""
    percpu_mismatch = (  # a program's object that is not per-CPU, for a __percpu_kptr
        isinstance(reg.map, LocalType)
        and field.kind is KptrKind.PERCPU
        and not reg.flags & TypeFlag.MEM_PERCPU
    )
    if reg.type is RegType.PTR_TO_BTF_ID and not reg.flags & ~allowed and not percpu_mismatch:
        reg_name = reg.map.name if isinstance(reg.map, KernelType) else ""
        check_ptr_off_reg(w, reg, regno, fixed_off_ok=True)
        if reg.map == field.target and reg.off == 0:
            return
        if (
            field.kind is KptrKind.UNREF  # (a referenced or per-CPU kptr is matched strictly)
            and isinstance(reg.map, KernelType)
            and not isinstance(reg.map, LocalType)
            and not isinstance(field.target, LocalType)
            and kernel_btf.struct_ids_match(reg.map, reg.off, field.target, strict=False, log=w.env.log.line)
        ):
            return
    target = field.target.name
    message = f"invalid kptr access, R{regno} type={reg.type_name()}{reg_name} expected=ptr_{target}"
    if field.kind is KptrKind.UNREF:
        message += f" or {type_str(RegType.PTR_TO_BTF_ID, TypeFlag.PTR_UNTRUSTED)}{target}"
    w.fail(errno.EACCES, message)


# --- bpf_kptr_xchg -----------------------------------------------------------------------------

XCHG_VALUE_TYPES = (
    (RegType.PTR_TO_BTF_ID, TypeFlag.NONE),
    (RegType.PTR_TO_BTF_ID, TypeFlag.PTR_TRUSTED),
    (RegType.PTR_TO_BTF_ID, TypeFlag.MEM_RCU),
)
"""btf_ptr_types: what bpf_kptr_xchg's value argument may be (a local object's MEM_ALLOC aside)."""


def process_kptr_func(w: Walker, regno: int, reg: RegState) -> KptrField:
    """process_kptr_func(): the destination of bpf_kptr_xchg is a referenced kptr of a map value."""
    if reg.type is RegType.PTR_TO_BTF_ID:  # an allocated object's kptrs (not modelled: it has none)
        w.fail(errno.EINVAL, f"R{regno} has no valid kptr")
    map_ref = reg.map
    if getattr(map_ref, "value_btf", None) is None:
        w.fail(errno.EINVAL, f"map '{map_name(map_ref)}' has to have BTF in order to use bpf_kptr_xchg")
    if not tnum.is_const(reg.var_off):
        w.fail(errno.EINVAL, f"R{regno} doesn't have constant offset. kptr has to be at the constant offset")
    if not kptr_fields(map_ref):
        w.fail(errno.EINVAL, f"R{regno} has no valid kptr")
    off = reg.off + reg.var_off.value
    field = field_at(map_ref, off)
    if field is None:
        w.fail(errno.EACCES, f"off={off} doesn't point to kptr")
    if field.kind is KptrKind.UNREF:
        w.fail(errno.EACCES, f"off={off} kptr isn't referenced kptr")
    return field


def check_xchg_value(w: Walker, regno: int, reg: RegState, field: KptrField | None) -> None:
    """check_reg_type() of bpf_kptr_xchg's value argument (not the literal NULL): a BTF pointer of
    the destination's type that cannot be NULL (Linux 6.18 reports a bug of its own for a local
    object that may be NULL: EFAULT)."""
    flags = reg.flags & ~TypeFlag.PTR_MAYBE_NULL
    local = bool(flags & TypeFlag.MEM_ALLOC)
    if local:
        flags &= ~(TypeFlag.MEM_ALLOC | TypeFlag.MEM_PERCPU)
    if (reg.type, flags) not in XCHG_VALUE_TYPES:
        expected = ", ".join(type_str(t, f) for t, f in XCHG_VALUE_TYPES)
        w.fail(errno.EACCES, f"R{regno} type={reg.type_name()} expected={expected}")
    if reg.maybe_null:  # a release argument: NULL only as the literal 0, checked before the type match
        if local:  # check_reg_type()'s switch has no case for a possibly-NULL local object
            w.fail(errno.EFAULT, "verifier bug: invalid PTR_TO_BTF_ID register for type match")
        w.fail(errno.EACCES, f"Possibly NULL pointer passed to helper arg{regno}")
    if field is not None:
        match_type(w, field, reg, regno)


def mark_xchg_result(r0: RegState, field: KptrField | None) -> None:
    """check_helper_call() of bpf_kptr_xchg: r0 is the old pointer, of the field's type."""
    if field is None:
        return
    r0.map = field.target
    if field.local:
        r0.flags |= TypeFlag.MEM_ALLOC
        if field.kind is KptrKind.PERCPU:
            r0.flags |= TypeFlag.MEM_PERCPU


_META_TRIGGERS = frozenset(
    {"bpf_spin_lock", "bpf_res_spin_lock", "bpf_list_head", "bpf_list_node", "bpf_rb_root", "bpf_rb_node",
     "bpf_refcount"}
)  # fmt: skip
"""btf_parse_struct_metas(): the member types that give a struct a record of special fields."""


def object_fields(btf: BTF, type_id: int) -> list[tuple[int, int, str]]:
    """The special fields of a program's struct (offset, size, btf_field_type_name()): none unless a
    member is one of ``_META_TRIGGERS``; then those members and the kptrs."""
    t = btf[type_id]
    if not isinstance(t, Struct):
        return []
    fields = []
    for member in t.members:
        mtype = btf[btf.resolve(member.type_id)]
        if isinstance(mtype, Struct) and mtype.name in _META_TRIGGERS:
            fields.append((member.bit_offset // 8, mtype.size, mtype.name))
    if not fields:
        return []
    try:
        kptr_fields = find_kptr_fields(btf, type_id)
    except KptrError:
        kptr_fields = ()
    return fields + [(f.off, KPTR_SIZE, f.name) for f in kptr_fields]


def check_object_access(w: Walker, reg: RegState, target: LocalType, off: int, size: int) -> None:
    """check_ptr_to_btf_access() of an allocated object (btf_struct_access()): no special field of
    its struct touched ("direct access to %s is disallowed"), then the struct walked in the program's
    BTF (one member at a time, as for a kernel struct: ``kernel_btf.struct_walk``).  A type whose id
    names another struct in the program's BTF (a map's kptr of another BTF) is checked for its size."""
    types = w.env.request.btf_types
    btf = types() if types is not None else None
    t = btf[target.type_id] if btf is not None and 0 < target.type_id < btf.end_id else None
    if btf is None or not isinstance(t, Struct) or t.name != target.name:
        if off + size > target.size:
            w.fail(errno.EACCES, f"access beyond struct {target.name} at off {off} size {size}")
        return
    if reg.flags & TypeFlag.MEM_ALLOC:
        for at, width, name in object_fields(btf, target.type_id):
            if off < at + width and at < off + size:
                w.fail(errno.EACCES, f"direct access to {name} is disallowed")
    try:
        kernel_btf.struct_access(target, off, size, btf)
    except kernel_btf.WalkError as exc:
        w.fail(exc.errno, exc.message)
