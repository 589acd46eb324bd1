"""The verifier's side of BPF exceptions: a bpf_throw() call and the program's exception callback.

Mirrors kernel/bpf/verifier.c (Linux 6.18).  With the default exception callback (the program has
no ``exception_callback:`` decl tag):

* check_kfunc_call(): once its argument is checked, a bpf_throw call marks the program as throwing
  (``seen_exception``) and, since the default callback returns the cookie as the program's
  return value, checks R1 as check_return_code() checks R0 at the program's exit ("At program exit
  the register R1 has ...": ``check_throw_cookie``);
* do_check_insn(): the call ends the path like an exit of every frame at once
  (process_bpf_exit_full() with exception_exit): ``check_resource_leak(..., "bpf_throw")`` refuses
  a pointer reference held in any frame ("bpf_throw would lead to reference leak") and an open
  IRQ, RCU or non-preemptible region, in a subprogram too ("bpf_throw cannot be used inside
  bpf_rcu_read_lock-ed region" ...); a held spin lock is refused before, as for any call;
* check_func_call() of a global function that may throw (it or a function it calls calls
  bpf_throw: ``GlobalFuncs.might_throw``): the same check as at a throw, at the call, since the
  callee's throw would unwind the caller's frames (measured on Linux 6.18: the call of such a
  function with a reference held is "bpf_throw would lead to reference leak"; the path goes on);
* check_max_stack_depth_subprog(): a bpf_throw in a subprogram run as a callback, or called from
  one, anywhere up its chain of calls, is refused after the walk ("bpf_throw kfunc (insn %d)
  cannot be called from callback subprog %d"; ``check_throw_in_callback``).

With the program's own callback (libbpf's ``__exception_cb(f)``):

* find_exception_callback_insn_off() (add_subprog_and_kfunc()): the main program's
  ``exception_callback:<name>`` decl tag and its checks (``find_exception_callback``); the function
  it names becomes a subprogram though nothing calls it (``add_exception_callback``: an entry of
  the program view, ``VerifierState.exception_callback``), marked a callback and an asynchronous
  one (mark_subprog_exc_cb());
* check_cfg() walks it after the main program (``pybpf.verifier.cfg``);
* do_check_subprogs() verifies it as a called global function ("Validating f1() func#1..."), whose
  one argument must be an integer ("exception cb only supports single integer argument", from
  do_check_common()) and whose exit is checked as the program's (``in_exception_callback_fn``:
  the program type's return range, ``Walker._check_return_code``); bpf_throw's cookie is then no
  return value and is not checked (``check_throw_cookie``);
* check_max_stack_depth() walks it on its own: a bpf_throw in it, or in a function it calls, is
  "cannot be called from callback subprog", a direct call of it "insn %d cannot call exception cb
  directly" (``refuse_direct_call``; logged without a newline, as the kernel does); as a callback
  argument it is refused as any global function is ("callback function not static").

The run-time side (unwinding, the callback run with the cookie, or the cookie as r0) is
``pybpf.kfuncs.exceptions`` and the engines' ``exception_exit``.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from pybpf.btf.types import BTF, BTFError, DeclTag, Func, FuncLinkage
from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.program import CALL_OPCODE, ProgramView, Slot
from pybpf.kfuncs.exceptions import THROW
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.uapi import BPF_MAX_SUBPROGS
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.state import VerifierState

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker


def is_throw(insn: Instruction | Slot) -> bool:
    """is_bpf_throw_kfunc(): a kfunc call (of vmlinux: off 0) of bpf_throw."""
    code = insn.code if isinstance(insn, Slot) else insn.opcode
    return (
        code == CALL_OPCODE
        and insn.src == op.BPF_PSEUDO_KFUNC_CALL
        and insn.off == 0
        and kernel_btf().func_name(insn.imm & 0xFFFFFFFF) == THROW
    )


def check_throw_cookie(w: Walker) -> None:
    """check_kfunc_call()'s bpf_throw: the cookie is the program's return value (the default
    exception callback returns it): check_return_code(env, BPF_REG_1, "R1"); with the program's own
    exception callback the cookie is only that callback's argument, whatever it holds."""
    w.env.seen_exception = True
    if not w.env.exception_callback:
        w.check_return_code_of(1)


