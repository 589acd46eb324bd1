"""The BPF crypto kfuncs on pybpf and on the kernel (``pybpf.kfuncs.crypto``).

* bpf_crypto_ctx_create's answers: a sleepable SYSCALL program creates a context from the
  ``struct bpf_crypto_params`` in a map value and answers ``1000 + siv_len`` (then releases it) or
  the error it stored -- the same on both backends, for good parameters and every refusal the
  kernel has (bad type -ENOENT, no such skcipher -EOPNOTSUPP, reserved bytes, sizes and key
  lengths -EINVAL, an skcipher that is no lskcipher -EINVAL, authsize -EOPNOTSUPP).
* The selftests' flow (crypto_sanity.c, written anew): the SYSCALL program stores the context in a
  map's kptr; a tc program encrypts (or decrypts) its whole packet into a map value with the IV
  from that value, which the CBC mode updates.  The output bytes and the IV written back are the
  kernel's on pybpf, and the FIPS-197 vectors check the block cipher itself.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import pybpf
from pybpf import uapi
from pybpf.btf.encode import encode_btf
from pybpf.btf.types import BTF, BTF_INT_SIGNED, Int, Member, Ptr, Struct, TypeTag
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs import crypto
from pybpf.map import Map
from pybpf.verifier.kernel_btf import vmlinux_btf
from tests.verifier import verifier_corpus as vc

pytestmark = [
    pytest.mark.usefixtures("engine"),  # every program runs on each engine (tests/conftest.py)
    pytest.mark.skipif(vmlinux_btf() is None, reason="needs the kernel's BTF for the kfunc ids"),
]


def params(
    algo: bytes = b"ecb(aes)",
    key: bytes = bytes(range(16)),
    *,
    ctype: bytes = b"skcipher",
    key_len: int | None = None,
    authsize: int = 0,
    reserved: bytes = b"\0\0",
) -> bytes:
    return crypto.PARAMS.pack(ctype, reserved, algo, key, len(key) if key_len is None else key_len, authsize)


CREATE = """
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u32 *)(r10 - 16) = r1
    r2 = r10
    r2 += -16
    r1 = map_fd(p)
    call bpf_map_lookup_elem
    if r0 == 0 goto missing
    r1 = r0
    r2 = SIZE
    r3 = r10
    r3 += -8
    call kfunc(bpf_crypto_ctx_create)
    if r0 == 0 goto failed
    r6 = r0
STORE
    r0 = 1000
    r0 += r7
    exit
failed:
    r0 = *(s32 *)(r10 - 8)
    exit
missing:
    r0 = 9
    exit
"""
RELEASE = """
    r7 = *(u32 *)(r6 + 16)
    r1 = r6
    call kfunc(bpf_crypto_ctx_acquire)
    if r0 == 0 goto no_second
    r1 = r0
    call kfunc(bpf_crypto_ctx_release)
no_second:
    r1 = r6
    call kfunc(bpf_crypto_ctx_release)
"""
STORE_KPTR = """
    r7 = *(u32 *)(r6 + 16)
    r1 = 0
    *(u32 *)(r10 - 16) = r1
    r2 = r10
    r2 += -16
    r1 = map_fd(c)
    call bpf_map_lookup_elem
    if r0 == 0 goto drop
    r1 = r0
    r2 = r6
    call bpf_kptr_xchg
    if r0 == 0 goto stored
    r1 = r0
    call kfunc(bpf_crypto_ctx_release)
stored:
    goto done
drop:
    r1 = r6
    call kfunc(bpf_crypto_ctx_release)
    r0 = 8
    exit
