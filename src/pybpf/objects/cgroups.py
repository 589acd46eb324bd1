"""Cgroups as BPF sees them: the kernel's own cgroup v2 hierarchy, named by cgroup id.

Mirrors what kernel/cgroup/cgroup.c gives BPF: ``cgroup_get_from_fd`` (an fd of a cgroup v2
directory -> that cgroup; EBADF for a closed fd, any other file or directory, and a cgroup v1
directory, which ``cgroup_on_dfl`` refuses) and ``task_under_cgroup_hierarchy`` (whether the current
task's default-hierarchy cgroup is the given one or one of its descendants).

pybpf does not own cgroups -- they are the running kernel's, shared by every process -- so what a
BPF object keeps of one is its id (``cgroup_id()``: the inode number of its kernfs directory, which
is what ``bpf_get_current_cgroup_id`` and BPF_CGROUP_ITER report), not a reference: a cgroup removed
after it was stored simply matches no task any more (the kernel's reference would keep a dead,
offline cgroup that no task can enter either).  Cgroup storage maps, which take directories of
either hierarchy (``cgroup_v1v2_get_from_fd``), name a cgroup by its filesystem's device and its
inode (``cgroup_key_of_fd``): inode numbers alone repeat across the v1 hierarchies.
"""

from __future__ import annotations

import errno
import functools
import os
import stat
import struct

from pybpf.errors import BPFError


@functools.cache
def cgroup2_mount() -> str | None:
    """The mount point of the cgroup v2 (default) hierarchy, from /proc/self/mountinfo; None when
    none is mounted."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as handle:
            for line in handle:
                fields = line.split()
                separator = fields.index("-")
                if fields[separator + 1] == "cgroup2":
                    return fields[4]
    except (OSError, ValueError, IndexError):
        return None
    return None


@functools.cache
def cgroup_devices() -> frozenset[int]:
    """The device numbers of every mounted cgroup filesystem, v1 (``cgroup``) and v2 (``cgroup2``)."""
    found: set[int] = set()
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as handle:
            for line in handle:
                fields = line.split()
                if fields[fields.index("-") + 1] in ("cgroup", "cgroup2"):
                    major, minor = fields[2].split(":")
                    found.add(os.makedev(int(major), int(minor)))
    except (OSError, ValueError, IndexError):
        return frozenset()
    return frozenset(found)


CGROUP_KEY = struct.Struct("<QQ")
"""The bytes of a cgroup's key in cgroup storage maps: its filesystem's device and its inode."""


def cgroup_key_of_fd(fd: int) -> bytes:
    """``cgroup_v1v2_get_from_fd``: the key of the cgroup directory (v1 or v2, O_PATH too) ``fd`` is
    open on; EBADF for an fd that is not open or any other file."""
    try:
        if fd < 0:
            raise OSError(errno.EBADF, "negative fd")
        st = os.fstat(fd)
    except OSError:
        raise BPFError(errno.EBADF, f"fd {fd} is not a cgroup directory") from None
    if not stat.S_ISDIR(st.st_mode) or st.st_dev not in cgroup_devices():
        raise BPFError(errno.EBADF, f"fd {fd} is not a cgroup directory")
    return CGROUP_KEY.pack(st.st_dev, st.st_ino)


def current_cgroup_key() -> bytes | None:
    """The key of the calling process's default-hierarchy cgroup, None when it cannot be found."""
    path = current_cgroup_path()
    return None if path is None else _key_of_path(path)


