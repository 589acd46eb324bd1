"""Arena programs on the JIT against the interpreter: same results, same arena, faulting accesses too.

The kernel this suite runs on refuses every arena (BPF_MAP_CREATE: EPERM) and every call of the arena
kfuncs, so nothing here can be asked of it: the interpreter is the reference (``pybpf.vm.arena``,
which follows kernel/bpf/arena.c and the x86 JIT's ``BPF_PROBE_MEM32`` exception handling:
a load where no page is reads 0, a store there is dropped, an atomic there writes nothing and
fetches 0).  Every program runs once per engine, each on an arena of its own created the same
way, and the runs must agree on r0, on the maps' values and on the arena's pages (which pages
have memory, and their bytes).  The JIT's runs are checked to be the JIT's (``JitProgram``), and
its slow path (``Op.ARENA``) to be taken only where the page bitmap says no page is.

* the run tests of ``tests/vm/test_arena.py`` (alloc, free, reserve, loads and stores on and off
  the pages, atomics, a page user space touched) and the clang-built ``arena_list.o``;
* a property test: loads, stores and atomics of every size at random addresses — on the pages
  allocated, on pages never allocated, across a page boundary, below the arena (the guard) and
  past its end — with random values.

The corpus theme ``arena.asm`` holds no program the kernel accepts (it answers arenas EPERM, so
its programs test the casts' refusals): nothing of it runs.
"""

from __future__ import annotations

import mmap
import struct
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf import Map, Program, uapi
from pybpf.isa.instruction import Instruction
from pybpf.jit import JitProgram, TieredProgram
from pybpf.jit.state import Op
from pybpf.jit.tiered import COMPILE_AFTER
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.prog_run import ENGINES as ENGINES_BY_NAME
from pybpf.kernel.prog_run import ProgRuntime
from pybpf.kernel.progobj import ProgObject
from pybpf.maps.arena import ArenaMap
from pybpf.maps.object import MapObject
from pybpf.object import load_object
from pybpf.vm import Interpreter
from tests.verifier.verifier_corpus import resolve_kfuncs
from tests.vm.test_arena import ALLOC, ARENA_LIST, _cast_kern

ARENA = uapi.BPF_MAP_TYPE_ARENA
PAGE = mmap.PAGESIZE
PAGES = 4
ADDRESS = 1 << 33  # the arenas' user address: its low 32 bits are 0, so a pointer is an offset
MAP_FIXED = 0x10
ENGINES = ("interpreter", "jit")
EXECUTABLES = {"interpreter": Interpreter, "jit": JitProgram}


def _executable(program: Program) -> object:
    return ProgRuntime.of(ProgObject.from_fd(program.fd)).executable


def _arena_state(arena: Map) -> tuple[tuple[int, bytes], ...]:
    """The pages of the arena that have memory, with their bytes (never touching the others: reading
    a page would give it memory)."""
    obj = MapObject.from_fd(arena.fd)
    impl = obj.impl
    assert isinstance(impl, ArenaMap)
    pages = []
    for page in range(impl.max_entries):
        if impl.present(page):
            at = impl.data_at + page * PAGE
            pages.append((page, bytes(impl.mem[at : at + PAGE])))
    return tuple(pages)


def _relative(pages: tuple[tuple[int, bytes], ...], base: int) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """The pages as u64 words, those pointing into the arena (``base``: its user address, which the
    loader chooses for each load) as offsets from it."""
    end = base + 16 * PAGE

    def word(value: int) -> int:
        return value - base if base <= value < end else value

    return tuple(
        (page, tuple(word(w) for w in struct.unpack(f"<{PAGE // 8}Q", data))) for page, data in pages
    )


def _load(source: str, maps: dict[str, int]) -> Program:
    return Program.load(
        resolve_kfuncs(source), "syscall", maps=maps, prog_flags=uapi.BPF_F_SLEEPABLE, backend=UserBackend()
    )


def _on_both(monkeypatch: pytest.MonkeyPatch, scenario: Callable[[str], object]) -> object:
    """``scenario(engine)`` run with every program loaded on each engine; both answers, which must agree."""
    answers = {}
    for engine in ENGINES:
        monkeypatch.setenv("PYBPF_ENGINE", engine)
        answers[engine] = scenario(engine)
    assert answers["jit"] == answers["interpreter"]
    return answers["jit"]


