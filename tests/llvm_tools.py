"""Finding the LLVM tools (clang, llvm-mc, llvm-objdump) the cross-checking tests run.

Distributions install LLVM side by side as ``llvm-mc-19``, ``llvm-mc-18``, ... with an unversioned
``llvm-mc`` that is often the oldest (LLVM 14 on Debian bookworm, which lacks most of the v4
instruction set).  Every test that runs one of these tools asks :func:`find_llvm_tool`, which prefers
the newest versioned binary on ``PATH`` and falls back to the unversioned one; ``scripts/setup.sh``
installs the newest release the distribution has.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path


@cache
def find_llvm_tool(name: str) -> str | None:
    """The path of the newest ``NAME-<major>`` on ``PATH`` (highest major first), else of ``NAME``."""
    pattern = re.compile(rf"{re.escape(name)}-(\d+)")
    versioned: dict[int, str] = {}
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        try:
            entries = list(Path(directory).iterdir())
        except OSError:
            continue
        for entry in entries:
            match = pattern.fullmatch(entry.name)
            if (
                match
                and int(match.group(1)) not in versioned
                and os.access(entry, os.X_OK)
                and entry.is_file()
            ):
                versioned[int(match.group(1))] = str(entry)
    if versioned:
        return versioned[max(versioned)]
    return shutil.which(name)


@cache
def llvm_major(tool: str) -> int:
    """The LLVM major version ``tool --version`` reports (0 when it says none)."""
    output = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"(?:LLVM|clang) version (\d+)", output)
    return int(match.group(1)) if match else 0


CLANG = find_llvm_tool("clang")
LLVM_MC = find_llvm_tool("llvm-mc")
LLVM_OBJDUMP = find_llvm_tool("llvm-objdump")


@cache
def llvm_mc_assembles(tool: str, text: str) -> bool:
    """Whether ``tool`` (an llvm-mc) assembles the one BPF instruction ``text`` without an error.

    What an assembler reads changes between LLVM releases in ways no release note pins down (gotol's
    32-bit target is still read as a 16-bit offset by LLVM 22), so tests ask the installed one.
    """
    run = subprocess.run(
        [tool, "-triple", "bpfel", "-mattr=+alu32", "-show-encoding"],
        input=text + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    return run.returncode == 0 and "error:" not in run.stderr and "# encoding:" in run.stdout
