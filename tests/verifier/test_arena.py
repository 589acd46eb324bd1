"""The verifier on programs that use an arena: what Linux 6.18's verifier.c says, on pybpf.

The kernel this suite runs on refuses every arena (BPF_MAP_CREATE: EPERM) and every call of the
arena kfuncs ("calling kernel function ... is not allowed"), so what needs an arena is asserted here
against the kernel's source: check_map_prog_compatibility() (one arena per program, its user
address set), resolve_pseudo_ldimm64() and arena_map_direct_value_addr() (the arena's "value" is its
user address: ERANGE past it, a scalar to the verifier), check_alu_op() (the casts; PTR_TO_ARENA,
printed "arena"), adjust_reg_min_max_vals() (any arithmetic on an arena pointer, kept 32-bit by
do_misc_fixups()), check_kfunc_args() for the arena kfuncs' map argument.  What needs no arena
(the casts' field rules in programs without one) is in the corpus theme ``arena.asm``, recorded on
the kernel.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator

import pytest

from pybpf import Map, Program, uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import UserBackend
from tests.verifier.verifier_corpus import resolve_kfuncs

ARENA = uapi.BPF_MAP_TYPE_ARENA
PAGE = 4096
ADDRESS = 1 << 33


def _cast(dst: int, src: int, imm: int = 1) -> str:
    return f".insn 0xbf, {dst}, {src}, 1, {imm}"


@pytest.fixture
def arena() -> Iterator[Map]:
    with Map.create(ARENA, 0, 0, 4, uapi.BPF_F_MMAPABLE, map_extra=ADDRESS, backend=UserBackend()) as m:
        yield m


def _load(source: str, maps: dict[str, int], *, sleepable: bool = True) -> Program:
    return Program.load(
        resolve_kfuncs(source),
        "syscall" if sleepable else "socket_filter",
        maps=maps,
        prog_flags=uapi.BPF_F_SLEEPABLE if sleepable else 0,
        log_level=2,
        backend=UserBackend(),
    )


def _refusal(source: str, maps: dict[str, int], **kwargs: bool) -> tuple[int, str]:
    with pytest.raises(BPFError) as refused:
        _load(source, maps, **kwargs).close()
    log = (refused.value.log or "").strip().splitlines()
    lines = [line for line in log if not line.startswith(("processed ", "verification time"))]
    return refused.value.errno or 0, lines[-1] if lines else ""


def test_arena_pointers_in_the_log_and_xlated(arena: Map) -> None:
    """The arena's user address is a scalar; the cast makes it ``arena`` (nothing more printed),
    arithmetic keeps it one, a load through it gives a scalar.  Fixed up: the cast to address space 0
    is ``w2 = w1``, the 64-bit add a 32-bit one, the cast to address space 1 stays."""
    source = f"""
    r1 = map_value(a, 8)
    {_cast(2, 1)}
    r2 += 8
    r3 = *(u64 *)(r2 + 0)
    *(u32 *)(r2 + 4) = 7
    {_cast(4, 2, 1 << 16)}
    r0 = 0
    exit