def _run_sources(engine: str, sources: list[str], *, touch: tuple[int, int] | None = None) -> object:
    """Each program run once, in order, on a fresh arena mapped at ``ADDRESS`` (``touch``: user space
    writes a u32 there first, at (offset, value)); the retvals, the arena's pages and its mapping."""
    arena = Map.create(ARENA, 0, 0, PAGES, uapi.BPF_F_MMAPABLE, map_extra=ADDRESS, backend=UserBackend())
    with arena, arena.map_arena(address=ADDRESS, flags=mmap.MAP_SHARED | MAP_FIXED) as mapping:
        assert mapping.view is not None
        if touch is not None:
            struct.pack_into("<I", mapping.view, *touch)
        retvals = []
        for source in sources:
            with _load(source, {"a": arena.fd}) as program:
                assert isinstance(_executable(program), EXECUTABLES[engine])
                retvals.append(program.run().retval)
        return retvals, _arena_state(arena)


WRITE_READ = (
    ALLOC.format(pages=1)
    + f"""
    if r0 == 0 goto out
    {_cast_kern(1, 0)}
    r2 = 0x1234
    *(u64 *)(r1 + 8) = r2
    *(u32 *)(r1 + {PAGE + 16}) = r2
    *(u16 *)(r1 + {PAGE - 1}) = r2
    *(u8 *)(r1 - 8) = 7
    r3 = *(u64 *)(r1 + 8)
    r4 = *(u32 *)(r1 + {PAGE + 16})
    r5 = *(s16 *)(r1 + {PAGE - 2})
    r6 = *(u8 *)(r1 - 8)
    r0 = r3
    r0 += r4
    r0 += r5
    r0 += r6
out:
    exit
"""
)

ATOMICS = (
    ALLOC.format(pages=1)
    + f"""
    if r0 == 0 goto out
    {_cast_kern(1, 0)}
    r2 = 5
    lock *(u64 *)(r1 + 8) += r2
    r2 = 7
    r2 = atomic_fetch_add((u64 *)(r1 + 8), r2)
    r3 = 9
    r3 = atomic_fetch_add((u64 *)(r1 + {PAGE + 8}), r3)
    r4 = 3
    r4 = atomic_xchg((u32 *)(r1 + 16), r4)
    r0 = 12
    r5 = 40
    r0 = atomic_cmpxchg((u64 *)(r1 + 8), r0, r5)
    r6 = r0
    r0 = 1
    r5 = 41
    r0 = atomic_cmpxchg((u64 *)(r1 + {3 * PAGE}), r0, r5)
    r6 <<= 8
    r6 |= r0
    r6 <<= 8
    r6 |= r2
    r6 <<= 8
    r6 |= r3
    r6 <<= 8
    r6 |= r4
    r0 = r6
out:
    exit
"""
)

FREE_RESERVE = (
    ALLOC.format(pages=2)
    + f"""
    if r0 == 0 goto out
    r6 = r0
    {_cast_kern(7, 0)}
    r1 = 7
    *(u64 *)(r7 + 0) = r1
    *(u64 *)(r7 + {PAGE}) = r1
    r1 = map_fd(a) ll
    r2 = r6
    r3 = 1
    call kfunc(bpf_arena_free_pages)
    r8 = *(u64 *)(r7 + 0)
    r9 = *(u64 *)(r7 + {PAGE})
    *(u64 *)(r7 + 0) = r9
    r1 = map_fd(a) ll
    r2 = r6
    r2 += {2 * PAGE}
    r3 = 1
    call kfunc(bpf_arena_reserve_pages)
    *(u32 *)(r7 + {PAGE + 20}) = r0
    r0 = r8
    r0 <<= 8
    r0 |= r9
    exit
out:
    r0 = -1
    exit
"""
)

USER_TOUCHED = f"""
    r1 = map_value(a, {2 * PAGE})
    {_cast_kern(1, 1)}
    r0 = *(u32 *)(r1 + 4)
    r2 = 0x99
    *(u32 *)(r1 + 8) = r2
    r3 = *(u32 *)(r1 + 8)
    r0 += r3
    exit
"""

