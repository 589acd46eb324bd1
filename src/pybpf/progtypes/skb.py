"""The socket buffer of SOCKET_FILTER, SCHED_CLS, SCHED_ACT, CGROUP_SKB and LWT_*: the kernel-side sk_buff.

Mirrors three pieces of the kernel:

* ``struct sk_buff`` as a program sees it after the verifier's rewrite: ``SkbKern`` holds every
  field ``struct __sk_buff`` exposes, with the kernel's widths (``protocol``, ``queue_mapping``,
  ``tc_index``, ``tc_classid``, ``gso_*`` are 16 bits, ``pkt_type`` a 3-bit field of a byte,
  ``vlan_present`` derived from the 32-bit ``vlan_all``) and ``data``/``data_end``/``data_meta``
  as 64-bit pointers into the packet, so direct packet access works;
* ``bpf_skb_is_valid_access`` and ``bpf_convert_ctx_access`` (net/core/filter.c) together with the
  verifier's narrow-load wrapping (``convert_ctx_accesses`` in kernel/bpf/verifier.c): a narrow
  read loads the whole 4-byte field, then shifts and masks; a sign-extending load ends with movsx;
  the socket fields (family .. local_port, for the types that expose them) load through ``skb->sk``;
* ``bpf_prog_test_run_skb`` (net/bpf/test_run.c): the packet is built with NET_SKB_PAD of headroom,
  ``eth_type_trans`` sets ``protocol`` and ``pkt_type`` from the Ethernet header and the device
  (loopback, or ``ifindex`` of ctx_in), L2 types (tc) see the packet from the MAC header, socket
  filters from the network header (LD_ABS/LD_IND relative to it); IPv4/IPv6 packets must hold their
  IP header; ``skb->sk`` is the test socket (pybpf: a read-only ``struct bpf_sock`` with the
  family and addresses of the packet); ``convert___skb_to_skb`` decides
  which ctx_in fields may be non-zero; after the run a socket filter's data_out gets a zeroed
  Ethernet header pushed back, and ``convert_skb_to___skb`` fills ctx_out.  ``SkbTestRunFixture``
  keeps the sk_buff, the test socket and the packet buffer (``SkbStorage``) registered between the
  test runs of one program (``Program.run``), zeroed and filled per call as new ones would be.

Sequences avoid BPF_REG_AX, so where the kernel uses it (tstamp under CONFIG_NET_XGRESS,
``skb_shinfo`` on 64-bit) pybpf emits the single load the kernel's sequence amounts to in a test run.
"""

from __future__ import annotations

import ctypes
import dataclasses
import errno
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter_ns
from typing import ClassVar

from pybpf.errors import BPFError, HelperError
from pybpf.helpers.context import RunEnv
from pybpf.helpers.protos import PROTOS, ArgType, HelperProto, proto
from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.words import M32
from pybpf.memory.regions import READ, WRITE, Memory, Region
from pybpf.objects import rtnl
from pybpf.progtypes.base import (
    U32_MAX,
    ProgramRunner,
    ProgType,
    TestRunArgs,
    TestRunFixture,
    TestRunResult,
    ctx_tail_zero,
    range_is_zero,
    repeat_program,
)
from pybpf.uapi import (
    BPF_F_INVALIDATE_HASH,
    BPF_F_RECOMPUTE_CSUM,
    BPF_FUNC_get_cgroup_classid,
    bpf_sock,
    member_names,
    offsetof,
    offsetofend,
)
from pybpf.uapi import sk_buff as _uapi_skb

SK_BUFF_SIZE = ctypes.sizeof(_uapi_skb)
ETH_HLEN = 14
NET_SKB_PAD = 64
NET_IP_ALIGN = 0  # x86
SKB_HEADROOM = NET_SKB_PAD + NET_IP_ALIGN
PAGE_SIZE = 4096
SKB_SHINFO_SIZE = 320  # SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64
MAX_TEST_DATA = PAGE_SIZE - SKB_HEADROOM - SKB_SHINFO_SIZE
GSO_MAX_SEGS = 65535
GSO_LEGACY_MAX_SIZE = 65536
NO_QUEUE_MAPPING = 0xFFFF
PKT_TYPE_MAX = 7
MIN_NAPI_ID = 8192 + 1  # NR_CPUS + 1
_INT_MAX = 0x7FFF_FFFF
PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST = 0, 1, 2, 3
ETH_P_802_3, ETH_P_802_2, ETH_P_802_3_MIN = 0x0001, 0x0004, 0x0600
ETH_P_IP, ETH_P_IPV6 = 0x0800, 0x86DD


def _layout() -> tuple[dict[str, int], dict[str, int]]:
    """Offset and end of every __sk_buff field by name (anonymous unions by their member's name)."""
    starts: dict[str, int] = {}
    ends: dict[str, int] = {}
    for name in member_names(_uapi_skb):
        starts[name] = offsetof(_uapi_skb, name)
        ends[name] = offsetofend(_uapi_skb, name)
    return starts, ends


OFF, END = _layout()


