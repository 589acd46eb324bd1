"""Hostile programs against isolation: a program reaches only the memory it was given (issue 9, 1 and 7).

Every case is a program that tries to reach what it was not given -- a forged or NULL map pointer,
``map_fd(a)`` plus the distance to another map, a value pointer moved onto its element's hash
link, its neighbour, another map or a map header, a store into a BPF_F_RDONLY_PROG value, a load
from a BPF_F_WRONLY_PROG one, ``bpf_spin_lock`` on a forged address, a packet access past
data_end or before data, a ring buffer record written after it was submitted, a value pointer
kept past its run or past a ``bpf_for_each_map_elem`` callback, a forged prog array or perf event
array.  Each runs in a child process (``subprocess.run([sys.executable, "-c", ...], timeout=...)``,
``PYBPF_BPFFS`` set to this test's private root, the maps pinned there) through ``pybpf.Program``,
through a raw ``bpf(BPF_PROG_TEST_RUN)`` and, where the program needs no packet context, through the
raw VM -- each on both engines (the ``engine`` fixture: the interpreter, and the JIT, which checks at
run time what no verifier proved).  The child reports as JSON how the run ended and then runs a
benign program to show it was not harmed; the test asserts a clean fault (EFAULT /
``ProgramFaultError`` / ``ExecutionError``) naming the faulting instruction -- the one after the
marker ``r9 = 0x7ead`` -- and what was wrong, and a second child process checks that every map
still holds exactly what it held before (walking the hash maps, and looking up a key they do not
hold, within a time limit: a corrupted chain would loop).

Difference from the kernel: the kernel's verifier refuses these programs at BPF_PROG_LOAD (EACCES:
"R1 type=scalar expected=map_ptr", "invalid access to map value", "write into map forbidden",
"read from map forbidden", "invalid access to packet", "Unreleased reference" ...).  pybpf's verifier
(value tracking, issue 11) now refuses most of them at load too (EACCES/EINVAL: checked as such);
the ones it still loads are stopped when they run: BPF_PROG_TEST_RUN fails with EFAULT ("program
fault: pc N: ...") and the raw VM, which has no verifier, raises ``ExecutionError`` with ``pc`` N.
``test_the_kernel_refuses_them_at_load`` shows the kernel's side where bpf(2) is available.
"""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import pybpf
from pybpf import Map, Program, uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

TIMEOUT = 120
"""Seconds a child may take (it imports pybpf, loads and runs one program): far more than it needs."""
SRC = str(Path(pybpf.__file__).resolve().parent.parent)
REPO = str(Path(__file__).resolve().parent.parent.parent)

