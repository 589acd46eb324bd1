"""Deferred work from a map value: the workqueue kfuncs (``struct bpf_wq``) and Linux 6.18's task work
(``struct bpf_task_work``).

Mirrors kernel/bpf/helpers.c (Linux 6.18), where all of them are in ``common_btf_ids`` (every program
type may call them):

* bpf_wq_init(wq, p__map, flags): flags other than 0 are -EINVAL; a workqueue already initialised is
  -EBUSY (__bpf_async_init()); else the work is allocated for the map and 0;
* bpf_wq_set_callback_impl(wq, callback_fn, flags, aux__prog): flags other than 0 are -EINVAL, a
  workqueue never initialised -EINVAL (__bpf_async_set_callback()); else the callback (a subprogram
  of the calling program, ``int callback_fn(void *map, int *key, void *value)``) is kept and 0;
* bpf_wq_start(wq, flags): flags other than 0, or a workqueue without work or callback, are
  -EINVAL; else the work is scheduled and 0;
* bpf_task_work_schedule_signal_impl / _resume_impl(task, tw, map__map, callback, aux__prog)
  (KF_TRUSTED_ARGS): the callback (``int callback(struct bpf_map *map, void *key, void *value)``)
  queued as task work of ``task``, to run when it next returns to user space (resume) or at once
  through a signal-like notification (signal).

The verifier side is ``pybpf.verifier.async_work`` (the field in the map value, the map argument,
the asynchronous callback).  ``aux__prog`` is filled in by the verifier's fixup (the program's aux)
and not looked at here.

Run time in user space: a workqueue is an asynchronous field of ``pybpf.helpers.timers`` (the
state of this process, found from the value's address; nothing is written into the value), init
and set_callback answer as the kernel's (and -EPERM for a map whose user references are gone), and
started work runs its callback ``callback_fn(map, key, value)`` as soon as the timers' scheduler
thread gets to it, as a run of the program of its own; deleting or updating the element and closing
the map's last fd free the workqueue.  Task work needs a task, which user space never has
(bpf_task_from_pid() finds none), so no program can reach those calls with one; they answer -ESRCH
(no such task).
"""

from __future__ import annotations

import errno

from pybpf.helpers import timers
from pybpf.helpers.context import HelperContext
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, RetKind

WQ_INIT, WQ_SET_CALLBACK, WQ_START = "bpf_wq_init", "bpf_wq_set_callback_impl", "bpf_wq_start"
TASK_WORK_SIGNAL = "bpf_task_work_schedule_signal_impl"
TASK_WORK_RESUME = "bpf_task_work_schedule_resume_impl"
ASYNC_CALLBACK_KFUNCS = frozenset({WQ_SET_CALLBACK, TASK_WORK_SIGNAL, TASK_WORK_RESUME})
"""The kfuncs whose callback runs later on its own (is_async_callback_calling_insn())."""


def wq_init(ctx: HelperContext, wq: int, map_ptr: int, flags: int, _r4: int, _r5: int) -> int:
    if flags & 0xFFFFFFFF:
        return -errno.EINVAL
    return timers.async_init(ctx, wq, map_ptr, timers.CLOCK_MONOTONIC, kind=timers.WORKQUEUE, helper=WQ_INIT)


def wq_set_callback(ctx: HelperContext, wq: int, callback: int, flags: int, _aux: int, _r5: int) -> int:
    if flags & 0xFFFFFFFF:
        return -errno.EINVAL
    return timers.async_set_callback(ctx, wq, callback, timers.WORKQUEUE, WQ_SET_CALLBACK)


def wq_start(ctx: HelperContext, wq: int, flags: int, _r3: int, _r4: int, _r5: int) -> int:
    if flags & 0xFFFFFFFF:
        return -errno.EINVAL
    return timers.schedule_now(ctx, wq, timers.WORKQUEUE, WQ_START)


def task_work_schedule(_ctx: HelperContext, _task: int, _tw: int, _map: int, _cb: int, _aux: int) -> int:
    """No task in user space to queue the work on."""
    return -errno.ESRCH


_WQ = KArg(ArgKind.WORKQUEUE, "struct bpf_wq *", "wq")
_FLAGS = KArg(ArgKind.SCALAR, "unsigned int", "flags")
_AUX = KArg(ArgKind.IGNORED, "void *", "aux__prog")
WQ_CALLBACK_CTYPE = "int (*)(void *, int *, void *)"
TASK_WORK_CALLBACK_CTYPE = "int (*)(struct bpf_map *, void *, void *)"  # bpf_task_work_callback_t
_TASK_WORK_ARGS = (
    KArg(ArgKind.BTF_ID, "struct task_struct *", "task"),
    KArg(ArgKind.TASK_WORK, "struct bpf_task_work *", "tw"),
    KArg(ArgKind.MAP, "void *", "map__map"),
    KArg(ArgKind.CALLBACK, TASK_WORK_CALLBACK_CTYPE, "callback"),
    _AUX,
)

KFUNCS: tuple[KFunc, ...] = (
    KFunc(WQ_INIT, KfFlag.NONE, (_WQ, KArg(ArgKind.MAP, "void *", "p__map"), _FLAGS), RetKind.SCALAR, "int",
          4, wq_init),
    KFunc(WQ_SET_CALLBACK, KfFlag.NONE, (_WQ, KArg(ArgKind.CALLBACK, WQ_CALLBACK_CTYPE, "callback_fn"),
          _FLAGS, _AUX), RetKind.SCALAR, "int", 4, wq_set_callback),
    KFunc(WQ_START, KfFlag.NONE, (_WQ, _FLAGS), RetKind.SCALAR, "int", 4, wq_start),
    *(KFunc(name, KfFlag.TRUSTED_ARGS, _TASK_WORK_ARGS, RetKind.SCALAR, "int", 4, task_work_schedule)
      for name in (TASK_WORK_SIGNAL, TASK_WORK_RESUME)),
)  # fmt: skip
"""The workqueue and task work kfuncs, in kernel/bpf/helpers.c's order."""
