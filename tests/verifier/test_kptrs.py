"""kptr fields at BPF_MAP_CREATE and bpf_kptr_xchg at run time, against the kernel.

The verifier's rules on kptrs are measured by the corpus (tests/data/verifier_corpus/
selftests_map_kptr.asm); here: which values with kptr fields BPF_MAP_CREATE accepts, on which map
types and with which flags (the errno is the kernel's), and bpf_kptr_xchg run on both engines.
"""

from __future__ import annotations

import ctypes
import os

import pytest

from pybpf import uapi
from pybpf.btf.encode import encode_btf
from pybpf.btf.parse import parse_btf
from pybpf.btf.types import BTF, BTF_INT_SIGNED, BTFType, Int, Member, Ptr, Struct, TypeTag
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.verifier import kptrs
from tests.verifier import kptr_harness

_LONG = 2


def _value_btf(pointee: BTFType, tags: tuple[str, ...]) -> bytes:
    """int, long, the pointee (id 3), its type tags (innermost last), a pointer to them and a
    ``struct val { long x; <tagged pointer> p; }`` (the last id)."""
    types: list[BTFType] = [
        Int("int", 4, BTF_INT_SIGNED, 0, 32),
        Int("long", 8, BTF_INT_SIGNED, 0, 64),
        pointee,
    ]
    target = 3
    for tag in reversed(tags):
        types.append(TypeTag(tag, target))
        target = len(types)
    types.append(Ptr(target))
    types.append(Struct("val", 16, (Member("x", _LONG, 0), Member("p", len(types), 64))))
    return encode_btf(BTF(tuple(types)))


def _create(backend: Backend, blob: bytes, map_type: int, flags: int = 0, key_size: int = 4) -> int:
    """The errno of BPF_MAP_CREATE of a map whose value is ``blob``'s ``struct val`` (0: created;
    negative: BPF_BTF_LOAD's)."""
    data = ctypes.create_string_buffer(blob, len(blob))
    attr = uapi.bpf_attr()
    attr.btf, attr.btf_size = ctypes.addressof(data), len(blob)
    try:
        btf_fd = backend.bpf(uapi.BPF_BTF_LOAD, attr)
    except BPFError as exc:  # btf_parse_struct_metas(): the kptr's struct already refused
        return -(exc.errno or 1)
    try:
        value_id = parse_btf(blob).find("val")
        attr = uapi.bpf_attr()
        attr.map_type, attr.key_size, attr.value_size, attr.max_entries = map_type, key_size, 16, 1
        attr.map_flags = flags
        attr.btf_fd, attr.btf_key_type_id, attr.btf_value_type_id = btf_fd, 1 if key_size else 0, value_id
        try:
            os.close(backend.bpf(uapi.BPF_MAP_CREATE, attr))
        except BPFError as exc:
            return exc.errno or -1
        return 0
    finally:
        os.close(btf_fd)


_TASK = Struct("task_struct", 4, (Member("pid", 1, 0),))
_SKB = Struct("sk_buff", 4, (Member("len", 1, 0),))
_LOCAL = Struct("my_node", 8, (Member("n", _LONG, 0),))
T = uapi
CASES = {
    "ref_task_array": (_TASK, ("kptr",), T.BPF_MAP_TYPE_ARRAY, 0),
    "ref_task_hash": (_TASK, ("kptr",), T.BPF_MAP_TYPE_HASH, 0),
    "ref_task_lru_percpu": (_TASK, ("kptr",), T.BPF_MAP_TYPE_LRU_PERCPU_HASH, 0),
    "unref_task_percpu_array": (_TASK, ("kptr_untrusted",), T.BPF_MAP_TYPE_PERCPU_ARRAY, 0),
    "ref_task_rdonly": (_TASK, ("kptr",), T.BPF_MAP_TYPE_ARRAY, T.BPF_F_RDONLY_PROG),
    "unref_task_wronly": (_TASK, ("kptr_untrusted",), T.BPF_MAP_TYPE_HASH, T.BPF_F_WRONLY_PROG),
    "ref_skb_no_dtor": (_SKB, ("kptr",), T.BPF_MAP_TYPE_ARRAY, 0),
    "unref_skb": (_SKB, ("kptr_untrusted",), T.BPF_MAP_TYPE_ARRAY, 0),
    "local_ref": (_LOCAL, ("kptr",), T.BPF_MAP_TYPE_ARRAY, 0),
    "two_tags": (_TASK, ("kptr", "kptr"), T.BPF_MAP_TYPE_ARRAY, 0),
    "unknown_tag": (_TASK, ("kptr_maybe",), T.BPF_MAP_TYPE_ARRAY, 0),
    "pointer_to_int": (Int("unsigned int", 4, 0, 0, 32), ("kptr",), T.BPF_MAP_TYPE_ARRAY, 0),
    "untagged_pointer": (_TASK, (), T.BPF_MAP_TYPE_ARRAY, T.BPF_F_RDONLY_PROG),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_map_create_with_kptrs_is_the_kernels(case: str, kernel: bool) -> None:
    pointee, tags, map_type, flags = CASES[case]
    blob = _value_btf(pointee, tags)
    theirs = _create(NativeBackend(), blob, map_type, flags)
    ours = _create(UserBackend(), blob, map_type, flags)
    assert ours == theirs


def test_map_types_without_kptrs_refuse_them(kernel: bool) -> None:
    """A bloom filter (no key) cannot hold a kptr: EOPNOTSUPP on both."""
    blob = _value_btf(_TASK, ("kptr",))
    theirs = _create(NativeBackend(), blob, T.BPF_MAP_TYPE_BLOOM_FILTER, key_size=0)
    ours = _create(UserBackend(), blob, T.BPF_MAP_TYPE_BLOOM_FILTER, key_size=0)
    assert ours == theirs


def test_fields_of_the_corpus_value() -> None:
    fields = kptrs.find_kptr_fields(parse_btf(kptr_harness.btf_blob()), kptr_harness.VALUE_TYPE)
    assert [(f.off, f.kind) for f in fields] == [
        (kptr_harness.TASK_OFF, kptrs.KptrKind.REF),
        (kptr_harness.RAW_OFF, kptrs.KptrKind.UNREF),
        (kptr_harness.CG_OFF, kptrs.KptrKind.REF),
        (kptr_harness.LOCAL_OFF, kptrs.KptrKind.REF),
    ]
    assert fields[-1].local and not fields[0].local
