"""The walk runs with Python's cyclic garbage collector off (``do_check.DoCheckPass.run``): that is
safe only because the walk makes no reference cycles -- everything it drops is freed by reference
counting, so memory does not grow while the collector is off -- and the collector is on again
after every load, accepted or refused, unless it was off before.

The programs are the loops of test_walk_shortcuts (checkpoints, pushed branches, precision walks),
bpf-to-bpf calls, and refusals: a packet read before the data_end check, an unbounded
loop ended by the processed-instruction limit (lowered for the test), at each log level.
"""

from __future__ import annotations

import errno
import gc
from collections.abc import Iterator

import pytest

from pybpf.isa.asm import assemble
from pybpf.uapi import BPF_LOG_LEVEL1, BPF_LOG_LEVEL2, BPF_LOG_STATS
from pybpf.verifier import VerifierError, do_check, verify
from tests.verifier.stubs import XDP, make_request
from tests.verifier.test_walk_shortcuts import counting_loop, packet_loop, switch_parser

PROGRAMS = {
    "switch_parser": (switch_parser(24, 5), 0),
    "packet_loop": (packet_loop(40, True), 0),
    "counting_loop": (counting_loop(300, 1), 0),
    "calls": (
        "r1 = 1\ncall f\nr6 = r0\nr1 = r6\ncall f\nr0 += r6\nr0 &= 1\nexit\nf:\nr0 = r1\nr0 += 1\nexit",
        0,
    ),
    "packet_read_unchecked": ("r2 = *(u32 *)(r1 + 0)\nr0 = *(u8 *)(r2 + 0)\nexit", errno.EACCES),
    "unbounded_loop": ("r1 = 0\nl:\nr1 += 1\nif r1 != 0 goto l\nr0 = 0\nexit", errno.E2BIG),
}
LEVELS = (0, BPF_LOG_LEVEL1 | BPF_LOG_STATS, BPF_LOG_LEVEL2)


@pytest.fixture(autouse=True)
def _small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(do_check, "BPF_COMPLEXITY_LIMIT_INSNS", 5_000)


def _load(text: str, log_level: int) -> int:
    """Verify ``text``: 0, or the refusal's errno."""
    try:
        verify(make_request(assemble(text, "kernel"), XDP, log_level=log_level))
    except VerifierError as err:
        return err.errno
    return 0


@pytest.fixture
def collector_off() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@pytest.mark.parametrize("log_level", LEVELS)
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_the_walk_leaves_no_reference_cycles(name: str, log_level: int, collector_off: None) -> None:
    text, expected = PROGRAMS[name]
    _load(text, log_level)  # (first use: caches that live on are filled)
    gc.collect()
    assert _load(text, log_level) == expected
    assert gc.collect() == 0  # nothing the load dropped needed the collector
    assert not gc.isenabled()  # (it was off before the load: it stays off)


@pytest.mark.pure_python  # (hooks Walker.run)
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_the_collector_is_on_again_after_a_load(name: str) -> None:
    text, expected = PROGRAMS[name]
    assert gc.isenabled()
    seen: list[bool] = []
    original = do_check.Walker.run

    def run(walker: do_check.Walker) -> None:
        seen.append(gc.isenabled())
        original(walker)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(do_check.Walker, "run", run)
        assert _load(text, BPF_LOG_STATS) == expected
    assert seen and not any(seen)  # off during the walk ...
    assert gc.isenabled()  # ... on after it
