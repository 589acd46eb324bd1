"""The verifier's Spectre v1/v4 sanitation for a loader without CAP_PERFMON, against the kernel.

A loader lacking CAP_PERFMON and CAP_SYS_ADMIN (CAP_BPF kept) loads with ``bypass_spec_v1`` and
``bypass_spec_v4`` false: pointer arithmetic is sanitized (``pybpf.verifier.sanitize``), the way a
known branch does not take and the instruction after a masked offset are verified as speculative
paths, stack writes get Spectre v4 barriers.  Each program here is loaded by the kernel in a child
process lacking those capabilities (``tests.caps.run_without_caps``; skipped without root or bpf(2))
and by pybpf as ``UserBackend(credentials=Credentials(ROOT.caps - {SYS_ADMIN, PERFMON}))``, at log
level 2: the same errno, final message, statistics line (processed instructions, states) and log
line for line, the lddw immediates included (a map pointer printed as 0x0 to a loader without
``allow_ptr_leaks``).

Release notes (tests/kernel_releases.py): the nospec fallback of speculative errors is Linux 6.17+
("Fall back to nospec for Spectre v1"); 6.12 refuses those programs.  pybpf models 6.18, so the
differential part runs where the running kernel is 6.17 or later.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct

import pytest

from pybpf import uapi
from pybpf.isa import Instruction, decode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.kernel_version import KERNEL_VERSION, KernelVersion
from pybpf.objects.credentials import CAP_PERFMON, CAP_SYS_ADMIN, ROOT, Credentials
from tests.caps import run_without_caps
from tests.kernel_releases import RUNNING_RELEASE, ByRelease, Since
from tests.verifier import verifier_corpus as vc

DROP = frozenset({CAP_SYS_ADMIN, CAP_PERFMON})
UNPRIV = Credentials(ROOT.caps - DROP)
NOSPEC_FALLBACK = ByRelease(False, [Since(KernelVersion(6, 17), True)])
"""Whether an error on a speculative path becomes a barrier (else the program is refused)."""

_LOOKUP = """
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call 1
    if r0 == 0 goto out
