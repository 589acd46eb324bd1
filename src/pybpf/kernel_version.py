"""Which Linux release pybpf models: ``KERNEL_VERSION``, and kernel version numbers as values.

pybpf answers bpf(2) as one kernel release does (its verifier messages and their order, its map
semantics, its program tags); where releases differ, pybpf follows the one named here.  The number
is the kernel's own ``LINUX_VERSION_MAJOR.PATCHLEVEL`` (include/generated/uapi/linux/version.h):
stable updates (the third number) do not change bpf(2) behaviour on purpose, so they are not part
of it.  :meth:`KernelVersion.parse` reads a ``uname -r`` string, so code that compares pybpf with
the running kernel can ask which release that kernel is.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_RELEASE = re.compile(r"(\d+)\.(\d+)")


class KernelVersion(NamedTuple):
    """A Linux release as ``(major, minor)``; ordered, so ``KernelVersion(6, 9) < (6, 18)``."""

    major: int
    minor: int

    @classmethod
    def parse(cls, release: str) -> KernelVersion:
        """The release of a ``uname -r`` string: ``"6.18.44-fc-v1272"`` is 6.18; ValueError if none."""
        found = _RELEASE.match(release.strip())
        if found is None:
            raise ValueError(f"not a Linux release: {release!r}")
        return cls(int(found.group(1)), int(found.group(2)))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


KERNEL_VERSION = KernelVersion(6, 18)
"""The Linux release whose bpf(2) pybpf models (``str(KERNEL_VERSION) == "6.18"``)."""
