"""The workqueue and task work kfuncs' arguments and callbacks, as the verifier checks them.

Mirrors check_kfunc_args() and check_kfunc_call() of kernel/bpf/verifier.c (Linux 6.18) for the
kfuncs of ``pybpf.kfuncs.async_work``:

* a ``struct bpf_wq *`` (KF_ARG_PTR_TO_WORKQUEUE) or ``struct bpf_task_work *``
  (KF_ARG_PTR_TO_TASK_WORK) argument is a map value pointer ("arg#%d doesn't point to a map value")
  at the value's field (check_map_field_pointer(), ``timer``: a constant offset, a map with BTF
  whose value has one, exactly there); the map it is in is remembered (``meta->map``);
* the ``__map`` argument after it must be that very map when it holds a workqueue or task work
  ("workqueue pointer in R1 map_uid=%d doesn't match map pointer in R2 map_uid=%d", "bpf_task_work
  pointer in R2 map_uid=%d doesn't match map pointer in R3 map_uid=%d": pybpf has no inner-map
  uids, both print 0);
* the callback (KF_ARG_PTR_TO_CALLBACK) is an asynchronous one (push_callback_call(): a path of its
  own, ``callbacks.push_async_callback``) called with the map, a key and the value: a workqueue's
  returns 0 (set_timer_callback_state()), a task work's any s32
  (set_task_work_schedule_callback_state()).  Both are sleepable callbacks: a program that is not
  sleepable cannot have one ("sleepable callback in a program that is not sleepable", then "kfunc
  %s#%d failed callback verification", EPERM -- measured on Linux 6.18.44, whose XDP and tc programs
  refuse bpf_wq_set_callback_impl so);
* check_cfg(): the call is a prune point (is_async_callback_calling_insn()).

Loads and stores may not touch either field ("bpf_wq cannot be accessed directly by load/store",
``value_fields``); a map holding a workqueue is refused to tracing programs
(``map_compat``).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from pybpf.kfuncs.async_work import TASK_WORK_RESUME, TASK_WORK_SIGNAL
from pybpf.kfuncs.proto import ArgKind, KArg, KFunc
from pybpf.uapi import BPF_F_SLEEPABLE
from pybpf.verifier import callbacks, references, timer
from pybpf.verifier.regtypes import RegType

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

WQ, TASK_WORK = "bpf_wq", "bpf_task_work"
_FIELDS = {ArgKind.WORKQUEUE: WQ, ArgKind.TASK_WORK: TASK_WORK}
WQ_RET_RANGE = callbacks.ASYNC_RET_RANGE
TASK_WORK_RET_RANGE = (-(1 << 31), (1 << 31) - 1)
_UIDS = "map_uid=0 doesn't match map pointer"


def check_field_arg(w: Walker, i: int, arg: KArg) -> Any:
    """KF_ARG_PTR_TO_WORKQUEUE / KF_ARG_PTR_TO_TASK_WORK: process_wq_func() /
    process_task_work_func(); the map the field is in (``meta->map``)."""
    regno = i + 1
    reg = w.state.cur.regs[regno]
    if reg.type is not RegType.PTR_TO_MAP_VALUE:
        w.fail(errno.EINVAL, f"arg#{i} doesn't point to a map value")
    timer.check_map_field_pointer(w, regno, reg, _FIELDS[arg.kind], has_btf=references.has_btf(reg.map))
    return reg.map


def check_map_arg(w: Walker, field_map: Any, regno: int) -> None:
    """KF_ARG_PTR_TO_MAP after a workqueue or task work argument: a map holding either must be the
    field's own map."""
    map_ref = w.state.cur.regs[regno].map
    if field_map is None or timer.same_map(field_map, map_ref):
        return
    if timer.field_off(map_ref, TASK_WORK) is not None:
        w.fail(
            errno.EINVAL, "bpf_task_work pointer in R2 map_uid=0 doesn't match map pointer in R3 map_uid=0"
        )
    if timer.field_off(map_ref, WQ) is not None:
        w.fail(errno.EINVAL, "workqueue pointer in R1 map_uid=0 doesn't match map pointer in R2 map_uid=0")


def push_callback(w: Walker, kfunc: KFunc, btf_id: int, subprog: int, field_map: Any) -> None:
    """check_kfunc_call() of an async-callback kfunc: push_callback_call() of its callback."""
    if not w.env.request.prog_flags & BPF_F_SLEEPABLE:
        w.env.log.line("sleepable callback in a program that is not sleepable")
        w.fail(errno.EPERM, f"kfunc {kfunc.name}#{btf_id} failed callback verification")
    task_work = kfunc.name in (TASK_WORK_SIGNAL, TASK_WORK_RESUME)
    callbacks.push_async_callback(w, subprog, field_map, TASK_WORK_RET_RANGE if task_work else WQ_RET_RANGE)
