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

What pybpf models is its own attachments: the kernel's cgroups are only named (by their inode, the
cgroup id), never changed, and programs attached to them by the kernel itself are not seen.  The
programs never run on cgroup hooks (pybpf has no sockets, devices or sysctls to run them on).
6.16's ordered attachments (BPF_F_BEFORE / AFTER / ID / PREORDER, ``relative_fd``, BPF_F_LINK in
attach flags) and BPF_LSM_CGROUP attachments are not modelled: EOPNOTSUPP.  So no cgroup ever has
LSM_CGROUP programs, and detaching or querying that attach type answers as the kernel does for an
empty one: a detach is ENOENT; a query (``__cgroup_bpf_query`` over the LSM attach types) is EINVAL
when a plain query asks for ids without ``prog_attach_flags`` (the LSM types need them), else it
writes no flags, no programs and revision 0.

State: ``<root>/.cgroups/<cgroup id>-<attach type>`` (JSON: mode, revision, program ids) and a hard
link ``...-prog-<id>`` to each attached program's file, which holds it, under an ``flock``
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
from pybpf.kernel.progobj import ProgObject, prog_get_type
from pybpf.kernel.usermem import copy_to_user
from pybpf.objects.cgroups import cgroup2_mount, cgroup_id_of_fd
from pybpf.objects.files import link_object, locked_directory

BPF_CGROUP_MAX_PROGS = 64
_MODES = uapi.BPF_F_ALLOW_OVERRIDE | uapi.BPF_F_ALLOW_MULTI
_ORDERED = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | uapi.BPF_F_LINK
"""BPF_F_BEFORE, BPF_F_AFTER, BPF_F_ID, BPF_F_PREORDER and BPF_F_LINK: not modelled."""
_DIR = ".cgroups"


class _State:
    """One cgroup's attachments of one attach type (``cgrp->bpf.progs/flags/revisions[atype]``)."""

    def __init__(self, directory: str, cgroup_id: int, attach_type: int) -> None:
        self.path = os.path.join(directory, f"{cgroup_id}-{attach_type}")
        self.mode, self.revision, self.progs = 0, 1, list[int]()
        try:
            with open(self.path, encoding="utf-8") as handle:
                record = json.load(handle)
            self.mode, self.revision = int(record["mode"]), int(record["revision"])
            self.progs = [int(found) for found in record["progs"]][:BPF_CGROUP_MAX_PROGS]
        except (OSError, ValueError, KeyError, TypeError):
            pass  # none yet (or unreadable: as none)

    def hold(self, prog_id: int, prog_fd: int) -> None:
        link = f"{self.path}-prog-{prog_id}"
        if not os.path.lexists(link):
            link_object(prog_fd, link)

    def save(self, dropped: list[int]) -> None:
        self.revision += 1
        if not self.progs:
            self.mode = 0
        temporary = f"{self.path}.{os.getpid()}"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump({"mode": self.mode, "revision": self.revision, "progs": self.progs}, handle)
        os.rename(temporary, self.path)
        for prog_id in dropped:
            if prog_id not in self.progs:
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
        for ancestor in _ancestors(a.target_fd):  # hierarchy_allows_attach
            above = _State(directory, ancestor, a.attach_type)
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
        dropped: list[int] = []
        if not mode & uapi.BPF_F_ALLOW_MULTI:
            dropped, state.progs = state.progs, [prog.id]
        else:
            if prog.id in state.progs and (replace is None or prog.id != replace.id):
                raise BPFError(errno.EINVAL, "the program is attached already")
            if replace is not None:
                if replace.id not in state.progs:
                    raise BPFError(errno.ENOENT, "the program to replace is not attached")
                state.progs[state.progs.index(replace.id)] = prog.id
                dropped = [replace.id]
            else:
                state.progs.append(prog.id)
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
            dropped, state.progs = state.progs, []
        else:
            if prog is None:
                raise BPFError(errno.EINVAL, "a multi-mode detach needs the program")
            if prog.id not in state.progs:
                raise BPFError(errno.ENOENT, "the program is not attached")
            state.progs.remove(prog.id)
            dropped = [prog.id]
        state.save(dropped)
    return 0


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
