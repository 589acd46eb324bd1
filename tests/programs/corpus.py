"""A corpus of BPF programs as data, for running the same programs on pybpf and on the kernel.

Each ``Case`` is a program in kernel/LLVM assembly syntax with its program type, the maps it uses
(``MapSpec``, optionally pre-filled), the programs its prog arrays hold (``TailProg``) and the runs to
make (``Run``: packet, ctx blob, repeat).  Nothing here touches a backend: the corpus is plain data,
and ``tests/programs/test_differential_programs.py`` turns it into live objects on both backends.

The programs mirror what real XDP, tc and socket filter programs do (parsing Ethernet / VLAN /
IPv4 / IPv6 / UDP / TCP with bounds checks, header rewrites with checksum fixes, head/tail/meta
adjustments, per-protocol counters) and exercise the kernel's machinery around them (helpers of
every map family, ringbuf, bpf_loop, bpf-to-bpf calls, for_each_map_elem, bounded loops, atomics,
ALU edge cases, tail calls and their limit of 33, LD_ABS/LD_IND, __sk_buff fields, SYSCALL and
RAW_TRACEPOINT ctx blobs).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from pybpf import uapi

# --- packets ----------------------------------------------------------------------------------

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
ETH_P_IP, ETH_P_IPV6, ETH_P_ARP, ETH_P_8021Q = 0x0800, 0x86DD, 0x0806, 0x8100
IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP = 1, 6, 17
TCP_SYN, TCP_ACK, TCP_FIN = 0x02, 0x10, 0x01


def csum16(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of ``data``."""
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def eth(proto: int, payload: bytes = b"", dst: bytes = MAC_B, src: bytes = MAC_A) -> bytes:
    return dst + src + struct.pack("!H", proto) + payload


def vlan(tci: int, proto: int, payload: bytes = b"", dst: bytes = MAC_B, src: bytes = MAC_A) -> bytes:
    return dst + src + struct.pack("!HHH", ETH_P_8021Q, tci, proto) + payload


def ipv4(
    proto: int,
    payload: bytes,
    *,
    ttl: int = 64,
    src: str = "10.0.0.1",
    dst: str = "10.0.0.2",
    options: bytes = b"",
) -> bytes:
    ihl = 5 + len(options) // 4
    saddr = bytes(int(part) for part in src.split("."))
    daddr = bytes(int(part) for part in dst.split("."))
    header = (
        struct.pack(
            "!BBHHHBBH4s4s", 0x40 | ihl, 0, 4 * ihl + len(payload), 0x1234, 0, ttl, proto, 0, saddr, daddr
        )
        + options
    )
    header = header[:10] + struct.pack("!H", csum16(header)) + header[12:]
    if proto in (IPPROTO_UDP, IPPROTO_TCP) and len(payload) >= 8:
        pseudo = saddr + daddr + struct.pack("!BBH", 0, proto, len(payload))
        at = 6 if proto == IPPROTO_UDP else 16
        if len(payload) > at + 2:
            blank = payload[:at] + b"\0\0" + payload[at + 2 :]
            payload = payload[:at] + struct.pack("!H", csum16(pseudo + blank) or 0xFFFF) + payload[at + 2 :]
    return header + payload


def ipv6(next_header: int, payload: bytes, *, hop_limit: int = 64) -> bytes:
    src = bytes.fromhex("fd000000000000000000000000000001")
    dst = bytes.fromhex("fd000000000000000000000000000002")
    return struct.pack("!IHBB", 0x60000000, len(payload), next_header, hop_limit) + src + dst + payload


def udp(sport: int, dport: int, payload: bytes = b"hello") -> bytes:
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport: int, dport: int, flags: int, payload: bytes = b"") -> bytes:
    return struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, flags, 8192, 0, 0) + payload


def icmp(payload: bytes = b"ping") -> bytes:
    return struct.pack("!BBHHH", 8, 0, 0, 1, 1) + payload


PACKETS: dict[str, bytes] = {
    "ipv4_udp": eth(ETH_P_IP, ipv4(IPPROTO_UDP, udp(1234, 53, b"query-bytes"))),
    "ipv4_udp_other": eth(ETH_P_IP, ipv4(IPPROTO_UDP, udp(5000, 8080, b"x" * 40), src="192.168.1.9")),
    "ipv4_tcp_syn": eth(ETH_P_IP, ipv4(IPPROTO_TCP, tcp(40000, 80, TCP_SYN))),
    "ipv4_tcp_ack": eth(ETH_P_IP, ipv4(IPPROTO_TCP, tcp(40000, 443, TCP_ACK, b"GET /"), ttl=1)),
    "ipv4_tcp_synack": eth(ETH_P_IP, ipv4(IPPROTO_TCP, tcp(80, 40000, TCP_SYN | TCP_ACK), src="10.0.0.7")),
    "ipv4_icmp": eth(ETH_P_IP, ipv4(IPPROTO_ICMP, icmp(), ttl=2, src="172.16.0.1")),
    "ipv4_options_udp": eth(ETH_P_IP, ipv4(IPPROTO_UDP, udp(7, 9, b"opt"), options=b"\x01\x01\x01\x00" * 2)),
    "ipv6_udp": eth(ETH_P_IPV6, ipv6(IPPROTO_UDP, udp(1000, 2000, b"six"))),
    "ipv6_tcp": eth(ETH_P_IPV6, ipv6(IPPROTO_TCP, tcp(1, 22, TCP_SYN), hop_limit=255)),
    "vlan_ipv4_udp": vlan(0x0064, ETH_P_IP, ipv4(IPPROTO_UDP, udp(68, 67, b"dhcp"))),
    "vlan_ipv4_tcp": vlan(0x2005, ETH_P_IP, ipv4(IPPROTO_TCP, tcp(9, 10, TCP_SYN))),
    "arp": eth(ETH_P_ARP, bytes(28)),
    "runt_ipv4": eth(ETH_P_IP, bytes.fromhex("4500001c")),
    "eth_only": eth(0x88B5),
}
"""Named test packets, each at least an Ethernet header long (what test_run needs for XDP and skbs)."""

ALL_PACKETS: tuple[str, ...] = tuple(PACKETS)


def sk_buff(**fields: int | list[int]) -> bytes:
    """A ``struct __sk_buff`` ctx blob with ``fields`` set (``cb=[...]`` for the control block)."""
    ctx = uapi.sk_buff()
    for name, value in fields.items():
        if isinstance(value, list):
            getattr(ctx, name)[: len(value)] = value
        else:
            setattr(ctx, name, value)
    return bytes(ctx)


def xdp_md(data: int, data_end: int) -> bytes:
    """A ``struct xdp_md`` ctx blob (data_meta 0; ``data`` bytes of metadata in front)."""
    return struct.pack("<6I", data, data_end, 0, 0, 0, 0)


# --- the corpus as data -----------------------------------------------------------------------


@dataclass(frozen=True)
class MapSpec:
    """A map a program uses, named as its ``map_fd(name)`` references name it."""

    name: str
    map_type: int
    key_size: int
    value_size: int
    max_entries: int
    flags: int = 0
    init: tuple[tuple[bytes | None, bytes], ...] = ()
    """Elements written before loading: (key, value); key None pushes onto a queue/stack."""


@dataclass(frozen=True)
class Run:
    """One BPF_PROG_TEST_RUN: the packet, the ctx blob, how often."""

    data: bytes = b""
    ctx: bytes | None = None
    repeat: int = 1


@dataclass(frozen=True)
class TailProg:
    """A program put into slot ``slot`` of prog array ``array``; ``text`` None: the program itself."""

    array: str
    slot: int
    text: str | None


@dataclass(frozen=True)
class Case:
    name: str
    prog_type: str
    text: str
    runs: tuple[Run, ...]
    maps: tuple[MapSpec, ...] = ()
    tails: tuple[TailProg, ...] = ()
    prog_flags: int = 0
    ctx_only: bool = False
    """Run with ctx_in only (SYSCALL, RAW_TRACEPOINT): no data, no data_out, no ctx_out."""
    parser: bool = False
    """A packet parser worth feeding random packets (the hypothesis test)."""
    tags: tuple[str, ...] = field(default=())


def packet_runs(*names: str, repeat: int = 1) -> tuple[Run, ...]:
    return tuple(Run(PACKETS[name], repeat=repeat) for name in names)


