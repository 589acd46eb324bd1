"""Helper prototypes as data, checked for shape and against the running kernel's verifier.

The kernel check loads ``call N; r0 = 0; exit`` as a non-GPL program for each helper, in the first
of several program types that offers it.  ``check_helper_call`` refuses a GPL-only helper before it
looks at any argument, so the log says whether the helper is GPL-only; otherwise it reports the
first argument it cannot accept (r1 holds the context, r2-r5 are uninitialised), which tells the
type class of the first argument and whether there is a second one.
"""

from __future__ import annotations

import ctypes
import os
import struct

import pytest

from pybpf.errors import BPFError
from pybpf.helpers.protos import PROTOS, ArgBase, ArgType, HelperProto, RetType, proto
from pybpf.isa.helper_names import HELPER_NAMES
from pybpf.kernel.native import native_bpf

BPF_PROG_LOAD = 5
PROG_TYPES = (1, 2, 3, 6, 5, 7, 8, 9, 10, 13, 14, 15, 16, 17, 19, 21, 22, 23)
"""socket_filter, kprobe, sched_cls, xdp, tracepoint, perf_event, cgroup_skb, cgroup_sock, lwt_in,
sock_ops, sk_skb, cgroup_device, sk_msg, raw_tracepoint, lwt_seg6local, sk_reuseport, flow_dissector,
cgroup_sysctl: the types that load without an attach target."""
UNAVAILABLE = ("unknown func", "program of this type cannot use helper")
GPL_REFUSAL = "cannot call GPL-restricted function from non-GPL compatible program"


def test_every_kernel_helper_has_a_proto() -> None:
    assert set(PROTOS) == set(HELPER_NAMES) - {0}
    for helper_id, entry in PROTOS.items():
        assert entry.id == helper_id and entry.name == HELPER_NAMES[helper_id]
        assert len(entry.args) <= 5
        assert proto(helper_id) is entry
    assert proto(0) is None and proto(10_000) is None


def test_sizes_follow_memory_arguments() -> None:
    """Each ARG_CONST_SIZE* follows a memory argument, as ``check_arg_pair_ok`` demands."""
    memory_bases = {ArgBase.PTR_TO_MEM, ArgBase.PTR_TO_FIXED_SIZE_MEM}
    for entry in PROTOS.values():
        for index, arg in enumerate(entry.args):
            if arg.is_size and arg is not ArgType.CONST_ALLOC_SIZE_OR_ZERO:
                assert index > 0 and entry.args[index - 1].base in memory_bases, entry.name
            if arg.base is ArgBase.PTR_TO_FIXED_SIZE_MEM:
                assert entry.arg_size(index), entry.name


def test_known_protos() -> None:
    lookup = PROTOS[1]
    assert lookup == HelperProto(
        1, "bpf_map_lookup_elem", RetType.PTR_TO_MAP_VALUE_OR_NULL,
        (ArgType.CONST_MAP_PTR, ArgType.PTR_TO_MAP_KEY), pkt_access=True,
    )  # fmt: skip
    assert PROTOS[88].args[1].uninit and PROTOS[88].args[1].base is ArgBase.PTR_TO_MAP_VALUE
    assert PROTOS[131].ret is RetType.PTR_TO_MEM_OR_NULL and PROTOS[131].ret.maybe_null
    assert PROTOS[132].args[0].release and PROTOS[93].ret is RetType.VOID
    assert PROTOS[105].arg_size(3) == 8 and PROTOS[163].arg_size(2) == 4
    assert PROTOS[206].arg_size(0) == 20 and PROTOS[207].arg_size(0) == 40
    assert PROTOS[6].gpl_only and not PROTOS[5].gpl_only
    assert PROTOS[164].args == (ArgType.CONST_MAP_PTR, ArgType.PTR_TO_FUNC, ArgType.PTR_TO_STACK_OR_NULL,
                                ArgType.ANYTHING)  # fmt: skip
    assert PROTOS[28].args[0].readonly and PROTOS[28].args[0].maybe_null


def _load_log(prog_type: int, helper_id: int) -> str:
    code = struct.pack("<BBhi", 0x85, 0, 0, helper_id) + struct.pack(
        "<BBhiBBhi", 0xB7, 0, 0, 0, 0x95, 0, 0, 0
    )
    insns = ctypes.create_string_buffer(code, len(code))
    licence = ctypes.create_string_buffer(b"Proprietary")
    log = ctypes.create_string_buffer(1 << 14)
    head = struct.pack(
        "<IIQQIIQ",
        prog_type,
        3,
        ctypes.addressof(insns),
        ctypes.addressof(licence),
        1,
        len(log),
        ctypes.addressof(log),
    )
    try:
        os.close(native_bpf(BPF_PROG_LOAD, head + bytes(128 - len(head))))
    except BPFError:
        return log.value.decode(errors="replace")
    return "ok"


def _kernel_verdicts() -> dict[int, str]:
    """helper id -> the verifier's last line for it in the first program type that offers it."""
    verdicts: dict[int, str] = {}
    for helper_id in PROTOS:
        for prog_type in PROG_TYPES:
            text = _load_log(prog_type, helper_id)
            if text == "ok":
                verdicts[helper_id] = "ok"
                break
            lines = [line for line in text.splitlines() if line and not line.startswith("processed ")]
            last = lines[-1] if lines else ""
            if not last or any(marker in last for marker in UNAVAILABLE) or "Invalid argument" in last:
                continue
            verdicts[helper_id] = last
            break
    return verdicts


