"""The verifier's facts on the JIT: proven accesses compiled without checks, and the same results.

A program loaded through bpf() keeps, with its xlated instructions, the slots of the memory accesses
the verifier proved in bounds on every path (``ProgMeta.proven_accesses``, the kernel's
``insn_aux_data``); the JIT compiles those as plain loads and stores — no call of ``@bpf_mem_slow``
is left in the optimised module — and still gives what the interpreter, which checks every access,
gives: on hand-written stack, map-value, packet and context programs, on the C corpus of
``tests/data/c``, and in a second process that read the program from its file.  A program that did
not go through the verifier (``JitProgram`` on raw instructions) keeps every check; its unproven
accesses find the context and packet regions inline (the hot entries), which a refreshed region
table empties.
"""

from __future__ import annotations

import os
import re
import socket
import struct

import pytest

from pybpf import Map, Program, uapi
from pybpf.errors import BudgetExceededError, MemoryAccessError
from pybpf.isa.asm import assemble
from pybpf.isa.program import ProgramView
from pybpf.jit import JitProgram, TieredProgram, codegen
from pybpf.jit.cache import DIRECTORY_VARIABLE
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.prog_run import ProgRuntime
from pybpf.kernel.progobj import ProgObject
from pybpf.objects.files import bpffs_root
from pybpf.verifier.checks.mem import _proven_kind, _record_in_bounds
from pybpf.verifier.regstate import RegState
from pybpf.verifier.regtypes import RegType
from pybpf.verifier.request import InsnFacts
from pybpf.vm import Interpreter, Memory
from tests.elf.corpus import CASES, Case
from tests.elf.test_differential import run_case
from tests.programs.corpus import sk_buff


@pytest.fixture(autouse=True)
def _compiled_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every program compiled in this process, not linked from the object cache: the tests read the
    optimised module, which only a compilation has (a cached object has none)."""
    monkeypatch.setenv(DIRECTORY_VARIABLE, "")
    codegen.clear_cache()


PACKET = bytes(14) + bytes([0x45]) + bytes(range(256)) * 4

CHECKSUM = """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = 0
    r6 = 0
loop:
    r4 = r2
    r4 += r6
    r5 = r4
    r5 += 2
    if r5 > r3 goto done
    r5 = *(u16 *)(r4 + 0)
    r0 += r5
    r6 += 2
    if r6 < 1024 goto loop
done:
    r0 &= 0xffff
    exit
"""

STACK = """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 16
    r0 = 0
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 15)
    r5 &= 7
    r5 <<= 3
    r6 = 0x1122334455667788 ll
    *(u64 *)(r10 - 64) = r6
    *(u64 *)(r10 - 8) = r5
    r7 = r10
    r7 += -64
    r7 += r5
    *(u64 *)(r7 + 0) = r6
    r0 = *(u32 *)(r10 - 64)
    r8 = *(u64 *)(r10 - 8)
    r0 += r8
out:
    exit
"""

MAP_VALUE = """
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(values) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 += 3
    *(u64 *)(r0 + 0) = r1
    *(u32 *)(r0 + 12) = r1
    r2 = 1
    lock *(u64 *)(r0 + 0) += r2
    r0 = *(u32 *)(r0 + 12)
out:
    exit
"""

SKB_CTX = """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 16)
    r2 += r3
    *(u32 *)(r1 + 8) = r2
    r0 = *(u32 *)(r1 + 8)
    r0 &= 0xff
    exit
"""

XDP_IFINDEX = """
    r0 = *(u32 *)(r1 + 12)
    r0 &= 0xff
    exit
"""


@pytest.fixture(autouse=True)
def _on_the_jit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYBPF_ENGINE", "jit")


def _runtime(prog: Program) -> ProgRuntime:
    return ProgRuntime.of(ProgObject.from_fd(prog.fd))


def _jit_of(prog: Program) -> JitProgram:
    executable = _runtime(prog).executable
    assert isinstance(executable, JitProgram)
    return executable


def _checked_accesses(ir_text: str) -> int:
    """Calls of the region table's slow path left in an optimised module."""
    return len(re.findall(r"call [^\n]*@bpf_mem_slow\(", ir_text))


