"""BPF_PROG_TYPE_NETFILTER: a program on a netfilter hook, given the hook state and the packet.

Mirrors net/netfilter/nf_bpf_link.c (``netfilter_verifier_ops``: ``nf_is_valid_access``,
``bpf_nf_func_proto``), kernel/bpf/syscall.c (``bpf_prog_load_check_attach``) and
net/bpf/test_run.c (``bpf_prog_test_run_nf``) of Linux 6.18:

* the load needs expected_attach_type BPF_NETFILTER (EINVAL otherwise);
* the ctx is ``struct bpf_nf_ctx`` (``state`` at 0, ``skb`` at 8): read only, each pointer as a whole
  8-byte read at its own offset; a read gives a trusted PTR_TO_BTF_ID of vmlinux's
  ``struct nf_hook_state`` / ``struct sk_buff`` (``ctx_btf_fields``, which the verifier reads), so
  the program walks the kernel's own structs (read only: "only read is supported").  Without the
  kernel's BTF there is nothing to point to and every ctx read is refused, as the kernel's
  ``nf_ptr_to_btf_id`` does;
* helpers: ``bpf_base_func_proto`` for a root loader (measured: the base set without
  perf_event_output, the skc_to_* casts and ktime_get_coarse_ns); kfuncs: the skb set
  (bpf_dynptr_from_skb, given the trusted ``skb`` pointer: the verifier takes it for the
  ``struct __sk_buff *`` parameter, whose projection it is; made read-only by the fixup since the
  type may not write the packet), and the common set;
* the return value is NF_DROP (0) or NF_ACCEPT (1) (``pybpf.progtypes.return_ranges``);
* BPF_PROG_TEST_RUN: flags, cpu and batch_size must be 0 (EINVAL), the packet at least an IPv4
  header (20 bytes) and at most a page less the skb's headroom and tailroom (EINVAL); ctx_in is a
  ``struct nf_hook_state`` (its bytes past the struct zero: E2BIG) whose ``in``, ``out``, ``net``,
  ``sk`` and ``okfn`` are NULL and ``pf`` NFPROTO_IPV4 or NFPROTO_IPV6 (EINVAL) -- giving one (or
  only ctx_out) replaces the default state (IPv4, NF_INET_LOCAL_OUT) by its pf and hook, the hook
  not checked, and sets ``out`` to the loopback device (the kernel decides that on the default
  hook, LOCAL_OUT, before copying the user's).  At LOCAL_OUT the packet is the IP packet as given
  (skb->protocol from pf); at any other hook it starts with an Ethernet header that
  ``eth_type_trans`` pulls on the loopback device (34 bytes at least, EINVAL; IPv6 54), whose
  protocol must be the pf's (EINVAL; neither IPv4 nor IPv6: EPROTO).  The program runs ``repeat``
  times; retval and duration are reported, data_size_out is 0, nothing is copied out.

The structs the program reads are laid out from the running kernel's BTF (``KernelImage``): the
sk_buff's ``head``, ``data``, ``len``, ``tail``, ``end``, the header offsets, ``protocol``,
``pkt_type``, ``dev`` and ``users`` as the test run's skb has them (``end`` from the kmalloc size
class the kernel's buffer would get); the loopback ``net_device``'s ``ifindex``, ``name`` and
``mtu``; the hook state's ``hook``, ``pf`` and ``out``.  Every other field reads as zero.
"""

from __future__ import annotations

import ctypes
import errno
from typing import ClassVar

from pybpf.btf.types import BTF, BTFError, Struct
from pybpf.errors import BPFError
from pybpf.helpers.context import RunEnv
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.memory.regions import Region
from pybpf.progtypes.base import (
    BASE_FUNC_IDS,
    U32_MAX,
    ProgramRunner,
    ProgType,
    TestRunArgs,
    TestRunResult,
    ctx_present,
    ctx_tail_zero,
    repeat_program,
)
from pybpf.progtypes.registry import register
from pybpf.progtypes.skb import (
    ETH_HLEN,
    ETH_P_IP,
    ETH_P_IPV6,
    MAX_TEST_DATA,
    SKB_HEADROOM,
    SKB_SHINFO_SIZE,
    SkbKern,
    SkbState,
    eth_type_trans,
)
from pybpf.uapi import BPF_NETFILTER, BPF_PROG_TYPE_NETFILTER

