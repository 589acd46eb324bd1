"""The verifier log in the user's buffer, against the kernel's: what the buffer holds, log_true_size, ENOSPC.

kernel/bpf/log.c counts every byte the verifier writes (``log_true_size`` is the longest the log
ever was, NUL included: a level-1 path taken back out of the log still counts), returns ENOSPC when
that did not fit the buffer -- also for a program it accepted -- and leaves in the buffer the newest
bytes (the default rotating log; fewer after a rewind behind them) or the first ones (BPF_LOG_FIXED).
Each program here is loaded through BPF_PROG_LOAD on pybpf's user backend and on the kernel with
buffers from one byte to more than the log needs, no buffer at all, at levels 1 and 2, rotating and
fixed, and the three answers must be the same.  pybpf keeps only what the buffer will hold
(``VerifierLog``), which the tests below it check without the kernel: a long log costs the buffer's
size, not the log's.
"""

from __future__ import annotations

import ctypes
import errno
import os
import tracemalloc

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.verifier.log import RETAINED, VerifierLog

PROGRAMS = {
    "refused_after_a_rewind": """
        call bpf_get_prandom_u32
        r6 = r0
        if r6 > 5 goto l1
        r1 = 1
        r1 = 2
        r1 = 3
        r1 = 4
        r0 = 0
        exit
    l1:
        r2 = r6
        r0 = *(u32 *)(r2 + 0)
        exit
    """,
    "accepted_with_branches": """
        call bpf_get_prandom_u32
        r6 = r0
        if r6 > 5 goto l1
        r1 = 1
        if r6 > 2 goto l2
        r0 = 0
        exit
    l2:
        r0 = 1
        exit
    l1:
        r0 = 2
        exit
    """,
    "refused_before_the_walk": "r0 = 0",  # last insn is not an exit or jmp
}
LEVELS = (1, 2, 1 | uapi.BPF_LOG_FIXED, 2 | uapi.BPF_LOG_FIXED)
SIZES = (0, 1, 2, 7, 31, 64, 100, 150, 250, 400, 700, 1000, 1500, 4096)


def load(backend: Backend, raw: bytes, level: int, size: int) -> tuple[int, int, bytes]:
    """BPF_PROG_LOAD of ``raw`` (XDP) with a log buffer of ``size`` bytes (0: none): the errno (0:
    loaded), log_true_size and the buffer's text up to its NUL."""
    code = ctypes.create_string_buffer(raw, len(raw))
    licence = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(max(size, 1))
    attr = uapi.bpf_attr()
    attr.prog_type = uapi.BPF_PROG_TYPE_XDP
    attr.insns, attr.insn_cnt = ctypes.addressof(code), len(raw) // 8
    attr.license = ctypes.addressof(licence)
    attr.log_level, attr.log_size, attr.log_buf = level, size, ctypes.addressof(log) if size else 0
    err = 0
    try:
        os.close(backend.bpf(uapi.BPF_PROG_LOAD, attr))
    except BPFError as exc:
        err = exc.errno or 0
    return err, attr.log_true_size, log.raw[:size].split(b"\0", 1)[0]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
@pytest.mark.parametrize("level", LEVELS)
def test_buffer_true_size_and_enospc_are_the_kernels(name: str, level: int, kernel: bool) -> None:
    raw = encode_program(assemble(PROGRAMS[name]))
    native, user = NativeBackend(), UserBackend()
    full = load(native, raw, level, 1 << 16)
    for size in (*SIZES, full[1] - 1, full[1], full[1] + 1):
        theirs = load(native, raw, level, size)
        assert load(user, raw, level, size) == theirs, (size, theirs)


def test_an_accepted_program_whose_log_did_not_fit_is_enospc(kernel: bool) -> None:
    """Level 1 of an accepted program: the trace is dropped at the end, but it was written, so a
    buffer that holds the final log (the statistics line) but not the trace gets ENOSPC."""
    raw = encode_program(assemble(PROGRAMS["accepted_with_branches"]))
    err, true_size, text = load(UserBackend(), raw, 1, 150)
    assert err == errno.ENOSPC and text.startswith(b"processed ") and true_size > 150
    assert load(NativeBackend(), raw, 1, 150) == (err, true_size, text)


def test_the_log_keeps_what_the_buffer_holds() -> None:
    """Forty megabytes of lines into a rotating and a fixed log of a 4 KiB buffer: what is kept
    stays near RETAINED (not the log's size); the buffer holds the last (first) bytes; the true size
    counts them all."""
    line = "0123456789" * 9 + "\n"
    count = 400_000
    for level in (2, 2 | uapi.BPF_LOG_FIXED):
        tracemalloc.start()
        log = VerifierLog(level, 4096)
        for i in range(count):
            log.verbose(f"{i:08}:" + line[9:])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 8 * RETAINED, peak  # (the whole log: 40 MB of text, 56 MiB as strings)
        assert log.true_size == 91 * count + 1 and log.truncated  # (each line 91 bytes)
        held = log.buffer()
        assert len(held) == 4095
        if level & uapi.BPF_LOG_FIXED:
            assert held.startswith(b"00000000:")
        else:
            assert held.endswith(f"{count - 1:08}:".encode() + line[9:].encode())


def test_a_rewind_behind_the_rotating_window_empties_it() -> None:
    """bpf_vlog_reset(): a rewind inside what a small rotating buffer holds keeps the bytes before it;
    one behind it leaves only what is written after (those bytes were overwritten in the ring)."""
    log = VerifierLog(1, 16)
    log.verbose("a" * 40)
    mark = log.position()
    log.verbose("b" * 5)
    log.reset(mark)
    log.verbose("cc\n")
    assert log.buffer() == b"a" * 10 + b"cc\n"
    mark = log.position()
    log.verbose("b" * 40)
    log.reset(mark)
    log.verbose("dd\n")
    assert log.buffer() == b"dd\n"
    assert log.true_size == 84 and log.truncated


def test_positions_and_sizes_count_bytes() -> None:
    """A C source line in the log that is not ASCII counts by its UTF-8 bytes, as the kernel's."""
    log = VerifierLog(1, 8)
    log.verbose("; x = \u00e9\u00e9; @ a.c:1\n")
    assert log.position() == len("; x = \u00e9\u00e9; @ a.c:1\n".encode())
    assert log.buffer() == b" a.c:1\n"
    whole = VerifierLog(1)
    whole.verbose("\u00e9\n")
    assert whole.text == "\u00e9\n" and whole.true_size == 4
