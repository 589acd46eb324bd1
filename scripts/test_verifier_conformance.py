#!/usr/bin/env python3
"""Measure pybpf against the kernel's classic verifier suite (tools/testing/selftests/bpf/test_verifier.c
with its instruction-array tests in verifier/*.c).

The input is the JSON ``scripts/build_selftests.sh -t`` writes from a kernel source tree (every test of
the tree's ``tests[]`` array after its ``fill_helper``).  This script does what test_verifier's
``do_test_fixup`` and ``do_test_single`` do in privileged mode, once on pybpf's user backend and once on
the running kernel (the native backend):

- the maps each ``fixup_*`` list names are created with test_verifier's attributes (``create_map``,
  ``__create_map``, ``create_prog_array`` with its three dummy programs, ``create_map_in_map``,
  ``create_cgroup_storage``, ``create_map_spin_lock`` / ``_timer`` / ``_kptr`` and
  ``create_sk_storage_map`` with the tree's own map BTF) and their fds patched into the instructions'
  ``imm``; the array maps get ``update_map``'s element;
- ``fixup_kfunc_btf_id``: the kfunc's BTF id in vmlinux; a kfunc only bpf_testmod has makes the test
  a skip (counted in the ``testmod`` column);
- the program is loaded with test_verifier's flags (``testing_prog_flags()``: BPF_F_TEST_RND_HI32 |
  BPF_F_TEST_REG_INVARIANTS, plus the test's alignment flags), ``expected_attach_type``, the attach
  BTF id of ``kfunc`` for tracing/LSM programs, the test's BTF and func_info, log level 2 for a
  VERBOSE_ACCEPT test and 4 (statistics) otherwise;
- the expectation is test_verifier's: the verdict, ``errstr`` (tab-separated parts found in order),
  ``insn_processed``, ``expected_insns`` / ``unexpected_insns`` in the rewritten (xlated) program and
  each run's ``retval`` through BPF_PROG_TEST_RUN (64 bytes of the test's data in; ENOTSUPP from the
  run is "not run", as in test_verifier).

It reports per verifier/*.c file and in total: ``tests``; ``skip`` (test_verifier would skip: a
bpf_testmod kfunc, a fixup map or a feature the kernel refuses (ENOTSUPP); or a kernel in lockdown
refused a tracing/LSM program with EPERM before verifying it: those are run on pybpf alone and the
total line says how many of them pybpf passes);
``kernel`` (the running kernel passes the expectation; tests written for other releases may not);
``agree`` (pybpf's verdict, errno and every run's return value are the kernel's); ``pybpf`` (pybpf passes
the expectation); ``both`` (among the tests the kernel passes, those pybpf passes too).

With ``--unpriv`` it measures test_verifier's unprivileged runs instead (its ``/u`` lines): the tests
``test_as_unpriv()`` picks (socket filter and cgroup skb programs), loaded -- fixup maps included -- by
a caller without CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_PERFMON and CAP_BPF (``set_admin(false)`` on top of
the CAP_SYS_ADMIN test_verifier drops first) with ``kernel.unprivileged_bpf_disabled`` at 0, which
the script sets for its run and restores: on the kernel from a forked child lacking those effective
capabilities (tests/caps.py), on pybpf as ``UserBackend(Credentials(...))``.  The expectation is
then ``result_unpriv`` / ``errstr_unpriv`` / ``retval_unpriv`` where the test has them, and no
``insn_processed``.  A test pybpf fails where the kernel passes and the kernel's log names a Spectre
rule (``!root``: sanitize_ptr_alu, speculative paths) is counted in the ``spectre`` column.  The
privileged runs are test_verifier's too: ``is_admin()`` takes CAP_SYS_ADMIN out of its effective set
at the start (the tests are written for CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN), so this script drops
it from its own effective set before the first load (the kernel's loads) and loads on pybpf as
``UserBackend(Credentials(every capability but CAP_SYS_ADMIN))``.

    scripts/build_selftests.sh -t -v 6.12 -o /tmp/tv/6.12        # or -s ~/linux
    python scripts/test_verifier_conformance.py /tmp/tv/6.12/test_verifier.json   # needs root and bpf(2)
    python scripts/test_verifier_conformance.py JSON --only calls --details
    python scripts/test_verifier_conformance.py JSON --unpriv          # the /u runs
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import errno
import json
import os
import struct
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "scripts"), str(ROOT)]

from conformance import (  # noqa: E402
    DEFAULT_FLAGS,
    POINTER_VALUE,
    TEST_DATA_LEN,
    UNPRIV_DROPS,
    Counts,
    LoadResult,
    Timeout,
    arguments,
    compare,
    deadline,
    finish,
    last_line,
    prepare,
    test_run,
    unprivileged_bpf_open,
)
from pybpf import uapi  # noqa: E402
from pybpf.btf.types import BTFError, Func  # noqa: E402
from pybpf.elf.loader import _ATTACH_BTF  # noqa: E402
from pybpf.kernel.backend import Backend, UserBackend  # noqa: E402
from pybpf.kernel.native import NativeBackend  # noqa: E402
from pybpf.libbpf import (  # noqa: E402
    MapCreateOpts,
    ProgLoadOpts,
    bpf_btf_load,
    bpf_map_create,
    bpf_map_get_info_by_fd,
    bpf_map_update_elem,
    bpf_prog_get_info_by_fd,
    bpf_prog_load,
)
from pybpf.objects.credentials import (  # noqa: E402
    CAP_SYS_ADMIN,
    Credentials,
    system_unprivileged_bpf_disabled,
)
from pybpf.objects.credentials import ROOT as ROOT_CREDENTIALS  # noqa: E402
from pybpf.verifier.kernel_btf import vmlinux_btf  # noqa: E402

# test_verifier.c's constants
UNDEF, ACCEPT, REJECT, VERBOSE_ACCEPT = 0, 1, 2, 3
F_NEEDS_EFFICIENT_UNALIGNED_ACCESS, F_LOAD_WITH_STRICT_ALIGNMENT = 1, 2
DEFAULT_LIBBPF_LOG_LEVEL = 4
LOG_SIZE = 0xFFFFFFFF >> 8  # sizeof(bpf_vlog)
ENOTSUPP = 524
INSN_OFF_MASK, INSN_IMM_MASK = -1, -1  # (__s16)0xFFFF, (__s32)0xFFFFFFFF
SKIP_INSN = struct.pack("<BBhi", 0xDE, 0xA | (0xD << 4), 0xBEEF - 0x10000, 0xDEADBEEF - 0x1_0000_0000)
TEST_VAL_SIZE = 4 + 11 * 4  # struct test_val {unsigned int index; int foo[MAX_ENTRIES = 11];}
CGROUP_STORAGE_KEY_SIZE = ctypes.sizeof(uapi.bpf_cgroup_storage_key)


def _update_value() -> bytes:
    """update_map()'s element: ``.index = (6 + 1) * sizeof(int)``, ``.foo[6] = 0xabcdef12``."""
    foo = [0] * 11
    foo[6] = 0xABCDEF12 - 2**32
    return struct.pack("<I11i", 7 * 4, *foo)


