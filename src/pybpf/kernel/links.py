"""freplace links: BPF_LINK_CREATE and BPF_RAW_TRACEPOINT_OPEN of BPF_PROG_TYPE_EXT programs.

Mirrors, for Linux 6.18, ``bpf_tracing_prog_attach`` (kernel/bpf/syscall.c) for extension programs,
``bpf_raw_tp_link_attach``'s EXT branch, and ``bpf_trampoline_link_prog`` /
``bpf_trampoline_unlink_prog`` (kernel/bpf/trampoline.c) for ``BPF_TRAMP_REPLACE``:

* the extension's expected attach type must be 0 (one inherited from its target at load is not:
  EINVAL, as the kernel answers); a target fd and a BTF id come together or not at all (EINVAL);
  the target fd must be a program (EBADF/EINVAL);
* without a target the load-time target is used, once: a program attached before (whose load-time
  target the kernel then forgot) needs a target (EINVAL); a target other than the load-time one is
  checked as at load (``pybpf.verifier.extension.check_target``: EINVAL) -- the extension's
  program type and expected attach type must be the target's too;
* one extension per target function (EBUSY for a second while the first link lives), none for a
  program held by a prog array (EBUSY: the kernel's ``prog_array_member_cnt``).

A link is a file like every pybpf object (``pybpf.kernel.link_obj``): its fd is a user of it, its
reference directory holds the extension and the target program (the kernel's link holds both), and
it lives until its last fd and pin are gone.  The trampoline of a target function is a file
``<root>/.trampolines/prog-<target id>/<btf id>`` naming the link that replaces it; it is taken
with O_EXCL and, when it names a link nobody holds any more, taken over (pybpf sees no close: a
link is found released when it is looked at).  ``replacements`` is what the runtime reads
(``pybpf.kernel.prog_run``): the live extensions of a target, by subprogram; ``combined`` builds the
program a target runs as while extensions replace some of its functions -- the extensions'
instructions appended, every call of (and reference to) a replaced function sent to its
replacement, as the kernel's patched function entry sends them.  A program an extension replaces
entirely (its main function) runs as that extension.  freplace links are pinned, enumerated and
described like every link (``pybpf.kernel.link_obj``): BPF_LINK_TYPE_TRACING, whose info is the
target program's id and the replaced function's BTF id.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
from dataclasses import dataclass
from typing import Any

from pybpf import uapi
from pybpf.btf.parse import parse_btf
from pybpf.btf.types import BTF, BTFError, Func
from pybpf.errors import BPFError
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, LDDW_OPCODE
from pybpf.isa.program import CALL_OPCODE, slot_starts
from pybpf.kernel import link_obj
from pybpf.kernel.btfobj import BTFObject, open_by_id
from pybpf.kernel.link_obj import LinkObject
from pybpf.kernel.progobj import ProgObject
from pybpf.objects import refs
from pybpf.objects.files import bpffs_root, bpffs_root_name
from pybpf.verifier.extension import Extension, TargetRefused, check_target
from pybpf.verifier.request import ExtTarget

_TRAMPOLINES = ".trampolines"
_ATTACHED = "attached-"


def _trampolines(root: str) -> str:
    path = os.path.join(root, _TRAMPOLINES)
    os.makedirs(path, mode=0o1777, exist_ok=True)
    return path


def _target_dir(root: str, target_id: int) -> str:
    return os.path.join(root, _TRAMPOLINES, f"prog-{target_id}")


def _link_alive(root: str, link_id: int) -> bool:
    return refs.holder_alive(root, "link", link_id)


def _read_int(path: str) -> int | None:
    try:
        with open(path, "rb") as f:
            raw = f.read(16)
    except OSError:
        return None
    return int(raw) if raw.strip().isdigit() else None


@dataclass(frozen=True)
class Replacement:
    """A live extension of one of a target's functions."""

    btf_id: int
    link_id: int
    ext_id: int


def replacements(target_id: int, root: str | None = None) -> tuple[Replacement, ...]:
    """The live extensions of program ``target_id`` (trampolines of released links are dropped)."""
    root = bpffs_root_name() if root is None else root
    directory = _target_dir(root, target_id)
    try:
        names = os.listdir(directory)
    except OSError:
        return ()
    found: list[Replacement] = []
    for name in sorted(names):
        path = os.path.join(directory, name)
        if not name.isdigit():
            continue
        link_id = _read_int(path)
        ext_id = _link_ext(root, link_id) if link_id is not None and _link_alive(root, link_id) else None
        if ext_id is None or link_id is None:
            with contextlib.suppress(OSError):
                os.unlink(path)
            continue
        found.append(Replacement(int(name), link_id, ext_id))
    return tuple(found)


