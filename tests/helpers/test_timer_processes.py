"""bpf_timer across processes: forks while callbacks run, and timers another process initialised.

The programs are tests/data/c/timer_runs.c's (``tests/helpers/test_timers.py`` has the rest).  A
fork while the timer thread runs a callback used to leave the child the address space's lock
(``Memory.lock``) held by a thread it does not have: the child's first program run hung.  Every
child here must finish within a deadline (it is killed, and the test fails, when it does not).
"""

from __future__ import annotations

import errno
import os
import signal
import time
from collections.abc import Callable

import pytest

from pybpf.kernel.backend import Backend
from tests.helpers.test_timers import MSEC, QUIET, args, byte, clock, loaded, run, wait_for

pytestmark = pytest.mark.usefixtures("engine")

CHILD_DEADLINE = 20.0
"""Seconds a child may take (it needs well under one)."""
FORKS = 15
"""Children forked (each initialises the timer of an element of its own: 1 to 15)."""


def _wait(pid: int) -> int | None:
    """The exit code of child ``pid``; None (and the child killed) when it hung."""
    end = time.monotonic() + CHILD_DEADLINE
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > end:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.002)


def test_forks_while_callbacks_run_never_hang_the_child(backend: Backend) -> None:
    """A timer re-arming itself every millisecond keeps the timer thread in its callback a good part
    of the time; children forked meanwhile run a program each (and exit with its answer)."""
    with loaded(backend) as obj:
        assert run(obj, "arm", args(0, nsecs=MSEC, rearms=1 << 40)) == 0
        assert wait_for(lambda: clock(obj, 0).ticks > 3)
        answers = []
        for key in range(1, 1 + FORKS):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child
                code = 255
                try:
                    code = run(obj, "init_only", args(key)) & 0xFF
                finally:
                    os._exit(code)
            answers.append(_wait(pid))
            if answers[-1] is None:
                break  # (one hang says it)
            time.sleep(0.0005 * (key % 3))
        ticks = clock(obj, 0).ticks
        assert wait_for(lambda: clock(obj, 0).ticks > ticks)  # the parent's timer still runs
    assert answers == [0] * FORKS, answers


# -- a timer another process initialised -------------------------------------------------------------
def _in_child(work: Callable[[], int]) -> int | None:
    """``work()``'s answer (0-255) computed in a forked child (255: it raised; None: it hung)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 255
        try:
            code = work() & 0xFF
        finally:
            os._exit(code)
    return _wait(pid)


def test_another_process_cancels_an_armed_timer(backend: Backend) -> None:
    """The kernel's timer belongs to the map element: a forked child's bpf_timer_cancel of the timer
    its parent armed answers 1 and the callback never runs; the timer stays initialised, without a
    callback (a start is -EINVAL, a second cancel 0)."""
    with loaded(backend) as obj:
        assert run(obj, "arm", args(5, nsecs=int(4 * QUIET * 1e9))) == 0
        assert _in_child(lambda: run(obj, "cancel_only", args(5))) == 1
        time.sleep(5 * QUIET)
        assert clock(obj, 5).ticks == 0
        assert run(obj, "cancel_only", args(5)) == 0
        assert run(obj, "start_only", args(5)) == byte(errno.EINVAL)
        assert run(obj, "init_only", args(5)) == byte(errno.EBUSY)


def test_another_process_cancels_a_timer_not_armed(backend: Backend) -> None:
    with loaded(backend) as obj:
        assert run(obj, "init_and_set", args(6)) == 0
        assert _in_child(lambda: run(obj, "cancel_only", args(6))) == 0
        assert run(obj, "start_only", args(6)) == byte(errno.EINVAL)


def test_another_process_starts_a_timer_it_did_not_initialise(backend: Backend) -> None:
    """The parent initialised the timer and set its callback; a forked child (running the same
    loaded program) starts it: 0, and the callback runs once."""
    with loaded(backend) as obj:
        assert run(obj, "init_and_set", args(7)) == 0

        def start_and_wait() -> int:
            answer = run(obj, "start_only", args(7, nsecs=MSEC))
            wait_for(lambda: clock(obj, 7).ticks == 1)
            return answer

        assert _in_child(start_and_wait) == 0
        assert wait_for(lambda: clock(obj, 7).ticks == 1)
        time.sleep(QUIET)
        assert clock(obj, 7).ticks == 1
        assert obj.maps["witness"].lookup(0) == 1


def test_another_process_starts_a_timer_without_a_callback(backend: Backend) -> None:
    with loaded(backend) as obj:
        assert run(obj, "init_only", args(8)) == 0
        assert _in_child(lambda: run(obj, "start_only", args(8, nsecs=MSEC))) == byte(errno.EINVAL)
        assert _in_child(lambda: run(obj, "cancel_only", args(8))) == 0


def test_another_process_sets_the_callback_and_starts(backend: Backend) -> None:
    with loaded(backend) as obj:
        assert run(obj, "init_only", args(9)) == 0

        def set_start_and_wait() -> int:
            answer = run(obj, "set_callback_only", args(9)) | run(obj, "start_only", args(9, nsecs=MSEC))
            wait_for(lambda: clock(obj, 9).ticks == 1)
            return answer

        assert _in_child(set_start_and_wait) == 0
        assert wait_for(lambda: clock(obj, 9).ticks == 1)
