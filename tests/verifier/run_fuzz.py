"""What accepted programs do: BPF_PROG_TEST_RUN of one shaped program (tests.verifier.shape_generator)
on the kernel and on pybpf's two engines, the interpreter and the JIT, with the same packets and map
contents, and what each run leaves behind.

``runs()`` loads a program through a backend (as the caller its ``caps`` header names: on the kernel
from a forked child, tests/caps.py), then for every ``RunInput`` sets the maps' contents, runs the
program once on the input's packet and reads back the return value, the packet out and every map
(``RunOutcome``); pybpf's program is run once per engine (``ProgRuntime(prog, engine=...)``), so
what the verifier rewrote (the Spectre masking of a loader without CAP_PERFMON, the inlined helpers,
the fixups of kernel/bpf/verifier.c's do_misc_fixups()) runs on both.  ``run_program()`` and
``compare_runs()`` are what scripts/fuzz_verifier.py's ``--run`` mode and tests/verifier/
test_fuzz_runs.py use.

The shapes draw unknowns from bpf_get_prandom_u32 and bpf_ktime_get_ns, whose results no two runs
share: ``deterministic()`` replaces those calls by loads from the packet (XDP: a bounds-checked
direct load; socket filters and tc: BPF_LD_ABS), so that a run's result is a function of its input.
Programs that still call a helper whose result depends on the moment or the CPU are not run
(``nondeterministic()``).
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import errno
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pybpf import libbpf, uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.prog_run import ProgRuntime
from pybpf.kernel.progobj import ProgObject
from pybpf.maps.percpu import possible_cpus
from pybpf.objects.credentials import CAP_PERFMON, CAP_SYS_ADMIN, ROOT, Credentials
from tests.verifier import verifier_corpus as vc

ENGINES = ("interpreter", "jit")
"""pybpf's engines every accepted program runs on (``pybpf.kernel.prog_run.ENGINES``)."""
_SETTABLE = frozenset({"hash", "array", "percpu_hash", "percpu_array", "lru_hash"})
"""The map types whose contents an input sets and a run's outcome compares."""
_NOT_SET = frozenset({"spin_lock", "kptr", "frozen", "timer"})
"""Map flags that keep an input from setting the contents (a lock, timer or kptr field user space
does not write alike on both sides; a frozen map): the map is compared, never written."""
_NONDETERMINISTIC = (
    "bpf_get_smp_processor_id",
    "bpf_get_numa_node_id",
    "bpf_ktime_get_boot_ns",
    "bpf_ktime_get_coarse_ns",
    "bpf_ktime_get_tai_ns",
    "bpf_jiffies64",
    "bpf_get_prandom_u32",
    "bpf_ktime_get_ns",
    "bpf_ringbuf_query",
    "bpf_map_lookup_percpu_elem",
    "bpf_get_current_pid_tgid",
    "bpf_get_current_task",
)
"""Helpers whose result depends on the moment, the CPU or the thread: a program calling one is not run."""
_LD_ABS_TYPES = frozenset({"socket_filter", "sched_cls", "sched_act"})
"""The program types deterministic() gives BPF_LD_ABS loads (may_access_skb())."""
_CALL = re.compile(r"^(\s*)call (bpf_get_prandom_u32|bpf_ktime_get_ns)\s*$", re.MULTILINE)
PACKET_SIZES = (14, 34, 42, 64, 64, 100, 128)
"""Lengths of the generated packets (BPF_PROG_TEST_RUN wants an Ethernet header at least)."""
_OUT_SIZE = 4096


@dataclass(frozen=True)
class RunInput:
    """One run's input: the packet and the contents of the settable maps (name -> (key, value)...)."""

    packet: bytes
    maps: tuple[tuple[str, tuple[tuple[bytes, bytes], ...]], ...]


@dataclass(frozen=True)
class RunOutcome:
    """What one run gave: BPF_PROG_TEST_RUN's errno (0: it ran), r0, the packet out and every map's
    contents afterwards (name -> sorted (key, value) pairs; a per-CPU value as its CPUs' values sorted)."""

    err: int
    retval: int
    data_out: bytes
    maps: tuple[tuple[str, tuple[tuple[bytes, bytes], ...]], ...]

    def differs(self, other: RunOutcome) -> str:
        """The first field in which ``other`` differs ("" when none)."""
        for name in ("err", "retval", "data_out", "maps"):
            if getattr(self, name) != getattr(other, name):
                return name
        return ""


