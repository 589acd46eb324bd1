"""One register's abstract state and its log format: the kernel's ``struct bpf_reg_state``.

Mirrors include/linux/bpf_verifier.h (type, fixed ``off``, ``id`` / ``ref_obj_id``, the map of map
pointers and values, the packet ``range``, the memory size, the frame of a stack pointer, the
``precise`` mark of a checkpoint's scalar (``pybpf.verifier.precision``; printed ``P``), and the
numeric half held by ``pybpf.verifier.bounds.Bounds``) and print_reg_state() / print_scalar_ranges()
in kernel/bpf/log.c: ``R1=ctx()``, ``R10=fp0``, ``R2=scalar(smin=0,smax=umax=255,var_off=(0x0;
0xff))``, ``R0=map_value_or_null(id=1,map=m,ks=4,vs=8)``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from pybpf.objects.forking import fork_safe
from pybpf.verifier import bounds, tnum
from pybpf.verifier.bounds import S32_MAX, S32_MIN, S64_MAX, S64_MIN, Bounds
from pybpf.verifier.kernel_btf import KernelType
from pybpf.verifier.load_thread import LOAD
from pybpf.verifier.regtypes import PACKET_TYPES, RegType, TypeFlag, type_str
from pybpf.verifier.tnum import U32, U64

ADD_CONST64 = 1 << 31
ADD_CONST32 = 1 << 30
ADD_CONST = ADD_CONST64 | ADD_CONST32
"""BPF_ADD_CONST{64,32}: the id marks a register linked to another as ``id + off`` (after a 64- or
32-bit ``+= const`` / ``-= const``)."""


class RegState(Bounds):
    __slots__ = ("flags", "frameno", "id", "map", "mem_size", "off", "precise", "range", "ref_obj_id", "type")

    def __init__(self, o: RegState | None = None) -> None:
        if o is None:
            super().__init__()
            self.type = RegType.NOT_INIT
            self.flags = TypeFlag.NONE
            self.off = 0
            self.id = 0
            self.ref_obj_id = 0
            self.range = 0
            self.map: Any = None  # the MapRef of a map pointer / map value; a PTR_TO_FUNC's FuncTarget
            self.mem_size = 0
            self.frameno = 0
            self.precise = False  # a checkpoint's scalar whose exact value a later path relied on
            return
        # ``RegState(o)``: a copy of ``o`` (the walker's hottest copy: each pushed branch and
        # checkpoint copies every register), copy_from() written out (the two list every field)
        self.var_off, self.smin, self.smax, self.umin, self.umax = o.var_off, o.smin, o.smax, o.umin, o.umax
        self.smin32, self.smax32, self.umin32, self.umax32 = o.smin32, o.smax32, o.umin32, o.umax32
        self.type, self.flags, self.off, self.id = o.type, o.flags, o.off, o.id
        self.ref_obj_id, self.range, self.map = o.ref_obj_id, o.range, o.map
        self.mem_size, self.frameno, self.precise = o.mem_size, o.frameno, o.precise

    def copy(self) -> RegState:
        return RegState(self)

    def copy_from(self, o: RegState) -> None:
        # every field (Bounds.copy_bounds_from() is the numeric half; __init__ lists them too)
        self.var_off, self.smin, self.smax, self.umin, self.umax = o.var_off, o.smin, o.smax, o.umin, o.umax
        self.smin32, self.smax32, self.umin32, self.umax32 = o.smin32, o.smax32, o.umin32, o.umax32
        self.type, self.flags, self.off, self.id = o.type, o.flags, o.off, o.id
        self.ref_obj_id, self.range, self.map = o.ref_obj_id, o.range, o.map
        self.mem_size, self.frameno, self.precise = o.mem_size, o.frameno, o.precise

    def key(self) -> tuple[Any, ...]:
        """Everything that distinguishes two states of this register (for exact comparison)."""
        if self.type is RegType.NOT_INIT:
            return (0,)
        ref = None if self.map is None else _map_key(self.map)
        return (self.type, self.flags, self.off, self.id, self.ref_obj_id, self.range, ref,
                self.mem_size, self.frameno, *self.bounds_key())  # fmt: skip

    @property
    def is_scalar(self) -> bool:
        return self.type is RegType.SCALAR_VALUE

    @property
    def is_pointer(self) -> bool:
        return self.type not in (RegType.NOT_INIT, RegType.SCALAR_VALUE)

    @property
    def maybe_null(self) -> bool:
        return int(self.flags) & _MAYBE_NULL_BIT != 0  # (plain ints: an enum Flag '&' costs microseconds)

    def type_name(self) -> str:
        return type_str(self.type, self.flags)

    # --- the kernel's mark_reg_* ---

    def mark_unknown(self) -> None:
        """__mark_reg_unknown(): an unknown scalar (every register write starts here: the numeric
        half, bounds.mark_unknown(), written out), precise when the loader lacks CAP_BPF
        (:func:`unprivileged_precision`)."""
        self.type, self.flags = _SCALAR, _NO_FLAGS
        self.off = self.id = self.ref_obj_id = self.range = self.mem_size = self.frameno = 0
        self.map = None
        self.precise = _unprivileged_running and _LOAD.unknown_precise
        self.var_off = _UNKNOWN
        self.smin, self.smax, self.umin, self.umax = S64_MIN, S64_MAX, 0, U64
        self.smin32, self.smax32, self.umin32, self.umax32 = S32_MIN, S32_MAX, 0, U32

    def mark_known(self, value: int) -> None:
        self.mark_unknown()
        bounds.mark_known(self, value)

    def mark_not_init(self) -> None:
        self.mark_unknown()
        self.type = RegType.NOT_INIT

    def mark_pointer(self, reg_type: RegType, flags: TypeFlag = TypeFlag.NONE) -> None:
        """A pointer with a known (zero) variable offset."""
        self.mark_known(0)
        self.type, self.flags = reg_type, flags


_LOAD: Final = LOAD
_unprivileged_running = False
"""Whether an unprivileged verification runs in some thread: only then is the thread's own flag
(``pybpf.verifier.load_thread``) worth asking; a privileged-only process reads this one global."""
_UNPRIVILEGED = fork_safe(threading.Lock())


@contextlib.contextmanager
def unprivileged_precision() -> Iterator[None]:
    """A verification for a loader without CAP_BPF: every scalar starts precise (the kernel's
    ``reg->precise = !env->bpf_capable``).  The flag belongs to this thread's verification only: a
    privileged one running meanwhile in another thread keeps imprecise scalars.  Unprivileged
    verifications run one at a time, as the kernel's take ``bpf_verifier_lock``."""
    global _unprivileged_running
    with _UNPRIVILEGED:
        _LOAD.unknown_precise = _unprivileged_running = True
        try:
            yield
        finally:
            _LOAD.unknown_precise = _unprivileged_running = False


