"""The verifier for loaders without every capability, pybpf against the kernel.

The corpus theme tests/data/verifier_corpus/unprivileged.asm (its ``caps`` headers) holds the
programs; tests/verifier/test_corpus.py and test_corpus_log.py compare their verdicts and level-2
logs.  Here: the helper sets ``bpf_base_func_proto`` keeps from a loader without CAP_BPF or
CAP_PERFMON, asked of the kernel helper by helper; the caller chosen through ``$PYBPF_CAPS``; the
privileged path untouched by an unprivileged verification before it.
"""

from __future__ import annotations

import ctypes
import errno
import os
import threading

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.objects import credentials
from pybpf.objects.credentials import CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, CAP_SYS_ADMIN, ROOT, Credentials
from pybpf.progtypes.base import BPF_CAPABLE_FUNC_IDS, PERFMON_FUNC_IDS
from pybpf.verifier import regstate
from tests.caps import run_without_caps, unprivileged_bpf_enabled
from tests.verifier.verifier_corpus import reason

_LOG_SIZE = 1 << 16
_NOT_OFFERED = "cannot use helper"


def _load(
    backend: Backend,
    insns: list[int],
    prog_type: int = uapi.BPF_PROG_TYPE_SOCKET_FILTER,
    log_level: int = 1,
) -> tuple[int, str]:
    """(errno, log) of loading the 64-bit instruction words ``insns`` (errno 0: loaded)."""
    code = (ctypes.c_uint64 * len(insns))(*insns)
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(_LOG_SIZE)
    attr = uapi.bpf_attr()
    attr.prog_type, attr.insns, attr.insn_cnt = prog_type, ctypes.addressof(code), len(insns)
    attr.license, attr.log_level, attr.log_size, attr.log_buf = (
        ctypes.addressof(lic),
        log_level,
        _LOG_SIZE,
        ctypes.addressof(log),
    )
    try:
        os.close(backend.bpf(uapi.BPF_PROG_LOAD, attr))
    except OSError as error:
        return error.errno or 0, log.value.decode()
    return 0, log.value.decode()


def _call(helper_id: int) -> list[int]:
    """``call helper_id; r0 = 0; exit``."""
    return [0x85 | helper_id << 32, 0xB7, 0x95]


_LOOP = [0xB7, 0x07 | 1 << 32, 0xA5 | 0xFFFE << 16 | 10 << 32, 0x95]
"""``r0 = 0; r0 += 1; if r0 < 10 goto -2; exit``: a bounded loop (check_cfg(): a back-edge)."""

_HELPERS = sorted(PERFMON_FUNC_IDS | BPF_CAPABLE_FUNC_IDS | {1, 5, 7, 14, 15, 130})


def _offered(backend: Backend) -> list[int]:
    """The helpers of _HELPERS a socket filter loaded through ``backend`` may call."""
    return [h for h in _HELPERS if _NOT_OFFERED not in _load(backend, _call(h))[1]]


@pytest.mark.parametrize(
    "drop",
    [
        (CAP_SYS_ADMIN, CAP_PERFMON),
        (CAP_SYS_ADMIN, CAP_PERFMON, CAP_BPF, CAP_NET_ADMIN),
        (CAP_SYS_ADMIN, CAP_BPF),
    ],
    ids=["bpf+net_admin", "none", "perfmon+net_admin"],
)
def test_base_helpers_follow_the_loader(drop: tuple[int, ...]) -> None:
    """bpf_base_func_proto's CAP_BPF and CAP_PERFMON helpers, helper by helper, as the kernel offers
    them to a socket filter loaded without ``drop`` (unprivileged bpf() open for the block)."""
    with unprivileged_bpf_enabled():
        kernel = run_without_caps(drop, lambda: _offered(NativeBackend()))
    pybpf = _offered(UserBackend(Credentials(ROOT.caps - set(drop), 0)))
    assert pybpf == kernel
    assert (CAP_BPF in drop) == (118 not in pybpf)  # bpf_jiffies64 needs CAP_BPF


