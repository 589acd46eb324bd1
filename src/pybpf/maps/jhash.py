"""The kernel's Jenkins hash (``include/linux/jhash.h``): how hash maps pick a key's bucket.

``kernel/bpf/hashtab.c``'s ``htab_map_hash`` hashes a key with ``jhash2`` over its u32 words when
its size is a multiple of 4 and with ``jhash`` over its bytes otherwise, seeded with the map's
``hashrnd`` (0 with BPF_F_ZERO_SEED, else ``get_random_u32()`` at creation); the bucket is
``hash & (n_buckets - 1)``.  ``net/core/sock_map.c``'s sockhash uses ``jhash(key, len, 0)``.

On a little-endian CPU both are one function of the key's bytes: ``jhash`` reads whole blocks with
``__get_unaligned_cpu32`` and assembles the last (shorter) block byte by byte into the same
little-endian words, zero-padded; ``jhash2`` starts from ``JHASH_INITVAL + (words << 2) + seed``,
the same initial value as ``jhash``'s ``JHASH_INITVAL + length + seed``, and runs the same mixing.
So ``jhash(key, seed)`` here is the value of both (pybpf models an x86-64 kernel): all blocks but
the last are added and mixed (``__jhash_mix``), the last (zero-padded to 12 bytes) is added and
finally mixed (``__jhash_final``); an empty key hashes to the initial value.

``jhash`` is a pure function of bytes and a u32 seed.  It is on the hot path of every hash map
operation, so it is written for CPython: the key is read as u32 words with one cached ``struct``
unpack per key length, and the three state words are masked to 32 bits only where a rotation or
the result needs it.  Still, CPython's arithmetic on 32-bit words makes it cost about as much as a
whole map operation, so ``KeyHashes`` (one per map) remembers the hashes of the last
``MEMO_ENTRIES`` keys (repeated keys, the common case of counters and flow tables, cost one dict
lookup), and a process that has hashed ``NATIVE_AFTER`` keys compiles ``emit_jhash`` -- the same
steps as LLVM IR, which the JIT inlines into its hash map code -- to machine code called through
ctypes (``native``).  ``jhash_reference`` is the header's algorithm
written plainly, driven by the mixing steps as data (``MIX_STEPS``, ``FINAL_STEPS``: ``emit_jhash``,
the IR the JIT and ``native`` use, is generated from them too).
"""

from __future__ import annotations

import ctypes
import struct
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from pybpf.objects.forking import fork_safe

if TYPE_CHECKING:  # llvmlite is imported only where IR is made: map users without LLVM never need it
    from llvmlite import ir

JHASH_INITVAL = 0xDEADBEEF
"""``JHASH_INITVAL``: the arbitrary initial parameter."""
_M = 0xFFFFFFFF
_UNPACKERS: dict[int, struct.Struct] = {}
"""One ``struct`` of ``3 * blocks`` little-endian u32 words per key length."""
MEMO_ENTRIES = 4096
"""Most keys a ``KeyHashes`` remembers (then it starts over)."""
NATIVE_AFTER = 2048
"""Keys hashed in Python by a process before it compiles ``jhash`` to machine code (``native``)."""


def _unpacker(length: int) -> struct.Struct:
    words = struct.Struct(f"<{(length + 11) // 12 * 3}I")
    _UNPACKERS[length] = words
    return words


def jhash(key: bytes, seed: int) -> int:
    """``jhash(key, len(key), seed)`` (= ``jhash2`` over the words of a key whose size is a multiple
    of 4) on a little-endian CPU."""
    length = len(key)
    a = b = c = (JHASH_INITVAL + length + seed) & _M
    if not length:
        return c
    unpacker = _UNPACKERS.get(length) or _unpacker(length)
    padding = -length % 12
    words: tuple[int, ...] = unpacker.unpack(key + bytes(padding) if padding else key)
    last = len(words) - 3
    for i in range(0, last, 3):  # __jhash_mix: every block but the last
        a += words[i]
        b += words[i + 1]
        c = (c + words[i + 2]) & _M
        a = ((a - c) & _M) ^ (((c << 4) & _M) | (c >> 28))
        c = (c + b) & _M
        b = ((b - a) & _M) ^ (((a << 6) & _M) | (a >> 26))
        a = (a + c) & _M
        c = ((c - b) & _M) ^ (((b << 8) & _M) | (b >> 24))
        b = (b + a) & _M
        a = ((a - c) & _M) ^ (((c << 16) & _M) | (c >> 16))
        c = (c + b) & _M
        b = ((b - a) & _M) ^ (((a << 19) & _M) | (a >> 13))
        a = (a + c) & _M
        c = ((c - b) & _M) ^ (((b << 4) & _M) | (b >> 28))
        b = (b + a) & _M
    a = (a + words[last]) & _M  # the last block, then __jhash_final
    b = (b + words[last + 1]) & _M
    c = (c + words[last + 2]) & _M
    c = ((c ^ b) - (((b << 14) & _M) | (b >> 18))) & _M
    a = ((a ^ c) - (((c << 11) & _M) | (c >> 21))) & _M
    b = ((b ^ a) - (((a << 25) & _M) | (a >> 7))) & _M
    c = ((c ^ b) - (((b << 16) & _M) | (b >> 16))) & _M
    a = ((a ^ c) - (((c << 4) & _M) | (c >> 28))) & _M
    b = ((b ^ a) - (((a << 14) & _M) | (a >> 18))) & _M
    return ((c ^ b) - (((b << 24) & _M) | (b >> 8))) & _M


