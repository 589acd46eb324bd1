"""The corpus of ``tests/programs/corpus.py`` run on pybpf and on the kernel, with equal results.

For each program: create its maps (pre-filled as the case says) on the user backend and on the
real kernel, load it (and the programs its prog arrays hold), make every run, then compare what
both answered — retval, data_out, ctx_out, or the errno of a refused run — and the full contents
of every map afterwards (hash maps as sorted items, queues and stacks popped empty, ringbufs read
through ``pybpf.RingBuffer``).  The process is pinned to one CPU while a case runs, so per-CPU
values are compared CPU by CPU (their sums first, for a clearer failure).  A hypothesis test
feeds random packets to the map-free parsers.  The kernel half is skipped where bpf(2) is not
available; then the user backend still has to run every case without an error it did not expect.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import mmap
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from pybpf import Map, Program, RingBuffer, uapi
from pybpf.errors import BPFError
from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction, encode_program
from pybpf.isa.program import ProgramView
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.program import instructions_of, prog_type_number
from tests.kernel_build import refused_in
from tests.programs import corpus
from tests.programs.corpus import CORPUS, PARSERS, Case, MapSpec, Run

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

_NO_BTF = (
    "pybpf differs: BPF_BTF_LOAD is not implemented (EINVAL 'not yet implemented in pybpf'), so a program "
    "with a callback (lddw func(), which needs BTF func_info) cannot be loaded; the kernel loads and runs it"
)
MISMATCHES: dict[str, str] = {}
"""Cases where pybpf is known to answer differently from the kernel: name -> what differs."""

CALL, LDDW = 0x85, 0x18
PERCPU_TYPES = {
    uapi.BPF_MAP_TYPE_PERCPU_ARRAY,
    uapi.BPF_MAP_TYPE_PERCPU_HASH,
    uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH,
}


@pytest.fixture(autouse=True, scope="module")
def _private_bpffs() -> Iterator[Path]:
    """One pybpf bpffs root for the whole module (overrides the per-test root of the conftest).

    A process normally has one root, where program ids never repeat.  With a fresh root per test
    ids restart at 1, and pybpf's tail calls find a stale program by id (see
    ``test_tail_call_after_the_bpffs_root_changed``), which would make the corpus order-dependent.
    """
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    root = Path(tempfile.mkdtemp(prefix="pybpffs-programs-", dir=base))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYBPF_BPFFS", str(root))
        try:
            yield root
        finally:
            shutil.rmtree(root, ignore_errors=True)


@dataclass
class Outcome:
    """Everything one backend answered for one case."""

    load: str = "ok"
    runs: list[tuple[Any, ...]] = field(default_factory=list)
    maps: dict[str, Any] = field(default_factory=dict)


@contextlib.contextmanager
def one_cpu() -> Iterator[int]:
    """Pin this process to one CPU (so both backends run a program on the same one)."""
    before = os.sched_getaffinity(0)
    cpu = min(before)
    os.sched_setaffinity(0, {cpu})
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, before)


def _elem(backend: Backend, cmd: int, fd: int, value: ctypes.Array[ctypes.c_char], flags: int = 0) -> None:
    """A keyless element command (queue/stack push, peek, pop)."""
    attr = uapi.bpf_attr()
    attr.map_fd, attr.key, attr.value, attr.flags = fd, 0, ctypes.addressof(value), flags
    backend.bpf(cmd, attr)


def create_map(spec: MapSpec, backend: Backend) -> Map:
    m = Map.create(
        spec.map_type,
        spec.key_size,
        spec.value_size,
        spec.max_entries,
        spec.flags,
        spec.name,
        backend=backend,
    )
    for key, value in spec.init:
        if key is None:
            buffer = ctypes.create_string_buffer(value, len(value))
            _elem(backend, uapi.BPF_MAP_UPDATE_ELEM, m.fd, buffer)
        else:
            m[key] = value
    return m


def dump_map(m: Map, backend: Backend) -> Any:
    """The full contents of ``m`` in a form both backends must agree on."""
    if m.map_type in (uapi.BPF_MAP_TYPE_QUEUE, uapi.BPF_MAP_TYPE_STACK):
        popped: list[bytes] = []
        value = ctypes.create_string_buffer(m.value_size)
        while True:
            try:
                _elem(backend, uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM, m.fd, value)
            except BPFError as exc:
                assert exc.errno == errno.ENOENT
                return popped
            popped.append(value.raw)
    if m.map_type == uapi.BPF_MAP_TYPE_RINGBUF:
        with RingBuffer(m) as ring:
            return ring.read()
    if m.map_type == uapi.BPF_MAP_TYPE_PROG_ARRAY:
        return None  # holds program ids, which differ between the backends
    items = sorted((bytes(key), bytes(m[key])) for key in m)
    if m.flags & uapi.BPF_F_MMAPABLE:  # what user space sees through mmap, too
        size = m.value_size * m.max_entries
        with mmap.mmap(m.fd, size, mmap.MAP_SHARED, mmap.PROT_READ) as view:
            return {"items": items, "mmap": view[:size]}
    if m.map_type in PERCPU_TYPES:
        slot = (m.value_size + 7) // 8 * 8
        sums = {key: _percpu_sums(value, slot, m.value_size) for key, value in items}
        return {"sums": sums, "per_cpu": items}
    return items


def _percpu_sums(value: bytes, slot: int, size: int) -> list[int]:
    """The sum over CPUs of each u64 of a per-CPU value."""
    words = [struct.unpack_from(f"<{size // 8}Q", value, cpu * slot) for cpu in range(len(value) // slot)]
    return [sum(column) & (2**64 - 1) for column in zip(*words, strict=True)]


def raw_run(prog: Program, ctx: bytes) -> tuple[int, bytes]:
    """BPF_PROG_TEST_RUN with ctx_in only (SYSCALL writes the ctx back into ctx_in)."""
    buffer = ctypes.create_string_buffer(ctx, max(1, len(ctx)))
    attr = uapi.bpf_attr()
    attr.test.prog_fd = prog.fd
    attr.test.ctx_in, attr.test.ctx_size_in = ctypes.addressof(buffer), len(ctx)
    prog.backend.bpf(uapi.BPF_PROG_TEST_RUN, attr)
    return attr.test.retval, buffer.raw[: len(ctx)]


def do_run(prog: Program, case: Case, run: Run) -> tuple[Any, ...]:
    try:
        if case.ctx_only:
            return raw_run(prog, run.ctx or b"")
        result = prog.run(run.data, ctx=run.ctx, repeat=run.repeat)
    except BPFError as exc:
        return ("errno", exc.errno)
    except Exception as exc:  # pybpf failing where the kernel answers is a mismatch
        return ("exception", f"{type(exc).__name__}: {exc}")
    return (result.retval, result.data_out, result.ctx_out)


def subprog_starts(insns: list[Instruction]) -> list[int]:
    """Slot indices where subprograms start: 0 and every bpf-to-bpf call or lddw func() target."""
    return list(ProgramView(insns).subprograms)


def func_btf(count: int) -> bytes:
    """Raw BTF: ``int``, ``int (void)`` and ``count`` static FUNCs of that prototype (f0, f1 ...)."""
    names = b"\0int\0" + b"".join(b"f%d\0" % i for i in range(count))
    types = struct.pack("<IIII", 1, 1 << 24, 4, (1 << 24) | 32)  # [1] INT int, signed, 32 bits
    types += struct.pack("<III", 0, 13 << 24, 1)  # [2] FUNC_PROTO int (void)
    offset = 5
    for i in range(count):  # [3 + i] FUNC fi, static linkage
        types += struct.pack("<III", offset, 12 << 24, 2)
        offset += len(b"f%d\0" % i)
    return struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(types), len(types), len(names)) + types + names


def load_with_func_info(case: Case, insns: list[Instruction], backend: Backend) -> Program:
    """BPF_PROG_LOAD with BTF func_info (what the kernel needs for callbacks: bpf_loop, for_each)."""
    starts = subprog_starts(insns)
    blob = func_btf(len(starts))
    btf_buf = ctypes.create_string_buffer(blob, len(blob))
    attr = uapi.bpf_attr()
    attr.btf, attr.btf_size = ctypes.addressof(btf_buf), len(blob)
    btf_fd = backend.bpf(uapi.BPF_BTF_LOAD, attr)
    try:
        records = b"".join(struct.pack("<II", start, 3 + i) for i, start in enumerate(starts))
        info_buf = ctypes.create_string_buffer(records, len(records))
        code = ctypes.create_string_buffer(encode_program(insns))
        lic = ctypes.create_string_buffer(b"GPL")
        log = ctypes.create_string_buffer(1 << 16)
        attr = uapi.bpf_attr()
        attr.prog_type = prog_type_number(case.prog_type)
        attr.insns, attr.insn_cnt = ctypes.addressof(code), sum(i.slots for i in insns)
        attr.license, attr.prog_flags = ctypes.addressof(lic), case.prog_flags
        attr.log_level, attr.log_size, attr.log_buf = 1, len(log), ctypes.addressof(log)
        attr.prog_btf_fd, attr.func_info_rec_size = btf_fd, 8
        attr.func_info, attr.func_info_cnt = ctypes.addressof(info_buf), len(starts)
        try:
            fd = backend.bpf(uapi.BPF_PROG_LOAD, attr)
        except BPFError as exc:
            exc.log = log.value.decode(errors="replace")
            raise
    finally:
        os.close(btf_fd)
    return Program.from_fd(fd, backend=backend)


def load(case: Case, text: str, maps: dict[str, Map], backend: Backend) -> Program:
    insns = instructions_of(text, maps)
    if any(i.src == op.BPF_PSEUDO_FUNC and i.opcode == LDDW for i in insns):
        return load_with_func_info(case, insns, backend)
    return Program.load(insns, case.prog_type, prog_flags=case.prog_flags, log_level=1, backend=backend)


def run_case(case: Case, backend: Backend) -> Outcome:
    outcome = Outcome()
    maps = {spec.name: create_map(spec, backend) for spec in case.maps}
    programs: list[Program] = []
    try:
        try:
            programs.append(load(case, case.text, maps, backend))
            for tail in case.tails:
                target = programs[0] if tail.text is None else load(case, tail.text, maps, backend)
                if tail.text is not None:
                    programs.append(target)
                maps[tail.array][tail.slot] = target.fd
        except BPFError as exc:
            log = (getattr(exc, "log", "") or "").strip().splitlines()
            outcome.load = f"errno {exc.errno}: {log[-2:] if log else exc}"
            return outcome
        with one_cpu():
            outcome.runs = [do_run(programs[0], case, run) for run in case.runs]
        outcome.maps = {name: dump_map(m, backend) for name, m in maps.items()}
        for tail in case.tails:
            del maps[tail.array][tail.slot]
    finally:
        for prog in programs:
            prog.close()
        for m in maps.values():
            m.close()
    return outcome


def _params() -> list[Any]:
    return [
        pytest.param(case, id=case.name, marks=[pytest.mark.xfail(strict=True, reason=MISMATCHES[case.name])])
        if case.name in MISMATCHES
        else pytest.param(case, id=case.name)
        for case in CORPUS
    ]


def test_corpus_is_large_and_uniquely_named() -> None:
    assert len(CORPUS) >= 40
    assert len({case.name for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", _params())
def test_program_matches_the_kernel(case: Case) -> None:
    mine = run_case(case, UserBackend())
    maps = [spec.name for spec in case.maps]
    texts = [case.text, *(tail.text for tail in case.tails if tail.text is not None)]
    refusal = next((why for text in texts if (why := refused_in(text, case.prog_type, maps))), "")
    if not kernel_bpf_available() or refusal:
        assert mine.load == "ok", f"pybpf refused the program: {mine.load}"
        pytest.skip(
            refusal or "the real bpf(2) is not available here (pybpf ran the case without a reference)"
        )
    theirs = run_case(case, NativeBackend())
    assert theirs.load == "ok", f"the kernel refused the program (the corpus is wrong): {theirs.load}"
    assert mine.load == "ok", f"pybpf refused the program the kernel loads: {mine.load}"
    for index, (got, want) in enumerate(zip(mine.runs, theirs.runs, strict=True)):
        assert got == want, f"run {index} ({case.runs[index]!r:.120}): pybpf {got!r} != kernel {want!r}"
    for name in mine.maps:
        got_map, want_map = mine.maps[name], theirs.maps[name]
        if (
            isinstance(want_map, dict) and "sums" in want_map
        ):  # per-CPU: sums first, then CPU by CPU (both ran on one CPU)
            assert got_map["sums"] == want_map["sums"], f"map {name}: per-CPU sums differ"
        assert got_map == want_map, f"map {name}: pybpf {got_map!r} != kernel {want_map!r}"


# --- random packets through the parsers -----------------------------------------------------------

PACKET_PREFIXES = [
    corpus.PACKETS[name][:length] for name in corpus.ALL_PACKETS for length in (14, 18, 34, 54)
]


def _packet() -> st.SearchStrategy[bytes]:
    """Random bytes, or a real packet's headers with random bytes after and random corruption."""
    raw = st.binary(min_size=14, max_size=120)
    based = st.tuples(
        st.sampled_from(PACKET_PREFIXES), st.binary(max_size=64), st.integers(0, 53), st.integers(0, 255)
    ).map(lambda t: _corrupt(t[0] + t[1], t[2], t[3]))
    return st.one_of(raw, based, based)