def unknown_precise() -> bool:
    """The precision a new scalar starts with in this thread's verification."""
    return _unprivileged_running and _LOAD.unknown_precise


# (Final: mypyc keeps them in C statics; a plain module name is a dict look-up on each use)
_NON_OWNING: Final = TypeFlag.MEM_ALLOC | TypeFlag.NON_OWN_REF
_MAYBE_NULL_BIT: Final = int(TypeFlag.PTR_MAYBE_NULL)
_SCALAR: Final = RegType.SCALAR_VALUE
_NO_FLAGS: Final = TypeFlag.NONE
_UNKNOWN: Final = tnum.UNKNOWN


@dataclass(frozen=True)
class FuncTarget:
    """What a PTR_TO_FUNC points to: a subprogram (the kernel's ``subprogno``, in the union that
    also holds ``map_ptr``); one object per subprogram, so identity compares them."""

    subprog: int


_FUNC_TARGETS: dict[int, FuncTarget] = {}


def func_target(subprog: int) -> FuncTarget:
    """The FuncTarget of ``subprog`` (always the same object)."""
    target = _FUNC_TARGETS.get(subprog)
    if target is None:
        target = _FUNC_TARGETS[subprog] = FuncTarget(subprog)
    return target


def _map_key(ref: Any) -> object:
    """What identifies a map in an exact state comparison: its object (an inner map's template by value)."""
    if isinstance(ref, (InnerMapMeta, DynptrSlice)):
        return ref
    return id(getattr(ref, "obj", ref))


