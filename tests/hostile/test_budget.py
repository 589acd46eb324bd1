"""Hostile programs against the instruction budget: every run ends within it, in bounded wall time.

Class 5 of issue 9: a program that falls off its end after a conditional jump, ``may_goto`` or a
call used to spin for ever in the raw-VM entry points; helpers did unbounded work for one budget
unit (``bpf_for_each_map_elem`` listed every key of a 4M-entry array before its first callback,
and a ``bpf_loop`` around it ran for days).  Each case runs in a child process with a time limit
(and, where memory is the point, an address-space limit) and must end with a clean error naming
the instruction, leaving the child able to run programs afterwards.  Every case runs on both engines
(the ``engine`` fixture; a child inherits ``PYBPF_ENGINE``): the JIT charges the budget as the
interpreter does, so it ends the same programs at the same instruction.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest

from pybpf import uapi
from pybpf.cli.raw_engine import raw_program
from pybpf.errors import BudgetExceededError, ExecutionError
from pybpf.helpers import default_registry
from pybpf.helpers.context import CALLBACK_CHARGE
from pybpf.isa.asm import assemble
from pybpf.jit import JitProgram
from pybpf.vm import Interpreter, run
from tests.helpers.support import program_env, user_map

HEALTHY = (
    "from pybpf.cli.raw_engine import raw_program\n"
    'assert raw_program(pybpf.assemble("r0 = 7\\nexit")).run() == 7  # the process is unharmed\nprint("ok")'
)
EXECUTABLE = "pybpf.jit.JitProgram if os.environ.get('PYBPF_ENGINE') == 'jit' else pybpf.vm.Interpreter"
"""The child's executable class for the engine the test runs on (the JIT itself: no quiet fallback)."""


def executable_class() -> type[Interpreter] | type[JitProgram]:
    """The executable class of the engine the test runs on (``PYBPF_ENGINE``, set by ``engine``)."""
    return JitProgram if os.environ.get("PYBPF_ENGINE") == "jit" else Interpreter


