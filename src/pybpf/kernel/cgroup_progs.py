"""The programs attached to cgroups through BPF_PROG_ATTACH / DETACH / QUERY (legacy attachments).

Mirrors kernel/bpf/cgroup.c (Linux 6.18): ``cgroup_bpf_prog_attach`` / ``__cgroup_bpf_attach``,
``cgroup_bpf_prog_detach`` / ``__cgroup_bpf_detach``, ``__cgroup_bpf_query`` and
``compute_effective_progs``, for a cgroup v2 directory of the running kernel (``cgroup_get_from_fd``:
EBADF for anything else) and one attach type:

* attach modes: none (one program, replaced by the next attach), BPF_F_ALLOW_OVERRIDE (the same,
  and descendants may attach their own) and BPF_F_ALLOW_MULTI (a list, up to 64 programs: E2BIG;
  the same program twice is EINVAL; BPF_F_REPLACE with ``replace_bpf_fd`` swaps one in place,
  ENOENT when it is not there).  OVERRIDE with MULTI, or REPLACE without MULTI, is EINVAL; a mode
  other than the cgroup's while it has programs is EPERM, and so is an attach below an ancestor
  whose programs allow no override (``hierarchy_allows_attach``).
* detach: in the none and override modes, any program fd (even an invalid one) detaches the
  cgroup's program; in the multi mode the program must be given (EINVAL) and attached (ENOENT).
  ENOENT when nothing is attached; the mode goes back to none with the last program.
* every attach and detach adds one to the revision of the cgroup's attach type (1 when new);
  a non-zero ``expected_revision`` that differs is ESTALE.
* query: ``attach_flags`` (the mode), ``prog_cnt`` (the total) and ``revision`` are written first;
  then, given a count and a buffer, the ids (ENOSPC, the ids that fit, when the count is short) and
  per program ``prog_attach_flags`` (the mode).  BPF_F_QUERY_EFFECTIVE gives the programs that run
  for the cgroup: its own, then each ancestor's while the levels below had none or the ancestor is
  in the multi mode (``attach_flags`` and ``revision`` 0; with ``prog_attach_flags`` EINVAL).

* cgroup links (``cgroup_bpf_link_attach``, BPF_LINK_TYPE_CGROUP): BPF_LINK_CREATE attaches the
  program in the multi mode (``link_create.flags``: EINVAL; a ``relative_fd`` without ordering
  flags too, once the hierarchy, mode and count checks passed), beside and counted with the
  programs BPF_PROG_ATTACH put there (the same program may come through several links; a
  PROG_DETACH or REPLACE never finds a link's entry); the entry goes
  with BPF_LINK_DETACH or when the link is released (its last fd and pin gone: found when the
  cgroup's record is next read), each a revision.  BPF_LINK_UPDATE (``cgroup_bpf_replace``) swaps the
  link's program: ENOLINK once detached, EPERM for an ``old_prog_fd`` that is not the link's, EINVAL
  for a program of another type; a revision each.  The link's info is the cgroup's id (0 once
  detached) and the attach type.  Queries list the links' programs with the mode's flags; no
  ``link_ids`` are written (6.18 writes none for cgroups).

What pybpf models is its own attachments: the kernel's cgroups are only named (by their inode, the
cgroup id), never changed, and programs attached to them by the kernel itself are not seen.  The
programs never run on cgroup hooks (pybpf has no sockets, devices or sysctls to run them on).
6.16's ordered attachments (BPF_F_BEFORE / AFTER / ID / PREORDER, ``relative_fd``, BPF_F_LINK in
attach flags) and BPF_LSM_CGROUP attachments are not modelled: EOPNOTSUPP.  So no cgroup ever has
LSM_CGROUP programs, and detaching or querying that attach type answers as the kernel does for an
empty one: a detach is ENOENT; a query (``__cgroup_bpf_query`` over the LSM attach types) is EINVAL
when a plain query asks for ids without ``prog_attach_flags`` (the LSM types need them), else it
writes no flags, no programs and revision 0.

State: ``<root>/.cgroups/<cgroup id>-<attach type>`` (JSON: mode, revision, program ids and, per
program, the id of the link that attached it or 0) and a hard
link ``...-prog-<id>`` to each program attached without a link (a link holds its own), under an ``flock``
(``cgroup_mutex``).  A removed cgroup keeps its record until its programs are detached (pybpf sees
no cgroup die).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from collections.abc import Callable
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
_ORDERED = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | uapi.BPF_F_LINK
"""BPF_F_BEFORE, BPF_F_AFTER, BPF_F_ID, BPF_F_PREORDER and BPF_F_LINK: not modelled."""
_DIR = ".cgroups"


class _State:
    """One cgroup's attachments of one attach type (``cgrp->bpf.progs/flags/revisions[atype]``):
    ``progs`` the program ids in order, ``links`` beside them the id of the link of each (0: none)."""

    def __init__(self, directory: str, cgroup_id: int, attach_type: int) -> None:
        self.path = os.path.join(directory, f"{cgroup_id}-{attach_type}")
        self.mode, self.revision, self.progs, self.links = 0, 1, list[int](), list[int]()
        try:
            with open(self.path, encoding="utf-8") as handle:
                record = json.load(handle)
            self.mode, self.revision = int(record["mode"]), int(record["revision"])
            self.progs = [int(found) for found in record["progs"]][:BPF_CGROUP_MAX_PROGS]
            links = [int(found) for found in record.get("links", ())]
            self.links = (links + [0] * len(self.progs))[: len(self.progs)]
        except (OSError, ValueError, KeyError, TypeError):
            self.progs, self.links = [], []  # none yet (or unreadable: as none)
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
            del self.progs[i], self.links[i]
        self.revision += len(released) - 1
        self.save([])

    def direct(self) -> list[int]:
        """The programs attached without a link (what PROG_DETACH and REPLACE look among)."""
        return [prog for prog, link in zip(self.progs, self.links, strict=True) if not link]

    def remove(self, index: int) -> int:
        """Take entry ``index`` out; its program's id."""
        prog_id = self.progs.pop(index)
        self.links.pop(index)
        return prog_id

    def hold(self, prog_id: int, prog_fd: int) -> None:
        link = f"{self.path}-prog-{prog_id}"
        if not os.path.lexists(link):
            link_object(prog_fd, link)

    def save(self, dropped: list[int]) -> None:
        self.revision += 1
        if not self.progs:
            self.mode = 0
        temporary = f"{self.path}.{os.getpid()}"
        record = {"mode": self.mode, "revision": self.revision, "progs": self.progs, "links": self.links}
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


