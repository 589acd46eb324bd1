"""bpf_throw at run time (``pybpf.kfuncs.exceptions``), on each engine and against the kernel.

The verifier's side (the cookie as the return value, leaks and regions at a throw, no throw in a
callback) is the ``selftests_exceptions`` theme of the verifier corpus, labelled by the kernel.
Here: programs that throw at depth 0, from nested subprograms, on one path only, in a loop of
calls, with the default exception callback -- every frame unwinds and the program returns the
cookie (BPF_PROG_TEST_RUN's retval, its low 32 bits) -- run on both engines as on the kernel.
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
