"""BPF_PROG_TYPE_SK_LOOKUP: a program that picks the socket a new connection or datagram goes to.

Mirrors net/core/filter.c ``sk_lookup_verifier_ops``/``sk_lookup_prog_ops`` and
net/bpf/test_run.c ``bpf_prog_test_run_sk_lookup`` (Linux 6.18):

* the load needs expected_attach_type BPF_SK_LOOKUP (``bpf_prog_load_check_attach``: EINVAL);
* ``sk_lookup_is_valid_access`` on ``struct bpf_sk_lookup`` (72 bytes): reads only, aligned;
  ``sk`` as 8 bytes (a PTR_TO_SOCKET_OR_NULL: the verifier's side is in
  ``pybpf.verifier.checks.mem``); the 4-byte fields (family, protocol, the addresses, local_port,
  ingress_ifindex) narrow-readable; ``remote_port`` 2 bytes or narrower, or 4 bytes at its offset
  (backward compatibility); the 2 bytes of padding after it read as zero;
* ``sk_lookup_convert_ctx_access``: loads from the kernel's ``struct bpf_sk_lookup_kern``, which
  ``SkLookupKern`` lays out as the kernel does (so the xlated program is the kernel's): family,
  protocol, the ports as 16-bit loads, the IPv6 addresses through their pointers (NULL: 0), the
  padding a ``mov 0``; a narrow read is widened to its field and shifted and masked only when it
  is narrower than the kernel field (``size < target_size`` in convert_ctx_accesses: a 2-byte read
  of family's upper half loads family, as on the kernel);
* ``sk_lookup_func_proto`` for a root loader: the base set, ``bpf_perf_event_output`` (the
  ``bpf_event_output_data`` flavour), ``bpf_sk_release`` and ``bpf_sk_assign``, as measured; its
  ``bpf_sk_assign`` takes a socket or NULL (``func_proto``, which the verifier asks first);
* the return value is SK_DROP or SK_PASS (``pybpf.progtypes.return_ranges``);
* test_run: no data in or out, flags, cpu and batch_size 0 (EINVAL); the ctx is required
  (EINVAL without), its sk/cookie and ingress_ifindex zero (EINVAL), local_port at most 65535
  (ERANGE), family AF_INET or AF_INET6 (EAFNOSUPPORT); the addresses of the other family read as
  0; each run starts with no socket selected; the retval is SK_PASS when the program passed (or
  selected a socket), and ctx_out is the ctx with the selected socket's cookie (0: none).

pybpf has no sockets to select in a test run (they would come from a SOCKMAP/SOCKHASH lookup), so
``bpf_sk_assign`` works on a NULL socket only (its flag and EEXIST rules); a non-NULL socket, and
``bpf_sk_release``, stop the run with a HelperError.
"""

from __future__ import annotations

import ctypes
import dataclasses
import errno
from collections.abc import Mapping
from typing import ClassVar

from pybpf.errors import BPFError, HelperError
from pybpf.helpers.context import HelperContext, RunEnv
from pybpf.helpers.perf_output import PERF_EVENT_OUTPUT, perf_event_output
from pybpf.helpers.protos import PROTOS, ArgType, HelperProto, proto
from pybpf.helpers.registry import Helper
from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.words import M32, M64
from pybpf.progtypes.base import (
    ProgramRunner,
    ProgType,
    TestRunArgs,
    TestRunResult,
    ctx_present,
    ctx_tail_zero,
    helper_ids,
    range_is_zero,
    repeat_runs,
)
from pybpf.progtypes.registry import register
from pybpf.uapi import (
    BPF_PROG_TYPE_SK_LOOKUP,
    BPF_SK_LOOKUP,
    BPF_SK_LOOKUP_F_NO_REUSEPORT,
    BPF_SK_LOOKUP_F_REPLACE,
    SK_DROP,
    SK_PASS,
    bpf_sk_lookup,
    offsetof,
    offsetofend,
)

