"""The helpers pybpf's verifier allows in a test-runnable program type but no run can execute.

The kernel's ``<type>_func_proto`` (mirrored by each ``ProgType.func_allowed``) lets a program call
these, and the kernel's BPF_PROG_TEST_RUN executes them; pybpf loads such a program like the kernel
but its run stops with EFAULT ("unknown helper") when it reaches the call.  Each entry says for which
program types (by ``ProgType.name``; empty: every test-runnable type allowing it) and why.
tests/helpers/test_executable.py keeps this table exact: every helper allowed in a program type that
has a test run is implemented (``pybpf.helpers.default_registry()`` or the type's ``helpers()``) or
listed here, and nothing listed here is implemented.  ``PARTLY_EXECUTABLE`` names the implemented
helpers whose run stops in some cases, and where (the test keeps them implemented).
"""

from __future__ import annotations

from typing import Final

_TRACING_CTX = "takes a kernel object (BTF pointer) that no test run of pybpf hands a program"
_SOCK_CASTS = (
    "casts a socket to a kernel struct (tcp6_sock, tcp_sock, ...) through BTF; pybpf makes no kernel "
    "socket images of these types"
)
_SYNCOOKIE = (
    "every answer is __cookie_v4_check / __cookie_v6_check's, a siphash keyed with the kernel's "
    "syncookie_secret (net/ipv4/syncookies.c), which user space cannot read"
)
_KERNEL_STATE = (
    "reads the kernel's own state (its stacks, saved registers or branch records): no user-space view"
)

NOT_EXECUTABLE: Final[dict[int, tuple[frozenset[str], str]]] = {
    22: (
        frozenset(),
        "bpf_perf_event_read: the counter of a PERF_EVENT_ARRAY event on this CPU is not modelled",
    ),
    55: (frozenset(), "bpf_perf_event_read_value: as bpf_perf_event_read"),
    46: (frozenset({"syscall", "tracing"}), "bpf_get_socket_cookie (struct sock * variant): " + _TRACING_CTX),
    49: (frozenset({"struct_ops"}), "bpf_setsockopt: struct_ops test runs have no TCP socket"),
    57: (frozenset({"struct_ops"}), "bpf_getsockopt: struct_ops test runs have no TCP socket"),
    116: (frozenset({"struct_ops"}), "bpf_tcp_send_ack: struct_ops test runs have no TCP socket"),
    86: (
        frozenset({"sk_lookup"}),
        "bpf_sk_release in sk_lookup: its socket lookups belong to the socket lookup work",
    ),
    206: (frozenset(), "bpf_tcp_raw_check_syncookie_ipv4: " + _SYNCOOKIE),
    207: (frozenset(), "bpf_tcp_raw_check_syncookie_ipv6: " + _SYNCOOKIE),
    111: (frozenset({"syscall", "tracing"}), "bpf_skb_output: " + _TRACING_CTX),
    121: (frozenset({"syscall", "tracing"}), "bpf_xdp_output: " + _TRACING_CTX),
    188: (frozenset({"syscall", "tracing"}), "bpf_xdp_get_buff_len (BTF variant): " + _TRACING_CTX),
    162: (frozenset({"syscall", "tracing"}), "bpf_sock_from_file: " + _TRACING_CTX),
    147: (frozenset(), "bpf_d_path: " + _TRACING_CTX),
    159: (frozenset(), "bpf_bprm_opts_set: " + _TRACING_CTX),
    161: (frozenset(), "bpf_ima_inode_hash: " + _TRACING_CTX),
    193: (frozenset(), "bpf_ima_file_hash: " + _TRACING_CTX),
    128: (frozenset({"cgroup_skb"}), "bpf_sk_cgroup_id: the skb's full socket is not modelled"),
    129: (frozenset({"cgroup_skb"}), "bpf_sk_ancestor_cgroup_id: the skb's full socket is not modelled"),
    136: (frozenset(), "bpf_skc_to_tcp6_sock: " + _SOCK_CASTS),
    137: (frozenset(), "bpf_skc_to_tcp_sock: " + _SOCK_CASTS),
    138: (frozenset(), "bpf_skc_to_tcp_timewait_sock: " + _SOCK_CASTS),
    139: (frozenset(), "bpf_skc_to_tcp_request_sock: " + _SOCK_CASTS),
    140: (frozenset(), "bpf_skc_to_udp6_sock: " + _SOCK_CASTS),
    178: (frozenset(), "bpf_skc_to_unix_sock: " + _SOCK_CASTS),
    196: (frozenset(), "bpf_skc_to_mptcp_sock: " + _SOCK_CASTS),
    141: (frozenset(), "bpf_get_task_stack: " + _KERNEL_STATE),
    175: (frozenset(), "bpf_task_pt_regs: " + _KERNEL_STATE),
    176: (frozenset(), "bpf_get_branch_snapshot: " + _KERNEL_STATE),
    149: (frozenset(), "bpf_snprintf_btf: the kernel's BTF pretty-printer is not implemented"),
    150: (frozenset(), "bpf_seq_printf_btf: the kernel's BTF pretty-printer is not implemented"),
    166: (frozenset(), "bpf_sys_bpf: bpf(2) from a SYSCALL program is not implemented"),
    167: (frozenset(), "bpf_btf_find_by_name_kind: not implemented"),
    168: (frozenset(), "bpf_sys_close: not implemented"),
    179: (frozenset(), "bpf_kallsyms_lookup_name: the kernel's symbol table is not pybpf's"),
    173: (frozenset(), "bpf_get_func_ip: the attach point's address is not modelled"),
    174: (frozenset(), "bpf_get_attach_cookie: not implemented for tracing and raw tracepoint runs"),
    183: (frozenset(), "bpf_get_func_arg: the trampoline's saved arguments are not modelled"),
    184: (frozenset(), "bpf_get_func_ret: the trampoline's saved arguments are not modelled"),
    185: (frozenset(), "bpf_get_func_arg_cnt: the trampoline's saved arguments are not modelled"),
}
"""Helper id -> (the program types the gap is in, empty for all; why no run can execute it)."""

PARTLY_EXECUTABLE: Final[dict[int, str]] = {
    100: "bpf_tcp_check_syncookie: its errors before the listener's overflow time and the cookie check "
    "(pybpf.progtypes.syncookies); those are the kernel's secret state: the run stops there",
    110: "bpf_tcp_gen_syncookie: its errors and the no-cookie answer of a listener whose SYN queue is "
    "not full (pybpf.progtypes.syncookies); a cookie is keyed with the kernel's secret: the run stops",
    204: "bpf_tcp_raw_gen_syncookie_ipv4: its -EINVAL for a bad th_len; the cookie is keyed with the "
    "kernel's secret: the run stops",
    205: "bpf_tcp_raw_gen_syncookie_ipv6: as bpf_tcp_raw_gen_syncookie_ipv4",
    69: "bpf_fib_lookup: all but multipath routes, nexthop objects, VRF devices, source-specific IPv6 "
    "routes and other tunnels' MTU headroom (pybpf.helpers.fib_lookup): the run stops there",
    180: "bpf_find_vma: the vm_area_struct's known fields; the others are opaque and a load of one stops "
    "the run (pybpf.helpers.find_vma)",
}
"""Helper id -> what of it runs and where its run stops: implemented helpers whose answers the kernel
takes from state user space cannot see in some cases (the run stops with EFAULT there, never a
made-up answer)."""
