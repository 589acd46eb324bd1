"""The IRQ-flag kfuncs: bpf_local_irq_save() and bpf_local_irq_restore().

Mirrors kernel/bpf/helpers.c (Linux 6.18), where both are in ``common_btf_ids`` (registered for
BPF_PROG_TYPE_UNSPEC: every program type may call them) without KF_* flags::

    void bpf_local_irq_save(unsigned long *flags__irq_flag);
    void bpf_local_irq_restore(unsigned long *flags__irq_flag);

In the kernel they wrap local_irq_save() / local_irq_restore(): the first stores the CPU's
interrupt state (on x86-64 the RFLAGS register, whose IF bit says interrupts were enabled) in the
8-byte slot and disables interrupts, the second puts that state back.  The ``__irq_flag`` suffix
makes the parameter KF_ARG_PTR_TO_IRQ_FLAG: the verifier (``pybpf.verifier.irq``) proves the slot
is on the program's stack, that the saved flag is neither read nor forged, and that regions nest
and close in order -- so nothing but the restore ever sees the value.

A program run in user space has no interrupts to disable: the save writes ``SAVED_FLAGS`` (IF
set: interrupts were on, as they are where a test run happens) into the slot, the restore reads
nothing and changes nothing.  Both are called like helpers, ``function(ctx, r1, r2, r3, r4, r5) ->
r0`` (r0 is not readable after a void kfunc).
"""

from __future__ import annotations

from pybpf.helpers.context import HelperContext
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, RetKind, do_nothing

LOCAL_IRQ_SAVE = "bpf_local_irq_save"
LOCAL_IRQ_RESTORE = "bpf_local_irq_restore"

X86_EFLAGS_IF = 1 << 9
SAVED_FLAGS = X86_EFLAGS_IF
"""What bpf_local_irq_save() stores: the interrupt-enable flag of x86's RFLAGS, set."""

_FLAG_SIZE = 8
_FLAG_ARG = KArg(ArgKind.IRQ_FLAG, "unsigned long *", "flags__irq_flag")


def local_irq_save(ctx: HelperContext, flags: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``bpf_local_irq_save(flags)``: the (user-space) interrupt state stored at ``flags``."""
    ctx.memory.store(flags, _FLAG_SIZE, SAVED_FLAGS)
    return 0


KFUNCS: tuple[KFunc, ...] = (
    KFunc(LOCAL_IRQ_SAVE, KfFlag.NONE, (_FLAG_ARG,), RetKind.VOID, "void", 0, local_irq_save),
    KFunc(LOCAL_IRQ_RESTORE, KfFlag.NONE, (_FLAG_ARG,), RetKind.VOID, "void", 0, do_nothing),
)
