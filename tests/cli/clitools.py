"""Running ``pybpf`` in-process for the CLI tests: exit status, stdout and stderr of one command."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pybpf.cli.main import main

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLES = ROOT / "examples"
GUARD = EXAMPLES / "c" / "xdp_guard.o"
GUARD_BROKEN = EXAMPLES / "c" / "xdp_guard_broken.o"
GUARD_PCAP = EXAMPLES / "captures" / "guard.pcap"
BPFTOOL = shutil.which("bpftool")


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def pybpf(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    """``pybpf ARGV...`` in this process (stdout and stderr captured)."""
    capsys.readouterr()
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def bpftool(*argv: str) -> subprocess.CompletedProcess[str]:
    assert BPFTOOL is not None
    return subprocess.run([BPFTOOL, *map(str, argv)], capture_output=True, text=True, check=False)
