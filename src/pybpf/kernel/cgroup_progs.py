"""The programs attached to cgroups: BPF_PROG_ATTACH / DETACH / QUERY and cgroup links.

Mirrors kernel/bpf/cgroup.c (Linux 6.18): ``cgroup_bpf_prog_attach`` / ``__cgroup_bpf_attach``,
``cgroup_bpf_prog_detach`` / ``__cgroup_bpf_detach``, ``__cgroup_bpf_query`` and
``compute_effective_progs``, for a cgroup v2 directory of the running kernel (``cgroup_get_from_fd``:
EBADF for anything else) and one attach type:

* attach modes: none (one program, replaced by the next attach), BPF_F_ALLOW_OVERRIDE (the same,
  and descendants may attach their own) and BPF_F_ALLOW_MULTI (a list, up to 64 programs: E2BIG;
  the same program twice is EINVAL; BPF_F_REPLACE with ``replace_bpf_fd`` swaps one in place,
  ENOENT when it is not there).  OVERRIDE with MULTI, REPLACE without MULTI, or REPLACE with
  BPF_F_BEFORE / BPF_F_AFTER is EINVAL; a mode other than the cgroup's while it has programs is
  EPERM, and so is an attach below an ancestor whose programs allow no override
  (``hierarchy_allows_attach``).
* 6.16's ordered attachments (``get_prog_list`` / ``insert_pl_to_hlist``): a new entry goes at the
  end of the cgroup's list, first with BPF_F_BEFORE, or before / after an anchor: a program given by
  ``relative_fd`` (BPF_F_ID: ``relative_id``) among those PROG_ATTACH attached, or, with BPF_F_LINK
  (links only), a cgroup link given by fd or id.  An anchor needs exactly one of BEFORE and AFTER
  (EINVAL), and BPF_F_LINK for a link's attach and not for a program's (EINVAL); then the anchor is
  looked up (``bpf_prog_get`` / ``bpf_link_get_from_fd``: EBADF, EINVAL; by id: ENOENT; fd 0 of a
  link: EINVAL; the id of the very link being created: EAGAIN, it is not settled yet) and must be in
  the list (ENOENT) with the same BPF_F_PREORDER (EINVAL).  Without an anchor, BEFORE with AFTER is
  EINVAL unless the list is empty.  A replacement (REPLACE, or the single modes' one program) keeps
  its place and takes the new flags.
* BPF_F_PREORDER: the effective list runs every pre-order program first -- the root-most
  cgroup's first, each cgroup's in its own order -- then the others, the cgroup's own first.
* detach: in the none and override modes, any program fd (even an invalid one) detaches the
  cgroup's program; in the multi mode the program must be given (EINVAL) and attached (ENOENT).
  BPF_LSM_MAC (an LSM program's attach type, so it reaches here) is no cgroup attach type: EINVAL
  once the cgroup is found.
  ENOENT when nothing is attached; the mode goes back to none with the last program.
* every attach, detach and link update adds one to the revision of the cgroup's attach type (1
  when new); a non-zero ``expected_revision`` that differs is ESTALE (an attach's after the flag
  checks, before the hierarchy's; a detach's before looking for the program).
* query: ``attach_flags`` (the mode), ``prog_cnt`` (the total) and ``revision`` are written first;
  then, given a count and a buffer, the ids (ENOSPC, the ids that fit, when the count is short) and
  per program ``prog_attach_flags`` (the mode).  BPF_F_QUERY_EFFECTIVE gives the programs that run
  for the cgroup: its own, then each ancestor's while the levels below had none or the ancestor is
  in the multi mode, pre-order ones first (``attach_flags`` and ``revision`` 0; with
  ``prog_attach_flags`` EINVAL).  No ``link_ids`` are written (6.18 writes none for cgroups).

* cgroup links (``cgroup_bpf_link_attach``, BPF_LINK_TYPE_CGROUP): BPF_LINK_CREATE attaches the
  program in the multi mode with ``link_create.flags`` (BEFORE, AFTER, ID, PREORDER, LINK; others
  EINVAL), ``link_create.cgroup.relative_fd`` / ``relative_id`` and ``expected_revision``, beside
  and counted with the programs BPF_PROG_ATTACH put there (the same program may come through
  several links; a PROG_DETACH or REPLACE never finds a link's entry, nor does a program anchor);
  the entry goes with BPF_LINK_DETACH or when the link is released (its last fd and pin gone: found
  when the cgroup's record is next read), each a revision.  BPF_LINK_UPDATE (``cgroup_bpf_replace``)
  swaps the link's program: ENOLINK once detached, EPERM for an ``old_prog_fd`` that is not the
  link's, EINVAL for a program of another type; a revision each.  The link's info is the cgroup's id
  (0 once detached) and the attach type.

What pybpf models is its own attachments: the kernel's cgroups are only named (by their inode, the
cgroup id), never changed, and programs attached to them by the kernel itself are not seen.  The
programs never run on cgroup hooks (pybpf has no sockets, devices or sysctls to run them on).
BPF_LSM_CGROUP attachments are not modelled (EOPNOTSUPP; this machine's lockdown refuses LSM
loads anyway).  So no cgroup ever has LSM_CGROUP programs, and detaching or querying that attach
type answers as the kernel does for an empty one: a detach is ENOENT; a query
(``__cgroup_bpf_query`` over the LSM attach types) is EINVAL when a plain query asks for ids
without ``prog_attach_flags`` (the LSM types need them), else it writes no flags, no programs and
revision 0.

State: ``<root>/.cgroups/<cgroup id>-<attach type>`` (JSON: mode, revision, and per entry in order
the program id, the id of the link that attached it or 0, and its attach flags) and a hard link
``...-prog-<id>`` to each program attached without a link (a link holds its own), under an
``flock`` (``cgroup_mutex``).  A removed cgroup keeps its record until its programs are detached
(pybpf sees no cgroup die).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel import link_obj
from pybpf.kernel.progobj import ProgObject, prog_get_type
from pybpf.kernel.usermem import copy_to_user
from pybpf.objects import refs
from pybpf.objects.cgroups import cgroup2_mount, cgroup_id_of_fd
from pybpf.objects.files import bpffs_root, link_object, locked_directory

BPF_CGROUP_MAX_PROGS = 64
_MODES = uapi.BPF_F_ALLOW_OVERRIDE | uapi.BPF_F_ALLOW_MULTI
_LINK_ATTACH_MASK = (
    uapi.BPF_F_ID | uapi.BPF_F_BEFORE | uapi.BPF_F_AFTER | uapi.BPF_F_PREORDER | uapi.BPF_F_LINK
)
"""``BPF_F_LINK_ATTACH_MASK``: the ``link_create.flags`` of a cgroup link."""
_DIR = ".cgroups"


class _State:
    """One cgroup's attachments of one attach type (``cgrp->bpf.progs/flags/revisions[atype]``):
    per entry, in order, ``progs`` the program id, ``links`` the id of the link of each (0: none)
    and ``flags`` the attach flags it was attached with (``pl->flags``)."""

    def __init__(self, directory: str, cgroup_id: int, attach_type: int) -> None:
        self.path = os.path.join(directory, f"{cgroup_id}-{attach_type}")
        self.mode, self.revision = 0, 1
        self.progs, self.links, self.flags = list[int](), list[int](), list[int]()
        try:
            with open(self.path, encoding="utf-8") as handle:
                record = json.load(handle)
            self.mode, self.revision = int(record["mode"]), int(record["revision"])
            self.progs = [int(found) for found in record["progs"]][:BPF_CGROUP_MAX_PROGS]
            links = [int(found) for found in record.get("links", ())]
            self.links = (links + [0] * len(self.progs))[: len(self.progs)]
            flags = [int(found) for found in record.get("flags", ())]
            self.flags = (flags + [self.mode] * len(self.progs))[: len(self.progs)]
        except (OSError, ValueError, KeyError, TypeError):
            self.progs, self.links, self.flags = [], [], []  # none yet (or unreadable: as none)
        self._drop_released_links()

    def _drop_released_links(self) -> None:
        """The entries of links released since (``bpf_cgroup_link_release``), a revision each."""
        root = bpffs_root()
        released = [
            i for i, link in enumerate(self.links) if link and not refs.holder_alive(root, "link", link)
        ]
        if not released:
            return
        for i in reversed(released):
            self.remove(i)
        self.revision += len(released) - 1
        self.save([])

    def direct(self) -> list[int]:
        """The programs attached without a link (what PROG_DETACH and REPLACE look among)."""
        return [prog for prog, link in zip(self.progs, self.links, strict=True) if not link]

    def insert(self, index: int, prog_id: int, link_id: int, flags: int) -> None:
        self.progs.insert(index, prog_id)
        self.links.insert(index, link_id)
        self.flags.insert(index, flags)

    def remove(self, index: int) -> int:
        """Take entry ``index`` out; its program's id."""
        prog_id = self.progs.pop(index)
        self.links.pop(index)
        self.flags.pop(index)
        return prog_id

    def preorder(self, index: int) -> bool:
        return bool(self.flags[index] & uapi.BPF_F_PREORDER)

    def hold(self, prog_id: int, prog_fd: int) -> None:
        link = f"{self.path}-prog-{prog_id}"
        if not os.path.lexists(link):
            link_object(prog_fd, link)

    def save(self, dropped: list[int]) -> None:
        self.revision += 1
        if not self.progs:
            self.mode = 0
        temporary = f"{self.path}.{os.getpid()}"
        record = {
            "mode": self.mode,
            "revision": self.revision,
            "progs": self.progs,
            "links": self.links,
            "flags": self.flags,
        }
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
        os.rename(temporary, self.path)
        direct = self.direct()
        for prog_id in dropped:
            if prog_id not in direct:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(f"{self.path}-prog-{prog_id}")


