"""``struct bpf_timer`` at run time: bpf_timer_init / set_callback / start / cancel, and callbacks that fire.

Mirrors Linux 6.18 kernel/bpf/helpers.c: ``bpf_timer_init`` (``__bpf_async_init``),
``bpf_timer_set_callback`` (``__bpf_async_set_callback``), ``bpf_timer_start``, ``bpf_timer_cancel``,
``bpf_timer_cb`` and ``bpf_timer_cancel_and_free`` (which ``bpf_obj_free_fields`` calls when an
element is deleted or replaced and ``map_release_uref`` when a map's last user reference goes):

* bpf_timer_init(timer, map, flags): flags of 16 or more, or a clock other than CLOCK_MONOTONIC,
  CLOCK_REALTIME or CLOCK_BOOTTIME, are -EINVAL; a timer initialised already -EBUSY; a map whose
  user references (fds and pins) are gone -EPERM; else the timer exists, without a callback, and 0;
* bpf_timer_set_callback(timer, callback_fn): a timer never initialised -EINVAL, a map without
  user references -EPERM; else the callback (a function of the calling program, which the timer
  now holds, as the kernel's ``cb->prog`` reference) is kept and 0;
* bpf_timer_start(timer, nsecs, flags): flags other than BPF_F_TIMER_ABS and BPF_F_TIMER_CPU_PIN
  are -EINVAL, a timer without a callback (never set, or dropped by a cancel) -EINVAL; else the
  timer is armed ``nsecs`` from now on its clock, or at ``nsecs`` on it with BPF_F_TIMER_ABS (a
  timer armed already moves), and 0;
* bpf_timer_cancel(timer): a timer never initialised -EINVAL, the timer whose callback is running
  -EDEADLK; else the callback and the program are dropped (a later start is -EINVAL until a new
  set_callback) and the result is 1 when the timer was armed, 0 when not;
* the callback runs as ``callback_fn(map, key, value)`` -- the key of an array's element is its u32
  index, a hash element's key its own -- as a run of the program of its own whose entry it is
  (the engine's ``RunSession.call_locked``: frame 0, the whole stack, the call depth counted from
  it), with the map's value (exactly ``value_size`` bytes) and a read-only copy of the key as its
  memory;
* deleting or updating the element (from user space or a program, in any process), an update
  evicting it from a full LRU map, and a map's last user reference going, cancel and free the
  element's timer (``element_timer``, ``free_element``, ``free_map``): no callback after; a hash
  map's BPF_F_LOCK update in place keeps it.

The state of a timer is an ``AsyncTimer`` of this process, found by (map root, map id, value
offset); the field itself, in the map's shared storage, holds the initialising process's mark
(``_MARK``: its pid and a per-process token), which user space sees as zeroes (a lookup zeroes
the field, an update writes zeroes there, an update in place leaves it: ``pybpf.kernel.btfobj``).
``ProgramHost`` (``RunEnv.host``) is the loaded program a run belongs to: the kernel layer's
(``pybpf.kernel.async_host``), which runs a callback, holds the program alive and tells whether a
map's user references are gone.

The scheduler is one daemon thread per process, started by the first bpf_timer_start: a heap of
deadlines kept in CLOCK_MONOTONIC (a deadline on CLOCK_REALTIME or CLOCK_BOOTTIME is converted when
the timer is armed; a later step of the realtime clock does not move it).  A run from it is a run on
another CPU: it takes the address space's lock (``Memory.lock``) as every run does, so callbacks run
one at a time and never while a test run is running, and a map operation never sees half a run.
(The second EDEADLK of bpf_timer_cancel -- two callbacks cancelling each other on two CPUs --
cannot happen when callbacks run one at a time.)  A callback that fails (a fault, its budget
exhausted) is reported as a ``RuntimeWarning`` naming the program and the error, kept in
``callback_errors()``, and its timer stops; nothing is raised in the thread.  CPU pinning
(BPF_F_TIMER_CPU_PIN) is accepted and has no effect: the thread runs callbacks where it runs.

Processes: the timer belongs to the map element, as in the kernel.  The field, in the map's shared
storage, holds the mark of its *owner* -- the process whose scheduler arms it and runs its callbacks --
in its first half and the timer's state in its second (``_STATE``: the id of the program whose
callback it holds, the callback's slot, armed or not, the clock), which every process changes under
the map's lock.  bpf_timer_init of a field another live process initialised is -EBUSY, as the
kernel's one timer per element answers whoever asks (a forked child included).  Another process's
bpf_timer_cancel acts on the state: 1 when armed, the callback dropped; the owner reads the state
before every expiry (``still_due``) and before its own starts, so the callback does not run and a
later start is -EINVAL.  Another process's bpf_timer_start takes the timer over (``_take_over``: its
mark rewritten; the old owner drops its copy at its next look, ``_still_ours``): the timer is armed,
and its callback runs, in the starting process from then on, the callback's program opened there by
id (``ProgramHost.host_of``: the kernel's timer holds ``cb->prog``).  So does another process's
bpf_timer_set_callback of a timer not armed; of one armed elsewhere it stops the run with a
``HelperError`` naming the owner (pybpf cannot move another process's pending expiry), as do a
workqueue's helpers on another process's workqueue.  A delete or an update of the element from any
process zeroes or frees the field, and the owner drops its timer before the next expiry.  A mark
whose process exited is no owner: the timer went with its process (the kernel's outlives it while
the map has users), and the field can be initialised again.  A child made by ``fork`` starts without
timers of its own (the parent's keep running in the parent); a fork waits for a callback running
(``Memory.lock`` is ``fork_safe``).
"""

