"""The whole level-1 log of refused programs against the kernel's, line for line.

At log level 1 the kernel writes the path that led to the refusal: every instruction processed on
it with the registers and slots it touched, the C source line before the first instruction of each
line when the program has line_info, the failing instruction, the reason and the statistics; paths
that ended before are taken back out of the log (pop_stack() rewinds it to where the branch was
pushed).  pybpf's log must be the same text.  Compared: the raw programs of ``test_differential``
that both refuse with the same errno, hand-written programs whose failing path is not the first
one (the rewound log, with the kernel's artefact of a rewind into a line that was re-aligned after
the branch was pushed), and the refused C objects of tests/data/c loaded through each backend's
BPF_PROG_LOAD (pybpf's user backend and the real bpf(2)).

Normalised before comparing: the ``verification time`` line (BPF_LOG_STATS only) and the address an
lddw of a map resolves to (the kernel's and pybpf's map objects live at different addresses).
"""

from __future__ import annotations

import errno
import re
import tempfile

import pytest

from pybpf import Object
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.verifier import VerifierError, verify
from tests.elf.corpus import obj_path
from tests.verifier.conftest import kernel_allowed_helpers
from tests.verifier.kernel_load import kernel_load
from tests.verifier.stubs import SOCKET_FILTER, XDP, make_request
from tests.verifier.test_differential import CASES, Case, Maps, _run_pybpf

_LDDW_ADDRESS = re.compile(r"^(\d+: \(18\) r\d+ = )0x[0-9a-f]+ *")


def normalised(log: str) -> list[str]:
    return [
        _LDDW_ADDRESS.sub(r"\1<address> ", line)
        for line in log.splitlines()
        if not line.startswith("verification time")
    ]


REFUSED = [c for c in CASES if c.answers.modelled.err]
"""The raw programs the modelled release refuses."""


@pytest.mark.parametrize("case", REFUSED, ids=[c.name for c in REFUSED])
def test_raw_program_log_is_the_kernels(case: Case, kernel: bool, kernel_maps: Maps) -> None:
    allowed = kernel_allowed_helpers(case.prog_type)
    err, log, insns = _run_pybpf(case, kernel_maps, allowed)
    fd_array = [kernel_maps[n][0] for n in case.fd_array] if case.fd_array else None
    license_ = b"GPL" if case.gpl else b"Proprietary"
    kerr, klog = kernel_load(encode_program(insns), case.prog_type, license_=license_, fd_array=fd_array)
    if not kerr or kerr != err or klog.splitlines()[-2:-1] != log.splitlines()[-2:-1]:
        pytest.skip("the running kernel answers otherwise than pybpf (test_differential says why)")
    assert normalised(log) == normalised(klog), f"{log}\n--\n{klog}"


SECOND_PATH = {
    # the fall-through path exits; the jump's path reads past the checked packet range
    "packet_past_range_on_jump": """
        r2 = *(u32 *)(r1 + 0)
        r3 = *(u32 *)(r1 + 4)
        r0 = 1
        r4 = r2
        r4 += 8
        if r4 > r3 goto out
        r5 = *(u8 *)(r2 + 0)
        if r5 == 6 goto l1
        r6 = 1
        r0 = *(u8 *)(r2 + 7)
        exit
    l1:
        r0 = *(u8 *)(r2 + 8)
    out:
        exit
    """,
    # two pushed branches: the first two paths end, the third dereferences a possibly-NULL scalar
    "third_path_fails": """
        call bpf_get_prandom_u32
        r6 = r0
        r0 = 0
        if r6 > 10 goto a
        exit
    a:
        if r6 > 20 goto b
        exit
    b:
        r1 = *(u64 *)(r6 + 0)
        exit
    """,
    # a subprogram: the caller/callee states at level 1, then a failure in the callee
    "callee_fails": """
        r1 = 5
        call f
        exit
    f:
        r0 = *(u64 *)(r1 + 0)
        exit
    """,
    # the failing path is reached after a pruned one: "from A to B: safe" is rewound too
    "after_a_pruned_path": """
        call bpf_get_prandom_u32
        r7 = r0
        r6 = 0
        if r7 > 3 goto l1
        r6 = 1
    l1:
        r0 = 0
        r2 = r10
        r2 += -8
        *(u64 *)(r10 - 8) = r6
        if r7 == 100 goto bad
        exit
    bad:
        r0 = *(u64 *)(r10 - 16)
        r0 = *(u64 *)(r9 + 0)
        exit
    """,
}


