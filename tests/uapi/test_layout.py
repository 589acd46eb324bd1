"""Every generated ctypes type against the running kernel's BTF: sizes, field offsets and widths,
bitfield positions, array lengths, integer signedness, and every enumerator's value.  A failure here
on a new kernel means ``_generated.py`` drifted: regenerate it with ``scripts/gen_uapi.py``."""

from __future__ import annotations

import ctypes
import enum
import re
from pathlib import Path
from typing import Any

import pytest

from pybpf.btf import BTF, Array, Enum, Enum64, Float, Int, Ptr, Struct, Union
from pybpf.uapi import _generated as gen
from tests.btf.vmlinux import vmlinux_btf

REGEN = "regenerate src/pybpf/uapi/_generated.py with scripts/gen_uapi.py"


@pytest.fixture(scope="module")
def btf() -> BTF:
    return vmlinux_btf()


def _is_signed(ct: Any) -> bool:
    return bool(ct(-1).value < 0)


class _Checker:
    def __init__(self, btf: BTF) -> None:
        self.btf = btf
        self.visited: set[type] = set()

    def scalar(self, ct: Any, type_id: int, where: str) -> None:
        t = self.btf[self.btf.resolve(type_id)]
        assert ctypes.sizeof(ct) == self.btf.size_of(type_id), where
        if isinstance(t, Int):
            if t.is_bool:
                assert ct is ctypes.c_bool, where
            elif t.size == 1 and (t.is_char or t.name == "char"):
                assert ct is ctypes.c_char, where
            else:
                assert _is_signed(ct) == t.signed, where
        elif isinstance(t, (Enum, Enum64)):
            assert _is_signed(ct) == t.signed, where
        elif isinstance(t, Ptr):
            assert ct is ctypes.c_uint64, where
        elif isinstance(t, Float):
            assert ct in (ctypes.c_float, ctypes.c_double), where
        else:
            raise AssertionError(f"{where}: unexpected {t.kind.name}")

    def type(self, ct: Any, type_id: int, where: str) -> None:
        t = self.btf[self.btf.resolve(type_id)]
        if isinstance(t, (Struct, Union)):
            self.record(ct, self.btf.resolve(type_id), where)
        elif isinstance(t, Array):
            assert issubclass(ct, ctypes.Array) and ct._length_ == t.nelems, where
            self.type(ct._type_, t.elem_type, f"{where}[]")
        else:
            self.scalar(ct, type_id, where)

    def record(self, cls: Any, type_id: int, where: str) -> None:
        t = self.btf[type_id]
        assert isinstance(t, (Struct, Union))
        assert issubclass(cls, ctypes.Union if isinstance(t, Union) else ctypes.Structure), where
        assert ctypes.sizeof(cls) == t.size, f"{where}: size {ctypes.sizeof(cls)} != {t.size}; {REGEN}"
        if cls in self.visited:
            return
        self.visited.add(cls)
        fields = [f for f in cls._fields_ if not f[0].startswith(("_pad", "_bits"))]
        named = [f[0] for f in fields if not f[0].startswith("_anon_")]
        assert named == [m.name for m in t.members if m.name], f"{where}: members differ; {REGEN}"
        assert len(fields) == len(t.members), f"{where}: members differ; {REGEN}"
        for m, f in zip(t.members, fields, strict=True):
            name, ct = f[0], f[1]
            here = f"{where}.{m.name or name}"
            if not m.name:
                assert name in cls._anonymous_, here
            if m.bitfield_size:
                assert len(f) == 3 and f[2] == m.bitfield_size, here
                inst = cls()
                setattr(inst, name, (1 << m.bitfield_size) - 1)
                expected = ((1 << m.bitfield_size) - 1) << m.bit_offset
                assert int.from_bytes(bytes(inst), "little") == expected, f"{here}: bits misplaced"
                assert _is_signed(ct) == self._signed(m.type_id), here
                continue
            desc = getattr(cls, name)
            assert desc.offset == m.bit_offset // 8, f"{here}: offset {desc.offset} != {m.bit_offset // 8}"
            assert desc.size == self.btf.size_of(m.type_id), here
            self.type(ct, m.type_id, here)

    def _signed(self, type_id: int) -> bool:
        t = self.btf[self.btf.resolve(type_id)]
        return isinstance(t, (Int, Enum, Enum64)) and t.signed


def test_every_generated_record_matches_the_btf(btf: BTF) -> None:
    checker = _Checker(btf)
    for spelled, cls in gen.C_TYPES.items():
        kw, tag = spelled.split()
        checker.record(cls, btf.find(tag, Union if kw == "union" else Struct), spelled)
    defined = {
        v
        for v in vars(gen).values()
        if isinstance(v, type)
        and issubclass(v, (ctypes.Structure, ctypes.Union))
        and v.__module__ == gen.__name__
    }
    assert defined == checker.visited, "some generated classes are not reachable from C_TYPES"


def test_attr_size_is_the_kernels(btf: BTF) -> None:
    assert gen.ATTR_SIZE == ctypes.sizeof(gen.bpf_attr) == btf.size_of(btf.find("bpf_attr", Union))


def _kernel_internal_names() -> set[str]:
    """The names the generated module lists under a "kernel-internal" section (not UAPI)."""
    names: set[str] = set()
    internal = False
    for line in Path(gen.__file__).read_text(encoding="utf-8").splitlines():
        if line.startswith("# -- "):
            internal = "kernel-internal" in line
        elif internal and re.match(r"[A-Z_][A-Z0-9_]* = ", line):
            names.add(line.split(" = ")[0])
    return names


def test_every_enumerator_has_the_kernels_value(btf: BTF) -> None:
    internal = _kernel_internal_names()
    assert {"ENOTSUPP", "BPF_MAX_LOOPS", "BPF_REG_FP"} <= internal
    exported = set(gen.__all__) - internal  # an internal enumerator (BPF_MAX_LOOPS) is taken alone
    for _type_id, t in btf:
        if not isinstance(t, (Enum, Enum64)):
            continue
        names = [v.name for v in t.values]
        if t.name:
            cls = getattr(gen, t.name, None)
            if not (isinstance(cls, type) and issubclass(cls, enum.IntEnum)):
                continue
            members = {v.name: v.value for v in t.values if not v.name.startswith("__")}
            assert {m.name: m.value for m in cls} == {k: v for k, v in members.items() if cls[k].name == k}, (
                f"enum {t.name}; {REGEN}"
            )
            assert all(cls[k] == v for k, v in members.items()), f"enum {t.name}; {REGEN}"
        elif not any(n in exported for n in names):
            continue
        for v in t.values:
            if v.name not in internal:
                assert getattr(gen, v.name, None) == v.value, f"{v.name}; {REGEN}"
