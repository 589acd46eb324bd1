"""``pybpf.Link``: a bpf link over any backend's bpf(), like libbpf's ``struct bpf_link``.

Mirrors what libbpf users do with ``bpf_link__*`` and the raw link commands: ``Link`` owns one link
fd (``close()`` or the end of a ``with`` block closes it: the attachment ends once no fd or pin
holds the link, as the kernel's does), ``info()`` is BPF_OBJ_GET_INFO_BY_FD (an iterator's target
name fetched too), ``detach()`` BPF_LINK_DETACH, ``update_program`` / ``update_map``
BPF_LINK_UPDATE (with BPF_F_REPLACE when ``old`` is given), ``pin(path)`` / ``Link.from_pinned`` /
``Link.from_id`` the pins and ids, and for iterator links ``open_iter()`` (BPF_ITER_CREATE) and
``read_iter()``, what reads of a new iterator fd yield -- raising the errno that ends them
(EAGAIN, E2BIG) as the kernel's reads do.
"""

from __future__ import annotations

import ctypes
import errno
import os
from typing import ClassVar

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.fd_object import FdObject
from pybpf.kernel.backend import Backend, UserBackend, get_backend
from pybpf.kernel.iter_link import read_iter
from pybpf.libbpf import (
    bpf_iter_create,
    bpf_link_detach,
    bpf_link_get_fd_by_id,
    bpf_link_get_info_by_fd,
    bpf_link_update,
)

LINK_TYPE_NAMES: dict[int, str] = {
    member.value: member.name.removeprefix("BPF_LINK_TYPE_").lower()
    for member in uapi.bpf_link_type
    if not member.name.startswith("__")
}
"""BPF_LINK_TYPE_* -> bpftool's link type names ("tracing", "iter", "struct_ops", ...)."""


class IterReadError(BPFError):
    """A read of an iterator fd failed (EAGAIN: the program asked to retry an object; E2BIG: one
    object's output does not fit the seq_file's buffer); ``partial``: the bytes read before."""

    def __init__(self, err: int, partial: bytes) -> None:
        super().__init__(err, f"reading the iterator failed after {len(partial)} bytes")
        self.partial = partial


class Link(FdObject):
    """A bpf link (libbpf's ``struct bpf_link``): owns its fd; the attachment lasts until the link's
    last fd and pin are gone (``close()``, or the ``with`` block's end, closes this fd)."""

    kind: ClassVar[str] = "link"

    def __init__(self, fd: int, *, backend: Backend | None = None) -> None:
        self.backend = backend if backend is not None else get_backend()
        self._fd = fd

    @classmethod
    def from_id(cls, link_id: int, *, backend: Backend | None = None) -> Link:
        """BPF_LINK_GET_FD_BY_ID: the link ``link_id`` (ENOENT when there is none)."""
        backend = backend if backend is not None else get_backend()
        return cls(bpf_link_get_fd_by_id(link_id, backend=backend), backend=backend)

    @classmethod
    def from_pinned(cls, path: str, *, backend: Backend | None = None) -> Link:
        """BPF_OBJ_GET: the link pinned at ``path`` (``bpf_link__open``)."""
        backend = backend if backend is not None else get_backend()
        return cls(cls._get_pinned(path, 0, backend), backend=backend)

    def info(self) -> uapi.bpf_link_info:
        """BPF_OBJ_GET_INFO_BY_FD."""
        return bpf_link_get_info_by_fd(self.fd, backend=self.backend)

    @property
    def id(self) -> int:
        return int(self.info().id)

    def target_name(self) -> str:
        """An iterator link's target ("bpf_map" ...: ``iter.target_name``); "" for other links."""
        info = self.info()
        if info.type != uapi.BPF_LINK_TYPE_ITER:
            return ""
        name = ctypes.create_string_buffer(max(info.iter.target_name_len, 1))
        info = uapi.bpf_link_info()
        info.iter.target_name, info.iter.target_name_len = ctypes.addressof(name), len(name)
        bpf_link_get_info_by_fd(self.fd, info, backend=self.backend)
        return name.value.decode(errors="replace")

    def detach(self) -> None:
        """BPF_LINK_DETACH (EOPNOTSUPP for link types the kernel cannot detach)."""
        bpf_link_detach(self.fd, backend=self.backend)

    def update_program(self, program: int | FdObject, old: int | FdObject | None = None) -> None:
        """BPF_LINK_UPDATE to ``program`` (``bpf_link__update_program``); with ``old``, BPF_F_REPLACE."""
        self._update(program, old)

    def update_map(self, map_: int | FdObject, old: int | FdObject | None = None) -> None:
        """BPF_LINK_UPDATE of a struct_ops link to ``map_`` (``bpf_link__update_map``)."""
        self._update(map_, old)

    def _update(self, new: int | FdObject, old: int | FdObject | None) -> None:
        new_fd = new if isinstance(new, int) else new.fd
        if old is None:
            bpf_link_update(self.fd, new_fd, backend=self.backend)
            return
        old_fd = old if isinstance(old, int) else old.fd
        bpf_link_update(self.fd, new_fd, flags=uapi.BPF_F_REPLACE, old_fd=old_fd, backend=self.backend)

    def open_iter(self) -> int:
        """BPF_ITER_CREATE: a new iterator fd (the caller closes it)."""
        return bpf_iter_create(self.fd, backend=self.backend)

    def read_iter(self) -> bytes:
        """The output of a new iteration (``open_iter`` then reads until the end); the errno that
        ends the kernel's reads is raised (``BPFError``), the bytes before it in ``partial``."""
        fd = self.open_iter()
        try:
            if isinstance(self.backend, UserBackend):
                data, err = read_iter(fd)
            else:
                data, err = _read_native(fd)
        finally:
            os.close(fd)
        if err:
            raise IterReadError(err, data)
        return data


def _read_native(fd: int) -> tuple[bytes, int]:
    chunks = []
    try:
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    except OSError as exc:
        return b"".join(chunks), exc.errno or errno.EIO
    return b"".join(chunks), 0


__all__ = ["LINK_TYPE_NAMES", "IterReadError", "Link"]