NF_CTX_SIZE = 16
"""``sizeof(struct bpf_nf_ctx)``: the two pointers."""
STATE_OFF, SKB_OFF = 0, 8
NF_FUNC_IDS: frozenset[int] = BASE_FUNC_IDS - {25, 136, 137, 138, 139, 140, 160, 178, 196}
"""``bpf_nf_func_proto`` = ``bpf_base_func_proto`` for a root loader (measured on Linux 6.18)."""
NFPROTO_IPV4, NFPROTO_IPV6 = 2, 10
NF_INET_PRE_ROUTING, NF_INET_LOCAL_IN, NF_INET_FORWARD, NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING = range(5)
IPHDR_LEN, IPV6HDR_LEN = 20, 40
NF_HOOK_STATE_SIZE = 48
"""``sizeof(struct nf_hook_state)`` on x86-64 (its BTF's size where the kernel's BTF is read)."""
LOOPBACK_IFINDEX, LOOPBACK_MTU = 1, 65536
_KMALLOC_SIZES = (8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192)
_SMP_CACHE_BYTES = 64


def _be16(value: int) -> int:
    """A host-order protocol number as the __be16 a little-endian load of the field reads."""
    return int.from_bytes(value.to_bytes(2, "big"), "little")


def _kmalloc_size(size: int) -> int:
    """ksize() of a kmalloc of ``size`` bytes: its size class (the kernel's kmalloc caches)."""
    for bucket in _KMALLOC_SIZES:
        if size <= bucket:
            return bucket
    return size


def _data_align(size: int) -> int:
    """SKB_DATA_ALIGN(): rounded up to SMP_CACHE_BYTES."""
    return (size + _SMP_CACHE_BYTES - 1) & ~(_SMP_CACHE_BYTES - 1)


class KernelImage:
    """A zeroed buffer laid out as the vmlinux struct ``name`` (its BTF size, or ``fallback``
    bytes without the kernel's BTF), whose members are set by name (``set``; a member the BTF
    lacks is left alone)."""

    def __init__(self, name: str, fallback: int) -> None:
        found = kernel_btf()
        self.btf: BTF | None = found.btf if found.from_kernel else None
        self.type_id = 0
        size = fallback
        if self.btf is not None:
            ids = [i for i in self.btf.ids_by_name(name) if isinstance(self.btf[i], Struct)]
            if ids:
                self.type_id, size = ids[0], self.btf.size_of(ids[0])
        self.buffer = (ctypes.c_char * max(size, 1))()
        self.view = memoryview(self.buffer).cast("B")

    @property
    def address(self) -> int:
        return ctypes.addressof(self.buffer)

    def set(self, path: str, value: int | bytes) -> None:
        """Store ``value`` (little-endian in the member's width, or bytes) in member ``path``."""
        if self.btf is None or not self.type_id:
            return
        try:
            found = self.btf.member_at(self.type_id, path)
        except BTFError:
            return
        start = found.bit_offset // 8
        if isinstance(value, bytes):
            self.view[start : start + len(value)] = value
        elif found.bitfield_size:
            shift, mask = found.bit_offset % 8, (1 << found.bitfield_size) - 1
            self.view[start] = (self.view[start] & ~(mask << shift) & 0xFF) | ((value & mask) << shift)
        else:
            width = self.btf.size_of(found.type_id)
            self.view[start : start + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "little")


def _hook_state(args: TestRunArgs) -> tuple[int, int, bool]:
    """(pf, hook, out is loopback) of the run: the default state, or ``verify_and_copy_hook_state``
    of the user's (EINVAL for pointers set or an unknown pf)."""
    if not ctx_present(args):
        return NFPROTO_IPV4, NF_INET_LOCAL_OUT, False
    user = ctx_tail_zero(args.ctx_in, NF_HOOK_STATE_SIZE)
    if any(user[8:48]):  # in, out, sk, net, okfn
        raise BPFError(errno.EINVAL, "ctx_in: nf_hook_state's in, out, sk, net and okfn must be NULL")
    pf, hook = user[1], user[0]
    if pf not in (NFPROTO_IPV4, NFPROTO_IPV6):
        raise BPFError(errno.EINVAL, f"ctx_in: pf {pf} is neither NFPROTO_IPV4 nor NFPROTO_IPV6")
    return pf, hook, True  # out: the loopback device, as for the default hook (LOCAL_OUT)