def is_null(reg: RegState) -> bool:
    """register_is_null(): a scalar known to be 0."""
    return reg.is_scalar and tnum.equals_const(reg.var_off, 0)


def _unum(v: int) -> str:
    v &= U64  # a negative int printed through a u64 (a packet pointer's AT_PKT_END range)
    return str(v) if v <= 0xFFFF else f"{v:#x}"


def _snum(v: int) -> str:
    return str(v) if -0x8000 <= v <= 0x7FFF else f"{v & U64:#x}"


def _scalar_ranges(reg: Bounds) -> list[str]:
    """print_scalar_ranges(): the bounds that say something, equal neighbours merged (a signed 32-bit
    bound outside the decimal range prints as its u32 pattern)."""
    s32min = reg.smin32 if -0x8000 <= reg.smin32 <= 0x7FFF else reg.smin32 & U32
    s32max = reg.smax32 if -0x8000 <= reg.smax32 <= 0x7FFF else reg.smax32 & U32
    names = ("smin", "smax", "umin", "umax", "smin32", "smax32", "umin32", "umax32")
    values = (reg.smin, reg.smax, reg.umin, reg.umax, s32min, s32max, reg.umin32, reg.umax32)
    omit = [
        reg.smin == S64_MIN, reg.smax == S64_MAX, reg.umin == 0, reg.umax == U64,
        reg.smin32 == S32_MIN, reg.smax32 == S32_MAX, reg.umin32 == 0, reg.umax32 == U32,
    ]  # fmt: skip
    out: list[str] = []
    for i, name in enumerate(names):
        if omit[i]:
            continue
        val = values[i]
        negative = name[0] == "s" and val < 0
        text = f"{name}="
        for j in range(i + 2, len(names), 2):
            if omit[j] or values[j] != val or (names[j][0] == "s" and values[j] < 0) != negative:
                continue
            omit[j] = True
            text += f"{names[j]}="
        out.append(text + (_snum(val) if name[0] == "s" else _unum(val)))
    return out


def format_reg(reg: RegState, frameno: int = 0) -> str:
    """print_reg_state()."""
    t = reg.type
    mark = "P" if reg.precise and t is RegType.SCALAR_VALUE else ""
    if t is RegType.SCALAR_VALUE and tnum.is_const(reg.var_off):  # a scalar's off is its link's delta
        return mark + _snum(bounds.s64(reg.var_off.value))
    text = mark + reg.type_name()
    if t is RegType.PTR_TO_ARENA:
        return text  # an arena pointer has nothing more to show
    if t is RegType.PTR_TO_BTF_ID and isinstance(reg.map, KernelType):
        text += reg.map.name  # print_reg_state(): the kernel type's name after the type
    if t is RegType.PTR_TO_STACK:
        if reg.frameno != frameno:
            text += f"[{reg.frameno}]"
        if tnum.is_const(reg.var_off):
            return text + _snum(bounds.s64(reg.var_off.value + reg.off))
    parts: list[str] = []
    if reg.id:
        parts.append(f"id={reg.id & ~ADD_CONST}" + (f"{reg.off:+d}" if reg.id & ADD_CONST else ""))
    if reg.ref_obj_id:
        parts.append(f"ref_obj_id={reg.ref_obj_id}")
    if reg.flags & _NON_OWNING == _NON_OWNING:  # type_is_non_owning_ref()
        parts.append("non_own_ref")
    if (
        t in (RegType.CONST_PTR_TO_MAP, RegType.PTR_TO_MAP_VALUE, RegType.PTR_TO_MAP_KEY)
        and reg.map is not None
    ):
        name = map_name(reg.map)
        if name:
            parts.append(f"map={name}")
        parts.append(f"ks={map_key_size(reg.map)},vs={map_value_size(reg.map)}")
    if t is not RegType.SCALAR_VALUE and reg.off:
        parts.append("off=" + _snum(reg.off))
    if t in PACKET_TYPES:
        parts.append("r=" + _unum(reg.range))
    if t is RegType.PTR_TO_MEM:
        parts.append("sz=" + _unum(reg.mem_size))
        buf = reg.map.buffer if isinstance(reg.map, DynptrSlice) else None
        if buf is not None:
            parts.append(f"buf=fp[{buf.frameno}]{buf.off:+d}+{buf.size}")
    if t is RegType.CONST_PTR_TO_DYNPTR and reg.map is not None:  # (the dynptr's type, where known)
        parts.append(f"type={reg.map.name}")
    if tnum.is_const(reg.var_off):
        if reg.var_off.value:
            parts.append("imm=" + _snum(bounds.s64(reg.var_off.value)))
    else:
        numbers = bounds_text(reg)
        if numbers:
            parts.append(numbers)
    return text + "(" + ",".join(parts) + ")"


