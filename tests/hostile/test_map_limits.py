"""Hostile tests: map sizes and memory -- refused as the kernel refuses them, and never a SIGBUS.

Issue 9, classes 3 and 4.

* Sizes the kernel refuses (the differential tests, on both backends through ``backend``): hash and
  LRU maps beyond 2^27 entries are E2BIG (``htab_map_alloc``: n_buckets over U32_MAX / 16), beyond
  2^31 too; maps whose memory exceeds the machine's RAM are ENOMEM at once (``__vmalloc_node_range``
  refuses areas larger than ``totalram_pages``).  The sizes are derived from this machine's RAM so
  that the kernel refuses them without allocating anything, whatever the machine.
* pybpf's map memory limit (``pybpf.objects.accounting``): creation past it is ENOMEM, releasing
  maps gives the memory back, a ledger left wrong is recounted, growing maps are charged as they grow.
* No SIGBUS: with the root on a 1 MiB tmpfs, preallocated maps that do not fit are refused with
  ENOMEM at creation, maps that fit can be written everywhere (by ``Map`` and by a program's plain
  stores), and maps that grow (BPF_F_NO_PREALLOC hash, LPM trie) answer ENOMEM when the tmpfs is
  full -- each in a child process whose exit status shows it was not killed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import pybpf
from pybpf import Map, uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.objects import accounting, refs
from pybpf.objects.files import bpffs_root
from tests.maps.helpers import create_outcome

E2BIG, ENOMEM = ("errno", 7), ("errno", 12)
H, A = uapi.BPF_MAP_TYPE_HASH, uapi.BPF_MAP_TYPE_ARRAY
LRU, PH, LPH = uapi.BPF_MAP_TYPE_LRU_HASH, uapi.BPF_MAP_TYPE_PERCPU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH
RAM = accounting.total_ram()
SRC = str(Path(pybpf.__file__).resolve().parent.parent)
BIG_VALUE = 4_194_000
"""A value size just under the hash's key + value cap (KMALLOC_MAX_SIZE - 48)."""


def _more_than_ram(per_entry: int) -> int:
    """An entry count whose ``per_entry``-byte entries need twice the machine's RAM."""
    return 2 * RAM // per_entry + 1


# -- sizes: the kernel's answers --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("map_type", "key_size", "value_size", "max_entries", "flags"),
    [
        (H, 4, 8, (1 << 27) + 1, 0),
        (H, 4, 8, 1 << 28, 0),
        (H, 4, 8, 1 << 31, 0),
        (H, 4, 8, (1 << 31) + 1, 0),
        (H, 4, 8, 0xFFFFFFFF, uapi.BPF_F_NO_PREALLOC),
        (LRU, 4, 8, (1 << 27) + 1, 0),
        (LRU, 4, 8, 1 << 30, 0),
        (LRU, 4, 8, (1 << 31) - 1, uapi.BPF_F_NO_COMMON_LRU),
        (PH, 4, 8, 1 << 28, 0),
        (LPH, 4, 8, 1 << 29, 0),
    ],
)
def test_hash_entry_caps_are_e2big(  # noqa: PLR0917
    backend: Backend, map_type: int, key_size: int, value_size: int, max_entries: int, flags: int
) -> None:
    assert create_outcome(backend, map_type, key_size, value_size, max_entries, flags) == E2BIG


def test_hash_of_maps_entry_cap_is_e2big(backend: Backend) -> None:
    inner = Map.create(A, 4, 8, 1, backend=backend)
    try:
        got = create_outcome(backend, uapi.BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 1 << 28, inner_map_fd=inner.fd)
    finally:
        inner.close()
    assert got == E2BIG