def every_packet(repeat_last: int = 5) -> tuple[Run, ...]:
    """Every named packet once, then the first again ``repeat_last`` times (state accumulates)."""
    runs = packet_runs(*ALL_PACKETS)
    return (*runs, Run(PACKETS[ALL_PACKETS[0]], repeat=repeat_last))


HASH, ARRAY, PERCPU_ARRAY = uapi.BPF_MAP_TYPE_HASH, uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_PERCPU_ARRAY
PERCPU_HASH, LRU_HASH = uapi.BPF_MAP_TYPE_PERCPU_HASH, uapi.BPF_MAP_TYPE_LRU_HASH
QUEUE, STACK, RINGBUF = uapi.BPF_MAP_TYPE_QUEUE, uapi.BPF_MAP_TYPE_STACK, uapi.BPF_MAP_TYPE_RINGBUF
PROG_ARRAY = uapi.BPF_MAP_TYPE_PROG_ARRAY


def u32(value: int) -> bytes:
    return struct.pack("<I", value & 0xFFFFFFFF)


def u64(value: int) -> bytes:
    return struct.pack("<Q", value & 0xFFFFFFFFFFFFFFFF)


# --- assembly building blocks -----------------------------------------------------------------

XDP_PTRS = """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
"""
"""r2 = data, r3 = data_end of an xdp_md in r1."""

TC_PTRS = """
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
"""
"""r2 = data, r3 = data_end of a __sk_buff in r1 (tc direct packet access)."""


def count(map_name: str, key_reg: str, label: str, amount: str = "1", offset: int = 0) -> str:
    """map[key_reg] += amount (u64 at ``offset``; created as amount with BPF_NOEXIST when absent).

    Clobbers r0-r5; ``amount`` must be an immediate or a callee-saved register (r6-r9).
    """
    return f"""
    *(u32 *)(r10 - 4) = {key_reg}
    r1 = map_fd({map_name}) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto {label}_new
    r1 = {amount}
    lock *(u64 *)(r0 + {offset}) += r1
    goto {label}_done
{label}_new:
    *(u64 *)(r10 - 32) = 0
    *(u64 *)(r10 - 24) = 0
    r1 = {amount}
    *(u64 *)(r10 - {32 - offset}) = r1
    r1 = map_fd({map_name}) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -32
    r4 = 1
    call bpf_map_update_elem
{label}_done:
"""


def slot0(map_name: str, label: str) -> str:
    """r0 = &map[0] (goto ``label`` when the lookup fails). Clobbers r1-r5."""
    return f"""
    *(u32 *)(r10 - 4) = 0
    r1 = map_fd({map_name}) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto {label}
"""


def result_array(name: str = "out", slots: int = 16) -> MapSpec:
    """One array element of ``slots`` u64: where the ALU/atomics programs store their results."""
    return MapSpec(name, ARRAY, 4, 8 * slots, 1)


# --- XDP: parsing and verdicts -----------------------------------------------------------------

XDP_ETH_VERDICT = Case(
    "xdp_eth_verdict",
    "xdp",
    XDP_PTRS
    + """
    r4 = r2
    r4 += 14
    if r4 > r3 goto drop
    r5 = *(u16 *)(r2 + 12)
    if r5 == 0x0008 goto pass
    if r5 == 0xdd86 goto tx
    if r5 == 0x0081 goto redirect
    r0 = 0
    exit
pass:
    r0 = 2
    exit
tx:
    r0 = 3
    exit
redirect:
    r0 = 4
    exit
drop:
    r0 = 1
    exit
""",
    every_packet(),
    parser=True,
)

XDP_IPV4_DPORT = Case(
    "xdp_ipv4_dport_variable_ihl",
    "xdp",
    XDP_PTRS
    + """
    r4 = r2
    r4 += 34
    if r4 > r3 goto short
    r5 = *(u16 *)(r2 + 12)
    if r5 != 0x0008 goto other
    r5 = *(u8 *)(r2 + 14)
    r5 &= 0xf
    r5 <<= 2
    if r5 < 20 goto other
    r6 = *(u8 *)(r2 + 23)
    if r6 == 6 goto l4
    if r6 != 17 goto other
l4:
    r4 = r2
    r4 += 14
    r4 += r5
    r7 = r4
    r7 += 4
    if r7 > r3 goto short
    r0 = *(u16 *)(r4 + 2)
    r0 = be16 r0
    r6 <<= 16
    r0 |= r6
    exit
other:
    r0 = 2
    exit
short:
    r0 = 1
    exit
""",
    every_packet(),
    parser=True,
)

XDP_IPV6 = Case(
    "xdp_ipv6_next_header",
    "xdp",
    XDP_PTRS
    + """
    r4 = r2
    r4 += 54
    if r4 > r3 goto pass
    r5 = *(u16 *)(r2 + 12)
    if r5 != 0xdd86 goto pass
    r0 = *(u8 *)(r2 + 20)
    r5 = *(u8 *)(r2 + 21)
    r5 <<= 8
    r0 |= r5
    r5 = *(u16 *)(r2 + 18)
    r5 = be16 r5
    r5 <<= 16
    r0 |= r5
    exit
pass:
    r0 = 2
    exit
""",
    every_packet(),
    parser=True,
)

XDP_TCP_SYN = Case(
    "xdp_drop_bare_syn",
    "xdp",
    XDP_PTRS
    + """
    r4 = r2
    r4 += 54
    if r4 > r3 goto pass
    r5 = *(u16 *)(r2 + 12)
    if r5 != 0x0008 goto pass
    r5 = *(u8 *)(r2 + 23)
    if r5 != 6 goto pass
    r5 = *(u8 *)(r2 + 47)
    r6 = r5
    r6 &= 0x12
    if r6 == 0x02 goto drop
pass:
    r0 = 2
    exit
drop:
    r0 = 1
    exit
""",
    every_packet(),
    parser=True,
)

XDP_VLAN_COUNT = Case(
    "xdp_vlan_proto_hash_counter",
    "xdp",
    XDP_PTRS
    + """
    r9 = 0xffff
    r4 = r2
    r4 += 14
    if r4 > r3 goto count
    r5 = *(u16 *)(r2 + 12)
    r6 = 14
    if r5 != 0x0081 goto novlan
    r4 = r2
    r4 += 18
    if r4 > r3 goto count
    r5 = *(u16 *)(r2 + 16)
    r6 = 18
novlan:
    r9 = r5
    r9 <<= 8
    if r5 != 0x0008 goto count
    r4 = r2
    r4 += r6
    r7 = r4
    r7 += 20
    if r7 > r3 goto count
    r9 = *(u8 *)(r4 + 9)
count:
"""
    + count("counts", "r9", "c")
    + """
    r0 = 2
    exit
""",
    every_packet(),
    maps=(MapSpec("counts", HASH, 4, 8, 64),),
)

XDP_SWAP_MACS = Case(
    "xdp_swap_macs_tx",
    "xdp",
    XDP_PTRS
    + """
    r4 = r2
    r4 += 14
    if r4 > r3 goto pass
    r4 = *(u32 *)(r2 + 0)
    r5 = *(u16 *)(r2 + 4)
    r6 = *(u32 *)(r2 + 6)
    r7 = *(u16 *)(r2 + 10)
    *(u32 *)(r2 + 0) = r6
    *(u16 *)(r2 + 4) = r7
    *(u32 *)(r2 + 6) = r4
    *(u16 *)(r2 + 10) = r5
    r0 = 3
    exit
pass:
    r0 = 2
    exit
""",
    (*packet_runs("ipv4_udp", "ipv6_tcp", "arp"), Run(PACKETS["ipv4_udp"], repeat=3)),
)

