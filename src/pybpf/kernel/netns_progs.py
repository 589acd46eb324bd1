"""The programs attached to a network namespace: the flow dissector through BPF_PROG_ATTACH.

Mirrors kernel/bpf/net_namespace.c (Linux 6.18): ``netns_bpf_prog_attach``,
``netns_bpf_prog_detach``, ``netns_bpf_prog_query`` and net/core/flow_dissector.c's
``flow_dissector_bpf_prog_attach_check``:

* attach and detach act on the caller's own namespace: a ``target_fd`` is EINVAL, and so are
  ``attach_flags`` and, for attach, ``replace_bpf_fd``; attaching the program already attached is
  EINVAL, another one replaces it; the initial namespace and the others exclude each other (a flow
  dissector in the one makes attaching in the other EEXIST); detach names the attached program
  (``bpf_prog_get_type``: EBADF / EINVAL), ENOENT for another one or none;
* a query names a namespace by an fd of it (``get_net_ns_by_fd``: EBADF, EINVAL for another file),
  takes no ``query_flags`` (EINVAL), and writes ``attach_flags`` 0, ``prog_cnt`` and, given a
  buffer and a non-zero ``prog_cnt``, ``prog_cnt`` ids (the attached one, then zeros:
  ``bpf_prog_array_copy_to_user``).  BPF_SK_LOOKUP queries count the namespace's sk_lookup links,
  which pybpf has none of.

A namespace is named by the inode of its nsfs file (``/proc/self/ns/net``); its flow dissector is a
hard link to the program's file in ``<root>/.netns/`` named ``<inode>-flow_dissector``, which holds
the program (a pinned-like name: the program is not collected) and is replaced atomically
(``rename``) under an ``flock`` (the kernel's ``netns_bpf_mutex``).  pybpf runs no flow dissection on
traffic; the program is recorded, queried and held.  A namespace that goes away keeps its record (pybpf
sees no namespace die) until it is detached.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable
from typing import Any

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.progobj import ProgObject, prog_get_type
from pybpf.kernel.usermem import copy_to_user
from pybpf.objects.files import link_object, locked_directory

_DIR = ".netns"
_FLOW_DISSECTOR = "flow_dissector"
_KCALLOC_MAX = 1 << 22
"""The most bytes of ids ``bpf_prog_array_copy_to_user``'s ``kcalloc`` gives (KMALLOC_MAX_SIZE)."""


def _own_netns() -> int:
    return os.stat("/proc/self/ns/net").st_ino


def _init_netns() -> int | None:
    """The initial namespace (pid 1's), None where it cannot be seen."""
    try:
        return os.stat("/proc/1/ns/net").st_ino
    except OSError:
        return None


def netns_of_fd(fd: int) -> int:
    """``get_net_ns_by_fd``: the namespace an nsfs fd names; EBADF for no open fd, EINVAL otherwise."""
    if not 0 <= fd <= 0x7FFFFFFF:
        raise BPFError(errno.EBADF, f"fd {fd} is not open")
    try:
        st = os.fstat(fd)
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        raise BPFError(errno.EBADF, f"fd {fd} is not open") from None
    if not target.startswith("net:["):
        raise BPFError(errno.EINVAL, f"fd {fd} is not a network namespace")
    return st.st_ino


def _attached(directory: str, netns: int) -> int:
    """The id of the flow dissector attached in ``netns`` (0: none)."""
    try:
        fd = os.open(os.path.join(directory, f"{netns}-{_FLOW_DISSECTOR}"), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return 0
    try:
        return ProgObject.from_fd(fd).id
    except BPFError:
        return 0
    finally:
        os.close(fd)


def attach(a: uapi.bpf_attr, prog: ProgObject) -> int:
    """``netns_bpf_prog_attach`` of the flow dissector ``prog`` (open as ``attach_bpf_fd``)."""
    if a.target_fd or a.attach_flags or a.replace_bpf_fd:
        raise BPFError(errno.EINVAL, "a namespace attachment takes no target_fd, flags nor replace_bpf_fd")
    if a.attach_type != uapi.BPF_FLOW_DISSECTOR:
        raise BPFError(errno.EINVAL, "only flow dissectors attach to a namespace")
    netns, init = _own_netns(), _init_netns()
    with locked_directory(_DIR) as directory:
        suffix = f"-{_FLOW_DISSECTOR}"
        others = [
            int(name[: -len(suffix)])
            for name in os.listdir(directory)
            if name.endswith(suffix) and name[: -len(suffix)].isdigit()
        ]
        if init is not None and (
            (netns == init and any(other != init for other in others)) or (netns != init and init in others)
        ):
            raise BPFError(
                errno.EEXIST, "the initial namespace and the others exclude each other's flow dissector"
            )
        if _attached(directory, netns) == prog.id:
            raise BPFError(errno.EINVAL, "this program is attached already")
        path = os.path.join(directory, f"{netns}{suffix}")
        temporary = f"{path}.{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        link_object(a.attach_bpf_fd, temporary)
        os.rename(temporary, path)
    return 0


def detach(a: uapi.bpf_attr, prog_type: int) -> int:
    """``netns_bpf_prog_detach``: the caller's namespace's flow dissector, if it is ``attach_bpf_fd``'s."""
    if a.target_fd:
        raise BPFError(errno.EINVAL, "a namespace detachment takes no target_fd")
    if a.attach_type != uapi.BPF_FLOW_DISSECTOR:
        raise BPFError(errno.EINVAL, "only flow dissectors attach to a namespace")
    prog = prog_get_type(a.attach_bpf_fd, prog_type)
    netns = _own_netns()
    with locked_directory(_DIR) as directory:
        if _attached(directory, netns) != prog.id:
            raise BPFError(errno.ENOENT, "that program is not the namespace's flow dissector")
        os.unlink(os.path.join(directory, f"{netns}-{_FLOW_DISSECTOR}"))
    return 0


def query(q: Any, write_back: Callable[[str, int], None]) -> int:
    """``netns_bpf_prog_query`` of the attr's ``query``; ``write_back(field, value)`` into it."""
    if q.query_flags:
        raise BPFError(errno.EINVAL, "namespace queries take no query_flags")
    netns = netns_of_fd(q.target_fd)
    prog_cnt, prog_ids = q.prog_cnt, q.prog_ids
    attached = 0
    if q.attach_type == uapi.BPF_FLOW_DISSECTOR:
        with locked_directory(_DIR) as directory:
            attached = _attached(directory, netns)
    write_back("attach_flags", 0)
    write_back("prog_cnt", 1 if attached else 0)
    if attached and prog_cnt and prog_ids:
        if 4 * prog_cnt > _KCALLOC_MAX:
            raise BPFError(errno.ENOMEM, "prog_cnt larger than the kernel allocates ids for")
        copy_to_user(prog_ids, attached.to_bytes(4, "little").ljust(4 * prog_cnt, b"\0"))
    return 0
