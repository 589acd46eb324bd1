"""SK_LOOKUP compared with the kernel: the attach-type rule, helper set, ctx access rules (every
offset, size, read and write; sign-extending reads), the ctx rewrite (the kernel's xlated program,
instruction for instruction) and BPF_PROG_TEST_RUN through ``bpf()`` on both backends, on each
engine."""

from __future__ import annotations

import ctypes
import errno
import os

import pytest

from pybpf import uapi
from pybpf.elf.sections import program_kind
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.progtypes import get_prog_type
from pybpf.progtypes.sk_lookup import SK_LOOKUP_SIZE, SkLookup
from pybpf.uapi import BPF_PROG_TYPE_SK_LOOKUP as SK_LOOKUP
from pybpf.uapi import BPF_SK_LOOKUP
from tests.progtypes.net_diff import compare_net, load_fd, load_log, run_on
from tests.progtypes.test_skb_support import needs_kernel
from tests.progtypes.test_tracing import xlated


def sk_lookup_ctx(**fields: object) -> bytes:
    ctx = uapi.bpf_sk_lookup()
    for name, value in fields.items():
        if name in ("remote_ip6", "local_ip6"):
            getattr(ctx, name)[:] = value  # type: ignore[index]
        else:
            setattr(ctx, name, value)
    return bytes(ctypes.string_at(ctypes.addressof(ctx), SK_LOOKUP_SIZE))


V4 = sk_lookup_ctx(family=2, protocol=6, remote_ip4=0x0100007F, local_ip4=0x0200000A, remote_port=0x3930,
                   local_port=8080)  # fmt: skip
V6 = sk_lookup_ctx(family=10, protocol=17, remote_ip6=[1, 2, 3, 0xFFFFFFFF], local_ip6=[5, 6, 7, 0x80000000],
                   remote_port=0xFFFF, local_port=53)  # fmt: skip
READ_EVERYTHING = "\n".join(
    ["r0 = 0"]
    + [f"r2 = *(u{8 * size} *)(r1 + {off})\nr0 *= 31\nr0 += r2" for off, size in
       [(o, s) for s in (4, 2, 1) for o in range(8, 68, s) if not 36 <= o < 40 or s < 4] + [(36, 4)]]
    + ["exit"]
)  # fmt: skip


def _load_errno(backend: Backend, text: str, attach: int = BPF_SK_LOOKUP) -> int:
    try:
        os.close(load_fd(backend, SK_LOOKUP, text, attach))
    except OSError as err:
        return err.errno or 0
    return 0


def test_registered() -> None:
    kind = get_prog_type(SK_LOOKUP)
    assert isinstance(kind, SkLookup) and kind.ctx_size == SK_LOOKUP_SIZE == 72
    assert kind.func_allowed(124) and kind.func_allowed(86) and not kind.func_allowed(26)
    assert _load_errno(UserBackend(), "r0 = 0\nexit", 0) == errno.EINVAL
    assert _load_errno(UserBackend(), "r0 = 2\nexit") == errno.EINVAL  # SK_DROP .. SK_PASS


@needs_kernel
def test_attach_types_and_return_values_as_the_kernel() -> None:
    for attach in (0, BPF_SK_LOOKUP, uapi.BPF_FLOW_DISSECTOR, 1000):
        for text in ("r0 = 1\nexit", "r0 = 2\nexit", "r0 = -1\nexit", "r0 = r1\nexit"):
            assert _load_errno(UserBackend(), text, attach) == _load_errno(NativeBackend(), text, attach)


@needs_kernel
def test_func_allowed_matches_kernel() -> None:
    kind = get_prog_type(SK_LOOKUP)
    assert kind is not None
    differ = []
    for helper in range(1, 212):
        _, log = load_log(NativeBackend(), SK_LOOKUP, f"r0 = 0\ncall {helper}\nr0 = 0\nexit", BPF_SK_LOOKUP)
        refused = "cannot use helper" in log or "invalid func" in log
        if kind.func_allowed(helper) == refused:
            differ.append(helper)
    assert not differ, f"func_allowed differs from the kernel for helper ids {differ}"


@needs_kernel
def test_ctx_access_matches_kernel() -> None:
    user, native = UserBackend(), NativeBackend()
    differ = []
    for size, width in ((1, "u8"), (2, "u16"), (4, "u32"), (8, "u64")):
        for off in range(-8, SK_LOOKUP_SIZE + 8):
            for text in (
                f"r2 = *({width} *)(r1 {'+' if off >= 0 else '-'} {abs(off)})\nr0 = 0\nexit",
                f"r2 = *(s{8 * size} *)(r1 + {off % 80})\nr0 = 0\nexit" if size < 8 else "r0 = 0\nexit",
                f"r2 = 0\n*({width} *)(r1 + {off % 80}) = r2\nr0 = 0\nexit",
            ):
                outcomes = (_load_errno(user, text), _load_errno(native, text))
                if outcomes[0] != outcomes[1]:
                    differ.append((text, outcomes))
    assert not differ, differ


