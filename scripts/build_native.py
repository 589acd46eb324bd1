"""Compile the verifier's hot modules with mypyc into build/native (see pybpf.native).

    python scripts/build_native.py            # build when the manifest is stale (or missing)
    python scripts/build_native.py --force    # build anyway
    python scripts/build_native.py --check    # exit 0 when up to date, 1 otherwise; build nothing

The C code is generated and compiled in a temporary directory (mypyc.build.mypycify, then setuptools'
build_ext); the result replaces build/native in one rename, and the manifest (the sources' SHA-256 and the
Python ABI, pybpf.native.manifest()) is written last, so an interrupted build leaves no build that looks
current.  Nothing is written into src/.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pybpf import native  # noqa: E402


def build(target: Path, jobs: int, opt_level: str) -> None:
    from mypyc.build import mypycify
    from setuptools import Distribution

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pybpf-native-", dir=target.parent) as tmp:
        work = Path(tmp)
        sources = [str(native.source_path(m).relative_to(ROOT)) for m in native.MODULES]
        expected = native.manifest()  # hashed before compiling: an edit during the build makes it stale
        cwd = os.getcwd()
        os.chdir(ROOT)  # mypy reads pyproject.toml's [tool.mypy] and finds src/ from here
        try:
            extensions = mypycify(
                sources,
                opt_level=opt_level,
                group_name=native.GROUP,
                target_dir=str(work / "c"),
                multi_file=jobs > 1,
            )
            out = work / "native"
            dist = Distribution({"name": "pybpf-native", "ext_modules": extensions})
            dist.script_name = "build_native.py"
            dist.script_args = ["build_ext", "--build-lib", str(out), "--build-temp", str(work / "obj")]
            if jobs > 1:
                dist.script_args += ["--parallel", str(jobs)]
            dist.parse_command_line()
            dist.run_commands()
        finally:
            os.chdir(cwd)
        (out / native.MANIFEST).write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
        old = work / "old"
        if target.exists():
            target.rename(old)
        out.rename(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="build even when up to date")
    parser.add_argument("--check", action="store_true", help="only say whether the build is up to date")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel C compilers")
    parser.add_argument("--opt-level", default="3", choices=("0", "1", "2", "3"))
    parser.add_argument("--target", type=Path, default=None, help="where to build (default: build/native)")
    args = parser.parse_args(argv)
    target = args.target or native.default_directory()
    if target is None:
        print("build_native: not a source checkout", file=sys.stderr)
        return 1
    why = native.check(target)
    if args.check:
        print(f"native verifier: {'up to date' if why is None else why} ({target})")
        return 0 if why is None else 1
    if why is None and not args.force:
        print(f"native verifier: up to date ({target})")
        return 0
    started = time.monotonic()
    reason = why or "forced"
    print(f"native verifier: building {len(native.MODULES)} modules with mypyc ({reason})", flush=True)
    build(target, max(1, args.jobs), args.opt_level)
    why = native.check(target)
    if why is not None:
        print(f"native verifier: build finished but {why}", file=sys.stderr)
        return 1
    print(f"native verifier: built in {time.monotonic() - started:.0f} s ({target})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
