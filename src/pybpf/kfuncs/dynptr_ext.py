"""More dynptr kfuncs: bpf_dynptr_copy, bpf_dynptr_memset, bpf_probe_read_kernel_dynptr and
bpf_probe_read_kernel_str_dynptr.

Mirrors Linux 6.18: kernel/bpf/helpers.c (bpf_dynptr_copy(), bpf_dynptr_memset()) and
kernel/trace/bpf_trace.c (__bpf_dynptr_copy(), __bpf_dynptr_copy_str() with
copy_kernel_data_nofault() / copy_kernel_str_nofault()), all in ``common_btf_ids`` (every program
type, no ``KF_*`` flag).  Offsets and sizes are ``u32`` (the register's low half).

* bpf_dynptr_copy(dst, dst_off, src, src_off, size): where both ranges are slices (plain memory,
  the linear part of a packet) the bytes are moved; where one is, the other side is read or written
  through __bpf_dynptr_read() / __bpf_dynptr_write() (``pybpf.helpers.dynptr.read_bytes`` /
  ``write_bytes``: -EINVAL for a null or read-only dynptr, -E2BIG past its size); else both
  bounds must hold (-E2BIG) and 256-byte chunks go through a buffer.  Two null dynptrs and size 0:
  0.
* bpf_dynptr_memset(p, offset, size, val): a writable slice is filled; else a read-only dynptr is
  -EINVAL, bounds -E2BIG, then 256-byte chunks are written (a null dynptr and size 0: 0).
* bpf_probe_read_kernel_dynptr(dptr, off, size, unsafe_ptr__ign): ``size`` bytes of kernel memory
  (pybpf: program memory) copied into the dynptr at ``off``: copy_from_kernel_nofault() is -ERANGE
  for an address the architecture refuses (``pybpf.helpers.basic.kernel_nofault_error``; size 0
  too) and -EFAULT for memory it cannot read; the dynptr's bounds -E2BIG.
* bpf_probe_read_kernel_str_dynptr(dptr, off, size, unsafe_ptr__ign): strncpy_from_kernel_nofault():
  the string with its NUL, at most ``size`` bytes (the last one then a NUL), its length with the NUL
  returned; -ERANGE / -EFAULT as above (a fault leaves the first byte NUL); a copy through the
  buffer goes by 256-byte chunks overlapping by one (the NUL of each is overwritten).

Each is called like a helper, ``function(ctx, r1, r2, r3, r4, r5) -> r0``; the ``int`` results are
zero-extended from 32 bits, as the kernel's x86-64 code leaves them in r0.
"""

from __future__ import annotations

import errno
from collections.abc import Callable

from pybpf.helpers.basic import kernel_nofault_error
from pybpf.helpers.context import HelperContext
from pybpf.helpers.dynptr import BPF_DYNPTR_TYPE_SKB, DynptrKern, read_bytes, write_bytes
from pybpf.isa.words import M32
from pybpf.kfuncs.dynptr_pkt import dynptr_slice, dynptr_slice_rdwr
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, KFuncImpl, RetKind
from pybpf.kfuncs.strings import NofaultString

CHUNK = 256
"""The on-stack buffer of the kernel's chunked copies (``char buf[256]``)."""


def _result(value: int) -> int:
    return value & M32


def dynptr_copy(  # noqa: PLR0917 - the kfunc ABI: five register arguments
    ctx: HelperContext, dst_ptr: int, dst_off: int, src_ptr: int, src_off: int, size: int
) -> int:
    dst_off, src_off, size = dst_off & M32, src_off & M32, size & M32
    memory = ctx.memory
    src_slice = dynptr_slice(ctx, src_ptr, src_off, 0, size, 0)
    dst_slice = dynptr_slice_rdwr(ctx, dst_ptr, dst_off, 0, size, 0)
    src, dst = DynptrKern.at(ctx, src_ptr), DynptrKern.at(ctx, dst_ptr)
    if src_slice and dst_slice:
        ctx.charge_bytes(size)
        memory.write(dst_slice, memory.read(src_slice, size))
        return 0
    if src_slice:
        return _result(write_bytes(ctx, dst, dst_off, memory.read(src_slice, size), 0))
    if dst_slice:
        loaded = read_bytes(ctx, src, src_off, size)
        if isinstance(loaded, int):
            if src.type == BPF_DYNPTR_TYPE_SKB and src.data and src.fits(src_off, size):
                memory.write(dst_slice, bytes(size))  # __bpf_skb_load_bytes() zeroes it
            return _result(loaded)
        memory.write(dst_slice, loaded)
        return 0
    if not dst.fits(dst_off, size) or not src.fits(src_off, size):
        return _result(-errno.E2BIG)
    for off in range(0, size, CHUNK):
        chunk = min(CHUNK, size - off)
        loaded = read_bytes(ctx, src, (src_off + off) & M32, chunk)
        if isinstance(loaded, int):
            return _result(loaded)
        err = write_bytes(ctx, dst, (dst_off + off) & M32, loaded, 0)
        if err:
            return _result(err)
    return 0


