"""Global variables and map values with bitfields keep their BTF, as on the kernel.

The kernel's search for special fields fails on a struct member that does not start a byte (a
bitfield), and BPF_MAP_CREATE keeps that failure as the map's record: the map is created with its BTF
and holds no special fields (``pybpf.verifier.record_error``).  pybpf refused such BTF, and the loader
retried the map without it, as libbpf does after a failure.  The object is compiled here (clang) and
loaded on both backends: no retry, the BTF ids in ``bpf_map_info``, the same run result and the
bitfields read back through the typed globals."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import pybpf
from pybpf.kernel.backend import Backend
from tests.llvm_tools import CLANG

HEADERS = Path(__file__).resolve().parent.parent / "data" / "c"
"""The project's own bpf_helpers.h (the test objects' header; libbpf's headers need not be installed)."""

SOURCE = r"""
#include "bpf_helpers.h"

struct flags { unsigned int on:1, level:3, kind:4; unsigned int count; };
struct flags cfg = { .on = 1, .level = 5, .kind = 9, .count = 7 };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, int);
         __type(value, struct flags); } seen SEC(".maps");

SEC("xdp") int bitfields(struct xdp_md *ctx)
{
    int key = 1;
    struct flags *f;

    bpf_map_update_elem(&seen, &key, &cfg, BPF_ANY);
    f = bpf_map_lookup_elem(&seen, &key);
    if (!f)
        return 0;
    return f->on + f->level * 10 + f->kind * 100 + f->count * 1000;
}
char LICENSE[] SEC("license") = "GPL";
"""


@pytest.fixture(scope="module")
def bitfield_object(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if CLANG is None:
        pytest.skip("needs clang")
    out = tmp_path_factory.mktemp("bitfields")
    (out / "bitfields.c").write_text(SOURCE)
    done = subprocess.run(
        [str(CLANG), "-target", "bpf", "-O2", "-g", f"-I{HEADERS}", "-c",
         str(out / "bitfields.c"), "-o", str(out / "bitfields.o")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        pytest.skip(f"clang cannot build the object here: {done.stderr[-500:]}")
    return out / "bitfields.o"


def test_bitfield_maps_keep_their_btf(bitfield_object: Path, backend: Backend) -> None:
    with pybpf.load_object(bitfield_object, backend=backend) as obj:
        assert obj.warnings == []
        for name in (".bss", ".data", "seen"):
            if name in obj.maps:
                assert obj.maps[name].info().btf_value_type_id, name
        assert obj.data.cfg == {"on": 1, "level": 5, "kind": 9, "count": 7}
        assert obj.programs["bitfields"].run(bytes(64)).retval == 1 + 50 + 900 + 7000
