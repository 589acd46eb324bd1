"""Bounded fuzzing of the command line: random argument lists for every subcommand.

``pybpf.cli.main.main(argv)`` runs in process; whatever the arguments (known options with
hostile values, unknown options, missing and extra operands, files that are programs, garbage or
absent), it must return a status or raise ``SystemExit``, and never print a traceback.  Options
that would block (``trace --follow``, reading standard input) are left out; the native backend
is not used.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf.cli.main import main

TIME_LIMIT = 20.0
_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))

COMMANDS = [["asm"], ["disasm"], ["run"], ["prog", "load"], ["prog", "run"], ["prog", "show"],
            ["prog", "list"], ["prog", "dump", "xlated"], ["trace"], ["prog"], []]  # fmt: skip
OPTIONS = ["--json", "-j", "--hex", "--labels", "--slots", "--trace", "-s", "--syntax", "-f", "--format",
           "-m", "--mem", "--mem-file", "--budget", "-o", "--output", "--data-in", "--data-in-file",
           "--ctx-in", "--ctx-in-file", "--data-size-out", "--ctx-size-out", "--repeat", "--type", "-t",
           "--name", "--license", "--log-level", "--map", "--pin", "--backend", "--opcodes", "--clear",
           "--timeout", "--version", "-h", "--nosuch"]  # fmt: skip
VALUES = ["0", "1", "-1", "4294967295", "4294967296", "99999999999", "0x10", "1e3", "nan", "inf", "",
          "zz", "00112233", "ff" * 300, "kernel", "ubpf", "auto", "hex", "raw", "asm", "xdp",
          "socket_filter", "user", "id", "pinned", "xlated", "m=id:1", "m=/nonexistent", "x=",
          "/nonexistent", "/dev/null", "{asm}", "{raw}", "{garbage}", "{out}", "{pin}"]  # fmt: skip


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expired(*_: object) -> None:
        raise Hang(f"the command ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base: Path = tmp_path_factory.mktemp("cli-fuzz")
    # a bounded loop over a scalar: the verifier walks its 100 turns (a loop over the ctx pointer
    # would run the verifier to its 1M-instruction limit, which takes pybpf seconds: issue 11)
    (base / "prog.s").write_text("r0 = 2\nr1 = 0\nloop:\nr1 += 1\nif r1 < 100 goto loop\nexit\n")
    (base / "prog.bin").write_bytes(bytes.fromhex("b7000000020000009500000000000000"))
    (base / "garbage").write_bytes(bytes(range(256)) * 3)
    return {
        "{asm}": str(base / "prog.s"), "{raw}": str(base / "prog.bin"), "{garbage}": str(base / "garbage"),
        "{out}": str(base / "out.bin"), "{pin}": "pinned-prog",
    }  # fmt: skip


_ARGV = st.tuples(
    st.sampled_from(COMMANDS),
    st.lists(st.one_of(st.sampled_from(OPTIONS), st.sampled_from(VALUES)), max_size=8),
)


@_SETTINGS
@given(argv=_ARGV)
def test_random_arguments_never_give_a_traceback(
    argv: tuple[list[str], list[str]], files: dict[str, str], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    command, rest = argv
    args = [*command, *(files.get(arg, arg) for arg in rest)]
    if command == ["trace"]:  # --follow / -f would wait for records for ever
        args = [arg for arg in args if arg not in ("-f", "--follow")]
    if "-" in args:  # standard input
        return
    try:
        with time_limit(TIME_LIMIT):
            status = main(args)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 0
    raw_out, raw_err = capsysbinary.readouterr()  # binary: ``asm`` without -o writes instructions
    out, err = raw_out.decode(errors="replace"), raw_err.decode(errors="replace")
    assert status in (0, 1, 2, 130), (args, err)
    assert "Traceback" not in err and "Traceback" not in out, (args, err)
    if status and err:
        assert "pybpf: error: " in err or "usage:" in err, (args, err)
