"""What the running kernel's build leaves out of its release, for the tests that compare pybpf with it.

Builds of one release differ (``tests.kernel_releases`` covers the releases): a vendor or sandbox
tree may take a helper away from a program type -- the 6.18.44 build ``6.18.44-fc-v1300`` refuses
``bpf_xdp_adjust_meta`` to XDP programs ("program of this type cannot use helper"), which upstream
6.18's ``xdp_func_proto`` (net/core/filter.c) hands out, and bpftool's feature probe still reports
as available.  pybpf keeps upstream's answer.  A differential test asks :func:`refused_helpers` which
of the helpers its program calls the running build refuses where the modelled release allows them,
and leaves that program out with the reason this module words: no build has to be named in a test.

A build (or the sandbox it runs in) may also refuse a test run the release performs: the same build
answers EPERM to every ``BPF_F_TEST_XDP_LIVE_FRAMES`` run (:func:`build_refuses_xdp_live_frames`).

Each (program type, helper) is probed once per process: a three-instruction program calling the
helper is loaded on the kernel and on pybpf, and only the kernel's "cannot use helper" refusal
(the check made before any argument's) where pybpf gets past it counts.
"""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Iterable, Sequence
from functools import cache

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.disasm import format_instruction
from pybpf.isa.instruction import Instruction, encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kernel_version import KERNEL_VERSION
from pybpf.program import Program, instructions_of, prog_type_number

BUILD = os.uname().release
"""The running kernel's build (``uname -r``)."""

_CANNOT_USE = "cannot use helper"
"""The verifier's refusal of a helper the program type's func_proto does not hand out."""

_CALL = 0x85  # BPF_JMP | BPF_CALL; src 0: a helper, by id in imm


def _probe_refuses(backend: Backend, prog_type: int, expected_attach_type: int, helper_id: int) -> bool:
    """Whether loading ``call helper_id; r0 = 0; exit`` as ``prog_type`` through ``backend`` is
    refused because the program type may not call the helper."""
    code = encode_program([Instruction(_CALL, imm=helper_id), *assemble("r0 = 0\nexit", "kernel")])
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(1 << 16)
    attr = uapi.bpf_attr()
    attr.prog_type, attr.expected_attach_type = prog_type, expected_attach_type
    attr.insns, attr.insn_cnt = ctypes.addressof(insns), len(code) // 8
    attr.license = ctypes.addressof(lic)
    attr.log_level, attr.log_size, attr.log_buf = 1, len(log), ctypes.addressof(log)
    try:
        os.close(backend.bpf(uapi.BPF_PROG_LOAD, attr))
    except BPFError:
        return _CANNOT_USE in log.value.decode(errors="replace")
    return False


@cache
def build_refuses_helper(prog_type: int, helper_id: int, expected_attach_type: int = 0) -> bool:
    """Whether the running build refuses ``helper_id`` to programs of ``prog_type`` where the release
    pybpf models allows it (False where the real bpf(2) is unavailable)."""
    if not kernel_bpf_available():
        return False
    kernel = _probe_refuses(NativeBackend(), prog_type, expected_attach_type, helper_id)
    return kernel and not _probe_refuses(UserBackend(), prog_type, expected_attach_type, helper_id)


def refused_helpers(prog_type: int, insns: Iterable[Instruction], expected_attach_type: int = 0) -> str:
    """Why the running build cannot answer for a program of ``prog_type`` made of ``insns``: the
    helpers it calls that the build refuses and Linux ``KERNEL_VERSION`` allows ("" when none)."""
    refused = sorted(
        {
            format_instruction(insn, "kernel").removeprefix("call ")
            for insn in insns
            if insn.opcode == _CALL
            and insn.src == 0
            and build_refuses_helper(prog_type, insn.imm, expected_attach_type)
        }
    )
    if not refused:
        return ""
    return (
        f"the running kernel build {BUILD} refuses {', '.join(refused)} to this program type, "
        f"which Linux {KERNEL_VERSION} allows (tests/kernel_build.py)"
    )


def refused_in(source: str | Sequence[Instruction], prog_type: int | str, maps: Iterable[str] = ()) -> str:
    """:func:`refused_helpers` of a program given as assembly text (naming the maps ``maps``) or
    instructions, ``prog_type`` a number or a ``Program.load`` name such as ``"xdp"``."""
    insns = instructions_of(source, dict.fromkeys(maps, 0)) if isinstance(source, str) else source
    return refused_helpers(prog_type_number(prog_type), insns)


def _live_frames_refused(backend: Backend) -> bool:
    """Whether ``backend`` refuses a live-frames test run of an XDP_PASS program with EPERM."""
    with Program.load("r0 = 2\nexit", "xdp", backend=backend) as prog:
        try:
            prog.run(bytes(64), flags=uapi.BPF_F_TEST_XDP_LIVE_FRAMES, repeat=1)
        except BPFError as error:
            return error.errno == errno.EPERM
    return False


@cache
def build_refuses_xdp_live_frames() -> bool:
    """Whether the running kernel refuses (EPERM) the ``BPF_F_TEST_XDP_LIVE_FRAMES`` test runs the
    release pybpf models performs (False where the real bpf(2) is unavailable)."""
    if not kernel_bpf_available():
        return False
    return _live_frames_refused(NativeBackend()) and not _live_frames_refused(UserBackend())
