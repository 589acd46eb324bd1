"""Ask the kernel as a less privileged caller: run a function in a forked child whose effective
capabilities lack some (``capset(2)``), and open unprivileged bpf() for a while
(``kernel.unprivileged_bpf_disabled`` 2 -> 0 -> 2).  pybpf's side of the same question is a
``UserBackend(credentials=Credentials(ROOT.caps - drop, sysctl))``.  No tests here."""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import struct
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from pybpf.kernel.native import kernel_bpf_available
from pybpf.objects.credentials import SYSCTL_PATH

_LINUX_CAPABILITY_VERSION_3 = 0x20080522
_libc = ctypes.CDLL(None, use_errno=True)
_SYS_CAPGET, _SYS_CAPSET = 125, 126  # x86-64


def drop_effective(drop: Iterable[int]) -> None:
    """Take ``drop`` out of this process's effective capability set (``capset(2)``; the permitted set
    keeps them, as libcap's ``cap_disable_effective`` does)."""
    header = struct.pack("<Ii", _LINUX_CAPABILITY_VERSION_3, 0)
    data = ctypes.create_string_buffer(24)
    hdr = ctypes.create_string_buffer(header, 8)
    if _libc.syscall(_SYS_CAPGET, hdr, data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    words = list(struct.unpack("<6I", data.raw))  # (effective, permitted, inheritable) x 2
    for cap in drop:
        words[3 * (cap // 32)] &= ~(1 << (cap % 32))
    data = ctypes.create_string_buffer(struct.pack("<6I", *words), 24)
    if _libc.syscall(_SYS_CAPSET, hdr, data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def run_without_caps(drop: Iterable[int], function: Callable[[], Any]) -> Any:
    """``function()`` run in a child process whose effective set lacks ``drop``; its result (pickled
    back), or the OSError it raised re-raised here as ``OSError(errno, message)``.  Skips without root
    or the real bpf(2).  Inside an unprivileged_bpf_enabled() block, a run during which something
    else closed the (system-wide) sysctl again is run again, up to three times."""
    if os.geteuid() != 0 or not kernel_bpf_available():
        pytest.skip("needs root and the real bpf(2)")
    drop = tuple(drop)
    for _ in range(3):
        if _opened:  # another process may have closed it meanwhile (its own block ended): open it
            reopen_unprivileged_bpf()
        result = _in_child(drop, function)
        if not _opened or _sysctl() == "0":
            return result.get()
    return result.get()  # (closed each time by something else: the last answer)


class _Outcome:
    """What the child answered: a value, or an OSError to raise again."""

    def __init__(self, kind: str, value: Any) -> None:
        self.kind, self.value = kind, value

    def get(self) -> Any:
        if self.kind == "oserror":
            raise OSError(self.value[0], self.value[1])
        if self.kind == "error":
            raise AssertionError(f"the child failed: {self.value}")
        return self.value


def _sysctl() -> str:
    try:
        with open(SYSCTL_PATH, encoding="ascii") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def _in_child(drop: tuple[int, ...], function: Callable[[], Any]) -> _Outcome:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        os.close(reader)
        try:
            drop_effective(drop)
            try:
                outcome: tuple[str, Any] = ("ok", function())
            except OSError as error:
                outcome = ("oserror", (error.errno, str(error)))
            payload = pickle.dumps(outcome)
        except BaseException as error:  # reported to the parent
            payload = pickle.dumps(("error", repr(error)))
        with os.fdopen(writer, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as incoming:
        payload = incoming.read()
    os.waitpid(pid, 0)
    kind, value = pickle.loads(payload)
    return _Outcome(kind, value)


_opened = 0
"""How many unprivileged_bpf_enabled() blocks of this process are open."""


def reopen_unprivileged_bpf() -> None:
    """``kernel.unprivileged_bpf_disabled`` back to 0 if something set it again (the sysctl is
    system-wide: a parallel test run's block may have ended and restored its old value)."""
    try:
        with open(SYSCTL_PATH, encoding="ascii") as handle:
            if handle.read().strip() == "0":
                return
        with open(SYSCTL_PATH, "w", encoding="ascii") as handle:
            handle.write("0")
    except OSError:
        pass


@contextlib.contextmanager
def unprivileged_bpf_enabled() -> Iterator[None]:
    """``kernel.unprivileged_bpf_disabled`` = 0 for the block, then its old value.  Skips where it cannot
    be set (1 is final until reboot; no root)."""
    try:
        with open(SYSCTL_PATH, encoding="ascii") as handle:
            old = handle.read().strip()
    except OSError:
        pytest.skip("no kernel.unprivileged_bpf_disabled")
    if old != "0":
        try:
            with open(SYSCTL_PATH, "w", encoding="ascii") as handle:
                handle.write("0")
        except OSError:
            pytest.skip(f"kernel.unprivileged_bpf_disabled={old} cannot be set to 0 here")
    global _opened
    _opened += 1
    try:
        yield
    finally:
        _opened -= 1
        if old != "0" and not _opened:
            with open(SYSCTL_PATH, "w", encoding="ascii") as handle:
                handle.write(old)


def restore_effective() -> None:
    """The effective capability set back to the permitted one (in a run_without_caps() child, after
    doing something without them: reading what only a privileged caller may see)."""
    hdr = ctypes.create_string_buffer(struct.pack("<Ii", _LINUX_CAPABILITY_VERSION_3, 0), 8)
    data = ctypes.create_string_buffer(24)
    if _libc.syscall(_SYS_CAPGET, hdr, data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    words = list(struct.unpack("<6I", data.raw))
    words[0], words[3] = words[1], words[4]
    data = ctypes.create_string_buffer(struct.pack("<6I", *words), 24)
    if _libc.syscall(_SYS_CAPSET, hdr, data) != 0:
        raise OSError(ctypes.get_errno(), "capset")