class SkbKern(ctypes.Structure):
    """pybpf's kernel-side ``struct sk_buff``: what converted ctx accesses load and store."""

    _fields_ = (
        ("data", ctypes.c_uint64),
        ("data_end", ctypes.c_uint64),
        ("data_meta", ctypes.c_uint64),
        ("dev", ctypes.c_uint64),  # points at dev_ifindex: a one-field struct net_device
        ("sk", ctypes.c_uint64),
        ("tstamp", ctypes.c_uint64),
        ("hwtstamp", ctypes.c_uint64),  # skb_shinfo(skb)->hwtstamps.hwtstamp
        ("len", ctypes.c_uint32),
        ("mark", ctypes.c_uint32),
        ("priority", ctypes.c_uint32),
        ("skb_iif", ctypes.c_uint32),
        ("hash", ctypes.c_uint32),
        ("napi_id", ctypes.c_uint32),
        ("cb", ctypes.c_uint8 * 20),  # qdisc_skb_cb.data (QDISC_CB_PRIV_LEN)
        ("pkt_len", ctypes.c_uint32),  # qdisc_skb_cb.pkt_len: wire_len
        ("vlan_proto", ctypes.c_uint16),  # vlan_proto and vlan_tci together are vlan_all
        ("vlan_tci", ctypes.c_uint16),
        ("queue_mapping", ctypes.c_uint16),
        ("protocol", ctypes.c_uint16),
        ("tc_index", ctypes.c_uint16),
        ("tc_classid", ctypes.c_uint16),
        ("gso_segs", ctypes.c_uint16),
        ("gso_size", ctypes.c_uint16),
        ("pkt_type", ctypes.c_uint8),  # low 3 bits
        ("tstamp_type", ctypes.c_uint8),
        ("_pad", ctypes.c_uint16),
        ("dev_ifindex", ctypes.c_uint32),
    )


def _k(name: str) -> int:
    offset: int = getattr(SkbKern, name).offset
    return offset


KOFF = {name: _k(name) for name, _ in SkbKern._fields_}


# -- instruction builders ------------------------------------------------------------------------------
def _ldx(size: int, dst: int, src: int, off: int) -> Instruction:
    return Instruction(op.BPF_LDX | op.BPF_MEM | size, dst, src, off)


def _stx(size: int, dst: int, src: int, off: int) -> Instruction:
    return Instruction(op.BPF_STX | op.BPF_MEM | size, dst, src, off)


def _st(size: int, dst: int, off: int, imm: int) -> Instruction:
    return Instruction(op.BPF_ST | op.BPF_MEM | size, dst, 0, off, imm)


def _alu32(name: str, dst: int, imm: int) -> Instruction:
    return Instruction(op.BPF_ALU | op.ALU_OPS[name] | op.BPF_K, dst, 0, 0, imm)


def _alu64(name: str, dst: int, imm: int) -> Instruction:
    return Instruction(op.BPF_ALU64 | op.ALU_OPS[name] | op.BPF_K, dst, 0, 0, imm)


def _jmp(name: str, dst: int, imm: int, off: int) -> Instruction:
    return Instruction(op.BPF_JMP | op.JMP_OPS[name] | op.BPF_K, dst, 0, off, imm)


_SIZE_CODE = {1: op.BPF_B, 2: op.BPF_H, 4: op.BPF_W, 8: op.BPF_DW}


def _store(insn: Instruction, size: int, off: int) -> Instruction:
    """The store ``insn`` (STX or ST) retargeted to ``off`` with ``size``."""
    if insn.opcode & 0x07 == op.BPF_ST:
        return _st(_SIZE_CODE[size], insn.dst, off, insn.imm)
    return _stx(_SIZE_CODE[size], insn.dst, insn.src, off)


# -- the access rules (bpf_skb_is_valid_access) ---------------------------------------------------------
def _in(off: int, first: str, last: str | None = None) -> bool:
    return OFF[first] <= off < END[last or first]


def skb_is_valid_access(off: int, size: int, write: bool, *, ldsx: bool = False) -> bool:
    """``bpf_skb_is_valid_access``: the checks every __sk_buff type shares."""
    if off < 0 or off >= SK_BUFF_SIZE or size not in (1, 2, 4, 8) or off % size:
        return False
    if _in(off, "cb"):
        return off + size <= END["cb"]
    if _in(off, "data") or _in(off, "data_meta") or _in(off, "data_end"):
        return not ldsx and size == 4
    if _in(off, "remote_ip6") or _in(off, "local_ip6") or _in(off, "remote_ip4") or _in(off, "local_ip4"):
        return size == 4
    if _in(off, "flow_keys"):
        return False
    if _in(off, "hwtstamp"):
        return not write and size == 8
    if _in(off, "tstamp"):
        return size == 8
    if _in(off, "sk"):
        return off == OFF["sk"] and not write and size == 8
    if off == OFF["tstamp_type"]:
        return False
    if END["tstamp_type"] <= off < OFF["hwtstamp"]:
        return False  # padding
    if write:
        return size == 4
    return narrow_access_ok(off, size)


def narrow_access_ok(off: int, size: int, size_default: int = 4) -> bool:
    """``bpf_ctx_narrow_access_ok``: a read of 1..size_default bytes inside one default-size field."""
    return size <= size_default and (off & (size_default - 1)) + size <= size_default


def ctx_field_size(off: int) -> int:
    """The recorded field size of a read at ``off`` (0 for fields read only at their own size)."""
    for name in ("cb", "data", "data_meta", "data_end", "hwtstamp", "tstamp", "sk", "tstamp_type"):
        if _in(off, name):
            return 0
    return 4


# -- the rewrite (bpf_convert_ctx_access + narrow loads) ------------------------------------------------
def _field_of(off: int) -> str:
    for name in OFF:
        if OFF[name] <= off < END[name]:
            return name
    raise BPFError(errno.EACCES, f"invalid bpf_context access off={off}")