def _ancestors(target_fd: int) -> list[int]:
    """The ids of the cgroups above the cgroup ``target_fd`` is open on, nearest first."""
    mount = cgroup2_mount()
    try:
        path = os.readlink(f"/proc/self/fd/{target_fd}")
    except OSError:
        return []
    found = []
    while mount is not None and path.startswith(mount) and path.rstrip("/") != mount.rstrip("/"):
        path = os.path.dirname(path)
        with contextlib.suppress(OSError):
            found.append(os.stat(path).st_ino)
    return found


def _lsm_not_modelled(attach_type: int) -> None:
    if attach_type == uapi.BPF_LSM_CGROUP:
        raise BPFError(errno.EOPNOTSUPP, "pybpf does not model BPF_LSM_CGROUP attachments")


def _check_flags(flags: int) -> None:
    """``__cgroup_bpf_attach``'s first checks: the combinations of flags that cannot be."""
    if (flags & uapi.BPF_F_ALLOW_OVERRIDE and flags & uapi.BPF_F_ALLOW_MULTI) or (
        flags & uapi.BPF_F_REPLACE and not flags & uapi.BPF_F_ALLOW_MULTI
    ):
        raise BPFError(errno.EINVAL, "ALLOW_OVERRIDE with ALLOW_MULTI, or REPLACE without ALLOW_MULTI")
    if flags & uapi.BPF_F_REPLACE and flags & (uapi.BPF_F_BEFORE | uapi.BPF_F_AFTER):
        raise BPFError(errno.EINVAL, "REPLACE with BEFORE / AFTER")


