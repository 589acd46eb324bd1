"""The caller's credentials (pybpf.objects.credentials): parsing, the kernel's capability rules, the
per-call context, and tests/caps.py's less privileged child asking the kernel."""

from __future__ import annotations

import errno
import threading

import pytest

from pybpf import uapi
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.objects import credentials
from pybpf.objects.credentials import (
    CAP_BPF,
    CAP_NET_ADMIN,
    CAP_PERFMON,
    CAP_SYS_ADMIN,
    ROOT,
    Credentials,
    acting_as,
    current,
    parse_caps,
)
from tests.caps import run_without_caps


def test_parse_caps() -> None:
    assert parse_caps("all") == ROOT.caps
    assert parse_caps("none") == parse_caps("") == frozenset()
    assert parse_caps("bpf, CAP_NET_ADMIN,perfmon") == {CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON}
    with pytest.raises(ValueError, match="unknown capability 'bfp'"):
        parse_caps("bfp")


def test_sys_admin_stands_in_for_the_others() -> None:
    admin = Credentials(frozenset({CAP_SYS_ADMIN}), 2)
    assert admin.bpf_capable and admin.perfmon_capable and admin.net_admin_capable
    bpf_only = Credentials(frozenset({CAP_BPF}), 2)
    assert bpf_only.bpf_capable and bpf_only.bpf_allowed
    assert not (bpf_only.allow_ptr_leaks or bpf_only.bypass_spec_v1 or bpf_only.bypass_spec_v4)
    assert not bpf_only.token_capable(CAP_SYS_ADMIN)
    nobody = Credentials(frozenset(), 2)
    assert not nobody.bpf_allowed
    assert Credentials(frozenset(), 0).bpf_allowed


def test_current_follows_environment_and_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYBPF_CAPS", raising=False)
    assert current().caps == ROOT.caps
    monkeypatch.setenv("PYBPF_CAPS", "bpf")
    monkeypatch.setenv("PYBPF_UNPRIVILEGED_BPF_DISABLED", "0")
    assert current() == Credentials(frozenset({CAP_BPF}), 0)
    nobody = Credentials(frozenset(), 1)
    with acting_as(nobody):
        assert current() is nobody
        seen: list[Credentials] = []
        thread = threading.Thread(target=lambda: seen.append(current()))
        thread.start()
        thread.join()
        assert seen == [Credentials(frozenset({CAP_BPF}), 0)]  # another thread is not this context
    monkeypatch.setenv("PYBPF_UNPRIVILEGED_BPF_DISABLED", "7")
    with pytest.raises(ValueError, match="not 0, 1 or 2"):
        current()
    credentials._from_environment.cache_clear()


def test_user_backend_sets_the_caller() -> None:
    nobody = Credentials(frozenset(), 2)
    assert "credentials=" in repr(UserBackend(nobody))
    assert repr(UserBackend()) == "UserBackend()"


def _create_array() -> int:
    attr = uapi.bpf_attr()
    attr.map_type = uapi.BPF_MAP_TYPE_ARRAY
    attr.key_size, attr.value_size, attr.max_entries = 4, 4, 1
    fd = NativeBackend().bpf(uapi.BPF_MAP_CREATE, attr)
    return 0 if fd >= 0 else -1


def test_kernel_child_without_cap_bpf() -> None:
    """The child helper really drops capabilities: the kernel refuses bpf() without CAP_BPF while
    unprivileged bpf is disabled, and accepts it with CAP_BPF alone."""
    if credentials.system_unprivileged_bpf_disabled() == 0:
        pytest.skip("unprivileged bpf() is enabled on this system")
    with pytest.raises(OSError) as refused:
        run_without_caps((CAP_SYS_ADMIN, CAP_PERFMON, CAP_BPF), _create_array)
    assert refused.value.errno == errno.EPERM
    assert run_without_caps((CAP_SYS_ADMIN, CAP_PERFMON), _create_array) == 0