def convert_field(insn: Instruction, *, l2: bool) -> list[Instruction]:
    """One converted access at its field's own offset and size (what bpf_convert_ctx_access emits)."""
    mode = insn.opcode & 0x07
    write = mode in (op.BPF_STX, op.BPF_ST)
    size = op.SIZE_BYTES[insn.opcode & 0x18]
    dst, src, off = insn.dst, insn.src, insn.off
    name = _field_of(off)
    ctx_reg = dst if write else src

    def load(kname: str, ksize: int) -> list[Instruction]:
        return [_ldx(_SIZE_CODE[ksize], dst, ctx_reg, KOFF[kname])]

    def load_or_store(kname: str, ksize: int) -> list[Instruction]:
        return [_store(insn, ksize, KOFF[kname])] if write else load(kname, ksize)

    simple_rw = {
        "mark": ("mark", 4),
        "priority": ("priority", 4),
        "tc_index": ("tc_index", 2),
        "tc_classid": ("tc_classid", 2),
    }
    simple_ro = {
        "len": ("len", 4),
        "protocol": ("protocol", 2),
        "vlan_proto": ("vlan_proto", 2),
        "vlan_tci": ("vlan_tci", 2),
        "ingress_ifindex": ("skb_iif", 4),
        "hash": ("hash", 4),
        "data": ("data", 8),
        "data_end": ("data_end", 8),
        "data_meta": ("data_meta", 8),
        "gso_segs": ("gso_segs", 2),
        "gso_size": ("gso_size", 2),
        "hwtstamp": ("hwtstamp", 8),
        "wire_len": ("pkt_len", 4),
        "sk": ("sk", 8),
        "tstamp_type": ("tstamp_type", 1),
    }
    if name in simple_rw:
        return load_or_store(*simple_rw[name])
    if name in simple_ro:
        return load(*simple_ro[name])
    if name == "tstamp":
        return load_or_store("tstamp", 8)
    if name in SOCK_FIELDS:  # through skb->sk: the types that expose these always have a socket there
        sock_name, sock_size = SOCK_FIELDS[name]
        where = offsetof(bpf_sock, sock_name) + off - OFF[name]
        out = [_ldx(op.BPF_DW, dst, src, KOFF["sk"]), _ldx(_SIZE_CODE[sock_size], dst, dst, where)]
        if name == "remote_port":  # skc_dport (network order) in the upper half, as the kernel leaves it
            out.append(_alu32("lsh", dst, 16))
        return out
    if name == "cb":
        where = KOFF["cb"] + off - OFF["cb"]
        return [_store(insn, size, where)] if write else [_ldx(_SIZE_CODE[size], dst, src, where)]
    if name == "pkt_type":
        return [*load("pkt_type", 1), _alu32("and", dst, PKT_TYPE_MAX)]
    if name == "vlan_present":
        return [*load("vlan_proto", 4), _jmp("jeq", dst, 0, 1), _alu32("mov", dst, 1)]
    if name == "ifindex":
        deref = _ldx(op.BPF_W, dst, dst, 0)
        if l2:  # tc_cls_act_convert_ctx_access: skb->dev is never NULL there
            return [_ldx(op.BPF_DW, dst, src, KOFF["dev"]), deref]
        return [_ldx(op.BPF_DW, dst, src, KOFF["dev"]), _jmp("jeq", dst, 0, 1), deref]
    if name == "napi_id":
        return [*load("napi_id", 4), _jmp("jge", dst, MIN_NAPI_ID, 1), _alu64("mov", dst, 0)]
    if name == "queue_mapping":
        if not write:
            return load("queue_mapping", 2)
        if mode == op.BPF_ST:
            if insn.imm >= NO_QUEUE_MAPPING:
                return [Instruction(op.BPF_JMP | op.JMP_OPS["ja"])]
            return [_store(insn, 2, KOFF["queue_mapping"])]
        return [
            Instruction(op.BPF_JMP | op.JMP_OPS["jge"] | op.BPF_K, src, 0, 1, NO_QUEUE_MAPPING),
            _store(insn, 2, KOFF["queue_mapping"]),
        ]
    raise BPFError(errno.EACCES, f"invalid bpf_context access off={off} size={size}")


SOCK_FIELDS = {
    "family": ("family", 2),
    "remote_ip4": ("dst_ip4", 4),
    "local_ip4": ("src_ip4", 4),
    "remote_ip6": ("dst_ip6", 4),
    "local_ip6": ("src_ip6", 4),
    "remote_port": ("dst_port", 2),
    "local_port": ("src_port", 2),
}
"""The __sk_buff socket fields (CGROUP_SKB, SK_SKB): the test socket's ``struct bpf_sock`` field behind
each and the width the kernel loads of its ``struct sock_common`` (skc_family, skc_daddr ... skc_num)."""

TARGET_SIZE = {
    "family": 2,
    "local_port": 2,
    "pkt_type": 1,
    "queue_mapping": 2,
    "protocol": 2,
    "vlan_tci": 2,
    "vlan_proto": 2,
    "tc_index": 2,
    "tc_classid": 2,
    "gso_segs": 2,
    "gso_size": 2,
}
"""Width of the kernel field behind a 4-byte __sk_buff field, where it is narrower (the others are 4)."""