# -- what runs in the children -------------------------------------------------------------------------
CHILD = r'''
import ctypes, json, os, struct, sys
import pybpf
from pybpf import Map, Program, uapi
from pybpf.errors import BPFError, ExecutionError, ProgramFaultError
from pybpf.helpers import RunEnv, default_registry
from pybpf.helpers.map_access import MapAccess, ProgramMaps
from pybpf.isa import opcodes as op
from pybpf.isa.instruction import slot_starts
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.prog_run import ENGINES, selected_engine
from pybpf.maps.object import MapObject
from pybpf.memory.regions import Memory
from pybpf.vm.interpreter import Interpreter

ROOT = os.environ["PYBPF_BPFFS"]
BACKEND = UserBackend()
PACKET = bytes(range(64))
MARKER = (0xB7, 9, 0x7EAD)  # r9 = 0x7ead: the next instruction is the one that must fault
NAMES = ("mine", "victim", "h", "ro", "wo", "rb", "progs", "events")
MAPS = {name: Map.from_pinned(os.path.join(ROOT, name), backend=BACKEND) for name in NAMES}
OBJS = {name: MapObject.from_fd(m.fd) for name, m in MAPS.items()}
ADDRESSES = {f"{n}_{what}": getattr(obj, what) for n, obj in OBJS.items() for what in ("pointer", "address")}


def marker_pc(insns):
    for slot, insn in zip(slot_starts(insns), insns):
        if (insn.opcode, insn.dst, insn.imm) == MARKER:
            return slot + 1
    return None


def load(text, prog_type, names):
    text = text.format(**ADDRESSES)
    if "func(" not in text:
        return Program.load(text, prog_type, maps={n: MAPS[n] for n in names}, backend=BACKEND)
    from tests.differential.kernel_harness import KernelRejected
    from tests.helpers.progs import load_with_callbacks  # callbacks need BTF func_info

    insns = pybpf.assemble(text, "kernel", maps={n: MAPS[n].fd for n in names})
    try:
        fd = load_with_callbacks(insns, pybpf.program.prog_type_number(prog_type), pybpf.bpf)
    except KernelRejected as exc:  # (the verifier's refusal, as an OSError like the other loads)
        raise BPFError(exc.errno, "BPF_PROG_LOAD refused") from None
    return Program.from_fd(fd, backend=BACKEND)


def test_run(prog, raw):
    if not raw:
        return prog.run(PACKET).retval
    data = ctypes.create_string_buffer(PACKET, len(PACKET))
    out = ctypes.create_string_buffer(len(PACKET) + 4096)
    attr = uapi.bpf_attr()
    attr.test.prog_fd = prog.fd
    attr.test.data_in, attr.test.data_size_in = ctypes.addressof(data), len(PACKET)
    attr.test.data_out, attr.test.data_size_out = ctypes.addressof(out), len(out)
    pybpf.bpf(uapi.BPF_PROG_TEST_RUN, attr)
    return attr.test.retval


def vm_run(text, names, runs, report):
    fds = {MAPS[n].fd: OBJS[n] for n in names}
    insns = pybpf.assemble(text.format(**ADDRESSES), "kernel", maps={n: MAPS[n].fd for n in names})
    report["marker"] = marker_pc(insns)
    resolved = {
        slot: fds[insn.imm].pointer
        for slot, insn in zip(slot_starts(insns), insns)
        if insn.opcode == 0x18 and insn.src == op.BPF_PSEUDO_MAP_FD
    }
    engine = ENGINES[selected_engine()]  # the test's engine (PYBPF_ENGINE)
    vm = engine(insns, helpers=default_registry(), memory=Memory(), resolved=resolved)
    for _ in range(runs):
        with MapAccess(vm.memory, ProgramMaps.of(fds.values())) as access:
            report["retval"] = vm.run(bytearray(PACKET), env=RunEnv(maps=access))


def attack(entry, text, prog_type, names, runs):
    report = {"outcome": "ran"}
    try:
        if entry == "vm":
            vm_run(text, names, runs, report)
        else:
            report["stage"] = "load"
            prog = load(text, prog_type, names)
            report["stage"] = "run"
            report["marker"] = marker_pc(prog.xlated())
            for _ in range(runs):
                report["retval"] = test_run(prog, entry == "bpf")
    except OSError as exc:  # BPF_PROG_TEST_RUN: ProgramFaultError, an OSError with EFAULT
        report.update(outcome="fault", errno=exc.errno, pc=getattr(exc, "pc", None), message=str(exc))
    except ExecutionError as exc:  # the raw VM
        report.update(outcome="fault", errno=None, pc=exc.pc, message=str(exc))
    report["after"] = benign(entry)
    return report


def benign(entry):
    """The process still works: a plain program runs, a map still answers."""
    text = "r0 = 7\nexit"
    if entry == "vm":
        value = Interpreter(pybpf.assemble(text)).run()
    else:
        with Program.load(text, "xdp", backend=BACKEND) as prog:
            value = test_run(prog, entry == "bpf")
    return [value, MAPS["mine"].lookup(struct.pack("<I", 0)).hex()]


def ring_records(obj):
    """The records between the consumer and producer positions, without consuming them."""
    impl, out = obj.impl, []
    pos, end = impl.consumer_pos, impl.producer_pos
    for _ in range(4096):
        if pos >= end:
            break
        length, _ = impl.header(pos)
        size = length & ~(uapi.BPF_RINGBUF_BUSY_BIT | uapi.BPF_RINGBUF_DISCARD_BIT)
        start = 2 * 4096 + (pos & impl.mask) + 8
        state = "ok"
        if length & uapi.BPF_RINGBUF_BUSY_BIT:
            state = "busy"
        elif length & uapi.BPF_RINGBUF_DISCARD_BIT:
            state = "discarded"
        out.append([state, bytes(impl.mem[start : start + size]).hex()])
        pos += (size + 8 + 7) // 8 * 8
    return out


def without_maps():
    text = "r1 = {mine_pointer} ll\n*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nexit"
    try:
        pybpf.vm.run(pybpf.assemble(text.format(**ADDRESSES)))
    except ExecutionError as exc:
        return {"outcome": "fault", "pc": exc.pc, "message": str(exc)}
    return {"outcome": "ran"}


def global_data():
    g = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 24, 1, name="g", backend=BACKEND)
    text = "r1 = map_value(g, 16) ll\nr2 = 0x77\n*(u64 *)(r1 + {off}) = r2\nr0 = 1\nexit"
    ok = Program.load(text.replace("{off}", "0"), "xdp", maps={"g": g}, backend=BACKEND)
    report = {"ok": test_run(ok, False), "value": g.lookup(struct.pack("<I", 0)).hex()}
    try:
        bad = Program.load(text.replace("{off}", "8"), "xdp", maps={"g": g}, backend=BACKEND)
        test_run(bad, False)
    except ProgramFaultError as exc:
        report["fault"] = [exc.pc, str(exc)]
    except BPFError as exc:  # the verifier refuses it at load, as the kernel's does
        report["refused"] = exc.errno
    return report


def tail_call_with_a_value_in_cb():
    """A keeps mine[1]'s value pointer in skb->cb and tail-calls B, whose maps are h only."""
    b_text = (
        "r6 = r1\n*(u32 *)(r10 - 4) = 1\nr1 = map_fd(h) ll\nr2 = r10\nr2 += -4\n"
        "call bpf_map_lookup_elem\nif r0 == 0 goto out\nr7 = *(u32 *)(r6 + 48)\nr8 = *(u32 *)(r6 + 52)\n"
        "r8 <<= 32\nr7 |= r8\nr2 = 0x7777\nr9 = 0x7ead\n*(u64 *)(r7 + 0) = r2\nout:\nr0 = 1\nexit"
    )
    try:
        b = load(b_text, "sched_cls", ("h",))
    except BPFError as exc:  # the verifier refuses the store through a scalar, as the kernel's does
        return {"refused": exc.errno}
    MAPS["progs"].update(struct.pack("<I", 0), struct.pack("<I", b.fd))
    a_text = (
        "r6 = r1\n*(u32 *)(r10 - 4) = 1\nr1 = map_fd(mine) ll\nr2 = r10\nr2 += -4\n"
        "call bpf_map_lookup_elem\nif r0 == 0 goto out\n*(u32 *)(r6 + 48) = r0\nr0 >>= 32\n"
        "*(u32 *)(r6 + 52) = r0\nr1 = r6\nr2 = map_fd(progs) ll\nr3 = 0\ncall bpf_tail_call\n"
        "out:\nr0 = 2\nexit"
    )
    a = load(a_text, "sched_cls", ("mine", "progs"))
    report = {"marker": marker_pc(b.xlated())}
    try:
        report["retval"] = test_run(a, False)
    except ProgramFaultError as exc:
        report.update(pc=exc.pc, message=str(exc))
    MAPS["progs"].delete(struct.pack("<I", 0))
    return report


def snapshot():
    """Every map's contents: hash walks and a lookup of an absent key must end (no loop)."""
    state = {}
    for name in ("mine", "victim", "h", "ro", "wo"):
        m = MAPS[name]
        state[name] = sorted([k.hex(), v.hex()] for k, v in m.items())
    for name in ("victim", "h"):
        state[name + "_absent"] = MAPS[name].get(struct.pack("<I", 0xDEAD)) is None
    state["rb"] = ring_records(OBJS["rb"])
    return state
'''