XDP_TTL_CSUM = Case(
    "xdp_ttl_decrement_csum_diff",
    "xdp",
    XDP_PTRS
    + """
    r4 = r2
    r4 += 34
    if r4 > r3 goto pass
    r5 = *(u16 *)(r2 + 12)
    if r5 != 0x0008 goto pass
    r5 = *(u8 *)(r2 + 22)
    if r5 <= 1 goto drop
    r6 = r2
    r7 = *(u16 *)(r2 + 22)
    *(u32 *)(r10 - 8) = r7
    r8 = r7
    r8 += -1
    *(u32 *)(r10 - 4) = r8
    *(u16 *)(r6 + 22) = r8
    r9 = *(u16 *)(r6 + 24)
    r9 ^= 0xffff
    r1 = r10
    r1 += -8
    r2 = 4
    r3 = r10
    r3 += -4
    r4 = 4
    r5 = r9
    call bpf_csum_diff
    r1 = r0
    r1 >>= 16
    r0 &= 0xffff
    r0 += r1
    r1 = r0
    r1 >>= 16
    r0 &= 0xffff
    r0 += r1
    r0 ^= 0xffff
    *(u16 *)(r6 + 24) = r0
pass:
    r0 = 2
    exit
drop:
    r0 = 1
    exit
""",
    (*packet_runs(*ALL_PACKETS), Run(PACKETS["ipv4_udp"], repeat=4)),
    parser=True,
)

# --- XDP: adjust head / tail / meta --------------------------------------------------------------

XDP_POP_ETH = Case(
    "xdp_adjust_head_pop_ethernet",
    "xdp",
    """
    r6 = r1
    r2 = 14
    call bpf_xdp_adjust_head
    if r0 != 0 goto fail
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 1
    if r4 > r3 goto fail
    r0 = *(u8 *)(r2 + 0)
    r3 -= r2
    r3 <<= 8
    r0 |= r3
    exit
fail:
    r0 = 0
    exit
""",
    (*packet_runs("ipv4_udp", "eth_only", "ipv6_tcp"), Run(PACKETS["ipv4_udp_other"], repeat=2)),
)

XDP_PUSH_HEAD = Case(
    "xdp_adjust_head_push_tag",
    "xdp",
    """
    r6 = r1
    r2 = -4
    call bpf_xdp_adjust_head
    if r0 != 0 goto fail
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 4
    if r4 > r3 goto fail
    r5 = 0xefbeadde
    *(u32 *)(r2 + 0) = r5
    r0 = 2
    exit
fail:
    r0 = 0
    exit
""",
    (*packet_runs("ipv4_udp", "arp"), Run(PACKETS["eth_only"], repeat=3)),
)

XDP_TAIL_SHRINK = Case(
    "xdp_adjust_tail_shrink",
    "xdp",
    """
    r6 = r1
    r2 = -10
    call bpf_xdp_adjust_tail
    r7 = r0
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r3 -= r2
    r0 = r7
    r0 <<= 16
    r0 |= r3
    exit
""",
    (*packet_runs("ipv4_udp", "eth_only", "ipv6_tcp"), Run(PACKETS["ipv4_udp_other"], repeat=3)),
)

XDP_TAIL_GROW = Case(
    "xdp_adjust_tail_grow_and_write",
    "xdp",
    """
    r6 = r1
    r2 = 16
    call bpf_xdp_adjust_tail
    if r0 != 0 goto fail
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 30
    if r4 > r3 goto fail
    r5 = 0x5a
    *(u8 *)(r2 + 29) = r5
    r0 = r3
    r0 -= r2
    exit
fail:
    r0 = 0
    exit
""",
    (*packet_runs("ipv4_udp", "arp"), Run(PACKETS["eth_only"], repeat=2)),
)

XDP_META = Case(
    "xdp_adjust_meta_write",
    "xdp",
    """
    r6 = r1
    r2 = -8
    call bpf_xdp_adjust_meta
    if r0 != 0 goto fail
    r2 = *(u32 *)(r6 + 8)
    r3 = *(u32 *)(r6 + 0)
    r4 = r2
    r4 += 8
    if r4 > r3 goto fail
    r5 = 0x1122334455667788 ll
    *(u64 *)(r2 + 0) = r5
    r0 = r3
    r0 -= r2
    exit
fail:
    r0 = 0
    exit
""",
    packet_runs("ipv4_udp", "arp"),
)

XDP_META_FROM_CTX = Case(
    "xdp_data_meta_from_ctx_in",
    "xdp",
    """
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = *(u32 *)(r1 + 4)
    r5 = r2
    r5 += 4
    if r5 > r3 goto nometa
    r0 = *(u32 *)(r2 + 0)
    r5 = r3
    r5 += 1
    if r5 > r4 goto out
    r5 = *(u8 *)(r3 + 0)
    r0 += r5
    *(u32 *)(r2 + 0) = r0
out:
    exit
nometa:
    r0 = 7
    exit
""",
    (
        Run(b"\x01\x02\x03\x04" + PACKETS["ipv4_udp"], ctx=xdp_md(4, 4 + len(PACKETS["ipv4_udp"]))),
        Run(b"\xff" * 8 + PACKETS["arp"], ctx=xdp_md(8, 8 + 20)),
        Run(PACKETS["arp"], ctx=xdp_md(0, len(PACKETS["arp"]))),
        Run(b"\x10\x00\x00\x00" + PACKETS["eth_only"], ctx=xdp_md(4, 18), repeat=3),
    ),
)

XDP_ADJUST_LIMITS = Case(
    "xdp_adjust_head_tail_meta_limits",
    "xdp",
    """
    r6 = r1
    r1 = r6
    r2 = -300
    call bpf_xdp_adjust_head
    r7 = r0
    r7 &= 0xff
    r1 = r6
    r2 = 4000
    call bpf_xdp_adjust_head
    r0 &= 0xff
    r0 <<= 8
    r7 |= r0
    r1 = r6
    r2 = 5000
    call bpf_xdp_adjust_tail
    r0 &= 0xff
    r0 <<= 16
    r7 |= r0
    r1 = r6
    r2 = -5000
    call bpf_xdp_adjust_tail
    r0 &= 0xff
    r0 <<= 24
    r7 |= r0
    r1 = r6
    r2 = -3
    call bpf_xdp_adjust_meta
    r0 &= 0xff
    r0 <<= 32
    r7 |= r0
    r1 = r6
    r2 = -256
    call bpf_xdp_adjust_meta
    r0 &= 0xff
    r0 <<= 40
    r7 |= r0
    r1 = r6
    r2 = -200
    call bpf_xdp_adjust_head
    r0 &= 0xff
    r0 <<= 48
    r7 |= r0
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r3 -= r2
    r3 <<= 56
    r7 ^= r3
    r0 = r7
    r0 >>= 24
    exit
""",
    (*packet_runs("ipv4_udp", "eth_only", "arp"), Run(PACKETS["ipv4_udp_other"], repeat=2)),
)

XDP_RXQ_FIELDS = Case(
    "xdp_ingress_ifindex_rx_queue_from_ctx",
    "xdp",
    """
    r2 = *(u32 *)(r1 + 12)
    r3 = *(u32 *)(r1 + 16)
    r0 = r2
    r0 <<= 8
    r0 |= r3
    exit
""",
    (
        Run(PACKETS["ipv4_udp"]),
        Run(PACKETS["arp"], ctx=struct.pack("<6I", 0, len(PACKETS["arp"]), 0, 1, 0, 0)),
        Run(PACKETS["arp"], ctx=struct.pack("<6I", 0, len(PACKETS["arp"]), 0, 1, 5, 0)),
        Run(PACKETS["arp"], ctx=struct.pack("<6I", 0, len(PACKETS["arp"]), 0, 0, 1, 0)),
        Run(PACKETS["arp"], ctx=struct.pack("<6I", 0, len(PACKETS["arp"]), 0, 999999, 0, 0)),
    ),
)

# --- XDP: maps ---------------------------------------------------------------------------------

XDP_HASH_BYTES = Case(
    "xdp_hash_packets_and_bytes_per_l4",
    "xdp",
    XDP_PTRS
    + """
    r8 = r3
    r8 -= r2
    r9 = 0
    r4 = r2
    r4 += 34
    if r4 > r3 goto count
    r5 = *(u16 *)(r2 + 12)
    if r5 != 0x0008 goto count
    r9 = *(u8 *)(r2 + 23)
count:
"""
    + count("stats", "r9", "p")
    + count("stats", "r9", "b", amount="r8", offset=8)
    + """
    r0 = 2
    exit
""",
    every_packet(),
    maps=(MapSpec("stats", HASH, 4, 16, 16),),
)