def attach(a: uapi.bpf_attr, prog: ProgObject) -> int:
    """``cgroup_bpf_prog_attach`` of ``prog`` (open as ``attach_bpf_fd``)."""
    cgroup_id = cgroup_id_of_fd(a.target_fd)
    flags = a.attach_flags
    replace = None
    if flags & uapi.BPF_F_ALLOW_MULTI and flags & uapi.BPF_F_REPLACE:
        replace = prog_get_type(a.replace_bpf_fd, prog.prog_type).id
    _check_flags(flags)
    _lsm_not_modelled(a.attach_type)
    with locked_directory(_DIR) as directory:
        state = _State(directory, cgroup_id, a.attach_type)
        request = _Request(flags, a.relative_fd, a.expected_revision, prog.id, replace=replace)
        dropped = _attach_entry(directory, state, a.target_fd, a.attach_type, request)
        state.hold(prog.id, a.attach_bpf_fd)
        state.save(dropped)
    return 0


def detach(a: uapi.bpf_attr, prog_type: int) -> int:
    """``cgroup_bpf_prog_detach``: an invalid program fd is no program (legacy single mode)."""
    cgroup_id = cgroup_id_of_fd(a.target_fd)
    try:
        prog: ProgObject | None = prog_get_type(a.attach_bpf_fd, prog_type)
    except BPFError:
        prog = None
    if a.attach_type == uapi.BPF_LSM_MAC:  # an LSM program's type, but no cgroup attach type
        raise BPFError(errno.EINVAL, "BPF_LSM_MAC is no cgroup attach type (to_cgroup_bpf_attach_type)")
    if a.attach_type == uapi.BPF_LSM_CGROUP:
        raise BPFError(errno.ENOENT, "no LSM_CGROUP program is attached (pybpf attaches none)")
    with locked_directory(_DIR) as directory:
        state = _State(directory, cgroup_id, a.attach_type)
        if a.expected_revision and a.expected_revision != state.revision:
            raise BPFError(errno.ESTALE, "the cgroup's revision is not the expected one")
        if not state.mode & uapi.BPF_F_ALLOW_MULTI:
            if not state.progs:
                raise BPFError(errno.ENOENT, "no program is attached")
            dropped = [state.remove(i) for i in reversed(range(len(state.progs)))]
        else:
            if prog is None:
                raise BPFError(errno.EINVAL, "a multi-mode detach needs the program")
            if prog.id not in state.direct():
                raise BPFError(errno.ENOENT, "the program is not attached (a link's is not found)")
            dropped = [state.remove(_direct_index(state, prog.id))]
        state.save(dropped)
    return 0


