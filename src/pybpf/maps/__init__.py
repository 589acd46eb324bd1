"""Map types of the user-space bpf(2): one module per ``BPF_MAP_TYPE_*``, chosen from a registry.

Mirrors the kernel's ``kernel/bpf/*map*.c`` split behind ``struct bpf_map_ops``.
"""

from pybpf.maps.base import MapOps, MapParams
from pybpf.maps.registry import lookup_map_type, register

__all__ = ["MapOps", "MapParams", "lookup_map_type", "register"]
