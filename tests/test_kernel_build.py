"""tests/kernel_build.py: the probe of the running build's helper refusals."""

from __future__ import annotations

import pytest

from pybpf import uapi
from pybpf.isa.asm import assemble
from pybpf.kernel.native import kernel_bpf_available
from tests.kernel_build import build_refuses_helper, refused_helpers

pytestmark = pytest.mark.skipif(not kernel_bpf_available(), reason="the real bpf(2) is not available here")


def test_a_helper_the_release_refuses_too_is_no_build_difference() -> None:
    """bpf_skb_change_head (43) is no XDP helper on any 6.x build nor on pybpf: not the build's."""
    assert not build_refuses_helper(uapi.BPF_PROG_TYPE_XDP, 43)


def test_a_helper_every_build_allows_is_no_build_difference() -> None:
    """bpf_xdp_adjust_head (44) and bpf_map_lookup_elem (1) are XDP helpers everywhere."""
    assert not build_refuses_helper(uapi.BPF_PROG_TYPE_XDP, 44)
    assert refused_helpers(uapi.BPF_PROG_TYPE_XDP, assemble("call bpf_map_lookup_elem\nexit", "kernel")) == ""


def test_a_refused_helper_is_named_with_the_build() -> None:
    """Whatever this build refuses, the reason names the helper and the build."""
    insns = assemble("call bpf_xdp_adjust_meta\nr0 = 0\nexit", "kernel")
    reason = refused_helpers(uapi.BPF_PROG_TYPE_XDP, insns)
    if build_refuses_helper(uapi.BPF_PROG_TYPE_XDP, 54):
        assert "bpf_xdp_adjust_meta#54" in reason and "build" in reason
    else:
        assert reason == ""
