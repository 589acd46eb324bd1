"""AES (FIPS-197) and its ECB and CBC modes: the ciphers the kernel's bpf_crypto can use here.

bpf_crypto_ctx_create() (kernel/bpf/crypto.c) makes its cipher with crypto_alloc_lskcipher()
(crypto/bpf_crypto_skcipher.c): only the ciphers the kernel offers as ``lskcipher`` serve, and on
Linux 6.18 those are the templates ecb and cbc over a block cipher (crypto/lskcipher.c,
crypto/ecb.c, crypto/cbc.c) -- on this kernel ``ecb(aes)`` and ``cbc(aes)`` (``/proc/crypto``: type
lskcipher).  This kernel has no AF_ALG (CONFIG_CRYPTO_USER_API_SKCIPHER is off), so user space
cannot borrow the kernel's implementation; this module computes the same bytes from the standard:
the S-box from the inverse in GF(2^8) and the affine map (FIPS-197 5.1.1), the key expansion of
5.2, the rounds of 5.1 and 5.3.

The modes are those of crypto/ecb.c and crypto/cbc.c for a whole number of blocks (the caller
refuses the rest, as lskcipher does with -EINVAL): CBC chains from ``iv`` and answers the next IV
(the last ciphertext block), which the kernel writes back into the caller's IV buffer.
"""

from __future__ import annotations

import functools

BLOCK = 16
KEY_SIZES = (16, 24, 32)
"""AES-128, AES-192 and AES-256 (crypto/aes_generic.c: aes_expandkey() refuses other lengths)."""


def _xtime(b: int) -> int:
    b <<= 1
    return (b ^ 0x11B) if b & 0x100 else b


def _mul(a: int, b: int) -> int:
    """a * b in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        a = _xtime(a)
        b >>= 1
    return product


@functools.cache
def _sboxes() -> tuple[bytes, bytes]:
    """(S-box, inverse S-box) computed as FIPS-197 5.1.1 defines them."""
    sbox = bytearray(256)
    for x in range(256):
        inv = next((y for y in range(1, 256) if _mul(x, y) == 1), 0) if x else 0
        s = inv
        for shift in range(1, 5):
            s ^= ((inv << shift) | (inv >> (8 - shift))) & 0xFF
        sbox[x] = s ^ 0x63
    inverse = bytearray(256)
    for x, s in enumerate(sbox):
        inverse[s] = x
    return bytes(sbox), bytes(inverse)


def expand_key(key: bytes) -> list[bytes]:
    """KeyExpansion(): the round keys, 16 bytes each (Nr + 1 of them)."""
    if len(key) not in KEY_SIZES:
        raise ValueError("AES key of 16, 24 or 32 bytes")
    sbox = _sboxes()[0]
    nk = len(key) // 4
    rounds = nk + 6
    words = [list(key[4 * i : 4 * i + 4]) for i in range(nk)]
    rcon = 1
    for i in range(nk, 4 * (rounds + 1)):
        temp = list(words[i - 1])
        if i % nk == 0:
            temp = [sbox[b] for b in temp[1:] + temp[:1]]
            temp[0] ^= rcon
            rcon = _xtime(rcon)
        elif nk > 6 and i % nk == 4:
            temp = [sbox[b] for b in temp]
        words.append([a ^ b for a, b in zip(words[i - nk], temp, strict=True)])
    return [bytes(b for word in words[4 * r : 4 * r + 4] for b in word) for r in range(rounds + 1)]


def _add(state: list[int], round_key: bytes) -> list[int]:
    return [s ^ k for s, k in zip(state, round_key, strict=True)]


@functools.cache
def _shift_order(sign: int) -> tuple[int, ...]:
    return tuple(((c + sign * r) % 4) * 4 + r for c in range(4) for r in range(4))


def _shift_rows(state: list[int], sign: int) -> list[int]:
    """ShiftRows() (sign 1) or InvShiftRows() (sign -1); the state is column-major."""
    return [state[i] for i in _shift_order(sign)]


@functools.cache
def _times(coefficient: int) -> bytes:
    """The products ``coefficient * x`` for every byte x (MixColumns' multiplications as lookups)."""
    return bytes(_mul(coefficient, x) for x in range(256))


def _mix_columns(state: list[int], coefficients: tuple[int, int, int, int]) -> list[int]:
    t0, t1, t2, t3 = (_times(c) for c in coefficients)
    out: list[int] = []
    for c in range(0, 16, 4):
        a0, a1, a2, a3 = state[c : c + 4]
        out += (
            t0[a0] ^ t1[a1] ^ t2[a2] ^ t3[a3],
            t3[a0] ^ t0[a1] ^ t1[a2] ^ t2[a3],
            t2[a0] ^ t3[a1] ^ t0[a2] ^ t1[a3],
            t1[a0] ^ t2[a1] ^ t3[a2] ^ t0[a3],
        )
    return out


_MIX = (2, 3, 1, 1)
_INV_MIX = (14, 11, 13, 9)


def encrypt_block(round_keys: list[bytes], block: bytes) -> bytes:
    """Cipher() of FIPS-197 5.1."""
    sbox = _sboxes()[0]
    state = _add(list(block), round_keys[0])
    for r in range(1, len(round_keys)):
        state = _shift_rows([sbox[b] for b in state], 1)
        if r != len(round_keys) - 1:
            state = _mix_columns(state, _MIX)
        state = _add(state, round_keys[r])
    return bytes(state)


def decrypt_block(round_keys: list[bytes], block: bytes) -> bytes:
    """InvCipher() of FIPS-197 5.3."""
    inverse = _sboxes()[1]
    state = _add(list(block), round_keys[-1])
    for r in range(len(round_keys) - 2, -1, -1):
        state = [inverse[b] for b in _shift_rows(state, -1)]
        state = _add(state, round_keys[r])
        if r:
            state = _mix_columns(state, _INV_MIX)
    return bytes(state)


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def ecb(round_keys: list[bytes], data: bytes, decrypt: bool) -> bytes:
    """crypto/ecb.c over whole blocks."""
    crypt = decrypt_block if decrypt else encrypt_block
    return b"".join(crypt(round_keys, data[i : i + BLOCK]) for i in range(0, len(data), BLOCK))


def cbc(round_keys: list[bytes], data: bytes, iv: bytes, decrypt: bool) -> tuple[bytes, bytes]:
    """crypto/cbc.c over whole blocks: (the output, the next IV: the last ciphertext block)."""
    out = []
    chain = iv
    for i in range(0, len(data), BLOCK):
        block = data[i : i + BLOCK]
        if decrypt:
            out.append(_xor(decrypt_block(round_keys, block), chain))
            chain = block
        else:
            chain = encrypt_block(round_keys, _xor(block, chain))
            out.append(chain)
    return b"".join(out), chain