def convert_skb_access(insn: Instruction, *, l2: bool) -> list[Instruction]:
    """The verifier's full rewrite of one ctx access: narrow reads widened, shifted and masked."""
    mode = insn.opcode & 0x07
    size = op.SIZE_BYTES[insn.opcode & 0x18]
    if mode in (op.BPF_STX, op.BPF_ST):
        return convert_field(insn, l2=l2)
    field_size = ctx_field_size(insn.off)
    signed = insn.opcode & 0xE0 == op.BPF_MEMSX
    if field_size and size < field_size:
        # The load is widened to the field; the result is narrowed only when the access is narrower
        # than what the kernel's sk_buff holds (``size < target_size`` in convert_ctx_accesses).
        aligned = insn.off & ~(field_size - 1)
        wide = Instruction(op.BPF_LDX | op.BPF_MEM | op.BPF_W, insn.dst, insn.src, aligned)
        out = convert_field(wide, l2=l2)
        shift = (insn.off & (field_size - 1)) * 8
        if size < TARGET_SIZE.get(_field_of(aligned), 4):
            if shift:
                out.append(_alu32("rsh", insn.dst, shift))
            out.append(_alu32("and", insn.dst, (1 << (size * 8)) - 1))
    else:
        plain = Instruction(op.BPF_LDX | op.BPF_MEM | (insn.opcode & 0x18), insn.dst, insn.src, insn.off)
        out = convert_field(plain, l2=l2)
    if signed:
        out.append(Instruction(op.BPF_ALU64 | op.ALU_OPS["mov"] | op.BPF_X, insn.dst, insn.dst, size * 8))
    return out


# -- per-run state ----------------------------------------------------------------------------------------
@dataclass
class SkbState:
    """One test-run skb: the kernel-side struct, the packet buffer (head .. end) and its offsets.

    Offsets are from ``head``: ``data`` (skb->data), ``mac`` and ``network`` headers; ``length``
    is skb->len (the skb is always linear).  The run's ``RunEnv.packet``, for the helpers.
    """

    kern: SkbKern
    buffer: ctypes.Array[ctypes.c_char]
    data: int
    length: int
    mac: int
    network: int
    direct_access: bool
    memory: Memory | None = None
    region: Region | None = None
    ctx_region: Region | None = None
    redirect: tuple[int, int] | None = None
    extra: dict[str, object] = field(default_factory=dict)
    sock: bpf_sock = field(default_factory=bpf_sock)
    """The test socket ``skb->sk`` points to, laid out as the uapi ``struct bpf_sock``."""
    sock_region: Region | None = None
    home_region: Region | None = None
    """The packet region the run started with, emptied while a helper's larger buffer (``reserve``)
    has a region of its own; ``end_run`` puts it back."""

    @property
    def view(self) -> memoryview:
        """The packet buffer as bytes, head to end."""
        return memoryview(self.buffer).cast("B")

    @property
    def head(self) -> int:
        return ctypes.addressof(self.buffer)

    @property
    def capacity(self) -> int:
        return len(self.buffer)

    def packet(self) -> bytes:
        data: bytes = self.buffer[self.data : self.data + self.length]  # type: ignore[assignment]
        return data  # a c_char array's slice is bytes

    def sync(self) -> None:
        """``bpf_compute_data_pointers``: refresh len/data/data_end and the packet region's bounds."""
        kern = self.kern
        kern.len = self.length
        if self.direct_access:
            kern.data = self.head + self.data
            kern.data_end = kern.data + self.length
            kern.data_meta = kern.data
        region = self.region
        if self.memory is not None and region is not None:
            start = self.head + self.data
            if region.start != start or region.end != start + self.length:
                self.memory.resize_region(region, start, start + self.length)

    def reserve(self, head: int = 0, tail: int = 0) -> None:
        """``skb_cow`` / ``pskb_expand_head``: at least ``head`` bytes before data and ``tail`` after
        the packet's end (the skb_shared_info room kept), in a larger buffer if this one has not
        them.  The larger buffer gets a region of its own for the rest of the run (``end_run``): the
        run's buffers belong to the fixture or test run that registered them."""
        end = self.data + self.length
        room = self.capacity - SKB_SHINFO_SIZE - end
        if self.data >= head and room >= tail:
            return
        more_head = max(0, head - self.data)
        more_tail = max(0, tail - room)
        old, size = self.buffer, self.capacity
        buffer = (ctypes.c_char * (size + more_head + more_tail))()
        ctypes.memmove(ctypes.addressof(buffer) + more_head, ctypes.addressof(old), size)
        self.buffer = buffer
        self.data += more_head
        self.mac += more_head
        self.network += more_head
        transport = self.extra.get("transport")
        if isinstance(transport, int):
            self.extra["transport"] = transport + more_head
        memory, region = self.memory, self.region
        if memory is not None and region is not None:
            if self.home_region is None:
                self.home_region = region
                memory.resize_region(region, region.start, region.start)
            else:
                memory.remove_region(region)
            self.region = memory.add_region(buffer, writable=True, name="packet")
        self.sync()

    def end_run(self) -> None:
        """After the run: the region of a buffer ``reserve`` made goes, the run's own comes back (its
        bounds set again by whoever runs next)."""
        home, memory, region = self.home_region, self.memory, self.region
        if home is not None and memory is not None:
            if region is not None:
                memory.remove_region(region)
            self.region, self.home_region = home, None

    # -- PacketAccess (pybpf.helpers.csum) and the byte helpers -------------------------------------------
    def make_writable(self, length: int) -> bool:
        """``bpf_try_make_writable``: the first ``length`` bytes of data exist (linear skb)."""
        return length <= self.length

    def packet_length(self) -> int:
        """``skb->len``: the bytes from ``data`` on (the ``Packet`` view helpers use)."""
        return self.length

    def copy_packet(self, offset: int, size: int) -> bytes:
        return self.read(offset, size)

    def packet_pointer(self, offset: int, size: int) -> int | None:
        """skb_pointer_if_linear() (a test-run skb is all linear)."""
        return self.head + self.data + offset if offset + size <= self.length else None

    def load_packet(self, offset: int, size: int) -> bytes | int:
        """__bpf_skb_load_bytes(): past INT_MAX or the end is -EFAULT."""
        if offset > _INT_MAX or offset + size > self.length:
            return -errno.EFAULT
        return self.read(offset, size)

    def store_error(self, offset: int, size: int, flags: int) -> int:
        """__bpf_skb_store_bytes()'s checks: flags other than BPF_F_RECOMPUTE_CSUM |
        BPF_F_INVALIDATE_HASH are -EINVAL, an offset past INT_MAX or bytes past the end -EFAULT;
        else 0."""
        if flags & ~(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH):
            return -errno.EINVAL
        if offset > _INT_MAX or not self.make_writable(offset + size):
            return -errno.EFAULT
        return 0

    def store_packet(self, offset: int, payload: bytes, flags: int) -> int:
        """__bpf_skb_store_bytes(): its checks (``store_error``), then the bytes, the hash cleared on
        request (the checksum needs no update: a test-run skb has no CHECKSUM_COMPLETE sum)."""
        error = self.store_error(offset, len(payload), flags)
        if error:
            return error
        self.write(offset, payload)
        if flags & BPF_F_INVALIDATE_HASH:
            self.kern.hash = 0
        return 0

    def read(self, offset: int, size: int) -> bytes:
        start = self.data + offset
        return bytes(self.view[start : start + size])

    def write(self, offset: int, payload: bytes) -> None:
        start = self.data + offset
        self.view[start : start + len(payload)] = payload

    def read16(self, offset: int) -> int:
        return int.from_bytes(self.read(offset, 2), "little")

    def write16(self, offset: int, value: int) -> None:
        self.write(offset, (value & 0xFFFF).to_bytes(2, "little"))

    def load_abs(self, offset: int, size: int) -> int | None:
        """LD_ABS/LD_IND (``bpf_skb_load_helper_*``): big-endian read relative to data, or None.

        Negative offsets reach the network header (SKF_NET_OFF) and the MAC header (SKF_LL_OFF).
        """
        skf_net_off, skf_ll_off = -0x100000, -0x200000
        if offset >= 0:
            if offset + size > self.length:
                return None
            start = self.data + offset
        elif offset >= skf_ll_off:
            if offset >= skf_net_off:
                start = self.network + offset - skf_net_off
            else:
                start = self.mac + offset - skf_ll_off
            if start < 0 or start < self.mac or start + size > self.data + self.length:
                return None
        else:
            return None
        return int.from_bytes(self.view[start : start + size], "big")