def deterministic(text: str, prog_type: str) -> str:
    """``text`` with every call of bpf_get_prandom_u32 / bpf_ktime_get_ns replaced by a load from
    the packet at an offset drawn from the call's place (r0 the loaded value, or 0 past the packet's
    end; r1-r3 clobbered, as a call clobbers r1-r5; r6 is the context there, as in every shape's
    main program).  Types with neither direct packet access nor LD_ABS keep their calls."""

    def replace(match: re.Match[str]) -> str:
        indent, name = match.group(1), match.group(2)
        wide = name == "bpf_ktime_get_ns"
        off = 14 + 4 * (match.start() % 11)
        if prog_type in _LD_ABS_TYPES:
            lines = [f"r0 = *(u32 *)skb[{off}]"]
            if wide:
                lines += ["r1 = r0", "r0 <<= 32", "r0 |= r1"]  # (LD_ABS clobbers r1-r5: one word twice)
        else:
            size = 8 if wide else 4
            lines = [
                "r0 = 0",
                "r1 = *(u32 *)(r6 +0)",
                "r2 = *(u32 *)(r6 +4)",
                "r3 = r1",
                f"r3 += {off + size}",
                "if r3 > r2 goto +1",
                f"r0 = *(u{8 * size} *)(r1 +{off})",
            ]
        return "\n".join(indent + line for line in lines)

    if prog_type != "xdp" and prog_type not in _LD_ABS_TYPES:
        return text
    return _CALL.sub(replace, text)


def nondeterministic(text: str) -> str:
    """The first helper ``text`` calls whose result no two runs share ("" when none), or
    ``may_goto`` for a program with a may_goto loop (up to 8 million iterations: the interpreter
    takes minutes where the kernel's JIT takes milliseconds; not run)."""
    for name in _NONDETERMINISTIC:
        if re.search(rf"call {name}\b", text):
            return name
    return "may_goto" if "may_goto" in text else ""


_UNSPECIFIED = re.compile(
    r"invalid (indirect )?read from stack|leaks addr|pointer comparison prohibited|partial copy"
    r"|pointer -= pointer prohibited|invalid size of register fill|attempt to corrupt spilled pointer"
    r"|pointer arithmetic with .* prohibited|bitwise operator .* on pointer prohibited"
    r"|32-bit pointer arithmetic prohibited|pointer arithmetic on .* prohibited"
)
"""A loader without CAP_PERFMON's refusals of what makes a privileged program's result unspecified:
reading stack never written (the kernel's holds what was there before, pybpf's zeros) or turning
addresses into values (a kernel address is not pybpf's)."""


def unspecified(program: vc.Program) -> str:
    """Why ``program``'s runs may differ between two correct implementations ("" when nothing
    says so): loaded by a caller with every capability but CAP_PERFMON (and CAP_SYS_ADMIN, which
    stands in for it), pybpf refuses it for reading uninitialised stack or leaking a pointer (the
    reason refused).  A program loaded without CAP_PERFMON already is never unspecified."""
    drops = vc.loader_drops(program)
    if CAP_PERFMON in drops and CAP_SYS_ADMIN in drops:
        return ""
    prober = UserBackend(Credentials(ROOT.caps - {CAP_PERFMON, CAP_SYS_ADMIN} - drops, 0))
    try:
        err, log = vc.load_with_log(dataclasses.replace(program, caps=""), prober)
    except OSError:
        return ""
    line = vc.reason(log) if err else ""
    if line.endswith("prohibited for !root"):  # sanitize_ptr_alu()'s Spectre refusals: defined results
        return ""
    return line if _UNSPECIFIED.search(line) else ""


def inputs(program: vc.Program, seed: int, count: int = 3) -> tuple[RunInput, ...]:
    """``count`` inputs for ``program``, a pure function of ``seed``: random packets (sizes of
    PACKET_SIZES, a few bytes small numbers so that offsets read from them land in range) and
    random contents of its settable maps (arrays in full, hashes one to four small keys)."""
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        size = rng.choice(PACKET_SIZES)
        packet = bytearray(rng.randbytes(size))
        for at in range(0, size, rng.choice((3, 5, 7))):
            packet[at] = rng.choice((0, 1, 2, 7, 8, 15, 16, 0x80, 0xFF))
        contents = []
        for m in program.maps:
            if m.map_type not in _SETTABLE or _NOT_SET & set(m.flags):
                continue
            if m.map_type.endswith("array"):
                keys = range(m.entries)
            else:
                keys = range(rng.randint(0, min(4, m.entries)))
                keys = rng.sample(range(8), len(keys))
            pairs = tuple(
                (key.to_bytes(m.key, "little"), _value(rng, m.value, percpu=m.map_type.startswith("percpu")))
                for key in keys
            )
            contents.append((m.name, pairs))
        made.append(RunInput(bytes(packet), tuple(contents)))
    return tuple(made)