SK_LOOKUP_SIZE = ctypes.sizeof(bpf_sk_lookup)
AF_INET, AF_INET6 = 2, 10
U16_MAX = 0xFFFF
SK_ASSIGN = 124
SK_LOOKUP_HELPERS = helper_ids(
    (1, 3), (5, 8), 12, (14, 17), 22, 25, 35, 37, 42, 55, 80, (86, 89), (93, 94), (105, 106), 109,
    (112, 115), (117, 118), 120, (123, 125), (130, 134), (136, 141), (148, 149), (153, 154), (156, 158),
    160, (164, 165), (169, 172), (175, 178), (180, 182), 191, (194, 203), (208, 211),
)  # fmt: skip
"""``sk_lookup_func_proto(id) != NULL`` on Linux 6.18 for a root loader (helper ids 1..211)."""
SK_LOOKUP_ASSIGN_PROTO = dataclasses.replace(
    PROTOS[SK_ASSIGN], args=(ArgType.PTR_TO_CTX, ArgType.PTR_TO_SOCKET_OR_NULL, ArgType.ANYTHING)
)
"""``bpf_sk_lookup_assign_proto``: sk_lookup's bpf_sk_assign takes a socket or NULL (tc's, the shared
prototype, a sock_common)."""


class SkLookupKern(ctypes.Structure):
    """The kernel's ``struct bpf_sk_lookup_kern``: what the program's ctx pointer points to."""

    _fields_ = (
        ("family", ctypes.c_uint16),
        ("protocol", ctypes.c_uint16),
        ("sport", ctypes.c_uint16),  # __be16, as the user gave remote_port
        ("dport", ctypes.c_uint16),  # host order, local_port
        ("v4_saddr", ctypes.c_uint32),
        ("v4_daddr", ctypes.c_uint32),
        ("v6_saddr", ctypes.c_uint64),  # const struct in6_addr *
        ("v6_daddr", ctypes.c_uint64),
        ("selected_sk", ctypes.c_uint64),
        ("ingress_ifindex", ctypes.c_uint32),
        ("no_reuseport", ctypes.c_uint8),
    )


def _off(name: str) -> int:
    return offsetof(bpf_sk_lookup, name)


def _koff(name: str) -> int:
    offset: int = getattr(SkLookupKern, name).offset
    return offset


_PORT, _PAD = _off("remote_port"), offsetofend(bpf_sk_lookup, "remote_port")
_WORD_FIELDS = ("family", "protocol", "remote_ip4", "local_ip4", "remote_ip6", "local_ip6", "local_port",
                "ingress_ifindex")  # fmt: skip
_LOADS = {  # uapi offset -> (kernel field, its size)
    _off("family"): ("family", 2),
    _off("protocol"): ("protocol", 2),
    _off("remote_ip4"): ("v4_saddr", 4),
    _off("local_ip4"): ("v4_daddr", 4),
    _PORT: ("sport", 2),
    _off("local_port"): ("dport", 2),
    _off("ingress_ifindex"): ("ingress_ifindex", 4),
    _off("sk"): ("selected_sk", 8),
}
_SIZE_CODE = {1: op.BPF_B, 2: op.BPF_H, 4: op.BPF_W, 8: op.BPF_DW}


def _word_field(off: int) -> bool:
    return any(_off(name) <= off < offsetofend(bpf_sk_lookup, name) for name in _WORD_FIELDS)


def _field_size(off: int, size: int) -> int:
    """The ctx field size the verifier records for a read (0: none, read at its own size)."""
    if _word_field(off):
        return 4
    if _PORT <= off < _PAD + 2:
        return 0 if size == 4 else 2
    return 0


def _ldx(size: int, dst: int, src: int, off: int) -> Instruction:
    return Instruction(op.BPF_LDX | op.BPF_MEM | _SIZE_CODE[size], dst, src, off)


