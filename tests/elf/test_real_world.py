"""Real-world-style tracing and networking objects (tests/data/c/real_*.c) on the kernel and on pybpf.

The objects are written in the style of libbpf-tools/BCC, XDP firewalls and Cilium/Katran-like
parsers and built by clang against a vmlinux.h generated from the running kernel's BTF
(``make -C tests/data/c``).  Each program is loaded through pybpf's libbpf-style loader on the native
backend (the kernel's verifier) and on the user backend, CO-RE relocated against the running
kernel's BTF on both: the verdict (errno and the log's last line) must be the same and, for a program
both accept, so must the number of processed instructions (``verified_insns``).  The programs that
BPF_PROG_TEST_RUN can run are run on both backends by tests/elf/test_differential.py.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
from pathlib import Path

import pytest

from pybpf import uapi
from pybpf.elf import ObjectSpec, PinType, read_object
from pybpf.elf.loader import LoadOptions, ProgramLoadError, load_spec
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.object import VMLINUX_BTF, target_btf
from tests.elf.corpus import REAL_WORLD_GAPS
from tests.verifier import verifier_corpus as vc
from tests.verifier.test_corpus_log import object_log
from tests.verifier.test_stats_agreement import object_stats

OBJECTS = sorted(p.name for p in vc.C_OBJECTS.glob("real_*.o"))
PROGRAMS = [(obj, name) for obj in OBJECTS for name in sorted(read_object(str(vc.C_OBJECTS / obj)).programs)]
LOADED_ALIKE = [
    (obj, name)
    for obj, name in PROGRAMS
    if f"{obj}/{name}" not in REAL_WORLD_GAPS and obj not in REAL_WORLD_GAPS
]
LOG_GAPS: dict[str, str] = {}
"""Programs whose level-2 log is not the kernel's line for line (strict xfails), with the first difference."""

needs_kernel = pytest.mark.skipif(
    not kernel_bpf_available() or not os.path.exists(VMLINUX_BTF),
    reason="needs the real bpf(2) and the running kernel's BTF",
)


TRAMPOLINE_ATTACH = (uapi.BPF_TRACE_FENTRY, uapi.BPF_TRACE_FEXIT, uapi.BPF_MODIFY_RETURN, uapi.BPF_LSM_MAC)


def skip_trampolines_refused(obj: str, program: str) -> None:
    """Skip a program run from a BPF trampoline (fentry, fexit, fmod_ret, LSM) where the kernel refuses
    them all with EPERM before verifying, for a reason of its environment (lockdown, on the machine
    pybpf is measured on): an empty log whatever the program, so nothing to compare."""
    skip_trampolines_refused_spec(read_object(str(vc.C_OBJECTS / obj)), program)


def skip_trampolines_refused_spec(spec: ObjectSpec, program: str) -> None:
    """``skip_trampolines_refused`` for a program of an object already read."""
    if spec.programs[program].expected_attach_type in TRAMPOLINE_ATTACH and trampolines_refused():
        pytest.skip("this kernel refuses fentry/fexit/fmod_ret/LSM programs with EPERM before verifying")


@functools.cache
def trampolines_refused() -> bool:
    """Whether the kernel refuses a trivial fentry program on bpf_fentry_test1 with EPERM."""
    from pybpf.btf.kinds import Kind
    from pybpf.isa.asm import assemble
    from pybpf.isa.instruction import encode_program

    btf = target_btf()
    if btf is None:
        return False
    code = encode_program(assemble("r0 = 0\nexit\n", "kernel"))
    insns, lic = ctypes.create_string_buffer(code, len(code)), ctypes.create_string_buffer(b"GPL")
    attr = uapi.bpf_attr()
    attr.prog_type, attr.expected_attach_type = uapi.BPF_PROG_TYPE_TRACING, uapi.BPF_TRACE_FENTRY
    attr.insns, attr.insn_cnt, attr.license = ctypes.addressof(insns), len(code) // 8, ctypes.addressof(lic)
    attr.attach_btf_id = btf.find("bpf_fentry_test1", Kind.FUNC)
    try:
        os.close(NativeBackend().bpf(uapi.BPF_PROG_LOAD, attr))
    except BPFError as exc:
        return exc.errno == errno.EPERM
    return False


