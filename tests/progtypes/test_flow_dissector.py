"""FLOW_DISSECTOR compared with the kernel: helper set, ctx access rules, the ctx rewrite (the
kernel's xlated program, instruction for instruction), flow-keys accesses, and
BPF_PROG_TEST_RUN (flow keys in data_out, the ctx rules, the clamping of nhoff/thoff) through
``bpf()`` on both backends, on each engine."""

from __future__ import annotations

import errno
import os
import struct

import pytest

from pybpf import assemble, uapi
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.progtypes import TestRunArgs, get_prog_type
from pybpf.progtypes.flow_dissector import FLOW_KEYS_SIZE, FlowDissector, check_user_flow_keys
from pybpf.progtypes.skb import SK_BUFF_SIZE
from pybpf.uapi import BPF_PROG_TYPE_FLOW_DISSECTOR as FLOW_DISSECTOR
from tests.progtypes import kernel_run
from tests.progtypes.net_diff import compare_net, load_fd, run_on
from tests.progtypes.test_skb_support import ETH_ONLY, IPV4_UDP, needs_kernel
from tests.progtypes.test_tracing import xlated

FLAGS_CTX = bytes(48) + struct.pack("<I", 7) + bytes(4)
PARSE_IPV4 = """
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = *(u64 *)(r1 + 144)
    r5 = r2
    r5 += 34
    r0 = 2
    if r5 > r3 goto +11
    r6 = *(u8 *)(r2 + 23)
    *(u8 *)(r4 + 9) = r6
    r6 = *(u32 *)(r2 + 26)
    *(u32 *)(r4 + 16) = r6
    r6 = *(u32 *)(r2 + 30)
    *(u32 *)(r4 + 20) = r6
    r6 = 34
    *(u16 *)(r4 + 2) = r6
    r6 = 9999
    *(u16 *)(r4 + 0) = r6
    r0 = 0
    exit
"""
READ_KEYS = """
    r2 = *(u64 *)(r1 + 144)
    r0 = *(u16 *)(r2 + 0)
    r3 = *(u16 *)(r2 + 12)
    r0 <<= 16
    r0 |= r3
    r3 = *(u32 *)(r2 + 48)
    r0 += r3
    exit
"""
LOAD_BYTES = """
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    *(u64 *)(r10 - 8) = r4
    call 26
    r1 = *(u64 *)(r10 - 8)
    r0 += r1
    exit
"""


def test_registered() -> None:
    kind = get_prog_type(FLOW_DISSECTOR)
    assert isinstance(kind, FlowDissector) and kind.ctx_size == SK_BUFF_SIZE
    assert kind.func_allowed(26) and not kind.func_allowed(25) and not kind.func_allowed(9)
    assert FLOW_KEYS_SIZE == 56


def test_user_flow_keys_rules() -> None:
    check_user_flow_keys(FLAGS_CTX)
    with pytest.raises(OSError) as info:
        check_user_flow_keys(b"\x01" + bytes(55))
    assert info.value.errno == errno.EINVAL
    kind = get_prog_type(FLOW_DISSECTOR)
    assert kind is not None
    with pytest.raises(OSError):
        kind.check_test_run_attr(TestRunArgs(data_in=bytes(13)))


@needs_kernel
def test_func_allowed_matches_kernel() -> None:
    kind = get_prog_type(FLOW_DISSECTOR)
    assert kind is not None
    differ = []
    for helper in range(1, 212):
        try:
            os.close(kernel_run.load(assemble(f"r0 = 0\ncall {helper}\nr0 = 0\nexit"), FLOW_DISSECTOR))
            refused = False
        except kernel_run.LoadError as err:
            refused = "cannot use helper" in err.log or "invalid func" in err.log
        if kind.func_allowed(helper) == refused:
            differ.append(helper)
    assert not differ, f"func_allowed differs from the kernel for helper ids {differ}"