def btf_blob(types: bytes, strings: bytes) -> bytes:
    """``load_btf_spec``: a BTF header (magic, version 1, 24 bytes) before the types and strings."""
    header = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(types), len(types), len(strings))
    return header + types + strings


# -- one backend's run of one test -----------------------------------------------------------------------
@dataclass
class Result(LoadResult):
    """One load (and runs) of one test on one backend."""

    runs: list[tuple[int | None, int]] = field(default_factory=list)  # (retval, run errno) per run
    xlated: bytes | None = None
    skip: str = ""  # why test_verifier would skip the test (set on the kernel's side)


class Fixups:
    """test_verifier's ``do_test_fixup`` on one backend: the maps (and prog arrays) a test names."""

    def __init__(self, backend: Backend, map_btf: tuple[bytes, bytes], prog_type: int, pagesize: int) -> None:
        self.backend, self.map_btf, self.prog_type, self.pagesize = backend, map_btf, prog_type, pagesize
        self.fds: list[int] = []

    def close(self) -> None:
        for fd in self.fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.fds.clear()

    def keep(self, fd: int) -> int:
        self.fds.append(fd)
        return fd

    def _map(self, map_type: int, key: int, value: int, entries: int, flags: int = 0, **btf: int) -> int:
        """``__create_map``: BPF_F_NO_PREALLOC for hash maps, plus the extra flags."""
        flags |= uapi.BPF_F_NO_PREALLOC if map_type == uapi.BPF_MAP_TYPE_HASH else 0
        name = "test_map" if btf else None
        opts = MapCreateOpts(map_flags=flags, **btf)
        return self.keep(bpf_map_create(map_type, name, key, value, entries, opts, backend=self.backend))

    def _updated(self, fd: int) -> int:
        """``update_map(fd, 0)``."""
        bpf_map_update_elem(
            fd, struct.pack("<i", 0), _update_value()[: self._value_size(fd)], backend=self.backend
        )
        return fd

    def _value_size(self, fd: int) -> int:
        return int(bpf_map_get_info_by_fd(fd, backend=self.backend).value_size)

    def _btf(self) -> int:
        """``load_btf()``: the tree's btf_raw_types / btf_str_sec."""
        return self.keep(bpf_btf_load(btf_blob(*self.map_btf), backend=self.backend))

    def _btf_map(self, map_type: int, value: int, entries: int, value_type: int, flags: int = 0) -> int:
        btf_fd = self._btf()
        return self._map(
            map_type, 4, value, entries, flags, btf_fd=btf_fd, btf_key_type_id=1, btf_value_type_id=value_type
        )

    def _dummy(self, insns: list[tuple[int, int, int, int, int]]) -> int:
        code = b"".join(struct.pack("<BBhi", c, d | (s << 4), o, i) for c, d, s, o, i in insns)
        return self.keep(bpf_prog_load(self.prog_type, None, "GPL", code, len(insns), backend=self.backend))

    def _prog_array(self, entries: int, p1: int, p2: int, p3: int) -> int:
        """``create_prog_array``: programs returning 42, tail-calling slot ``p2`` then 41, and 24."""
        mfd = self.keep(
            bpf_map_create(uapi.BPF_MAP_TYPE_PROG_ARRAY, None, 4, 4, entries, backend=self.backend)
        )
        mov_r0 = uapi.BPF_ALU64 | uapi.BPF_MOV | uapi.BPF_K
        exit_ = uapi.BPF_JMP | uapi.BPF_EXIT
        simple = lambda ret: [(mov_r0, 0, 0, 0, ret), (exit_, 0, 0, 0, 0)]  # noqa: E731
        loop = [
            (mov_r0, 3, 0, 0, p2),
            (uapi.BPF_LD | uapi.BPF_DW | uapi.BPF_IMM, 2, uapi.BPF_PSEUDO_MAP_FD, 0, mfd),
            (0, 0, 0, 0, 0),
            (uapi.BPF_JMP | uapi.BPF_CALL, 0, 0, 0, uapi.BPF_FUNC_tail_call),
            *simple(41),
        ]
        for key, insns in ((p1, simple(42)), (p2, loop), (p3, simple(24))):
            fd = self._dummy(insns)
            bpf_map_update_elem(mfd, struct.pack("<i", key), struct.pack("<i", fd), backend=self.backend)
        return mfd

    def _map_in_map(self) -> int:
        inner = self.keep(bpf_map_create(uapi.BPF_MAP_TYPE_ARRAY, None, 4, 4, 1, backend=self.backend))
        opts = MapCreateOpts(inner_map_fd=inner)
        return self.keep(
            bpf_map_create(uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS, None, 4, 4, 1, opts, backend=self.backend)
        )

    def create(self, kind: str) -> int:
        """The map ``fixup_<kind>`` names (test_verifier creates one per kind and patches every index)."""
        t = uapi
        makers: dict[str, Callable[[], int]] = {
            "map_hash_8b": lambda: self._map(t.BPF_MAP_TYPE_HASH, 8, 8, 1),
            "map_hash_48b": lambda: self._map(t.BPF_MAP_TYPE_HASH, 8, TEST_VAL_SIZE, 1),
            "map_hash_16b": lambda: self._map(t.BPF_MAP_TYPE_HASH, 8, 16, 1),
            "map_array_48b": lambda: self._updated(self._map(t.BPF_MAP_TYPE_ARRAY, 4, TEST_VAL_SIZE, 1)),
            "prog1": lambda: self._prog_array(4, 0, 1, 2),
            "prog2": lambda: self._prog_array(8, 7, 1, 2),
            "map_in_map": self._map_in_map,
            "cgroup_storage": lambda: self._map(
                t.BPF_MAP_TYPE_CGROUP_STORAGE, CGROUP_STORAGE_KEY_SIZE, TEST_DATA_LEN, 0
            ),
            "percpu_cgroup_storage": lambda: self._map(
                t.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE, CGROUP_STORAGE_KEY_SIZE, TEST_DATA_LEN, 0
            ),
            "map_sockmap": lambda: self._map(t.BPF_MAP_TYPE_SOCKMAP, 4, 4, 1),
            "map_sockhash": lambda: self._map(t.BPF_MAP_TYPE_SOCKHASH, 4, 4, 1),
            "map_xskmap": lambda: self._map(t.BPF_MAP_TYPE_XSKMAP, 4, 4, 1),
            "map_stacktrace": lambda: self._map(t.BPF_MAP_TYPE_STACK_TRACE, 4, 8, 1),
            "map_spin_lock": lambda: self._btf_map(t.BPF_MAP_TYPE_ARRAY, 8, 1, 3),
            "map_array_ro": lambda: self._updated(
                self._map(t.BPF_MAP_TYPE_ARRAY, 4, TEST_VAL_SIZE, 1, t.BPF_F_RDONLY_PROG)
            ),
            "map_array_wo": lambda: self._updated(
                self._map(t.BPF_MAP_TYPE_ARRAY, 4, TEST_VAL_SIZE, 1, t.BPF_F_WRONLY_PROG)
            ),
            "map_array_small": lambda: self._updated(self._map(t.BPF_MAP_TYPE_ARRAY, 4, 1, 1)),
            "sk_storage_map": lambda: self._btf_map(t.BPF_MAP_TYPE_SK_STORAGE, 8, 0, 3, t.BPF_F_NO_PREALLOC),
            "map_event_output": lambda: self._map(t.BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 1),
            "map_reuseport_array": lambda: self._map(t.BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, 4, 8, 1),
            "map_ringbuf": lambda: self._map(t.BPF_MAP_TYPE_RINGBUF, 0, 0, self.pagesize),
            "map_timer": lambda: self._btf_map(t.BPF_MAP_TYPE_ARRAY, 16, 1, 5),
            "map_kptr": lambda: self._btf_map(t.BPF_MAP_TYPE_ARRAY, 24, 1, 14),
        }
        if kind not in makers:
            raise KeyError(f"unknown fixup_{kind}")
        return makers[kind]()