def _convert_field(off: int, dst: int, src: int) -> tuple[list[Instruction], int]:
    """``sk_lookup_convert_ctx_access`` of a read at ``off`` (a field's start): (insns, target size)."""
    for name in ("remote_ip6", "local_ip6"):
        start = _off(name)
        if start <= off < start + 16:
            pointer = _koff("v6_saddr" if name == "remote_ip6" else "v6_daddr")
            return [
                _ldx(8, dst, src, pointer),
                Instruction(op.BPF_JMP | op.JMP_OPS["jeq"] | op.BPF_K, dst, 0, 1, 0),
                _ldx(4, dst, dst, off - start),
            ], 4
    if off == _PAD:
        return [Instruction(op.BPF_ALU | op.ALU_OPS["mov"] | op.BPF_K, dst, 0, 0, 0)], 2
    kname, ksize = _LOADS[off]
    return [_ldx(ksize, dst, src, _koff(kname))], ksize


def convert_sk_lookup_access(insn: Instruction) -> list[Instruction]:
    """The verifier's rewrite of one ctx read: widened to its field, converted, narrowed."""
    size = op.SIZE_BYTES[insn.opcode & 0x18]
    field_size = _field_size(insn.off, size)
    off = insn.off
    if size < field_size:
        off &= ~(field_size - 1)
    out, target_size = _convert_field(off, insn.dst, insn.src)
    if size < field_size and size < target_size:
        shift = (insn.off & (field_size - 1)) * 8
        if shift:
            out.append(Instruction(op.BPF_ALU | op.ALU_OPS["rsh"] | op.BPF_K, insn.dst, 0, 0, shift))
        out.append(
            Instruction(op.BPF_ALU | op.ALU_OPS["and"] | op.BPF_K, insn.dst, 0, 0, (1 << size * 8) - 1)
        )
    if insn.opcode & 0xE0 == op.BPF_MEMSX:
        out.append(Instruction(op.BPF_ALU64 | op.ALU_OPS["mov"] | op.BPF_X, insn.dst, insn.dst, size * 8))
    return out


def sk_lookup_assign(ctx: HelperContext, kern_address: int, sk: int, flags: int, _r4: int, _r5: int) -> int:
    """``bpf_sk_lookup_assign`` (pybpf has no socket to select: NULL only, see the module docstring)."""
    if flags & ~(BPF_SK_LOOKUP_F_REPLACE | BPF_SK_LOOKUP_F_NO_REUSEPORT):
        return -errno.EINVAL & M64
    if sk:
        raise HelperError(None, "pybpf has no sockets to select in a sk_lookup test run")
    kern = SkLookupKern.from_address(kern_address)
    if kern.selected_sk and not flags & BPF_SK_LOOKUP_F_REPLACE:
        return -errno.EEXIST & M64
    kern.selected_sk = 0
    kern.no_reuseport = int(bool(flags & BPF_SK_LOOKUP_F_NO_REUSEPORT))
    return 0