def child(code: str, root: Path) -> Any:
    """Run ``CHILD`` + ``code`` in a fresh interpreter with the test's bpffs root; its last JSON line."""
    env = {**os.environ, "PYBPF_BPFFS": str(root), "PYTHONPATH": os.pathsep.join((SRC, REPO))}
    command = [sys.executable, "-c", CHILD + code]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=TIMEOUT, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the maps every case may attack ----------------------------------------------------------------------
@dataclass
class World:
    root: Path
    before: dict[str, Any]


def _u32(value: int) -> bytes:
    return value.to_bytes(4, "little")


@pytest.fixture
def world(_private_bpffs: Path) -> World:
    """The maps, created and filled by this process and pinned in the test's root."""
    backend = UserBackend()
    array, hash_, ringbuf = uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_HASH, uapi.BPF_MAP_TYPE_RINGBUF
    maps = {
        "mine": Map.create(array, 4, 16, 4, name="mine", backend=backend),
        "victim": Map.create(hash_, 4, 8, 8, name="victim", backend=backend),
        "h": Map.create(hash_, 4, 8, 8, name="h", backend=backend),
        "ro": Map.create(array, 4, 16, 1, uapi.BPF_F_RDONLY_PROG, name="ro", backend=backend),
        "wo": Map.create(array, 4, 16, 1, uapi.BPF_F_WRONLY_PROG, name="wo", backend=backend),
        "rb": Map.create(ringbuf, 0, 0, 4096, name="rb", backend=backend),
        "progs": Map.create(uapi.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2, name="progs", backend=backend),
        "events": Map.create(uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, name="events", backend=backend),
    }
    for index in range(4):
        maps["mine"][_u32(index)] = bytes([0x10 + index]) * 16
    for key in range(1, 6):
        maps["victim"][_u32(key)] = (0xB0 + key).to_bytes(8, "little")
        maps["h"][_u32(key)] = (0xC0 + key).to_bytes(8, "little")
    maps["ro"][_u32(0)] = b"read-only value!"
    maps["wo"][_u32(0)] = b"write-only value"
    for name, handle in maps.items():
        handle.pin(str(_private_bpffs / name))
        handle.close()
    if not _BEFORE:  # the same in every test (no addresses in it): taken once, by this process
        namespace: dict[str, Any] = {}
        exec(CHILD + "state = json.loads(json.dumps(snapshot()))", namespace)
        _BEFORE.update(namespace["state"])
    return World(_private_bpffs, _BEFORE)