def _patch_imm(prog: bytearray, index: int, imm: int) -> None:
    struct.pack_into("<i", prog, index * 8 + 4, imm)


def _patch_off(prog: bytearray, index: int, off: int) -> None:
    struct.pack_into("<h", prog, index * 8 + 2, off)


def kfunc_ids(test: dict[str, Any]) -> list[tuple[int, int]] | None:
    """``fixup_prog_kfuncs``: (instruction, vmlinux BTF id) per kfunc; None when one is not in vmlinux
    (test_verifier then looks in bpf_testmod)."""
    out = []
    btf = vmlinux_btf()
    for name, index in test["fixup_kfunc_btf_id"]:
        try:
            out.append((index, btf.find(name, Func) if btf is not None else 0))
        except BTFError:
            return None
    return out


def attach_btf_id(test: dict[str, Any]) -> int:
    """``libbpf_find_vmlinux_btf_id(test->kfunc, expected_attach_type)`` (0 when not found)."""
    btf = vmlinux_btf()
    if btf is None:
        return 0
    prefix, kind = _ATTACH_BTF.get(test["expected_attach_type"], ("", Func))
    try:
        return btf.find(prefix + test["kfunc"], kind)
    except BTFError:
        return 0


def _xlated(backend: Backend, fd: int) -> bytes:
    """``get_xlated_program``: the rewritten instructions of program ``fd``."""
    info = bpf_prog_get_info_by_fd(fd, backend=backend)
    size = int(info.xlated_prog_len)
    buf = ctypes.create_string_buffer(max(size, 1))
    info = uapi.bpf_prog_info()
    info.xlated_prog_len, info.xlated_prog_insns = size, ctypes.addressof(buf)
    bpf_prog_get_info_by_fd(fd, info, backend=backend)
    return buf.raw[: int(info.xlated_prog_len)]


