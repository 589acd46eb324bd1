"""Load one kernel-assembly program with its maps, BTF and func_info on a backend: the harness of
test_refs_callbacks.

``map_fd(NAME)`` names a map of ``MAPS`` created for the load on the same backend (``locked`` has
BTF whose value holds a ``struct bpf_spin_lock`` at offset 4).  Every subprogram (bpf-to-bpf callee
or callback) gets a static BTF FUNC in the program's func_info, as clang's output has, so that
callbacks (which the kernel refuses without func_info) and tail calls in subprograms can be loaded.
"""

from __future__ import annotations

import ctypes
import os
import re
import struct

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.isa import opcodes as op
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import Instruction, encode_program, slot_starts
from pybpf.kernel.backend import Backend

ARRAY, HASH, RINGBUF = uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_HASH, uapi.BPF_MAP_TYPE_RINGBUF
PROG_ARRAY, STACK = uapi.BPF_MAP_TYPE_PROG_ARRAY, uapi.BPF_MAP_TYPE_STACK
MAPS: dict[str, tuple[int, int, int, int, bool]] = {
    "rb": (RINGBUF, 0, 0, 4096, False),
    "arr": (ARRAY, 4, 8, 4, False),
    "hash": (HASH, 4, 8, 16, False),
    "locked": (ARRAY, 4, 16, 1, True),  # value: struct { int a; struct bpf_spin_lock l; long b; }
    "plain16": (ARRAY, 4, 16, 1, False),  # the same sizes without BTF
    "timers": (ARRAY, 4, 24, 1, True),  # value: struct { long x; struct bpf_timer t; }
    "timers2": (ARRAY, 4, 24, 1, True),  # another map of the same values
    "jmp": (PROG_ARRAY, 4, 4, 4, False),
    "stk": (STACK, 0, 8, 4, False),
}
"""name -> (map type, key size, value size, max entries, with the spin-lock BTF)."""

_INT, _FUNC_PROTO, _SPIN_LOCK, _VALUE, _LONG, _TIMER, _TIMER_VALUE, FIRST_FUNC = 1, 2, 3, 4, 5, 6, 7, 8
SPIN_LOCK_OFF = 4
_STATS = re.compile(r"^(processed \d+ insns|verification time|stack depth|cur state:|old state:)")


def btf_blob(funcs: int, *, global_subprogs: bool = False) -> bytes:
    """Raw BTF: int, ``int (void)``, ``struct bpf_spin_lock``, the locked value, long,
    ``struct bpf_timer``, the timer value, then ``funcs`` static FUNCs (type ids 8, 9 ...); with
    ``global_subprogs`` every FUNC but the first (the main program) has global linkage."""
    names = [
        b"",
        b"int",
        b"bpf_spin_lock",
        b"val",
        b"v",
        b"a",
        b"l",
        b"b",
        b"long",
        b"bpf_timer",
        b"tv",
        b"x",
        b"t",
    ]
    names += [f"f{i}".encode() for i in range(funcs)]
    offsets: dict[bytes, int] = {}
    strings = b""
    for name in names:
        offsets[name] = len(strings)
        strings += name + b"\0"
    types = [
        struct.pack("<IIII", offsets[b"int"], 1 << 24, 4, 0x01000020),
        struct.pack("<III", 0, 13 << 24, _INT),
        struct.pack("<III", offsets[b"bpf_spin_lock"], 4 << 24 | 1, 4)
        + struct.pack("<III", offsets[b"val"], _INT, 0),
        struct.pack("<III", offsets[b"v"], 4 << 24 | 3, 16)
        + struct.pack("<III", offsets[b"a"], _INT, 0)
        + struct.pack("<III", offsets[b"l"], _SPIN_LOCK, 32)
        + struct.pack("<III", offsets[b"b"], _LONG, 64),
        struct.pack("<IIII", offsets[b"long"], 1 << 24, 8, 0x01000040),
        struct.pack("<III", offsets[b"bpf_timer"], 4 << 24 | 2, 16)
        + struct.pack("<III", offsets[b"a"], _LONG, 0)
        + struct.pack("<III", offsets[b"b"], _LONG, 64),
        struct.pack("<III", offsets[b"tv"], 4 << 24 | 2, 24)
        + struct.pack("<III", offsets[b"x"], _LONG, 0)
        + struct.pack("<III", offsets[b"t"], _TIMER, 64),
    ]
    types += [
        struct.pack("<III", offsets[f"f{i}".encode()], 12 << 24 | int(global_subprogs and i > 0), _FUNC_PROTO)
        for i in range(funcs)
    ]
    body = b"".join(types)
    header = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(body), len(body), len(strings))
    return header + body + strings