_BEFORE: dict[str, Any] = {}


# -- the cases ---------------------------------------------------------------------------------------------
LOOKUP = """
    r6 = r1
    *(u32 *)(r10 - 4) = {key}
    r1 = map_fd({map}) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
"""
OUT = """
out:
    r0 = 0
    exit
"""


def lookup(map_name: str, key: int = 1) -> str:
    return LOOKUP.replace("{key}", str(key)).replace("{map}", map_name)


@dataclass(frozen=True)
class Case:
    text: str
    maps: tuple[str, ...]
    message: str
    """A regular expression the fault's message matches."""
    entries: tuple[str, ...] = ("program", "bpf", "vm")
    prog_type: str = "xdp"
    runs: int = 1
    changes: tuple[tuple[str, str, str], ...] = ()
    """(map, key hex, value regex) of the legitimate writes the program makes before it faults."""


NOT_A_MAP = r"bpf_map_lookup_elem: R1 = 0x[0-9a-f]+ is not a map of this program"
PACKET_ONLY = ("program", "bpf")

CASES: dict[str, Case] = {
    "forged_map_pointer": Case(
        "r1 = {victim_pointer} ll\n*(u32 *)(r10 - 4) = 1\nr2 = r10\nr2 += -4\nr9 = 0x7ead\n"
        "call bpf_map_lookup_elem\nr0 = 0\nexit",
        ("mine",),
        NOT_A_MAP,
    ),
    "null_map_pointer": Case(
        "r1 = 0\n*(u32 *)(r10 - 4) = 1\nr2 = r10\nr2 += -4\nr9 = 0x7ead\n"
        "call bpf_map_lookup_elem\nr0 = 0\nexit",
        ("mine",),
        NOT_A_MAP,
    ),
    "map_fd_plus_offset_names_another_map": Case(
        "r1 = map_fd(mine) ll\nr2 = {victim_pointer} ll\nr3 = {mine_pointer} ll\nr2 -= r3\nr1 += r2\n"
        "*(u32 *)(r10 - 4) = 1\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\nr4 = 0\n"
        "*(u64 *)(r10 - 16) = r4\nr9 = 0x7ead\ncall bpf_map_update_elem\nr0 = 0\nexit",
        ("mine",),
        r"bpf_map_update_elem: R1 = 0x[0-9a-f]+ is not a map of this program",
    ),
    "map_storage_address_as_map": Case(
        "r1 = {mine_address} ll\n*(u32 *)(r10 - 4) = 1\nr2 = r10\nr2 += -4\nr9 = 0x7ead\n"
        "call bpf_map_lookup_elem\nr0 = 0\nexit",
        ("mine",),
        NOT_A_MAP,
    ),
    "null_key_pointer": Case(
        "r1 = map_fd(mine) ll\nr2 = 0\nr9 = 0x7ead\ncall bpf_map_lookup_elem\nr0 = 0\nexit",
        ("mine",),
        r"bpf_map_lookup_elem: R2 \(key\): invalid memory read of 4 bytes at 0x0 \(NULL pointer",
    ),
    "update_from_a_value_in_another_map": Case(
        "*(u32 *)(r10 - 4) = 1\nr1 = map_fd(mine) ll\nr2 = r10\nr2 += -4\nr3 = {victim_address} ll\n"
        "r4 = 0\nr9 = 0x7ead\ncall bpf_map_update_elem\nr0 = 0\nexit",
        ("mine",),
        r"bpf_map_update_elem: R3 \(value\): invalid memory read of 16 bytes",
    ),
    "value_pointer_as_map": Case(
        lookup("mine") + "r1 = r0\nr2 = r10\nr2 += -4\nr9 = 0x7ead\ncall bpf_map_lookup_elem\n" + OUT,
        ("mine",),
        NOT_A_MAP,
    ),
    "value_minus_offset_onto_the_hash_link": Case(  # the chain-loop write of the issue
        lookup("h", 3) + "r1 = r0\nr1 += -16\nr2 = 0x7fff0001\nr9 = 0x7ead\n*(u32 *)(r1 + 0) = r2\n" + OUT,
        ("h",),
        r"invalid memory write of 4 bytes at 0x[0-9a-f]+ \(\d+ byte\(s\) below value of map 'h'",
    ),
    "value_plus_offset_onto_the_neighbour": Case(
        lookup("mine", 1) + "r2 = 0x4141\nr9 = 0x7ead\n*(u64 *)(r0 + 16) = r2\n" + OUT,
        ("mine",),
        r"invalid memory write of 8 bytes .* past the end of value of map 'mine'",
    ),
    "value_read_past_its_end": Case(
        lookup("mine", 3) + "r9 = 0x7ead\nr0 = *(u64 *)(r0 + 12)\nexit\n" + OUT,
        ("mine",),
        r"invalid memory read of 8 bytes .* past the end of value of map 'mine'",
    ),
    "value_pointer_moved_onto_another_map": Case(
        lookup("mine") + "r1 = {victim_address} ll\nr1 -= r0\nr0 += r1\nr2 = 1\nr9 = 0x7ead\n"
        "*(u64 *)(r0 + 8) = r2\n" + OUT,
        ("mine",),
        r"invalid memory write of 8 bytes",
    ),
    "value_pointer_moved_onto_the_map_header": Case(
        lookup("mine") + "r1 = {mine_pointer} ll\nr1 -= r0\nr0 += r1\nr9 = 0x7ead\nr0 = *(u64 *)(r0 + 0)\n"
        "exit\n" + OUT,
        ("mine",),
        r"invalid memory read of 8 bytes",
    ),
    "write_to_a_rdonly_prog_value": Case(
        lookup("ro", 0) + "r2 = 0x4242\nr9 = 0x7ead\n*(u64 *)(r0 + 0) = r2\n" + OUT,
        ("ro",),
        r"invalid memory write of 8 bytes .*value of map 'ro' is read-only",
    ),
    "atomic_on_a_rdonly_prog_value": Case(
        lookup("ro", 0) + "r2 = 1\nr9 = 0x7ead\nlock *(u64 *)(r0 + 0) += r2\n" + OUT,
        ("ro",),
        r"value of map 'ro' is read-only",
    ),
    "update_of_a_rdonly_prog_map": Case(  # BPF_F_RDONLY_PROG on the helper route
        "*(u32 *)(r10 - 4) = 0\n*(u64 *)(r10 - 16) = 0\nr1 = map_fd(ro) ll\nr2 = r10\nr2 += -4\n"
        "r3 = r10\nr3 += -16\nr4 = 0\nr9 = 0x7ead\ncall bpf_map_update_elem\nr0 = 0\nexit",
        ("ro",),
        r"bpf_map_update_elem: R1 is map 'ro' \(array, id \d+\): write into map forbidden",
    ),
    "read_of_a_wronly_prog_value": Case(
        lookup("wo", 0) + "r9 = 0x7ead\nr0 = *(u64 *)(r0 + 8)\nexit\n" + OUT,
        ("wo",),
        r"invalid memory read of 8 bytes .*value of map 'wo' is write-only",
    ),
    "helper_reads_a_wronly_prog_value": Case(  # the value as a key: a read through a helper
        lookup("wo", 0) + "r2 = r0\nr1 = map_fd(wo) ll\nr9 = 0x7ead\ncall bpf_map_lookup_elem\n" + OUT,
        ("wo",),
        r"value of map 'wo' is write-only",
    ),
    "spin_lock_on_a_forged_address": Case(
        "r1 = {victim_address} ll\nr1 += 16\nr9 = 0x7ead\ncall bpf_spin_lock\nr0 = 0\nexit",
        ("mine",),
        r"bpf_spin_lock: R1 = 0x[0-9a-f]+ is not a bpf_spin_lock inside a map value",
    ),
    "spin_lock_on_the_stack": Case(
        "r1 = r10\nr1 += -8\nr9 = 0x7ead\ncall bpf_spin_lock\nr0 = 0\nexit",
        ("mine",),
        r"bpf_spin_lock: R1 = 0x[0-9a-f]+ is not a bpf_spin_lock inside a map value",
    ),
    "ringbuf_record_written_after_submit": Case(
        "r1 = map_fd(rb) ll\nr2 = 8\nr3 = 0\ncall bpf_ringbuf_reserve\nif r0 == 0 goto out\nr6 = r0\n"
        "r1 = 0x1111\n*(u64 *)(r6 + 0) = r1\nr1 = r6\nr2 = 0\ncall bpf_ringbuf_submit\nr1 = 0x2222\n"
        "r9 = 0x7ead\n*(u64 *)(r6 + 0) = r1\n" + OUT,
        ("rb",),
        r"invalid memory write of 8 bytes",
        changes=(("rb", "", r"\[(\['ok', '1111000000000000'\](, )?){n}\]"),),
    ),
    "ringbuf_record_written_past_its_size": Case(
        "r1 = map_fd(rb) ll\nr2 = 8\nr3 = 0\ncall bpf_ringbuf_reserve\nif r0 == 0 goto out\nr6 = r0\n"
        "r1 = 0x3333\nr9 = 0x7ead\n*(u64 *)(r6 + 8) = r1\n" + OUT,
        ("rb",),
        r"past the end of ring buffer record of map 'rb'",
        changes=(("rb", "", r"\[(\['discarded', '[0-9a-f]{16}'\](, )?){n}\]"),),  # the faulted runs' records
    ),
    "ringbuf_submit_of_a_forged_record": Case(
        "r1 = {rb_address} ll\nr1 += 8200\nr2 = 0\nr9 = 0x7ead\ncall bpf_ringbuf_submit\nr0 = 0\nexit",
        ("rb",),
        r"bpf_ringbuf_submit: R1 = 0x[0-9a-f]+ is not a ring buffer record",
    ),
    "ringbuf_submitted_twice": Case(
        "r1 = map_fd(rb) ll\nr2 = 8\nr3 = 0\ncall bpf_ringbuf_reserve\nif r0 == 0 goto out\nr6 = r0\n"
        "r1 = 0x4444\n*(u64 *)(r6 + 0) = r1\nr1 = r6\nr2 = 0\ncall bpf_ringbuf_submit\nr1 = r6\nr2 = 0\n"
        "r9 = 0x7ead\ncall bpf_ringbuf_discard\n" + OUT,
        ("rb",),
        r"bpf_ringbuf_discard: R1 = 0x[0-9a-f]+ is not a ring buffer record",
        changes=(("rb", "", r"\[(\['ok', '4444000000000000'\](, )?){n}\]"),),
    ),
    "value_pointer_kept_past_the_run": Case(  # run 1 keeps mine[3]'s pointer in mine[2], run 2 uses it
        lookup("mine", 2) + "r7 = r0\nr1 = *(u64 *)(r7 + 0)\nr2 = 0x1212121212121212 ll\n"
        "if r1 != r2 goto stale\n*(u32 *)(r10 - 4) = 3\nr1 = map_fd(mine) ll\nr2 = r10\nr2 += -4\n"
        "call bpf_map_lookup_elem\nif r0 == 0 goto out\n*(u64 *)(r7 + 0) = r0\ngoto out\n"
        "stale:\nr2 = 0x5555\nr9 = 0x7ead\n*(u64 *)(r1 + 8) = r2\n" + OUT,
        ("mine",),
        r"invalid memory write of 8 bytes at 0x",
        runs=2,
        changes=(("mine", "02000000", r"[0-9a-f]{16}1212121212121212"),),
    ),
    "value_pointer_kept_past_a_for_each_callback": Case(
        "r1 = map_fd(mine) ll\nr2 = func(callback) ll\nr3 = r10\nr3 += -8\nr4 = 0\n"
        "call bpf_for_each_map_elem\nr1 = *(u64 *)(r10 - 8)\nr2 = 0x6666\nr9 = 0x7ead\n"
        "*(u64 *)(r1 + 0) = r2\nr0 = 0\nexit\ncallback:\n*(u64 *)(r4 + 0) = r3\nr0 = 1\nexit",
        ("mine",),
        r"invalid memory write of 8 bytes .*not in any memory region",
    ),
    "tail_call_through_a_forged_prog_array": Case(
        "r2 = {victim_pointer} ll\nr3 = 0\nr9 = 0x7ead\ncall bpf_tail_call\nr0 = 0\nexit",
        ("progs",),
        r"bpf_tail_call: R2 = 0x[0-9a-f]+ is not a map of this program",
    ),
    "tail_call_through_a_map_of_another_type": Case(
        "r2 = map_fd(mine) ll\nr3 = 0\nr9 = 0x7ead\ncall bpf_tail_call\nr0 = 0\nexit",
        ("mine",),
        r"bpf_tail_call: R2 is map 'mine' \(array, id \d+\); bpf_tail_call takes prog arrays",
    ),
    "perf_event_output_to_a_forged_map": Case(
        "r2 = {events_pointer} ll\nr2 += 4096\nr3 = 0xffffffff ll\nr4 = r10\nr4 += -8\n"
        "*(u64 *)(r10 - 8) = r3\nr5 = 8\nr9 = 0x7ead\ncall bpf_perf_event_output\nr0 = 0\nexit",
        ("events",),
        r"bpf_perf_event_output: R2 = 0x[0-9a-f]+ is not a map of this program",
        entries=PACKET_ONLY,  # the xdp flavour of helper 25 needs the run's xdp_buff
    ),
    "packet_read_at_data_end": Case(
        "r2 = *(u32 *)(r1 + 4)\nr9 = 0x7ead\nr0 = *(u8 *)(r2 + 0)\nexit",
        (),
        r"invalid memory read of 1 byte .*just past the end of xdp packet",
        entries=PACKET_ONLY,
    ),
    "packet_read_past_data_end_into_the_tailroom": Case(
        "r2 = *(u32 *)(r1 + 4)\nr9 = 0x7ead\nr0 = *(u64 *)(r2 + 100)\nexit",
        (),
        r"invalid memory read of 8 bytes",
        entries=PACKET_ONLY,
    ),
    "packet_read_before_data_in_the_headroom": Case(
        "r2 = *(u32 *)(r1 + 0)\nr9 = 0x7ead\nr0 = *(u8 *)(r2 - 1)\nexit",
        (),
        r"invalid memory read of 1 byte .*1 byte\(s\) below xdp packet",
        entries=PACKET_ONLY,
    ),
    "packet_write_before_data_after_adjust_head": Case(
        "r6 = r1\nr2 = *(u32 *)(r6 + 0)\nr7 = r2\nr1 = r6\nr2 = 14\ncall bpf_xdp_adjust_head\n"
        "r2 = *(u32 *)(r6 + 0)\nr0 = *(u8 *)(r2 + 0)\nr9 = 0x7ead\n*(u8 *)(r7 + 0) = r0\nr0 = 0\nexit",
        (),
        r"invalid memory write of 1 byte .*14 byte\(s\) below xdp packet",
        entries=PACKET_ONLY,
    ),
    "tc_packet_read_at_data_end": Case(
        "r2 = *(u32 *)(r1 + 80)\nr9 = 0x7ead\nr0 = *(u8 *)(r2 + 0)\nexit",
        (),
        r"invalid memory read of 1 byte .*just past the end of packet",
        entries=PACKET_ONLY,
        prog_type="sched_cls",
    ),
}