CAST_BACK = (
    ALLOC.format(pages=1)
    + f"""
    if r0 == 0 goto out
    r6 = r0
    {_cast_kern(1, 0)}
    .insn 0xbf, 2, 1, 1, 65536
    r2 -= r6
    r3 = 0
    .insn 0xbf, 3, 3, 1, 1
    .insn 0xbf, 4, 3, 1, 65536
    r0 = r2
    r4 >>= 16
    r0 |= r4
    exit
out:
    r0 = -1
    exit
"""
)


@pytest.mark.parametrize(
    ("sources", "touch"),
    [
        pytest.param([WRITE_READ], None, id="write_read"),
        pytest.param([ATOMICS], None, id="atomics"),
        pytest.param([FREE_RESERVE, WRITE_READ], None, id="free_reserve_then_alloc"),
        pytest.param([USER_TOUCHED], (2 * PAGE + 4, 0xBEEF), id="user_touched_page"),
        pytest.param([USER_TOUCHED], None, id="untouched_page"),
        pytest.param([CAST_BACK], None, id="cast_to_user_address"),
    ],
)
def test_programs_agree(
    monkeypatch: pytest.MonkeyPatch, sources: list[str], touch: tuple[int, int] | None
) -> None:
    """The run tests' programs (and a few more) on both engines: same r0, same pages."""
    _on_both(monkeypatch, lambda engine: _run_sources(engine, sources, touch=touch))


def test_write_read_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the write/read program gives, on each engine: the store on the page reads back; the ones
    past it (a page never allocated), across its end and below the arena are dropped and read 0."""
    retvals, pages = _on_both(monkeypatch, lambda engine: _run_sources(engine, [WRITE_READ]))  # type: ignore[misc]
    assert retvals == [0x1234]
    assert [page for page, _ in pages] == [0]
    assert struct.unpack_from("<QB", pages[0][1], 8)[0] == 0x1234


def test_arena_list_object(monkeypatch: pytest.MonkeyPatch) -> None:
    """arena_list.c (clang's address_space(1): casts, loads and stores through arena pointers, the
    kfuncs, __arena globals): add, add, sum, free, sum on each engine."""

    def scenario(engine: str) -> object:
        with load_object(ARENA_LIST, backend=UserBackend()) as obj:
            names = ("arena_list_add", "arena_list_sum", "arena_list_free")
            add, total, free = (obj.programs[name] for name in names)
            assert isinstance(_executable(add), EXECUTABLES[engine])
            bss = obj.maps[".bss"]
            assert obj.loaded is not None
            base = obj.loaded.arenas["arena"].address
            runs = [add.run().retval, add.run().retval, total.run().retval]
            head, *summed = struct.unpack_from("<QQQ", bytes(bss.lookup(0)))
            state = _relative(_arena_state(obj.maps["arena"]), base)
            runs += [free.run().retval, total.run().retval]
            after = _relative(_arena_state(obj.maps["arena"]), base)
            return runs, head - base, summed, state, bytes(bss.lookup(0)), after

    runs, head, summed, *_ = _on_both(monkeypatch, scenario)  # type: ignore[misc]
    assert runs == [0, 0, 0, 0, 0]
    assert summed == [12, 6]
    assert 0 <= head < 16 * PAGE


def test_the_fast_path_asks_python_nothing(monkeypatch: pytest.MonkeyPatch, services: Counter[int]) -> None:
    """Accesses on allocated pages run natively; one where no page is asks Python once."""
    monkeypatch.setenv("PYBPF_ENGINE", "jit")
    source = (
        ALLOC.format(pages=1)
        + f"""
    if r0 == 0 goto out
    {_cast_kern(1, 0)}
    r2 = 3
    *(u64 *)(r1 + 0) = r2
    r0 = *(u64 *)(r1 + 0)
    r3 = *(u64 *)(r1 + {PAGE})
    r0 += r3
out:
    exit