def load_one(test: dict[str, Any], data: dict[str, Any], backend: Backend, timeout: int) -> Result:
    """test_verifier's ``do_test_single`` (privileged) on ``backend``: fixups, load, xlated, runs."""
    result = Result()
    prog_type = test["prog_type"] or uapi.BPF_PROG_TYPE_SOCKET_FILTER
    prog = bytearray(bytes.fromhex(test["insns"]))
    fixups = Fixups(backend, data["map_btf_raw"], prog_type, data["pagesize"])
    fd = -1
    try:
        with deadline(timeout):
            try:
                for kind, indexes in test["fixups"].items():
                    map_fd = fixups.create(kind)
                    for index in indexes:
                        _patch_imm(prog, index, map_fd)
            except OSError as exc:
                result.errno, result.log = exc.errno or errno.EINVAL, f"(fixup: {exc})"
                result.skip = "fixup map refused"
                return result
            kfuncs = kfunc_ids(test)
            if kfuncs is None:
                result.skip = "bpf_testmod kfunc"
                return result
            for index, btf_id in kfuncs:
                _patch_imm(prog, index, btf_id)
            flags = DEFAULT_FLAGS
            if test["flags"] & F_LOAD_WITH_STRICT_ALIGNMENT:
                flags |= uapi.BPF_F_STRICT_ALIGNMENT
            if test["flags"] & F_NEEDS_EFFICIENT_UNALIGNED_ACCESS:
                flags |= uapi.BPF_F_ANY_ALIGNMENT
            if test["flags"] & ~3:
                flags |= test["flags"]
            log = ctypes.create_string_buffer(LOG_SIZE)
            opts = ProgLoadOpts(
                expected_attach_type=test["expected_attach_type"],
                prog_flags=flags,
                log_level=2 if test["result"] == VERBOSE_ACCEPT else DEFAULT_LIBBPF_LOG_LEVEL,
                log_buf=log,
                log_size=LOG_SIZE,
            )
            if prog_type in (uapi.BPF_PROG_TYPE_TRACING, uapi.BPF_PROG_TYPE_LSM) and test["kfunc"]:
                opts.attach_btf_id = attach_btf_id(test)
                if not opts.attach_btf_id:
                    result.errno, result.log = errno.ESRCH, f"(no BTF id for {test['kfunc']})"
                    return result
            if test["btf_types"] is not None:
                blob = btf_blob(bytes.fromhex(test["btf_types"]), bytes.fromhex(test["btf_strings"]))
                opts.prog_btf_fd = fixups.keep(bpf_btf_load(blob, backend=backend))
            if test["func_info"]:
                opts.func_info = b"".join(struct.pack("<II", off, tid) for off, tid in test["func_info"])
                opts.func_info_cnt, opts.func_info_rec_size = len(test["func_info"]), 8
            try:
                fd = bpf_prog_load(prog_type, None, "GPL", bytes(prog), len(prog) // 8, opts, backend=backend)
            except OSError as exc:
                result.errno = exc.errno or errno.EINVAL
                result.log = log.value.decode(errors="replace")
                return result
            result.log = log.value.decode(errors="replace")
            if test["expected_insns"] or test["unexpected_insns"]:
                result.xlated = _xlated(backend, fd)
            if test["runs"] >= 0:
                for run in test["retvals"]:
                    result.runs.append(test_run(backend, fd, bytes.fromhex(run["data"])))
    except Timeout:
        result.crash = f"timeout after {timeout} s"
    except Exception:  # a finding: pybpf must answer with an OSError
        result.crash = traceback.format_exc()
    finally:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
        fixups.close()
    return result


# -- the expectation -------------------------------------------------------------------------------------
def cmp_str_seq(log: str, expected: str) -> str | None:
    """test_verifier's ``cmp_str_seq``: None when every tab-separated part is found in order, else the
    first part missing."""
    pos = 0
    for part in expected.split("\t") if expected else []:
        at = log.find(part, pos)
        if at < 0:
            return part
        pos = at + len(part)
    return None


def _masked_equal(insn: bytes, pattern: bytes) -> bool:
    code, regs, off, imm = struct.unpack("<BBhi", insn)
    p_code, p_regs, p_off, p_imm = struct.unpack("<BBhi", pattern)
    return (
        (code, regs) == (p_code, p_regs) and p_off in (off, INSN_OFF_MASK) and p_imm in (imm, INSN_IMM_MASK)
    )


def find_all_subseqs(xlated: bytes, patterns: bytes) -> bool:
    """``find_all_insn_subseqs``: the SKIP_INSNS-separated parts of ``patterns`` appear one after another."""
    seq = [xlated[i : i + 8] for i in range(0, len(xlated), 8)]
    pats = [patterns[i : i + 8] for i in range(0, len(patterns), 8)]
    parts: list[list[bytes]] = [[]]
    for p in pats:
        if p == SKIP_INSN:
            parts.append([])
        else:
            parts[-1].append(p)
    start = 0
    for part in parts:
        found = next(
            (
                i
                for i in range(start, len(seq) - len(part) + 1)
                if all(_masked_equal(seq[i + j], part[j]) for j in range(len(part)))
            ),
            None,
        )
        if found is None:
            return False
        start = found + len(part)
    return True


def passes(test: dict[str, Any], result: Result, unpriv: bool = False) -> tuple[bool, str]:
    """Does ``result`` satisfy the test as test_verifier judges it (``unpriv``: its /u run)?  And why
    not."""
    if result.crash:
        return False, "crash"
    expected, errstr = test["result"], test["errstr"]
    if unpriv:
        expected = test["result_unpriv"] or expected
        errstr = test["errstr_unpriv"] or errstr
    if expected in (ACCEPT, VERBOSE_ACCEPT):
        if result.errno:
            return False, f"refused: {errno.errorcode.get(result.errno, result.errno)}"
        if expected == VERBOSE_ACCEPT and errstr and (missing := cmp_str_seq(result.log, errstr)) is not None:
            return False, f"msg: {missing}"
    else:
        if not result.errno:
            return False, "loaded"
        if errstr is None:
            return False, "no errstr"
        if (missing := cmp_str_seq(result.log, errstr)) is not None:
            return False, f"msg: {missing}"
    if test["insn_processed"] and not unpriv:
        at = result.log.find("processed ")
        got = int(result.log[at + 10 :].split(" ", 1)[0] or 0) if at >= 0 else 0
        if got != test["insn_processed"]:
            return False, f"insn_processed {got} != {test['insn_processed']}"
    if result.xlated is not None:
        if test["expected_insns"] and not find_all_subseqs(
            result.xlated, bytes.fromhex(test["expected_insns"])
        ):
            return False, "expected_insns not found"
        if test["unexpected_insns"] and find_all_subseqs(
            result.xlated, bytes.fromhex(test["unexpected_insns"])
        ):
            return False, "unexpected_insns found"
    for i, ((retval, run_errno), run) in enumerate(zip(result.runs, test["retvals"], strict=False)):
        if run_errno == ENOTSUPP:
            continue
        if run_errno:
            return False, f"run {i}: {errno.errorcode.get(run_errno, run_errno)}"
        wanted = run["retval_unpriv"] if unpriv and run["retval_unpriv"] else run["retval"]
        if wanted not in (POINTER_VALUE, retval):
            return False, f"run {i}: retval {retval} != {wanted}"
    return True, ""


def same_runs(test: dict[str, Any], mine: Result, kernel: Result) -> bool:
    """Did every run return what the kernel's did?  (An address for a POINTER_VALUE run: both ran.)"""
    if len(mine.runs) != len(kernel.runs):
        return False
    for (m, m_err), (k, k_err), run in zip(mine.runs, kernel.runs, test["retvals"], strict=False):
        if m_err != k_err or (run["retval"] != POINTER_VALUE and m != k):
            return False
    return True


# -- the report ------------------------------------------------------------------------------------------
@dataclass
class Row(Counts):
    """One verifier/*.c file's figures."""

    tests: int = 0
    skip: int = 0
    testmod: int = 0
    lockdown: int = 0
    lockdown_pybpf: int = 0
    kernel: int = 0
    agree: int = 0
    pybpf: int = 0
    both: int = 0
    crashes: int = 0
    spectre: int = 0


LOCKDOWN = "kernel lockdown (EPERM before verifying)"
_LOCKED_DOWN_TYPES = frozenset({uapi.BPF_PROG_TYPE_TRACING, uapi.BPF_PROG_TYPE_LSM, uapi.BPF_PROG_TYPE_EXT})


def _kernel_skip(test: dict[str, Any], kernel: Result) -> str:
    """Why the test is not measured here: test_verifier would skip it (a fixup map the kernel does not
    create, a bpf_testmod kfunc, a feature the kernel refuses with ENOTSUPP), or a kernel in lockdown
    refused a tracing/LSM/extension program with EPERM and no log before its verifier ran (pybpf
    answers as the kernel's source does; ``--details`` lists what it answered)."""
    if kernel.skip:
        return kernel.skip
    if kernel.errno == ENOTSUPP:
        return "unsupported feature (ENOTSUPP)"
    if kernel.errno == errno.EPERM and not kernel.log.strip() and test["prog_type"] in _LOCKED_DOWN_TYPES:
        return LOCKDOWN
    return ""


PRIV_DROPS = frozenset({CAP_SYS_ADMIN})
"""test_verifier's privileged caller: ``is_admin()`` drops CAP_SYS_ADMIN, keeping ADMIN_CAPS (CAP_NET_ADMIN,
CAP_PERFMON, CAP_BPF)."""
SPECTRE_MARKERS = ("!root",)
"""Log text of the kernel's Spectre rules (sanitize_ptr_alu's and sanitize_val_alu's refusals)."""


def test_as_unpriv(test: dict[str, Any]) -> bool:
    """test_verifier's ``test_as_unpriv()`` (an architecture with efficient unaligned access): socket
    filter and cgroup skb programs also run unprivileged."""
    return test["prog_type"] in (0, uapi.BPF_PROG_TYPE_SOCKET_FILTER, uapi.BPF_PROG_TYPE_CGROUP_SKB)


def _kernel_unpriv(test: dict[str, Any], data: dict[str, Any], timeout: int) -> Result:
    """``load_one`` on the kernel from a child without UNPRIV_DROPS' effective capabilities."""
    from tests.caps import reopen_unprivileged_bpf, run_without_caps

    reopen_unprivileged_bpf()  # (the sysctl is system-wide: another run may have set it back)
    result: Result = run_without_caps(UNPRIV_DROPS, lambda: load_one(test, data, NativeBackend(), timeout))
    return result


def run_file(
    name: str,
    tests: list[tuple[int, dict[str, Any]]],
    data: dict[str, Any],
    args: argparse.Namespace,
    details: list[dict[str, object]],
) -> Row:
    """Every test of one verifier/*.c file on both backends (``args.unpriv``: the /u runs)."""
    row = Row(name)
    unpriv = bool(args.unpriv)
    native = NativeBackend()
    drops = UNPRIV_DROPS if unpriv else PRIV_DROPS
    sysctl = 0 if unpriv else system_unprivileged_bpf_disabled()
    user = UserBackend(Credentials(ROOT_CREDENTIALS.caps - drops, sysctl))
    for number, test in tests:
        row.tests += 1
        if unpriv:
            kernel = _kernel_unpriv(test, data, args.timeout)
        else:
            kernel = load_one(test, data, native, args.timeout)
        skip = _kernel_skip(test, kernel)
        if skip and skip != LOCKDOWN:
            row.skip += 1
            row.testmod += skip == "bpf_testmod kfunc"
            details.append({"file": name, "test": number, "descr": test["descr"], "skipped": skip})
            continue
        mine = load_one(test, data, user, args.timeout)
        p_ok, p_why = passes(test, mine, unpriv)
        if skip:
            row.skip += 1
            row.lockdown += 1
            row.lockdown_pybpf += p_ok
            details.append(
                {
                    "file": name,
                    "test": number,
                    "descr": test["descr"],
                    "skipped": skip,
                    "pybpf_passes": p_ok,
                    "pybpf_why": p_why,
                    "pybpf_last": mine.crash or last_line(mine.log),
                }
            )
            continue
        k_ok, k_why = passes(test, kernel, unpriv)
        agree, other_reason = compare(kernel, mine, same_runs(test, mine, kernel))
        row.kernel += k_ok
        row.pybpf += p_ok
        row.both += k_ok and p_ok
        row.agree += agree
        spectre = k_ok and not p_ok and any(m in kernel.log for m in SPECTRE_MARKERS)
        row.spectre += spectre
        row.crashes += bool(mine.crash)
        # the same verdict with another reason (the last line of a refusal) is listed too
        if not agree or (k_ok and not p_ok) or other_reason:
            details.append(
                {
                    "file": name,
                    "test": number,
                    "descr": test["descr"],
                    "kernel": kernel.verdict,
                    "pybpf": mine.verdict,
                    "agree": agree,
                    "kernel_passes": k_ok,
                    "kernel_why": k_why,
                    "pybpf_passes": p_ok,
                    "pybpf_why": p_why,
                    "kernel_last": last_line(kernel.log),
                    "pybpf_last": mine.crash or last_line(mine.log),
                    "kernel_runs": kernel.runs,
                    "pybpf_runs": mine.runs,
                    "same_reason": not other_reason,
                    "spectre": spectre,
                }
            )
    return row


def read_suite(path: Path) -> dict[str, Any]:
    """The JSON ``build_selftests.sh -t`` wrote, with the map BTF decoded."""
    data: dict[str, Any] = json.loads(path.read_text())
    btf = data["map_btf"]
    data["map_btf_raw"] = (bytes.fromhex(btf["types"]), bytes.fromhex(btf["strings"]))
    return data


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("suite", type=Path, help="test_verifier.json from scripts/build_selftests.sh -t")
    parser.add_argument("--only", action="append", default=[], help="tests whose file or descr contains this")
    parser.add_argument(
        "--unpriv", action="store_true", help="test_verifier's /u runs (the sysctl at 0 meanwhile)"
    )
    args = parser.parse_args()
    if not prepare("pybpf-test-verifier-"):
        return 2
    data = read_suite(args.suite)
    if not args.unpriv:
        from tests.caps import drop_effective

        drop_effective(PRIV_DROPS)  # test_verifier's is_admin(), for the rest of the run
    if args.unpriv:
        data["tests"] = [test if test_as_unpriv(test) else None for test in data["tests"]]
        with unprivileged_bpf_open():
            return _report(args, data)
    return _report(args, data)


def _report(args: argparse.Namespace, data: dict[str, Any]) -> int:
    """Run the selected tests and print the table (``data["tests"]``: None for a test not run)."""
    details: list[dict[str, object]] = []
    header = f"{'file':28} {'tests':>5} {'skip':>5} {'kernel':>6} {'agree':>6} {'pybpf':>6} {'both':>6}"
    print(header)
    total = Row("total")
    rows: list[Counts] = []
    files: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, test in enumerate(data["tests"]):
        if test is None:
            continue
        if not args.only or any(o in test["file"] or o in test["descr"] for o in args.only):
            files.setdefault(test["file"], []).append((number, test))
    for name, tests in files.items():
        row = run_file(name, tests, data, args, details)
        rows.append(row)
        total.add(row)
        crash = f"  ({row.crashes} crashes)" if row.crashes else ""
        crash += f"  ({row.spectre} Spectre)" if row.spectre else ""
        print(
            f"{row.name:28} {row.tests:5} {row.skip:5} {row.kernel:6} {row.agree:6} {row.pybpf:6} "
            f"{row.both:6}{crash}",
            flush=True,
        )
    print(
        f"{f'total ({len(rows)} files)':28} {total.tests:5} {total.skip:5} {total.kernel:6} {total.agree:6} "
        f"{total.pybpf:6} {total.both:6}"
        + (f"  ({total.crashes} crashes)" if total.crashes else "")
        + (f"  ({total.spectre} of the kernel's passes pybpf fails on a Spectre rule)" if args.unpriv else "")
        + (f"  ({total.testmod} skipped for bpf_testmod)" if total.testmod else "")
        + (
            f"  ({total.lockdown} skipped for the kernel's lockdown; pybpf passes {total.lockdown_pybpf})"
            if total.lockdown
            else ""
        )
    )
    finish(args, rows, details)
    return 0


if __name__ == "__main__":
    sys.exit(main())
