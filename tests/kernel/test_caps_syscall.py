"""bpf(2)'s permission checks for callers without every capability, pybpf against the kernel.

The same probes -- every map type, every program type, instruction counts, the id commands, BTF
loading, statistics, queries, a program's info -- run on the kernel from a child lacking some
effective capabilities (tests/caps.py) and on ``UserBackend(credentials=...)`` with the same set,
under ``kernel.unprivileged_bpf_disabled`` 2 and 0.  Each answer (``ok`` or the errno's name) must be
the same; the order of a command's checks shows in the probes that fail two ways at once (a bad
flag and a missing capability ...).
"""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Callable

import pytest

from pybpf import uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.kernel.permissions import BPF_MAXINSNS
from pybpf.objects import credentials
from pybpf.objects.credentials import (
    CAP_BPF,
    CAP_NET_ADMIN,
    CAP_PERFMON,
    CAP_SYS_ADMIN,
    ROOT,
    Credentials,
)
from tests.caps import run_without_caps, unprivileged_bpf_enabled

DROPS: dict[str, tuple[int, ...]] = {
    "bpf+net_admin": (CAP_SYS_ADMIN, CAP_PERFMON),
    "bpf": (CAP_SYS_ADMIN, CAP_PERFMON, CAP_NET_ADMIN),
    "bpf+perfmon": (CAP_SYS_ADMIN, CAP_NET_ADMIN),
    "net_admin": (CAP_SYS_ADMIN, CAP_PERFMON, CAP_BPF),
    "none": (CAP_SYS_ADMIN, CAP_PERFMON, CAP_BPF, CAP_NET_ADMIN),
}

_EXIT0 = (ctypes.c_uint64 * 2)(0xB7, 0x95)  # r0 = 0; exit
_GPL = ctypes.create_string_buffer(b"GPL")

# Types whose plain load or creation root already answers differently on pybpf (lockdown refuses
# LSM and fexit-like loads; an arena needs an address the probe does not give): not about caps.
_ROOT_DIFFERS = {
    "BPF_MAP_TYPE_ARENA", "BPF_PROG_TYPE_LSM", "BPF_PROG_TYPE_EXT", "BPF_PROG_TYPE_STRUCT_OPS",
    "BPF_PROG_TYPE_LIRC_MODE2",  # not built into this kernel (CONFIG_BPF_LIRC_MODE2)
}  # fmt: skip


def _answer(function: Callable[[], int]) -> str:
    try:
        function()
    except OSError as error:
        return errno.errorcode.get(error.errno or 0, str(error.errno))
    return "ok"


def _map_create(backend: Backend, map_type: int, flags: int = 0, value_size: int = 4) -> int:
    attr = uapi.bpf_attr()
    attr.map_type, attr.key_size, attr.value_size, attr.max_entries = map_type, 4, value_size, 1
    attr.map_flags = flags
    return backend.bpf(uapi.BPF_MAP_CREATE, attr)


def _prog_load(backend: Backend, prog_type: int, insn_cnt: int = 2, flags: int = 0) -> int:
    attr = uapi.bpf_attr()
    attr.prog_type, attr.insns, attr.insn_cnt = prog_type, ctypes.addressof(_EXIT0), insn_cnt
    attr.license, attr.prog_flags = ctypes.addressof(_GPL), flags
    return backend.bpf(uapi.BPF_PROG_LOAD, attr)


def _command(backend: Backend, cmd: int, **fields: int) -> int:
    attr = uapi.bpf_attr()
    for name, value in fields.items():
        target = attr
        *path, last = name.split("__")
        for part in path:
            target = getattr(target, part)
        setattr(target, last, value)
    return backend.bpf(cmd, attr)


