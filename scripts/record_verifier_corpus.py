#!/usr/bin/env python3
"""Record the running kernel's verdicts on the verifier corpus (tests/data/verifier_corpus).

Writes generated.asm from the corpus generator (``tests.verifier.corpus_generator``), loads every
corpus program into the running kernel through the native backend (BPF_PROG_LOAD at log level 1,
each program with freshly created maps) and stores its verdict -- the errno's name and the last
line of the log's reason -- in labels.json under the running release (``uname -r``'s major.minor).
Answers recorded on other releases are kept; programs no longer in the corpus lose their labels.
Every program is loaded twice and an answer that changes between the two loads is an error (a label
must not depend on fds, ids or timing), so the output is the same on every run.

    python scripts/record_verifier_corpus.py           # record (needs root and bpf(2))
    python scripts/record_verifier_corpus.py --check   # exit 1 if the labels are not what the kernel says
    python scripts/record_verifier_corpus.py --only c/global_ctx_args/   # (re)label some programs only
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from pybpf.kernel.native import NativeBackend, kernel_bpf_available  # noqa: E402, I001
from pybpf.kernel_version import KernelVersion  # noqa: E402
from tests.verifier import verifier_corpus as vc  # noqa: E402
from tests.verifier.corpus_generator import generated_theme  # noqa: E402

GENERATED = vc.CORPUS / "generated.asm"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="compare with labels.json, write nothing")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="PREFIX",
        help="load only the programs whose name starts with PREFIX (repeatable); others keep their labels",
    )
    args = parser.parse_args()
    if not kernel_bpf_available():
        print("the real bpf(2) is not available here", file=sys.stderr)
        return 2
    theme = generated_theme()
    if args.check:
        if not GENERATED.exists() or GENERATED.read_text() != theme:
            print("generated.asm is not what the generator writes", file=sys.stderr)
            return 1
    else:
        GENERATED.write_text(theme)
    release = str(KernelVersion.parse(os.uname().release))
    labels = vc.read_labels()
    programs = vc.corpus()
    backend = NativeBackend()
    fresh: dict[str, dict[str, vc.Verdict]] = {}
    unstable = []
    for program in programs:
        if args.only and not program.name.startswith(tuple(args.only)):
            if program.name in labels:
                fresh[program.name] = labels[program.name]
            continue
        first, second = vc.load(program, backend), vc.load(program, backend)
        if first != second:
            unstable.append(f"{program.name}: {first} / {second}")
        recorded = {r: v for r, v in labels.get(program.name, {}).items() if r != release}
        fresh[program.name] = {**recorded, release: first}
    if unstable:
        print("answers that change from load to load:\n  " + "\n  ".join(unstable), file=sys.stderr)
        return 1
    changed = sorted(n for n in fresh if fresh[n] != labels.get(n)) + sorted(set(labels) - set(fresh))
    if args.check:
        for name in changed:
            print(f"{name}: recorded {labels.get(name)}, the kernel says {fresh.get(name)}", file=sys.stderr)
        return 1 if changed else 0
    vc.write_labels(fresh)
    accepted = sum(fresh[p.name][release].accepted for p in programs if release in fresh.get(p.name, {}))
    refused = len(programs) - accepted
    print(f"{len(programs)} programs on Linux {release}: {accepted} accepted, {refused} refused")
    print(f"{len(changed)} labels changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
