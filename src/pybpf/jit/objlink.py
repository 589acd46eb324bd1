"""Linking a cached object file into executable memory without LLVM: the loader of a program's code.

Mirrors the kernel's module loader for x86-64 (``load_module`` / ``apply_relocate_add``,
kernel/module/main.c and arch/x86/kernel/module.c): the allocated sections of a relocatable ELF
object are laid out in one mapping, each ``SHT_RELA`` record patching one of them is applied
(``R_X86_64_64``: the symbol's address plus the addend, 64 bits), and the mapping is made read-only
and executable before any of it runs.

The JIT's objects are compiled for the large code model (``codemodel="jitdefault"``), so their code and
constant pools hold absolute 64-bit relocations only; the unwind tables (``.eh_frame``, relative
relocations) are left out, as nothing unwinds through a program.  A symbol is this object's own
(its section's place plus its value), one of the process's values the caller binds (the ``lddw``
values and the native helpers' addresses, ``pybpf.jit.codegen.link``), or else a function of the
process's C library (``memmove``: LLVM's lowering of large copies), found as the dynamic loader
finds it.  Anything else -- another relocation type, writable or thread-local data, a symbol nothing
defines, a malformed file -- makes ``link_object`` return None, and the caller links the object with
LLVM (MCJIT) instead: this loader only saves a process importing and initialising LLVM to link a
program whose object came from the cache (``pybpf.jit.cache``); it never decides what runs.
"""

from __future__ import annotations

import ctypes
import mmap
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

from pybpf.jit.libc import libc_address

EM_X86_64 = 62
ET_REL = 1
SHF_WRITE, SHF_ALLOC, SHF_TLS = 0x1, 0x2, 0x400
SHT_RELA, SHT_NOBITS, SHT_REL = 4, 8, 9
SHT_X86_64_UNWIND = 0x70000001
SHN_UNDEF, SHN_LORESERVE, SHN_ABS = 0, 0xFF00, 0xFFF1
R_X86_64_NONE, R_X86_64_64 = 0, 1
STT_FUNC = 2
UNWIND_SECTIONS = frozenset({".eh_frame"})
"""Allocated sections left out: the unwind tables (nothing unwinds through a program's frames)."""

_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
_SHDR = struct.Struct("<IIQQQQIIQQ")  # name, type, flags, addr, offset, size, link, info, addralign, entsize
_SYM = struct.Struct("<IBBHQQ")  # name, info, other, shndx, value, size
_RELA = struct.Struct("<QQq")  # offset, info, addend
_QWORD = struct.Struct("<Q")
_M64 = (1 << 64) - 1


@dataclass(eq=False)
class LinkedImage:
    """An object's code in this process: the mapping holding its sections, read-only and executable.
    It stays mapped while this object lives (``CompiledProgram`` keeps it as MCJIT's engine)."""

    address: int
    """Where the entry function is."""
    size: int
    functions: dict[str, int]
    """Where each named function of the object is."""
    _mapping: mmap.mmap = field(repr=False)
    _anchor: ctypes.Array[ctypes.c_char] = field(repr=False)


class _Unlinkable(Exception):
    """Something this loader does not do: LLVM links the object instead."""


def link_object(obj: bytes, bound: Mapping[str, int], entry: str) -> LinkedImage | None:
    """``obj`` laid out, relocated and made executable, with ``bound`` (symbol name -> value) for its
    undefined symbols; None when it needs what only LLVM's linker does (see the module's docstring)."""
    try:
        return _link(obj, bound, entry)
    except (_Unlinkable, struct.error, ValueError, IndexError, OSError):
        return None


def _string(table: bytes, offset: int) -> str:
    end = table.find(b"\0", offset)
    if offset >= len(table) or end < 0:
        raise _Unlinkable(f"bad string offset {offset}")
    return table[offset:end].decode()


