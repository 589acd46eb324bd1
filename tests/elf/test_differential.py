"""The C corpus loaded from its ELF objects into pybpf and into the kernel, run alike, compared.

Each case of ``tests/elf/corpus.py`` is opened with ``pybpf.Object`` on the user backend and on the
native one (the real bpf(2): same loader, same relocations, the kernel's verifier and JIT), edited and
filled the same way, and run on the same frames with BPF_PROG_TEST_RUN while the process is pinned to
one CPU.  Return values, output frames, output contexts and the full contents of every map afterwards
(ring buffers read record by record) must be equal.  Without the real bpf(2) only pybpf's half runs.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from pybpf import Map, Object, uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.objects.files import bpffs_root
from tests.elf.corpus import CASES, Case, obj_path
from tests.programs.test_differential_programs import dump_map, one_cpu

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

_SKIPPED_TYPES = {
    uapi.BPF_MAP_TYPE_PROG_ARRAY,
    uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS,
    uapi.BPF_MAP_TYPE_HASH_OF_MAPS,
}


_NOT_RUNNABLE = {
    uapi.BPF_PROG_TYPE_EXT,  # runs inside its target (tests/progtypes/test_ext_links.py)
    uapi.BPF_PROG_TYPE_KPROBE,
    uapi.BPF_PROG_TYPE_TRACEPOINT,
    uapi.BPF_PROG_TYPE_PERF_EVENT,
    uapi.BPF_PROG_TYPE_TRACING,
    uapi.BPF_PROG_TYPE_LSM,
    uapi.BPF_PROG_TYPE_CGROUP_SOCK,
    uapi.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
    uapi.BPF_PROG_TYPE_SOCK_OPS,
    uapi.BPF_PROG_TYPE_CGROUP_DEVICE,
    uapi.BPF_PROG_TYPE_CGROUP_SYSCTL,
    uapi.BPF_PROG_TYPE_CGROUP_SOCKOPT,
    uapi.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
    uapi.BPF_PROG_TYPE_LIRC_MODE2,
}
_REFUSED_PROGRAMS = {("real_filelife", "vfs_unlink_reg_by_address"), ("real_loop_printk", "walk_args_in_ctx")}
_KERNEL_POINTER_ARGS = {
    "real_biolatency",
    "real_runqlat",
    "real_syscount",
    "real_cgroup_filter",
    "real_task_btf",
}
"""Raw tracepoint programs that follow kernel pointers (their arguments, the current task): a test run
has none to give them."""


@dataclass
class Outcome:
    runs: list[tuple[Any, ...]] = field(default_factory=list)
    maps: dict[str, Any] = field(default_factory=dict)


@contextlib.contextmanager
def kernel_bpffs() -> Iterator[str]:
    """A freshly mounted bpffs for the kernel's pins (skips the test where mounting is not allowed)."""
    with tempfile.TemporaryDirectory(prefix="pybpf-elf-bpffs-") as mount:
        done = subprocess.run(["mount", "-t", "bpf", "bpf", mount], capture_output=True, check=False)
        if done.returncode:
            pytest.skip("cannot mount a bpffs for the kernel")
        try:
            yield mount
        finally:
            subprocess.run(["umount", mount], check=False)


def run_case(case: Case, backend: Backend, pin_root: str) -> Outcome:
    outcome = Outcome()
    with Object.open(obj_path(case.obj), backend=backend, pin_root=pin_root, **case.open_kwargs) as obj:
        if case.before_load:
            case.before_load(obj)
        obj.load()
        if case.after_load:
            case.after_load(obj)
        program = obj.programs[case.program]
        with one_cpu():
            for run in case.runs:
                try:
                    result = program.run(run.data, ctx=run.ctx)
                except BPFError as exc:
                    outcome.runs.append(("error", exc.errno))
                    continue
                outcome.runs.append((result.retval, result.data_out, result.ctx_out))
        for name, live in obj.maps.items():
            if live.map_type in _SKIPPED_TYPES or name in case.skip_maps:
                continue
            with Map.from_fd(live.fd, backend=backend) as raw:
                outcome.maps[name] = dump_map(raw, backend)
    return outcome


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_corpus_against_the_kernel(case: Case) -> None:
    """Equal results on both backends; a case marked ``user_xfail`` must still differ (strict xfail)."""
    user = run_case(case, UserBackend(), bpffs_root())
    assert user.runs, "the case ran nothing"
    if not kernel_bpf_available():
        if case.user_xfail:
            pytest.xfail(case.user_xfail)
        pytest.skip("the real bpf(2) is not available here")
    with kernel_bpffs() if case.needs_pins else contextlib.nullcontext("/sys/fs/bpf") as root:
        kernel = run_case(case, NativeBackend(), root)
    same = user.runs == kernel.runs and user.maps == kernel.maps
    if case.user_xfail:
        assert not same, f"{case.name} now passes on pybpf: remove its user_xfail"
        pytest.xfail(case.user_xfail)
    assert user.runs == kernel.runs
    assert user.maps.keys() == kernel.maps.keys()
    for name in user.maps:
        assert user.maps[name] == kernel.maps[name], f"map {name!r} differs"


def test_every_runnable_program_of_the_corpus_has_a_case() -> None:
    from pybpf.elf import read_object
    from tests.elf.corpus import NOT_RUN, OBJECTS, REFUSED

    covered = {(c.obj, c.program) for c in CASES}
    missing = []
    for name in OBJECTS:
        if name in REFUSED or name in NOT_RUN or name == "core_target":
            continue
        spec = read_object(obj_path(name))
        for program in spec.programs.values():
            if (
                program.prog_type in _NOT_RUNNABLE
                or (name, program.name) in _REFUSED_PROGRAMS
                or name in _KERNEL_POINTER_ARGS
            ):
                continue  # no BPF_PROG_TEST_RUN for the type, the kernel refuses it, or no args to give
            if program.name in ("handle_tcp", "handle_udp"):
                continue  # reached through the prog array of xdp_dispatch
            if name == "bench_object" and program.name != "xdp_bench_7":
                continue  # the benchmark's ten programs differ only in their maps
            if (name, program.name) not in covered:
                missing.append(f"{name}:{program.name}")
    assert missing == []
    assert len({c.obj for c in CASES}) >= 15
