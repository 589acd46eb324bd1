#!/usr/bin/env python3
"""Measure pybpf against the kernel's own BPF selftests (tools/testing/selftests/bpf/progs/*.c).

The selftests describe what they expect with BTF decl tags on each program's FUNC (progs/bpf_misc.h:
``__success``, ``__failure``, ``__msg("...")``, ``__not_msg``, ``__retval(n)``, ``__log_level(n)``,
``__flag(...)``, ``__auxiliary``, ``__arch(...)``, ``__description``, ``__load_if_JITed()``, and their
``_unpriv`` twins), and tools/testing/selftests/bpf/test_loader.c reads them.  Both tag formats are
read: Linux 6.x's ``comment:TAG`` (``__msg`` numbered inside its value) and the later
``comment:COUNTER:TAG``.  This script does what test_loader does, in one mode per run (privileged,
or ``--unpriv``, below), with pybpf's own ELF loader, once on pybpf's user backend and once on the
running kernel (the native backend): each test program is loaded together with the object's
auxiliary programs (so that the programs a ``__retval`` test tail-calls are in its program array)
and its maps, as
``bpf_object__load()`` does; a program with no mode annotation is a privileged test expecting
success, as in test_loader.  It reports per object and in total:

- ``tested``: the test programs of the mode (auxiliary programs are not tests, nor those of the other mode;
  ``--details`` lists the ones skipped and why: another architecture, ``__load_if_no_JITed``, a
  custom kernel BTF (``__btf_path``), a non-linear test-run skb (``__linear_size``)),
- ``kernel``: the running kernel passes the annotation (tests written for other releases fail here;
  they are not pybpf's problem),
- ``agree``: pybpf's verdict and errno are the kernel's, and so is the return value of a run (any
  value for ``__retval(POINTER_VALUE)``: an address, different in every run),
- ``pybpf``: pybpf passes the annotation (verdict, ``__msg`` lines in order as test_loader matches
  them -- verbatim text with ``{{regex}}`` parts --, no ``__not_msg`` line between its neighbours,
  ``__retval`` through BPF_PROG_TEST_RUN: 64 zero bytes in, no data for SYSCALL programs),
- ``both``: among the programs whose annotation the kernel passes, those pybpf passes too.

``--details`` also lists the programs both refuse with the same errno but another last log line.

``--stats`` adds BPF_LOG_STATS to every load's log level and, for the programs both accept, compares
the verifier's final statistics line (``processed N insns (limit L) max_states_per_insn M
total_states T peak_states P mark_read R``): the ``stats`` columns count the programs both accepted
with such a line, those with the same processed count, and those with the same max_states_per_insn,
total_states and peak_states too (mark_read, always 0 on Linux 6.18, is compared but not counted
apart); every difference goes into the JSON (``stats``) with both lines' numbers.

``--unpriv`` runs test_loader's unprivileged variants instead (its ``@unpriv`` subtests): the programs
any ``_unpriv`` tag names (``__success_unpriv``, ``__failure_unpriv``, ``__msg_unpriv``,
``__not_msg_unpriv``, ``__retval_unpriv``, ``__xlated_unpriv``, ``__caps_unpriv``), each expecting
what its own ``_unpriv`` tags say and else what its privileged tags say (verdict, messages, return
value), as ``parse_test_spec`` fills them.  Like ``run_subtest``: the loader drops CAP_SYS_ADMIN,
CAP_NET_ADMIN, CAP_PERFMON and CAP_BPF from its effective set (keeping those ``__caps_unpriv``
names) -- on the kernel this process itself around the load (``capset(2)``, tests/caps.py), on
pybpf through ``UserBackend(Credentials(...))`` --, only the maps ``is_unpriv_capable_map`` allows
are created (the others left out with their references poisoned, ``MapSpec.autocreate``), the
auxiliary programs of unprivileged mode are loaded with the test, and the ``__retval`` run happens
with every capability back.  test_loader skips unprivileged runs while
``kernel.unprivileged_bpf_disabled`` is not 0: the script sets it to 0 for the run (and back).

Not checked: ``__xlated`` / ``__jited`` (the rewritten and JITed instructions), ``__stdout`` /
``__stderr`` (BPF streams after a run).  A program that makes pybpf raise
anything but an ``OSError`` is reported as a traceback (a finding).  Nothing of the selftests is
part of pybpf: fetch and compile them yourself with ``scripts/build_selftests.sh`` (a kernel source
tree or Debian's ``linux-source-VER`` package; the libbpf headers of that tree and a ``vmlinux.h``
of the running kernel), for example

    scripts/build_selftests.sh -v 6.12 -o /tmp/st/obj -n      # every annotated file but verifier_*.c
    scripts/build_selftests.sh -s ~/linux -o /tmp/st/obj 'verifier_*.c' dynptr_fail.c
    python scripts/selftests_conformance.py /tmp/st/obj            # needs root and bpf(2)
    python scripts/selftests_conformance.py /tmp/st/obj --only dynptr_fail --details
    python scripts/selftests_conformance.py /tmp/st/obj --unpriv   # the @unpriv subtests
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import ctypes
import errno
import re
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

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
from pybpf.btf.types import DeclTag, Func  # noqa: E402
from pybpf.elf import read_object  # noqa: E402
from pybpf.elf.loader import ProgramLoadError  # noqa: E402
from pybpf.elf.spec import MapSpec, ObjectSpec  # noqa: E402
from pybpf.kernel.backend import Backend, UserBackend  # noqa: E402
from pybpf.kernel.native import NativeBackend  # noqa: E402
from pybpf.object import Object  # noqa: E402
from pybpf.objects.credentials import ROOT as ROOT_CREDENTIALS  # noqa: E402
from pybpf.objects.credentials import Credentials  # noqa: E402

TAG = "comment:"
POINTER_VALUE_7 = 0xBADCAFE  # 7.x's bpf_misc.h: the same "any value", expanded into the tag
ANY_RETVAL = frozenset({POINTER_VALUE, POINTER_VALUE_7})
NAMED_RETVALS = {
    "INT_MIN": -(2**31),
    "_INT_MIN": -(2**31),  # 7.x: INT_MIN written so that no compiler expands it
    "POINTER_VALUE": POINTER_VALUE,
    "TEST_DATA_LEN": TEST_DATA_LEN,
}
FLAG_NAMES = {
    name: getattr(uapi, name)
    for name in (
        "BPF_F_STRICT_ALIGNMENT",
        "BPF_F_ANY_ALIGNMENT",
        "BPF_F_TEST_RND_HI32",
        "BPF_F_TEST_STATE_FREQ",
        "BPF_F_SLEEPABLE",
        "BPF_F_XDP_HAS_FRAGS",
        "BPF_F_TEST_REG_INVARIANTS",
    )
    if hasattr(uapi, name)
}


# -- the annotations -------------------------------------------------------------------------------------
PRIV, UNPRIV = 1, 2
"""test_loader's ``enum mode``: the runs a program's annotations ask for."""


@dataclass
class Subspec:
    """What one mode's run expects (test_loader's ``struct test_subspec``)."""

    expect_failure: bool = False
    msgs: list[tuple[str, bool]] = field(default_factory=list)
    """The expected messages in order, each (text, negative: ``__not_msg``, must not appear)."""
    retval: int | None = None
    """``__retval``: run the program and expect this (None: no run)."""
    caps: frozenset[int] = frozenset()
    """``__caps_unpriv``: capabilities the unprivileged run keeps."""


@dataclass
class Spec:
    """What one program's decl tags ask for, in privileged and unprivileged mode."""

    name: str
    mode: int = 0
    priv: Subspec = field(default_factory=Subspec)
    unpriv: Subspec = field(default_factory=Subspec)
    log_level: int = 0
    prog_flags: int = DEFAULT_FLAGS
    auxiliary: bool = False
    arch_ok: bool = True
    skip: str = ""  # why test_loader would skip it here, or what this script cannot set up
    description: str = ""
    unknown: list[str] = field(default_factory=list)

    def sub(self, unpriv: bool) -> Subspec:
        return self.unpriv if unpriv else self.priv


