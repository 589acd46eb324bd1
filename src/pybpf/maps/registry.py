"""The registry of map types: ``BPF_MAP_TYPE_*`` number -> implementation class.

Mirrors the kernel's ``bpf_map_types[]`` table (``include/linux/bpf_types.h``): BPF_MAP_CREATE
looks the type up here and a type with no entry is refused with EINVAL.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from pybpf.maps.base import MapOps

BUILTIN_MODULES = (
    "pybpf.maps.array",
    "pybpf.maps.hash",
    "pybpf.maps.percpu",
    "pybpf.maps.lru",
    "pybpf.maps.queue_stack",
    "pybpf.maps.bloom",
    "pybpf.maps.lpm_trie",
    "pybpf.maps.ringbuf",
    "pybpf.maps.user_ringbuf",
    "pybpf.maps.prog_array",
    "pybpf.maps.map_in_map",
    "pybpf.maps.perf_event_array",
    "pybpf.maps.sockmap",
    "pybpf.maps.sk_storage",
    "pybpf.maps.local_storage",
    "pybpf.maps.reuseport_array",
    "pybpf.maps.cgroup_array",
    "pybpf.maps.cgroup_storage",
    "pybpf.maps.stack_trace",
    "pybpf.maps.devmap",
    "pybpf.maps.cpumap",
    "pybpf.maps.xskmap",
    "pybpf.maps.arena",
    "pybpf.maps.struct_ops",
)
"""Modules that register the built-in map types when imported: one module per ``BPF_MAP_TYPE_*``."""

_UNIMPLEMENTED_WITH_MAP_EXTRA: frozenset[int] = frozenset()
"""Types pybpf does not have yet whose creation takes ``map_extra`` (none since arenas)."""

_REGISTRY: dict[int, type[MapOps]] = {}
_loaded = False


def register(map_type: int) -> Callable[[type[MapOps]], type[MapOps]]:
    """Class decorator: make ``cls`` the implementation of ``map_type``."""

    def decorate(cls: type[MapOps]) -> type[MapOps]:
        cls.map_type = map_type
        _REGISTRY[map_type] = cls
        return cls

    return decorate


def _load_builtin() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in BUILTIN_MODULES:
            importlib.import_module(module)


def lookup_map_type(map_type: int) -> type[MapOps] | None:
    """The implementation of ``map_type``, or None when pybpf does not (yet) have it."""
    _load_builtin()
    return _REGISTRY.get(map_type)


def takes_map_extra(map_type: int) -> bool:
    """Whether BPF_MAP_CREATE of ``map_type`` may carry a non-zero ``map_extra`` (``map_create``
    refuses it, EINVAL, for every other type, implemented or not)."""
    impl = lookup_map_type(map_type)
    if impl is None:
        return map_type in _UNIMPLEMENTED_WITH_MAP_EXTRA
    return impl.takes_map_extra
