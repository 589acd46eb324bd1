"""An freplace program's target: the BPF_PROG_TYPE_EXT branches of bpf_check_attach_target().

Mirrors, for Linux 6.18, the program-extension parts of bpf_check_attach_target() and
check_attach_btf_id() (kernel/bpf/verifier.c) with btf_check_type_match() and
btf_check_func_type_match() (kernel/bpf/btf.c).  An EXT program names, by ``attach_prog_fd`` and
``attach_btf_id``, a global function of another loaded program (its FUNC in that program's BTF);
loading checks, in the kernel's order and with its messages:

* a target at all ("Tracing programs must provide btf_id"; without ``attach_prog_fd`` the id is a
  vmlinux one: "Cannot replace kernel functions"), with BTF, the id valid;
* the id is one of the target's subprograms ("Subprog %s doesn't exist"), whose BTF the target's
  verification found reliable ("Cannot replace static functions"); an extension that moves the
  packet or may sleep only where the replaced function does;
* no extension of an extension ("Cannot recursively attach") nor of fentry/fexit programs;
* the id is a FUNC whose prototype matches the extension's own main function: both global, the
  same number of arguments, the same return and argument kinds and sizes, pointers only to
  structs of the same name (the context) -- btf_check_func_type_match()'s messages;
* btf_distill_func_proto()'s limits on the prototype.

The program is then verified as the target's type with the target's expected attach type
(``request.prog_type`` is the target's already; the pass sets ``expected_attach_type``), its main
function as a global function (``globals.extension_entry``).  What pybpf cannot differ in is not
modelled: every program is JIT-compiled on request (pybpf's "jited" is always true), no program is
device bound, and exception callbacks are not targets pybpf knows of.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import NoReturn

from pybpf import uapi
from pybpf.btf.encode import info_of
from pybpf.btf.kinds import Kind
from pybpf.btf.types import BTF, BTFError, Func, FuncLinkage, FuncProto
from pybpf.verifier import globals as global_funcs
from pybpf.verifier import kernel_btf
from pybpf.verifier.attach import check_attach_target, distill_func_proto, skip_modifiers
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.request import ExtTarget
from pybpf.verifier.state import VerifierState

_SIZED = frozenset({Kind.INT, Kind.STRUCT, Kind.UNION, Kind.ENUM, Kind.ENUM64, Kind.DATASEC, Kind.FLOAT})
"""btf_type_has_size(): the kinds whose record holds a size."""
_KIND_STR = global_funcs.BTF_KIND_STR
"""btf_type_str()."""


@dataclass(frozen=True)
class Extension:
    """What the checks read of the extension program itself (``prog->aux``)."""

    btf: BTF | None
    func: Func | None
    """Its main function's FUNC (func_info record 0); None without func_info."""
    changes_pkt_data: bool = False
    might_sleep: bool = False


class TargetRefused(Exception):
    """bpf_check_attach_target() refused the target: ``message`` is its log line ("": none)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_target(ext: Extension, target: ExtTarget, btf_id: int) -> tuple[BTF, Func, FuncProto]:
    """bpf_check_attach_target()'s checks of a target program's function ``btf_id`` for the
    extension ``ext`` (EINVAL each, TargetRefused): the replaced function, its BTF and prototype."""
    btf = _target_btf(target)
    if btf is None:
        raise TargetRefused("FENTRY/FEXIT program can only be attached to another program annotated with BTF")
    try:
        t = btf[btf_id]
    except BTFError:
        raise TargetRefused(f"attach_btf_id {btf_id} is invalid") from None
    name = t.name
    if btf_id not in target.func_ids:
        raise TargetRefused(f"Subprog {name} doesn't exist")
    subprog = target.func_ids.index(btf_id)
    if subprog in target.unreliable:
        raise TargetRefused("Cannot replace static functions")
    if ext.changes_pkt_data and not _at(target.changes_pkt_data, subprog):
        raise TargetRefused("Extension program changes packet data, while original does not")
    if ext.might_sleep and not _at(target.might_sleep, subprog):
        raise TargetRefused("Extension program may sleep, while original does not")
    if target.prog_type == uapi.BPF_PROG_TYPE_EXT:
        raise TargetRefused("Cannot recursively attach")
    if target.prog_type == uapi.BPF_PROG_TYPE_TRACING and target.expected_attach_type in (
        uapi.BPF_TRACE_FENTRY,
        uapi.BPF_TRACE_FEXIT,
    ):
        raise TargetRefused("Cannot extend fentry/fexit")
    if not isinstance(t, Func):
        raise TargetRefused(f"attach_btf_id {btf_id} is not a function")
    if ext.func is None:  # btf_check_type_match()
        raise TargetRefused("Program extension requires BTF")
    if ext.btf is None:
        raise TargetRefused("")
    problem = func_type_mismatch(ext.btf, ext.func, btf, t)
    if problem is not None:
        raise TargetRefused(problem)
    proto = btf[t.type_id]
    if not isinstance(proto, FuncProto):
        raise TargetRefused("")
    return btf, t, proto


def check_extension_target(state: VerifierState, target: ExtTarget | None, btf_id: int) -> None:
    """bpf_check_attach_target() for an EXT program being loaded, logging the reason of a refusal."""
    if not btf_id:
        state.einval("Tracing programs must provide btf_id")
    if target is None:
        _kernel_function(state, btf_id)
    own = global_funcs.GlobalFuncs(state)
    ext = Extension(
        own.btf if state.func_info is not None else None,
        own.funcs[0] if state.func_info is not None else None,
        _own_effect(global_funcs.pkt_data_changers(state)),
        _own_effect(global_funcs.sleepers(state)),
    )
    try:
        btf, func, proto = check_target(ext, target, btf_id)
    except TargetRefused as exc:
        if not exc.message:
            raise VerifierError(errno.EINVAL, "") from None
        state.einval(exc.message)
    distill_func_proto(state, btf, proto, func.name)


def _kernel_function(state: VerifierState, btf_id: int) -> NoReturn:
    """Without a target program the id names a vmlinux type, which an extension cannot replace."""
    btf = kernel_btf.vmlinux_btf()
    if btf is None:
        state.einval("FENTRY/FEXIT program can only be attached to another program annotated with BTF")
    try:
        btf[btf_id]
    except BTFError:
        state.einval(f"attach_btf_id {btf_id} is invalid")
    state.einval("Cannot replace kernel functions")


def _target_btf(target: ExtTarget) -> BTF | None:
    if target.btf is None:
        return None
    try:
        return target.btf()
    except BTFError:
        return None


def _own_effect(per_subprog: list[bool]) -> bool:
    """The extension's own flag (``prog->aux``'s): its main function's, callees merged in."""
    return bool(per_subprog) and per_subprog[0]


