"""The bit iterator: bpf_iter_bits_new(), bpf_iter_bits_next(), bpf_iter_bits_destroy().

Mirrors kernel/bpf/helpers.c (Linux 6.18), where the three are in ``common_btf_ids`` (every
program type).  ``struct bpf_iter_bits`` is 16 opaque bytes on the program's stack; inside they
are ``struct bpf_iter_bits_kern { union { u64 *bits; u64 bits_copy; }; int nr_bits; int bit; }``:

* new(it, unsafe_ptr__ign, nr_words): first ``nr_bits = 0``, ``bits_copy = 0``, ``bit = -1``; a
  NULL source or no words is -EINVAL, more than ``BITS_ITER_NR_WORDS_MAX`` (511) words -E2BIG.
  One word is copied into ``bits_copy`` (-EFAULT when the source cannot be read); more are copied
  into a buffer of their own (bpf_mem_alloc(): here native memory registered in the run's address
  space), which is freed again when the source cannot be read, and then the kernel copy's own error
  comes back (bpf_probe_read_kernel_common(): -ERANGE for a user-range or non-canonical source,
  else -EFAULT; ``pybpf.helpers.basic.kernel_nofault_error``).  On success ``nr_bits`` is 64 bits per word.
* next(it): the next set bit after ``bit`` (find_next_bit() over the little-endian words): its
  index is stored in ``bit`` and the address of ``bit`` comes back; NULL once none is left (then
  ``bit`` holds ``nr_bits``), and NULL on an iterator that never started.
* destroy(it): frees the buffer of a source longer than one word.

Each is called like a helper, ``function(ctx, r1, r2, r3, r4, r5) -> r0``, through the program's
memory (the verifier has proven ``it`` is an iterator on the stack).
"""

from __future__ import annotations

import errno
import threading

from pybpf.errors import MemoryAccessError
from pybpf.helpers.basic import kernel_nofault_error
from pybpf.helpers.context import HelperContext
from pybpf.memory.regions import Memory, Region
from pybpf.objects.forking import fork_safe

BITS_ITER_NR_WORDS_MAX = 511
"""The most u64 words a bit iterator copies (kernel/bpf/helpers.c)."""

_WORD = 8
_NR_BITS, _BIT = 8, 12  # offsets of nr_bits and bit in struct bpf_iter_bits_kern
_U32 = 0xFFFFFFFF

_buffers: dict[int, tuple[Memory, Region]] = {}
"""The copies of sources longer than one word, by address, until their iterator is destroyed."""
_buffers_lock = fork_safe(threading.Lock())


def _s32(value: int) -> int:
    value &= _U32
    return value - (1 << 32) if value >> 31 else value


def _free(address: int) -> None:
    with _buffers_lock:
        entry = _buffers.pop(address, None)
    if entry is not None:
        memory, region = entry
        memory.remove_region(region)


def iter_bits_new(ctx: HelperContext, it: int, unsafe_ptr: int, nr_words: int, _r4: int, _r5: int) -> int:
    nr_words &= _U32
    ctx.memory.store(it, _WORD, 0)
    ctx.memory.store(it + _NR_BITS, 4, 0)
    ctx.memory.store(it + _BIT, 4, _U32)
    if not unsafe_ptr or not nr_words:
        return -errno.EINVAL
    if nr_words > BITS_ITER_NR_WORDS_MAX:
        return -errno.E2BIG
    nr_bytes = nr_words * _WORD
    ctx.charge_bytes(nr_bytes)
    try:
        data = ctx.memory.read(unsafe_ptr, nr_bytes)
    except MemoryAccessError:
        data = None
    if nr_words == 1:
        if data is None:
            return -errno.EFAULT
        ctx.memory.write(it, data)
    else:
        region = ctx.memory.add_buffer(nr_bytes, name="bpf_iter_bits words")
        ctx.memory.store(it, _WORD, region.base)
        if data is None:
            ctx.memory.remove_region(region)
            return kernel_nofault_error(unsafe_ptr)
        ctx.memory.write(region.base, data)
        with _buffers_lock:
            _buffers[region.base] = (ctx.memory, region)
    ctx.memory.store(it + _NR_BITS, 4, nr_bytes * 8)
    return 0


def iter_bits_next(ctx: HelperContext, it: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    nr_bits = _s32(ctx.memory.load(it + _NR_BITS, 4))
    bit = _s32(ctx.memory.load(it + _BIT, 4))
    if not nr_bits or bit >= nr_bits:
        return 0
    source = it if nr_bits == 64 else ctx.memory.load(it, _WORD)
    words = int.from_bytes(ctx.memory.read(source, nr_bits // 8), "little") >> (bit + 1)
    found = (words & -words).bit_length() - 1 + bit + 1 if words else nr_bits
    ctx.memory.store(it + _BIT, 4, found & _U32)
    return it + _BIT if found < nr_bits else 0


def iter_bits_destroy(ctx: HelperContext, it: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    if _s32(ctx.memory.load(it + _NR_BITS, 4)) > 64:
        _free(ctx.memory.load(it, _WORD))
    return 0