def _load_errno(backend: UserBackend | NativeBackend, text: str, attach: int = 0) -> int:
    try:
        os.close(load_fd(backend, FLOW_DISSECTOR, text, attach))
    except OSError as err:
        return err.errno or 0
    return 0


@needs_kernel
def test_ctx_and_flow_keys_access_match_kernel() -> None:
    """Every aligned ctx offset and size read and written; flow-keys reads and writes at every offset
    and size up to past the struct: the same errno on both."""
    user, native = UserBackend(), NativeBackend()
    differ = []
    texts = []
    for size, width in ((1, "u8"), (2, "u16"), (4, "u32"), (8, "u64")):
        for off in range(0, SK_BUFF_SIZE + 8, size):
            texts.append(f"r2 = *({width} *)(r1 + {off})\nr0 = 0\nexit")
            texts.append(f"r2 = 0\n*({width} *)(r1 + {off}) = r2\nr0 = 0\nexit")
        for off in range(-8, FLOW_KEYS_SIZE + 8):
            texts.append(
                f"r2 = *(u64 *)(r1 + 144)\nr0 = *({width} *)(r2 {'+' if off >= 0 else '-'} {abs(off)})\nexit"
            )
            texts.append(f"r2 = *(u64 *)(r1 + 144)\n*({width} *)(r2 + {off % 64}) = r1\nr0 = 0\nexit")
    for text in texts:
        outcomes = (_load_errno(user, text), _load_errno(native, text))
        if outcomes[0] != outcomes[1]:
            differ.append((text, outcomes))
    assert not differ, differ


@needs_kernel
def test_ctx_rewrite_is_the_kernels() -> None:
    programs = []
    for backend in (UserBackend(), NativeBackend()):
        fd = load_fd(backend, FLOW_DISSECTOR, PARSE_IPV4)
        try:
            programs.append(xlated(backend, fd))
        finally:
            os.close(fd)
    assert programs[0] == programs[1]


@needs_kernel
def test_any_expected_attach_type_loads() -> None:
    for attach in (0, uapi.BPF_FLOW_DISSECTOR, uapi.BPF_SK_LOOKUP, 1000):
        outcomes = (
            _load_errno(UserBackend(), READ_KEYS, attach),
            _load_errno(NativeBackend(), READ_KEYS, attach),
        )
        assert outcomes[0] == outcomes[1], attach


@needs_kernel
@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize(
    "text", [PARSE_IPV4, READ_KEYS, LOAD_BYTES], ids=["parse", "read_keys", "load_bytes"]
)
def test_test_run_as_the_kernel(text: str) -> None:
    for ctx in (None, FLAGS_CTX, bytes(56) + b"\x01", bytes(64), bytes(8), b"\x01" + bytes(55)):
        for data in (IPV4_UDP, ETH_ONLY, IPV4_UDP[:13], IPV4_UDP[:20], bytes(4096), bytes(4097)):
            for ctx_size_out in (0, 8, 56, 64):
                compare_net(FLOW_DISSECTOR, text, data, ctx, ctx_size_out=ctx_size_out, repeat=2)


@needs_kernel
@pytest.mark.usefixtures("engine")
def test_test_run_refusals_as_the_kernel() -> None:
    compare_net(FLOW_DISSECTOR, READ_KEYS, IPV4_UDP, flags=1)
    compare_net(FLOW_DISSECTOR, READ_KEYS)


def test_flow_keys_out_of_pybpf_alone() -> None:
    outcome = run_on(UserBackend(), FLOW_DISSECTOR, PARSE_IPV4, IPV4_UDP, FLAGS_CTX, ctx_size_out=56)
    keys = uapi.bpf_flow_keys.from_buffer_copy(outcome.data_out)
    assert (keys.nhoff, keys.thoff, keys.ip_proto, keys.flags) == (len(IPV4_UDP), len(IPV4_UDP), 17, 7)
    assert keys.n_proto == 0x0008 and outcome.ctx_out == FLAGS_CTX
