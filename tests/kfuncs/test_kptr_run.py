"""bpf_kptr_xchg and the task/cgroup kfuncs run on pybpf's engines as on the kernel.

Each program touches a map value with kptr fields (tests.verifier.kptr_harness's ``struct kv``) or
looks a kernel object up that no kernel has (pid 0x7fffffff, cgroup id 0), so every answer is
NULL on the kernel too; in user space pybpf's lookups never find an object (``pybpf.kfuncs.table``).
"""

from __future__ import annotations

import pytest

import pybpf
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from tests.verifier import verifier_corpus as vc

pytestmark = pytest.mark.usefixtures("engine")  # every program runs on each engine (tests/conftest.py)

_LOOKUP = """
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call bpf_map_lookup_elem
    if r0 == 0 goto missing
    r6 = r0
"""
PROGRAMS = {
    # bpf_kptr_xchg of NULL into an empty referenced kptr: the old pointer is NULL (2)
    "xchg_empty": _LOOKUP
    + """
    r1 = r6
    r1 += 8
    r2 = 0
    call bpf_kptr_xchg
    if r0 == 0 goto null
    r1 = r0
    call kfunc(bpf_task_release)
    r0 = 1
    exit
null:
    r0 = 2
    exit
missing:
    r0 = 9
    exit
""",
    # an unreferenced kptr read: NULL in a fresh value (2); the plain member next to it stays 0
    "untrusted_load": _LOOKUP
    + """
    r1 = *(u64 *)(r6 +16)
    if r1 == 0 goto null
    r0 = 1
    exit
null:
    r0 = *(u64 *)(r6 +0)
    r0 += 2
    exit
missing:
    r0 = 9
    exit
""",
    # no task has pid 0x7fffffff: NULL (2)
    "task_from_pid": """
    r1 = 0x7fffffff
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto null
    r1 = r0
    call kfunc(bpf_task_release)
    r0 = 1
    exit
null:
    r0 = 2
    exit
""",
    # no cgroup has id 0: NULL (2)
    "cgroup_from_id": """
    r1 = 0
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto null
    r1 = r0
    call kfunc(bpf_cgroup_release)
    r0 = 1
    exit
null:
    r0 = 2
    exit
""",
}
MAPS = (vc.MapDef("m", "array", 4, 40, 1, ("kptr",)),)


def run(name: str, backend: Backend) -> int:
    with vc.created_maps(MAPS, backend) as fds:
        source = vc.resolve_kfuncs(PROGRAMS[name])
        with pybpf.Program.load(source, "xdp", maps=fds, backend=backend) as prog:
            return prog.run(bytes(64)).retval


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_kptr_programs_run_as_on_the_kernel(name: str) -> None:
    ours = run(name, UserBackend())
    assert ours == 2
    if kernel_bpf_available():
        assert run(name, NativeBackend()) == ours