def _int(text: str) -> int:
    text = text.strip()
    if text in NAMED_RETVALS:
        return NAMED_RETVALS[text]
    value = int(text, 0)
    return value - 2**32 if value >= 2**31 else value


def _caps(text: str) -> frozenset[int]:
    """``__caps_unpriv``'s value: capability numbers joined by ``|`` (bpf_misc.h defines the names)."""
    return frozenset(int(part) for part in text.split("|") if part.strip())


_COUNTED = re.compile(r"(\d+):(.*)\Z", re.DOTALL)
"""Newer bpf_misc.h (``__test_tag``): ``comment:COUNTER:TAG``, every tag numbered in source order."""
_PRIV_TAGS = frozenset({"test_expect_xlated", "test_jited"})
"""Tags that make a program a privileged test but ask what this script does not check (the
rewritten or JITed instructions); their ``_unpriv`` twins make it an unprivileged one."""
_IGNORED = frozenset(
    {
        "test_expect_stderr",
        "test_expect_stdout",
        "test_expect_stderr_unpriv",
        "test_expect_stdout_unpriv",
        "test_btf_func_path",
    }
)
"""Expectations not checked: the BPF streams' output after a run; a custom BTF for func info."""
_MSG_TAGS = {
    "test_expect_msg": (False, False),
    "test_expect_not_msg": (False, True),
    "test_expect_msg_unpriv": (True, False),
    "test_expect_not_msg_unpriv": (True, True),
}
"""Message tags: (unprivileged, negative)."""


