"""The BPF crypto kfuncs: bpf_crypto_ctx_create, bpf_crypto_ctx_acquire, bpf_crypto_ctx_release,
bpf_crypto_encrypt and bpf_crypto_decrypt.

Mirrors kernel/bpf/crypto.c and crypto/bpf_crypto_skcipher.c of Linux 6.18.  Two sets:
``crypt_init_kfunc_btf_ids`` (create: KF_ACQUIRE | KF_RET_NULL | KF_SLEEPABLE; release: KF_RELEASE;
acquire: KF_ACQUIRE | KF_RCU | KF_RET_NULL), registered for SYSCALL programs, and
``crypt_kfunc_btf_ids`` (decrypt, encrypt: KF_RCU), registered for SCHED_CLS, SCHED_ACT and XDP --
measured on the kernel with a one-call program of each type (tests/kfuncs/test_crypto.py).  A
context kept in a map is a referenced kptr (its destructor is bpf_crypto_ctx_release).

bpf_crypto_ctx_create(params, params__sz, err), in the kernel's order, each failure NULL with
``*err`` set: reserved bytes not 0 or params__sz other than sizeof(struct bpf_crypto_params) (408)
-EINVAL; a ``type`` no bpf_crypto type has -ENOENT (only "skcipher" exists); an algorithm that is
no skcipher of the kernel's -EOPNOTSUPP (has_algo: crypto_has_skcipher()); ``authsize`` not 0
-EOPNOTSUPP (the skcipher type has no setauthsize); key_len 0 or past 256 -EINVAL; then the cipher
is made with crypto_alloc_lskcipher(): an skcipher that is no lskcipher (ctr, xts, cts: measured
-EINVAL) -EINVAL, and setkey() -EINVAL for a key length the cipher refuses.  The context's
``siv_len`` is the cipher's IV size plus its state size (16 for cbc(aes), 0 for ecb(aes)).

What the kernel has is read from ``/proc/crypto`` (an entry's name or driver name, its type
``skcipher`` or ``lskcipher``, its key sizes), so the names a program may use are the running
kernel's; the bytes come from the ``cryptography`` package (kernels without AF_ALG, as the one measured,
give user space no way to borrow their implementation): AES in the ECB and CBC modes, the two
lskciphers Linux 6.18 offers over AES (crypto/ecb.c, crypto/cbc.c).  An lskcipher pybpf cannot
compute would make create fail with -ENOENT (ecb(cipher_null), the only other one measured, refuses
every key: its key size is 0).

bpf_crypto_encrypt / bpf_crypto_decrypt(ctx, src, dst, siv__nullable): a read-only ``dst``
-EINVAL; src or dst empty, or src longer than dst, -EINVAL; the siv dynptr's size (0 without one)
other than the context's siv_len -EINVAL; src, dst and siv must be reachable as plain memory
(__bpf_dynptr_data(): an skb's or xdp's linear data is) else -EINVAL; the cipher then works on
src_len bytes -- a length that is not whole blocks -EINVAL (lskcipher) -- writing dst, and CBC writes
the next IV back into siv.

The context object is 48 bytes (vmlinux's struct bpf_crypto_ctx: type, tfm, siv_len at 16, the
rcu head, the refcount ``usage`` at 40), allocated as bpf_obj_new's objects are
(``pybpf.kfuncs.alloc_obj``): acquire adds a reference unless the count is 0 (NULL), release drops
one and the last frees the object and its cipher.
"""

from __future__ import annotations

import errno
import struct
import threading
from dataclasses import dataclass

from pybpf import uapi
from pybpf.helpers.context import HelperContext
from pybpf.helpers.dynptr import DynptrKern
from pybpf.isa.words import M32
from pybpf.kfuncs import alloc_obj
from pybpf.kfuncs.dynptr_pkt import dynptr_slice, dynptr_slice_rdwr
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, RetKind
from pybpf.objects.forking import fork_safe

PARAMS = struct.Struct("<14s2s128s256sII")
"""struct bpf_crypto_params: type[14], reserved[2], algo[128], key[256], key_len, authsize."""
CTX_SIZE = 48
"""sizeof(struct bpf_crypto_ctx)."""
SIV_LEN_AT = 16
USAGE_AT = 40
_META = alloc_obj.struct_meta(USAGE_AT)
CRYPTO_TYPE = "skcipher"
"""The one bpf_crypto type Linux 6.18 registers (crypto/bpf_crypto_skcipher.c)."""
PROC_CRYPTO = "/proc/crypto"

INIT_PROG_TYPES = frozenset({uapi.BPF_PROG_TYPE_SYSCALL})
CRYPT_PROG_TYPES = frozenset(
    {uapi.BPF_PROG_TYPE_SCHED_CLS, uapi.BPF_PROG_TYPE_SCHED_ACT, uapi.BPF_PROG_TYPE_XDP}
)


@dataclass(frozen=True)
class Algorithm:
    """One /proc/crypto entry: its canonical name, type and key sizes."""

    name: str
    kind: str
    min_key: int
    max_key: int