def skb_state(env: RunEnv) -> SkbState:
    """The socket buffer of the run (``env.packet``); ``HelperError`` outside a socket buffer run."""
    state = env.packet
    if not isinstance(state, SkbState):
        raise HelperError(None, "this helper needs a socket buffer")
    return state


# -- test_run (bpf_prog_test_run_skb) -----------------------------------------------------------------------
_ALLOWED_CTX = (
    "mark",
    "priority",
    "ingress_ifindex",
    "ifindex",
    "cb",
    "tstamp",
    "wire_len",
    "gso_segs",
    "gso_size",
    "hwtstamp",
)


def check_ctx_in(ctx: bytes) -> None:
    """``convert___skb_to_skb``'s zero checks: only the fields it copies may be non-zero."""
    allowed = sorted((OFF[name], END[name]) for name in _ALLOWED_CTX)
    position = 0
    for start, end in allowed:
        if not range_is_zero(ctx, position, start):
            raise BPFError(errno.EINVAL, f"ctx_in: bytes {position}..{start} of __sk_buff must be zero")
        position = end
    if not range_is_zero(ctx, position, SK_BUFF_SIZE):
        raise BPFError(errno.EINVAL, "ctx_in: bytes past hwtstamp must be zero")


def _device(ifindex: int) -> tuple[int, bytes, bytes]:
    """(ifindex, dev_addr, broadcast) of the test device: loopback, or ``ifindex`` when > 1 (ENODEV
    when the caller's network namespace has no such device; rtnetlink answers for that namespace)."""
    if ifindex <= 1:
        return 1, bytes(6), bytes(6)
    try:
        device = rtnl.link(ifindex)
    except OSError as err:
        raise BPFError(err.errno or errno.EINVAL, f"network device {ifindex}: rtnetlink: {err}") from err
    if device is None:
        raise BPFError(errno.ENODEV, f"no network device with ifindex {ifindex}")
    return ifindex, device.address[:6].ljust(6, b"\0"), device.broadcast[:6].ljust(6, b"\0")


def eth_type_trans(frame: bytes, dev_addr: bytes, broadcast: bytes) -> tuple[int, int]:
    """(protocol as the raw __be16 read natively, pkt_type) as ``eth_type_trans`` sets them."""
    dest = frame[:6]
    pkt_type = PACKET_HOST
    if dest != dev_addr:
        if dest[0] & 1:
            pkt_type = PACKET_BROADCAST if dest == broadcast else PACKET_MULTICAST
        else:
            pkt_type = PACKET_OTHERHOST
    proto = int.from_bytes(frame[12:14], "big")
    if proto < ETH_P_802_3_MIN:
        proto = ETH_P_802_3 if frame[14:16] == b"\xff\xff" else ETH_P_802_2
    return int.from_bytes(proto.to_bytes(2, "big"), "little"), pkt_type


AF_INET, AF_INET6 = 2, 10


def _fill_sock(sock: bpf_sock, frame: bytes) -> None:
    """The test socket ``bpf_prog_test_run_skb`` allocates: family and addresses from the IP header."""
    proto = int.from_bytes(frame[12:14], "big")
    if proto == ETH_P_IP:
        sock.family = AF_INET
        sock.src_ip4 = int.from_bytes(frame[ETH_HLEN + 12 : ETH_HLEN + 16], "little")
        sock.dst_ip4 = int.from_bytes(frame[ETH_HLEN + 16 : ETH_HLEN + 20], "little")
    elif proto == ETH_P_IPV6:
        sock.family = AF_INET6
        for i in range(4):
            start = ETH_HLEN + 8 + 4 * i
            sock.src_ip6[i] = int.from_bytes(frame[start : start + 4], "little")
            sock.dst_ip6[i] = int.from_bytes(frame[start + 16 : start + 20], "little")