def _expected_after(world: World, case: Case) -> dict[str, Any]:
    changed = {change[0] for change in case.changes}
    return {name: contents for name, contents in world.before.items() if name not in changed}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_program_reaches_only_what_it_was_given(world: World, name: str) -> None:
    case = CASES[name]
    reports = child(
        f"print(json.dumps([attack(entry, {case.text!r}, {case.prog_type!r}, {case.maps!r}, {case.runs})"
        f" for entry in {case.entries!r}]))",
        world.root,
    )
    ran = 0
    for entry, report in zip(case.entries, reports, strict=True):
        assert report["after"] == [7, (bytes([0x10]) * 16).hex()], (entry, report)  # the process carries on
        if report.get("stage") == "load":  # pybpf's verifier refuses it at load, as the kernel's does
            assert report["errno"] in (errno.EACCES, errno.EINVAL), (entry, report)
            continue
        ran += 1
        assert report["outcome"] == "fault", (entry, report)
        assert report["pc"] == report["marker"] is not None, (entry, report)  # the insn after the marker
        assert report["errno"] == (None if entry == "vm" else 14), (entry, report)  # bpf(): OSError EFAULT
        if entry != "vm":
            assert report["message"].startswith(f"[Errno 14] program fault: pc {report['pc']}: "), report
        assert re.search(case.message, report["message"]), (entry, report)
        assert report["after"] == [7, (bytes([0x10]) * 16).hex()], (entry, report)  # the process carries on
    after = child("print(json.dumps(snapshot()))", world.root)  # a second process checks the maps
    expected = _expected_after(world, case)
    assert {k: v for k, v in after.items() if k in expected} == expected
    for map_name, key, value in case.changes:
        if not key:  # one legitimate change per entry that ran
            assert re.fullmatch(value.replace("{n}", f"{{{ran}}}"), str(after[map_name])), after
            continue
        if not ran:  # every entry refused at load: nothing changed
            assert after[map_name] == world.before[map_name], after
            continue
        entries = dict(map(tuple, after[map_name]))
        assert re.fullmatch(value, entries.pop(key)), after[map_name]
        assert entries == dict(map(tuple, (e for e in world.before[map_name] if e[0] != key)))