def _entries(text: str) -> dict[str, Algorithm]:
    """/proc/crypto's skcipher and lskcipher entries, by name and by driver name."""
    found: dict[str, Algorithm] = {}
    for block in text.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
        kind = fields.get("type", "")
        if kind not in ("skcipher", "lskcipher"):
            continue
        algo = Algorithm(
            fields.get("name", ""),
            kind,
            int(fields.get("min keysize", "0")),
            int(fields.get("max keysize", "0")),
        )
        for key in (fields.get("name", ""), fields.get("driver", "")):
            known = found.get(key)
            if key and (known is None or known.kind != "lskcipher"):  # an lskcipher serves first
                found[key] = algo
    return found


def kernel_algorithms() -> dict[str, Algorithm]:
    """The skciphers the running kernel offers (read at each create: instances come and go), or the
    two lskciphers pybpf computes where /proc/crypto cannot be read."""
    try:
        with open(PROC_CRYPTO, encoding="utf-8") as f:
            return _entries(f.read())
    except OSError:
        return {name: Algorithm(name, "lskcipher", 16, 32) for name in _COMPUTED}


_COMPUTED = ("ecb(aes)", "cbc(aes)")


AES_BLOCK = 16
AES_KEY_SIZES = (16, 24, 32)
"""AES-128, AES-192 and AES-256 (crypto/aes_generic.c: aes_expandkey() refuses other lengths)."""


@dataclass
class Cipher:
    """A context's cipher: its mode and key."""

    mode: str  # "ecb" or "cbc"
    key: bytes

    @property
    def ivsize(self) -> int:
        return AES_BLOCK if self.mode == "cbc" else 0

    def crypt(self, data: bytes, iv: bytes, *, decrypt: bool) -> tuple[bytes, bytes]:
        """crypto/ecb.c or crypto/cbc.c over whole blocks: the output and, for CBC, the next IV
        (the last ciphertext block), which the kernel writes back into the caller's IV."""
        # imported here: the cipher library is needed by a crypto kfunc's run, not by every load
        from cryptography.hazmat.primitives.ciphers import Cipher as _Crypt
        from cryptography.hazmat.primitives.ciphers import algorithms, modes

        mode = modes.CBC(iv) if self.mode == "cbc" else modes.ECB()
        engine = _Crypt(algorithms.AES(self.key), mode)
        work = engine.decryptor() if decrypt else engine.encryptor()
        out = work.update(data) + work.finalize()
        if self.mode != "cbc":
            return out, b""
        return out, (data if decrypt else out)[-AES_BLOCK:]


_ciphers: dict[int, Cipher] = {}
_lock = fork_safe(threading.Lock())


def _cstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("latin-1")


def _make_cipher(params: tuple[bytes, bytes, bytes, bytes, int, int]) -> Cipher | int:
    """The checks of bpf_crypto_ctx_create() after the size and reserved bytes: the cipher, or -errno."""
    ctype, _reserved, algo_raw, key, key_len, authsize = params
    if _cstr(ctype) != CRYPTO_TYPE:
        return -errno.ENOENT
    algo = kernel_algorithms().get(_cstr(algo_raw))
    if algo is None:
        return -errno.EOPNOTSUPP
    if authsize:
        return -errno.EOPNOTSUPP
    if not key_len or key_len > len(key):
        return -errno.EINVAL
    if algo.kind != "lskcipher":
        return -errno.EINVAL  # crypto_alloc_lskcipher() of an skcipher only (measured)
    if not algo.min_key <= key_len <= algo.max_key:
        return -errno.EINVAL  # setkey()
    if algo.name not in _COMPUTED:
        return -errno.ENOENT
    if key_len not in AES_KEY_SIZES:
        return -errno.EINVAL  # aes_expandkey()
    return Cipher(algo.name[:3], key[:key_len])


def crypto_ctx_create(ctx: HelperContext, params: int, size: int, err: int, _r4: int, _r5: int) -> int:
    """``struct bpf_crypto_ctx *bpf_crypto_ctx_create(params, params__sz, err)``."""
    size &= M32
    fields: tuple[bytes, bytes, bytes, bytes, int, int] | None = None
    if size == PARAMS.size:
        fields = PARAMS.unpack(ctx.memory.read(params, PARAMS.size))
    if fields is None or any(fields[1]):
        ctx.memory.store(err, 4, -errno.EINVAL & M32)
        return 0
    cipher = _make_cipher(fields)
    if isinstance(cipher, int):
        ctx.memory.store(err, 4, cipher & M32)
        return 0
    address = alloc_obj.obj_new(ctx, CTX_SIZE, _META, 0, 0, 0)
    if not address:
        ctx.memory.store(err, 4, -errno.ENOMEM & M32)
        return 0
    ctx.memory.store(address + SIV_LEN_AT, 4, cipher.ivsize)
    ctx.memory.store(err, 4, 0)
    with _lock:
        _ciphers[address] = cipher
    return address


