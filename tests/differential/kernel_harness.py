"""Run eBPF program bodies on the real kernel and recover their full 64-bit r0.

The kernel is the oracle of the differential tests.  A *body* is a list of instructions that leaves
its result in r0 and falls through at its end (it never exits on its own).  pybpf runs ``body + exit``;
the kernel runs ``body + epilogue``, where the epilogue stores r0 into slot 0 of a one-entry
BPF_MAP_TYPE_ARRAY with ``bpf_map_update_elem`` (the map fd is loaded with ``lddw src=BPF_PSEUDO_MAP_FD``),
then returns the helper's result.  BPF_PROG_TEST_RUN's retval is only 32 bits wide, the map value
holds all 64; it is read back with BPF_MAP_LOOKUP_ELEM.

Programs load as SOCKET_FILTER (default) or XDP.  A program the verifier rejects raises
``KernelRejected`` whose message holds the kernel's verifier log and the program.

The few ``union bpf_attr`` layouts needed here are packed with ``struct`` by hand (offsets from
linux/bpf.h); pybpf's generated uapi structures are not used so that the harness depends only on
``pybpf.kernel.native``.
"""

from __future__ import annotations

import ctypes
import os
import struct
from collections.abc import Callable, Sequence

from pybpf.errors import BPFError
from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction, encode_program
from pybpf.kernel.native import native_bpf

# enum bpf_cmd
BPF_MAP_CREATE = 0
BPF_MAP_LOOKUP_ELEM = 1
BPF_MAP_UPDATE_ELEM = 2
BPF_MAP_DELETE_ELEM = 3
BPF_MAP_GET_NEXT_KEY = 4
BPF_PROG_LOAD = 5
BPF_PROG_TEST_RUN = 10

# enum bpf_map_type / enum bpf_prog_type
BPF_MAP_TYPE_HASH = 1
BPF_MAP_TYPE_ARRAY = 2
BPF_PROG_TYPE_SOCKET_FILTER = 1
BPF_PROG_TYPE_XDP = 6

BPF_FUNC_map_update_elem = 2
XDP_PASS = 2

LOG_SIZE = 1 << 20
TEST_PACKET = bytes(range(64))  # socket filter and XDP test runs need at least ETH_HLEN bytes
RESULT_SLOTS = (-16, -8)  # stack slots the epilogue overwrites: key (u32) and value (u64)


Comparator = Callable[[Sequence[Instruction]], int]
"""``compare(body)``: runs a body on pybpf and on the kernel, asserts the same r0 and returns it."""


class KernelRejected(AssertionError):
    """The kernel verifier refused a program the generator meant to be valid."""

    def __init__(self, err: BPFError, log: str, program: Sequence[Instruction]) -> None:
        self.errno = err.errno
        self.log = log
        super().__init__(f"BPF_PROG_LOAD failed: {err}\nverifier log:\n{log}\nprogram:\n{listing(program)}")


def listing(program: Sequence[Instruction]) -> str:
    """The program one instruction a line, numbered by slot like the verifier log."""
    try:
        from pybpf.isa.disasm import format_instruction
    except ImportError:  # the disassembler is optional here
        format_instruction = repr  # type: ignore[assignment]
    lines = []
    slot = 0
    for insn in program:
        lines.append(f"  {slot:4}: {format_instruction(insn)}")
        slot += insn.slots
    return "\n".join(lines)


def _buffer(data: bytes | int) -> ctypes.Array[ctypes.c_char]:
    if isinstance(data, int):
        return ctypes.create_string_buffer(data)
    return ctypes.create_string_buffer(data, len(data))


def _address(buffer: ctypes.Array[ctypes.c_char]) -> int:
    return ctypes.addressof(buffer)


# -- raw attrs --------------------------------------------------------------------------------------


def map_create(map_type: int, key_size: int, value_size: int, max_entries: int, flags: int = 0) -> int:
    """BPF_MAP_CREATE: map_type, key_size, value_size, max_entries, map_flags (first 5 u32s)."""
    attr = struct.pack("<5I", map_type, key_size, value_size, max_entries, flags)
    return native_bpf(BPF_MAP_CREATE, attr + bytes(72 - len(attr)))


def _elem_attr(fd: int, key: int, value: int, flags: int = 0) -> bytes:
    """map_fd (u32, then padding), key (u64 pointer), value/next_key (u64 pointer), flags (u64)."""
    return struct.pack("<IxxxxQQQ", fd, key, value, flags)


def map_update(fd: int, key: bytes, value: bytes, flags: int = 0) -> None:
    kbuf, vbuf = _buffer(key), _buffer(value)
    native_bpf(BPF_MAP_UPDATE_ELEM, _elem_attr(fd, _address(kbuf), _address(vbuf), flags))


def map_lookup(fd: int, key: bytes, value_size: int) -> bytes:
    kbuf, vbuf = _buffer(key), _buffer(value_size)
    native_bpf(BPF_MAP_LOOKUP_ELEM, _elem_attr(fd, _address(kbuf), _address(vbuf)))
    return vbuf.raw


def map_delete(fd: int, key: bytes) -> None:
    kbuf = _buffer(key)
    native_bpf(BPF_MAP_DELETE_ELEM, _elem_attr(fd, _address(kbuf), 0))


def map_get_next_key(fd: int, key: bytes | None, key_size: int) -> bytes:
    kbuf = _buffer(key) if key is not None else None
    nbuf = _buffer(key_size)
    native_bpf(BPF_MAP_GET_NEXT_KEY, _elem_attr(fd, _address(kbuf) if kbuf else 0, _address(nbuf)))
    return nbuf.raw


