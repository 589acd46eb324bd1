"""Resilient queued spin locks: bpf_res_spin_lock() and its unlock, irqsave and irqrestore.

Mirrors kernel/bpf/rqspinlock.c of Linux 6.18, where the four form ``rqspinlock_kfunc_ids``,
registered for BPF_PROG_TYPE_UNSPEC (every program type may call them; the two lock kfuncs carry
KF_RET_NULL, which does nothing to an int result and is left out here)::

    int bpf_res_spin_lock(struct bpf_res_spin_lock *lock);
    void bpf_res_spin_unlock(struct bpf_res_spin_lock *lock);
    int bpf_res_spin_lock_irqsave(struct bpf_res_spin_lock *lock, unsigned long *flags__irq_flag);
    void bpf_res_spin_unlock_irqrestore(struct bpf_res_spin_lock *lock, unsigned long *flags__irq_flag);

``struct bpf_res_spin_lock`` is a 4-byte word of a map value (btf_parse_fields()' BPF_RES_SPIN_LOCK).
Unlike bpf_spin_lock, a program may hold several at once: the lock detects the deadlocks that would
follow (taking a lock this CPU already holds: AA; two CPUs each waiting for the other's: ABBA) and
gives up after a timeout (RES_DEF_TIMEOUT, a quarter of a second), answering -EDEADLK or
-ETIMEDOUT instead of 0.  The verifier (``pybpf.verifier.res_lock``) has the program check that
answer: the lock is held only where r0 was 0.  The irqsave variant also disables interrupts, saving
their state in an IRQ flag of the lock class (``pybpf.verifier.irq``: only the irqrestore of this
family may restore it).

In user space the lock is its word: held means 1 (the kernel's locked byte, _Q_LOCKED_VAL).  A run
keeps the addresses it holds in ``RunEnv.res_spin_locks``; a lock it already holds is -EDEADLK, a
word another run holds is waited for until the timeout (-ETIMEDOUT).  The irqsave stores the saved
state (``pybpf.kfuncs.irq.SAVED_FLAGS``) only once the lock is taken, as the kernel puts it back when
the lock fails.  Words written from user space are not guarded: a value written with a non-zero lock
word reads as held (the kernel's update never writes special fields).
"""

from __future__ import annotations

import errno
import threading
import time

from pybpf.helpers.context import HelperContext
from pybpf.kfuncs.irq import SAVED_FLAGS
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, RetKind
from pybpf.objects.forking import fork_safe

RES_SPIN_LOCK = "bpf_res_spin_lock"
RES_SPIN_UNLOCK = "bpf_res_spin_unlock"
RES_SPIN_LOCK_IRQSAVE = "bpf_res_spin_lock_irqsave"
RES_SPIN_UNLOCK_IRQRESTORE = "bpf_res_spin_unlock_irqrestore"
LOCKING = frozenset({RES_SPIN_LOCK, RES_SPIN_LOCK_IRQSAVE})
"""The kfuncs that take the lock (and may fail)."""
WITH_IRQ = frozenset({RES_SPIN_LOCK_IRQSAVE, RES_SPIN_UNLOCK_IRQRESTORE})
"""The kfuncs that also save or restore the interrupt state."""
NAMES = frozenset({RES_SPIN_LOCK, RES_SPIN_UNLOCK, RES_SPIN_LOCK_IRQSAVE, RES_SPIN_UNLOCK_IRQRESTORE})

LOCK_SIZE = 4
LOCKED = 1
"""The word of a held lock (_Q_LOCKED_VAL)."""
TIMEOUT_S = 0.25
"""RES_DEF_TIMEOUT: how long a lock held elsewhere is waited for."""
_FLAG_SIZE = 8

_test_and_set = fork_safe(threading.Lock())
"""Makes reading and setting a lock word one step for the threads of this process."""


def _try_take(ctx: HelperContext, lock: int) -> bool:
    with _test_and_set:
        if ctx.memory.load(lock, LOCK_SIZE):
            return False
        ctx.memory.store(lock, LOCK_SIZE, LOCKED)
        return True


def _lock(ctx: HelperContext, lock: int) -> int:
    """res_spin_lock(): 0 with the lock held, -EDEADLK or -ETIMEDOUT."""
    held = ctx.env.res_spin_locks
    if lock in held:
        return -errno.EDEADLK
    deadline = time.monotonic() + TIMEOUT_S
    while not _try_take(ctx, lock):
        if time.monotonic() >= deadline:
            return -errno.ETIMEDOUT
        time.sleep(0)
    held.append(lock)
    return 0


def _unlock(ctx: HelperContext, lock: int) -> None:
    """res_spin_unlock(): the word cleared (the verifier proved the run holds it, taken last)."""
    held = ctx.env.res_spin_locks
    if lock in held:
        held.remove(lock)
    ctx.memory.store(lock, LOCK_SIZE, 0)


def res_spin_lock(ctx: HelperContext, lock: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``bpf_res_spin_lock(lock)``."""
    return _lock(ctx, lock)


def res_spin_unlock(ctx: HelperContext, lock: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``bpf_res_spin_unlock(lock)``."""
    _unlock(ctx, lock)
    return 0


def res_spin_lock_irqsave(ctx: HelperContext, lock: int, flags: int, _r3: int, _r4: int, _r5: int) -> int:
    """``bpf_res_spin_lock_irqsave(lock, flags)``: the interrupt state saved once the lock is held."""
    err = _lock(ctx, lock)
    if not err:
        ctx.memory.store(flags, _FLAG_SIZE, SAVED_FLAGS)
    return err


_LOCK_ARG = KArg(ArgKind.RES_SPIN_LOCK, "struct bpf_res_spin_lock *", "lock")
_FLAG_ARG = KArg(ArgKind.IRQ_FLAG, "unsigned long *", "flags__irq_flag")

KFUNCS: tuple[KFunc, ...] = (
    KFunc(RES_SPIN_LOCK, KfFlag.NONE, (_LOCK_ARG,), RetKind.SCALAR, "int", 4, res_spin_lock),
    KFunc(RES_SPIN_UNLOCK, KfFlag.NONE, (_LOCK_ARG,), RetKind.VOID, "void", 0, res_spin_unlock),
    KFunc(
        RES_SPIN_LOCK_IRQSAVE, KfFlag.NONE, (_LOCK_ARG, _FLAG_ARG), RetKind.SCALAR, "int", 4,
        res_spin_lock_irqsave,
    ),
    KFunc(
        RES_SPIN_UNLOCK_IRQRESTORE, KfFlag.NONE, (_LOCK_ARG, _FLAG_ARG), RetKind.VOID, "void", 0,
        res_spin_unlock,
    ),
)  # fmt: skip