MIX_STEPS = ((0, 2, 1, 4), (1, 0, 2, 6), (2, 1, 0, 8), (0, 2, 1, 16), (1, 0, 2, 19), (2, 1, 0, 4))
"""``__jhash_mix`` as data: (p, q, r, k) over the state (a, b, c) = (0, 1, 2) means
``p -= q; p ^= rol32(q, k); q += r``."""
FINAL_STEPS = ((2, 1, 14), (0, 2, 11), (1, 0, 25), (2, 1, 16), (0, 2, 4), (1, 0, 14), (2, 1, 24))
"""``__jhash_final`` as data: (p, q, k) means ``p ^= q; p -= rol32(q, k)``."""


def _rol32(word: int, shift: int) -> int:
    return ((word << shift) | (word >> (32 - shift))) & _M


def jhash_reference(key: bytes, seed: int) -> int:
    """The header's ``jhash`` step by step: blocks of 12 bytes while more than 12 remain, then the
    tail byte by byte (``case 12`` .. ``case 1``) and the final mix; for tests of ``jhash`` (and the
    JIT's, which runs ``MIX_STEPS`` and ``FINAL_STEPS`` as well)."""
    length = len(key)
    state = [(JHASH_INITVAL + length + seed) & _M] * 3
    at = 0
    while length > 12:
        for word in range(3):
            state[word] = (
                state[word] + int.from_bytes(key[at + 4 * word : at + 4 * word + 4], "little")
            ) & _M
        for p, q, r, k in MIX_STEPS:
            state[p] = ((state[p] - state[q]) & _M) ^ _rol32(state[q], k)
            state[q] = (state[q] + state[r]) & _M
        length -= 12
        at += 12
    if length == 0:
        return state[2]
    for i in range(length - 1, -1, -1):  # case 12 down to case 1: byte i into word i // 4
        state[i // 4] = (state[i // 4] + (key[at + i] << (8 * (i % 4)))) & _M
    for p, q, k in FINAL_STEPS:
        state[p] ^= state[q]
        state[p] = (state[p] - _rol32(state[q], k)) & _M
    return state[2]


def emit_jhash(builder: ir.IRBuilder, key: Sequence[ir.Value], seed: ir.Value) -> ir.Value:
    """``jhash`` of the key bytes ``key`` (i8 values) under ``seed`` (i32) as LLVM IR, unrolled: the
    bytes as little-endian u32 words (the last block zero-padded), every block but the last added and
    mixed (``MIX_STEPS``), the last added and finally mixed (``FINAL_STEPS``).  The JIT's hash maps
    hash with it (``pybpf.jit.native_hash``), and so does ``native``."""
    from llvmlite import ir

    i32 = ir.IntType(32)
    b = builder
    init = b.add(seed, ir.Constant(i32, (JHASH_INITVAL + len(key)) & _M))
    state = [init, init, init]
    if not key:
        return init
    words: list[ir.Value] = []
    for start in range(0, (len(key) + 11) // 12 * 12, 4):
        word: ir.Value = ir.Constant(i32, 0)
        for i, byte in enumerate(key[start : start + 4]):
            part = b.zext(byte, i32)
            word = b.or_(word, b.shl(part, ir.Constant(i32, 8 * i))) if i else part
        words.append(word)

    def rol(value: ir.Value, shift: int) -> ir.Value:
        left = b.shl(value, ir.Constant(i32, shift))
        return b.or_(left, b.lshr(value, ir.Constant(i32, 32 - shift)))

    for block in range(0, len(words), 3):
        state = [b.add(state[i], words[block + i]) for i in range(3)]
        if block + 3 < len(words):
            for p, q, r, k in MIX_STEPS:
                state[p] = b.xor(b.sub(state[p], state[q]), rol(state[q], k))
                state[q] = b.add(state[q], state[r])
    for p, q, k in FINAL_STEPS:
        state[p] = b.sub(b.xor(state[p], state[q]), rol(state[q], k))
    return state[2]


_NATIVE_CALL = ctypes.PYFUNCTYPE(ctypes.c_uint32, ctypes.c_char_p, ctypes.c_uint32)
"""A call that keeps the GIL (the function is a few dozen instructions: releasing and taking the GIL
around it would cost more than it)."""
_native: dict[int, Callable[[bytes, int], int] | None] = {}
_native_engines: list[Any] = []
_native_lock = fork_safe(threading.Lock())
_misses = 0


def native(length: int) -> Callable[[bytes, int], int] | None:
    """``jhash`` of ``length``-byte keys compiled to machine code (``emit_jhash`` through llvmlite,
    called through ctypes: a quarter of the Python function's time for a 4-byte key, a twentieth
    for 64 bytes), or None where LLVM cannot compile here.  Compiled once per length and process;
    the function reads exactly ``length`` bytes of the ``bytes`` it is given."""
    if length in _native:
        return _native[length]
    with _native_lock:
        if length not in _native:
            _native[length] = _compile(length)
    return _native[length]


def _compile(length: int) -> Callable[[bytes, int], int] | None:
    try:
        import llvmlite.binding as llvm
        from llvmlite import ir

        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        module = ir.Module(name=f"jhash{length}")
        module.triple = llvm.get_default_triple()
        kind = ir.FunctionType(ir.IntType(32), [ir.IntType(8).as_pointer(), ir.IntType(32)])
        function = ir.Function(module, kind, name="jhash")
        builder = ir.IRBuilder(function.append_basic_block())
        address, seed = function.args
        key = [builder.load(builder.gep(address, [ir.Constant(ir.IntType(32), i)])) for i in range(length)]
        builder.ret(emit_jhash(builder, key, seed))
        parsed = llvm.parse_assembly(str(module))
        parsed.verify()
        machine = llvm.Target.from_default_triple().create_target_machine(opt=2, codemodel="jitdefault")
        engine = llvm.create_mcjit_compiler(parsed, machine)
        engine.finalize_object()
        call = _NATIVE_CALL(engine.get_function_address("jhash"))
    except Exception:  # no usable LLVM here: Python it is
        return None
    _native_engines.append(engine)  # the code lives as long as its engine
    if call(bytes(length), 0) != jhash(bytes(length), 0):
        return None
    return call


class KeyHashes:
    """``jhash`` of keys under one seed, remembering up to ``MEMO_ENTRIES`` of them (a process-local
    cache: it holds only what ``jhash`` computed from the key and ``seed``).  Once the process has
    hashed ``NATIVE_AFTER`` keys in Python, keys are hashed by ``native`` code where LLVM can make
    it (short-lived processes never pay for compiling it)."""

    __slots__ = ("fast", "fast_length", "memo", "seed")

    def __init__(self, seed: int) -> None:
        self.seed = seed & _M
        self.memo: dict[bytes, int] = {}
        self.fast: Callable[[bytes, int], int] | None = None
        self.fast_length = -1
        """The key length ``fast`` hashes (it reads exactly that many bytes)."""

    def __call__(self, key: bytes) -> int:
        """The hash of ``key``; callers on hot paths try ``memo.get(key)`` first themselves."""
        memo = self.memo
        hashed = memo.get(key)
        if hashed is None:
            key = bytes(key)
            fast = self.fast
            if fast is not None and len(key) == self.fast_length:
                hashed = fast(key, self.seed)
            else:
                global _misses
                _misses += 1
                hashed = jhash(key, self.seed)
                if _misses > NATIVE_AFTER and fast is None:
                    self.fast, self.fast_length = native(len(key)), len(key)
            if len(memo) >= MEMO_ENTRIES:
                memo.clear()
            memo[key] = hashed
        return hashed


__all__ = [
    "FINAL_STEPS",
    "JHASH_INITVAL",
    "MEMO_ENTRIES",
    "MIX_STEPS",
    "NATIVE_AFTER",
    "KeyHashes",
    "emit_jhash",
    "jhash",
    "jhash_reference",
    "native",
]
