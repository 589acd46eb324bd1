"""The programs attached to a sockmap or sockhash: BPF_PROG_ATTACH / DETACH / QUERY on a map fd.

Mirrors net/core/sock_map.c (Linux 6.18): ``sock_map_get_from_fd`` (attach), ``sock_map_prog_detach``,
``sock_map_bpf_prog_query`` and the ``sock_map_prog_update`` / ``sock_map_prog_link_lookup`` they share:

* the target fd is a map (``__bpf_map_get``: EBADF, EINVAL for another file); one that is neither a
  sockmap nor a sockhash has no programs (EOPNOTSUPP);
* four attach points, one program each: BPF_SK_MSG_VERDICT (``msg_parser``), BPF_SK_SKB_STREAM_PARSER,
  BPF_SK_SKB_STREAM_VERDICT and BPF_SK_SKB_VERDICT -- the last two exclude each other: naming one
  while the other holds a program is EBUSY, for a query too;
* attach takes no ``attach_flags`` and no ``replace_bpf_fd`` (EINVAL) and replaces the program of its
  point (the old one is let go of); detach names the program attached (the same flags rules, then
  ``bpf_prog_get``: EBADF / EINVAL, a program of another type EINVAL, another program than the one
  attached or none at all ENOENT, ``psock_replace_prog``); a point a link attached is EBUSY for both;
* a query takes no ``query_flags`` (EINVAL); it writes ``attach_flags`` 0, ``prog_cnt`` (0 or 1) and,
  when the caller passed a ``prog_ids`` buffer and a non-zero ``prog_cnt``, the program's id -- also
  when the map refused the query (EOPNOTSUPP, EBUSY), as the kernel writes them on its way out.

The ids live in the map's header (``MapObject.attached``), under its lock; the map holds each
attached program by a reference of its reference directory, and lets go of them all when its last fd
and pin are gone (``sock_map_release_progs``, run by ``pybpf.maps.object``'s release).  pybpf has no
socket layer, so the programs are recorded, queried and held but not run on traffic: sockets put into
the map carry no data through pybpf.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.map_elem import map_of
from pybpf.kernel.progobj import ProgObject, prog_get_type
from pybpf.kernel.usermem import copy_to_user
from pybpf.maps.object import MapObject
from pybpf.objects import refs
from pybpf.objects.files import bpffs_root

SLOTS = {
    uapi.BPF_SK_MSG_VERDICT: 0,
    uapi.BPF_SK_SKB_STREAM_PARSER: 1,
    uapi.BPF_SK_SKB_STREAM_VERDICT: 2,
    uapi.BPF_SK_SKB_VERDICT: 3,
}
"""Each attach type's place in ``struct sk_psock_progs`` (msg_parser, stream_parser, stream_verdict,
skb_verdict), as ``MapObject.attached`` keeps them."""
_EXCLUSIVE = {2: 3, 3: 2}
"""stream_verdict and skb_verdict: a program at one makes the other EBUSY."""
_SOCK_MAPS = frozenset({uapi.BPF_MAP_TYPE_SOCKMAP, uapi.BPF_MAP_TYPE_SOCKHASH})


def _slot(obj: MapObject, attach_type: int) -> int:
    """``sock_map_prog_link_lookup``: the attach point of ``attach_type`` (lock held)."""
    if obj.map_type not in _SOCK_MAPS:
        raise BPFError(errno.EOPNOTSUPP, "only sockmaps and sockhashes have programs attached")
    slot = SLOTS.get(attach_type)
    if slot is None:
        raise BPFError(errno.EOPNOTSUPP, "no such attach point on a sockmap")
    other = _EXCLUSIVE.get(slot)
    if other is not None and obj.attached()[0][other]:
        raise BPFError(errno.EBUSY, "stream_verdict and skb_verdict programs exclude each other")
    return slot


def _check_flags(attach_flags: int, replace_bpf_fd: int) -> None:
    if attach_flags or replace_bpf_fd:
        raise BPFError(errno.EINVAL, "sockmap attachments take no attach_flags nor replace_bpf_fd")


def _update(
    obj: MapObject, attach_type: int, new: tuple[ProgObject, int] | None, old: ProgObject | None
) -> None:
    """``sock_map_prog_update`` for an attach (``new``: the program and an fd of it) or a detach
    (``old``), the map's references to the programs following."""
    root = bpffs_root()
    with obj.lock:
        slot = _slot(obj, attach_type)
        progs, links = obj.attached()
        if links[slot]:
            raise BPFError(errno.EBUSY, "a link holds this attach point")
        current = progs[slot]
        if old is not None and current != old.id:
            raise BPFError(errno.ENOENT, "that program is not the one attached")
        new_id = 0
        if new is not None:
            new_id = new[0].id
            refs.add_ref(root, ("map", obj.id), ("prog", new_id), new[1])
        obj.set_attached(slot, new_id)
        progs[slot] = new_id
        if current and current not in progs:
            refs.drop_ref(root, ("map", obj.id), ("prog", current))


def attach(a: uapi.bpf_attr, prog: ProgObject) -> int:
    """``sock_map_get_from_fd``: attach ``prog`` (open as ``attach_bpf_fd``) to the map ``target_fd``."""
    _check_flags(a.attach_flags, a.replace_bpf_fd)
    _update(map_of(a.target_fd), a.attach_type, (prog, a.attach_bpf_fd), None)
    return 0


def detach(a: uapi.bpf_attr, prog_type: int) -> int:
    """``sock_map_prog_detach``: detach the program ``attach_bpf_fd`` from the map ``target_fd``."""
    _check_flags(a.attach_flags, a.replace_bpf_fd)
    obj = map_of(a.target_fd)
    prog_fd = a.attach_bpf_fd
    old = prog_get_type(prog_fd, prog_type)
    _update(obj, a.attach_type, None, old)
    return 0


def query(q: Any, write_back: Callable[[str, int], None]) -> int:
    """``sock_map_bpf_prog_query``: ``write_back(field, value)`` puts ``attach_flags`` and
    ``prog_cnt`` back into the attr; the id goes to ``prog_ids``.  The map's refusal (EOPNOTSUPP,
    EBUSY) is raised after the writes, as the kernel writes them on its way out."""
    if q.query_flags:
        raise BPFError(errno.EINVAL, "sockmap queries take no query_flags")
    obj = map_of(q.target_fd)
    refusal: BPFError | None = None
    prog_id = 0
    try:
        with obj.lock:
            prog_id = obj.attached()[0][_slot(obj, q.attach_type)]
    except BPFError as exc:
        refusal = exc
    write_back("attach_flags", 0)
    if prog_id and q.prog_cnt and q.prog_ids:
        copy_to_user(q.prog_ids, prog_id.to_bytes(4, "little"))
    write_back("prog_cnt", 1 if prog_id else 0)
    if refusal is not None:
        raise refusal
    return 0