"""
ARRAY8 = "m=array(4,8,4)"
ARRAY16 = "m=array(4,16,4)"

CASES: dict[str, tuple[str, str]] = {
    "map_value_bounded_offset": (
        _LOOKUP + "r1 = *(u32 *)(r0 + 0)\nif r1 > 7 goto out\nr0 += r1\nr0 = *(u8 *)(r0 + 0)\n"
        "out:\nr0 = 0\nexit",
        ARRAY8,
    ),
    "map_value_mixed_signed_offset": (
        _LOOKUP + "r1 = *(u64 *)(r0 + 0)\nif r1 s> 4 goto out\nif r1 s< -4 goto out\nr0 += r1\n"
        "out:\nr0 = 0\nexit",
        ARRAY8,
    ),
    "map_value_negative_offset_out_of_value": (
        _LOOKUP + "r0 += 7\nr1 = *(u64 *)(r0 + 0)\nif r1 s> -1 goto out\nif r1 s< -4 goto out\n"
        "r0 += r1\nr0 = *(u8 *)(r0 + 0)\nout:\nr0 = 0\nexit",
        ARRAY16,
    ),
    "map_value_negative_offset": (
        _LOOKUP + "r0 += 7\nr1 = *(u32 *)(r0 + 0)\nif r1 > 4 goto out\nr2 = 0\nr2 -= r1\n"
        "r0 += r2\nr0 = *(u8 *)(r0 + 0)\nout:\nr0 = 0\nexit",
        ARRAY16,
    ),
    "map_value_sub_offset": (
        _LOOKUP + "r0 += 8\nr1 = *(u32 *)(r0 + 0)\nif r1 > 7 goto out\nr0 -= r1\nr0 = *(u8 *)(r0 + 0)\n"
        "out:\nr0 = 0\nexit",
        ARRAY16,
    ),
    "map_value_sub_offset_past_start": (
        _LOOKUP + "r0 += 4\nr1 = *(u32 *)(r0 + 0)\nif r1 > 7 goto out\nr0 -= r1\nr0 = *(u8 *)(r0 + 0)\n"
        "out:\nr0 = 0\nexit",
        ARRAY16,
    ),
    "map_value_constant_register": (
        _LOOKUP + "r1 = 4\nr0 += r1\nr0 = *(u8 *)(r0 + 0)\nout:\nr0 = 0\nexit",
        ARRAY8,
    ),
    "map_value_constant_register_past_end": (
        _LOOKUP + "r1 = 8\nr0 += r1\nr0 = 0\nout:\nr0 = 0\nexit",
        ARRAY8,
    ),
    "map_value_immediate_past_end": (_LOOKUP + "r0 += 9\nr0 = 0\nout:\nr0 = 0\nexit", ARRAY8),
    "map_value_unbounded_offset": (
        _LOOKUP + "r1 = *(u32 *)(r0 + 0)\nr0 += r1\nr0 = 0\nout:\nr0 = 0\nexit",
        ARRAY8,
    ),
    "scalar_plus_map_pointer": ("r1 = 0\nr0 = map_fd(m) ll\nr1 += r0\nr0 = 0\nexit", ARRAY8),
    "map_pointer_plus_scalar": ("r1 = 0\nr0 = map_fd(m) ll\nr0 += r1\nr0 = 0\nexit", ARRAY8),
    "mixed_scalar_plus_stack_pointer": (
        "r1 = *(u32 *)(r1 + 0)\nr1 -= 4\nr2 = r10\nr2 += -64\nr1 += r2\nr0 = 0\nexit",
        "",
    ),
    "scalar_plus_map_value": (
        _LOOKUP + "r1 = *(u32 *)(r0 + 0)\nif r1 > 7 goto out\nr1 += r0\nr0 = *(u8 *)(r1 + 0)\n"
        "out:\nr0 = 0\nexit",
        ARRAY8,
    ),
    "two_paths_two_limits": (
        _LOOKUP + "r1 = *(u32 *)(r0 + 0)\nr2 = *(u32 *)(r0 + 4)\nif r1 > 3 goto out\nif r2 == 0 goto a\n"
        "r0 += 4\na:\nr0 += r1\nr0 = *(u8 *)(r0 + 0)\nout:\nr0 = 0\nexit",
        ARRAY8,
    ),
    "scalar_on_one_path_pointer_on_other": (
        _LOOKUP + "r6 = r0\nr1 = *(u32 *)(r0 + 0)\nr2 = *(u32 *)(r0 + 4)\nif r1 > 3 goto out\nr3 = 1\n"
        "if r2 == 0 goto a\nr3 = r6\na:\nr3 += r1\nr0 = 0\nexit\nout:\nr0 = 0\nexit",
        ARRAY8,
    ),
    "speculative_out_of_bounds_load": (
        _LOOKUP + "r1 = *(u32 *)(r0 + 0)\nif r1 > 4 goto out\nr0 += r1\nr1 = 3\nif r1 > 2 goto l\n"
        "r0 += 100\nl:\nr0 = *(u8 *)(r0 + 0)\nout:\nr0 = 0\nexit",
        ARRAY8,
    ),
    "stack_constant_register": (
        "r1 = -8\nr2 = r10\nr2 += r1\nr3 = 0\n*(u64 *)(r2 + 0) = r3\nr0 = *(u64 *)(r10 - 8)\nexit",
        "",
    ),
    "stack_above_frame": ("r2 = r10\nr2 += 8\nr0 = 0\nexit", ""),
    "stack_below_frame": ("r2 = r10\nr2 += -520\nr0 = 0\nexit", ""),
    "stack_variable_offset": (
        "r1 = *(u32 *)(r1 + 0)\nr1 &= 7\nr2 = r10\nr2 += -16\nr2 += r1\nr0 = 0\nexit",
        "",
    ),
    "packet_variable_offset": (
        "r2 = *(u32 *)(r1 + 76)\nr4 = *(u32 *)(r1 + 0)\nr4 &= 7\nr2 += r4\nr0 = 0\nexit",
        "",
    ),
    "dead_branch_unsafe_context_load": (
        "r0 = 0\nif r0 == 0 goto out\nr0 = *(u64 *)(r1 + 4096)\nout:\nexit",
        "",
    ),
    "dead_branch_uninitialised_register": ("r0 = 0\nif r0 != 0 goto l\nexit\nl:\nr0 = r5\nexit", ""),
    "dead_branch_then_live_use": (
        "r0 = 0\nr2 = 1\nif r2 == 1 goto l\nr0 = r5\nl:\nif r2 != 1 goto m\nexit\nm:\nr0 = r5\nexit",
        "",
    ),
    "spill_scalar_twice": (
        "r2 = 1\n*(u64 *)(r10 - 8) = r2\n*(u64 *)(r10 - 8) = r2\nr0 = *(u64 *)(r10 - 8)\nexit",
        "",
    ),
    "spill_pointer": ("*(u64 *)(r10 - 8) = r1\nr1 = *(u64 *)(r10 - 8)\nr0 = 0\nexit", ""),
    "store_immediate_fresh_slot": (
        "*(u32 *)(r10 - 4) = 7\n*(u32 *)(r10 - 8) = 1\nr0 = *(u32 *)(r10 - 4)\nexit",
        "",
    ),
    "scalar_add_register": ("r1 = 2\nr2 = 3\nr1 += r2\nr1 -= r2\nr0 = r1\nexit", ""),
}
"""Programs (socket filters but those of ``PROG_TYPES``) and their maps: map value, stack and packet
pointers moved by constant, bounded, unbounded and mixed-sign registers; both ways of known
branches; spills."""


def xlated_by_fd(fd: int, backend: Backend) -> list[Instruction]:
    """BPF_OBJ_GET_INFO_BY_FD's xlated instructions (asked twice: their length, then them)."""
    info = ctypes.create_string_buffer(256)
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = fd, 256, ctypes.addressof(info)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    length = struct.unpack_from("<I", info.raw, 20)[0]
    code = ctypes.create_string_buffer(max(length, 1))
    info = ctypes.create_string_buffer(256)
    struct.pack_into("<I", info, 20, length)
    struct.pack_into("<Q", info, 32, ctypes.addressof(code))
    attr.info.info = ctypes.addressof(info)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return decode_program(code.raw[:length])


