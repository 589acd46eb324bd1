"""What the Pythonic bpf objects share: each owns one fd of a backend's bpf object.

``Map`` and ``Program`` are thin owners of an fd, like libbpf's ``struct bpf_map`` /
``struct bpf_program`` around theirs: ``fd`` (EBADF once closed), ``close()`` (the object itself
lives on while other fds, pins or holders refer to it, as in the kernel), use as a context manager,
and ``pin(path)`` / ``_get_pinned(path)`` for BPF_OBJ_PIN / BPF_OBJ_GET.
"""

from __future__ import annotations

import ctypes
import errno
import os
from types import TracebackType
from typing import ClassVar, TypeVar

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend

_Self = TypeVar("_Self", bound="FdObject")


class FdObject:
    """Owner of one bpf object fd reached through ``backend``."""

    kind: ClassVar[str] = "bpf object"
    backend: Backend
    _fd: int

    @property
    def fd(self) -> int:
        """The fd; EBADF once closed."""
        if self._fd < 0:
            raise BPFError(errno.EBADF, f"{self.kind} is closed")
        return self._fd

    @property
    def closed(self) -> bool:
        return self._fd < 0

    def close(self) -> None:
        """Close the fd (the object itself lives on while other fds, pins or holders refer to it)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def pin(self, path: str) -> None:
        """BPF_OBJ_PIN the object at ``path``."""
        name = ctypes.create_string_buffer(os.fsencode(path))
        attr = uapi.bpf_attr()
        attr.pathname, attr.bpf_fd = ctypes.addressof(name), self.fd
        self.backend.bpf(uapi.BPF_OBJ_PIN, attr)

    @staticmethod
    def _get_pinned(path: str, flags: int, backend: Backend) -> int:
        """BPF_OBJ_GET: a new fd for the object pinned at ``path``."""
        name = ctypes.create_string_buffer(os.fsencode(path))
        attr = uapi.bpf_attr()
        attr.pathname, attr.file_flags = ctypes.addressof(name), flags
        return backend.bpf(uapi.BPF_OBJ_GET, attr)
