"""pybpf says which Linux release it models, and the tests' release-keyed answers pick the right one."""

from __future__ import annotations

import pytest

import pybpf
from pybpf import native
from pybpf.cli.main import main
from pybpf.kernel_version import KERNEL_VERSION, KernelVersion
from tests.kernel_releases import ByRelease, Since


def test_kernel_version_is_the_modelled_release() -> None:
    assert pybpf.KERNEL_VERSION is KERNEL_VERSION
    assert KERNEL_VERSION == (6, 18) and str(KERNEL_VERSION) == "6.18"
    assert "KERNEL_VERSION" in pybpf.__all__ and "KernelVersion" in pybpf.__all__


@pytest.mark.parametrize(
    ("release", "version"),
    [
        ("6.18.44-fc-v1272", (6, 18)),
        ("6.8.0-51-generic", (6, 8)),
        ("6.15", (6, 15)),
        ("5.15.0-1071-azure", (5, 15)),
        (" 6.1.0-rpi7-rpi-v8\n", (6, 1)),
    ],
)
def test_parse_uname_release(release: str, version: tuple[int, int]) -> None:
    assert KernelVersion.parse(release) == version


@pytest.mark.parametrize("release", ["", "linux", "6", "v6.18"])
def test_parse_refuses_what_is_no_release(release: str) -> None:
    with pytest.raises(ValueError, match="not a Linux release"):
        KernelVersion.parse(release)


def test_versions_order_numerically() -> None:
    assert KernelVersion(6, 9) < KernelVersion(6, 18) < KernelVersion(7, 0)
    assert sorted([KernelVersion(6, 18), KernelVersion(6, 6), KernelVersion(6, 15)]) == [
        (6, 6),
        (6, 15),
        (6, 18),
    ]


def test_version_flag_names_the_release(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    first, verifier = capsys.readouterr().out.strip().split("\n")
    assert first == f"pybpf {pybpf.__version__} (models Linux 6.18 bpf(2))"
    assert verifier == f"verifier: {native.status()}"
    assert verifier.startswith(("verifier: native (", "verifier: pure Python ("))


def test_answers_by_release() -> None:
    answers = ByRelease("a", [Since(KernelVersion(6, 15), "b"), Since(KernelVersion(6, 18), "c", ("b",))])
    assert [answers.at(KernelVersion(6, minor)) for minor in (0, 14, 15, 17, 18, 19)] == [
        "a",
        "a",
        "b",
        "b",
        "c",
        "c",
    ]
    assert answers.accepted_at(KernelVersion(6, 14)) == ("a",)
    assert answers.accepted_at(KernelVersion(6, 16)) == ("b",)
    assert answers.accepted_at(KernelVersion(7, 0)) == ("c", "b")
    assert answers.modelled == "c"  # pybpf models 6.18


def test_changes_must_be_in_release_order() -> None:
    with pytest.raises(ValueError, match="release order"):
        ByRelease(0, [Since(KernelVersion(6, 18), 1), Since(KernelVersion(6, 15), 2)])
    with pytest.raises(ValueError, match="release order"):
        ByRelease(0, [Since(KernelVersion(6, 15), 1), Since(KernelVersion(6, 15), 2)])
