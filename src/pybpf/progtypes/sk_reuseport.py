"""BPF_PROG_TYPE_SK_REUSEPORT: the socket selection of an SO_REUSEPORT group (``struct sk_reuseport_md``).

Mirrors net/core/filter.c ``sk_reuseport_verifier_ops`` / ``sk_reuseport_prog_ops`` (Linux 6.18):

* ``sk_reuseport_is_valid_access``: read-only, aligned; data / data_end are 8-byte packet pointers
  (direct packet access, read only), sk an 8-byte PTR_TO_SOCKET, migrating_sk an 8-byte
  PTR_TO_SOCK_COMMON_OR_NULL, hash a 4-byte word; len, eth_protocol (at least 2 bytes), ip_protocol
  and bind_inany may be read narrower (``bpf_ctx_narrow_access_ok``);
* ``sk_reuseport_convert_ctx_access``: data, len and eth_protocol are fields of the skb the kernel's
  ``struct sk_reuseport_kern`` points to, ip_protocol a field of its socket (two loads each); data_end,
  hash, bind_inany, sk and migrating_sk are its own fields.  pybpf's kernel-side struct is
  ``SkReuseportKern`` (the skb and socket fields it points to are its own, so every nested field is
  the second load of the kernel's shape);
* ``sk_reuseport_func_proto`` for a root loader: the set below was read off the running kernel by
  loading ``call N`` for every helper id (the base helpers, sk_select_reuseport, skb_load_bytes(_relative),
  get_socket_cookie, ktime_get_coarse_ns ...);
* expected attach type BPF_SK_REUSEPORT_SELECT or BPF_SK_REUSEPORT_SELECT_OR_MIGRATE (0 is taken as
  the first), anything else EINVAL (``bpf_prog_load_check_attach``); no return range; no test_run
  (ENOTSUPP).
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
from pybpf.uapi import (
    BPF_PROG_TYPE_SK_REUSEPORT,
    BPF_SK_REUSEPORT_SELECT,
    BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
    sk_reuseport_md,
)

SK_REUSEPORT_HELPERS = helper_ids(
    (1, 3), (5, 8), 12, (14, 17), 22, 26, 35, 37, 42, 46, 55, 68, 80, 82, (87, 89), (93, 94),
    (105, 106), 109, (112, 115), (117, 118), 120, 123, 125, (130, 134), 141, (148, 149), (153, 154),
    (156, 158), 160, (164, 165), (169, 172), (175, 177), (180, 182), 191, (194, 195), (197, 203),
    (208, 211),
)  # fmt: skip
"""``sk_reuseport_func_proto(id) != NULL`` on Linux 6.18 for a root loader (helper ids 1..211)."""

SK_REUSEPORT_MD_SIZE = ctypes.sizeof(sk_reuseport_md)
OFF = {name: int(getattr(sk_reuseport_md, name).offset) for name in (
    "data", "data_end", "len", "eth_protocol", "ip_protocol", "bind_inany", "hash", "sk", "migrating_sk",
)}  # fmt: skip
"""Offsets of the ``sk_reuseport_md`` fields."""
_POINTERS = ("data", "data_end", "sk", "migrating_sk")
_NARROW = ("len", "eth_protocol", "ip_protocol", "bind_inany")
"""The 4-byte fields that may be read narrower (the verifier widens and shifts the load)."""
ATTACH_TYPES = frozenset({0, BPF_SK_REUSEPORT_SELECT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE})


class SkReuseportKern(ctypes.Structure):
    """pybpf's ``struct sk_reuseport_kern``: the pointers and fields the rewrite reads."""

    _fields_ = (
        ("skb", ctypes.c_uint64),
        ("sk", ctypes.c_uint64),
        ("migrating_sk", ctypes.c_uint64),
        ("data_end", ctypes.c_uint64),
        ("hash", ctypes.c_uint32),
        ("bind_inany", ctypes.c_uint8),
    )


class SkbFields(ctypes.Structure):
    """The skb fields a selection reads (through ``SkReuseportKern.skb``)."""

    _fields_ = (("data", ctypes.c_uint64), ("len", ctypes.c_uint32), ("protocol", ctypes.c_uint16))


