"""bpf_dynptr_from_skb_meta on pybpf and on the kernel (``pybpf.kfuncs.skb_meta``): a test run's skb has no
metadata, so the dynptr is empty; flags make it NULL.  Each program runs on both backends and engines."""

from __future__ import annotations

import errno

import pytest

import pybpf
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.verifier.kernel_btf import vmlinux_btf
from tests.verifier import verifier_corpus as vc

pytestmark = [
    pytest.mark.usefixtures("engine"),  # every program runs on each engine (tests/conftest.py)
    pytest.mark.skipif(vmlinux_btf() is None, reason="needs the kernel's BTF for the kfunc ids"),
]

MAKE = """
    r6 = r1
    r2 = {flags}
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb_meta)
    r7 = r0
    r7 &= 0xff
"""
FOLD = "    r0 <<= {shift}\n    r7 |= r0\n"
BODY = {
    # the dynptr's size (bpf_dynptr_size of a NULL dynptr is -EINVAL)
    "size": "    r1 = r10\n    r1 += -16\n    call kfunc(bpf_dynptr_size)\n    r0 &= 0xff\n",
    # a one-byte read
    "read": "    r1 = r10\n    r1 += -24\n    r2 = 1\n    r3 = r10\n    r3 += -16\n    r4 = 0\n    r5 = 0\n"
    "    call bpf_dynptr_read\n    r0 &= 0xff\n",
    # a one-byte write
    "write": "    r1 = 7\n    *(u64 *)(r10 - 24) = r1\n    r1 = r10\n    r1 += -16\n    r2 = 0\n"
    "    r3 = r10\n    r3 += -24\n    r4 = 1\n    r5 = 0\n    call bpf_dynptr_write\n    r0 &= 0xff\n",
    # a 4-byte slice: NULL (0x4d) or its first byte
    "slice": "    r1 = r10\n    r1 += -16\n    r2 = 0\n    r3 = 0\n    r4 = 4\n"
    "    call kfunc(bpf_dynptr_slice)\n    if r0 == 0 goto null\n    r0 = *(u8 *)(r0 + 0)\n"
    "    goto done\nnull:\n    r0 = 0x4d\ndone:\n",
    "rdonly": "    r1 = r10\n    r1 += -16\n    call kfunc(bpf_dynptr_is_rdonly)\n",
}


def backends() -> list[Backend]:
    return [UserBackend(), NativeBackend()] if kernel_bpf_available() else [UserBackend()]


@pytest.mark.parametrize("flags", [0, 1])
@pytest.mark.parametrize("body", sorted(BODY))
def test_skb_meta_dynptr_of_a_test_run(body: str, flags: int) -> None:
    source = MAKE.format(flags=flags) + BODY[body] + FOLD.format(shift=8) + "    r0 = r7\n    exit\n"
    got = []
    for backend in backends():
        with pybpf.Program.load(vc.resolve_kfuncs(source), "sched_cls", backend=backend) as prog:
            got.append(prog.run(bytes(64)).retval)
    assert all(g == got[0] for g in got), got
    assert got[0] & 0xFF == (-errno.EINVAL & 0xFF if flags else 0)
