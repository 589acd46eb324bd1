"""Programs as objects: BPF_PROG_LOAD, TEST_RUN, pins, info, ids, map references, tail calls.

Every test runs on pybpf and on the kernel and compares what they answer.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import socket
from pathlib import Path

import pytest

from pybpf import Map, Program, uapi
from pybpf.errors import BPFError
from pybpf.isa import assemble, encode_program
from pybpf.kernel.backend import Backend
from pybpf.kernel_version import KernelVersion
from tests.kernel_releases import RUNNING_RELEASE, ByRelease, Since

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

XDP = "xdp"
PKT = bytes(range(64))


def test_trivial_program_runs(backend: Backend) -> None:
    with Program.load("r0 = 2\nexit", XDP, name="two", backend=backend) as prog:
        result = prog.run(PKT)
        assert result.retval == 2
        assert result.data_out == PKT
        assert prog.name == "two"
        assert prog.prog_type == uapi.BPF_PROG_TYPE_XDP


_TAG_DIGEST = ByRelease("sha1", [Since(KernelVersion(6, 17), "sha256")])
"""The hash ``bpf_prog_calc_tag`` takes the first 8 bytes of, by release."""


def test_tag_matches_the_kernel(backend: Backend) -> None:
    text = "r1 = 5\nr0 = r1\nr0 += 7\nexit"
    digest = _TAG_DIGEST.modelled if backend.name == "user" else _TAG_DIGEST.at(RUNNING_RELEASE)
    with Program.load(text, XDP, backend=backend) as prog:
        # the tag of these exact instructions (no map fds to zero): pybpf's and the kernel's agree
        # where the running release hashes as the modelled one does
        assert prog.tag == hashlib.new(digest, encode_program(assemble(text))).hexdigest()[:16]


def test_program_counts_in_a_map_after_the_map_fd_is_closed(backend: Backend) -> None:
    counts = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, name="counts", backend=backend)
    text = """
        r1 = 0
        *(u32 *)(r10 - 4) = r1
        r2 = r10
        r2 += -4
        r1 = map_fd(counts) ll
        call bpf_map_lookup_elem
        if r0 == 0 goto out
        r1 = 1
        lock *(u64 *)(r0 + 0) += r1
    out:
        r0 = 2
        exit
    """
    prog = Program.load(text, XDP, maps={"counts": counts}, backend=backend)
    map_id = counts.info().id
    counts.close()
    for _ in range(3):
        assert prog.run(PKT).retval == 2
    assert prog.map_ids() == [map_id]
    again = Map.from_fd(_map_fd_by_id(map_id, backend), backend=backend)
    assert int.from_bytes(again[0], "little") == 3
    again.close()
    prog.close()


def _map_fd_by_id(map_id: int, backend: Backend) -> int:
    attr = uapi.bpf_attr()
    attr.map_id = map_id
    return backend.bpf(uapi.BPF_MAP_GET_FD_BY_ID, attr)


def test_pin_and_get(backend: Backend, pin_dir: Path) -> None:
    with Program.load("r0 = 3\nexit", XDP, name="pinned", backend=backend) as prog:
        path = str(pin_dir / "prog")
        prog.pin(path)
        with pytest.raises(BPFError) as exc:
            prog.pin(path)
        assert exc.value.errno == errno.EEXIST
        again = Program.from_pinned(path, backend=backend)
        assert again.id == prog.id
        assert again.run(PKT).retval == 3
        again.close()
        os.unlink(path)


def test_ids_enumerate_and_open(backend: Backend) -> None:
    with Program.load("r0 = 1\nexit", XDP, backend=backend) as prog:
        attr = uapi.bpf_attr()
        seen = []
        attr.start_id = 0
        while True:
            try:
                backend.bpf(uapi.BPF_PROG_GET_NEXT_ID, attr)
            except BPFError as exc:
                assert exc.errno == errno.ENOENT
                break
            seen.append(attr.next_id)
            attr.start_id = attr.next_id
        assert prog.id in seen
        other = Program.from_id(prog.id, backend=backend)
        assert other.run(PKT).retval == 1
        other.close()


def test_info_xlated_round_trip(backend: Backend) -> None:
    with Program.load("r0 = 4\nexit", XDP, backend=backend) as prog:
        xlated = prog.xlated()
        assert [(i.opcode, i.imm) for i in xlated] == [(0xB7, 4), (0x95, 0)]
        info = prog.info()
        assert info.xlated_prog_len == 16
        assert info.gpl_compatible == 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("insn_cnt_zero", errno.E2BIG),
        ("insn_cnt_huge", errno.E2BIG),
        ("bad_type", errno.EINVAL),
        ("log_buf_without_level", errno.EINVAL),
        ("bad_flags", errno.EINVAL),
        ("bad_insns_pointer", errno.EFAULT),
        ("bad_name", errno.EINVAL),
    ],
)
def test_load_attr_errors(backend: Backend, change: str, expected: int) -> None:
    code = ctypes.create_string_buffer(bytes.fromhex("b7000000020000009500000000000000"), 16)
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(256)
    attr = uapi.bpf_attr()
    attr.prog_type = uapi.BPF_PROG_TYPE_XDP
    attr.insns, attr.insn_cnt, attr.license = ctypes.addressof(code), 2, ctypes.addressof(lic)
    if change == "insn_cnt_zero":
        attr.insn_cnt = 0
    elif change == "insn_cnt_huge":
        attr.insn_cnt = 1_000_001
    elif change == "bad_type":
        attr.prog_type = 4000
    elif change == "log_buf_without_level":
        attr.log_buf, attr.log_size = ctypes.addressof(log), 256
    elif change == "bad_flags":
        attr.prog_flags = 1 << 30
    elif change == "bad_insns_pointer":
        attr.insns = 8
    elif change == "bad_name":
        attr.prog_name = b"bad-name"
    with pytest.raises(BPFError) as exc:
        backend.bpf(uapi.BPF_PROG_LOAD, attr)
    assert exc.value.errno == expected


def test_closed_map_fd_is_ebadf(backend: Backend) -> None:
    m = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, backend=backend)
    fd = m.fd
    m.close()
    with pytest.raises(BPFError) as exc:
        Program.load("r1 = map_fd(m) ll\nr0 = 0\nexit", XDP, maps={"m": fd}, backend=backend)
    assert exc.value.errno == errno.EBADF


def test_log_too_small_is_enospc(backend: Backend) -> None:
    # an unreachable instruction makes the verifier fail with a log line longer than 8 bytes
    with pytest.raises(BPFError) as exc:
        Program.load("r0 = 0\nexit\nr0 = 1\nexit", XDP, log_level=1, log_size=8, backend=backend)
    assert exc.value.errno == errno.ENOSPC  # the log's ENOSPC replaces the verifier's EINVAL


def test_program_fd_is_read_only(backend: Backend) -> None:
    with Program.load("r0 = 2\nexit", XDP, backend=backend) as prog:
        with pytest.raises(OSError):
            os.write(prog.fd, b"\0" * 16)
        assert prog.run(PKT).retval == 2


TAIL = """
    r6 = r1
    r1 = r6
    r2 = map_fd(jmp) ll
    r3 = {slot}
    call bpf_tail_call
    r0 = 1
    exit