def _load(program: vc.Program, backend: NativeBackend | UserBackend) -> tuple[int, str, list[Instruction]]:
    """(errno, level-2 log, xlated instructions) of a load through ``backend``."""
    fd, err, log = vc.load_fd(program, backend, 2)
    if fd < 0:
        return err, log, []
    try:
        return err, log, xlated_by_fd(fd, backend)
    finally:
        os.close(fd)


PROG_TYPES = {"packet_variable_offset": "sched_cls"}
"""The cases that are no socket filter (those read the packet pointers of the context)."""


def _program(name: str) -> vc.Program:
    text, maps = CASES[name]
    prog_type = PROG_TYPES.get(name, "socket_filter")
    return vc.Program(name, "spectre", prog_type=prog_type, text=text, maps=vc._parse_maps(maps))


def _normalised(log: str) -> list[str]:
    """The log's lines (the map pointers of lddw already print as 0x0 on both sides)."""
    return log.splitlines()


def _stats(log: str) -> str:
    return next((line for line in log.splitlines() if line.startswith("processed ")), "")


def _kernel(name: str) -> tuple[int, str, list[Instruction]]:
    if NOSPEC_FALLBACK.at(RUNNING_RELEASE) != NOSPEC_FALLBACK.at(KERNEL_VERSION):
        pytest.skip("the running kernel predates the nospec fallback of Linux 6.17")
    program = _program(name)
    result: tuple[int, str, list[Instruction]] = run_without_caps(
        DROP, lambda: _load(program, NativeBackend())
    )
    return result


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_verdict_and_log_as_the_kernel(name: str) -> None:
    theirs = _kernel(name)
    ours = _load(_program(name), UserBackend(credentials=UNPRIV))
    assert (ours[0], vc.reason(ours[1])) == (theirs[0], vc.reason(theirs[1]))
    if RUNNING_RELEASE == KERNEL_VERSION:  # (counts and state lines are the modelled release's)
        assert _stats(ours[1]) == _stats(theirs[1])
        assert _normalised(ours[1]) == _normalised(theirs[1])


_PROHIBITED = "pointer arithmetic with it prohibited for !root"
_REFUSED_UNPRIVILEGED = [
    ("map_value_mixed_signed_offset", f"R1 has unknown scalar with mixed signed bounds, {_PROHIBITED}"),
    (
        "map_value_unbounded_offset",
        "R0 pointer arithmetic of map value goes out of range, prohibited for !root",
    ),
    (
        "scalar_on_one_path_pointer_on_other",
        f"R3 tried to add from different maps, paths or scalars, {_PROHIBITED}",
    ),
    ("stack_above_frame", "R2 stack pointer arithmetic goes out of range, prohibited for !root; off=8"),
    ("stack_variable_offset", "R2 variable stack access prohibited for !root, var_off=(0x0; 0x7) off=-16"),
    ("packet_variable_offset", f"R2 has pointer with unsupported alu operation, {_PROHIBITED}"),
]


