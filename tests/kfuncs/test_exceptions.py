"""bpf_throw at run time (``pybpf.kfuncs.exceptions``), on each engine and against the kernel.

The verifier's side (the cookie as the return value, leaks and regions at a throw, no throw in a
callback) is the ``selftests_exceptions`` theme of the verifier corpus, labelled by the kernel.
Here: programs that throw at depth 0, from nested subprograms, on one path only, in a loop of
calls, with the default exception callback -- every frame unwinds and the program returns the
cookie (BPF_PROG_TEST_RUN's retval, its low 32 bits) -- run on both engines as on the kernel.
Then the same with the program's own exception callback (the ``exception_callback:`` decl tag on the
main program's BTF FUNC, libbpf's ``__exception_cb``; corpus-style assembly with BTF, the callback
at label ``cb``): every frame unwinds, the callback runs with the cookie in r1 and
the program returns what the callback returns.
"""

from __future__ import annotations

import pytest

import pybpf
from pybpf.helpers.context import HelperContext
from pybpf.helpers.trace_pipe import TracePipe
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs import exceptions
from pybpf.kfuncs.proto import GENERIC_PROG_TYPES, ArgKind, RetKind
from pybpf.kfuncs.table import BY_NAME
from pybpf.memory.regions import Memory
from tests.verifier import verifier_corpus as vc


def test_the_kfunc_takes_a_scalar_cookie_in_the_generic_set_and_never_returns() -> None:
    kfunc = BY_NAME[exceptions.THROW]
    assert [arg.kind for arg in kfunc.args] == [ArgKind.SCALAR] and kfunc.ret is RetKind.VOID
    assert kfunc.prog_types == GENERIC_PROG_TYPES and not kfunc.flags
    ctx = HelperContext(Memory(), TracePipe())
    with pytest.raises(exceptions.Throw) as thrown:
        kfunc.impl(ctx, -1, 0, 0, 0, 0)
    assert thrown.value.cookie == (1 << 64) - 1


PROGRAMS: dict[str, tuple[str, int | dict[str, int]]] = {
    "at_depth_0": (
        """
    r6 = 5
    r1 = r6
    call kfunc(bpf_throw)
    r0 = 1
    exit
""",
        5,
    ),
    "cookie_of_64_bits": (
        """
    r1 = 0x1234567800000002 ll
    call kfunc(bpf_throw)
    r0 = 1
    exit
""",
        2,
    ),
    "from_nested_subprograms": (
        """
    r6 = 1
    *(u64 *)(r10 - 8) = r6
    call f
    r0 = 7
    exit
f:
    r7 = 2
    *(u64 *)(r10 - 16) = r7
    call g
    r0 = 8
    exit
g:
    r1 = 3
    call kfunc(bpf_throw)
    r0 = 9
    exit
""",
        3,
    ),
    "on_one_path": (  # XDP: data_end - data = 64 >= 14, no throw; tc: len + 14 > mark, a throw
        """
    r2 = *(u32 *)(r1 + 4)
    r3 = *(u32 *)(r1 + 0)
    r3 += 14
    if r3 <= r2 goto ok
    r1 = 1
    call kfunc(bpf_throw)
ok:
    r0 = 2
    exit
""",
        {"xdp": 2, "sched_cls": 1},
    ),
    "in_a_loop_of_calls": (
        """
    r9 = 0
    r6 = 0
loop:
    r1 = r6
    call f
    r9 += r0
    r6 += 1
    if r6 < 5 goto loop
    r0 = r9
    exit
f:
    if r1 != 3 goto out
    r1 = 4
    call kfunc(bpf_throw)
out:
    r0 = 1
    exit
""",
        4,
    ),
}


def run(source: str, prog_type: str, backend: Backend, repeat: int = 1) -> int:
    with pybpf.Program.load(vc.resolve_kfuncs(source), prog_type, backend=backend) as prog:
        return prog.run(bytes(64), repeat=repeat).retval


@pytest.mark.usefixtures("engine")  # each program runs on each engine (tests/conftest.py)
@pytest.mark.parametrize("prog_type", ["xdp", "sched_cls"])
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_throw_returns_the_cookie_as_on_the_kernel(name: str, prog_type: str) -> None:
    source, answer = PROGRAMS[name]
    ours = run(source, prog_type, UserBackend())
    assert ours == (answer[prog_type] if isinstance(answer, dict) else answer)
    if kernel_bpf_available():
        assert run(source, prog_type, NativeBackend()) == ours


@pytest.mark.usefixtures("engine")
def test_repeated_runs_each_throw() -> None:
    source, answer = PROGRAMS["from_nested_subprograms"]
    assert run(source, "xdp", UserBackend(), repeat=50) == answer
    if kernel_bpf_available():
        assert run(source, "xdp", NativeBackend(), repeat=50) == answer


