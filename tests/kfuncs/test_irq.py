"""bpf_local_irq_save / bpf_local_irq_restore at run time (``pybpf.kfuncs.irq``), on each engine and
against the kernel.

The verifier's side (the flag slot, the order of the regions, what may happen inside one) is the
``selftests_irq`` theme of the verifier corpus, labelled by the kernel.  Here: what the save stores,
and that programs with regions run on both engines as on the kernel (BPF_PROG_TEST_RUN of XDP and
tc programs): the regions change no register the program keeps and no stack byte but the flag's.
"""

from __future__ import annotations

import pytest

import pybpf
from pybpf.helpers.context import HelperContext
from pybpf.helpers.trace_pipe import TracePipe
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs import irq
from pybpf.kfuncs.proto import ArgKind, RetKind
from pybpf.kfuncs.table import BY_NAME
from pybpf.memory.regions import Memory
from tests.verifier import verifier_corpus as vc


def test_the_save_stores_interrupts_enabled_in_the_whole_slot() -> None:
    memory = Memory()
    region = memory.add_buffer(24)
    slot = region.start + 8
    memory.store(slot, 8, 0xFFFF_FFFF_FFFF_FFFF)
    ctx = HelperContext(memory, TracePipe())
    assert irq.local_irq_save(ctx, slot, 0, 0, 0, 0) == 0
    assert memory.load(slot, 8) == irq.SAVED_FLAGS == irq.X86_EFLAGS_IF
    assert memory.read(region.start, 8) == bytes(8) and memory.read(slot + 8, 8) == bytes(8)
    assert BY_NAME[irq.LOCAL_IRQ_RESTORE].impl(ctx, slot, 0, 0, 0, 0) == 0
    assert memory.load(slot, 8) == irq.SAVED_FLAGS  # the restore changes nothing


@pytest.mark.parametrize("name", [irq.LOCAL_IRQ_SAVE, irq.LOCAL_IRQ_RESTORE])
def test_both_kfuncs_take_one_irq_flag_and_return_nothing_in_every_program_type(name: str) -> None:
    kfunc = BY_NAME[name]
    assert [arg.kind for arg in kfunc.args] == [ArgKind.IRQ_FLAG]
    assert kfunc.args[0].name.endswith("__irq_flag") and kfunc.ret is RetKind.VOID
    assert kfunc.prog_types is None and not kfunc.flags  # common_btf_ids, no KF_* flags


# Each program keeps values in r6-r9 and on the stack around the regions and returns what it kept.
PROGRAMS = {
    "one_region": (
        """
    r6 = 7
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r6 += 3
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = r6
    exit
""",
        10,
    ),
    "nested_around_stack_data": (
        """
    r1 = 0x1122334455667788 ll
    *(u64 *)(r10 - 16) = r1
    r7 = 5
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -24
    call kfunc(bpf_local_irq_save)
    r8 = *(u64 *)(r10 - 16)
    r1 = r10
    r1 += -24
    call kfunc(bpf_local_irq_restore)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r8 >>= 56
    r0 = r8
    r0 += r7
    exit
""",
        0x11 + 5,
    ),
    "in_a_subprogram_and_a_loop": (
        """
    r9 = 0
    r6 = 0
loop:
    r1 = r10
    r1 += -8
    call f
    r9 += r0
    r6 += 1
    if r6 < 3 goto loop
    r0 = r9
    exit
f:
    r7 = r1
    call kfunc(bpf_local_irq_save)
    r1 = r7
    call kfunc(bpf_local_irq_restore)
    r0 = 4
    exit
""",
        12,
    ),
}


def run(source: str, prog_type: str, backend: Backend) -> int:
    with pybpf.Program.load(vc.resolve_kfuncs(source), prog_type, backend=backend) as prog:
        return prog.run(bytes(64)).retval


@pytest.mark.usefixtures("engine")  # each program runs on each engine (tests/conftest.py)
@pytest.mark.parametrize("prog_type", ["xdp", "sched_cls"])
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_programs_with_regions_run_as_on_the_kernel(name: str, prog_type: str) -> None:
    source, answer = PROGRAMS[name]
    ours = run(source, prog_type, UserBackend())
    assert ours == answer
    if kernel_bpf_available():
        assert run(source, prog_type, NativeBackend()) == ours
