"""Program types: per BPF_PROG_TYPE_* context layout and rewrite, allowed helpers, test_run.

Mirrors the kernel's ``bpf_prog_types[]`` (include/linux/bpf_types.h): ``get_prog_type(n)`` returns
the ``ProgType`` for a type number, or None for a type pybpf does not implement (BPF_PROG_LOAD then
answers EINVAL like the kernel for an unknown type).  See ``pybpf.progtypes.base`` for the contract.
"""

from pybpf.progtypes.base import (
    BASE_FUNC_IDS,
    ENOTSUPP,
    ProgramRunner,
    ProgType,
    TestRunArgs,
    TestRunResult,
    ctx_present,
    ctx_tail_zero,
    range_is_zero,
    repeat_runs,
)
from pybpf.progtypes.registry import get_prog_type, prog_types, register

__all__ = [
    "BASE_FUNC_IDS",
    "ENOTSUPP",
    "ProgType",
    "ProgramRunner",
    "TestRunArgs",
    "TestRunResult",
    "ctx_present",
    "ctx_tail_zero",
    "get_prog_type",
    "prog_types",
    "range_is_zero",
    "register",
    "repeat_runs",
]
