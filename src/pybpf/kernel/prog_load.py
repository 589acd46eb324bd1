"""BPF_PROG_LOAD: attr checks in the kernel's order, the verifier, the log buffer, the program object.

Mirrors ``bpf_prog_load`` (kernel/bpf/syscall.c) and the log handling of ``bpf_check``
(kernel/bpf/log.c): prog_flags mask, instruction count (0 or more than 1M: E2BIG),
expected_attach_type and the attach fds and ids (``bpf_prog_load_check_attach``), copying the
instructions and the license (EFAULT, a NULL license too; a long one is cut at 127 bytes), the
license's GPL compatibility, the program type (EINVAL when pybpf has none), the name; inside
``bpf_check``, ``process_fd_array`` and ``check_btf_info_early``'s fd checks (refusals logged with
the statistics line), then the verifier pipeline
(``pybpf.verifier``) and finally the log: ``log_level``/``log_buf``/``log_size`` validated as
``bpf_verifier_log_attr_valid``, a log that does not fit gives ENOSPC (after a successful check)
with the end of the log kept (the default rotating log) or its beginning (``BPF_LOG_FIXED``), and the
log's true size written to ``log_true_size``.  The loaded program becomes a file
(``pybpf.kernel.progobj``) holding its maps, with the func_info and line_info the loader passed
moved to the xlated program's positions, as ``bpf_check`` leaves them: each func_info record at its
subprogram's final start (``adjust_btf_func``), each line_info record on the instruction its
instruction became after the fixups' patches (``bpf_adj_linfo``), and the slots of the memory
accesses the verifier proved in bounds (``insn_aux_data``), which the JIT compiles unchecked.
"""

from __future__ import annotations

import errno
import functools
import os
import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from pybpf import uapi
from pybpf.btf.kinds import Kind
from pybpf.btf.parse import parse_btf
from pybpf.btf.types import BTF
from pybpf.errors import BPFError
from pybpf.helpers.protos import proto
from pybpf.isa.instruction import Instruction, encode_program
from pybpf.isa.opcodes import (
    BPF_PSEUDO_MAP_FD,
    BPF_PSEUDO_MAP_VALUE,
    LDDW_OPCODE,
)
from pybpf.isa.program import slot_starts
from pybpf.kernel import offload
from pybpf.kernel.btfobj import BTFObject, is_btf_fd, open_by_id
from pybpf.kernel.links import ext_target
from pybpf.kernel.permissions import check_prog_load
from pybpf.kernel.prog_run import select_runtime
from pybpf.kernel.progobj import ProgMeta, ProgObject
from pybpf.kernel.user_log import UserLogBuffer
from pybpf.kernel.usermem import copy_from_user
from pybpf.maps.base import FdKind
from pybpf.maps.object import MapObject
from pybpf.objects import refs
from pybpf.objects.credentials import current as current_credentials
from pybpf.objects.files import bpffs_root
from pybpf.progtypes import get_prog_type
from pybpf.uapi import BPF_OBJ_NAME_LEN, ENOTSUPP, offsetof
from pybpf.verifier import LoadRequest, VerifierError, verify
from pybpf.verifier.attach import BTF_MAX_TYPE, attach_btf_id_allowed
from pybpf.verifier.decode import decode_insns
from pybpf.verifier.log import SourceLine, VerifierLog
from pybpf.verifier.pipeline import cycles_uncollected

PROG_FLAGS_MASK = (
    uapi.BPF_F_STRICT_ALIGNMENT | uapi.BPF_F_ANY_ALIGNMENT | uapi.BPF_F_TEST_STATE_FREQ
    | uapi.BPF_F_SLEEPABLE | uapi.BPF_F_TEST_RND_HI32 | uapi.BPF_F_XDP_HAS_FRAGS
    | uapi.BPF_F_XDP_DEV_BOUND_ONLY | uapi.BPF_F_TEST_REG_INVARIANTS | uapi.BPF_F_TOKEN_FD
)  # fmt: skip
_LICENSE_MAX = 128
_GPL_LICENSES = frozenset(
    {"GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"}
)
_LINE_INFO_MIN = 16  # sizeof(struct bpf_line_info)
_LOG_TRUE_SIZE_OFFSET = offsetof(uapi.bpf_attr_prog_load, "log_true_size")


