"""The string kfuncs (``pybpf.kfuncs.strings``) against the kernel and a plain model of its loops.

* Every program type may call them (kernel/bpf/helpers.c's common set): a one-call program loads in
  XDP, tc, socket filter, cgroup skb and (sleepable) SYSCALL programs on both backends; what the
  verifier checks of the arguments (nothing of an ``__ign`` string, a scalar for ``count``/``c``)
  gives the same verdict, errno and last log line on both.
* Results: a SYSCALL program calls all twelve on two strings in its context and writes the results
  back there; random strings (few letters, Latin-1 case pairs, so that matches and case folding
  happen), counts and characters run on pybpf's engines and the kernel and must agree with
  ``Model`` -- the kernel's loops written out byte by byte (Linux 6.18), checked against the kernel
  where bpf(2) works.  Addresses the kernel refuses (NULL, user space, not canonical: -ERANGE) or
  cannot read (-EFAULT), strings at the 64 KiB limit in a map value (-E2BIG), and strings in an XDP
  packet run on both too; a string that runs off program memory (-EFAULT where the kernel would
  fault) is checked on the functions.
"""

from __future__ import annotations

import errno
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pybpf
from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.helpers.context import HelperContext
from pybpf.helpers.trace_pipe import TRACE_PIPE
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs import strings
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.memory.regions import Memory

pytestmark = pytest.mark.usefixtures("engine")  # every program runs on each engine (tests/conftest.py)

LIMIT = 1 << 16  # XATTR_SIZE_MAX
FIELD = 64  # each string's bytes in the context
COUNT_AT, C_AT, RESULTS_AT = 2 * FIELD, 2 * FIELD + 8, 2 * FIELD + 16
ARGS = {  # each kfunc's registers: s1/s2 the context's strings, n the count, c the character
    "bpf_strcmp": ("s1", "s2"),
    "bpf_strcasecmp": ("s1", "s2"),
    "bpf_strchr": ("s1", "c"),
    "bpf_strchrnul": ("s1", "c"),
    "bpf_strnchr": ("s1", "n", "c"),
    "bpf_strrchr": ("s1", "c"),
    "bpf_strlen": ("s1",),
    "bpf_strnlen": ("s1", "n"),
    "bpf_strspn": ("s1", "s2"),
    "bpf_strcspn": ("s1", "s2"),
    "bpf_strstr": ("s1", "s2"),
    "bpf_strnstr": ("s1", "s2", "n"),
}
NAMES = tuple(ARGS)
SLEEPABLE_SYSCALL = {"prog_type": "syscall", "prog_flags": uapi.BPF_F_SLEEPABLE}


def _kfunc(name: str) -> int:
    btf_id = kernel_btf().func_id(name)
    assert btf_id is not None, name
    return btf_id


def _load(src: str, backend: Backend, prog_type: str = "syscall") -> pybpf.Program:
    flags = uapi.BPF_F_SLEEPABLE if prog_type == "syscall" else 0
    return pybpf.Program.load(src, prog_type, prog_flags=flags, backend=backend)


def _s32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value >> 31 else value


# --- the model: the kernel's loops, byte by byte ------------------------------------------------------