def crypto_ctx_acquire(ctx: HelperContext, p: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``bpf_crypto_ctx_acquire(ctx)``: another reference (NULL once the count reached 0)."""
    return alloc_obj.refcount_acquire(ctx, p, _META, 0, 0, 0)


def crypto_ctx_release(ctx: HelperContext, p: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``bpf_crypto_ctx_release(ctx)``: one reference less; the last frees the context."""
    with _lock:
        if p in _ciphers and ctx.memory.load(p + USAGE_AT, 4) <= 1:
            del _ciphers[p]
    return alloc_obj.obj_drop(ctx, p, _META, 0, 0, 0)


def _crypt(ctx: HelperContext, p: int, src: int, dst: int, siv: int, *, decrypt: bool) -> int:
    """bpf_crypto_crypt()."""
    dst_kern = DynptrKern.at(ctx, dst)
    if dst_kern.rdonly:
        return -errno.EINVAL
    siv_len = DynptrKern.at(ctx, siv).size if siv else 0
    src_len, dst_len = DynptrKern.at(ctx, src).size, dst_kern.size
    if not src_len or not dst_len or src_len > dst_len:
        return -errno.EINVAL
    with _lock:
        cipher = _ciphers.get(p)
    if cipher is None or siv_len != ctx.memory.load(p + SIV_LEN_AT, 4):
        return -errno.EINVAL
    psrc = dynptr_slice(ctx, src, 0, 0, src_len, 0)
    pdst = dynptr_slice_rdwr(ctx, dst, 0, 0, dst_len, 0) if psrc else 0
    piv = dynptr_slice_rdwr(ctx, siv, 0, 0, siv_len, 0) if siv_len and pdst else 0
    if not psrc or not pdst or (siv_len and not piv):
        return -errno.EINVAL
    if src_len % AES_BLOCK:
        return -errno.EINVAL
    iv = ctx.memory.read(piv, AES_BLOCK) if cipher.mode == "cbc" else b""
    out, next_iv = cipher.crypt(ctx.memory.read(psrc, src_len), iv, decrypt=decrypt)
    ctx.memory.write(pdst, out)
    if next_iv:
        ctx.memory.write(piv, next_iv)
    return 0


def crypto_encrypt(ctx: HelperContext, p: int, src: int, dst: int, siv: int, _r5: int) -> int:
    """``int bpf_crypto_encrypt(ctx, src, dst, siv__nullable)``."""
    return _crypt(ctx, p, src, dst, siv, decrypt=False) & M32


def crypto_decrypt(ctx: HelperContext, p: int, src: int, dst: int, siv: int, _r5: int) -> int:
    """``int bpf_crypto_decrypt(ctx, src, dst, siv__nullable)``."""
    return _crypt(ctx, p, src, dst, siv, decrypt=True) & M32


_CTX = "struct bpf_crypto_ctx *"
_CTX_ARG = KArg(ArgKind.BTF_ID, _CTX, "ctx")
_DYNPTR = "const struct bpf_dynptr *"
_CRYPT_ARGS = (
    _CTX_ARG,
    KArg(ArgKind.DYNPTR, _DYNPTR, "src"),
    KArg(ArgKind.DYNPTR, _DYNPTR, "dst"),
    KArg(ArgKind.DYNPTR, _DYNPTR, "siv__nullable"),
)


KFUNCS: tuple[KFunc, ...] = (
    KFunc("bpf_crypto_ctx_create", KfFlag.ACQUIRE | KfFlag.RET_NULL | KfFlag.SLEEPABLE,
          (KArg(ArgKind.MEM_SIZED, "const struct bpf_crypto_params *", "params", PARAMS.size),
           KArg(ArgKind.SIZE, "u32", "params__sz"), KArg(ArgKind.MEM, "int *", "err", 4)),
          RetKind.BTF_ID, _CTX, 8, crypto_ctx_create, INIT_PROG_TYPES),
    KFunc("bpf_crypto_ctx_release", KfFlag.RELEASE, (_CTX_ARG,), RetKind.VOID, "void", 0, crypto_ctx_release,
          INIT_PROG_TYPES),
    KFunc("bpf_crypto_ctx_acquire", KfFlag.ACQUIRE | KfFlag.RCU | KfFlag.RET_NULL, (_CTX_ARG,),
          RetKind.BTF_ID, _CTX, 8, crypto_ctx_acquire, INIT_PROG_TYPES),
    KFunc("bpf_crypto_decrypt", KfFlag.RCU, _CRYPT_ARGS, RetKind.SCALAR, "int", 4, crypto_decrypt,
          CRYPT_PROG_TYPES),
    KFunc("bpf_crypto_encrypt", KfFlag.RCU, _CRYPT_ARGS, RetKind.SCALAR, "int", 4, crypto_encrypt,
          CRYPT_PROG_TYPES),
)  # fmt: skip
"""The crypto kfuncs of kernel/bpf/crypto.c."""
