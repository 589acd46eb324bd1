"""BPF_PROG_TYPE_SK_MSG: the verdict program of sockmaps on a message sent (``struct sk_msg_md``).

Mirrors net/core/filter.c ``sk_msg_verifier_ops`` / ``sk_msg_prog_ops`` (Linux 6.18):

* ``sk_msg_is_valid_access``: read-only; data and data_end are 8-byte packet pointers (direct packet
  access, read and write), sk an 8-byte PTR_TO_SOCKET; family, the addresses, the ports and size
  are read as whole 4-byte words; any other offset, size or alignment is refused;
* ``sk_msg_convert_ctx_access``: data, data_end, sk and size are loads of the ``struct sk_msg``
  fields; the socket fields load ``msg->sk`` then its ``sock_common`` field (remote_port shifted
  into the upper half as the kernel leaves it).  pybpf's kernel-side message is ``SkMsgKern`` and
  its socket a ``struct bpf_sock`` (the layout the skb types' test socket has);
* ``sk_msg_func_proto`` for a root loader: the set below was read off the running kernel by loading
  ``call N`` for every helper id (the base helpers, msg_redirect_map / _hash, msg_apply_bytes,
  msg_cork_bytes, msg_pull_data, msg_push_data, msg_pop_data, the cgroup ids, sk_storage_get /
  delete ...);
* no expected attach type rule and no return range; no test_run (ENOTSUPP): pybpf verifies and
  loads these programs, it has no socket traffic to run them on.
"""

from __future__ import annotations

import ctypes
import errno
from typing import ClassVar

from pybpf.errors import BPFError
from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.progtypes.base import ProgType, helper_ids
from pybpf.progtypes.registry import register
from pybpf.uapi import BPF_PROG_TYPE_SK_MSG, bpf_sock, sk_msg_md

SK_MSG_HELPERS = helper_ids(
    (1, 3), (5, 8), 12, (14, 17), 22, 25, 35, 37, 42, 55, (60, 63), 71, 80, (87, 91), (93, 94),
    (105, 109), (112, 115), (117, 118), 120, (122, 123), 125, (130, 134), (136, 141), (148, 149),
    (153, 154), (156, 158), 160, (164, 165), (169, 172), (175, 178), (180, 182), 191, (194, 203),
    (208, 211),
)  # fmt: skip
"""``sk_msg_func_proto(id) != NULL`` on Linux 6.18 for a root loader (helper ids 1..211)."""

SK_MSG_MD_SIZE = ctypes.sizeof(sk_msg_md)


def _field(name: str) -> tuple[int, int]:
    """(offset, size) of ``sk_msg_md``'s field ``name``."""
    field = getattr(sk_msg_md, name)
    return int(field.offset), int(field.size)


OFF = {name: _field(name)[0] for name in ("data", "data_end", "family", "remote_ip4", "local_ip4",
                                          "remote_ip6", "local_ip6", "remote_port", "local_port",
                                          "size", "sk")}  # fmt: skip
"""Offsets of the ``sk_msg_md`` fields."""
_POINTERS = (OFF["data"], OFF["data_end"], OFF["sk"])
_WORDS = {
    name: range(OFF[name], OFF[name] + _field(name)[1])
    for name in ("family", "remote_ip4", "local_ip4", "remote_ip6", "local_ip6", "remote_port",
                 "local_port", "size")
}  # fmt: skip


class SkMsgKern(ctypes.Structure):
    """pybpf's kernel-side message (the fields of ``struct sk_msg`` the rewrite reads)."""

    _fields_ = (
        ("data", ctypes.c_uint64),
        ("data_end", ctypes.c_uint64),
        ("size", ctypes.c_uint32),
        ("_pad", ctypes.c_uint32),
        ("sk", ctypes.c_uint64),
    )


_SOCK_FIELDS = {
    "family": ("family", op.BPF_H),
    "remote_ip4": ("dst_ip4", op.BPF_W),
    "local_ip4": ("src_ip4", op.BPF_W),
    "remote_ip6": ("dst_ip6", op.BPF_W),
    "local_ip6": ("src_ip6", op.BPF_W),
    "remote_port": ("dst_port", op.BPF_H),
    "local_port": ("src_port", op.BPF_H),
}
"""The socket field behind each ``sk_msg_md`` socket field, and the width the kernel loads of its
``sock_common`` (skc_family, skc_daddr, skc_rcv_saddr, skc_v6_daddr, skc_v6_rcv_saddr, skc_dport,
skc_num)."""


def _ldx(size: int, dst: int, src: int, off: int) -> Instruction:
    return Instruction(op.BPF_LDX | op.BPF_MEM | size, dst, src, off)


def _field_of(off: int) -> str:
    for name, words in _WORDS.items():
        if off in words:
            return name
    for name in ("data", "data_end", "sk"):
        if off == OFF[name]:
            return name
    raise BPFError(errno.EACCES, f"invalid bpf_context access off={off}")


@register
class SkMsg(ProgType):
    """BPF_PROG_TYPE_SK_MSG (no test_run: the base class answers ENOTSUPP)."""

    converts_ctx: ClassVar[bool] = True

    prog_type: ClassVar[int] = BPF_PROG_TYPE_SK_MSG
    name: ClassVar[str] = "sk_msg"
    ctx_size: ClassVar[int] = SK_MSG_MD_SIZE

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in SK_MSG_HELPERS

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        if write or off < 0 or off >= SK_MSG_MD_SIZE or off % size:
            return False
        if off in _POINTERS:
            return size == 8
        return size == 4 and any(off in words for words in _WORDS.values())

    def convert_ctx_access(self, insn: Instruction) -> list[Instruction]:
        """``sk_msg_convert_ctx_access`` (reads only: the verifier refused every write)."""
        dst, src, off = insn.dst, insn.src, insn.off
        name = _field_of(off)
        if name in ("data", "data_end", "sk"):
            return [_ldx(op.BPF_DW, dst, src, getattr(SkMsgKern, name).offset)]
        if name == "size":
            return [_ldx(op.BPF_W, dst, src, SkMsgKern.size.offset)]
        sock_name, width = _SOCK_FIELDS[name]
        where = getattr(bpf_sock, sock_name).offset + off - OFF[name]
        out = [_ldx(op.BPF_DW, dst, src, SkMsgKern.sk.offset), _ldx(width, dst, dst, where)]
        if name == "remote_port":
            out.append(Instruction(op.BPF_ALU | op.ALU_OPS["lsh"] | op.BPF_K, dst, 0, 0, 16))
        return out
