"""The JIT's life cycle: module -> object -> linked code, compiled at load as the default engine,
reported in ``bpf_prog_info``; the interpreter where llvmlite cannot load or a program is beyond the
compile bound, with one line saying so and never a traceback."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pybpf import Program, libbpf, uapi
from pybpf.errors import BPFError
from pybpf.helpers import HelperRegistry, default_registry
from pybpf.isa.instruction import Instruction, encode_program, validate_program
from pybpf.isa.program import ProgramView
from pybpf.jit import JitProgram, JitUnavailable, TieredProgram, cache, codegen, cost, fallback, jit_engine
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.prog_run import DEFAULT_ENGINE, ProgRuntime, native_code
from pybpf.kernel.progobj import ProgObject
from pybpf.memory.regions import Memory
from pybpf.vm import Interpreter
from pybpf.vm.translation import translation_for
from tests.vm.builders import EXIT, insn, mov

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "r0 = 4\nr0 *= 10\nr0 += 2\nexit"
PACKET = bytes(64)


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(cache.DIRECTORY_VARIABLE, str(tmp_path / "jit"))
    monkeypatch.delenv("PYBPF_ENGINE", raising=False)
    codegen.clear_cache()


def loaded_runtime(prog: Program) -> ProgRuntime:
    runtime = ProgObject.from_fd(prog.fd).runtime
    assert isinstance(runtime, ProgRuntime)
    return runtime


# -- the steps -------------------------------------------------------------------------------------
def test_the_steps_module_object_link_pointer() -> None:
    insns = [mov(0, 6), insn("mul", 0, imm=7), EXIT]
    view = ProgramView(insns)
    specs = validate_program(insns, view)
    ids = set(dict(default_registry().items()))
    leaders = translation_for(encode_program(insns), view, specs, resolved={}, helper_ids=ids).leaders
    obj, ir_text = codegen.build_object(view, specs, leaders=leaders, resolved={}, helper_ids=ids)
    assert "define" in ir_text
    assert obj.startswith(b"\x7fELF")
    engine, address = codegen.link(obj, {})
    entry = ctypes.CFUNCTYPE(ctypes.c_int64)(address)
    assert entry is not None and engine is not None
    compiled = JitProgram(insns).compiled
    assert compiled.functions[0].name == "bpf_run" and compiled.functions[0].address == compiled.address
    assert [f.offset for f in compiled.functions] == sorted(f.offset for f in compiled.functions)
    assert (
        b"".join(compiled.machine_code[f.offset : f.offset + f.size] for f in compiled.functions)
        == compiled.machine_code
    )
    assert compiled.jited_len == sum(f.size for f in compiled.functions)
    assert codegen.native_symbol(compiled.address) == "bpf_run"
    assert codegen.native_symbol(1) is None


# -- the default engine, compiled at load ---------------------------------------------------------------
def test_the_default_engine_is_the_jit_compiled_at_load() -> None:
    assert DEFAULT_ENGINE == "jit"
    with Program.load(SOURCE, "xdp", backend=UserBackend()) as prog:
        executable = loaded_runtime(prog).executable  # built by BPF_PROG_LOAD, before any run
        assert isinstance(executable, JitProgram) and executable._compiled is not None
        assert prog.info().jited_prog_len == executable.compiled.jited_len > 0
        assert prog.run(PACKET).retval == 42


@pytest.mark.parametrize(("name", "kind"), [("interpreter", Interpreter), ("auto", TieredProgram)])
def test_other_engines_are_chosen_by_pybpf_engine(
    monkeypatch: pytest.MonkeyPatch, name: str, kind: type
) -> None:
    monkeypatch.setenv("PYBPF_ENGINE", name)
    with Program.load(SOURCE, "xdp", backend=UserBackend()) as prog:
        obj = ProgObject.from_fd(prog.fd)
        assert obj.runtime is None  # not built at load
        assert prog.info().jited_prog_len == 0  # nor by asking about it
        assert prog.run(PACKET).retval == 42
        assert isinstance(loaded_runtime(prog).executable, kind)


def test_an_engine_per_program() -> None:
    with Program.load(SOURCE, "xdp", backend=UserBackend()) as prog:
        obj = ProgObject.from_fd(prog.fd)
        assert isinstance(ProgRuntime(obj, engine="interpreter").executable, Interpreter)
        assert isinstance(ProgRuntime(obj, engine="jit").executable, JitProgram)
        with pytest.raises(BPFError, match="no engine 'fast'"):
            ProgRuntime(obj, engine="fast")


def test_tracing_runs_on_the_interpreter() -> None:
    program = JitProgram([mov(0, 1), insn("add", 0, imm=2), EXIT])
    seen: list[int] = []
    assert program.run(trace=lambda event: seen.append(event.pc)) == 3
    assert seen == [0, 1, 2]  # every instruction: only the interpreter steps


# -- bpf_prog_info ----------------------------------------------------------------------------------
def test_prog_info_reports_the_native_code_as_it_runs() -> None:
    with Program.load(SOURCE, "xdp", backend=UserBackend()) as prog:
        compiled = native_code(ProgObject.from_fd(prog.fd))
        assert compiled is not None
        functions = compiled.functions
        info = prog.info()
        assert info.jited_prog_len == len(compiled.machine_code)
        assert info.nr_jited_ksyms == info.nr_jited_func_lens == len(functions)
        code = ctypes.create_string_buffer(info.jited_prog_len)
        ksyms = (ctypes.c_uint64 * len(functions))()
        lens = (ctypes.c_uint32 * len(functions))()
        more = uapi.bpf_prog_info(
            jited_prog_len=info.jited_prog_len,
            jited_prog_insns=ctypes.addressof(code),
            nr_jited_ksyms=len(functions),
            jited_ksyms=ctypes.addressof(ksyms),
            nr_jited_func_lens=len(functions),
            jited_func_lens=ctypes.addressof(lens),
        )
        libbpf.bpf_obj_get_info_by_fd(prog.fd, more, backend=prog.backend)
        assert code.raw == compiled.machine_code
        assert list(ksyms) == [f.address for f in functions]
        assert list(lens) == [f.size for f in functions]
        assert more.jited_prog_insns == ctypes.addressof(code)  # the caller's pointers come back


def test_prog_info_copies_only_what_the_caller_has_room_for() -> None:
    with Program.load(SOURCE, "xdp", backend=UserBackend()) as prog:
        full = prog.info().jited_prog_len
        code = ctypes.create_string_buffer(b"\xaa" * 16)
        ksyms = (ctypes.c_uint64 * 2)(7, 7)
        more = uapi.bpf_prog_info(
            jited_prog_len=8, jited_prog_insns=ctypes.addressof(code), nr_jited_ksyms=0,
            jited_ksyms=ctypes.addressof(ksyms),
        )  # fmt: skip
        libbpf.bpf_obj_get_info_by_fd(prog.fd, more, backend=prog.backend)
        assert more.jited_prog_len == full  # the real size, to ask again
        compiled = native_code(ProgObject.from_fd(prog.fd))
        assert compiled is not None
        assert code.raw[:8] == compiled.machine_code[:8] and code.raw[8:16] == b"\xaa" * 8
        assert list(ksyms) == [7, 7]  # nr_jited_ksyms 0: nothing copied


def test_a_program_loaded_by_another_process_is_linked_from_the_cache(tmp_path: Path) -> None:
    """The loader compiled it; a later process asking about it (``prog show``) only links it."""
    bpffs = tmp_path / "bpffs"
    env = {
        **os.environ,
        "PYBPF_BPFFS": str(bpffs),
        cache.DIRECTORY_VARIABLE: str(tmp_path / "jit"),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    env.pop("PYBPF_ENGINE", None)
    pin = bpffs / "p"
    code = (
        "import sys\n"
        "from pybpf import Program\n"
        "from pybpf.kernel.prog_run import native_code\n"
        "from pybpf.kernel.progobj import ProgObject\n"
        f"if sys.argv[1] == 'load':\n"
        f"    Program.load({SOURCE!r}, 'xdp').pin({str(pin)!r})\n"
        "else:\n"
        f"    prog = Program.from_pinned({str(pin)!r})\n"
        "    compiled = native_code(ProgObject.from_fd(prog.fd))\n"
        "    print(prog.info().jited_prog_len, compiled.cached, prog.run(bytes(64)).retval)\n"
    )
    for step in ("load", "show"):
        done = subprocess.run(
            [sys.executable, "-c", code, step],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0 and done.stderr == "", done.stderr
    length, cached, retval = done.stdout.split()
    assert int(length) > 0 and cached == "True" and retval == "42"


# -- where llvmlite cannot load ----------------------------------------------------------------------
def run_child(code: str, *, block_llvmlite: bool) -> subprocess.CompletedProcess[str]:
    prelude = "import sys\nsys.modules['llvmlite'] = None\n" if block_llvmlite else ""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    env.pop("PYBPF_ENGINE", None)
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


LOAD_AND_RUN_TWO = (
    "from pybpf import Program\n"
    "for value in (41, 42):\n"
    "    with Program.load(f'r0 = {value}\\nexit', 'xdp') as prog:\n"
    "        print(prog.run(bytes(64)).retval, prog.info().jited_prog_len > 0)\n"
)


def test_without_llvmlite_programs_run_on_the_interpreter_after_one_line() -> None:
    done = run_child(LOAD_AND_RUN_TWO, block_llvmlite=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["41", "False", "42", "False"]
    assert done.stderr.splitlines() == [
        "pybpf: the JIT is not used (llvmlite cannot be imported (import of llvmlite halted; None in "
        "sys.modules)); running on the interpreter"
    ]


def test_with_llvmlite_nothing_is_said() -> None:
    done = run_child(LOAD_AND_RUN_TWO, block_llvmlite=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["41", "True", "42", "True"]
    assert done.stderr == ""


# -- llvmlite errors become the notice -------------------------------------------------------------------
def _raiser(*args: object, **kwargs: object) -> object:
    raise RuntimeError("LLVM ERROR: simulated")


@pytest.mark.parametrize(
    "break_it",
    [
        lambda llvm, machine: setattr(llvm, "parse_assembly", _raiser),
        lambda llvm, machine: setattr(llvm, "create_pass_builder", _raiser),
        lambda llvm, machine: setattr(machine, "emit_object", _raiser),
        lambda llvm, machine: setattr(llvm, "create_mcjit_compiler", _raiser),
    ],
    ids=["parse", "optimise", "emit", "link"],
)
def test_an_llvm_failure_anywhere_falls_back_with_the_notice(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    break_it: Callable[[object, object], None],
) -> None:
    target = codegen.target()

    class Proxy:  # llvmlite's module and machine, one function replaced
        def __init__(self, real: object) -> None:
            self._real = real

        def __getattr__(self, name: str) -> object:
            return getattr(self._real, name)

    monkeypatch.setattr(fallback, "_noticed", set())  # once per reason: this test's reason anew
    monkeypatch.setenv(codegen.LINKER_VARIABLE, "llvm")  # "link": LLVM's linker, not pybpf.jit.objlink
    llvm, machine = Proxy(target.llvm), Proxy(target.machine)
    break_it(llvm, machine)
    monkeypatch.setattr(target, "llvm", llvm)
    monkeypatch.setattr(target, "machine", machine)
    program = [mov(0, 9), insn("xor", 0, imm=3), EXIT]
    executable = jit_engine(program, helpers=HelperRegistry(), memory=Memory(), resolved={})
    assert isinstance(executable, Interpreter)
    assert executable.run() == 10
    err = capsys.readouterr().err
    assert err.startswith("pybpf: the JIT is not used (LLVM ") and "simulated" in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


# -- the compile bound -----------------------------------------------------------------------------------
def jump_chain(pairs: int) -> list[Instruction]:
    """A block per two instructions: ``if r1 > k goto +1; r0 += 1`` again and again (LLVM's worst shape)."""
    body: list[Instruction] = []
    for k in range(pairs):
        body += [insn("jgt", 1, imm=k, off=1), insn("add", 0, imm=1)]
    return [mov(0, 0), mov(1, 5), *body, EXIT]


def switch_chain(cases: int) -> list[Instruction]:
    """``if r1 == k goto case_k`` for every case, then one ``r0 = k; exit`` per case."""
    tests = [insn("jeq", 1, imm=k, off=cases - k + 2 * k) for k in range(cases)]
    bodies: list[Instruction] = []
    for k in range(cases):
        bodies += [mov(0, k), EXIT]
    return [mov(0, 99), mov(1, cases // 2), *tests, EXIT, *bodies]


def nesting(depth: int) -> list[Instruction]:
    """``depth`` nested ifs: each skips everything after it down to its own closing instruction."""
    opens = [insn("jlt", 1, imm=k, off=2 * (depth - k) - 1) for k in range(depth)]
    opens = [i for k, jump in enumerate(opens) for i in (jump, insn("add", 0, imm=1))]
    closes = [insn("xor", 0, imm=3) for _ in range(depth)]
    return [mov(0, 0), mov(1, depth // 2), *opens, *closes, EXIT]


def cost_of(program: list[Instruction]) -> int:
    view = ProgramView(program)
    specs = validate_program(program, view)
    leaders = translation_for(encode_program(program), view, specs, resolved={}, helper_ids=set()).leaders
    return codegen.compile_cost(len(program), len(leaders))


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        (lambda: switch_chain(150), 75),  # r1 = 75: case 75
        (lambda: nesting(200), None),
        (lambda: jump_chain(200), 200 - 5),  # r1 = 5: the adds of k >= 5
    ],
    ids=["switch", "nesting", "jumps"],
)
def test_branchy_programs_within_the_bound_compile_and_agree(
    shape: Callable[[], list[Instruction]], expected: int | None
) -> None:
    program = shape()
    assert cost_of(program) <= codegen.MAX_COST
    start = time.perf_counter()
    executable = jit_engine(program, helpers=HelperRegistry(), memory=Memory(), resolved={})
    assert isinstance(executable, JitProgram)
    assert time.perf_counter() - start < 120
    reference = Interpreter(program).run()
    assert executable.run() == reference
    if expected is not None:
        assert reference == expected


@pytest.mark.parametrize(
    "shape",
    [lambda: switch_chain(2000), lambda: nesting(2000), lambda: jump_chain(2000)],
    ids=["switch", "nesting", "jumps"],
)
def test_branchy_programs_beyond_the_bound_fall_back_at_once(
    shape: Callable[[], list[Instruction]], capsys: pytest.CaptureFixture[str]
) -> None:
    program = shape()
    assert cost_of(program) > codegen.MAX_COST
    start = time.perf_counter()
    executable = jit_engine(program, helpers=HelperRegistry(), memory=Memory(), resolved={})
    assert isinstance(executable, Interpreter)
    assert time.perf_counter() - start < 30  # no LLVM: only the program's own checks
    assert executable.run() == Interpreter(program).run()
    assert "is larger than the JIT takes" in capsys.readouterr().err


@pytest.mark.slow
def test_a_program_of_the_verifiers_maximal_size_runs_on_the_interpreter(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """BPF_COMPLEXITY_LIMIT_INSNS instructions (a privileged load's most): refused by the bound
    before the JIT builds anything for it."""
    program = [mov(0, 1), EXIT] + [insn("add", 0, imm=1)] * (uapi.BPF_COMPLEXITY_LIMIT_INSNS - 3) + [EXIT]
    start = time.perf_counter()
    executable = jit_engine(program, helpers=HelperRegistry(), memory=Memory(), resolved={})
    assert isinstance(executable, Interpreter)
    assert executable.run() == 1
    assert time.perf_counter() - start < 300  # the interpreter's own checks of a million instructions
    err = capsys.readouterr().err
    assert "a program of 1000000 instructions is larger than the JIT takes" in err


def stack_traffic(pairs: int) -> list[Instruction]:
    """``pairs`` stores and loads through r10, the raw VM's way: each one checked at run time."""
    body: list[Instruction] = []
    for k in range(pairs):
        off = -8 * (1 + k % 64)
        body += [insn("stxdw", 10, 1, off=off), insn("ldxdw", 1, 10, off=off), insn("add", 1, imm=1)]
    return [mov(1, 0), *body, insn("mov", 0, 1), EXIT]


def lowered_module(program: list[Instruction]) -> object:
    from pybpf.jit.kinds import LOWERERS
    from pybpf.jit.lower import Lowering

    view = ProgramView(program)
    specs = validate_program(program, view)
    leaders = translation_for(encode_program(program), view, specs, resolved={}, helper_ids=set()).leaders
    return Lowering(view, specs, leaders=leaders, resolved={}, helper_ids=set(), lowerers=LOWERERS).lower()


def test_modules_costing_llvm_much_get_the_light_pipeline() -> None:
    assert codegen.pipeline_for(lowered_module([mov(0, 1), EXIT])) is codegen.OPTIMISING
    assert codegen.pipeline_for(lowered_module(stack_traffic(400))) is codegen.LIGHT
    assert codegen.lowered_cost(lowered_module(stack_traffic(400))) > codegen.LIGHT_COST


def test_an_unverified_program_of_checked_accesses_compiles_in_bounded_time() -> None:
    """1,000 stack accesses, all checked at run time: O2 took 6-8 s of CPU on it, the light
    pipeline a fraction of a second; the code gives the interpreter's answer."""
    program = stack_traffic(500)
    start = time.process_time()
    executable = jit_engine(program, helpers=HelperRegistry(), memory=Memory(), resolved={})
    assert isinstance(executable, JitProgram)
    assert time.process_time() - start < 5
    assert executable.run() == Interpreter(program).run() == 500


def test_too_many_checked_accesses_fall_back_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    program = stack_traffic(codegen.MAX_COST // (2 * cost.CHECKED_ACCESS_COST))
    start = time.process_time()
    executable = jit_engine(program, helpers=HelperRegistry(), memory=Memory(), resolved={})
    assert isinstance(executable, Interpreter)
    assert time.process_time() - start < 5  # no lowering, no LLVM
    assert "checked accesses is larger than the JIT takes" in capsys.readouterr().err
    assert executable.run() == Interpreter(program).run()


def test_the_image_of_a_broken_object_is_a_clear_error() -> None:
    compiled = JitProgram([mov(0, 1), EXIT]).compiled
    broken = codegen.CompiledProgram(compiled.address, 0, b"not an object", False, None)
    with pytest.raises(JitUnavailable, match="cannot be read"):
        _ = broken.machine_code


def test_a_jit_failure_at_load_is_not_a_load_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codegen, "MAX_COST", 1)
    with Program.load(SOURCE, "xdp", backend=UserBackend()) as prog:
        assert isinstance(loaded_runtime(prog).executable, Interpreter)
        assert prog.info().jited_prog_len == 0
        assert prog.run(PACKET).retval == 42