"""


def test_tail_call_jumps_and_empty_slot_falls_through(backend: Backend) -> None:
    jmp = Map.create(uapi.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, backend=backend)
    target = Program.load("r0 = 7\nexit", XDP, backend=backend)
    jmp[0] = target.fd
    assert int.from_bytes(jmp[0], "little") == target.id
    caller0 = Program.load(TAIL.format(slot=0), XDP, maps={"jmp": jmp}, backend=backend)
    caller1 = Program.load(TAIL.format(slot=1), XDP, maps={"jmp": jmp}, backend=backend)
    caller9 = Program.load(TAIL.format(slot=9), XDP, maps={"jmp": jmp}, backend=backend)
    target_id = target.id
    target.close()  # the array holds it
    assert caller0.run(PKT).retval == 7
    assert caller1.run(PKT).retval == 1
    assert caller9.run(PKT).retval == 1
    del jmp[0]
    assert caller0.run(PKT).retval == 1
    with pytest.raises(BPFError) as exc:
        del jmp[0]
    assert exc.value.errno == errno.ENOENT
    assert target_id
    for p in (caller0, caller1, caller9):
        p.close()
    jmp.close()


def test_prog_array_update_errors(backend: Backend) -> None:
    jmp = Map.create(uapi.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2, backend=backend)
    xdp = Program.load("r0 = 7\nexit", XDP, backend=backend)
    sock = Program.load("r0 = 0\nexit", "socket_filter", backend=backend)
    other = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 1, backend=backend)
    cases = [
        (lambda: jmp.update(0, xdp.fd, uapi.BPF_NOEXIST), errno.EINVAL),
        (lambda: jmp.update(5, xdp.fd), errno.E2BIG),
        (lambda: jmp.update(0, other.fd), errno.EINVAL),
        (lambda: jmp.update(0, 9999), errno.EBADF),
    ]
    for call, expected in cases:
        with pytest.raises(BPFError) as exc:
            call()
        assert exc.value.errno == expected
    jmp[0] = xdp.fd
    with pytest.raises(BPFError) as exc:
        jmp[1] = sock.fd  # the array now belongs to XDP programs
    assert exc.value.errno == errno.EINVAL
    for obj in (jmp, xdp, sock, other):
        obj.close()


COUNT_AND_RECURSE = """
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(counts) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
    r1 = r6
    r2 = map_fd(jmp) ll
    r3 = 0
    call bpf_tail_call
