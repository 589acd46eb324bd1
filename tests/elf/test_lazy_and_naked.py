"""Two libbpf loading conventions, on both backends (tests/data/c/lazy_and_naked.c).

``SEC("?socket")``: the program starts with autoload off and its type is the one of ``socket``
(libbpf's ``bpf_object__init_prog``).  An object whose BTF the kernel refuses (clang-19 leaves a naked
function's parameter unnamed: "Invalid arg#1") loads without BTF func_info / line_info, as libbpf does
(``bpf_object__sanitize_and_load_btf`` then ``bpf_object_load_prog``), instead of being refused with
"invalid type id ... in func info".  Both were found by scripts/selftests_conformance.py.
"""

from __future__ import annotations

import pytest

from pybpf import Object, uapi
from pybpf.kernel.backend import Backend
from tests.elf.corpus import obj_path


def test_lazy_section_is_not_autoloaded_and_keeps_its_type(backend: Backend) -> None:
    obj = Object.open(obj_path("lazy_and_naked"), backend=backend)
    lazy = obj.spec.programs["lazy_socket"]
    assert not lazy.autoload
    assert lazy.prog_type == uapi.BPF_PROG_TYPE_SOCKET_FILTER
    with obj:
        obj.load()
        assert set(obj.programs) == {"naked_socket"}


@pytest.mark.usefixtures("engine")
def test_refused_btf_loads_without_func_info(backend: Backend) -> None:
    with Object.open(obj_path("lazy_and_naked"), backend=backend) as obj:
        obj.load(programs=["lazy_socket", "naked_socket"])
        assert set(obj.programs) == {"lazy_socket", "naked_socket"}
        assert obj.programs["naked_socket"].run(bytes(64)).retval == 7
        assert obj.programs["lazy_socket"].run(bytes(64)).retval == 2