def test_specs(spec: ObjectSpec) -> dict[str, Spec]:
    """Every program's annotations, read from the decl tags on its FUNC (``component_idx`` -1), in
    both tag formats (Linux 6.x's ``comment:TAG``, message counters inside ``__msg``'s value, and
    the later ``comment:COUNTER:TAG``), as test_loader's ``parse_test_spec``: which modes the tags
    name (none: privileged only), and an unprivileged run inheriting what its own tags leave unsaid
    (the verdict, the return value, the messages) from the privileged one."""
    btf = spec.btf
    if btf is None:
        return {}
    funcs = {t.name: tid for tid, t in btf if isinstance(t, Func)}
    tags: dict[int, list[str]] = {}
    for _tid, t in btf:
        if isinstance(t, DeclTag) and t.component_idx == -1 and t.name.startswith(TAG):
            tags.setdefault(t.type_id, []).append(t.name[len(TAG) :])
    out: dict[str, Spec] = {}
    for name in spec.programs:
        s = Spec(name)
        msgs: dict[bool, list[tuple[int, str, bool]]] = {False: [], True: []}
        arches: list[str] = []
        has_unpriv_result = has_unpriv_retval = False
        for raw in tags.get(funcs.get(name, -1), []):
            counted = _COUNTED.match(raw)
            order, tag = (int(counted[1]), counted[2]) if counted else (None, raw)
            key, _, value = tag.partition("=")
            unpriv = key.endswith("_unpriv")
            base = key.removesuffix("_unpriv")
            sub = s.sub(unpriv)
            mode = UNPRIV if unpriv else PRIV
            if key in _MSG_TAGS:
                in_unpriv, negative = _MSG_TAGS[key]
                if order is None:
                    counter, _, value = value.partition("=")
                    order = int(counter) if counter.isdigit() else len(msgs[in_unpriv])
                msgs[in_unpriv].append((order, value, negative))
                s.mode |= mode
            elif base in ("test_expect_failure", "test_expect_success"):
                sub.expect_failure = base == "test_expect_failure"
                has_unpriv_result |= unpriv
                s.mode |= mode
            elif base == "test_retval":
                sub.retval = _int(value)
                has_unpriv_retval |= unpriv
                s.mode |= mode
            elif base == "test_auxiliary":
                s.auxiliary = True
                s.mode |= mode
            elif key == "test_caps_unpriv":
                s.unpriv.caps = _caps(value)
                s.mode |= UNPRIV
            elif base in _PRIV_TAGS:
                s.mode |= mode
            elif key == "test_log_level":
                s.log_level = _int(value)
            elif key == "test_prog_flags":
                clear = value.startswith("!")
                flag = FLAG_NAMES.get(value.lstrip("!"))
                bits = flag if flag is not None else _int(value.lstrip("!"))
                s.prog_flags = s.prog_flags & ~bits if clear else s.prog_flags | bits
            elif key == "test_arch":
                arches.append(value)
            elif key == "test_description":
                s.description = value
            elif key == "load_mode":  # __load_if_JITed() / __load_if_no_JITed(): the JIT is on here
                if value != "jited":
                    s.skip = "no JIT only"
            elif key in ("test_btf_path", "test_linear_size"):
                s.skip = key[len("test_") :]  # a custom kernel BTF; a non-linear skb for the run
            elif key not in _IGNORED:
                s.unknown.append(key)
        for unpriv in (False, True):
            s.sub(unpriv).msgs = [(text, neg) for _, text, neg in sorted(msgs[unpriv], key=lambda m: m[0])]
        s.arch_ok = not arches or "X86_64" in arches
        if not s.arch_ok:
            s.skip = "arch " + ",".join(arches)
        s.mode = s.mode or PRIV  # test_loader: no mode named is the privileged one
        if not has_unpriv_result:
            s.unpriv.expect_failure = s.priv.expect_failure
        if not has_unpriv_retval:
            s.unpriv.retval = s.priv.retval
        if not s.unpriv.msgs:
            s.unpriv.msgs = list(s.priv.msgs)
        out[name] = s
    return out


