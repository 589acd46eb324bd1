"""BPF exceptions: the bpf_throw() kfunc.

Mirrors kernel/bpf/helpers.c (Linux 6.18), where ``bpf_throw`` is in ``generic_btf_ids`` without
KF_* flags (registered for XDP, SCHED_CLS, CGROUP_SKB, SYSCALL, TRACING and STRUCT_OPS)::

    void bpf_throw(u64 cookie);

In the kernel, bpf_throw() walks the stack up to the program's exception boundary (its main
program's frame), then calls the program's exception callback with the cookie -- the subprogram a
``exception_callback:<name>`` BTF decl tag names, or the default callback the verifier adds
(``r0 = r1; exit``: the cookie becomes the program's return value) -- and the program returns
what the callback returns.  The verifier side (a throw is an exit of every frame) is
``pybpf.verifier.exceptions``.

In user space the implementation raises ``Throw``: like a tail call it leaves the program's
frames through the engine (a BaseException, so helpers catching Exception do not swallow it and
the engines do not wrap it into a helper fault); the engine drops every frame, then runs the
program's exception callback in a fresh frame with the cookie in r1 and ends the run with its r0
(the interpreter's and the JIT's ``exception_exit``, the callback's slot given by the verifier:
``VerifiedProgram.exception_callback``), or, with the default callback, ends it with r0 = the cookie.
"""

from __future__ import annotations

from pybpf.helpers.context import HelperContext
from pybpf.isa.words import M64
from pybpf.kfuncs.proto import GENERIC_PROG_TYPES, ArgKind, KArg, KfFlag, KFunc, RetKind

THROW = "bpf_throw"


class Throw(BaseException):
    """Raised by bpf_throw(): unwind every frame of the running program; ``cookie`` (u64) is what
    the default exception callback returns, the program's r0."""

    def __init__(self, cookie: int) -> None:
        super().__init__(cookie)
        self.cookie = cookie & M64


def throw(_ctx: HelperContext, cookie: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``bpf_throw(cookie)``: never returns."""
    raise Throw(cookie)


KFUNCS: tuple[KFunc, ...] = (
    KFunc(
        THROW,
        KfFlag.NONE,
        (KArg(ArgKind.SCALAR, "u64", "cookie"),),
        RetKind.VOID,
        "void",
        0,
        throw,
        GENERIC_PROG_TYPES,
    ),
)
