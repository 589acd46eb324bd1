"""The kernel's own types for the verifier: bpf_get_btf_vmlinux() and the candidate search by name.

Mirrors bpf_get_btf_vmlinux() and bpf_core_find_cands() / bpf_core_add_cands() of kernel/bpf/btf.c
(Linux 6.18) as btf_get_ptr_to_btf_id() uses them for a global function's ``arg:trusted`` and
``arg:untrusted`` pointers: the types of vmlinux of the same kind whose essential name (the name up
to a ``___flavour`` suffix) is the program type's essential name.

pybpf models the kernel it runs on: the types are the running kernel's ``/sys/kernel/btf/vmlinux``,
parsed once per process on first use (the kernel's answer to such a program depends on that same
file).  Where the file cannot be read there are no kernel types, and every name has no candidate,
as for a kernel built without CONFIG_DEBUG_INFO_BTF.  Module BTF is not searched.
"""

from __future__ import annotations

import functools

from pybpf.btf.kinds import Kind
from pybpf.btf.parse import read_btf_file
from pybpf.btf.types import BTF, BTFError

VMLINUX_BTF = "/sys/kernel/btf/vmlinux"


@functools.cache
def vmlinux_btf() -> BTF | None:
    """The running kernel's types, or None when they cannot be read."""
    try:
        return read_btf_file(VMLINUX_BTF)
    except (OSError, BTFError):
        return None


def essential_name(name: str) -> str:
    """bpf_core_essential_name_len(): ``name`` without a ``___flavour`` suffix (X___Y, X and Y not
    underscores)."""
    for i in range(len(name) - 5, -1, -1):
        if name[i] != "_" and name[i + 1 : i + 4] == "___" and name[i + 4] != "_":
            return name[: i + 1]
    return name


def find_candidates(kind: Kind, name: str) -> list[int]:
    """bpf_core_find_cands() in vmlinux: the ids of the types of ``kind`` that ``name`` may mean."""
    btf = vmlinux_btf()
    if btf is None or not name:
        return []
    wanted = essential_name(name)
    return [
        type_id
        for type_id in _ids_starting_with(btf, wanted)
        if btf[type_id].kind == kind and essential_name(btf[type_id].name) == wanted
    ]


def _ids_starting_with(btf: BTF, prefix: str) -> list[int]:
    """The ids of ``btf``'s named types whose name starts with ``prefix`` (strncmp's test)."""
    return [type_id for type_id, t in btf if t.name.startswith(prefix)]
