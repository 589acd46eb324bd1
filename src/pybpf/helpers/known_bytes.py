"""Images of kernel objects that user space knows only in part: the known byte ranges readable, the
rest registered ``OPAQUE`` so that a load of it stops the run.

A socket lookup hands a program a kernel socket; pybpf builds the structs a program reads through it
(``struct bpf_tcp_sock``, ``struct tcp_sock``, ...) from what user space can learn (sock_diag,
``struct tcp_info``).  Where a field's value is nowhere user space can read it (a connection's
sequence numbers, most of a ``struct tcp_sock``), reading zeros would be a silent wrong answer, so
its bytes are an ``OPAQUE`` region (``pybpf.memory.regions``): a load that touches them raises
``UnknownMemoryError`` -- even a probe load, which otherwise reads 0 where no memory is.

``KnownBytes`` collects the ranges as an image is filled; ``register`` turns them into regions: each
run of adjacent known bytes one read-only region (so a wide load across neighbouring known fields
works, as on the kernel), each gap one opaque region.
"""

from __future__ import annotations

import ctypes

from pybpf.memory.regions import OPAQUE, READ, Memory, Region


class KnownBytes:
    """The byte ranges of one image whose values are the kernel's."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._known = bytearray(size)

    def mark(self, offset: int, size: int) -> None:
        """Bytes ``[offset, offset + size)`` hold the kernel's values (clipped to the image)."""
        start, end = max(offset, 0), min(offset + size, self.size)
        if start < end:
            self._known[start:end] = b"\x01" * (end - start)

    def known(self, offset: int, size: int) -> bool:
        """Whether every byte of ``[offset, offset + size)`` is known."""
        return offset >= 0 and offset + size <= self.size and all(self._known[offset : offset + size])

    def runs(self) -> list[tuple[int, int, bool]]:
        """(start, end, known) of the maximal runs of known and of unknown bytes, in order."""
        runs: list[tuple[int, int, bool]] = []
        start = 0
        for at in range(1, self.size + 1):
            if at == self.size or self._known[at] != self._known[start]:
                runs.append((start, at, bool(self._known[start])))
                start = at
        return runs


def register(memory: Memory, buffer: ctypes.Array[ctypes.c_char] | ctypes.Structure, known: KnownBytes,
             name: str) -> list[Region]:  # fmt: skip
    """Register ``buffer`` (``known.size`` bytes) in ``memory``: its known runs read-only, the rest
    ``OPAQUE``; returns the regions (the caller removes them with the image)."""
    base = ctypes.addressof(buffer)
    view = memoryview(buffer).cast("B")
    regions: list[Region] = []
    with memory.lock:
        for start, end, is_known in known.runs():
            regions.append(
                memory.add_view(
                    view[start:end],
                    base + start,
                    access=READ if is_known else OPAQUE,
                    name=name if is_known else f"{name} (bytes {start}..{end - 1})",
                )
            )
    return regions


def unregister(memory: Memory, regions: list[Region]) -> None:
    """Take an image's regions out of ``memory``."""
    with memory.lock:
        for region in regions:
            memory.remove_region(region)
    regions.clear()


__all__ = ["KnownBytes", "register", "unregister"]
