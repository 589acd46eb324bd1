"""``MapSpec.autocreate`` (libbpf's ``bpf_map__set_autocreate``), on both backends.

A map left out is not created; every ``lddw`` of it is poisoned into two ``call 2001000000 + i``
(``i`` the map's index in the object, libbpf's ``poison_map_ldimm64``), which the verifier refuses
where it is reached ("invalid func unknown#2001000000+i", EINVAL), and the annotated log names the
map as libbpf's ``fixup_log_missing_map_load`` does.  test_loader leaves out the maps an unprivileged
caller may not create (``scripts/selftests_conformance.py --unpriv``).
"""

from __future__ import annotations

import errno

import pytest

from pybpf import Object, ProgramLoadError
from pybpf.elf.relocate import MAP_POISON_BASE
from pybpf.kernel.backend import Backend
from tests.elf.corpus import obj_path


def test_a_reached_reference_to_a_map_not_created_is_refused(backend: Backend) -> None:
    with Object.open(obj_path("xdp_counter"), backend=backend) as obj:
        index = list(obj.spec.maps).index("proto_counts")
        obj.spec.maps["proto_counts"].autocreate = False
        with pytest.raises(ProgramLoadError) as caught:
            obj.load()
    error = caught.value
    assert error.errno == errno.EINVAL
    assert f"invalid func unknown#{MAP_POISON_BASE + index}" in error.raw_log
    assert "<invalid BPF map reference>" in error.log
    assert "BPF map 'proto_counts' is referenced but wasn't created" in error.log
    assert f"unknown#{MAP_POISON_BASE + index}" not in error.log


def test_maps_left_out_are_not_created(backend: Backend) -> None:
    with Object.open(obj_path("xdp_counter"), backend=backend) as obj:
        for m in obj.spec.maps.values():
            m.autocreate = m.name != "proto_counts"
        obj.load(programs=[])
        assert obj.loaded is not None
        assert set(obj.loaded.maps) == set(obj.spec.maps) - {"proto_counts"}