"""
    with _load(source, {"a": arena.fd}) as program:
        log = program.log
        xlated = [(insn.opcode, insn.off, insn.imm) for insn in program.xlated()]
    assert xlated[0][0] == 0x18 and xlated[1:4] == [(0xBC, 0, 0), (0x04, 0, 8), (0x79, 0, 0)]
    assert (0xBF, 1, 1 << 16) in xlated
    assert "R1=scalar()" in log  # the user address: a number to the verifier
    assert "R2=arena" in log and "R2=arena(" not in log
    assert "R3=scalar()" in log


def test_one_arena_per_program(arena: Map) -> None:
    with Map.create(ARENA, 0, 0, 1, uapi.BPF_F_MMAPABLE, map_extra=ADDRESS << 1) as second:
        source = "r1 = map_fd(a) ll\nr1 = map_fd(b) ll\nr0 = 0\nexit"
        assert _refusal(source, {"a": arena.fd, "b": second.fd}) == (
            errno.EBUSY,
            "Only one arena per program",
        )


def test_user_address_must_be_set() -> None:
    with Map.create(ARENA, 0, 0, 1, uapi.BPF_F_MMAPABLE) as unmapped:
        assert _refusal("r1 = map_fd(a) ll\nr0 = 0\nexit", {"a": unmapped.fd}) == (
            errno.EINVAL,
            "arena's user address must be set via map_extra or mmap()",
        )


def test_value_offset_past_the_arena(arena: Map) -> None:
    assert _refusal(f"r1 = map_value(a, {4 * PAGE + 1})\nr0 = 0\nexit", {"a": arena.fd}) == (
        errno.ERANGE,
        f"invalid access to map value pointer, value_size=0 off={4 * PAGE + 1}",
    )
    _load(f"r1 = map_value(a, {4 * PAGE})\nr0 = 0\nexit", {"a": arena.fd}).close()


def test_user_address_is_no_pointer(arena: Map) -> None:
    assert _refusal("r1 = map_value(a, 0)\nr0 = *(u64 *)(r1 + 0)\nexit", {"a": arena.fd}) == (
        errno.EACCES,
        "R1 invalid mem access 'scalar'",
    )


def test_scalar_plus_arena_pointer(arena: Map) -> None:
    source = f"r1 = map_value(a, 0)\n{_cast(2, 1)}\nr1 = 5\nr1 += r2\nr0 = 0\nexit"
    assert _refusal(source, {"a": arena.fd}) == (errno.EACCES, "R1 pointer arithmetic on arena prohibited")


ALLOC = (
    "r1 = map_fd(a) ll\n{r1}r2 = 0\nr3 = {r3}\nr4 = -1\nr5 = 0\ncall kfunc(bpf_arena_alloc_pages)\n"
    "{after}exit"
)


@pytest.mark.parametrize(
    ("r1", "r3", "after", "sleepable", "expected"),
    [
        ("", "1", "r0 = 0\n", True, None),
        ("", "1", "r0 = 0\n", False, (errno.EACCES, "sleepable kfunc bpf_arena_alloc_pages")),
        ("r1 = 0\n", "1", "r0 = 0\n", True, (errno.EACCES, "Possibly NULL pointer passed to trusted arg0")),
        ("r1 = r10\n", "1", "r0 = 0\n", True, (errno.EINVAL, "pointer in R1 isn't map pointer")),
        ("", "r10", "r0 = 0\n", True, (errno.EINVAL, "R3 is not a scalar")),
        ("", "1", "r0 = *(u64 *)(r0 + 0)\n", True, (errno.EACCES, "R0 invalid mem access 'scalar'")),
    ],
)
def test_alloc_pages_arguments(  # noqa: PLR0917
    arena: Map, r1: str, r3: str, after: str, sleepable: bool, expected: tuple[int, str] | None
) -> None:
    """check_kfunc_call() of bpf_arena_alloc_pages (KF_TRUSTED_ARGS | KF_SLEEPABLE): a map in R1,
    scalars after the ignored address; R0 a scalar (``void *``: the arena's address, uncast)."""
    source = ALLOC.format(r1=r1, r3=r3, after=after)
    if expected is None:
        _load(source, {"a": arena.fd}, sleepable=sleepable).close()
        return
    err, line = _refusal(source, {"a": arena.fd}, sleepable=sleepable)
    assert err == expected[0]
    assert expected[1] in line


def test_map_value_is_no_trusted_map(arena: Map) -> None:
    with Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, backend=UserBackend()) as array:
        source = (
            "r1 = map_fd(m) ll\nr2 = r10\nr2 += -4\n*(u32 *)(r10 - 4) = 0\ncall bpf_map_lookup_elem\n"
            "if r0 == 0 goto out\nr1 = r0\nr2 = 0\nr3 = 1\ncall kfunc(bpf_arena_free_pages)\n"
            "out:\nr0 = 0\nexit"
        )
        assert _refusal(source, {"m": array.fd}) == (errno.EINVAL, "R1 must be referenced or trusted")


@pytest.mark.parametrize("prog_type", ["xdp", "socket_filter", "sched_cls", "raw_tracepoint"])
def test_any_program_type_may_use_an_arena(arena: Map, prog_type: str) -> None:
    """No program type is refused an arena (check_map_prog_compatibility() has no such rule; only the
    kfuncs need a sleepable program): its globals are reached through the cast."""
    source = f"r1 = map_value(a, 16)\n{_cast(1, 1)}\nr0 = *(u32 *)(r1 + 0)\nr0 &= 1\nexit"
    Program.load(resolve_kfuncs(source), prog_type, maps={"a": arena.fd}, backend=UserBackend()).close()
