"""XDP's context: which xdp_md accesses are valid, their rewrite, and which helpers XDP may call.

Each answer is asked of the kernel too (skipped where bpf(2) is unavailable): the verifier's
verdict on every (offset, size, read/write) of xdp_md, its xlated instructions for each field,
and its "cannot use helper" verdict on helper ids 1..211.
"""

from __future__ import annotations

import os

import pytest

import pybpf
from pybpf.isa import opcodes as op
from pybpf.kernel.native import kernel_bpf_available
from pybpf.progtypes.base import BASE_FUNC_IDS
from pybpf.progtypes.xdp import XDP_OWN_FUNC_IDS
from tests.kernel_build import build_refuses_helper
from tests.progtypes import kernel_run
from tests.progtypes.runner import rewrite
from tests.progtypes.xdp_diff import XDP, xdp_type

needs_kernel = pytest.mark.skipif(not kernel_bpf_available(), reason="the real bpf(2) is not available here")
HELPER_IDS = range(1, 212)


def test_access_rules() -> None:
    xdp = xdp_type()
    for off in (0, 4, 8, 12, 16):
        assert xdp.is_valid_access(off, 4, False)
        assert not xdp.is_valid_access(off, 4, True)
        assert not xdp.is_valid_access(off, 2, False)
        assert not xdp.is_valid_access(off, 8, False)
    assert not xdp.is_valid_access(20, 4, False)  # egress_ifindex: devmap programs only
    assert not xdp.is_valid_access(24, 4, False)
    assert not xdp.is_valid_access(-4, 4, False)
    assert not xdp.is_valid_access(2, 4, False)


@needs_kernel
def test_access_rules_match_the_kernel() -> None:
    xdp = xdp_type()
    for off in range(-4, 28, 2):
        for size in (1, 2, 4, 8):
            for write in (False, True):
                expected = kernel_run.access_allowed(XDP, off, size, write)
                assert xdp.is_valid_access(off, size, write) == expected, (off, size, write)


FIELDS = {"data": 0, "data_end": 4, "data_meta": 8, "ingress_ifindex": 12, "rx_queue_index": 16}


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_rewrite_loads(field: str) -> None:
    source = f"r3 = *(u32 *)(r1 + {FIELDS[field]})\nr0 = 2\nexit"
    out = rewrite(xdp_type(), pybpf.assemble(source))
    loads = out[:-2]
    assert all(insn.opcode & 0x07 == op.BPF_LDX for insn in loads)
    assert loads[0].src == 1 and all(insn.dst == 3 for insn in loads)
    assert len(loads) == {"ingress_ifindex": 3, "rx_queue_index": 2}.get(field, 1)


@needs_kernel
@pytest.mark.parametrize("field", sorted(FIELDS))
def test_rewrite_has_the_kernels_shape(field: str) -> None:
    program = pybpf.assemble(f"r3 = *(u32 *)(r1 + {FIELDS[field]})\nr0 = 2\nexit")
    fd = kernel_run.load(program, XDP)
    try:
        theirs = kernel_run.xlated(fd)
    finally:
        os.close(fd)
    mine = rewrite(xdp_type(), program)
    assert [(i.opcode, i.dst, i.src) for i in mine] == [(i.opcode, i.dst, i.src) for i in theirs]
    # the buff-level offsets are the kernel's own (only net_device.ifindex differs)
    assert [i.off for i in mine][:2] == [i.off for i in theirs][:2]


def test_func_allowed_has_the_xdp_helpers() -> None:
    xdp = xdp_type()
    for helper in (1, 2, 3, 5, 12, 23, 28, 44, 51, 54, 65, 188, 189, 190):
        assert xdp.func_allowed(helper)
    for helper in (9, 10, 26, 0, 212):  # skb_store_bytes, l3_csum_replace, skb_load_bytes, 0, past the end
        assert not xdp.func_allowed(helper)
    # 28: csum, 25: perf output, 84/85/99: the socket lookups, 86: bpf_sk_release, 163: bpf_check_mtu,
    # 136-140/178/196: the bpf_skc_to_* casts of found sockets, 69: bpf_fib_lookup, 100/110/204/205:
    # the SYN cookie helpers (check, gen, raw gen ipv4/ipv6)
    assert set(xdp.helpers()) == {
        *(23, 25, 28, 44, 51, 54, 65, 84, 85, 86, 99, 163, 188, 189, 190),
        *(136, 137, 138, 139, 140, 178, 196),
        *(69, 100, 110, 204, 205),
    }
    assert XDP_OWN_FUNC_IDS.isdisjoint(BASE_FUNC_IDS)


@needs_kernel
def test_func_allowed_matches_the_kernel() -> None:
    xdp = xdp_type()
    kernel = {helper for helper in HELPER_IDS if kernel_run.helper_allowed(XDP, helper)}
    mine = {helper for helper in HELPER_IDS if xdp.func_allowed(helper)}
    build_only = {helper for helper in mine - kernel if build_refuses_helper(XDP, helper)}
    # the helpers the running build takes from XDP programs where Linux 6.18 allows them
    # (tests/kernel_build.py: bpf_xdp_adjust_meta on 6.18.44-fc-v1300) are its own
    assert mine - build_only == kernel, (sorted(mine - kernel - build_only), sorted(kernel - mine))
