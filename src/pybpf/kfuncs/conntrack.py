"""The conntrack kfuncs: lookup, allocation and insertion of connection-tracking entries, and their NAT.

Mirrors net/netfilter/nf_conntrack_bpf.c and net/netfilter/nf_nat_bpf.c of Linux 6.18 (registered
for XDP and SCHED_CLS): bpf_xdp_ct_lookup / bpf_skb_ct_lookup and bpf_xdp_ct_alloc /
bpf_skb_ct_alloc (KF_ACQUIRE | KF_RET_NULL: a ``struct nf_conn *`` looked up, a ``struct
nf_conn___init *`` allocated), bpf_ct_insert_entry (KF_ACQUIRE | KF_RET_NULL | KF_RELEASE: the
allocated entry, inserted, as a ``struct nf_conn *``), bpf_ct_release (KF_RELEASE),
bpf_ct_set_timeout / bpf_ct_set_status (an allocated entry), bpf_ct_change_timeout /
bpf_ct_change_status (an inserted or looked-up one) and bpf_ct_set_nat_info (an allocated entry).

Run time in user space, as the kernel's BPF_PROG_TEST_RUN answers (measured on 6.18):

* the options (``struct bpf_ct_opts``, 16 bytes; 12, the size before the zone members, is still
  accepted) and the tuple (``struct bpf_sock_tuple``'s ipv4 part, 12 bytes, or ipv6 part, 36) are
  checked as __bpf_nf_ct_lookup() / __bpf_nf_ct_alloc_entry() do; a failure is NULL with
  ``opts->error`` = -EINVAL (a bad opts size, reserved bytes set, a zone id in 12-byte options,
  netns_id below -1), -EPROTO (neither TCP nor UDP), -EAFNOSUPPORT (a tuple of another size),
  -ENONET (any netns_id of 0 or more: pybpf's one namespace has no id);
* pybpf keeps one conntrack table per process and address space (every program run of a process
  shares one: ``pybpf.kernel.prog_run.EXEC_MEMORY``), empty at first: a lookup of a tuple nobody
  inserted is NULL with -ENOENT, as in the kernel's table for a tuple no traffic made.  As in the
  kernel, an inserted entry outlives the run: a later run (of any program of the process) finds
  it, by its original tuple (``opts->dir`` 0) or its reply tuple (1), until its timeout expires;
  inserting a tuple present in either direction fails (NULL: the entry is freed);
* an entry is ``sizeof(struct nf_conn)`` bytes of program-readable memory laid out as the kernel's
  (``NF_CONN``: the original and reply tuples in ``tuplehash``, ``zone``, ``status``, ``timeout``,
  ``mark``; the rest reads 0): a new entry has status 0 and ``timeout`` 10 s in jiffies
  (unconfirmed: relative), insertion sets IPS_CONFIRMED and makes the timeout absolute (jiffies
  now plus it), the timeout kfuncs follow __nf_ct_set_timeout() / __nf_ct_change_timeout()
  (milliseconds, rounded up to jiffies, clamped to INT_MAX; -EPERM under IPS_FIXED_TIMEOUT) and the
  status kfuncs nf_ct_change_status_common() (-EBUSY to change IPS_EXPECTED, IPS_CONFIRMED or
  IPS_DYING or to clear IPS_SEEN_REPLY or IPS_ASSURED; only the changeable bits are set);
* jiffies are pybpf's monotonic clock at the modelled kernel's HZ (``HZ``: CONFIG_HZ=250);
* bpf_ct_set_nat_info() (nf_nat_setup_info()) rewrites the reply tuple of an allocated entry --
  its destination for a source NAT (manip 0), its source for a destination NAT (1), the port too
  when ``port`` is positive -- and sets IPS_SRC_NAT / IPS_DST_NAT when that changed the tuple and
  IPS_SRC_NAT_DONE / IPS_DST_NAT_DONE; a second setup of the same manip is -ENOMEM (NF_DROP).
  Not modelled: the kernel's search for a unique tuple when the wanted one is taken.

Not modelled either: entries made by traffic (pybpf sees none), conntrack zones beyond the
per-direction zone id that keys a lookup, and extensions (``ext``), helpers, expectations.
"""

from __future__ import annotations

import errno
import struct
import threading
import time
from dataclasses import dataclass

from pybpf.helpers.context import HelperContext
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, KFuncImpl, RetKind, do_nothing
from pybpf.memory.regions import Memory, Region
from pybpf.objects.forking import fork_safe
from pybpf.uapi import BPF_F_CURRENT_NETNS, BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_XDP

