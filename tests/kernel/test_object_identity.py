"""An object file that is gone is never mistaken for the next one: tmpfs may reuse inode numbers.

Programs and BTF objects are read from their files and cached per process; the cache names a file
by its device, inode and content digest (``progobj._identity``, ``btfobj._identity``), so a program
loaded after another was closed and freed cannot run, or report itself, as the freed one even
when it gets the freed file's inode number.
"""

from __future__ import annotations

import os

import pytest

from pybpf import assemble, uapi
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.progobj import ProgObject
from pybpf.program import Program

pytestmark = pytest.mark.usefixtures("engine")  # its program runs on each engine (tests/conftest.py)


def test_a_reused_inode_number_does_not_name_the_old_program() -> None:
    backend = UserBackend()
    with (
        Program.load(assemble("r0 = 1\nexit"), "xdp", backend=backend) as first,
        Program.load(assemble("r0 = 7\nexit"), "socket_filter", backend=backend) as second,
    ):
        old = ProgObject.from_fd(first.fd)
        st = os.fstat(second.fd)
        # As if tmpfs had given the second file the first one's inode after the first was freed:
        # the cache holds the old object under the new file's device and inode.
        ProgObject._cache[(st.st_dev, st.st_ino, old.key[2])] = old
        ProgObject._cache[(st.st_dev, st.st_ino)] = old  # type: ignore[index]  # the old key
        assert ProgObject.from_fd(second.fd).prog_type == uapi.BPF_PROG_TYPE_SOCKET_FILTER
        assert second.info().type == uapi.BPF_PROG_TYPE_SOCKET_FILTER
        assert second.run(bytes(64)).retval == 7


def test_a_loaded_program_is_cached_as_its_file_reads() -> None:
    # BPF_PROG_LOAD keeps the object it wrote: no decoding of what it has just encoded, and the
    # same answers as reading the file (ProgObject._read)
    with Program.load(assemble("r1 = 5 ll\nr0 = 1\nr0 = 1\nexit"), "xdp", backend=UserBackend()) as prog:
        cached = ProgObject.from_fd(prog.fd)
        read = ProgObject._read(prog.fd, os.fstat(prog.fd), cached.key)
        assert (cached.meta, cached.xlated, cached.original, cached.key) == (
            read.meta,
            read.xlated,
            read.original,
            read.key,
        )
