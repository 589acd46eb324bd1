"""The helper-function registry: helper id -> Python implementation (the context is in ``context``).

Mirrors the kernel's helper calling convention (``BPF_CALL_x`` in include/linux/filter.h): a
program calls helper ``imm`` with up to five 64-bit arguments in r1–r5 and receives one 64-bit
result in r0.  Here a helper is a Python callable ``helper(ctx, r1, r2, r3, r4, r5) -> int``:
``ctx`` is the ``HelperContext`` of the running program (its memory, its trace pipe, a way to call
back into the program), the arguments are unsigned 64-bit values, and the result is truncated to
64 bits (so a helper may return ``-errno`` as the kernel does).  Helper ids follow the kernel's
``enum bpf_func_id`` (``pybpf.isa.helper_names``).

A helper reports a bad pointer by letting ``MemoryAccessError`` from ``ctx.memory`` propagate (the
interpreter adds the pc of the call), or by returning ``-EFAULT`` where the kernel's helper does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from pybpf.helpers.context import HelperContext
from pybpf.isa.helper_names import helper_id as _id_of_name
from pybpf.isa.helper_names import helper_name as _name_of_id

Helper = Callable[[HelperContext, int, int, int, int, int], int]
"""``helper(ctx, r1, r2, r3, r4, r5) -> r0``."""


class HelperRegistry(Mapping[int, Helper]):
    """A mapping helper id -> implementation, with the names the kernel prints for them."""

    def __init__(self, helpers: Mapping[int, Helper] | None = None) -> None:
        self._helpers: dict[int, Helper] = dict(helpers or {})
        self._names: dict[int, str] = {}

    def register(self, helper_id: int | str, function: Helper, name: str | None = None) -> None:
        """Install ``function`` as helper ``helper_id`` (an id or a kernel name like ``bpf_ktime_get_ns``)."""
        number = self.resolve(helper_id)
        self._helpers[number] = function
        if name is not None:
            self._names[number] = name

    def unregister(self, helper_id: int | str) -> None:
        self._helpers.pop(self.resolve(helper_id), None)

    def helper(self, helper_id: int | str, name: str | None = None) -> Callable[[Helper], Helper]:
        """Decorator form of ``register``."""

        def install(function: Helper) -> Helper:
            self.register(helper_id, function, name)
            return function

        return install

    def name(self, helper_id: int) -> str:
        """``bpf_<name>`` as the kernel prints it, or ``helper#<id>`` for an id the kernel lacks."""
        return self._names.get(helper_id) or _name_of_id(helper_id) or f"helper#{helper_id}"

    def copy(self) -> HelperRegistry:
        clone = HelperRegistry(self._helpers)
        clone._names.update(self._names)
        return clone

    @staticmethod
    def resolve(helper_id: int | str) -> int:
        """A helper id from an id or a kernel name (``bpf_`` prefix optional)."""
        if isinstance(helper_id, int):
            return helper_id
        number = _id_of_name(helper_id if helper_id.startswith("bpf_") else "bpf_" + helper_id)
        if number is None:
            raise KeyError(f"unknown helper name {helper_id!r}")
        return number

    def __getitem__(self, helper_id: int) -> Helper:
        return self._helpers[helper_id]

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self._helpers))

    def __len__(self) -> int:
        return len(self._helpers)

    def __repr__(self) -> str:
        return f"HelperRegistry({', '.join(f'{i}:{self.name(i)}' for i in self)})"