def check_throw_in_callback(state: VerifierState, slot: int, idx: int, callers: Sequence[int]) -> None:
    """check_max_stack_depth_subprog(): a bpf_throw at ``slot`` of subprogram ``idx``, called
    through ``callers``, must not run in a callback (one of them a callback subprogram)."""
    if not is_throw(state.view.slots[slot]):
        return
    if idx in state.callbacks or any(c in state.callbacks for c in callers):
        why = f"bpf_throw kfunc (insn {slot}) cannot be called from callback subprog {idx}"
        state.fail(errno.EINVAL, why)


EXCEPTION_CALLBACK_TAG = "exception_callback:"


def exception_callback_names(btf: BTF, main_id: int) -> list[str]:
    """The functions the ``exception_callback:<name>`` decl tags on the FUNC ``main_id`` (component
    -1: the function itself; libbpf's ``__exception_cb(name)``) name, in BTF order."""
    return [
        t.name[len(EXCEPTION_CALLBACK_TAG) :]
        for _, t in btf
        if isinstance(t, DeclTag)
        and t.type_id == main_id
        and t.component_idx == -1
        and t.name.startswith(EXCEPTION_CALLBACK_TAG)
    ]


def find_exception_callback(state: VerifierState) -> int:
    """find_exception_callback_insn_off() (add_subprog_and_kfunc()): the first instruction of the
    subprogram the main program's ``exception_callback:<name>`` decl tag names, 0 without a tag.

    The tag (component -1 of the main program's FUNC, func_info[0]) must be the only one ("multiple
    exception callback tags for main subprog"), name a FUNC of the program's BTF ("exception callback
    '%s' could not be found in BTF", ENOENT) of global linkage ("... must have global linkage") that a
    func_info record places past instruction 0 ("invalid exception callback insn_off in func_info:
    0", "exception callback type id not found in func_info")."""
    func_info = state.func_info
    btf_types = state.request.btf_types
    if not func_info or btf_types is None:
        return 0
    try:
        btf = btf_types()
    except BTFError:
        return 0
    names = exception_callback_names(btf, func_info[0][1])
    if not names:
        return 0
    if len(names) > 1:
        state.fail(errno.EEXIST, "multiple exception callback tags for main subprog")
    name = names[0]
    found = next((type_id for type_id, t in btf if isinstance(t, Func) and t.name == name), None)
    if found is None:
        state.fail(errno.ENOENT, f"exception callback '{name}' could not be found in BTF")
    func = btf[found]
    assert isinstance(func, Func)
    if func.linkage != FuncLinkage.GLOBAL:
        state.fail(errno.EINVAL, f"exception callback '{name}' must have global linkage")
    insn_off = 0
    for off, type_id in func_info:
        if type_id != found:
            continue
        insn_off = off
        if not off:
            state.log.line("invalid exception callback insn_off in func_info: 0")
            insn_off = -errno.EINVAL
    if insn_off < 0:  # (logged in the loop)
        why = "invalid exception callback insn_off in func_info: 0"
        raise VerifierError(errno.EINVAL, why, state.log.text)
    if not insn_off:
        state.fail(errno.EINVAL, "exception callback type id not found in func_info")
    return insn_off


def add_exception_callback(state: VerifierState) -> None:
    """add_subprog_and_kfunc()'s exception callback: the subprogram the main program's tag names
    (``find_exception_callback``) becomes one even though nothing calls it (add_subprog(): "call to
    invalid destination" past the program, "too many subprograms"), the program view gets it as an
    entry, and mark_subprog_exc_cb() makes it a callback (is_cb: no bpf_throw in it or below it)
    and an asynchronous one (is_async_cb: check_max_stack_depth() walks it on its own)."""
    insn_off = find_exception_callback(state)
    if not insn_off:
        return
    view = state.view
    if insn_off >= view.slot_count:
        state.einval("call to invalid destination")
    if insn_off not in view.subprograms and len(view.subprograms) >= BPF_MAX_SUBPROGS:
        state.fail(errno.E2BIG, "too many subprograms")
    state.view = ProgramView(view.insns, (insn_off,))
    cb = state.view.subprograms.index(insn_off)
    state.exception_callback = cb
    state.callbacks.add(cb)
    state.async_callbacks.add(cb)


def refuse_direct_call(state: VerifierState, slot: int) -> NoReturn:
    """check_max_stack_depth_subprog(): a bpf-to-bpf call at ``slot`` of the exception callback
    (the kernel's message has no newline: the statistics line follows on the same line)."""
    why = f"insn {slot} cannot call exception cb directly"
    state.log.verbose(why)
    raise VerifierError(errno.EINVAL, why, state.log.text)