def _key_of_path(path: str, cgroup_id: int | None = None) -> bytes | None:
    """The cgroup storage key of the cgroup v2 directory ``path`` (None when it is gone, or when
    ``cgroup_id`` is given and the directory is not that cgroup)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if cgroup_id is not None and st.st_ino != cgroup_id:
        return None
    return CGROUP_KEY.pack(st.st_dev, st.st_ino)


def cgroup_id_of_fd(fd: int) -> int:
    """``cgroup_get_from_fd``: the id of the cgroup v2 directory ``fd`` is open on (O_PATH too).

    EBADF for an fd that is not open (or above INT_MAX), a file that is not a directory of the
    cgroup v2 filesystem, or a cgroup v1 directory."""
    mount = cgroup2_mount()
    try:
        if fd > 0x7FFFFFFF or fd < 0 or mount is None:
            raise OSError(errno.EBADF, "not a cgroup")
        st = os.fstat(fd)
        root = os.stat(mount)
    except OSError:
        raise BPFError(errno.EBADF, f"fd {fd} is not a cgroup v2 directory") from None
    if not stat.S_ISDIR(st.st_mode) or st.st_dev != root.st_dev:
        raise BPFError(errno.EBADF, f"fd {fd} is not a cgroup v2 directory")
    return st.st_ino


def current_cgroup_path() -> str | None:
    """The cgroup v2 directory of the calling process (``task_dfl_cgroup(current)``), None when it
    cannot be found."""
    mount = cgroup2_mount()
    if mount is None:
        return None
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("0::"):
                    path = os.path.join(mount, line[3:].strip().lstrip("/"))
                    return path if os.path.isdir(path) else None
    except OSError:
        return None
    return None


def current_task_under(cgroup_id: int) -> bool:
    """``task_under_cgroup_hierarchy(current, cgrp)``: whether the calling process's cgroup is the
    cgroup ``cgroup_id`` or a descendant of it (its directory or one above it, up to the mount)."""
    mount = cgroup2_mount()
    path = current_cgroup_path()
    if mount is None or path is None:
        return False
    while True:
        try:
            if os.stat(path).st_ino == cgroup_id:
                return True
        except OSError:
            return False
        if os.path.samefile(path, mount) or path in ("/", ""):
            return False
        path = os.path.dirname(path.rstrip("/"))


def _current_levels() -> tuple[str, list[str]] | None:
    """The cgroup v2 mount and the calling process's cgroup as path components below it (its
    ``cgroup->level`` is their number), None when either cannot be found."""
    mount = cgroup2_mount()
    path = current_cgroup_path()
    if mount is None or path is None:
        return None
    return mount, [part for part in os.path.relpath(path, mount).split(os.sep) if part not in ("", ".")]


def current_ancestor_id(level: int | None = None) -> int:
    """``cgroup_id(cgroup_ancestor(task_dfl_cgroup(current), level))``: the id of the calling process's
    default-hierarchy cgroup's ancestor at depth ``level`` (0: the root; None: its own cgroup), 0 for
    a negative level, one deeper than its cgroup, or a cgroup that cannot be found."""
    found = _current_levels()
    if found is None:
        return 0
    mount, parts = found
    if level is None:
        level = len(parts)
    if not 0 <= level <= len(parts):
        return 0
    try:
        return os.stat(os.path.join(mount, *parts[:level])).st_ino
    except OSError:
        return 0


CGROUP_ADDRESS_BASE = 0xFFFF_8890_0000_0000
"""Where the addresses pybpf gives cgroups start: in the x86-64 kernel's direct map, above the tasks'
(``pybpf.objects.tasks``), so no user-space mapping has them and probe loads through them read 0."""
CGROUP_ADDRESS_STRIDE = 1 << 12
"""Bytes between two cgroups' addresses (by id)."""
CGROUP_ID_LIMIT = 1 << 32
"""The ids that have an address (kernfs node ids of a 64-bit kernel: the inode number, below 2^32)."""


def cgroup_path_of_id(cgroup_id: int) -> str | None:
    """``cgroup_get_from_id``: the cgroup v2 directory whose id (inode number) is ``cgroup_id``, None
    when there is none (a file's id, a removed cgroup, an id of another filesystem)."""
    mount = cgroup2_mount()
    if mount is None or not 0 < cgroup_id < CGROUP_ID_LIMIT:
        return None
    for directory, _subdirs, _files in os.walk(mount):
        try:
            if os.stat(directory).st_ino == cgroup_id:
                return directory
        except OSError:
            continue
    return None


def cgroup_address(cgroup_id: int) -> int:
    """The address programs see for the cgroup ``cgroup_id`` (``bpf_cgroup_from_id``)."""
    return CGROUP_ADDRESS_BASE + cgroup_id * CGROUP_ADDRESS_STRIDE


def cgroup_id_of_address(address: int) -> int | None:
    """The id of the cgroup a program's cgroup pointer names, None for any other address."""
    offset = address - CGROUP_ADDRESS_BASE
    if offset <= 0 or offset % CGROUP_ADDRESS_STRIDE or offset // CGROUP_ADDRESS_STRIDE >= CGROUP_ID_LIMIT:
        return None
    return offset // CGROUP_ADDRESS_STRIDE


def cgroup_key_of_id(cgroup_id: int) -> bytes | None:
    """The cgroup storage key (``cgroup_key_of_fd``'s) of the cgroup v2 directory ``cgroup_id``, None
    when there is no such cgroup."""
    path = cgroup_path_of_id(cgroup_id)
    return None if path is None else _key_of_path(path, cgroup_id)


def current_net_cls_classid() -> int:
    """``task_cls_state(current)->classid``: the ``net_cls.classid`` of the calling process's cgroup in
    the cgroup v1 net_cls hierarchy, 0 where none is mounted (every task is then in its root, whose
    classid is 0) or it cannot be read."""
    try:
        mount = None
        with open("/proc/self/mountinfo", encoding="utf-8") as handle:
            for line in handle:
                fields = line.split()
                separator = fields.index("-")
                if fields[separator + 1] == "cgroup" and "net_cls" in fields[-1].split(","):
                    mount = fields[4]
                    break
        if mount is None:
            return 0
        with open("/proc/self/cgroup", encoding="utf-8") as handle:
            for line in handle:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                if "net_cls" in controllers.split(","):
                    classid_file = os.path.join(mount, path.lstrip("/"), "net_cls.classid")
                    with open(classid_file, encoding="utf-8") as classid:
                        return int(classid.read().strip()) & 0xFFFF_FFFF
    except (OSError, ValueError, IndexError):
        return 0
    return 0