def run_isolated(
    code: str, *, timeout: float = 60, memory_mb: int | None = None, cpu_seconds: int | None = None
) -> str:
    """Run ``code`` (after ``import pybpf``) in a child process with a time limit and, with
    ``memory_mb``, an address-space limit, with ``cpu_seconds`` a CPU time limit (the bound that
    does not depend on the machine's load; ``timeout`` is then only the last guard), then check the
    child can still run a program (it prints "ok"); returns its stdout, failing on a non-zero exit."""
    prelude = "import os, resource, sys\n"
    if cpu_seconds is not None:
        prelude += f"resource.setrlimit(resource.RLIMIT_CPU, ({cpu_seconds}, {cpu_seconds + 5}))\n"
    if memory_mb is not None:
        limit = memory_mb << 20
        prelude += f"resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))\n"
    prelude += "import pybpf, pybpf.jit, pybpf.vm\n"
    src = os.path.join(os.path.dirname(__file__), "..", "..", "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.path.abspath(src), os.getcwd()])}
    with tempfile.TemporaryDirectory(prefix="pybpf-isolated-") as cwd:  # (files it writes go there)
        done = subprocess.run(
            [sys.executable, "-c", prelude + textwrap.dedent(code) + "\n" + HEALTHY],
            capture_output=True, text=True, timeout=timeout, env=env, check=False, cwd=cwd,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


FALLS_OFF = {
    "conditional jump": "r0 = 0\nif r0 == 1 goto -2",
    "may_goto": "r0 = 0\nmay_goto -2",
    "local call": "goto +2\nr0 = 7\nexit\ncall pc-3",
    "long program": "r0 = 0\n" * 700 + "if r0 == 1 goto -2",
}


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("name", sorted(FALLS_OFF))
def test_falling_off_the_end_faults_in_every_raw_entry_point(name: str) -> None:
    text = FALLS_OFF[name]
    out = run_isolated(
        f"""
        from pybpf.errors import ExecutionError
        from pybpf.cli import conformance
        from pybpf.cli.main import main
        import io
        program = pybpf.assemble({text!r})
        last = len(program) - 1 if len(program) == len(pybpf.encode_program(program)) // 8 else None
        for budget in (1000, 10**7, None):
            for trace in (None, lambda event: None):
                try:
                    ({EXECUTABLE})(program).run(budget=budget, trace=trace)
                except ExecutionError as exc:
                    assert "fell off the end" in str(exc) and exc.pc == last, exc
                else:
                    raise AssertionError("ran off the end silently")
        for runner in (pybpf.vm.run, lambda *a, **k: ({EXECUTABLE})(*a).run(**k)):
            try:
                runner(program, budget=10**6)
            except ExecutionError as exc:
                assert "fell off the end" in str(exc)
            else:
                raise AssertionError("ran off the end silently")
        sys.stdin = io.StringIO(pybpf.encode_program(program).hex())
        assert conformance.main(["--budget", "1000"]) == 1
        with open("prog.s", "w") as out:
            out.write({text!r})
        assert main(["run", "--budget", "1000", "prog.s"]) == 1
        """,
        timeout=60,
    )
    assert out.endswith("ok\n")


@pytest.mark.usefixtures("engine")
def test_cli_budget_stops_an_endless_loop(tmp_path: object) -> None:
    out = run_isolated(
        """
        from pybpf.cli.main import main
        with open("loop.s", "w") as out:
            out.write("r0 = 0\\nloop:\\nr0 += 1\\ngoto loop\\n")
        assert main(["run", "--budget", "100000", "loop.s"]) == 1
        """,
        timeout=30,
    )
    assert out == "ok\n"


BPF_LOOP_FOR_EACH = """
    r1 = 8388608
    r2 = func(outer) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    exit
outer:
    r1 = map_fd(m) ll
    r2 = func(inner) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 0
    exit
inner:
    r0 = 0
    exit
"""


@pytest.mark.usefixtures("engine")
def test_bpf_loop_around_for_each_on_a_large_array_ends_within_the_budget() -> None:
    """The probe's case: 4M-entry array, for_each inside bpf_loop; it must end by the budget, soon,
    without building the key list (an address-space limit makes a 220 MB list fail)."""
    out = run_isolated(
        f"""
        import time
        from pybpf import uapi
        from pybpf.errors import BudgetExceededError
        from pybpf.helpers import default_registry
        from tests.helpers.support import run_with_maps, user_map
        handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4_000_000)
        program = pybpf.assemble({BPF_LOOP_FOR_EACH!r}, "kernel", maps={{"m": handle.fd}})
        slot = next(i for i, insn in enumerate(program) if insn.opcode == 0x18 and insn.src == 1)
        vm = ({EXECUTABLE})(program, helpers=default_registry(), resolved={{slot + 1: obj.pointer}})
        start = time.process_time()
        try:
            run_with_maps(vm, [obj], budget=1_000_000)
        except BudgetExceededError as exc:
            assert exc.pc is not None
        else:
            raise AssertionError("the budget did not stop the walk")
        print(round(time.process_time() - start, 3))
        """,
        timeout=120,
        memory_mb=1024,
    )
    seconds = float(out.split()[0])
    # CPU seconds, so machine load does not count; about 0.3 s here (a million units, a few hundred ns each)
    assert seconds < 5


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("map_type", [uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_HASH])
def test_for_each_is_lazy_a_callback_that_stops_pays_little(map_type: int) -> None:
    """A callback that stops at once costs about its own charge, not the size of the map."""
    handle, obj = user_map(map_type, 4, 8, 100_000)
    for key in range(0, 100_000, 7):
        handle.update(key.to_bytes(4, "little"), bytes(8))
    program = assemble(
        "r1 = map_fd(m) ll\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall bpf_for_each_map_elem\nexit\n"
        "cb:\nr0 = 1\nexit",
        "kernel",
        maps={"m": handle.fd},
    )
    vm = executable_class()(program, helpers=default_registry(), resolved={0: obj.pointer})
    with program_env(vm.memory, [obj]) as env:
        result = vm.execute(budget=10_000, env=env)
    assert result.retval == 1  # one element visited
    assert result.instructions < 200 + CALLBACK_CHARGE


@pytest.mark.usefixtures("engine")
def test_bpf_loop_charges_each_callback() -> None:
    program = assemble(
        "r1 = 1000\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 181\nexit\ncb:\nr0 = 0\nexit", "kernel"
    )
    result = executable_class()(program).execute(budget=None)
    assert result.retval == 1000
    assert result.instructions == 6 + 1000 * (2 + CALLBACK_CHARGE)  # r1, lddw, r3, r4, call, exit
    with pytest.raises(BudgetExceededError) as info:
        executable_class()(program).run(budget=5000)
    assert info.value.pc is not None


# Each program loops until the budget stops it; the wall time per unit must stay small whatever
# the program spends its units on (measured worst cases are a few hundred ns; the bound is loose).
EXPENSIVE = {
    "alu": "loop:\nr0 += 1\ngoto loop",
    "atomic": "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr2 = 1\nloop:\nlock *(u64 *)(r10 - 8) += r2\ngoto loop",
    "bpf-to-bpf calls": "loop:\ncall pc+1\ngoto loop\nr0 = 0\nexit",
    "cgroup id": "loop:\ncall 80\ngoto loop",
    "task name": "loop:\nr1 = r10\nr1 += -16\nr2 = 16\ncall 16\ngoto loop",
    "bpf_loop": "loop:\nr1 = 8388608\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 181\ngoto loop\n"
    "cb:\nr0 = 0\nexit",
    "strncmp": "r6 = r10\nr6 += -512\nloop:\nr1 = r6\nr2 = 512\nr3 = r6\ncall 182\ngoto loop",
    "printk wide": "r1 = 0x64383838383838 ll\n*(u64 *)(r10 - 8) = r1\nr1 = 0x25\n*(u8 *)(r10 - 8) = r1\n"
    "loop:\nr1 = r10\nr1 += -8\nr2 = 8\nr3 = 7\ncall 6\ngoto loop",
    "probe_read fault": "r6 = r10\nr6 += -512\nloop:\nr1 = r6\nr2 = 8\nr3 = 0\ncall 4\ngoto loop",
}
NS_PER_UNIT_BOUND = 5_000


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("name", sorted(EXPENSIVE))
def test_wall_time_per_budget_unit_is_bounded(name: str) -> None:
    budget = 100_000
    vm = executable_class()(assemble(EXPENSIVE[name], "kernel"))
    vm.prepare()
    start = time.process_time()
    with pytest.raises(ExecutionError) as info:
        vm.run(budget=budget)
    elapsed = time.process_time() - start
    assert isinstance(info.value, BudgetExceededError)
    assert elapsed * 1e9 / budget < NS_PER_UNIT_BOUND, f"{name}: {elapsed * 1e9 / budget:.0f} ns per unit"


@pytest.mark.slow
def test_an_endless_program_is_refused_in_bounded_time() -> None:
    """BPF_PROG_LOAD on the user backend: the verifier walks an endless loop until the kernel's
    limit of 1,000,000 processed instructions and refuses it with E2BIG, in bounded time (it used
    to load it, and the test run's budget stopped it).  The bound is CPU time (about 14 s here; the
    wall time is three times that on a loaded machine); the walk does not depend on the engine, so
    the test runs once and checks that both engines run programs afterwards."""
    out = run_isolated(
        """
        import errno, time
        from pybpf import Program
        from pybpf.errors import BPFError
        start = time.process_time()
        try:
            Program.load("r0 = 0\\nloop:\\nr0 += 1\\ngoto loop", "xdp")
        except BPFError as exc:
            assert exc.errno == errno.E2BIG, exc
        else:
            raise AssertionError("an endless loop was loaded")
        print(round(time.process_time() - start, 3))
        for name in ("interpreter", "jit"):
            os.environ["PYBPF_ENGINE"] = name
            assert Program.load("r0 = 2\\nexit", "xdp").run(bytes(64)).retval == 2
        """,
        timeout=600,
        cpu_seconds=90,
    )
    assert out.endswith("ok\n")  # bounded: the CPU limit is the hang guard
    assert float(out.split()[0]) < 90


@pytest.mark.usefixtures("engine")
def test_raw_vm_run_defaults_to_the_budget() -> None:
    with pytest.raises(BudgetExceededError):
        run(assemble("loop:\ngoto loop"))
    with pytest.raises(BudgetExceededError):
        raw_program(assemble("loop:\ngoto loop")).run()
