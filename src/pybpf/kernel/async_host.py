"""The loaded program as the asynchronous callbacks of its runs need it: ``ProgramHost``.

Mirrors what the kernel keeps for a ``struct bpf_timer``'s callback (kernel/bpf/helpers.c): the
reference to the program (``cb->prog``, ``bpf_prog_inc_not_zero``) that keeps it -- its code and the
maps it uses -- alive until the timer is cancelled or freed, the check of the map's user references
(``atomic64_read(&map->usercnt)``: its fds and pins, not the references programs hold) and
``bpf_timer_cb``, which calls the callback subprogram with (map, key, value).

A ``ProgramHost`` is built once per program runtime (``pybpf.kernel.prog_run.ProgRuntime.host``) and
put in every run's ``RunEnv.host``; the timer helpers (``pybpf.helpers.timers``) keep it while a
callback is set.  ``run_callback`` is a run of the program of its own, as a run on another CPU: it
holds the address space's lock, gets a ``MapAccess`` with the program's maps, the element's value
as a region and a read-only copy of the key, and starts at the callback (``RunSession.call_locked``,
on the program's engine, in a run session of the host's own).  A ``bpf_spin_lock`` the callback ends
holding is released and the ring buffer records it holds discarded, as after any run.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Callable, Mapping

from pybpf.engine import Executable, RunSession
from pybpf.helpers import TRACE_PIPE, HelperContext, RunEnv
from pybpf.helpers.map_access import MapAccess, ProgramMaps
from pybpf.helpers.maps import release_spin_locks
from pybpf.maps.base import running_cpu
from pybpf.maps.object import MapObject
from pybpf.memory.regions import Memory
from pybpf.objects import refs
from pybpf.objects.files import bpffs_root
from pybpf.vm.runtime import VERIFIED_BUDGET

CALLBACK_HELPER = "bpf_timer callback"
"""How the value region of a callback run is named in messages."""


def _close_all(fds: dict[int, int]) -> None:
    for fd in fds.values():
        with contextlib.suppress(OSError):
            os.close(fd)
    fds.clear()


class ProgramHost:
    """A loaded program's side of its asynchronous callbacks (``pybpf.helpers.timers.ProgramHost``).

    ``executable``, ``program_maps``, ``maps``: the runtime's (what a timer holding this host keeps
    alive: the code and the maps, not the runtime, which holds its host); ``memory``: the address
    space its runs run in; ``before_run``: what starting a run of the program does first.
    """

    def __init__(
        self,
        executable: Executable,
        program_maps: ProgramMaps,
        maps: Mapping[int, MapObject],
        memory: Memory,
        *,
        name: str,
        prog_id: int,
        others: Callable[[int], ProgramHost | None] | None = None,
        before_run: Callable[[], None] | None = None,
    ) -> None:
        self.executable = executable
        self.program_maps = program_maps
        self.maps = maps
        self.memory = memory
        self.name = name
        self.prog_id = prog_id
        self._others = others
        """Finds the host of another program of the root by id (``host_of``)."""
        self._before_run = before_run
        """Called as a callback's run starts (the runtime's refresh of ``jiffies``), when given."""
        self.root = bpffs_root()
        self._session: RunSession | None = None
        self._map_fds: dict[int, int] = {}
        """Fds of the program's maps holding no user lock (for ``users_gone``), opened when first asked."""
        self._finalizer = weakref.finalize(self, _close_all, self._map_fds)

    def host_of(self, prog_id: int) -> ProgramHost | None:
        """The host of program ``prog_id`` of this root in this process (itself for its own id; opened
        by id otherwise, as the kernel's timer holds ``cb->prog``); None when it is gone."""
        if prog_id == self.prog_id:
            return self
        return self._others(prog_id) if self._others is not None else None

    def function_slot(self, address: int) -> int | None:
        return self.executable.function_at(address)

    def users_gone(self, obj: MapObject) -> bool:
        """Whether ``obj``'s fds and pins are all gone (``!atomic64_read(&map->usercnt)``).  A map the
        program does not hold by a reference pybpf can open is taken to have users."""
        fd = self._map_fds.get(obj.id)
        if fd is None:
            path = os.path.join(refs.holder_dir(self.root, "prog", self.prog_id), f"map-{obj.id}")
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                return False
            self._map_fds[obj.id] = fd
        try:
            return not refs.user_referenced(self.root, "map", obj.id, fd)
        except OSError:
            return False

    def run_callback(
        self, slot: int, obj: MapObject, key: bytes, value_offset: int, still_due: Callable[[], bool]
    ) -> int | None:
        memory = self.memory
        with memory.lock:
            if not still_due():
                return None
            if self._before_run is not None:
                self._before_run()
            session = self._session
            if session is None:
                session = self._session = self.executable.session(budget=VERIFIED_BUDGET)
            access = MapAccess(memory, self.program_maps)
            key_region = memory.add_buffer(max(len(key), 1), writable=False, name="bpf_timer callback key")
            key_region.view[: len(key)] = key
            env = RunEnv(cpu=running_cpu(), maps=access, host=self)
            try:
                value = access.value_pointer(obj, value_offset, CALLBACK_HELPER)
                return session.call_locked(slot, (obj.pointer, key_region.start, value), env)
            finally:
                try:
                    if env.spin_locks:
                        release_spin_locks(HelperContext(memory, TRACE_PIPE, env=env))
                finally:
                    memory.remove_region(key_region)
                    access.release()


__all__ = ["CALLBACK_HELPER", "ProgramHost"]