XDP_PERCPU_ARRAY = Case(
    "xdp_percpu_array_counters",
    "xdp",
    XDP_PTRS
    + """
    r8 = r3
    r8 -= r2
"""
    + slot0("pcpu", "out")
    + """
    r1 = *(u64 *)(r0 + 0)
    r1 += 1
    *(u64 *)(r0 + 0) = r1
    r1 = *(u64 *)(r0 + 8)
    r1 += r8
    *(u64 *)(r0 + 8) = r1
out:
    r0 = 2
    exit
""",
    (*packet_runs("ipv4_udp", "arp"), Run(PACKETS["ipv6_udp"], repeat=7)),
    maps=(MapSpec("pcpu", PERCPU_ARRAY, 4, 16, 2),),
)

XDP_PERCPU_HASH = Case(
    "xdp_percpu_hash_per_ethertype",
    "xdp",
    XDP_PTRS
    + """
    r4 = r2
    r4 += 14
    r9 = 0
    if r4 > r3 goto count
    r9 = *(u16 *)(r2 + 12)
count:
"""
    + count("pcpu", "r9", "c")
    + """
    r0 = 2
    exit
""",
    every_packet(),
    maps=(MapSpec("pcpu", PERCPU_HASH, 4, 8, 32),),
)

XDP_LRU = Case(
    "xdp_lru_hash_per_source",
    "xdp",
    XDP_PTRS
    + """
    r4 = r2
    r4 += 34
    if r4 > r3 goto pass
    r5 = *(u16 *)(r2 + 12)
    if r5 != 0x0008 goto pass
    r9 = *(u32 *)(r2 + 26)
"""
    + count("lru", "r9", "c")
    + """
pass:
    r0 = 2
    exit
""",
    every_packet(),
    maps=(MapSpec("lru", LRU_HASH, 4, 8, 128),),
)

XDP_MMAPABLE = Case(
    "xdp_mmapable_array_direct_value",
    "xdp",
    XDP_PTRS
    + """
    r8 = r3
    r8 -= r2
    r6 = map_value(arr, 0) ll
    r1 = *(u64 *)(r6 + 0)
    r1 += 1
    *(u64 *)(r6 + 0) = r1
    r7 = map_value(arr, 8) ll
    *(u64 *)(r7 + 0) = r8
    r1 = *(u64 *)(r6 + 16)
    r1 += r8
    *(u64 *)(r6 + 16) = r1
    r0 = 2
    exit
""",
    (*packet_runs("ipv4_udp", "ipv6_tcp"), Run(PACKETS["arp"], repeat=4)),
    maps=(MapSpec("arr", ARRAY, 4, 24, 1, flags=uapi.BPF_F_MMAPABLE),),
)

XDP_QUEUE_PUSH = Case(
    "xdp_queue_push_until_full",
    "xdp",
    XDP_PTRS
    + """
    r3 -= r2
    *(u32 *)(r10 - 4) = r3
    r1 = map_fd(q) ll
    r2 = r10
    r2 += -4
    r3 = 0
    call bpf_map_push_elem
    exit
""",
    (*packet_runs("ipv4_udp", "arp", "eth_only"), Run(PACKETS["ipv6_udp"], repeat=4), Run(PACKETS["arp"])),
    maps=(MapSpec("q", QUEUE, 0, 4, 6),),
)

XDP_QUEUE_OVERWRITE = Case(
    "xdp_queue_push_exist_overwrites_oldest",
    "xdp",
    XDP_PTRS
    + """
    r3 -= r2
    *(u32 *)(r10 - 4) = r3
    r1 = map_fd(q) ll
    r2 = r10
    r2 += -4
    r3 = 2
    call bpf_map_push_elem
    exit
""",
    (*packet_runs("ipv4_udp", "arp", "eth_only", "ipv6_udp", "ipv4_icmp"),),
    maps=(MapSpec("q", QUEUE, 0, 4, 3),),
)

XDP_STACK = Case(
    "xdp_stack_push_push_pop",
    "xdp",
    XDP_PTRS
    + """
    r3 -= r2
    *(u64 *)(r10 - 8) = r3
    r1 = map_fd(s) ll
    r2 = r10
    r2 += -8
    r3 = 0
    call bpf_map_push_elem
    r6 = 0x100
    *(u64 *)(r10 - 8) = r6
    r1 = map_fd(s) ll
    r2 = r10
    r2 += -8
    r3 = 0
    call bpf_map_push_elem
    *(u64 *)(r10 - 16) = 0
    r1 = map_fd(s) ll
    r2 = r10
    r2 += -16
    call bpf_map_pop_elem
    r6 = *(u64 *)(r10 - 16)
    r6 <<= 8
    r0 &= 0xff
    r0 |= r6
    exit
""",
    (*packet_runs("ipv4_udp", "arp"), Run(PACKETS["eth_only"], repeat=3)),
    maps=(MapSpec("s", STACK, 0, 8, 8, init=((None, u64(0xAAAA)),)),),
)

XDP_QUEUE_POP = Case(
    "xdp_queue_peek_pop_drain",
    "xdp",
    """
    *(u32 *)(r10 - 4) = 0
    *(u32 *)(r10 - 8) = 0
    r1 = map_fd(q) ll
    r2 = r10
    r2 += -4
    call bpf_map_peek_elem
    r6 = r0
    r1 = map_fd(q) ll
    r2 = r10
    r2 += -8
    call bpf_map_pop_elem
    r0 &= 0xff
    r6 &= 0xff
    r6 <<= 8
    r0 |= r6
    r7 = *(u32 *)(r10 - 4)
    r7 <<= 16
    r0 |= r7
    r7 = *(u32 *)(r10 - 8)
    r7 <<= 32
    r0 |= r7
    r0 >>= 16
    exit
""",
    (Run(PACKETS["arp"]), Run(PACKETS["arp"], repeat=2), Run(PACKETS["arp"]), Run(PACKETS["arp"])),
    maps=(MapSpec("q", QUEUE, 0, 4, 8, init=tuple((None, u32(v)) for v in (11, 22, 33, 44))),),
)

XDP_RINGBUF_OUTPUT = Case(
    "xdp_ringbuf_output_headers",
    "xdp",
    XDP_PTRS
    + """
    r4 = r2
    r4 += 16
    if r4 > r3 goto out
    r5 = *(u64 *)(r2 + 0)
    *(u64 *)(r10 - 24) = r5
    r5 = *(u64 *)(r2 + 8)
    *(u64 *)(r10 - 16) = r5
    r3 -= r2
    *(u64 *)(r10 - 8) = r3
    r1 = map_fd(rb) ll
    r2 = r10
    r2 += -24
    r3 = 24
    r4 = 0
    call bpf_ringbuf_output
    exit
out:
    r0 = 2
    exit
""",
    (*packet_runs("ipv4_udp", "arp", "ipv6_tcp"), Run(PACKETS["eth_only"], repeat=3)),
    maps=(MapSpec("rb", RINGBUF, 0, 0, 4096),),
)

XDP_RINGBUF_RESERVE = Case(
    "xdp_ringbuf_reserve_submit_discard",
    "xdp",
    XDP_PTRS
    + """
    r8 = r3
    r8 -= r2
    r1 = map_fd(rb) ll
    r2 = 12
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto none
    *(u64 *)(r0 + 0) = r8
    r1 = 0x77
    *(u32 *)(r0 + 8) = r1
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto none
    *(u64 *)(r0 + 0) = r8
    r1 = r0
    r2 = 0
    call bpf_ringbuf_discard
    r0 = 2
    exit
none:
    r0 = 1
    exit
""",
    (*packet_runs("ipv4_udp", "arp"), Run(PACKETS["ipv6_udp"], repeat=2)),
    maps=(MapSpec("rb", RINGBUF, 0, 0, 4096),),
)