@pytest.fixture(scope="module")
def verdicts(kernel: None) -> dict[int, str]:
    return _kernel_verdicts()


@pytest.fixture(scope="module")
def kernel() -> None:
    from pybpf.kernel.native import kernel_bpf_available

    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")


def test_gpl_only_matches_the_kernel(verdicts: dict[int, str]) -> None:
    assert len(verdicts) > 150  # most helpers load in one of these program types
    wrong = {
        PROTOS[helper_id].name: text
        for helper_id, text in verdicts.items()
        if (GPL_REFUSAL in text) != PROTOS[helper_id].gpl_only
    }
    assert not wrong
    assert sum(GPL_REFUSAL in text for text in verdicts.values()) >= 20


_EXPECTED_CLASSES: tuple[tuple[str, frozenset[ArgBase]], ...] = (
    ("expected=map_ptr", frozenset({ArgBase.CONST_MAP_PTR})),
    ("expected=fp, pkt", frozenset({ArgBase.PTR_TO_MEM, ArgBase.PTR_TO_FIXED_SIZE_MEM})),
    ("expected=fp, dynptr_ptr", frozenset({ArgBase.PTR_TO_DYNPTR})),
    ("expected=ringbuf_mem", frozenset({ArgBase.PTR_TO_RINGBUF_MEM})),
    (
        "expected=map_value",
        frozenset({ArgBase.PTR_TO_SPIN_LOCK, ArgBase.KPTR_XCHG_DEST, ArgBase.PTR_TO_TIMER}),
    ),
    ("expected=percpu_ptr_", frozenset({ArgBase.PTR_TO_PERCPU_BTF_ID})),
    ("expected=ptr_", frozenset({ArgBase.PTR_TO_BTF_ID})),
    (
        "expected=sock_common",
        frozenset({ArgBase.PTR_TO_SOCK_COMMON, ArgBase.PTR_TO_BTF_ID_SOCK_COMMON, ArgBase.PTR_TO_CTX}),
    ),
)
_CTX_LIKE = frozenset({ArgBase.PTR_TO_CTX, ArgBase.ANYTHING})


def test_first_argument_matches_the_kernel(verdicts: dict[int, str]) -> None:
    """The kernel's complaint about r1 (the context) or r2 agrees with the proto's first argument."""
    checked = 0
    for helper_id, text in verdicts.items():
        entry = PROTOS[helper_id]
        if GPL_REFUSAL in text:
            continue
        if text == "ok":
            assert len(entry.args) <= 1, entry.name
            assert not entry.args or entry.args[0].base in _CTX_LIKE, entry.name
        elif "R2 !read_ok" in text:
            assert len(entry.args) >= 2 and entry.args[0].base in _CTX_LIKE, entry.name
        elif "might sleep" in text:
            assert entry.might_sleep, entry.name
        else:
            for marker, bases in _EXPECTED_CLASSES:
                if marker in text:
                    assert entry.args and entry.args[0].base in bases, (entry.name, text)
                    break
            else:
                continue
        checked += 1
    assert checked > 120


# -- pkt_access: may a packet pointer be a memory argument? (XDP allows direct packet access) -------
PKT_PROGRAM = """
    r6 = r1
    r7 = *(u32 *)(r6 + 0)
    r8 = *(u32 *)(r6 + 4)
    r1 = r7
    r1 += 16
    if r1 > r8 goto out
    {setup}
    call {helper}
out:
    r0 = 2
    exit
"""
PKT_CASES = {
    # helper id: (map to create (type, key, value, max) or None, argument setup with r7 = packet)
    1: ((2, 4, 8, 1), "r1 = map_fd(m) ll\n r2 = r7"),
    2: ((1, 4, 8, 1), "r1 = map_fd(m) ll\n r2 = r7\n r3 = r7\n r4 = 0"),
    87: ((22, 0, 8, 4), "r1 = map_fd(m) ll\n r2 = r7\n r3 = 0"),
    28: (None, "r1 = r7\n r2 = 4\n r3 = 0\n r4 = 0\n r5 = 0"),
    130: ((27, 0, 0, 4096), "r1 = map_fd(m) ll\n r2 = r7\n r3 = 8\n r4 = 0"),
    189: (None, "r1 = r6\n r2 = 0\n r3 = r7\n r4 = 8"),
}


@pytest.mark.parametrize("helper_id", sorted(PKT_CASES))
def test_pkt_access_matches_the_kernel(kernel: None, helper_id: int) -> None:
    import pybpf
    from tests.differential.kernel_harness import BPF_PROG_TYPE_XDP, KernelRejected, map_create, prog_load

    spec, setup = PKT_CASES[helper_id]
    fd = map_create(*spec) if spec else -1
    try:
        text = PKT_PROGRAM.format(setup=setup, helper=helper_id)
        insns = pybpf.assemble(text, "kernel", maps={"m": max(fd, 0)})
        try:
            os.close(prog_load(insns, BPF_PROG_TYPE_XDP))
            accepted, log = True, ""
        except KernelRejected as exc:
            accepted, log = False, exc.log
    finally:
        if fd >= 0:
            os.close(fd)
    assert accepted == PROTOS[helper_id].pkt_access, log
    if not accepted:
        assert "helper access to the packet is not allowed" in log