def dynptr_memset(ctx: HelperContext, p: int, offset: int, size: int, val: int, _r5: int) -> int:
    offset, size, val = offset & M32, size & M32, val & 0xFF
    slice_ = dynptr_slice_rdwr(ctx, p, offset, 0, size, 0)
    if slice_:
        ctx.charge_bytes(size)
        ctx.memory.write(slice_, bytes([val]) * size)
        return 0
    dynptr = DynptrKern.at(ctx, p)
    if dynptr.rdonly:
        return _result(-errno.EINVAL)
    if not dynptr.fits(offset, size):
        return _result(-errno.E2BIG)
    for off in range(0, size, CHUNK):
        err = write_bytes(ctx, dynptr, (offset + off) & M32, bytes([val]) * min(CHUNK, size - off), 0)
        if err:
            return _result(err)
    return 0


def _refused(ctx: HelperContext, address: int) -> bool:
    """copy_from_kernel_nofault_allowed() says no (program memory is the kernel's: allowed)."""
    return ctx.memory.region_at(address) is None and kernel_nofault_error(address) == -errno.ERANGE


CopyFn = Callable[[HelperContext, int, int], tuple[bytes, int]]
"""``copy(ctx, source, size) -> (what it leaves in its destination, from its start; its result)``:
the copy functions of kernel/trace/bpf_trace.c (copy_kernel_data_nofault() ...)."""


def kernel_data(ctx: HelperContext, address: int, size: int) -> tuple[bytes, int]:
    """copy_from_kernel_nofault(): the ``size`` bytes at ``address`` and 0, or -ERANGE / -EFAULT
    (nothing copied)."""
    address &= 0xFFFF_FFFF_FFFF_FFFF
    if _refused(ctx, address):
        return b"", -errno.ERANGE
    if not size:
        return b"", 0
    region = ctx.memory.region_at(address)
    if region is None or address + size > region.end:
        return b"", -errno.EFAULT
    ctx.charge_bytes(size)
    offset = address - region.base
    return bytes(region.view[offset : offset + size]), 0


def kernel_str(ctx: HelperContext, address: int, count: int) -> tuple[bytes, int]:
    """strncpy_from_kernel_nofault(): (the bytes it leaves in the destination, its result: the
    length with the NUL, 0 for count 0, -ERANGE, or -EFAULT with the first byte made NUL)."""
    address &= 0xFFFF_FFFF_FFFF_FFFF
    if count <= 0:
        return b"", 0
    if _refused(ctx, address):
        return b"", -errno.ERANGE
    string = NofaultString(ctx, address, count)
    if string.nul:
        return string.text + b"\0", len(string.text) + 1
    if len(string.text) == count:
        return string.text[:-1] + b"\0", count
    return b"\0" + string.text[1:], -errno.EFAULT  # what was copied, its first byte NUL


def copy_into(  # noqa: PLR0917 - the kernel function's arguments
    ctx: HelperContext, dptr: int, off: int, size: int, unsafe: int, copy: CopyFn
) -> int:
    """__bpf_dynptr_copy(): ``size`` bytes from ``unsafe`` into the dynptr at ``off``: straight into
    a writable slice (the copy's result returned), else through 256-byte chunks (-E2BIG first if
    the bounds fail; a chunk's non-zero result returned)."""
    off, size = off & M32, size & M32
    dst_slice = dynptr_slice_rdwr(ctx, dptr, off, 0, size, 0)
    if dst_slice:
        data, result = copy(ctx, unsafe, size)
        ctx.memory.write(dst_slice, data)
        return _result(result)
    dst = DynptrKern.at(ctx, dptr)
    if not dst.fits(off, size):
        return _result(-errno.E2BIG)
    for at in range(0, size, CHUNK):
        chunk = min(CHUNK, size - at)
        data, result = copy(ctx, unsafe + at, chunk)
        if result:
            return _result(result)
        err = write_bytes(ctx, dst, (off + at) & M32, data.ljust(chunk, b"\0"), 0)
        if err:
            return _result(err)
    return 0


