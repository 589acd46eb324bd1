"""The test socket's identity helpers against the kernel (``pybpf.progtypes.skb_socket``): the same
program test-run through ``bpf()`` on pybpf (each engine) and on the kernel, what it read compared.

``bpf_prog_test_run_skb`` gives every skb a socket of its own: its cookie is new to each test run
(drawn from the kernel's counter on both sides, so the two values differ but each is stable within
its run), its uid 0, its cgroup the caller's."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import pytest

from pybpf import uapi
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.objects.cgroups import cgroup2_mount, current_ancestor_id
from pybpf.progtypes.skb import OFF
from tests.progtypes.net_diff import NetOutcome, compare_net, recording, run_on
from tests.progtypes.test_skb_support import IPV4_UDP, needs_kernel

pytestmark = [needs_kernel, pytest.mark.usefixtures("engine")]

TC = uapi.BPF_PROG_TYPE_SCHED_CLS
SKB_TYPES_WITH_COOKIE = (uapi.BPF_PROG_TYPE_SOCKET_FILTER, TC, uapi.BPF_PROG_TYPE_CGROUP_SKB)
COOKIE = "r1 = r6\ncall bpf_get_socket_cookie"
UID = "r1 = r6\ncall bpf_get_socket_uid"
U64 = (1 << 64) - 1
CGROUP_ID = "r1 = r6\ncall bpf_skb_cgroup_id"


def ancestor(level: int) -> str:
    return f"r1 = r6\nr2 = {level}\ncall bpf_skb_ancestor_cgroup_id"


def _without(outcome: NetOutcome, slots: tuple[int, ...]) -> NetOutcome:
    """``outcome`` with the recorded ``slots`` (the cookies) zeroed."""
    out = tuple(0 if slot in slots else value for slot, value in enumerate(outcome.out))
    return NetOutcome(outcome.load_errno, outcome.run_errno, outcome.retval, outcome.data_out,
                      outcome.ctx_out, out, outcome.reason)  # fmt: skip


@pytest.mark.parametrize("prog_type", SKB_TYPES_WITH_COOKIE)
def test_cookie_is_new_per_test_run_and_stable_within_it(prog_type: int) -> None:
    text = recording(COOKIE, UID, COOKIE)
    mine = run_on(UserBackend(), prog_type, text, IPV4_UDP, record=True, repeat=3)
    theirs = run_on(NativeBackend(), prog_type, text, IPV4_UDP, record=True, repeat=3)
    assert _without(mine, (0, 2)) == _without(theirs, (0, 2))
    for outcome in (mine, theirs):
        assert outcome.out[0] == outcome.out[2] != 0  # one socket for the run (and its repeats)
    again = run_on(UserBackend(), prog_type, text, IPV4_UDP, record=True)
    assert again.out[0] not in (0, mine.out[0], theirs.out[0])  # a new socket for each test run


def test_cookie_uid_and_cgroups_on_tc() -> None:
    levels = (0, 1, 2, 0xFFFF_FFFF, 0x8000_0000)
    text = recording(CGROUP_ID, UID, *map(ancestor, levels))
    outcome = compare_net(TC, text, IPV4_UDP, record=True)
    assert outcome.out[0] == current_ancestor_id() != 0
    assert outcome.out[2] == current_ancestor_id(0)  # the root
    assert outcome.out[5:7] == (0, 0)  # negative levels


@pytest.mark.parametrize("prog_type", (uapi.BPF_PROG_TYPE_CGROUP_SKB, uapi.BPF_PROG_TYPE_SOCKET_FILTER))
def test_uid_and_cgroup_on_other_skb_types(prog_type: int) -> None:
    snippets = [UID] + ([CGROUP_ID] if prog_type == uapi.BPF_PROG_TYPE_CGROUP_SKB else [])
    compare_net(prog_type, recording(*snippets), IPV4_UDP, record=True)


def assign(flags: int) -> str:
    """``bpf_sk_assign(skb, skb->sk, flags)`` (the test socket; r0 = 1 when there is none)."""
    call = f"r1 = r6\nr3 = {flags} ll\ncall bpf_sk_assign"
    return f"r0 = 1\nr2 = *(u64 *)(r6 + {OFF['sk']})\nif r2 == 0 goto +4\n{call}"


@pytest.mark.parametrize("prog_type", [TC, uapi.BPF_PROG_TYPE_SCHED_ACT])
def test_sk_assign_is_refused_off_tc_ingress(prog_type: int) -> None:
    """A test-run skb is never at tc ingress: -EOPNOTSUPP (flags checked first: -EINVAL)."""
    outcome = compare_net(prog_type, recording(assign(0), assign(1), assign(1 << 40)), IPV4_UDP, record=True)
    assert outcome.out[:2] == (-errno.EOPNOTSUPP & U64, -errno.EINVAL & U64)


_IN_CGROUP = """
import json, os, sys
with open(os.path.join(sys.argv[1], "cgroup.procs"), "w") as procs:
    procs.write(str(os.getpid()))
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend
from tests.progtypes.net_diff import recording, run_on
from tests.progtypes.test_skb_support import IPV4_UDP
text = recording(*sys.argv[2:])
outcomes = [run_on(backend, 3, text, IPV4_UDP, record=True) for backend in (UserBackend(), NativeBackend())]
print(json.dumps([list(outcome.out) for outcome in outcomes]))
"""


def test_cgroup_ids_from_a_nested_cgroup() -> None:
    """A process two cgroups below the root: its skb's cgroup and every ancestor level, on both."""
    mount = cgroup2_mount()
    if mount is None:
        pytest.skip("no cgroup v2 hierarchy")
    outer = os.path.join(mount, f"pybpf-test-{os.getpid()}")
    inner = os.path.join(outer, "inner")
    try:
        os.makedirs(inner)
    except OSError as exc:
        pytest.skip(f"cannot make cgroups: {exc}")
    ids = {"outer": os.stat(outer).st_ino, "inner": os.stat(inner).st_ino}
    try:
        snippets = [CGROUP_ID, *map(ancestor, (0, 1, 2, 3))]
        done = subprocess.run(
            [sys.executable, "-c", _IN_CGROUP, inner, *snippets], capture_output=True, text=True, check=False,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, timeout=120,
        )  # fmt: skip
    finally:
        os.rmdir(inner)
        os.rmdir(outer)
    assert done.returncode == 0, done.stderr
    mine, theirs = json.loads(done.stdout)
    assert mine == theirs
    assert mine[:5] == [ids["inner"], 1, ids["outer"], ids["inner"], 0]
