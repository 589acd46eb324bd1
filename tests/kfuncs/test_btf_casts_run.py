"""bpf_cast_to_kern_ctx, bpf_rdonly_cast and the pointers read out of kernel structs, run on each engine.

The kernel inlines both casts as ``r0 = r1``; pybpf's implementations give the same pointer.  A read
through a trusted pointer is a plain load (the XDP kernel context pybpf lays out as the kernel's
``struct xdp_buff`` and ``struct xdp_rxq_info``), a read through an untrusted one a probe load that
reads 0 where no memory is (``pybpf.vm.probe``).  Where pybpf's kernel objects stop being the
kernel's (``struct net_device`` holds only its ifindex, at its own offset) a probe load reads 0:
that program is only run on pybpf.  Offsets are the running kernel's (``offsetof()`` of the corpus).
"""

from __future__ import annotations

import pytest

import pybpf
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.verifier.kernel_btf import vmlinux_btf
from tests.verifier import verifier_corpus as vc

pytestmark = [
    pytest.mark.usefixtures("engine"),  # every program runs on each engine (tests/conftest.py)
    pytest.mark.skipif(vmlinux_btf() is None, reason="needs the kernel's BTF for its struct layout"),
]

PROGRAMS = {
    # data_end - data of the trusted xdp_buff: the packet's length (64)
    "kern_ctx_length": """
    call kfunc(bpf_cast_to_kern_ctx)
    r1 = *(u64 *)(r0 + offsetof(xdp_buff, data_end))
    r2 = *(u64 *)(r0 + offsetof(xdp_buff, data))
    r1 -= r2
    r0 = r1
    exit
""",
    # rxq (an untrusted pointer: a probe load) -> queue_index of queue 0, plus 3
    "kern_ctx_queue": """
    call kfunc(bpf_cast_to_kern_ctx)
    r1 = *(u64 *)(r0 + offsetof(xdp_buff, rxq))
    r0 = *(u32 *)(r1 + offsetof(xdp_rxq_info, queue_index))
    r0 += 3
    exit
""",
    # an address where nothing is, read as untrusted memory: 0, plus 7
    "rdonly_cast_probe": """
    r1 = 0x1000
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r0 = *(u64 *)(r0 + 0)
    r0 += 7
    exit
""",
    # the same through an untrusted task_struct and its untrusted real_parent: 0, plus 5
    "rdonly_cast_chain": """
    r1 = 0x1000
    r2 = btf_type(task_struct)
    call kfunc(bpf_rdonly_cast)
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    r0 = *(u32 *)(r1 + offsetof(task_struct, tgid))
    r0 += 5
    exit
""",
}
ANSWERS = {"kern_ctx_length": 64, "kern_ctx_queue": 3, "rdonly_cast_probe": 7, "rdonly_cast_chain": 5}

# the loopback device's ifindex on the kernel; 0 on pybpf, whose net_device ends before it
IFINDEX = """
    call kfunc(bpf_cast_to_kern_ctx)
    r1 = *(u64 *)(r0 + offsetof(xdp_buff, rxq))
    r1 = *(u64 *)(r1 + offsetof(xdp_rxq_info, dev))
    r0 = *(u32 *)(r1 + offsetof(net_device, ifindex))
    exit
"""


def run(source: str, backend: Backend) -> int:
    with pybpf.Program.load(vc.resolve_kfuncs(source), "xdp", backend=backend) as prog:
        return prog.run(bytes(64)).retval


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_cast_programs_run_as_on_the_kernel(name: str) -> None:
    ours = run(PROGRAMS[name], UserBackend())
    assert ours == ANSWERS[name]
    if kernel_bpf_available():
        assert run(PROGRAMS[name], NativeBackend()) == ours


def test_a_probe_load_past_pybpfs_objects_reads_zero() -> None:
    assert run(IFINDEX, UserBackend()) == 0
