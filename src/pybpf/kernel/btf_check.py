"""Verification of raw BTF at BPF_BTF_LOAD: the kernel's ``btf_parse``, its errnos and its log.

Mirrors ``kernel/bpf/btf.c`` (written from its behaviour, checked against the running kernel):

* ``btf_parse_hdr`` — data shorter than 8 bytes ("hdr_len not found"), a ``hdr_len`` past the data
  ("btf_header not found"), non-zero bytes in a header longer than ``struct btf_header``
  ("Unsupported btf_header", E2BIG), then the header dump (``magic: 0x..`` ... ``btf_total_size``),
  magic (EINVAL), version and flags (ENOTSUPP, 524), "No data", and ``btf_check_sec_info``: the
  type and string sections sorted by offset must tile the data after the header exactly
  ("Invalid section offset", "Unsupported section found", "Section overlap found", "Total section
  length too long").  Only BTF in the host's byte order is accepted, as by the kernel.
* ``btf_parse_str_sec`` — the string section must end the data, start and end with a NUL and be at
  most 16 MiB.
* ``btf_parse_type_sec`` — ``type_off`` 4-aligned, at least one type, then pass 1
  (``btf_check_all_metas``: per-kind ``check_meta``, logging every type as ``[id] KIND name
  details``) and pass 2 (``btf_check_all_types``: the depth-first ``resolve`` of every type that
  refers to another, with loop and depth detection, member and array size checks, FUNC_PROTO
  argument checks), then ``btf_check_type_tags``.

Error lines are logged exactly as the kernel words them (``btf_verifier_log_type`` /
``btf_verifier_log_member`` / ``btf_verifier_log_vsi``), so a log can be compared line by line.
The bytes are read by ``pybpf.btf.raw`` (the header as the kernel copies it; the type section record
by record, leniently, so that each malformation meets the kernel's own check) and kinds come from
``pybpf.btf.kinds``: this module and ``btf_resolve`` only check.
The result (``VerifiedBTF``) keeps the types with their resolved ids and sizes, which is what
``map_check_btf`` needs (``btf_type_id_size``) and where ``bpf_spin_lock`` is found.  Not done:
split BTF (``btf_fd`` bases are for kernel module BTF); of ``btf_parse_struct_metas`` only the
``bpf_spin_lock`` part (a struct with such a member must hold exactly one usable lock: two E2BIG,
after a bitfield EINVAL, misaligned EFAULT; no log line) and the kptr part (``pybpf.verifier.kptrs``),
not the graph roots (bpf_list_head ...)."""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable

from pybpf.btf.kinds import Kind, kind_info
from pybpf.btf.parse import parse_btf
from pybpf.btf.raw import (
    BTF_MAGIC,
    BTF_VERSION,
    INFO_MASK,
    INT_DATA_MASK,
    MAX_NAME_OFFSET,
    MAX_TYPE,
    TYPE_HEAD_SIZE,
    RawType,
    TypeSection,
    s32,
    unpack_header,
)
from pybpf.kernel.btf_env import (
    BITS_PER_U128,
    SPIN_LOCK_SIZE,
    U32_MAX,
    VOID,
    BTFVerifyError,
    VerifiedBTF,
    find_spin_locks,
)
from pybpf.kernel.btf_resolve import ResolvePass
from pybpf.uapi import ENOTSUPP
from pybpf.verifier import kptrs

__all__ = ["BTFVerifier", "BTFVerifyError", "VerifiedBTF", "verify_btf"]

NATIVE_ORDER = sys.byteorder == "little"
"""The kernel reads BTF in its own byte order: a blob in the other one has a bad magic."""


