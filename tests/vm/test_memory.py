"""Loads, stores, atomics and the memory model: every access checked, every fault named."""

from __future__ import annotations

import ctypes
import mmap

import pytest

from pybpf.errors import ExecutionError, MemoryAccessError
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE
from pybpf.vm import Interpreter, Memory
from tests.vm.builders import EXIT, M32, M64, execute, insn, lddw, mov, run, run_both

DATA = bytes(range(0x10, 0x20))  # 16 bytes: 10 11 12 ... 1f


# -- loads and stores --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mnemonic", "offset", "expected"),
    [
        ("ldxb", 3, 0x13),
        ("ldxh", 2, 0x1312),
        ("ldxw", 4, 0x1716_1514),
        ("ldxdw", 8, 0x1F1E_1D1C_1B1A_1918),
        ("ldxdw", 1, 0x1817_1615_1413_1211),  # unaligned is fine
    ],
)
def test_loads_are_little_endian(mnemonic: str, offset: int, expected: int) -> None:
    assert run_both([insn(mnemonic, 0, 1, off=offset), EXIT], DATA) == expected


@pytest.mark.parametrize(
    ("mnemonic", "data", "expected"),
    [
        ("ldxsb", b"\x80", 0xFFFF_FFFF_FFFF_FF80),
        ("ldxsb", b"\x7f", 0x7F),
        ("ldxsh", b"\x00\x80", 0xFFFF_FFFF_FFFF_8000),
        ("ldxsh", b"\xff\x7f", 0x7FFF),
        ("ldxsw", b"\x00\x00\x00\x80", 0xFFFF_FFFF_8000_0000),
        ("ldxsw", b"\xff\xff\xff\x7f", 0x7FFF_FFFF),
    ],
)
def test_sign_extending_loads(mnemonic: str, data: bytes, expected: int) -> None:
    assert run_both([insn(mnemonic, 0, 1), EXIT], data + bytes(8)) == expected


@pytest.mark.parametrize(
    ("mnemonic", "imm", "expected"),
    [
        ("stb", -1, b"\xff" + bytes(7)),
        ("sth", 0x12345, b"\x45\x23" + bytes(6)),
        ("stw", -2, b"\xfe\xff\xff\xff" + bytes(4)),
        ("stdw", -2, b"\xfe" + b"\xff" * 7),
        ("stdw", 0x7FFF_FFFF, b"\xff\xff\xff\x7f" + bytes(4)),
    ],
)
def test_store_immediate(mnemonic: str, imm: int, expected: bytes) -> None:
    memory = bytearray(8)
    run([insn(mnemonic, 1, imm=imm), mov(0, 0), EXIT], memory)
    assert bytes(memory) == expected


@pytest.mark.parametrize(
    ("mnemonic", "expected"),
    [
        ("stxb", b"\x88" + bytes(7)),
        ("stxh", b"\x88\x77" + bytes(6)),
        ("stxw", b"\x88\x77\x66\x55" + bytes(4)),
        ("stxdw", bytes.fromhex("8877665544332211")),
    ],
)
def test_store_register_truncates(mnemonic: str, expected: bytes) -> None:
    memory = bytearray(8)
    run([lddw(2, 0x1122_3344_5566_7788), insn(mnemonic, 1, 2), mov(0, 0), EXIT], memory)
    assert bytes(memory) == expected


def test_bytearray_writes_are_visible_and_buffer_released() -> None:
    memory = bytearray(4)
    run([insn("stw", 1, imm=0x0A0B0C0D), mov(0, 0), EXIT], memory)
    assert memory == bytearray(b"\x0d\x0c\x0b\x0a")
    memory.extend(b"more")  # the region no longer pins the buffer


def test_bytes_input_is_copied() -> None:
    data = b"\x01\x02"
    assert run([insn("stb", 1, imm=9), insn("ldxb", 0, 1), EXIT], data) == 9
    assert data == b"\x01\x02"


def test_r1_r2_are_address_and_length() -> None:
    result = execute([mov(0, 0), EXIT], bytes(24))
    assert result.registers[1] != 0 and result.registers[2] == 24
    assert execute([mov(0, 0), EXIT]).registers[1:3] == (0, 0)