SKB_CGROUP_CLASSID_PROTO = dataclasses.replace(
    PROTOS[BPF_FUNC_get_cgroup_classid], args=(ArgType.PTR_TO_CTX,)
)
"""``bpf_get_cgroup_classid_proto`` (net/core/filter.c): tc's and the LWT types' helper 17 takes the
skb; every other type's takes nothing (``bpf_get_cgroup_classid_curr_proto``, the shared table's)."""


class SkbProgType(ProgType):
    """What SOCKET_FILTER, SCHED_CLS, SCHED_ACT and the LWT types share: the __sk_buff context and its
    test_run."""

    converts_ctx: ClassVar[bool] = True

    ctx_size: ClassVar[int] = SK_BUFF_SIZE
    l2: ClassVar[bool] = False
    """The program sees the MAC header (tc) rather than the network header (socket filters)."""
    direct_packet_access: ClassVar[bool] = False
    """The test run sets the packet pointers (``is_direct_pkt_access`` of bpf_prog_test_run_skb): tc
    (every L2 type) and the LWT types."""
    allowed_helpers: ClassVar[frozenset[int]] = frozenset()
    classid_of_skb: ClassVar[bool] = False
    """bpf_get_cgroup_classid takes the skb (tc, LWT: ``SKB_CGROUP_CLASSID_PROTO``)."""
    headroom: ClassVar[int] = SKB_HEADROOM
    """Bytes of the test-run buffer before the frame (the kernel's NET_SKB_PAD + NET_IP_ALIGN).  A
    type whose helpers push headers keeps more, so that pushing never moves the packet (where the
    kernel's ``skb_cow_head`` reallocates the head: nothing a program sees)."""

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in self.allowed_helpers

    def func_proto(self, helper_id: int) -> HelperProto | None:
        """The prototype the verifier checks a call of ``helper_id`` against (the type's flavour)."""
        if helper_id == BPF_FUNC_get_cgroup_classid and self.classid_of_skb:
            return SKB_CGROUP_CLASSID_PROTO
        return proto(helper_id)

    def convert_ctx_access(self, insn: Instruction) -> list[Instruction]:
        return convert_skb_access(insn, l2=self.l2)

    def check_test_run_attr(self, args: TestRunArgs) -> None:
        if args.flags or args.cpu or args.batch_size:
            raise BPFError(errno.EINVAL, "flags, cpu and batch_size must be 0 for skb programs")
        if not ETH_HLEN <= len(args.data_in) <= MAX_TEST_DATA:
            raise BPFError(errno.EINVAL, f"data_size_in must be {ETH_HLEN}..{MAX_TEST_DATA}")
        if args.ctx_in is not None:
            ctx_tail_zero(args.ctx_in, SK_BUFF_SIZE)

    def build(
        self, args: TestRunArgs, storage: SkbStorage | None = None
    ) -> tuple[SkbState, bytearray | None]:
        """The skb of a test run and the __sk_buff ctx (None without ctx_in/ctx_out); in ``storage``'s
        buffers (zeroed) when given (``SkbTestRunFixture``), else in new ones."""
        self.check_test_run_attr(args)
        size = len(args.data_in)
        has_ctx = args.ctx_in is not None or args.ctx_size_out > 0
        ctx = bytearray(ctx_tail_zero(args.ctx_in, SK_BUFF_SIZE)) if has_ctx else None
        user = _uapi_skb.from_buffer_copy(bytes(ctx)) if ctx is not None else _uapi_skb()
        ifindex, dev_addr, broadcast = _device(user.ifindex)
        headroom = self.headroom
        need = headroom + size + SKB_SHINFO_SIZE
        if storage is None:
            kern, sock, buffer = SkbKern(), bpf_sock(), (ctypes.c_char * need)()
        else:
            kern, sock, buffer = storage.zeroed(need)
        memoryview(buffer).cast("B")[headroom : headroom + size] = args.data_in
        state = SkbState(
            kern,
            buffer,
            headroom + ETH_HLEN,
            size - ETH_HLEN,
            headroom,
            headroom + ETH_HLEN,
            direct_access=self.l2 or self.direct_packet_access,
            sock=sock,
        )
        kern.protocol, kern.pkt_type = eth_type_trans(args.data_in, dev_addr, broadcast)
        network_min = {ETH_P_IP: 20, ETH_P_IPV6: 40}.get(int.from_bytes(args.data_in[12:14], "big"), 0)
        if size - ETH_HLEN < network_min:  # the IP header must be there for the test socket's addresses
            raise BPFError(errno.EINVAL, f"an IP packet needs {network_min} bytes after the Ethernet header")
        kern.dev_ifindex = ifindex
        _fill_sock(state.sock, args.data_in)
        kern.sk = ctypes.addressof(state.sock)
        kern.dev = ctypes.addressof(kern) + KOFF["dev_ifindex"]
        if self.l2:
            state.data -= ETH_HLEN
            state.length += ETH_HLEN
        state.sync()
        if ctx is not None:  # convert___skb_to_skb(): without a ctx, qdisc_skb_cb's pkt_len stays 0
            kern.pkt_len = state.length
            check_ctx_in(bytes(ctx))
            kern.mark, kern.priority, kern.skb_iif = user.mark, user.priority, user.ingress_ifindex
            kern.tstamp = user.tstamp
            ctypes.memmove(kern.cb, bytes(ctx[OFF["cb"] : END["cb"]]), 20)
            if user.wire_len:
                if user.wire_len < state.length or user.wire_len > GSO_LEGACY_MAX_SIZE:
                    raise BPFError(errno.EINVAL, "ctx_in wire_len is below the packet length or too big")
                kern.pkt_len = user.wire_len
            if user.gso_segs > GSO_MAX_SEGS:
                raise BPFError(errno.EINVAL, "ctx_in gso_segs exceeds GSO_MAX_SEGS")
            kern.gso_segs, kern.gso_size, kern.hwtstamp = user.gso_segs, user.gso_size, user.hwtstamp
        return state, ctx

    def test_run(self, runner: ProgramRunner, args: TestRunArgs) -> TestRunResult:
        state, ctx = self.build(args)
        memory = runner.memory
        kern = state.kern
        state.memory = memory
        state.ctx_region = memory.add_region(
            ctypes.addressof(kern), ctypes.sizeof(kern), writable=True, name="__sk_buff"
        )
        state.sock_region = memory.add_region(
            ctypes.addressof(state.sock), ctypes.sizeof(state.sock), writable=False, name="sock"
        )
        try:
            state.region = memory.add_region(state.buffer, writable=True, name="packet")
            try:
                return self._run_state(runner, args, state, ctx)
            finally:
                state.end_run()
                memory.remove_region(state.region)
                state.region = None
        finally:
            memory.remove_region(state.ctx_region)
            memory.remove_region(state.sock_region)
            state.ctx_region = state.sock_region = None

    def _run_state(
        self, runner: ProgramRunner, args: TestRunArgs, state: SkbState, ctx: bytearray | None
    ) -> TestRunResult:
        """The ``repeat`` runs on ``state`` (its regions registered) and what the test run copies out."""
        kern = state.kern
        state.sync()
        try:
            retval, duration = repeat_program(
                runner, args.repeat, ctypes.addressof(kern), RunEnv(packet=state), state.load_abs
            )
            data_out = state.packet() if self.l2 else _NO_ETH_HEADER + state.packet()
        finally:
            state.end_run()
        retval &= M32
        ctx_out = None
        if ctx is not None:
            fields = _uapi_skb.from_buffer(ctx)
            fields.mark, fields.priority, fields.ingress_ifindex = kern.mark, kern.priority, kern.skb_iif
            fields.ifindex, fields.tstamp, fields.wire_len = kern.dev_ifindex, kern.tstamp, kern.pkt_len
            fields.gso_segs, fields.hwtstamp = kern.gso_segs, kern.hwtstamp
            ctypes.memmove(fields.cb, bytes(kern.cb), 20)
            del fields
            ctx_out = bytes(ctx)
        return TestRunResult(retval, data_out, ctx_out, duration)

    def test_run_fixture(self, memory: Memory) -> SkbTestRunFixture | None:
        return SkbTestRunFixture(self, memory)


