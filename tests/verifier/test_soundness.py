"""Soundness of the verifier on random XDP programs, and its verdicts against the kernel's.

A generator builds programs from the patterns verifiers exist for — packet reads after (or
without) a data_end check, map lookups with (or without) the null check and value accesses at
constant or masked variable offsets, stack stores and loads at any offset and size, arithmetic on
scalars, references (ring-buffer records reserved, written and submitted or discarded — or leaked,
used without the NULL check, written past their size; sockets looked up and released — or not;
ring-buffer dynptrs with their slices, overwritten, submitted or leaked),
and callbacks (bpf_loop over a callback that reads its context, returns in or out of [0, 1]).
Every program pybpf accepts must run without a fault in the interpreter on packets of any length
and terminate (an accepted program is safe without run-time checks), and must be one the kernel
accepts; the verdicts must agree with the kernel's (same errno) on at least 98% of them.  Socket
lookups and dynptrs have no run-time implementation in pybpf: those programs are generated for the
verdicts only (``random_program(seed, runnable=False)``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import random
import struct
from collections.abc import Iterator

import pytest

from pybpf import Map, Program, uapi
from pybpf.errors import BPFError, ProgramFaultError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from tests.verifier.refs_harness import FIRST_FUNC, btf_blob, subprogram_starts

SIZES = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}


def snippet(rng: random.Random, n: int, callbacks: list[str], *, runnable: bool = True) -> list[str]:
    kind = rng.randrange(7 if runnable else 9)
    size = rng.choice(list(SIZES))
    if kind == 0:  # packet read, checked or not
        check = rng.randrange(0, 40)
        lines = [] if rng.random() < 0.2 else ["r2 = r7", f"r2 += {check}", "if r2 > r8 goto out"]
        return [*lines, f"r3 = *({SIZES[size]} *)(r7 + {rng.randrange(0, 40)})"]
    if kind == 1:  # map lookup and a value access
        key_off = rng.choice((-4, -8, -12, -16))
        key_at = key_off + rng.choice((0, 0, 0, 2))
        lines = ["r1 = 0", f"*(u32 *)(r10 {key_off}) = r1", "r2 = r10", f"r2 += {key_at}",
                 "r1 = map_fd(m) ll", "call bpf_map_lookup_elem"]  # fmt: skip
        if rng.random() < 0.85:
            lines.append("if r0 == 0 goto out")
        if rng.random() < 0.5:
            lines.append(f"r3 = *({SIZES[size]} *)(r0 + {rng.randrange(-2, 18)})")
        else:
            lines += [f"r4 = *(u32 *)(r6 + {rng.choice((12, 16))})", f"r4 &= {rng.choice((3, 7, 15, 31))}",
                      "r0 += r4", f"r3 = *(u8 *)(r0 + {rng.randrange(0, 4)})"]  # fmt: skip
        return lines
    if kind == 2:  # stack store then load
        off = -rng.randrange(1, 530)
        off -= off % size if rng.random() < 0.9 else 0
        return [
            f"*({SIZES[size]} *)(r10 {off}) = {rng.randrange(256)}",
            f"r3 = *({SIZES[size]} *)(r10 {off})",
        ]
    if kind == 3:  # scalar arithmetic
        op = rng.choice(("+=", "-=", "*=", "&=", "|=", "^=", "<<=", ">>=", "s>>="))
        imm = rng.randrange(64) if "<" in op or ">" in op else rng.randrange(-100, 1000)
        return [f"r{rng.choice((3, 4, 5))} = {rng.randrange(100)}", f"r{rng.choice((3, 4, 5))} {op} {imm}"]
    if kind == 5:
        return ringbuf_record(rng, n, size)
    if kind == 6:
        return loop_call(rng, n, callbacks)
    if kind == 7:
        return socket_lookup(rng, n)
    if kind == 8:
        return ringbuf_dynptr(rng, n)
    return [f"if r3 > {rng.randrange(100)} goto l{n}", "r3 = 0", f"l{n}:"]


def ringbuf_record(rng: random.Random, n: int, size: int) -> list[str]:
    """A ring-buffer record reserved, written (in or past its size) and submitted or discarded;
    sometimes without the NULL check, sometimes leaked."""
    record = rng.choice((8, 16))
    lines = ["r1 = map_fd(rb) ll", f"r2 = {record}", "r3 = 0", "call bpf_ringbuf_reserve"]
    if rng.random() < 0.85:
        lines.append(f"if r0 == 0 goto l{n}")
    lines.append(f"*({SIZES[size]} *)(r0 + {rng.randrange(0, 12) if rng.random() < 0.9 else record}) = 1")
    if rng.random() < 0.9:
        lines += ["r1 = r0", "r2 = 0", f"call bpf_ringbuf_{rng.choice(('submit', 'discard'))}"]
    return [*lines, f"l{n}:", "r3 = 0"]


def loop_call(rng: random.Random, n: int, callbacks: list[str]) -> list[str]:
    """bpf_loop over a callback whose context is a stack slot (written or not); the callback reads
    it and returns 0, 1 or (refused) 2."""
    lines = [] if rng.random() < 0.15 else [f"*(u64 *)(r10 -8) = {rng.randrange(100)}"]
    # (at least one iteration: Linux 6.18 refuses a callback it never enters, EFAULT "verifier bug")
    name = f"cb{n}"
    callbacks += [f"{name}:", "r0 = *(u64 *)(r2 + 0)", f"r0 &= {rng.choice((0, 1, 1, 1, 3))}", "exit"]
    return [*lines, f"r1 = {rng.randrange(1, 20)}", f"r2 = func({name}) ll", "r3 = r10", "r3 += -8", "r4 = 0",
            "call bpf_loop", "r3 = 0"]  # fmt: skip


def socket_lookup(rng: random.Random, n: int) -> list[str]:
    """bpf_sk_lookup_tcp on a 12-byte IPv4 tuple, a field read and bpf_sk_release; sometimes without
    the NULL check, sometimes leaked."""
    lines = ["r1 = 0", "*(u64 *)(r10 -16) = r1", "*(u32 *)(r10 -8) = r1", "r2 = r10", "r2 += -16", "r1 = r6",
             "r3 = 12", "r4 = -1", "r5 = 0", "call bpf_sk_lookup_tcp"]  # fmt: skip
    if rng.random() < 0.85:
        lines.append(f"if r0 == 0 goto l{n}")
    if rng.random() < 0.5:
        lines.append(
            f"r3 = *({SIZES[rng.choice((1, 2, 4, 8))]} *)(r0 + {rng.choice((4, 8, 12, 48, 49, 50, 200))})"
        )
    if rng.random() < 0.9:
        lines += ["r1 = r0", "call bpf_sk_release"]
    return [*lines, f"l{n}:", "r3 = 0"]


def ringbuf_dynptr(rng: random.Random, n: int) -> list[str]:
    """A ring-buffer dynptr reserved on the stack (aligned or not), a slice written (in or past its
    size, NULL-checked or not), the dynptr's slots overwritten or not, submitted or leaked."""
    at = rng.choice((-16, -16, -24, -12))
    lines = [
        "r1 = map_fd(rb) ll",
        "r2 = 8",
        "r3 = 0",
        "r4 = r10",
        f"r4 += {at}",
        "call bpf_ringbuf_reserve_dynptr",
    ]
    if rng.random() < 0.5:
        lines += ["r1 = r10", f"r1 += {at}", "r2 = 0", f"r3 = {rng.choice((4, 8))}", "call bpf_dynptr_data"]
        if rng.random() < 0.85:
            lines.append(f"if r0 == 0 goto d{n}")
        lines.append(f"*(u32 *)(r0 + {rng.choice((0, 4, 6))}) = 1")
        lines.append(f"d{n}:")
    if rng.random() < 0.1:
        lines.append(f"*(u64 *)(r10 {at}) = 0")
    if rng.random() < 0.9:
        lines += [
            "r1 = r10",
            f"r1 += {at}",
            "r2 = 0",
            f"call bpf_ringbuf_{rng.choice(('submit', 'discard'))}_dynptr",
        ]
    return [*lines, "r3 = 0"]