def _value(rng: random.Random, size: int, *, percpu: bool) -> bytes:
    """A random value (small numbers, zeros and random bytes), per CPU when ``percpu``."""
    value = bytes(rng.choice((0, 0, 1, 3, 8, rng.randrange(256))) for _ in range(size))
    if not percpu:
        return value
    slot = (size + 7) // 8 * 8
    return value.ljust(slot, b"\0") * possible_cpus()


def _reset_maps(backend: Backend, fds: dict[str, int], given: RunInput, program: vc.Program) -> None:
    """The settable maps emptied (hashes) and filled with ``given``'s contents."""
    defs = {m.name: m for m in program.maps}
    for name, pairs in given.maps:
        fd = fds[name]
        if not defs[name].map_type.endswith("array"):
            for key in list(_keys(backend, fd)):
                libbpf.bpf_map_delete_elem(fd, key, backend=backend)
        for key, value in pairs:
            libbpf.bpf_map_update_elem(fd, key, value, backend=backend)


def _keys(backend: Backend, fd: int) -> Iterator[bytes]:
    key: bytes | None = None
    while True:
        try:
            key = libbpf.bpf_map_get_next_key(fd, key, backend=backend)
        except BPFError as error:
            if error.errno == errno.ENOENT:
                return
            raise
        yield key


def _contents(
    backend: Backend, fds: dict[str, int], program: vc.Program
) -> tuple[tuple[str, tuple[tuple[bytes, bytes], ...]], ...]:
    """Every settable map's contents (name -> sorted (key, value) pairs)."""
    dumped = []
    for m in program.maps:
        if m.map_type not in _SETTABLE or "kptr" in m.flags:
            continue
        pairs = []
        for key in _keys(backend, fds[m.name]):
            value = libbpf.bpf_map_lookup_elem(fds[m.name], key, backend=backend)
            if m.map_type.startswith("percpu"):
                slot = (m.value + 7) // 8 * 8
                chunks = sorted(value[at : at + m.value] for at in range(0, len(value), slot))
                value = b"".join(chunks)
            elif "spin_lock" in m.flags:  # (the lock word user space reads as 0 on both)
                value = value[:4] + bytes(4) + value[8:]
            elif "timer" in m.flags:  # (the struct bpf_timer at 8, its kernel pointer not user space's)
                value = value[:8] + bytes(16) + value[24:]
            pairs.append((key, value))
        dumped.append((m.name, tuple(sorted(pairs))))
    return tuple(dumped)


def _test_run(backend: Backend, fd: int, packet: bytes) -> tuple[int, int, bytes]:
    """(errno, retval, data_out) of one BPF_PROG_TEST_RUN of ``packet``."""
    data_in = ctypes.create_string_buffer(packet, len(packet))
    data_out = ctypes.create_string_buffer(_OUT_SIZE)
    attr = uapi.bpf_attr()
    t = attr.test
    t.prog_fd, t.repeat = fd, 1
    t.data_in, t.data_size_in = ctypes.addressof(data_in), len(packet)
    t.data_out, t.data_size_out = ctypes.addressof(data_out), _OUT_SIZE
    try:
        backend.bpf(uapi.BPF_PROG_TEST_RUN, attr)
    except BPFError as error:
        return error.errno or 0, 0, b""
    return 0, int(t.retval), data_out.raw[: min(int(t.data_size_out), _OUT_SIZE)]


def _run_all(
    backend: Backend, program: vc.Program, given: tuple[RunInput, ...], engines: tuple[str, ...]
) -> tuple[int, dict[str, tuple[RunOutcome, ...]]]:
    """Load ``program`` once and run every input on each engine (``""``: the backend's own)."""
    with vc.loaded(program, backend, log_level=0, log_size=0) as (fd, err, _, fds):
        if err:
            return err, {}
        results = {}
        for engine in engines:
            if engine:
                obj = ProgObject.from_fd(fd)
                obj.runtime = ProgRuntime(obj, engine=engine.removesuffix(POISONED))
            outcomes = []
            with _stack_filled(engine.endswith(POISONED)):
                for one in given:
                    _reset_maps(backend, fds, one, program)
                    run_err, retval, data_out = _test_run(backend, fd, one.packet)
                    outcomes.append(RunOutcome(run_err, retval, data_out, _contents(backend, fds, program)))
            results[engine] = tuple(outcomes)
        return 0, results


POISONED = "+poisoned"
"""The suffix of an engine run whose stack starts filled with a pattern instead of zeros."""