class SkbStorage:
    """The native memory of test-run skbs, reused: the kernel-side sk_buff, the test socket and a
    packet buffer of at least the size asked (a larger one replaces it)."""

    def __init__(
        self, on_new_buffer: Callable[[ctypes.Array[ctypes.c_char]], None], headroom: int = SKB_HEADROOM
    ) -> None:
        self.headroom = headroom
        self.kern = SkbKern()
        self.sock = bpf_sock()
        self.buffer = (ctypes.c_char * 0)()
        self._on_new_buffer = on_new_buffer
        self._kern_view = memoryview(self.kern).cast("B")
        self._sock_view = memoryview(self.sock).cast("B")
        self._buffer_view = memoryview(self.buffer).cast("B")
        self._zeros = b""

    def zeroed(self, size: int) -> tuple[SkbKern, bpf_sock, ctypes.Array[ctypes.c_char]]:
        """The sk_buff, the socket and a buffer of at least ``size`` bytes, all zero."""
        if len(self.buffer) < size:
            self.buffer = (ctypes.c_char * size)()
            self._buffer_view = memoryview(self.buffer).cast("B")
            self._zeros = bytes(size)
            self._on_new_buffer(self.buffer)
        else:
            self._buffer_view[:] = self._zeros
        self._kern_view[:] = _ZERO_KERN
        self._sock_view[:] = _ZERO_SOCK
        return self.kern, self.sock, self.buffer

    def snapshot(self) -> tuple[bytes, bytes]:
        """The sk_buff and the socket as they are now (``restore`` puts them back)."""
        return bytes(self._kern_view), bytes(self._sock_view)

    def restore(self, snapshot: tuple[bytes, bytes], data: bytes) -> None:
        """The sk_buff and the socket of ``snapshot``, the buffer zero but ``data`` at the headroom."""
        self._buffer_view[:] = self._zeros
        self._buffer_view[self.headroom : self.headroom + len(data)] = data
        self._kern_view[:], self._sock_view[:] = snapshot


_ZERO_KERN = bytes(ctypes.sizeof(SkbKern))
_NO_ETH_HEADER = bytes(ETH_HLEN)
"""What a socket filter's data_out has for the Ethernet header (the kernel copies from skb->data, past it)."""
_PlainBuild = tuple[
    tuple[int, bytes], ctypes.Array[ctypes.c_char], tuple[bytes, bytes], dict[str, object], tuple[int, int]
]
"""(packet size and headers, buffer, sk_buff and socket snapshot, the state's fields but ``extra``, the
packet region's bounds)."""
_BUILD_READS = ETH_HLEN + 40
"""What ``build`` reads of a packet besides its size: the Ethernet header (``eth_type_trans``) and the
IPv4 or IPv6 addresses (the test socket's, ``_fill_sock``)."""
_ZERO_SOCK = bytes(ctypes.sizeof(bpf_sock))