def _pattern(msg: str) -> re.Pattern[str]:
    """test_loader's ``compile_regex``: verbatim text, with ``{{...}}`` parts as extended regexes."""
    parts, rest = [], msg
    while "{{" in rest:
        before, _, after = rest.partition("{{")
        regex, _, rest = after.partition("}}")
        parts += [re.escape(before), regex]
    parts.append(re.escape(rest))
    return re.compile("".join(parts), re.MULTILINE)


def _find(log: str, msg: str, pos: int) -> tuple[int, int] | None:
    """Where ``msg`` first matches ``log`` at or after ``pos``: (start, end), or None."""
    if "{{" in msg:
        found = _pattern(msg).search(log, pos)
        return None if found is None else (found.start(), found.end())
    at = log.find(msg, pos)
    return None if at < 0 else (at, at + len(msg))


def messages_match(log: str, msgs: list[tuple[str, bool]]) -> str | None:
    """None when ``log`` satisfies ``msgs`` as test_loader's ``validate_msgs`` checks them, else the
    first message that fails: the positive ones appear in order (each looked for after the previous
    one's end); a negative one (``__not_msg``) must not appear between the positive messages around
    it."""
    pos = 0
    spans: list[tuple[int, int] | None] = []
    for msg, negative in msgs:
        found = None if negative else _find(log, msg, pos)
        if not negative and found is None:
            return msg
        if found is not None:
            pos = found[1]
        spans.append(found)
    start = 0
    for i, (msg, negative) in enumerate(msgs):
        span = spans[i]
        if not negative:
            start = span[1] if span is not None else start
            continue
        end = next((nxt[0] for nxt in spans[i + 1 :] if nxt is not None), len(log))
        found = _find(log, msg, start)
        if found is not None and found[1] <= end:
            return f"(not) {msg}"
    return None


# -- loading and running ---------------------------------------------------------------------------------
@dataclass
class Result(LoadResult):
    """One load of one program on one backend (and its run, for ``__retval``)."""

    retval: int | None = None
    run_errno: int = 0


def _test_run(backend: Backend, fd: int, prog_type: int) -> tuple[int | None, int]:
    """test_loader's ``do_prog_test_run``: 64 zero bytes in (nothing for SYSCALL programs); the
    return value as an int."""
    data = None if prog_type == uapi.BPF_PROG_TYPE_SYSCALL else bytes(TEST_DATA_LEN)
    value, run_errno = test_run(backend, fd, data)
    if value is None:
        return None, run_errno
    return (value - 2**32 if value >= 2**31 else value), 0