def _memory_slots(jit: JitProgram) -> set[int]:
    view = ProgramView(jit.instructions)
    return {
        slot
        for slot, insn in zip(view.starts, view.insns, strict=True)
        if insn.spec is not None and insn.spec.kind.value in ("ldx", "ldxsx", "st", "stx", "atomic")
    }


def _unverified_twin(jit: JitProgram) -> JitProgram:
    """The same xlated instructions as a raw program: no facts, every access checked."""
    return JitProgram(jit.instructions, memory=Memory(), resolved=jit.resolved)


def _both_engines(
    monkeypatch: pytest.MonkeyPatch, text: str, prog_type: str, **run: object
) -> tuple[tuple[int, bytes | None], tuple[int, bytes | None], JitProgram]:
    """(JIT result, interpreter result, the JIT's program) of ``text`` loaded once per engine."""
    results = []
    jit: JitProgram | None = None
    for engine in ("jit", "interpreter"):
        monkeypatch.setenv("PYBPF_ENGINE", engine)
        with Program.load(text, prog_type, backend=UserBackend()) as prog:
            out = prog.run(**run)  # type: ignore[arg-type]
            results.append((out.retval, out.data_out))
            if engine == "jit":
                jit = _jit_of(prog)
    assert jit is not None
    return results[0], results[1], jit


# -- (a) proven accesses compile without checks ------------------------------------------------------


@pytest.mark.parametrize("text", [CHECKSUM, STACK], ids=["packet", "stack"])
def test_packet_and_stack_accesses_are_proven_and_unchecked(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    jitted, interpreted, jit = _both_engines(monkeypatch, text, "xdp", data=PACKET)
    assert jitted == interpreted
    assert jit.proven == _memory_slots(jit)
    assert _checked_accesses(jit.compiled.ir_text) == 0
    assert _checked_accesses(_unverified_twin(jit).compiled.ir_text) > 0


def test_the_stack_program_writes_where_it_reads() -> None:
    with Program.load(STACK, "xdp", backend=UserBackend()) as prog:
        packet = bytearray(PACKET)
        packet[15] = 3  # the variable-offset store lands 24 bytes above the first spill
        assert prog.run(bytes(packet)).retval == 0x55667788 + 24
        packet[15] = 0  # ... or on it
        assert prog.run(bytes(packet)).retval == 0x55667788


def test_map_value_accesses_are_proven_and_unchecked() -> None:
    backend = UserBackend()
    with (
        Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 16, 1, name="values", backend=backend) as values,
        Program.load(MAP_VALUE, "xdp", maps={"values": values}, backend=backend) as prog,
    ):
        jit = _jit_of(prog)
        assert jit.proven == _memory_slots(jit)
        assert _checked_accesses(jit.compiled.ir_text) == 0
        assert prog.run(PACKET).retval == 3
        assert prog.run(PACKET, repeat=5).retval == 3 + 4 * 5
        assert struct.unpack("<QII", values[struct.pack("<I", 0)]) == (4 * 6, 0, 4 * 6 - 1)


OVERLAPPING_VALUES = """
    r0 = 1
    r1 = map_value(values, 47) ll
    r2 = map_value(values, 46) ll
    *(u16 *)(r2 + 0) = 0xffff
    r0 = *(u8 *)(r1 + 0)
    r3 = map_value(values, 40) ll
    r4 = map_value(values, 40) ll
    *(u16 *)(r3 + 0) = 0x1234
    r5 = *(u16 *)(r4 + 0)
    r0 <<= 16
    r0 |= r5
    exit
"""


