"""The same objects loaded by bpftool (libbpf) and by pybpf's loader: the programs must be the same.

``bpftool prog loadall`` loads every program of an object through libbpf into the kernel and pins it;
its tag (the kernel's hash of the instructions as loaded, map fds zeroed) must equal the tag of the
same program loaded by ``pybpf.Object`` into the kernel and into pybpf -- so linking (subprograms and
their order), map and global-data relocations and CO-RE all match libbpf's, instruction for
instruction.  Objects bpftool cannot load (legacy ``maps`` sections, which libbpf 1.x refuses; kconfig
externs without a kernel config file; maps pinned under /sys/fs/bpf) are skipped with bpftool's reason,
and the legacy one is checked to be refused by libbpf while pybpf loads it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pybpf import Object, ProgramLoadError
from pybpf.errors import BPFError
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from tests.elf.corpus import OBJECTS, REAL_WORLD_GAPS, REFUSED, obj_path

BPFTOOL = shutil.which("bpftool")
pytestmark = pytest.mark.skipif(
    BPFTOOL is None or not kernel_bpf_available(), reason="needs bpftool and the real bpf(2)"
)


@pytest.fixture
def bpffs(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "bpffs"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "bpf", "bpf", str(mount)], capture_output=True, check=False).returncode:
        pytest.skip("cannot mount a bpffs")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def bpftool(*args: str) -> subprocess.CompletedProcess[str]:
    assert BPFTOOL is not None
    return subprocess.run([BPFTOOL, *args], capture_output=True, text=True, check=False)


def pybpf_tags(name: str, backend: object) -> dict[str, str]:
    with Object.open(obj_path(name), backend=backend) as obj:  # type: ignore[arg-type]
        obj.load()
        return {p: program.tag for p, program in obj.programs.items()}


@pytest.mark.parametrize("name", [n for n in OBJECTS if n not in REFUSED and n != "core_target"])
def test_programs_match_bpftool_loadall(name: str, bpffs: Path) -> None:
    pins = bpffs / "progs"
    done = bpftool("prog", "loadall", str(obj_path(name)), str(pins))
    if done.returncode:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "unknown"
        if name.startswith("legacy_maps"):
            assert "legacy map definitions" in done.stderr  # libbpf 1.x refuses them; pybpf loads them
        pytest.skip(f"bpftool cannot load it: {reason}")
    expected = {}
    for pin in pins.iterdir():
        info = json.loads(bpftool("-j", "prog", "show", "pinned", str(pin)).stdout)
        expected[info["name"]] = info["tag"]  # the kernel's 15-character name, or the BTF func's whole name
    kernel = pybpf_tags(name, NativeBackend())
    assert {(p if p in expected else p[:15]): tag for p, tag in kernel.items()} == expected
    try:
        user = pybpf_tags(name, UserBackend())
    except ProgramLoadError:
        assert name == "core_custom" or any(gap.startswith(f"{name}.o") for gap in REAL_WORLD_GAPS)
        return  # pybpf refuses core_custom's poisoned dead branch (see test_core)
    except BPFError:
        assert any(gap.startswith(f"{name}.o") for gap in REAL_WORLD_GAPS)  # a map type pybpf lacks
        return
    assert user == kernel
