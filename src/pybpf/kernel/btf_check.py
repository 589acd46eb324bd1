"""Verification of raw BTF at BPF_BTF_LOAD: the kernel's ``btf_parse``, its errnos and its log.

Mirrors ``kernel/bpf/btf.c`` (written from its behaviour, checked against the running kernel):

* ``btf_parse_hdr`` — data shorter than 8 bytes ("hdr_len not found"), a ``hdr_len`` past the data
  ("btf_header not found"), non-zero bytes in a header longer than ``struct btf_header``
  ("Unsupported btf_header", E2BIG), then the header dump (``magic: 0x..`` ... ``btf_total_size``),
  magic (EINVAL), version and flags (ENOTSUPP, 524), "No data", and ``btf_check_sec_info``: the
  type and string sections sorted by offset must tile the data after the header exactly
  ("Invalid section offset", "Unsupported section found", "Section overlap found", "Total section
  length too long").  Only native (little-endian on x86/arm64) BTF is accepted, as by the kernel.
* ``btf_parse_str_sec`` — the string section must end the data, start and end with a NUL and be at
  most 16 MiB.
* ``btf_parse_type_sec`` — ``type_off`` 4-aligned, at least one type, then pass 1
  (``btf_check_all_metas``: per-kind ``check_meta``, logging every type as ``[id] KIND name
  details``) and pass 2 (``btf_check_all_types``: the depth-first ``resolve`` of every type that
  refers to another, with loop and depth detection, member and array size checks, FUNC_PROTO
  argument checks), then ``btf_check_type_tags``.

Error lines are logged exactly as the kernel words them (``btf_verifier_log_type`` /
``btf_verifier_log_member`` / ``btf_verifier_log_vsi``), so a log can be compared line by line.
The result (``VerifiedBTF``) keeps the types with their resolved ids and sizes, which is what
``map_check_btf`` needs (``btf_type_id_size``) and where ``bpf_spin_lock`` is found.  Not done:
split BTF (``btf_fd`` bases are for kernel module BTF); of ``btf_parse_struct_metas`` only the
``bpf_spin_lock`` part (a struct with such a member must hold exactly one usable lock: two E2BIG,
after a bitfield EINVAL, misaligned EFAULT; no log line), not the graph roots (bpf_list_head ...)."""

from __future__ import annotations

import errno
import struct

from pybpf.kernel.btf_env import (
    _U32,
    ARRAY,
    BITS_PER_U128,
    BTF_MAGIC,
    BTF_VERSION,
    CONST,
    DATASEC,
    DECL_TAG,
    ENUM,
    ENUM64,
    FLOAT,
    FUNC,
    FUNC_PROTO,
    FWD,
    HEADER_SIZE,
    INFO_MASK,
    INT,
    INT_MASK,
    KIND_MAX,
    MAX_NAME_OFFSET,
    MAX_TYPE,
    PTR,
    RESTRICT,
    SPIN_LOCK_SIZE,
    STRUCT,
    TYPE_TAG,
    TYPEDEF,
    U32_MAX,
    UNION,
    UNKN,
    VAR,
    VOLATILE,
    BTFVerifyError,
    RawType,
    VerifiedBTF,
    _bit_offset,
    _s32,
    find_spin_locks,
)
from pybpf.kernel.btf_resolve import ResolvePass
from pybpf.uapi import ENOTSUPP

__all__ = ["BTFVerifier", "BTFVerifyError", "VerifiedBTF", "verify_btf"]


