"""The trace pipe and the printf family of helpers: bpf_trace_printk, bpf_trace_vprintk, bpf_snprintf.

Mirrors kernel/bpf/helpers.c ``bpf_bprintf_prepare`` (which conversions a BPF format string may
use and when it is refused with -EINVAL) and the output of ``bstr_printf``: ``%d %i %u %x %X``
with ``l``/``ll`` size modifiers, ``%c``, ``%s``, ``%pks``/``%pus``, pointers ``%p %px %pK %ps %pS
%pB``, ``%pI4 %pi4 %pI6 %pi6``, flags ``0 + - space`` and a width.  Strings are read from the
program's memory; an unreadable one prints as empty, as the kernel's nofault copy does.  Pointers
print unhashed (the kernel's ``no_hash_pointers`` behaviour).

``bpf_trace_printk`` writes to /sys/kernel/tracing/trace_pipe in the kernel; here it appends a
``TraceRecord`` to a ``TracePipe`` (the module-level ``TRACE_PIPE`` unless the run names another),
which the API and CLI read back.  Like the kernel's single trace buffer, ``TRACE_PIPE`` is also
shared between processes: each record is appended as one JSON line to ``$PYBPF_BPFFS/.trace_pipe``
(see ``pybpf.helpers.trace_shared``), which ``read_shared()`` and ``pybpf trace`` read.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pybpf.errors import MemoryAccessError
from pybpf.helpers.context import HelperContext

if TYPE_CHECKING:
    from pybpf.memory.regions import Memory

MAX_BPRINTF_BUF = 1024  # size of the kernel's per-cpu output buffer
MAX_BPRINTF_BIN_ARGS = 512  # room for the arguments, strings included
MAX_TRACE_PRINTK_VARARGS = 3
MAX_BPRINTF_VARARGS = 12
MAX_FORMAT = 64 * 1024  # how far an ARG_PTR_TO_CONST_STR format is searched for its NUL


class FormatError(Exception):
    """A format string the kernel refuses; ``errno`` is the negative result the helper returns."""

    def __init__(self, err: int, why: str) -> None:
        super().__init__(why)
        self.errno = err


def _is_print_or_space(byte: int) -> bool:
    return 0x20 <= byte < 0x7F or byte in b"\t\n\v\f\r"


def _is_punct(byte: int) -> bool:
    return 0x21 <= byte < 0x7F and not chr(byte).isalnum()


def _fmt_byte(fmt: bytes, i: int) -> int:
    """fmt[i], or 0 past the end (the string is NUL-terminated)."""
    return fmt[i] if i < len(fmt) else 0


def bprintf(memory: Memory, fmt: bytes, args: Sequence[int]) -> bytes:
    """Format ``fmt`` (without its NUL) with the 64-bit ``args`` as the kernel's bstr_printf would.

    Raises ``FormatError`` where ``bpf_bprintf_prepare`` refuses the format.
    """
    out: list[bytes] = []
    room = MAX_BPRINTF_BIN_ARGS  # strings are copied into this much argument space
    spec_index = 0
    i = 0
    n = len(fmt)
    while i < n:
        byte = fmt[i]
        if not _is_print_or_space(byte):
            raise FormatError(-errno.EINVAL, f"non-printable character {byte:#x} in format")
        if byte != 0x25:  # '%'
            out.append(bytes((byte,)))
            i += 1
            continue
        if _fmt_byte(fmt, i + 1) == 0x25:
            out.append(b"%")
            i += 2
            continue
        if spec_index >= len(args):
            raise FormatError(-errno.EINVAL, "more conversions than arguments")
        start = i
        i += 1
        while _fmt_byte(fmt, i) in b"0+- ":
            i += 1
        if 0x31 <= _fmt_byte(fmt, i) <= 0x39:
            while 0x30 <= _fmt_byte(fmt, i) <= 0x39:
                i += 1
        flags_width = fmt[start + 1 : i].decode("ascii")
        arg = args[spec_index] & 0xFFFFFFFFFFFFFFFF
        spec_index += 1
        conv = _fmt_byte(fmt, i)
        if conv == 0x70:  # 'p'
            text, i = _pointer(memory, fmt, i, arg, flags_width)
            room -= len(text) + 1
            out.append(text)
            continue
        if conv == 0x73:  # 's'
            text = _string(memory, fmt, i, arg, flags_width, room=room)
            room -= len(text) + 1
            out.append(text)
            i += 1
            continue
        if conv == 0x63:  # 'c'
            out.append(_pad(bytes((arg & 0xFF,)), flags_width))
            i += 1
            continue
        bits = 32
        if _fmt_byte(fmt, i) == 0x6C:  # 'l'
            bits = 64
            i += 1
            if _fmt_byte(fmt, i) == 0x6C:
                i += 1
        conv = _fmt_byte(fmt, i)
        if conv not in b"iduxX" or conv == 0:
            raise FormatError(-errno.EINVAL, f"unsupported conversion in {fmt[start : i + 1]!r}")
        value = arg & ((1 << bits) - 1)
        if conv in b"di" and value >> (bits - 1):
            value -= 1 << bits
        pyconv = "d" if conv in b"diu" else chr(conv)
        flags = flags_width if conv in b"di" else flags_width.replace("+", "").replace(" ", "")
        out.append((f"%{flags}{pyconv}" % value).encode("ascii"))
        i += 1
    return b"".join(out)


def _pad(text: bytes, flags_width: str) -> bytes:
    digits = flags_width.lstrip("0+- ")
    width = int(digits) if digits else 0
    if len(text) >= width:
        return text
    fill = b" " * (width - len(text))
    return text + fill if "-" in flags_width else fill + text


def _string(memory: Memory, fmt: bytes, i: int, address: int, flags_width: str, *, room: int) -> bytes:
    after = _fmt_byte(fmt, i + 1)
    if after != 0 and not _is_punct(after) and after not in b" \t\n\v\f\r":
        raise FormatError(-errno.EINVAL, "%s must be followed by a space, punctuation or the end")
    if room <= 0:
        raise FormatError(-errno.ENOSPC, "no room left for string arguments")
    try:
        text = memory.read_cstring(address, room - 1)
    except MemoryAccessError:
        text = b""
    return _pad(text, flags_width)


def _pointer(memory: Memory, fmt: bytes, i: int, value: int, flags_width: str) -> tuple[bytes, int]:
    """Format a %p conversion starting at fmt[i] == 'p'; returns the text and the index after it."""
    nxt = _fmt_byte(fmt, i + 1)
    if nxt in b"ku" and nxt != 0 and _fmt_byte(fmt, i + 2) == 0x73:  # %pks / %pus
        return _string(memory, fmt, i + 2, value, flags_width, room=MAX_BPRINTF_BIN_ARGS), i + 3
    if nxt == 0 or nxt in b" \t\n\v\f\r" or (_is_punct(nxt) and nxt != 0):
        text = b"(null)" if value == 0 else f"{value:016x}".encode()
        return _pad(text, flags_width), i + 1
    if nxt in b"Kx":
        return _pad(f"{value:016x}".encode(), flags_width), i + 2
    if nxt in b"sSB":
        return _pad(f"{value:#x}".encode(), flags_width), i + 2
    family = _fmt_byte(fmt, i + 2)
    if nxt not in b"iI" or family not in b"46" or family == 0:
        raise FormatError(-errno.EINVAL, "unsupported %p extension")
    size = 4 if family == 0x34 else 16
    try:
        raw = memory.read(value, size)
    except MemoryAccessError:
        raw = bytes(size)
    if size == 4:
        address = ".".join(f"{b:03d}" if nxt == 0x69 else str(b) for b in raw)
    else:
        groups = [raw[k : k + 2].hex() for k in range(0, 16, 2)]
        address = "".join(groups) if nxt == 0x69 else ":".join(groups)
    return _pad(address.encode(), flags_width), i + 3


def _format_or_errno(memory: Memory, fmt: bytes, args: Sequence[int]) -> bytes | int:
    try:
        return bprintf(memory, fmt, args)
    except FormatError as exc:
        return exc.errno


def _read_format(memory: Memory, address: int, size: int) -> bytes | None:
    """The format string at ``address``: its NUL must lie within ``size`` bytes."""
    raw = memory.read_cstring(address, size)
    return raw if len(raw) < size else None


def _read_args(memory: Memory, address: int, data_len: int) -> list[int] | int:
    if data_len % 8 or data_len > MAX_BPRINTF_VARARGS * 8 or (data_len and not address):
        return -errno.EINVAL
    raw = memory.read(address, data_len)
    return [int.from_bytes(raw[k : k + 8], "little") for k in range(0, data_len, 8)]


def trace_printk(  # noqa: PLR0917 - the helper ABI: five register arguments
    ctx: HelperContext, fmt: int, fmt_size: int, arg1: int, arg2: int, arg3: int
) -> int:
    """``long bpf_trace_printk(const char *fmt, u32 fmt_size, ...)``: up to three arguments."""
    text = _read_format(ctx.memory, fmt, fmt_size & 0xFFFFFFFF)
    if text is None:
        return -errno.EINVAL
    out = _format_or_errno(ctx.memory, text, (arg1, arg2, arg3))
    if isinstance(out, int):
        return out
    ctx.trace_pipe.write(out[: MAX_BPRINTF_BUF - 1])
    return len(out)


def trace_vprintk(ctx: HelperContext, fmt: int, fmt_size: int, data: int, data_len: int, _r5: int) -> int:
    """``long bpf_trace_vprintk(const char *fmt, u32 fmt_size, const void *data, u32 data_len)``."""
    args = _read_args(ctx.memory, data, data_len & 0xFFFFFFFF)
    if isinstance(args, int):
        return args
    text = _read_format(ctx.memory, fmt, fmt_size & 0xFFFFFFFF)
    if text is None:
        return -errno.EINVAL
    out = _format_or_errno(ctx.memory, text, args)
    if isinstance(out, int):
        return out
    ctx.trace_pipe.write(out[: MAX_BPRINTF_BUF - 1])
    return len(out)


def snprintf(  # noqa: PLR0917 - the helper ABI: five register arguments
    ctx: HelperContext, buf: int, size: int, fmt: int, data: int, data_len: int
) -> int:
    """``long bpf_snprintf(char *str, u32 str_size, const char *fmt, u64 *data, u32 data_len)``.

    Returns the length the whole output needs including its NUL; writes at most ``str_size`` bytes.
    """
    args = _read_args(ctx.memory, data, data_len & 0xFFFFFFFF)
    if isinstance(args, int):
        return args
    text = ctx.memory.read_cstring(fmt, MAX_FORMAT)
    out = _format_or_errno(ctx.memory, text, args)
    if isinstance(out, int):
        return out
    size &= 0xFFFFFFFF
    if size:
        ctx.memory.write(buf, out[: size - 1] + b"\0")
    return len(out) + 1
