"""Run results of the small kfuncs (``pybpf.kfuncs.trigger_tp``, ``keys``, ``session``), on both
backends where the kernel can answer.

* bpf_modify_return_test_tp(nonce) returns ``nonce`` as an int (zero-extended in r0).
* Key lookups that find no key are NULL on both: a system keyring id the kernel does not know, a
  user key serial nobody has.  (A known system keyring id, 0, is a key in the kernel and NULL in
  pybpf, which has no keyrings: not compared.)
* The session kfuncs' verdicts are the corpus theme ``session.asm``'s; their run results are
  pybpf's own (the kernel runs kprobe programs only from probes): an entry run, a zeroed cookie
  the program may write and read back.
"""

from __future__ import annotations

import pytest

import pybpf
from pybpf import uapi
from pybpf.helpers.context import HelperContext, RunEnv
from pybpf.helpers.trace_pipe import TRACE_PIPE
from pybpf.kernel.backend import Backend
from pybpf.kfuncs import session
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.memory.regions import Memory

pytestmark = pytest.mark.usefixtures("engine")  # every program runs on each engine (tests/conftest.py)


def _id(name: str) -> int:
    found = kernel_btf().func_id(name)
    assert found is not None, name
    return found


def _run(backend: Backend, src: str) -> int:
    with pybpf.Program.load(src, "syscall", prog_flags=uapi.BPF_F_SLEEPABLE, backend=backend) as prog:
        return prog.run(ctx=b"").retval


@pytest.mark.parametrize("nonce", [0, 5, -3, 0x7FFF_FFFF, -(2**31)])
def test_modify_return_test_tp(backend: Backend, nonce: int) -> None:
    call = f"r1 = {nonce}\ncall kfunc({_id('bpf_modify_return_test_tp')})\n"
    assert _run(backend, call + "exit") == nonce & 0xFFFF_FFFF
    assert _run(backend, call + "r0 >>= 32\nexit") == 0


@pytest.mark.parametrize(
    "lookup",
    [
        "r1 = 12345\ncall kfunc(bpf_lookup_system_key)",
        "r1 = 0x7ffffff0\nr2 = 0\ncall kfunc(bpf_lookup_user_key)",
    ],
)
def test_key_lookups_find_nothing(backend: Backend, lookup: str) -> None:
    for name in ("bpf_lookup_system_key", "bpf_lookup_user_key"):
        lookup = lookup.replace(f"kfunc({name})", f"kfunc({_id(name)})")
    put = f"r1 = r0\ncall kfunc({_id('bpf_key_put')})"
    src = f"{lookup}\nif r0 == 0 goto none\n{put}\nr0 = 1\nexit\nnone:\nr0 = 2\nexit"
    assert _run(backend, src) == 2


def test_session_cookie_is_a_per_run_slot() -> None:
    memory = Memory()
    env = RunEnv()
    ctx = HelperContext(memory, TRACE_PIPE, env=env)
    address = session.session_cookie(ctx, 0, 0, 0, 0, 0)
    assert address and memory.load(address, 8) == 0
    memory.store(address, 8, 0x1122334455667788)
    assert session.session_cookie(ctx, 0, 0, 0, 0, 0) == address  # the same slot for the run
    assert memory.load(address, 8) == 0x1122334455667788
    other = session.session_cookie(HelperContext(memory, TRACE_PIPE, env=RunEnv()), 0, 0, 0, 0, 0)
    assert other != address and memory.load(other, 8) == 0  # another run: its own zeroed slot
