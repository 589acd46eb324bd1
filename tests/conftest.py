"""Fixtures shared by the whole suite.

* ``_private_bpffs`` (autouse): every test gets its own pybpf bpffs root (``PYBPF_BPFFS``) on tmpfs.
* ``backend``: a behaviour runs on the user backend and on the real kernel (skipped, never failed,
  where bpf(2) is unavailable), so tests compare pybpf's answers with the kernel's.
* ``pin_dir``: a directory where ``backend`` can pin (the pybpf root, or a freshly mounted bpffs).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available


@pytest.fixture(autouse=True)
def _private_bpffs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test gets its own pybpf bpffs root (PYBPF_BPFFS) on tmpfs, like the default root."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    root = Path(tempfile.mkdtemp(prefix="pybpffs-test-", dir=base))
    monkeypatch.setenv("PYBPF_BPFFS", str(root))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["user", "native"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "native":
        if not kernel_bpf_available():
            pytest.skip("the real bpf(2) is not available here")
        return NativeBackend()
    return UserBackend()


@pytest.fixture
def pin_dir(backend: Backend, _private_bpffs: Path, tmp_path: Path) -> Iterator[Path]:
    """A directory where ``backend`` can pin: the pybpf root, or a freshly mounted bpffs."""
    if backend.name == "user":
        yield _private_bpffs
        return
    mount = tmp_path / "bpffs"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "bpf", "bpf", str(mount)], capture_output=True, check=False)
    if done.returncode:
        pytest.skip("cannot mount a bpffs for the kernel")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)