def _probes(backend: Backend) -> dict[str, str]:
    """Every probe's answer on ``backend`` (run as the caller being judged)."""
    out: dict[str, str] = {}
    for map_type in uapi.bpf_map_type:
        if not map_type.name.startswith("__") and map_type.name not in _ROOT_DIFFERS:
            out[map_type.name] = _answer(lambda t=map_type.value: _map_create(backend, t))
    out["STACK_TRACE value 8"] = _answer(lambda: _map_create(backend, uapi.BPF_MAP_TYPE_STACK_TRACE, 0, 8))
    out["HASH zero seed"] = _answer(
        lambda: _map_create(backend, uapi.BPF_MAP_TYPE_HASH, uapi.BPF_F_ZERO_SEED)
    )
    out["ARRAY bad flags"] = _answer(lambda: _map_create(backend, uapi.BPF_MAP_TYPE_ARRAY, 1 << 30))
    for prog_type in uapi.bpf_prog_type:
        if not prog_type.name.startswith("__") and prog_type.name not in _ROOT_DIFFERS:
            out[prog_type.name] = _answer(lambda t=prog_type.value: _prog_load(backend, t))
    sf, xdp = uapi.BPF_PROG_TYPE_SOCKET_FILTER, uapi.BPF_PROG_TYPE_XDP
    out["socket filter 0 insns"] = _answer(lambda: _prog_load(backend, sf, 0))
    out["socket filter 4097 insns"] = _answer(lambda: _prog_load(backend, sf, BPF_MAXINSNS + 1))
    out["xdp 4097 insns"] = _answer(lambda: _prog_load(backend, xdp, BPF_MAXINSNS + 1))
    out["socket filter bad flags"] = _answer(lambda: _prog_load(backend, sf, 2, 1 << 30))
    for name in ("PROG", "MAP", "BTF", "LINK"):
        next_id = getattr(uapi, f"BPF_{name}_GET_NEXT_ID")
        by_id = getattr(uapi, f"BPF_{name}_GET_FD_BY_ID")
        out[f"{name} next id"] = _answer(lambda c=next_id: _command(backend, c, start_id=1 << 30))
        out[f"{name} next id INT_MAX"] = _answer(lambda c=next_id: _command(backend, c, start_id=0x7FFFFFFF))
        out[f"{name} fd by id"] = _answer(lambda c=by_id: _command(backend, c, start_id=0x7FFFFFF0))
        out[f"{name} fd by id bad flags"] = _answer(lambda c=by_id: _command(backend, c, open_flags=1 << 20))
    out["MAP fd by id rdonly|wronly"] = _answer(
        lambda: _command(
            backend,
            uapi.BPF_MAP_GET_FD_BY_ID,
            map_id=0x7FFFFFF0,
            open_flags=uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY,
        )
    )
    out["enable stats bad type"] = _answer(
        lambda: _command(backend, uapi.BPF_ENABLE_STATS, enable_stats__type=9)
    )
    out["task fd query flags"] = _answer(
        lambda: _command(backend, uapi.BPF_TASK_FD_QUERY, task_fd_query__flags=1)
    )
    out["prog query bad fd"] = _answer(
        lambda: _command(backend, uapi.BPF_PROG_QUERY, query__target_fd=0x7FFFFFF0)
    )
    out["prog query bad flags"] = _answer(
        lambda: _command(backend, uapi.BPF_PROG_QUERY, query__query_flags=0xFF)
    )
    out["btf load empty"] = _answer(lambda: _command(backend, uapi.BPF_BTF_LOAD))
    out["btf load bad flags"] = _answer(lambda: _command(backend, uapi.BPF_BTF_LOAD, btf_flags=2))
    return out


def _kernel(drop: tuple[int, ...]) -> dict[str, str]:
    result: dict[str, str] = run_without_caps(drop, lambda: _probes(NativeBackend()))
    return result


def _pybpf(drop: tuple[int, ...], sysctl: int) -> dict[str, str]:
    return _probes(UserBackend(Credentials(ROOT.caps - set(drop), sysctl)))


def _differences(kernel: dict[str, str], pybpf: dict[str, str]) -> list[str]:
    return [f"{k}: kernel {kernel[k]}, pybpf {pybpf[k]}" for k in kernel if kernel[k] != pybpf[k]]