def license_is_gpl_compatible(license_text: str) -> bool:
    """``license_is_gpl_compatible`` (include/linux/license.h)."""
    return license_text in _GPL_LICENSES


def _read_license(address: int) -> str:
    """``strncpy_from_bpfptr(license, attr->license, 127)``: EFAULT for an unreadable string (NULL
    too); a longer one is cut at 127 bytes, not refused."""
    out = bytearray()
    while len(out) < _LICENSE_MAX - 1:
        chunk = copy_from_user(address + len(out), 1)  # byte by byte: a string may end before a bad page
        if chunk == b"\0":
            break
        out += chunk
    return out.decode("latin-1")


def _check_name(raw: bytes) -> str:
    end = raw.find(b"\0")
    if end < 0:
        raise BPFError(errno.EINVAL, "prog_name not NUL-terminated")
    name = raw[:end]
    if not all(chr(c).isascii() and (chr(c).isalnum() or c in b"_.") for c in name):
        raise BPFError(errno.EINVAL, "prog_name has characters other than [A-Za-z0-9_.]")
    return name.decode()


def _boottime_ns() -> int:
    return time.clock_gettime_ns(time.CLOCK_BOOTTIME)


@dataclass(frozen=True)
class MapUse:
    """A map as the verifier sees it (``pybpf.verifier.MapRef``): its lddw value is the map's
    pointer (``MapObject.pointer``), its value references are addresses in its storage."""

    obj: MapObject

    @property
    def address(self) -> int:
        return self.obj.pointer

    # (a map's creation parameters never change: each is kept in the instance once read, as the
    # verifier asks them (``regstate.map_attr``) on every helper call and map value access)
    @functools.cached_property
    def map_type(self) -> int:
        return self.obj.params.map_type

    @functools.cached_property
    def value_size(self) -> int:
        return self.obj.params.value_size

    @functools.cached_property
    def key_size(self) -> int:
        return self.obj.params.key_size

    @functools.cached_property
    def max_entries(self) -> int:
        return self.obj.params.max_entries

    @functools.cached_property
    def map_flags(self) -> int:
        return self.obj.params.flags

    @functools.cached_property
    def spin_lock_off(self) -> int | None:
        """The value's ``struct bpf_spin_lock`` offset (``references.spin_lock_off`` asks at every map
        value access; a missing attribute there costs a raised AttributeError in compiled code)."""
        return self.obj.spin_lock_off

    def direct_value_address(self, off: int) -> int:
        return self.obj.direct_value_address(off)

    @functools.cached_property
    def bypass_spec_v1(self) -> bool:
        """``map->bypass_spec_v1`` (its creator's Spectre v1 bypass, for the array types)."""
        return self.obj.bypass_spec_v1

    @functools.cached_property
    def value_btf(self) -> tuple[BTF, int] | None:
        """The map's BTF types and its value's type id (None: a map created without BTF); decoded
        once per load (a map holds its BTF: it stays while the map does)."""
        if not self.obj.btf_id or not self.obj.btf_value_type_id:
            return None
        fd = open_by_id(self.obj.btf_id)
        try:
            return _parsed_btf(bytes(BTFObject.from_fd(fd).data)), self.obj.btf_value_type_id
        finally:
            os.close(fd)


@functools.lru_cache(maxsize=8)
def _parsed_btf(data: bytes) -> BTF:
    """parse_btf() of a map's BTF, remembered by its bytes (a pure function of them): a load makes one
    MapUse per map reference (each lddw), and an object's maps share one BTF, so a program of
    libbpf-tools' execsnoop parsed the same BTF 26 times a load (3 s of its 4)."""
    return parse_btf(data)


def _map_resolver(fds_opened: dict[int, int]) -> Any:
    def resolve(fd: int) -> MapUse:
        obj: MapObject = MapObject.from_fd(fd) if fd <= 0x7FFFFFFF else MapObject.from_fd(-1)
        fds_opened.setdefault(obj.id, fd)
        return MapUse(obj)

    return resolve


def _fd_array_resolver(address: int, count: int, fds_opened: dict[int, int]) -> Any:
    if not address:
        return None
    resolve_fd = _map_resolver(fds_opened)

    def resolve(index: int) -> MapUse:
        if count and index >= count:
            raise BPFError(errno.EINVAL, f"fd_array index {index} out of range")
        fd = int.from_bytes(copy_from_user(address + 4 * index, 4), "little", signed=True)
        found: MapUse = resolve_fd(fd)
        return found

    return resolve


