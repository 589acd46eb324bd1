"""ELF objects: read what clang compiles into specs (``read_object``), then load them through bpf().

Mirrors libbpf's ``bpf_object__open`` / ``bpf_object__load`` split (DESIGN.md principle 5): reading gives
an :class:`ObjectSpec` -- plain data, no fds -- and ``pybpf.elf.loader`` turns it into live maps and
programs through ``Backend.bpf`` only.  Modules: ``reader`` (pyelftools underneath), ``sections`` (the
SEC() table), ``maps`` / ``globaldata`` / ``externs`` (what becomes a map), ``btf_fixup``, ``collect``
(the spec), ``core`` (CO-RE), ``link`` (subprograms and relocations), ``log`` (verifier logs with C
source lines), ``loader``.
"""

from pybpf.elf.collect import read_object
from pybpf.elf.errors import ELFError
from pybpf.elf.sections import SECTION_DEFS, ProgramKind, SectionDef, find_section_def, program_kind
from pybpf.elf.spec import (
    ExternSpec,
    KconfigType,
    MapKind,
    MapSpec,
    ObjectSpec,
    PinType,
    ProgramSpec,
    Reference,
    RefKind,
)

__all__ = [
    "SECTION_DEFS",
    "ELFError",
    "ExternSpec",
    "KconfigType",
    "MapKind",
    "MapSpec",
    "ObjectSpec",
    "PinType",
    "ProgramKind",
    "ProgramSpec",
    "RefKind",
    "Reference",
    "SectionDef",
    "find_section_def",
    "program_kind",
    "read_object",
]