def random_program(seed: int, *, runnable: bool = True) -> str:
    rng = random.Random(seed)
    lines = ["r6 = r1", "r7 = *(u32 *)(r6 + 0)", "r8 = *(u32 *)(r6 + 4)", "r3 = 0"]
    callbacks: list[str] = []
    for n in range(rng.randint(1, 5)):
        lines += snippet(rng, n, callbacks, runnable=runnable)
    return "\n".join([*lines, "out:", "r0 = 2", "exit", *callbacks])


@contextlib.contextmanager
def loaded(text: str, backend: Backend) -> Iterator[tuple[int, Program | None]]:
    """BPF_PROG_LOAD of ``text`` with its maps (``m``: a hash map holding key 0, ``rb``: a ring
    buffer), BTF and one static FUNC per subprogram in func_info (as clang's output has: callbacks
    need it): (0, the program) or (errno, None)."""
    values = Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 16, 8, backend=backend)
    values[0] = bytes(16)
    events = Map.create(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, backend=backend)
    text = text.replace("map_fd(m)", f"map_fd({values.fd})").replace("map_fd(rb)", f"map_fd({events.fd})")
    insns = assemble(text, "kernel")
    starts = subprogram_starts(insns)
    blob = btf_blob(len(starts))
    code = encode_program(insns)
    func_info = b"".join(struct.pack("<II", start, FIRST_FUNC + i) for i, start in enumerate(starts))
    buffers = [ctypes.create_string_buffer(b, len(b)) for b in (blob, code, b"GPL", func_info)]
    btf = uapi.bpf_attr()
    btf.btf, btf.btf_size = ctypes.addressof(buffers[0]), len(blob)
    btf_fd = backend.bpf(uapi.BPF_BTF_LOAD, btf)
    try:
        prog = uapi.bpf_attr()
        prog.prog_type = uapi.BPF_PROG_TYPE_XDP
        prog.insns, prog.insn_cnt = ctypes.addressof(buffers[1]), len(code) // 8
        prog.license = ctypes.addressof(buffers[2])
        prog.prog_btf_fd, prog.func_info_rec_size = btf_fd, 8
        prog.func_info, prog.func_info_cnt = ctypes.addressof(buffers[3]), len(starts)
        try:
            fd = backend.bpf(uapi.BPF_PROG_LOAD, prog)
        except BPFError as exc:
            yield exc.errno or 0, None
            return
        with Program(fd, backend=backend) as program:
            yield 0, program
    finally:
        os.close(btf_fd)
        values.close()
        events.close()


