"""The C corpus (tests/data/c) as test cases: which object, which program, which inputs, what to set.

Each :class:`Case` names an object compiled by clang, the program to run, the frames (or contexts) to
run it on with BPF_PROG_TEST_RUN, and hooks that edit the spec before loading (``.rodata`` constants)
or fill maps after loading.  The same case runs on pybpf and on the kernel (``test_differential``);
packets come from the program corpus (``tests.programs.corpus``).
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pybpf import Object
from tests.programs.corpus import (
    ETH_P_IP,
    ETH_P_IPV6,
    IPPROTO_TCP,
    IPPROTO_UDP,
    PACKETS,
    TCP_SYN,
    eth,
    ipv4,
    ipv6,
    sk_buff,
    tcp,
    udp,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "c"


def obj_path(name: str) -> Path:
    """The compiled object ``name`` (``xdp_counter`` -> tests/data/c/xdp_counter.o)."""
    return DATA / f"{name}.o"


def sized(n: int, seed: int = 0) -> bytes:
    """An IPv4/UDP frame of exactly ``n`` bytes (n >= 42) with a deterministic payload."""
    payload = bytes((seed + 7 * i) & 0xFF for i in range(n - 42))
    return eth(ETH_P_IP, ipv4(IPPROTO_UDP, udp(1000 + seed, 2000, payload)))


def from_source(src: str, proto: int = IPPROTO_UDP, dport: int = 80) -> bytes:
    l4 = udp(5555, dport, b"data") if proto == IPPROTO_UDP else tcp(5555, dport, TCP_SYN)
    return eth(ETH_P_IP, ipv4(proto, l4, src=src))


def ip_key(addr: str) -> bytes:
    return socket.inet_aton(addr)


@dataclass(frozen=True)
class Run:
    """One BPF_PROG_TEST_RUN: a frame and/or a context."""

    data: bytes = b""
    ctx: bytes | None = None


@dataclass
class Case:
    """One program of the corpus with its inputs."""

    name: str
    obj: str
    program: str
    runs: list[Run]
    open_kwargs: dict[str, Any] = field(default_factory=dict)
    before_load: Callable[[Object], None] | None = None
    after_load: Callable[[Object], None] | None = None
    skip_maps: tuple[str, ...] = ()
    """Maps whose contents legitimately differ between the backends (ids, the kernel version)."""
    needs_pins: bool = False
    user_xfail: str = ""
    """Why pybpf cannot run this case yet (a gap in another package), or ""."""


def frames(*names: str) -> list[Run]:
    return [Run(PACKETS[n]) for n in names]


MIXED = frames(
    "ipv4_udp",
    "ipv4_udp_other",
    "ipv4_tcp_syn",
    "ipv4_tcp_ack",
    "ipv4_icmp",
    "arp",
    "ipv6_udp",
    "vlan_ipv4_udp",
    "runt_ipv4",
    "eth_only",
    "ipv4_options_udp",
)
SIZES = [Run(sized(n, n)) for n in (42, 60, 61, 64, 100, 127, 128, 129, 200, 300)]
TC_CTX = sk_buff()


def _firewall_before(obj: Object) -> None:
    obj.rodata.blocked_port = 53


def _firewall_after(obj: Object) -> None:
    obj.maps["blocked_sources"][ip_key("192.168.1.9")] = 0


def _rodata_before(obj: Object) -> None:
    obj.rodata.settings = {"min_len": 100, "verdict_short": 3, "salt": 40}
    obj.rodata.weights = [10, 20, 30, 40]
    obj.rodata.label = b"custom\0\0"


def _produce_samples(obj: Object) -> None:
    from pybpf import UserRingBuffer

    with UserRingBuffer(obj.maps["samples"]) as ring:
        for number in (5, 7, 9):
            ring.write(struct.pack("<I", number))
        sample = ring.reserve(4)
        sample[:] = struct.pack("<I", 100)
        ring.discard(sample)
        ring.write(b"\x01")


def _weights(obj: Object) -> None:
    for i in range(8):
        obj.maps["weights"][i] = i * i + 1


def _blob(obj: Object) -> None:
    value = struct.pack("<QIHBBI4x", 0x1111, 0x2222, 0x3333, (2 << 6) | 21, 0x44, 0x55555555)
    obj.maps["blob"][0] = value


def _syscall_ctx(a: int, b: int) -> bytes:
    return struct.pack("<QQQ", a, b, 0)


def _xdp_filter_rules(obj: Object) -> None:
    obj.maps["denied_v4"][struct.pack("<I4s", 24, ip_key("192.168.1.0"))] = 1
    obj.maps["denied_ports"][struct.pack("<H", 443)] = 1


def _vip_key(addr: str, port: int, proto: int) -> bytes:
    return ip_key(addr) + struct.pack("!H", port) + bytes([proto, 0])


def _lb_tables(obj: Object) -> None:
    """VIP 10.0.0.2:53/udp (index 1, backends 10.1.0.x on every ring slot) and 10.0.0.2:80/tcp (index 3,
    an empty ring: dropped)."""
    obj.maps["vips"][_vip_key("10.0.0.2", 53, IPPROTO_UDP)] = struct.pack("<II", 1, 0)
    obj.maps["vips"][_vip_key("10.0.0.2", 80, IPPROTO_TCP)] = struct.pack("<II", 3, 0)
    for slot in range(64):
        backend = ip_key(f"10.1.0.{slot % 5 + 1}") + bytes([2, 0, 0, 0, 1, slot]) + bytes(2)
        obj.maps["rings"][struct.pack("<I", 64 + slot)] = backend


def _conntrack_policy(obj: Object) -> None:
    obj.maps["policy"][struct.pack("<HBB", 80, IPPROTO_TCP, 0)] = 1
    obj.maps["policy"][struct.pack("<HBB", 53, IPPROTO_UDP, 0)] = 1
    obj.maps["policy"][struct.pack("<HBB", 8080, IPPROTO_UDP, 0)] = 0


def _without_refused_walk(obj: Object) -> None:
    obj.spec.programs["walk_args_in_ctx"].autoload = False  # the kernel refuses it (on purpose)


def _parser_frames() -> list[Run]:
    """DNS queries (a name, a name running off the frame), TCP SYNs with and without an MSS option, an
    IPv6 frame behind a hop-by-hop header, for real_xdp_parsers."""
    dns = struct.pack("!6H", 0x1234, 0x0100, 1, 0, 0, 0)
    name = b"\x07example\x03com\x00" + struct.pack("!HH", 1, 1)
    syn = struct.pack("!HHIIBBHHH", 40000, 80, 1000, 0, 6 << 4, TCP_SYN, 8192, 0, 0)  # one option word
    syn_mss, syn_nops = syn + bytes([2, 4, 5, 180]), syn + bytes([1, 1, 1, 0])
    hop_by_hop = bytes([IPPROTO_UDP, 0]) + bytes(6)
    return [
        Run(eth(ETH_P_IP, ipv4(IPPROTO_UDP, udp(5353, 53, dns + name)))),
        Run(eth(ETH_P_IP, ipv4(IPPROTO_UDP, udp(5353, 53, dns + b"\x07exa")))),
        Run(eth(ETH_P_IP, ipv4(IPPROTO_TCP, syn_mss))),
        Run(eth(ETH_P_IP, ipv4(IPPROTO_TCP, syn_nops))),
        Run(eth(ETH_P_IPV6, ipv6(0, hop_by_hop + udp(5353, 53, dns + name)))),
    ]


def _raw_tp_args(*args: int) -> bytes:
    return struct.pack(f"<{len(args)}Q", *args)


KCONFIG = {
    "CONFIG_HZ": "250",
    "CONFIG_BPF_SYSCALL": "y",
    "CONFIG_NET_SCHED": "m",
    "CONFIG_DEFAULT_HOSTNAME": '"pybpf"',
}


CASES: list[Case] = [
    Case("xdp_counter", "xdp_counter", "xdp_count", MIXED),
    Case(
        "xdp_firewall",
        "xdp_firewall",
        "xdp_firewall",
        [
            *MIXED,
            Run(from_source("10.9.9.9", IPPROTO_TCP, 53)),
            Run(from_source("10.9.9.9", IPPROTO_UDP, 54)),
        ],
        before_load=_firewall_before,
        after_load=_firewall_after,
    ),
    Case("socket_filter", "socket_filter", "udp_filter", MIXED),
    Case("lazy_and_naked", "lazy_and_naked", "naked_socket", MIXED),
    Case(
        "lazy_and_naked_lazy",
        "lazy_and_naked",
        "lazy_socket",
        MIXED,
        before_load=lambda obj: setattr(obj.spec.programs["lazy_socket"], "autoload", True),
    ),
    Case("ctx_rewrites", "ctx_rewrites", "ctx_rewrites", MIXED),
    Case(
        "tc_classifier",
        "tc_classifier",
        "tc_mark",
        [Run(from_source("10.0.0.1", IPPROTO_TCP, port), TC_CTX) for port in (22, 23, 80, 80, 443)]
        + [Run(p.data, TC_CTX) for p in MIXED],
    ),
    Case(
        "lru_hash",
        "lru_hash",
        "xdp_flows",
        [Run(from_source(f"10.1.0.{i % 3}")) for i in range(7)] + frames("arp"),
    ),
    Case("percpu_maps", "percpu_maps", "xdp_percpu", SIZES),
    Case("ringbuf_events", "ringbuf_events", "xdp_events", MIXED),
    Case("global_vars", "global_vars", "xdp_globals", SIZES),
    Case("rodata_defaults", "rodata_config", "xdp_config", SIZES),
    Case("rodata_from_python", "rodata_config", "xdp_config", SIZES, before_load=_rodata_before),
    Case("freplace_target_xdp", "freplace_target", "xdp_target", SIZES),
    Case("freplace_target_tc", "freplace_target", "tc_target", [Run(p.data, TC_CTX) for p in SIZES]),
    Case("bpf2bpf_a", "bpf2bpf_calls", "xdp_calls_a", SIZES),
    Case("bpf2bpf_b", "bpf2bpf_calls", "xdp_calls_b", SIZES),
    Case(
        "bounded_loop",
        "bounded_loop",
        "xdp_checksum",
        [*SIZES, Run(eth(ETH_P_IP, bytes(range(200, 256)) + bytes(40))), *frames("eth_only")],
    ),
    Case("bpf_loop", "bpf_loop", "xdp_loop", SIZES, after_load=_weights),
    Case(
        "map_in_map",
        "map_in_map",
        "xdp_mim",
        SIZES,
        skip_maps=("by_parity", "by_id"),
    ),
    Case("tail_calls", "tail_calls", "xdp_dispatch", MIXED, skip_maps=("dispatch",)),
    Case("spin_lock", "spin_lock", "tc_locked", [Run(p.data, TC_CTX) for p in SIZES]),
    Case("core_access", "core_access", "xdp_core", SIZES),
    Case(
        "core_custom",
        "core_custom",
        "xdp_core_custom",
        SIZES[:3],
        open_kwargs={"btf_custom_path": str(obj_path("core_target"))},
        after_load=_blob,
    ),
    Case(
        "kconfig_externs",
        "kconfig_externs",
        "xdp_kconfig",
        SIZES[:2],
        open_kwargs={"kconfig": KCONFIG},
        skip_maps=(".kconfig", ".bss"),
    ),
    Case(
        "syscall",
        "syscall_prog",
        "sys_add",
        [Run(ctx=_syscall_ctx(a, b)) for a, b in ((1, 2), (9, 3), (0, 0), (2**40, 5))],
    ),
    Case("multi_xdp_pass", "multi_prog", "xdp_pass", SIZES[:3]),
    Case("multi_xdp_drop_short", "multi_prog", "xdp_drop_short", SIZES),
    Case("multi_xdp_frags", "multi_prog", "xdp_frags_len", SIZES),
    Case("multi_socket", "multi_prog", "socket_len", SIZES),
    Case("cgroup_ingress", "cgroup_progs", "skb_ingress", MIXED),
    Case("cgroup_egress", "cgroup_progs", "skb_egress", [Run(p.data, TC_CTX) for p in SIZES]),
    Case("multi_classifier", "multi_prog", "cls_mark", [Run(p.data, TC_CTX) for p in SIZES]),
    Case("legacy_maps", "legacy_maps", "xdp_legacy", SIZES),
    Case(
        "legacy_iproute2",
        "legacy_iproute2",
        "tc_count",
        [Run(p.data, TC_CTX) for p in SIZES],
        needs_pins=True,
    ),
    Case("pinned_maps", "pinned_maps", "xdp_pinned", SIZES, needs_pins=True),
    Case("bench_object", "bench_object", "xdp_bench_7", SIZES * 3),
    Case("iters_sum", "iters", "xdp_iter_sum", [*SIZES, *frames("eth_only", "runt_ipv4")]),
    Case("iters_repeat", "iters", "xdp_iter_repeat", SIZES[:2]),
    Case("iters_nested", "iters", "xdp_iter_nested", SIZES[:2]),
    Case("iters_weak_kfunc", "iters", "xdp_iter_weak", SIZES[:2]),
    Case("dynptr_xdp", "dynptr_pkt", "xdp_dynptr_hdrs", [*SIZES, *frames("eth_only", "runt_ipv4")]),
    Case("dynptr_tc", "dynptr_pkt", "tc_dynptr_mark", [Run(p.data, TC_CTX) for p in SIZES]),
    Case("exceptions_xdp", "exceptions", "xdp_throw", [*SIZES, *MIXED, *frames("eth_only", "runt_ipv4")]),
    Case("exceptions_tc", "exceptions", "tc_throw", [Run(p.data, TC_CTX) for p in SIZES]),
    Case(
        "exception_cb_xdp", "exception_cb", "xdp_throw_cb", [*SIZES, *MIXED, *frames("eth_only", "runt_ipv4")]
    ),
    Case("exception_cb_tc", "exception_cb", "tc_throw_cb", [Run(p.data, TC_CTX) for p in SIZES]),
    *(
        Case(
            name,
            obj,
            program,
            runs,
            open_kwargs={"btf_custom_path": obj_path(obj)},  # the layout it was built with (real_*.c)
            before_load=_without_refused_walk if obj == "real_loop_printk" else None,
            after_load=after,
            skip_maps=skip,
        )
        for name, obj, program, runs, after, skip in (
            ("real_xdp_filter", "real_xdp_filter", "xdp_filter", MIXED, _xdp_filter_rules, ()),
            ("real_xdp_parsers", "real_xdp_parsers", "xdp_parsers", MIXED + _parser_frames(), None, ()),
            ("real_xdp_lb", "real_xdp_lb", "xdp_balancer", MIXED + frames("ipv4_tcp_synack"), _lb_tables, ()),
            (
                "real_tc_conntrack",
                "real_tc_conntrack",
                "tc_conntrack",
                [Run(p.data, TC_CTX) for p in MIXED * 2],
                _conntrack_policy,
                ("flows",),  # the flows' last_seen are bpf_ktime_get_ns() values
            ),
            (
                "real_tc_conntrack_load_bytes",
                "real_tc_conntrack",
                "tc_conntrack_load_bytes",
                [Run(p.data, sk_buff(protocol=0x0008)) for p in MIXED * 2],
                _conntrack_policy,
                ("flows",),
            ),
            (
                "real_loop_printk",
                "real_loop_printk",
                "walk_args",
                [Run(ctx=_raw_tp_args(*a)) for a in ((0,) * 6, (1, 2, 3, 4, 5, 6), (2**40, 0, 0, 0, 0, 1))],
                None,
                (),
            ),
        )
    ),
    Case("alloc_objs_roundtrip", "alloc_objs", "xdp_obj_round", SIZES[:3]),
    Case(
        "alloc_objs_stash", "alloc_objs", "xdp_stash_take", SIZES[:5]
    ),  # one left stashed: a NULL kptr to user space
    Case("alloc_objs_peek", "alloc_objs", "xdp_peek_stash", SIZES[:2]),
    # the queues' list heads read back from the kernel as an empty list at its copy's address
    Case("obj_lists_fifo", "obj_lists", "xdp_fifo", SIZES, skip_maps=("queues",)),
    Case("obj_lists_lifo", "obj_lists", "xdp_lifo_peek", SIZES, skip_maps=("queues",)),
    Case("obj_lists_back", "obj_lists", "xdp_take_back", SIZES[:2], skip_maps=("queues",)),
    # user space produces into the user ring buffer (a discarded sample, a short one), the program drains
    Case(
        "user_ringbuf_drain",
        "user_ringbuf",
        "xdp_drain",
        SIZES[:3],
        after_load=_produce_samples,
        skip_maps=("samples", "runs"),
    ),
    Case("task_storage_count", "user_ringbuf", "xdp_task_count", SIZES[:5], skip_maps=("samples", "runs")),
    # a list head reads back from the kernel as an empty list at its copy's address
    *(
        Case(f"obj_rbtree_{program[4:]}", "obj_rbtree", program, SIZES, skip_maps=("forests", "boths"))
        for program in (
            "xdp_tree_sort",
            "xdp_tree_grow",
            "xdp_tree_walk",
            "xdp_tree_max",
            "xdp_tree_drain",
            "xdp_refcounted",
            "xdp_tree_cut",
        )
    ),
    *(
        Case(f"obj_percpu_{program[11:]}", "obj_percpu", program, SIZES[:3])
        for program in ("xdp_percpu_create", "xdp_percpu_count", "xdp_percpu_sum", "xdp_percpu_remove")
    ),
]
"""Every program of the corpus that BPF_PROG_TEST_RUN can run."""

OBJECTS = sorted(p.stem for p in DATA.glob("*.c"))
REFUSED = (
    "refused_core",
    "global_ctx_tags",
    "refused_license",
    "refused_null",
    "global_funcs",
    "map_kptrs",
    "real_xdp_parsers_refused",
    "vmlinux_refused",
    "alloc_objs_refused",
    "obj_lists_refused",
    "obj_rbtree_refused",
    "obj_percpu_refused",
    "vmlinux_netfilter",
    "obj_graph_misuse",
    "obj_timer_regions",
    "res_spin_lock_maps",
    "res_spin_lock_refused",
    "wq",
    "selftests_progs_kptr",
    "selftests_progs_graph",
    "tracing_map_fields",
)
"""Objects whose program (or, for global_funcs, map_kptrs, vmlinux_netfilter and the verifier-corpus
objects of kfunc families after it, some of whose programs) the verifier refuses (on purpose)."""

REAL_WORLD_GAPS: dict[str, str] = {}
"""Objects (``NAME.o``) or programs (``NAME.o/PROGRAM``) pybpf cannot load as the kernel does yet, and why
(strict: they must still differ)."""
NOT_RUN = (
    "vmlinux_structs",
    "arena_list",
    "struct_ops_dummy",
    "struct_ops_tcp",
    "struct_ops_tcp_link",
    "vmlinux_netfilter",
    "global_ctx_args",
    "obj_graph_misuse",
    "obj_timers",
    "obj_timer_regions",
    "timer_runs",
    "wq",
    "res_spin_lock",
    "res_spin_lock_refused",
    "res_spin_lock_maps",
    "cpumask_kfuncs",
    "selftests_progs_ctx",
    "tail_call_subprog",
    "find_vma_runs",
)
"""Objects whose programs read the running kernel's own objects (the current task, the kernel's contexts):
loaded on both backends, never run -- pybpf has no such objects to give them; and arena_list, whose arena
the kernel these tests run on refuses (EPERM): it runs on pybpf in tests/vm/test_arena.py; the struct_ops
objects, whose programs run with their member's arguments (a ctx of pointers, not a frame): bpf_dummy_ops'
in tests/elf/test_struct_ops.py, tcp_congestion_ops' not at all (EOPNOTSUPP, as on the kernel); and the
netfilter object, whose runs take a hook state (tests/progtypes/test_new_types.py runs it on both);
global_ctx_args and selftests_progs_ctx, verifier cases (their accepted programs only tell the refused
ones apart); the verifier-corpus objects of kfunc families, mostly refused programs, whose accepted ones
run against the kernel in their own tests (tests/kfuncs/test_cpumask.py, test_res_spin_lock.py,
tests/verifier/test_async_work.py); and the objects whose programs arm timers, whose callbacks fire after
a case's maps are read: obj_timers' accepted programs and timer_runs' run against the kernel in
tests/helpers/test_timers.py, waiting for their callbacks (obj_timer_regions' are verifier cases);
tail_call_subprog, whose programs need their prog array filled: tests/kernel/test_tailcall_subprog.py runs
them against the kernel; find_vma_runs, whose program takes an address in its context:
tests/helpers/test_find_vma.py runs it against the kernel."""
ARENA_OBJECTS = ("arena_list",)
"""Objects with an arena map: the kernel these tests run on refuses to create it (EPERM)."""
