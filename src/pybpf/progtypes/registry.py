"""The registry of program types: ``BPF_PROG_TYPE_*`` number -> ``ProgType`` instance.

Mirrors the kernel's ``bpf_prog_types[]`` table (include/linux/bpf_types.h): BPF_PROG_LOAD looks
the type up (``find_prog_type``) and a type with no entry is refused with EINVAL.  Type modules
register themselves with ``@register`` when imported; they are imported lazily on the first
lookup, and a module that does not exist yet is skipped.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from pybpf.progtypes.base import ProgType

_REGISTRY: dict[int, ProgType] = {}
_loaded = False
_BUILTIN: tuple[str, ...] = (
    "pybpf.progtypes.xdp",
    "pybpf.progtypes.generic",
    "pybpf.progtypes.socket_filter",
    "pybpf.progtypes.sched_cls",
    "pybpf.progtypes.tracing",
    "pybpf.progtypes.sk_skb",
    "pybpf.progtypes.sk_msg",
    "pybpf.progtypes.sk_reuseport",
    "pybpf.progtypes.btf_tracing",
    "pybpf.progtypes.cgroup_skb",
    "pybpf.progtypes.cgroup_sock",
    "pybpf.progtypes.sock_addr",
    "pybpf.progtypes.sock_ops",
    "pybpf.progtypes.cgroup_misc",
    "pybpf.progtypes.lwt",
    "pybpf.progtypes.flow_dissector",
    "pybpf.progtypes.sk_lookup",
    "pybpf.progtypes.struct_ops",
    "pybpf.progtypes.netfilter",
    "pybpf.progtypes.raw_tp_writable",
    "pybpf.progtypes.lirc",
    "pybpf.progtypes.ext",
)
"""Modules that register the built-in program types when imported."""


def register(cls: type[ProgType]) -> type[ProgType]:
    """Class decorator: register an instance of ``cls`` for ``cls.prog_type``."""
    _REGISTRY[cls.prog_type] = cls()
    return cls


def register_as(prog_type: int, name: str) -> Callable[[type[ProgType]], type[ProgType]]:
    """Class decorator for a class serving several types (e.g. SCHED_CLS and SCHED_ACT)."""

    def decorate(cls: type[ProgType]) -> type[ProgType]:
        alias = type(cls.__name__, (cls,), {"prog_type": prog_type, "name": name})
        _REGISTRY[prog_type] = alias()
        return cls

    return decorate


def _load_builtin() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in _BUILTIN:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:  # the module exists but something it imports is missing
                raise


def get_prog_type(prog_type: int) -> ProgType | None:
    """The implementation of ``prog_type``, or None when pybpf does not (yet) have it."""
    _load_builtin()
    return _REGISTRY.get(prog_type)


def prog_types() -> dict[int, ProgType]:
    """Every registered program type, by number."""
    _load_builtin()
    return dict(sorted(_REGISTRY.items()))
