"""The trace pipe and the printf family of helpers: bpf_trace_printk, bpf_trace_vprintk, bpf_snprintf.

Mirrors kernel/bpf/helpers.c ``bpf_bprintf_prepare`` (which conversions a BPF format string may
use and when it is refused with -EINVAL) and the output of ``bstr_printf``: ``%d %i %u %x %X``
with ``l``/``ll`` size modifiers, ``%c``, ``%s``, ``%pks``/``%pus``, pointers ``%p %px %pK %ps %pS
%pB``, ``%pI4 %pi4 %pI6 %pi6``, flags ``0 + - space`` and a width (clamped to ``FIELD_WIDTH_MAX``
and wrapped like lib/vsprintf.c's ``skip_atoi``/``set_field_width``, so a 13-byte format such as
``%1500000000d`` asks for 8388607 bytes of padding, of which only what fits in the output buffer is
built; the helpers return the whole length, as ``bstr_printf`` does).  Strings are read from the
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
from pybpf.helpers.context import FORMAT_CHARGE, SYSCALL_CHARGE, HelperContext

if TYPE_CHECKING:
    from pybpf.memory.regions import Memory

MAX_BPRINTF_BUF = 1024  # size of the kernel's per-cpu output buffer
MAX_BPRINTF_BIN_ARGS = 512  # room for the arguments, strings included
MAX_TRACE_PRINTK_VARARGS = 3
MAX_BPRINTF_VARARGS = 12
MAX_FORMAT = 64 * 1024  # how far an ARG_PTR_TO_CONST_STR format is searched for its NUL
FIELD_WIDTH_MAX = (1 << 23) - 1  # lib/vsprintf.c: set_field_width clamps widths to this
_PRINTABLE = bytes(range(0x20, 0x7F)) + b"\t\n\v\f\r"  # isprint() || isspace()


class FormatError(Exception):
    """A format string the kernel refuses; ``errno`` is the negative result the helper returns."""

    def __init__(self, err: int, why: str) -> None:
        super().__init__(why)
        self.errno = err


def _is_punct(byte: int) -> bool:
    return 0x21 <= byte < 0x7F and not chr(byte).isalnum()


def _fmt_byte(fmt: bytes, i: int) -> int:
    """fmt[i], or 0 past the end (the string is NUL-terminated)."""
    return fmt[i] if i < len(fmt) else 0


class _Output:
    """What ``bstr_printf`` leaves in a buffer of ``limit`` bytes (NUL excluded): the text that fits,
    and the length the whole output has (which the helpers return)."""

    __slots__ = ("length", "parts", "room")

    def __init__(self, limit: int) -> None:
        self.parts: list[bytes] = []
        self.room = limit
        self.length = 0

    def add(self, data: bytes) -> None:
        self.length += len(data)
        if self.room > 0 and data:
            piece = data[: self.room]
            self.parts.append(piece)
            self.room -= len(piece)

    def fill(self, byte: bytes, count: int) -> None:
        """``count`` copies of ``byte`` (a field's padding), written only as far as the buffer goes."""
        if count <= 0:
            return
        self.length += count
        if self.room > 0:
            shown = min(count, self.room)
            self.parts.append(byte * shown)
            self.room -= shown

    def padded(self, text: bytes, flags: str, width: int, *, zero_after: int = 0) -> None:
        """``text`` in a field of ``width``: left-justified with ``-``, else zero-padded after the
        first ``zero_after`` bytes (a sign) with ``0`` when ``zero_after`` >= 0, else space-padded."""
        pad = width - len(text)
        if "-" in flags:
            self.add(text)
            self.fill(b" ", pad)
        elif "0" in flags and zero_after >= 0:
            self.add(text[:zero_after])
            self.fill(b"0", pad)
            self.add(text[zero_after:])
        else:
            self.fill(b" ", pad)
            self.add(text)

    def text(self) -> bytes:
        return b"".join(self.parts)


def field_width(digits: str) -> int:
    """The width lib/vsprintf.c takes from a field's digits: ``skip_atoi`` in a wrapping C int
    (only the last 32 digits matter, 10**32 being a multiple of 2**32), clamped by
    ``set_field_width`` to +-``FIELD_WIDTH_MAX``; a negative width pads nothing."""
    if not digits:
        return 0
    value = int(digits[-32:]) & 0xFFFFFFFF
    if value >> 31:
        value -= 1 << 32
    return max(-FIELD_WIDTH_MAX, min(value, FIELD_WIDTH_MAX))


def _split_field(flags_width: str) -> tuple[str, int]:
    digits = flags_width.lstrip("0+- ")
    return flags_width[: len(flags_width) - len(digits)], field_width(digits)


def render(memory: Memory, fmt: bytes, args: Sequence[int], limit: int) -> tuple[bytes, int]:
    """Format ``fmt`` (without its NUL) with the 64-bit ``args`` as ``bstr_printf`` would into a
    buffer of ``limit`` bytes: the text that fits, and the length of the whole output.

    Nothing beyond ``limit`` bytes is built, whatever the widths (each at most ``FIELD_WIDTH_MAX``,
    as the kernel clamps them).  Raises ``FormatError`` where ``bpf_bprintf_prepare`` refuses the
    format.
    """
    out = _Output(limit)
    room = MAX_BPRINTF_BIN_ARGS  # strings are copied into this much argument space
    spec_index = 0
    i = 0
    n = len(fmt)
    while i < n:
        end = fmt.find(b"%", i)
        if end < 0:
            end = n
        if end > i:  # a run of literal characters
            bad = fmt[i:end].translate(None, _PRINTABLE)
            if bad:
                raise FormatError(-errno.EINVAL, f"non-printable character {bad[0]:#x} in format")
            out.add(fmt[i:end])
            i = end
            continue
        if _fmt_byte(fmt, i + 1) == 0x25:
            out.add(b"%")
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
        flags, width = _split_field(fmt[start + 1 : i].decode("ascii"))
        arg = args[spec_index] & 0xFFFFFFFFFFFFFFFF
        spec_index += 1
        conv = _fmt_byte(fmt, i)
        if conv == 0x70:  # 'p'
            text, i = _pointer(memory, fmt, i, arg)
            room -= len(text) + 1
            out.padded(text, flags, width, zero_after=-1)
            continue
        if conv == 0x73:  # 's'
            text = _string(memory, fmt, i, arg, room=room)
            room -= len(text) + 1
            out.padded(text, flags, width, zero_after=-1)
            i += 1
            continue
        if conv == 0x63:  # 'c'
            out.padded(bytes((arg & 0xFF,)), flags, width, zero_after=-1)
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
        sign_flags = "".join(flag for flag in "+ " if flag in flags) if conv in b"di" else ""
        text = (f"%{sign_flags}{pyconv}" % value).encode("ascii")
        out.padded(text, flags, width, zero_after=1 if text[:1] in (b"+", b"-", b" ") else 0)
        i += 1
    return out.text(), out.length


def bprintf(memory: Memory, fmt: bytes, args: Sequence[int]) -> bytes:
    """``render`` into the kernel's ``MAX_BPRINTF_BUF`` buffer: the text bpf_trace_printk prints."""
    return render(memory, fmt, args, MAX_BPRINTF_BUF - 1)[0]


def _string(memory: Memory, fmt: bytes, i: int, address: int, *, room: int) -> bytes:
    after = _fmt_byte(fmt, i + 1)
    if after != 0 and not _is_punct(after) and after not in b" \t\n\v\f\r":
        raise FormatError(-errno.EINVAL, "%s must be followed by a space, punctuation or the end")
    if room <= 0:
        raise FormatError(-errno.ENOSPC, "no room left for string arguments")
    try:
        return memory.read_cstring(address, room - 1)
    except MemoryAccessError:
        return b""


def _pointer(memory: Memory, fmt: bytes, i: int, value: int) -> tuple[bytes, int]:
    """Format a %p conversion starting at fmt[i] == 'p'; returns the text and the index after it."""
    nxt = _fmt_byte(fmt, i + 1)
    if nxt in b"ku" and nxt != 0 and _fmt_byte(fmt, i + 2) == 0x73:  # %pks / %pus
        return _string(memory, fmt, i + 2, value, room=MAX_BPRINTF_BIN_ARGS), i + 3
    if nxt == 0 or nxt in b" \t\n\v\f\r" or (_is_punct(nxt) and nxt != 0):
        return (b"(null)" if value == 0 else f"{value:016x}".encode()), i + 1
    if nxt in b"Kx":
        return f"{value:016x}".encode(), i + 2
    if nxt in b"sSB":
        return f"{value:#x}".encode(), i + 2
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
    return address.encode(), i + 3


def format_or_errno(
    ctx: HelperContext, fmt: bytes, args: Sequence[int], limit: int
) -> tuple[bytes, int] | int:
    """``render`` (charged: ``FORMAT_CHARGE`` and the whole output's bytes, as the kernel's
    ``bstr_printf`` walks all of it), or the helper's -errno for a refused format."""
    ctx.charge(FORMAT_CHARGE)
    try:
        text, length = render(ctx.memory, fmt, args, limit)
    except FormatError as exc:
        return exc.errno
    ctx.charge_bytes(length)
    return text, length


def _read_format(ctx: HelperContext, address: int, size: int) -> bytes | None:
    """The format string at ``address``: its NUL must lie within ``size`` bytes (charged as read)."""
    raw = ctx.memory.read_cstring(address, size)
    ctx.charge_bytes(len(raw))
    return raw if len(raw) < size else None


def read_args(memory: Memory, address: int, data_len: int) -> list[int] | int:
    if data_len % 8 or data_len > MAX_BPRINTF_VARARGS * 8 or (data_len and not address):
        return -errno.EINVAL
    raw = memory.read(address, data_len)
    return [int.from_bytes(raw[k : k + 8], "little") for k in range(0, data_len, 8)]


def _print(ctx: HelperContext, text: bytes, args: Sequence[int]) -> int:
    """Format into the kernel's buffer and append to the trace pipe; the whole output's length."""
    out = format_or_errno(ctx, text, args, MAX_BPRINTF_BUF - 1)
    if isinstance(out, int):
        return out
    ctx.charge(2 * SYSCALL_CHARGE)  # the task's name, and the append to the shared trace file
    ctx.trace_pipe.write(out[0])
    return out[1]


def trace_printk(  # noqa: PLR0917 - the helper ABI: five register arguments
    ctx: HelperContext, fmt: int, fmt_size: int, arg1: int, arg2: int, arg3: int
) -> int:
    """``long bpf_trace_printk(const char *fmt, u32 fmt_size, ...)``: up to three arguments."""
    text = _read_format(ctx, fmt, fmt_size & 0xFFFFFFFF)
    if text is None:
        return -errno.EINVAL
    return _print(ctx, text, (arg1, arg2, arg3))


def trace_vprintk(ctx: HelperContext, fmt: int, fmt_size: int, data: int, data_len: int, _r5: int) -> int:
    """``long bpf_trace_vprintk(const char *fmt, u32 fmt_size, const void *data, u32 data_len)``."""
    args = read_args(ctx.memory, data, data_len & 0xFFFFFFFF)
    if isinstance(args, int):
        return args
    text = _read_format(ctx, fmt, fmt_size & 0xFFFFFFFF)
    if text is None:
        return -errno.EINVAL
    return _print(ctx, text, args)


def snprintf(  # noqa: PLR0917 - the helper ABI: five register arguments
    ctx: HelperContext, buf: int, size: int, fmt: int, data: int, data_len: int
) -> int:
    """``long bpf_snprintf(char *str, u32 str_size, const char *fmt, u64 *data, u32 data_len)``.

    Returns the length the whole output needs including its NUL; writes at most ``str_size`` bytes
    (the buffer is checked first, and nothing longer than it is built).
    """
    args = read_args(ctx.memory, data, data_len & 0xFFFFFFFF)
    if isinstance(args, int):
        return args
    text = ctx.memory.read_cstring(fmt, MAX_FORMAT)
    ctx.charge_bytes(len(text))
    size &= 0xFFFFFFFF
    if size:
        ctx.memory.check(buf, size, True)
    out = format_or_errno(ctx, text, args, max(size - 1, 0))
    if isinstance(out, int):
        return out
    if size:
        ctx.memory.write(buf, out[0] + b"\0")
    return out[1] + 1