class SkbTestRunFixture(TestRunFixture):
    """``bpf_prog_test_run_skb`` kept ready: the sk_buff, the test socket and a packet buffer
    registered once (a larger packet gets a new buffer), zeroed and filled as ``build`` fills new ones."""

    def __init__(self, prog_type: SkbProgType, memory: Memory) -> None:
        super().__init__(memory)
        self.prog_type = prog_type
        self.l2 = prog_type.l2
        self.packet_region: Region | None = None
        storage = self.storage = SkbStorage(self._register_buffer, prog_type.headroom)
        self.ctx_region = self.register(
            memoryview(storage.kern).cast("B"), ctypes.addressof(storage.kern), access=READ | WRITE,
            name="__sk_buff",
        )  # fmt: skip
        self.sock_region = self.register(
            memoryview(storage.sock).cast("B"), ctypes.addressof(storage.sock), access=READ, name="sock"
        )
        self._plain: _PlainBuild | None = None
        """What the last call without a context built (``_build_plain``): its key, buffer, sk_buff and
        socket snapshot, the state's fields and the packet region's bounds."""
        self.env = RunEnv()
        """The run environment of the calls without a context (``run_packet``): the runner fills it in
        once; its packet and redirect are set per call."""
        self.kern_address = ctypes.addressof(storage.kern)
        self._restored = SkbState.__new__(SkbState)
        """The state ``run_packet`` restores from what it built (one object, reused)."""

    def _register_buffer(self, buffer: ctypes.Array[ctypes.c_char]) -> None:
        if self.packet_region is not None:
            self.unregister(self.packet_region)
            self.packet_region = None
        self.packet_region = self.register(
            memoryview(buffer).cast("B"), ctypes.addressof(buffer), access=READ | WRITE, name="packet"
        )

    def run_packet(
        self, runner: ProgramRunner, data: bytes, data_size_out: int, repeat: int
    ) -> tuple[int, bytes | None, int]:
        # ``build`` without a context: what it built for the last such call when nothing it reads
        # differs (the packet's size and headers, the buffer) -- a packet of a size built before
        # passes its checks -- the kernel structures restored from the snapshot taken then (synced
        # already: only the packet region is bounded again); built (and snapshot) otherwise.
        storage = self.storage
        kept = self._plain
        if (
            kept is not None
            and kept[0][0] == len(data)
            and kept[0][1] == data[:_BUILD_READS]
            and kept[1] is storage.buffer
        ):
            storage.restore(kept[2], data)
            state = self._restored  # every field set again: as good as a new one, and cheaper
            fields = kept[3].copy()
            fields["extra"] = {}
            state.__dict__ = fields
            region = self.packet_region
            start, end = kept[4]
            if region is not None and (region.start != start or region.end != end):
                self.memory.resize_region(region, start, end)
        else:
            state = self._build_plain(data)
        env = self.env
        env.packet, env.redirect = state, None
        env.devices.clear()
        try:
            if repeat > 1:
                retval, duration = repeat_program(runner, repeat, self.kern_address, env, state.load_abs)
            else:  # ``repeat_program``'s one run, without its call
                started = perf_counter_ns()
                retval = runner.run(self.kern_address, env, state.load_abs)
                duration = min(perf_counter_ns() - started, U32_MAX)
            start = state.data  # ``state.packet()``, inline
            data_out: bytes = state.buffer[start : start + state.length]  # type: ignore[assignment]
        finally:
            if state.home_region is not None:  # a helper made the packet a larger buffer
                state.end_run()
        return retval & M32, data_out if self.l2 else _NO_ETH_HEADER + data_out, duration

    def run(self, runner: ProgramRunner, args: TestRunArgs) -> TestRunResult:
        prog_type = self.prog_type
        if args.ctx_in is None and not args.ctx_size_out:
            prog_type.check_test_run_attr(args)
            retval, data_out, duration = self.run_packet(
                runner, args.data_in, args.data_size_out, args.repeat
            )
            return TestRunResult(retval, data_out, None, duration)
        state, ctx = prog_type.build(args, self.storage)
        state.memory, state.region = self.memory, self.packet_region
        state.ctx_region, state.sock_region = self.ctx_region, self.sock_region
        return prog_type._run_state(runner, args, state, ctx)

    def _build_plain(self, data: bytes) -> SkbState:
        """``build`` of ``data`` without a context in the storage, synced, and snapshot for the next
        calls of the same packet size and headers (``run_packet``)."""
        storage = self.storage
        state, _ = self.prog_type.build(TestRunArgs(data), storage)
        state.memory, state.region = self.memory, self.packet_region
        state.ctx_region, state.sock_region = self.ctx_region, self.sock_region
        state.sync()
        fields = dict(state.__dict__)
        del fields["extra"]
        start = state.head + state.data
        key = (len(data), data[:_BUILD_READS])
        self._plain = (key, storage.buffer, storage.snapshot(), fields, (start, start + state.length))
        return state


__all__ = [
    "KOFF",
    "MAX_TEST_DATA",
    "OFF",
    "SK_BUFF_SIZE",
    "SkbKern",
    "SkbProgType",
    "SkbState",
    "SkbStorage",
    "SkbTestRunFixture",
    "check_ctx_in",
    "convert_field",
    "convert_skb_access",
    "ctx_field_size",
    "eth_type_trans",
    "narrow_access_ok",
    "skb_is_valid_access",
    "skb_state",
]
