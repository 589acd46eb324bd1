"""Extern variables: kconfig values (``extern int CONFIG_HZ __kconfig;``) and the ``.kconfig`` map.

Mirrors libbpf's ``bpf_object__collect_externs`` / ``find_kcfg_type`` / ``bpf_object__read_kconfig_*`` /
``set_kcfg_value_*`` / ``bpf_object__resolve_externs`` (tools/lib/bpf/libbpf.c):

* Collecting (no kernel needed): each undefined global symbol is an extern; its BTF VAR (or FUNC) lives in
  the ``.kconfig`` or ``.ksyms`` DATASEC.  Kconfig externs are laid out in one value -- biggest alignment
  first, then by name -- which becomes the ``.kconfig`` array map (``BPF_F_RDONLY_PROG``, frozen once
  written); the DATASEC gets those offsets and size.  The ``.ksyms`` DATASEC is rewritten as libbpf
  does before BPF_BTF_LOAD (4-byte slots, kfunc FUNCs global, a dummy VAR in their place), so an
  object calling kfuncs keeps its BTF (func_info, line_info, global functions).  Types: bool, char,
  tristate (``enum libbpf_tristate``), 1/2/4/8-byte integers, char arrays.
* Resolving: ``LINUX_KERNEL_VERSION`` (``KERNEL_VERSION(a, b, c)`` of the release loaded into),
  ``LINUX_HAS_BPF_COOKIE`` and ``LINUX_HAS_SYSCALL_WRAPPER`` (1), ``CONFIG_*`` from a kconfig file
  (``CONFIG_X=y``, ``=m``, ``=n``, numbers, quoted strings, ``# CONFIG_X is not set``).  A strong extern
  without a value is an error, a weak one reads zero.  Kfunc calls are resolved to the kernel BTF's
  ids by ``relocate``; kernel symbol variables (``__ksym`` data) would need the kernel's BTF ids of
  variables, which pybpf does not resolve: loading a program that uses one says so.
"""

from __future__ import annotations

import errno
import gzip
import io
import os
import re
from collections.abc import Mapping

from pybpf import uapi
from pybpf.btf.types import (
    BTF,
    BTF_INT_SIGNED,
    Array,
    Datasec,
    Enum,
    Enum64,
    Func,
    FuncLinkage,
    FuncProto,
    Int,
    Param,
    Var,
    VarLinkage,
    VarSecinfo,
)
from pybpf.elf.errors import ELFError
from pybpf.elf.reader import SHN_UNDEF, STB_GLOBAL, STB_WEAK, STT_NOTYPE, ElfObject
from pybpf.elf.spec import ExternSpec, KconfigType, MapKind, MapSpec, ObjectSpec

__all__ = [
    "KCONFIG_SECTION",
    "KSYMS_SECTION",
    "collect_externs",
    "kconfig_value",
    "kernel_version_code",
    "read_kconfig",
    "resolve_kconfig",
]

KCONFIG_SECTION = ".kconfig"
KSYMS_SECTION = ".ksyms"
_DUMMY_KSYM_VAR = "dummy_ksym_var"
MAX_KCONFIG_FILE = 1 << 24
_TRISTATE = {"n": 0, "y": 1, "m": 2}


def kernel_version_code(major: int, minor: int, patch: int = 0) -> int:
    """``KERNEL_VERSION(a, b, c)``, with the patch level capped at 255 as the kernel does."""
    return (major << 16) + (minor << 8) + min(patch, 255)