def test_two_lddw_of_one_map_value_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each ``lddw`` of a map value is its own relocation symbol; a store through one and a load
    through another at the same bytes must meet (test_verifier's "direct map access, write test
    14": LLVM took the two symbols for two objects and returned the value before the store)."""
    backend = UserBackend()
    with Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 48, 1, name="values", backend=backend) as values:
        results = {}
        for engine in ("jit", "interpreter"):
            monkeypatch.setenv("PYBPF_ENGINE", engine)
            values[struct.pack("<I", 0)] = bytes(48)
            with Program.load(OVERLAPPING_VALUES, "socket", maps={"values": values}, backend=backend) as prog:
                results[engine] = prog.run(bytes(64)).retval
        assert results == {"jit": 0xFF1234, "interpreter": 0xFF1234}


def test_a_read_only_map_keeps_its_writes_refused() -> None:
    """What the region's access bits enforced at run time the verifier refuses at load."""
    backend = UserBackend()
    flags = uapi.BPF_F_RDONLY_PROG
    with Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 16, 1, flags=flags, name="values", backend=backend) as values:
        with pytest.raises(OSError) as exc:
            Program.load(MAP_VALUE, "xdp", maps={"values": values}, backend=backend)
        assert "write into map forbidden" in str(exc.value.args) + getattr(exc.value, "log", "")


def test_context_accesses_are_proven_after_their_rewrite(monkeypatch: pytest.MonkeyPatch) -> None:
    skb = sk_buff(mark=0)
    jitted, interpreted, jit = _both_engines(monkeypatch, SKB_CTX, "sched_cls", data=PACKET, ctx=skb)
    assert jitted == interpreted
    assert jit.proven == _memory_slots(jit)
    assert _checked_accesses(jit.compiled.ir_text) == 0


def test_only_the_context_load_of_a_rewrite_is_proven() -> None:
    """ingress_ifindex becomes three loads: from the xdp_buff (the context), then through the
    pointers it read, which the verifier never saw: those stay checked."""
    with Program.load(XDP_IFINDEX, "xdp", backend=UserBackend()) as prog:
        jit = _jit_of(prog)
        slots = sorted(_memory_slots(jit))
        assert len(slots) == 3
        assert jit.proven == {slots[0]}
        assert _checked_accesses(jit.compiled.ir_text) == 2
        assert prog.run(PACKET).retval == 1  # the loopback device


def test_the_facts_reach_the_tiered_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYBPF_ENGINE", "auto")
    with Program.load(CHECKSUM, "xdp", backend=UserBackend()) as prog:
        executable = _runtime(prog).executable
        assert isinstance(executable, TieredProgram)
        expected = prog.run(PACKET).retval
        prog.run(PACKET, repeat=2000)  # enough instructions to compile it
        assert executable.jit is not None
        assert executable.jit.proven == set(ProgObject.from_fd(prog.fd).meta.proven_accesses) != set()
        assert _checked_accesses(executable.jit.compiled.ir_text) == 0
        assert prog.run(PACKET, repeat=3).retval == expected


# -- the verifier's side: every path must agree -------------------------------------------------------


class _OneInstruction:
    """A Walker standing on one instruction (what ``_record_in_bounds`` asks of it)."""

    def __init__(self) -> None:
        self.facts_here = InsnFacts()

    def facts(self) -> InsnFacts:
        return self.facts_here


def _pointer(kind: RegType, *, with_map: bool = False) -> RegState:
    reg = RegState()
    reg.mark_pointer(kind)
    if with_map:
        reg.map = object()
    return reg


@pytest.mark.pure_python  # (a stand-in Walker: the compiled verifier checks its argument's type)
def test_a_fact_holds_only_when_every_path_proves_it() -> None:
    walker = _OneInstruction()
    _record_in_bounds(walker, _pointer(RegType.PTR_TO_STACK))  # type: ignore[arg-type]
    _record_in_bounds(walker, _pointer(RegType.PTR_TO_MAP_VALUE, with_map=True))  # type: ignore[arg-type]
    assert walker.facts_here.in_bounds is True
    _record_in_bounds(walker, _pointer(RegType.PTR_TO_BTF_ID))  # type: ignore[arg-type]
    _record_in_bounds(walker, _pointer(RegType.PTR_TO_STACK))  # type: ignore[arg-type]
    assert walker.facts_here.in_bounds is False