done:
"""


def _s32(value: int) -> int:
    return value - (1 << 32) if value >= 1 << 31 else value


def create_result(backend: Backend, p: bytes, size: int = crypto.PARAMS.size) -> int:
    maps = (vc.MapDef("p", "array", 4, crypto.PARAMS.size, 1, data=p),)
    source = CREATE.replace("SIZE", str(size)).replace("STORE", RELEASE)
    with (
        vc.created_maps(maps, backend) as fds,
        pybpf.Program.load(
            vc.resolve_kfuncs(source), "syscall", maps=fds, backend=backend, prog_flags=uapi.BPF_F_SLEEPABLE
        ) as prog,
    ):
        return _s32(prog.run(ctx=b"").retval)


def backends() -> list[Backend]:
    """The kernel first where it runs: its create instantiates a template's skcipher (``xts(aes)``)
    on demand, after which /proc/crypto lists it for pybpf (``crypto.kernel_algorithms``) -- on a
    machine that never made one, pybpf alone would answer -EOPNOTSUPP for it."""
    return [NativeBackend(), UserBackend()] if kernel_bpf_available() else [UserBackend()]


CREATE_CASES = {
    "ecb128": (params(), 1000),
    "ecb192": (params(key=bytes(24)), 1000),
    "ecb256": (params(key=bytes(32)), 1000),
    "cbc128": (params(b"cbc(aes)"), 1016),
    "cbc256": (params(b"cbc(aes)", bytes(32)), 1016),
    "key15": (params(key=bytes(15)), -errno.EINVAL),
    "key20": (params(key=bytes(20)), -errno.EINVAL),
    "key_len0": (params(key_len=0), -errno.EINVAL),
    "key_len257": (params(key_len=257), -errno.EINVAL),
    "reserved": (params(reserved=b"\0\1"), -errno.EINVAL),
    "type_aead": (params(ctype=b"aead"), -errno.ENOENT),
    "type_empty": (params(ctype=b""), -errno.ENOENT),
    "no_such_algo": (params(b"nonsense"), -errno.EOPNOTSUPP),
    "bare_cipher": (params(b"aes"), -errno.EOPNOTSUPP),
    "aead_algo": (params(b"gcm(aes)"), -errno.EOPNOTSUPP),
    "authsize": (params(authsize=16), -errno.EOPNOTSUPP),
    "skcipher_only_xts": (params(b"xts(aes)", bytes(32)), -errno.EINVAL),
    "cipher_null": (params(b"ecb(cipher_null)"), -errno.EINVAL),
}


@pytest.mark.parametrize("case", sorted(CREATE_CASES))
def test_create_answers_as_the_kernel(case: str) -> None:
    p, expected = CREATE_CASES[case]
    if case == "cipher_null" and "ecb(cipher_null)" not in crypto.kernel_algorithms():
        pytest.skip("this kernel has no ecb(cipher_null) lskcipher")
    for backend in backends():
        assert create_result(backend, p) == expected, type(backend).__name__


@pytest.mark.parametrize("size", [0, 1, 16, 407])
def test_create_refuses_another_params_size(size: int) -> None:
    for backend in backends():
        assert create_result(backend, params(), size) == -errno.EINVAL


def test_create_params_past_the_memory_is_refused() -> None:
    for backend in backends():
        with pytest.raises(OSError) as refused:  # 409 bytes of a 408-byte map value
            create_result(backend, params(), crypto.PARAMS.size + 1)
        assert refused.value.errno == errno.EACCES


def _ctx_btf() -> bytes:
    """A map value ``struct cv { struct bpf_crypto_ctx __kptr *ctx; }``."""
    return encode_btf(
        BTF(
            (
                Int("int", 4, BTF_INT_SIGNED, 0, 32),  # 1
                Struct("bpf_crypto_ctx", 4, (Member("siv_len", 1, 0),)),  # 2
                TypeTag("kptr", 2),  # 3
                Ptr(3),  # 4
                Struct("cv", 8, (Member("ctx", 4, 0),)),  # 5
            )
        )
    )


@contextmanager
def ctx_map(backend: Backend) -> Iterator[int]:
    """An array map of one ``struct cv``: its fd."""
    raw = _ctx_btf()
    blob = ctypes.create_string_buffer(raw, len(raw))
    attr = uapi.bpf_attr()
    attr.btf, attr.btf_size = ctypes.addressof(blob), len(raw)
    btf_fd = backend.bpf(uapi.BPF_BTF_LOAD, attr)
    try:
        attr = uapi.bpf_attr()
        attr.map_type, attr.key_size, attr.value_size, attr.max_entries = uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1
        attr.btf_fd, attr.btf_key_type_id, attr.btf_value_type_id = btf_fd, 1, 5
        fd = backend.bpf(uapi.BPF_MAP_CREATE, attr)
    finally:
        os.close(btf_fd)
    try:
        yield fd
    finally:
        os.close(fd)


PACKET = 64
IV = 16


def crypt_program(kfunc: str, with_iv: bool, prog_type: str = "sched_cls") -> str:
    iv = (
        """
    r1 = r8
    r1 += 64
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -48
    call bpf_dynptr_from_mem
    r4 = r10
    r4 += -48
"""
        if with_iv
        else "    r4 = 0\n"
    )
    return f"""
    r9 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(out)
    call bpf_map_lookup_elem
    if r0 == 0 goto missing
    r8 = r0
    r2 = r10
    r2 += -4
    r1 = map_fd(c)
    call bpf_map_lookup_elem
    if r0 == 0 goto missing
    r7 = *(u64 *)(r0 + 0)
    if r7 == 0 goto no_ctx
    r1 = r9
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc({"bpf_dynptr_from_xdp" if prog_type == "xdp" else "bpf_dynptr_from_skb"})
    r1 = r8
    r2 = 64
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_dynptr_from_mem
{iv}
    r1 = r7
    r2 = r10
    r2 += -16
    r3 = r10
    r3 += -32
    call kfunc({kfunc})
    exit
no_ctx:
    r0 = 7
    exit
missing:
    r0 = 9
    exit
