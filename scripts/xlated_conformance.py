#!/usr/bin/env python3
"""Compare pybpf's xlated programs with the kernel's over the verifier corpus.

Every program of tests/data/verifier_corpus (and the C theme, unless ``--no-c``) that the kernel's
recorded label says Linux 6.18 accepts is loaded on the running kernel (the native backend) and on
pybpf (the user backend); BPF_OBJ_GET_INFO_BY_FD's ``xlated_prog_insns`` of both are compared
instruction by instruction, normalised and classified as ``tests.verifier.xlated_compare`` says
(map ids by place, helper and kfunc calls by the function they reach, bpf-to-bpf calls and jumps by
target).  Programs of a ``caps`` header (loaded by a caller without every capability) and ``heavy``
ones are left out.  Prints per theme: compared programs, identical ones, and the programs with each
class of difference; then the classes in total with a few examples (``--examples N``).

    python scripts/xlated_conformance.py [--only PREFIX] [--no-c] [--json F] [--examples N]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from pybpf.kernel.backend import UserBackend  # noqa: E402, I001
from pybpf.kernel.native import NativeBackend, kernel_bpf_available  # noqa: E402
from tests.verifier import xlated_compare as xc  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default="", help="a theme, or a prefix of program names")
    parser.add_argument("--no-c", action="store_true", help="leave out the C theme")
    parser.add_argument("--json", help="write every program's result here")
    parser.add_argument("--examples", type=int, default=3, help="examples printed per class")
    args = parser.parse_args()
    if not kernel_bpf_available():
        print("the real bpf(2) is not available here", file=sys.stderr)
        return 2
    kernel, mine = NativeBackend(), UserBackend()
    per_theme: dict[str, Counter[str]] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    results: dict[str, object] = {}
    for program in xc.candidates(args.only, with_c=not args.no_c):
        theirs = xc.fetch(program, kernel)
        ours = xc.fetch(program, mine)
        counts = per_theme[program.theme]
        if theirs is None or ours is None:
            counts["not loaded"] += 1
            results[program.name] = {"loaded": [ours is not None, theirs is not None]}
            continue
        cmp = xc.compare(ours[0], ours[1], theirs[0], theirs[1])
        counts["compared"] += 1
        counts["identical"] += cmp.same
        for name in cmp.classes:
            counts[name] += 1
            if len(examples[name]) < args.examples:
                examples[name].append(
                    f"{program.name}: " + next(e for e in cmp.examples if e.startswith(name))
                )
        results[program.name] = {"pybpf": cmp.pybpf_len, "kernel": cmp.kernel_len, "classes": cmp.classes}
    classes = [c for c in xc.CLASSES if any(c in t for t in per_theme.values())]
    header = f"{'theme':<34}{'compared':>9}{'same':>6}" + "".join(f"{c[:14]:>16}" for c in classes)
    print(header)
    total: Counter[str] = Counter()
    for theme, counts in sorted(per_theme.items()):
        total.update(counts)
        print(
            f"{theme:<34}{counts['compared']:>9}{counts['identical']:>6}"
            + "".join(f"{counts[c]:>16}" for c in classes)
        )
    print(
        f"{'total':<34}{total['compared']:>9}{total['identical']:>6}"
        + "".join(f"{total[c]:>16}" for c in classes)
    )
    share = total["identical"] / max(total["compared"], 1)
    print(
        f"identical xlated programs: {total['identical']} of {total['compared']} ({share:.1%}); "
        f"not loaded on one side: {total['not loaded']}"
    )
    for name in classes:
        print(f"\n{name} ({total[name]} programs): {xc.CLASSES[name]}")
        for example in examples[name]:
            print(f"  {example}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