XDP_MAP_ERRNOS = Case(
    "xdp_map_helper_errnos",
    "xdp",
    """
    *(u32 *)(r10 - 4) = 7
    *(u64 *)(r10 - 16) = 1
    r1 = map_fd(h) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 2
    call bpf_map_update_elem
    r7 = r0
    r7 &= 0xff
    r1 = map_fd(h) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 &= 0xff
    r0 <<= 8
    r7 |= r0
    r1 = map_fd(h) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 1
    call bpf_map_update_elem
    r0 &= 0xff
    r0 <<= 16
    r7 |= r0
    r1 = map_fd(h) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 1
    call bpf_map_update_elem
    r0 &= 0xff
    r0 <<= 24
    r7 |= r0
    *(u32 *)(r10 - 4) = 100
    r1 = map_fd(a) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_map_update_elem
    r0 &= 0xff
    r0 <<= 32
    r7 |= r0
    *(u32 *)(r10 - 4) = 1
    r1 = map_fd(a) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 &= 0xff
    r0 <<= 40
    r7 |= r0
    *(u32 *)(r10 - 4) = 1
    r1 = map_fd(a) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 1
    call bpf_map_update_elem
    r0 &= 0xff
    r0 <<= 48
    r7 |= r0
    r1 = map_fd(h) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_map_update_elem
    r0 &= 0xff
    r0 <<= 56
    r7 |= r0
    r0 = r7
    r0 >>= 32
    r7 <<= 32
    r0 ^= r7
    exit
""",
    (Run(PACKETS["arp"]), Run(PACKETS["arp"]), Run(PACKETS["arp"], repeat=2)),
    maps=(MapSpec("h", HASH, 4, 8, 2, init=((u32(1), u64(1)),)), MapSpec("a", ARRAY, 4, 8, 4)),
)

XDP_PERCPU_CPU = Case(
    "xdp_smp_processor_id_and_lookup_percpu_elem",
    "xdp",
    """
    call bpf_get_smp_processor_id
    r6 = r0
"""
    + slot0("pcpu", "out")
    + """
    r1 = *(u64 *)(r0 + 0)
    r1 += 3
    *(u64 *)(r0 + 0) = r1
    *(u64 *)(r0 + 8) = r6
    *(u32 *)(r10 - 4) = 0
    r1 = map_fd(pcpu) ll
    r2 = r10
    r2 += -4
    r3 = r6
    call bpf_map_lookup_percpu_elem
    if r0 == 0 goto out
    r7 = *(u64 *)(r0 + 0)
    *(u32 *)(r10 - 4) = 0
    r1 = map_fd(pcpu) ll
    r2 = r10
    r2 += -4
    r3 = 4096
    call bpf_map_lookup_percpu_elem
    r8 = 1
    if r0 == 0 goto null
    r8 = 2
null:
    r0 = r8
    r0 <<= 32
    r0 |= r7
    exit
out:
    r0 = 0
    exit
""",
    (Run(PACKETS["arp"]), Run(PACKETS["arp"], repeat=3)),
    maps=(MapSpec("pcpu", PERCPU_ARRAY, 4, 16, 1),),
)

XDP_RINGBUF_QUERY = Case(
    "xdp_ringbuf_query_and_refusals",
    "xdp",
    """
    *(u64 *)(r10 - 8) = 0
    *(u64 *)(r10 - 16) = 0
    r1 = map_fd(rb) ll
    r2 = r10
    r2 += -16
    r3 = 16
    r4 = 0
    call bpf_ringbuf_output
    r7 = r0
    r7 &= 0xff
    r1 = map_fd(rb) ll
    r2 = r10
    r2 += -16
    r3 = 16
    r4 = 8
    call bpf_ringbuf_output
    r0 &= 0xff
    r0 <<= 8
    r7 |= r0
    r1 = map_fd(rb) ll
    r2 = 0
    call bpf_ringbuf_query
    r0 <<= 16
    r7 |= r0
    r1 = map_fd(rb) ll
    r2 = 2
    call bpf_ringbuf_query
    r0 <<= 32
    r7 |= r0
    r1 = map_fd(rb) ll
    r2 = 5000
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 != 0 goto got
    r0 = r7
    exit
got:
    r1 = r0
    r2 = 0
    call bpf_ringbuf_discard
    r0 = 1
    exit
""",
    (Run(PACKETS["arp"]), Run(PACKETS["arp"], repeat=3)),
    maps=(MapSpec("rb", RINGBUF, 0, 0, 4096),),
)

# --- XDP: control flow ---------------------------------------------------------------------------

XDP_BPF_LOOP = Case(
    "xdp_bpf_loop_callback",
    "xdp",
    """
    *(u64 *)(r10 - 8) = 0
    r1 = 20
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
    r6 = r0
"""
    + slot0("out", "done")
    + """
    r1 = *(u64 *)(r10 - 8)
    *(u64 *)(r0 + 0) = r1
    *(u64 *)(r0 + 8) = r6
    r0 = r6
    exit
done:
    r0 = 0
    exit
cb:
    r3 = *(u64 *)(r2 + 0)
    r4 = r1
    r4 *= 3
    r3 += r4
    r3 += 1
    *(u64 *)(r2 + 0) = r3
    r0 = 0
    if r1 != 12 goto cont
    r0 = 1
cont:
    exit
""",
    (Run(PACKETS["arp"]), Run(PACKETS["arp"], repeat=3)),
    maps=(result_array(slots=2),),
)

XDP_BPF_TO_BPF = Case(
    "xdp_bpf_to_bpf_calls",
    "xdp",
    XDP_PTRS
    + """
    r6 = r3
    r6 -= r2
    r1 = r6
    call square_plus
    r7 = r0
    r1 = r6
    r1 += 3
    r2 = r10
    r2 += -8
    call nested
    r0 = *(u64 *)(r10 - 8)
    r0 += r7
    exit
square_plus:
    r0 = r1
    r0 *= r1
    r0 += 1
    exit
nested:
    r6 = r2
    call square_plus
    r0 <<= 1
    *(u64 *)(r6 + 0) = r0
    r0 = 0
    exit
""",
    packet_runs("ipv4_udp", "arp", "eth_only"),
)

XDP_FOR_EACH = Case(
    "xdp_for_each_map_elem_sum",
    "xdp",
    """
    *(u64 *)(r10 - 8) = 0
    r1 = map_fd(vals) ll
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_for_each_map_elem
    r6 = r0
"""
    + slot0("out", "done")
    + """
    r1 = *(u64 *)(r10 - 8)
    *(u64 *)(r0 + 0) = r1
    *(u64 *)(r0 + 8) = r6
done:
    r0 = 2
    exit
cb:
    r5 = *(u32 *)(r2 + 0)
    r6 = *(u64 *)(r3 + 0)
    r6 += 1
    *(u64 *)(r3 + 0) = r6
    r6 *= r5
    r7 = *(u64 *)(r4 + 0)
    r7 += r6
    *(u64 *)(r4 + 0) = r7
    r0 = 0
    if r5 != 5 goto cont
    r0 = 1
cont:
    exit
""",
    (Run(PACKETS["arp"]), Run(PACKETS["arp"], repeat=2)),
    maps=(
        MapSpec("vals", ARRAY, 4, 8, 8, init=tuple((u32(k), u64(k * 10)) for k in range(8))),
        result_array(slots=2),
    ),
)

XDP_FOR_EACH_HASH = Case(
    "xdp_for_each_hash_elem_count",
    "xdp",
    """
    *(u64 *)(r10 - 8) = 0
    r1 = map_fd(h) ll
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_for_each_map_elem
    r1 = *(u64 *)(r10 - 8)
    r0 <<= 32
    r0 |= r1
    exit
cb:
    r5 = *(u64 *)(r3 + 0)
    r6 = *(u64 *)(r4 + 0)
    r6 += r5
    *(u64 *)(r4 + 0) = r6
    r0 = 0
    exit
""",
    (Run(PACKETS["arp"]),),
    maps=(MapSpec("h", HASH, 4, 8, 16, init=tuple((u32(k * 7), u64(k * k)) for k in range(1, 7))),),
)

XDP_BOUNDED_LOOP = Case(
    "xdp_bounded_loop_byte_sum",
    "xdp",
    XDP_PTRS
    + """
    r4 = 0
    r0 = 0
loop:
    r5 = r2
    r5 += r4
    r6 = r5
    r6 += 1
    if r6 > r3 goto done
    r7 = *(u8 *)(r5 + 0)
    r0 += r7
    r4 += 1
    if r4 < 48 goto loop
done:
    r4 <<= 16
    r0 |= r4
    exit
""",
    every_packet(),
    parser=True,
)

# --- atomics and ALU edge cases through maps --------------------------------------------------------

