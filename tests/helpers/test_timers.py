"""bpf_timer callbacks fire, on pybpf's engines as on the kernel (``pybpf.helpers.timers``).

The SYSCALL programs of tests/data/c/timer_runs.c arm timers in array and hash map values through
BPF_PROG_TEST_RUN; their callbacks count in the element's value and in a map without timers
(``witness``).  Every test runs on the user backend, on each engine, and on the kernel (skipped
where bpf(2) is unavailable), and asserts the same answers of bpf_timer_init / set_callback / start /
cancel, the same values once the callbacks had time to run (waits of the kind "after at most 2 s
it has fired", never an upper bound on speed), and that deleting or updating an element and closing
the map's last fd stop its timer.
"""

from __future__ import annotations

import errno
import os
import struct
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from pybpf import Object
from pybpf.errors import ExecutionError
from pybpf.helpers import timers
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.kernel.prog_run import ENGINE_VARIABLE
from pybpf.maps.object import MapObject
from pybpf.uapi import BPF_F_LOCK
from tests.elf.corpus import obj_path

pytestmark = pytest.mark.usefixtures("engine")

ARGS = struct.Struct("<IIQQQ")
"""struct args of timer_runs.c: key, clock, nsecs, flags, rearms."""
CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME = 0, 1, 7
MSEC = 1_000_000
PATIENCE = 2.0
"""Seconds a test waits at most for callbacks that must fire."""
QUIET = 0.4
"""Seconds a test waits for callbacks that must not fire (timers armed for less than half of it)."""


def args(key: int, clock: int = CLOCK_MONOTONIC, nsecs: int = 0, flags: int = 0, rearms: int = 0) -> bytes:
    return ARGS.pack(key, clock, nsecs, flags, rearms)


def byte(err: int) -> int:
    """A helper's -errno as the programs pack it: one byte."""
    return -err & 0xFF


@contextmanager
def loaded(backend: Backend) -> Iterator[Object]:
    with (
        tempfile.TemporaryDirectory(prefix="pybpf-timers-") as pins,
        Object.open(obj_path("timer_runs"), backend=backend, pin_root=pins) as obj,
    ):
        obj.load()
        yield obj


def run(obj: Object, program: str, ctx: bytes) -> int:
    return int(obj.programs[program].run(ctx=ctx).retval) & 0xFFFFFFFF


