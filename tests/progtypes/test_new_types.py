"""The program types NETFILTER (its ELF object), RAW_TRACEPOINT_WRITABLE and LIRC_MODE2.

* tests/data/c/vmlinux_netfilter.o: SEC("netfilter") loads through the ELF loader with expected
  attach type BPF_NETFILTER and its test runs answer as the kernel's (a TCP packet to port 23 is
  dropped at NF_INET_LOCAL_IN only; the per-hook counts land in its map);
* RAW_TRACEPOINT_WRITABLE: the raw tracepoint helper set (measured), no BPF_PROG_TEST_RUN
  (ENOTSUPP on both), the verifier's ``max_tp_access`` (prog->aux->max_tp_access);
* LIRC_MODE2: the ctx and helper rules of drivers/media/rc/bpf-lirc.c on pybpf; where the running
  kernel has the type (CONFIG_BPF_LIRC_MODE2) the same programs are compared with it, else those
  comparisons skip (probed once: the kernel refuses the type with EINVAL).
"""

from __future__ import annotations

import errno
import functools
import os
import struct
from pathlib import Path

import pytest

import pybpf
from pybpf import uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.object import Object
from pybpf.progtypes import get_prog_type
from pybpf.progtypes.generic import RAW_TP_FUNC_IDS
from pybpf.progtypes.lirc import LIRC_FUNC_IDS
from pybpf.progtypes.raw_tp_writable import RawTracepointWritableProgType
from pybpf.verifier import LoadRequest, MapRef, verify
from tests.progtypes import net_diff

C_DIR = Path(__file__).resolve().parent.parent / "data" / "c"
NETFILTER_OBJECT = C_DIR / "vmlinux_netfilter.o"
RAW_TP_W, LIRC = uapi.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, uapi.BPF_PROG_TYPE_LIRC_MODE2
needs_kernel = pytest.mark.skipif(not kernel_bpf_available(), reason="the real bpf(2) is not available here")

ETH = bytes(12) + b"\x08\x00"


def tcp_packet(port: int) -> bytes:
    ip = bytes([0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2])
    return ip + struct.pack(">HH", 40000, port) + bytes(16)


def _netfilter_runs(backend: Backend) -> tuple[list[int], list[int]]:
    """(retvals, per-hook counts) of nf_port_filter over a fixed series of runs."""
    cases = [
        (tcp_packet(23), None), (tcp_packet(22), None), (ETH + tcp_packet(23), bytes([1, 2])),
        (ETH + tcp_packet(22), bytes([1, 2])), (ETH + tcp_packet(23), bytes([0, 2])),
        (bytes(20), None),
    ]  # fmt: skip
    with Object.open(NETFILTER_OBJECT, backend=backend).load(programs=["nf_port_filter"]) as obj:
        program = obj.programs["nf_port_filter"]
        retvals = [program.run(data, ctx=ctx).retval for data, ctx in cases]
        counts = [int(obj.maps["hook_counts"][hook]) for hook in range(5)]
    return retvals, counts


@pytest.mark.usefixtures("engine")
def test_netfilter_object_runs() -> None:
    retvals, counts = _netfilter_runs(UserBackend())
    assert retvals == [1, 1, 0, 1, 1, 1]
    assert counts == [1, 2, 0, 3, 0]
    if kernel_bpf_available():
        assert _netfilter_runs(NativeBackend()) == (retvals, counts)


def test_netfilter_object_section() -> None:
    """SEC("netfilter") is BPF_PROG_TYPE_NETFILTER with expected attach type BPF_NETFILTER."""
    with Object.open(NETFILTER_OBJECT, backend=UserBackend()).load(programs=["nf_port_filter"]) as obj:
        info = obj.programs["nf_port_filter"].info()
        assert info.type == uapi.BPF_PROG_TYPE_NETFILTER


# -- RAW_TRACEPOINT_WRITABLE ----------------------------------------------------------------------
BUFFER_WRITE = "r2 = *(u64 *)(r1 + 0)\nr3 = 7\n*(u32 *)(r2 + 12) = r3\nr0 = *(u8 *)(r2 + 3)\nexit"


def test_raw_tp_writable_max_tp_access() -> None:
    """The furthest byte reached through the buffer pointer (the kernel keeps it for the attach)."""
    prog_type = get_prog_type(RAW_TP_W)
    assert isinstance(prog_type, RawTracepointWritableProgType)
    request = LoadRequest(
        insns=list(pybpf.assemble(BUFFER_WRITE)), prog_type=prog_type, gpl_compatible=True, log_level=0,
        resolve_map_fd=_no_maps, fd_array=None, is_gpl_only=lambda _: False,
    )  # fmt: skip
    verified = verify(request)
    assert verified.max_tp_access == 16
    assert verified.max_ctx_offset == 8


def _no_maps(fd: int) -> MapRef:
    raise pybpf.BPFError(errno.EBADF, f"no map {fd}")