from __future__ import annotations

import errno
import heapq
import itertools
import os
import struct
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, cast

from pybpf import uapi
from pybpf.errors import HelperError
from pybpf.helpers.context import HelperContext
from pybpf.helpers.map_access import access_of, describe_map
from pybpf.helpers.registry import HelperRegistry
from pybpf.maps.array import ArrayMap
from pybpf.maps.hash import HashMap
from pybpf.maps.lru import VALUE_PREFIX, LruHashMap, LruPercpuHashMap
from pybpf.objects.locking import process_exists

if TYPE_CHECKING:
    from pybpf.maps.object import MapObject

CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME = 0, 1, 7
MAX_CLOCKS = 16
TIMER_CLOCKS = frozenset({CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME})
"""The clocks bpf_timer_init accepts (as timerfd's, without the _ALARM ones)."""
BPF_F_TIMER_ABS = 1 << 0
BPF_F_TIMER_CPU_PIN = 1 << 1
"""The flags of bpf_timer_start (include/uapi/linux/bpf.h, ``enum { BPF_F_TIMER_ABS ... }``)."""
KTIME_MAX = (1 << 63) - 1
FIELD_SIZE = 16
"""sizeof(struct bpf_timer) == sizeof(struct bpf_wq)."""
ERRORS_KEPT = 64
"""Failed callback runs ``callback_errors`` remembers (the latest)."""

_U32 = struct.Struct("<I")


class ProgramHost(Protocol):
    """The loaded program a run belongs to, as the timer helpers need it (``RunEnv.host``)."""

    name: str
    """The program's name, for reports."""

    def function_slot(self, address: int) -> int | None:
        """The slot of the program's function whose address (as this run sees it) is ``address``."""
        ...

    def host_of(self, prog_id: int) -> ProgramHost | None:
        """The host of program ``prog_id`` (of the same root) in this process, None when it is gone."""
        ...

    def users_gone(self, obj: MapObject) -> bool:
        """Whether ``obj``'s user references (fds and pins) are all gone (the kernel's ``usercnt``)."""
        ...

    def run_callback(
        self, slot: int, obj: MapObject, key: bytes, value_offset: int, still_due: Callable[[], bool]
    ) -> int | None:
        """Run the function at ``slot`` as ``f(map, key, value)`` for the element of ``obj`` whose
        value is at ``value_offset``, holding the address space's lock, if ``still_due()`` says so
        once the lock is held; its r0, or None when it did not run."""
        ...


TIMER, WORKQUEUE = "bpf_timer", "bpf_wq"
"""The kinds of asynchronous fields (``enum bpf_async_type``), named after their structs."""

