"""The compiled verifier (pybpf.native, scripts/build_native.py): which build a process runs.

Where this checkout's build/native is current, the suite runs on the mypyc-compiled modules (the
first test checks they are the ones loaded); the pure-Python modules stay tested by a sample of the
verifier corpus run in a subprocess with ``PYBPF_NATIVE=0``; a build whose manifest no longer matches
the sources (or the interpreter) is never loaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import pybpf.verifier
from pybpf import native
from pybpf.verifier import checks

ROOT = Path(__file__).resolve().parent.parent
DIRECTORY = native.default_directory()
BUILT = DIRECTORY is not None and native.check(DIRECTORY) is None
WANTED = os.environ.get(native.ENV_SWITCH, "1") != "0" and not os.environ.get(native.ENV_DIR)
SUFFIX = str(sysconfig.get_config_var("EXT_SUFFIX"))


def _run(code: str, **env: str) -> str:
    """``code`` run by this interpreter in a fresh process, from the checkout, with ``env`` added."""
    environ = {k: v for k, v in os.environ.items() if k not in (native.ENV_SWITCH, native.ENV_DIR)}
    environ.update(env, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


_STATUS = """
import sys
import pybpf.verifier
from pybpf import native
for m in native.MODULES:
    __import__(m)
files = {m: getattr(sys.modules[m], "__file__", "") for m in native.MODULES}
print(native.status())
print(all(f.endswith(".py") for f in files.values()), any(f.endswith(".py") for f in files.values()))
"""


@pytest.mark.skipif(not (BUILT and WANTED), reason="build/native is not built for these sources")
def test_the_built_modules_are_the_ones_loaded() -> None:
    assert native.decide().native
    assert native.status().startswith("native (")
    for module in native.MODULES:
        __import__(module)
        path = Path(str(sys.modules[module].__file__))
        assert path.name.endswith(SUFFIX), module
        assert DIRECTORY is not None and path.is_relative_to(DIRECTORY)
    assert pybpf.verifier.__path__[0] == str(DIRECTORY / "pybpf" / "verifier")
    assert checks.__path__[0] == str(DIRECTORY / "pybpf" / "verifier" / "checks")


def test_the_switch_forces_pure_python() -> None:
    status, flags = _run(_STATUS, PYBPF_NATIVE="0").splitlines()
    assert status == "pure Python (PYBPF_NATIVE=0)"
    assert flags == "True True"


def test_a_stale_build_is_never_loaded(tmp_path: Path) -> None:
    """A copy of the build whose manifest names another source hash, or another Python: pure Python."""
    if not BUILT or DIRECTORY is None:
        pytest.skip("build/native is not built for these sources")
    directory = DIRECTORY
    copy = tmp_path / "native"
    shutil.copytree(directory, copy)
    status, flags = _run(_STATUS, PYBPF_NATIVE_DIR=str(copy)).splitlines()
    assert status.startswith("native (") and flags == "False False"  # the copy as built: loaded
    manifest = json.loads((copy / native.MANIFEST).read_text())
    module = native.MODULES[3]
    manifest["sources"][module] = "0" * 64
    (copy / native.MANIFEST).write_text(json.dumps(manifest))
    status, flags = _run(_STATUS, PYBPF_NATIVE_DIR=str(copy)).splitlines()
    assert status == f"pure Python (stale: {module} changed)"
    assert flags == "True True"
    manifest = json.loads((directory / native.MANIFEST).read_text())
    manifest["abi"]["version"] = "2.7"
    (copy / native.MANIFEST).write_text(json.dumps(manifest))
    assert (
        _run(_STATUS, PYBPF_NATIVE_DIR=str(copy)).splitlines()[0] == "pure Python (built for another Python)"
    )


def test_manifest_checks(tmp_path: Path) -> None:
    """check() without a build, with garbage, and with a manifest lacking its binaries."""
    assert native.check(tmp_path) == "not built"
    (tmp_path / native.MANIFEST).write_text("{not json")
    assert native.check(tmp_path) == "unreadable manifest (JSONDecodeError)"
    (tmp_path / native.MANIFEST).write_text(json.dumps([1]))
    assert native.check(tmp_path) == "manifest of another format"
    recorded = native.manifest()
    (tmp_path / native.MANIFEST).write_text(json.dumps(recorded))
    assert native.check(tmp_path) == "shared library missing"
    sources = recorded["sources"]
    assert isinstance(sources, dict)
    # a module the compiled ones import (not compiled itself) changed: stale too
    assert "pybpf.helpers.protos" in sources and "pybpf.helpers.protos" not in native.MODULES
    (tmp_path / native.MANIFEST).write_text(
        json.dumps({**recorded, "sources": {**sources, "pybpf.helpers.protos": "0"}})
    )
    assert native.check(tmp_path) == "stale: pybpf.helpers.protos changed"
    recorded["sources"] = {m: h for m, h in sources.items() if m != native.MODULES[0]}
    (tmp_path / native.MANIFEST).write_text(json.dumps(recorded))
    assert native.check(tmp_path) == "built from another module list"


@pytest.mark.slow
def test_the_hooking_tests_pass_on_the_pure_python_verifier() -> None:
    """The ``pure_python`` tests (they patch the walker's methods to watch it) are skipped in a process
    running the compiled verifier; they run here, on the pure-Python modules, and must pass."""
    if not native.decide().native:
        pytest.skip("this process runs the pure-Python verifier: the pure_python tests run in it")
    environ = {k: v for k, v in os.environ.items() if k not in (native.ENV_SWITCH, native.ENV_DIR)}
    environ.update(PYBPF_NATIVE="0", PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "pure_python"]
    if "xdist" in sys.modules:
        command += ["-n", "0"]
    done = subprocess.run(
        [*command, "tests/verifier", "tests/hostile", "tests/jit/test_verified_accesses.py"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary, summary


_CORPUS_SAMPLE = """
import json
from pybpf import native
from pybpf.kernel.backend import UserBackend
from tests.verifier import verifier_corpus as vc
programs = [p for p in vc.corpus() if not p.heavy][::STEP]
labels = vc.read_labels()
out = []
for p in programs:
    o = vc.Outcome(p, vc.answers(labels[p.name]).modelled, vc.load(p, UserBackend()))
    out.append([p.name, o.kind, str(o.kernel), str(o.pybpf)])
print(json.dumps({"status": native.status(), "outcomes": out}))
"""


@pytest.mark.slow
def test_the_pure_python_verifier_agrees_on_a_corpus_sample() -> None:
    """Every 10th program of the verifier corpus (verdict, errno and final message) on the pure-Python
    modules: the same answers as the kernel's, but the listed disagreements (test_corpus.py checks
    the whole corpus on whichever build the suite runs)."""
    result = json.loads(_run(_CORPUS_SAMPLE.replace("STEP", "10"), PYBPF_NATIVE="0"))
    assert result["status"] == "pure Python (PYBPF_NATIVE=0)"
    from tests.verifier import verifier_corpus as vc

    known = vc.read_known()
    assert len(result["outcomes"]) >= 60
    wrong = [
        f"{name} | {kind} | kernel: {kernel} | pybpf: {pybpf}"
        for name, kind, kernel, pybpf in result["outcomes"]
        if kind and (name not in known or known[name].kind != kind)
    ]
    assert wrong == []
