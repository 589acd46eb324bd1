"""The bpf(2) ABI against the kernel: bounded runs of the differential fuzzer, and its findings.

Every family of ``tests.kernel.abi_cases`` (the cases ``scripts/fuzz_abi.py`` runs by the
thousand) draws cases here through hypothesis and runs each on pybpf and on the running kernel: the
answers (errno, log, the fields written back, the map's info, the bytes copied out) must be equal,
but where the kernel's answer is this machine's (``abi_cases.environmental``: its lockdown refuses
freplace/LSM/fentry loads and arenas with EPERM) or a known gap explains the difference
(``abi_cases.known_gap``).  Without bpf(2) these skip.

Then one regression case per disagreement the fuzzer found and pybpf fixed, each asserting the
kernel's answer on pybpf always and equality with the kernel where it answers.
"""

from __future__ import annotations

import errno
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf import uapi
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.uapi import ENOTSUPP
from tests.kernel import abi_cases as ac

_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


def _kernel() -> NativeBackend:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    return NativeBackend()


def _compare(family: str, case: ac.Case) -> None:
    kernel = _kernel()
    theirs = ac.FAMILIES[family].run(case, kernel)
    if ac.environmental(family, case, theirs):
        return
    mine = ac.FAMILIES[family].run(case, UserBackend())
    assert mine == theirs or ac.known_gap(family, case), f"{family} {case}\npybpf:  {mine}\nkernel: {theirs}"


@pytest.mark.parametrize("family", sorted(ac.FAMILIES))
@_SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_family_agrees_with_the_kernel(family: str, seed: int) -> None:
    _compare(family, ac.case_of(family, seed))


# --- regressions: one per fix, from the fuzzer's findings -------------------------------------------
def _prog_load(**changes: Any) -> ac.Case:
    """A plain socket filter load with ``changes``."""
    base: ac.Case = {
        "prog_type": uapi.BPF_PROG_TYPE_SOCKET_FILTER,
        "text": "r0 = 0\nexit",
        "insn_cnt_delta": 0,
        "insns_null": False,
        "expected": 0,
        "prog_flags": 0,
        "kern_version": 0,
        "license": "GPL",
        "log_level": 0,
        "log_size": 0,
        "log_null": True,
        "name": b"",
        "fd_array": "none",
        "fd_array_cnt": 0,
        "func_info": 0,
        "func_info_rec_size": 8,
        "line_info": 0,
        "line_info_rec_size": 16,
        "prog_btf": "none",
        "attach_btf_id": 0,
        "attach_prog_fd": "none",
        "prog_ifindex": 0,
        "core_relo_cnt": 0,
        "core_relo_rec_size": 16,
        "size": None,
        "tail": b"",
    }
    return {**base, **changes}


def _test_run(**changes: Any) -> ac.Case:
    base: ac.Case = {
        "prog_type": uapi.BPF_PROG_TYPE_SCHED_CLS,
        "expected": 0,
        "retval": 0,
        "data_in": 64,
        "data_null": False,
        "data_out": 64,
        "ctx_in": None,
        "ctx_out": None,
        "ctx_byte": 0,
        "repeat": 1,
        "flags": 0,
        "cpu": 0,
        "batch_size": 0,
    }
    return {**base, **changes}


def _offloaded(map_type: int, key: int, value: int, entries: int) -> ac.Case:
    """A plain BPF_MAP_CREATE of ``map_type`` for device 99999 (none has it)."""
    return {
        **ac.case_of("map_create", 0),
        "map_type": map_type,
        "key_size": key,
        "value_size": value,
        "max_entries": entries,
        "map_flags": 0,
        "map_ifindex": 99999,
        "inner_map_fd": "none",
        "name": b"",
        "size": None,
        "tail": b"",
    }


def _elem(map_type: int, key: int, value: int, entries: int, *ops: dict[str, Any], flags: int = 0) -> ac.Case:
    return {
        "map_type": map_type,
        "key_size": key,
        "value_size": value,
        "max_entries": entries,
        "map_flags": flags,
        "prefill": 1,
        "freeze": False,
        "ops": [{**ac.ELEM_OP, **op} for op in ops],
    }