Ident = tuple[str, int, int, str]
"""(map root, map id, value offset, kind): where an asynchronous field is."""


@dataclass(eq=False)
class AsyncTimer:
    """One initialised ``struct bpf_timer`` (the kernel's ``struct bpf_hrtimer``) or ``struct bpf_wq``
    (``struct bpf_work``): ``bpf_async_cb``."""

    ident: Ident
    obj: MapObject
    value_offset: int
    key: bytes
    """The element's key as its callback gets it (an array's u32 index)."""
    clock: int
    """A timer's clock (a workqueue's: CLOCK_MONOTONIC, unused)."""
    host: ProgramHost | None = None
    """The program holding the callback (``cb->prog``); None before set_callback and after a cancel."""
    slot: int | None = None
    """The callback's slot in the program (``cb->callback_fn``)."""
    armed: int = 0
    """The sequence number of the pending expiry; 0 while not armed."""
    deadline: int = 0
    """The pending expiry, CLOCK_MONOTONIC nanoseconds."""
    freed: bool = False
    field_offset: int = 0
    """Where the 16-byte field is in the map's storage (its shared mark: ``_MARK``)."""

    @property
    def kind(self) -> str:
        return self.ident[3]


_LOCK = threading.Lock()
"""Guards every timer's state and the scheduler; taken after ``Memory.lock`` when both are held."""
_TIMERS: dict[Ident, AsyncTimer] = {}
_BY_MAP: dict[tuple[str, int], dict[tuple[int, str], AsyncTimer]] = {}
"""(map root, map id) -> (value offset, kind) -> timer: what deleting an element or freeing a map frees."""
_running = threading.local()
"""``hrtimer_running``: the timer whose callback this thread is running (the scheduler's thread)."""
_MARK = struct.Struct("<II")
"""What an initialised field holds in the map's shared storage: the initialising process's id and
its token (random per process, so that a reused pid does not pass for its owner)."""
_token = int.from_bytes(os.urandom(4), "little") | 1
_STATE = struct.Struct("<II")
"""The field's second half: the id of the program whose callback the timer holds (0: none) and the
state bits every process reads and writes under the map's lock (``_ARMED``, ``_CALLBACK``, the
callback's slot, the clock)."""
_STATE_AT = 8
_SLOT_MASK = (1 << 20) - 1
"""The callback's slot (a program has at most 1,000,000 instructions)."""
_ARMED = 1 << 20
_CALLBACK = 1 << 21
_CLOCK_SHIFT = 24
_ERRORS: deque[str] = deque(maxlen=ERRORS_KEPT)


def callback_errors() -> list[str]:
    """The reports of the latest failed callback runs, oldest first."""
    with _LOCK:
        return list(_ERRORS)


def _current() -> AsyncTimer | None:
    timer: AsyncTimer | None = getattr(_running, "timer", None)
    return timer


# -- the scheduler ------------------------------------------------------------------------------------
class _Scheduler:
    """One daemon thread running expired timers' callbacks in deadline order."""

    def __init__(self) -> None:
        self.wakeup = threading.Condition(_LOCK)
        self.heap: list[tuple[int, int, AsyncTimer]] = []
        self.sequence = itertools.count(1)
        self.thread: threading.Thread | None = None

    def arm(self, timer: AsyncTimer, deadline: int) -> None:
        """Arm ``timer`` for ``deadline`` (CLOCK_MONOTONIC ns); the caller holds ``_LOCK``."""
        timer.armed = next(self.sequence)
        timer.deadline = deadline
        heapq.heappush(self.heap, (deadline, timer.armed, timer))
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(target=self._loop, name="pybpf-timers", daemon=True)
            self.thread.start()
        if self.heap[0][2] is timer:
            self.wakeup.notify()

    def _due(self) -> tuple[AsyncTimer, int]:
        """Wait for the next expiry; the timer and the sequence number it was armed with."""
        with _LOCK:
            while True:
                heap = self.heap
                while heap and heap[0][2].armed != heap[0][1]:  # cancelled or moved since
                    heapq.heappop(heap)
                if not heap:
                    self.wakeup.wait()
                    continue
                deadline, sequence, timer = heap[0]
                left = deadline - time.clock_gettime_ns(time.CLOCK_MONOTONIC)
                if left > 0:
                    self.wakeup.wait(left / 1e9)
                    continue
                heapq.heappop(heap)
                return timer, sequence

    def _loop(self) -> None:
        while True:
            timer, sequence = self._due()
            try:
                _fire(timer, sequence)
            except BaseException as exc:  # never a traceback from the thread
                _report(timer, exc)