@pytest.mark.parametrize(("name", "message"), _REFUSED_UNPRIVILEGED)
def test_root_bypasses_what_the_unprivileged_loader_is_refused(name: str, message: str) -> None:
    """Without the kernel: the sanitation refuses these only for the loader without CAP_PERFMON."""
    program = _program(name)
    err, log, _ = _load(program, UserBackend(credentials=UNPRIV))
    assert (err, vc.reason(log)) == (13, message)
    assert _load(program, UserBackend(credentials=ROOT))[0] == 0


def test_speculative_paths_are_walked_only_without_the_bypass() -> None:
    """The known branch's other way is walked (and logged) speculatively: more processed instructions
    than root's walk, "(speculative execution)" in the log; a speculative error is no refusal."""
    program = _program("dead_branch_unsafe_context_load")
    err, log, _ = _load(program, UserBackend(credentials=UNPRIV))
    assert err == 0
    assert "from 1 to 2 (speculative execution):" in log
    assert "invalid bpf_context access off=4096 size=8" in log
    root_err, root_log, _ = _load(program, UserBackend(credentials=ROOT))
    assert root_err == 0 and "speculative" not in root_log
    assert int(_stats(log).split()[1]) > int(_stats(root_log).split()[1])


# -- the fixed-up program: barriers and masking in the xlated code, and what it computes ----------
_VALUE = "m=array(4,16,1,data=000102030405060708090a0b0c0d0e0f)"
_OFFSET = "r6 = r1\nr0 = map_value(m, 0) ll\nr1 = *(u32 *)(r6 + 0)\nr1 &= 7\n"  # r1: skb->len & 7
RUN_CASES: dict[str, str] = {
    "masked_add": _OFFSET + "r0 += r1\nr0 = *(u8 *)(r0 + 0)\nexit",
    "masked_add_after_constant": _OFFSET + "r0 += 4\nr0 += r1\nr0 = *(u8 *)(r0 + 0)\nexit",
    "masked_add_twice": _OFFSET + "r0 += r1\nr0 += r1\nr0 = *(u8 *)(r0 + 0)\nexit",
    "masked_scalar_plus_pointer": _OFFSET + "r1 += r0\nr0 = *(u8 *)(r1 + 0)\nexit",
    "masked_constant_register": "r0 = map_value(m, 0) ll\nr1 = 5\nr0 += r1\nr0 = *(u8 *)(r0 + 0)\nexit",
    "masked_constant_register_sub": "r0 = map_value(m, 0) ll\nr0 += 9\nr1 = 5\nr0 -= r1\n"
    "r0 = *(u8 *)(r0 + 0)\nexit",
    "stack_store_barriers": "r1 = 7\n*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 8) = r1\n"
    "*(u64 *)(r10 - 16) = r10\nr0 = *(u64 *)(r10 - 8)\nexit",
    "stack_constant_register": "r1 = -8\nr2 = r10\nr2 += r1\nr3 = 9\n*(u64 *)(r2 + 0) = r3\n"
    "r0 = *(u64 *)(r10 - 8)\nexit",
}
"""Socket filters without helper calls or dead code (pybpf's xlated program then is the kernel's but
for the context's layout): the offset comes from the packet's length (``skb->len``, r6 the context),
the map value is 0, 1, ... 15."""
PACKETS = (bytes(14), bytes(17), bytes(21), bytes(60))


def _run_program(name: str) -> vc.Program:
    maps = _VALUE if "map_value" in RUN_CASES[name] else ""
    return vc.Program(
        name, "spectre", prog_type="socket_filter", text=RUN_CASES[name], maps=vc._parse_maps(maps)
    )


def _test_run(fd: int, backend: NativeBackend | UserBackend, packet: bytes) -> int:
    data = ctypes.create_string_buffer(packet, len(packet))
    attr = uapi.bpf_attr()
    attr.test.prog_fd, attr.test.data_in, attr.test.data_size_in = fd, ctypes.addressof(data), len(packet)
    backend.bpf(uapi.BPF_PROG_TEST_RUN, attr)
    return int(attr.test.retval)


def _load_and_run(
    program: vc.Program, backend: NativeBackend | UserBackend
) -> tuple[list[Instruction], list[int]]:
    """The xlated program and its return value on each of ``PACKETS``."""
    fd, err, log = vc.load_fd(program, backend, 1)
    assert fd >= 0, (err, log)
    try:
        return xlated_by_fd(fd, backend), [_test_run(fd, backend, packet) for packet in PACKETS]
    finally:
        os.close(fd)


