"""``prog dump jited``: a program's native code, function by function, as ``bpftool prog dump jited``.

Mirrors ``prog_dump`` in bpftool's prog.c for ``DUMP_JITED``: the code comes from
``bpf_prog_info`` (``jited_prog_insns``, cut into functions by ``jited_func_lens``), each function
headed by the symbol of its ``jited_ksyms`` address (bpftool looks it up in ``/proc/kallsyms``;
pybpf's JIT names its own functions, ``pybpf.jit.codegen.native_symbol``; an address neither knows
prints as ``0x%016x``), and ``file FILE`` writes the raw image.  bpftool disassembles each function
with LLVM's or libbfd's disassembler (and refuses to dump without one); llvmlite has no
disassembler, so pybpf prints the bytes, sixteen a row at their offset in the function
(``pc`` and ``opcodes`` in JSON, bpftool's keys: ``[{"name", "insns": [{"pc", "opcodes"}]}]``).
"""

from __future__ import annotations

import ctypes
import errno
from dataclasses import dataclass
from typing import Any

from pybpf import libbpf, uapi
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


def format_jited(functions: list[JitedFunction]) -> str:
    """bpftool's plain text: each function's symbol, a colon, then its rows, a blank line after."""
    lines = []
    for function in functions:
        lines.append(f"{function.name}:")
        for pc in range(0, len(function.code), ROW):
            lines.append(f"{pc:4x}:\t{function.code[pc : pc + ROW].hex(' ')}")
        lines.append("")
    return "\n".join(lines)


def jited_json(functions: list[JitedFunction]) -> list[dict[str, Any]]:
    """bpftool's JSON shape: one object per function, its rows as ``insns``."""
    return [
        {
            "name": function.name,
            "insns": [
                {"pc": f"0x{pc:x}", "opcodes": [f"0x{b:02x}" for b in function.code[pc : pc + ROW]]}
                for pc in range(0, len(function.code), ROW)
            ],
        }
        for function in functions
    ]


__all__ = ["ROW", "JitedFunction", "format_jited", "jited_functions", "jited_json"]