def test_stack_is_usable_and_separate_per_frame() -> None:
    program = [
        lddw(2, 0xDEAD_BEEF_0000_0001),
        insn("stxdw", 10, 2, off=-8),
        insn("stdw", 10, off=-512, imm=7),
        insn("ldxdw", 0, 10, off=-8),
        insn("ldxdw", 3, 10, off=-512),
        insn("add", 0, 3),
        EXIT,
    ]
    assert run_both(program) == 0xDEAD_BEEF_0000_0008


def test_load_acquire_and_store_release() -> None:
    memory = bytearray(16)
    program = [
        lddw(2, 0x0102_0304_0506_0708),
        insn("streldw", 1, 2, off=8),
        insn("ldacqw", 0, 1, off=8),
        EXIT,
    ]
    assert run(program, memory) == 0x0506_0708
    assert memory[8:] == bytes.fromhex("0807060504030201")


# -- atomics ---------------------------------------------------------------------------------------
def _atomic(mnemonic: str, initial: int, operand: int, *, size: int = 8, r0: int = 0) -> tuple[int, int, int]:
    """(memory after, r0 after, r2 after) of one atomic on *(r1 + 0) with r2 = operand."""
    memory = bytearray(initial.to_bytes(size, "little") + b"\xaa" * 4)
    program = [lddw(2, operand), lddw(0, r0), insn(mnemonic, 1, 2), insn("stxdw", 10, 0, off=-8), EXIT]
    result = execute(program, memory)
    assert memory[size:] == b"\xaa" * 4, "the atomic touched memory past its operand"
    return int.from_bytes(memory[:size], "little"), result.registers[0], result.registers[2]


@pytest.mark.parametrize(
    ("mnemonic", "initial", "operand", "memory", "fetched"),
    [
        ("lock add", 5, 3, 8, None),
        ("lock fetch add", 5, 3, 8, 5),
        ("lock add", M64, 2, 1, None),
        ("lock or", 0xF0, 0x0F, 0xFF, None),
        ("lock fetch or", 0xF0, 0x0F, 0xFF, 0xF0),
        ("lock and", 0xFF, 0x0F, 0x0F, None),
        ("lock fetch and", 0xFF, 0x0F, 0x0F, 0xFF),
        ("lock xor", 0xFF, 0x0F, 0xF0, None),
        ("lock fetch xor", 0xFF, 0x0F, 0xF0, 0xFF),
        ("lock xchg", 1, 2, 2, 1),
    ],
)
def test_atomic64(mnemonic: str, initial: int, operand: int, memory: int, fetched: int | None) -> None:
    after, _, r2 = _atomic(mnemonic, initial, operand)
    assert after == memory
    assert r2 == (operand if fetched is None else fetched)


@pytest.mark.parametrize(
    ("mnemonic", "initial", "operand", "memory", "fetched"),
    [
        ("lock add32", M32, 2, 1, None),
        ("lock fetch add32", M32, 0xFFFF_FFFF_0000_0001, 0, M32),  # fetched value zero-extended
        ("lock fetch or32", 0x8000_0000, 1, 0x8000_0001, 0x8000_0000),
        ("lock fetch and32", M32, 0xF, 0xF, M32),
        ("lock fetch xor32", 0x8000_0000, 0x8000_0000, 0, 0x8000_0000),
        ("lock xchg32", 0x8000_0000, M64, M32, 0x8000_0000),
    ],
)
def test_atomic32(mnemonic: str, initial: int, operand: int, memory: int, fetched: int | None) -> None:
    after, _, r2 = _atomic(mnemonic, initial, operand, size=4)
    assert after == memory
    assert r2 == (operand if fetched is None else fetched)


def test_cmpxchg_succeeds_when_r0_matches() -> None:
    assert _atomic("lock cmpxchg", 5, 9, r0=5) == (9, 5, 9)


def test_cmpxchg_fails_when_r0_differs() -> None:
    assert _atomic("lock cmpxchg", 5, 9, r0=6) == (5, 5, 9)


def test_cmpxchg32_compares_low_half_and_zero_extends() -> None:
    assert _atomic("lock cmpxchg32", 0x8000_0000, 1, size=4, r0=0xFFFF_FFFF_8000_0000) == (1, 0x8000_0000, 1)