def program_tag(insns: list[Instruction]) -> str:
    """``bpf_prog_calc_tag``: the first 8 bytes of the SHA-256 (the kernel's digest since 6.17; it
    was SHA-1 before) of the instructions with the immediates of map-fd/map-value lddws zeroed."""
    import hashlib

    cleaned = [
        Instruction(insn.opcode, insn.dst, insn.src, insn.off, 0, 0)
        if insn.opcode == 0x18 and insn.src in (BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE)
        else insn
        for insn in insns
    ]
    return hashlib.sha256(encode_program(cleaned)).digest()[:8].hex()


def prog_load(attr: Any, write_back: Any) -> int:
    """The BPF_PROG_LOAD handler: ``attr`` is the decoded ``bpf_attr``; returns the program fd
    (the cyclic collector paused meanwhile: ``cycles_uncollected()``, a load of a large program
    makes millions of objects)."""
    with cycles_uncollected():
        return _prog_load(attr, write_back)


def _prog_load(attr: Any, write_back: Any) -> int:
    a = attr
    if a.prog_flags & ~PROG_FLAGS_MASK:
        raise BPFError(errno.EINVAL, "unknown prog_flags")
    if a.prog_flags & uapi.BPF_F_TOKEN_FD or a.prog_token_fd:
        raise BPFError(errno.EINVAL, "BPF tokens are not supported by pybpf")
    credentials = check_prog_load(a.prog_type, a.insn_cnt)  # the sysctl, insn_cnt, the type's caps
    prog_type = get_prog_type(a.prog_type)
    dst = _check_attach_btf(a)  # (the attach_prog_fd's ENOTSUPP for a BTF object comes first)
    check_attach = getattr(prog_type, "check_expected_attach_type", None)
    if check_attach is not None:  # bpf_prog_load_check_attach: before anything is copied
        check_attach(a.expected_attach_type)
    raw = copy_from_user(a.insns, 8 * a.insn_cnt)
    license_text = _read_license(a.license)
    gpl = license_is_gpl_compatible(license_text)
    if a.prog_ifindex:  # bpf_prog_dev_bound_init
        offload.prog_dev_bound_init(a.prog_type, a.prog_flags, a.prog_ifindex)
    if prog_type is None:  # find_prog_type, after the copies
        raise BPFError(errno.EINVAL, f"program type {a.prog_type} is unknown or not yet implemented in pybpf")
    extension = None
    if a.prog_type == uapi.BPF_PROG_TYPE_EXT and dst is not None:
        extension = ext_target(dst)
        prog_type = get_prog_type(dst.meta.prog_type) or prog_type  # env->ops of the target's type
        prog_type = prog_type.for_attach_type(dst.meta.expected_attach_type)
    else:
        prog_type = prog_type.for_attach_type(a.expected_attach_type)
    name_offset = offsetof(uapi.bpf_attr_prog_load, "prog_name")
    name = _check_name(bytes(memoryview(a).cast("B"))[name_offset : name_offset + BPF_OBJ_NAME_LEN])
    log = UserLogBuffer.from_attr(a.log_level, a.log_buf, a.log_size)
    try:
        insns = decode_insns(raw, a.log_level, a.log_size)
    except VerifierError as exc:
        _refused(log, exc, write_back)
    key = _reload_key(a, raw, license_text)
    previous = _TRUNCATED.pop() if _TRUNCATED else None
    if key is not None and previous is not None and previous[0] == key and _answers(previous[1], a.log_size):
        _refused(log, previous[1], write_back)  # the same load asking for a larger log (libbpf's retry)
    opened: dict[int, int] = {}
    early = VerifierLog(a.log_level, a.log_size)
    try:
        _scan_fd_array(a, early)
        func_info, btf_is_func, btf_types = _func_info(a)
    except VerifierError:
        raise
    except BPFError as exc:  # process_fd_array's and check_btf_info_early's own errors: inside
        early.print_stats(0, 0, [])  # bpf_check, so the log closes with its statistics (ENOSPC
        # when they do not fit the buffer), before add_subprog_and_kfunc(): no stack depth
        refusal = VerifierError(exc.errno or errno.EINVAL, exc.strerror or "", early.text, early)
        _refused(log, refusal, write_back)
    request = LoadRequest(
        insns=insns,
        prog_type=prog_type,  # type: ignore[arg-type]  # ClassVar attributes satisfy the protocol
        gpl_compatible=gpl,
        log_level=a.log_level,
        resolve_map_fd=_map_resolver(opened),
        fd_array=_fd_array_resolver(a.fd_array, a.fd_array_cnt, opened),
        is_gpl_only=_gpl_only,
        prog_flags=a.prog_flags,
        expected_attach_type=a.expected_attach_type,
        attach_btf_id=a.attach_btf_id,
        func_info=func_info,
        func_info_rec_size=a.func_info_rec_size,
        btf_is_func=btf_is_func,
        btf_types=btf_types,
        line_info=_line_info(a),
        line_info_cnt=a.line_info_cnt if btf_is_func is not None else 0,
        line_info_rec_size=a.line_info_rec_size,
        line_info_raw=_line_info_raw(a) if btf_is_func is not None else None,
        btf_strings_size=_btf_strings_size(a) if btf_is_func is not None else 0,
        log_size=a.log_size,
        extension=extension,
        credentials=credentials,
    )
    try:
        verified = verify(request)
    except VerifierError as exc:
        kept = exc.verifier_log
        if key is not None and kept is not None and kept.truncated and kept.complete:
            _TRUNCATED.append((key, exc))
        _refused(log, exc, write_back)
    assert verified.verifier_log is not None
    true_size, truncated = log.finish(verified.verifier_log)
    if log.level:
        write_back(_LOG_TRUE_SIZE_OFFSET, true_size.to_bytes(4, "little"))
    if truncated:
        raise BPFError(errno.ENOSPC, "verifier log truncated")
    maps = [ref.obj for ref in verified.maps if isinstance(ref, MapUse)]
    for used in maps:
        if used.impl.fd_kind is FdKind.PROG:  # map_type_contains_progs: bpf_prog_map_compatible
            with used.lock:
                used.impl.claim_owner(a.prog_type)
    meta = ProgMeta(
        prog_type=a.prog_type, name=name, tag=program_tag(insns), gpl_compatible=gpl,
        expected_attach_type=request.expected_attach_type, prog_flags=a.prog_flags,
        kern_version=a.kern_version, attach_btf_id=a.attach_btf_id,
        dst_prog_type=dst.meta.prog_type if extension is not None and dst is not None else 0,
        dst_prog_id=dst.id if extension is not None and dst is not None else 0,
        unreliable=sorted(verified.unreliable), changes_pkt_data=list(verified.changes_pkt_data),
        might_sleep=list(verified.might_sleep),
        load_time=_boottime_ns(), created_by_uid=os.getuid(), map_ids=[m.id for m in maps],
        subprogs=list(verified.subprogs), verified_insns=verified.verified_insns,
        max_ctx_offset=verified.max_ctx_offset, max_rdonly_access=verified.max_rdonly_access,
        max_rdwr_access=verified.max_rdwr_access,
        func_info=_funcs_at_subprogs(
            copy_from_user(a.func_info, a.func_info_cnt * a.func_info_rec_size), a.func_info_rec_size,
            verified.subprogs, verified.removed_subprogs,
        ).hex() if a.func_info and a.func_info_cnt else "",
        func_info_rec_size=a.func_info_rec_size,
        line_info=_lines_moved(
            copy_from_user(a.line_info, a.line_info_cnt * a.line_info_rec_size), a.line_info_rec_size,
            verified.slot_map,
        ).hex() if a.line_info and a.line_info_cnt else "",
        line_info_rec_size=a.line_info_rec_size,
        slot_map=list(verified.slot_map or ()),
        proven_accesses=sorted(verified.proven_accesses), stack_depths=list(verified.stack_depths),
        probe_loads=sorted(verified.probe_loads), arena_accesses=sorted(verified.arena_accesses),
        exception_callback=verified.exception_callback,
    )  # fmt: skip
    btf_fd = None
    if btf_is_func is not None:  # func_info or line_info: the program holds its BTF (prog->aux->btf)
        meta.btf_id, btf_fd = BTFObject.from_fd(a.prog_btf_fd).id, a.prog_btf_fd
    xlated = dump_form(verified.insns, verified.resolved, maps)
    map_fds = [_fd_for(m, opened) for m in maps]
    refs.collect(bpffs_root())
    fd = ProgObject.create(meta, xlated, insns, map_fds, btf_fd)
    if meta.dst_prog_id:  # the extension holds its load-time target until attached (aux->dst_prog)
        refs.add_ref(bpffs_root(), ("prog", meta.id), ("prog", meta.dst_prog_id), a.attach_prog_fd)
    select_runtime(ProgObject.from_fd(fd))
    return fd