def unpriv_capable_map(m: MapSpec) -> bool:
    """test_loader's ``is_unpriv_capable_map``: the map types an unprivileged run still creates (the
    others are left out, ``bpf_map__set_autocreate(map, false)``, and their references poisoned)."""
    if m.map_type in (uapi.BPF_MAP_TYPE_HASH, uapi.BPF_MAP_TYPE_PERCPU_HASH, uapi.BPF_MAP_TYPE_HASH_OF_MAPS):
        return not m.flags & uapi.BPF_F_ZERO_SEED
    return m.map_type in _UNPRIV_MAP_TYPES


_UNPRIV_MAP_TYPES = frozenset(
    {
        uapi.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
        uapi.BPF_MAP_TYPE_ARRAY,
        uapi.BPF_MAP_TYPE_RINGBUF,
        uapi.BPF_MAP_TYPE_PROG_ARRAY,
        uapi.BPF_MAP_TYPE_CGROUP_ARRAY,
        uapi.BPF_MAP_TYPE_PERCPU_ARRAY,
        uapi.BPF_MAP_TYPE_USER_RINGBUF,
        uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS,
        uapi.BPF_MAP_TYPE_CGROUP_STORAGE,
        uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY,
    }
)


@dataclass(frozen=True)
class Caller:
    """Who loads a test: the backend it loads through, the one it runs through (test_loader restores
    the capabilities before a run), and -- the kernel's side of an unprivileged run -- the effective
    capabilities this process gives up for the load (pybpf's side carries them in its backend's
    credentials)."""

    backend: Backend
    runner: Backend
    unpriv: bool = False
    drop: frozenset[int] = frozenset()


@contextlib.contextmanager
def _without(drop: frozenset[int]) -> Iterator[None]:
    """test_loader's ``drop_capabilities`` .. ``restore_capabilities`` around a load (the sysctl is
    opened again first: it is system-wide, and another process may have closed it)."""
    if not drop:
        yield
        return
    from tests.caps import drop_effective, reopen_unprivileged_bpf, restore_effective

    reopen_unprivileged_bpf()
    drop_effective(drop)
    try:
        yield
    finally:
        restore_effective()


def load_one(spec: ObjectSpec, test: Spec, aux: list[str], caller: Caller, timeout: int) -> Result:
    """Load ``test``'s program (and the auxiliary ones) as test_loader does in ``caller``'s mode (an
    unprivileged run creates only the maps an unprivileged caller may); run it if ``__retval`` asks."""
    sub = test.sub(caller.unpriv)
    own = copy.deepcopy(spec)
    own.programs[test.name].prog_flags |= test.prog_flags
    if caller.unpriv:
        for m in own.maps.values():
            m.autocreate = unpriv_capable_map(m)
    obj = Object(own, backend=caller.backend)
    result = Result()
    try:
        with deadline(timeout):
            try:
                with _without(caller.drop):
                    obj.load(log_level=test.log_level, programs=[test.name, *aux])
            except ProgramLoadError as exc:
                result.errno, result.log = exc.errno or errno.EINVAL, exc.raw_log
                if exc.program != test.name:
                    result.log = f"(auxiliary program {exc.program} refused)\n" + result.log
                return result
            except OSError as exc:
                result.errno = exc.errno or errno.EINVAL
                result.log = f"(load: {exc})"
                return result
            assert obj.loaded is not None
            result.log = obj.loaded.raw_logs.get(test.name, "")  # test_loader sees the kernel's numbers
            if sub.retval is not None and not sub.expect_failure:
                fd = obj.loaded.programs[test.name]
                prog_type = own.programs[test.name].prog_type
                result.retval, result.run_errno = _test_run(caller.runner, fd, prog_type)
    except Timeout:
        result.crash = f"timeout after {timeout} s"
    except Exception:  # a finding: pybpf must answer with an OSError
        result.crash = traceback.format_exc()
    finally:
        with contextlib.suppress(Exception):  # closing must not hide the result
            obj.close()
    return result


