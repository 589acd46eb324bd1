"""What an ELF object asks for, before anything exists: ``ObjectSpec``, ``ProgramSpec``, ``MapSpec``.

Mirrors cilium/ebpf's ``CollectionSpec`` / ``ProgramSpec`` / ``MapSpec`` and the parts of libbpf's
``struct bpf_object`` / ``bpf_program`` / ``bpf_map`` that ``bpf_object__open`` fills (libbpf.c): plain
data, no file descriptors, no side effects.  A program holds its own instructions as they are in its
section, with every relocation kept as a symbolic :class:`Reference` (a map by name, a global variable
by data section and offset, a called or referenced function by section and instruction, an extern by
name); loading (``pybpf.elf.loader``) turns the references into fds and indices.  Everything here may
be edited between opening and loading: a map's ``max_entries``, a program's ``prog_type``, the
initial bytes of a ``.rodata`` constant.

Instruction positions are 8-byte slots (an ``lddw`` takes two), as in the kernel's verifier log.
"""

from __future__ import annotations

import bisect
import enum
from dataclasses import dataclass, field

from pybpf import uapi
from pybpf.btf.ext import CoreRelo, FuncInfo, LineInfo
from pybpf.btf.types import BTF
from pybpf.isa.instruction import Instruction, decode_program

__all__ = [
    "ExternSpec",
    "KconfigType",
    "MapKind",
    "MapSpec",
    "ObjectSpec",
    "PinType",
    "ProgramSpec",
    "RefKind",
    "Reference",
    "StructOpsSpec",
]


class RefKind(enum.Enum):
    """What a relocated instruction refers to (libbpf's ``enum reloc_type``)."""

    MAP = "map"
    """``lddw rX, map`` of a map (BPF_PSEUDO_MAP_FD): ``target`` is the map's name."""
    MAP_VALUE = "map_value"
    """``lddw rX, &var`` of global data (BPF_PSEUDO_MAP_VALUE): ``target`` the data map, ``offset`` the
    byte offset in its value (added to the instruction's own immediate)."""
    CALL = "call"
    """A bpf-to-bpf call: ``section``/``offset`` the called function's first instruction."""
    FUNC = "func"
    """``lddw rX, func`` of a callback (BPF_PSEUDO_FUNC): ``section``/``offset`` as for CALL."""
    EXTERN = "extern"
    """``lddw rX, &extern`` of a kconfig/ksym variable: ``target`` is the extern's name."""
    KFUNC = "kfunc"
    """A call of an extern (kernel) function: ``target`` is its name."""


@dataclass(frozen=True, slots=True)
class Reference:
    """One relocation of one instruction of a function, kept by name.

    ``insn`` is the instruction's slot in the function (0 = its first instruction).
    """

    insn: int
    kind: RefKind
    target: str = ""
    offset: int = 0
    section: str = ""


@dataclass
class ProgramSpec:
    """A function of the object: an entry-point program, or a subprogram (``.text``) programs call.

    ``code`` holds the function's own instructions as raw bytes (8 per slot), unrelocated; ``offset`` is
    the slot of its first instruction in ``section``.  ``func_info`` / ``line_info`` / ``core_relos``
    count instructions from the function's start.
    """

    name: str
    section: str
    offset: int
    code: bytes
    prog_type: int = 0
    expected_attach_type: int = 0
    prog_flags: int = 0
    attach_target: str = ""
    attach_prog_fd: int = 0
    """The program whose function ``attach_target`` names, for freplace (libbpf's
    ``bpf_program__set_attach_target``; 0: a kernel target)."""
    license: str = ""
    kernel_version: int = 0
    references: list[Reference] = field(default_factory=list)
    func_info: list[FuncInfo] = field(default_factory=list)
    line_info: list[LineInfo] = field(default_factory=list)
    core_relos: list[CoreRelo] = field(default_factory=list)
    is_subprogram: bool = False
    is_global: bool = True
    autoload: bool = True
    """Load this program with the object (libbpf's ``bpf_program__set_autoload``)."""

    @property
    def slots(self) -> int:
        """Number of 8-byte instruction slots."""
        return len(self.code) // 8

    @property
    def instructions(self) -> list[Instruction]:
        """The instructions decoded (``InstructionError`` if they are not valid)."""
        return decode_program(self.code)

    @property
    def source_file(self) -> str:
        """The C file the program came from (its first line_info), or ``""`` without BTF."""
        return self.line_info[0].file if self.line_info else ""


class MapKind(enum.Enum):
    """Where a map's definition came from (libbpf's ``enum libbpf_map_type`` plus the two user forms)."""

    BTF = ".maps"
    """A BTF-defined map in ``.maps`` (``struct { __uint(type, ...); ... } name SEC(".maps")``)."""
    LEGACY = "maps"
    """A ``struct bpf_map_def`` (or longer variant) in the ``maps`` section."""
    DATA = ".data"
    RODATA = ".rodata"
    BSS = ".bss"
    KCONFIG = ".kconfig"

    @property
    def is_global_data(self) -> bool:
        return self in (MapKind.DATA, MapKind.RODATA, MapKind.BSS, MapKind.KCONFIG)


class PinType(enum.IntEnum):
    """``enum libbpf_pin_type`` (and iproute2's ``PIN_GLOBAL_NS`` for legacy maps, read as BY_NAME)."""

    NONE = 0
    BY_NAME = 1