def test_a_run_given_no_maps_reaches_none(world: World) -> None:
    """``pybpf.vm.run`` (and ``pybpf run``, the conformance plugin) give a program no maps at all."""
    report = child("print(json.dumps(without_maps()))", world.root)
    assert report["outcome"] == "fault" and report["pc"] == 5, report
    assert "bpf_map_lookup_elem: this run was given no maps" in report["message"]
    assert child("print(json.dumps(snapshot()))", world.root) == world.before


def test_global_data_is_exactly_the_value(world: World) -> None:
    """BPF_PSEUDO_MAP_VALUE of a single-element array: its value_size bytes, nothing around them."""
    report = child("print(json.dumps(global_data()))", world.root)
    assert report["ok"] == 1 and report["value"] == (bytes(16) + (0x77).to_bytes(8, "little")).hex()
    if "refused" in report:  # BPF_PROG_LOAD refuses the access past the value, as the kernel does
        assert report["refused"] == errno.EACCES, report
    else:
        assert report["fault"][0] == 3 and "past the end of value of map 'g'" in report["fault"][1], report
    assert child("print(json.dumps(snapshot()))", world.root) == world.before


def test_after_a_tail_call_the_callers_values_are_gone(world: World) -> None:
    """The target runs with its own maps only: a value pointer the caller left in skb->cb faults."""
    report = child("print(json.dumps(tail_call_with_a_value_in_cb()))", world.root)
    if "refused" in report:  # BPF_PROG_LOAD refuses B's store through a scalar, as the kernel does
        assert report["refused"] == errno.EACCES, report
    else:
        assert report.get("pc") == report["marker"] is not None, report
        assert re.search(r"invalid memory write of 8 bytes", report["message"]), report
    assert child("print(json.dumps(snapshot()))", world.root) == world.before


