"""The registry of map types: ``BPF_MAP_TYPE_*`` number -> implementation class.

Mirrors the kernel's ``bpf_map_types[]`` table (``include/linux/bpf_types.h``): BPF_MAP_CREATE
looks the type up here and a type with no entry is refused with EINVAL.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from pybpf.maps.base import MapType

_REGISTRY: dict[int, type[MapType]] = {}
_loaded = False
_BUILTIN: tuple[str, ...]
_BUILTIN = ("pybpf.maps.array", "pybpf.maps.hash")
"""Modules that register the built-in map types when imported."""
_BUILTIN += ("pybpf.maps.percpu",)
_BUILTIN += ("pybpf.maps.lru",)


def register(map_type: int) -> Callable[[type[MapType]], type[MapType]]:
    """Class decorator: make ``cls`` the implementation of ``map_type``."""

    def decorate(cls: type[MapType]) -> type[MapType]:
        cls.map_type = map_type
        _REGISTRY[map_type] = cls
        return cls

    return decorate


def _load_builtin() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in _BUILTIN:
            importlib.import_module(module)


def lookup_map_type(map_type: int) -> type[MapType] | None:
    """The implementation of ``map_type``, or None when pybpf does not (yet) have it."""
    _load_builtin()
    return _REGISTRY.get(map_type)


_BUILTIN += ("pybpf.maps.queue_stack",)
_BUILTIN += ("pybpf.maps.bloom",)
_BUILTIN += ("pybpf.maps.lpm_trie",)
_BUILTIN += ("pybpf.maps.ringbuf",)
_BUILTIN += ("pybpf.maps.prog_array",)
_BUILTIN += ("pybpf.maps.map_in_map",)
_BUILTIN += ("pybpf.maps.perf_event_array",)