def test_which_pointer_kinds_prove_their_accesses() -> None:
    assert _proven_kind(_pointer(RegType.PTR_TO_PACKET))
    assert _proven_kind(_pointer(RegType.PTR_TO_PACKET_META))
    assert _proven_kind(_pointer(RegType.PTR_TO_CTX))
    assert _proven_kind(_pointer(RegType.PTR_TO_MEM))
    assert _proven_kind(_pointer(RegType.PTR_TO_MAP_KEY, with_map=True))
    assert _proven_kind(_pointer(RegType.PTR_TO_FLOW_KEYS))  # check_flow_keys_access: inside the struct
    assert not _proven_kind(_pointer(RegType.PTR_TO_MAP_VALUE))  # an inner map without a template
    for unmodelled in (RegType.PTR_TO_BTF_ID, RegType.PTR_TO_SOCKET):
        assert not _proven_kind(_pointer(unmodelled))


# -- (b) the C corpus: the JIT with facts against the interpreter --------------------------------------


def _runnable(case: Case) -> bool:
    return not case.user_xfail


@pytest.mark.parametrize("case", [c for c in CASES if _runnable(c)], ids=lambda c: c.name)
def test_the_c_corpus_gives_the_interpreters_results(monkeypatch: pytest.MonkeyPatch, case: Case) -> None:
    outcomes = {}
    for engine in ("interpreter", "jit"):
        monkeypatch.setenv("PYBPF_ENGINE", engine)
        pins = os.path.join(bpffs_root(), f"pins-{engine}")  # maps pinned by one run are not the other's
        os.makedirs(pins, exist_ok=True)
        outcomes[engine] = run_case(case, UserBackend(), pins)
    assert outcomes["jit"].runs == outcomes["interpreter"].runs
    assert outcomes["jit"].maps == outcomes["interpreter"].maps


# -- (c) a second process reads the facts from the program's file -------------------------------------


def test_a_forked_process_compiles_the_same_facts() -> None:
    backend = UserBackend()
    with Program.load(CHECKSUM, "xdp", backend=backend) as prog:
        expected = prog.run(PACKET).retval
        proven = sorted(_jit_of(prog).proven)
        assert proven
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:  # the child reads the program from its file, not from the parent's cache
            status = 1
            try:
                parent.close()
                _, fds, _, _ = socket.recv_fds(child, 16, 1)
                ProgObject._cache.clear()
                received = Program.from_fd(fds[0], backend=backend)
                jit = _jit_of(received)
                same = sorted(jit.proven) == proven and _checked_accesses(jit.compiled.ir_text) == 0
                status = 0 if same and received.run(PACKET).retval == expected else 2
            finally:
                os._exit(status)
        child.close()
        socket.send_fds(parent, [b"x"], [prog.fd])
        _, status = os.waitpid(pid, 0)
        parent.close()
        assert os.waitstatus_to_exitcode(status) == 0


# -- raw programs: every access checked, the hot entries inline ---------------------------------------


def _raw_checksum() -> JitProgram:
    text = """
        r0 = 0
        r3 = 0
    loop:
        r4 = r1
        r4 += r3
        r5 = *(u16 *)(r4 + 0)
        r0 += r5
        r3 += 2
        if r3 < r2 goto loop
        exit
    """
    return JitProgram(assemble(text), memory=Memory())


def test_a_raw_program_keeps_its_checks() -> None:
    jit = _raw_checksum()
    assert jit.proven == frozenset()
    assert _checked_accesses(jit.compiled.ir_text) >= 1  # the loop's block, and its fast copy
    data = bytes(range(256)) * 2
    assert jit.run(data) == sum(struct.unpack(f"<{len(data) // 2}H", data))
    with pytest.raises(MemoryAccessError):
        jit.run(data[:7])  # the last word's second byte is past the region