# -- faults ----------------------------------------------------------------------------------------
def _fault(program: list[Instruction], memory: bytes | None = None) -> MemoryAccessError:
    with pytest.raises(MemoryAccessError) as info:
        run(program, memory)
    return info.value


def test_read_just_past_the_input() -> None:
    error = _fault([insn("ldxw", 0, 1, off=14), EXIT], bytes(16))
    assert (error.pc, error.size, error.write) == (0, 4, False)
    assert "past the end of input" in str(error)


def test_write_just_past_the_input() -> None:
    error = _fault([mov(0, 0), insn("stb", 1, off=16, imm=1), EXIT], bytes(16))
    assert (error.pc, error.size, error.write) == (1, 1, True)


def test_read_just_before_the_input() -> None:
    error = _fault([insn("ldxb", 0, 1, off=-1), EXIT], bytes(16))
    assert "below input" in str(error)


def test_null_pointer() -> None:
    error = _fault([insn("ldxdw", 0, 1), EXIT])
    assert error.address == 0 and "NULL" in str(error)


def test_below_the_stack() -> None:
    error = _fault([mov(0, 0), insn("stdw", 10, off=-520, imm=1), EXIT])
    assert error.pc == 1 and "below stack" in str(error)


def test_above_the_stack_top() -> None:
    _fault([insn("ldxb", 0, 10), EXIT])


def test_wild_address() -> None:
    error = _fault([lddw(1, 0xFFFF_FFFF_FFFF_0000), insn("ldxdw", 0, 1), EXIT])
    assert error.pc == 2 and error.address == 0xFFFF_FFFF_FFFF_0000


def test_negative_offset_wraps_like_u64() -> None:
    error = _fault([insn("ldxb", 0, 1, off=-1), EXIT])
    assert error.address == M64


def test_write_to_read_only_region() -> None:
    memory = Memory()
    region = memory.add_region(b"constant", writable=False, name="rodata")
    interpreter = Interpreter([insn("ldxb", 0, 1), insn("stb", 1, imm=0), EXIT], memory=memory)
    with pytest.raises(MemoryAccessError) as info:
        interpreter.run(registers={1: region.start})
    assert info.value.write and "read-only" in str(info.value) and info.value.pc == 1


def test_atomic_on_read_only_region_faults_as_write() -> None:
    memory = Memory()
    region = memory.add_region(bytes(8), writable=False, name="rodata")
    interpreter = Interpreter([insn("lock add", 1, 2), EXIT], memory=memory)
    with pytest.raises(MemoryAccessError) as info:
        interpreter.run(registers={1: region.start})
    assert info.value.write


def test_region_added_by_caller_is_reachable() -> None:
    memory = Memory()
    buffer = bytearray(b"\x2a" + bytes(7))
    region = memory.add_region(buffer, writable=True, name="ctx")
    interpreter = Interpreter([insn("ldxb", 0, 6), insn("stb", 6, off=1, imm=1), EXIT], memory=memory)
    assert interpreter.run(registers={6: region.start}) == 0x2A
    assert buffer[1] == 1


# -- lddw pseudo sources and legacy packet loads ------------------------------------------------------
def test_unresolved_map_reference() -> None:
    program = [Instruction.lddw(1, 3, src=BPF_PSEUDO_MAP_FD), mov(0, 0), EXIT]
    with pytest.raises(ExecutionError, match="unresolved map reference") as info:
        run(program)
    assert info.value.pc == 0


def test_resolved_map_reference() -> None:
    program = [mov(0, 0), Instruction.lddw(0, 3, src=BPF_PSEUDO_MAP_VALUE), EXIT]
    assert Interpreter(program, resolved={1: 0x1234_5678_9ABC}).run() == 0x1234_5678_9ABC


