"""A private network namespace for a test: made with iproute2 (``ip netns add``), set up with ``ip -n``
commands and sysctls, entered by the test process (``setns(CLONE_NEWNET)``) and left and deleted
after.  Both backends then see it: the kernel's BPF_PROG_TEST_RUN runs in the caller's namespace, and
pybpf asks rtnetlink, whose sockets belong to the namespace of the thread that opens them.  Skips
without root, the real bpf(2), iproute2 or network namespaces.  No tests here."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import socket
import subprocess
from collections.abc import Iterable, Iterator

import pytest

from pybpf.kernel.native import kernel_bpf_available

CLONE_NEWNET = 0x4000_0000

_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")


@contextlib.contextmanager
def entered_netns(name: str, setup: str, sysctls: Iterable[str] = ()) -> Iterator[dict[str, int]]:
    """The namespace ``name`` with each line of ``setup`` run as ``ip -n name LINE`` and ``sysctls``
    set, entered; yields the ifindex of each of its devices by name."""
    if os.geteuid() != 0 or not kernel_bpf_available() or shutil.which("ip") is None:
        pytest.skip("needs root, the real bpf(2) and iproute2")
    if subprocess.run(["ip", "netns", "add", name], capture_output=True, check=False).returncode:
        pytest.skip("cannot create a network namespace here")
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        for line in setup.strip().splitlines():
            subprocess.run(["ip", "-n", name, *line.split()], check=True, capture_output=True)
        if sysctls:
            command = ["ip", "netns", "exec", name, "sysctl", "-qw", *sysctls]
            subprocess.run(command, check=True, capture_output=True)
        theirs = os.open(f"/run/netns/{name}", os.O_RDONLY)
        try:
            _setns(theirs)
        finally:
            os.close(theirs)
        try:
            yield {device: index for index, device in socket.if_nameindex()}
        finally:
            _setns(home)
    finally:
        os.close(home)
        subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
