"""Every thread lock of pybpf is free in a forked child, whichever thread held it at the fork.

``pybpf.objects.forking`` has the fork take every lock registered with ``fork_safe`` (waiting for
their holders, never while holding another) and release them on both sides.  A lock another thread
holds at a plain fork stays held in the child for ever -- nobody is left there to release it -- so
the child's first use of it hangs: before this, the per-CPU object table, the task images, the trace
pipe, the perf event table, the address space's ``Memory.lock`` (which a timer callback holds) and
the JIT's and interpreter's caches all did.  Here a thread holds each lock across a fork and the
child must take it within a deadline (it answers through its exit code; a hung child is killed).

The source check makes the rule stick: every ``threading.Lock()``/``RLock()`` in src/pybpf is made
``fork_safe`` or is one of the few that re-create themselves in a child, each named with its reason.
"""

from __future__ import annotations

import ast
import importlib
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pybpf.objects import forking

SRC = Path(__file__).resolve().parents[2] / "src" / "pybpf"
CHILD_DEADLINE = 20.0
"""Seconds a child may take to get the lock and exit (it needs milliseconds)."""
HELD_FOR = 0.3
"""Seconds the holder thread keeps the lock after the fork began."""

RECREATED_IN_CHILD = {
    ("isa/instruction.py", "_DECODED_LOCK"): "below pybpf.objects; its cache is whole between steps",
    ("helpers/timers.py", "_LOCK"): "the child drops every timer and the scheduler with it",
    ("objects/forking.py", "_GUARD"): "the fork's own guard: taken first by the fork itself",
}
"""Locks not registered with ``fork_safe``: (module file, name) -> why the child is still safe."""


def _lock_creations() -> list[tuple[str, str, bool]]:
    """(module file, name assigned, wrapped in ``fork_safe``) of every lock pybpf's source makes."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                parents[child] = node
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("Lock", "RLock")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "threading"
            ):
                continue
            parent = parents[node]
            wrapped = (
                isinstance(parent, ast.Call)
                and isinstance(parent.func, ast.Name)
                and parent.func.id == "fork_safe"
            )
            statement = parent
            while not isinstance(statement, ast.stmt):
                statement = parents[statement]
            name = "?"
            if isinstance(statement, (ast.Assign, ast.AnnAssign)):
                target = statement.targets[0] if isinstance(statement, ast.Assign) else statement.target
                name = ast.unparse(target).removeprefix("self.")
            found.append((str(path.relative_to(SRC)), name, wrapped))
    return found


def test_every_lock_of_pybpf_is_fork_safe_or_recreated_in_the_child() -> None:
    creations = _lock_creations()
    assert len(creations) > 20  # (the scan sees the source)
    unsafe = [(module, name) for module, name, wrapped in creations if not wrapped]
    assert set(unsafe) <= set(RECREATED_IN_CHILD), "register new locks with forking.fork_safe"
    for module, _ in set(unsafe):
        assert "os.register_at_fork(" in (SRC / module).read_text()


def _module_lock(module: str, name: str) -> Callable[[], forking.ThreadLock]:
    def get() -> forking.ThreadLock:
        lock: forking.ThreadLock = getattr(importlib.import_module(module), name)
        return lock

    return get


def _exec_memory_lock() -> forking.ThreadLock:
    from pybpf.kernel.prog_run import EXEC_MEMORY

    return EXEC_MEMORY.lock


def _trace_pipe_lock() -> forking.ThreadLock:
    from pybpf.helpers import TRACE_PIPE

    return TRACE_PIPE._lock


def _jit_object_cache_lock() -> forking.ThreadLock:
    from pybpf.jit.cache import object_cache

    return object_cache()._lock


def _map_holders_lock() -> forking.ThreadLock:
    from pybpf.map import Map

    return Map._holders_lock


LOCKS: dict[str, Callable[[], forking.ThreadLock]] = {
    "percpu-obj-blocks": _module_lock("pybpf.helpers.percpu_obj", "_blocks_lock"),
    "task-images": _module_lock("pybpf.helpers.task_image", "_lock"),
    "trace-pipe": _trace_pipe_lock,
    "perf-events-in-arrays": _module_lock("pybpf.objects.perf_event", "_in_arrays_lock"),
    "exec-memory": _exec_memory_lock,
    "run-stats-probe": _module_lock("pybpf.kernel.run_stats", "_probe_lock"),
    "res-spin-lock": _module_lock("pybpf.kfuncs.res_spin_lock", "_test_and_set"),
    "crypto": _module_lock("pybpf.kfuncs.crypto", "_lock"),
    "alloc-obj": _module_lock("pybpf.kfuncs.alloc_obj", "_live_lock"),
    "cpumask": _module_lock("pybpf.kfuncs.cpumask", "_prev_lock"),
    "iter-bits": _module_lock("pybpf.kfuncs.iter_bits", "_buffers_lock"),
    "conntrack": _module_lock("pybpf.kfuncs.conntrack", "_lock"),
    "jit-repeat": _module_lock("pybpf.jit.repeat", "_driver_lock"),
    "jit-target": _module_lock("pybpf.jit.codegen", "_target_lock"),
    "jit-linked-cache": _module_lock("pybpf.jit.codegen", "_CACHE_LOCK"),
    "jit-cache-current": _module_lock("pybpf.jit.cache", "_current_lock"),
    "jit-object-cache": _jit_object_cache_lock,
    "vm-translations": _module_lock("pybpf.vm.translation", "_CACHE_LOCK"),
    "vm-atomics": _module_lock("pybpf.vm.atomics", "_TABLES_LOCK"),
    "map-holders": _map_holders_lock,
    "isa-decoded": _module_lock("pybpf.isa.instruction", "_DECODED_LOCK"),
    "timers": _module_lock("pybpf.helpers.timers", "_LOCK"),
}


def _fork_taking(get: Callable[[], forking.ThreadLock]) -> int:
    """Fork a child that takes the lock ``get()`` answers in it: exit 0 when it got it, 3 when not."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 3
        try:
            lock = get()
            if lock.acquire(True, CHILD_DEADLINE / 2):
                lock.release()
                code = 0
        finally:
            os._exit(code)
    return pid