def prog_load(program: Sequence[Instruction], prog_type: int = BPF_PROG_TYPE_SOCKET_FILTER) -> int:
    """BPF_PROG_LOAD without a log; on failure loads again with log_level 1 and raises KernelRejected.

    Layout: prog_type u32, insn_cnt u32, insns u64, license u64, log_level u32, log_size u32,
    log_buf u64, kern_version u32, prog_flags u32 (48 bytes), then zeroed fields up to 128 bytes.
    """
    code = _buffer(encode_program(program))
    license_ = _buffer(b"GPL\0")
    count = len(code.raw) // 8

    def attr(log_level: int, log: ctypes.Array[ctypes.c_char] | None) -> bytes:
        head = struct.pack(
            "<IIQQIIQII",
            prog_type,
            count,
            _address(code),
            _address(license_),
            log_level,
            LOG_SIZE if log else 0,
            _address(log) if log else 0,
            0,
            0,
        )
        return head + bytes(128 - len(head))

    try:
        return native_bpf(BPF_PROG_LOAD, attr(0, None))
    except BPFError as first:
        log = _buffer(LOG_SIZE)
        try:
            fd = native_bpf(BPF_PROG_LOAD, attr(1, log))
        except BPFError as err:
            raise KernelRejected(err, log.value.decode(errors="replace"), program) from None
        os.close(fd)  # accepted with a log but not without: report the first failure
        raise KernelRejected(first, "(accepted when loaded again with a log)", program) from None


def prog_test_run(prog_fd: int, data: bytes = TEST_PACKET, repeat: int = 1) -> int:
    """BPF_PROG_TEST_RUN; returns the 32-bit retval the kernel writes back into the attr.

    Layout: prog_fd u32, retval u32, data_size_in u32, data_size_out u32, data_in u64, data_out u64,
    repeat u32, duration u32, then ctx fields, flags, cpu, batch_size (80 bytes in all).
    """
    data_in = _buffer(data)
    data_out = _buffer(len(data) + 256)
    attr = bytearray(
        struct.pack(
            "<IIIIQQII",
            prog_fd,
            0,
            len(data),
            len(data_out.raw),
            _address(data_in),
            _address(data_out),
            repeat,
            0,
        )
    )
    attr += bytes(80 - len(attr))
    native_bpf(BPF_PROG_TEST_RUN, attr)
    retval: int = struct.unpack_from("<I", attr, 4)[0]
    return retval


# -- program plumbing -------------------------------------------------------------------------------


def _alu64(opname: str, dst: int, *, imm: int = 0, src: int | None = None) -> Instruction:
    if src is None:
        return Instruction(op.BPF_ALU64 | op.ALU_OPS[opname] | op.BPF_K, dst, 0, 0, imm)
    return Instruction(op.BPF_ALU64 | op.ALU_OPS[opname] | op.BPF_X, dst, src)


EXIT = Instruction(op.BPF_JMP | op.JMP_OPS["exit"])


def store_r0_epilogue(map_fd: int, prog_type: int) -> list[Instruction]:
    """``map[0] = r0; return ok``: ok is the helper's result (0), or XDP_PASS for XDP when it succeeded."""
    key_off, value_off = RESULT_SLOTS
    insns = [
        Instruction(op.BPF_STX | op.BPF_MEM | op.BPF_DW, op.BPF_REG_FP, 0, value_off, 0),
        Instruction(op.BPF_ST | op.BPF_MEM | op.BPF_W, op.BPF_REG_FP, 0, key_off, 0),
        Instruction.lddw(1, map_fd, src=op.BPF_PSEUDO_MAP_FD),
        _alu64("mov", 2, src=op.BPF_REG_FP),
        _alu64("add", 2, imm=key_off),
        _alu64("mov", 3, src=op.BPF_REG_FP),
        _alu64("add", 3, imm=value_off),
        _alu64("mov", 4, imm=0),
        Instruction(op.BPF_JMP | op.JMP_OPS["call"], 0, 0, 0, BPF_FUNC_map_update_elem),
    ]
    if prog_type == BPF_PROG_TYPE_XDP:  # r0 = helper result == 0 ? XDP_PASS : helper result
        insns += [
            Instruction(op.BPF_JMP | op.JMP_OPS["jne"] | op.BPF_K, 0, 0, 1, 0),
            _alu64("mov", 0, imm=XDP_PASS),
        ]
    return [*insns, EXIT]


class KernelRunner:
    """Runs bodies on the kernel.  Owns the one-entry result map; close it (or use ``with``)."""

    def __init__(self, prog_type: int = BPF_PROG_TYPE_SOCKET_FILTER) -> None:
        self.prog_type = prog_type
        self.map_fd = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 1)
        self.success = XDP_PASS if prog_type == BPF_PROG_TYPE_XDP else 0
        self._epilogue = store_r0_epilogue(self.map_fd, prog_type)

    def program(self, body: Sequence[Instruction]) -> list[Instruction]:
        """The complete program the kernel loads for ``body``."""
        return [*body, *self._epilogue]

    def run(self, body: Sequence[Instruction]) -> int:
        """Load ``body`` + epilogue, test-run it once, and return the body's final r0 as an unsigned u64."""
        fd = prog_load(self.program(body), self.prog_type)
        try:
            retval = prog_test_run(fd)
        finally:
            os.close(fd)
        if retval != self.success:
            raise AssertionError(f"epilogue failed to store r0: program returned {retval}")
        (value,) = struct.unpack("<Q", map_lookup(self.map_fd, bytes(4), 8))
        result: int = value
        return result

    def close(self) -> None:
        if self.map_fd >= 0:
            os.close(self.map_fd)
            self.map_fd = -1

    def __enter__(self) -> KernelRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