_INSN_OFF_SIZE = 4
"""``insn_off``, the u32 every func_info and line_info record starts with."""


def _set_insn_offs(records: bytes, rec_size: int, insn_off: Callable[[int, int], int]) -> bytes:
    """``records`` with each record's ``insn_off`` replaced by ``insn_off(index, old insn_off)``."""
    if rec_size < _INSN_OFF_SIZE:
        return records
    out = bytearray(records)
    for index, at in enumerate(range(0, len(out) - _INSN_OFF_SIZE + 1, rec_size)):
        old = int.from_bytes(out[at : at + _INSN_OFF_SIZE], "little")
        out[at : at + _INSN_OFF_SIZE] = insn_off(index, old).to_bytes(_INSN_OFF_SIZE, "little")
    return bytes(out)


def _funcs_at_subprogs(
    records: bytes, rec_size: int, subprogs: Sequence[int], removed: Sequence[int] = ()
) -> bytes:
    """``adjust_btf_func``: func_info record i starts subprogram i, wherever the fixups moved it; the
    records of subprograms removed as dead code go with them (adjust_subprog_starts_after_remove())."""
    if removed and rec_size:
        records = b"".join(
            records[at : at + rec_size]
            for k, at in enumerate(range(0, len(records), rec_size))
            if k not in removed
        )
    return _set_insn_offs(records, rec_size, lambda i, old: subprogs[i] if i < len(subprogs) else old)