"""
    )
    assert _run_sources("jit", [source])[0] == [3]
    assert services[Op.ARENA] == 1


# --- random addresses -------------------------------------------------------------------------------
_SIZES = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}


def _at(off: int) -> str:
    return f"r6 + {off}" if off >= 0 else f"r6 - {-off}"


def _probe_program(size: int, off: int) -> str:
    """One program per access size and offset: reads (address, value) from the array ``cfg``, makes
    an arena pointer of the address's low 32 bits, then loads, stores and runs atomics of ``size``
    bytes at ``pointer + off``, writing what it saw to ``cfg``."""
    kind = _SIZES[size]
    atomics = ""
    if size >= 4:
        atomics = f"""
    r4 = r8
    r4 = atomic_fetch_add(({kind} *)({_at(off)}), r4)
    *(u64 *)(r9 + 24) = r4
    r4 = r8
    r4 = atomic_xchg(({kind} *)({_at(off)}), r4)
    *(u64 *)(r9 + 32) = r4
    r0 = r8
    r4 = 17
    r0 = atomic_cmpxchg(({kind} *)({_at(off)}), r0, r4)
    *(u64 *)(r9 + 40) = r0
    lock *({kind} *)({_at(off)}) ^= r8
"""
    signed = ""
    if size < 8:  # a sign-extending load of what the atomics left
        signed = f"r3 = *(s{8 * size} *)({_at(off)})\n    *(u64 *)(r9 + 56) = r3"
    return f"""
    r1 = map_fd(a) ll
    r1 = map_value(cfg, 0)
    r9 = r1
    r7 = *(u64 *)(r9 + 0)
    r8 = *(u64 *)(r9 + 8)
    {_cast_kern(6, 7)}
    r2 = *({kind} *)({_at(off)})
    *(u64 *)(r9 + 16) = r2
    *({kind} *)({_at(off)}) = r8
    {atomics}
    r3 = *({kind} *)({_at(off)})
    *(u64 *)(r9 + 48) = r3
    {signed}
    *({kind} *)({_at(off)}) = 0x5a
    r0 = *({kind} *)({_at(off)})
    r0 += 1
    exit
"""


OFFSETS = (0, -8, 6, 4094)


@pytest.fixture
def probes(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dict[str, dict[tuple[int, int], tuple[Program, Map, Map]]]]:
    """For each engine, an arena (pages 0 and 2 of 4 allocated), a ``cfg`` array and the probe
    programs of every size and offset on them (built once for all of hypothesis's examples, in the
    test's own bpffs root)."""
    loaded: dict[str, dict[tuple[int, int], tuple[Program, Map, Map]]] = {}
    with ExitStack() as stack:
        for engine in ENGINES:
            monkeypatch.setenv("PYBPF_ENGINE", engine)
            arena = stack.enter_context(
                Map.create(ARENA, 0, 0, PAGES, uapi.BPF_F_MMAPABLE, map_extra=ADDRESS, backend=UserBackend())
            )
            cfg = stack.enter_context(Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 64, 1, backend=UserBackend()))
            setup = ALLOC.replace("r2 = 0", "r2 = r6").format(pages=1)
            for page in (0, 2):
                source = f"r6 = map_value(a, {page * PAGE})\n{setup}\nr0 = 0\nexit"
                with _load(source, {"a": arena.fd}) as program:
                    program.run()
            programs = {}
            for size in _SIZES:
                for off in OFFSETS:
                    program = stack.enter_context(
                        _load(_probe_program(size, off), {"a": arena.fd, "cfg": cfg.fd})
                    )
                    assert isinstance(_executable(program), EXECUTABLES[engine])
                    programs[size, off] = (program, arena, cfg)
            loaded[engine] = programs
            assert [page for page, _ in _arena_state(arena)] == [0, 2]
        yield loaded


_ADDRESSES = st.one_of(
    st.integers(0, PAGE - 1),  # page 0: allocated
    st.integers(PAGE - 8, PAGE + 8),  # across pages 0 and 1 (1 never allocated)
    st.integers(2 * PAGE - 8, 3 * PAGE + 8),  # page 2 and both its edges
    st.integers(PAGES * PAGE - 16, PAGES * PAGE + 16),  # the arena's end, past it
    st.integers(0, 16).map(lambda low: (-low) & 0xFFFF_FFFF),  # below the arena: the guard
    st.integers(0, (1 << 32) - 1),  # anywhere in the 4 GiB window
    st.integers(0, (1 << 64) - 1),  # upper bits that the cast drops
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    address=_ADDRESSES,
    value=st.integers(0, (1 << 64) - 1),
    size=st.sampled_from(sorted(_SIZES)),
    off=st.sampled_from(OFFSETS),
)
def test_random_addresses(
    probes: dict[str, dict[tuple[int, int], tuple[Program, Map, Map]]],
    address: int,
    value: int,
    size: int,
    off: int,
) -> None:
    """The same accesses at the same address on both engines, each on its own arena in the same
    state: the same r0, the same values seen (``cfg``) and the same pages afterwards."""
    seen = {}
    for engine in ENGINES:
        program, arena, cfg = probes[engine][size, off]
        cfg.update(bytes(4), struct.pack("<QQ", address, value) + bytes(48))
        retval = program.run().retval
        seen[engine] = (retval, bytes(cfg.lookup(bytes(4))), _arena_state(arena))
    assert seen["jit"] == seen["interpreter"]


