"""The BTF decoded on demand (``parse_btf(lazy=True)``, what a large blob such as vmlinux gets) against the
same blob decoded eagerly: every type of the running kernel's vmlinux, names, name prefixes, sizes; the
same ``BTFError`` for every malformed or truncated blob; the record index kept on disk
(``pybpf.btf.index_cache``) trusted only when it checks out."""

from __future__ import annotations

import os
import random
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf.btf import BTF, BTFError, Member, Ptr, Struct, Typedef, encode_btf, index_cache, parse_btf
from pybpf.btf.parse import LAZY_SECTION_BYTES, read_btf_file_once
from pybpf.btf.types import TypeTable
from tests.btf import btfcases, test_parse
from tests.btf.test_parse import _GOOD, _HDR, _records, blob
from tests.btf.vmlinux import VMLINUX

MALFORMED = [case[0] for case in test_parse.test_malformed_blobs_raise_btferror.pytestmark[0].args[1]]
"""The malformed blobs of test_parse (each raises a BTFError there)."""


def outcome(data: bytes, *, lazy: bool) -> tuple[str, object]:
    """What parse_btf makes of ``data``: its error message, or every type and the ids of some 200 names."""
    try:
        btf = parse_btf(data, lazy=lazy)
    except BTFError as exc:
        return "error", str(exc)
    types = [btf[i] for i in range(1, btf.end_id)]
    named = sorted({t.name for t in types if t.name})
    names = {name: btf.ids_by_name(name) for name in named[:: max(1, len(named) // 200)]}
    return "ok", (types, names, btf.strings)


@pytest.fixture
def blob_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(index_cache.DIRECTORY_VARIABLE, str(tmp_path))
    return tmp_path / "btf"


@pytest.fixture(scope="module")
def vmlinux() -> bytes:
    if not os.access(VMLINUX, os.R_OK):
        pytest.skip(f"{VMLINUX} is not readable")
    with open(VMLINUX, "rb") as f:
        return f.read()


@pytest.fixture(scope="module")
def eager_vmlinux(vmlinux: bytes) -> BTF:
    return parse_btf(vmlinux, lazy=False)


def test_every_vmlinux_type_decoded_on_demand_equals_the_eager_one(
    vmlinux: bytes, eager_vmlinux: BTF, blob_cache: Path
) -> None:
    eager = eager_vmlinux
    lazy = parse_btf(vmlinux)
    assert isinstance(lazy.types, TypeTable) and not isinstance(eager.types, TypeTable)
    assert len(lazy) == len(eager) and lazy.end_id == eager.end_id
    for type_id in range(eager.end_id):
        assert lazy[type_id] == eager[type_id], type_id
    assert lazy == eager and lazy.types == eager.types


def test_vmlinux_names_prefixes_and_layouts_agree(
    vmlinux: bytes, eager_vmlinux: BTF, blob_cache: Path
) -> None:
    eager = eager_vmlinux
    lazy = parse_btf(vmlinux)
    names = sorted({t.name for _, t in eager if t.name})
    for name in [*random.Random(22).sample(names, 200), "task_struct", "bpf_map", "int", "", "no such type"]:
        assert lazy.ids_by_name(name) == eager.ids_by_name(name), name
    for prefix in ("bpf_iter_", "task", "sk_buff", "x", "zzzz_none"):
        assert lazy.ids_with_prefix(prefix) == eager.ids_with_prefix(prefix), prefix
    for name in ("task_struct", "bpf_array", "bpf_htab", "sk_buff"):
        type_id = eager.find(name)
        assert lazy.size_of(type_id) == eager.size_of(type_id)
        assert lazy.align_of(type_id) == eager.align_of(type_id)
        assert list(lazy.walk_members(type_id)) == list(eager.walk_members(type_id))


def test_a_large_blob_is_lazy_by_default_and_a_small_one_is_not(vmlinux: bytes) -> None:
    assert isinstance(parse_btf(vmlinux).types, TypeTable)
    assert isinstance(parse_btf(_GOOD).types, tuple)
    assert len(vmlinux) > LAZY_SECTION_BYTES > len(_GOOD)


@pytest.mark.parametrize("data", MALFORMED + list(btfcases.malformed_cases().values()))
def test_malformed_blobs_give_the_same_answer_lazily(data: bytes) -> None:
    assert outcome(data, lazy=True) == outcome(data, lazy=False)


@pytest.mark.parametrize("name", sorted(btfcases.valid_cases()))
def test_valid_blobs_decode_alike_lazily(name: str) -> None:
    data = btfcases.valid_cases()[name]
    assert outcome(data, lazy=True) == outcome(data, lazy=False)


def test_truncated_vmlinux_gives_the_eager_errors(vmlinux: bytes, blob_cache: Path) -> None:
    type_len = _HDR.unpack_from(vmlinux)[5]
    for cut in (8, type_len // 2):
        shorter = _HDR.pack(*_HDR.unpack_from(vmlinux)[:5], type_len - cut, *_HDR.unpack_from(vmlinux)[6:])
        data = shorter + vmlinux[_HDR.size :]
        with pytest.raises(BTFError) as lazily:
            parse_btf(data, lazy=True)
        with pytest.raises(BTFError) as eagerly:
            parse_btf(data, lazy=False)
        assert str(lazily.value) == str(eagerly.value)
    assert not list(blob_cache.glob("*.idx"))  # nothing kept for a blob that does not decode


def test_bad_references_and_names_in_a_large_blob(vmlinux: bytes) -> None:
    """A reference or a member name out of range deep in a blob lazy by size: the eager error."""
    hdr = _HDR.unpack_from(vmlinux)
    start = hdr[3] + hdr[4]
    lazy = parse_btf(vmlinux)
    struct_id = lazy.find("task_struct")
    assert isinstance(lazy.types, TypeTable)
    at = 4 * lazy.types._starts[struct_id - 1]  # type: ignore[attr-defined]
    for word, value in ((3, 0xFFFFFF), (4, 0xFFFFF)):  # the first member's name offset, then its type
        data = bytearray(vmlinux)
        struct.pack_into("<I", data, start + at + 4 * word, value)
        with pytest.raises(BTFError) as lazily:
            parse_btf(bytes(data))
        with pytest.raises(BTFError) as eagerly:
            parse_btf(bytes(data), lazy=False)
        assert str(lazily.value) == str(eagerly.value)
        assert f"type id {struct_id}" in str(lazily.value)


_FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(st.lists(st.tuples(st.integers(4, len(_GOOD) - 1), st.integers(0, 255)), min_size=1, max_size=6))
def test_fuzz_mutated_blob_alike(edits: list[tuple[int, int]]) -> None:
    data = bytearray(_GOOD)
    for pos, byte in edits:
        data[pos] = byte
    assert outcome(bytes(data), lazy=True) == outcome(bytes(data), lazy=False)


@_FUZZ
@given(_records())
def test_fuzz_structured_records_alike(types: bytes) -> None:
    for cut in (len(types), len(types) - 4):
        data = blob(types[:cut], b"\0a\0b\0")
        assert outcome(data, lazy=True) == outcome(data, lazy=False)


def test_the_index_is_kept_and_reused(vmlinux: bytes, blob_cache: Path) -> None:
    first = parse_btf(vmlinux)
    kept = list(blob_cache.glob("*.idx"))
    assert len(kept) == 1 and kept[0].name == index_cache.blob_digest(vmlinux).hex() + ".idx"
    assert (blob_cache.stat().st_mode & 0o777) == 0o700
    again = parse_btf(vmlinux)
    assert again.types._starts == first.types._starts  # type: ignore[union-attr]
    assert again[again.find("task_struct")] == first[first.find("task_struct")]


def test_a_corrupt_index_is_not_trusted(vmlinux: bytes, eager_vmlinux: BTF, blob_cache: Path) -> None:
    eager_task = eager_vmlinux.get("task_struct")
    parse_btf(vmlinux)
    (kept,) = blob_cache.glob("*.idx")
    raw = bytearray(kept.read_bytes())
    for damage in ("flip", "truncate", "empty"):
        data = bytearray(raw)
        if damage == "flip":
            data[-100] ^= 0xFF
        elif damage == "truncate":
            data = data[: len(data) // 2]
        else:
            data = bytearray()
        kept.write_bytes(bytes(data))
        assert index_cache.load_index(index_cache.blob_digest(vmlinux)) is None
        assert parse_btf(vmlinux).get("task_struct") == eager_task
        assert kept.read_bytes() == raw  # made again


def test_no_index_without_a_private_directory(
    vmlinux: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(index_cache.DIRECTORY_VARIABLE, "")
    assert index_cache.index_directory() is None
    assert isinstance(parse_btf(vmlinux).types, TypeTable)
    shared = tmp_path / "shared"
    (shared / "btf").mkdir(parents=True)
    (shared / "btf").chmod(0o777)
    monkeypatch.setenv(index_cache.DIRECTORY_VARIABLE, str(shared))
    parse_btf(vmlinux)
    assert not list((shared / "btf").iterdir())


def test_vmlinux_is_read_once_per_process() -> None:
    if not os.access(VMLINUX, os.R_OK):
        pytest.skip(f"{VMLINUX} is not readable")
    assert read_btf_file_once(VMLINUX) is read_btf_file_once(VMLINUX)


def test_split_btf_decoded_lazily_on_its_base(blob_cache: Path) -> None:
    """A module's BTF on vmlinux's: ids and string offsets continue the base's, names are found in
    both string sections (a member may be named by a base string), references into the base hold."""
    base = parse_btf(_GOOD)
    node = base.find("node")
    split_types = (Ptr(node), Struct("wrapper", 8, (Member("n", node + 1, 0),)), Typedef("node", node))
    data = encode_btf(BTF(split_types, strings=b"", base=base))
    eager = parse_btf(data, base=base, lazy=False)
    lazy = parse_btf(data, base=base, lazy=True)
    assert isinstance(lazy.types, TypeTable)
    assert [lazy[i] for i in range(1, lazy.end_id)] == [eager[i] for i in range(1, eager.end_id)]
    for name in ("node", "wrapper", "n", "int"):
        assert lazy.ids_by_name(name) == eager.ids_by_name(name), name
    assert lazy.ids_with_prefix("no") == eager.ids_with_prefix("no")
    assert {node, eager.end_id - 1} <= set(lazy.ids_with_prefix("no"))
    assert not list(blob_cache.glob("*.idx"))  # split BTF is not indexed on disk
    bad = encode_btf(BTF((Ptr(eager.end_id + 5),), strings=b"", base=base))
    with pytest.raises(BTFError, match="out of range"):
        parse_btf(bad, base=base, lazy=True)
