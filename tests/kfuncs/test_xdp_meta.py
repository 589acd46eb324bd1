"""The XDP metadata, xfrm and pull-data kfuncs on pybpf and on the kernel (``pybpf.kfuncs.xdp_meta``).

Each program loads on both backends (the kernel where bpf(2) works) and runs on each engine: the
same verifier answer (errno and last log line) and the same return values.
"""

from __future__ import annotations

import errno

import pytest

import pybpf
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs import xdp_meta
from pybpf.verifier.kernel_btf import vmlinux_btf
from tests.verifier import verifier_corpus as vc

pytestmark = [
    pytest.mark.usefixtures("engine"),  # every program runs on each engine (tests/conftest.py)
    pytest.mark.skipif(vmlinux_btf() is None, reason="needs the kernel's BTF for the kfunc ids"),
]


def backends() -> list[Backend]:
    return [UserBackend(), NativeBackend()] if kernel_bpf_available() else [UserBackend()]


def outcome(backend: Backend, source: str, prog_type: str, packet: bytes) -> tuple[str, str] | int:
    """The run's return value, or the refusal's (errno name, last log line of the reason)."""
    try:
        prog = pybpf.Program.load(vc.resolve_kfuncs(source), prog_type, backend=backend, log_level=1)
    except OSError as exc:
        lines = [line for line in str(getattr(exc, "log", "")).splitlines() if line.strip()]
        reason = [line for line in lines if not line.startswith("processed ")]
        return errno.errorcode.get(exc.errno or 0, "?"), reason[-1] if reason else ""
    with prog:
        return prog.run(packet).retval


def same_everywhere(source: str, prog_type: str = "xdp", packet: bytes = bytes(64)) -> tuple[str, str] | int:
    got = [outcome(backend, source, prog_type, packet) for backend in backends()]
    assert all(g == got[0] for g in got), got
    return got[0]


METADATA = {
    "bpf_xdp_metadata_rx_timestamp": "r2 = r10\n    r2 += -8\n",
    "bpf_xdp_metadata_rx_hash": "r2 = r10\n    r2 += -8\n    r3 = r10\n    r3 += -16\n",
    "bpf_xdp_metadata_rx_vlan_tag": "r2 = r10\n    r2 += -8\n    r3 = r10\n    r3 += -16\n",
}


@pytest.mark.parametrize("prog_type", ["xdp", "sched_cls"])
@pytest.mark.parametrize("name", sorted(METADATA))
def test_metadata_kfuncs_need_a_device_bound_program(name: str, prog_type: str) -> None:
    source = f"""
    r6 = 0
    *(u64 *)(r10 - 8) = r6
    *(u64 *)(r10 - 16) = r6
    {METADATA[name]}
    call kfunc({name})
    exit
"""
    assert same_everywhere(source, prog_type) == ("EINVAL", "metadata kfuncs require device-bound program")
    assert name in xdp_meta.METADATA_KFUNCS


def xfrm_program(opts_sz: int, netns_id: int = -1, release: bool = True) -> str:
    """bpf_xdp_get_xfrm_state: 1000 for a state (released), else -opts->error."""
    rel = "    r1 = r0\n    call kfunc(bpf_xdp_xfrm_state_release)\n" if release else ""
    return f"""
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = {netns_id}
    *(u32 *)(r10 - 36) = r1
    r1 = r6
    r2 = r10
    r2 += -40
    r3 = {opts_sz}
    call kfunc(bpf_xdp_get_xfrm_state)
    if r0 == 0 goto null
{rel}    r0 = 1000
    exit
null:
    r0 = *(s32 *)(r10 - 40)
    r0 = -r0
    exit
"""


@pytest.mark.parametrize(
    ("opts_sz", "netns_id", "want"),
    [
        (36, -1, errno.ENOENT),
        (32, -1, errno.EINVAL),
        (2, -1, 0),  # too small to hold the error: NULL, nothing written
        (36, -2, errno.EINVAL),
    ],
)
def test_xfrm_state_lookup(opts_sz: int, netns_id: int, want: int) -> None:
    assert same_everywhere(xfrm_program(opts_sz, netns_id)) == want


def test_xfrm_state_verdicts() -> None:
    assert same_everywhere(xfrm_program(36), "sched_cls") == (
        "EACCES",
        "calling kernel function bpf_xdp_get_xfrm_state is not allowed",
    )
    assert same_everywhere(xfrm_program(36, release=False)) == (
        "EINVAL",
        "BPF_EXIT instruction in main prog would lead to reference leak",
    )
    assert same_everywhere(xfrm_program(40)) == errno.EINVAL  # the stack holds 40 bytes there
    refused = same_everywhere(xfrm_program(44))  # 44 do not fit
    assert refused == ("EINVAL", "arg#1 arg#2 memory, len pair leads to invalid memory access")


@pytest.mark.parametrize("length", [0, 1, 14, 63, 64, 65, 100, 4000, 0xFFFFFFFF])
@pytest.mark.parametrize("size", [14, 64, 200])
def test_pull_data_of_a_linear_packet(length: int, size: int) -> None:
    source = f"""
    r2 = {length}
    call kfunc(bpf_xdp_pull_data)
    exit
"""
    got = same_everywhere(source, packet=bytes(range(size % 256)) * (size // 256) + bytes(size % 256))
    assert got == (0 if length <= size else -errno.EINVAL & 0xFFFF_FFFF)


def test_pull_data_invalidates_packet_pointers() -> None:
    checked = """
    r6 = r1
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r7 = r2
    r1 = r6
    r2 = 0
    call kfunc(bpf_xdp_pull_data)
{reload}
    r0 = *(u8 *)(r7 + 0)
    exit
out:
    r0 = 0
    exit
"""
    assert same_everywhere(checked.format(reload="")) == ("EACCES", "R7 invalid mem access 'scalar'")
    reloaded = """
    r7 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r7
    r4 += 8
    if r4 > r3 goto out
"""
    assert same_everywhere(checked.format(reload=reloaded), packet=bytes([9]) + bytes(63)) == 9
    tc = "    r2 = 1\n    call kfunc(bpf_xdp_pull_data)\n    exit\n"
    assert same_everywhere(tc, "sched_cls") == (
        "EACCES",
        "calling kernel function bpf_xdp_pull_data is not allowed",
    )