class Model:
    """Linux 6.18's string kfuncs over ``memory`` (offset -> byte; a missing offset faults)."""

    def __init__(self, memory: bytes) -> None:
        self.memory = memory

    def get(self, at: int) -> int:
        if not 0 <= at < len(self.memory):
            raise _Fault
        return self.memory[at]

    def call(self, name: str, *args: int) -> int:
        try:
            return int(getattr(self, name[len("bpf_") :])(*args))
        except _Fault:
            return -errno.EFAULT

    def strcmp(self, s1: int, s2: int, fold: bool = False) -> int:
        for i in range(LIMIT):
            c1, c2 = self.get(s1 + i), self.get(s2 + i)
            if fold:
                c1, c2 = _tolower(c1), _tolower(c2)
            if c1 != c2:
                return -1 if c1 < c2 else 1
            if c1 == 0:
                return 0
        return -errno.E2BIG

    def strcasecmp(self, s1: int, s2: int) -> int:
        return self.strcmp(s1, s2, fold=True)

    def strnchr(self, s: int, count: int, c: int) -> int:
        i = 0
        while i < count and i < LIMIT:
            sc = self.get(s + i)
            if sc == c & 0xFF:
                return i
            if sc == 0:
                return -errno.ENOENT
            i += 1
        return -errno.E2BIG if i == LIMIT else -errno.ENOENT

    def strchr(self, s: int, c: int) -> int:
        return self.strnchr(s, LIMIT, c)

    def strchrnul(self, s: int, c: int) -> int:
        for i in range(LIMIT):
            sc = self.get(s + i)
            if sc in (0, c & 0xFF):
                return i
        return -errno.E2BIG

    def strrchr(self, s: int, c: int) -> int:
        last = -errno.ENOENT
        for i in range(LIMIT):
            sc = self.get(s + i)
            if sc == _s32(c):
                last = i
            if sc == 0:
                return last
        return -errno.E2BIG

    def strnlen(self, s: int, count: int) -> int:
        i = 0
        while i < count and i < LIMIT:
            if self.get(s + i) == 0:
                return i
            i += 1
        return -errno.E2BIG if i == LIMIT else i

    def strlen(self, s: int) -> int:
        return self.strnlen(s, LIMIT)

    def _span(self, s: int, chars: int, accept: bool) -> int:
        for i in range(LIMIT):
            cs = self.get(s + i)
            if cs == 0:
                return i
            for j in range(LIMIT):
                ca = self.get(chars + j)
                if ca in (cs, 0):
                    break
            else:
                return -errno.E2BIG
            if (ca == 0) == accept:
                return i
        return -errno.E2BIG

    def strspn(self, s: int, accept: int) -> int:
        return self._span(s, accept, accept=True)

    def strcspn(self, s: int, reject: int) -> int:
        return self._span(s, reject, accept=False)

    def strnstr(self, s1: int, s2: int, length: int) -> int:
        for i in range(LIMIT):
            j = 0
            while i + j <= length and j < LIMIT:
                if self.get(s2 + j) == 0:
                    return i
                if i + j == length:
                    break
                c1 = self.get(s1 + i + j)
                if c1 == 0:
                    return -errno.ENOENT
                if c1 != self.get(s2 + j):
                    break
                j += 1
            if j == LIMIT:
                return -errno.E2BIG
            if i + j == length:
                return -errno.ENOENT
        return -errno.E2BIG

    def strstr(self, s1: int, s2: int) -> int:
        return self.strnstr(s1, s2, LIMIT)


class _Fault(Exception):
    pass


def _tolower(c: int) -> int:
    return c + 32 if 0x41 <= c <= 0x5A or (0xC0 <= c <= 0xDE and c != 0xD7) else c


# --- every program type may call them ---------------------------------------------------------------


@pytest.mark.parametrize("prog_type", ["xdp", "sched_cls", "socket_filter", "cgroup_skb", "syscall"])
def test_every_program_type_may_call_them(backend: Backend, prog_type: str) -> None:
    for name in NAMES:
        args = "".join(f"r{i} = 0\n" for i in range(1, len(ARGS[name]) + 1))
        with _load(f"{args}call kfunc({_kfunc(name)})\nr0 = 0\nexit", backend, prog_type) as prog:
            assert prog.fd >= 0


ARGUMENT_CASES = {  # what the verifier makes of each argument: nothing of a string, a scalar for the rest
    "uninit_string": "call 7\ncall kfunc(bpf_strlen)\nr0 = 0\nexit",
    "ctx_string": "call kfunc(bpf_strlen)\nr0 = 0\nexit",
    "stack_string_uninit": "r1 = r10\nr1 += -8\ncall kfunc(bpf_strlen)\nr0 = 0\nexit",
    "map_pointer_string": "r1 = map_fd(MAP) ll\ncall kfunc(bpf_strlen)\nr0 = 0\nexit",
    "pointer_count": "r1 = 0\nr2 = r10\ncall kfunc(bpf_strnlen)\nr0 = 0\nexit",
    "uninit_count": "r1 = 0\ncall kfunc(bpf_strnlen)\nr0 = 0\nexit",
    "pointer_char": "r1 = 0\nr2 = r1\nr2 = r10\ncall kfunc(bpf_strchr)\nr0 = 0\nexit",
    "unknown_count": "r1 = 0\ncall 7\nr2 = r0\nr1 = 0\ncall kfunc(bpf_strnlen)\nr0 = 0\nexit",
    "void_result": "r1 = 0\ncall kfunc(bpf_strlen)\nr0 <<= 32\nr0 >>= 32\nexit",
}