def test_pybpf_caps_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``$PYBPF_CAPS`` / ``$PYBPF_UNPRIVILEGED_BPF_DISABLED`` choose the caller of a plain
    ``UserBackend()``: a loop is a back-edge without CAP_BPF, the load EPERM while the sysctl is
    set, "infinite loop detected" with CAP_BPF alone (a speculative path, as unprivileged/back_edge_bpf
    records); CAP_BPF with CAP_PERFMON and every capability (the default) load it."""
    assert _load(UserBackend(), _LOOP)[0] == 0
    monkeypatch.setenv("PYBPF_CAPS", "none")
    monkeypatch.setenv("PYBPF_UNPRIVILEGED_BPF_DISABLED", "0")
    err, log = _load(UserBackend(), _LOOP)
    assert (err, reason(log)) == (errno.EINVAL, "back-edge from insn 2 to 1")
    monkeypatch.setenv("PYBPF_UNPRIVILEGED_BPF_DISABLED", "2")
    assert _load(UserBackend(), _LOOP) == (errno.EPERM, "")
    monkeypatch.setenv("PYBPF_CAPS", "bpf")  # the Spectre v1 sanitation's speculative path meets the loop
    assert _load(UserBackend(), _LOOP)[0] == errno.EINVAL
    monkeypatch.setenv("PYBPF_CAPS", "bpf,perfmon")
    assert _load(UserBackend(), _LOOP)[0] == 0
    credentials._from_environment.cache_clear()


def test_back_edge_against_the_kernel() -> None:
    """The same loop on the kernel without CAP_BPF: the same errno and message."""
    drop = (CAP_SYS_ADMIN, CAP_PERFMON, CAP_BPF, CAP_NET_ADMIN)
    with unprivileged_bpf_enabled():
        kernel = run_without_caps(drop, lambda: _load(NativeBackend(), _LOOP))
    pybpf = _load(UserBackend(Credentials(ROOT.caps - set(drop), 0)), _LOOP)
    assert (pybpf[0], reason(pybpf[1])) == (kernel[0], reason(kernel[1]))
    assert reason(pybpf[1]) == "back-edge from insn 2 to 1"


def test_unprivileged_verification_leaves_root_alone() -> None:
    """An unprivileged verification (refused, even) leaves new scalars imprecise for the next,
    privileged one: the precision default is the running verification's only."""
    nobody = UserBackend(Credentials(frozenset(), 0))
    assert _load(nobody, [0x95])[0] == errno.EACCES  # R0 !read_ok
    assert regstate.unknown_precise() is False
    reg = regstate.RegState()
    reg.mark_unknown()
    assert not reg.precise
    with regstate.unprivileged_precision():
        reg.mark_unknown()
        assert reg.precise
    err, log = _load(UserBackend(), [0xB7, 0x95], log_level=2)
    assert err == 0 and "; R0=0\n" in log and "P0" not in log


def test_unprivileged_precision_is_per_thread() -> None:
    """While an unprivileged verification runs in one thread, a privileged one in another thread
    starts its scalars imprecise (``!env->bpf_capable`` is each verification's own), and an
    unprivileged one there starts them precise."""
    results: dict[str, tuple[int, str]] = {}

    def other_thread() -> None:
        results["root"] = _load(UserBackend(), [0xB7, 0x95], log_level=2)
        reg = regstate.RegState()
        reg.mark_unknown()
        results["reg"] = (int(reg.precise), "")

    with regstate.unprivileged_precision():
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join(timeout=60)
        reg = regstate.RegState()
        reg.mark_unknown()
        assert reg.precise
    assert not worker.is_alive()
    err, log = results["root"]
    assert err == 0 and "; R0=0\n" in log and "P0" not in log
    assert results["reg"] == (0, "")
    nobody = UserBackend(Credentials(frozenset({CAP_PERFMON}), 0))
    err, log = _load(nobody, [0xB7, 0x95], log_level=2)
    assert err == 0 and "; R0=P0\n" in log


def test_refused_before_the_verifier() -> None:
    """A caller without CAP_BPF and the sysctl at 2: EPERM from bpf(2) itself, nothing logged."""
    with pytest.raises(BPFError) as refused:
        UserBackend(Credentials(frozenset(), 2)).bpf(uapi.BPF_PROG_LOAD, uapi.bpf_attr())
    assert refused.value.errno == errno.EPERM