CONNTRACK_PROG_TYPES = frozenset({BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_SCHED_CLS})
"""register_nf_conntrack_bpf() / register_nf_nat_bpf(): the program types of both kfunc sets."""

HZ = 250
"""CONFIG_HZ of the modelled kernel: jiffies per second."""
INT_MAX = 0x7FFF_FFFF
NF_BPF_CT_OPTS_SZ, NF_BPF_CT_OPTS_OLD_SZ = 16, 12
TUPLE_V4_SZ, TUPLE_V6_SZ = 12, 36
"""sizeof(bpf_tuple->ipv4), sizeof(bpf_tuple->ipv6)."""
IPPROTO_TCP, IPPROTO_UDP = 6, 17
AF_INET, AF_INET6 = 2, 10
NF_CT_DEFAULT_ZONE_DIR = 3  # NF_CT_ZONE_DIR_ORIG | NF_CT_ZONE_DIR_REPL
DEFAULT_TIMEOUT_S = 10
"""The timeout bpf_xdp_ct_alloc() / bpf_skb_ct_alloc() give a new entry, in seconds."""

IPS_EXPECTED, IPS_SEEN_REPLY, IPS_ASSURED, IPS_CONFIRMED = 1 << 0, 1 << 1, 1 << 2, 1 << 3
IPS_SRC_NAT, IPS_DST_NAT = 1 << 4, 1 << 5
IPS_SEQ_ADJUST, IPS_SRC_NAT_DONE, IPS_DST_NAT_DONE = 1 << 6, 1 << 7, 1 << 8
IPS_DYING, IPS_FIXED_TIMEOUT, IPS_TEMPLATE, IPS_UNTRACKED = 1 << 9, 1 << 10, 1 << 11, 1 << 12
IPS_OFFLOAD, IPS_HW_OFFLOAD = 1 << 14, 1 << 15
IPS_MAX_BIT = 16
IPS_UNCHANGEABLE_MASK = (
    IPS_SRC_NAT_DONE | IPS_DST_NAT_DONE | IPS_SRC_NAT | IPS_DST_NAT | IPS_EXPECTED | IPS_CONFIRMED
    | IPS_DYING | IPS_SEQ_ADJUST | IPS_TEMPLATE | IPS_UNTRACKED | IPS_OFFLOAD | IPS_HW_OFFLOAD
)  # fmt: skip
"""include/uapi/linux/netfilter/nf_conntrack_common.h: the bits no program changes."""
NF_NAT_MANIP_SRC, NF_NAT_MANIP_DST = 0, 1


@dataclass(frozen=True)
class Layout:
    """Where ``struct nf_conn``'s members are (x86-64 Linux 6.18, as the running kernel's BTF says;
    tests/kfuncs/test_conntrack.py compares them)."""

    size: int = 248
    timeout: int = 8
    zone: int = 12  # struct nf_conntrack_zone: u16 id, u8 flags, u8 dir
    tuples: tuple[int, int] = (32, 88)  # tuplehash[dir].tuple (after a 16-byte hlist_nulls_node)
    status: int = 128
    mark: int = 168


NF_CONN = Layout()
# struct nf_conntrack_tuple: src {u3 (16), u (2), l3num (2)}, dst {u3 (16), u (2), protonum, dir}
_TUPLE = struct.Struct("<16s2sH16s2sBB")


@dataclass(frozen=True)
class Tuple:
    """One direction of a connection: ``struct nf_conntrack_tuple`` (addresses 16 bytes, ports as
    stored: network order)."""

    l3num: int
    protonum: int
    src: bytes
    sport: bytes
    dst: bytes
    dport: bytes

    def inverted(self) -> Tuple:
        return Tuple(self.l3num, self.protonum, self.dst, self.dport, self.src, self.sport)

    def packed(self, direction: int) -> bytes:
        return _TUPLE.pack(self.src, self.sport, self.l3num, self.dst, self.dport, self.protonum, direction)


def jiffies() -> int:
    """nfct_time_stamp: the low 32 bits of jiffies."""
    return int(time.monotonic() * HZ) & 0xFFFF_FFFF


def msecs_to_jiffies(ms: int) -> int:
    return (ms * HZ + 999) // 1000


@dataclass
class _Entry:
    memory: Memory
    region: Region
    zone: tuple[int, int]  # the zone id a lookup of each direction sees (nf_ct_zone_id())