@register
class SkLookup(ProgType):
    """BPF_PROG_TYPE_SK_LOOKUP."""

    converts_ctx: ClassVar[bool] = True

    prog_type: ClassVar[int] = BPF_PROG_TYPE_SK_LOOKUP
    name: ClassVar[str] = "sk_lookup"
    ctx_size: ClassVar[int] = SK_LOOKUP_SIZE

    def check_expected_attach_type(self, expected_attach_type: int) -> None:
        """``bpf_prog_load_check_attach``: only BPF_SK_LOOKUP (EINVAL)."""
        if expected_attach_type != BPF_SK_LOOKUP:
            raise BPFError(errno.EINVAL, "sk_lookup programs need expected_attach_type BPF_SK_LOOKUP")

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in SK_LOOKUP_HELPERS

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        if off < 0 or off >= SK_LOOKUP_SIZE or size not in (1, 2, 4, 8) or off % size or write:
            return False
        if off == _off("sk"):
            return size == 8
        if _word_field(off):
            return size <= 4 and (off & 3) + size <= 4
        if off == _PORT and size == 4:
            return True
        if _PORT <= off < _PAD + 2:
            return size <= 2 and (off & 1) + size <= 2
        return False

    def convert_ctx_access(self, insn: Instruction) -> list[Instruction]:
        return convert_sk_lookup_access(insn)

    def func_proto(self, helper_id: int) -> HelperProto | None:
        """``sk_lookup_func_proto``'s prototype of ``helper_id`` where it is not the shared one."""
        return SK_LOOKUP_ASSIGN_PROTO if helper_id == SK_ASSIGN else proto(helper_id)

    def helpers(self) -> Mapping[int, Helper]:
        return {PERF_EVENT_OUTPUT: perf_event_output, SK_ASSIGN: sk_lookup_assign}

    def check_test_run_attr(self, args: TestRunArgs) -> None:
        self._user_ctx(args)

    def _user_ctx(self, args: TestRunArgs) -> bpf_sk_lookup:
        """``bpf_prog_test_run_sk_lookup``'s checks before the run; the user's ctx."""
        if args.flags or args.cpu or args.batch_size:
            raise BPFError(errno.EINVAL, "flags, cpu and batch_size must be 0 for sk_lookup programs")
        if args.data_in or args.data_size_out:
            raise BPFError(errno.EINVAL, "sk_lookup test runs take no data")
        if not ctx_present(args):
            raise BPFError(errno.EINVAL, "sk_lookup test runs need a ctx")
        ctx = ctx_tail_zero(args.ctx_in, SK_LOOKUP_SIZE)
        user = bpf_sk_lookup.from_buffer_copy(ctx)
        if user.cookie or not range_is_zero(ctx, offsetofend(bpf_sk_lookup, "local_port"), SK_LOOKUP_SIZE):
            raise BPFError(errno.EINVAL, "ctx_in: sk and ingress_ifindex must be zero")
        if user.local_port > U16_MAX:
            raise BPFError(errno.ERANGE, "ctx_in: local_port above 65535")
        if user.family & 0xFFFF not in (AF_INET, AF_INET6):
            raise BPFError(errno.EAFNOSUPPORT, "ctx_in: family must be AF_INET or AF_INET6")
        return user

    def test_run(self, runner: ProgramRunner, args: TestRunArgs) -> TestRunResult:
        user = self._user_ctx(args)
        kern = SkLookupKern()
        kern.family, kern.protocol = user.family & 0xFFFF, user.protocol & 0xFFFF
        kern.dport, kern.sport = user.local_port, user.remote_port
        addresses = (ctypes.c_uint32 * 8)(*user.remote_ip6, *user.local_ip6)
        if kern.family == AF_INET:
            kern.v4_daddr, kern.v4_saddr = user.local_ip4, user.remote_ip4
        else:
            kern.v6_saddr = ctypes.addressof(addresses)
            kern.v6_daddr = ctypes.addressof(addresses) + 16
        memory = runner.memory
        regions = [
            memory.add_region(
                ctypes.addressof(kern), ctypes.sizeof(kern), writable=False, name="bpf_sk_lookup"
            ),
            memory.add_region(addresses, writable=False, name="in6_addr"),
        ]
        env = RunEnv()

        def lookup() -> int:
            kern.selected_sk, kern.no_reuseport = 0, 0
            verdict = runner.run(ctypes.addressof(kern), env) & M32
            if verdict == SK_PASS and kern.selected_sk:
                return SK_PASS
            kern.selected_sk = 0
            return SK_DROP if verdict == SK_DROP else SK_PASS

        try:
            retval, duration = repeat_runs(args.repeat, lookup)
        finally:
            for region in regions:
                memory.remove_region(region)
        user.cookie = 0  # no socket was selected: pybpf has none
        return TestRunResult(retval, None, bytes(user), duration)


__all__ = [
    "SK_LOOKUP_ASSIGN_PROTO",
    "SK_LOOKUP_HELPERS",
    "SK_LOOKUP_SIZE",
    "SkLookup",
    "SkLookupKern",
    "convert_sk_lookup_access",
    "sk_lookup_assign",
]
