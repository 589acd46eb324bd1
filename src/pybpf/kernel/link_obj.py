"""BPF links as objects: the link file, ids, BPF_LINK_GET_NEXT_ID / _GET_FD_BY_ID, and the
commands every link type shares (BPF_OBJ_GET_INFO_BY_FD, BPF_LINK_DETACH, BPF_LINK_UPDATE).

Mirrors ``struct bpf_link`` and its commands in kernel/bpf/syscall.c of Linux 6.18:
``bpf_link_get_from_fd`` (EBADF for a closed fd, EINVAL for a file that is no link),
``bpf_link_by_id`` / ``bpf_link_get_fd_by_id`` (CHECK_ATTR ends at ``link_id``: any ``open_flags``
is EINVAL; id 0 or an unknown id ENOENT), ``bpf_obj_get_next_id`` on ``link_idr``,
``bpf_link_get_info_by_fd`` (the caller's ``struct bpf_link_info`` is read first, E2BIG for
non-zero bytes past it; type, id and prog_id, then the type's ``fill_link_info``),
``link_detach`` (EOPNOTSUPP for a type without ``detach``) and ``link_update`` (flags other than
BPF_F_REPLACE: EINVAL; a link of maps -- struct_ops -- takes maps, the others programs; an
``old_prog_fd`` without BPF_F_REPLACE: EINVAL; a type without ``update_prog``: EINVAL).

A link is a file like every pybpf object (``pybpf.objects.refs``): ``LINK_MAGIC`` then the link's
record (JSON: its type, id, program, attach type and what its type adds) on an ``O_TMPFILE`` file of
the bpffs root; each fd is a user of it; its reference directory holds its program (and its
target, its map ...), so they live as long as the link; it dies when its last fd and pin are gone.
A record changes (update, detach) under an exclusive ``flock`` of the file, rewritten whole.
Every process sharing the link (dup, fork, SCM_RIGHTS, pins, GET_FD_BY_ID) reads the same record.
The per-type behaviour (``fill_link_info``, ``detach``, ``update_prog`` / ``update_map``) is
registered by the module of the type (``register_type``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.progobj import ProgObject
from pybpf.kernel.usermem import copy_to_user, read_info
from pybpf.maps.object import map_and_mode
from pybpf.objects import refs
from pybpf.objects.files import bpffs_root, next_object_id

LINK_MAGIC = b"PYBPFLNK"
_RECORD_MAX = 1 << 16
"""The largest record a link file may hold (the file is shared with every process: bounded)."""
_PAGE = os.sysconf("SC_PAGESIZE")
_INFO_LEN_OFFSET = uapi.offsetof(uapi.bpf_attr, "info.info_len")


@dataclass
class LinkType:
    """What one link type does beyond what every link does (the kernel's ``bpf_link_ops``)."""

    fill_info: Callable[[LinkObject, Any], None] | None = None
    """``fill_link_info(link, info)``: the type's part of ``struct bpf_link_info`` (may raise)."""
    detach: Callable[[LinkObject], None] | None = None
    """``detach``; None: BPF_LINK_DETACH is EOPNOTSUPP."""
    update_prog: Callable[[LinkObject, int, int | None], None] | None = None
    """``update_prog(link, new_prog_fd, old_prog_fd or None)``; None: EINVAL."""
    update_map: Callable[[LinkObject, int, int | None], None] | None = None
    """``update_map(link, new_map_fd, old_map_fd or None)``: the link's attr takes maps."""


_TYPES: dict[int, LinkType] = {}


def register_type(link_type: int, ops: LinkType) -> None:
    """Give links of ``link_type`` (a ``BPF_LINK_TYPE_*``) their behaviour."""
    _TYPES[link_type] = ops


def _ops(link_type: int) -> LinkType:
    return _TYPES.get(link_type, LinkType())


@dataclass
class LinkObject:
    """A link, read from an fd of its file (which the caller keeps open)."""

    fd: int
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return int(self.record["id"])

    @property
    def type(self) -> int:
        return int(self.record["type"])

    @property
    def prog_id(self) -> int:
        return int(self.record.get("prog_id", 0))

    @classmethod
    def from_fd(cls, fd: int) -> LinkObject:
        """``bpf_link_get_from_fd``: EBADF for an fd that is not open, EINVAL for another file."""
        if not 0 <= fd <= 0x7FFFFFFF:
            raise BPFError(errno.EBADF, f"fd {fd} is not open")
        try:
            head = os.pread(fd, len(LINK_MAGIC) + 4, 0)
        except OSError:
            try:  # open but unreadable (a write-only map fd, a pipe, a directory): no link
                os.fstat(fd)
            except OSError:
                raise BPFError(errno.EBADF, f"fd {fd} is not open") from None
            raise BPFError(errno.EINVAL, f"fd {fd} is not a bpf link") from None
        if head[: len(LINK_MAGIC)] != LINK_MAGIC:
            raise BPFError(errno.EINVAL, f"fd {fd} is not a bpf link")
        return cls(fd, _read_record(fd))

    def reload(self) -> None:
        self.record = _read_record(self.fd)

    def held_fd(self, kind: str, object_id: int) -> int:
        """A new fd (a user) of an object the link holds (ENOENT when it holds no such object)."""
        return refs.open_ref(bpffs_root(), ("link", self.id), (kind, object_id), os.O_RDONLY)


def _read_record(fd: int) -> dict[str, Any]:
    raw = os.pread(fd, len(LINK_MAGIC) + 4, 0)
    size = int.from_bytes(raw[len(LINK_MAGIC) :], "little") if len(raw) == len(LINK_MAGIC) + 4 else -1
    if not 0 < size <= _RECORD_MAX:
        raise BPFError(errno.EUCLEAN, "the link's file is corrupted")
    try:
        record = json.loads(os.pread(fd, size, len(LINK_MAGIC) + 4))
    except ValueError:
        record = None
    if not isinstance(record, dict) or not all(
        isinstance(record.get(k), int) and record[k] >= 0 for k in ("id", "type", "prog_id")
    ):
        raise BPFError(errno.EUCLEAN, "the link's file is corrupted")
    return record


def _encode(record: dict[str, Any]) -> bytes:
    data = json.dumps(record, sort_keys=True).encode()
    return LINK_MAGIC + len(data).to_bytes(4, "little") + data


@contextlib.contextmanager
def changing(link: LinkObject) -> Iterator[dict[str, Any]]:
    """The link's record, read under the file's exclusive lock, written back when the block ends."""
    fd = os.open(f"/proc/self/fd/{link.fd}", os.O_RDWR | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        record = _read_record(fd)
        yield record
        data = _encode(record)
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, len(data))
        link.record = record
    finally:
        os.close(fd)


def is_link_fd(fd: int) -> bool:
    """Whether ``fd`` is a pybpf link (no error for any other fd)."""
    try:
        LinkObject.from_fd(fd)
    except BPFError as exc:
        return exc.errno == errno.EUCLEAN
    return True


def create(record: dict[str, Any], held: list[tuple[str, int, int]]) -> int:
    """A new link of ``record`` (its ``type``, ``prog_id`` ...; the id is given here) holding each
    (kind, id, fd of its file) of ``held``; its fd (``bpf_link_prime`` + ``bpf_link_settle``)."""
    root = bpffs_root()
    link_id = next_object_id("link", root)
    record = {**record, "id": link_id}
    fd = refs.new_object_file(root, 0o600)  # (marked from the start: see refs.new_object_file)
    try:
        os.pwrite(fd, _encode(record), 0)
        link_fd = refs.hold(os.open(f"/proc/self/fd/{fd}", os.O_RDONLY | os.O_CLOEXEC))
        refs.register_holder(root, "link", link_id, fd)
    finally:
        os.close(fd)
    try:
        for kind, object_id, object_fd in held:
            refs.add_ref(root, ("link", link_id), (kind, object_id), object_fd)
    except BaseException:
        os.close(link_fd)
        shutil.rmtree(refs.holder_dir(root, "link", link_id), ignore_errors=True)
        raise
    return link_fd


def discard(link_fd: int) -> None:
    """Undo ``create`` (an attachment that failed after the link was primed: ``bpf_link_cleanup``)."""
    link = LinkObject.from_fd(link_fd)
    os.close(link_fd)
    shutil.rmtree(refs.holder_dir(bpffs_root(), "link", link.id), ignore_errors=True)


def swap_held(link: LinkObject, kind: str, old_id: int, new: tuple[int, int] | None) -> None:
    """The link holds ``new`` (id, fd of its file) of ``kind`` instead of ``old_id`` (0: none)."""
    root = bpffs_root()
    if new is not None:
        refs.add_ref(root, ("link", link.id), (kind, new[0]), new[1])
    if old_id and (new is None or new[0] != old_id):
        refs.drop_ref(root, ("link", link.id), (kind, old_id))


# --- ids --------------------------------------------------------------------------------------------


def get_next_id(start_id: int) -> int:
    """BPF_LINK_GET_NEXT_ID: the smallest live link id above ``start_id`` (EINVAL, ENOENT)."""
    return refs.next_id(bpffs_root(), "link", start_id)


def get_fd_by_id(link_id: int) -> int:
    """BPF_LINK_GET_FD_BY_ID: a new fd of live link ``link_id`` (ENOENT for none, id 0 too)."""
    root = bpffs_root()
    if not link_id:
        raise BPFError(errno.ENOENT, "no link with id 0")
    refs.collect(root)  # a link whose last fd and pin went is gone (its refcount reached 0)
    return refs.open_holder(root, "link", link_id, os.O_RDONLY)


# --- commands shared by every type -----------------------------------------------------------------


def get_info_by_fd(
    link: LinkObject, info_len: int, address: int, write_back: Callable[[int, bytes], None]
) -> int:
    """``bpf_link_get_info_by_fd``."""
    info, info_len = read_info(address, info_len, uapi.bpf_link_info)
    info.type = link.type
    info.id = link.id
    info.prog_id = link.prog_id
    fill = _ops(link.type).fill_info
    if fill is not None:
        fill(link, info)
    copy_to_user(address, bytes(info)[:info_len])
    write_back(_INFO_LEN_OFFSET, info_len.to_bytes(4, "little"))
    return 0


def detach(link_fd: int) -> int:
    """``link_detach``: the type's ``detach``, EOPNOTSUPP for a type without one."""
    link = LinkObject.from_fd(link_fd)
    ops = _ops(link.type)
    if ops.detach is None:
        raise BPFError(errno.EOPNOTSUPP, "this link type cannot be detached")
    ops.detach(link)
    return 0


def update(link_fd: int, new_fd: int, flags: int, old_fd: int) -> int:
    """``link_update``: flags, the link, then its maps (``link_update_map``) or programs."""
    if flags & ~uapi.BPF_F_REPLACE:
        raise BPFError(errno.EINVAL, "link_update takes BPF_F_REPLACE only")
    link = LinkObject.from_fd(link_fd)
    ops = _ops(link.type)
    from_map = ops.update_map is not None
    _check_kind(new_fd, from_map)
    old: int | None = None
    if flags & uapi.BPF_F_REPLACE:
        _check_kind(old_fd, from_map)
        old = old_fd
    elif old_fd:
        raise BPFError(errno.EINVAL, "old_prog_fd without BPF_F_REPLACE")
    if ops.update_map is not None:
        ops.update_map(link, new_fd, old)
    elif ops.update_prog is not None:
        ops.update_prog(link, new_fd, old)
    else:
        raise BPFError(errno.EINVAL, "this link type cannot be updated")
    return 0


def _check_kind(fd: int, is_map: bool) -> None:
    """``bpf_map_get`` / ``bpf_prog_get`` of an fd: EBADF, EINVAL for another object."""
    if is_map:
        if fd > 0x7FFFFFFF:  # a negative int to the kernel: never open
            raise BPFError(errno.EBADF, f"fd {fd} is not open")
        map_and_mode(fd)
    else:
        ProgObject.from_fd(fd)


__all__ = [
    "LINK_MAGIC",
    "LinkObject",
    "LinkType",
    "changing",
    "create",
    "detach",
    "discard",
    "get_fd_by_id",
    "get_info_by_fd",
    "get_next_id",
    "is_link_fd",
    "register_type",
    "swap_held",
    "update",
]
