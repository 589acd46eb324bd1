"""Register types and type flags: the kernel's ``enum bpf_reg_type`` and ``enum bpf_type_flag``.

Mirrors include/linux/bpf.h (the base types and the flags the verifier puts on them) and
reg_type_str() in kernel/bpf/verifier.c: a type prints as its flags' prefixes (``rdonly_``,
``ringbuf_`` ...), its base name (``scalar``, ``ctx``, ``map_value``, ``fp`` ...) and ``_or_null``
when it may be NULL.
"""

from __future__ import annotations

import enum
import functools


class RegType(enum.IntEnum):
    """The base register types (``enum bpf_reg_type`` below BPF_BASE_TYPE_BITS)."""

    __hash__ = int.__hash__  # (hashed as the int it equals, in C: Enum's own hash is a Python call)

    NOT_INIT = 0
    SCALAR_VALUE = 1
    PTR_TO_CTX = 2
    CONST_PTR_TO_MAP = 3
    PTR_TO_MAP_VALUE = 4
    PTR_TO_MAP_KEY = 5
    PTR_TO_STACK = 6
    PTR_TO_PACKET_META = 7
    PTR_TO_PACKET = 8
    PTR_TO_PACKET_END = 9
    PTR_TO_FLOW_KEYS = 10
    PTR_TO_SOCKET = 11
    PTR_TO_SOCK_COMMON = 12
    PTR_TO_TCP_SOCK = 13
    PTR_TO_TP_BUFFER = 14
    PTR_TO_XDP_SOCK = 15
    PTR_TO_BTF_ID = 16
    PTR_TO_MEM = 17
    PTR_TO_ARENA = 18
    PTR_TO_BUF = 19
    PTR_TO_FUNC = 20
    CONST_PTR_TO_DYNPTR = 21


class TypeFlag(enum.IntFlag):
    """``enum bpf_type_flag`` (the ones the verifier's model uses so far)."""

    __hash__ = int.__hash__  # (as RegType's: a plain int of the same value is the same key)

    NONE = 0
    PTR_MAYBE_NULL = 1 << 8
    MEM_RDONLY = 1 << 9
    MEM_RINGBUF = 1 << 10
    MEM_USER = 1 << 11
    MEM_PERCPU = 1 << 12
    MEM_RCU = 1 << 13
    PTR_UNTRUSTED = 1 << 14
    PTR_TRUSTED = 1 << 15
    MEM_ALLOC = 1 << 16
    DYNPTR_TYPE_SKB = 1 << 17  # a slice of an skb dynptr (no prefix in the log)
    DYNPTR_TYPE_XDP = 1 << 18  # a slice of an xdp dynptr
    NON_OWN_REF = 1 << 19  # an allocated object a graph owns (valid while its lock is held; no prefix)
    DYNPTR_TYPE_SKB_META = 1 << 20  # a slice of an skb metadata dynptr (no prefix)


BASE_NAMES: dict[RegType, str] = {
    RegType.NOT_INIT: "?",
    RegType.SCALAR_VALUE: "scalar",
    RegType.PTR_TO_CTX: "ctx",
    RegType.CONST_PTR_TO_MAP: "map_ptr",
    RegType.PTR_TO_MAP_VALUE: "map_value",
    RegType.PTR_TO_MAP_KEY: "map_key",
    RegType.PTR_TO_STACK: "fp",
    RegType.PTR_TO_PACKET_META: "pkt_meta",
    RegType.PTR_TO_PACKET: "pkt",
    RegType.PTR_TO_PACKET_END: "pkt_end",
    RegType.PTR_TO_FLOW_KEYS: "flow_keys",
    RegType.PTR_TO_SOCKET: "sock",
    RegType.PTR_TO_SOCK_COMMON: "sock_common",
    RegType.PTR_TO_TCP_SOCK: "tcp_sock",
    RegType.PTR_TO_TP_BUFFER: "tp_buffer",
    RegType.PTR_TO_XDP_SOCK: "xdp_sock",
    RegType.PTR_TO_BTF_ID: "ptr_",
    RegType.PTR_TO_MEM: "mem",
    RegType.PTR_TO_ARENA: "arena",
    RegType.PTR_TO_BUF: "buf",
    RegType.PTR_TO_FUNC: "func",
    RegType.CONST_PTR_TO_DYNPTR: "dynptr_ptr",
}

_PREFIXES = (
    (TypeFlag.MEM_RDONLY, "rdonly_"),
    (TypeFlag.MEM_RINGBUF, "ringbuf_"),
    (TypeFlag.MEM_USER, "user_"),
    (TypeFlag.MEM_PERCPU, "percpu_"),
    (TypeFlag.MEM_RCU, "rcu_"),
    (TypeFlag.PTR_UNTRUSTED, "untrusted_"),
    (TypeFlag.PTR_TRUSTED, "trusted_"),
)

PACKET_TYPES = frozenset({RegType.PTR_TO_PACKET, RegType.PTR_TO_PACKET_META})


@functools.cache
def type_str(base: RegType, flags: TypeFlag = TypeFlag.NONE) -> str:
    """reg_type_str() (memoised: a pure function of a few hundred possible pairs)."""
    prefix = "".join(text for flag, text in _PREFIXES if flags & flag)
    postfix = ""
    if flags & TypeFlag.PTR_MAYBE_NULL:
        postfix = "or_null_" if base is RegType.PTR_TO_BTF_ID else "_or_null"
    return prefix + BASE_NAMES[base] + postfix