@dataclass
class StructOpsSpec:
    """What a struct_ops map's variable holds, in the object's own types."""

    type_name: str
    """The struct (``tcp_congestion_ops``): found by name in the kernel's BTF at load."""
    type_id: int
    """The struct's id in the object's BTF."""
    data: bytes
    programs: dict[int, str] = field(default_factory=dict)
    """Byte offset of a function-pointer member -> the program its relocation names."""


@dataclass
class MapSpec:
    """A map the object defines, as ``BPF_MAP_CREATE`` will be asked for it.

    ``name`` is how the object names it: the C variable for a user map, the section name
    (``.rodata``, ``.data.counters``, ``.kconfig``) for global data.  ``kernel_name`` is the name the
    kernel is given (libbpf's ``internal_map_name`` for global data: ``<object>.rodata``).
    ``contents`` are the initial slots of a map-in-map (index -> map name) or prog array
    (index -> program name); ``data`` the initial value of a global-data map.
    """

    name: str
    map_type: int
    key_size: int
    value_size: int
    max_entries: int
    flags: int = 0
    numa_node: int = 0
    map_extra: int = 0
    pinning: PinType = PinType.NONE
    kind: MapKind = MapKind.BTF
    kernel_name: str = ""
    key_type_id: int = 0
    value_type_id: int = 0
    inner: MapSpec | None = None
    contents: dict[int, str] = field(default_factory=dict)
    data: bytearray | None = None
    section: str = ""
    offset: int = 0
    """Byte offset of the definition in its section (the symbol's value)."""
    data_offset: int = 0
    """Where ``data`` goes in the map: 0 (global data's one value), or for an arena the start of its last
    pages (libbpf's ``arena_data_off``: the ``.addr_space.1`` variables live at the arena's end)."""
    struct_ops: StructOpsSpec | None = None
    """A struct_ops map's variable (``.struct_ops`` / ``.struct_ops.link``), else None."""
    autocreate: bool = True
    """Create the map when the object loads (libbpf's ``bpf_map__set_autocreate``); a map left out
    poisons every ``lddw`` that refers to it (see ``pybpf.elf.relocate``)."""

    @property
    def frozen(self) -> bool:
        """Global data the kernel must not let user space change after initialization (.rodata, .kconfig)."""
        return self.kind in (MapKind.RODATA, MapKind.KCONFIG)

    @property
    def is_map_in_map(self) -> bool:
        return self.map_type in (uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS, uapi.BPF_MAP_TYPE_HASH_OF_MAPS)


class KconfigType(enum.Enum):
    """libbpf's ``enum kcfg_type``: how a kconfig extern's value is written."""

    UNKNOWN = "unknown"
    BOOL = "bool"
    CHAR = "char"
    TRISTATE = "tristate"
    INT = "int"
    CHAR_ARRAY = "char_array"


@dataclass(frozen=True)
class ExternSpec:
    """An ``extern`` variable the object needs resolved: a kconfig value in ``.kconfig`` or a kernel
    symbol in ``.ksyms`` (``section``), at ``offset`` in the ``.kconfig`` map's value."""

    name: str
    section: str
    type_id: int = 0
    size: int = 0
    align: int = 1
    signed: bool = False
    kconfig_type: KconfigType = KconfigType.UNKNOWN
    weak: bool = False
    is_function: bool = False
    offset: int = 0


@dataclass
class ObjectSpec:
    """Everything one ELF object asks for: its programs, maps, BTF and externs.

    ``programs`` holds the entry points by function name; ``functions`` every function (entry points and
    ``.text`` subprograms) in section order, which is what linking searches.
    """

    name: str
    path: str = ""
    license: str = ""
    kernel_version: int = 0
    programs: dict[str, ProgramSpec] = field(default_factory=dict)
    functions: list[ProgramSpec] = field(default_factory=list)
    maps: dict[str, MapSpec] = field(default_factory=dict)
    externs: dict[str, ExternSpec] = field(default_factory=dict)
    btf: BTF | None = None
    """The object's BTF with libbpf's fixups (DATASEC sizes and offsets from the ELF symbols)."""
    func_info_rec_size: int = 8
    line_info_rec_size: int = 16
    _function_index: tuple[object, dict[str, tuple[tuple[int, ...], tuple[ProgramSpec, ...]]]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def function_at(self, section: str, slot: int) -> ProgramSpec | None:
        """The function of ``section`` whose instructions include ``slot`` (a binary search)."""
        starts, functions = self._index().get(section, ((), ()))
        i = bisect.bisect_right(starts, slot) - 1
        if i >= 0 and slot < functions[i].offset + functions[i].slots:
            return functions[i]
        return None

    def function_starting_at(self, section: str, slot: int) -> ProgramSpec | None:
        """The function of ``section`` whose first instruction is ``slot``."""
        found = self.function_at(section, slot)
        return found if found is not None and found.offset == slot else None

    def _index(self) -> dict[str, tuple[tuple[int, ...], tuple[ProgramSpec, ...]]]:
        key = tuple((id(f), f.section, f.offset) for f in self.functions)
        if self._function_index is None or self._function_index[0] != key:
            by_section: dict[str, list[ProgramSpec]] = {}
            for f in sorted(self.functions, key=lambda f: f.offset):
                by_section.setdefault(f.section, []).append(f)
            index = {name: (tuple(f.offset for f in fs), tuple(fs)) for name, fs in by_section.items()}
            self._function_index = (key, index)
        return self._function_index[1]

    def data_map(self, section: str) -> MapSpec | None:
        """The global-data map of an ELF section (``.rodata``, ``.bss`` ...)."""
        found = self.maps.get(section)
        return found if found is not None and found.kind.is_global_data else None
