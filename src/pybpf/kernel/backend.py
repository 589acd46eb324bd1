"""The backend seam: ``Backend.bpf(cmd, attr, size=None) -> int``, user space or the real kernel.

Mirrors DESIGN.md's "two backends behind one seam": :class:`UserBackend` is pybpf's own bpf(2)
(``pybpf.kernel.syscall``); :class:`~pybpf.kernel.native.NativeBackend` is the running kernel.
``get_backend()`` picks the user backend unless ``PYBPF_BACKEND=native``.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

from pybpf.kernel.native import NativeBackend
from pybpf.kernel.syscall import bpf as user_bpf
from pybpf.objects.credentials import Credentials, acting_as


class Backend(Protocol):
    """Anything that answers bpf(2) commands."""

    name: str

    def bpf(self, cmd: int, attr: Any, size: int | None = None) -> int:
        """Run ``cmd`` with ``attr``; an fd or 0, or ``BPFError`` with the kernel's errno."""
        ...


class UserBackend:
    """pybpf's user-space bpf(2): objects are files, maps live in shared memory.

    ``credentials``: the caller every command is judged as (capabilities, the
    ``unprivileged_bpf_disabled`` sysctl); None judges each call by
    :func:`pybpf.objects.credentials.current` (every capability unless ``$PYBPF_CAPS`` says otherwise).
    """

    name = "user"

    def __init__(self, credentials: Credentials | None = None) -> None:
        self.credentials = credentials

    def bpf(self, cmd: int, attr: Any, size: int | None = None) -> int:
        """Run bpf command ``cmd``; see :func:`pybpf.kernel.syscall.bpf`."""
        if self.credentials is None:
            return user_bpf(cmd, attr, size)
        with acting_as(self.credentials):
            return user_bpf(cmd, attr, size)

    def __repr__(self) -> str:
        if self.credentials is None:
            return "UserBackend()"
        return f"UserBackend(credentials={self.credentials!r})"


def get_backend(name: str | None = None) -> Backend:
    """The backend called ``name`` (``"user"`` or ``"native"``; default ``$PYBPF_BACKEND`` or user)."""
    chosen = name if name is not None else os.environ.get("PYBPF_BACKEND", "user")
    if chosen == "native":
        return NativeBackend()
    if chosen == "user":
        return UserBackend()
    raise ValueError(f"unknown pybpf backend {chosen!r} (expected 'user' or 'native')")
