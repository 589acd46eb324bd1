"""The kernel BTF that names kfuncs: the running kernel's vmlinux BTF, else pybpf's own."""

from __future__ import annotations

import os

import pytest

from pybpf.btf.encode import encode_btf
from pybpf.btf.parse import parse_btf
from pybpf.btf.types import Func, FuncProto, Ptr, Struct
from pybpf.kfuncs import kernel_btf as kb
from pybpf.kfuncs.table import BY_NAME, ITER_STATE_SIZES, KFUNCS


def test_own_btf_holds_every_kfunc_with_its_prototype() -> None:
    own = kb.KernelBTF(kb.own_btf(), from_kernel=False)
    for kfunc in KFUNCS:
        type_id = own.func_id(kfunc.name)
        assert type_id is not None and own.kfunc(type_id) is kfunc
        func = own.btf[type_id]
        assert isinstance(func, Func)
        proto = own.btf[func.type_id]
        assert isinstance(proto, FuncProto) and len(proto.params) == len(kfunc.args)
        assert [p.name for p in proto.params] == [a.name for a in kfunc.args]
    for name, size in ITER_STATE_SIZES.items():
        struct = own.btf[own.iter_struct_id(name)]
        assert isinstance(struct, Struct) and struct.size == size


def test_own_btf_encodes_and_parses_back() -> None:
    own = kb.own_btf()
    again = parse_btf(encode_btf(own))
    assert again.types == own.types


def test_ids_that_name_no_function() -> None:
    own = kb.KernelBTF(kb.own_btf(), from_kernel=False)
    iter_ptr = next(i for i, t in own.btf if isinstance(t, Ptr))
    assert own.func_name(iter_ptr) is None
    assert own.func_name(0) is None and own.func_name(own.btf.end_id) is None
    assert own.kfunc(iter_ptr) is None and own.func_id("no_such_function") is None


@pytest.mark.skipif(not os.access(kb.VMLINUX_BTF, os.R_OK), reason="no readable vmlinux BTF")
def test_the_running_kernels_btf_is_used_when_readable() -> None:
    k = kb.kernel_btf()
    assert k.from_kernel
    for kfunc in KFUNCS:
        type_id = k.func_id(kfunc.name)
        assert type_id is not None and k.func_name(type_id) == kfunc.name
        assert k.kfunc(type_id) is BY_NAME[kfunc.name]


def test_unreadable_vmlinux_falls_back_to_pybpfs_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kb, "VMLINUX_BTF", "/nonexistent/vmlinux")
    kb.kernel_btf.cache_clear()
    try:
        k = kb.kernel_btf()
        assert not k.from_kernel and k.func_id("bpf_iter_num_next") is not None
    finally:
        kb.kernel_btf.cache_clear()