_SCHEDULER = _Scheduler()


def _forget_after_fork() -> None:
    """In a child: the parent's timers stay the parent's (its thread did not come along)."""
    global _LOCK, _SCHEDULER, _running, _token
    _LOCK = threading.Lock()
    _token = int.from_bytes(os.urandom(4), "little") | 1
    _TIMERS.clear()
    _BY_MAP.clear()
    _running = threading.local()
    _SCHEDULER = _Scheduler()


os.register_at_fork(after_in_child=_forget_after_fork)


def _fire(timer: AsyncTimer, sequence: int) -> None:
    """``bpf_timer_cb``: run the callback of ``timer`` if it is still armed as ``sequence``."""
    host = timer.host
    slot = timer.slot
    if host is None or slot is None:
        return

    def still_due() -> bool:
        with _LOCK:
            if timer.armed != sequence or timer.freed or timer.host is not host or timer.slot != slot:
                return False
            timer.armed = 0
        if host.users_gone(timer.obj):  # map_release_uref ran: every timer of the map is freed
            free_map(timer.obj)
            return False
        if not _still_ours(timer):  # another process deleted or replaced the element, or took it
            with _LOCK:
                _free(timer)
            return False
        obj, at = timer.obj, timer.field_offset
        with obj.lock:
            prog_id, bits = _state(obj, at)
            if bits & (_ARMED | _CALLBACK) != _ARMED | _CALLBACK:  # another process cancelled it
                return False
            _set_state(obj, at, prog_id, bits & ~_ARMED)
        _running.timer = timer if timer.kind == TIMER else None  # (hrtimer_running: timers only)
        return True

    try:
        host.run_callback(slot, timer.obj, timer.key, timer.value_offset, still_due)
    except Exception as exc:  # a run error: reported, and the timer stops
        _report(timer, exc)
        with _LOCK:
            timer.armed = 0
    finally:
        _running.timer = None


def _report(timer: AsyncTimer, exc: BaseException) -> None:
    host = timer.host
    name = host.name if host is not None else "?"
    message = f"{timer.kind} callback of program {name!r} ({describe_map(timer.obj)}) failed: {exc}"
    with _LOCK:
        _ERRORS.append(message)
    warnings.warn(message, RuntimeWarning, stacklevel=1)


# -- the shared mark ------------------------------------------------------------------------------------
def _state(obj: MapObject, field_offset: int) -> tuple[int, int]:
    """(callback program id, state bits) of the field (``_STATE``)."""
    prog_id, bits = _STATE.unpack_from(obj.mm, field_offset + _STATE_AT)
    return int(prog_id), int(bits)


def _set_state(obj: MapObject, field_offset: int, prog_id: int, bits: int) -> None:
    _STATE.pack_into(obj.mm, field_offset + _STATE_AT, prog_id, bits)


def _prog_id(host: ProgramHost) -> int:
    """The id of the program ``host`` is (0 for a host that is no loaded program)."""
    return int(getattr(host, "prog_id", 0) or 0)


def _owner_elsewhere(obj: MapObject, field_offset: int) -> int | None:
    """The id of the live process other than this one whose mark the field holds, if any (a mark of
    a process that exited is no owner: its timer went with it)."""
    pid, token = _MARK.unpack_from(obj.mm, field_offset)
    if not pid or (pid == os.getpid() and token == _token):
        return None
    return pid if process_exists(pid) else None


def _still_ours(timer: AsyncTimer) -> bool:
    """Whether the field still holds this process's mark and its element still exists: a delete or
    an update from another process (whose new value's field is zeroed) ends the timer here."""
    obj = timer.obj
    if _MARK.unpack_from(obj.mm, timer.field_offset) != (os.getpid(), _token):
        return False
    if isinstance(obj.impl, ArrayMap):
        return True
    try:
        return obj.impl.peek_value_offset(timer.key, 0) == timer.value_offset
    except OSError:
        return False


