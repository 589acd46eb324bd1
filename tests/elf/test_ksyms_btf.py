"""Objects that call kfuncs (``extern ... __ksym``) keep their BTF, on pybpf and on the kernel.

The kernel refuses an extern FUNC ("Invalid func linkage") and a FUNC inside a DATASEC, so libbpf
rewrites the ``.ksyms`` DATASEC before BPF_BTF_LOAD (bpf_object__collect_externs); pybpf's loader does
the same (``pybpf.elf.externs``).  Without it such objects loaded without BTF: no func_info, no
line_info, no global functions.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from pybpf import Object, load_object
from pybpf.btf.types import Datasec, Func, FuncLinkage, FuncProto, Var, VarLinkage
from pybpf.kernel.backend import Backend
from tests.elf.corpus import ARENA_OBJECTS, DATA, REFUSED


def _ksyms_objects() -> list[str]:
    names = []
    for path in sorted(DATA.glob("*.o")):
        btf = Object.open(path).spec.btf
        if path.stem in REFUSED:
            continue  # some of its programs are refused on purpose: the object does not load whole
        if btf is not None and any(isinstance(t, Datasec) and t.name == ".ksyms" for _, t in btf):
            names.append(path.stem)
    return names


KSYMS_OBJECTS = _ksyms_objects()


def test_there_are_objects_calling_kfuncs() -> None:
    assert "iters" in KSYMS_OBJECTS


@pytest.mark.parametrize("name", KSYMS_OBJECTS)
def test_the_ksyms_datasec_is_laid_out_as_libbpf_does(name: str) -> None:
    obj = Object.open(Path(DATA / f"{name}.o"))
    btf = obj.spec.btf
    assert btf is not None
    (sec,) = [t for _, t in btf if isinstance(t, Datasec) and t.name == ".ksyms"]
    assert sec.size == 4 * len(sec.vars)
    assert [v.offset for v in sec.vars] == [4 * i for i in range(len(sec.vars))]
    for v in sec.vars:
        var = btf[v.type_id]
        assert isinstance(var, Var) and var.linkage == VarLinkage.GLOBAL_ALLOCATED and v.size == 4
    kfuncs = [t for _, t in btf if isinstance(t, Func) and t.name.startswith("bpf_")]
    assert kfuncs and all(f.linkage != FuncLinkage.EXTERN for f in kfuncs)
    for f in kfuncs:
        proto = btf[f.type_id]
        assert isinstance(proto, FuncProto)
        assert all(p.name or not p.type_id for p in proto.params)  # the kernel wants every name
    obj.close()


@pytest.mark.parametrize("name", [n for n in KSYMS_OBJECTS if n not in REFUSED])
def test_an_object_calling_kfuncs_loads_with_its_btf(name: str, backend: Backend) -> None:
    try:
        loaded = load_object(DATA / f"{name}.o", backend=backend)
    except OSError as exc:
        if name in ARENA_OBJECTS and backend.name != "user" and exc.errno == errno.EPERM:
            pytest.skip("this kernel refuses arenas (EPERM)")
        raise
    with loaded as obj:
        assert not [w for w in obj.warnings if "BTF" in w], obj.warnings
        for prog in obj.programs.values():
            info = prog.info()
            assert info.btf_id, prog.name
            assert info.nr_func_info >= 1, prog.name
