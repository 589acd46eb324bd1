"""Random valid programs (jumping forward only) never fail with anything but an ExecutionError.

They also run identically on the fast path (whole-program function) and the step path (one
function per instruction, used for traces): same r0 and registers, or the same error at the same pc.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf.errors import ExecutionError
from pybpf.helpers import TracePipe
from pybpf.isa.instruction import Instruction, encode_program, validate_program
from pybpf.isa.opcodes import BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_FD, OPCODES, Kind, OpSpec
from pybpf.vm import Interpreter, Memory
from tests.vm.builders import EXIT

MEMORY_KINDS = {Kind.LDX, Kind.LDXSX, Kind.ST, Kind.STX, Kind.ATOMIC, Kind.LOAD_ACQ, Kind.STORE_REL}
FORWARD_OFF = {Kind.JA, Kind.JCOND, Kind.MAY_GOTO}
FORWARD_IMM = {Kind.GOTOL, Kind.CALL_LOCAL}
HELPERS = [1, 6, 14, 15, 16, 105, 106, 181, 182, 4242]  # deterministic ones, bpf_loop, unknown ids
IMMEDIATES = [0, 1, -1, 7, 31, 32, 63, 64, 255, -(1 << 31), (1 << 31) - 1, 0x1234_5678]
OFFSETS = [0, 1, 4, 8, 56, 60, 63, 64, -1, -8, -16, -512, -513]


@st.composite
def programs(draw: st.DrawFn) -> list[Instruction]:
    specs: list[OpSpec] = draw(st.lists(st.sampled_from(OPCODES), min_size=1, max_size=20))
    starts, slot = [], 0
    for spec in specs:
        starts.append(slot)
        slot += 2 if spec.kind is Kind.LDDW else 1
    exit_slot = slot

    def forward(index: int) -> int:
        """A jump offset from instruction ``index`` to a later instruction (or the final exit)."""
        target = draw(st.sampled_from([*starts[index + 1 :], exit_slot]))
        return target - starts[index] - 1

    program = []
    for index, spec in enumerate(specs):
        fields = {
            "dst": draw(st.integers(0, 10)),
            "src": draw(st.integers(0, 10)) if spec.use_src_reg else 0,
            "off": draw(st.sampled_from(OFFSETS)) if spec.kind in MEMORY_KINDS else 0,
            "imm": draw(st.one_of(st.sampled_from(IMMEDIATES), st.integers(-(1 << 31), (1 << 31) - 1))),
            "imm_hi": 0,
        }
        if spec.kind in FORWARD_OFF:
            fields["off"] = forward(index)
        elif spec.kind in FORWARD_IMM:
            fields["imm"] = forward(index)
        elif spec.kind is Kind.CALL:
            fields["imm"] = draw(st.sampled_from(HELPERS))
        elif spec.kind is Kind.LDDW:
            fields["src"] = draw(st.sampled_from([0, 0, BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_FD]))
            fields["imm_hi"] = draw(st.integers(-(1 << 31), (1 << 31) - 1)) if fields["src"] == 0 else 0
            if fields["src"] == BPF_PSEUDO_FUNC:
                fields["imm"] = forward(index)
        for name in spec.reserved:
            fields[name] = 0
        if spec.discriminator is not None:
            name, value = spec.discriminator
            fields[name] = value
        program.append(Instruction(spec.opcode, **fields))
    program.append(EXIT)
    validate_program(program)  # the generator only makes valid programs
    return program


def _outcome(
    interpreter: Interpreter, data: bytearray, initial: bytes, **kwargs: object
) -> tuple[object, ...]:
    data[:] = initial
    region = interpreter.memory.regions[0]
    try:
        result = interpreter.execute(
            registers={1: region.start, 2: len(data)},
            budget=3000,
            trace_pipe=TracePipe(),
            **kwargs,  # type: ignore[arg-type]
        )
    except ExecutionError as error:
        return type(error), error.pc, bytes(data)
    assert 0 <= result.retval < 1 << 64
    return "ok", result.registers, bytes(data)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs(), initial=st.binary(min_size=64, max_size=64))
def test_random_programs_only_raise_execution_errors(program: list[Instruction], initial: bytes) -> None:
    memory = Memory()
    data = bytearray(64)
    memory.add_region(data, writable=True, name="data")
    interpreter = Interpreter(program, memory=memory)
    fast = _outcome(interpreter, data, initial)
    stepped = _outcome(interpreter, data, initial, trace=lambda event: None)
    assert fast == stepped


@settings(max_examples=30, deadline=None)
@given(program=programs())
def test_raw_bytes_and_instructions_run_alike(program: list[Instruction]) -> None:
    # Registers hold real addresses and a program may branch on one (`if w10 s> w7` tests bit 31
    # of the stack's address), so both interpreters run on the same input buffer and the same
    # stack buffer: the same addresses, the same path.
    data = bytearray(16)
    from_bytes, from_list = Interpreter(encode_program(program)), Interpreter(program)

    def outcome(interpreter: Interpreter) -> object:
        data[:] = bytes(16)
        try:
            interpreter.execute(data, budget=3000, trace_pipe=TracePipe())
        except ExecutionError as error:
            return type(error), error.pc
        return "ok"  # r0 itself may hold an address (stack, input)

    first = outcome(from_bytes)  # its stack buffer is now spare: lend it to the other interpreter
    from_list._spare_stacks = from_bytes._spare_stacks
    assert first == outcome(from_list)
