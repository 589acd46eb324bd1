"""bpf_spin_lock / bpf_spin_unlock: the map's shared mutex, excluding other processes' map updates."""

from __future__ import annotations

import os
import struct
import time

import pytest

import pybpf
from pybpf import uapi
from pybpf.errors import BPFError, HelperError
from pybpf.helpers import default_registry
from pybpf.helpers.maps import release_spin_locks
from pybpf.kernel.backend import Backend
from pybpf.vm.interpreter import Interpreter
from tests.helpers.support import Env, run_with_maps, user_map
from tests.maps.test_btf_maps import _create, _load_btf

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

KEY0 = struct.pack("<I", 0)


def test_a_program_holding_the_lock_blocks_user_space_updates_in_another_process() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 16, 1)
    with handle:
        env = Env(maps=(obj,))
        lock_word = env.call("map_lookup_elem", obj.pointer, env.put(0, KEY0))
        assert env.call("spin_lock", lock_word) == 0
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            try:
                handle.update(KEY0, b"\0" * 8 + struct.pack("<Q", 2))  # BPF_MAP_UPDATE_ELEM: takes the lock
                os._exit(0)
            except BaseException:
                os._exit(1)
        try:
            env.memory.store(lock_word + 8, 8, 1)  # the critical section
            time.sleep(0.3)  # the child is blocked meanwhile: its update must come after ours
            assert handle.lookup(KEY0)[8:] == struct.pack("<Q", 1)
        finally:
            assert env.call("spin_unlock", lock_word) == 0
            _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert handle.lookup(KEY0)[8:] == struct.pack("<Q", 2)


def test_lock_rules() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 16, 2)
    with handle:
        env = Env(maps=(obj,))
        key = env.put(0, KEY0)
        lock_word = env.call("map_lookup_elem", obj.pointer, key)
        with pytest.raises(HelperError):
            env.call("spin_unlock", lock_word)
        with pytest.raises(HelperError):
            env.call("spin_lock", env.scratch.start)  # not in a map
        env.call("spin_lock", lock_word)
        with pytest.raises(HelperError):
            env.call("spin_lock", lock_word)  # one lock at a time
        with pytest.raises(HelperError):
            env.call("map_lookup_elem", obj.pointer, key)  # no helper calls inside the critical section
        assert release_spin_locks(env.ctx) == 1
        assert release_spin_locks(env.ctx) == 0
        with obj.lock:  # released for real
            pass


def test_spin_lock_in_a_program() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 16, 1)
    with handle:
        prog = pybpf.assemble(
            """
            *(u32 *)(r10 - 4) = 0
            r1 = map_fd(m) ll
            r2 = r10
            r2 += -4
            call bpf_map_lookup_elem
            if r0 == 0 goto out
            r6 = r0
            r1 = r6
            call bpf_spin_lock
            r7 = *(u64 *)(r6 + 8)
            r7 += 40
            *(u64 *)(r6 + 8) = r7
            r1 = r6
            call bpf_spin_unlock
            r0 = r7
        out:
            exit
            """,
            "kernel",
            maps={"m": handle.fd},
        )
        vm = Interpreter(prog, helpers=default_registry(), resolved={1: obj.pointer})
        assert run_with_maps(vm, [obj]) == 40
        assert run_with_maps(vm, [obj]) == 80
        assert handle.lookup(KEY0) == bytes(8) + struct.pack("<Q", 80)


LOCK_AT_4 = """
    *(u32 *)(r10 - 4) = 1
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += {lock}
    call bpf_spin_lock
    r7 = *(u32 *)(r6 + 0)
    r7 += 3
    *(u32 *)(r6 + 0) = r7
    r1 = r6
    r1 += {lock}
    call bpf_spin_unlock
    r0 = r7
out:
    exit
"""


def test_the_lock_is_the_one_the_map_btf_declares(backend: Backend) -> None:
    """A value ``{int a; struct bpf_spin_lock f}``: the program locks ``f`` (offset 4), on both."""
    btf = _load_btf(backend)
    fd = _create(backend, btf, (uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 1, 6))
    try:
        for expected in (3, 6):
            with pybpf.Program.load(LOCK_AT_4.format(lock=4), "xdp", maps={"m": fd}, backend=backend) as prog:
                assert prog.run(bytes(64)).retval == expected
        with pytest.raises(BPFError, match="off 0 doesn't point to 'struct bpf_spin_lock' that is at 4"):
            pybpf.Program.load(LOCK_AT_4.format(lock=0), "xdp", maps={"m": fd}, backend=backend)
    finally:
        os.close(fd)
        os.close(btf)
