"""Kernel answers that depend on the Linux release, for the tests that compare pybpf with the kernel.

pybpf models one release (``pybpf.KERNEL_VERSION``); the kernel these tests run on may be another.
Where releases answer differently, a test records every answer with the release that introduced it
(:class:`ByRelease`: the oldest 6.x answer, then ``Since(version, answer)`` for each change), checks
pybpf against the answer of the release it models, and the running kernel against the answer of
the running release — so the same test passes on any 6.x kernel and says what each release does.

A release's builds can differ too (distribution and vendor trees carry backports): ``Since.also``
lists answers other builds of the same releases were seen to give, which the running kernel may
give as well.  pybpf is held to ``Since.answer`` alone.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pybpf.kernel_version import KERNEL_VERSION, KernelVersion

T = TypeVar("T")

RUNNING_RELEASE = KernelVersion.parse(os.uname().release)
"""The release of the kernel these tests run on (``uname -r``)."""


@dataclass(frozen=True)
class Since(Generic[T]):
    """From Linux ``version`` on (until a later change), the kernel answers ``answer``."""

    version: KernelVersion
    answer: T
    also: tuple[T, ...] = ()
    """Answers some builds of these releases give instead (a backport, or one not yet taken)."""


class ByRelease(Generic[T]):
    """One question's answers, release by release: ``first`` until the first change."""

    def __init__(self, first: T, changes: Sequence[Since[T]] = ()) -> None:
        versions = [change.version for change in changes]
        if versions != sorted(versions) or len(set(versions)) != len(versions):
            raise ValueError(f"changes must be in release order, one per release: {versions}")
        self.first = first
        self.changes = tuple(changes)

    def _era(self, release: KernelVersion) -> Since[T] | None:
        current = None
        for change in self.changes:
            if change.version <= release:
                current = change
        return current

    def at(self, release: KernelVersion) -> T:
        """The answer Linux ``release`` gives (the one pybpf gives when it models that release)."""
        era = self._era(release)
        return self.first if era is None else era.answer

    def accepted_at(self, release: KernelVersion) -> tuple[T, ...]:
        """Every answer a build of ``release`` was seen to give: ``at(release)`` first."""
        era = self._era(release)
        return (self.first,) if era is None else (era.answer, *era.also)

    @property
    def modelled(self) -> T:
        """The answer of the release pybpf models."""
        return self.at(KERNEL_VERSION)

    @property
    def running(self) -> tuple[T, ...]:
        """The answers the running kernel may give."""
        return self.accepted_at(RUNNING_RELEASE)