class BTFVerifier(ResolvePass):
    """One run of ``btf_parse`` over ``data``; ``verify()`` returns the result or raises."""

    # --- the parse -----------------------------------------------------------------------------
    def verify(self) -> VerifiedBTF:
        self._parse_header()
        self._parse_str_sec()
        self._parse_type_sec()
        self._check_type_tags()
        result = VerifiedBTF(self.data, self.types, self.strings, self.resolved_ids, self.resolved_sizes)
        _check_struct_metas(result)
        return result

    def _parse_header(self) -> None:
        data, size = self.data, len(self.data)
        if size < 8:
            raise self.plain_fail("hdr_len not found")
        hdr = unpack_header(data, NATIVE_ORDER)
        if size < hdr.hdr_len:
            raise self.plain_fail("btf_header not found")
        if any(hdr.extension):
            raise self.plain_fail("Unsupported btf_header", errno.E2BIG)
        self.hdr = hdr
        self.log(f"magic: 0x{hdr.magic:x}\nversion: {hdr.version}\nflags: 0x{hdr.flags:x}\n"
                 f"hdr_len: {hdr.hdr_len}\ntype_off: {hdr.type_off}\ntype_len: {hdr.type_len}\n"
                 f"str_off: {hdr.str_off}\nstr_len: {hdr.str_len}\nbtf_total_size: {size}\n")  # fmt: skip
        if hdr.magic != BTF_MAGIC:
            raise self.plain_fail("Invalid magic")
        if hdr.version != BTF_VERSION:
            raise self.plain_fail("Unsupported version", ENOTSUPP)
        if hdr.flags:
            raise self.plain_fail("Unsupported flags", ENOTSUPP)
        if size == hdr.hdr_len:
            raise self.plain_fail("No data")
        secs = [(hdr.type_off, hdr.type_len), (hdr.str_off, hdr.str_len)]
        if s32(secs[0][0] - secs[1][0]) > 0 or (
            secs[0][0] == secs[1][0] and s32(secs[0][1] - secs[1][1]) > 0
        ):
            secs.reverse()
        total, expected = 0, (size - hdr.hdr_len) & U32_MAX
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
        hdr = self.hdr
        if hdr.hdr_len + hdr.str_off + hdr.str_len != len(self.data):
            raise self.plain_fail("String section is not at the end")
        self.strings = hdr.string_section(self.data)
        self.str_len = hdr.str_len
        if not self.str_len or self.str_len - 1 > MAX_NAME_OFFSET or self.strings[-1]:
            raise self.plain_fail("Invalid string section")
        if self.strings[0]:
            raise self.plain_fail("Invalid string section")

    def _parse_type_sec(self) -> None:
        if self.hdr.type_off & 3:
            raise self.plain_fail("Unaligned type_off")
        if not self.hdr.type_len:
            raise self.plain_fail("No type found")
        self._check_all_metas(self.hdr.type_section(self.data))
        self._check_all_types()

    # --- pass 1: check_meta ----------------------------------------------------------------------
    def _check_all_metas(self, section: bytes) -> None:
        """``btf_check_all_metas`` over the records the raw decoder read; where it stopped short the
        kernel stops too: fewer than 12 bytes, or (in ``_check_meta``) an unknown kind or short trailing
        data -- the decoder stops exactly where ``meta_left`` falls below what the record needs."""
        decoded = TypeSection(section, NATIVE_ORDER)
        self.types = types = [VOID]
        self.log_type_id = 1
        for t in decoded:
            self._check_meta(t, len(section) - t.offset - TYPE_HEAD_SIZE)
            types.append(t)
            self.log_type_id += 1
        if decoded.incomplete is not None:
            self._check_meta(decoded.incomplete, decoded.left - TYPE_HEAD_SIZE)
        elif decoded.left:
            raise self.plain_fail(
                f"[{self.log_type_id}] meta_left:{decoded.left} meta_needed:{TYPE_HEAD_SIZE}"
            )

    def _check_meta(self, t: RawType, meta_left: int) -> None:
        """``btf_check_meta``, then the kind's ``check_meta``: each starts by checking that the record's
        trailing data is there (``meta_left``: the bytes after its ``struct btf_type``)."""
        if t.info & ~INFO_MASK & U32_MAX:
            raise self.plain_fail(f"[{self.log_type_id}] Invalid btf_info:{t.info:x}")
        kind = kind_info(t.kind)
        if kind is None:
            raise self.plain_fail(f"[{self.log_type_id}] Invalid kind:{t.kind}")
        if not self.offset_valid(t.name_off):
            raise self.plain_fail(f"[{self.log_type_id}] Invalid name_offset:{t.name_off}")
        needed = kind.trailer_size(t.vlen)
        if meta_left < needed:
            raise self.type_fail(t, f"meta_left:{meta_left} meta_needed:{needed}", details=False)
        _META[t.kind](self, t)

    def _meta_int(self, t: RawType) -> None:
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.kind_flag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        data = t.trailer[0]
        if data & ~INT_DATA_MASK & U32_MAX:
            raise self.type_fail(t, f"Invalid int_data:{data:x}", details=False)
        nr_bits = t.int_bits + t.int_offset
        if nr_bits > BITS_PER_U128:
            raise self.type_fail(t, f"nr_bits exceeds {BITS_PER_U128}")
        if (nr_bits + 7) // 8 > t.size_type:
            raise self.type_fail(t, "nr_bits exceeds type_size")
        if t.int_encoding not in (0, 1, 2, 4):
            raise self.type_fail(t, "Unsupported encoding", ENOTSUPP)
        self.log_type(t)

    def _meta_ref(self, t: RawType) -> None:
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.kind_flag and t.kind != Kind.TYPE_TAG:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        if t.size_type > MAX_TYPE:
            raise self.type_fail(t, "Invalid type_id")
        if t.kind == Kind.TYPEDEF:
            if not t.name_off or not self.valid_identifier(t.name_off):
                raise self.type_fail(t, "Invalid name")
        elif t.kind == Kind.TYPE_TAG:
            if not self._str(t.name_off):
                raise self.type_fail(t, "Invalid name")
        elif t.name_off:
            raise self.type_fail(t, "Invalid name")
        self.log_type(t)

    def _meta_fwd(self, t: RawType) -> None:
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.size_type:
            raise self.type_fail(t, "type != 0")
        if not t.name_off or not self.valid_identifier(t.name_off):
            raise self.type_fail(t, "Invalid name")
        self.log_type(t)

    def _meta_array(self, t: RawType) -> None:
        if t.name_off:
            raise self.type_fail(t, "Invalid name")
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.kind_flag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        if t.size_type:
            raise self.type_fail(t, "size != 0")
        elem, index, _ = t.array
        if not elem or elem > MAX_TYPE:
            raise self.type_fail(t, "Invalid elem")
        if not index or index > MAX_TYPE:
            raise self.type_fail(t, "Invalid index")
        self.log_type(t)

    def _meta_struct(self, t: RawType) -> None:
        if t.name_off and not self.valid_identifier(t.name_off):
            raise self.type_fail(t, "Invalid name")
        self.log_type(t)
        last = 0
        for member in t.members():
            name_off, type_id, offset_word = member
            if not self.offset_valid(name_off):
                raise self.member_fail(t, member, f"Invalid member name_offset:{name_off}")
            if name_off and not self.valid_identifier(name_off):
                raise self.member_fail(t, member, "Invalid name")
            if not type_id or type_id > MAX_TYPE:
                raise self.member_fail(t, member, "Invalid type_id")
            offset = t.bit_offset(offset_word)
            if t.kind == Kind.UNION and offset:
                raise self.member_fail(t, member, "Invalid member bits_offset")
            if last > offset:
                raise self.member_fail(t, member, "Invalid member bits_offset")
            if (offset + 7) // 8 > t.size_type:
                raise self.member_fail(t, member, "Member bits_offset exceeds its struct size")
            self.log_member(t, member)
            last = offset

    def _meta_enum(self, t: RawType) -> None:
        if t.size_type > 8 or t.size_type & (t.size_type - 1) or not t.size_type:
            raise self.type_fail(t, "Unexpected size")
        if t.name_off and not self.valid_identifier(t.name_off):
            raise self.type_fail(t, "Invalid name")
        self.log_type(t)
        for name_off, value in t.enumerators():
            if not self.offset_valid(name_off):
                raise self.plain_fail(f"\tInvalid name_offset:{name_off}")
            if not name_off or not self.valid_identifier(name_off):
                raise self.type_fail(t, "Invalid name")
            self.log(f"\t{self._name(name_off)} val={value}\n")

    def _meta_func_proto(self, t: RawType) -> None:
        if t.name_off:
            raise self.type_fail(t, "Invalid name")
        if t.kind_flag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        self.log_type(t)

    def _meta_func(self, t: RawType) -> None:
        if not t.name_off or not self.valid_identifier(t.name_off):
            raise self.type_fail(t, "Invalid name")
        if t.vlen > 1:  # BTF_FUNC_STATIC or BTF_FUNC_GLOBAL (an extern is not loadable)
            raise self.type_fail(t, "Invalid func linkage")
        if t.kind_flag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        self.log_type(t)

    def _meta_var(self, t: RawType) -> None:
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.kind_flag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        if not t.name_off or not self.valid_identifier(t.name_off):
            raise self.type_fail(t, "Invalid name")
        if not t.size_type or t.size_type > MAX_TYPE:
            raise self.type_fail(t, "Invalid type_id")
        if t.var_linkage not in (0, 1):  # BTF_VAR_STATIC, BTF_VAR_GLOBAL_ALLOCATED
            raise self.type_fail(t, "Linkage not supported")
        self.log_type(t)

    def _meta_datasec(self, t: RawType) -> None:
        if not t.size_type:
            raise self.type_fail(t, "size == 0")
        if t.kind_flag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        if not t.name_off or not self.valid_section(t.name_off):
            raise self.type_fail(t, "Invalid name")
        self.log_type(t)
        last_end, total = 0, 0
        for vsi in t.secinfos():
            type_id, offset, size = vsi
            if not type_id or type_id > MAX_TYPE:
                raise self._vsi_fail(t, vsi, "Invalid type_id")
            if offset < last_end or offset >= t.size_type:
                raise self._vsi_fail(t, vsi, "Invalid offset")
            if not size or size > t.size_type:
                raise self._vsi_fail(t, vsi, "Invalid size")
            last_end = offset + size
            if last_end > t.size_type:
                raise self._vsi_fail(t, vsi, "Invalid offset+size")
            self.log_vsi(t, vsi)
            total += size
        if t.size_type < total:
            raise self.type_fail(t, "Invalid btf_info size")

    def _meta_float(self, t: RawType) -> None:
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.kind_flag:
            raise self.type_fail(t, "Invalid btf_info kind_flag")
        if t.size_type not in (2, 4, 8, 12, 16):
            raise self.type_fail(t, "Invalid type_size")
        self.log_type(t)

    def _meta_decl_tag(self, t: RawType) -> None:
        if not self.offset_valid(t.name_off) or not self._str(t.name_off):
            raise self.type_fail(t, "Invalid value")
        if t.vlen:
            raise self.type_fail(t, "vlen != 0")
        if t.component_idx < -1:
            raise self.type_fail(t, "Invalid component_idx")
        self.log_type(t)


