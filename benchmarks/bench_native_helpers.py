"""Benchmark of the helpers pybpf's JIT runs natively: ns per run on the JIT, the interpreter and the kernel.

Small programs, each spending its time in one helper: XDP programs calling ``bpf_ringbuf_output`` of
16 bytes from the stack, ``bpf_ringbuf_reserve`` of 16 bytes written and submitted, or discarded
(``pybpf.jit.native_ringbuf``), ``bpf_ringbuf_reserve_dynptr`` of 16 bytes, 16 written through
``bpf_dynptr_write`` and submitted (``pybpf.jit.native_dynptr``), ``bpf_loop`` of 16 callbacks
summing their index (``pybpf.jit.native_loop``), ``bpf_csum_diff`` of 20 against 44 bytes of the packet
(``pybpf.jit.native_csum``), ``bpf_xdp_adjust_head`` (14 bytes of headroom taken and given back, the
new Ethernet header written in between) and four ``bpf_map_lookup_elem`` in an LRU hash of 64 keys,
each incrementing the value it found, four ``bpf_map_update_elem`` in an LRU_PERCPU_HASH of 64 keys
(``pybpf.jit.native_lru``), a ``bpf_for`` loop of 64 steps hashing the iterator's values (the
kfuncs bpf_iter_num_new/next/destroy: ``pybpf.jit.native_iter``), and tc classifiers calling
``bpf_skb_load_bytes`` (32 bytes into the stack) and ``bpf_skb_store_bytes`` of a 4-byte address
followed by ``bpf_l3_csum_replace`` and ``bpf_l4_csum_replace`` for it (``pybpf.jit.native_packet``).
Each is loaded on pybpf with each engine (``PYBPF_ENGINE``: ``jit``, ``interpreter``) and, where the
real bpf(2) is available, on the kernel, and run with BPF_PROG_TEST_RUN and ``repeat`` runs per call
on a 64-byte frame; the duration the call reports (mean ns per run) is taken, the best of ``rounds``
calls.  The ring buffer is drained between calls (outside the measured loop), so every run takes the
output (or reserve) path.  The kernel needs BTF func_info for the ``bpf_loop`` program's callback:
the program is loaded with a minimal BTF (two static functions) built here.

    .venv/bin/python benchmarks/bench_native_helpers.py [--repeat N] [--rounds N] [--no-kernel] [--only a,b]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import struct
from collections.abc import Callable, Iterator

from pybpf import Map, Program, RingBuffer, uapi
from pybpf.isa.instruction import encode_program
from pybpf.isa.program import ProgramView
from pybpf.kernel import prog_run
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.program import instructions_of

FRAME = bytes(range(64))
RING_BYTES = 1 << 22

RINGBUF_OUTPUT = """
    *(u64 *)(r10 - 16) = r1
    r1 = 42
    *(u64 *)(r10 - 8) = r1
    r1 = map_fd(ring) ll
    r2 = r10
    r2 += -16
    r3 = 16
    r4 = 0
    call bpf_ringbuf_output
    r0 = 2
    exit
"""

RINGBUF_RESERVE = """
    r1 = map_fd(ring) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = 42
    *(u64 *)(r0 + 0) = r1
    *(u64 *)(r0 + 8) = r1
    r1 = r0
    r2 = 0
    call bpf_ringbuf_{release}
out:
    r0 = 2
    exit
"""

RINGBUF_DYNPTR = """
    r1 = map_fd(ring) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = 42
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -32
    r4 = 16
    r5 = 0
    call bpf_dynptr_write
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 2
    exit
"""

LRU_KEYS = 64
LRU_LOOKUPS = "".join(
    f"""
    r1 = {key}
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(lru) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto skip{key}
    r1 = *(u64 *)(r0 + 0)
    r1 += 1
    *(u64 *)(r0 + 0) = r1