# -- the kernel's side: it refuses these programs at load ------------------------------------------------
KERNEL_REFUSES = (
    "null_map_pointer",
    "value_minus_offset_onto_the_hash_link",
    "value_plus_offset_onto_the_neighbour",
    "write_to_a_rdonly_prog_value",
    "update_of_a_rdonly_prog_map",
    "read_of_a_wronly_prog_value",
    "spin_lock_on_the_stack",
    "ringbuf_record_written_after_submit",
    "packet_read_at_data_end",
    "packet_read_before_data_in_the_headroom",
)


@pytest.mark.skipif(not kernel_bpf_available(), reason="the real bpf(2) is not available here")
@pytest.mark.parametrize("name", KERNEL_REFUSES)
def test_the_kernel_refuses_them_at_load(name: str) -> None:
    case = CASES[name]
    native = NativeBackend()
    shapes = {
        "mine": (uapi.BPF_MAP_TYPE_ARRAY, 4, 16, 4, 0),
        "h": (uapi.BPF_MAP_TYPE_HASH, 4, 8, 8, 0),
        "ro": (uapi.BPF_MAP_TYPE_ARRAY, 4, 16, 1, uapi.BPF_F_RDONLY_PROG),
        "wo": (uapi.BPF_MAP_TYPE_ARRAY, 4, 16, 1, uapi.BPF_F_WRONLY_PROG),
        "rb": (uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0),
    }
    maps = {n: Map.create(*shapes[n], backend=native) for n in case.maps}
    try:
        with pytest.raises(BPFError) as refused:
            Program.load(case.text, case.prog_type, maps=maps, backend=native).close()
        assert refused.value.errno == 13  # EACCES: the verifier's refusal
    finally:
        for handle in maps.values():
            handle.close()