def _check_struct_metas(v: VerifiedBTF) -> None:
    """``btf_parse_struct_metas`` for kptrs (``pybpf.verifier.kptrs.check_struct_metas``) and for
    ``bpf_spin_lock`` / ``bpf_res_spin_lock``: a struct with a member of either type must yield
    exactly a usable lock (errors of the field search; both kinds: EINVAL; none found: EFAULT).  No
    log line."""
    if any(t.kind == Kind.TYPE_TAG for t in v.types[1:]):
        try:
            kptrs.check_struct_metas(parse_btf(v.data))
        except kptrs.KptrError as exc:
            raise BTFVerifyError(exc.errno, str(exc)) from None
    lock_ids = {t.id for t in v.types if t.kind == Kind.STRUCT and t.name_off
                and v.name(t.name_off) in _LOCK_STRUCTS}  # fmt: skip
    if not lock_ids:
        return
    for t in v.types:
        if t.kind == Kind.STRUCT and any(type_id in lock_ids for _, type_id, _ in t.members()):
            plain, resilient = (find_spin_locks(v, t, name) for name in _LOCK_STRUCTS)
            if plain and resilient:
                raise BTFVerifyError(
                    errno.EINVAL, f"struct [{t.id}] holds both a bpf_spin_lock and a bpf_res_spin_lock"
                )
            found = plain or resilient
            if not found:
                raise BTFVerifyError(errno.EFAULT, f"struct [{t.id}] holds a lock that cannot be used")
            if found[-1] + SPIN_LOCK_SIZE > t.size_type:
                raise BTFVerifyError(errno.EFAULT, f"struct [{t.id}]: the lock is past the struct")


