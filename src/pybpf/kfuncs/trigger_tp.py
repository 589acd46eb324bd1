"""bpf_modify_return_test_tp(): the kfunc net/bpf/test_run.c exports for the selftests' tracepoint.

Mirrors Linux 6.18: ``int bpf_modify_return_test_tp(int nonce)`` fires the ``bpf_trigger_tp``
tracepoint with ``nonce`` and returns it.  Its set is registered for every program type (measured:
a one-call program loads in each type tried); no KF_* flags.  In pybpf no program is attached to the
tracepoint, so the call returns ``nonce``: an ``int``, zero-extended in r0 (measured: -3 gives
0xfffffffd, r0 >> 32 is 0).
"""

from __future__ import annotations

from pybpf.helpers.context import HelperContext
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, RetKind


def modify_return_test_tp(ctx: HelperContext, nonce: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``bpf_modify_return_test_tp(nonce)``: ``nonce``."""
    return nonce & 0xFFFFFFFF


KFUNCS: tuple[KFunc, ...] = (
    KFunc("bpf_modify_return_test_tp", KfFlag.NONE, (KArg(ArgKind.SCALAR, "int", "nonce"),), RetKind.SCALAR,
          "int", 4, modify_return_test_tp),
)  # fmt: skip
