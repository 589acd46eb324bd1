"""The socket-identity helpers of the socket-buffer types: which socket and cgroup a test-run skb has.

Mirrors net/core/filter.c ``bpf_get_socket_cookie`` (46), ``bpf_get_socket_uid`` (47),
``bpf_skb_cgroup_id`` (79) and ``bpf_skb_ancestor_cgroup_id`` (83) on the skb
``bpf_prog_test_run_skb`` (net/bpf/test_run.c) builds: its ``skb->sk`` is a socket the test run
allocates (``sk_alloc`` + ``sock_init_data(NULL, sk)``), so every skb run has a full socket, owned by
uid 0 of the test run's network namespace and charged to the calling task's cgroup v2
(``cgroup_sk_alloc``):

* ``bpf_get_socket_cookie``: ``sock_gen_cookie(skb->sk)`` -- a new cookie of the kernel's socket
  cookie counter the first time a run asks (then the same one for the rest of the test run, its
  repeats included).  pybpf takes it from the same counter: the ``SO_COOKIE`` of a socket it opens
  and closes for the purpose, so the value is one the kernel hands out (it never repeats), not the
  one the kernel's own test run would have drawn;
* ``bpf_get_socket_uid``: the socket's uid, 0 (``sock_init_data`` without a ``struct socket``);
* ``bpf_skb_cgroup_id``: the id of the socket's cgroup: the calling process's (as
  ``bpf_get_current_cgroup_id``);
* ``bpf_skb_ancestor_cgroup_id(skb, level)``: the id of that cgroup's ancestor at ``level`` (0 the
  root), 0 past its own depth;
* ``bpf_get_cgroup_classid(skb)`` (17) and ``bpf_skb_cgroup_classid(skb)`` (151): the net_cls classid
  of the caller (a test run is no softirq) and of the test socket (set from the caller's at
  ``sk_alloc``): the same, 0 without a net_cls hierarchy;
* ``bpf_get_netns_cookie(skb)`` (122): the cookie of the test socket's network namespace, the
  caller's (``SO_NETNS_COOKIE`` of a socket pybpf opens);
* ``bpf_sk_fullsock(sk)`` (95): the test socket is a full socket: itself; ``bpf_tcp_sock(sk)`` (96):
  it is no TCP socket: NULL; ``bpf_get_listener_sock(sk)`` (98): it is not listening (TCP_CLOSE):
  NULL.  Of a socket a lookup found they answer what ``pybpf.progtypes.socket_lookup`` says;
* ``bpf_sk_assign(skb, sk, flags)`` (tc's, 124): flags other than 0 are -EINVAL; then the skb must be
  at tc ingress (``skb_at_tc_ingress``), which a test-run skb never is: -EOPNOTSUPP, whatever the
  socket (the test socket ``skb->sk``, or one ``bpf_sk_lookup_tcp`` found).

Measured against the kernel by tests/progtypes/test_skb_socket.py (both engines).
"""

from __future__ import annotations

import ctypes
import errno
import socket

from pybpf.helpers.context import HelperContext
from pybpf.isa.words import M64
from pybpf.maps.sockmap import cookie_of
from pybpf.objects.cgroups import current_ancestor_id, current_net_cls_classid
from pybpf.progtypes.skb import skb_state
from pybpf.progtypes.socket_lookup import found_fullsock, found_listener, found_tcp_sock

SO_NETNS_COOKIE = 71
"""``getsockopt(SOL_SOCKET, SO_NETNS_COOKIE)``: the cookie of the socket's network namespace."""
S32 = 1 << 31
_COOKIE = "socket_cookie"
"""The key of the test run's cookie in ``SkbState.extra`` (drawn on first use)."""


def new_socket_cookie() -> int:
    """A cookie the kernel's socket cookie counter has just handed out (0 where there is none)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            return cookie_of(sock)
    except OSError:
        return 0


def get_socket_cookie(ctx: HelperContext, skb: int, *_: int) -> int:
    """``u64 bpf_get_socket_cookie(skb)``: the test socket's cookie, made on the run's first call."""
    extra = skb_state(ctx.env).extra
    cookie = extra.get(_COOKIE)
    if not isinstance(cookie, int):
        cookie = extra[_COOKIE] = new_socket_cookie()
    return cookie


def get_socket_uid(ctx: HelperContext, skb: int, *_: int) -> int:
    """``u32 bpf_get_socket_uid(skb)``: the test socket's owner, uid 0."""
    skb_state(ctx.env)
    return 0


def skb_cgroup_id(ctx: HelperContext, skb: int, *_: int) -> int:
    """``u64 bpf_skb_cgroup_id(skb)``: the test socket's cgroup, the calling process's."""
    skb_state(ctx.env)
    return current_ancestor_id()


def skb_ancestor_cgroup_id(ctx: HelperContext, skb: int, level: int, *_: int) -> int:
    """``u64 bpf_skb_ancestor_cgroup_id(skb, level)``: the ancestor of the test socket's cgroup at
    ``level`` (an int: a negative one is 0)."""
    skb_state(ctx.env)
    level &= 0xFFFF_FFFF
    return 0 if level >= S32 else current_ancestor_id(level)


def sk_assign(ctx: HelperContext, skb: int, sk: int, flags: int, *_: int) -> int:
    """``long bpf_sk_assign(skb, sk, flags)`` (tc): -EINVAL for flags, else -EOPNOTSUPP (not at ingress)."""
    skb_state(ctx.env)
    return -(errno.EINVAL if flags else errno.EOPNOTSUPP) & M64


def get_netns_cookie(ctx: HelperContext, skb: int, *_: int) -> int:
    """``u64 bpf_get_netns_cookie(skb)``: the test socket's network namespace's cookie (the caller's)."""
    skb_state(ctx.env)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            return int.from_bytes(sock.getsockopt(socket.SOL_SOCKET, SO_NETNS_COOKIE, 8), "little")
    except OSError:
        return 0


def _is_test_socket(ctx: HelperContext, sk: int) -> bool:
    """Whether ``sk`` is the test socket (else it must be one a socket lookup found)."""
    return sk == ctypes.addressof(skb_state(ctx.env).sock)


def sk_fullsock(ctx: HelperContext, sk: int, *_: int) -> int:
    """``struct bpf_sock *bpf_sk_fullsock(sk)``: the test socket, a full socket."""
    if _is_test_socket(ctx, sk):
        return sk
    return found_fullsock(ctx, sk)


def tcp_sock(ctx: HelperContext, sk: int, *_: int) -> int:
    """``struct bpf_tcp_sock *bpf_tcp_sock(sk)``: NULL, the test socket is no TCP socket."""
    return 0 if _is_test_socket(ctx, sk) else found_tcp_sock(ctx, sk)


def get_listener_sock(ctx: HelperContext, sk: int, *_: int) -> int:
    """``struct bpf_sock *bpf_get_listener_sock(sk)``: NULL, the test socket does not listen."""
    return 0 if _is_test_socket(ctx, sk) else found_listener(ctx, sk)


def get_cgroup_classid(ctx: HelperContext, skb: int, *_: int) -> int:
    """``u32 bpf_get_cgroup_classid(skb)``: the caller's net_cls classid."""
    skb_state(ctx.env)
    return current_net_cls_classid()


def skb_cgroup_classid(ctx: HelperContext, skb: int, *_: int) -> int:
    """``u64 bpf_skb_cgroup_classid(skb)``: the test socket's net_cls classid (the caller's)."""
    skb_state(ctx.env)
    return current_net_cls_classid()
