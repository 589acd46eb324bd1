"""Every helper a test-runnable program type allows is executable, or listed as not, with the reason.

A program type has a test run when its ``ProgType.test_run`` is its own (BPF_PROG_TEST_RUN otherwise
answers ENOTSUPP before running anything).  For each such type and each expected attach type it
distinguishes, every helper id ``func_allowed`` accepts must be in ``default_registry()`` or the
type's ``helpers()``, or in ``pybpf.helpers.not_executable.NOT_EXECUTABLE`` for that type; and each
table entry must still be a gap (an implemented helper leaves the table).
"""

from __future__ import annotations

from pybpf.helpers import default_registry
from pybpf.helpers.not_executable import NOT_EXECUTABLE, PARTLY_EXECUTABLE
from pybpf.isa.helper_names import HELPER_IDS
from pybpf.progtypes.base import ProgType
from pybpf.progtypes.registry import prog_types

ATTACH_TYPES = range(64)


def _gaps() -> dict[int, set[str]]:
    """Helper id -> the test-runnable types that allow it but cannot execute it."""
    registry = default_registry()
    gaps: dict[int, set[str]] = {}
    for prog_type in prog_types().values():
        if type(prog_type).test_run is ProgType.test_run:
            continue
        for attach in ATTACH_TYPES:
            variant = prog_type.for_attach_type(attach)
            own = variant.helpers()
            for helper_id in HELPER_IDS.values():
                if variant.func_allowed(helper_id) and helper_id not in registry and helper_id not in own:
                    gaps.setdefault(helper_id, set()).add(prog_type.name)
    return gaps


def test_every_allowed_helper_is_executable_or_listed() -> None:
    gaps = _gaps()
    unlisted = {}
    for helper_id, types in gaps.items():
        listed, _ = NOT_EXECUTABLE.get(helper_id, (None, ""))
        missing = set(types) if listed is None else (types - listed if listed else set())
        if missing:
            unlisted[helper_id] = sorted(missing)
    assert unlisted == {}


def test_the_table_lists_only_gaps() -> None:
    gaps = _gaps()
    assert {helper_id for helper_id in NOT_EXECUTABLE if helper_id not in gaps} == set()
    stale = {
        helper_id: sorted(types - gaps[helper_id])
        for helper_id, (types, _) in NOT_EXECUTABLE.items()
        if types - gaps[helper_id]
    }
    assert stale == {}


def test_the_partly_executable_are_implemented() -> None:
    """Each helper the table of partial ones names runs in some test-runnable type, and is no gap."""
    gaps = _gaps()
    implemented = set(default_registry())
    for prog_type in prog_types().values():
        if type(prog_type).test_run is not ProgType.test_run:
            for attach in ATTACH_TYPES:
                implemented |= set(prog_type.for_attach_type(attach).helpers())
    assert set(PARTLY_EXECUTABLE) - implemented == set()
    assert set(PARTLY_EXECUTABLE) & set(gaps) == set()


def test_the_reasons_name_their_helper() -> None:
    names = {number: name for name, number in HELPER_IDS.items()}
    reasons = [
        *((helper_id, reason) for helper_id, (_, reason) in NOT_EXECUTABLE.items()),
        *PARTLY_EXECUTABLE.items(),
    ]
    for helper_id, reason in reasons:
        assert reason.startswith(names[helper_id] + " ") or reason.startswith(names[helper_id] + ":"), (
            helper_id
        )