def _foreign(obj: MapObject, field_offset: int, helper: str, why: str) -> HelperError:
    owner = _owner_elsewhere(obj, field_offset)
    return HelperError(None, f"{helper}: the timer was initialised by process {owner}, {why}")


def _take_over(
    obj: MapObject, value_offset: int, field_offset: int, kind: str, helper: str
) -> AsyncTimer | None:
    """The timer of another live process's field, made this process's: its mark rewritten (the old
    owner drops its own at its next expiry, ``_still_ours``), its clock and state kept in the field;
    None when the field has no live owner by now.  The caller sets the callback."""
    ident = (obj.root, obj.id, value_offset, kind)
    with obj.lock:
        if _owner_elsewhere(obj, field_offset) is None:
            return None
        _, bits = _state(obj, field_offset)
        taken = AsyncTimer(
            ident, obj, value_offset, _element_key(obj, value_offset, helper), bits >> _CLOCK_SHIFT
        )
        taken.field_offset = field_offset
        with _LOCK:
            _TIMERS[ident] = taken
            _BY_MAP.setdefault((obj.root, obj.id), {})[value_offset, kind] = taken
        _MARK.pack_into(obj.mm, field_offset, os.getpid(), _token)
    return taken


# -- finding a timer ------------------------------------------------------------------------------------
def _element_key(obj: MapObject, value_offset: int, helper: str) -> bytes:
    """The key ``bpf_timer_cb`` (``bpf_wq_work``) passes for the element whose value is at
    ``value_offset``."""
    impl = obj.impl
    if isinstance(impl, ArrayMap):
        return _U32.pack(value_offset // impl.elem_size)
    if isinstance(impl, (LruHashMap, LruPercpuHashMap)):
        inner, start = impl.inner, value_offset - VALUE_PREFIX - impl.inner_at - impl.inner.key_stride
        return bytes(inner.mem[start : start + inner.key_size])
    if isinstance(impl, HashMap):
        start = value_offset - impl.key_stride
        return bytes(impl.mem[start : start + impl.key_size])
    raise HelperError(None, f"{helper}: {describe_map(obj)} cannot hold an asynchronous field")


def _located(ctx: HelperContext, field: int, helper: str) -> tuple[MapObject, int]:
    """The map and value offset of the 16-byte field at ``field``: in a value this run was handed."""
    region = access_of(ctx.env.maps, helper).value_region_at(field)
    if region is None or field + FIELD_SIZE > region.end:
        why = "is not in a map value this run was handed"
        raise HelperError(None, f"{helper}: R1 = {field:#x} {why}")
    obj = cast("MapObject", region.owner)  # (value regions are owned by their map)
    return obj, region.start - obj.address


def _find(ctx: HelperContext, field: int, kind: str, helper: str) -> tuple[AsyncTimer | None, MapObject, int]:
    """This process's timer of the field (None: not this process's), after dropping one whose element
    another process deleted or replaced or whose timer another process took; the map and the value
    offset."""
    obj, value_offset = _located(ctx, field, helper)
    found = _TIMERS.get((obj.root, obj.id, value_offset, kind))
    if found is not None and not _still_ours(found):
        with _LOCK:
            _free(found)
        found = None
    return found, obj, value_offset


def _mine(ctx: HelperContext, field: int, kind: str, helper: str) -> AsyncTimer | None:
    """``_find`` for the helpers that act only on this process's timers (the workqueue's): None for a
    field never initialised, ``HelperError`` for one another live process initialised."""
    found, obj, _ = _find(ctx, field, kind, helper)
    if found is None and _owner_elsewhere(obj, field - obj.address) is not None:
        raise _foreign(obj, field - obj.address, helper, "where pybpf keeps it and runs its callbacks")
    return found


# -- the helpers ----------------------------------------------------------------------------------------
def async_init(ctx: HelperContext, field: int, map_ptr: int, clock: int, *, kind: str, helper: str) -> int:
    """``__bpf_async_init``: -EBUSY for a field initialised already, -EPERM for a map without user
    references, else 0 and the field initialised (its flags checked by the caller)."""
    access_of(ctx.env.maps, helper).map_arg(map_ptr, helper, 2)
    obj, value_offset = _located(ctx, field, helper)
    ident = (obj.root, obj.id, value_offset, kind)
    here = _TIMERS.get(ident)
    if here is not None:
        if _still_ours(here):
            return -errno.EBUSY
        with _LOCK:  # its element was deleted or replaced by another process
            _free(here)
    if _owner_elsewhere(obj, field - obj.address) is not None:
        return -errno.EBUSY  # initialised by another live process (the shared mark)
    host = ctx.env.host
    if host is not None and host.users_gone(obj):
        return -errno.EPERM
    created = AsyncTimer(ident, obj, value_offset, _element_key(obj, value_offset, helper), clock)
    created.field_offset = field - obj.address
    with obj.lock:  # one initialiser of the field among every process (the kernel's cmpxchg)
        if _owner_elsewhere(obj, created.field_offset) is not None:
            return -errno.EBUSY
        with _LOCK:
            if ident in _TIMERS:
                return -errno.EBUSY
            _TIMERS[ident] = created
            _BY_MAP.setdefault((obj.root, obj.id), {})[value_offset, kind] = created
        _MARK.pack_into(obj.mm, created.field_offset, os.getpid(), _token)
        _set_state(obj, created.field_offset, 0, clock << _CLOCK_SHIFT)
    return 0


def async_set_callback(ctx: HelperContext, field: int, callback: int, kind: str, helper: str) -> int:
    """``__bpf_async_set_callback``: -EINVAL for a field never initialised, -EPERM for a map without
    user references, else 0 and the callback (a function of the running program) kept."""
    found, obj, value_offset = _find(ctx, field, kind, helper)
    at = field - obj.address
    host = ctx.env.host
    if found is None and kind == TIMER and _owner_elsewhere(obj, at) is not None:
        if _state(obj, at)[1] & _ARMED:  # (the pending expiry is the owner's, out of reach)
            raise _foreign(obj, at, helper, "where it is armed; pybpf cannot move a pending expiry")
        found = _take_over(obj, value_offset, at, kind, helper)
    elif found is None and kind != TIMER:
        found = _mine(ctx, field, kind, helper)
    if found is None:
        return -errno.EINVAL
    if host is None:
        raise HelperError(None, f"{helper}: this run belongs to no loaded program to call back later")
    if host.users_gone(found.obj):
        return -errno.EPERM
    slot = host.function_slot(callback)
    if slot is None:
        raise HelperError(None, f"{helper}: R2 = {callback:#x} is not a function of this program")
    with obj.lock, _LOCK:
        if found.freed:
            return -errno.EINVAL
        found.host, found.slot = host, slot
        _prog, bits = _state(obj, at)
        _set_state(obj, at, _prog_id(host), (bits & ~_SLOT_MASK) | (slot & _SLOT_MASK) | _CALLBACK)
    return 0


def schedule_now(ctx: HelperContext, field: int, kind: str, helper: str) -> int:
    """``schedule_work`` of ``bpf_wq_start``: -EINVAL for a field without a callback, else 0 and the
    callback run as soon as the scheduler gets to it."""
    found = _mine(ctx, field, kind, helper)
    if found is None:
        return -errno.EINVAL
    return _arm(found, lambda: time.clock_gettime_ns(time.CLOCK_MONOTONIC))


def _arm(found: AsyncTimer, deadline: Callable[[], int]) -> int:
    """Arm ``found`` for ``deadline()`` if it still has a callback (another process may have
    cancelled it: the field's state says); 0 or -EINVAL."""
    obj, at = found.obj, found.field_offset
    with obj.lock, _LOCK:
        prog_id, bits = _state(obj, at)
        if not bits & _CALLBACK:
            found.host = found.slot = None  # cancelled by another process: drop_prog_refcnt()
        if found.freed or found.host is None:
            return -errno.EINVAL
        _SCHEDULER.arm(found, deadline())
        _set_state(obj, at, prog_id, bits | _ARMED)
    return 0


def timer_init(ctx: HelperContext, timer: int, map_ptr: int, flags: int, _r4: int, _r5: int) -> int:
    """``long bpf_timer_init(struct bpf_timer *timer, struct bpf_map *map, u64 flags)``."""
    if flags >= MAX_CLOCKS or flags not in TIMER_CLOCKS:
        return -errno.EINVAL
    return async_init(ctx, timer, map_ptr, flags, kind=TIMER, helper="bpf_timer_init")


def timer_set_callback(ctx: HelperContext, timer: int, callback: int, _aux: int, _r4: int, _r5: int) -> int:
    """``long bpf_timer_set_callback(struct bpf_timer *timer, void *callback_fn)``."""
    return async_set_callback(ctx, timer, callback, TIMER, "bpf_timer_set_callback")


def timer_start(ctx: HelperContext, timer: int, nsecs: int, flags: int, _r4: int, _r5: int) -> int:
    """``long bpf_timer_start(struct bpf_timer *timer, u64 nsecs, u64 flags)``."""
    helper = "bpf_timer_start"
    if flags & ~(BPF_F_TIMER_ABS | BPF_F_TIMER_CPU_PIN):
        return -errno.EINVAL
    found, obj, value_offset = _find(ctx, timer, TIMER, helper)
    if found is None:
        found = _start_elsewhere(ctx, obj, value_offset, timer - obj.address, helper)
        if found is None:
            return -errno.EINVAL
    clock_id = found.clock

    def deadline() -> int:
        now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        expires = min(nsecs, KTIME_MAX)  # ns_to_ktime()
        if flags & BPF_F_TIMER_ABS:
            delay = expires - (now if clock_id == CLOCK_MONOTONIC else time.clock_gettime_ns(clock_id))
        else:
            delay = expires
        return now + max(delay, 0)

    return _arm(found, deadline)


def _start_elsewhere(
    ctx: HelperContext, obj: MapObject, value_offset: int, at: int, helper: str
) -> AsyncTimer | None:
    """bpf_timer_start of a timer another live process initialised: taken over when this run's
    program is the one whose callback the timer holds (its callbacks run here from now on); None
    (-EINVAL) for a timer without a callback or never initialised; ``HelperError`` when the
    callback is another program's, which this process may not have."""
    if _owner_elsewhere(obj, at) is None:
        return None
    prog_id, bits = _state(obj, at)
    if not bits & _CALLBACK:
        return None
    runner = ctx.env.host
    host = runner.host_of(prog_id) if runner is not None and prog_id else None
    if host is None:
        raise _foreign(obj, at, helper, f"with a callback of program {prog_id}, not found in this process")
    taken = _take_over(obj, value_offset, at, TIMER, helper)
    if taken is not None:
        taken.host, taken.slot = host, bits & _SLOT_MASK
    return taken


def timer_cancel(ctx: HelperContext, timer: int, *_: int) -> int:
    """``long bpf_timer_cancel(struct bpf_timer *timer)``: 1 if it was armed, else 0."""
    found, obj, _offset = _find(ctx, timer, TIMER, "bpf_timer_cancel")
    at = timer - obj.address
    if found is None:  # another live process's timer: its state is in the field, which it obeys
        with obj.lock:
            if _owner_elsewhere(obj, at) is None:
                return -errno.EINVAL
            _prog, bits = _state(obj, at)
            _set_state(obj, at, 0, bits & ~(_ARMED | _CALLBACK | _SLOT_MASK))
        return int(bool(bits & _ARMED))
    if _current() is found:
        return -errno.EDEADLK
    with obj.lock, _LOCK:
        if found.freed:
            return -errno.EINVAL
        found.host = found.slot = None  # drop_prog_refcnt()
        found.armed = 0
        _prog, bits = _state(obj, at)
        _set_state(obj, at, 0, bits & ~(_ARMED | _CALLBACK | _SLOT_MASK))
    return int(bool(bits & _ARMED))


# -- freeing --------------------------------------------------------------------------------------------
def _free(timer: AsyncTimer) -> None:
    """``bpf_timer_cancel_and_free``; the caller holds ``_LOCK``."""
    timer.freed = True
    timer.armed = 0
    timer.host = timer.slot = None
    _TIMERS.pop(timer.ident, None)
    where = timer.ident[:2]
    of_map = _BY_MAP.get(where)
    if of_map is not None:
        of_map.pop((timer.value_offset, timer.kind), None)
        if not of_map:
            del _BY_MAP[where]


def holds_timers(obj: MapObject) -> bool:
    """Whether an element of ``obj`` has a timer in this process (one dict lookup)."""
    return (obj.root, obj.id) in _BY_MAP


def free_element(obj: MapObject, value_offset: int | None) -> None:
    """The element whose value is at ``value_offset`` was deleted or replaced: its timer and
    workqueue are freed."""
    if value_offset is None:
        return
    with _LOCK:
        of_map = _BY_MAP.get((obj.root, obj.id), {})
        for kind in (TIMER, WORKQUEUE):
            found = of_map.get((value_offset, kind))
            if found is not None:
                _free(found)


def element_timer(obj: MapObject, key: bytes, update_flags: int | None = None) -> int | None:
    """Before a delete (``update_flags`` None) or an update with ``update_flags`` of ``key`` in
    ``obj``, with the map's lock held: the value offset of the element whose fields the operation
    frees when a timer of ``obj`` lives in this process (None at once when none does); once the
    operation succeeded, ``free_element`` frees that element's timer.  That is
    ``bpf_obj_free_fields`` of

    * the element deleted, or replaced by an update (a hash map's new element, an array's value
      copied over);
    * (the elements an LRU map's update evicts, ``htab_lru_map_delete_node``: ``free_evicted``
      after the update, since which they are is known only then);
    * but none for a hash map's BPF_F_LOCK update of an existing element, which copies the value
      in place (``copy_map_value_locked``) and keeps its timer; an array frees its fields after
      either copy."""
    if (obj.root, obj.id) not in _BY_MAP:
        return None
    impl = obj.impl
    if update_flags is not None and update_flags & uapi.BPF_F_LOCK and not isinstance(impl, ArrayMap):
        return None
    try:
        found: int | None = impl.peek_value_offset(key, 0)
    except OSError:
        return None
    return found


def free_evicted(obj: MapObject) -> None:
    """After an update of ``obj``: free the timers and workqueues of the elements it evicted (an LRU
    map's ``htab_lru_map_delete_node``, ``MapOps.evicted``)."""
    evicted = obj.impl.evicted
    if evicted and (obj.root, obj.id) in _BY_MAP:
        for value_offset in evicted:
            free_element(obj, value_offset)


def free_map(obj: MapObject) -> None:
    """``map_release_uref`` / map free: every timer of ``obj`` is cancelled and freed."""
    with _LOCK:
        for found in list(_BY_MAP.get((obj.root, obj.id), {}).values()):
            _free(found)


def timer_at(obj: MapObject, value_offset: int, kind: str = TIMER) -> AsyncTimer | None:
    """The timer (``kind`` WORKQUEUE: the workqueue) of the element of ``obj`` whose value is at
    ``value_offset``, if this process has one."""
    with _LOCK:
        return _BY_MAP.get((obj.root, obj.id), {}).get((value_offset, kind))


def timer_count() -> int:
    """The timers initialised in this process and not freed (for tests and diagnostics)."""
    with _LOCK:
        return len(_TIMERS)


TIMER_HELPERS = HelperRegistry()
for _name, _function in (
    ("bpf_timer_init", timer_init),
    ("bpf_timer_set_callback", timer_set_callback),
    ("bpf_timer_start", timer_start),
    ("bpf_timer_cancel", timer_cancel),
):
    TIMER_HELPERS.register(_name, _function)

__all__ = [
    "BPF_F_TIMER_ABS",
    "BPF_F_TIMER_CPU_PIN",
    "TIMER",
    "TIMER_HELPERS",
    "WORKQUEUE",
    "AsyncTimer",
    "ProgramHost",
    "async_init",
    "async_set_callback",
    "callback_errors",
    "element_timer",
    "free_element",
    "free_map",
    "holds_timers",
    "schedule_now",
    "timer_at",
    "timer_count",
]