class BTFVerifier(ResolvePass):
    """One run of ``btf_parse`` over ``data``; ``verify()`` returns the result or raises."""

    # --- the parse -----------------------------------------------------------------------------
    def verify(self) -> VerifiedBTF:
        self._parse_header()
        self._parse_str_sec()
        self._parse_type_sec()
        self._check_type_tags()
        result = VerifiedBTF(
            self.data, self.types, self.strings, self.tsec, self.resolved_ids, self.resolved_sizes
        )
        _check_struct_metas(result)
        return result

    def _parse_header(self) -> None:
        data, size = self.data, len(self.data)
        if size < 8:
            raise self.plain_fail("hdr_len not found")
        hdr_len = _U32.unpack_from(data, 4)[0]
        if size < hdr_len:
            raise self.plain_fail("btf_header not found")
        if hdr_len > HEADER_SIZE and any(data[HEADER_SIZE:hdr_len]):
            raise self.plain_fail("Unsupported btf_header", errno.E2BIG)
        copy = data[: min(hdr_len, HEADER_SIZE)].ljust(HEADER_SIZE, b"\0")
        magic, version, flags, hdr_len, type_off, type_len, str_off, str_len = struct.unpack("<HBB5I", copy)
        self.hdr = (hdr_len, type_off, type_len, str_off, str_len)
        self.log(f"magic: 0x{magic:x}\nversion: {version}\nflags: 0x{flags:x}\nhdr_len: {hdr_len}\n"
                 f"type_off: {type_off}\ntype_len: {type_len}\nstr_off: {str_off}\nstr_len: {str_len}\n"
                 f"btf_total_size: {size}\n")  # fmt: skip
        if magic != BTF_MAGIC:
            raise self.plain_fail("Invalid magic")
        if version != BTF_VERSION:
            raise self.plain_fail("Unsupported version", ENOTSUPP)
        if flags:
            raise self.plain_fail("Unsupported flags", ENOTSUPP)
        if size == hdr_len:
            raise self.plain_fail("No data")
        secs = [(type_off, type_len), (str_off, str_len)]
        if _s32(secs[0][0] - secs[1][0]) > 0 or (
            secs[0][0] == secs[1][0] and _s32(secs[0][1] - secs[1][1]) > 0
        ):
            secs.reverse()
        total, expected = 0, (size - hdr_len) & U32_MAX
        for off, length in secs:
            if expected < off:
                raise self.plain_fail("Invalid section offset")
            if total < off:
                raise self.plain_fail("Unsupported section found")
            if total > off:
                raise self.plain_fail("Section overlap found")
            if expected - total < length:
                raise self.plain_fail("Total section length too long")
            total += length
        if expected != total:
            raise self.plain_fail("Unsupported section found")

    def _parse_str_sec(self) -> None:
        hdr_len, _, _, str_off, str_len = self.hdr
        start = hdr_len + str_off
        if start + str_len != len(self.data):
            raise self.plain_fail("String section is not at the end")
        self.strings = self.data[start : start + str_len]
        self.str_len = str_len
        if not str_len or str_len - 1 > MAX_NAME_OFFSET or self.strings[-1]:
            raise self.plain_fail("Invalid string section")
        if self.strings[0]:
            raise self.plain_fail("Invalid string section")

    def _parse_type_sec(self) -> None:
        hdr_len, type_off, type_len, _, _ = self.hdr
        if type_off & 3:
            raise self.plain_fail("Unaligned type_off")
        if not type_len:
            raise self.plain_fail("No type found")
        self.tsec = self.data[hdr_len + type_off : hdr_len + type_off + type_len]
        self._check_all_metas()
        self._check_all_types()

    # --- pass 1: check_meta ----------------------------------------------------------------------
    def _check_all_metas(self) -> None:
        cur, end = 0, len(self.tsec)
        self.log_type_id = 1
        while cur < end:
            cur += self._check_meta(cur, end - cur)
            self.log_type_id += 1

    def _check_meta(self, cur: int, meta_left: int) -> int:
        if meta_left < 12:
            raise self.plain_fail(f"[{self.log_type_id}] meta_left:{meta_left} meta_needed:12")
        name_off, info, sot = struct.unpack_from("<3I", self.tsec, cur)
        t = RawType(self.log_type_id, name_off, info, sot, cur + 12)
        meta_left -= 12
        if info & ~INFO_MASK & U32_MAX:
            raise self.plain_fail(f"[{self.log_type_id}] Invalid btf_info:{info:x}")
        if t.kind > KIND_MAX or t.kind == UNKN:
            raise self.plain_fail(f"[{self.log_type_id}] Invalid kind:{t.kind}")
        if not self.offset_valid(name_off):
            raise self.plain_fail(f"[{self.log_type_id}] Invalid name_offset:{name_off}")
        extra = _META[t.kind](self, t, meta_left)
        self.types.append(t)
        return 12 + extra

    def _need(self, t: RawType, meta_left: int, needed: int) -> None:
        if meta_left < needed:
            raise self.type_fail(t, f"meta_left:{meta_left} meta_needed:{needed}", details=False)

    def _meta_int(self, t: RawType, meta_left: int) -> int:
        self._need(t, meta_left, 4)
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.kflag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        data = self._word(t, 0)
        if data & ~INT_MASK & U32_MAX:
            raise self.type_fail(t, f"Invalid int_data:{data:x}", details=False)
        nr_bits = (data & 0xFF) + ((data >> 16) & 0xFF)
        if nr_bits > BITS_PER_U128:
            raise self.type_fail(t, f"nr_bits exceeds {BITS_PER_U128}")
        if (nr_bits + 7) // 8 > t.sot:
            raise self.type_fail(t, "nr_bits exceeds type_size")
        encoding = (data >> 24) & 0x0F
        if encoding not in (0, 1, 2, 4):
            raise self.type_fail(t, "Unsupported encoding", ENOTSUPP)
        self.log_type(t)
        return 4

    def _meta_ref(self, t: RawType, meta_left: int) -> int:
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.kflag and t.kind != TYPE_TAG:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        if t.sot > MAX_TYPE:
            raise self.type_fail(t, "Invalid type_id")
        if t.kind == TYPEDEF:
            if not t.name_off or not self.valid_identifier(t.name_off):
                raise self.type_fail(t, "Invalid name")
        elif t.kind == TYPE_TAG:
            if not self._str(t.name_off):
                raise self.type_fail(t, "Invalid name")
        elif t.name_off:
            raise self.type_fail(t, "Invalid name")
        self.log_type(t)
        return 0

    def _meta_fwd(self, t: RawType, meta_left: int) -> int:
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.sot:
            raise self.type_fail(t, "type != 0")
        if not t.name_off or not self.valid_identifier(t.name_off):
            raise self.type_fail(t, "Invalid name")
        self.log_type(t)
        return 0

    def _meta_array(self, t: RawType, meta_left: int) -> int:
        self._need(t, meta_left, 12)
        if t.name_off:
            raise self.type_fail(t, "Invalid name")
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.kflag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        if t.sot:
            raise self.type_fail(t, "size != 0")
        elem, index = self._word(t, 0), self._word(t, 1)
        if not elem or elem > MAX_TYPE:
            raise self.type_fail(t, "Invalid elem")
        if not index or index > MAX_TYPE:
            raise self.type_fail(t, "Invalid index")
        self.log_type(t)
        return 12

    def _meta_struct(self, t: RawType, meta_left: int) -> int:
        needed = 12 * t.vlen
        self._need(t, meta_left, needed)
        if t.name_off and not self.valid_identifier(t.name_off):
            raise self.type_fail(t, "Invalid name")
        self.log_type(t)
        last = 0
        for i in range(t.vlen):
            member = (self._word(t, 3 * i), self._word(t, 3 * i + 1), self._word(t, 3 * i + 2))
            name_off, type_id, _ = member
            if not self.offset_valid(name_off):
                raise self.member_fail(t, member, f"Invalid member name_offset:{name_off}")
            if name_off and not self.valid_identifier(name_off):
                raise self.member_fail(t, member, "Invalid name")
            if not type_id or type_id > MAX_TYPE:
                raise self.member_fail(t, member, "Invalid type_id")
            offset = _bit_offset(t, member)
            if t.kind == UNION and offset:
                raise self.member_fail(t, member, "Invalid member bits_offset")
            if last > offset:
                raise self.member_fail(t, member, "Invalid member bits_offset")
            if (offset + 7) // 8 > t.sot:
                raise self.member_fail(t, member, "Member bits_offset exceeds its struct size")
            self.log_member(t, member)
            last = offset
        return needed

    def _meta_enum(self, t: RawType, meta_left: int) -> int:
        per = 8 if t.kind == ENUM else 12
        needed = per * t.vlen
        self._need(t, meta_left, needed)
        if t.sot > 8 or t.sot & (t.sot - 1) or not t.sot:
            raise self.type_fail(t, "Unexpected size")
        if t.name_off and not self.valid_identifier(t.name_off):
            raise self.type_fail(t, "Invalid name")
        self.log_type(t)
        for i in range(t.vlen):
            name_off = self._word(t, (per // 4) * i)
            if not self.offset_valid(name_off):
                raise self.plain_fail(f"\tInvalid name_offset:{name_off}")
            if not name_off or not self.valid_identifier(name_off):
                raise self.type_fail(t, "Invalid name")
            if t.kind == ENUM:
                value = self._word(t, 2 * i + 1)
                if t.kflag and value >> 31:
                    value -= 1 << 32
            else:
                value = self._word(t, 3 * i + 1) | (self._word(t, 3 * i + 2) << 32)
                if t.kflag and value >> 63:
                    value -= 1 << 64
            self.log(f"\t{self._name(name_off)} val={value}\n")
        return needed

    def _meta_func_proto(self, t: RawType, meta_left: int) -> int:
        needed = 8 * t.vlen
        self._need(t, meta_left, needed)
        if t.name_off:
            raise self.type_fail(t, "Invalid name")
        if t.kflag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        self.log_type(t)
        return needed

    def _meta_func(self, t: RawType, meta_left: int) -> int:
        if not t.name_off or not self.valid_identifier(t.name_off):
            raise self.type_fail(t, "Invalid name")
        if t.vlen > 1:  # BTF_FUNC_STATIC or BTF_FUNC_GLOBAL (an extern is not loadable)
            raise self.type_fail(t, "Invalid func linkage")
        if t.kflag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        self.log_type(t)
        return 0

    def _meta_var(self, t: RawType, meta_left: int) -> int:
        self._need(t, meta_left, 4)
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.kflag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        if not t.name_off or not self.valid_identifier(t.name_off):
            raise self.type_fail(t, "Invalid name")
        if not t.sot or t.sot > MAX_TYPE:
            raise self.type_fail(t, "Invalid type_id")
        if self._word(t, 0) not in (0, 1):  # BTF_VAR_STATIC, BTF_VAR_GLOBAL_ALLOCATED
            raise self.type_fail(t, "Linkage not supported")
        self.log_type(t)
        return 4

    def _meta_datasec(self, t: RawType, meta_left: int) -> int:
        needed = 12 * t.vlen
        self._need(t, meta_left, needed)
        if not t.sot:
            raise self.type_fail(t, "size == 0")
        if t.kflag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        if not t.name_off or not self.valid_section(t.name_off):
            raise self.type_fail(t, "Invalid name")
        self.log_type(t)
        last_end, total = 0, 0
        for i in range(t.vlen):
            vsi = (self._word(t, 3 * i), self._word(t, 3 * i + 1), self._word(t, 3 * i + 2))
            type_id, offset, size = vsi
            if not type_id or type_id > MAX_TYPE:
                raise self._vsi_fail(t, vsi, "Invalid type_id")
            if offset < last_end or offset >= t.sot:
                raise self._vsi_fail(t, vsi, "Invalid offset")
            if not size or size > t.sot:
                raise self._vsi_fail(t, vsi, "Invalid size")
            last_end = offset + size
            if last_end > t.sot:
                raise self._vsi_fail(t, vsi, "Invalid offset+size")
            self.log_vsi(t, vsi)
            total += size
        if t.sot < total:
            raise self.type_fail(t, "Invalid btf_info size")
        return needed

    def _meta_float(self, t: RawType, meta_left: int) -> int:
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.kflag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        if t.sot not in (2, 4, 8, 12, 16):
            raise self.type_fail(t, "Invalid type_size")
        self.log_type(t)
        return 0

    def _meta_decl_tag(self, t: RawType, meta_left: int) -> int:
        self._need(t, meta_left, 4)
        if not self.offset_valid(t.name_off) or not self._str(t.name_off):
            raise self.type_fail(t, "Invalid value")
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        idx = _s32(self._word(t, 0))
        if idx < -1:
            raise self.type_fail(t, "Invalid component_idx")
        self.log_type(t)
        return 4


def _check_struct_metas(v: VerifiedBTF) -> None:
    """``btf_parse_struct_metas`` for ``bpf_spin_lock``: a struct with a member of that type must yield
    exactly a usable lock (errors of the field search; none found: EFAULT).  No log line."""
    lock_id = next((i for i, t in enumerate(v.types) if t.kind == STRUCT and t.name_off
                    and v.name(t.name_off) == "bpf_spin_lock"), 0)  # fmt: skip
    if not lock_id:
        return
    for t in v.types:
        if t.kind == STRUCT and any(type_id == lock_id for _, type_id, _ in v.members(t)):
            found = find_spin_locks(v, t)
            if not found:
                raise BTFVerifyError(
                    errno.EFAULT, f"struct [{t.id}] holds a bpf_spin_lock that cannot be used"
                )
            if found[-1] + SPIN_LOCK_SIZE > t.sot:
                raise BTFVerifyError(errno.EFAULT, f"struct [{t.id}]: bpf_spin_lock past the struct")


_META = {
    INT: BTFVerifier._meta_int, PTR: BTFVerifier._meta_ref, ARRAY: BTFVerifier._meta_array,
    STRUCT: BTFVerifier._meta_struct, UNION: BTFVerifier._meta_struct, ENUM: BTFVerifier._meta_enum,
    FWD: BTFVerifier._meta_fwd, TYPEDEF: BTFVerifier._meta_ref, VOLATILE: BTFVerifier._meta_ref,
    CONST: BTFVerifier._meta_ref, RESTRICT: BTFVerifier._meta_ref, FUNC: BTFVerifier._meta_func,
    FUNC_PROTO: BTFVerifier._meta_func_proto, VAR: BTFVerifier._meta_var,
    DATASEC: BTFVerifier._meta_datasec, FLOAT: BTFVerifier._meta_float,
    DECL_TAG: BTFVerifier._meta_decl_tag, TYPE_TAG: BTFVerifier._meta_ref, ENUM64: BTFVerifier._meta_enum,
}  # fmt: skip


def verify_btf(data: bytes, log_level: int = 0) -> tuple[VerifiedBTF | None, BTFVerifyError | None, str]:
    """Run ``btf_parse`` over ``data``: (result or None, the refusal or None, the log text)."""
    checker = BTFVerifier(bytes(data), log_level)
    try:
        result = checker.verify()
    except BTFVerifyError as exc:
        return None, exc, checker.log.text
    return result, None, checker.log.text