@pytest.mark.parametrize("case", sorted(ARGUMENT_CASES))
def test_argument_checks_match_the_kernel(case: str) -> None:
    """The verdict, errno and last log line of each case are the kernel's."""
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    outcomes = []
    for backend in (UserBackend(), NativeBackend()):
        with pybpf.Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, backend=backend) as map_:
            src = ARGUMENT_CASES[case].replace("MAP", str(map_.fd))
            for name in NAMES:
                src = src.replace(f"kfunc({name})", f"kfunc({_kfunc(name)})")
            try:
                pybpf.Program.load(src, "xdp", backend=backend, log_level=1).close()
                outcomes.append((0, ""))
            except BPFError as exc:
                lines = [
                    line for line in (exc.log or "").splitlines() if line and not line.startswith("processed")
                ]
                outcomes.append((exc.errno or 0, lines[-1] if lines else ""))
    assert outcomes[0] == outcomes[1]


# --- results on strings in the context ----------------------------------------------------------------


def _context_program() -> str:
    """Calls every string kfunc on the context's strings and stores each result (u32) after them."""
    regs = {
        "s1": "r1 = r6",
        "s2": "r{} = r6\nr{} += " + str(FIELD),
        "n": "r{} = *(u64 *)(r6 + " + str(COUNT_AT) + ")",
    }
    regs["c"] = "r{} = *(u64 *)(r6 + " + str(C_AT) + ")"
    lines = ["r6 = r1"]
    for k, name in enumerate(NAMES):
        for i, arg in enumerate(ARGS[name], 1):
            lines.append(regs[arg].replace("r1 = r6", f"r{i} = r6").format(i, i))
        lines.append(f"call kfunc({_kfunc(name)})")
        lines.append(f"*(u32 *)(r6 + {RESULTS_AT + 4 * k}) = r0")
    lines += ["r0 = 0", "exit"]
    return "\n".join(lines)


def _context(s1: bytes, s2: bytes, count: int, c: int) -> bytes:
    field = FIELD - 1  # a NUL always ends each field: nothing past the context is ever read
    return (
        s1[:field].ljust(FIELD, b"\0")
        + s2[:field].ljust(FIELD, b"\0")
        + struct.pack("<QQ", count, c)
        + bytes(4 * len(NAMES))
    )


def _expected(context: bytes) -> list[int]:
    model = Model(context)
    count, c = struct.unpack_from("<QQ", context, COUNT_AT)
    values = {"s1": 0, "s2": FIELD, "n": count, "c": c}
    return [model.call(name, *(values[a] for a in ARGS[name])) for name in NAMES]


def _results(prog: pybpf.Program, context: bytes) -> list[int]:
    out = prog.run(ctx=context).ctx_out
    assert out is not None
    return [_s32(v) for v in struct.unpack_from(f"<{len(NAMES)}I", out, RESULTS_AT)]


