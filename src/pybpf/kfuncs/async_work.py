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

Run time in user space: a workqueue's state lives where the kernel keeps its pointer, in the
field's 16 bytes of the map value (which programs may not read): the first word non-zero once
initialised, the second the callback's address once set; init, set_callback and start answer as
the kernel's do.  Started work does not run: pybpf has no worker thread to run a program's callback
later (nor timer callbacks).  Task work needs a task, which user space never has (bpf_task_from_pid()
finds none), so no program can reach those calls with one; they answer -ESRCH (no such task).
"""

from __future__ import annotations

import errno

from pybpf.helpers.context import HelperContext
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, RetKind

_INITIALISED = 1
_WORD = 8

WQ_INIT, WQ_SET_CALLBACK, WQ_START = "bpf_wq_init", "bpf_wq_set_callback_impl", "bpf_wq_start"
TASK_WORK_SIGNAL = "bpf_task_work_schedule_signal_impl"
TASK_WORK_RESUME = "bpf_task_work_schedule_resume_impl"
ASYNC_CALLBACK_KFUNCS = frozenset({WQ_SET_CALLBACK, TASK_WORK_SIGNAL, TASK_WORK_RESUME})
"""The kfuncs whose callback runs later on its own (is_async_callback_calling_insn())."""


def wq_init(ctx: HelperContext, wq: int, _map: int, flags: int, _r4: int, _r5: int) -> int:
    if flags & 0xFFFFFFFF:
        return -errno.EINVAL
    if ctx.memory.load(wq, _WORD):
        return -errno.EBUSY
    ctx.memory.store(wq, _WORD, _INITIALISED)
    return 0


def wq_set_callback(ctx: HelperContext, wq: int, callback: int, flags: int, _aux: int, _r5: int) -> int:
    if flags & 0xFFFFFFFF or not ctx.memory.load(wq, _WORD):
        return -errno.EINVAL
    ctx.memory.store(wq + _WORD, _WORD, callback)
    return 0


def wq_start(ctx: HelperContext, wq: int, flags: int, _r3: int, _r4: int, _r5: int) -> int:
    if flags & 0xFFFFFFFF or not ctx.memory.load(wq, _WORD) or not ctx.memory.load(wq + _WORD, _WORD):
        return -errno.EINVAL
    return 0


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
