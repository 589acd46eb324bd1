"""bpf_iter_bits_new/next/destroy run by pybpf's engines as by the kernel (kernel/bpf/helpers.c).

Each program writes up to four u64 words on its stack, makes a bit iterator over some of them (or
over a source the iterator cannot read), walks it to the end and returns one thing it saw: new()'s
result, the number of set bits, the sum of their indices or the last one.  The same program runs on
both engines and, where bpf(2) works, on the kernel; the answers must be the kernel's.
"""

from __future__ import annotations

import errno

import pytest

import pybpf
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs.iter_bits import BITS_ITER_NR_WORDS_MAX
from pybpf.kfuncs.kernel_btf import kernel_btf

pytestmark = pytest.mark.usefixtures("engine")  # every program runs on each engine (tests/conftest.py)

WORDS = (0x8000_0000_0000_1234, 0, 0xFFFF_FFFF_FFFF_FFFF, 0x0100_0000_0000_0001)
CASES = {
    "one_word": ("stack", 1),
    "two_words": ("stack", 2),
    "four_words": ("stack", 4),
    "no_words": ("stack", 0),
    "null_source": ("null", 1),
    "too_many_words": ("stack", BITS_ITER_NR_WORDS_MAX + 1),
    "unreadable_one": ("bad", 1),
    "unreadable_three": ("bad", 3),
}
WHAT = {"ret": "r0 = r9", "count": "r0 = r6", "sum": "r0 = r7", "last": "r0 = r8"}
_SOURCE = {"stack": "r2 = r10\nr2 += -32", "null": "r2 = 0", "bad": "r2 = 12345"}


def program(source: str, nr_words: int, what: str) -> str:
    k = kernel_btf()
    new, nxt, destroy = (k.func_id(f"bpf_iter_bits_{n}") for n in ("new", "next", "destroy"))
    stores = "\n".join(f"r1 = {w:#x} ll\n*(u64 *)(r10 - {32 - 8 * i}) = r1" for i, w in enumerate(WORDS))
    return f"""
        {stores}
        r6 = 0
        r7 = 0
        r8 = -1
        r1 = r10
        r1 += -48
        {_SOURCE[source]}
        r3 = {nr_words}
        call kfunc({new})
        r9 = r0
    loop:
        r1 = r10
        r1 += -48
        call kfunc({nxt})
        if r0 == 0 goto done
        r8 = *(u32 *)(r0 + 0)
        r6 += 1
        r7 += r8
        goto loop
    done:
        r1 = r10
        r1 += -48
        call kfunc({destroy})
        {WHAT[what]}
        exit
    """


def expected(source: str, nr_words: int, what: str) -> int:
    """The kernel's answer, from the documented semantics (for machines without bpf(2))."""
    if source == "null" or not nr_words:
        bits, ret = [], -errno.EINVAL
    elif nr_words > BITS_ITER_NR_WORDS_MAX:
        bits, ret = [], -errno.E2BIG
    elif source == "bad":  # 12345: a user address, which a kernel copy refuses up front (-ERANGE)
        bits, ret = [], -errno.EFAULT if nr_words == 1 else -errno.ERANGE
    else:
        value = sum(w << (64 * i) for i, w in enumerate(WORDS[:nr_words]))
        bits, ret = [i for i in range(64 * nr_words) if value >> i & 1], 0
    answer = {"ret": ret, "count": len(bits), "sum": sum(bits), "last": bits[-1] if bits else -1}[what]
    return answer & 0xFFFFFFFF


@pytest.mark.parametrize("what", sorted(WHAT))
@pytest.mark.parametrize("case", sorted(CASES))
def test_iter_bits_results(case: str, what: str) -> None:
    source, nr_words = CASES[case]
    src = program(source, nr_words, what)
    with pybpf.Program.load(src, "xdp", name="iter_bits") as prog:
        got = prog.run(bytes(64)).retval
    assert got == expected(source, nr_words, what)
    if kernel_bpf_available():
        with pybpf.Program.load(src, "xdp", name="iter_bits", backend=NativeBackend()) as prog:
            assert prog.run(bytes(64)).retval == got


def test_long_source_copy_is_freed() -> None:
    """destroy() frees the copy of a source longer than one word (bpf_mem_free()): none is left
    registered after a run, however many iterators it made."""
    from pybpf.kfuncs import iter_bits

    with pybpf.Program.load(program("stack", 4, "count"), "xdp", name="iter_bits") as prog:
        for _ in range(3):
            assert prog.run(bytes(64)).retval == expected("stack", 4, "count")
    assert not iter_bits._buffers