def verified_insns(backend: Backend, fd: int) -> int:
    """``bpf_prog_info.verified_insns`` of the program ``fd``."""
    info = uapi.bpf_prog_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = fd, ctypes.sizeof(info), ctypes.addressof(info)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return int(info.verified_insns)


def outcome(obj: str, program: str, backend: Backend) -> tuple[str, str, int]:
    """(errno name, reason, processed instructions) of loading one program of ``obj``."""
    return object_outcome(vc.C_OBJECTS / obj, program, backend)


def object_outcome(path: Path, program: str, backend: Backend) -> tuple[str, str, int]:
    """``outcome`` for the object at ``path``."""
    spec = read_object(str(path))
    for m in spec.maps.values():
        m.pinning = PinType.NONE
    options = LoadOptions(programs=frozenset({program}), target_btf=target_btf)
    try:
        loaded = load_spec(spec, backend, options)
    except ProgramLoadError as exc:
        return vc.errno_name(exc.errno or 0), vc.reason(exc.raw_log), 0
    except BPFError as exc:
        return vc.errno_name(exc.errno or 0), f"(object) {exc}".splitlines()[0], 0
    try:
        return "", "", verified_insns(backend, loaded.programs[program])
    finally:
        loaded.close()


def test_the_real_world_objects_are_there() -> None:
    """About twenty objects, built against vmlinux.h, with more than forty programs between them."""
    assert len(OBJECTS) >= 20
    assert len(PROGRAMS) >= 40
    assert all(vc.built_against_vmlinux(obj) for obj in OBJECTS)


@needs_kernel
@pytest.mark.parametrize(("obj", "program"), PROGRAMS, ids=[f"{o[:-2]}/{p}" for o, p in PROGRAMS])
def test_same_verdict_and_processed_insns_as_the_kernel(obj: str, program: str) -> None:
    skip_trampolines_refused(obj, program)
    kernel = outcome(obj, program, NativeBackend())
    pybpf = outcome(obj, program, UserBackend())
    gap = REAL_WORLD_GAPS.get(f"{obj}/{program}") or REAL_WORLD_GAPS.get(obj)
    if gap:
        assert pybpf[0] != kernel[0], f"{obj}/{program} loads as on the kernel: drop it from REAL_WORLD_GAPS"
        pytest.xfail(gap)
    assert pybpf == kernel


@needs_kernel
@pytest.mark.parametrize(("obj", "program"), LOADED_ALIKE, ids=[f"{o[:-2]}/{p}" for o, p in LOADED_ALIKE])
def test_statistics_line_as_the_kernels(obj: str, program: str) -> None:
    """processed insns, max_states_per_insn, total_states and peak_states, with the real vmlinux BTF."""
    skip_trampolines_refused(obj, program)
    ours = object_stats(obj[:-2], program, UserBackend())
    assert ours and ours == object_stats(obj[:-2], program, NativeBackend())


def _log_case(obj: str, program: str) -> object:
    key = f"{obj}/{program}"
    marks = [pytest.mark.xfail(strict=True, reason=LOG_GAPS[key])] if key in LOG_GAPS else []
    return pytest.param(obj, program, marks=marks, id=f"{obj[:-2]}/{program}")


@needs_kernel
@pytest.mark.parametrize(("obj", "program"), [_log_case(o, p) for o, p in LOADED_ALIKE])
def test_level2_log_as_the_kernels(obj: str, program: str) -> None:
    skip_trampolines_refused(obj, program)
    theirs = object_log(obj[:-2], program, NativeBackend())
    assert theirs
    assert object_log(obj[:-2], program, UserBackend()) == theirs
