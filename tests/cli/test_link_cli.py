"""``pybpf link show|list|pin|detach|read``: bpftool link's shape, on pybpf's links and the kernel's
(where ``bpftool`` is installed, its output for the same kernel link is the expected one)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pybpf import Object, uapi
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.libbpf import bpf_map_create
from tests.cli.clitools import BPFTOOL, bpftool, pybpf

ITERS = Path(__file__).parents[1] / "data" / "c" / "iter_links.o"
STRUCT_OPS_LINK = Path(__file__).parents[1] / "data" / "c" / "struct_ops_tcp_link.o"


def test_show_pin_read_detach(capsys: pytest.CaptureFixture[str], _private_bpffs: Path) -> None:
    backend = UserBackend()
    array = bpf_map_create(uapi.BPF_MAP_TYPE_ARRAY, "vlk_cli", 4, 4, 2, backend=backend)
    with Object.open(ITERS, backend=backend).load() as obj, obj.programs["vlk_maps"].attach_iter() as link:
        info = link.info()
        shown = pybpf(capsys, "link", "show", "id", str(info.id), "--backend", "user")
        assert shown.code == 0
        assert shown.out == f"{info.id}: iter  prog {info.prog_id}  target_name bpf_map  \n"
        listed = pybpf(capsys, "-j", "link", "list", "--backend", "user")
        assert listed.json() == [
            {"id": info.id, "type": "iter", "prog_id": info.prog_id, "target_name": "bpf_map"}
        ]
        path = str(_private_bpffs / "iter_link")
        assert pybpf(capsys, "link", "pin", "id", str(info.id), path, "--backend", "user").code == 0
        read = pybpf(capsys, "link", "read", "pinned", path, "--backend", "user")
        assert (read.code, read.out) == (0, "vlk_cli type 2 key 4 value 4 max 2 flags 0\nmaps done\n")
        detached = pybpf(capsys, "link", "detach", "pinned", path, "--backend", "user")
        assert detached.code == 1 and "errno 95" in detached.err  # iterator links have no detach
        missing = pybpf(capsys, "link", "show", "id", "999999", "--backend", "user")
        assert missing.code == 1 and "errno 2" in missing.err
        bad = pybpf(capsys, "link", "show", "id", "x", "--backend", "user")
        assert bad.code == 1 and "must be a number" in bad.err
    os.close(array)


@pytest.mark.skipif(not kernel_bpf_available() or BPFTOOL is None, reason="needs bpf(2) and bpftool")
def test_same_as_bpftool_for_a_kernel_link(capsys: pytest.CaptureFixture[str]) -> None:
    backend = NativeBackend()
    with Object.open(ITERS, backend=backend).load() as obj, obj.programs["vlk_progs"].attach_iter() as link:
        link_id = link.info().id
        for options in ([], ["-j"], ["-p"]):
            ours = pybpf(capsys, *options, "link", "show", "id", str(link_id), "--backend", "native")
            theirs = bpftool(*options, "link", "show", "id", str(link_id))
            assert ours.code == theirs.returncode == 0
            if options:
                assert json.loads(ours.out) == json.loads(theirs.stdout)
            else:
                assert ours.out.strip() == theirs.stdout.strip()


def test_struct_ops_link_map_id(capsys: pytest.CaptureFixture[str]) -> None:
    backend = UserBackend()
    with Object.open(STRUCT_OPS_LINK, backend=backend).load() as obj:
        link = obj.attach_struct_ops("lk_cc")
        assert link is not None
        with link:
            info = link.info()
            shown = pybpf(capsys, "-j", "link", "show", "id", str(info.id), "--backend", "user")
            assert shown.json() == {
                "id": info.id, "type": "struct_ops", "prog_id": 0, "map_id": info.struct_ops.map_id,
            }  # fmt: skip
            assert pybpf(capsys, "link", "detach", "id", str(info.id), "--backend", "user").code == 0
            assert link.info().struct_ops.map_id == 0