@dataclass(frozen=True)
class _Request:
    """What one attachment asks ``__cgroup_bpf_attach`` for."""

    flags: int
    """The attach flags (a link's: BPF_F_ALLOW_MULTI and its ``link_create.flags``)."""
    id_or_fd: int
    """The anchor's fd or id (``relative_fd`` / ``relative_id``)."""
    revision: int
    """The expected revision (0: any)."""
    prog_id: int
    link_id: int = 0
    """The link attaching the program (0: BPF_PROG_ATTACH)."""
    replace: int | None = None
    """The program BPF_F_REPLACE replaces."""


def _attach_entry(
    directory: str, state: _State, target_fd: int, attach_type: int, request: _Request
) -> list[int]:
    """``__cgroup_bpf_attach`` after its flag checks: the entry goes into ``state`` (not saved);
    the programs whose entries it replaced."""
    flags = request.flags
    if request.revision and request.revision != state.revision:
        raise BPFError(errno.ESTALE, "the cgroup's revision is not the expected one")
    _check_attach(directory, state, target_fd, attach_type, flags & _MODES)
    replaced = _attach_entry_found(state, request)
    if replaced is None:
        state.insert(_insert_position(state, request), request.prog_id, request.link_id, flags)
        dropped = []
    else:
        dropped = [state.progs[replaced]]
        state.progs[replaced], state.links[replaced], state.flags[replaced] = (
            request.prog_id,
            request.link_id,
            flags,
        )
    state.mode = flags & _MODES
    return dropped