ATOMICS = Case(
    "xdp_atomics_fetch_cmpxchg_xchg",
    "xdp",
    slot0("out", "done")
    + """
    r6 = r0
    r1 = 5
    r1 = atomic_fetch_add((u64 *)(r6 + 0), r1)
    *(u64 *)(r6 + 8) = r1
    r0 = *(u64 *)(r6 + 0)
    r2 = 1000
    r0 = cmpxchg_64(r6 + 0, r0, r2)
    *(u64 *)(r6 + 16) = r0
    r0 = 7
    r2 = 2000
    r0 = cmpxchg_64(r6 + 0, r0, r2)
    *(u64 *)(r6 + 24) = r0
    r3 = 0x55
    r3 = xchg_64(r6 + 32, r3)
    *(u64 *)(r6 + 40) = r3
    r3 = 0xf0
    r3 = atomic_fetch_or((u64 *)(r6 + 48), r3)
    r3 = 0x3c
    r3 = atomic_fetch_and((u64 *)(r6 + 48), r3)
    *(u64 *)(r6 + 56) = r3
    r3 = 0xff
    r3 = atomic_fetch_xor((u64 *)(r6 + 48), r3)
    w4 = 3
    lock *(u32 *)(r6 + 64) += w4
    w4 = -1
    w4 = atomic_fetch_add((u32 *)(r6 + 68), w4)
    *(u32 *)(r6 + 72) = w4
    w0 = *(u32 *)(r6 + 64)
    w5 = 99
    w0 = cmpxchg32_32(r6 + 76, w0, w5)
    *(u32 *)(r6 + 80) = w0
    w5 = 0x1234
    w5 = xchg32_32(r6 + 84, w5)
    *(u32 *)(r6 + 88) = w5
    r3 = 0x10
    lock *(u64 *)(r6 + 96) |= r3
    r3 = 0x1f
    lock *(u64 *)(r6 + 96) &= r3
    r3 = 0x3
    lock *(u64 *)(r6 + 96) ^= r3
done:
    r0 = 2
    exit
""",
    (Run(PACKETS["arp"]), Run(PACKETS["arp"], repeat=3), Run(PACKETS["arp"])),
    maps=(result_array(slots=13),),
)

ALU64 = Case(
    "xdp_alu64_edge_cases",
    "xdp",
    XDP_PTRS
    + """
    r9 = r3
    r9 -= r2
"""
    + slot0("out", "done")
    + """
    r6 = r0
    r2 = 0
    r1 = -1
    r1 /= r2
    *(u64 *)(r6 + 0) = r1
    r1 = -7
    r1 %= r2
    *(u64 *)(r6 + 8) = r1
    r1 = 0x8000000000000000 ll
    r2 = -1
    r1 s/= r2
    *(u64 *)(r6 + 16) = r1
    r1 = 0x8000000000000000 ll
    r1 s%= r2
    *(u64 *)(r6 + 24) = r1
    r1 = -100
    r1 s/= 7
    *(u64 *)(r6 + 32) = r1
    r1 = -100
    r1 s%= 7
    *(u64 *)(r6 + 40) = r1
    r1 = -100
    r1 s>>= 3
    *(u64 *)(r6 + 48) = r1
    r1 = 1
    r2 = r9
    r1 <<= r2
    *(u64 *)(r6 + 56) = r1
    r1 = 0xfedcba9876543210 ll
    r1 = bswap64 r1
    *(u64 *)(r6 + 64) = r1
    r1 = 0xff80
    r1 = (s8)r1
    *(u64 *)(r6 + 72) = r1
    r1 = 0x80000000
    r1 = (s32)r1
    *(u64 *)(r6 + 80) = r1
    r1 = 0x123456789 ll
    r1 *= r1
    *(u64 *)(r6 + 88) = r1
    r1 = r9
    r1 = -r1
    r2 = r9
    r1 /= r2
    *(u64 *)(r6 + 96) = r1
    r1 = 0xffffffffffffffff ll
    r2 = 1
    r1 += r2
    r1 -= 1
    *(u64 *)(r6 + 104) = r1
    r1 = r9
    r1 s%= -3
    *(u64 *)(r6 + 112) = r1
    r1 = 0x0102030405060708 ll
    r1 = be32 r1
    *(u64 *)(r6 + 120) = r1
done:
    r0 = 2
    exit
""",
    packet_runs("ipv4_udp", "arp", "eth_only"),
    maps=(result_array(),),
)

ALU32 = Case(
    "xdp_alu32_jmp32_edge_cases",
    "xdp",
    XDP_PTRS
    + """
    r9 = r3
    r9 -= r2
"""
    + slot0("out", "done")
    + """
    r6 = r0
    r1 = -1
    w1 += 1
    *(u64 *)(r6 + 0) = r1
    w2 = 0
    w1 = -1
    w1 /= w2
    *(u64 *)(r6 + 8) = r1
    r1 = 0x1ffffffff ll
    w1 %= w2
    *(u64 *)(r6 + 16) = r1
    w1 = 0x80000000
    w2 = -1
    w1 s/= w2
    *(u64 *)(r6 + 24) = r1
    w1 = -100
    w1 s%= 7
    *(u64 *)(r6 + 32) = r1
    w1 = -64
    w1 s>>= 2
    *(u64 *)(r6 + 40) = r1
    w1 = 1
    w2 = w9
    w2 += 30
    w1 <<= w2
    *(u64 *)(r6 + 48) = r1
    w1 = 0xff7f
    w1 = (s8)w1
    *(u64 *)(r6 + 56) = r1
    r1 = 0x11223344
    r1 = be16 r1
    *(u64 *)(r6 + 64) = r1
    r1 = 0x11223344
    r1 = le32 r1
    *(u64 *)(r6 + 72) = r1
    w1 = w9
    w1 = -w1
    *(u64 *)(r6 + 80) = r1
    r7 = 0
    r1 = 0x100000001 ll
    if w1 == 1 goto j1
    r7 |= 1
j1:
    if r1 > 1 goto j2
    r7 |= 2
j2:
    w2 = -5
    if w2 s< 0 goto j3
    r7 |= 4
j3:
    if w2 < 0 goto j4
    r7 |= 8
j4:
    if w9 s> 15 goto j5
    r7 |= 16
j5:
    if w9 & 1 goto j6
    r7 |= 32
j6:
    *(u64 *)(r6 + 88) = r7
done:
    r0 = 2
    exit
""",
    packet_runs("ipv4_udp", "arp", "eth_only", "ipv4_tcp_syn"),
    maps=(result_array(),),
)

# --- tail calls ----------------------------------------------------------------------------------

TAIL_TO = """
    r6 = r1
    r1 = r6
    r2 = map_fd(jmp) ll
    r3 = {slot}
    call bpf_tail_call
    r0 = {fallthrough}
    exit
"""

TAIL_CALL = Case(
    "xdp_tail_call_to_slot",
    "xdp",
    TAIL_TO.format(slot=0, fallthrough=1),
    packet_runs("ipv4_udp", "arp"),
    maps=(MapSpec("jmp", PROG_ARRAY, 4, 4, 4),),
    tails=(TailProg("jmp", 0, XDP_PTRS + "r0 = r3\nr0 -= r2\nexit"),),
)

TAIL_CALL_EMPTY = Case(
    "xdp_tail_call_empty_and_out_of_range_slots",
    "xdp",
    """
    r6 = r1
    r1 = r6
    r2 = map_fd(jmp) ll
    r3 = 2
    call bpf_tail_call
    r1 = r6
    r2 = map_fd(jmp) ll
    r3 = 100
    call bpf_tail_call
    r1 = r6
    r2 = map_fd(jmp) ll
    r3 = -1
    call bpf_tail_call
    r0 = 4
    exit
""",
    packet_runs("ipv4_udp"),
    maps=(MapSpec("jmp", PROG_ARRAY, 4, 4, 4),),
    tails=(TailProg("jmp", 0, "r0 = 3\nexit"),),
)

TAIL_CALL_LIMIT = Case(
    "xdp_tail_call_limit_33",
    "xdp",
    """
    r6 = r1
"""
    + slot0("counts", "out")
    + """
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
    r1 = r6
    r2 = map_fd(jmp) ll
    r3 = 0
    call bpf_tail_call
out:
    r0 = 3
    exit
""",
    (Run(PACKETS["arp"]), Run(PACKETS["arp"], repeat=2)),
    maps=(MapSpec("jmp", PROG_ARRAY, 4, 4, 1), MapSpec("counts", ARRAY, 4, 8, 1)),
    tails=(TailProg("jmp", 0, None),),
)

