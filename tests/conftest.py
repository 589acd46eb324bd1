"""Fixtures shared by the whole suite.

* ``_private_bpffs`` (autouse): every test gets its own pybpf bpffs root (``PYBPF_BPFFS``) on tmpfs.
* ``backend``: a behaviour runs on the user backend and on the real kernel (skipped, never failed,
  where bpf(2) is unavailable), so tests compare pybpf's answers with the kernel's.
* ``pure_python`` (a mark): a test that hooks the verifier's internals runs only on the pure-Python
  verifier; where the mypyc-compiled one is loaded, ``tests/test_native.py`` runs it in a subprocess.
* ``pin_dir``: a directory where ``backend`` can pin (the pybpf root, or a freshly mounted bpffs).
* ``engine``: the programs a test runs run on each of pybpf's engines in turn, ``ENGINE_NAMES`` (named
  explicitly, so that both stay covered whatever the default engine is).  The test is parametrized and
  ``PYBPF_ENGINE`` set: every program loaded follows it (``pybpf.kernel.prog_run``), and harness code
  that builds an executable itself takes ``ENGINES[selected_engine()]`` from that module too.  Under
  ``jit`` a program the JIT cannot compile fails the test instead of falling back to the interpreter
  with a notice.  The test modules that run programs use it: ``pytestmark =
  pytest.mark.usefixtures("engine")``, or the mark on each test that does.  A subprocess a test
  starts inherits ``PYBPF_ENGINE`` with the environment.  A test that also takes ``backend`` runs
  on ``native`` once, under ``KERNEL_ENGINE`` (the kernel runs its programs, on neither engine):
  ``pytest_collection_modifyitems`` deselects the other engines' copies.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import pybpf.jit
from pybpf import native
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kernel.prog_run import ENGINE_VARIABLE

ENGINE_NAMES = ("interpreter", "jit")
"""The engines every test that runs programs covers, each in turn."""
KERNEL_ENGINE = "jit"
"""The one engine a test on the ``native`` backend keeps (pybpf's default)."""


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A ``pure_python`` test (one that patches methods of the verifier's classes, which the
    mypyc-compiled modules neither allow nor consult) runs here only on the pure-Python verifier; on
    the compiled one ``tests/test_native.py`` runs it in a subprocess with ``PYBPF_NATIVE=0``."""
    if item.get_closest_marker("pure_python") is not None and native.decide().native:
        pytest.skip("hooks the verifier's internals: run on the pure-Python modules by tests/test_native.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test on the real kernel (``backend`` = ``native``) runs once, not once per pybpf engine."""
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_kernel = params.get("backend") == "native"
        (dropped if on_kernel and params.get("engine", KERNEL_ENGINE) != KERNEL_ENGINE else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


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


@pytest.fixture(params=ENGINE_NAMES)
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test runs once per engine: ``PYBPF_ENGINE`` names it; under ``jit``, no quiet fallback."""
    name: str = request.param
    monkeypatch.setenv(ENGINE_VARIABLE, name)
    if name == "jit":

        def refuse_fallback(reason: str) -> None:
            raise AssertionError(f"the JIT could not take a program of this test: {reason}")

        monkeypatch.setattr(pybpf.jit, "notice", refuse_fallback)
    return name


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