def load(text: str, backend: Backend) -> int:
    """The errno of the load (0: accepted)."""
    with loaded(text, backend) as (err, _):
        return err


SEEDS = range(300)


@pytest.mark.usefixtures("engine")  # on the JIT, the verifier's facts leave accesses unchecked
@pytest.mark.parametrize("seed", SEEDS)
def test_accepted_programs_never_fault(seed: int) -> None:
    text = random_program(seed)
    rng = random.Random(seed)
    with loaded(text, UserBackend()) as (_, prog):
        if prog is None:
            return
        for length in (0, 1, 13, 14, 39, 40, 64, rng.randrange(100)):
            try:
                prog.run(bytes(rng.randrange(256) for _ in range(length)))
            except ProgramFaultError as exc:  # pragma: no cover - the failure being tested for
                pytest.fail(f"accepted program faulted: {exc}\n{text}")
            except BPFError:
                pass  # a packet the test run refuses (too short for XDP): not a program fault


def test_verdicts_agree_with_the_kernel() -> None:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    disagreements = []
    for seed in SEEDS:
        text = random_program(seed, runnable=seed % 2 == 0)
        mine, theirs = load(text, UserBackend()), load(text, NativeBackend())
        assert not (mine == 0 and theirs), f"pybpf accepts what the kernel refuses (errno {theirs}):\n{text}"
        if mine != theirs:
            disagreements.append((seed, mine, theirs))
    assert len(disagreements) <= len(SEEDS) * 2 // 100, disagreements