out:
    r0 = 3
    exit
"""


def test_tail_call_limit_is_33(backend: Backend) -> None:
    jmp = Map.create(uapi.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 1, backend=backend)
    counts = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, backend=backend)
    prog = Program.load(COUNT_AND_RECURSE, XDP, maps={"jmp": jmp, "counts": counts}, backend=backend)
    jmp[0] = prog.fd
    assert prog.run(PKT).retval == 3
    assert int.from_bytes(counts[0], "little") == 34  # the first run plus 33 tail calls
    del jmp[0]
    for obj in (prog, jmp, counts):
        obj.close()


def test_program_works_in_a_process_that_only_received_its_fd(backend: Backend) -> None:
    counts = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, backend=backend)
    text = """
        r1 = 0
        *(u32 *)(r10 - 4) = r1
        r2 = r10
        r2 += -4
        r1 = map_fd(counts) ll
        call bpf_map_lookup_elem
        if r0 == 0 goto out
        r1 = 5
        *(u64 *)(r0 + 0) = r1
    out:
        r0 = 2
        exit
    """
    prog = Program.load(text, XDP, maps={"counts": counts}, backend=backend)
    map_id = counts.info().id
    counts.close()
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:  # the child receives the program fd and nothing else it needs
        status = 1
        try:
            parent.close()
            _, fds, _, _ = socket.recv_fds(child, 16, 1)
            received = Program.from_fd(fds[0], backend=backend)
            status = 0 if received.run(PKT).retval == 2 else 2
        finally:
            os._exit(status)
    child.close()
    socket.send_fds(parent, [b"x"], [prog.fd])
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    again = Map.from_fd(_map_fd_by_id(map_id, backend), backend=backend)
    assert int.from_bytes(again[0], "little") == 5
    again.close()
    prog.close()


def test_raw_tracepoint_ctx_must_cover_what_the_program_reads(backend: Backend) -> None:
    with Program.load("r0 = *(u64 *)(r1 + 16)\nexit", "raw_tracepoint", backend=backend) as prog:
        args = (7).to_bytes(8, "little") * 2 + (42).to_bytes(8, "little")
        assert prog.run(ctx=args).retval == 42
        with pytest.raises(BPFError) as exc:
            prog.run(ctx=args[:16])  # max_ctx_offset is 24
        assert exc.value.errno == errno.EINVAL


def test_syscall_program_writes_its_context_back(backend: Backend) -> None:
    text = "r2 = *(u32 *)(r1 + 0)\nr2 += 5\n*(u32 *)(r1 + 4) = r2\nr0 = 9\nexit"
    with Program.load(text, "syscall", prog_flags=uapi.BPF_F_SLEEPABLE, backend=backend) as prog:
        ctx = ctypes.create_string_buffer((10).to_bytes(4, "little") + bytes(4), 8)
        attr = uapi.bpf_attr()
        attr.test.prog_fd = prog.fd
        attr.test.ctx_in, attr.test.ctx_size_in = ctypes.addressof(ctx), 8
        backend.bpf(uapi.BPF_PROG_TEST_RUN, attr)
        assert attr.test.retval == 9
        assert int.from_bytes(ctx.raw[4:8], "little") == 15


def _btf_with_funcs(backend: Backend) -> int:
    """A BTF with two FUNCs (type ids 3 and 4; id 1 is an INT); returns its fd."""
    from tests.helpers.progs import _btf_two_funcs

    blob = _btf_two_funcs()
    data = ctypes.create_string_buffer(blob, len(blob))
    attr = uapi.bpf_attr()
    attr.btf, attr.btf_size = ctypes.addressof(data), len(blob)
    return backend.bpf(uapi.BPF_BTF_LOAD, attr)


CALLBACK = """
    r1 = 4
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    exit
cb:
    r0 = 0
    exit
