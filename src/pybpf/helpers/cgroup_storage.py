"""The cgroup storage helper: ``bpf_get_local_storage`` (81).

Mirrors kernel/bpf/helpers.c ``bpf_get_local_storage``: the storage of the flavour of the map passed
(BPF_MAP_TYPE_CGROUP_STORAGE: shared, BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE: this CPU's slot) that the
running program's cgroup attachment has; ``flags`` is unused (the verifier admits only 0).  Never
NULL: the kernel's verifier gives the result PTR_TO_MAP_VALUE.

pybpf has no cgroup attach, so the only storage a run can have is the one a test run allocates
(``bpf_prog_test_run_skb`` .. ``bpf_cgroup_storages_alloc``): ``value_size`` zeroed bytes shared by
the test run's repeats and freed after them (``MapAccess.cgroup_storage``), so each
BPF_PROG_TEST_RUN starts from zeroes.  The map argument must be a cgroup storage map the run may
reach, else the call is a ``HelperError``, as the kernel's verifier refuses such a program.
"""

from __future__ import annotations

from pybpf.errors import HelperError
from pybpf.helpers.context import HelperContext
from pybpf.helpers.map_access import access_of, describe_map
from pybpf.helpers.registry import HelperRegistry
from pybpf.maps.cgroup_storage import CgroupStorageMap

CGROUP_STORAGE_HELPERS = HelperRegistry()
"""The helpers of this module, by kernel id (``default_registry()`` includes them)."""
_helper = CGROUP_STORAGE_HELPERS.helper


@_helper("bpf_get_local_storage")
def get_local_storage(ctx: HelperContext, map_ptr: int, _flags: int, *_: int) -> int:
    """``void *bpf_get_local_storage(map, flags)``: the test run's storage of the map's flavour."""
    helper = "bpf_get_local_storage"
    access = access_of(ctx.env.maps, helper)
    obj = access.map_arg(map_ptr, helper, 1)
    if not isinstance(obj.impl, CgroupStorageMap):
        raise HelperError(None, f"{helper}: R1 is {describe_map(obj)}; {helper} takes cgroup storage maps")
    return access.cgroup_storage(obj, helper)


__all__ = ["CGROUP_STORAGE_HELPERS", "get_local_storage"]
