"""Names of the kernel's BPF helper functions, by helper id.

Mirrors the names the kernel verifier log prints for ``call`` (kernel/bpf/disasm.c: ``func_id_str[]``,
built from ``__BPF_FUNC_MAPPER`` as ``"bpf_" #name``, so ``call bpf_map_lookup_elem#1``).  The ids and
names are those of ``enum bpf_func_id`` in ``pybpf.uapi`` (generated from the kernel's BTF): helper
``BPF_FUNC_<name>`` is ``bpf_<name>`` here.

Both assembly syntaxes accept ``call <name>`` for these helpers; the kernel-syntax disassembler prints
the name next to the id.
"""

from __future__ import annotations

from pybpf.uapi import bpf_func_id

_ENUM_PREFIX = "BPF_FUNC_"

HELPER_NAMES: dict[int, str] = {
    int(member): "bpf_" + member.name.removeprefix(_ENUM_PREFIX) for member in bpf_func_id
}
"""helper id -> ``bpf_<name>`` as the kernel prints it."""

HELPER_IDS: dict[str, int] = {name: helper_id for helper_id, name in HELPER_NAMES.items()}
"""``bpf_<name>`` -> helper id."""


def helper_name(helper_id: int) -> str | None:
    """The kernel's name of a helper (``bpf_map_lookup_elem``), or None for an unknown id."""
    return HELPER_NAMES.get(helper_id)


def helper_id(name: str) -> int | None:
    """The id of a helper given by its kernel name (``bpf_map_lookup_elem``), or None."""
    return HELPER_IDS.get(name)
