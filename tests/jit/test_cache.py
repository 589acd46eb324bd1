"""The JIT's object cache: a program is compiled once and only linked afterwards, in any process, with
its own map addresses bound; bad cache files, unusable directories and a full cache never break a
compilation."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import BPF_PSEUDO_MAP_FD
from pybpf.jit import JitProgram, cache, codegen
from tests.vm.builders import EXIT, insn, mov

M64 = (1 << 64) - 1


MAP_PROGRAM = [Instruction.lddw(0, 0, BPF_PSEUDO_MAP_FD), insn("add", 0, imm=1), EXIT]
"""``r0 = map[...] + 1``: the loader resolves the map (here: each test's ``resolved``)."""


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh disk cache, nothing linked in this process."""
    directory = tmp_path / "jit"
    monkeypatch.setenv(cache.DIRECTORY_VARIABLE, str(directory))
    monkeypatch.delenv(cache.LIMIT_VARIABLE, raising=False)
    codegen.clear_cache()
    return directory


def fresh_process_view() -> None:
    """What a new process sees: nothing linked, no object in memory (only the disk)."""
    codegen.clear_cache()
    cache._current = None


def test_a_program_compiled_once_is_linked_from_the_cache_after(cache_dir: Path) -> None:
    first = JitProgram([mov(0, 7), insn("mul", 0, imm=6), EXIT])
    assert not first.compiled.cached
    kept = [path.suffix for path in cache_dir.iterdir() if path.name != ".swept" and path.suffix != ".target"]
    assert kept == [".o"]  # and the target record (codegen.target_key); the run entries' at the run
    assert first.run() == 42
    fresh_process_view()
    second = JitProgram([mov(0, 7), insn("mul", 0, imm=6), EXIT])
    assert second.compiled.cached and second.run() == 42
    assert second.compiled.object_code == first.compiled.object_code
    assert second.compiled.compile_ns < first.compiled.compile_ns


def test_map_addresses_are_relocations_bound_at_link(cache_dir: Path) -> None:
    """One object serves every process: the addresses a loader resolved are bound when it is linked."""
    addresses = [0x7F00_1234_5000, 0x5555_0000_1000, 0, M64 - 1]
    results, objects = [], set()
    for address in addresses:
        fresh_process_view()
        program = JitProgram(MAP_PROGRAM, resolved={0: address})
        results.append(program.run())
        objects.add(program.compiled.object_code)
        assert program.compiled.cached == (address != addresses[0])
        if address:
            assert address.to_bytes(8, "little") in program.compiled.machine_code  # bound in the image
            assert address.to_bytes(8, "little") not in program.compiled.object_code
    assert results == [(address + 1) & M64 for address in addresses]
    assert len(objects) == 1


def test_the_one_value_mcjit_cannot_bind_is_a_constant(cache_dir: Path) -> None:
    program = JitProgram(MAP_PROGRAM, resolved={0: M64})
    assert program.run() == 0  # M64 + 1
    other = JitProgram(MAP_PROGRAM, resolved={0: 5})
    assert other.run() == 6
    assert other.compiled.object_code != program.compiled.object_code


def test_the_key_names_every_input_of_the_code(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program = JitProgram(MAP_PROGRAM, resolved={0: 0x1000})
    compiled = program.compiled
    leaders = sorted({0, 2})

    def key(**change: object) -> str:
        args: dict[str, object] = {
            "leaders": leaders,
            "resolved": {0: 0x1000},
            "helper_ids": {1, 2},
            **change,
        }
        return codegen.object_key(program._bytes, **args)  # type: ignore[arg-type]

    base = key()
    assert key(resolved={0: 0x2000}) == base  # addresses are not part of it
    assert key(resolved={}) != base
    assert key(resolved={0: M64}) != base
    assert key(helper_ids={1}) != base
    assert key(leaders=[0]) != base
    assert codegen.object_key(b"\0" * 32, leaders=leaders, resolved={0: 1}, helper_ids={1, 2}) != base
    monkeypatch.setattr(codegen, "_sources_digest", "another pybpf")
    assert key() != base
    assert compiled.address


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],  # truncated
        lambda raw: raw[:-1] + bytes([raw[-1] ^ 1]),  # one bit flipped in the object
        lambda raw: b"NOTPYBPF" + raw[8:],  # another magic
        lambda raw: b"",  # empty
        lambda raw: raw[:20],  # shorter than the header
    ],
    ids=["truncated", "bit-flip", "magic", "empty", "short-header"],
)
def test_a_bad_cache_file_is_ignored_and_replaced(cache_dir: Path, damage: object) -> None:
    program = [mov(0, 3), insn("lsh", 0, imm=4), EXIT]
    JitProgram(program).prepare()
    (path,) = cache_dir.glob("*.o")
    good = path.read_bytes()
    path.write_bytes(damage(good))  # type: ignore[operator]
    fresh_process_view()
    again = JitProgram(program)
    assert not again.compiled.cached  # compiled anew, never trusted
    assert again.run() == 48
    assert path.read_bytes() == good


def test_an_unusable_directory_leaves_the_memory_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    for unusable in (str(blocker / "jit"), ""):  # under a file; explicitly disabled
        monkeypatch.setenv(cache.DIRECTORY_VARIABLE, unusable)
        codegen.clear_cache()
        assert cache.object_cache().directory is None
        program = JitProgram([mov(0, 11), EXIT])
        assert program.run() == 11
        codegen.clear_cache()
        assert JitProgram([mov(0, 11), EXIT]).compiled.cached  # from memory, in this process


def test_a_directory_of_another_user_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give the directory away")
    directory = tmp_path / "theirs"
    directory.mkdir()
    os.chown(directory, 65534, 65534)
    monkeypatch.setenv(cache.DIRECTORY_VARIABLE, str(directory))
    assert cache.object_cache().directory is None


def test_a_directory_others_may_write_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "shared"
    directory.mkdir()
    directory.chmod(0o777)
    monkeypatch.setenv(cache.DIRECTORY_VARIABLE, str(directory))
    assert cache.object_cache().directory is None
    directory.chmod(0o700)
    monkeypatch.setenv(cache.LIMIT_VARIABLE, "1000000")  # another setting: the cache is looked at anew
    assert cache.object_cache().directory == directory


def test_the_default_directory_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(cache.DIRECTORY_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.default_directory() == tmp_path / "pybpf" / "jit"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    assert cache.default_directory() == Path.home() / ".cache" / "pybpf" / "jit"


def test_the_cache_stays_under_its_limit_dropping_the_least_recently_used(tmp_path: Path) -> None:
    store = cache.ObjectCache(tmp_path, limit=4096)
    blob = bytes(1000)
    for index in range(12):
        store.store(f"{index:064x}", blob)
        path = tmp_path / f"{index:064x}.o"
        os.utime(path, (1000 + index, 1000 + index))  # stored in this order
        store.evict()
    sizes = [path.stat().st_size for path in tmp_path.iterdir()]
    assert sum(sizes) <= 4096
    kept = sorted(path.name for path in tmp_path.glob("*.o"))
    assert kept == [f"{index:064x}.o" for index in range(12 - len(kept), 12)]  # the newest stay
    fresh = cache.ObjectCache(tmp_path, limit=4096)
    assert fresh.load(f"{11:064x}") == blob
    assert fresh.load(f"{0:064x}") is None


def test_an_object_larger_than_the_limit_is_not_written(tmp_path: Path) -> None:
    store = cache.ObjectCache(tmp_path, limit=100)
    store.store("ab" * 32, bytes(200))
    assert list(tmp_path.iterdir()) == []
    assert store.load("ab" * 32) == bytes(200)  # still kept in memory


def test_stale_temporary_files_are_swept(tmp_path: Path) -> None:
    stale = tmp_path / ".dead.1.2.tmp"
    stale.write_bytes(b"half an object")
    os.utime(stale, (1, 1))
    store = cache.ObjectCache(tmp_path)
    store.store("cd" * 32, b"object")
    assert not stale.exists()


def test_a_first_store_sweeps_only_when_no_process_did_lately(tmp_path: Path) -> None:
    """Sweeping stats every file: a short process's first store does it only when the directory's
    ``.swept`` marker is older than SWEEP_INTERVAL_S (and then renews it)."""
    stale = tmp_path / ".dead.1.2.tmp"
    cache.ObjectCache(tmp_path).store("ab" * 32, b"object")  # no marker yet: swept, marker made
    marker = tmp_path / ".swept"
    assert marker.exists()
    stale.write_bytes(b"half an object")
    os.utime(stale, (1, 1))
    cache.ObjectCache(tmp_path).store("cd" * 32, b"object")  # swept a moment ago: not again
    assert stale.exists()
    old = time.time() - cache.SWEEP_INTERVAL_S - 5
    os.utime(marker, (old, old))
    cache.ObjectCache(tmp_path).store("ef" * 32, b"object")
    assert not stale.exists() and time.time() - marker.stat().st_mtime < cache.SWEEP_INTERVAL_S


def test_another_process_links_what_this_one_compiled(cache_dir: Path) -> None:
    program = [mov(0, 5), insn("add", 0, imm=37), EXIT]
    assert JitProgram(program).run() == 42
    script = (
        "from pybpf.jit import JitProgram\n"
        "from tests.vm.builders import EXIT, insn, mov\n"
        "p = JitProgram([mov(0, 5), insn('add', 0, imm=37), EXIT])\n"
        "print(p.run(), p.compiled.cached)\n"
    )
    env = {**os.environ, cache.DIRECTORY_VARIABLE: str(cache_dir)}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120, check=True
    )
    assert out.stdout.split() == ["42", "True"]
    assert out.stderr == ""
