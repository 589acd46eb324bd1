"""Stand-ins for the verifier's collaborators: a program type, maps, and a LoadRequest builder.

``FakeProgType`` plays pybpf.progtypes for SOCKET_FILTER and XDP: which helpers it allows (the
kernel's answer when asked, else a fixed set), which context fields it lets a program read or write
(a small subset of ``__sk_buff`` / ``xdp_md`` that the tests use) and an identity context rewrite
(or any function given).  ``FakeMap`` plays a map object: array maps have a direct value address
with the kernel's errors (EOPNOTSUPP unless max_entries is 1, EINVAL past the value).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pybpf.errors import BPFError
from pybpf.isa.instruction import Instruction
from pybpf.uapi import ENOTSUPP
from pybpf.verifier import LoadRequest, MapRef

SOCKET_FILTER = 1
XDP = 6
BPF_FUNC_MAX_ID = 212  # __BPF_FUNC_MAX_ID of the kernel the tests were written against
GPL_ONLY = frozenset({4, 6, 25, 35, 36, 45, 112, 113, 114, 115, 177})

# A few helpers every one of these program types has (bpf_base_func_proto and the skb/xdp ones).
BASE_HELPERS = frozenset({1, 2, 3, 5, 6, 7, 8, 14, 15, 16, 26, 42, 112, 113, 114, 115, 125, 160, 177})
STATIC_ALLOWED = {SOCKET_FILTER: BASE_HELPERS, XDP: BASE_HELPERS | {23, 44, 51, 54, 65}}


@dataclass
class FakeProgType:
    prog_type: int
    name: str
    allowed: frozenset[int]
    rewrite: Callable[[Instruction], list[Instruction]] | None = None
    converted: list[Instruction] = field(default_factory=list)
    converts_ctx: bool = True  # (XDP and __sk_buff contexts: both rewritten by the kernel)

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in self.allowed

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        if self.prog_type == XDP:
            return not write and size == 4 and off % 4 == 0 and 0 <= off < 24
        if write:  # __sk_buff.cb[0..4]
            return size == 4 and off % 4 == 0 and 48 <= off < 68
        return size == 4 and off % 4 == 0 and 0 <= off < 80

    def convert_ctx_access(self, insn: Instruction) -> list[Instruction]:
        self.converted.append(insn)
        return self.rewrite(insn) if self.rewrite is not None else [insn]


@dataclass
class FakeMap:
    address: int
    map_type: int
    value_size: int = 8
    max_entries: int = 1

    def direct_value_address(self, off: int) -> int:
        if self.max_entries != 1:
            raise BPFError(ENOTSUPP)
        if off >= self.value_size:
            raise BPFError(errno.EINVAL)
        return self.address + off


def fd_resolver(maps: dict[int, FakeMap]) -> Callable[[int], MapRef]:
    """fd -> map as __bpf_map_get() answers: EBADF for a closed fd, EINVAL for a non-map fd."""

    def resolve(fd: int) -> MapRef:
        if fd in maps:
            return maps[fd]
        try:
            os.fstat(fd)
        except (OSError, OverflowError):
            raise BPFError(errno.EBADF) from None
        raise BPFError(errno.EINVAL)

    return resolve


def is_gpl_only(helper_id: int) -> bool | None:
    if not 0 <= helper_id < BPF_FUNC_MAX_ID:
        return None
    return helper_id in GPL_ONLY


def make_request(
    insns: Iterable[Instruction],
    prog_type: int = SOCKET_FILTER,
    *,
    allowed: frozenset[int] | None = None,
    gpl: bool = True,
    log_level: int = 1,
    maps: dict[int, FakeMap] | None = None,
    fd_array: list[int] | None = None,
    rewrite: Callable[[Instruction], list[Instruction]] | None = None,
) -> LoadRequest:
    known = maps or {}
    resolve = fd_resolver(known)
    array: Callable[[int], MapRef] | None = None
    if fd_array is not None:
        fds = fd_array

        def array(index: int) -> MapRef:
            if not 0 <= index < len(fds):
                raise BPFError(errno.EINVAL)
            return resolve(fds[index])

    name = "socket_filter" if prog_type == SOCKET_FILTER else "xdp"
    ptype = FakeProgType(
        prog_type, name, allowed if allowed is not None else STATIC_ALLOWED[prog_type], rewrite
    )
    return LoadRequest(
        insns=list(insns),
        prog_type=ptype,
        gpl_compatible=gpl,
        log_level=log_level,
        resolve_map_fd=resolve,
        fd_array=array,
        is_gpl_only=is_gpl_only,
    )
