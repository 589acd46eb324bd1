"""Errors from Python as useful on the native backend as on the user one.

A refused ``Program.load`` / ``bpf_prog_load`` without a log is loaded again with one (libbpf's retry), so
the exception carries the verifier's reason and ``.log``; native errors name the bpf command.
"""

from __future__ import annotations

import errno

import pytest

from pybpf import BPFError, Map, Program, libbpf, uapi
from pybpf.errors import refusal_reason
from pybpf.kernel.backend import Backend
from pybpf.kernel.native import command_name
from pybpf.program import instructions_of

BAD_CTX_READ = "r0 = *(u64 *)(r1 + 8000)\nexit"


def test_a_refused_load_without_a_log_carries_the_reason(backend: Backend) -> None:
    with pytest.raises(BPFError) as caught:
        Program.load(BAD_CTX_READ, backend=backend)
    assert caught.value.errno == errno.EACCES
    assert "invalid bpf_context access off=8000 size=8" in str(caught.value)
    assert "invalid bpf_context access" in caught.value.log
    if backend.name == "native":
        assert str(caught.value).startswith("[Errno 13] BPF_PROG_LOAD: Permission denied: invalid")


def test_bpf_prog_load_without_opts_retries_with_a_log(backend: Backend) -> None:
    insns = instructions_of(BAD_CTX_READ, None)
    with pytest.raises(BPFError) as caught:
        libbpf.bpf_prog_load(
            uapi.BPF_PROG_TYPE_SOCKET_FILTER, "bad", "GPL", insns, len(insns), backend=backend
        )
    assert caught.value.errno == errno.EACCES
    assert "off=8000" in caught.value.log


def test_native_errors_name_the_command(backend: Backend) -> None:
    with pytest.raises(BPFError) as caught:
        Map.create(uapi.BPF_MAP_TYPE_HASH, 0, 4, 4, backend=backend)
    assert caught.value.errno == errno.EINVAL
    if backend.name == "native":
        assert "BPF_MAP_CREATE: Invalid argument" in str(caught.value)
        assert "cmd 0" not in str(caught.value)


def test_command_names_and_reasons() -> None:
    assert command_name(uapi.BPF_PROG_LOAD) == "BPF_PROG_LOAD"
    assert command_name(10_000) == "bpf cmd 10000"
    log = "0: (79) r0 = *(u64 *)(r1 +8000)\ninvalid bpf_context access off=8000 size=8\nprocessed 1 insns\n"
    assert refusal_reason(log) == "invalid bpf_context access off=8000 size=8"
    assert refusal_reason("") == ""