"""


def crypt_on(  # noqa: PLR0917 - the run's parts
    backend: Backend, p: bytes, kfunc: str, packet: bytes, iv: bytes, prog_type: str = "sched_cls"
) -> tuple[int, bytes]:
    """Create a context from ``p`` into a kptr, then run ``kfunc`` over ``packet`` in a tc program:
    (its result, the map value: the output's 64 bytes and the IV after the call)."""
    maps = (
        vc.MapDef("p", "array", 4, crypto.PARAMS.size, 1, data=p),
        vc.MapDef("out", "array", 4, PACKET + IV, 1, data=bytes(PACKET) + iv),
    )
    with vc.created_maps(maps, backend) as made, ctx_map(backend) as c_fd:
        fds = {**made, "c": c_fd}
        create = CREATE.replace("SIZE", str(crypto.PARAMS.size)).replace("STORE", STORE_KPTR)
        with pybpf.Program.load(
            vc.resolve_kfuncs(create), "syscall", maps=fds, backend=backend, prog_flags=uapi.BPF_F_SLEEPABLE
        ) as prog:
            assert prog.run(ctx=b"").retval >= 1000
        source = vc.resolve_kfuncs(crypt_program(kfunc, bool(iv), prog_type))
        with pybpf.Program.load(source, prog_type, maps=fds, backend=backend) as prog:
            result = _s32(prog.run(packet).retval)
        out = Map(os.dup(fds["out"]), backend=backend)
        with out:
            return result, bytes(out.lookup(b"\0\0\0\0"))


KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
PLAIN = bytes(range(64))


@pytest.mark.parametrize("kfunc", ["bpf_crypto_encrypt", "bpf_crypto_decrypt"])
@pytest.mark.parametrize(
    ("algo", "key_len"), [("ecb(aes)", 16), ("cbc(aes)", 16), ("cbc(aes)", 32), ("ecb(aes)", 24)]
)
def test_tc_crypt_gives_the_kernels_bytes(kfunc: str, algo: str, key_len: int) -> None:
    iv = bytes(range(0xA0, 0xB0)) if algo.startswith("cbc") else b""
    p = params(algo.encode(), KEY[:key_len])
    got = [crypt_on(backend, p, kfunc, PLAIN, iv) for backend in backends()]
    assert all(g == got[0] for g in got), got
    result, value = got[0]
    assert result == 0
    expected, next_iv = crypto.Cipher(algo[:3], KEY[:key_len]).crypt(
        PLAIN, iv, decrypt=kfunc.endswith("decrypt")
    )
    if iv:
        assert value == expected + next_iv
    else:
        assert value[:PACKET] == expected


@pytest.mark.parametrize(
    ("algo", "iv", "packet", "expected"),
    [
        ("cbc(aes)", b"", PLAIN, -errno.EINVAL),  # no IV where the context needs 16 bytes
        ("ecb(aes)", bytes(16), PLAIN, -errno.EINVAL),  # an IV where it needs none
        ("ecb(aes)", b"", PLAIN[:60], -errno.EINVAL),  # not whole blocks
    ],
)
def test_tc_crypt_refusals(algo: str, iv: bytes, packet: bytes, expected: int) -> None:
    p = params(algo.encode())
    results = [crypt_on(backend, p, "bpf_crypto_encrypt", packet, iv)[0] for backend in backends()]
    assert results == [expected] * len(results)


@pytest.mark.parametrize("kfunc", ["bpf_crypto_encrypt", "bpf_crypto_decrypt"])
def test_xdp_crypt_gives_the_kernels_bytes(kfunc: str) -> None:
    iv = bytes(range(0x30, 0x40))
    p = params(b"cbc(aes)", KEY[:24])
    got = [crypt_on(backend, p, kfunc, PLAIN, iv, "xdp") for backend in backends()]
    assert all(g == got[0] for g in got), got
    expected, next_iv = crypto.Cipher("cbc", KEY[:24]).crypt(PLAIN, iv, decrypt=kfunc.endswith("decrypt"))
    assert got[0] == (0, expected + next_iv)


def test_fips197_vectors() -> None:
    plain = bytes.fromhex("00112233445566778899aabbccddeeff")
    for key, cipher in (
        ("000102030405060708090a0b0c0d0e0f", "69c4e0d86a7b0430d8cdb78070b4c55a"),
        ("000102030405060708090a0b0c0d0e0f1011121314151617", "dda97ca4864cdfe06eaf70a0ec0d7191"),
        (KEY.hex(), "8ea2b7ca516745bfeafc49904b496089"),
    ):
        ecb = crypto.Cipher("ecb", bytes.fromhex(key))
        assert ecb.crypt(plain, b"", decrypt=False)[0].hex() == cipher
        assert ecb.crypt(bytes.fromhex(cipher), b"", decrypt=True)[0] == plain


def test_params_layout_is_the_kernels() -> None:
    assert crypto.PARAMS.size == 408 == struct.calcsize("<14s2s128s256sII")