@needs_kernel
def test_ctx_rewrite_is_the_kernels() -> None:
    sign_extending = "r2 = *(s8 *)(r1 + 9)\nr0 += r2\nr2 = *(s16 *)(r1 + 62)\nr0 += r2\n"
    sk = "r2 = *(u64 *)(r1 + 0)\nif r2 == 0 goto +1\nr0 += 1\n"
    text = READ_EVERYTHING.replace("exit", sign_extending + sk + "r0 &= 1\nexit")
    programs = []
    for backend in (UserBackend(), NativeBackend()):
        fd = load_fd(backend, SK_LOOKUP, text, BPF_SK_LOOKUP)
        try:
            programs.append(xlated(backend, fd))
        finally:
            os.close(fd)
    assert programs[0] == programs[1]


@needs_kernel
@pytest.mark.usefixtures("engine")
def test_every_field_runs_as_the_kernel() -> None:
    for ctx in (V4, V6):
        assert compare_net(SK_LOOKUP, READ_EVERYTHING + "\n", ctx_in=ctx, ctx_size_out=72).run_errno == 0
        compare_net(SK_LOOKUP, READ_EVERYTHING.replace("exit", "r0 &= 1\nexit"), ctx_in=ctx, ctx_size_out=72)


@needs_kernel
@pytest.mark.usefixtures("engine")
def test_assign_and_verdicts_as_the_kernel() -> None:
    assign = """
        r6 = r1
        r2 = 0
        r3 = {flags}
        call 124
        r7 = r0
        r2 = *(u64 *)(r6 + 0)
        r0 = {verdict}
        if r7 == 0 goto +1
        r0 = 0
        if r2 == 0 goto +1
        r0 = 0
        exit
    """
    for flags in (0, 1, 2, 3, 4):
        for verdict in (0, 1):
            outcome = compare_net(SK_LOOKUP, assign.format(flags=flags, verdict=verdict), ctx_in=V4,
                                  ctx_size_out=72, repeat=3)  # fmt: skip
            assert outcome.retval == (verdict if flags < 4 else 0)


@needs_kernel
@pytest.mark.usefixtures("engine")
def test_test_run_refusals_as_the_kernel() -> None:
    text = "r0 = 1\nexit"
    for ctx in (
        None,
        V4[:8],
        V4 + bytes(8),
        V4 + b"\x01",
        sk_lookup_ctx(family=2, cookie=1),
        sk_lookup_ctx(family=2, ingress_ifindex=1),
        sk_lookup_ctx(family=2, local_port=0x10000),
        sk_lookup_ctx(family=1),
        sk_lookup_ctx(family=0x1_0002),
        sk_lookup_ctx(family=2, protocol=0x1_0006),
    ):
        compare_net(SK_LOOKUP, text, ctx_in=ctx, ctx_size_out=72)
        compare_net(SK_LOOKUP, text, ctx_in=ctx)
    compare_net(SK_LOOKUP, text, b"\x00" * 14, ctx_in=V4)
    compare_net(SK_LOOKUP, text, ctx_in=V4, flags=1)
    compare_net(SK_LOOKUP, text, ctx_size_out=72)
    compare_net(SK_LOOKUP, text, ctx_in=V4, ctx_size_out=8)


def test_v4_addresses_read_in_pybpf_alone() -> None:
    text = "r0 = *(u32 *)(r1 + 16)\nr2 = *(u32 *)(r1 + 20)\nr0 += r2\nr0 = 1\nexit"
    outcome = run_on(UserBackend(), SK_LOOKUP, text, ctx_in=V4, ctx_size_out=72,
                     expected_attach_type=BPF_SK_LOOKUP)  # fmt: skip
    assert outcome.retval == 1 and outcome.ctx_out == V4


@pytest.mark.parametrize(
    ("section", "prog_type", "attach"),
    [
        ("lwt_in", uapi.BPF_PROG_TYPE_LWT_IN, 0),
        ("lwt_out", uapi.BPF_PROG_TYPE_LWT_OUT, 0),
        ("lwt_xmit", uapi.BPF_PROG_TYPE_LWT_XMIT, 0),
        ("lwt_seg6local", uapi.BPF_PROG_TYPE_LWT_SEG6LOCAL, 0),
        ("flow_dissector", uapi.BPF_PROG_TYPE_FLOW_DISSECTOR, uapi.BPF_FLOW_DISSECTOR),
        ("sk_lookup", SK_LOOKUP, BPF_SK_LOOKUP),
    ],
)
def test_elf_sections_load_as_these_types(section: str, prog_type: int, attach: int) -> None:
    """libbpf's SEC() names of the network types (sk_lookup and the others of this issue) give the
    type and attach type their loads need ("sk_lookup/x" is no section name since libbpf 1.0)."""
    assert program_kind("sk_lookup/x").prog_type == 0
    kind = program_kind(section)
    assert (kind.prog_type, kind.expected_attach_type) == (prog_type, attach)
    assert get_prog_type(prog_type) is not None
    text = "r0 = 1\nexit"
    assert run_on(UserBackend(), prog_type, text, expected_attach_type=attach).load_errno == 0
