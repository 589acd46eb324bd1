"""Maps shared by processes: 4 forked processes hammer one hash map and one counter at once.

* 10,000 updates each of distinct keys on a shared hash map: all 40,000 keys are there afterwards.
* 10,000 read-modify-write increments each of one shared array value, three ways:
  (a) from Python under ``Map.locked()`` — the map's shared robust mutex, the lock BPF_F_LOCK copies and
      programs' ``bpf_spin_lock`` take.  User backend only: the kernel offers user space no way to
      hold a value's bpf_spin_lock across a lookup *and* an update (each BPF_F_LOCK copy locks alone),
      so a read-modify-write from user space cannot be made atomic there;
  (b) by an XDP program doing ``lock *(u64 *)(r0 + 8) += 1``, run ``repeat`` times through
      BPF_PROG_TEST_RUN in each process (both backends);
  (c) by an XDP program doing a plain load/add/store between ``bpf_spin_lock`` and
      ``bpf_spin_unlock`` on a BTF-described value (both backends).
Each total must be exact: 40,000.  The module is marked slow: about 10 s per test on two busy cores
with the user backend (40,000 interpreted program runs, 40,000 Python-side locked updates).
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
import sys
import traceback
from collections.abc import Callable

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.map import Map
from pybpf.program import Program
from tests.btf.btfcases import I32, SPIN_LOCK, STRUCT, blob, int_type, member, t

pytestmark = pytest.mark.slow

PROCESSES = 4
OPERATIONS = 10_000
TOTAL = PROCESSES * OPERATIONS
XDP_PASS = 2
PACKET = bytes(64)

# [1] int, [2] struct bpf_spin_lock, [3] long, [4] struct counter { bpf_spin_lock lock; u32 pad; long n; }
COUNTER_BTF = blob(I32 + SPIN_LOCK + int_type(8, 64, 0, "long")
                   + t("val", STRUCT, 2, sot=16) + member("a", 2, 0) + member("b", 3, 64))  # fmt: skip


def _in_processes(work: Callable[[int], None]) -> None:
    """Run ``work(index)`` in ``PROCESSES`` forked children at once; every child must succeed."""
    sys.stdout.flush()
    sys.stderr.flush()
    children = []
    for index in range(PROCESSES):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's outcome is its exit status
            code = 1
            try:
                work(index)
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        children.append(pid)
    statuses = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
    assert statuses == [0] * PROCESSES


def _counter_map(backend: Backend) -> Map:
    """A one-element array whose value is ``struct counter`` (BTF-described, so it has a spin lock)."""
    from pybpf import libbpf

    btf = libbpf.bpf_btf_load(COUNTER_BTF, backend=backend)
    try:
        opts = libbpf.MapCreateOpts(btf_fd=btf, btf_key_type_id=1, btf_value_type_id=4)
        fd = libbpf.bpf_map_create(uapi.BPF_MAP_TYPE_ARRAY, "counter", 4, 16, 1, opts, backend=backend)
    finally:
        os.close(btf)
    return Map(fd, backend=backend)


def _count(m: Map) -> int:
    value: int = struct.unpack_from("<q", m.lookup(0), 8)[0]
    return value


def test_distinct_keys_from_four_processes(backend: Backend) -> None:
    with Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, TOTAL, backend=backend) as m:

        def work(index: int) -> None:
            for key in range(index * OPERATIONS, (index + 1) * OPERATIONS):
                m.update(key, key * 3)

        _in_processes(work)
        assert _dump(m) == {key: key * 3 for key in range(TOTAL)}


def _dump(m: Map) -> dict[int, int]:
    """Every (key, value) of a u32 -> u64 hash map: one BPF_MAP_LOOKUP_BATCH on the kernel; on the user
    backend (whose batch walks the buckets in Python) a direct lookup per key is quicker."""
    if m.backend.name == "user":
        found = {key: m.get(key) for key in range(TOTAL + 1)}
        return {key: int.from_bytes(value, "little") for key, value in found.items() if value is not None}
    keys = ctypes.create_string_buffer(4 * (TOTAL + 1))
    values = ctypes.create_string_buffer(8 * (TOTAL + 1))
    out = ctypes.create_string_buffer(4)
    attr = uapi.bpf_attr()
    b = attr.batch
    b.map_fd, b.keys, b.values, b.count = m.fd, ctypes.addressof(keys), ctypes.addressof(values), TOTAL + 1
    b.out_batch = ctypes.addressof(out)
    try:
        m.backend.bpf(uapi.BPF_MAP_LOOKUP_BATCH, attr)
    except BPFError as exc:
        assert exc.errno == errno.ENOENT  # the end of the table reached
    n = attr.batch.count
    return dict(
        zip(
            struct.unpack(f"<{n}I", keys.raw[: 4 * n]),
            struct.unpack(f"<{n}Q", values.raw[: 8 * n]),
            strict=True,
        )
    )


def test_locked_read_modify_write_from_python(backend: Backend) -> None:
    if backend.name != "user":
        pytest.skip("the kernel cannot hold a value's bpf_spin_lock for user space across two calls")
    with _counter_map(backend) as m:

        def work(index: int) -> None:
            for _ in range(OPERATIONS):
                with m.locked() as view:
                    value = view[0]
                    view[0] = value[:8] + struct.pack("<q", struct.unpack_from("<q", value, 8)[0] + 1)

        _in_processes(work)
        assert _count(m) == TOTAL


ATOMIC_INCREMENT = """
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(counter) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 8) += r1
out:
    r0 = 2
    exit
"""

SPIN_LOCKED_INCREMENT = """
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(counter) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    call bpf_spin_lock
    r1 = *(u64 *)(r6 + 8)
    r1 += 1
    *(u64 *)(r6 + 8) = r1
    r1 = r6
    call bpf_spin_unlock
out:
    r0 = 2
    exit
"""


@pytest.mark.parametrize(
    "source", [ATOMIC_INCREMENT, SPIN_LOCKED_INCREMENT], ids=["atomic_add", "bpf_spin_lock"]
)
@pytest.mark.usefixtures("engine")
def test_program_increments_from_four_processes(backend: Backend, source: str) -> None:
    with _counter_map(backend) as m:
        prog = Program.load(source, "xdp", maps={"counter": m.fd}, backend=backend, log_level=1)
        try:

            def work(index: int) -> None:
                result = prog.run(PACKET, repeat=OPERATIONS)
                assert result.retval == XDP_PASS

            _in_processes(work)
        finally:
            prog.close()
        assert _count(m) == TOTAL