_CB_PROTOS = ("int f1(u64 cookie)", "int f0(void) __tag_exception_callback:f1")
CALLBACK_PROGRAMS: dict[str, tuple[str, int | dict[str, int]]] = {
    "cb_at_depth_0_32_bit_cookie": (
        """
    r1 = 7
    call kfunc(bpf_throw)
    r0 = 1
    exit
cb:
    r0 = r1
    r0 += 1
    exit
""",
        8,
    ),
    "cb_64_bit_cookie": (
        """
    r1 = 0x1234567800000002 ll
    call kfunc(bpf_throw)
    r0 = 1
    exit
cb:
    r0 = r1
    r0 >>= 32
    exit
""",
        0x12345678,
    ),
    "cb_throw_in_global_subprog": (
        """
    r1 = 5
    call f
    r0 = 1
    exit
cb:
    r0 = r1
    r0 *= 3
    exit
f:
    r1 += 6
    call kfunc(bpf_throw)
    r0 = 0
    exit
""",
        33,
    ),
    "cb_throw_in_nested_static_subprogs": (
        """
    r6 = 1
    *(u64 *)(r10 - 8) = r6
    call g
    r0 = 7
    exit
cb:
    *(u64 *)(r10 - 16) = r1
    r0 = *(u64 *)(r10 - 16)
    r0 -= 40
    exit
g:
    r7 = 2
    *(u64 *)(r10 - 16) = r7
    call h
    r0 = 8
    exit
h:
    r1 = 42
    call kfunc(bpf_throw)
    r0 = 9
    exit
""",
        2,
    ),
    "cb_after_bpf_loop": (
        """
    r1 = 4
    r2 = func(loop) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r1 = r0
    call kfunc(bpf_throw)
    r0 = 1
    exit
cb:
    r6 = r1
    call twice
    r0 += r6
    exit
loop:
    r0 = 0
    exit
twice:
    r0 = 100
    exit
""",
        104,
    ),
    "cb_on_one_path": (  # XDP: data_end - data = 64 >= 14, no throw; tc: len + 14 > mark, a throw
        """
    r2 = *(u32 *)(r1 + 4)
    r3 = *(u32 *)(r1 + 0)
    r3 += 14
    if r3 <= r2 goto ok
    r1 = 20
    call kfunc(bpf_throw)
ok:
    r0 = 2
    exit
cb:
    r0 = r1
    r0 /= 10
    exit
""",
        {"xdp": 2, "sched_cls": 2},
    ),
}
"""Programs with an exception callback at label ``cb`` (the first function after the main program:
f1), and the retval of a run."""
_PROTOS = {"cb_throw_in_global_subprog": ("int f2(u64 x)",)}
"""Other functions' prototypes (a global function's argument)."""

_STATIC_SUBPROGS = frozenset({"cb_throw_in_nested_static_subprogs", "cb_after_bpf_loop"})
"""Programs whose other functions are static (func_info) -- the callback is global all the same."""


def callback_program(name: str, prog_type: str) -> vc.Program:
    source, _ = CALLBACK_PROGRAMS[name]
    static = name in _STATIC_SUBPROGS
    protos = ("global int f1(u64 cookie)", _CB_PROTOS[1]) if static else _CB_PROTOS
    protos += _PROTOS.get(name, ())
    return vc.Program(
        name=name, theme="exceptions", prog_type=prog_type, text=source, desc=name,
        btf="func_info" if static else "global_subprogs", protos=protos, funcs=("cb",),
    )  # fmt: skip


def run_with_callback(program: vc.Program, backend: Backend, repeat: int = 1) -> int:
    fd, err, log = vc.load_fd(program, backend)
    assert not err, log
    with pybpf.Program.from_fd(fd, backend=backend) as prog:
        return prog.run(bytes(64), repeat=repeat).retval


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("prog_type", ["xdp", "sched_cls"])
@pytest.mark.parametrize("name", sorted(CALLBACK_PROGRAMS))
def test_a_throw_runs_the_exception_callback_as_on_the_kernel(name: str, prog_type: str) -> None:
    program = callback_program(name, prog_type)
    _, answer = CALLBACK_PROGRAMS[name]
    ours = run_with_callback(program, UserBackend())
    assert ours == (answer[prog_type] if isinstance(answer, dict) else answer)
    if kernel_bpf_available():
        assert run_with_callback(program, NativeBackend()) == ours


@pytest.mark.usefixtures("engine")
def test_repeated_runs_each_run_the_exception_callback() -> None:
    program = callback_program("cb_throw_in_nested_static_subprogs", "xdp")
    assert run_with_callback(program, UserBackend(), repeat=50) == 2
    if kernel_bpf_available():
        assert run_with_callback(program, NativeBackend(), repeat=50) == 2
