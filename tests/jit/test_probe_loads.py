"""Probe loads: a load through an untrusted kernel pointer reads 0 where no memory is, on both engines.

The kernel turns the loads through untrusted ``PTR_TO_BTF_ID`` pointers (and untrusted memory) into
``BPF_PROBE_MEM`` loads (convert_ctx_accesses()): a fault leaves 0 in the destination and the program
goes on.  pybpf's verifier marks them (``VerifiedProgram.probe_loads``), and both engines read 0 there
from an address no region holds — there only: any other load still faults.  The programs here are raw
tracepoints calling a global function whose argument is ``__arg_untrusted`` (what the running
kernel's verifier turns into probe loads), with the argument taken from the test run's context, so the
kernel runs the same program: a user-space address reads 0 there too.
"""

from __future__ import annotations

import ctypes
import os
import struct

import pytest

from pybpf import Program, uapi
from pybpf.errors import MemoryAccessError
from pybpf.isa.asm import assemble
from pybpf.jit import JitProgram
from pybpf.kernel.backend import Backend
from pybpf.kernel.progobj import ProgObject
from pybpf.libbpf import ProgLoadOpts, bpf_prog_load
from pybpf.verifier import kernel_btf
from pybpf.vm import Interpreter
from tests.verifier import corpus_protos, refs_harness

UNMAPPED = 0x1000
"""An address no region holds (and, for the kernel, a user-space address: its probe load reads 0)."""
READS_THROUGH_ARGUMENT = """
    r1 = *(u64 *)(r1 + 0)
    call f
    r0 += 7
    exit
f:
    r0 = *(u32 *)(r1 + 0)
    r2 = *(s16 *)(r1 + 4)
    r0 += r2
    exit
"""
PROBES = {4, 5}  # the slots of f's two loads


def load_with_prototype(text: str, proto: str, backend: Backend) -> Program:
    """A raw tracepoint whose global function ``f`` has the prototype ``proto`` (its BTF and
    func_info loaded with it)."""
    insns = assemble(text, "kernel")
    starts = refs_harness.subprogram_starts(insns)
    raw = corpus_protos.btf_blob(len(starts), (proto,), global_subprogs=True)
    blob = ctypes.create_string_buffer(raw)
    attr = uapi.bpf_attr()
    attr.btf, attr.btf_size = ctypes.addressof(blob), len(raw)
    btf_fd = backend.bpf(uapi.BPF_BTF_LOAD, attr)
    try:
        records = refs_harness.func_info(starts)
        opts = ProgLoadOpts(
            prog_btf_fd=btf_fd, func_info_rec_size=8, func_info=bytearray(records), func_info_cnt=len(starts)
        )
        fd = bpf_prog_load(
            uapi.BPF_PROG_TYPE_RAW_TRACEPOINT, "probe", "GPL", insns, len(insns), opts, backend=backend
        )
    finally:
        os.close(btf_fd)
    return Program.from_fd(fd, backend=backend)


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize(
    "proto",
    ["int f1(struct task_struct *t __arg_untrusted)", "int f1(int *p __arg_untrusted)"],
    ids=["btf_id", "untrusted_mem"],
)
def test_a_load_through_an_untrusted_pointer_reads_zero_where_no_memory_is(
    proto: str, backend: Backend
) -> None:
    if kernel_btf.vmlinux_btf() is None:
        pytest.skip("no vmlinux BTF here: no kernel type for the argument")
    with load_with_prototype(READS_THROUGH_ARGUMENT, proto, backend) as prog:
        if backend.name == "user":
            assert set(ProgObject.from_fd(prog.fd).meta.probe_loads) == PROBES
        assert prog.run(ctx=struct.pack("<Q", UNMAPPED)).retval == 7


def probe_program(**kwargs: object) -> list[Interpreter | JitProgram]:
    text = "r1 = 0x1000\nr0 = *(u32 *)(r1 + 8)\nr2 = *(s8 *)(r1 + 0)\nr0 += r2\nr0 += 5\nexit"
    program = assemble(text)
    return [Interpreter(program, **kwargs), JitProgram(program, **kwargs)]  # type: ignore[arg-type]


def test_only_the_probe_loads_read_zero() -> None:
    for executable in probe_program(probe_loads={1, 2}):
        assert executable.run() == 5
    for executable in probe_program(probe_loads={1}):
        with pytest.raises(MemoryAccessError) as info:
            executable.run()
        assert info.value.pc == 2  # the load that is not a probe load faults, as before
    for executable in probe_program():
        with pytest.raises(MemoryAccessError) as info:
            executable.run()
        assert info.value.pc == 1


def test_a_probe_load_of_memory_reads_it() -> None:
    program = assemble("r0 = *(u32 *)(r1 + 4)\nr2 = *(u8 *)(r1 + 0)\nr0 += r2\nexit")
    data = bytearray(struct.pack("<II", 3, 40))
    for executable in (Interpreter(program, probe_loads={0, 1}), JitProgram(program, probe_loads={0, 1})):
        assert executable.run(data) == 43
        assert executable.run(data, trace=lambda event: None) == 43  # stepped, as traced runs are