def copy_str_into(  # noqa: PLR0917 - the kernel function's arguments
    ctx: HelperContext, dptr: int, off: int, size: int, unsafe: int, copy: CopyFn
) -> int:
    """__bpf_dynptr_copy_str(): a string of at most ``size`` bytes (NUL included) from ``unsafe``
    into the dynptr at ``off``: straight into a writable slice (the copy's result returned), else
    through 256-byte chunks overlapping by one byte (each chunk's NUL overwritten by the next);
    the length with the NUL returned."""
    off, size = off & M32, size & M32
    dst_slice = dynptr_slice_rdwr(ctx, dptr, off, 0, size, 0)
    if dst_slice:
        data, count = copy(ctx, unsafe, size)
        ctx.memory.write(dst_slice, data)
        return _result(count)
    dst = DynptrKern.at(ctx, dptr)
    if not dst.fits(off, size):
        return _result(-errno.E2BIG)
    at = 0
    while at < size:
        chunk = min(CHUNK, size - at)
        data, count = copy(ctx, unsafe + at, chunk)
        if count < 0:
            return _result(count)
        err = write_bytes(ctx, dst, (off + at) & M32, data[:count].ljust(count, b"\0"), 0)
        if err:
            return _result(err)
        if count < chunk or chunk == 1:
            return _result(at + count)
        at += chunk - 1  # the next chunk overwrites this one's NUL
    return _result(at)


def probe_read_kernel_dynptr(
    ctx: HelperContext, dptr: int, off: int, size: int, unsafe: int, _r5: int
) -> int:
    """__bpf_dynptr_copy() with copy_kernel_data_nofault()."""
    return copy_into(ctx, dptr, off, size, unsafe, kernel_data)


def probe_read_kernel_str_dynptr(
    ctx: HelperContext, dptr: int, off: int, size: int, unsafe: int, _r5: int
) -> int:
    """__bpf_dynptr_copy_str() with copy_kernel_str_nofault()."""
    return copy_str_into(ctx, dptr, off, size, unsafe, kernel_str)


_DYNPTR = KArg(ArgKind.DYNPTR, "struct bpf_dynptr *", "p")
_U32 = "u32"


def int_kfunc(name: str, args: tuple[KArg, ...], impl: KFuncImpl, flags: KfFlag = KfFlag.NONE) -> KFunc:
    """A kfunc of the common set returning ``int``."""
    return KFunc(name, flags, args, RetKind.SCALAR, "int", 4, impl)


def probe_args() -> tuple[KArg, ...]:
    """(dptr, off, size, unsafe_ptr__ign): the parameters of the probe-read and copy-from-user
    dynptr kfuncs."""
    return (
        KArg(ArgKind.DYNPTR, "struct bpf_dynptr *", "dptr"),
        KArg(ArgKind.SCALAR, _U32, "off"),
        KArg(ArgKind.SCALAR, _U32, "size"),
        KArg(ArgKind.IGNORED, "const void *", "unsafe_ptr__ign"),
    )


KFUNCS: tuple[KFunc, ...] = (
    int_kfunc(
        "bpf_dynptr_copy",
        (
            KArg(ArgKind.DYNPTR, "struct bpf_dynptr *", "dst_ptr"),
            KArg(ArgKind.SCALAR, _U32, "dst_off"),
            KArg(ArgKind.DYNPTR, "struct bpf_dynptr *", "src_ptr"),
            KArg(ArgKind.SCALAR, _U32, "src_off"),
            KArg(ArgKind.SCALAR, _U32, "size"),
        ),
        dynptr_copy,
    ),
    int_kfunc(
        "bpf_dynptr_memset",
        (
            _DYNPTR,
            KArg(ArgKind.SCALAR, _U32, "offset"),
            KArg(ArgKind.SCALAR, _U32, "size"),
            KArg(ArgKind.SCALAR, "u8", "val"),
        ),
        dynptr_memset,
    ),
    int_kfunc("bpf_probe_read_kernel_dynptr", probe_args(), probe_read_kernel_dynptr),
    int_kfunc("bpf_probe_read_kernel_str_dynptr", probe_args(), probe_read_kernel_str_dynptr),
)
"""The dynptr kfuncs of this module (kernel/bpf/helpers.c's common_btf_ids)."""