def collect_externs(
    elf: ElfObject, btf: BTF | None, object_name: str
) -> tuple[dict[str, ExternSpec], BTF | None, MapSpec | None]:
    """The object's externs, its BTF with ``.kconfig`` laid out, and the ``.kconfig`` map (None if unused)."""
    symbols = [
        s
        for s in elf.symbols
        if s.shndx == SHN_UNDEF and s.bind in (STB_GLOBAL, STB_WEAK) and s.type == STT_NOTYPE and s.name
    ]
    if not symbols:
        return {}, btf, None
    if btf is None:
        raise ELFError(f"{elf.name}: extern '{symbols[0].name}' needs the object's BTF (compile with -g)")
    sections = {v.type_id: t.name for _, t in btf if isinstance(t, Datasec) for v in t.vars}
    externs = {}
    for sym in symbols:
        externs[sym.name] = _extern(elf.name, btf, sym.name, sym.bind == STB_WEAK, sections)
    kconfig = sorted(
        (e for e in externs.values() if e.section == KCONFIG_SECTION), key=lambda e: (-e.align, e.name)
    )
    offset = 0
    for e in kconfig:
        offset = -(-offset // e.align) * e.align
        externs[e.name] = ExternSpec(
            e.name,
            e.section,
            e.type_id,
            e.size,
            e.align,
            e.signed,
            e.kconfig_type,
            e.weak,
            e.is_function,
            offset,
        )
        offset += e.size
    btf = _lay_out_ksyms(btf)
    if not kconfig:
        return externs, btf, None
    btf, datasec_id = _lay_out_datasec(elf.name, btf, externs, offset)
    kernel_name = f"{object_name[: uapi.BPF_OBJ_NAME_LEN - 1 - len(KCONFIG_SECTION)]}{KCONFIG_SECTION}"
    kmap = MapSpec(
        KCONFIG_SECTION,
        uapi.BPF_MAP_TYPE_ARRAY,
        4,
        offset,
        1,
        uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_MMAPABLE,
        kind=MapKind.KCONFIG,
        kernel_name=kernel_name[:15],
        value_type_id=datasec_id,
        data=bytearray(offset),
        section=KCONFIG_SECTION,
    )
    return externs, btf, kmap


def _extern(obj: str, btf: BTF, name: str, weak: bool, sections: dict[int, str]) -> ExternSpec:
    where = f"{obj}: extern '{name}'"
    found = None
    for type_id in btf.ids_by_name(name):
        t = btf[type_id]
        if (isinstance(t, Var) and t.linkage == VarLinkage.GLOBAL_EXTERN) or (
            isinstance(t, Func) and t.linkage == FuncLinkage.EXTERN
        ):
            found = type_id
            break
    if found is None:
        raise ELFError(f"{where}: no BTF VAR or FUNC describes it", err=errno.ESRCH)
    section = sections.get(found, "")
    t = btf[found]
    if isinstance(t, Func):
        return ExternSpec(name, section or KSYMS_SECTION, found, weak=weak, is_function=True)
    if section == KSYMS_SECTION:
        return ExternSpec(name, section, found, weak=weak)
    if section != KCONFIG_SECTION:
        raise ELFError(f"{where}: resides in unsupported section {section!r}")
    assert isinstance(t, Var)
    kind, signed = _kconfig_type(btf, t.type_id)
    if kind is KconfigType.UNKNOWN:
        raise ELFError(f"{where}: kconfig type {btf.name_of(t.type_id)} is unsupported", err=524)
    return ExternSpec(
        name, section, found, btf.size_of(t.type_id), btf.align_of(t.type_id), signed, kind, weak
    )


def _kconfig_type(btf: BTF, type_id: int) -> tuple[KconfigType, bool]:
    """``find_kcfg_type``."""
    t = btf[btf.resolve(type_id)]
    if isinstance(t, Int):
        if t.is_bool:
            return (KconfigType.BOOL if t.size == 1 else KconfigType.UNKNOWN), False
        if t.size == 1:
            return KconfigType.CHAR, t.signed
        if t.size not in (2, 4, 8):
            return KconfigType.UNKNOWN, False
        return KconfigType.INT, t.signed
    if isinstance(t, (Enum, Enum64)):
        ok = t.name == "libbpf_tristate" and (isinstance(t, Enum64) or t.size == 4)
        return (KconfigType.TRISTATE if ok else KconfigType.UNKNOWN), False
    if isinstance(t, Array) and t.nelems and _kconfig_type(btf, t.elem_type)[0] is KconfigType.CHAR:
        return KconfigType.CHAR_ARRAY, False
    return KconfigType.UNKNOWN, False


def _lay_out_datasec(obj: str, btf: BTF, externs: dict[str, ExternSpec], size: int) -> tuple[BTF, int]:
    types = list(btf.types)
    datasec_id = 0
    for type_id, t in btf:
        if not isinstance(t, Datasec) or t.name != KCONFIG_SECTION:
            continue
        datasec_id = type_id
        secinfo = []
        for vsi in t.vars:
            var = btf[vsi.type_id]
            ext = externs.get(var.name)
            if ext is None or not isinstance(var, Var):
                raise ELFError(f"{obj}: BTF var '{var.name}' of {KCONFIG_SECTION} has no extern symbol")
            types[vsi.type_id - btf.start_id] = Var(var.name, var.type_id, VarLinkage.GLOBAL_ALLOCATED)
            secinfo.append(VarSecinfo(vsi.type_id, ext.offset, vsi.size))
        types[type_id - btf.start_id] = Datasec(t.name, size, tuple(sorted(secinfo, key=lambda v: v.offset)))
    return BTF(tuple(types), strings=btf.strings, base=btf.base, little_endian=btf.little_endian), datasec_id


def _lay_out_ksyms(btf: BTF) -> BTF:
    """The ``.ksyms`` DATASEC as libbpf hands it to the kernel (bpf_object__collect_externs), which
    refuses extern FUNCs ("Invalid func linkage") and FUNCs inside a DATASEC: every entry becomes a
    4-byte slot at 4 * its index; a kfunc's FUNC becomes global, its unnamed parameters take the name
    of a dummy ``int`` VAR (``dummy_ksym_var``, added once) which stands for it in the DATASEC; a
    kernel variable's VAR becomes an allocated global ``int``.  Type ids stay the same."""
    sections = [(tid, t) for tid, t in btf if isinstance(t, Datasec) and t.name == KSYMS_SECTION]
    if not sections:
        return btf
    types = list(btf.types)
    int_id = next(
        (tid for tid, t in btf if isinstance(t, Int) and t.size == 4 and t.bits == 32 and not t.bit_offset), 0
    )
    if not int_id:
        types.append(Int("int", 4, BTF_INT_SIGNED, 0, 32))
        int_id = btf.start_id + len(types) - 1
    dummy_id = 0
    for type_id, sec in sections:
        secinfo = []
        for index, vsi in enumerate(sec.vars):
            t = types[vsi.type_id - btf.start_id]
            if isinstance(t, Func):
                if not dummy_id:
                    types.append(Var(_DUMMY_KSYM_VAR, int_id, VarLinkage.GLOBAL_ALLOCATED))
                    dummy_id = btf.start_id + len(types) - 1
                proto = types[t.type_id - btf.start_id]
                if isinstance(proto, FuncProto):
                    params = tuple(
                        Param(_DUMMY_KSYM_VAR, p.type_id) if p.type_id and not p.name else p
                        for p in proto.params
                    )
                    types[t.type_id - btf.start_id] = FuncProto(proto.return_type, params, proto.name)
                types[vsi.type_id - btf.start_id] = Func(t.name, t.type_id, FuncLinkage.GLOBAL)
                secinfo.append(VarSecinfo(dummy_id, 4 * index, 4))
            else:
                if isinstance(t, Var):
                    types[vsi.type_id - btf.start_id] = Var(t.name, int_id, VarLinkage.GLOBAL_ALLOCATED)
                secinfo.append(VarSecinfo(vsi.type_id, 4 * index, 4))
        types[type_id - btf.start_id] = Datasec(sec.name, 4 * len(secinfo), tuple(secinfo))
    return BTF(tuple(types), strings=btf.strings, base=btf.base, little_endian=btf.little_endian)


# -- values --------------------------------------------------------------------------------------------------


def read_kconfig(source: str | os.PathLike[str] | Mapping[str, object] | None) -> dict[str, str]:
    """Kconfig values by name: from a mapping, or a ``.config`` file (gzip-compressed like /proc/config.gz
    or plain); None reads the running kernel's (/proc/config.gz, then /boot/config-$(uname -r)), if any."""
    if isinstance(source, Mapping):
        return {str(k): _as_text(v) for k, v in source.items()}
    paths = (
        [os.fspath(source)]
        if source is not None
        else ["/proc/config.gz", f"/boot/config-{os.uname().release}"]
    )
    for path in paths:
        try:
            with open(path, "rb") as f:
                raw = f.read(MAX_KCONFIG_FILE + 1)
        except OSError as exc:
            if source is not None:
                raise ELFError(
                    f"kconfig file {path}: {exc.strerror}", err=exc.errno or errno.ENOENT
                ) from None
            continue
        if raw[:2] == b"\x1f\x8b":
            try:
                with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
                    raw = gz.read(MAX_KCONFIG_FILE + 1)
            except (OSError, EOFError) as exc:
                raise ELFError(f"kconfig file {path}: bad gzip data ({exc})") from None
        if len(raw) > MAX_KCONFIG_FILE:
            raise ELFError(f"kconfig file {path}: larger than {MAX_KCONFIG_FILE} bytes", err=errno.E2BIG)
        return _parse_kconfig(raw.decode("utf-8", "replace"))
    return {}


_LINE = re.compile(r"^(CONFIG_[A-Za-z0-9_]+)=(.*)$")
_NOT_SET = re.compile(r"^# (CONFIG_[A-Za-z0-9_]+) is not set$")


def _parse_kconfig(text: str) -> dict[str, str]:
    values = {}
    for raw in text.splitlines():
        line = raw.strip()
        if m := _NOT_SET.match(line):
            values[m.group(1)] = "n"
        elif m := _LINE.match(line):
            values[m.group(1)] = m.group(2)
    return values


def _as_text(value: object) -> str:
    if value is True:
        return "y"
    if value is False:
        return "n"
    if isinstance(value, str) and not value.startswith('"') and value not in _TRISTATE:
        try:
            int(value, 0)
        except ValueError:
            return f'"{value}"'
    return str(value)


def kconfig_value(ext: ExternSpec, text: str) -> bytes:
    """The bytes of ``ext``'s value from its kconfig text (``y``, ``m``, ``n``, a number, a quoted string)."""
    where = f"extern (kcfg) '{ext.name}'"
    kind = ext.kconfig_type
    if text in _TRISTATE:
        if kind is KconfigType.TRISTATE:
            return _TRISTATE[text].to_bytes(ext.size, "little")
        if kind is KconfigType.BOOL:
            if text == "m":
                raise ELFError(f"{where}: value 'm' is not allowed for a bool")
            return bytes([text == "y"])
        if kind is KconfigType.CHAR:
            return text.encode()
        raise ELFError(f"{where}: value '{text}' implies tristate or char type")
    if text.startswith('"'):
        if kind is not KconfigType.CHAR_ARRAY:
            raise ELFError(f"{where}: a string value needs a char array type")
        if len(text) < 2 or not text.endswith('"'):
            raise ELFError(f"{where}: invalid string value {text}")
        raw = text[1:-1].encode()[: ext.size - 1]
        return raw.ljust(ext.size, b"\0")
    try:
        number = int(text, 0)
    except ValueError:
        raise ELFError(f"{where}: invalid value {text!r}") from None
    if kind not in (KconfigType.INT, KconfigType.CHAR, KconfigType.BOOL):
        raise ELFError(f"{where}: a number needs an integer, char or bool type")
    if kind is KconfigType.BOOL and number > 1:
        raise ELFError(f"{where}: value {number} isn't boolean compatible")
    low, high = (
        (-(1 << (8 * ext.size - 1)), (1 << (8 * ext.size - 1)) - 1)
        if ext.signed
        else (0, (1 << 8 * ext.size) - 1)
    )
    if not low <= number <= high:
        raise ELFError(f"{where}: value {number} doesn't fit in {ext.size} bytes")
    return number.to_bytes(ext.size, "little", signed=ext.signed)


def resolve_kconfig(spec: ObjectSpec, config: Mapping[str, str], kernel_version: int) -> None:
    """``bpf_object__resolve_externs`` for kconfig: write every kconfig extern's value into the
    ``.kconfig`` map's initial data (``kernel_version``: ``KERNEL_VERSION()`` of the target release)."""
    kmap = spec.maps.get(KCONFIG_SECTION)
    if kmap is None or kmap.data is None:
        return
    for ext in spec.externs.values():
        if ext.section != KCONFIG_SECTION:
            continue
        value: bytes | None
        if ext.name == "LINUX_KERNEL_VERSION":
            value = kernel_version.to_bytes(ext.size, "little") if ext.size >= 4 else None
            if value is None:
                raise ELFError(f"extern (kcfg) '{ext.name}': must be at least 4 bytes")
        elif ext.name in ("LINUX_HAS_BPF_COOKIE", "LINUX_HAS_SYSCALL_WRAPPER"):
            value = kconfig_value(ext, "1" if ext.kconfig_type is not KconfigType.TRISTATE else "y")
        elif ext.name.startswith("LINUX_"):
            raise ELFError(f"extern (kcfg) '{ext.name}': unrecognized LINUX_* extern")
        elif ext.name in config:
            value = kconfig_value(ext, config[ext.name])
        elif ext.weak:
            value = bytes(ext.size)
        else:
            source = "the kconfig given" if config else "any kconfig file (pass kconfig=...)"
            raise ELFError(f"extern (kcfg) '{ext.name}' (strong): no value in {source}", err=errno.ESRCH)
        kmap.data[ext.offset : ext.offset + ext.size] = value