UPDATE = uapi.BPF_MAP_UPDATE_ELEM
REGRESSIONS: dict[str, tuple[str, ac.Case, Any]] = {
    # map_update_elem refuses BPF_F_LOCK on a map without a spin lock before it reads the key
    "f_lock_before_key_fd_array": (
        "map_elem",
        _elem(
            uapi.BPF_MAP_TYPE_PROG_ARRAY,
            4,
            4,
            4,
            {"cmd": UPDATE, "value_null": True, "flags": uapi.BPF_F_LOCK},
        ),
        ("op1", (errno.EINVAL, b"")),
    ),
    "f_lock_before_key_hash_of_maps": (
        "map_elem",
        _elem(
            uapi.BPF_MAP_TYPE_HASH_OF_MAPS,
            4,
            4,
            4,
            {"cmd": UPDATE, "key_null": True, "flags": uapi.BPF_F_LOCK | uapi.BPF_NOEXIST},
        ),
        ("op1", (errno.EINVAL, b"")),
    ),
    # fd_htab_map_alloc_check checks the value size alone: the program access flags are a hash's
    "hash_of_maps_rdonly_prog": (
        "map_elem",
        _elem(
            uapi.BPF_MAP_TYPE_HASH_OF_MAPS,
            4,
            4,
            4,
            {"cmd": uapi.BPF_MAP_LOOKUP_ELEM},
            flags=uapi.BPF_F_RDONLY_PROG,
        ),
        ("op1", (0, b"")),
    ),
    "array_of_maps_rdonly_prog": (
        "map_elem",
        _elem(uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, flags=uapi.BPF_F_RDONLY_PROG),
        ("create", errno.EINVAL),
    ),
    # bpf_prog_load: strncpy_from_bpfptr of a NULL license faults; a long one is cut, not refused
    "null_license": ("prog_load", _prog_load(license=None), errno.EFAULT),
    # bpf_prog_dev_bound_init (session 21, prog_load:400607): a device without ndo_bpf (the
    # loopback) is EOPNOTSUPP; no device EINVAL; a type that is neither tc nor XDP EINVAL first
    "offloaded_prog_on_the_loopback": (
        "prog_load",
        _prog_load(prog_type=uapi.BPF_PROG_TYPE_SCHED_CLS, prog_ifindex=1),
        errno.EOPNOTSUPP,
    ),
    "offloaded_prog_on_no_device": (
        "prog_load",
        _prog_load(prog_type=uapi.BPF_PROG_TYPE_XDP, prog_ifindex=99999),
        errno.EINVAL,
    ),
    "offloaded_socket_filter": ("prog_load", _prog_load(prog_ifindex=1), errno.EINVAL),
    # refused by check_btf_info_early(), before add_subprog_and_kfunc(): the statistics' "stack
    # depth" lists no subprogram (session 21, prog_load:402211: pybpf printed "stack depth 0")
    "stack_depth_of_a_refusal_before_subprogs": (
        "prog_load",
        _prog_load(
            prog_btf="btf", func_info=2, func_info_rec_size=4, log_level=7, log_size=4096, log_null=False
        ),
        errno.EINVAL,
    ),
    # a BTF object as attach_prog_fd is ENOTSUPP before bpf_prog_load_check_attach looks at the
    # expected attach type (session 21, prog_load:400588: pybpf checked the type first, EINVAL)
    "btf_attach_prog_fd_before_the_attach_type": (
        "prog_load",
        _prog_load(prog_type=uapi.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, expected=0, attach_prog_fd="btf"),
        ENOTSUPP,
    ),
    "long_license": ("prog_load", _prog_load(license="GPL" + "x" * 300), 0),
    # bpf_prog_load_check_attach comes before the instructions are copied
    "attach_checked_before_copy": (
        "prog_load",
        _prog_load(prog_type=uapi.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, insns_null=True),
        errno.EINVAL,
    ),
    # check_btf_info_early's refusal is inside bpf_check: the log closes with its statistics, which
    # do not fit a 1-byte buffer (ENOSPC replaces EINVAL)
    "func_info_without_btf_logs_stats": (
        "prog_load",
        _prog_load(func_info=2, func_info_rec_size=12, log_level=8, log_size=1, log_null=False),
        errno.ENOSPC,
    ),
    # session 19: check_btf_func_early's format string has no newline, the statistics follow on its line
    "func_info_offsets_not_increasing": (
        "prog_load",
        _prog_load(
            func_info=2, func_info_rec_size=8, prog_btf="btf", log_level=1, log_size=65536, log_null=False
        ),
        ("true_size", 164),
    ),
    # session 19: a cgroup link's relative_fd without ordering flags is EINVAL only after the
    # hierarchy check (EPERM below a parent's program that allows no override)
    "cgroup_link_hierarchy_before_relative_fd": (
        "cgroup_links",
        ac.case_of("cgroup_links", 200133),
        ("1:link", errno.EPERM),
    ),
    "line_info_without_btf_logs_stats": (
        "prog_load",
        _prog_load(line_info=2, line_info_rec_size=24, log_level=3, log_size=128, log_null=False),
        (
            "log",
            b"processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 "
            b"mark_read 0\n",
        ),
    ),
    # bpf_prog_get_info_by_fd copies to the pointers the caller gives a length for, NULL included
    "info_xlated_to_null": (
        "obj_info",
        {
            "object": "prog",
            "info_len": 232,
            "trailing": 0,
            "info_null": False,
            "pointers": [(24, "zero", 64)],
        },
        errno.EFAULT,
    ),
    "info_prog_tags_to_bad_pointer": (
        "obj_info",
        {"object": "prog", "info_len": 232, "trailing": 0, "info_null": False, "pointers": [(184, "bad", 4)]},
        errno.EFAULT,
    ),
    # a test run copies data and ctx in the type's test_run, after the type's own checks
    "no_test_run_before_data_fault": (
        "test_run",
        _test_run(prog_type=uapi.BPF_PROG_TYPE_TRACEPOINT, data_null=True),
        ENOTSUPP,
    ),
    "skb_flags_before_data_fault": ("test_run", _test_run(data_null=True, flags=8), errno.EINVAL),
    "skb_data_fault": ("test_run", _test_run(data_null=True), errno.EFAULT),
    # the info structs' trailing padding must be zero too (6.18: E2BIG), though info_len counts it
    "map_info_padding": (
        "obj_info",
        {
            "object": "hash",
            "info_len": 120,
            "trailing": 0,
            "info_null": False,
            "pointers": [(104, "zero", 16)],
        },
        errno.E2BIG,
    ),
    "prog_info_padding": (
        "obj_info",
        {
            "object": "prog",
            "info_len": 240,
            "trailing": 0,
            "info_null": False,
            "pointers": [(232, "zero", 8)],
        },
        errno.E2BIG,
    ),
    # process_fd_array reads the whole array when fd_array_cnt is given, before the BTF records
    "fd_array_cnt_reads_the_array": (
        "prog_load",
        _prog_load(
            fd_array_cnt=2, line_info=1, line_info_rec_size=16, log_level=1, log_size=4096, log_null=False
        ),
        errno.EFAULT,
    ),
    "fd_array_cnt_needs_maps_or_btf": (
        "prog_load",
        _prog_load(fd_array="buf", fd_array_cnt=2, log_level=1, log_size=4096, log_null=False),
        (
            "log",
            b"fd 0 is not pointing to valid bpf_map or btf\nprocessed 0 insns (limit 1000000) "
            b"max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n",
        ),
    ),
    # a map's ifindex (offload) is refused at map_alloc: after the type's own size checks
    "offloaded_map_after_size_checks": (
        "map_create",
        {
            **ac.case_of("map_create", 0),
            "map_type": uapi.BPF_MAP_TYPE_LRU_HASH,
            "key_size": 16,
            "value_size": 0xFFFFFFFF,
            "max_entries": 7,
            "map_flags": 0,
            "numa_node": 0,
            "map_extra": 0,
            "map_ifindex": 99999,
            "inner_map_fd": "none",
            "btf_fd": "none",
            "btf_key_type_id": 0,
            "btf_value_type_id": 0,
            "btf_vmlinux_value_type_id": 0,
            "value_type_btf_obj_fd": "none",
            "map_token_fd": "none",
            "name": b"",
            "size": None,
            "tail": b"",
        },
        errno.E2BIG,
    ),
    # bpf_map_offload_map_alloc (session 21, map_create:400554 and :401357): a device without
    # ndo_bpf (the loopback) is EOPNOTSUPP, not EINVAL ...
    "offloaded_map_on_the_loopback": (
        "map_create",
        {**_offloaded(uapi.BPF_MAP_TYPE_HASH, 4, 8, 4), "map_ifindex": 1, "name": b"sp ace"},
        errno.EOPNOTSUPP,
    ),
    # ... and a type without map_alloc_check goes to the offload ops unchecked: EINVAL (not array or
    # hash) where its own map_alloc would have said E2BIG
    "offloaded_map_of_a_type_without_alloc_check": (
        "map_create",
        _offloaded(uapi.BPF_MAP_TYPE_CGROUP_STORAGE, 8, 65536, 0),
        errno.EINVAL,
    ),
    "offloaded_ring_buffer_on_the_loopback": (
        "map_create",
        {**_offloaded(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, 4096), "map_ifindex": 1},
        errno.EINVAL,
    ),
    # cgroup_storage_check_btf: an 8-byte key is a 64-bit integer (type 2 is an 8-byte struct)
    "cgroup_storage_key_btf": (
        "btf_map",
        {
            "map_type": uapi.BPF_MAP_TYPE_CGROUP_STORAGE,
            "key_size": 8,
            "value_size": 4,
            "max_entries": 0,
            "map_flags": 0,
            "key_id": 2,
            "value_id": 1,
            "vmlinux_id": 0,
            "btf": "good",
        },
        errno.EINVAL,
    ),
    "cgroup_storage_u64_key_btf": (
        "btf_map",
        {
            "map_type": uapi.BPF_MAP_TYPE_CGROUP_STORAGE,
            "key_size": 8,
            "value_size": 4,
            "max_entries": 0,
            "map_flags": 0,
            "key_id": 8,
            "value_id": 1,
            "vmlinux_id": 0,
            "btf": "good",
        },
        0,
    ),
    # a flow dissector's data fault comes before its ctx's field checks
    "data_fault_before_ctx_checks": (
        "test_run",
        _test_run(
            prog_type=uapi.BPF_PROG_TYPE_FLOW_DISSECTOR,
            expected=uapi.BPF_FLOW_DISSECTOR,
            data_in=54,
            data_null=True,
            data_out=200,
            ctx_in=16,
            ctx_byte=1,
        ),
        errno.EFAULT,
    ),
    # ... but XDP reads its ctx first (it says where the data goes): a bad xdp_md before a data fault
    "xdp_ctx_before_data_fault": (
        "test_run",
        _test_run(
            prog_type=uapi.BPF_PROG_TYPE_XDP, data_in=54, data_null=True, data_out=14, ctx_in=8, ctx_byte=255
        ),
        errno.EINVAL,
    ),
    "ctx_fault": ("test_run", _test_run(ctx_in=64, ctx_bad=True), errno.EFAULT),
    "ctx_fault_before_sk_lookup_needs": (
        "test_run",
        _test_run(
            prog_type=uapi.BPF_PROG_TYPE_SK_LOOKUP,
            expected=uapi.BPF_SK_LOOKUP,
            data_in=0,
            data_null=True,
            data_out=None,
            ctx_in=64,
            ctx_bad=True,
        ),
        errno.EFAULT,
    ),
    # check_btf_line(): a second record on the same instruction, logged; a bad record size, silent
    "line_info_same_insn_twice": (
        "prog_load",
        _prog_load(prog_btf="btf", line_info=2, log_level=1, log_size=4096, log_null=False),
        errno.EINVAL,
    ),
    "line_info_odd_record_size": (
        "prog_load",
        _prog_load(
            prog_btf="btf", line_info=1, line_info_rec_size=17, log_level=1, log_size=4096, log_null=False
        ),
        errno.EINVAL,
    ),
    "line_info_wide_records": (
        "prog_load",
        _prog_load(
            prog_btf="btf", line_info=1, line_info_rec_size=24, log_level=1, log_size=4096, log_null=False
        ),
        0,
    ),
    "fd_array_cnt_too_big": (
        "prog_load",
        _prog_load(fd_array="buf", fd_array_cnt=0x40000000, log_level=1, log_size=4096, log_null=False),
        errno.EINVAL,
    ),
    # a refusal before add_subprog_and_kfunc(): the statistics' "stack depth " lists no subprogram
    "early_refusal_stack_depth_empty": (
        "prog_load",
        _prog_load(fd_array="none", fd_array_cnt=1 << 20, log_level=7, log_size=4096, log_null=False),
        errno.EFAULT,
    ),
    # a cgroup_sock program loaded for attach type 0 is an INET_SOCK_CREATE one: the target is next
    "cgroup_sock_attach_type_fixup": (
        "attach",
        {
            "cmd": uapi.BPF_PROG_ATTACH,
            "prog_type": uapi.BPF_PROG_TYPE_CGROUP_SOCK,
            "attach_type": uapi.BPF_CGROUP_INET_SOCK_CREATE,
            "expected": False,
            "target": "prog",
            "flags": 0,
            "prog": "prog",
            "tail": False,
        },
        errno.EBADF,
    ),
}


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_regression(name: str) -> None:
    family, case, expected = REGRESSIONS[name]
    mine = ac.FAMILIES[family].run(case, UserBackend())
    if isinstance(expected, int):
        assert mine.errno == expected, mine
    else:
        assert expected in mine.fields or (expected[0] == "create" and mine.fields == (expected,)), mine
    if kernel_bpf_available():
        theirs = ac.FAMILIES[family].run(case, NativeBackend())
        assert mine == theirs, f"pybpf:  {mine}\nkernel: {theirs}"


