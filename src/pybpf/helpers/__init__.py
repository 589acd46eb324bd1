"""BPF helper functions: the registry the interpreter calls through, and the helpers implemented so far.

Mirrors the kernel's helper table (``bpf_base_func_proto`` and the per-program-type
``get_func_proto`` callbacks): a helper id maps to an implementation taking five 64-bit arguments
and returning one.  ``default_registry()`` holds every helper that needs no map and no program
context (``pybpf.helpers.basic``, ``pybpf.helpers.printk``); map and program-type layers add theirs.
"""

from pybpf.helpers.basic import BASIC_HELPERS
from pybpf.helpers.printk import TRACE_PIPE, TracePipe, TraceRecord
from pybpf.helpers.registry import Helper, HelperContext, HelperRegistry


def default_registry() -> HelperRegistry:
    """A new registry holding the basic helpers (a copy: adding to it changes nothing else)."""
    return BASIC_HELPERS.copy()


__all__ = [
    "BASIC_HELPERS",
    "TRACE_PIPE",
    "Helper",
    "HelperContext",
    "HelperRegistry",
    "TracePipe",
    "TraceRecord",
    "default_registry",
]
