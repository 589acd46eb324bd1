"""Verifier logs in the user's terms: C source lines above instructions, the object's instruction numbers.

Mirrors what the kernel's ``verbose_linfo`` (kernel/bpf/verifier.c) prints when a program comes with
line_info -- ``; <C source line> @ <file>:<line>`` above the first instruction of each new source line --
and libbpf's ``fixup_verifier_log`` / ``fixup_log_failed_core_relo`` (tools/lib/bpf/libbpf.c), which
rewrites the ``call unknown#195896080`` of a poisoned CO-RE relocation into ``<invalid CO-RE
relocation>`` and names the relocation that failed, and (``fixup_log_missing_map_load``) the
``call unknown#2001000000+i`` of an ``lddw`` of a map not created into ``<invalid BPF map reference>``
naming the map.

The log is rewritten the same way whichever backend produced it: source lines the kernel already
printed are dropped and printed again from the object's line_info (so both backends show them alike),
and every instruction number at the start of a line (``12: (61) r2 = ...``, ``from 12 to 15: ...``) is
the instruction's position in the object -- its slot in its ELF section, as ``llvm-objdump -d`` numbers
it -- prefixed by the section when it is not the program's own (``.text:3: (bf) r0 = r1``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pybpf.elf.core import POISON_IMM, CoreResult
from pybpf.elf.link import LinkedProgram
from pybpf.elf.relocate import MAP_POISON_BASE

__all__ = ["annotate_log", "object_insn_name", "source_line"]

_INSN = re.compile(r"^(\d+): ")
_INSN_CODE = re.compile(r"^\d+: \([0-9a-f]{2}\)")
_FROM_TO = re.compile(r"^from (\d+) to (\d+): ")
_KERNEL_LINE_INFO = re.compile(r"^; .* @ [^ ]+:\d+$")
_POISON_CALL = re.compile(rf"^(\d+): \(85\) call unknown#{POISON_IMM}$")
_MAP_POISON_CALL = re.compile(r"^(\d+): \(85\) call unknown#(\d+)$")


def object_insn_name(linked: LinkedProgram, slot: int) -> str:
    """The object's name for a linked instruction: ``N`` in the program's section, ``<section>:N`` else."""
    where = linked.object_position(slot)
    if where is None:
        return str(slot)
    section, position = where
    return str(position) if section == linked.program.section else f"{section}:{position}"


def source_line(linked: LinkedProgram, slot: int) -> str:
    """``; <source> @ <file>:<line>`` for a linked instruction, or ``""`` without line_info."""
    line = linked.line_at(slot)
    if line is None:
        return ""
    return f"; {line.source.strip()} @ {line.file.rsplit('/', 1)[-1]}:{line.line}"


def annotate_log(
    log: str,
    linked: LinkedProgram,
    core: list[tuple[int, CoreResult]] | None = None,
    maps: Sequence[str] = (),
) -> str:
    """The verifier ``log`` of ``linked`` with C source lines and the object's instruction numbers
    (``maps``: the object's map names in order, to name a map not created that a reached ``lddw``
    referred to)."""
    poisoned = {slot: r for slot, r in core or () if r.poison}
    names: dict[int, str] = {}  # per slot, computed once: a long log names the same few slots again and again
    sources: dict[int, str] = {}

    def name(slot: int) -> str:
        found = names.get(slot)
        if found is None:
            found = names[slot] = object_insn_name(linked, slot)
        return found

    def source(slot: int) -> str:
        found = sources.get(slot)
        if found is None:
            found = sources[slot] = source_line(linked, slot)
        return found

    out: list[str] = []
    last_source = ""
    saw_insn = False
    lines = log.splitlines()
    skip_next = False
    for at, line in enumerate(lines):
        if skip_next:
            skip_next = False
            continue
        if line.startswith("; ") and _KERNEL_LINE_INFO.match(line):
            continue
        missing = _missing_map(line, lines[at + 1] if at + 1 < len(lines) else "", maps)
        if missing is not None:
            slot = int(line.split(":", 1)[0])
            out.append(f"{name(slot)}: <invalid BPF map reference>")
            out.append(f"BPF map '{missing}' is referenced but wasn't created")
            skip_next = True
            continue
        poison = _POISON_CALL.match(line) if poisoned else None
        if poison and int(poison.group(1)) in poisoned:
            slot = int(poison.group(1))
            text = source(slot)
            if text and text != last_source:
                out.append(text)
                last_source = text
            out.append(f"{name(slot)}: <invalid CO-RE relocation>")
            out.append(f"failed to resolve CO-RE relocation {poisoned[slot].description}")
            saw_insn = True
            continue
        found = _INSN.match(line)
        if found:
            slot = int(found.group(1))
            if _INSN_CODE.match(line):
                saw_insn = True
                text = source(slot)
                if text and text != last_source:
                    out.append(text)
                    last_source = text
            out.append(name(slot) + line[found.end(1) :])
            continue
        found = _FROM_TO.match(line)
        if found:
            a, b = int(found.group(1)), int(found.group(2))
            out.append(f"from {name(a)} to {name(b)}: " + line[found.end() :])
            last_source = ""
            continue
        out.append(line)
    if not saw_insn and poisoned and any(f"unknown#{POISON_IMM}" in line for line in out):
        # a log without an instruction trace (pybpf's verifier): say which relocation failed, and where
        slot, result = next(iter(sorted(poisoned.items())))
        text = source_line(linked, slot)
        extra = [text] if text else []
        extra += [
            f"{object_insn_name(linked, slot)}: <invalid CO-RE relocation>",
            f"failed to resolve CO-RE relocation {result.description}",
        ]
        out = extra + out
    return "\n".join(out) + ("\n" if log.endswith("\n") else "")


def _missing_map(line: str, following: str, maps: Sequence[str]) -> str | None:
    """The name of the map not created whose poisoned ``lddw`` ``line`` calls, when ``following`` is
    the verifier's refusal of that call; else None."""
    found = _MAP_POISON_CALL.match(line) if maps else None
    if found is None or following != f"invalid func unknown#{found.group(2)}":
        return None
    index = int(found.group(2)) - MAP_POISON_BASE
    return maps[index] if 0 <= index < len(maps) else None
