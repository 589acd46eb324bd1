"""The conntrack kfuncs on pybpf and on the kernel: what test runs give (``pybpf.kfuncs.conntrack``).

Every program loads on both backends (the kernel where bpf(2) works, else the test is pybpf's
alone) and runs on each engine: the same verifier answer (errno and last log line), the same
return values.  The kernel's conntrack table is global and keeps an inserted entry for its timeout,
so every test draws fresh ports: its tuples are in neither table before it runs.
"""

from __future__ import annotations

import errno
import random

import pytest

import pybpf
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs import conntrack
from pybpf.verifier.kernel_btf import vmlinux_btf
from tests.verifier import verifier_corpus as vc

pytestmark = [
    pytest.mark.usefixtures("engine"),  # every program runs on each engine (tests/conftest.py)
    pytest.mark.skipif(vmlinux_btf() is None, reason="needs the kernel's BTF (kfunc ids, struct nf_conn)"),
]

LOOKUP = {"xdp": "bpf_xdp_ct_lookup", "sched_cls": "bpf_skb_ct_lookup"}
ALLOC = {"xdp": "bpf_xdp_ct_alloc", "sched_cls": "bpf_skb_ct_alloc"}


def backends() -> list[Backend]:
    return [UserBackend(), NativeBackend()] if kernel_bpf_available() else [UserBackend()]


def fresh_port() -> int:
    return random.SystemRandom().randrange(0x1000, 0xF000)


def setup(
    *,
    sport: int,
    dport: int,
    saddr: int = 0x0100007F,
    daddr: int = 0x0200007F,
    l4proto: int = 6,
    extra: str = "",
) -> str:
    """r6 = ctx; the options at r10-16 (netns_id -1, l4proto), the IPv4 tuple at r10-48."""
    return f"""
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = {l4proto}
    *(u8 *)(r10 - 8) = r1
    r1 = {saddr}
    *(u32 *)(r10 - 48) = r1
    r1 = {daddr}
    *(u32 *)(r10 - 44) = r1
    r1 = {sport}
    *(u16 *)(r10 - 40) = r1
    r1 = {dport}
    *(u16 *)(r10 - 38) = r1
{extra}"""


def call(kfunc: str, *, tuple_sz: int = 12, opts_sz: int = 16) -> str:
    return f"""
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = {tuple_sz}
    r4 = r10
    r4 += -16
    r5 = {opts_sz}
    call kfunc({kfunc})
"""


FAILED = """
failed:
    r0 = *(s32 *)(r10 - 12)
    r0 = -r0
    exit
"""


def lookup_program(prog_type: str, *, tuple_sz: int = 12, opts_sz: int = 16, **tuple_: int) -> str:
    """A lookup: 0x1000 | dir << 8 | status (the entry found, released), else -opts->error."""
    return (
        setup(**tuple_)
        + call(LOOKUP[prog_type], tuple_sz=tuple_sz, opts_sz=opts_sz)
        + """
    if r0 == 0 goto failed
    r7 = *(u64 *)(r0 + offsetof(nf_conn, status))
    r7 &= 0xff
    r7 |= 0x1000
    r8 = *(u8 *)(r10 - 7)
    r8 <<= 8
    r7 |= r8
    r1 = r0
    call kfunc(bpf_ct_release)
    r0 = r7
    exit
"""
        + FAILED
    )


def insert_program(
    prog_type: str, before: str = "", after: str = "", *, opts_sz: int = 16, **tuple_: int
) -> str:
    """Alloc, ``before`` (r7: the new entry), insert, ``after`` (r7: the inserted entry; r9 its
    result, 0 unless set): 0x2000 | r9 & 0xfff; 0x3000 when the insertion fails; else -opts->error."""
    return (
        setup(**tuple_)
        + call(ALLOC[prog_type], opts_sz=opts_sz)
        + f"""
    if r0 == 0 goto failed
    r7 = r0
    r9 = 0
{before}
    r1 = r7
    call kfunc(bpf_ct_insert_entry)
    if r0 == 0 goto not_inserted
    r7 = r0
{after}
    r1 = r7
    call kfunc(bpf_ct_release)
    r0 = r9
    r0 &= 0xfff
    r0 |= 0x2000
    exit
not_inserted:
    r0 = 0x3000
    exit
"""
        + FAILED
    )


def run_on(backend: Backend, source: str, prog_type: str) -> int:
    with pybpf.Program.load(vc.resolve_kfuncs(source), prog_type, backend=backend) as prog:
        return prog.run(bytes(64)).retval