def _map_ids_blanked(insns: list[Instruction]) -> list[Instruction]:
    """The program with the map ids of its lddw blanked (each load creates its own map) and the
    offsets of its context loads (``r1 = *(u32 *)(r6 + off)``: pybpf's sk_buff is not the kernel's)."""
    return [
        Instruction(
            i.opcode, i.dst, i.src, 0 if i.opcode == 0x61 and i.src == 6 else i.off,
            0 if i.opcode == 0x18 else i.imm, i.imm_hi,
        )
        for i in insns
    ]  # fmt: skip


@pytest.mark.parametrize("name", sorted(RUN_CASES))
def test_same_xlated_and_results_as_the_kernel(name: str) -> None:
    program = _run_program(name)
    theirs = run_without_caps(DROP, lambda: _load_and_run(program, NativeBackend()))
    ours = _load_and_run(program, UserBackend(credentials=UNPRIV))
    assert _map_ids_blanked(ours[0]) == _map_ids_blanked(theirs[0])
    assert ours[1] == theirs[1]


@pytest.mark.parametrize("engine", ["interpreter", "jit"])
def test_masking_keeps_in_range_results_and_barriers_do_nothing(
    engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the kernel: the masked program computes what root's computes, on both engines."""
    monkeypatch.setenv("PYBPF_ENGINE", engine)
    for name in RUN_CASES:
        program = _run_program(name)
        xlated, results = _load_and_run(program, UserBackend(credentials=UNPRIV))
        root_xlated, root_results = _load_and_run(program, UserBackend(credentials=ROOT))
        assert results == root_results, name
        assert len(xlated) > len(root_xlated), name  # barriers or masking were added


def test_a_loaded_barrier_is_an_unknown_opcode() -> None:
    """BPF_ST_NOSPEC is the fixups' own: bpf_opcode_in_insntable() refuses it in a loaded program."""
    program = vc.Program("nospec", "spectre", prog_type="socket_filter", text="nospec\nr0 = 0\nexit")
    ours = _load(program, UserBackend(credentials=UNPRIV))
    assert (ours[0], vc.reason(ours[1])) == (22, "unknown opcode c2")
    theirs = run_without_caps(DROP, lambda: _load(program, NativeBackend()))
    assert (theirs[0], vc.reason(theirs[1])) == (22, "unknown opcode c2")


@pytest.mark.parametrize(
    "name", ["map_value_bounded_offset", "speculative_out_of_bounds_load", "two_paths_two_limits"]
)
def test_same_level1_log_as_the_kernel(name: str) -> None:
    """At level 1 a finished path is taken back out of the log, speculative ones too."""
    program = _program(name)
    theirs = run_without_caps(DROP, lambda: vc.load_with_log(program, NativeBackend(), 1))
    ours = vc.load_with_log(program, UserBackend(credentials=UNPRIV), 1)
    assert ours[0] == theirs[0]
    if RUNNING_RELEASE == KERNEL_VERSION:
        assert _normalised(ours[1]) == _normalised(theirs[1])


def test_a_speculative_push_past_the_jump_limit_is_enomem() -> None:
    """sanitize_ptr_alu()'s speculative push when 8,192 branches are pending: push_stack()'s "too
    complex" line, then sanitize_err()'s REASON_STACK message, and ENOMEM (not push_stack's E2BIG)."""
    branches = "".join(f"if r2 == {i} goto l{i}\nr3 = 0\nl{i}:\n" for i in range(8190))
    text = (
        _LOOKUP + "r1 = *(u32 *)(r0 + 0)\nif r1 > 7 goto out\nr2 = *(u32 *)(r0 + 4)\n" + branches
        + "r0 += r1\nr0 = *(u8 *)(r0 + 0)\nout:\nr0 = 0\nexit"
    )  # fmt: skip
    program = vc.Program(
        "push_limit", "spectre", prog_type="socket_filter", text=text, maps=vc._parse_maps(ARRAY8)
    )

    def tail(backend: NativeBackend | UserBackend) -> tuple[int, list[str]]:
        fd, err, log = vc.load_fd(program, backend, 1)
        if fd >= 0:
            os.close(fd)
        return err, log.splitlines()[-3:]

    theirs: tuple[int, list[str]] = run_without_caps(DROP, lambda: tail(NativeBackend()))
    ours = tail(UserBackend(credentials=UNPRIV))
    assert theirs[0] == errno.ENOMEM, theirs  # the case is what it is meant to be on this kernel
    assert ours == theirs