skip{key}:"""
    for key in (3, 17, 42, 63)
)
LRU_LOOKUP = LRU_LOOKUPS + "\n    r0 = 2\n    exit\n"
LRU_UPDATES = "".join(
    f"""
    r1 = {key}
    *(u32 *)(r10 - 4) = r1
    *(u64 *)(r10 - 16) = r1
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    r1 = map_fd(lru) ll
    call bpf_map_update_elem"""
    for key in (3, 17, 42, 63)
)
LRU_UPDATE = LRU_UPDATES + "\n    r0 = 2\n    exit\n"

ITER_STEPS = 64
ITER_NEW, ITER_NEXT, ITER_DESTROY = (
    kernel_btf().func_id(f"bpf_iter_num_{n}") for n in ("new", "next", "destroy")
)
BPF_FOR = f"""
    r6 = 0
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 1
    if r4 > r3 goto done
    r3 = *(u8 *)(r2 + 0)
    r3 += {ITER_STEPS}
    r1 = r10
    r1 += -8
    r2 = 0
    call kfunc({ITER_NEW})
loop:
    r1 = r10
    r1 += -8
    call kfunc({ITER_NEXT})
    if r0 == 0 goto drained
    r1 = *(u32 *)(r0 + 0)
    r6 *= 31
    r6 += r1
    goto loop
drained:
    r1 = r10
    r1 += -8
    call kfunc({ITER_DESTROY})
done:
    r0 = r6
    exit
"""
"""bpf_for(i, 0, 64 + the frame's first byte, 0 here: a bound the compiler cannot see) hashing i."""

BPF_LOOP = """
    *(u64 *)(r10 - 8) = 0
    r1 = 16
    r2 = func(callback) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
    r0 = *(u64 *)(r10 - 8)
    exit
callback:
    r3 = *(u64 *)(r2 + 0)
    r3 += r1
    *(u64 *)(r2 + 0) = r3
    r0 = 0
    exit
"""

CSUM_DIFF = """
    r6 = *(u32 *)(r1 + 0)
    r7 = *(u32 *)(r1 + 4)
    r2 = r6
    r2 += 64
    if r2 > r7 goto out
    r1 = r6
    r2 = 20
    r3 = r6
    r3 += 20
    r4 = 44
    r5 = 0
    call bpf_csum_diff
    exit
out:
    r0 = 1
    exit
"""


SKB_LOAD_BYTES = """
    r2 = 14
    r3 = r10
    r3 += -32
    r4 = 32
    call bpf_skb_load_bytes
    r0 = *(u32 *)(r10 - 20)
    exit
"""

SKB_STORE_AND_CSUM = """
    r6 = r1
    r1 = 0x0a000001
    *(u32 *)(r10 - 4) = r1
    r1 = r6
    r2 = 26
    r3 = r10
    r3 += -4
    r4 = 4
    r5 = 0
    call bpf_skb_store_bytes
    r1 = r6
    r2 = 24
    r3 = 0x0a000002
    r4 = 0x0a000001
    r5 = 4
    call bpf_l3_csum_replace
    r1 = r6
    r2 = 50
    r3 = 0x0a000002
    r4 = 0x0a000001
    r5 = 0x14
    call bpf_l4_csum_replace
    r0 = 0
    exit
"""

XDP_ADJUST_HEAD = """
    r6 = r1
    r2 = -14
    call bpf_xdp_adjust_head
    if r0 != 0 goto out
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 28
    if r4 > r3 goto out
    r1 = *(u64 *)(r2 + 14)
    *(u64 *)(r2 + 0) = r1
    r1 = *(u32 *)(r2 + 22)
    *(u32 *)(r2 + 8) = r1
    r1 = r6
    r2 = 14
    call bpf_xdp_adjust_head
    r0 = 2
    exit
out:
    r0 = 1
    exit
"""


def func_info_btf() -> bytes:
    """Raw BTF of ``int``, ``int (void)`` and two static FUNCs of that prototype (ids 3 and 4)."""
    names = b"\0int\0prog\0callback\0"
    types = struct.pack("<4I", 1, 1 << 24, 4, 1 << 24 | 32)  # [1] INT "int": 4 bytes, signed, 32 bits
    types += struct.pack("<3I", 0, 13 << 24, 1)  # [2] FUNC_PROTO returning [1], no parameters
    types += struct.pack("<3I", 5, 12 << 24, 2)  # [3] FUNC "prog", static
    types += struct.pack("<3I", 10, 12 << 24, 2)  # [4] FUNC "callback", static
    header = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(types), len(types), len(names))
    return header + types + names


