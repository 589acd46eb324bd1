"""struct_ops links: BPF_LINK_CREATE with BPF_STRUCT_OPS, and their update, detach and info.

Mirrors kernel/bpf/bpf_struct_ops.c of Linux 6.18: ``bpf_struct_ops_link_create`` (the map fd's
errno -- EBADF, EINVAL for another object --, then EINVAL unless the map is a BPF_F_LINK
struct_ops map its update made READY; the type's ``reg``, whose error undoes the link),
``bpf_struct_ops_map_link_update`` (a new map valid to register, EINVAL; ENOLINK once detached;
BPF_F_REPLACE with another map than the link's: EPERM; a map of another struct: EINVAL; the type's
``update``), ``bpf_struct_ops_map_link_detach`` (the type's ``unreg``, the link keeps no map: 0,
also when detached already) and ``bpf_struct_ops_map_link_fill_link_info`` (``struct_ops.map_id``,
0 once detached).  The link has no program (``prog_id`` 0).

The link holds its map (``pybpf.objects.refs``); the registration (``StructOpsMap.link_reg``: a
tcp_congestion_ops name) is the link's, and goes with the link's last fd and pin.
"""

from __future__ import annotations

import errno
import os
from typing import Any, Protocol, cast

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel import link_obj
from pybpf.kernel.link_obj import LinkObject
from pybpf.kernel.map_elem import map_of
from pybpf.maps.object import MapObject


def _owner(link_id: int) -> str:
    return f"link-{link_id}"


class StructOpsLinkTarget(Protocol):
    """What a struct_ops map offers its links (``pybpf.maps.struct_ops.StructOpsMap``: the kernel layer
    reaches map types through their interface only, as ``tests/maps/test_interface.py`` checks)."""

    @property
    def value_type_id(self) -> int: ...

    def valid_to_reg(self) -> bool: ...

    def link_reg(self, owner: str) -> None: ...

    def link_update(self, old: Any, owner: str) -> None: ...

    def link_unreg(self, owner: str) -> None: ...


def _struct_ops(obj: MapObject) -> StructOpsLinkTarget | None:
    """The map as a struct_ops map, None for a map of another type."""
    if obj.params.map_type != uapi.BPF_MAP_TYPE_STRUCT_OPS:
        return None
    return cast(StructOpsLinkTarget, obj.impl)


def _valid_to_reg(obj: MapObject) -> StructOpsLinkTarget:
    impl = _struct_ops(obj)
    if impl is None or not impl.valid_to_reg():
        raise BPFError(errno.EINVAL, "not a BPF_F_LINK struct_ops map whose value is READY")
    return impl


def link_create(map_fd: int) -> int:
    """``bpf_struct_ops_link_create``: a new link registering the map ``map_fd``."""
    obj = map_of(map_fd)
    impl = _valid_to_reg(obj)
    record = {"type": uapi.BPF_LINK_TYPE_STRUCT_OPS, "prog_id": 0, "attach_type": uapi.BPF_STRUCT_OPS,
              "map_id": obj.id}  # fmt: skip
    link_fd = link_obj.create(record, [("map", obj.id, map_fd)])
    try:
        with obj.lock:
            impl.link_reg(_owner(LinkObject.from_fd(link_fd).id))
    except BaseException:
        link_obj.discard(link_fd)
        raise
    return link_fd


def _held_map(link: LinkObject, map_id: int) -> MapObject:
    fd = link.held_fd("map", map_id)
    try:
        return MapObject.from_fd(fd)
    finally:
        os.close(fd)


def _update_map(link: LinkObject, new_fd: int, old_fd: int | None) -> None:
    """``bpf_struct_ops_map_link_update``."""
    new = map_of(new_fd)
    impl = _valid_to_reg(new)
    with link_obj.changing(link) as record:
        current = int(record.get("map_id", 0))
        if not current:
            raise BPFError(errno.ENOLINK, "the link was detached")
        if old_fd is not None and map_of(old_fd).id != current:
            raise BPFError(errno.EPERM, "old_map_fd is not the link's map")
        old = _held_map(link, current)
        old_impl = _struct_ops(old)
        if old_impl is None or old_impl.value_type_id != impl.value_type_id:
            raise BPFError(errno.EINVAL, "the new map's struct is not the link's")
        with new.lock:
            impl.link_update(old_impl, _owner(link.id))
        link_obj.swap_held(link, "map", current, (new.id, new_fd))
        record["map_id"] = new.id


def _detach(link: LinkObject) -> None:
    """``bpf_struct_ops_map_link_detach``."""
    with link_obj.changing(link) as record:
        current = int(record.get("map_id", 0))
        if not current:
            return
        old = _held_map(link, current)
        old_impl = _struct_ops(old)
        if old_impl is not None:
            with old.lock:
                old_impl.link_unreg(_owner(link.id))
        link_obj.swap_held(link, "map", current, None)
        record["map_id"] = 0


def _fill_info(link: LinkObject, info: Any) -> None:
    info.struct_ops.map_id = int(link.record.get("map_id", 0))


link_obj.register_type(
    uapi.BPF_LINK_TYPE_STRUCT_OPS,
    link_obj.LinkType(fill_info=_fill_info, detach=_detach, update_map=_update_map),
)

__all__ = ["link_create"]