def _wait(pid: int) -> str | None:
    """None when child ``pid`` exited 0 in time; else what went wrong (a hung child is killed)."""
    end = time.monotonic() + CHILD_DEADLINE
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return None if code == 0 else f"the child could not take the lock (exit {code})"
        if time.monotonic() > end:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "the child hung"
        time.sleep(0.005)


def _fork_while_held(
    lock: forking.ThreadLock, get: Callable[[], forking.ThreadLock]
) -> tuple[str | None, float]:
    """Fork while another thread holds ``lock`` (releasing it ``HELD_FOR`` s later): the child's
    problem, and how long the fork took."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        lock.acquire()
        try:
            holding.set()
            release.wait(CHILD_DEADLINE)
        finally:
            lock.release()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(CHILD_DEADLINE)
    timer = threading.Timer(HELD_FOR, release.set)
    timer.start()
    started = time.monotonic()
    try:
        pid = _fork_taking(get)
    finally:
        took = time.monotonic() - started
        release.set()
        timer.cancel()
    problem = _wait(pid)
    holder.join(CHILD_DEADLINE)
    assert not holder.is_alive()
    return problem, took


@pytest.mark.parametrize("name", sorted(LOCKS))
def test_a_fork_while_another_thread_holds_the_lock_leaves_the_child_a_free_lock(name: str) -> None:
    get = LOCKS[name]
    problem, _ = _fork_while_held(get(), get)
    assert problem is None


def test_a_fork_never_waits_while_holding_a_lock() -> None:
    """A thread holds one registered lock and takes a second one after the fork began: a fork taking
    the second first and then waiting for the first would deadlock with it; this one waits for the
    busy lock holding nothing, so the thread finishes and the child gets both free."""
    for first_taken in (0, 1):
        pair = [forking.fork_safe(threading.Lock()), forking.fork_safe(threading.Lock())]
        mine, other = pair[first_taken], pair[1 - first_taken]
        holding, done = threading.Event(), threading.Event()

        def nested(
            mine: forking.ThreadLock = mine,
            other: forking.ThreadLock = other,
            holding: threading.Event = holding,
            done: threading.Event = done,
        ) -> None:
            with mine:  # type: ignore[attr-defined]
                holding.set()
                time.sleep(HELD_FOR)  # (the fork has begun by now)
                with other:  # type: ignore[attr-defined]
                    done.set()

        thread = threading.Thread(target=nested)
        thread.start()
        assert holding.wait(CHILD_DEADLINE)
        pid = _fork_taking(lambda pair=pair: _both(pair))
        assert _wait(pid) is None
        thread.join(CHILD_DEADLINE)
        assert done.is_set()


def _both(pair: list[forking.ThreadLock]) -> forking.ThreadLock:
    """In the child: the second lock once the first was taken and released (both must be free)."""
    if not pair[0].acquire(True, CHILD_DEADLINE / 4):
        raise SystemExit(4)
    pair[0].release()
    return pair[1]


def test_a_lock_busy_past_the_fork_wait_is_new_in_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    """A holder that keeps a registered lock longer than ``FORK_WAIT``: the fork goes on without it,
    and the child gets a new, free lock in its place."""
    monkeypatch.setattr(forking, "FORK_WAIT", 0.2)
    lock = forking.fork_safe(threading.Lock())
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            holding.set()
            release.wait(CHILD_DEADLINE)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(CHILD_DEADLINE)
    started = time.monotonic()
    try:
        pid = _fork_taking(lambda: lock)
        took = time.monotonic() - started
        problem = _wait(pid)
    finally:
        release.set()
        holder.join(CHILD_DEADLINE)
    assert problem is None
    assert 0.2 <= took < CHILD_DEADLINE / 2
    assert lock.acquire(False)  # the parent's is the holder's, released by it
    lock.release()