TAIL_CALL_CHAIN = Case(
    "xdp_tail_call_chain_with_map_writes",
    "xdp",
    """
    r6 = r1
"""
    + slot0("trace", "out")
    + """
    r1 = 1
    *(u64 *)(r0 + 0) = r1
    r1 = r6
    r2 = map_fd(jmp) ll
    r3 = 1
    call bpf_tail_call
out:
    r0 = 0
    exit
""",
    packet_runs("ipv4_udp", "arp"),
    maps=(MapSpec("jmp", PROG_ARRAY, 4, 4, 3), MapSpec("trace", ARRAY, 4, 8, 1)),
    tails=(
        TailProg(
            "jmp",
            1,
            "r6 = r1\n"
            + slot0("trace", "out")
            + "r1 = 10\nlock *(u64 *)(r0 + 0) += r1\n"
            + "r1 = r6\nr2 = map_fd(jmp) ll\nr3 = 2\ncall bpf_tail_call\nout:\nr0 = 9\nexit",
        ),
        TailProg("jmp", 2, XDP_PTRS + "r0 = r3\nr0 -= r2\nr0 += 1000\nexit"),
    ),
)

# --- socket filters ------------------------------------------------------------------------------

SF_LD_ABS = Case(
    "socket_filter_ld_abs",
    "socket_filter",
    """
    r6 = r1
    r0 = *(u8 *)skb[9]
    r7 = r0
    r0 = *(u16 *)skb[2]
    r7 <<= 16
    r0 |= r7
    r7 = r0
    r0 = *(u32 *)skb[12]
    r0 ^= r7
    exit
""",
    every_packet(),
    parser=True,
)

SF_LD_IND = Case(
    "socket_filter_ld_ind_ports",
    "socket_filter",
    """
    r6 = r1
    r0 = *(u8 *)skb[0]
    r0 &= 0xf
    r0 <<= 2
    r7 = r0
    r0 = *(u16 *)skb[r7 + 2]
    r8 = r0
    r0 = *(u16 *)skb[r7]
    r0 <<= 16
    r0 |= r8
    exit
""",
    every_packet(),
    parser=True,
)

SF_FIELDS = Case(
    "socket_filter_skb_fields_to_cb",
    "socket_filter",
    """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 16)
    r4 = *(u32 *)(r1 + 4)
    r5 = *(u32 *)(r1 + 8)
    *(u32 *)(r1 + 48) = r2
    *(u32 *)(r1 + 52) = r3
    *(u32 *)(r1 + 56) = r4
    r5 += 1
    *(u32 *)(r1 + 60) = r5
    r0 = *(u16 *)(r1 + 16)
    r0 <<= 8
    r0 += r2
    exit
""",
    (
        *packet_runs("ipv4_udp", "ipv6_tcp", "arp"),
        Run(PACKETS["ipv4_tcp_syn"], ctx=sk_buff(mark=41, priority=3, cb=[1, 2, 3, 4, 5])),
        Run(PACKETS["ipv6_udp"], ctx=sk_buff(mark=7), repeat=3),
    ),
)

SF_CB_SUM = Case(
    "socket_filter_cb_sum_and_truncate",
    "socket_filter",
    """
    r2 = *(u32 *)(r1 + 48)
    r3 = *(u32 *)(r1 + 52)
    r2 += r3
    r3 = *(u32 *)(r1 + 56)
    r2 += r3
    r3 = *(u32 *)(r1 + 60)
    r2 += r3
    r3 = *(u32 *)(r1 + 8)
    r2 += r3
    r3 = *(u32 *)(r1 + 32)
    r2 += r3
    *(u32 *)(r1 + 64) = r2
    r0 = *(u32 *)(r1 + 0)
    if r0 <= 30 goto out
    r0 = 30
out:
    exit
""",
    (
        Run(PACKETS["ipv4_udp"], ctx=sk_buff(cb=[10, 20, 30, 40, 0], mark=5, priority=6)),
        Run(PACKETS["arp"], ctx=sk_buff(cb=[1, 1, 1, 1, 1])),
        Run(PACKETS["eth_only"]),
        Run(PACKETS["ipv4_icmp"], ctx=sk_buff(priority=100), repeat=2),
    ),
)

SF_LD_ABS_NEGATIVE = Case(
    "socket_filter_ld_abs_link_and_net_offsets",
    "socket_filter",
    """
    r6 = r1
    r0 = *(u16 *)skb[-2097140]
    r7 = r0
    r0 = *(u8 *)skb[-1048567]
    r7 <<= 8
    r7 |= r0
    r8 = 20
    r0 = *(u32 *)skb[r8 - 2097152]
    r0 ^= r7
    exit
""",
    every_packet(),
)

# --- tc (SCHED_CLS) ------------------------------------------------------------------------------

TC_PARSE = Case(
    "tc_direct_access_drop_dns",
    "sched_cls",
    TC_PTRS
    + """
    r4 = r2
    r4 += 42
    if r4 > r3 goto ok
    r5 = *(u16 *)(r2 + 12)
    if r5 != 0x0008 goto ok
    r5 = *(u8 *)(r2 + 23)
    if r5 != 17 goto ok
    r5 = *(u16 *)(r2 + 36)
    if r5 != 0x3500 goto ok
    r0 = 2
    exit
ok:
    r0 = 0
    exit
""",
    every_packet(),
    parser=True,
)

TC_CTX_WRITES = Case(
    "tc_mark_priority_tc_index_writes",
    "sched_cls",
    """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 16)
    r4 = *(u32 *)(r1 + 8)
    r4 += r2
    *(u32 *)(r1 + 8) = r4
    *(u32 *)(r1 + 32) = r3
    r5 = 5
    *(u32 *)(r1 + 44) = r5
    r5 = *(u32 *)(r1 + 48)
    r5 += 1
    *(u32 *)(r1 + 64) = r5
    r0 = *(u32 *)(r1 + 4)
    exit
""",
    (
        Run(PACKETS["ipv4_udp"], ctx=sk_buff()),
        Run(PACKETS["ipv6_tcp"], ctx=sk_buff(mark=100, priority=1, cb=[9])),
        Run(PACKETS["arp"], ctx=sk_buff(mark=1), repeat=3),
        Run(PACKETS["ipv4_icmp"]),
        *(
            Run(PACKETS["ipv4_udp"], ctx=sk_buff(**{name: value}))
            for name, value in (
                ("len", 5),
                ("protocol", 8),
                ("tc_index", 3),
                ("hash", 7),
                ("ifindex", 1),
                ("ingress_ifindex", 1),
                ("wire_len", 100),
                ("wire_len", 10),
                ("gso_segs", 2),
                ("gso_size", 100),
                ("tstamp", 5),
                ("queue_mapping", 1),
                ("tc_classid", 9),
            )
        ),
    ),
)

TC_LOAD_BYTES = Case(
    "tc_skb_load_bytes",
    "sched_cls",
    """
    r6 = r1
    r1 = r6
    r2 = 14
    r3 = r10
    r3 += -24
    r4 = 20
    call bpf_skb_load_bytes
    r7 = r0
    r1 = r6
    r2 = 60
    r3 = r10
    r3 += -32
    r4 = 8
    call bpf_skb_load_bytes
    r8 = r0
    r9 = *(u64 *)(r10 - 24)
"""
    + slot0("out", "done")
    + """
    *(u64 *)(r0 + 0) = r9
    r1 = *(u64 *)(r10 - 16)
    *(u64 *)(r0 + 8) = r1
    *(u64 *)(r0 + 16) = r7
    *(u64 *)(r0 + 24) = r8
done:
    r0 = 0
    exit
""",
    (*packet_runs("ipv4_udp", "ipv4_udp_other", "eth_only", "ipv6_udp"),),
    maps=(result_array(slots=4),),
)

TC_STORE_BYTES = Case(
    "tc_skb_store_bytes_rewrite_mac",
    "sched_cls",
    """
    r6 = r1
    r2 = 0x0403020100aa ll
    *(u64 *)(r10 - 8) = r2
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 6
    r5 = 0
    call bpf_skb_store_bytes
    r7 = r0
    r1 = r6
    r2 = 1000
    r3 = r10
    r3 += -8
    r4 = 4
    r5 = 0
    call bpf_skb_store_bytes
    r0 <<= 8
    r0 |= r7
    r0 &= 0xffff
    exit
""",
    (*packet_runs("ipv4_udp", "arp"), Run(PACKETS["ipv6_tcp"], repeat=2)),
)