class SockFields(ctypes.Structure):
    """The socket field a selection reads (through ``SkReuseportKern.sk``)."""

    _fields_ = (("sk_protocol", ctypes.c_uint16),)


_SIZE = {1: op.BPF_B, 2: op.BPF_H, 4: op.BPF_W, 8: op.BPF_DW}
_OWN = {
    "data_end": ("data_end", 8), "hash": ("hash", 4), "bind_inany": ("bind_inany", 1),
    "sk": ("sk", 8), "migrating_sk": ("migrating_sk", 8),
}  # fmt: skip
"""md field -> (SkReuseportKern field, its size)."""
_NESTED = {
    "data": ("skb", SkbFields, "data", 8), "len": ("skb", SkbFields, "len", 4),
    "eth_protocol": ("skb", SkbFields, "protocol", 2), "ip_protocol": ("sk", SockFields, "sk_protocol", 2),
}  # fmt: skip
"""md field -> (pointer in SkReuseportKern, the struct it points to, its field, the field's size)."""


def _ldx(size: int, dst: int, src: int, off: int) -> Instruction:
    return Instruction(op.BPF_LDX | op.BPF_MEM | _SIZE[size], dst, src, off)


def _alu32(name: str, dst: int, imm: int) -> Instruction:
    return Instruction(op.BPF_ALU | op.ALU_OPS[name] | op.BPF_K, dst, 0, 0, imm)


def _field_at(off: int) -> str:
    for name in _NARROW:
        if OFF[name] <= off < OFF[name] + 4:
            return name
    for name, start in OFF.items():
        if off == start:
            return name
    raise BPFError(errno.EACCES, f"invalid bpf_context access off={off}")


def _narrow_ok(off: int, size: int) -> bool:
    return size <= 4 and (off & 3) + size <= 4


@register
class SkReuseport(ProgType):
    """BPF_PROG_TYPE_SK_REUSEPORT (no test_run: the base class answers ENOTSUPP)."""

    converts_ctx: ClassVar[bool] = True

    prog_type: ClassVar[int] = BPF_PROG_TYPE_SK_REUSEPORT
    name: ClassVar[str] = "sk_reuseport"
    ctx_size: ClassVar[int] = SK_REUSEPORT_MD_SIZE

    def check_expected_attach_type(self, attach: int) -> None:
        """``bpf_prog_load_check_attach``: the two reuseport attach types (0 means the first)."""
        if attach not in ATTACH_TYPES:
            raise BPFError(errno.EINVAL, "sk_reuseport programs attach as select or select_or_migrate")

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in SK_REUSEPORT_HELPERS

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        if write or off < 0 or off >= SK_REUSEPORT_MD_SIZE or off % size:
            return False
        if off in (OFF[name] for name in _POINTERS):
            return size == 8
        if off == OFF["hash"]:
            return size == 4
        name = next((n for n in _NARROW if OFF[n] <= off < OFF[n] + 4), None)
        if name is None or (name == "eth_protocol" and size < 2):
            return False
        return _narrow_ok(off, size)

    def convert_ctx_access(self, insn: Instruction) -> list[Instruction]:
        """``sk_reuseport_convert_ctx_access`` with convert_ctx_accesses()' narrow loads."""
        dst, src, off = insn.dst, insn.src, insn.off
        size = op.SIZE_BYTES[insn.opcode & 0x18]
        name = _field_at(off)
        if name in _OWN:
            field, target = _OWN[name]
            out = [_ldx(target, dst, src, getattr(SkReuseportKern, field).offset)]
        else:
            pointer, struct, field, target = _NESTED[name]
            out = [
                _ldx(8, dst, src, getattr(SkReuseportKern, pointer).offset),
                _ldx(target, dst, dst, getattr(struct, field).offset),
            ]
        if name in _NARROW and size < target:
            shift = (off & 3) * 8
            if shift:
                out.append(_alu32("rsh", dst, shift))
            out.append(_alu32("and", dst, (1 << (size * 8)) - 1))
        return out
