"""What a helper may use besides its five arguments: ``HelperContext`` and the per-run ``RunEnv``.

Mirrors what the kernel's helpers reach implicitly (``current``, ``smp_processor_id()``, the
program's ``bpf_run_ctx``, the skb or xdp_buff behind r1, the per-CPU ``bpf_redirect_info``):

* ``HelperContext`` lives as long as a run session: the program's address space (``memory``,
  read and write through it, never through raw pointers), the trace pipe ``bpf_trace_printk``
  writes to, the source of ``bpf_get_prandom_u32`` and a way to call back into the program
  (``call_function``, for ``bpf_loop`` and other callback helpers).
* ``RunEnv`` is one run's state, set by whoever starts the run (the program runner of
  ``pybpf.kernel`` and the program types of ``pybpf.progtypes``): the CPU the run is on, the
  packet of a networking program, the tail-call trampoline, the spin locks the run holds and the
  redirect target.  Typed fields, so each layer sees what the others provide.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from pybpf.errors import HelperError
from pybpf.memory.regions import Memory

if TYPE_CHECKING:
    from pybpf.helpers.trace_pipe import TracePipe
    from pybpf.maps.object import MapObject


class FunctionCaller(Protocol):
    """Calls a BPF function of the running program (``callback_fn`` arguments of bpf_loop & co)."""

    def __call__(self, function: int, *args: int) -> int: ...


class Packet(Protocol):
    """The packet of a networking program as the generic helpers see it (skb or xdp_buff).

    ``bpf_skb_event_output`` / ``bpf_xdp_event_output`` append packet bytes through it; program
    types' own helpers use their concrete state (``SkbState``, ``XdpState``) instead.
    """

    def packet_length(self) -> int:
        """Bytes of packet data from ``data`` on (``skb->len``; ``xdp_get_buff_len``, fragments included)."""
        ...

    def copy_packet(self, offset: int, size: int) -> bytes:
        """``size`` bytes of the packet starting ``offset`` bytes after ``data``."""
        ...


TailCallTrampoline = Callable[[int, int], int]
"""``tail_call(map_address, index)``: jumps (does not return) on success; returns when it failed."""


@dataclass(slots=True)
class RunEnv:
    """One run's state as helpers see it; see the module docstring."""

    cpu: int = 0
    """The CPU the run is on: per-CPU maps give programs this CPU's value."""
    packet: Packet | None = None
    """The packet of a networking program (the program type's ``SkbState`` / ``XdpState``)."""
    tail_call: TailCallTrampoline | None = None
    """The runner's tail-call trampoline (``bpf_tail_call``); None where tail calls cannot jump."""
    spin_locks: list[tuple[int, MapObject]] = field(default_factory=list)
    """The (lock address, map) pairs the run holds through ``bpf_spin_lock``."""
    redirect: tuple[int, int] | None = None
    """The (ifindex, flags) ``bpf_redirect`` recorded (the kernel's ``bpf_redirect_info``)."""


class HelperContext:
    """The run session's side of a helper call; ``env`` is the current run's ``RunEnv``."""

    __slots__ = ("_call_function", "env", "memory", "random", "trace_pipe")

    def __init__(
        self,
        memory: Memory,
        trace_pipe: TracePipe,
        call_function: FunctionCaller | None = None,
        *,
        rng: random.Random | None = None,
        env: RunEnv | None = None,
    ) -> None:
        self.memory = memory
        self.trace_pipe = trace_pipe
        self._call_function = call_function
        self.random = rng if rng is not None else _RANDOM
        self.env: RunEnv = env if env is not None else RunEnv()

    def call_function(self, function: int, *args: int) -> int:
        """Run the BPF function at address ``function`` with ``args`` in r1.. and return its r0."""
        if self._call_function is None:
            raise HelperError(None, "this context cannot call back into a BPF program")
        return self._call_function(function, *args)


_RANDOM = random.Random()

__all__ = ["FunctionCaller", "HelperContext", "Packet", "RunEnv", "TailCallTrampoline"]