def answers(source: str, prog_type: str) -> list[int]:
    """The program's return value on each backend (pybpf's first)."""
    return [run_on(backend, source, prog_type) for backend in backends()]


def test_nf_conn_layout_is_the_kernels() -> None:
    btf = vmlinux_btf()
    assert btf is not None
    nf_conn = btf.find("nf_conn")
    hash_size = btf.size_of(btf.find("nf_conntrack_tuple_hash"))
    tuple_at = btf.member_at(btf.find("nf_conntrack_tuple_hash"), "tuple").bit_offset // 8
    tuples = btf.member_at(nf_conn, "tuplehash").bit_offset // 8
    layout = conntrack.NF_CONN
    assert layout.size == btf.size_of(nf_conn)
    assert layout.tuples == (tuples + tuple_at, tuples + hash_size + tuple_at)
    for name in ("timeout", "zone", "status", "mark"):
        assert getattr(layout, name) == btf.member_at(nf_conn, name).bit_offset // 8, name
    assert btf.size_of(btf.find("nf_conntrack_tuple")) == conntrack._TUPLE.size
    assert btf.size_of(btf.find("bpf_ct_opts")) == conntrack.NF_BPF_CT_OPTS_SZ


@pytest.mark.parametrize("prog_type", sorted(LOOKUP))
@pytest.mark.parametrize(
    ("case", "want"),
    [
        ({}, errno.ENOENT),
        ({"opts_sz": 12}, errno.ENOENT),
        ({"opts_sz": 8}, errno.EINVAL),
        ({"tuple_sz": 10}, errno.EAFNOSUPPORT),
        ({"l4proto": 17}, errno.ENOENT),
        ({"l4proto": 1}, errno.EPROTO),
        ({"extra": "    r1 = 5\n    *(u8 *)(r10 - 1) = r1\n"}, errno.EINVAL),  # reserved byte set
        (
            {"extra": "    r1 = 3\n    *(u16 *)(r10 - 6) = r1\n", "opts_sz": 12},
            errno.EINVAL,
        ),  # zone id, 12 bytes
        ({"extra": "    r1 = -2\n    *(u32 *)(r10 - 16) = r1\n"}, errno.EINVAL),  # netns_id < -1
    ],
)
def test_lookup_that_finds_nothing(prog_type: str, case: dict[str, object], want: int) -> None:
    args: dict[str, object] = {"sport": fresh_port(), "dport": fresh_port(), **case}
    source = lookup_program(prog_type, **args)  # type: ignore[arg-type]
    assert answers(source, prog_type) == [want] * len(backends())


@pytest.mark.parametrize("prog_type", sorted(LOOKUP))
def test_inserted_entry_is_found_in_later_runs(prog_type: str) -> None:
    """An entry inserted by one run is there for the next ones, in both directions (opts->dir),
    confirmed; inserting its tuple again fails; a tuple never inserted stays -ENOENT."""
    for backend in backends():
        sport, dport = fresh_port(), fresh_port()
        ports = {"sport": sport, "dport": dport}
        reply = {"sport": dport, "dport": sport, "saddr": 0x0200007F, "daddr": 0x0100007F}
        assert run_on(backend, insert_program(prog_type, **ports), prog_type) == 0x2000, backend.name
        status = conntrack.IPS_CONFIRMED
        assert run_on(backend, lookup_program(prog_type, **ports), prog_type) == 0x1000 | status
        assert run_on(backend, lookup_program(prog_type, **reply), prog_type) == 0x1100 | status
        assert run_on(backend, insert_program(prog_type, **ports), prog_type) == 0x3000
        assert run_on(backend, insert_program(prog_type, **reply), prog_type) == 0x3000
        other = {"sport": sport, "dport": fresh_port()}
        assert run_on(backend, lookup_program(prog_type, **other), prog_type) == errno.ENOENT


READ_STATUS = "    r9 = *(u64 *)(r7 + offsetof(nf_conn, status))\n"
READ_TIMEOUT = "    r9 = *(u32 *)(r7 + offsetof(nf_conn, timeout))\n"
READ_MARK = "    r9 = *(u32 *)(r7 + offsetof(nf_conn, mark))\n"


def write_mark(value: int) -> str:
    return f"    r1 = {value}\n    *(u32 *)(r7 + offsetof(nf_conn, mark)) = r1\n"


def plain(name: str, value: int) -> str:
    """name(r7, value), its result not kept."""
    return f"    r1 = r7\n    r2 = {value}\n    call kfunc({name})\n"


