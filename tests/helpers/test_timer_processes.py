"""bpf_timer across processes: forks while callbacks run, and timers another process initialised.

The programs are tests/data/c/timer_runs.c's (``tests/helpers/test_timers.py`` has the rest).  A
fork while the timer thread runs a callback used to leave the child the address space's lock
(``Memory.lock``) held by a thread it does not have: the child's first program run hung.  Every
child here must finish within a deadline (it is killed, and the test fails, when it does not).
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from pybpf.kernel.backend import Backend
from tests.helpers.test_timers import MSEC, args, clock, loaded, run, wait_for

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