@pytest.mark.parametrize("who", list(DROPS))
def test_syscall_permissions_system_sysctl(who: str) -> None:
    """``unprivileged_bpf_disabled`` as the system has it (2 on most: EPERM without CAP_BPF), and each
    command's own capability rule.  The sysctl is system-wide and a parallel run may open it
    meanwhile: pybpf is asked under the value in force before and after the kernel's answer."""
    for _ in range(3):
        before = credentials.system_unprivileged_bpf_disabled()
        kernel = _kernel(DROPS[who])
        if credentials.system_unprivileged_bpf_disabled() == before:
            break
    assert not _differences(kernel, _pybpf(DROPS[who], before))


@pytest.mark.parametrize("who", ["net_admin", "none"])
def test_syscall_permissions_sysctl_0(who: str) -> None:
    """``unprivileged_bpf_disabled`` = 0: the unprivileged map and program types, BPF_MAXINSNS."""
    with unprivileged_bpf_enabled():
        kernel = _kernel(DROPS[who])
    assert not _differences(kernel, _pybpf(DROPS[who], 0))


def test_probes_cover_the_rules() -> None:
    """pybpf alone (no kernel needed): the answers the probes are there to see."""
    nobody = _pybpf(DROPS["none"], 0)
    assert nobody["BPF_MAP_TYPE_ARRAY"] == "ok" and nobody["BPF_MAP_TYPE_LRU_HASH"] == "EPERM"
    assert nobody["BPF_PROG_TYPE_SOCKET_FILTER"] == "ok" and nobody["BPF_PROG_TYPE_XDP"] == "EPERM"
    assert nobody["socket filter 4097 insns"] == "E2BIG"
    assert _pybpf(DROPS["none"], 2)["BPF_MAP_TYPE_ARRAY"] == "EPERM"
    bpf = _pybpf(DROPS["bpf"], 2)
    assert bpf["BPF_MAP_TYPE_DEVMAP"] == "EPERM" and bpf["BPF_PROG_TYPE_KPROBE"] == "EPERM"
    assert bpf["PROG next id"] == "EPERM" and bpf["PROG next id INT_MAX"] == "EINVAL"


def _info_as_caller(backend: Backend) -> tuple[int, ...]:
    """Load a socket filter and read its info back, both as the caller: what the info shows."""
    fd = _prog_load(backend, uapi.BPF_PROG_TYPE_SOCKET_FILTER)
    info = uapi.bpf_prog_info()
    xlated = ctypes.create_string_buffer(64)
    info.xlated_prog_len, info.xlated_prog_insns = 64, ctypes.addressof(xlated)
    tags = ctypes.create_string_buffer(7 * 8)
    info.nr_prog_tags, info.prog_tags = 7, ctypes.addressof(tags)  # the caller's value comes back
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = fd, ctypes.sizeof(info), ctypes.addressof(info)
    try:
        backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    finally:
        os.close(fd)
    return (
        info.type, info.xlated_prog_len, info.jited_prog_len, info.nr_func_info, info.nr_line_info,
        info.nr_prog_tags, int(info.verified_insns > 0), xlated.raw.count(0),
    )  # fmt: skip


@pytest.mark.parametrize("who", ["none", "bpf"])
def test_prog_info_hides_code_without_cap_bpf(who: str) -> None:
    """``bpf_prog_get_info_by_fd``: without CAP_BPF no xlated or jited code, no records, and the
    fields after them as the caller passed them; with CAP_BPF the code."""
    with unprivileged_bpf_enabled():
        kernel = run_without_caps(DROPS[who], lambda: _info_as_caller(NativeBackend()))
    pybpf = _info_as_caller(UserBackend(Credentials(ROOT.caps - set(DROPS[who]), 0)))
    if who == "none":
        assert kernel == pybpf
        assert pybpf[1] == 0 and pybpf[5] == 7
    else:  # the jited image differs (pybpf's is its own): compare what does not depend on it
        assert kernel[:2] == pybpf[:2] and kernel[3:7] == pybpf[3:7]
        assert pybpf[1] == 16