def _not_modelled(attach_type: int, flags: int, relative_fd: int) -> None:
    if flags & _ORDERED or relative_fd or attach_type == uapi.BPF_LSM_CGROUP:
        raise BPFError(errno.EOPNOTSUPP, "pybpf does not model ordered cgroup attachments nor LSM_CGROUP")


def attach(a: uapi.bpf_attr, prog: ProgObject) -> int:
    """``cgroup_bpf_prog_attach`` of ``prog`` (open as ``attach_bpf_fd``)."""
    cgroup_id = cgroup_id_of_fd(a.target_fd)
    flags = a.attach_flags
    replace = None
    if flags & uapi.BPF_F_ALLOW_MULTI and flags & uapi.BPF_F_REPLACE:
        replace = prog_get_type(a.replace_bpf_fd, prog.prog_type)
    _not_modelled(a.attach_type, flags, a.relative_fd)
    if (flags & uapi.BPF_F_ALLOW_OVERRIDE and flags & uapi.BPF_F_ALLOW_MULTI) or (
        flags & uapi.BPF_F_REPLACE and not flags & uapi.BPF_F_ALLOW_MULTI
    ):
        raise BPFError(errno.EINVAL, "ALLOW_OVERRIDE with ALLOW_MULTI, or REPLACE without ALLOW_MULTI")
    mode = flags & _MODES
    with locked_directory(_DIR) as directory:
        state = _State(directory, cgroup_id, a.attach_type)
        if a.expected_revision and a.expected_revision != state.revision:
            raise BPFError(errno.ESTALE, "the cgroup's revision is not the expected one")
        _check_attach(directory, state, a.target_fd, a.attach_type, mode)
        dropped: list[int] = []
        direct = state.direct()
        if not mode & uapi.BPF_F_ALLOW_MULTI:  # (no link: links attach in the multi mode only)
            dropped, state.progs, state.links = state.progs, [prog.id], [0]
        else:
            if prog.id in direct and (replace is None or prog.id != replace.id):
                raise BPFError(errno.EINVAL, "the program is attached already")
            if replace is not None:
                if replace.id not in direct:
                    raise BPFError(errno.ENOENT, "the program to replace is not attached")
                state.progs[_direct_index(state, replace.id)] = prog.id
                dropped = [replace.id]
            else:
                state.progs.append(prog.id)
                state.links.append(0)
        state.mode = mode
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
    if a.attach_type == uapi.BPF_LSM_CGROUP:
        raise BPFError(errno.ENOENT, "no LSM_CGROUP program is attached (pybpf attaches none)")
    with locked_directory(_DIR) as directory:
        state = _State(directory, cgroup_id, a.attach_type)
        if a.expected_revision and a.expected_revision != state.revision:
            raise BPFError(errno.ESTALE, "the cgroup's revision is not the expected one")
        if not state.mode & uapi.BPF_F_ALLOW_MULTI:
            if not state.progs:
                raise BPFError(errno.ENOENT, "no program is attached")
            dropped, state.progs, state.links = state.progs, [], []
        else:
            if prog is None:
                raise BPFError(errno.EINVAL, "a multi-mode detach needs the program")
            if prog.id not in state.direct():
                raise BPFError(errno.ENOENT, "the program is not attached (a link's is not found)")
            dropped = [state.remove(_direct_index(state, prog.id))]
        state.save(dropped)
    return 0


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
    """``compute_effective_progs``: the cgroup's programs, then each ancestor's while none was found
    below or the ancestor is in the multi mode."""
    found: list[int] = []
    for level in (cgroup_id, *_ancestors(target_fd)):
        state = _State(directory, level, attach_type)
        if found and not state.mode & uapi.BPF_F_ALLOW_MULTI:
            continue
        found += state.progs
    return found


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
_LINK_ORDERED = (1 << 3) | (1 << 4) | (1 << 5) | uapi.BPF_F_LINK
"""BPF_F_BEFORE, BPF_F_AFTER, BPF_F_ID and BPF_F_LINK: a cgroup link's ordering, not modelled."""


def link_attach(lc: Any, prog: ProgObject, prog_fd: int) -> int:
    """``cgroup_bpf_link_attach`` of ``prog`` (open as ``prog_fd``): the link's fd."""
    if lc.flags & ~_LINK_ORDERED:
        raise BPFError(errno.EINVAL, "unknown link_create.flags for a cgroup link")
    if lc.flags:
        raise BPFError(errno.EOPNOTSUPP, "pybpf does not model ordered cgroup attachments")
    cgroup_id = cgroup_id_of_fd(lc.target_fd)
    _not_modelled(lc.attach_type, 0, 0)
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
            if lc.cgroup.expected_revision and lc.cgroup.expected_revision != state.revision:
                raise BPFError(errno.ESTALE, "the cgroup's revision is not the expected one")
            _check_attach(directory, state, lc.target_fd, lc.attach_type, uapi.BPF_F_ALLOW_MULTI)
            if lc.cgroup.relative_fd:  # insert_pl_to_hlist, after the mode and count checks
                raise BPFError(errno.EINVAL, "a relative_fd without BPF_F_BEFORE / BPF_F_AFTER")
            state.mode = uapi.BPF_F_ALLOW_MULTI
            state.progs.append(prog.id)
            state.links.append(link.id)
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