def _lines_moved(records: bytes, rec_size: int, slot_map: Sequence[int] | None) -> bytes:
    """``bpf_adj_linfo``: each line_info record on the slot its instruction moved to.  Instructions
    removed as dead code (bpf_adj_linfo_after_remove()) take their records with them, but where the
    first instruction kept after them has no record of its own, which inherits the last of theirs:
    of the records landing on one slot the last stays, and none past the program's end."""
    if slot_map is None or rec_size < _INSN_OFF_SIZE:
        return records
    moved = _set_insn_offs(records, rec_size, lambda _, old: slot_map[old] if old < len(slot_map) else old)
    end = slot_map[-1]
    chunks = [moved[at : at + rec_size] for at in range(0, len(moved), rec_size)]
    offs = [int.from_bytes(chunk[:_INSN_OFF_SIZE], "little") for chunk in chunks]
    return b"".join(
        chunk
        for k, chunk in enumerate(chunks)
        if offs[k] < end and (k + 1 == len(chunks) or offs[k + 1] != offs[k])
    )


_TRUNCATED: list[tuple[tuple[object, ...], VerifierError]] = []
"""The last refusal whose log did not fit the caller's buffer (at most one) when its whole log was
kept (``VerifierLog.complete``): libbpf loads the same program again with a buffer of
``log_true_size`` bytes, which gets this answer without walking the program again (the verifier's
answer depends only on what ``_reload_key`` holds)."""


def _answers(refused: VerifierError, log_size: int) -> bool:
    """A kept refusal answers a load whose buffer holds its whole log."""
    log = refused.verifier_log
    return log is not None and log.complete and log_size >= log.true_size


def _reload_key(a: Any, raw: bytes, license_text: str) -> tuple[object, ...] | None:
    """What decides a load's verdict and log, but the log buffer: the attributes, the records, the
    identity of every object an fd names (None when the load names objects otherwise) and the caller's
    credentials."""
    if a.fd_array or a.attach_prog_fd or a.attach_btf_obj_fd:
        return None
    fds = [a.prog_btf_fd] if a.func_info_cnt or a.line_info_cnt else []
    for pos in range(0, len(raw), 8):
        if raw[pos] == LDDW_OPCODE and raw[pos + 1] >> 4 in (BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE):
            fds.append(int.from_bytes(raw[pos + 4 : pos + 8], "little", signed=True))
    try:
        objects = tuple((fd, os.fstat(fd).st_dev, os.fstat(fd).st_ino) for fd in fds)
        records = (
            copy_from_user(a.func_info, a.func_info_cnt * a.func_info_rec_size) if a.func_info else b"",
            copy_from_user(a.line_info, a.line_info_cnt * a.line_info_rec_size) if a.line_info else b"",
        )
    except (OSError, OverflowError, BPFError):
        return None
    return (raw, license_text, a.prog_type, a.expected_attach_type, a.prog_flags, a.log_level,
            a.kern_version, a.attach_btf_id, objects, records, current_credentials())  # fmt: skip