def _attach_entry_found(state: _State, request: _Request) -> int | None:
    """``find_attach_entry``: the index of the entry the attachment takes over (the single modes'
    program, the program BPF_F_REPLACE names), None for a new entry; EINVAL for a program attached
    already, ENOENT for a program to replace that is not."""
    if not request.flags & uapi.BPF_F_ALLOW_MULTI:
        return 0 if state.progs else None
    direct = state.direct()
    if not request.link_id and request.prog_id in direct and request.prog_id != request.replace:
        raise BPFError(errno.EINVAL, "the program is attached already")
    if request.replace is None:
        return None
    if request.replace not in direct:
        raise BPFError(errno.ENOENT, "the program to replace is not attached")
    return _direct_index(state, request.replace)


def _insert_position(state: _State, request: _Request) -> int:
    """``get_prog_list`` / ``insert_pl_to_hlist``: where a new entry goes in the cgroup's list."""
    flags, id_or_fd = request.flags, request.id_or_fd
    is_link, is_id = bool(flags & uapi.BPF_F_LINK), bool(flags & uapi.BPF_F_ID)
    before, after = bool(flags & uapi.BPF_F_BEFORE), bool(flags & uapi.BPF_F_AFTER)
    if is_link or is_id or id_or_fd:
        if before == after:
            raise BPFError(errno.EINVAL, "an anchor needs one of BPF_F_BEFORE and BPF_F_AFTER")
        if is_link != bool(request.link_id):
            raise BPFError(errno.EINVAL, "BPF_F_LINK anchors a link's attachment only (and it must)")
    elif state.progs and before and after:
        raise BPFError(errno.EINVAL, "BPF_F_BEFORE with BPF_F_AFTER")
    if is_link:
        anchor_link, anchor_prog = _anchor_link(is_id, id_or_fd, request.link_id), 0
    elif is_id or id_or_fd:
        anchor_link, anchor_prog = 0, _anchor_prog(is_id, id_or_fd)
    else:
        return 0 if before else len(state.progs)
    preorder = bool(flags & uapi.BPF_F_PREORDER)
    for i, (prog_id, link_id) in enumerate(zip(state.progs, state.links, strict=True)):
        if (anchor_link and link_id == anchor_link) or (
            anchor_prog and not link_id and prog_id == anchor_prog
        ):
            if state.preorder(i) != preorder:
                raise BPFError(errno.EINVAL, "the anchor's BPF_F_PREORDER is not the attachment's")
            return i if before else i + 1
    raise BPFError(errno.ENOENT, "the anchor is not attached to the cgroup")


def _anchor_prog(is_id: bool, id_or_fd: int) -> int:
    """``bpf_get_anchor_prog``: the anchor program's id (by id: ENOENT for none; by fd:
    ``bpf_prog_get``'s EBADF / EINVAL).  An id no program has matches no entry: ENOENT too."""
    if is_id:
        if not id_or_fd:
            raise BPFError(errno.ENOENT, "no program has id 0")
        return id_or_fd
    return ProgObject.from_fd(id_or_fd).id


def _anchor_link(is_id: bool, id_or_fd: int, own_link: int) -> int:
    """``bpf_get_anchor_link``: the anchor link's id (by id: ENOENT for none, EAGAIN for the link
    being created, not settled yet; by fd: EINVAL for fd 0, ``bpf_link_get_from_fd``'s EBADF /
    EINVAL)."""
    if is_id:
        if not id_or_fd:
            raise BPFError(errno.ENOENT, "no link has id 0")
        if id_or_fd == own_link:
            raise BPFError(errno.EAGAIN, "the link being created is not settled yet")
        return id_or_fd
    if not id_or_fd:
        raise BPFError(errno.EINVAL, "no anchor link fd")
    return link_obj.LinkObject.from_fd(id_or_fd).id


