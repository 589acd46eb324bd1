"""``prog dump jited``: a program's native code, function by function, as ``bpftool prog dump jited``.

Mirrors ``prog_dump`` in bpftool's prog.c for ``DUMP_JITED``: the code comes from
``bpf_prog_info`` (``jited_prog_insns``, cut into functions by ``jited_func_lens``), each function
headed by the symbol of its ``jited_ksyms`` address (bpftool looks it up in ``/proc/kallsyms``;
pybpf's JIT names its own functions, ``pybpf.jit.codegen.native_symbol``; an address neither knows
prints as ``0x%016x``), and ``file FILE`` writes the raw image.  Each function is disassembled as
bpftool's ``disasm_print_insn`` (jit_disasm.c) does, with capstone (``pybpf.cli.native_disasm``) where
bpftool uses LLVM's or libbfd's disassembler: ``pc:<tab>instruction`` lines, ``opcodes`` adding each
instruction's bytes; in JSON ``[{"name", "insns": [{"pc", "operation", "operands", "opcodes"?}]}]``.
bpftool refuses to dump without a disassembler; pybpf then prints the bytes, sixteen a row at their
offset in the function (``{"pc", "opcodes"}`` rows in JSON), after a one-line notice.
"""

from __future__ import annotations

import ctypes
import errno
from dataclasses import dataclass
from typing import Any

from pybpf import libbpf, uapi
from pybpf.cli.native_disasm import Disassembler, NativeInstruction
from pybpf.errors import BPFError
from pybpf.jit.codegen import native_symbol
from pybpf.kernel.backend import Backend

ROW = 16
"""Bytes per printed row."""
KALLSYMS = "/proc/kallsyms"


@dataclass(frozen=True)
class JitedFunction:
    """One function of a program's native code."""

    name: str
    address: int
    code: bytes


def _kernel_symbols(addresses: set[int]) -> dict[int, str]:
    """The names ``/proc/kallsyms`` gives these addresses (none when it cannot be read)."""
    names: dict[int, str] = {}
    try:
        with open(KALLSYMS) as file:
            for line in file:
                fields = line.split()
                if len(fields) >= 3 and int(fields[0], 16) in addresses:
                    names[int(fields[0], 16)] = fields[2]
    except (OSError, ValueError):
        pass
    return names


def jited_functions(fd: int, backend: Backend) -> list[JitedFunction]:
    """The native code of program ``fd``; EINVAL when it has none (it runs on an interpreter)."""
    info = uapi.bpf_prog_info()
    libbpf.bpf_obj_get_info_by_fd(fd, info, backend=backend)
    if not info.jited_prog_len:
        raise BPFError(errno.EINVAL, "no instructions returned (the program is not jited)")
    more = uapi.bpf_prog_info()
    code = ctypes.create_string_buffer(info.jited_prog_len)
    more.jited_prog_len, more.jited_prog_insns = info.jited_prog_len, ctypes.addressof(code)
    ksyms = (ctypes.c_uint64 * info.nr_jited_ksyms)()
    more.nr_jited_ksyms, more.jited_ksyms = info.nr_jited_ksyms, ctypes.addressof(ksyms)
    lens = (ctypes.c_uint32 * info.nr_jited_func_lens)()
    more.nr_jited_func_lens, more.jited_func_lens = info.nr_jited_func_lens, ctypes.addressof(lens)
    libbpf.bpf_obj_get_info_by_fd(fd, more, backend=backend)
    image = code.raw[: more.jited_prog_len]
    sizes = list(lens) if len(lens) else [len(image)]
    addresses = list(ksyms) + [0] * (len(sizes) - len(ksyms))
    names = {address: name for address in addresses if (name := native_symbol(address)) is not None}
    if len(names) < len(set(addresses)) and backend.name == "native":
        names.update(_kernel_symbols(set(addresses) - set(names)))
    functions, offset = [], 0
    for address, size in zip(addresses, sizes, strict=True):
        name = names.get(address, f"0x{address:016x}" if address else "unknown")
        functions.append(JitedFunction(name, address, image[offset : offset + size]))
        offset += size
    return functions


def _rows(code: bytes) -> list[NativeInstruction]:
    """The image as rows of bytes, for when there is no disassembler (no instruction text)."""
    return [NativeInstruction(pc, code[pc : pc + ROW], "", "") for pc in range(0, len(code), ROW)]


def listing(
    functions: list[JitedFunction], decode: Disassembler | None
) -> list[tuple[str, list[NativeInstruction]]]:
    """Each function's name and instructions (``decode``'s; rows of bytes when it is ``None``)."""
    return [
        (function.name, decode(function.code) if decode else _rows(function.code)) for function in functions
    ]


def format_jited(
    functions: list[JitedFunction], decode: Disassembler | None, *, opcodes: bool = False
) -> str:
    """bpftool's plain text: each function's symbol and a colon, then one line per instruction
    (``pc:<tab>instruction``, with ``opcodes`` the bytes on a line below), a blank line after.  Without
    a disassembler each line holds up to sixteen bytes."""
    lines = []
    for name, insns in listing(functions, decode):
        lines.append(f"{name}:")
        for insn in insns:
            if decode is None:
                lines.append(f"{insn.pc:4x}:\t{insn.code.hex(' ')}")
                continue
            lines.append(f"{insn.pc:4x}:\t{insn.text()}")
            if opcodes:
                lines.append(f"\t{insn.code.hex(' ')}")
        lines.append("")
    return "".join(f"{line}\n" for line in lines)


def jited_json(
    functions: list[JitedFunction], decode: Disassembler | None, *, opcodes: bool = False
) -> list[dict[str, Any]]:
    """bpftool's JSON shape: one ``{"name", "insns"}`` per function, each instruction ``{"pc",
    "operation", "operands"}`` plus ``"opcodes"`` on request.  Without a disassembler an entry is a
    row of bytes, ``{"pc", "opcodes"}``."""
    result = []
    for name, insns in listing(functions, decode):
        entries: list[dict[str, Any]] = []
        for insn in insns:
            entry: dict[str, Any] = {"pc": f"0x{insn.pc:x}"}
            if decode is not None:
                entry["operation"] = insn.operation
                entry["operands"] = insn.operand_list()
            if opcodes or decode is None:
                entry["opcodes"] = [f"0x{byte:02x}" for byte in insn.code]
            entries.append(entry)
        result.append({"name": name, "insns": entries})
    return result


__all__ = ["ROW", "JitedFunction", "format_jited", "jited_functions", "jited_json", "listing"]