def _corrupt(packet: bytes, at: int, value: int) -> bytes:
    if at < len(packet) and at % 3 == 0:
        return packet[:at] + bytes([value]) + packet[at + 1 :]
    return packet


@pytest.mark.parametrize("case", [p for p in _params() if p.values[0] in PARSERS])
def test_parser_on_random_packets(case: Case) -> None:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    assert not case.maps
    mine = load(case, case.text, {}, UserBackend())
    theirs = load(case, case.text, {}, NativeBackend())

    @seed(20251125)
    @settings(
        max_examples=200,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(packet=_packet())
    def check(packet: bytes) -> None:
        run = Run(packet)
        assert do_run(mine, case, run) == do_run(theirs, case, run)

    try:
        check()
    finally:
        mine.close()
        theirs.close()


# --- known pybpf bugs, reproduced deterministically ----------------------------------------------------


def test_tail_call_after_the_bpffs_root_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    caller_text = "r2 = map_fd(jmp) ll\nr3 = 0\ncall bpf_tail_call\nr0 = 99\nexit"
    backend = UserBackend()
    results = []
    for value in (1, 2):
        root = Path(
            tempfile.mkdtemp(prefix="pybpffs-root-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        )
        monkeypatch.setenv("PYBPF_BPFFS", str(root))
        try:
            jmp = Map.create(uapi.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 1, backend=backend)
            target = Program.load(f"r0 = {value}\nexit", "xdp", backend=backend)
            jmp[0] = target.fd
            caller = Program.load(caller_text, "xdp", maps={"jmp": jmp}, backend=backend)
            results.append(caller.run(corpus.PACKETS["arp"]).retval)
            del jmp[0]
            for obj in (caller, target, jmp):
                obj.close()
        finally:
            shutil.rmtree(root, ignore_errors=True)
    assert results == [1, 2]