def bounds_text(reg: Bounds) -> str:
    """The ranges and var_off of a register whose var_off is not constant, as print_reg_state()
    writes them (``smin=0,smax=umax=255,var_off=(0x0; 0xff)``).  Remembered by the numbers they are
    made of (a log at level 1 or 2 prints the same few ranges again and again); the table is emptied
    when it fills."""
    key = reg.bounds_key()
    text = _BOUNDS_TEXTS.get(key)
    if text is None:
        parts = _scalar_ranges(reg)
        if not tnum.is_unknown(reg.var_off):
            parts.append("var_off=" + tnum.format_(reg.var_off))
        text = ",".join(parts)
        if len(_BOUNDS_TEXTS) >= BOUNDS_TEXTS_MAX:
            _BOUNDS_TEXTS.clear()
        _BOUNDS_TEXTS[key] = text
    return text


_BOUNDS_TEXTS: dict[tuple[int, ...], str] = {}
BOUNDS_TEXTS_MAX = 4096


# --- what the verifier needs of a map (pybpf.verifier.MapRef; see map_attr) ---


def map_attr(ref: Any, name: str, default: Any) -> Any:
    """An attribute of a map reference: the ref's own, else its map object's creation parameters.

    ``MapRef`` promises ``address`` and ``map_type``; the kernel's MapUse also carries the map
    object (``obj.params``, ``obj.name``).  Unknown attributes answer ``default`` (a check that needs
    them is then skipped)."""
    value = getattr(ref, name, None)
    if value is not None:
        return value
    obj = getattr(ref, "obj", None)
    params = getattr(obj, "params", None)
    if name == "name":
        return getattr(obj, "name", default)
    if name == "map_flags":
        name = "flags"
    return getattr(params, name, default)


@dataclass(frozen=True)
class StackBuffer:
    """The stack buffer a dynptr slice may point into (a PTR_TO_MEM's ``map``): frame, offset and
    size of the buffer given to bpf_dynptr_slice (``dynptr.invalidate_buffer_slices``)."""

    frameno: int
    off: int
    size: int


@dataclass(frozen=True)
class DynptrSlice:
    """What a dynptr slice's PTR_TO_MEM holds in ``map`` (the kernel keeps ``dynptr_id`` in the union
    with ``mem_size``, compared raw when states are): the id of the dynptr it was taken from, whose
    destruction invalidates it (destroy_if_dynptr_stack_slot()), and the stack buffer given to
    bpf_dynptr_slice, if any.  Made by ``dynptr.slice_of`` (one object per value: identity compares)."""

    dynptr_id: int
    buffer: StackBuffer | None


@dataclass(frozen=True)
class InnerMapMeta:
    """A map-in-map's inner map as the verifier knows it: its template (``inner_map_meta``)."""

    map_type: int
    key_size: int
    value_size: int
    max_entries: int
    map_flags: int
    name: bytes = b""


def inner_map_meta(ref: Any) -> InnerMapMeta | None:
    """The inner-map template of a map-in-map reference (from its map object), or None."""
    impl = getattr(getattr(ref, "obj", None), "impl", None)
    template = getattr(impl, "template", None)
    params = template() if callable(template) else None
    if params is None:
        return None
    return InnerMapMeta(params.map_type, params.key_size, params.value_size, params.max_entries, params.flags)


def map_key_size(ref: Any) -> int:
    return int(map_attr(ref, "key_size", 0))


def map_value_size(ref: Any) -> int:
    return int(map_attr(ref, "value_size", 0))


def map_name(ref: Any) -> str:
    raw = map_attr(ref, "name", b"")
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
