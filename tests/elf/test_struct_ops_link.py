"""``.struct_ops.link`` maps through the Object API on both backends: ``attach_struct_ops`` returns the
link that registers the map (tests/data/c/struct_ops_tcp_link.c: two tcp_congestion_ops of one name),
``Link.update_map`` moves the registration to the other map, ``Link.detach`` ends it; the link's
info names its map.  The name is the kernel's own on the native backend (unregistered by the test)."""

from __future__ import annotations

import errno

import pytest

from pybpf import Link, Object, uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from tests.elf.corpus import obj_path
from tests.maps.test_struct_ops import pytestmark  # noqa: F401  (the BTF skip)


def test_attach_update_detach(backend: Backend) -> None:
    with Object.open(obj_path("struct_ops_tcp_link"), backend=backend) as obj:
        obj.load()
        first, second = obj.maps["lk_cc"], obj.maps["lk_cc2"]
        link = obj.attach_struct_ops("lk_cc")
        assert isinstance(link, Link)
        with link:
            info = link.info()
            assert (info.type, info.prog_id, info.struct_ops.map_id) == (
                uapi.BPF_LINK_TYPE_STRUCT_OPS, 0, first.info().id,
            )  # fmt: skip
            with Link.from_id(info.id, backend=backend) as again:
                assert again.info().struct_ops.map_id == first.info().id
            with pytest.raises(BPFError) as exc:  # the second map: its update makes it READY only
                link.update_map(second)
            assert exc.value.errno == errno.EINVAL
            second.update(0, obj.loaded.struct_ops["lk_cc2"])  # type: ignore[union-attr]
            with pytest.raises(BPFError) as exc:
                link.update_map(second, old=second)
            assert exc.value.errno == errno.EPERM
            link.update_map(second, old=first)
            assert link.info().struct_ops.map_id == second.info().id
            link.detach()
            assert link.info().struct_ops.map_id == 0
            with pytest.raises(BPFError) as exc:
                link.update_map(first)
            assert exc.value.errno == errno.ENOLINK