def wait_for(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def clock(obj: Object, key: int, map_name: str = "clocks") -> Any:
    return obj.maps[map_name].lookup(key)


def test_zero_delay_timer_fires(backend: Backend) -> None:
    with loaded(backend) as obj:
        assert run(obj, "arm", args(0)) == 0  # init, set_callback, start: 0, 0, 0
        assert wait_for(lambda: clock(obj, 0).ticks == 1)
        value = clock(obj, 0)
        assert (value.key_seen, value.rearms) == (0, 0)
        assert obj.maps["witness"].lookup(0) == 1


def test_callback_rearms_its_timer(backend: Backend) -> None:
    with loaded(backend) as obj:
        assert run(obj, "arm", args(1, nsecs=MSEC, rearms=4)) == 0
        assert wait_for(lambda: clock(obj, 1).ticks == 5)
        time.sleep(QUIET)  # and no more: the fifth run did not arm it again
        value = clock(obj, 1)
        assert (value.ticks, value.rearms, value.key_seen) == (5, 0, 1)


def test_what_user_space_sees_of_a_timer_is_zeros(backend: Backend) -> None:
    with loaded(backend) as obj:
        assert run(obj, "arm", args(2, nsecs=1000 * MSEC)) == 0
        assert bytes(clock(obj, 2))[32:] == bytes(16)


@pytest.mark.parametrize(
    ("clock_id", "flags"),
    [(CLOCK_MONOTONIC, 0), (CLOCK_BOOTTIME, 2), (CLOCK_REALTIME, 0)],
    ids=["monotonic", "boottime-pinned", "realtime"],
)
def test_absolute_expiry(backend: Backend, clock_id: int, flags: int) -> None:
    with loaded(backend) as obj:
        assert run(obj, "arm_absolute", args(3, clock_id, 2 * MSEC, flags)) == 0
        assert wait_for(lambda: clock(obj, 3).ticks == 1)


def test_delays_past_ktime_max(backend: Backend) -> None:
    """A relative delay of 2**63 ns or more (ns_to_ktime) does not fire soon; an absolute expiry in
    the past fires at once."""
    with loaded(backend) as obj:
        for key, nsecs in ((12, 2**64 - 1), (13, 2**63)):
            assert run(obj, "arm", args(key, nsecs=nsecs)) == 0
        assert run(obj, "arm_absolute", args(14, CLOCK_MONOTONIC, 2**64 - 1000)) == 0  # now - 1000 ns
        assert wait_for(lambda: clock(obj, 14).ticks == 1)
        time.sleep(QUIET)
        assert (clock(obj, 12).ticks, clock(obj, 13).ticks) == (0, 0)


def test_helpers_answers(backend: Backend) -> None:
    """Before init: start, cancel, set_callback -EINVAL; clocks other than the three, and flags of
    16 or more, -EINVAL; init 0 then -EBUSY; start without a callback -EINVAL; unknown start flags
    -EINVAL."""
    with loaded(backend) as obj:
        assert run(obj, "misuse", args(4, CLOCK_BOOTTIME)) == byte(errno.EINVAL)
        einval, ebusy = byte(errno.EINVAL), byte(errno.EBUSY)
        expected = [einval, einval, einval, einval, einval, 0, ebusy, einval]
        assert list(struct.pack("<Q", clock(obj, 4).ticks)) == expected


def test_cancel_answers(backend: Backend) -> None:
    """1 for an armed timer, then 0; a start after it is -EINVAL (the cancel dropped the callback)."""
    with loaded(backend) as obj:
        assert run(obj, "cancel", args(5)) == 1 | 0 << 8 | byte(errno.EINVAL) << 16
        time.sleep(QUIET)
        assert clock(obj, 5).ticks == 0


def test_callback_cancelling_its_own_timer_is_edeadlk(backend: Backend) -> None:
    with loaded(backend) as obj:
        assert run(obj, "arm_self_cancel", args(6)) == 0
        assert wait_for(lambda: clock(obj, 6).ticks == 1)
        assert clock(obj, 6).cancelled == -errno.EDEADLK


def test_updating_the_element_cancels_its_timer(backend: Backend) -> None:
    with loaded(backend) as obj:
        assert run(obj, "arm", args(7, nsecs=int(QUIET * 1e9 // 4))) == 0
        obj.maps["clocks"].update(7, bytes(48))
        assert run(obj, "arm", args(8, nsecs=int(QUIET * 1e9 // 4))) == 0  # a timer that stays armed
        assert wait_for(lambda: clock(obj, 8).ticks == 1)
        time.sleep(QUIET)
        assert clock(obj, 7).ticks == 0
        assert obj.maps["witness"].lookup(0) == 1


def test_lru_element_timer_gets_its_key(backend: Backend) -> None:
    with loaded(backend) as obj:
        assert run(obj, "arm_recent", args(9)) == 0
        assert wait_for(lambda: clock(obj, 9, "recent").ticks == 1)
        assert clock(obj, 9, "recent").key_seen == 9


@pytest.mark.parametrize("inserter", ["user space", "program"])
def test_an_evicted_lru_element_frees_its_timer(backend: Backend, inserter: str) -> None:
    """New keys filling the LRU map evict the element whose timer is armed: its fields are freed
    (``htab_lru_map_delete_node``), so the callback never runs, whether user space or a program
    (whose own timers never fire) inserted the keys.  Elements inserted from user space have no ref
    bit: they fill the inactive list, from which alone the kernel's LRU then evicts, so the element
    a program armed (looked up: its ref bit set, so on the active list) outlives any number of
    them, on the kernel as on pybpf (``pybpf.maps.lru``)."""
    with loaded(backend) as obj:
        assert run(obj, "arm_recent", args(9, nsecs=int(QUIET * 1e9 // 4))) == 0
        recent = obj.maps["recent"]
        for key in range(100, 132):
            if inserter == "program":
                answer = run(obj, "arm_recent", args(key, nsecs=2**63))
                if answer and isinstance(backend, NativeBackend):  # the kernel's allocation of the
                    # timer may fail under this churn: init -ENOMEM, then set_callback and start -EINVAL
                    assert answer == byte(errno.ENOMEM) | byte(errno.EINVAL) << 8 | byte(errno.EINVAL) << 16
                else:
                    assert answer == 0
            else:
                recent.update(key, bytes(48))
        if inserter == "user space":
            for key in range(132, 1132):
                recent.update(key, bytes(48))
            assert 9 in recent
            return
        assert 9 not in recent
        time.sleep(QUIET)
        assert obj.maps["witness"].lookup(0) == 0


def test_a_callback_starts_a_call_chain_of_its_own(backend: Backend) -> None:
    """The kernel calls a callback as a program's entry (frame 0, its own stack): one that calls a
    chain of seven functions, the deepest the verifier takes from a callback, runs to its end."""
    with loaded(backend) as obj:
        assert run(obj, "arm_deep", args(11)) == 0
        assert wait_for(lambda: clock(obj, 11).ticks == 1)
        assert clock(obj, 11).rearms == (7 << 32) + 16 * sum(range(1, 7))
        assert obj.maps["witness"].lookup(0) == 0


def test_a_callback_starts_a_call_chain_of_its_own_on_the_tiered_engine(
    engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same on the tiered engine (``auto``), whose session runs the callback on its current tier."""
    if engine != "interpreter":
        pytest.skip("one run is enough: the engine is set here")
    monkeypatch.setenv(ENGINE_VARIABLE, "auto")
    test_a_callback_starts_a_call_chain_of_its_own(UserBackend())


@pytest.mark.parametrize("flags", [BPF_F_LOCK, 0], ids=["in-place", "replacing"])
def test_a_locked_update_in_place_keeps_the_timer(backend: Backend, flags: int) -> None:
    """A BPF_F_LOCK update of a hash element copies the value in place (``copy_map_value_locked``)
    and keeps its timer, which fires; an update without it frees the timer."""
    with loaded(backend) as obj:
        assert run(obj, "arm_locked", args(1, nsecs=int(QUIET * 1e9 // 2))) == 0
        obj.maps["locked"].update(1, bytes(56), flags)
        kept = flags == BPF_F_LOCK
        if kept:
            assert wait_for(lambda: obj.maps["witness"].lookup(0) == 1)
        time.sleep(QUIET)
        assert obj.maps["witness"].lookup(0) == int(kept)


def _in_child(work: Callable[[], int]) -> int:
    """``work()``'s answer (0-255) computed in a forked child (255: it raised)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 255
        try:
            code = work() & 0xFF
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_a_timer_initialised_in_another_process_is_ebusy(backend: Backend) -> None:
    """The timer lives in the map value every process shares: a forked child's bpf_timer_init of a
    timer its parent initialised is -EBUSY, of one nobody initialised 0."""
    with loaded(backend) as obj:
        assert run(obj, "arm", args(2, nsecs=2**63)) == 0
        assert _in_child(lambda: run(obj, "init_only", args(2))) == byte(errno.EBUSY)
        assert _in_child(lambda: run(obj, "init_only", args(3))) == 0


def test_another_process_updating_the_element_cancels_its_timer(backend: Backend) -> None:
    with loaded(backend) as obj:
        armed = time.monotonic()
        assert run(obj, "arm", args(4, nsecs=int(4 * QUIET * 1e9))) == 0  # (a fork takes its time)

        def update() -> int:
            obj.maps["clocks"].update(4, bytes(48))
            return 0

        assert _in_child(update) == 0
        if time.monotonic() - armed > 3 * QUIET:
            pytest.skip("the child took too long to update the element before the timer expired")
        time.sleep(2 * QUIET)
        assert clock(obj, 4).ticks == 0
        assert obj.maps["witness"].lookup(0) == 0
        assert run(obj, "init_only", args(4)) == 0  # the update freed it: a new timer


def test_a_callback_deleting_its_element(backend: Backend) -> None:
    """The hash element's callback arms its timer again, then deletes its element: one run only."""
    with loaded(backend) as obj:
        assert run(obj, "arm_hashed", args(3, nsecs=MSEC)) == 0
        hashed = obj.maps["hashed"]
        assert wait_for(lambda: 3 not in hashed)
        time.sleep(QUIET)
        assert obj.maps["witness"].lookup(0) == 1


def test_deleting_the_element_cancels_its_timer(backend: Backend) -> None:
    with loaded(backend) as obj:
        assert run(obj, "arm_hashed", args(5, nsecs=int(QUIET * 1e9 // 4))) == 0
        del obj.maps["hashed"][5]
        time.sleep(QUIET)
        assert obj.maps["witness"].lookup(0) == 0


def test_a_program_deleting_the_element_cancels_its_timer(backend: Backend) -> None:
    with loaded(backend) as obj:
        assert run(obj, "arm_hashed", args(6, nsecs=int(QUIET * 1e9 // 4))) == 0
        assert run(obj, "delete_hashed", args(6)) == 0
        time.sleep(QUIET)
        assert obj.maps["witness"].lookup(0) == 0


def test_closing_the_map_cancels_its_timers(backend: Backend) -> None:
    """The last fd of the timers' map closed (the program still loaded): no callback afterwards, and
    bpf_timer_init answers -EPERM (the map has no user reference)."""
    with loaded(backend) as obj:
        assert run(obj, "arm", args(9, nsecs=int(QUIET * 1e9 // 4))) == 0
        obj.maps["clocks"].close()
        assert obj.loaded is not None
        os.close(obj.loaded.maps.pop("clocks"))  # the loader's fd: the last one
        time.sleep(QUIET)
        assert obj.maps["witness"].lookup(0) == 0
        assert run(obj, "arm", args(10)) & 0xFF == byte(errno.EPERM)


class _FailingHost:
    """A ``ProgramHost`` whose callback runs fail as a run does (a fault)."""

    def __init__(self, host: Any) -> None:
        self.name = host.name
        self.host = host

    def function_slot(self, address: int) -> int | None:
        return int(self.host.function_slot(address))

    def users_gone(self, obj: Any) -> bool:
        return bool(self.host.users_gone(obj))

    def run_callback(self, slot: int, obj: Any, key: bytes, value_offset: int, still_due: Any) -> int | None:
        if still_due():
            raise ExecutionError(3, "a fault in the callback")
        return None


def test_a_failing_callback_is_reported_and_its_timer_stops() -> None:
    """A callback run that fails is a RuntimeWarning naming the program and an entry of
    ``callback_errors``; its timer stops, and nothing escapes the scheduler's thread."""
    with loaded(UserBackend()) as obj:
        assert run(obj, "arm", args(11, nsecs=int(QUIET * 1e9 // 2), rearms=3)) == 0
        clocks = MapObject.from_fd(obj.maps["clocks"].fd)
        timer = timers.timer_at(clocks, 11 * 48)
        assert timer is not None and timer.host is not None
        timer.host = _FailingHost(timer.host)
        before = len(timers.callback_errors())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert wait_for(lambda: len(timers.callback_errors()) > before)
        assert "bpf_timer callback of program 'arm'" in timers.callback_errors()[-1]
        assert any(issubclass(w.category, RuntimeWarning) for w in caught)
        assert timer.armed == 0
        assert clock(obj, 11).ticks == 0


XDP_PASS = 2
OBJ_TIMERS_PROGRAMS: dict[str, tuple[str, Callable[[Object], bool]]] = {
    "ok_arm": ("clocks", lambda obj: clock(obj, 0).ticks == 1),
    "ok_arm_hash": ("hashed_clocks", lambda obj: clock(obj, 0, "hashed_clocks").ticks == 1),
    "ok_callback_rearms": ("clocks", lambda obj: clock(obj, 0).ticks == 0),
    "ok_callback_reads_key": ("clocks", lambda obj: clock(obj, 0).ticks == 0),
    "ok_callback_cancels_itself": ("clocks", lambda obj: clock(obj, 0).ticks == 0),
    "ok_callback_deletes_element": ("hashed_clocks", lambda obj: 0 not in obj.maps["hashed_clocks"]),
    "ok_read_after_timer": ("clocks", lambda obj: clock(obj, 0).ticks == 0),
}
"""The programs of tests/data/c/obj_timers.c the verifier accepts: the map their timer is in, and
what that map shows once its callback ran (at key 0, which a hash map is given before the run)."""


@pytest.mark.parametrize("program", sorted(OBJ_TIMERS_PROGRAMS))
def test_obj_timers_accepted_programs_run(backend: Backend, program: str) -> None:
    map_name, fired = OBJ_TIMERS_PROGRAMS[program]
    with (
        tempfile.TemporaryDirectory(prefix="pybpf-timers-") as pins,
        Object.open(obj_path("obj_timers"), backend=backend, pin_root=pins) as obj,
    ):
        obj.load(programs=[program])
        if map_name == "hashed_clocks":
            obj.maps[map_name].update(0, bytes(32))
        retval = obj.programs[program].run(bytes(64)).retval
        assert retval == (0 if program == "ok_read_after_timer" else XDP_PASS)  # (it returns small[0])
        assert wait_for(lambda: fired(obj))


def test_started_work_runs_its_callback(backend: Backend) -> None:
    """bpf_wq (tests/data/c/wq.c): the work a SYSCALL program starts runs its callback (count_up adds
    key + 1 to the value's count), once."""
    with (
        tempfile.TemporaryDirectory(prefix="pybpf-wq-") as pins,
        Object.open(obj_path("wq"), backend=backend, pin_root=pins) as obj,
    ):
        obj.load(programs=["wq_syscall"])
        assert obj.programs["wq_syscall"].run().retval == 0
        assert wait_for(lambda: obj.maps["works"].lookup(0).count == 1)
        time.sleep(QUIET)
        assert obj.maps["works"].lookup(0).count == 1
        assert bytes(obj.maps["works"].lookup(0))[8:] == bytes(16)  # the bpf_wq reads as zeros