def _link(obj: bytes, bound: Mapping[str, int], entry: str) -> LinkedImage:
    ident, e_type, machine, _v, _entry, _phoff, shoff, _flags, _eh, _phes, _phn, shes, shnum, shstrndx = (
        _EHDR.unpack_from(obj)
    )
    if ident[:6] != b"\x7fELF\x02\x01" or e_type != ET_REL or machine != EM_X86_64:
        raise _Unlinkable("not an x86-64 relocatable ELF64 object")
    if shes != _SHDR.size or not 0 < shstrndx < shnum or shoff + shnum * shes > len(obj):
        raise _Unlinkable("bad section header table")
    headers = [_SHDR.unpack_from(obj, shoff + i * shes) for i in range(shnum)]
    for header in headers:
        if header[1] != SHT_NOBITS and header[4] + header[5] > len(obj):
            raise _Unlinkable("a section lies outside the file")
    names_header = headers[shstrndx]
    names = obj[names_header[4] : names_header[4] + names_header[5]]

    # layout: every allocated section but the unwind tables, each at its alignment
    placed: dict[int, int] = {}
    size = 0
    for index, (name_off, sh_type, flags, _a, _o, sh_size, _l, _i, sh_align, _e) in enumerate(headers):
        if not flags & SHF_ALLOC:
            continue
        if sh_type == SHT_X86_64_UNWIND or _string(names, name_off) in UNWIND_SECTIONS:
            continue
        if flags & (SHF_WRITE | SHF_TLS):
            raise _Unlinkable("writable or thread-local data")
        align = max(sh_align, 1)
        size = (size + align - 1) // align * align
        placed[index] = size
        size += sh_size
    if not placed:
        raise _Unlinkable("no code")
    length = max(mmap.PAGESIZE, (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE * mmap.PAGESIZE)
    mapping = mmap.mmap(-1, length, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    anchor = (ctypes.c_char * length).from_buffer(mapping)
    base = ctypes.addressof(anchor)
    try:
        for index, at in placed.items():
            _n, sh_type, _f, _a, offset, sh_size, _l, _i, _al, _e = headers[index]
            if sh_type != SHT_NOBITS:
                mapping[at : at + sh_size] = obj[offset : offset + sh_size]

        symtab = next((h for h in headers if h[1] == 2), None)  # SHT_SYMTAB
        if symtab is None or not 0 < symtab[6] < shnum or symtab[9] != _SYM.size:
            raise _Unlinkable("no symbol table")
        strtab = headers[symtab[6]]
        strings = obj[strtab[4] : strtab[4] + strtab[5]]
        symbols: list[tuple[int, int, int, int, int, int]] = list(
            _SYM.iter_unpack(obj[symtab[4] : symtab[4] + symtab[5] - symtab[5] % _SYM.size])
        )

        def value_of(index: int) -> int:
            name_off, _info, _other, shndx, value, _size = symbols[index]
            if shndx == SHN_UNDEF:
                name = _string(strings, name_off)
                found = bound.get(name)
                if found is None:
                    found = libc_address(name)  # the C library's function, as MCJIT's dlsym finds it
                    if not found:
                        raise _Unlinkable(f"undefined symbol {name!r}")
                return found
            if shndx == SHN_ABS:
                return value
            if shndx >= SHN_LORESERVE or shndx not in placed:
                raise _Unlinkable(f"symbol in section {shndx}, not laid out")
            return base + placed[shndx] + value

        for sh_type, target, start, rel_size, entsize in (
            (h[1], h[7], h[4], h[5], h[9]) for h in headers if h[1] in (SHT_RELA, SHT_REL)
        ):
            if target not in placed:
                continue  # the unwind tables' relocations, or a section not loaded
            if sh_type == SHT_REL or entsize != _RELA.size:
                raise _Unlinkable("relocations without addends")
            at_section = placed[target]
            section_size = headers[target][5]
            records = obj[start : start + rel_size - rel_size % _RELA.size]
            for offset, info, addend in _RELA.iter_unpack(records):
                kind = info & 0xFFFFFFFF
                if kind == R_X86_64_NONE:
                    continue
                if kind != R_X86_64_64 or offset + 8 > section_size:
                    raise _Unlinkable(f"relocation type {kind}")
                _QWORD.pack_into(mapping, at_section + offset, (value_of(info >> 32) + addend) & _M64)

        functions = {
            _string(strings, name_off): base + placed[shndx] + value
            for name_off, info, _o, shndx, value, _s in symbols
            if info & 0xF == STT_FUNC and shndx in placed and name_off
        }
        address = functions.get(entry)
        if address is None:
            raise _Unlinkable(f"no function {entry!r}")
        if _protect(base, length, mmap.PROT_READ | mmap.PROT_EXEC):
            raise _Unlinkable("mprotect failed")
    except BaseException:
        del anchor
        mapping.close()
        raise
    return LinkedImage(address, size, functions, mapping, anchor)


_mprotect = ctypes.CDLL(None, use_errno=True).mprotect
_mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_mprotect.restype = ctypes.c_int


def _protect(address: int, length: int, prot: int) -> int:
    """``mprotect(2)``: 0, or -1 when it failed."""
    return int(_mprotect(address, length, prot))


__all__ = ["LinkedImage", "link_object"]
