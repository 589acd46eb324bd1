"""bpf_stream_vprintk_impl(): a program's printf to its BPF_STDOUT / BPF_STDERR stream.

Mirrors kernel/bpf/stream.c (Linux 6.18), registered in kernel/bpf/helpers.c's ``common_btf_ids``
(every program type) with KF_TRUSTED_ARGS::

    int bpf_stream_vprintk_impl(int stream_id, const char *fmt__str, const void *args,
                                u32 len__sz, void *aux__prog);

The verifier checks ``fmt__str`` as a constant string (a NUL-terminated string in a read-only map
value, KF_ARG_PTR_TO_CONST_STR), ``args``/``len__sz`` as memory of that size (not NULL: the args
are trusted) and nothing of ``aux__prog``, which fixup_kfunc_call() replaces by the program's own
``bpf_prog_aux``.  At run time, in the kernel's order: a stream id other than 1 or 2 is -ENOENT; a
length that is not a multiple of 8, longer than ``MAX_BPRINTF_VARARGS`` arguments or with NULL
``args`` is -EINVAL; a format bpf_bprintf_prepare() refuses gives its error (the rules of
bpf_trace_vprintk: ``pybpf.helpers.printk``); the text bstr_printf() makes into its 1024-byte
buffer is queued on the stream (``pybpf.objects.streams``) -- without its NUL, except that an
output of exactly 1024 bytes queues the buffer's 1023 characters and its NUL, and a longer one is
-ENOMEM (bpf_stream_elem_alloc() refuses more than the buffer) -- and the result is 0, or -ENOSPC
when the stream's capacity is used up.

In pybpf the program is the one whose maps the run reaches (``ProgramMaps.prog_id``: the program
test-run, or the target of a tail call); a run of no loaded program has no stream (-ENOMEM, the
kernel's answer when a message cannot be stored).  Measured on this machine's Linux 6.18.44 every
valid message is refused with -ENOMEM (its page allocation, ``alloc_pages_nolock``, fails there)
while the argument errors match; pybpf follows the source and stores the message.
"""

from __future__ import annotations

import errno

from pybpf.helpers.context import SYSCALL_CHARGE, HelperContext
from pybpf.helpers.printk import MAX_BPRINTF_BUF, MAX_FORMAT, format_or_errno, read_args
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, RetKind
from pybpf.objects import streams

STREAM_VPRINTK = "bpf_stream_vprintk_impl"


def stream_vprintk(ctx: HelperContext, stream_id: int, fmt: int, args: int, len_sz: int, _aux: int) -> int:
    """``bpf_stream_vprintk_impl(stream_id, fmt__str, args, len__sz, aux__prog)``."""
    stream_id &= 0xFFFFFFFF
    if stream_id not in streams.STREAM_IDS:
        return -errno.ENOENT
    values = read_args(ctx.memory, args, len_sz & 0xFFFFFFFF)
    if isinstance(values, int):
        return values
    text = ctx.memory.read_cstring(fmt, MAX_FORMAT)  # (the verifier proved its NUL in the map value)
    ctx.charge_bytes(len(text))
    out = format_or_errno(ctx, text, values, MAX_BPRINTF_BUF - 1)
    if isinstance(out, int):
        return out
    message, length = out
    if length > MAX_BPRINTF_BUF:
        return -errno.ENOMEM
    if length == MAX_BPRINTF_BUF:
        message += b"\0"
    maps = ctx.env.maps
    prog_id = maps.program.prog_id if maps is not None else 0
    if not prog_id:
        return -errno.ENOMEM
    ctx.charge(SYSCALL_CHARGE)
    return streams.push(prog_id, stream_id, message)


KFUNCS: tuple[KFunc, ...] = (
    KFunc(
        STREAM_VPRINTK,
        KfFlag.TRUSTED_ARGS,
        (
            KArg(ArgKind.SCALAR, "int", "stream_id"),
            KArg(ArgKind.CONST_STR, "const char *", "fmt__str"),
            KArg(ArgKind.MEM_SIZED, "const void *", "args"),
            KArg(ArgKind.SIZE, "u32", "len__sz"),
            KArg(ArgKind.PROG, "void *", "aux__prog"),
        ),
        RetKind.SCALAR,
        "int",
        4,
        stream_vprintk,
    ),
)
