"""ELF objects for the commands: told apart from raw instructions by their magic, loaded with a refusal
shown as libbpf shows it, one program chosen by name, global variables set from the command line.

Mirrors what bpftool does around ``bpf_object__open_file`` / ``bpf_object__load``: a refused program
prints the verifier log with its C source lines (``-- BEGIN PROG LOAD LOG --``, as libbpf does) on
stderr, and the command fails with one ``pybpf: error:`` line naming the program, the errno, the
verifier's reason and the C line it refused.
"""

from __future__ import annotations

import errno
import re
import sys
from pathlib import Path

from pybpf.cli.inputs import InputError
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.object import Object, ObjectProgram, ProgramLoadError
from pybpf.program import prog_type_name

__all__ = ["ELF_MAGIC", "choose_program", "is_elf", "load_object", "not_instructions", "parse_settings"]

ELF_MAGIC = b"\x7fELF"
_SOURCE_LINE = re.compile(r"^; (.*) @ (\S+:\d+)$")


def is_elf(path: str) -> bool:
    """Whether ``path`` is an ELF file (by its first four bytes); False for '-' and unreadable paths."""
    if path == "-":
        return False
    try:
        with open(path, "rb") as f:
            return f.read(4) == ELF_MAGIC
    except OSError:
        return False


def not_instructions(path: str, command: str) -> InputError:
    """The error of a raw-instruction command given an ELF object."""
    return InputError(
        f"{path} is an ELF object, not raw instructions: '{command}' takes assembly, hex or raw eBPF; "
        f"use 'pybpf object show {path}', 'pybpf prog load {path}' or 'pybpf prog run {path}'"
    )


def parse_settings(settings: list[str]) -> list[tuple[str, str, int]]:
    """``--set [SECTION:]NAME=VALUE`` (section default ``.rodata``) as (section, name, integer value)."""
    parsed = []
    for setting in settings:
        target, sep, value = setting.partition("=")
        section, colon, name = target.rpartition(":")
        if not sep or not name:
            raise InputError(f"--set expects [SECTION:]NAME=VALUE, got {setting!r}")
        try:
            number = int(value, 0)
        except ValueError:
            raise InputError(f"--set {setting!r}: {value!r} is not an integer") from None
        parsed.append((section if colon else ".rodata", name, number))
    return parsed


def load_object(
    path: str,
    backend: Backend,
    *,
    programs: list[str] | None = None,
    settings: list[str] | None = None,
    log_level: int = 0,
) -> Object:
    """Open and load the object at ``path`` (only ``programs`` when given), after ``--set`` values."""
    obj = Object.open(Path(path), backend=backend)
    try:
        for section, name, value in parse_settings(settings or []):
            try:
                obj.global_data(section)[name] = value
            except KeyError as exc:
                raise InputError(f"--set: {exc.args[0]}") from None
        try:
            return obj.load(programs=programs, log_level=log_level)
        except ProgramLoadError as exc:
            raise _refused(exc) from None
    except BaseException:
        obj.close()
        raise


def _refused(exc: ProgramLoadError) -> BPFError:
    """Print the annotated log as libbpf does; one line with the reason and the C line it refused."""
    log = exc.log.rstrip()
    if log:
        sys.stderr.write(f"-- BEGIN PROG LOAD LOG --\n{log}\n-- END PROG LOAD LOG --\n")
    lines = [line for line in log.splitlines() if line.strip()]
    skip = ("processed ", "verification time", "stack depth")
    reason = next(
        (line for line in reversed(lines) if not line.startswith(skip) and not line[:1].isdigit()), ""
    )
    where = next((m for line in reversed(lines) if (m := _SOURCE_LINE.match(line))), None)
    message = (
        f"program '{exc.program}' (section {exc.section}) refused: {errno.errorcode.get(exc.errno or 0, '?')}"
    )
    if reason and not _SOURCE_LINE.match(reason):
        message += f": {reason.strip()}"
    if where is not None:
        message += f" at {where.group(2)}: {where.group(1)}"
    return BPFError(exc.errno or errno.EINVAL, message)


def choose_program(obj: Object, name: str | None, prog_type: int | None = None) -> ObjectProgram:
    """The program ``name`` of a loaded object, or its only program (of ``prog_type``, when given)."""
    programs = obj.programs
    if name is not None:
        if name not in programs:
            raise InputError(
                f"no program {name!r} in {obj.spec.path} (programs: {', '.join(programs) or 'none'})"
            )
        chosen = programs[name]
    else:
        candidates = [p for p in programs.values() if prog_type is None or p.prog_type == prog_type]
        if len(candidates) != 1:
            kind = f"{prog_type_name(prog_type)} " if prog_type is not None else ""
            names = ", ".join(p.spec.name for p in candidates) or "none"
            raise InputError(
                f"{obj.spec.path} has {len(candidates)} {kind}programs ({names}): choose one with --program"
            )
        chosen = candidates[0]
    if prog_type is not None and chosen.prog_type != prog_type:
        actual, wanted = prog_type_name(chosen.prog_type), prog_type_name(prog_type)
        raise InputError(f"program {chosen.spec.name!r} is {actual}, not {wanted}")
    return chosen