def test_ld_abs_needs_a_packet() -> None:
    with pytest.raises(ExecutionError, match="packet"):
        run([insn("ldabsw", imm=0), EXIT])


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        ([insn("ldabsb", imm=1), EXIT], 0x02),
        ([insn("ldabsh", imm=1), EXIT], 0x0203),
        ([insn("ldabsw", imm=0), EXIT], 0x0102_0304),
        ([mov(7, 2), insn("ldindh", src=7, imm=1), EXIT], 0x0405),
        ([mov(0, 5), insn("ldabsw", imm=3), mov(0, 9), EXIT], 0),  # out of range: the program returns 0
        ([mov(7, -1), insn("ldindb", src=7, imm=0), mov(0, 9), EXIT], 0),
    ],
)
def test_legacy_packet_loads(program: list[Instruction], expected: int) -> None:
    assert Interpreter(program).run(packet=b"\x01\x02\x03\x04\x05\x06") == expected


# -- the Memory API ------------------------------------------------------------------------------------
def test_memory_read_write_cstring() -> None:
    memory = Memory()
    region = memory.add_region(bytearray(b"hello\0world"), writable=True, name="buf")
    assert memory.read(region.start, 5) == b"hello"
    memory.write(region.start + 6, b"W")
    assert memory.read_cstring(region.start + 6, 5) == b"World"
    assert memory.read_cstring(region.start, 64) == b"hello"
    assert memory.read_cstring(region.start, 3) == b"hel"
    with pytest.raises(MemoryAccessError):
        memory.read_cstring(region.start + 6, 64)  # runs off the region before a NUL
    assert memory.load(region.start, 2) == int.from_bytes(b"he", "little")
    memory.store(region.start, 1, 0x148)
    assert memory.read(region.start, 1) == b"\x48"


def test_memory_rejects_overlap_and_read_only_writable() -> None:
    memory = Memory()
    array = (ctypes.c_char * 32)()
    address = ctypes.addressof(array)
    memory.add_region(address, 16, writable=True, name="a")
    with pytest.raises(ValueError, match="overlaps"):
        memory.add_region(address + 8, 16, writable=True, name="b")
    memory.add_region(address + 16, 16, writable=False, name="c")
    with pytest.raises(ValueError, match="read-only"):
        memory.add_region(b"xy", writable=True)
    assert [r.name for r in memory.regions] == ["a", "c"]


def test_memory_remove_and_check() -> None:
    memory = Memory()
    region = memory.add_buffer(8, name="tmp")
    assert memory.check(region.start, 8, True) is region
    memory.remove_region(region)
    with pytest.raises(MemoryAccessError, match=r"not in any memory region|below|past"):
        memory.check(region.start, 1, False)


def test_memory_region_over_mmap() -> None:
    with mmap.mmap(-1, 4096) as shared:
        memory = Memory()
        region = memory.add_region(shared, writable=True, name="map")
        interpreter = Interpreter([insn("stw", 1, off=100, imm=0x01020304), mov(0, 0), EXIT], memory=memory)
        interpreter.run(registers={1: region.start})
        assert shared[100:104] == b"\x04\x03\x02\x01"
        memory.remove_region(region)
        del region, interpreter, memory


def test_fast_accessor_cache_sees_removal() -> None:
    memory = Memory()
    region = memory.add_buffer(8)
    assert memory.load8(region.start, 0) == 0
    memory.remove_region(region)
    with pytest.raises(MemoryAccessError):
        memory.load8(region.start, 3)


@pytest.mark.parametrize("access", ["ldxdw", "stxdw"])
def test_pointer_into_a_returned_frame_faults(access: str) -> None:
    """The callee's frame is gone after exit, even though the last accesses hit it."""
    program = [
        insn("call local", imm=2),  # -> 3
        insn(access, 0, 0, off=0) if access == "ldxdw" else insn(access, 0, 1, off=0),
        EXIT,
        insn("stdw", 10, off=-8, imm=1),
        insn("ldxdw", 1, 10, off=-8),
        insn("mov", 0, 10),
        insn("add", 0, imm=-8),  # r0 = pointer into the callee's frame
        EXIT,
    ]
    for trace in (None, lambda event: None):
        with pytest.raises(MemoryAccessError, match="below stack") as info:
            Interpreter(program).run(trace=trace)
        assert info.value.pc == 1


def test_load_acquire_into_its_own_address_register() -> None:
    memory = bytearray((0x1234).to_bytes(8, "little"))
    assert run_both([insn("mov", 10, 1), insn("ldacqdw", 10, 10), insn("mov", 0, 10), EXIT], memory) == 0x1234