_Key = tuple[Memory, Tuple, int]
_table: dict[_Key, tuple[_Entry, int]] = {}
"""The inserted entries by (address space, tuple, zone id of that direction): each with its direction."""
_allocated: dict[tuple[Memory, int], _Entry] = {}
"""Entries allocated and not inserted yet, by (address space, address)."""
_lock = fork_safe(threading.Lock())


def _expired(entry: _Entry) -> bool:
    """nf_ct_is_expired(): the absolute timeout is not after now."""
    left = (entry.memory.load(entry.region.start + NF_CONN.timeout, 4) - jiffies()) & 0xFFFF_FFFF
    return left == 0 or left >= 0x8000_0000


def _forget(entry: _Entry) -> None:
    """An expired entry leaves the table (both directions) and its memory is freed."""
    for key in [k for k, (e, _d) in _table.items() if e is entry]:
        del _table[key]
    entry.memory.remove_region(entry.region)


def _find(memory: Memory, tuple_: Tuple, zone: tuple[int, int]) -> tuple[_Entry, int] | None:
    """nf_conntrack_find_get(): the live entry with ``tuple_`` in a direction whose zone id is the
    one ``zone`` gives that direction (nf_ct_zone_equal()), and that direction."""
    for direction in (0, 1):
        found = _table.get((memory, tuple_, zone[direction]))
        if found is None or found[1] != direction:
            continue
        if _expired(found[0]):
            _forget(found[0])
            continue
        return found
    return None


def _parse(ctx: HelperContext, tuple_addr: int, tuple_sz: int, l4proto: int) -> Tuple | int:
    """bpf_nf_ct_tuple_parse() of the original direction: the tuple, or a negative errno."""
    if l4proto not in (IPPROTO_TCP, IPPROTO_UDP):
        return -errno.EPROTO
    if tuple_sz == TUPLE_V4_SZ:
        raw = ctx.memory.read(tuple_addr, TUPLE_V4_SZ)
        pad = bytes(12)
        return Tuple(AF_INET, l4proto, raw[0:4] + pad, raw[8:10], raw[4:8] + pad, raw[10:12])
    if tuple_sz == TUPLE_V6_SZ:
        raw = ctx.memory.read(tuple_addr, TUPLE_V6_SZ)
        return Tuple(AF_INET6, l4proto, raw[0:16], raw[32:34], raw[16:32], raw[34:36])
    return -errno.EAFNOSUPPORT


def _check_opts(ctx: HelperContext, opts: int, opts_sz: int, *, lookup: bool) -> tuple[int, int] | int:
    """The option checks of __bpf_nf_ct_lookup() / __bpf_nf_ct_alloc_entry(): the zone (id, dir),
    or a negative errno.  16-byte options with ct_zone_dir 0 get NF_CT_DEFAULT_ZONE_DIR written."""
    if opts_sz not in (NF_BPF_CT_OPTS_SZ, NF_BPF_CT_OPTS_OLD_SZ):
        return -errno.EINVAL
    raw = ctx.memory.read(opts, opts_sz)
    netns_id = int.from_bytes(raw[0:4], "little", signed=True)
    l4proto = raw[8]
    zone_id = int.from_bytes(raw[10:12], "little")
    if opts_sz == NF_BPF_CT_OPTS_SZ:
        if any(raw[13:16]):
            return -errno.EINVAL
    elif zone_id:
        return -errno.EINVAL
    if lookup and l4proto not in (IPPROTO_TCP, IPPROTO_UDP):
        return -errno.EPROTO
    if netns_id < BPF_F_CURRENT_NETNS:
        return -errno.EINVAL
    return (zone_id, raw[12]) if opts_sz == NF_BPF_CT_OPTS_SZ else (0, NF_CT_DEFAULT_ZONE_DIR)


def _zone_of(ctx: HelperContext, opts: int, opts_sz: int, zone: tuple[int, int]) -> tuple[int, int]:
    """nf_ct_zone_init() of the options' zone: the zone id each direction is looked up in
    (ct_zone_dir 0 becomes NF_CT_DEFAULT_ZONE_DIR in the options too)."""
    zone_id, zone_dir = zone
    if opts_sz == NF_BPF_CT_OPTS_SZ and not zone_dir:
        zone_dir = NF_CT_DEFAULT_ZONE_DIR
        ctx.memory.store(opts + 12, 1, zone_dir)
    return tuple(zone_id if zone_dir & (1 << d) else 0 for d in (0, 1))  # type: ignore[return-value]


