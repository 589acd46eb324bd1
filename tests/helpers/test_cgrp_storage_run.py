"""``bpf_cgrp_storage_get`` on a cgroup ``bpf_cgroup_from_id`` found, in an XDP test run, against the
kernel: the same program (BTF, func_info, a cgroup storage map with a spin lock, as the corpus builds
them: ``tests.verifier.verifier_corpus``) loaded and run on pybpf (each engine) and on the kernel, the
return value and the storage user space then reads through the cgroup's fd compared."""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.objects.cgroups import cgroup2_mount
from tests.progtypes.test_skb_support import IPV4_UDP
from tests.verifier import verifier_corpus as corpus

pytestmark = [
    pytest.mark.skipif(not kernel_bpf_available(), reason="the real bpf(2) is not available here"),
    pytest.mark.usefixtures("engine"),
]

MAPS = "c=cgrp_storage(4,16,0,no_prealloc,spin_lock)"
FOUND, NOT_FOUND, NO_STORAGE = 9, 5, 7


def count_in(cgroup_id: int, flags: int = 1) -> str:
    """Look the cgroup up, get (with ``flags``) its storage, add 1 to the value's second word."""
    return f"""
    r1 = {cgroup_id} ll
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto none
    r7 = r0
    r1 = r7
    call kfunc(bpf_cgroup_acquire)
    if r0 == 0 goto release
    r1 = r0
    call kfunc(bpf_cgroup_release)
release:
    r1 = map_fd(c) ll
    r2 = r7
    r3 = 0
    r4 = {flags}
    call bpf_cgrp_storage_get
    r6 = r0
    r1 = r7
    call kfunc(bpf_cgroup_release)
    r0 = {NO_STORAGE}
    if r6 == 0 goto out
    r1 = *(u64 *)(r6 + 8)
    r1 += 1
    *(u64 *)(r6 + 8) = r1
    r0 = {FOUND}
out:
    exit
none:
    r0 = {NOT_FOUND}
    exit
"""


def run_and_read(backend: Backend, text: str, runs: int, cgroup_fd: int) -> tuple[list[int], bytes | None]:
    """Load ``text``, test-run it ``runs`` times on a packet; the return values and the map's value
    for the cgroup ``cgroup_fd`` is open on (None when it has none)."""
    program = corpus.Program(
        name="cgrp", theme="run", text=text, maps=corpus._parse_maps(MAPS), btf="func_info"
    )
    with (
        corpus._func_info_btf(program, backend) as (btf_fd, func_info),
        corpus.created_maps(program.maps, backend, btf_fd) as fds,
    ):
        code = encode_program(assemble(corpus.resolve_kfuncs(text), "kernel", maps=fds))
        insns, lic = ctypes.create_string_buffer(code, len(code)), ctypes.create_string_buffer(b"GPL")
        records = ctypes.create_string_buffer(func_info, len(func_info))
        attr = uapi.bpf_attr()
        attr.prog_type, attr.insns, attr.insn_cnt = (
            uapi.BPF_PROG_TYPE_XDP,
            ctypes.addressof(insns),
            len(code) // 8,
        )
        attr.license, attr.prog_btf_fd, attr.func_info_rec_size = ctypes.addressof(lic), btf_fd, 8
        attr.func_info, attr.func_info_cnt = ctypes.addressof(records), len(func_info) // 8
        prog_fd = backend.bpf(uapi.BPF_PROG_LOAD, attr)
        retvals = []
        try:
            data = ctypes.create_string_buffer(IPV4_UDP, len(IPV4_UDP))
            for _ in range(runs):
                run = uapi.bpf_attr()
                run.test.prog_fd, run.test.data_in = prog_fd, ctypes.addressof(data)
                run.test.data_size_in = len(IPV4_UDP)
                backend.bpf(uapi.BPF_PROG_TEST_RUN, run)
                retvals.append(run.test.retval)
        finally:
            os.close(prog_fd)
        key, value = ctypes.c_int(cgroup_fd), ctypes.create_string_buffer(16)
        lookup = uapi.bpf_attr()
        lookup.map_fd, lookup.key, lookup.value = fds["c"], ctypes.addressof(key), ctypes.addressof(value)
        try:
            backend.bpf(uapi.BPF_MAP_LOOKUP_ELEM, lookup)
        except BPFError:
            return retvals, None
        return retvals, value.raw


@pytest.fixture
def child_cgroup() -> Iterator[str]:
    """A new, empty cgroup v2 directory below the root (removed afterwards)."""
    mount = cgroup2_mount()
    if mount is None:
        pytest.skip("no cgroup v2 hierarchy")
    path = os.path.join(mount, f"pybpf-test-{os.getpid()}")
    try:
        os.mkdir(path)
    except OSError as exc:
        pytest.skip(f"cannot make a cgroup: {exc}")
    try:
        yield path
    finally:
        os.rmdir(path)


def compare(text: str, runs: int, directory: str) -> tuple[list[int], bytes | None]:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        mine = run_and_read(UserBackend(), text, runs, fd)
        theirs = run_and_read(NativeBackend(), text, runs, fd)
    finally:
        os.close(fd)
    assert mine == theirs
    return mine


def test_storage_of_the_root_cgroup() -> None:
    mount = cgroup2_mount()
    if mount is None:
        pytest.skip("no cgroup v2 hierarchy")
    retvals, value = compare(count_in(os.stat(mount).st_ino), 3, mount)
    assert retvals == [FOUND] * 3 and value is not None and value[8:] == (3).to_bytes(8, "little")


def test_storage_of_a_new_cgroup(child_cgroup: str) -> None:
    cgroup_id = os.stat(child_cgroup).st_ino
    assert compare(count_in(cgroup_id, flags=0), 1, child_cgroup) == ([NO_STORAGE], None)  # no F_CREATE
    retvals, value = compare(count_in(cgroup_id), 2, child_cgroup)
    assert retvals == [FOUND] * 2 and value is not None and value[8:] == (2).to_bytes(8, "little")


@pytest.mark.parametrize("cgroup_id", [0, 2, 1 << 40, (1 << 64) - 1])
def test_ids_without_a_cgroup(cgroup_id: int) -> None:
    """No cgroup has id 0, id 2 (a file of the root's) or ids past the kernfs ones: NULL."""
    mount = cgroup2_mount()
    if mount is None:
        pytest.skip("no cgroup v2 hierarchy")
    assert compare(count_in(cgroup_id), 1, mount) == ([NOT_FOUND], None)
