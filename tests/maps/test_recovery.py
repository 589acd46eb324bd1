"""A process killed while holding a map's lock leaves the map usable (robust shared mutex + recover)."""

from __future__ import annotations

import os
import signal

from pybpf import Map, uapi
from pybpf.kernel.backend import UserBackend
from pybpf.maps.hash import HashMap
from pybpf.maps.object import MapObject


def test_sigkill_mid_update_keeps_map_usable() -> None:
    with Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 4, 4, backend=UserBackend(), key_type=int,
                    value_type=int) as m:  # fmt: skip
        m[1], m[2] = 10, 20
        pid = os.fork()
        if pid == 0:  # take the lock, start an insert (slot taken, never published), die
            obj = MapObject.from_fd(m.fd)
            obj.lock.__enter__()
            assert isinstance(obj.impl, HashMap)
            obj.impl._alloc()
            os.kill(os.getpid(), signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status)
        m[3] = 30  # EOWNERDEAD -> recover() -> lock made consistent
        m[4] = 40  # the leaked slot was recovered: 4 entries fit
        assert dict(m.items()) == {1: 10, 2: 20, 3: 30, 4: 40}
        del m[4]
        m[5] = 50
        assert sorted(m) == [1, 2, 3, 5]