def _fail(ctx: HelperContext, opts: int, err: int) -> int:
    """``opts->error = err`` and NULL."""
    ctx.memory.store(opts + 4, 4, err & 0xFFFF_FFFF)
    return 0


def _request(
    ctx: HelperContext, tuple_addr: int, tuple_sz: int, opts: int, opts_sz: int, *, lookup: bool
) -> tuple[Tuple, tuple[int, int], tuple[int, int]] | int:
    """The checks a lookup and an allocation share, in the kernel's order (the options, the tuple,
    then ``opts->netns_id``: only the caller's namespace, -ENONET): the parsed tuple, the options'
    zone and the zone per direction, or the -errno for ``opts->error``."""
    checked = _check_opts(ctx, opts, opts_sz, lookup=lookup)
    if isinstance(checked, int):
        return checked
    parsed = _parse(ctx, tuple_addr, tuple_sz & 0xFFFF_FFFF, ctx.memory.load(opts + 8, 1))
    if isinstance(parsed, int):
        return parsed
    if int.from_bytes(ctx.memory.read(opts, 4), "little", signed=True) >= 0:
        return -errno.ENONET
    return parsed, checked, _zone_of(ctx, opts, opts_sz, checked)


def ct_lookup(
    ctx: HelperContext, _ctx_arg: int, tuple_addr: int, tuple_sz: int, opts: int, opts_sz: int
) -> int:
    """bpf_xdp_ct_lookup() / bpf_skb_ct_lookup(): the entry of the tuple (``opts->dir`` its
    direction), or NULL with ``opts->error`` set."""
    request = _request(ctx, tuple_addr, tuple_sz, opts, opts_sz, lookup=True)
    if isinstance(request, int):
        return _fail(ctx, opts, request)
    parsed, _checked, zone = request
    with _lock:
        found = _find(ctx.memory, parsed, zone)
    if found is None:
        return _fail(ctx, opts, -errno.ENOENT)
    entry, direction = found
    ctx.memory.store(opts + 9, 1, direction)
    return entry.region.start


def ct_alloc(
    ctx: HelperContext, _ctx_arg: int, tuple_addr: int, tuple_sz: int, opts: int, opts_sz: int
) -> int:
    """bpf_xdp_ct_alloc() / bpf_skb_ct_alloc(): a new unconfirmed entry of the tuple (status 0,
    timeout 10 s), or NULL with ``opts->error`` set."""
    request = _request(ctx, tuple_addr, tuple_sz, opts, opts_sz, lookup=False)
    if isinstance(request, int):
        return _fail(ctx, opts, request)
    parsed, checked, zone = request
    region = ctx.memory.add_buffer(NF_CONN.size, name="nf_conn")
    base = region.start
    ctx.memory.write(base + NF_CONN.tuples[0], parsed.packed(0))
    ctx.memory.write(base + NF_CONN.tuples[1], parsed.inverted().packed(1))
    zone_dir = ctx.memory.load(opts + 12, 1) if opts_sz == NF_BPF_CT_OPTS_SZ else NF_CT_DEFAULT_ZONE_DIR
    ctx.memory.store(base + NF_CONN.zone, 2, checked[0])
    ctx.memory.store(base + NF_CONN.zone + 3, 1, zone_dir)
    ctx.memory.store(base + NF_CONN.timeout, 4, DEFAULT_TIMEOUT_S * HZ)
    with _lock:
        _allocated[(ctx.memory, base)] = _Entry(ctx.memory, region, zone)
    return base


def _tuples(memory: Memory, base: int) -> tuple[Tuple, Tuple]:
    """The entry's original and reply tuples, as its memory holds them."""
    found = []
    for offset in NF_CONN.tuples:
        src, sport, l3num, dst, dport, protonum, _dir = _TUPLE.unpack(memory.read(base + offset, _TUPLE.size))
        found.append(Tuple(l3num, protonum, src, sport, dst, dport))
    return found[0], found[1]