@contextlib.contextmanager
def _stack_filled(poisoned: bool) -> Iterator[None]:
    """The interpreter's runs in the block start on a stack of 0xa5 bytes (``poisoned``): where they
    differ from runs on a zeroed stack, the program reads stack it never wrote, which the kernel
    leaves holding whatever its stack held before (the result is not the program's to define)."""
    if not poisoned:
        yield
        return
    from pybpf.vm import interpreter, session

    saved = interpreter._ZERO_STACK, session._ZEROS
    interpreter._ZERO_STACK = session._ZEROS = b"\xa5" * len(saved[0])
    try:
        yield
    finally:
        interpreter._ZERO_STACK, session._ZEROS = saved


def runs(
    program: vc.Program, backend: Backend, given: tuple[RunInput, ...]
) -> tuple[int, dict[str, tuple[RunOutcome, ...]]]:
    """(load errno, engine -> outcomes) of ``program`` through ``backend`` as the caller its ``caps``
    header names: the kernel's outcomes under "kernel", pybpf's under each of ``ENGINES``.  A refusal
    before the load (a map or the BTF the caller may not make) is its errno."""
    drops = vc.loader_drops(program)
    native = not isinstance(backend, UserBackend)
    engines = ("",) if native else (*ENGINES, "interpreter" + POISONED)
    if drops and not native:
        backend = UserBackend(Credentials(ROOT.caps - drops, 0))

    def work() -> tuple[int, dict[str, tuple[RunOutcome, ...]]]:
        try:
            return _run_all(backend, program, given, engines)
        except OSError as error:
            return error.errno or 0, {}

    if drops and native:
        from tests.caps import run_without_caps, unprivileged_bpf_enabled

        with unprivileged_bpf_enabled():
            err, results = run_without_caps(drops, work)
    else:
        err, results = work()
    return err, {(name or "kernel"): outcome for name, outcome in results.items()}


RUN_KINDS = ("load", "err", "retval", "data_out", "maps", "nondet", "unspec", "heavy", "slow")
"""The run mode's disagreements: the verdict (one side loaded it, the other not), then per field of
``RunOutcome`` the first in which an engine's run differs from the kernel's; the programs not run:
``nondet`` (a helper whose result no two runs share, a may_goto loop), ``unspec`` (it reads stack
never written or makes values of addresses: unspecified()), ``heavy`` and ``slow`` (as the verifier
fuzzer's columns)."""


@dataclass(frozen=True)
class RunVerdict:
    """The run mode's answer on one program: the kind of disagreement ("" none, "ran" not compared:
    refused by both) and a line saying where."""

    kind: str
    detail: str = ""
    ran: bool = False


def run_program(
    program: vc.Program, seed: int, kernel: Backend, pybpf: Backend, count: int = 3
) -> RunVerdict:
    """``program`` made deterministic, run on ``count`` inputs of ``seed`` on the kernel and on
    pybpf's engines, compared (compare_runs())."""
    text = deterministic(program.text, program.prog_type)
    helper = nondeterministic(text)
    if helper:
        return RunVerdict("nondet", helper)
    program = dataclasses.replace(program, text=text)
    why = unspecified(program)
    if why:
        return RunVerdict("unspec", why)
    given = inputs(program, seed, count)
    return compare_runs(runs(program, kernel, given), runs(program, pybpf, given), given)


def compare_runs(
    theirs: tuple[int, dict[str, tuple[RunOutcome, ...]]],
    mine: tuple[int, dict[str, tuple[RunOutcome, ...]]],
    given: tuple[RunInput, ...],
) -> RunVerdict:
    """The first disagreement between the kernel's runs (``theirs``) and each pybpf engine's."""
    (kerr, kruns), (err, engines) = theirs, mine
    if bool(kerr) != bool(err):
        return RunVerdict("load", f"kernel errno {kerr}, pybpf errno {err}")
    if kerr:
        return RunVerdict("", ran=False)
    expected = kruns["kernel"]
    poisoned = engines.get("interpreter" + POISONED)
    if poisoned is not None and poisoned != engines["interpreter"]:
        return RunVerdict("unspec", "reads stack it never wrote (its runs depend on what the stack held)")
    for engine, outcomes in engines.items():
        if engine.endswith(POISONED):
            continue
        for index, (want, got) in enumerate(zip(expected, outcomes, strict=True)):
            field = want.differs(got)
            if field:
                return RunVerdict(
                    field,
                    f"{engine} input {index} ({len(given[index].packet)} bytes): kernel "
                    f"{_show(want, field)} | pybpf {_show(got, field)}",
                    ran=True,
                )
    return RunVerdict("", ran=True)


def _show(outcome: RunOutcome, field: str) -> str:
    value = getattr(outcome, field)
    if field == "data_out":
        return value.hex()
    if field == "maps":
        return " ".join(f"{name}:{[(k.hex(), v.hex()) for k, v in pairs]}" for name, pairs in value)
    return str(value)