def _check_attach(directory: str, state: _State, target_fd: int, attach_type: int, mode: int) -> None:
    """``__cgroup_bpf_attach``'s checks for one more program in ``mode``."""
    for ancestor in _ancestors(target_fd):  # hierarchy_allows_attach
        above = _State(directory, ancestor, attach_type)
        if above.mode & uapi.BPF_F_ALLOW_MULTI:
            break
        if above.progs:
            if not above.mode & uapi.BPF_F_ALLOW_OVERRIDE:
                raise BPFError(errno.EPERM, "an ancestor's program allows no override")
            break
    if state.progs and state.mode != mode:
        raise BPFError(errno.EPERM, "the cgroup's programs were attached in another mode")
    if len(state.progs) >= BPF_CGROUP_MAX_PROGS:
        raise BPFError(errno.E2BIG, "64 programs are attached already")


def _direct_index(state: _State, prog_id: int) -> int:
    """The index of ``prog_id``'s entry without a link (it has one)."""
    return next(
        i
        for i, (found, link) in enumerate(zip(state.progs, state.links, strict=True))
        if found == prog_id and not link
    )


def _effective(directory: str, cgroup_id: int, target_fd: int, attach_type: int) -> list[int]:
    """``compute_effective_progs``: the levels that count are the cgroup, then each ancestor while
    none was found below or the ancestor is in the multi mode; their pre-order programs come
    first, the root-most level's first, then the others, the cgroup's own first (each level's in
    its list's order)."""
    levels: list[_State] = []
    count = 0
    for level in (cgroup_id, *_ancestors(target_fd)):
        state = _State(directory, level, attach_type)
        if count and not state.mode & uapi.BPF_F_ALLOW_MULTI:
            continue
        levels.append(state)
        count += len(state.progs)
    first = [p for state in reversed(levels) for i, p in enumerate(state.progs) if state.preorder(i)]
    return first + [p for state in levels for i, p in enumerate(state.progs) if not state.preorder(i)]


def query(q: Any, write_back: Callable[[str, int], None]) -> int:
    """``cgroup_bpf_prog_query`` of the attr's ``query``; ``write_back(field, value)`` into it."""
    cgroup_id = cgroup_id_of_fd(q.target_fd)
    effective = bool(q.query_flags & uapi.BPF_F_QUERY_EFFECTIVE)
    if effective and q.prog_attach_flags:
        raise BPFError(errno.EINVAL, "an effective query has no per-program attach flags")
    if q.attach_type == uapi.BPF_LSM_CGROUP:  # the LSM attach types, all empty in pybpf
        if not effective and q.prog_cnt and q.prog_ids and not q.prog_attach_flags:
            raise BPFError(errno.EINVAL, "an LSM_CGROUP query for ids needs prog_attach_flags")
        for name in ("attach_flags", "prog_cnt", "revision"):
            write_back(name, 0)
        return 0
    with locked_directory(_DIR) as directory:
        state = _State(directory, cgroup_id, q.attach_type)
        progs = _effective(directory, cgroup_id, q.target_fd, q.attach_type) if effective else state.progs
    write_back("attach_flags", 0 if effective else state.mode)
    write_back("prog_cnt", len(progs))
    write_back("revision", 0 if effective else state.revision)
    if not q.prog_cnt or not q.prog_ids or not progs:
        return 0
    shown = progs[: q.prog_cnt]
    copy_to_user(q.prog_ids, b"".join(found.to_bytes(4, "little") for found in shown))
    if q.prog_attach_flags:
        copy_to_user(q.prog_attach_flags, state.mode.to_bytes(4, "little") * len(shown))
    if len(shown) < len(progs):
        raise BPFError(errno.ENOSPC, "prog_cnt is smaller than the number of programs")
    return 0


