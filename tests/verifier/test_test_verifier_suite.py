"""The kernel's classic verifier suite (tools/testing/selftests/bpf/test_verifier.c, verifier/*.c) on
pybpf and on the running kernel, through scripts/test_verifier_conformance.py.

The suite is not part of pybpf: ``scripts/build_selftests.sh -t`` builds it from a kernel source
tree into a JSON file.  Name that file in ``PYBPF_TEST_VERIFIER_JSON``, or a source tree (the
directory holding tools/testing/selftests/bpf) in ``PYBPF_LINUX_SRC`` to have it built here;
without either, or without root and the real bpf(2), the differential tests skip.  For every
verifier/*.c file: each test the running kernel passes, pybpf passes too, and pybpf's verdict,
errno and run results are the kernel's on every test measured (programs of more than
``HEAVY_INSNS`` instructions are left to the script: the pure-Python verifier takes minutes on the
million-instruction scale tests).  The harness's own matching (test_verifier's ``cmp_str_seq`` and
``find_all_insn_subseqs``) is checked without the kernel.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pybpf.kernel.native import kernel_bpf_available

ROOT = Path(__file__).resolve().parents[2]
HEAVY_INSNS = 100_000
KNOWN: dict[str, str] = {}
"""Tests the kernel passes and pybpf does not, by descr, with the reason."""


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "test_verifier_conformance", ROOT / "scripts" / "test_verifier_conformance.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building classes
    spec.loader.exec_module(module)
    return module


tvc = _load_script()


def _suite_path(tmp_dir: Path) -> Path | None:
    named = os.environ.get("PYBPF_TEST_VERIFIER_JSON")
    if named:
        return Path(named)
    tree = os.environ.get("PYBPF_LINUX_SRC")
    if not tree:
        return None
    out = tmp_dir / "tv"
    build = [str(ROOT / "scripts" / "build_selftests.sh"), "-t", "-s", tree, "-o", str(out)]
    subprocess.run(build, check=True, capture_output=True, timeout=600)
    return out / "test_verifier.json"


def _files() -> list[str]:
    named = os.environ.get("PYBPF_TEST_VERIFIER_JSON")
    if named and Path(named).is_file():
        with open(named) as f:
            return sorted({t["file"] for t in json.load(f)["tests"]})
    return ["(all)"] if os.environ.get("PYBPF_LINUX_SRC") else []


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not kernel_bpf_available() or os.geteuid() != 0:
        pytest.skip("needs root and the real bpf(2) (the kernel is the reference)")
    path = _suite_path(tmp_path_factory.mktemp("suite"))
    if path is None or not path.is_file():
        pytest.skip("no test_verifier JSON (PYBPF_TEST_VERIFIER_JSON) or source tree (PYBPF_LINUX_SRC)")
    data: dict[str, Any] = tvc.read_suite(path)
    return data


@pytest.mark.parametrize("file", _files() or [pytest.param("", marks=pytest.mark.skip("no suite named"))])
def test_pybpf_passes_what_the_kernel_passes(file: str, suite: dict[str, Any]) -> None:
    tests = [
        (n, t)
        for n, t in enumerate(suite["tests"])
        if (file in ("(all)", t["file"])) and len(t["insns"]) // 16 <= HEAVY_INSNS
    ]
    details: list[dict[str, object]] = []
    args = argparse.Namespace(timeout=120)
    row = tvc.run_file(file, tests, suite, args, details)
    missed = [
        d
        for d in details
        if "skipped" not in d and d["kernel_passes"] and not d["pybpf_passes"] and d["descr"] not in KNOWN
    ]
    disagree = [d for d in details if "skipped" not in d and not d["agree"] and d["descr"] not in KNOWN]
    assert not missed, missed
    assert not disagree, disagree
    assert row.crashes == 0


# -- the harness's matching, without the kernel ---------------------------------------------------------
def test_cmp_str_seq_finds_the_parts_in_order() -> None:
    log = "0: R1=ctx()\nR2 invalid mem access 'scalar'\nprocessed 3 insns"
    assert tvc.cmp_str_seq(log, "") is None
    assert tvc.cmp_str_seq(log, "invalid mem access\tprocessed") is None
    assert tvc.cmp_str_seq(log, "processed\tinvalid mem access") == "invalid mem access"
    assert tvc.cmp_str_seq(log, "R3 invalid") == "R3 invalid"


def _insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", code, dst | (src << 4), off, imm)


def test_insn_subsequences_with_masks_and_skips() -> None:
    call_helper, call_func, exit_ = _insn(0x85, imm=5), _insn(0x85, src=1, off=3, imm=7), _insn(0x95)
    program = _insn(0xB7, imm=1) + call_helper + call_func + exit_
    any_func_call = _insn(0x85, src=1, off=tvc.INSN_OFF_MASK, imm=tvc.INSN_IMM_MASK)
    any_helper_call = _insn(0x85, off=tvc.INSN_OFF_MASK, imm=tvc.INSN_IMM_MASK)
    assert tvc.find_all_subseqs(program, any_func_call)
    assert tvc.find_all_subseqs(program, any_helper_call + any_func_call)
    assert not tvc.find_all_subseqs(program, any_func_call + any_helper_call)  # not in that order
    assert tvc.find_all_subseqs(program, _insn(0xB7, imm=1) + tvc.SKIP_INSN + exit_)  # a gap between
    assert not tvc.find_all_subseqs(program, exit_ + tvc.SKIP_INSN + _insn(0xB7, imm=1))
    assert not tvc.find_all_subseqs(program, _insn(0x85, imm=6))  # no mask: the imm must match