def _larger_than_ram() -> list[tuple[int, int, int, int]]:
    cases = [
        (A, 4, (2 * RAM >> 32) // 8 * 8 + 8, 0xFFFFFFFF),  # the "32 GiB array", whatever the RAM
        (H, 4, BIG_VALUE, _more_than_ram(BIG_VALUE)),  # the "4 TiB hash"
        (uapi.BPF_MAP_TYPE_QUEUE, 0, BIG_VALUE, _more_than_ram(BIG_VALUE)),
        (uapi.BPF_MAP_TYPE_STACK, 0, BIG_VALUE, _more_than_ram(BIG_VALUE)),
    ]
    if 2 * RAM < 8 << 32:  # the kernel's per-CPU array allocates a pointer per entry first
        cases.append((uapi.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 0xFFFFFFFF))
    return cases


@pytest.mark.parametrize(("map_type", "key_size", "value_size", "max_entries"), _larger_than_ram())
def test_maps_larger_than_ram_are_enomem(
    backend: Backend, map_type: int, key_size: int, value_size: int, max_entries: int
) -> None:
    accounting.set_memory_limit(None)  # the machine's RAM refuses them, not pybpf's limit
    try:
        assert create_outcome(backend, map_type, key_size, value_size, max_entries) == ENOMEM
    finally:
        accounting.set_memory_limit(None, reset=True)


def test_a_growing_hash_reserves_only_its_buckets(backend: Backend) -> None:
    """BPF_F_NO_PREALLOC: the kernel allocates elements as they come, so a pool of terabytes of
    elements is created (here: its buckets and header backed, the slots mapped but not)."""
    assert create_outcome(backend, H, 4, BIG_VALUE, 1 << 20, uapi.BPF_F_NO_PREALLOC) == "ok"


# -- pybpf's memory limit ------------------------------------------------------------------------
@pytest.fixture
def limit() -> Iterator[None]:
    accounting.set_memory_limit(256 << 10)
    try:
        yield
    finally:
        accounting.set_memory_limit(None, reset=True)


def test_the_limit_refuses_with_enomem_and_releasing_gives_memory_back(limit: None) -> None:
    user = UserBackend()
    made = []
    with pytest.raises(BPFError) as refused:
        for _ in range(64):
            made.append(Map.create(A, 4, 4096, 8, backend=user))  # 32 KiB + the header page each
    assert refused.value.errno == 12
    assert 4 <= len(made) < 8
    for m in made:
        m.close()
    refs.collect(bpffs_root())
    assert accounting.charged(bpffs_root()) == 0
    Map.create(A, 4, 4096, 8, backend=user).close()


def test_a_wrong_ledger_is_recounted(limit: None) -> None:
    root = bpffs_root()
    with open(os.path.join(root, ".pybpf-memory"), "wb") as ledger:
        ledger.write((1 << 63).to_bytes(8, "little"))
    Map.create(A, 4, 4096, 8, backend=UserBackend()).close()  # recounted from the live maps
    assert accounting.charged(root) < 256 << 10


def test_a_growing_map_is_charged_as_it_grows(limit: None) -> None:
    m = Map.create(H, 4, 4096, 1 << 12, uapi.BPF_F_NO_PREALLOC, backend=UserBackend())
    before = accounting.charged(bpffs_root())
    inserted = 0
    with pytest.raises(BPFError) as refused:
        for i in range(1 << 12):
            m.update(i.to_bytes(4, "little"), bytes(4096))
            inserted += 1
    assert refused.value.errno == 12
    assert 8 < inserted < 64
    assert accounting.charged(bpffs_root()) > before
    m.delete((0).to_bytes(4, "little"))
    m.update((0).to_bytes(4, "little"), bytes(4096))  # a freed slot is reused without more memory
    m.close()


def test_one_map_larger_than_ram_is_refused_without_a_limit() -> None:
    accounting.set_memory_limit(None)
    try:
        with pytest.raises(BPFError) as refused:
            Map.create(A, 4, 1 << 20, RAM // (1 << 20) + 16, backend=UserBackend())
        assert refused.value.errno == 12
    finally:
        accounting.set_memory_limit(None, reset=True)


@pytest.mark.parametrize(
    ("text", "size"),
    [("123", 123), ("64K", 64 << 10), ("1.5G", 3 << 29), ("2t", 2 << 40), ("8MB", 8 << 20), ("max", None)],
)
def test_limit_setting(text: str, size: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert accounting.parse_size(text) == size
    monkeypatch.setenv(accounting.LIMIT_ENV, text)
    assert accounting.memory_limit() == size


def test_an_unusable_limit_setting_keeps_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(accounting.LIMIT_ENV, "lots")
    assert accounting.memory_limit() == accounting.default_limit() > 0


# -- no SIGBUS on a full tmpfs -----------------------------------------------------------------------
@pytest.fixture
def small_tmpfs() -> Iterator[Path]:
    """A 1 MiB tmpfs (skipped where it cannot be mounted)."""
    mount = Path(tempfile.mkdtemp(prefix="pybpf-small-"))
    command = ["mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", str(mount)]
    done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode:
        os.rmdir(mount)
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        os.rmdir(mount)


PRELUDE = r'''
import ctypes, errno, json, os, sys
from pybpf import Map, Program, uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import UserBackend

U = UserBackend()
results = {}


def errname(exc):
    return errno.errorcode.get(exc.errno, str(exc.errno))


def outcome(make):
    try:
        make()
    except BPFError as exc:
        return errname(exc)
    return "ok"


def insert_until_refused(m, key, value, limit=100000):
    for i in range(limit):
        try:
            m.update(key(i), value)
        except BPFError as exc:
            return i, errname(exc)
    return limit, None


def store_last_byte(m, key):
    """A program's plain store into the last byte of ``key``'s value; its run gives 1 when it stored
    (loaded now: a full tmpfs has no room for the program's own file)."""
    prog = Program.load(f"""
        *(u32 *)(r10 - 4) = {key}
        r1 = map_fd(m) ll
        r2 = r10
        r2 += -4
        call bpf_map_lookup_elem
        if r0 == 0 goto +3
        r1 = 0x77
        *(u8 *)(r0 + {m.value_size - 1}) = r1
        r0 = 1
        exit""", maps={"m": m.fd}, backend=U)
    return lambda: prog.run(bytes(64)).retval
'''

PREALLOCATED = r"""
arrays = [Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 4096, 16, backend=U)]
store = store_last_byte(arrays[0], 15)
results["array_fill"] = None
for _ in range(256):
    try:
        arrays.append(Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 4096, 16, backend=U))
    except BPFError as exc:
        results["array_fill"] = errname(exc)
        break
results["arrays"] = len(arrays)
for m in arrays:  # every byte of every map created can be written
    for index in range(16):
        m.update(index.to_bytes(4, "little"), b"\x5a" * 4096)
results["arrays_written"] = all(m.lookup((15).to_bytes(4, "little")) == b"\x5a" * 4096 for m in arrays)
results["prog_store"] = store()
results["too_big_array"] = outcome(lambda: Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 1 << 20, 4, backend=U))
results["too_big_ringbuf"] = outcome(lambda: Map.create(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, 1 << 20, backend=U))
from pybpf.objects.perf_event import PerfEventObject
results["too_big_perf_event"] = outcome(lambda: PerfEventObject.create(0, 512))
print(json.dumps(results))
"""

GROWING = r"""
grow = Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 4096, 1 << 12, uapi.BPF_F_NO_PREALLOC, backend=U)
store = store_last_byte(grow, 0)
results["hash_inserted"], results["hash_refused"] = insert_until_refused(
    grow, lambda i: i.to_bytes(4, "little"), b"\x33" * 4096)
results["hash_readable"] = grow.lookup((0).to_bytes(4, "little")) == b"\x33" * 4096
results["prog_store"] = store()
grow.delete((1).to_bytes(4, "little"))
grow.update((1).to_bytes(4, "little"), b"\x44" * 4096)
results["hash_reuse"] = grow.lookup((1).to_bytes(4, "little")) == b"\x44" * 4096
results["trie_create"] = outcome(
    lambda: Map.create(uapi.BPF_MAP_TYPE_LPM_TRIE, 8, 2048, 1 << 12, uapi.BPF_F_NO_PREALLOC, backend=U))
print(json.dumps(results))
"""

TRIE = r"""
trie = Map.create(uapi.BPF_MAP_TYPE_LPM_TRIE, 8, 2048, 1 << 12, uapi.BPF_F_NO_PREALLOC, backend=U)
results["trie_inserted"], results["trie_refused"] = insert_until_refused(
    trie, lambda i: (32).to_bytes(4, "little") + i.to_bytes(4, "big"), b"\x66" * 2048)
results["trie_lookup"] = trie.lookup((32).to_bytes(4, "little") + (3).to_bytes(4, "big")) == b"\x66" * 2048
print(json.dumps(results))
"""


def run_on(mount: Path, code: str) -> dict[str, Any]:
    env = dict(os.environ, PYBPF_BPFFS=str(mount), PYTHONPATH=SRC, PYBPF_MAP_MEMORY_LIMIT="max")
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + code],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"child ended with status {done.returncode}:\n{done.stderr[-4000:]}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_preallocated_maps_on_a_full_tmpfs(small_tmpfs: Path) -> None:
    results = run_on(small_tmpfs, PREALLOCATED)
    assert results["array_fill"] == "ENOMEM"
    assert 4 <= results["arrays"] < 16
    assert results["arrays_written"] is True
    assert results["prog_store"] == 1
    assert results["too_big_array"] == results["too_big_ringbuf"] == results["too_big_perf_event"] == "ENOMEM"


def test_growing_hash_on_a_full_tmpfs(small_tmpfs: Path) -> None:
    results = run_on(small_tmpfs, GROWING)
    assert results["hash_refused"] == "ENOMEM"
    assert results["hash_inserted"] > 8
    assert results["hash_readable"] is results["hash_reuse"] is True
    assert results["prog_store"] == 1
    assert results["trie_create"] in ("ok", "ENOMEM")


def test_growing_trie_on_a_full_tmpfs(small_tmpfs: Path) -> None:
    results = run_on(small_tmpfs, TRIE)
    assert results["trie_refused"] == "ENOMEM"
    assert results["trie_inserted"] > 8
    assert results["trie_lookup"] is True