def passes(sub: Subspec, result: Result) -> tuple[bool, str]:
    """Does ``result`` satisfy the annotation of its mode?  (verdict, messages, return value) and why not."""
    if result.crash:
        return False, "crash"
    if sub.expect_failure != (result.errno != 0):
        return False, "verdict"
    missing = messages_match(result.log, sub.msgs)
    if missing is not None:
        return False, f"msg: {missing}"
    if sub.retval is not None and not sub.expect_failure:
        if result.run_errno:
            return False, f"run: {errno.errorcode.get(result.run_errno, result.run_errno)}"
        if sub.retval not in ANY_RETVAL and sub.retval != result.retval:
            return False, f"retval {result.retval} != {sub.retval}"
    return True, ""


def same_retval(sub: Subspec, mine: Result, kernel: Result) -> bool:
    """Did both runs return the same?  A ``__retval(POINTER_VALUE)`` program returns an address, which
    differs between any two runs: there both must have run (or both not)."""
    if sub.retval in ANY_RETVAL:
        return (mine.retval is None) == (kernel.retval is None)
    return mine.retval == kernel.retval


# -- the report ------------------------------------------------------------------------------------------
@dataclass
class Row(Counts):
    """One object's figures."""

    programs: int = 0
    tested: int = 0
    kernel: int = 0
    agree: int = 0
    pybpf: int = 0
    both: int = 0
    crashes: int = 0
    stats: int = 0  # --stats: both accepted, both logs with the statistics line
    same_insns: int = 0  # ... with the same processed count
    same_stats: int = 0  # ... and the same state figures


# -- --stats: the verifier's statistics line ------------------------------------------------------------
_STATS_LINE = re.compile(
    r"processed (\d+) insns \(limit \d+\) max_states_per_insn (\d+) total_states (\d+) "
    r"peak_states (\d+) mark_read (\d+)"
)
STATS_FIELDS = ("insns", "max_states_per_insn", "total_states", "peak_states", "mark_read")


def stats_of(log: str) -> tuple[int, ...] | None:
    """The numbers of the last statistics line of a verifier log (print_verification_stats()), or None."""
    found = _STATS_LINE.findall(log)
    return tuple(int(n) for n in found[-1]) if found else None


def compare_stats(row: Row, name: str, kernel: Result, mine: Result, out: list[dict[str, object]]) -> None:
    """Count one program both accepted into ``row``'s stats columns; a difference goes to ``out``."""
    theirs, ours = stats_of(kernel.log), stats_of(mine.log)
    if kernel.errno or mine.errno or mine.crash or theirs is None or ours is None:
        return
    row.stats += 1
    row.same_insns += theirs[0] == ours[0]
    row.same_stats += theirs[:4] == ours[:4]
    if theirs != ours:
        out.append({"object": row.name, "program": name,
                    "kernel": dict(zip(STATS_FIELDS, theirs, strict=True)),
                    "pybpf": dict(zip(STATS_FIELDS, ours, strict=True))})  # fmt: skip


def callers(test: Spec, unpriv: bool) -> tuple[Caller, Caller]:
    """(the kernel's, pybpf's) caller of one run: root, or test_loader's unprivileged caller (effective
    CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_PERFMON and CAP_BPF dropped but those ``__caps_unpriv`` keeps,
    ``kernel.unprivileged_bpf_disabled`` 0)."""
    native = NativeBackend()
    if not unpriv:
        return Caller(native, native), Caller(UserBackend(), UserBackend())
    drop = UNPRIV_DROPS - test.unpriv.caps
    mine = UserBackend(Credentials(ROOT_CREDENTIALS.caps - drop, 0))
    return Caller(native, native, True, drop), Caller(
        mine, UserBackend(Credentials(ROOT_CREDENTIALS.caps, 0)), True
    )


