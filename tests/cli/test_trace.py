"""The shared trace pipe (``pybpf.helpers.trace_shared``) and ``pybpf trace``."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pybpf.cli.main import main
from pybpf.helpers import trace_shared
from pybpf.helpers.trace_pipe import TRACE_PIPE, TracePipe
from pybpf.helpers.trace_shared import (
    TraceRecord,
    append_shared,
    clear_shared,
    decode_record,
    encode_record,
    read_shared,
)


@pytest.fixture(autouse=True)
def root(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    path = Path(tempfile.mkdtemp(prefix="pybpffs-test-", dir=base))
    monkeypatch.setenv("PYBPF_BPFFS", str(path))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def record(message: bytes, pid: int = 42) -> TraceRecord:
    return TraceRecord(message, 1_500_000_123_456, pid, "prog", 3)


def messages(records: Iterator[TraceRecord] | list[TraceRecord]) -> list[str]:
    return [r.message for r in records]


def test_record_round_trip() -> None:
    original = record(b"caf\xc3\xa9 \xff\xfe\n")  # UTF-8, invalid bytes and a newline survive
    line = encode_record(original)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode_record(line) == original
    assert decode_record(b"not json") is None
    assert decode_record(b'{"msg": "x"}') is None


def test_shared_pipe_and_in_memory_api(root: Path) -> None:
    pipe = TracePipe(shared=True)
    pipe.write(b"one\n")
    pipe.write(b"two")
    assert pipe.messages() == ["one", "two"]  # the in-memory API is unchanged
    assert messages(read_shared()) == ["one", "two"]
    assert messages(read_shared()) == ["one", "two"]  # a plain read keeps them (like trace)
    assert [r.pid for r in read_shared()] == [os.getpid()] * 2
    assert messages(pipe.read()) == ["one", "two"] and len(pipe) == 0
    assert messages(TracePipe.read_shared(clear=True)) == ["one", "two"]  # consuming (like trace_pipe)
    assert messages(read_shared()) == []


def test_private_pipes_stay_private(root: Path) -> None:
    TracePipe().write(b"private")
    assert not (root / trace_shared.TRACE_FILE).exists()
    assert TRACE_PIPE.shared


def test_format_matches_trace_pipe() -> None:
    line = record(b"hello\n").format()
    assert line == "               prog-42 [003] .....  1500.000123: bpf_trace_printk: hello"


def test_rotation_keeps_the_newest(root: Path) -> None:
    limit = 2000
    for i in range(100):
        append_shared(record(f"message {i}".encode()), limit=limit)
    path = root / trace_shared.TRACE_FILE
    assert path.stat().st_size <= limit + 200
    assert (root / (trace_shared.TRACE_FILE + ".1")).exists()
    got = messages(read_shared())
    assert got[-1] == "message 99"
    assert got == [f"message {i}" for i in range(100 - len(got), 100)]  # contiguous, oldest first
    clear_shared()
    assert messages(read_shared()) == []
    assert not (root / (trace_shared.TRACE_FILE + ".1")).exists()


def test_partial_line_is_not_read_yet(root: Path) -> None:
    append_shared(record(b"whole"))
    with open(root / trace_shared.TRACE_FILE, "ab") as handle:
        handle.write(encode_record(record(b"half"))[:10])
    assert messages(read_shared()) == ["whole"]


def test_follow_sees_new_records_and_stops(root: Path) -> None:
    append_shared(record(b"before"))
    done = threading.Event()

    def writer() -> None:
        for i in range(3):
            time.sleep(0.02)
            append_shared(record(f"later {i}".encode()))
        done.set()

    seen: list[str] = []
    thread = threading.Thread(target=writer)
    thread.start()
    for item in read_shared(follow=True, poll_interval=0.01, stop=lambda: done.is_set() and len(seen) >= 4):
        seen.append(item.message)
    thread.join()
    assert seen == ["before", "later 0", "later 1", "later 2"]


def test_follow_across_rotation(root: Path) -> None:
    stream = read_shared(follow=True, poll_interval=0.01)
    append_shared(record(b"a" * 100), limit=300)  # a line is about 170 bytes
    assert next(stream).message == "a" * 100
    append_shared(record(b"b" * 100), limit=300)  # pushes the file past the limit: rotated
    assert (root / (trace_shared.TRACE_FILE + ".1")).exists()
    append_shared(record(b"c"), limit=300)  # lands in the new file
    assert next(stream).message == "b" * 100
    assert next(stream).message == "c"
    stream.close()


def test_follow_and_clear_consumes(root: Path) -> None:
    append_shared(record(b"x"))
    stream = read_shared(follow=True, clear=True, poll_interval=0.01)
    assert next(stream).message == "x"
    append_shared(record(b"y"))
    assert next(stream).message == "y"
    stream.close()
    assert messages(read_shared()) == []


def _appender(count: int) -> None:
    pipe = TracePipe(shared=True)
    for i in range(count):
        pipe.write(f"{os.getpid()} {i} ".encode() + b"x" * 200)


def test_concurrent_processes_never_interleave(root: Path) -> None:
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_appender, args=(40,)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert all(worker.exitcode == 0 for worker in workers)
    lines = (root / trace_shared.TRACE_FILE).read_bytes().splitlines()
    assert len(lines) == 120 and all(decode_record(line) is not None for line in lines)
    by_pid: dict[int, list[int]] = {}
    for item in read_shared():
        pid, index, _ = item.message.split(" ")
        by_pid.setdefault(int(pid), []).append(int(index))
    assert sorted(by_pid) == sorted(w.pid for w in workers if w.pid is not None)
    assert all(indexes == list(range(40)) for indexes in by_pid.values())


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_trace_command(capsys: pytest.CaptureFixture[str]) -> None:
    append_shared(record(b"hello\n"))
    append_shared(record(b"world", pid=7))
    code, out, _ = run_cli(capsys, "trace")
    assert code == 0
    assert out.splitlines() == [record(b"hello").format(), record(b"world", pid=7).format()]
    code, out, _ = run_cli(capsys, "trace", "--json", "--clear")
    entries = json.loads(out)
    assert [e["message"] for e in entries] == ["hello", "world"]
    assert entries[1] == {
        "timestamp_ns": 1_500_000_123_456,
        "pid": 7,
        "comm": "prog",
        "cpu": 3,
        "message": "world",
    }
    assert run_cli(capsys, "trace")[1] == ""
    append_shared(record(b"again"))
    code, out, _ = run_cli(capsys, "trace", "--follow", "--timeout", "0.1", "--json")
    assert code == 0 and json.loads(out.splitlines()[0])["message"] == "again"
    code, _, err = run_cli(capsys, "trace", "--follow", "--timeout", "-1")
    assert code == 1 and err.startswith("pybpf: error: --timeout")


@pytest.mark.usefixtures("engine")
def test_trace_sees_another_process(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A program run by `pybpf prog run` in another process shows up in `pybpf trace` here."""
    prog = tmp_path / "hi.s"
    prog.write_text(
        "r1 = 0x0a6968 ll\n*(u64 *)(r10 - 8) = r1\nr1 = r10\nr1 += -8\nr2 = 4\ncall bpf_trace_printk\n"
        "r0 = 0\nexit\n"
    )
    env = {**os.environ, "PYBPF_BPFFS": str(root), "PYBPF_BACKEND": "user"}
    done = subprocess.run(
        [sys.executable, "-m", "pybpf", "prog", "run", str(prog), "--data-in", "00" * 64],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "bpf_trace_printk: hi" in done.stdout
    code, out, _ = run_cli(capsys, "trace")
    assert code == 0 and out.rstrip().endswith("bpf_trace_printk: hi")
    assert f"-{os.getpid()} " not in out