def _link_ext(root: str, link_id: int) -> int | None:
    """The extension link ``link_id`` holds, from its file (None for anything but an freplace
    link's record, or one whose program is gone: the file is shared with every process)."""
    try:
        fd = os.open(os.path.join(refs.holder_dir(root, "link", link_id), "self"), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        record = LinkObject.from_fd(fd).record
    except BPFError:
        return None
    finally:
        os.close(fd)
    ext_id = record.get("prog_id") if record.get("type") == uapi.BPF_LINK_TYPE_TRACING else None
    return ext_id if isinstance(ext_id, int) and 0 < ext_id <= 0x7FFFFFFF else None


def open_extension(replacement: Replacement, root: str | None = None) -> ProgObject:
    """The extension program a link holds."""
    root = bpffs_root() if root is None else root
    fd = refs.open_ref(root, ("link", replacement.link_id), ("prog", replacement.ext_id), os.O_RDONLY)
    try:
        return ProgObject.from_fd(fd)
    finally:
        os.close(fd)


def load_time_target(prog: ProgObject) -> ProgObject | None:
    """An extension's load-time target while it still holds it (``aux->dst_prog``: until its
    first attachment), else None."""
    meta = prog.meta
    if not meta.dst_prog_id:
        return None
    root = bpffs_root()
    if os.path.lexists(os.path.join(root, _TRAMPOLINES, f"{_ATTACHED}{meta.id}")):
        return None
    try:
        fd = refs.open_ref(root, ("prog", meta.id), ("prog", meta.dst_prog_id), os.O_RDONLY)
    except BPFError:
        return None
    try:
        return ProgObject.from_fd(fd)
    finally:
        os.close(fd)


# --- attaching --------------------------------------------------------------------------------------


def ext_target(dst: ProgObject) -> ExtTarget:
    """What bpf_check_attach_target() reads of a target program (``aux->dst_prog``)."""
    meta = dst.meta
    func_ids: tuple[int, ...] = ()
    if meta.func_info and meta.func_info_rec_size >= 8:
        raw = bytes.fromhex(meta.func_info)
        starts = range(0, len(raw) - 7, meta.func_info_rec_size)
        func_ids = tuple(int.from_bytes(raw[at + 4 : at + 8], "little") for at in starts)
    btf_id = meta.btf_id
    return ExtTarget(
        prog_type=meta.prog_type, expected_attach_type=meta.expected_attach_type,
        btf=(lambda: prog_btf(btf_id)) if btf_id else None, func_ids=func_ids,
        unreliable=frozenset(meta.unreliable), changes_pkt_data=tuple(meta.changes_pkt_data),
        might_sleep=tuple(meta.might_sleep), attach_btf_id=meta.attach_btf_id,
    )  # fmt: skip


def prog_btf(btf_id: int) -> BTF:
    """The BTF object ``btf_id`` a program holds, decoded (BTFError for bad data)."""
    fd = open_by_id(btf_id)
    try:
        return parse_btf(BTFObject.from_fd(fd).data)
    finally:
        os.close(fd)


def _extension_of(prog: ProgObject) -> Extension:
    meta = prog.meta
    btf: BTF | None = None
    func: Func | None = None
    if meta.btf_id and meta.func_info and meta.func_info_rec_size >= 8:
        try:
            btf = prog_btf(meta.btf_id)
            found = btf[int.from_bytes(bytes.fromhex(meta.func_info)[4:8], "little")]
        except (BTFError, BPFError):
            btf, found = None, None
        func = found if isinstance(found, Func) else None
    return Extension(
        btf, func, bool(meta.changes_pkt_data[:1] == [True]), bool(meta.might_sleep[:1] == [True])
    )


def tracing_prog_attach(prog_fd: int, target_fd: int, btf_id: int) -> int:
    """``bpf_tracing_prog_attach`` for an extension ``prog_fd``: a new link fd."""
    prog = ProgObject.from_fd(prog_fd)
    meta = prog.meta
    if meta.prog_type != uapi.BPF_PROG_TYPE_EXT:
        raise BPFError(errno.EINVAL, f"program type {meta.prog_type} has no freplace link in pybpf")
    if meta.expected_attach_type:
        raise BPFError(errno.EINVAL, "an extension whose expected attach type is not 0 cannot attach")
    if bool(target_fd) != bool(btf_id):
        raise BPFError(errno.EINVAL, "target_fd and target_btf_id come together")
    root = bpffs_root()
    attached = os.path.join(_trampolines(root), f"{_ATTACHED}{meta.id}")
    first = not os.path.lexists(attached)
    target = ProgObject.from_fd(target_fd) if target_fd else None
    if target is None:
        if not first or not meta.dst_prog_id:
            raise BPFError(errno.EINVAL, "the extension was attached before: a target is needed")
        target_id, btf_id = meta.dst_prog_id, meta.attach_btf_id
    else:
        target_id = target.id
        if not first or (target_id, btf_id) != (meta.dst_prog_id, meta.attach_btf_id):
            _check_new_target(prog, target, btf_id)
    if target_fd:
        target_file = os.open(f"/proc/self/fd/{target_fd}", os.O_RDONLY | os.O_CLOEXEC)
    else:  # the load-time target, which the extension holds until its first attachment
        target_file = refs.open_ref(root, ("prog", meta.id), ("prog", target_id), os.O_RDONLY)
    try:
        if _in_prog_array(root, target_id):
            raise BPFError(errno.EBUSY, f"program {target_id} is a prog array's member")
        link_fd = _create_link(root, prog_fd, meta.id, (target_file, target_id), btf_id)
        ProgObject.from_fd(target_file).runtime = None  # this process runs it anew, replaced
    finally:
        os.close(target_file)
    if first:  # the load-time target is forgotten (``aux->dst_prog = NULL``)
        os.close(os.open(attached, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o666))
        if meta.dst_prog_id:
            refs.drop_ref(root, ("prog", meta.id), ("prog", meta.dst_prog_id))
    return link_fd


def _check_new_target(prog: ProgObject, target: ProgObject, btf_id: int) -> None:
    """bpf_check_attach_target() (no log) and the rule that the target's type and expected attach
    type are the load-time target's (``saved_dst_prog_type``/``saved_dst_attach_type``)."""
    meta, other = prog.meta, target.meta
    if meta.dst_prog_type != other.prog_type or meta.expected_attach_type != other.expected_attach_type:
        raise BPFError(errno.EINVAL, "the target's type differs from the load-time target's")
    try:
        check_target(_extension_of(prog), ext_target(target), btf_id)
    except TargetRefused as exc:
        raise BPFError(errno.EINVAL, exc.message or "the target does not match") from None


def _in_prog_array(root: str, target_id: int) -> bool:
    """The target is held by a prog array (the kernel's ``prog_array_member_cnt``)."""
    base = os.path.join(root, ".refs")
    try:
        names = os.listdir(base)
    except OSError:
        return False
    held = f"prog-{target_id}"
    return any(n.startswith("map-") and os.path.lexists(os.path.join(base, n, held)) for n in names)


def _create_link(root: str, prog_fd: int, ext_id: int, target: tuple[int, int], btf_id: int) -> int:
    """A new tracing link holding the extension and the target, installed in the target function's
    trampoline (EBUSY while another live link is); its fd.  ``target``: (an fd of its file, its id)."""
    target_file, target_id = target
    record = {
        "type": uapi.BPF_LINK_TYPE_TRACING, "prog_id": ext_id, "attach_type": 0,
        "target_id": target_id, "btf_id": btf_id,
    }  # fmt: skip
    link_fd = link_obj.create(record, [("prog", ext_id, prog_fd), ("prog", target_id, target_file)])
    try:
        _take_trampoline(root, target_id, btf_id, LinkObject.from_fd(link_fd).id)
    except BaseException:
        link_obj.discard(link_fd)
        raise
    return link_fd


def _fill_tracing_info(link: LinkObject, info: Any) -> None:
    """``bpf_tracing_link_fill_link_info``: the attach type, the cookie (0: pybpf takes none) and
    the trampoline's key, the target program's id and the replaced function's BTF id."""
    record = link.record
    info.tracing.attach_type = int(record.get("attach_type", 0))
    info.tracing.target_obj_id = int(record.get("target_id", 0))
    info.tracing.target_btf_id = int(record.get("btf_id", 0))
    info.tracing.cookie = 0


link_obj.register_type(uapi.BPF_LINK_TYPE_TRACING, link_obj.LinkType(fill_info=_fill_tracing_info))
"""Tracing links have neither ``detach`` (EOPNOTSUPP) nor ``update_prog`` (EINVAL) in the kernel."""


def _take_trampoline(root: str, target_id: int, btf_id: int, link_id: int) -> None:
    """``bpf_trampoline_link_prog`` for BPF_TRAMP_REPLACE: EBUSY while a live link replaces the
    function already."""
    directory = _target_dir(root, target_id)
    os.makedirs(directory, mode=0o777, exist_ok=True)
    path = os.path.join(directory, str(btf_id))
    for _ in range(2):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        except FileExistsError:
            holder = _read_int(path)
            if holder is not None and _link_alive(root, holder):
                raise BPFError(errno.EBUSY, "the function is replaced by another extension") from None
            with contextlib.suppress(OSError):
                os.unlink(path)
            continue
        try:
            os.write(fd, str(link_id).encode())
        finally:
            os.close(fd)
        return
    raise BPFError(errno.EBUSY, "the function's trampoline is being taken")


# --- running ----------------------------------------------------------------------------------------


@dataclass
class Combined:
    """The program a target runs as while extensions replace some of its functions."""

    xlated: list[Instruction]
    programs: list[ProgObject]
    """Whose maps it uses: the target's and every extension's."""
    proven: frozenset[int]
    probes: frozenset[int]
    stack_depths: dict[int, int] | None
    prog_type: int


def _slot_count(xlated: list[Instruction]) -> int:
    return sum(insn.slots for insn in xlated)


def _depths(prog: ProgObject, base: int) -> dict[int, int] | None:
    meta = prog.meta
    if len(meta.stack_depths) != len(meta.subprogs):
        return None
    return {base + start: depth for start, depth in zip(meta.subprogs, meta.stack_depths, strict=True)}


def combined(target: ProgObject, live: tuple[Replacement, ...]) -> Combined:
    """The target with each live extension in place of the function it replaces."""
    meta = target.meta
    func_ids = ext_target(target).func_ids
    by_start: dict[int, ProgObject] = {}
    for replacement in live:
        if replacement.btf_id in func_ids:
            subprog = func_ids.index(replacement.btf_id)
            if subprog < len(meta.subprogs):
                with contextlib.suppress(BPFError):  # a link released since it was looked at
                    by_start[meta.subprogs[subprog]] = open_extension(replacement)
    main = by_start.get(0)
    if main is not None:  # the whole program is replaced
        m = main.meta
        return Combined(
            list(main.xlated), [main], frozenset(m.proven_accesses), frozenset(m.probe_loads),
            _depths(main, 0), meta.prog_type,
        )  # fmt: skip
    xlated = list(target.xlated)
    proven, probes = set(meta.proven_accesses), set(meta.probe_loads)
    depths = _depths(target, 0)
    moved: dict[int, int] = {}
    base = _slot_count(xlated)
    for start, ext in sorted(by_start.items()):
        moved[start] = base
        xlated.extend(ext.xlated)
        proven.update(base + slot for slot in ext.meta.proven_accesses)
        probes.update(base + slot for slot in ext.meta.probe_loads)
        ext_depths = _depths(ext, base)
        depths = None if depths is None or ext_depths is None else {**depths, **ext_depths}
        base += _slot_count(ext.xlated)
    end = _slot_count(target.xlated)
    for i, (slot, insn) in enumerate(zip(slot_starts(xlated), xlated, strict=False)):
        if slot >= end:
            break
        is_call = insn.opcode == CALL_OPCODE and insn.src == BPF_PSEUDO_CALL
        is_func = insn.opcode == LDDW_OPCODE and insn.src == BPF_PSEUDO_FUNC
        if not is_call and not is_func:
            continue
        dest = moved.get(slot + insn.imm + 1)
        if dest is not None:
            xlated[i] = dataclasses.replace(insn, imm=dest - slot - 1)
    programs = [target, *by_start.values()]
    return Combined(xlated, programs, frozenset(proven), frozenset(probes), depths, meta.prog_type)