def run_object(
    path: Path, args: argparse.Namespace, details: list[dict[str, object]], stats: list[dict[str, object]]
) -> Row:
    row = Row(path.name.split(".")[0])
    try:
        spec = read_object(str(path))
    except OSError as exc:
        details.append({"object": row.name, "error": str(exc)})
        return row
    specs = test_specs(spec)
    row.programs = len(specs)
    unpriv = bool(args.unpriv)
    mode = UNPRIV if unpriv else PRIV
    aux = [n for n, s in specs.items() if s.auxiliary and s.mode & mode]
    for name, test in specs.items():
        if not test.mode & mode or test.auxiliary:  # (auxiliary programs are loaded with the tests)
            continue
        label = name + (" @unpriv" if unpriv else "")
        if test.skip:
            details.append({"object": row.name, "program": label, "skipped": test.skip})
            continue
        if args.program and not any(p in name for p in args.program):
            continue
        row.tested += 1
        others = [a for a in aux if a != name]
        asked = test
        if args.stats:
            asked = copy.copy(test)
            asked.log_level |= uapi.BPF_LOG_STATS
        sub = test.sub(unpriv)
        on_kernel, on_pybpf = callers(test, unpriv)
        kernel = load_one(spec, asked, others, on_kernel, args.timeout)
        mine = load_one(spec, asked, others, on_pybpf, args.timeout)
        k_ok, k_why = passes(sub, kernel)
        p_ok, p_why = passes(sub, mine)
        agree, other_reason = compare(kernel, mine, same_retval(sub, mine, kernel))
        row.kernel += k_ok
        row.pybpf += p_ok
        row.both += k_ok and p_ok
        row.agree += agree
        row.crashes += bool(mine.crash)
        if args.stats:
            compare_stats(row, label, kernel, mine, stats)
        # the same verdict with another reason (the last line of a refusal) is listed too
        if not agree or (k_ok and not p_ok) or other_reason:
            details.append(
                {
                    "object": row.name,
                    "program": label,
                    "kernel": kernel.verdict,
                    "pybpf": mine.verdict,
                    "kernel_passes": k_ok,
                    "kernel_why": k_why,
                    "pybpf_why": p_why,
                    "kernel_last": last_line(kernel.log),
                    "pybpf_last": mine.crash or last_line(mine.log),
                    "kernel_retval": kernel.retval,
                    "pybpf_retval": mine.retval,
                    "same_reason": not other_reason,
                }
            )
    return row


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("objects", type=Path, help="directory of compiled selftest objects (*.o)")
    parser.add_argument("--only", action="append", default=[], help="objects whose name contains this")
    parser.add_argument("--program", action="append", default=[], help="programs whose name contains this")
    parser.add_argument("--stats", action="store_true", help="compare the statistics of programs both accept")
    parser.add_argument(
        "--unpriv", action="store_true", help="test_loader's unprivileged runs (the sysctl at 0 meanwhile)"
    )
    args = parser.parse_args()
    if not prepare("pybpf-selftests-"):
        return 2
    if args.unpriv:
        with unprivileged_bpf_open():
            return _report(args)
    return _report(args)


def _report(args: argparse.Namespace) -> int:
    """Run the objects' tests of the mode asked for and print the table."""
    paths = sorted(
        p for p in args.objects.glob("*.o") if not args.only or any(o in p.name for o in args.only)
    )
    if not paths:
        print(f"no objects in {args.objects}", file=sys.stderr)
        return 2
    total = Row("total")
    rows: list[Counts] = []
    details: list[dict[str, object]] = []
    stats: list[dict[str, object]] = []
    header = f"{'object':44} {'progs':>5} {'tested':>6} {'kernel':>6} {'agree':>6} {'pybpf':>6} {'both':>6}"
    print(header + (f" {'stats':>6} {'insns':>6} {'states':>6}" if args.stats else ""))
    for path in paths:
        ctypes.set_errno(0)
        row = run_object(path, args, details, stats)
        rows.append(row)
        total.add(row)
        print(_row_text(row.name, row, args.stats), flush=True)
    print(_row_text(f"total ({len(paths)} objects)", total, args.stats))
    finish(args, rows, details, **({"stats": stats} if args.stats else {}))
    return 0


def _row_text(name: str, row: Row, with_stats: bool) -> str:
    text = (
        f"{name:44} {row.programs:5} {row.tested:6} {row.kernel:6} {row.agree:6} {row.pybpf:6} {row.both:6}"
    )
    if with_stats:
        text += f" {row.stats:6} {row.same_insns:6} {row.same_stats:6}"
    return text + (f"  ({row.crashes} crashes)" if row.crashes else "")


if __name__ == "__main__":
    sys.exit(main())