_LOCK_STRUCTS = ("bpf_spin_lock", "bpf_res_spin_lock")
"""The lock fields (BPF_SPIN_LOCK, BPF_RES_SPIN_LOCK): a struct may hold one of one kind."""


_META: dict[int, Callable[[BTFVerifier, RawType], None]] = {
    Kind.INT: BTFVerifier._meta_int,
    Kind.PTR: BTFVerifier._meta_ref,
    Kind.ARRAY: BTFVerifier._meta_array,
    Kind.STRUCT: BTFVerifier._meta_struct,
    Kind.UNION: BTFVerifier._meta_struct,
    Kind.ENUM: BTFVerifier._meta_enum,
    Kind.FWD: BTFVerifier._meta_fwd,
    Kind.TYPEDEF: BTFVerifier._meta_ref,
    Kind.VOLATILE: BTFVerifier._meta_ref,
    Kind.CONST: BTFVerifier._meta_ref,
    Kind.RESTRICT: BTFVerifier._meta_ref,
    Kind.FUNC: BTFVerifier._meta_func,
    Kind.FUNC_PROTO: BTFVerifier._meta_func_proto,
    Kind.VAR: BTFVerifier._meta_var,
    Kind.DATASEC: BTFVerifier._meta_datasec,
    Kind.FLOAT: BTFVerifier._meta_float,
    Kind.DECL_TAG: BTFVerifier._meta_decl_tag,
    Kind.TYPE_TAG: BTFVerifier._meta_ref,
    Kind.ENUM64: BTFVerifier._meta_enum,
}
"""Each kind's ``check_meta`` (``btf_kind_operations``); every kind of the kind table has one."""


def verify_btf(data: bytes, log_level: int = 0) -> tuple[VerifiedBTF | None, BTFVerifyError | None, str]:
    """Run ``btf_parse`` over ``data``: (result or None, the refusal or None, the log text)."""
    checker = BTFVerifier(bytes(data), log_level)
    try:
        result = checker.verify()
    except BTFVerifyError as exc:
        return None, exc, checker.log.text
    return result, None, checker.log.text
