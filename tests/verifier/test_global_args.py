"""Global-function argument tags and the corpus's prototype syntax, without the kernel.

The kernel's verdicts on tagged arguments are in the corpus (selftests_global_args.asm, checked by
test_corpus); these tests cover what the corpus cannot: the C-like prototype parser and the BTF it
writes, the vmlinux candidate search (flavour suffixes, kinds), and the answer when the running
kernel's types cannot be read.
"""

from __future__ import annotations

import errno

import pytest

from pybpf.btf.kinds import Kind
from pybpf.btf.parse import parse_btf
from pybpf.btf.types import DeclTag, Func, FuncLinkage, FuncProto, Ptr, Struct
from pybpf.kernel.backend import UserBackend
from pybpf.verifier import kernel_btf
from tests.verifier import corpus_protos, refs_harness
from tests.verifier import verifier_corpus as vc


def test_prototype_becomes_btf_with_decl_tags() -> None:
    raw = corpus_protos.btf_blob(
        2, ("int f1(struct pair:12 *p __arg_nonnull, long x __tag_note)",), global_subprogs=True
    )
    btf = parse_btf(raw)
    func = btf[refs_harness.FIRST_FUNC + 1]
    assert isinstance(func, Func) and func.name == "f1" and func.linkage == FuncLinkage.GLOBAL
    proto = btf[func.type_id]
    assert isinstance(proto, FuncProto) and [p.name for p in proto.params] == ["p", "x"]
    pointer = btf[proto.params[0].type_id]
    assert isinstance(pointer, Ptr)
    pointee = btf[pointer.type_id]
    assert isinstance(pointee, Struct) and (pointee.name, pointee.size) == ("pair", 12)
    tags = {(t.name, t.component_idx) for _, t in btf if isinstance(t, DeclTag)}
    assert tags == {("arg:nonnull", 0), ("note", 1)}


def test_prototype_linkage_and_pointer_levels() -> None:
    proto = corpus_protos.parse_proto("static void f3(const struct xdp_md:8 * *c __arg_ctx, u8 n)")
    assert proto.index == 3 and proto.linkage == FuncLinkage.STATIC and proto.ret == "void"
    assert proto.params[0] == ("const struct xdp_md:8 **", "c", ("arg:ctx",))
    with pytest.raises(ValueError):
        corpus_protos.parse_proto("int g(int x)")  # functions are named f0, f1 ...


@pytest.mark.parametrize(
    ("name", "essential"),
    [
        ("task_struct", "task_struct"),
        ("task_struct___v2", "task_struct"),
        ("a____b", "a____b"),
        ("x___", "x___"),
    ],
)
def test_essential_name(name: str, essential: str) -> None:
    assert kernel_btf.essential_name(name) == essential


def test_candidates_match_kind_and_flavour() -> None:
    if kernel_btf.vmlinux_btf() is None:
        pytest.skip("no /sys/kernel/btf/vmlinux here")
    assert len(kernel_btf.find_candidates(Kind.STRUCT, "task_struct___mine")) == 1
    assert kernel_btf.find_candidates(Kind.UNION, "task_struct") == []
    assert kernel_btf.find_candidates(Kind.STRUCT, "no_such_kernel_type") == []


def test_trusted_argument_without_kernel_types(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without readable vmlinux BTF no kernel type matches: the call is refused with ENOENT."""
    monkeypatch.setattr(kernel_btf, "vmlinux_btf", lambda: None)
    program = vc.Program(
        name="t",
        theme="t",
        prog_type="raw_tracepoint",
        text="    r1 = 0\n    call f\n    r0 = 0\n    exit\nf:\n    r0 = 0\n    exit\n",
        btf="global_subprogs",
        protos=("int f1(struct task_struct *t __arg_trusted __arg_nullable)",),
    )
    err, log = vc.load_with_log(program, UserBackend())
    assert err == errno.ENOENT
    assert "arg#0 reference type('STRUCT task_struct') has no matches" in log