def kcall(name: str, value: int) -> str:
    """r9 = name(r7, value) & 0xfff."""
    return f"    r1 = r7\n    r2 = {value}\n    call kfunc({name})\n    r9 = r0\n    r9 &= 0xfff\n"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(READ_STATUS, "", id="new-status"),
        pytest.param("", READ_STATUS, id="inserted-status"),
        pytest.param(READ_TIMEOUT, "", id="new-timeout"),
        pytest.param(plain("bpf_ct_set_timeout", 1234) + READ_TIMEOUT, "", id="set-timeout"),
        pytest.param(
            plain("bpf_ct_set_status", 0x400), kcall("bpf_ct_change_timeout", 1000), id="fixed-timeout"
        ),
        pytest.param("", kcall("bpf_ct_change_timeout", 5000), id="change-timeout"),
        pytest.param(write_mark(77), READ_MARK, id="mark-before"),
        pytest.param("", write_mark(78) + READ_MARK, id="mark-after"),
        *(
            pytest.param(kcall("bpf_ct_set_status", status), "", id=f"set-status-{status:#x}")
            for status in (0, 1, 2, 6, 8, 0x200, 0x400, 0x2000, 0xFFFF, 0x10000)
        ),
        *(
            pytest.param(
                plain("bpf_ct_set_status", 6) + kcall("bpf_ct_set_status", status),
                "",
                id=f"set-status-6-then-{status:#x}",
            )
            for status in (0, 2, 4, 6)
        ),
        *(
            pytest.param(
                kcall("bpf_ct_set_status", status), READ_STATUS, id=f"status-after-set-{status:#x}"
            )
            for status in (2, 6, 0x10, 0x400, 0x2000, 0x8000)
        ),
        *(
            pytest.param("", kcall("bpf_ct_change_status", status), id=f"change-status-{status:#x}")
            for status in (0, 8, 0xA, 0xE)
        ),
        *(
            pytest.param(
                "", kcall("bpf_ct_change_status", status) + READ_STATUS, id=f"status-after-change-{status:#x}"
            )
            for status in (0xA, 0xE, 0x408)
        ),
    ],
)  # fmt: skip
def test_entry_kfuncs_match_the_kernel(before: str, after: str) -> None:
    got = [
        run_on(backend, insert_program("xdp", before, after, sport=fresh_port(), dport=fresh_port()), "xdp")
        for backend in backends()
    ]
    assert len(set(got)) == 1, got
    assert got[0] >> 12 == 2  # inserted


def test_new_entry_values() -> None:
    """What the kernel gives, asserted on pybpf alone too: a new entry's timeout is 10 s of jiffies,
    set in milliseconds rounded up to jiffies."""
    for before, want in (
        (READ_TIMEOUT, 10 * conntrack.HZ),
        (plain("bpf_ct_set_timeout", 0) + READ_TIMEOUT, 0),
    ):
        source = insert_program("xdp", before, sport=fresh_port(), dport=fresh_port())
        assert run_on(UserBackend(), source, "xdp") == 0x2000 | want & 0xFFF
    set_timeout = plain("bpf_ct_set_timeout", 1001) + READ_TIMEOUT
    source = insert_program("xdp", set_timeout, sport=fresh_port(), dport=fresh_port())
    assert run_on(UserBackend(), source, "xdp") == 0x2000 | conntrack.msecs_to_jiffies(1001)
    assert conntrack.msecs_to_jiffies(1001) == 251


@pytest.mark.parametrize("manip", [0, 1])
@pytest.mark.parametrize("port", [0, 4242])
def test_nat_info(manip: int, port: int) -> None:
    """bpf_ct_set_nat_info() on a new entry: its result, twice, the status bits after insertion."""
    addr = """
    r1 = 0x0a00000a
    *(u32 *)(r10 - 64) = r1
    r1 = 0
    *(u32 *)(r10 - 60) = r1
    *(u64 *)(r10 - 56) = r1
"""
    nat = f"""
    r1 = r7
    r2 = r10
    r2 += -64
    r3 = {port}
    r4 = {manip}
    call kfunc(bpf_ct_set_nat_info)
    r9 = r0
"""
    for before, after in ((addr + nat, ""), (addr + nat + nat, ""), (addr + nat, READ_STATUS)):
        got = [
            run_on(
                backend, insert_program("xdp", before, after, sport=fresh_port(), dport=fresh_port()), "xdp"
            )
            for backend in backends()
        ]
        assert len(set(got)) == 1, got
