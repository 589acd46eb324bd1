"""scripts/selftests_conformance.py reads test_loader's annotations as test_loader does.

Its measurements need the kernel's compiled selftests (not kept here); what it concludes from an
object's decl tags is checked on BTF built here: the modes a program's tags name, what an
unprivileged run inherits from the privileged one (test_loader's ``parse_test_spec``), both tag
formats, ``__caps_unpriv``, and the maps an unprivileged run creates (``is_unpriv_capable_map``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from pybpf import uapi
from pybpf.btf.types import BTF, DeclTag, Func, FuncProto
from pybpf.elf.spec import MapSpec

ROOT = Path(__file__).resolve().parents[2]


def _load_script() -> ModuleType:
    sys.path[:0] = [str(ROOT / "scripts")]
    spec = importlib.util.spec_from_file_location(
        "selftests_conformance", ROOT / "scripts" / "selftests_conformance.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building classes
    spec.loader.exec_module(module)
    return module


sc = _load_script()


def _specs(programs: dict[str, list[str]]) -> dict[str, Any]:
    """test_specs() of an object whose programs carry these decl tags (without ``comment:``)."""
    types: list[object] = [FuncProto(0)]
    for name, tags in programs.items():
        types.append(Func(name, 1))
        func_id = len(types)
        types += [DeclTag("comment:" + tag, func_id) for tag in tags]
    spec = SimpleNamespace(btf=BTF(types=tuple(types)), programs=dict.fromkeys(programs))  # type: ignore[arg-type]
    result: dict[str, Any] = sc.test_specs(spec)
    return result


def test_no_mode_is_a_privileged_success() -> None:
    s = _specs({"p": ["test_description=plain"]})["p"]
    assert s.mode == sc.PRIV
    assert not s.priv.expect_failure and s.description == "plain"


def test_the_unprivileged_run_inherits_what_its_tags_leave_unsaid() -> None:
    """``__success __failure_unpriv __msg_unpriv(...) __retval(0)`` (Linux 6.x's format)."""
    s = _specs(
        {
            "p": [
                "test_expect_success",
                "test_expect_failure_unpriv",
                "test_expect_msg_unpriv=7=R1 !read_ok",
                "test_retval=0",
            ]
        }
    )["p"]
    assert s.mode == sc.PRIV | sc.UNPRIV
    assert not s.priv.expect_failure and s.priv.msgs == [] and s.priv.retval == 0
    assert s.unpriv.expect_failure and s.unpriv.msgs == [("R1 !read_ok", False)]
    assert s.unpriv.retval == 0  # no __retval_unpriv: the privileged one


def test_privileged_messages_carry_over_in_source_order() -> None:
    s = _specs(
        {
            "p": [
                "test_expect_failure",
                "test_expect_msg=3=second",
                "test_expect_msg=2=first",
                "test_expect_failure_unpriv",
                "test_retval_unpriv=2",
            ]
        }
    )["p"]
    assert s.priv.msgs == [("first", False), ("second", False)]
    assert s.unpriv.msgs == s.priv.msgs
    assert s.unpriv.retval == 2 and s.priv.retval is None


def test_counted_tags_and_caps() -> None:
    """The later ``comment:COUNTER:TAG`` format, ``__not_msg_unpriv`` and ``__caps_unpriv``."""
    s = _specs(
        {
            "p": [
                "1:test_expect_success_unpriv",
                "2:test_caps_unpriv=39|38",
                "3:test_expect_not_msg_unpriv=leak",
            ],
            "aux": ["1:test_auxiliary_unpriv"],
        }
    )
    p, aux = s["p"], s["aux"]
    assert p.mode == sc.UNPRIV  # only unprivileged tags: no privileged run
    assert p.unpriv.caps == frozenset({38, 39})
    assert p.unpriv.msgs == [("leak", True)]
    assert aux.auxiliary and aux.mode == sc.UNPRIV


def test_the_maps_an_unprivileged_run_creates() -> None:
    def m(map_type: int, flags: int = 0) -> MapSpec:
        return MapSpec("m", map_type, 4, 8, 1, flags)

    assert sc.unpriv_capable_map(m(uapi.BPF_MAP_TYPE_ARRAY))
    assert sc.unpriv_capable_map(m(uapi.BPF_MAP_TYPE_PROG_ARRAY))
    assert sc.unpriv_capable_map(m(uapi.BPF_MAP_TYPE_HASH))
    assert not sc.unpriv_capable_map(m(uapi.BPF_MAP_TYPE_HASH, uapi.BPF_F_ZERO_SEED))
    assert not sc.unpriv_capable_map(m(uapi.BPF_MAP_TYPE_LRU_HASH))
    assert not sc.unpriv_capable_map(m(uapi.BPF_MAP_TYPE_SOCKMAP))