def _check_attach_btf(a: Any) -> ProgObject | None:
    """bpf_prog_load()'s ``attach_prog_fd`` and ``bpf_prog_load_check_attach``'s attach rules (EINVAL,
    nothing logged): the fd is a program (else a BTF object: ENOTSUPP for a BTF that is not the
    kernel's -- every pybpf BTF object is a program's -- EINVAL for anything else); an id within
    BTF_MAX_TYPE, only for the types that attach by BTF id; a target program only for tracing and
    freplace programs; an freplace program without an expected attach type.  Returns the target
    program.  Targets in modules (attach_btf_obj_fd) and tracing programs attached to BPF programs
    are not modelled (EINVAL)."""
    dst = None
    if a.attach_prog_fd:
        try:
            dst = ProgObject.from_fd(a.attach_prog_fd)
        except BPFError:
            if a.attach_prog_fd <= 0x7FFFFFFF and is_btf_fd(a.attach_prog_fd):
                raise BPFError(ENOTSUPP, "attaching through a BPF program's BTF object") from None
            raise BPFError(
                errno.EINVAL, f"attach_prog_fd {a.attach_prog_fd} is neither a program nor BTF"
            ) from None
    if a.attach_btf_id and (a.attach_btf_id > BTF_MAX_TYPE or not attach_btf_id_allowed(a.prog_type)):
        raise BPFError(errno.EINVAL, f"attach_btf_id {a.attach_btf_id} for program type {a.prog_type}")
    if dst is not None and a.prog_type != uapi.BPF_PROG_TYPE_EXT:
        raise BPFError(errno.EINVAL, "a target program is for freplace programs (tracing ones: not modelled)")
    if a.prog_type == uapi.BPF_PROG_TYPE_EXT and a.expected_attach_type:
        raise BPFError(errno.EINVAL, "freplace programs take no expected_attach_type")
    return dst


def _refused(log: UserLogBuffer, exc: VerifierError, write_back: Any) -> NoReturn:
    """A refused load: the log goes out, and a truncated log makes the error ENOSPC
    (``bpf_vlog_finalize``'s error replaces the verifier's, as in the kernel)."""
    true_size, truncated = log.finish(exc.verifier_log) if exc.verifier_log is not None else (0, False)
    if log.level:
        write_back(_LOG_TRUE_SIZE_OFFSET, true_size.to_bytes(4, "little"))
    if truncated:
        error = BPFError(errno.ENOSPC, f"verifier log truncated ({exc.strerror})")
        error.log = exc.log
        raise error from exc
    raise exc


_FD_ARRAY_CNT_MAX = 0xFFFFFFFF // 4


def _scan_fd_array(a: Any, log: VerifierLog) -> None:
    """``process_fd_array``'s refusals: with ``fd_array_cnt`` the array is read at once (EFAULT) and
    every fd in it must be a map or a BTF object (EBADF or EINVAL, logged); a count that overflows
    the array's byte size is EINVAL.  (The maps found are resolved again where the program names
    them: pybpf does not bind a map only listed in the array to the program.)"""
    count = a.fd_array_cnt
    if not count:
        return
    if count >= _FD_ARRAY_CNT_MAX:
        log.verbose(f"fd_array_cnt is too big ({count})\n")
        raise BPFError(errno.EINVAL, "fd_array_cnt is too big")
    for index in range(count):
        fd = int.from_bytes(copy_from_user(a.fd_array + 4 * index, 4), "little", signed=True)
        try:
            MapObject.from_fd(fd) if fd >= 0 else MapObject.from_fd(-1)
        except BPFError:
            if fd < 0 or not is_btf_fd(fd):
                log.verbose(f"fd {fd} is not pointing to valid bpf_map or btf\n")
                raise