TC_L3_CSUM = Case(
    "tc_l3_csum_replace_saddr",
    "sched_cls",
    """
    r6 = r1
    r1 = r6
    r2 = 26
    r3 = r10
    r3 += -8
    r4 = 4
    call bpf_skb_load_bytes
    if r0 != 0 goto ok
    r7 = *(u32 *)(r10 - 8)
    r8 = 0x07080910
    *(u32 *)(r10 - 4) = r8
    r1 = r6
    r2 = 26
    r3 = r10
    r3 += -4
    r4 = 4
    r5 = 0
    call bpf_skb_store_bytes
    r1 = r6
    r2 = 24
    r3 = r7
    r4 = r8
    r5 = 4
    call bpf_l3_csum_replace
    r0 &= 0xff
    exit
ok:
    r0 = 0
    exit
""",
    (*packet_runs("ipv4_udp", "ipv4_tcp_syn", "runt_ipv4"), Run(PACKETS["ipv4_icmp"], repeat=2)),
)

TC_L4_CSUM = Case(
    "tc_l4_csum_replace_udp_port",
    "sched_cls",
    TC_PTRS
    + """
    r4 = r2
    r4 += 42
    if r4 > r3 goto ok
    r5 = *(u16 *)(r2 + 12)
    if r5 != 0x0008 goto ok
    r5 = *(u8 *)(r2 + 23)
    if r5 != 17 goto ok
    r7 = *(u16 *)(r2 + 36)
    r6 = r1
    r8 = 0x3930
    *(u16 *)(r10 - 2) = r8
    r1 = r6
    r2 = 36
    r3 = r10
    r3 += -2
    r4 = 2
    r5 = 0
    call bpf_skb_store_bytes
    r1 = r6
    r2 = 40
    r3 = r7
    r4 = r8
    r5 = 2
    call bpf_l4_csum_replace
    r0 &= 0xff
    exit
ok:
    r0 = 0
    exit
""",
    (*packet_runs("ipv4_udp", "ipv4_udp_other", "ipv4_tcp_syn", "arp"),),
)

TC_TTL = Case(
    "tc_direct_ttl_rewrite_csum_replace",
    "sched_cls",
    TC_PTRS
    + """
    r4 = r2
    r4 += 34
    if r4 > r3 goto ok
    r5 = *(u16 *)(r2 + 12)
    if r5 != 0x0008 goto ok
    r7 = *(u16 *)(r2 + 22)
    r8 = r7
    r8 += -1
    *(u16 *)(r2 + 22) = r8
    r1 = r1
    r2 = 24
    r3 = r7
    r4 = r8
    r5 = 2
    call bpf_l3_csum_replace
ok:
    r0 = 0
    exit
""",
    (*packet_runs("ipv4_udp", "ipv4_icmp", "ipv6_udp"), Run(PACKETS["ipv4_tcp_syn"], repeat=3)),
)

TC_VLAN_FIELDS = Case(
    "tc_read_protocol_len_ifindex",
    "sched_cls",
    """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 16)
    r4 = *(u32 *)(r1 + 4)
    r5 = *(u32 *)(r1 + 40)
    r0 = r3
    r0 <<= 16
    r0 += r2
    r4 <<= 28
    r0 += r4
    r5 <<= 24
    r0 ^= r5
    exit
""",
    every_packet(),
)

TC_CSUM_DIFF = Case(
    "tc_csum_diff_values",
    "sched_cls",
    """
    r6 = r1
    r1 = r6
    r2 = 14
    r3 = r10
    r3 += -24
    r4 = 20
    call bpf_skb_load_bytes
    if r0 != 0 goto short
    r1 = 0
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 20
    r5 = 0
    call bpf_csum_diff
    r7 = r0
    r1 = r10
    r1 += -24
    r2 = 8
    r3 = r10
    r3 += -16
    r4 = 8
    r5 = 0xfffffff0
    call bpf_csum_diff
    r8 = r0
"""
    + slot0("out", "short")
    + """
    *(u64 *)(r0 + 0) = r7
    *(u64 *)(r0 + 8) = r8
    r0 = r7
    exit
short:
    r0 = 0
    exit
""",
    packet_runs("ipv4_udp", "ipv4_tcp_syn", "ipv6_udp", "ipv4_options_udp"),
    maps=(result_array(slots=2),),
)

# --- SYSCALL and RAW_TRACEPOINT --------------------------------------------------------------------

SYSCALL_CTX = Case(
    "syscall_ctx_blob_read_write",
    "syscall",
    """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += r3
    *(u32 *)(r1 + 8) = r4
    r4 = r2
    r4 *= r3
    *(u32 *)(r1 + 12) = r4
    r0 = r2
    r0 ^= r3
    exit
""",
    (
        Run(ctx=struct.pack("<4I", 3, 4, 0, 0)),
        Run(ctx=struct.pack("<4I", 0xFFFFFFFF, 2, 9, 9) + b"tail"),
    ),
    prog_flags=uapi.BPF_F_SLEEPABLE,
    ctx_only=True,
)

SYSCALL_MAP = Case(
    "syscall_updates_a_map",
    "syscall",
    """
    r6 = r1
    r7 = *(u64 *)(r6 + 0)
"""
    + count("h", "r7", "c", amount="r7")
    + """
    r0 = 0
    exit
""",
    (Run(ctx=u64(5)), Run(ctx=u64(5)), Run(ctx=u64(9))),
    maps=(MapSpec("h", HASH, 4, 8, 8),),
    prog_flags=uapi.BPF_F_SLEEPABLE,
    ctx_only=True,
)

RAW_TP = Case(
    "raw_tracepoint_args_sum",
    "raw_tracepoint",
    """
    r2 = *(u64 *)(r1 + 0)
    r3 = *(u64 *)(r1 + 8)
    r4 = *(u64 *)(r1 + 16)
    r0 = r2
    r0 += r3
    r0 *= r4
    exit
""",
    (Run(ctx=struct.pack("<3Q", 1, 2, 3)), Run(ctx=struct.pack("<4Q", 10, 20, 30, 40))),
    ctx_only=True,
)

CORPUS: tuple[Case, ...] = (
    XDP_ETH_VERDICT,
    XDP_IPV4_DPORT,
    XDP_IPV6,
    XDP_TCP_SYN,
    XDP_VLAN_COUNT,
    XDP_SWAP_MACS,
    XDP_TTL_CSUM,
    XDP_POP_ETH,
    XDP_PUSH_HEAD,
    XDP_TAIL_SHRINK,
    XDP_TAIL_GROW,
    XDP_META,
    XDP_META_FROM_CTX,
    XDP_ADJUST_LIMITS,
    XDP_RXQ_FIELDS,
    XDP_MAP_ERRNOS,
    XDP_PERCPU_CPU,
    XDP_RINGBUF_QUERY,
    XDP_HASH_BYTES,
    XDP_PERCPU_ARRAY,
    XDP_PERCPU_HASH,
    XDP_LRU,
    XDP_MMAPABLE,
    XDP_QUEUE_PUSH,
    XDP_QUEUE_OVERWRITE,
    XDP_STACK,
    XDP_QUEUE_POP,
    XDP_RINGBUF_OUTPUT,
    XDP_RINGBUF_RESERVE,
    XDP_BPF_LOOP,
    XDP_BPF_TO_BPF,
    XDP_FOR_EACH,
    XDP_FOR_EACH_HASH,
    XDP_BOUNDED_LOOP,
    ATOMICS,
    ALU64,
    ALU32,
    TAIL_CALL,
    TAIL_CALL_EMPTY,
    TAIL_CALL_LIMIT,
    TAIL_CALL_CHAIN,
    SF_LD_ABS,
    SF_LD_IND,
    SF_LD_ABS_NEGATIVE,
    SF_FIELDS,
    SF_CB_SUM,
    TC_PARSE,
    TC_CTX_WRITES,
    TC_LOAD_BYTES,
    TC_STORE_BYTES,
    TC_L3_CSUM,
    TC_L4_CSUM,
    TC_TTL,
    TC_VLAN_FIELDS,
    TC_CSUM_DIFF,
    SYSCALL_CTX,
    SYSCALL_MAP,
    RAW_TP,
)
"""Every program of the corpus, uniquely named."""

PARSERS: tuple[Case, ...] = tuple(case for case in CORPUS if case.parser)
"""The packet parsers: cheap, map-free programs worth feeding random packets."""