def test_the_hot_entries_forget_a_removed_region() -> None:
    """A region found through the table becomes hot; once it is removed, the next run's access to
    its addresses faults as the interpreter's does (the refreshed table empties the hot entries)."""
    memory = Memory()
    jit = JitProgram(assemble("r0 = *(u8 *)(r1 + 0)\nexit"), memory=memory)
    buffer = bytearray(b"\x2a" * 64)
    region = memory.add_region(buffer, writable=True, name="buffer")
    with jit.session() as session:
        assert session.run(region.start) == 0x2A
        assert session.run(region.start + 63) == 0x2A
        memory.remove_region(region)
        with pytest.raises(MemoryAccessError):
            session.run(region.start)


# -- the budget: proven loads are pure, a block checked once on entry faults where the interpreter does --

BUDGETED = """
    r1 = 0
    r2 = 0
loop:
    *(u64 *)(r10 - 8) = r1
    r3 = *(u64 *)(r10 - 8)
    r2 += r3
    r3 = *(u32 *)(r10 - 8)
    r1 += 1
    if r1 < 20 goto loop
    r1 = 0
again:
    r3 = *(u64 *)(r10 - 8)
    r2 += r3
    r1 += 1
    if r1 < 10 goto again
    r0 = r2
    exit
"""


def _ending(engine: Interpreter | JitProgram, budget: int) -> tuple[object, ...]:
    try:
        result = engine.execute(budget=budget)
    except BudgetExceededError as exc:
        return ("budget", exc.pc)
    return ("ok", result.retval, result.instructions)


def test_budget_faults_name_the_interpreters_instruction() -> None:
    with Program.load(BUDGETED, "xdp", backend=UserBackend()) as prog:
        loaded = _jit_of(prog)
    assert loaded.proven == _memory_slots(loaded)
    memory = Memory()
    jit = JitProgram(loaded.instructions, memory=memory, facts=loaded.proven)
    interpreter = Interpreter(loaded.instructions, memory=memory)
    assert _checked_accesses(jit.compiled.ir_text) == 0
    for budget in range(1, 180):  # the last budget covers the whole run
        assert _ending(jit, budget) == _ending(interpreter, budget), budget
    assert _ending(jit, 180)[0] == "ok"


def test_a_hot_region_keeps_its_access_bits() -> None:
    memory = Memory()
    jit = JitProgram(assemble("r0 = *(u8 *)(r1 + 0)\n*(u8 *)(r1 + 1) = r0\nexit"), memory=memory)
    region = memory.add_region(bytearray(b"\x07" * 16), writable=False, name="read-only")
    with jit.session() as session, pytest.raises(MemoryAccessError) as exc:
        session.run(region.start)  # the load makes the region hot; the store still faults
    assert exc.value.pc == 1


@pytest.mark.parametrize(
    ("width", "offset", "fits"), [(2, 1, True), (2, 2, False), (4, 0, False), (1, 2, True)]
)
def test_short_regions_are_checked_exactly(width: int, offset: int, fits: bool) -> None:
    """A region shorter than an access could be is never a hot entry: its checks stay exact."""
    memory = Memory()
    size = {1: "u8", 2: "u16", 4: "u32"}[width]
    program = assemble(f"r0 = *(u8 *)(r1 + 0)\nr0 = *({size} *)(r2 + 0)\nexit")
    jit, interpreter = JitProgram(program, memory=memory), Interpreter(program, memory=memory)
    region = memory.add_region(bytearray(b"\x01\x02\x03"), writable=True, name="three bytes")
    registers = {1: region.start, 2: region.start + offset}
    for engine in (jit, interpreter):
        if fits:
            assert engine.run(registers=registers) == int.from_bytes(
                b"\x01\x02\x03"[offset : offset + width], "little"
            )
        else:
            with pytest.raises(MemoryAccessError):
                engine.run(registers=registers)
