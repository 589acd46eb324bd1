"""The helper calls the verifier inlines (do_misc_fixups(), Linux 6.18 x86-64 with the JIT on), on
pybpf and on the kernel: the xlated program (BPF_OBJ_GET_INFO_BY_FD's ``xlated_prog_insns``) and
what running the inlined form returns.

Addresses differ by nature: the kernel's xlated program shows its own ``&jiffies`` and the offsets of
its helper functions from ``__bpf_call_base`` where pybpf shows ``JIFFIES_ADDRESS`` and helper ids,
so the comparison replaces the inlined address and every helper call's immediate by a marker.  A
bpf-to-bpf call is compared by its target: the kernel's JIT (jit_subprogs()) leaves the relative
offset in ``off`` and the subprogram's index in ``imm``, pybpf keeps the offset in ``imm``.  The
kernel half is skipped where bpf(2) is unavailable.
"""

from __future__ import annotations

import time

import pytest

from pybpf import Program
from pybpf.helpers.basic import JIFFIES_ADDRESS, jiffies_now
from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kernel.prog_run import ENGINE_VARIABLE, JIFFIES, ProgRuntime
from pybpf.kernel.progobj import ProgObject
from pybpf.kernel_version import KERNEL_VERSION
from tests.kernel_releases import RUNNING_RELEASE

KERNEL_IMAGE = 0xFFFF_FFFF_8000_0000
"""Where x86-64 maps the kernel image (``__START_KERNEL_map``): the kernel's ``&jiffies`` is above."""
LDX_DW = op.BPF_LDX | op.BPF_MEM | op.BPF_DW
CALL = op.BPF_JMP | op.BPF_CALL

JIFFIES_PROGRAMS = {
    "alone": "call bpf_jiffies64\nexit",
    "after a branch over it": """
        call bpf_get_prandom_u32
        if r0 == 0 goto out
        call bpf_jiffies64
        r0 >>= 4
    out:
        exit
    """,
    "twice, with a jump across": """
        call bpf_jiffies64
        r6 = r0
        if r6 == 0 goto out
        call bpf_jiffies64
        r0 -= r6
    out:
        exit
    """,
    "in a subprogram": """
        call sub
        r0 &= 0
        exit
    sub:
        call bpf_jiffies64
        exit
    """,
    "beside another helper": "call bpf_get_prandom_u32\nr6 = r0\ncall bpf_jiffies64\nr0 += r6\nexit",
}


def kernel() -> NativeBackend:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    return NativeBackend()


def xlated(source: str, backend: Backend, prog_type: str = "socket_filter") -> list[Instruction]:
    with Program.load(source, prog_type, backend=backend) as program:
        return program.xlated()


def normalised(insns: list[Instruction], *, kernel_calls: bool) -> list[Instruction]:
    """``insns`` with the inlined ``&jiffies`` and the helper calls' immediates replaced by 0 (each
    side's own addresses), a bpf-to-bpf call's target slot in its ``imm`` (``kernel_calls``: its
    offset is in ``off``); the ``&jiffies`` must be a kernel image address."""
    out = []
    slot = 0
    for i, insn in enumerate(insns):
        slot += insn.slots
        if insn.opcode == CALL and insn.src == op.BPF_PSEUDO_CALL:
            target = slot + (insn.off if kernel_calls else insn.imm)
            out.append(Instruction(CALL, 0, op.BPF_PSEUDO_CALL, 0, target))
        elif insn.is_lddw and i + 1 < len(insns) and insns[i + 1] == Instruction(LDX_DW, insn.dst, insn.dst):
            assert insn.src == 0 and insn.imm64 >= KERNEL_IMAGE, insn
            out.append(Instruction.lddw(insn.dst, 0))
        elif insn.opcode == CALL and insn.src == 0:
            out.append(Instruction(CALL))
        else:
            out.append(insn)
    return out


def has_helper_call(insns: list[Instruction], helper_id: int) -> bool:
    return any(insn.opcode == CALL and insn.src == 0 and insn.imm == helper_id for insn in insns)


@pytest.mark.parametrize("name", JIFFIES_PROGRAMS)
def test_jiffies64_inlined_as_the_kernel_inlines_it(name: str) -> None:
    source = JIFFIES_PROGRAMS[name]
    mine = xlated(source, UserBackend())
    assert not has_helper_call(mine, 118)
    loads = [i for i, insn in enumerate(mine) if insn == Instruction.lddw(0, JIFFIES_ADDRESS)]
    assert loads and all(mine[i + 1] == Instruction(LDX_DW, 0, 0) for i in loads)
    assert normalised(mine, kernel_calls=False) == normalised(xlated(source, kernel()), kernel_calls=True)


@pytest.fixture(params=("interpreter", "jit", "auto"))
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    name: str = request.param
    monkeypatch.setenv(ENGINE_VARIABLE, name)
    return name


@pytest.mark.usefixtures("engine")
def test_the_inlined_load_reads_jiffies_on_every_engine() -> None:
    """The engines run the xlated form (a load from this process's ``jiffies``), which each run
    refreshes: it reads what bpf_jiffies64 returns, and time moves between runs."""
    tick_s = time.clock_getres(6)  # CLOCK_MONOTONIC_COARSE
    source = "call bpf_jiffies64\nr0 >>= 1\nexit"
    with Program.load(source, "socket_filter", backend=UserBackend()) as program:
        runtime = ProgRuntime.of(ProgObject.from_fd(program.fd))
        assert runtime.reads_jiffies
        before = jiffies_now() >> 1
        first = program.run(bytes(64)).retval
        after = jiffies_now() >> 1
        assert before & 0xFFFF_FFFF <= first <= after & 0xFFFF_FFFF
        time.sleep(4 * tick_s)
        assert program.run(bytes(64)).retval > first
    assert JIFFIES.address != JIFFIES_ADDRESS  # the xlated address is no user memory


@pytest.mark.usefixtures("engine")
def test_two_inlined_reads_in_one_run_agree_with_the_kernel() -> None:
    source = JIFFIES_PROGRAMS["twice, with a jump across"]
    with Program.load(source, "socket_filter", backend=UserBackend()) as program:
        assert program.run(bytes(64)).retval in (0, 1)
    with Program.load(source, "socket_filter", backend=kernel()) as program:
        assert program.run(bytes(64)).retval in (0, 1)


NOT_INLINED = {
    "bpf_get_current_task": ("kprobe", "call bpf_get_current_task\nr0 = 0\nexit", 35),
    "bpf_get_current_task_btf": ("kprobe", "call bpf_get_current_task_btf\nr0 = 0\nexit", 158),
    "bpf_ktime_get_ns": ("socket_filter", "call bpf_ktime_get_ns\nexit", 5),
}
"""Helpers whose calls Linux 6.18 leaves as calls (bpf_get_current_task(_btf) is inlined from 6.19)."""


@pytest.mark.parametrize("name", NOT_INLINED)
def test_calls_6_18_keeps(name: str) -> None:
    prog_type, source, helper_id = NOT_INLINED[name]
    mine = xlated(source, UserBackend(), prog_type)
    assert has_helper_call(mine, helper_id)
    if (RUNNING_RELEASE.major, RUNNING_RELEASE.minor) != (KERNEL_VERSION.major, KERNEL_VERSION.minor):
        pytest.skip(f"the running kernel is {RUNNING_RELEASE}, not the {KERNEL_VERSION} pybpf models")
    assert normalised(mine, kernel_calls=False) == normalised(
        xlated(source, kernel(), prog_type), kernel_calls=True
    )