def _func_info(a: Any) -> tuple[bytes | None, Any, Any]:
    """check_btf_info_early()'s first steps: the program's BTF (its FUNC test, its types decoded on
    demand) and its raw func_info records."""
    if not a.func_info_cnt and not a.line_info_cnt:
        return None, None, None
    if a.prog_btf_fd > 0x7FFFFFFF:
        raise BPFError(errno.EBADF, f"prog_btf_fd {a.prog_btf_fd} is not open")
    btf = BTFObject.from_fd(a.prog_btf_fd)

    def is_func(type_id: int) -> bool:
        found = btf.verified.type_by_id(type_id)
        return found is not None and found.kind == Kind.FUNC

    types = functools.cache(lambda: parse_btf(btf.data))
    if not a.func_info_cnt:
        return None, is_func, types
    size = a.func_info_rec_size
    if not 8 <= size <= 252:  # the verifier refuses the record size with its own log line (and
        return b"", is_func, types  # reads no record: nothing the count asks for is allocated)
    return copy_from_user(a.func_info, a.func_info_cnt * size), is_func, types


def _line_info_raw(a: Any) -> bytes | None:
    """check_btf_line()'s copy of the records (None where the count or record size is refused
    before anything is read; EFAULT for records that are not there)."""
    size, count = a.line_info_rec_size, a.line_info_cnt
    if not count or count > 0x7FFF_FFFF // _LINE_INFO_MIN or not _LINE_INFO_MIN <= size <= 252 or size % 4:
        return None
    return copy_from_user(a.line_info, count * size)


def _btf_strings_size(a: Any) -> int:
    """The size of the program BTF's string section (btf_name_by_offset() answers below it)."""
    return len(BTFObject.from_fd(a.prog_btf_fd).verified.strings)


def _line_info(a: Any) -> list[SourceLine]:
    """The line_info records with their BTF strings, for the verifier log's C source lines (records
    whose strings do not resolve are left out: the log is the only reader)."""
    size, count = a.line_info_rec_size, a.line_info_cnt
    if not a.line_info or not count or size < _LINE_INFO_MIN or a.prog_btf_fd > 0x7FFFFFFF:
        return []
    try:
        btf = BTFObject.from_fd(a.prog_btf_fd).verified
        raw = copy_from_user(a.line_info, count * size)
    except BPFError:
        return []
    records = []
    for pos in range(0, count * size, size):
        insn_off, file_off, line_off, line_col = struct.unpack_from("<IIII", raw, pos)
        if file_off >= len(btf.strings) or line_off >= len(btf.strings):
            continue
        records.append(SourceLine(insn_off, btf.name(file_off), btf.name(line_off), line_col >> 10))
    return records


def _fd_for(obj: MapObject, opened: dict[int, int]) -> int:
    fd = opened.get(obj.id)
    if fd is None:
        raise BPFError(errno.EBADF, f"map {obj.id} has no fd in this load")
    return fd


def _gpl_only(helper_id: int) -> bool | None:
    found = proto(helper_id)
    return None if found is None else found.gpl_only


def dump_form(
    insns: list[Instruction], resolved: dict[int, int], maps: Sequence[MapObject]
) -> list[Instruction]:
    """The xlated instructions as the kernel dumps them: map lddws hold (src, map id, offset)."""
    return [
        _dump_insn(insn, resolved.get(slot), maps) if insn.opcode == 0x18 else insn
        for slot, insn in zip(slot_starts(insns), insns, strict=True)
    ]


def _dump_insn(insn: Instruction, address: int | None, maps: Sequence[MapObject]) -> Instruction:
    """``bpf_map_from_imm``: the map's own pointer is a map reference, an address in its storage a
    value reference (src BPF_PSEUDO_MAP_VALUE, second imm = offset)."""
    if address is None or insn.src == 4:
        return insn
    for obj in maps:
        if address == obj.pointer:
            return Instruction(insn.opcode, insn.dst, BPF_PSEUDO_MAP_FD, insn.off, obj.id, 0)
        if obj.contains(address):
            offset = address - obj.address
            return Instruction(insn.opcode, insn.dst, BPF_PSEUDO_MAP_VALUE, insn.off, obj.id, offset)
    return insn