@pytest.mark.parametrize("name", sorted(SECOND_PATH))
def test_rewound_log_is_the_kernels(name: str, kernel: bool) -> None:
    insns = assemble(SECOND_PATH[name], "kernel")
    kerr, klog = kernel_load(encode_program(insns), XDP, log_level=1)
    try:
        verify(make_request(insns, XDP, log_level=1))
    except VerifierError as exc:
        err, log = exc.errno, exc.log
    else:
        err, log = 0, ""
    assert kerr and err == kerr
    assert normalised(log) == normalised(klog), f"{log}\n--\n{klog}"


def test_accepted_program_log_is_the_statistics_only(kernel: bool) -> None:
    """do_check_common() drops a verified program's level-1 trace."""
    insns = assemble("r0 = 0\nif r1 == 0 goto +1\nr0 = 1\nexit", "kernel")
    kerr, klog = kernel_load(encode_program(insns), SOCKET_FILTER, log_level=1)
    log = verify(make_request(insns, SOCKET_FILTER, log_level=1)).log
    assert kerr == 0
    assert normalised(log) == normalised(klog)
    assert log.startswith("processed ")


def object_log(name: str, backend: Backend) -> tuple[int, str]:
    with tempfile.TemporaryDirectory(prefix="pybpf-level1-") as pins:
        try:
            with Object.open(obj_path(name), backend=backend, pin_root=pins) as obj:
                obj.load(log_level=1)
        except BPFError as exc:
            return exc.errno or 0, getattr(exc, "raw_log", "")
    return 0, ""


@pytest.mark.parametrize("name", ["refused_null", "refused_license", "refused_core"])
def test_refused_object_log_is_the_kernels(name: str, kernel: bool) -> None:
    """clang output with line_info: the C source lines come from BTF as the kernel prints them."""
    kerr, klog = object_log(name, NativeBackend())
    err, log = object_log(name, UserBackend())
    assert kerr in (errno.EACCES, errno.EINVAL) and err == kerr
    assert normalised(log) == normalised(klog), f"{log}\n--\n{klog}"
    assert any(line.startswith("; ") and " @ " in line for line in log.splitlines())


GLOBAL_FUNCS_REFUSED = [
    "xdp_global_unchecked", "xdp_global_short_arg", "xdp_global_unbounded", "xdp_global_nonnull_maybe",
    "xdp_global_moves_packet", "xdp_global_void", "xdp_global_packet_arg", "xdp_global_under_lock",
    "xdp_global_as_callback", "raw_void_ctx",
]  # fmt: skip


def program_log(name: str, program: str, backend: Backend) -> tuple[int, str]:
    with tempfile.TemporaryDirectory(prefix="pybpf-level1-") as pins:
        try:
            with Object.open(obj_path(name), backend=backend, pin_root=pins) as obj:
                obj.load(log_level=1, programs=[program])
        except BPFError as exc:
            return exc.errno or 0, getattr(exc, "raw_log", "")
    return 0, ""


@pytest.mark.parametrize("program", GLOBAL_FUNCS_REFUSED)
def test_refused_global_function_log_is_the_kernels(program: str, kernel: bool) -> None:
    """Global functions: the argument checks at a call ("Caller passes invalid args ..."), the
    function's own walk ("Validating f() func#N..." and its path), the main program's prototype
    note ("arg#0 reference type('UNKNOWN ') size cannot be determined: -22")."""
    kerr, klog = program_log("global_funcs", program, NativeBackend())
    err, log = program_log("global_funcs", program, UserBackend())
    assert kerr and err == kerr
    assert normalised(log) == normalised(klog), f"{log}\n--\n{klog}"


def test_refused_null_names_the_c_line() -> None:
    """Without the kernel too: the user backend's log of refused_null.o ends at the C line of the
    unchecked dereference."""
    err, log = object_log("refused_null", UserBackend())
    lines = log.splitlines()
    assert err == errno.EACCES
    assert lines[-4:-1] == [
        "; *count += 1; @ refused_null.c:19",
        "9: (79) r1 = *(u64 *)(r0 +0)",
        "R0 invalid mem access 'map_value_or_null'",
    ]
