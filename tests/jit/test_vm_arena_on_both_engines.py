"""The arena run tests of ``tests/vm/test_arena.py``, collected again and run on each engine.

Those tests assert the kernel's answers (kernel/bpf/arena.c and the JIT's ``BPF_PROBE_MEM32``
exception handling) on the default engine; here each runs once per engine (the suite's ``engine``
fixture: ``PYBPF_ENGINE``, and under ``jit`` no fallback to the interpreter), and every executable
the user backend built for it is checked to be that engine's.  The kernel refuses arenas here
(EPERM), so their native-backend cases skip (and run once, on the kernel's engine).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pybpf import Program
from pybpf.engine import Executable
from pybpf.jit import JitProgram
from pybpf.kernel import prog_run
from pybpf.kernel.prog_run import ProgRuntime
from pybpf.kernel.progobj import ProgObject
from pybpf.vm import Interpreter
from tests.vm import test_arena
from tests.vm.test_arena import arena  # noqa: F401  (the module's fixture, for its tests)

EXECUTABLES = {"interpreter": Interpreter, "jit": JitProgram}
RUN_ON_THE_USER_BACKEND = ("test_program", "test_free", "test_arena_list", "test_atomics", "test_another")
"""The tests whose user-backend case builds an executable for an arena program."""

for _name, _test in vars(test_arena).items():
    if _name.startswith("test_") and callable(_test):
        globals()[_name] = _test


@pytest.fixture(autouse=True)
def _built_on_the_engine(
    engine: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Every executable the test's programs got is the engine's (``prog_run._build``'s answers)."""
    seen: list[Executable] = []
    real = prog_run._build

    def build(*args: Any, **kwargs: Any) -> Executable:
        executable = real(*args, **kwargs)
        seen.append(executable)
        return executable

    monkeypatch.setattr(prog_run, "_build", build)
    yield
    assert all(isinstance(executable, EXECUTABLES[engine]) for executable in seen)
    callspec = getattr(request.node, "callspec", None)
    on_user = callspec is None or callspec.params.get("backend", "user") == "user"
    if on_user and request.node.name.startswith(RUN_ON_THE_USER_BACKEND):
        assert seen


def test_the_tests_above_ran_on_the_engine(engine: str) -> None:
    with Program.load("r0 = 3\nexit", "xdp") as program:
        assert program.run(bytes(64)).retval == 3
        executable = ProgRuntime.of(ProgObject.from_fd(program.fd)).executable
    assert isinstance(executable, EXECUTABLES[engine])