def load_with_callback(text: str, backend: Backend) -> Program:
    """BPF_PROG_LOAD an XDP program with one callback subprogram, with the func_info the kernel needs."""
    insns = instructions_of(text, {})
    _, callback = ProgramView(insns).subprograms
    blob = func_info_btf()
    btf_buffer = ctypes.create_string_buffer(blob, len(blob))
    attr = uapi.bpf_attr()
    attr.btf, attr.btf_size = ctypes.addressof(btf_buffer), len(blob)
    btf_fd = backend.bpf(uapi.BPF_BTF_LOAD, attr)
    try:
        records = struct.pack("<4I", 0, 3, callback, 4)
        info = ctypes.create_string_buffer(records, len(records))
        code = ctypes.create_string_buffer(encode_program(insns))
        licence = ctypes.create_string_buffer(b"GPL")
        attr = uapi.bpf_attr()
        attr.prog_type = uapi.BPF_PROG_TYPE_XDP
        attr.insns, attr.insn_cnt = ctypes.addressof(code), sum(insn.slots for insn in insns)
        attr.license = ctypes.addressof(licence)
        attr.prog_btf_fd, attr.func_info_rec_size = btf_fd, 8
        attr.func_info, attr.func_info_cnt = ctypes.addressof(info), 2
        fd = backend.bpf(uapi.BPF_PROG_LOAD, attr)
    finally:
        os.close(btf_fd)
    return Program.from_fd(fd, backend=backend)


@contextlib.contextmanager
def engine(name: str | None) -> Iterator[None]:
    """``PYBPF_ENGINE`` set to ``name`` (left alone for None: the kernel)."""
    saved = os.environ.get(prog_run.ENGINE_VARIABLE)
    if name is not None:
        os.environ[prog_run.ENGINE_VARIABLE] = name
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(prog_run.ENGINE_VARIABLE, None)
        else:
            os.environ[prog_run.ENGINE_VARIABLE] = saved


def best_ns(prog: Program, repeat: int, rounds: int, between: Callable[[], None]) -> int:
    prog.run(FRAME)  # warm up (and compile)
    best = None
    for _ in range(rounds):
        between()
        duration = prog.run(FRAME, repeat=repeat).duration
        best = duration if best is None else min(best, duration)
    between()
    return int(best or 0)


def ringbuf_ns(backend: Backend, repeat: int, rounds: int) -> int:
    with (
        Map.create(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING_BYTES, backend=backend) as ring,
        Program.load(RINGBUF_OUTPUT, "xdp", maps={"ring": ring}, backend=backend) as prog,
        RingBuffer(ring) as reader,
    ):
        return best_ns(prog, repeat, rounds, reader.consume)


def reserve_ns(release: str) -> Callable[[Backend, int, int], int]:
    return ringbuf_text_ns(RINGBUF_RESERVE.replace("{release}", release))


def ringbuf_text_ns(text: str) -> Callable[[Backend, int, int], int]:
    """The ns per run of ``text``, a program of one ring buffer ``ring`` (drained between calls)."""

    def measure(backend: Backend, repeat: int, rounds: int) -> int:
        with (
            Map.create(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING_BYTES, backend=backend) as ring,
            Program.load(text, "xdp", maps={"ring": ring}, backend=backend) as prog,
            RingBuffer(ring) as reader,
        ):
            return best_ns(prog, repeat, rounds, reader.consume)

    return measure


def lru_ns(backend: Backend, repeat: int, rounds: int) -> int:
    with (
        Map.create(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, LRU_KEYS, backend=backend) as lru,
        Program.load(LRU_LOOKUP, "xdp", maps={"lru": lru}, backend=backend) as prog,
    ):
        for key in range(LRU_KEYS):
            lru[struct.pack("<I", key)] = struct.pack("<Q", key)
        return best_ns(prog, repeat, rounds, lambda: None)


