"""The map-element iterators' buffers (PTR_TO_BUF) in pybpf's verifier, against Linux 6.18's source.

The recording kernel refuses every load of the bpf_map_elem, bpf_sk_storage_map and sockmap
iterator targets with EPERM (tests/data/verifier_corpus/iter_map_elem.asm, listed in
known_disagreements.txt, and tests/data/verifier_iter_map_elem.asm, kept out of the corpus), so
pybpf's answers are checked here against what the source decides:
btf_ctx_access()'s ctx_arg_info (the key PTR_TO_BUF | PTR_MAYBE_NULL | MEM_RDONLY, the value
PTR_TO_BUF | PTR_MAYBE_NULL, the map a trusted pointer outside ctx_arg_info), check_mem_access()'s
PTR_TO_BUF branch and check_buffer_access() (kernel/bpf/verifier.c), check_helper_mem_access()'s,
and the furthest bytes reached (``max_rdonly_access`` / ``max_rdwr_access``) that attaching the
iterator to a map checks (tests/kernel/test_iter_map_elem.py).
"""

from __future__ import annotations

import errno

import pytest

from pybpf.kernel.backend import UserBackend
from tests.verifier import verifier_corpus as vc

CORPUS_THEME = vc.parse_theme(vc.CORPUS / "iter_map_elem.asm")
MORE = vc.CORPUS.parent / "verifier_iter_map_elem.asm"
"""The theme's other programs, kept out of the corpus (no kernel here labels them)."""
THEME = {p.name.split("/", 1)[1]: p for p in [*CORPUS_THEME, *vc.parse_theme(MORE)]}

_EXPECTED: dict[str, tuple[str, str]] = {
    "map_elem_read_key_write_value": ("", ""),
    "map_elem_write_key": ("EACCES", "R2 cannot write into rdonly_buf"),
    "map_elem_key_unchecked": ("EACCES", "R2 invalid mem access 'rdonly_buf_or_null'"),
    "map_elem_value_unchecked_write": ("EACCES", "R3 invalid mem access 'buf_or_null'"),
    "map_elem_value_negative_offset": ("EACCES", "R3 invalid rdwr buffer access: off=-4, size=4"),
    "map_elem_value_negative_insn_offset": ("EACCES", "R3 invalid rdwr buffer access: off=-4, size=4"),
    "map_elem_value_variable_offset": (
        "EACCES", "R3 invalid variable buffer offset: off=0, var_off=(0x0; 0x7)",
    ),
    "map_elem_arith_before_null_check": (
        "EACCES", "R2 pointer arithmetic on rdonly_buf_or_null prohibited, null-check it first",
    ),
    "map_elem_far_offsets": ("", ""),
    "map_elem_moved_pointer": ("", ""),
    "map_elem_seq_write_key": ("", ""),
    # ARG_PTR_TO_UNINIT_MEM and ARG_PTR_TO_MAP_KEY carry no MEM_RDONLY: mem_types has PTR_TO_BUF only
    "map_elem_probe_read_into_key": (
        "EACCES", "R1 type=rdonly_buf expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, "
        "trusted_ptr_",
    ),
    "map_elem_probe_read_into_value": ("", ""),
    "map_elem_lookup_with_key": (
        "EACCES", "R2 type=rdonly_buf expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, "
        "trusted_ptr_",
    ),
    "map_elem_read_the_map": ("", ""),
    "map_elem_atomic_add_value": ("", ""),
    "map_elem_spill_and_fill": ("", ""),
    "map_elem_misaligned_strict": ("EACCES", "misaligned access off 0+0+4 size 8"),
    "map_elem_ctx_key_narrow": ("EACCES", "invalid bpf_context access off=16 size=4"),
    "map_elem_ctx_past_value": ("EACCES", "invalid bpf_context access off=32 size=8"),
    "sk_storage_value_write": ("", ""),
    "sk_storage_sk_read": ("", ""),
    "sk_storage_sk_unchecked": ("EACCES", "R2 invalid mem access 'ptr_or_null_'"),
    "sk_storage_value_variable_offset": (
        "EACCES", "R3 invalid variable buffer offset: off=0, var_off=(0x0; 0x4)",
    ),
    "sockmap_key_read": ("", ""),
    "sockmap_key_write": ("EACCES", "R2 cannot write into rdonly_buf"),
}  # fmt: skip
"""What Linux 6.18's source answers for each program of the theme (errno name, the log's reason)."""


def test_every_program_has_its_answer() -> None:
    assert set(THEME) == set(_EXPECTED)
    assert len(THEME) == len(CORPUS_THEME) + len(vc.parse_theme(MORE))  # no name in both files


@pytest.mark.parametrize("name", sorted(_EXPECTED))
def test_pybpf_answers_as_the_source(name: str) -> None:
    assert vc.load(THEME[name], UserBackend()) == vc.Verdict(*_EXPECTED[name])


def test_the_level2_log_types_the_ctx_reads() -> None:
    """The key, value and map as print_verifier_state() names them; the map (outside ctx_arg_info)
    logged as btf_ctx_access() logs a pointer argument."""
    err, log = vc.load_with_log(THEME["map_elem_read_key_write_value"], UserBackend(), log_level=2)
    assert err == 0
    assert "R2=rdonly_buf_or_null(id=1)" in log and "R3=buf_or_null(id=2)" in log
    assert "R2=rdonly_buf()" in log and "R3=buf()" in log
    err, log = vc.load_with_log(THEME["map_elem_read_the_map"], UserBackend(), log_level=2)
    assert err == 0
    assert "func 'bpf_iter_bpf_map_elem' arg1 has btf_id" in log and "R2=trusted_ptr_bpf_map()" in log
    err, log = vc.load_with_log(THEME["sk_storage_sk_read"], UserBackend(), log_level=2)
    assert err == 0 and "R2=ptr_or_null_sock(id=1)" in log


def test_the_recording_kernel_refuses_these_targets() -> None:
    """Why the theme is pybpf's alone: every program's recorded answer is EPERM."""
    labels = vc.read_labels()
    assert {labels[p.name]["6.18"].errno for p in CORPUS_THEME} == {errno.errorcode[errno.EPERM]}
