"""bpf_wq and bpf_task_work programs (tests/data/c/wq.c) verified as Linux 6.18 verifies them, and the
workqueue kfuncs' run-time answers (``pybpf.kfuncs.async_work``).

Every program of wq.c loads at log level 2 on pybpf and, where bpf(2) works, on the kernel: the
logs must be the same line for line (the asynchronous callback's own path, its return range, the
field checks, the map mismatch and the sleepable-callback refusal).  The accepted SYSCALL programs
then run on both: bpf_wq_init / _set_callback_impl / _start answer the same (0, -EBUSY for a second
init, -EINVAL for a start before init).
"""

from __future__ import annotations

import errno
import tempfile

import pytest

from pybpf import Object
from pybpf.elf import read_object
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from tests.elf.corpus import obj_path
from tests.verifier.test_corpus_log import object_log

PROGRAMS = sorted(read_object(str(obj_path("wq"))).programs)


@pytest.mark.parametrize("program", PROGRAMS)
def test_wq_program_log_is_the_kernels(program: str) -> None:
    if not kernel_bpf_available():
        pytest.skip("bpf(2) unavailable: nothing to compare with")
    assert object_log("wq", program, UserBackend()) == object_log("wq", program, NativeBackend())


def _run(program: str, backend: Backend) -> int:
    """Load ``program`` alone from wq.o through ``backend`` and test-run it once: its r0 (a u32)."""
    with (
        tempfile.TemporaryDirectory(prefix="pybpf-wq-") as pins,
        Object.open(obj_path("wq"), backend=backend, pin_root=pins) as obj,
    ):
        obj.load(programs=[program])
        return obj.programs[program].run().retval & 0xFFFFFFFF


def _byte(err: int) -> int:
    return -err & 0xFF


RUNS = {
    "wq_syscall": 0,  # init, set_callback, start: 0, 0, 0
    "wq_start_first": -errno.EINVAL & 0xFFFFFFFF,  # no work yet
    "wq_init_twice": _byte(errno.EBUSY) << 8,  # 0 then -EBUSY
}


@pytest.mark.usefixtures("engine")  # on each engine (tests/conftest.py)
@pytest.mark.parametrize("program", sorted(RUNS))
def test_wq_kfunc_results(program: str) -> None:
    assert _run(program, UserBackend()) == RUNS[program]
    if kernel_bpf_available():
        assert _run(program, NativeBackend()) == RUNS[program]