def ct_insert_entry(ctx: HelperContext, nfct: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """bpf_ct_insert_entry() (nf_conntrack_hash_check_insert()): the entry confirmed and in the
    table, or NULL (freed) when either of its tuples is there already."""
    with _lock:
        entry = _allocated.pop((ctx.memory, nfct), None)
        if entry is None:
            return 0
        original, reply = _tuples(ctx.memory, nfct)
        if _find(ctx.memory, original, entry.zone) or _find(ctx.memory, reply, entry.zone):
            ctx.memory.remove_region(entry.region)
            return 0
        status = ctx.memory.load(nfct + NF_CONN.status, 8)
        ctx.memory.store(nfct + NF_CONN.status, 8, status | IPS_CONFIRMED)
        timeout = ctx.memory.load(nfct + NF_CONN.timeout, 4)
        ctx.memory.store(nfct + NF_CONN.timeout, 4, (timeout + jiffies()) & 0xFFFF_FFFF)
        _table[(ctx.memory, original, entry.zone[0])] = (entry, 0)
        _table[(ctx.memory, reply, entry.zone[1])] = (entry, 1)
    return nfct


def _set_timeout(ctx: HelperContext, nfct: int, ticks: int) -> None:
    """__nf_ct_set_timeout(): relative before insertion, absolute (now plus it) after."""
    ticks = min(ticks, INT_MAX)
    if ctx.memory.load(nfct + NF_CONN.status, 8) & IPS_CONFIRMED:
        ticks += jiffies()
    ctx.memory.store(nfct + NF_CONN.timeout, 4, ticks & 0xFFFF_FFFF)


def ct_set_timeout(ctx: HelperContext, nfct: int, timeout: int, _r3: int, _r4: int, _r5: int) -> int:
    """bpf_ct_set_timeout(nfct, msecs)."""
    _set_timeout(ctx, nfct, msecs_to_jiffies(timeout & 0xFFFF_FFFF))
    return 0


def ct_change_timeout(ctx: HelperContext, nfct: int, timeout: int, _r3: int, _r4: int, _r5: int) -> int:
    """bpf_ct_change_timeout(nfct, msecs) (__nf_ct_change_timeout()): 0, -EPERM or -ETIME."""
    status = ctx.memory.load(nfct + NF_CONN.status, 8)
    if status & IPS_FIXED_TIMEOUT:
        return -errno.EPERM
    _set_timeout(ctx, nfct, msecs_to_jiffies(timeout & 0xFFFF_FFFF))
    return -errno.ETIME if status & IPS_DYING else 0


def ct_change_status(ctx: HelperContext, nfct: int, status: int, _r3: int, _r4: int, _r5: int) -> int:
    """bpf_ct_set_status() / bpf_ct_change_status() (nf_ct_change_status_common()): 0 or -EBUSY."""
    status &= 0xFFFF_FFFF
    current = ctx.memory.load(nfct + NF_CONN.status, 8)
    changed = current ^ status
    if changed & (IPS_EXPECTED | IPS_CONFIRMED | IPS_DYING):
        return -errno.EBUSY
    for only_set in (IPS_SEEN_REPLY, IPS_ASSURED):
        if changed & only_set and not status & only_set:
            return -errno.EBUSY
    setting = status & ~IPS_UNCHANGEABLE_MASK & ((1 << IPS_MAX_BIT) - 1)
    ctx.memory.store(nfct + NF_CONN.status, 8, current | setting)
    return 0


def ct_set_nat_info(ctx: HelperContext, nfct: int, addr: int, port: int, manip: int, _r5: int) -> int:
    """bpf_ct_set_nat_info(nfct, addr, port, manip) (nf_nat_setup_info() of a one-address range):
    the reply tuple rewritten, the status bits set; 0, or -ENOMEM for a manip set up before."""
    manip &= 0xFFFF_FFFF
    done = IPS_SRC_NAT_DONE if manip == NF_NAT_MANIP_SRC else IPS_DST_NAT_DONE
    status = ctx.memory.load(nfct + NF_CONN.status, 8)
    if status & done:
        return -errno.ENOMEM
    original, reply = _tuples(ctx.memory, nfct)
    wanted = ctx.memory.read(addr, 16)
    if original.l3num == AF_INET:
        wanted = wanted[:4] + bytes(12)
    port = port & 0xFFFF_FFFF
    port = port - (1 << 32) if port >= 1 << 31 else port
    if manip == NF_NAT_MANIP_SRC:  # the reply goes back to the new source
        new_port = port.to_bytes(2, "big") if port > 0 else reply.dport
        new = Tuple(reply.l3num, reply.protonum, reply.src, reply.sport, wanted, new_port)
    else:  # the reply comes from the new destination
        new_port = port.to_bytes(2, "big") if port > 0 else reply.sport
        new = Tuple(reply.l3num, reply.protonum, wanted, new_port, reply.dst, reply.dport)
    if new != reply:
        status |= IPS_SRC_NAT if manip == NF_NAT_MANIP_SRC else IPS_DST_NAT
        ctx.memory.write(nfct + NF_CONN.tuples[1], new.packed(1))
    ctx.memory.store(nfct + NF_CONN.status, 8, status | done)
    return 0


_NF_CONN = "struct nf_conn *"
_NF_CONN_INIT = "struct nf_conn___init *"
_CT_ARG = KArg(ArgKind.BTF_ID, _NF_CONN, "nfct")
_CT_INIT_ARG = KArg(ArgKind.BTF_ID, _NF_CONN_INIT, "nfct")
_TUPLE_ARGS = (
    KArg(ArgKind.MEM_SIZED, "struct bpf_sock_tuple *", "bpf_tuple", TUPLE_V6_SZ),
    KArg(ArgKind.SIZE, "u32", "tuple__sz"),
    KArg(ArgKind.MEM_SIZED, "struct bpf_ct_opts *", "opts", NF_BPF_CT_OPTS_SZ),
    KArg(ArgKind.SIZE, "u32", "opts__sz"),
)
_XDP_ARG = KArg(ArgKind.CTX, "struct xdp_md *", "xdp_ctx")
_SKB_ARG = KArg(ArgKind.CTX, "struct __sk_buff *", "skb_ctx")
_ACQUIRED = KfFlag.ACQUIRE | KfFlag.RET_NULL
_U32 = "u32"


def _kfunc(name: str, flags: KfFlag, args: tuple[KArg, ...], ret: str, impl: KFuncImpl) -> KFunc:
    kind = RetKind.VOID if ret == "void" else RetKind.SCALAR if ret == "int" else RetKind.BTF_ID
    size = {"void": 0, "int": 4}.get(ret, 8)
    return KFunc(name, flags, args, kind, ret, size, impl, CONNTRACK_PROG_TYPES)


KFUNCS: tuple[KFunc, ...] = (
    _kfunc("bpf_xdp_ct_alloc", _ACQUIRED, (_XDP_ARG, *_TUPLE_ARGS), _NF_CONN_INIT, ct_alloc),
    _kfunc("bpf_xdp_ct_lookup", _ACQUIRED, (_XDP_ARG, *_TUPLE_ARGS), _NF_CONN, ct_lookup),
    _kfunc("bpf_skb_ct_alloc", _ACQUIRED, (_SKB_ARG, *_TUPLE_ARGS), _NF_CONN_INIT, ct_alloc),
    _kfunc("bpf_skb_ct_lookup", _ACQUIRED, (_SKB_ARG, *_TUPLE_ARGS), _NF_CONN, ct_lookup),
    _kfunc(
        "bpf_ct_insert_entry",
        _ACQUIRED | KfFlag.RELEASE,
        (KArg(ArgKind.BTF_ID, _NF_CONN_INIT, "nfct_i"),),
        _NF_CONN,
        ct_insert_entry,
    ),
    _kfunc("bpf_ct_release", KfFlag.RELEASE, (_CT_ARG,), "void", do_nothing),
    _kfunc(
        "bpf_ct_set_timeout",
        KfFlag.TRUSTED_ARGS,
        (_CT_INIT_ARG, KArg(ArgKind.SCALAR, _U32, "timeout")),
        "void",
        ct_set_timeout,
    ),
    _kfunc(
        "bpf_ct_change_timeout",
        KfFlag.TRUSTED_ARGS,
        (_CT_ARG, KArg(ArgKind.SCALAR, _U32, "timeout")),
        "int",
        ct_change_timeout,
    ),
    _kfunc(
        "bpf_ct_set_status",
        KfFlag.TRUSTED_ARGS,
        (_CT_INIT_ARG, KArg(ArgKind.SCALAR, _U32, "status")),  # (const struct nf_conn___init *)
        "int",
        ct_change_status,
    ),
    _kfunc(
        "bpf_ct_change_status",
        KfFlag.TRUSTED_ARGS,
        (_CT_ARG, KArg(ArgKind.SCALAR, _U32, "status")),
        "int",
        ct_change_status,
    ),
    _kfunc(
        "bpf_ct_set_nat_info",
        KfFlag.TRUSTED_ARGS,
        (
            _CT_INIT_ARG,
            KArg(ArgKind.MEM, "union nf_inet_addr *", "addr", 16),
            KArg(ArgKind.SCALAR, "int", "port"),
            KArg(ArgKind.SCALAR, "enum nf_nat_manip_type", "manip"),
        ),
        "int",
        ct_set_nat_info,
    ),
)
"""The conntrack kfuncs (nf_ct_kfunc_set) and NAT kfunc (nf_nat_kfunc_set)."""
