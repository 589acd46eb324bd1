"""What a helper may use besides its five arguments: ``HelperContext`` and the per-run ``RunEnv``.

Mirrors what the kernel's helpers reach implicitly (``current``, ``smp_processor_id()``, the
program's ``bpf_run_ctx``, the skb or xdp_buff behind r1, the per-CPU ``bpf_redirect_info``):

* ``HelperContext`` lives as long as a run session: the program's address space (``memory``,
  read and write through it, never through raw pointers), the trace pipe ``bpf_trace_printk``
  writes to, the source of ``bpf_get_prandom_u32`` and a way to call back into the program
  (``call_function``, for ``bpf_loop`` and other callback helpers).
* ``RunEnv`` is one run's state, set by whoever starts the run (the program runner of
  ``pybpf.kernel`` and the program types of ``pybpf.progtypes``): the CPU the run is on, the
  packet of a networking program, the tail-call trampoline, the maps and map values the run may
  reach (``pybpf.helpers.map_access``), the spin locks the run holds, the redirect target and the
  network devices looked up so far.
  Typed fields, so each layer sees what the others provide.

The budget
    A run's instruction budget (``pybpf.vm``) bounds its wall time, and helper work counts
    against it: a helper that does work proportional to its arguments or to a map charges it
    through ``HelperContext.charge`` (units) or ``charge_bytes`` (bytes), and a call back into the
    program (``call_function``) charges ``CALLBACK_CHARGE`` before the callback's own
    instructions.  The charges, in budget units (one unit is one instruction of the program), are
    defined here and nowhere else:

    * ``CALLBACK_CHARGE`` per callback invocation (bpf_loop, bpf_for_each_map_elem);
    * ``ELEMENT_CHARGE`` per map element or hash bucket a helper walks (bpf_for_each_map_elem);
    * ``SYSCALL_CHARGE`` per system call a helper makes to answer (reading /proc for
      bpf_get_current_comm, bpf_get_current_cgroup_id; appending to the trace pipe);
    * ``FORMAT_CHARGE`` per call of the printf family (its format is parsed in Python);
    * one unit per ``COPY_BYTES_PER_UNIT`` bytes a helper copies, scans or formats (strings,
      probe reads, printf formats and output).

    Each weight is the helper's measured wall time over that of one instruction of the generated
    code, rounded so no helper costs more per unit than the slowest instructions do (atomics,
    calls).  When a charge does not fit in what is left, the helper raises
    ``BudgetExceededError`` and the interpreter names the helper call's instruction.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from pybpf.errors import BudgetExceededError, HelperError
from pybpf.memory.regions import Memory

if TYPE_CHECKING:
    from pybpf.helpers.map_access import MapAccess
    from pybpf.helpers.timers import ProgramHost
    from pybpf.helpers.trace_pipe import TracePipe
    from pybpf.maps.object import MapObject
    from pybpf.objects.rtnl import Link


CALLBACK_CHARGE = 8
"""Budget units a call back into the program costs besides the callback's own instructions."""
ELEMENT_CHARGE = 1
"""Budget units per map element (or empty hash bucket) a helper walks."""
SYSCALL_CHARGE = 64
"""Budget units per system call a helper makes (opening and reading a /proc file)."""
FORMAT_CHARGE = 8
"""Budget units per call of a printf-family helper, besides the bytes of its format and output."""
COPY_BYTES_PER_UNIT = 64
"""Bytes a helper may copy, scan or format per budget unit (fewer are covered by the call itself)."""


class BudgetMeter(Protocol):
    """Where a run keeps its budget (the interpreter's ``RunState``): the whole and what is left."""

    budget: int
    remaining: int


class FunctionCaller(Protocol):
    """Calls a BPF function of the running program (``callback_fn`` arguments of bpf_loop & co)."""

    def __call__(self, function: int, *args: int) -> int: ...