_ALPHABET = b"abcAB\xc0\xe0\xd7\xf7 "
_TEXT = st.binary(max_size=FIELD).map(lambda raw: bytes(_ALPHABET[b % len(_ALPHABET)] for b in raw))


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(
    s1=_TEXT,
    s2=st.one_of(_TEXT, _TEXT.map(lambda t: t[: len(t) // 4])),
    count=st.one_of(st.integers(0, 80), st.sampled_from([LIMIT - 1, LIMIT, LIMIT + 1, 1 << 63])),
    c=st.one_of(
        st.sampled_from([*_ALPHABET, 0, 0x161, -0x1F & 0xFFFF_FFFF_FFFF_FFFF]),
        st.integers(0, (1 << 64) - 1),
    ),
)
def test_results_match_the_model(backend: Backend, s1: bytes, s2: bytes, count: int, c: int) -> None:
    context = _context(s1, s2, count, c)
    with _load(_context_program(), backend) as prog:
        assert _results(prog, context) == _expected(context)


@pytest.mark.parametrize(
    ("s1", "s2", "count", "c"),
    [
        (b"", b"", 0, 0),  # empty strings, n = 0
        (b"hello", b"", 0, ord("l")),
        (b"hello", b"hello", 5, 0),  # the NUL is a character of the string
        (b"openat", b"open", 4, ord("t")),  # a needle that ends exactly at n
        (b"openat", b"open", 3, 0x16F),  # the char is the register's low byte
        (b"HeLLo \xc0\xd7", b"hello \xe0\xd7", 64, 0xFFFF_FFFF_FFFF_FF80),
        (b"aaab", b"aab", 10, ord("a")),  # a partial match before the match
        (b"abcabc", b"cba", 2, ord("c")),
    ],
)
def test_edge_cases_match_the_model(backend: Backend, s1: bytes, s2: bytes, count: int, c: int) -> None:
    context = _context(s1, s2, count, c)
    with _load(_context_program(), backend) as prog:
        assert _results(prog, context) == _expected(context)


# --- addresses the kernel refuses or cannot read ---------------------------------------------------------


BAD_ADDRESSES = {
    "null": (0, -errno.ERANGE),
    "user": (0x1000, -errno.ERANGE),
    "top_of_user": ((1 << 47) - 1, -errno.ERANGE),
    "non_canonical": (1 << 63, -errno.ERANGE),
    "unmapped_kernel": (0xFFFF_FFFF_FFFF_F000, -errno.EFAULT),
}


@pytest.mark.parametrize("where", sorted(BAD_ADDRESSES))
def test_bad_addresses(backend: Backend, where: str) -> None:
    """Each kfunc with its first string, then its second, at an address the kernel refuses (-ERANGE)
    or cannot read (-EFAULT); the other string is a good one in the context."""
    address, err = BAD_ADDRESSES[where]
    lines = ["r6 = r1"]
    slot = 0
    for name in NAMES:
        for bad in ("s1", "s2"):
            if bad not in ARGS[name]:
                continue
            for i, arg in enumerate(ARGS[name], 1):
                if arg == bad:
                    lines.append(f"r{i} = {address:#x} ll")
                elif arg in ("s1", "s2"):
                    lines.append(f"r{i} = r6")
                else:
                    lines.append(f"r{i} = 3")
            lines += [f"call kfunc({_kfunc(name)})", f"*(u32 *)(r6 + {4 * slot}) = r0"]
            slot += 1
    lines += ["r0 = 0", "exit"]
    with _load("\n".join(lines), backend) as prog:
        out = prog.run(ctx=b"ab\0".ljust(4 * slot, b"\0")).ctx_out
    assert out is not None
    assert [_s32(v) for v in struct.unpack(f"<{slot}I", out[: 4 * slot])] == [err] * slot


def test_result_is_zero_extended(backend: Backend) -> None:
    """r0 holds the int zero-extended: bpf_strlen(NULL)'s upper half is 0."""
    src = f"r1 = 0\ncall kfunc({_kfunc('bpf_strlen')})\nr0 >>= 32\nexit"
    with _load(src, backend) as prog:
        assert prog.run(ctx=bytes(8)).retval == 0


# --- the 64 KiB limit, in a map value ---------------------------------------------------------------------


LONG_CALLS = (  # (kfunc, its arguments: "long" the 64 KiB of 'a' without a NUL, "b" the string "b")
    ("bpf_strlen", ("long",)),
    ("bpf_strnlen", ("long", LIMIT - 1)),
    ("bpf_strnlen", ("long", LIMIT)),
    ("bpf_strnlen", ("long", 1 << 40)),
    ("bpf_strchr", ("long", ord("b"))),
    ("bpf_strnchr", ("long", 100, ord("b"))),
    ("bpf_strnchr", ("long", LIMIT, ord("b"))),
    ("bpf_strchrnul", ("long", ord("b"))),
    ("bpf_strrchr", ("long", ord("a"))),
    ("bpf_strcmp", ("long", "long")),
    ("bpf_strcasecmp", ("long", "b")),
    ("bpf_strspn", ("b", "long")),
    ("bpf_strspn", ("long", "long")),
    ("bpf_strcspn", ("b", "long")),
    ("bpf_strstr", ("long", "b")),
    ("bpf_strnstr", ("long", "b", 300)),
    ("bpf_strstr", ("b", "long")),
)


def test_strings_at_the_limit(backend: Backend) -> None:
    """A map value of 64 KiB of 'a' then "b": every loop that reaches 65536 bytes is -E2BIG."""
    value = b"a" * LIMIT + b"b\0".ljust(64, b"\0")
    with pybpf.Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, len(value), 1, backend=backend) as map_:
        map_.update(0, value)
        lines = ["r9 = r1"]
        for k, (name, args) in enumerate(LONG_CALLS):
            for i, arg in enumerate(args, 1):
                if arg == "long":
                    lines.append(f"r{i} = map_value({map_.fd}, 0) ll")
                elif arg == "b":
                    lines.append(f"r{i} = map_value({map_.fd}, {LIMIT}) ll")
                else:
                    lines.append(f"r{i} = {arg} ll")
            lines += [f"call kfunc({_kfunc(name)})", f"*(u32 *)(r9 + {4 * k}) = r0"]
        lines += ["r0 = 0", "exit"]
        with _load("\n".join(lines), backend) as prog:
            out = prog.run(ctx=bytes(4 * len(LONG_CALLS))).ctx_out
    assert out is not None
    got = [_s32(v) for v in struct.unpack(f"<{len(LONG_CALLS)}I", out)]
    model = Model(value)
    places = {"long": 0, "b": LIMIT}
    want = [model.call(name, *(places.get(a, a) for a in args)) for name, args in LONG_CALLS]  # type: ignore[arg-type]
    assert got == want
    assert -errno.E2BIG in want and LIMIT - 1 in want


# --- strings in an XDP packet ----------------------------------------------------------------------------


def test_strings_in_the_packet(backend: Backend) -> None:
    """An XDP program passes packet pointers (unchecked: the strings are ``__ign``):
    bpf_strlen(data) + bpf_strstr(data, data + 32) << 8 + bpf_strcasecmp(data, data + 32) << 16."""
    src = f"""
        r6 = *(u32 *)(r1 + 0)
        r1 = r6
        call kfunc({_kfunc("bpf_strlen")})
        r7 = r0
        r7 &= 0xff
        r1 = r6
        r2 = r6
        r2 += 32
        call kfunc({_kfunc("bpf_strstr")})
        r0 &= 0xff
        r0 <<= 8
        r7 |= r0
        r1 = r6
        r2 = r6
        r2 += 32
        call kfunc({_kfunc("bpf_strcasecmp")})
        r0 &= 0xff
        r0 <<= 16
        r7 |= r0
        r0 = r7
        exit
    """
    packets = [
        b"GET /index.html\0".ljust(32, b"\0") + b"index\0".ljust(32, b"\0"),
        b"get /INDEX\0".ljust(32, b"\0") + b"GET /index\0".ljust(32, b"\0"),
        bytes(64),
    ]
    with _load(src, backend, "xdp") as prog:
        for packet in packets:
            model = Model(packet)
            want = (
                model.strlen(0) & 0xFF
                | (model.strstr(0, 32) & 0xFF) << 8
                | (model.strcasecmp(0, 32) & 0xFF) << 16
            )
            assert prog.run(packet).retval == want


# --- the functions on their own: strings that run off program memory ---------------------------------


@pytest.fixture
def ctx() -> HelperContext:
    return HelperContext(Memory(), TRACE_PIPE)


def test_a_string_that_runs_off_program_memory_faults(ctx: HelperContext) -> None:
    """Where the kernel would fault at the end of readable memory, pybpf's program memory ends: the
    byte past a region is -EFAULT at the point each loop reads it."""
    base = ctx.memory.add_buffer(16, name="scratch").start
    ctx.memory.write(base, b"abcdefgh" + b"ab\0" + b"xyzxy")  # 8 unterminated bytes at base + 11
    s, t, open_end = base, base + 8, base + 11
    r32 = 0xFFFF_FFFF
    assert strings.strlen(ctx, open_end) == -errno.EFAULT & r32
    assert strings.strnlen(ctx, open_end, 5) == 5  # the count ends it first
    assert strings.strnlen(ctx, open_end, 6) == -errno.EFAULT & r32
    assert strings.strchr(ctx, open_end, ord("y")) == 1  # found before the fault
    assert strings.strchr(ctx, open_end, ord("q")) == -errno.EFAULT & r32
    assert strings.strrchr(ctx, open_end, ord("y")) == -errno.EFAULT & r32  # the last one needs the end
    assert strings.strchrnul(ctx, open_end, ord("z")) == 2
    assert strings.strcmp(ctx, t, open_end) == -1 & r32  # 'a' < 'x' before either ends
    assert strings.strcmp(ctx, open_end, open_end) == -errno.EFAULT & r32
    assert strings.strspn(ctx, t, open_end) == -errno.EFAULT & r32  # 'a' not in the open set
    assert strings.strcspn(ctx, s, open_end) == -errno.EFAULT & r32
    assert strings.strcspn(ctx, open_end, t) == -errno.EFAULT & r32
    assert strings.strstr(ctx, open_end, t) == -errno.EFAULT & r32
    assert strings.strnstr(ctx, open_end, t, 4) == -errno.ENOENT & r32  # n ends it before the fault
    assert strings.strstr(ctx, s, t) == 0
    model = Model(ctx.memory.read(base, 16))
    for name, args in (
        ("strlen", (11,)),
        ("strchr", (11, ord("q"))),
        ("strcmp", (11, 11)),
        ("strstr", (11, 8)),
    ):
        assert model.call("bpf_" + name, *args) == -errno.EFAULT