def test_prog_tags_per_function() -> None:
    """A two-function program reports one tag per function, each the kernel's (``jit_subprogs``'
    form of the calls: callee index in off, imm 1)."""
    import ctypes

    text = "call pc+2\nr0 = 0\nexit\nr0 = 1\nr0 += 2\nexit"
    answers = []
    backends: list[Any] = [UserBackend()] + ([NativeBackend()] if kernel_bpf_available() else [])
    for backend in backends:
        with ac.scope(backend) as s:
            fd = s.prog(uapi.BPF_PROG_TYPE_SOCKET_FILTER, text)
            info = uapi.bpf_prog_info()
            tags = ctypes.create_string_buffer(32)
            info.nr_prog_tags, info.prog_tags = 4, ctypes.addressof(tags)
            attr = uapi.bpf_attr()
            attr.info.bpf_fd, attr.info.info_len = fd, ctypes.sizeof(info)
            attr.info.info = ctypes.addressof(info)
            backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
            answers.append((info.nr_prog_tags, tags.raw))
    assert answers[0][0] == 2 and answers[0][1][16:] == bytes(16)
    assert answers[0][1][:8] != answers[0][1][8:16]
    assert len(set(answers)) == 1, answers


def _pin_op(op: str, obj: str = "map", path: str = "a", flags: int = 0) -> dict[str, Any]:
    return {"op": op, "object": obj, "path": path, "flags": flags, "bpf_fd": False}


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        # a closed fd or a file that is no bpf object: bpf_fd_probe_obj's EINVAL (was EBADF)
        ([_pin_op("pin", "bad")], errno.EINVAL),
        ([_pin_op("pin", "file")], errno.EINVAL),
        # the bpffs directory itself: bpf_inode_type's EACCES (was EISDIR)
        ([_pin_op("get", path=".")], errno.EACCES),
        # below a pinned object: the lookup's ENOTDIR (was ENOENT)
        ([_pin_op("pin", "prog"), _pin_op("pin", "map", path="a/x")], errno.ENOTDIR),
        # a pinned program got with BPF_F_WRONLY: opened (bpf_prog_new_fd ignores the flags; the
        # harness's info probe reads it as type 1 with EINVAL element calls), not EACCES (session 21,
        # obj_pin:400302: pybpf could not read its write-only open file to tell what it held)
        ([_pin_op("pin", "prog"), _pin_op("get", flags=uapi.BPF_F_WRONLY)], ("map", 1, 22, 22)),
    ],
)
def test_obj_pin_findings(ops: list[dict[str, Any]], expected: object) -> None:
    """BPF_OBJ_PIN / BPF_OBJ_GET answers scripts/fuzz_abi.py's obj_pin family found different: the
    last op's errno on pybpf, and every answer as the kernel's where bpf(2) works."""
    case: ac.Case = {"ops": ops}
    mine = ac.run_obj_pin(case, UserBackend())
    assert mine.fields[-1][1] == expected, mine
    if kernel_bpf_available():
        theirs = ac.run_obj_pin(case, NativeBackend())
        if theirs.errno == -1:
            pytest.skip("cannot mount a bpffs for the kernel")
        assert mine == theirs, f"pybpf:  {mine}\nkernel: {theirs}"