"""


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ([(0, 3), (7, 4)], 0),
        ([(0, 3)], errno.EINVAL),  # one record for two subprograms
        ([(1, 3), (7, 4)], errno.EINVAL),  # the first record must be at insn 0
        ([(0, 3), (6, 4)], errno.EINVAL),  # not at the subprogram's start
        ([(0, 3), (7, 1)], errno.EINVAL),  # not a FUNC
        (None, errno.EINVAL),  # a callback needs func_info
    ],
)
def test_func_info(backend: Backend, records: list[tuple[int, int]] | None, expected: int) -> None:
    import struct

    from pybpf.isa.instruction import encode_program
    from pybpf.program import instructions_of

    btf_fd = _btf_with_funcs(backend)
    code = encode_program(instructions_of(CALLBACK))
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    raw = b"".join(struct.pack("<II", *r) for r in records or [])
    info = ctypes.create_string_buffer(raw or b"\0", max(1, len(raw)))
    attr = uapi.bpf_attr()
    attr.prog_type = uapi.BPF_PROG_TYPE_XDP
    attr.insns, attr.insn_cnt, attr.license = ctypes.addressof(insns), len(code) // 8, ctypes.addressof(lic)
    if records is not None:
        attr.prog_btf_fd = btf_fd
        attr.func_info, attr.func_info_cnt, attr.func_info_rec_size = ctypes.addressof(info), len(records), 8
    try:
        fd = backend.bpf(uapi.BPF_PROG_LOAD, attr)
    except BPFError as exc:
        assert exc.errno == expected
    else:
        assert expected == 0
        prog = Program.from_fd(fd, backend=backend)
        assert prog.run(PKT).retval == 4  # bpf_loop returns the number of iterations
        prog.close()
    finally:
        os.close(btf_fd)


def test_prog_array_delete_past_the_end_is_e2big(backend: Backend) -> None:
    jmp = Map.create(uapi.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2, backend=backend)
    with pytest.raises(BPFError) as exc:
        del jmp[5]
    assert exc.value.errno == errno.E2BIG
    jmp.close()


def test_unchecked_packet_read_is_refused_at_load(backend: Backend) -> None:
    """The kernel's verifier refuses this unchecked packet read at load time, and so does pybpf's
    (it used to load it and fault at run time); the map it updated before is untouched."""

    counts = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, backend=backend)
    counts[0] = 41
    text = """
        r6 = r1
        r1 = 0
        *(u32 *)(r10 - 4) = r1
        r2 = r10
        r2 += -4
        r1 = map_fd(counts) ll
        call bpf_map_lookup_elem
        if r0 == 0 goto out
        r1 = 1
        lock *(u64 *)(r0 + 0) += r1
        r2 = *(u32 *)(r6 + 0)
        r0 = *(u8 *)(r2 + 5000)
    out:
        exit
    """
    with pytest.raises(BPFError) as exc:
        Program.load(text, XDP, maps={"counts": counts}, backend=backend)
    assert exc.value.errno == errno.EACCES
    assert int.from_bytes(counts[0], "little") == 41
    counts.close()


@pytest.mark.parametrize(("prog_type", "flags"), [("xdp", 0), ("syscall", uapi.BPF_F_SLEEPABLE)])
def test_expected_attach_type(backend: Backend, prog_type: str, flags: int) -> None:
    """The kernel ignores expected_attach_type for XDP but refuses any for syscall programs."""
    try:
        text = "r0 = 0\nexit"
        Program.load(text, prog_type, expected_attach_type=37, prog_flags=flags, backend=backend).close()
        outcome = 0
    except BPFError as exc:
        outcome = exc.errno or 0
    assert outcome == (errno.EINVAL if prog_type == "syscall" else 0)