LOCKED_TYPES = (_INT, _VALUE)
"""The key and value type ids of a map whose value holds the spin lock (``locked``)."""
TIMER_TYPES = (_INT, _TIMER_VALUE)
"""The key and value type ids of a map whose value holds a ``struct bpf_timer`` at offset 8."""


def func_info(starts: list[int]) -> bytes:
    """bpf_func_info records: subprogram ``i`` at slot ``starts[i]`` is FUNC ``FIRST_FUNC + i``."""
    return b"".join(struct.pack("<II", start, FIRST_FUNC + i) for i, start in enumerate(starts))


def subprogram_starts(insns: list[Instruction]) -> list[int]:
    """Slot 0 and every bpf-to-bpf call or BPF_PSEUDO_FUNC target, sorted."""
    starts = slot_starts(insns)
    targets = {0}
    for insn, slot in zip(insns, starts, strict=True):
        pseudo_call = insn.opcode == op.BPF_JMP | op.BPF_CALL and insn.src == op.BPF_PSEUDO_CALL
        pseudo_func = insn.opcode == op.BPF_LD | op.BPF_DW | op.BPF_IMM and insn.src == op.BPF_PSEUDO_FUNC
        if pseudo_call or pseudo_func:
            targets.add(slot + insn.imm + 1)
    return sorted(targets)


def reason(log: str) -> str:
    """The log's last line before the statistics."""
    lines = [line for line in log.splitlines() if line and not _STATS.match(line)]
    return lines[-1] if lines else ""


def _load_btf(backend: Backend, blob: bytes, keep: list[object]) -> int:
    data = ctypes.create_string_buffer(blob, len(blob))
    keep.append(data)
    attr = uapi.bpf_attr()
    attr.btf, attr.btf_size = ctypes.addressof(data), len(blob)
    return backend.bpf(uapi.BPF_BTF_LOAD, attr)


def _create_map(backend: Backend, name: str, btf_fd: int) -> int:
    map_type, key, value, entries, with_btf = MAPS[name]
    attr = uapi.bpf_attr()
    attr.map_type, attr.key_size, attr.value_size, attr.max_entries = map_type, key, value, entries
    if with_btf:
        value_type = _TIMER_VALUE if name.startswith("timers") else _VALUE
        attr.btf_fd, attr.btf_key_type_id, attr.btf_value_type_id = btf_fd, _INT, value_type
    return backend.bpf(uapi.BPF_MAP_CREATE, attr)


def load(
    text: str, prog_type: int, backend: Backend, *, expected_attach_type: int = 0, log_level: int = 1
) -> tuple[int, str]:
    """(errno, log) of BPF_PROG_LOAD of ``text`` on ``backend`` (errno 0: accepted)."""
    fds: list[int] = []
    keep: list[object] = []
    try:
        insns = assemble(re.sub(r"map_fd\(\w+\)", "map_fd(0)", text), "kernel")
        starts = subprogram_starts(insns)
        btf_fd = _load_btf(backend, btf_blob(len(starts)), keep)
        fds.append(btf_fd)
        for name in sorted(MAPS, key=len, reverse=True):
            if f"map_fd({name})" in text:
                fds.append(_create_map(backend, name, btf_fd))
                text = text.replace(f"map_fd({name})", f"map_fd({fds[-1]})")
        code = encode_program(assemble(text, "kernel"))
        buffers = [ctypes.create_string_buffer(b, max(len(b), 1)) for b in (code, b"GPL", func_info(starts))]
        keep.extend(buffers)
        log = ctypes.create_string_buffer(1 << 20)
        attr = uapi.bpf_attr()
        attr.prog_type, attr.expected_attach_type = prog_type, expected_attach_type
        attr.insns, attr.insn_cnt = ctypes.addressof(buffers[0]), len(code) // 8
        attr.license = ctypes.addressof(buffers[1])
        attr.log_level, attr.log_size, attr.log_buf = log_level, len(log), ctypes.addressof(log)
        attr.prog_btf_fd, attr.func_info_rec_size = btf_fd, 8
        attr.func_info, attr.func_info_cnt = ctypes.addressof(buffers[2]), len(starts)
        try:
            os.close(backend.bpf(uapi.BPF_PROG_LOAD, attr))
        except BPFError as exc:
            return exc.errno or 0, log.value.decode(errors="replace")
        return 0, log.value.decode(errors="replace")
    finally:
        for fd in fds:
            os.close(fd)