@pytest.mark.parametrize("ctx_in", [None, bytes(8), struct.pack("<QQ", 0, 5)])
def test_raw_tp_writable_has_no_test_run(ctx_in: bytes | None) -> None:
    source = "r0 = *(u64 *)(r1 + 8)\nexit"
    mine = net_diff.run_on(UserBackend(), RAW_TP_W, source, b"", ctx_in)
    assert (mine.load_errno, mine.run_errno) == (0, uapi.ENOTSUPP)
    if kernel_bpf_available():
        assert net_diff.run_on(NativeBackend(), RAW_TP_W, source, b"", ctx_in) == mine


@needs_kernel
def test_raw_tp_writable_helpers_measured() -> None:
    from tests.progtypes import kernel_run

    kernel = {h for h in range(1, 212) if kernel_run.helper_allowed(RAW_TP_W, h)}
    assert kernel == set(RAW_TP_FUNC_IDS)


# -- LIRC_MODE2 -------------------------------------------------------------------------------------
LIRC_CASES = [
    ("r0 = *(u32 *)(r1 + 0)\nexit", 0, ""),
    ("r0 = *(u16 *)(r1 + 0)\nexit", errno.EACCES, "invalid bpf_context access off=0 size=2"),
    ("r0 = *(u64 *)(r1 + 0)\nexit", errno.EACCES, "invalid bpf_context access off=0 size=8"),
    ("r0 = *(u32 *)(r1 + 4)\nexit", errno.EACCES, "invalid bpf_context access off=4 size=4"),
    ("r2 = 0\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit", errno.EACCES, "invalid bpf_context access off=0 size=4"),
    ("r2 = 0x40\nr3 = 0x1234\nr4 = 0\ncall bpf_rc_keydown\nr0 = 0\nexit", 0, ""),
    ("r6 = r1\ncall bpf_rc_repeat\nr1 = r6\nr2 = 1\nr3 = -1\ncall bpf_rc_pointer_rel\nexit", 0, ""),
    ("r1 = r10\nr1 += -8\ncall bpf_rc_repeat\nr0 = 0\nexit", errno.EACCES, "R1 type=fp expected=ctx"),
    ("call bpf_ktime_get_boot_ns\nexit", 0, ""),
    (
        "call bpf_get_current_pid_tgid\nexit",
        errno.EINVAL,
        "program of this type cannot use helper bpf_get_current_pid_tgid#14",
    ),
    (
        "call bpf_get_smp_processor_id\nexit",
        errno.EINVAL,
        "program of this type cannot use helper bpf_get_smp_processor_id#8",
    ),
]


@functools.cache
def kernel_has_lirc() -> bool:
    """Whether the running kernel loads LIRC_MODE2 programs (CONFIG_BPF_LIRC_MODE2)."""
    if not kernel_bpf_available():
        return False
    try:
        fd = net_diff.load_fd(NativeBackend(), LIRC, "r0 = 0\nexit")
    except pybpf.BPFError:
        return False
    os.close(fd)
    return True


@pytest.mark.parametrize(("source", "err", "message"), LIRC_CASES)
def test_lirc_rules(source: str, err: int, message: str) -> None:
    mine = net_diff.run_on(UserBackend(), LIRC, source, explain=True)
    if err:
        assert (mine.load_errno, mine.reason) == (err, message)
    else:  # loads; no test run (ENOTSUPP)
        assert (mine.load_errno, mine.run_errno) == (0, uapi.ENOTSUPP)


@pytest.mark.parametrize(("source", "err", "message"), LIRC_CASES)
def test_lirc_rules_on_the_kernel(source: str, err: int, message: str) -> None:
    if not kernel_has_lirc():
        pytest.skip("the running kernel has no BPF_PROG_TYPE_LIRC_MODE2 (CONFIG_BPF_LIRC_MODE2)")
    kernel = net_diff.run_on(NativeBackend(), LIRC, source, explain=True)
    assert kernel == net_diff.run_on(UserBackend(), LIRC, source, explain=True)


def test_lirc_gpl_helpers() -> None:
    """bpf_rc_* are GPL only."""
    prog_type = get_prog_type(LIRC)
    assert prog_type is not None and prog_type.func_allowed(77) and 14 not in LIRC_FUNC_IDS
    source = "call bpf_rc_repeat\nr0 = 0\nexit"
    mine = net_diff.run_on(UserBackend(), LIRC, source, explain=True, license_=b"MIT")
    assert (mine.load_errno, mine.reason) == (
        errno.EINVAL,
        "cannot call GPL-restricted function from non-GPL compatible program",
    )


def test_lirc_object_loads() -> None:
    """tests/data/c/lirc_mode2.o (SEC("lirc_mode2")) through the ELF loader."""
    with Object.open(C_DIR / "lirc_mode2.o", backend=UserBackend()).load() as obj:
        assert obj.programs["decode"].info().type == LIRC