def _at(flags: tuple[bool, ...], subprog: int) -> bool:
    return subprog < len(flags) and flags[subprog]


def func_type_mismatch(btf1: BTF, t1: Func, btf2: BTF, t2: Func) -> str | None:
    """btf_check_func_type_match(): why ``t1`` cannot stand for ``t2`` ("" for a refusal the kernel
    logs nothing for), None when it can."""
    fn1, fn2 = t1.name, t2.name
    if t1.linkage != FuncLinkage.GLOBAL:
        return f"{fn1}() is not a global function"
    if t2.linkage != FuncLinkage.GLOBAL:
        return f"{fn2}() is not a global function"
    p1, p2 = btf1[t1.type_id], btf2[t2.type_id]
    if not isinstance(p1, FuncProto) or not isinstance(p2, FuncProto):
        return ""
    if len(p1.params) != len(p2.params):
        return f"{fn1}() has {len(p1.params)} args while {fn2}() has {len(p2.params)} args"
    r1, r2 = btf1[skip_modifiers(btf1, p1.return_type)], btf2[skip_modifiers(btf2, p2.return_type)]
    if info_of(r1) != info_of(r2):
        return (
            f"Return type {_KIND_STR[r1.kind]} of {fn1}() doesn't match type {_KIND_STR[r2.kind]} of {fn2}()"
        )
    for i, (a1, a2) in enumerate(zip(p1.params, p2.params, strict=True)):
        id1, id2 = skip_modifiers(btf1, a1.type_id), skip_modifiers(btf2, a2.type_id)
        x1, x2 = btf1[id1], btf2[id2]
        if info_of(x1) != info_of(x2):
            return f"arg{i} in {fn1}() is {_KIND_STR[x1.kind]} while {fn2}() has {_KIND_STR[x2.kind]}"
        if x1.kind in _SIZED and btf1.size_of(id1) != btf2.size_of(id2):
            return f"arg{i} in {fn1}() has size {btf1.size_of(id1)} while {fn2}() has {btf2.size_of(id2)}"
        if x1.kind in (Kind.INT, Kind.ENUM, Kind.ENUM64):
            continue
        if x1.kind != Kind.PTR:
            return f"arg{i} in {fn1}() has unrecognized type"
        s1 = btf1[skip_modifiers(btf1, x1.type_id)]  # type: ignore[union-attr]
        s2 = btf2[skip_modifiers(btf2, x2.type_id)]  # type: ignore[union-attr]
        if s1.kind not in (Kind.STRUCT, Kind.UNION):
            return f"arg{i} in {fn1}() is not a pointer to context"
        if s2.kind not in (Kind.STRUCT, Kind.UNION):
            return f"arg{i} in {fn2}() is not a pointer to context"
        if s1.name != s2.name:
            return f"arg{i} {fn1}(struct {s1.name} *) doesn't match {fn2}(struct {s2.name} *)"
    return None


class ExtensionPass:
    """check_attach_btf_id() for an EXT program (after the sleepable rules of ``AttachPass``): its
    target checked, then the target's expected attach type inherited for the rest of the
    verification (its program type already is)."""

    name = "extension"

    def run(self, state: VerifierState) -> None:
        request = state.request
        if request.extension is None and request.prog_type.prog_type != uapi.BPF_PROG_TYPE_EXT:
            return
        target = request.extension
        check_extension_target(state, target, request.attach_btf_id)
        assert target is not None  # check_extension_target() refuses a load without
        request.expected_attach_type = target.expected_attach_type
        bind = getattr(request.prog_type, "bind", None)
        if bind is not None:  # a tracing or LSM target: its type as bound to the target's own target
            own = check_attach_target(
                state, target.prog_type, target.expected_attach_type, target.attach_btf_id
            )
            request.prog_type = bind(own, False)
