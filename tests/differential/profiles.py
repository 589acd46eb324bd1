"""Hypothesis settings profiles of the differential tests: a quick local one and a bigger one for CI.

``CI=true`` in the environment (what ``.ci/run`` sets) selects the CI profile;
``PYBPF_DIFFERENTIAL_EXAMPLES=N`` overrides the number of examples (for a long bug hunt).  One
example compares one program, so that a failure shrinks to a single minimal program.  Generating a
program (~12 ms) and running it in pybpf dominate the cost; the kernel loads and runs one in ~0.5 ms.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
}

settings.register_profile("differential", max_examples=300, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("differential-ci", max_examples=1000, **_COMMON)  # type: ignore[arg-type]

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PROFILE = settings.get_profile("differential-ci" if IN_CI else "differential")
if os.environ.get("PYBPF_DIFFERENTIAL_EXAMPLES"):
    PROFILE = settings(PROFILE, max_examples=int(os.environ["PYBPF_DIFFERENTIAL_EXAMPLES"]))


SHARDS = 4
"""Property tests run as this many parametrized shards so that ``pytest -n`` can spread them over
workers; each shard runs its share of the examples."""


def scaled(fraction: float, shards: int = 1) -> settings:
    """The active profile with ``max_examples`` scaled by ``fraction`` and divided among ``shards``."""
    return settings(PROFILE, max_examples=max(10, int(PROFILE.max_examples * fraction / shards)))