@register
class NetfilterProgType(ProgType):
    """BPF_PROG_TYPE_NETFILTER: ``struct bpf_nf_ctx`` (hook state and skb) as ctx."""

    prog_type: ClassVar[int] = BPF_PROG_TYPE_NETFILTER
    name: ClassVar[str] = "netfilter"
    ctx_size: ClassVar[int] = NF_CTX_SIZE
    ctx_btf_fields: ClassVar[dict[int, str]] = {STATE_OFF: "nf_hook_state", SKB_OFF: "sk_buff"}
    """ctx offset -> the vmlinux struct a read there points to (trusted PTR_TO_BTF_ID)."""

    def check_expected_attach_type(self, expected_attach_type: int) -> None:
        """``bpf_prog_load_check_attach``: BPF_NETFILTER only."""
        if expected_attach_type != BPF_NETFILTER:
            raise BPFError(errno.EINVAL, "netfilter programs need expected_attach_type BPF_NETFILTER")

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in NF_FUNC_IDS

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        """``nf_is_valid_access``: a whole pointer, read; none without the kernel's BTF."""
        return off in self.ctx_btf_fields and size == 8 and not write and kernel_btf().from_kernel

    def check_test_run_attr(self, args: TestRunArgs) -> None:
        if args.flags or args.cpu or args.batch_size:
            raise BPFError(errno.EINVAL, "flags, cpu and batch_size must be 0 for netfilter programs")
        size = len(args.data_in)
        if size < IPHDR_LEN:
            raise BPFError(errno.EINVAL, f"data_size_in {size} is smaller than an IPv4 header")
        if size > MAX_TEST_DATA:
            raise BPFError(errno.EINVAL, f"data_size_in {size} is above {MAX_TEST_DATA}")
        _hook_state(args)

    def test_run(self, runner: ProgramRunner, args: TestRunArgs) -> TestRunResult:
        """``bpf_prog_test_run_nf``."""
        self.check_test_run_attr(args)
        pf, hook, out_is_lo = _hook_state(args)
        frame = bytes(args.data_in)
        size = len(frame)
        skb = KernelImage("sk_buff", 8)
        dev = KernelImage("net_device", 8)
        state = KernelImage("nf_hook_state", NF_HOOK_STATE_SIZE)
        buffer = (ctypes.c_char * _kmalloc_size(_data_align(size) + SKB_HEADROOM + SKB_SHINFO_SIZE))()
        memoryview(buffer).cast("B")[SKB_HEADROOM : SKB_HEADROOM + size] = frame
        head = ctypes.addressof(buffer)
        data, length, mac, network = SKB_HEADROOM, size, 0xFFFF, 0
        if hook != NF_INET_LOCAL_OUT:
            if size < ETH_HLEN + IPHDR_LEN:
                raise BPFError(errno.EINVAL, "a packet at this hook needs an Ethernet and an IPv4 header")
            protocol, pkt_type = eth_type_trans(frame, bytes(6), bytes(6))
            if protocol == _be16(ETH_P_IP):
                if pf != NFPROTO_IPV4:
                    raise BPFError(errno.EINVAL, "an IPv4 packet on a hook of another family")
            elif protocol == _be16(ETH_P_IPV6):
                if size < ETH_HLEN + IPV6HDR_LEN or pf != NFPROTO_IPV6:
                    raise BPFError(errno.EINVAL, "an IPv6 packet too short or on a hook of another family")
            else:
                raise BPFError(errno.EPROTO, "the packet is neither IPv4 nor IPv6")
            mac, data, length = SKB_HEADROOM, SKB_HEADROOM + ETH_HLEN, size - ETH_HLEN
            network = data
            skb.set("pkt_type", pkt_type)
            skb.set("dev", dev.address)
        else:
            protocol = _be16(ETH_P_IP if pf == NFPROTO_IPV4 else ETH_P_IPV6)
        for name, value in (
            ("head", head), ("data", head + data), ("len", length), ("tail", data + length),
            ("end", len(buffer) - SKB_SHINFO_SIZE), ("mac_header", mac), ("network_header", network),
            ("transport_header", 0xFFFF), ("protocol", protocol), ("users", 1),
        ):  # fmt: skip
            skb.set(name, value)
        dev.set("ifindex", LOOPBACK_IFINDEX)
        dev.set("name", b"lo\0")
        dev.set("mtu", LOOPBACK_MTU)
        state.set("hook", hook)
        state.set("pf", pf)
        if out_is_lo:
            state.set("out", dev.address)
        ctx = (ctypes.c_uint64 * 2)(state.address, skb.address)
        packet = SkbState(SkbKern(), buffer, data, length, mac, network, direct_access=False)
        memory = runner.memory
        regions: list[Region] = []
        try:
            for target, name in (
                (ctx, "bpf_nf_ctx"), (state.buffer, "nf_hook_state"), (skb.buffer, "sk_buff"),
                (dev.buffer, "net_device"), (buffer, "packet"),
            ):  # fmt: skip
                regions.append(memory.add_region(target, writable=False, name=name))
            retval, duration = repeat_program(
                runner, args.repeat, ctypes.addressof(ctx), RunEnv(packet=packet)
            )
        finally:
            for region in regions:
                memory.remove_region(region)
        return TestRunResult(retval & U32_MAX, b"", None, duration)


__all__ = ["NF_CTX_SIZE", "NF_FUNC_IDS", "KernelImage", "NetfilterProgType"]
