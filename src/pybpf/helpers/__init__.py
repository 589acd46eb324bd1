"""BPF helper functions: the registry the interpreter calls through, and the helpers implemented so far.

Mirrors the kernel's helper table (``bpf_base_func_proto`` and the per-program-type
``get_func_proto`` callbacks): a helper id maps to an implementation taking five 64-bit arguments
and returning one, with a ``HelperContext`` (``pybpf.helpers.context``) for everything else it
may use.  ``default_registry()`` holds every helper that needs no map and no program context
(``pybpf.helpers.basic``, ``pybpf.helpers.printk``), the map helpers that give programs
pointers into shared map memory (``pybpf.helpers.maps``), the socket storage helpers
(``pybpf.helpers.sk_storage``), the cgroup array helpers (``pybpf.helpers.cgroup_array``),
``bpf_get_local_storage`` (``pybpf.helpers.cgroup_storage``),
``bpf_get_stackid`` (``pybpf.helpers.stack_trace``), the dynptr helpers (``pybpf.helpers.dynptr``),
``bpf_user_ringbuf_drain`` (``pybpf.helpers.user_ringbuf``), the task, cgroup and inode storage
helpers with the current task (``pybpf.helpers.local_storage``) and the bpf_timer helpers, whose
callbacks fire later (``pybpf.helpers.timers``), and the helpers about the calling task (its pid
namespace, cgroups, memory and signals: ``pybpf.helpers.current_task``);
program-type layers add theirs.
``pybpf.helpers.protos`` has every kernel helper's prototype as data.
"""

from pybpf.helpers.basic import BASIC_HELPERS
from pybpf.helpers.cgroup_array import CGROUP_ARRAY_HELPERS
from pybpf.helpers.cgroup_storage import CGROUP_STORAGE_HELPERS
from pybpf.helpers.context import HelperContext, Packet, RunEnv
from pybpf.helpers.current_task import CURRENT_TASK_HELPERS
from pybpf.helpers.dynptr import DYNPTR_HELPERS
from pybpf.helpers.find_vma import find_vma
from pybpf.helpers.local_storage import LOCAL_STORAGE_HELPERS
from pybpf.helpers.maps import MAP_HELPERS
from pybpf.helpers.registry import Helper, HelperRegistry
from pybpf.helpers.sk_storage import SK_STORAGE_HELPERS
from pybpf.helpers.stack_trace import STACK_TRACE_HELPERS
from pybpf.helpers.timers import TIMER_HELPERS
from pybpf.helpers.trace_pipe import TRACE_PIPE, TracePipe
from pybpf.helpers.trace_shared import TraceRecord
from pybpf.helpers.user_ringbuf import USER_RINGBUF_HELPERS


def default_registry() -> HelperRegistry:
    """A new registry holding the basic, map, socket storage, cgroup array, cgroup storage, stack
    trace and dynptr helpers and bpf_find_vma (a copy: adding to it changes nothing else)."""
    registry = BASIC_HELPERS.copy()
    groups = (
        MAP_HELPERS,
        SK_STORAGE_HELPERS,
        CGROUP_ARRAY_HELPERS,
        CGROUP_STORAGE_HELPERS,
        STACK_TRACE_HELPERS,
        DYNPTR_HELPERS,
        USER_RINGBUF_HELPERS,
        LOCAL_STORAGE_HELPERS,
        TIMER_HELPERS,
        CURRENT_TASK_HELPERS,
    )
    for group in groups:
        for helper_id, function in group.items():
            registry.register(helper_id, function)
    registry.register("bpf_find_vma", find_vma)
    return registry


__all__ = [
    "BASIC_HELPERS",
    "CGROUP_ARRAY_HELPERS",
    "CGROUP_STORAGE_HELPERS",
    "CURRENT_TASK_HELPERS",
    "DYNPTR_HELPERS",
    "LOCAL_STORAGE_HELPERS",
    "MAP_HELPERS",
    "SK_STORAGE_HELPERS",
    "STACK_TRACE_HELPERS",
    "TIMER_HELPERS",
    "TRACE_PIPE",
    "USER_RINGBUF_HELPERS",
    "Helper",
    "HelperContext",
    "HelperRegistry",
    "Packet",
    "RunEnv",
    "TracePipe",
    "TraceRecord",
    "default_registry",
]