# --- cgroup links --------------------------------------------------------------------------------------


def link_attach(lc: Any, prog: ProgObject, prog_fd: int) -> int:
    """``cgroup_bpf_link_attach`` of ``prog`` (open as ``prog_fd``): the link's fd."""
    if lc.flags & ~_LINK_ATTACH_MASK:
        raise BPFError(errno.EINVAL, "unknown link_create.flags for a cgroup link")
    cgroup_id = cgroup_id_of_fd(lc.target_fd)
    flags = uapi.BPF_F_ALLOW_MULTI | lc.flags
    _lsm_not_modelled(lc.attach_type)
    record = {
        "type": uapi.BPF_LINK_TYPE_CGROUP,
        "prog_id": prog.id,
        "prog_type": prog.prog_type,
        "attach_type": lc.attach_type,
        "cgroup_id": cgroup_id,
    }
    link_fd = link_obj.create(record, [("prog", prog.id, prog_fd)])
    try:
        link = link_obj.LinkObject.from_fd(link_fd)
        with locked_directory(_DIR) as directory:
            state = _State(directory, cgroup_id, lc.attach_type)
            relative, revision = lc.cgroup.relative_fd, lc.cgroup.expected_revision
            request = _Request(flags, relative, revision, prog.id, link_id=link.id)
            _attach_entry(directory, state, lc.target_fd, lc.attach_type, request)
            state.save([])
    except BaseException:
        link_obj.discard(link_fd)
        raise
    return link_fd


def _link_state(directory: str, link: link_obj.LinkObject) -> _State | None:
    """The record of the cgroup ``link`` is attached to (None once detached)."""
    cgroup_id = int(link.record.get("cgroup_id", 0))
    if not cgroup_id:
        return None
    return _State(directory, cgroup_id, int(link.record.get("attach_type", 0)))


def _link_detach(link: link_obj.LinkObject) -> None:
    """``bpf_cgroup_link_detach``: the entry goes (a revision); a detached link stays detached."""
    with locked_directory(_DIR) as directory:
        state = _link_state(directory, link)
        if state is not None and link.id in state.links:
            state.remove(state.links.index(link.id))
            state.save([])
        with link_obj.changing(link) as record:
            record["cgroup_id"] = 0


def _link_update(link: link_obj.LinkObject, new_fd: int, old_fd: int | None) -> None:
    """``cgroup_bpf_replace``: ENOLINK once detached, EPERM for another old program, EINVAL for a
    program of another type; the link holds the new program (a revision)."""
    new = ProgObject.from_fd(new_fd)
    old = ProgObject.from_fd(old_fd) if old_fd is not None else None
    with locked_directory(_DIR) as directory:
        state = _link_state(directory, link)
        link.reload()
        if state is None or not link.record.get("cgroup_id"):
            raise BPFError(errno.ENOLINK, "the link is detached")
        if old is not None and old.id != link.prog_id:
            raise BPFError(errno.EPERM, "old_prog_fd is not the link's program")
        if int(link.record.get("prog_type", -1)) != new.prog_type:
            raise BPFError(errno.EINVAL, "the new program's type is not the link's")
        if link.id not in state.links:
            raise BPFError(errno.ENOENT, "the link's entry is gone")
        state.progs[state.links.index(link.id)] = new.id
        link_obj.swap_held(link, "prog", link.prog_id, (new.id, new_fd))
        with link_obj.changing(link) as record:
            record["prog_id"] = new.id
        state.save([])


def _link_info(link: link_obj.LinkObject, info: Any) -> None:
    info.cgroup.cgroup_id = int(link.record.get("cgroup_id", 0))
    info.cgroup.attach_type = int(link.record.get("attach_type", 0))


link_obj.register_type(
    uapi.BPF_LINK_TYPE_CGROUP,
    link_obj.LinkType(fill_info=_link_info, detach=_link_detach, update_prog=_link_update),
)