class Packet(Protocol):
    """The packet of a networking program as the generic helpers see it (skb or xdp_buff).

    ``bpf_skb_event_output`` / ``bpf_xdp_event_output`` append packet bytes through it, the skb and
    xdp dynptrs (``pybpf.helpers.dynptr``) read, write and slice it; program types' own helpers use
    their concrete state (``SkbState``, ``XdpState``) instead.
    """

    def packet_length(self) -> int:
        """Bytes of packet data from ``data`` on (``skb->len``; ``xdp_get_buff_len``, fragments included)."""
        ...

    def copy_packet(self, offset: int, size: int) -> bytes:
        """``size`` bytes of the packet starting ``offset`` bytes after ``data``."""
        ...

    def packet_pointer(self, offset: int, size: int) -> int | None:
        """The address of packet bytes [offset, offset + size) from ``data`` when they lie in the
        linear part (skb_pointer_if_linear(), bpf_xdp_pointer()'s linear case), else None."""
        ...

    def load_packet(self, offset: int, size: int) -> bytes | int:
        """The bytes, or the negative errno the type's load-bytes function returns
        (__bpf_skb_load_bytes(), __bpf_xdp_load_bytes())."""
        ...

    def store_packet(self, offset: int, payload: bytes, flags: int) -> int:
        """Write ``payload`` at ``offset``: 0, or the negative errno of __bpf_skb_store_bytes() (its
        flags) or __bpf_xdp_store_bytes()."""
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
    maps: MapAccess | None = None
    """The maps, values and ring buffer records the run may reach; None: no map at all."""
    spin_locks: list[tuple[int, MapObject]] = field(default_factory=list)
    """The (lock address, map) pairs the run holds through ``bpf_spin_lock``."""
    res_spin_locks: list[int] = field(default_factory=list)
    """The addresses of the ``bpf_res_spin_lock`` words the run holds (``pybpf.kfuncs.res_spin_lock``)."""
    redirect: tuple[int, int] | None = None
    """The (ifindex, flags) ``bpf_redirect`` recorded (the kernel's ``bpf_redirect_info``)."""
    host: ProgramHost | None = None
    """The loaded program the run belongs to, for the helpers whose callbacks run later on their own
    (``pybpf.helpers.timers``); None for a run of no loaded program."""
    session_cookie: int = 0
    """The address of the run's u64 session cookie (``bpf_session_cookie``: the kernel's
    ``bpf_session_run_ctx.data``), made at its first call; 0 before."""
    devices: dict[int, Link | None] = field(default_factory=dict)
    """The caller's network devices the run's helpers have looked up, by ifindex (None: no such
    device), each asked of rtnetlink once a run (``pybpf.progtypes.skb_resize.device_info``)."""


class HelperContext:
    """The run session's side of a helper call; ``env`` is the current run's ``RunEnv``."""

    __slots__ = ("_call_function", "env", "memory", "meter", "random", "trace_pipe")

    def __init__(
        self,
        memory: Memory,
        trace_pipe: TracePipe,
        call_function: FunctionCaller | None = None,
        *,
        rng: random.Random | None = None,
        env: RunEnv | None = None,
        meter: BudgetMeter | None = None,
    ) -> None:
        self.memory = memory
        self.trace_pipe = trace_pipe
        self._call_function = call_function
        self.random = rng if rng is not None else _RANDOM
        self.env: RunEnv = env if env is not None else RunEnv()
        self.meter = meter
        """The run's budget that ``charge`` draws on (None: helper work is not metered)."""

    def call_function(self, function: int, *args: int) -> int:
        """Run the BPF function at address ``function`` with ``args`` in r1.. and return its r0.

        Charges ``CALLBACK_CHARGE`` first; the callback's instructions draw on the same budget.
        """
        if self._call_function is None:
            raise HelperError(None, "this context cannot call back into a BPF program")
        self.charge(CALLBACK_CHARGE)
        return self._call_function(function, *args)

    def charge(self, units: int) -> None:
        """Take ``units`` from the run's budget; ``BudgetExceededError`` when fewer are left."""
        meter = self.meter
        if meter is None:
            return
        remaining = meter.remaining - units
        if remaining < 0:
            meter.remaining = 0
            raise BudgetExceededError(
                None, f"instruction budget of {meter.budget} instructions exhausted (by helper work)"
            )
        meter.remaining = remaining

    def charge_bytes(self, count: int) -> None:
        """Charge for ``count`` bytes copied, scanned or formatted (``COPY_BYTES_PER_UNIT`` per unit)."""
        if count >= COPY_BYTES_PER_UNIT:
            self.charge(count // COPY_BYTES_PER_UNIT)


_RANDOM = random.Random()

__all__ = [
    "CALLBACK_CHARGE",
    "COPY_BYTES_PER_UNIT",
    "ELEMENT_CHARGE",
    "FORMAT_CHARGE",
    "SYSCALL_CHARGE",
    "BudgetMeter",
    "FunctionCaller",
    "HelperContext",
    "Packet",
    "RunEnv",
    "TailCallTrampoline",
]
