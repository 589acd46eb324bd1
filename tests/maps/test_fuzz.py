"""Random attrs thrown at the user-space bpf(): only OSError comes out, existing maps keep their data."""

from __future__ import annotations

import os
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf import uapi
from pybpf.kernel.backend import UserBackend

from .helpers import create, lookup, u32, update

_FIELDS = st.lists(
    st.tuples(
        st.integers(0, uapi.ATTR_SIZE // 4 - 1),
        st.one_of(st.integers(0, 8), st.integers(0, 2**32 - 1)),
    ),
    max_size=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cmd=st.one_of(st.integers(0, 6), st.sampled_from([14, 15, 22, 99])), fields=_FIELDS,
       extra=st.integers(0, 16))  # fmt: skip
def test_random_attrs(cmd: int, fields: list[tuple[int, int]], extra: int) -> None:
    backend = UserBackend()
    fd = create(backend, uapi.BPF_MAP_TYPE_HASH, 4, 4, 4)
    try:
        assert update(backend, fd, u32(1), u32(42)) == "ok"
        attr = bytearray(uapi.ATTR_SIZE + extra)
        for slot, value in fields:
            struct.pack_into("<I", attr, slot * 4, value if value != 3 else fd)
        try:
            result = backend.bpf(cmd, attr)
        except OSError:
            pass
        else:
            if cmd in (uapi.BPF_MAP_CREATE, uapi.BPF_OBJ_GET) and result > 2:
                os.close(result)
        assert lookup(backend, fd, u32(1), 4) in (u32(42), ("errno", 2))
    finally:
        os.close(fd)