def lru_percpu_update_ns(backend: Backend, repeat: int, rounds: int) -> int:
    with (
        Map.create(uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, LRU_KEYS, backend=backend) as lru,
        Program.load(LRU_UPDATE, "xdp", maps={"lru": lru}, backend=backend) as prog,
    ):
        return best_ns(prog, repeat, rounds, lambda: None)


def loop_ns(backend: Backend, repeat: int, rounds: int) -> int:
    with load_with_callback(BPF_LOOP, backend) as prog:
        return best_ns(prog, repeat, rounds, lambda: None)


def csum_ns(backend: Backend, repeat: int, rounds: int) -> int:
    with Program.load(CSUM_DIFF, "xdp", backend=backend) as prog:
        return best_ns(prog, repeat, rounds, lambda: None)


def program_ns(text: str, prog_type: str) -> Callable[[Backend, int, int], int]:
    def measure(backend: Backend, repeat: int, rounds: int) -> int:
        with Program.load(text, prog_type, backend=backend) as prog:
            return best_ns(prog, repeat, rounds, lambda: None)

    return measure


PROGRAMS: dict[str, Callable[[Backend, int, int], int]] = {
    "bpf_ringbuf_output (16 bytes)": ringbuf_ns,
    "ringbuf reserve + submit (16)": reserve_ns("submit"),
    "ringbuf reserve + discard (16)": reserve_ns("discard"),
    "ringbuf dynptr reserve+write+submit": ringbuf_text_ns(RINGBUF_DYNPTR),
    "LRU hash (4 lookups)": lru_ns,
    "LRU percpu hash (4 updates)": lru_percpu_update_ns,
    "bpf_for (64 steps, iter_num kfuncs)": program_ns(BPF_FOR, "xdp"),
    "bpf_loop (16 callbacks)": loop_ns,
    "bpf_csum_diff (20 / 44 bytes)": csum_ns,
    "bpf_skb_load_bytes (32 bytes)": program_ns(SKB_LOAD_BYTES, "sched_cls"),
    "skb_store_bytes + l3/l4_csum_replace": program_ns(SKB_STORE_AND_CSUM, "sched_cls"),
    "bpf_xdp_adjust_head (-14, +14)": program_ns(XDP_ADJUST_HEAD, "xdp"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20_000, help="runs per test run (JIT and kernel)")
    parser.add_argument("--rounds", type=int, default=5, help="test runs per figure (the best is kept)")
    parser.add_argument("--no-kernel", action="store_true", help="skip the kernel even where bpf(2) works")
    parser.add_argument(
        "--only", default="", help="comma-separated words: the programs whose titles hold one"
    )
    args = parser.parse_args()
    words = [word for word in args.only.split(",") if word]
    kernel = NativeBackend() if kernel_bpf_available() and not args.no_kernel else None
    user = UserBackend()
    interp_repeat = max(args.repeat // 20, 1)
    print(f"ns per run (BPF_PROG_TEST_RUN duration, repeat {args.repeat}, interpreter {interp_repeat}, "
          f"best of {args.rounds})")  # fmt: skip
    print(f"{'program':<38}{'jit':>10}{'interpreter':>13}{'kernel':>10}{'jit/kernel':>12}{'interp/jit':>12}")
    for title, measure in PROGRAMS.items():
        if words and not any(word in title for word in words):
            continue
        with engine("jit"):
            jit = measure(user, args.repeat, args.rounds)
        with engine("interpreter"):
            interp = measure(user, interp_repeat, args.rounds)
        theirs = measure(kernel, args.repeat, args.rounds) if kernel is not None else 0
        versus = f"{jit / theirs:.2f}x" if theirs and jit else "-"
        speedup = f"{interp / jit:.1f}x" if jit else "-"
        kernel_ns = f"{theirs:,}" if theirs else "-"
        print(f"{title:<38}{jit:>10,}{interp:>13,}{kernel_ns:>10}{versus:>12}{speedup:>12}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