def test_tiered_engine_compiles_arena_programs(monkeypatch: pytest.MonkeyPatch) -> None:
    """``PYBPF_ENGINE=auto``: the interpreter first, then (once it has run enough) the JIT, both on
    the program's arena: the page the first run wrote, the compiled run reads and adds to."""
    monkeypatch.setenv("PYBPF_ENGINE", "auto")
    source = f"""
    r1 = map_value(a, 0)
    {_cast_kern(1, 1)}
    r0 = *(u64 *)(r1 + 0)
    r0 += 1
    *(u64 *)(r1 + 0) = r0
    exit
"""
    arena = Map.create(ARENA, 0, 0, PAGES, uapi.BPF_F_MMAPABLE, map_extra=ADDRESS, backend=UserBackend())
    with arena, _load(ALLOC.format(pages=1) + "r0 = 0\nexit", {"a": arena.fd}) as alloc:
        alloc.run()
        with _load(source, {"a": arena.fd}) as program:
            tiered = _executable(program)
            assert isinstance(tiered, TieredProgram)
            assert program.run().retval == 1
            tiered.executed = COMPILE_AFTER
            assert program.run().retval == 2
            assert isinstance(tiered.jit, JitProgram)
            assert tiered.jit.arena_accesses
        assert struct.unpack_from("<Q", _arena_state(arena)[0][1])[0] == 2


def test_an_engine_without_arenas_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An engine registered besides the three (``ENGINES``) gets no arena: the program runs on the
    interpreter, after the one-line notice naming the engine."""

    def plain(insns: list[Instruction], **kwargs: Any) -> Interpreter:  # (not ``Interpreter`` itself)
        return Interpreter(insns, **kwargs)

    monkeypatch.setitem(ENGINES_BY_NAME, "plain", plain)
    monkeypatch.setenv("PYBPF_ENGINE", "plain")
    source = f"r1 = map_value(a, 0)\n{_cast_kern(1, 1)}\nr0 = *(u64 *)(r1 + 8)\nexit"
    arena = Map.create(ARENA, 0, 0, PAGES, uapi.BPF_F_MMAPABLE, map_extra=ADDRESS, backend=UserBackend())
    with arena, _load(source, {"a": arena.fd}) as program:
        assert isinstance(_executable(program), Interpreter)
        assert program.run().retval == 0
    assert "engine 'plain' does not reach arenas" in capsys.readouterr().err


def test_repeated_runs_count_in_the_arena(monkeypatch: pytest.MonkeyPatch) -> None:
    """An XDP program (any type may use an arena) counting its runs in the arena with an atomic add,
    test-run with ``repeat``: on the JIT the repeats run in the native loop, and every run counts."""
    source = f"""
    r1 = map_value(a, 8)
    {_cast_kern(1, 1)}
    r2 = 1
    r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)
    r0 = r2
    exit
"""

    def scenario(engine: str) -> object:
        arena = Map.create(ARENA, 0, 0, PAGES, uapi.BPF_F_MMAPABLE, map_extra=ADDRESS, backend=UserBackend())
        with arena, _load(ALLOC.format(pages=1) + "r0 = 0\nexit", {"a": arena.fd}) as alloc:
            alloc.run()
            with Program.load(source, "xdp", maps={"a": arena.fd}, backend=UserBackend()) as program:
                executable = _executable(program)
                assert isinstance(executable, EXECUTABLES[engine])
                if isinstance(executable, JitProgram):
                    assert executable.loops_natively
                retvals = [program.run(bytes(64), repeat=100).retval, program.run(bytes(64)).retval]
            return retvals, _arena_state(arena)

    retvals, pages = _on_both(monkeypatch, scenario)  # type: ignore[misc]
    assert retvals == [99, 100]
    assert struct.unpack_from("<Q", pages[0][1], 8)[0] == 101
