"""tests/data/c/cgroup_progs.o through pybpf's ELF loader: every program gets its type and expected
attach type from its section (libbpf's table), loads, and the two cgroup skb filters run on pybpf
as on the kernel: the same verdicts, the same ctx_out (mark and cb set by egress) and the same counts
in the object's map."""

from __future__ import annotations

from pathlib import Path

import pytest

from pybpf import Object, uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.progtypes.skb import SK_BUFF_SIZE
from tests.progtypes import cgroup_harness as h
from tests.progtypes.test_cgroup_skb import IPV6_TCP
from tests.progtypes.test_skb_support import IPV4_UDP

OBJECT = Path(__file__).resolve().parent.parent / "data" / "c" / "cgroup_progs.o"
SECTIONS = {
    "skb_ingress": (uapi.BPF_PROG_TYPE_CGROUP_SKB, uapi.BPF_CGROUP_INET_INGRESS),
    "skb_egress": (uapi.BPF_PROG_TYPE_CGROUP_SKB, uapi.BPF_CGROUP_INET_EGRESS),
    "sock_create": (uapi.BPF_PROG_TYPE_CGROUP_SOCK, uapi.BPF_CGROUP_INET_SOCK_CREATE),
    "connect4": (uapi.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, uapi.BPF_CGROUP_INET4_CONNECT),
    "sock_ops": (uapi.BPF_PROG_TYPE_SOCK_OPS, uapi.BPF_CGROUP_SOCK_OPS),
    "device": (uapi.BPF_PROG_TYPE_CGROUP_DEVICE, uapi.BPF_CGROUP_DEVICE),
    "sysctl": (uapi.BPF_PROG_TYPE_CGROUP_SYSCTL, uapi.BPF_CGROUP_SYSCTL),
    "getsockopt": (uapi.BPF_PROG_TYPE_CGROUP_SOCKOPT, uapi.BPF_CGROUP_GETSOCKOPT),
}
FRAMES = [IPV4_UDP, IPV6_TCP, IPV4_UDP[:22] + b"\x01" + IPV4_UDP[23:]]  # the last with TTL 1


def _outcome(backend: Backend) -> tuple[list[h.Run], list[int]]:
    obj = Object.open(OBJECT, backend=backend).load()
    try:
        runs = [
            h.prog_test_run(backend, obj.programs[name].fd, frame, bytes(SK_BUFF_SIZE), SK_BUFF_SIZE)
            for name in ("skb_ingress", "skb_egress")
            for frame in FRAMES
        ]
        counts = [obj.maps["cgroup_counts"][slot] for slot in range(4)]
    finally:
        obj.close()
    return runs, counts


def test_sections_give_type_and_attach_type() -> None:
    obj = Object.open(OBJECT, backend=UserBackend())
    found = {name: (p.prog_type, p.expected_attach_type) for name, p in obj.spec.programs.items()}
    assert found == SECTIONS


@pytest.mark.skipif(not kernel_bpf_available(), reason="the real bpf(2) is not available here")
def test_skb_filters_run_as_on_the_kernel() -> None:
    mine, theirs = _outcome(UserBackend()), _outcome(NativeBackend())
    assert mine == theirs
    runs, counts = mine
    # ingress returns the byte where an IPv4 TTL is (an IPv6 frame has its source address there)
    assert [run.retval for run in runs] == [1, 0, 0, 1, 1, 1]
    assert all(run.ctx_out[8:12] == (42).to_bytes(4, "little") for run in runs[3:])  # egress's mark
    # every ingress run; the UDP frames' lengths; the IPv4 test sockets (AF_INET); egress's AF_INET6 one
    assert counts == [3, 84, 2, 1]
