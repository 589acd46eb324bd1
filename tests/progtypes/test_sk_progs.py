"""SK_SKB and SK_MSG (the socket programs of sockmaps) and SK_REUSEPORT: helpers, ctx access rules,
the ctx rewrite, the load rules and the missing test_run, each asked of the running kernel and of pybpf.

Helper ids 1..211 are loaded as ``call N`` per type and every __sk_buff / sk_msg_md / sk_reuseport_md
offset and size
read and written; the xlated programs (BPF_OBJ_GET_INFO_BY_FD) of one ctx read per field are compared
in shape (opcodes: pybpf's kernel-side structs have their own offsets); loads with any expected
attach type and BPF_PROG_TEST_RUN run on both backends.
"""

from __future__ import annotations

import ctypes
import errno
import os

import pytest

from pybpf import assemble, uapi
from pybpf.errors import BPFError
from pybpf.isa.instruction import Instruction, decode_program, encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.progtypes import get_prog_type
from pybpf.progtypes.base import ProgType
from pybpf.progtypes.sk_msg import OFF as MSG_OFF
from pybpf.progtypes.sk_msg import SK_MSG_MD_SIZE
from pybpf.progtypes.sk_reuseport import OFF as REUSEPORT_OFF
from pybpf.progtypes.sk_reuseport import SK_REUSEPORT_MD_SIZE
from pybpf.progtypes.skb import OFF as SKB_OFF
from pybpf.progtypes.skb import SK_BUFF_SIZE
from pybpf.uapi import ENOTSUPP
from tests.progtypes import kernel_run
from tests.progtypes.test_skb_access import _access_program, _loads
from tests.progtypes.test_skb_support import needs_kernel

SK_SKB, SK_MSG, SK_REUSEPORT = (
    uapi.BPF_PROG_TYPE_SK_SKB,
    uapi.BPF_PROG_TYPE_SK_MSG,
    uapi.BPF_PROG_TYPE_SK_REUSEPORT,
)
CTX_SIZE = {SK_SKB: SK_BUFF_SIZE, SK_MSG: SK_MSG_MD_SIZE, SK_REUSEPORT: SK_REUSEPORT_MD_SIZE}
FIELDS = {SK_SKB: SKB_OFF, SK_MSG: MSG_OFF, SK_REUSEPORT: REUSEPORT_OFF}
ALL = pytest.mark.parametrize(
    "prog_type", [SK_SKB, SK_MSG, SK_REUSEPORT], ids=["sk_skb", "sk_msg", "sk_reuseport"]
)


def _type(number: int) -> ProgType:
    kind = get_prog_type(number)
    assert kind is not None
    return kind


def _load(backend: Backend, program: list[Instruction], prog_type: int, attach: int = 0) -> int:
    code = ctypes.create_string_buffer(encode_program(program))
    license_ = ctypes.create_string_buffer(b"GPL")
    attr = uapi.bpf_attr()
    attr.prog_type, attr.insn_cnt, attr.insns = prog_type, len(program), ctypes.addressof(code)
    attr.license, attr.expected_attach_type = ctypes.addressof(license_), attach
    return backend.bpf(uapi.BPF_PROG_LOAD, attr)


def _xlated(backend: Backend, fd: int) -> list[Instruction]:
    info = uapi.bpf_prog_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = fd, ctypes.sizeof(info), ctypes.addressof(info)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    buffer = ctypes.create_string_buffer(info.xlated_prog_len)
    length = info.xlated_prog_len
    info = uapi.bpf_prog_info()
    info.xlated_prog_len, info.xlated_prog_insns = length, ctypes.addressof(buffer)
    attr.info.info = ctypes.addressof(info)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return decode_program(buffer.raw)


def test_registered_names_and_sizes() -> None:
    assert (_type(SK_SKB).name, _type(SK_SKB).ctx_size) == ("sk_skb", 192)
    assert (_type(SK_MSG).name, _type(SK_MSG).ctx_size) == ("sk_msg", 80)
    assert (_type(SK_REUSEPORT).name, _type(SK_REUSEPORT).ctx_size) == ("sk_reuseport", 56)


@needs_kernel
@ALL
def test_func_allowed_matches_kernel(prog_type: int) -> None:
    kind = _type(prog_type)
    differ = [h for h in range(1, 212) if kind.func_allowed(h) != kernel_run.helper_allowed(prog_type, h)]
    assert not differ, f"func_allowed differs from the kernel for helper ids {differ}"


@needs_kernel
@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
@ALL
def test_is_valid_access_matches_kernel(prog_type: int, write: bool) -> None:
    kind = _type(prog_type)
    differ = []
    for size in (1, 2, 4, 8):
        for off in range(0, CTX_SIZE[prog_type] + 8, size):
            accepted = _loads(_access_program(off, size, write), prog_type) is None
            if kind.is_valid_access(off, size, write) != accepted:
                differ.append((off, size, accepted))
    assert not differ, f"(off, size, kernel accepts) where pybpf differs: {differ}"


_SKB_SKIPPED = {"tstamp", "tstamp_type", "hwtstamp", "gso_segs", "gso_size", "data_end"}
"""__sk_buff fields whose kernel sequence uses BPF_REG_AX (data_end is skb->data + len - data_len
for sk_skb): pybpf emits the one load the sequence amounts to."""


def _shapes(backend: Backend, program: list[Instruction], prog_type: int) -> list[int]:
    fd = _load(backend, program, prog_type)
    try:
        return [insn.opcode for insn in _xlated(backend, fd)]
    finally:
        os.close(fd)


@needs_kernel
@ALL
def test_rewrite_has_the_kernels_shape(prog_type: int) -> None:
    pybpf, kernel = UserBackend(), NativeBackend()
    kind = _type(prog_type)
    fields = FIELDS[prog_type]
    skipped = _SKB_SKIPPED if prog_type == SK_SKB else set()
    checked = []
    for name, off in fields.items():
        if name in skipped:
            continue
        for size in (8, 4, 2, 1):
            program = _access_program(off, size, False)
            if not kind.is_valid_access(off, size, False):
                continue
            assert _shapes(pybpf, program, prog_type) == _shapes(kernel, program, prog_type), (name, size)
            checked.append((name, size))
    assert len(checked) > (20 if prog_type == SK_SKB else 8)


@ALL
@pytest.mark.parametrize(
    "attach",
    [0, uapi.BPF_SK_SKB_STREAM_PARSER, uapi.BPF_SK_SKB_STREAM_VERDICT, uapi.BPF_SK_SKB_VERDICT,
     uapi.BPF_SK_MSG_VERDICT, 99],
)  # fmt: skip
def test_attach_types_and_any_return_value(backend: Backend, prog_type: int, attach: int) -> None:
    if prog_type == SK_REUSEPORT and attach:  # only its own attach types (0 is the first)
        with pytest.raises(BPFError) as caught:
            _load(backend, assemble("r0 = 0\nexit"), prog_type, attach)
        assert caught.value.errno == errno.EINVAL
        return
    for value in (0, 1, 7, -1):
        os.close(_load(backend, assemble(f"r0 = {value}\nexit"), prog_type, attach))


@pytest.mark.parametrize("attach", [uapi.BPF_SK_REUSEPORT_SELECT, uapi.BPF_SK_REUSEPORT_SELECT_OR_MIGRATE])
def test_reuseport_attach_types(backend: Backend, attach: int) -> None:
    os.close(_load(backend, assemble("r0 = 1\nexit"), SK_REUSEPORT, attach))


@ALL
def test_no_test_run(backend: Backend, prog_type: int) -> None:
    fd = _load(backend, assemble("r0 = 1\nexit"), prog_type)
    try:
        data = ctypes.create_string_buffer(64)
        attr = uapi.bpf_attr()
        attr.test.prog_fd, attr.test.data_in, attr.test.data_size_in = fd, ctypes.addressof(data), 64
        with pytest.raises(BPFError) as caught:
            backend.bpf(uapi.BPF_PROG_TEST_RUN, attr)
        assert caught.value.errno == ENOTSUPP
    finally:
        os.close(fd)


@ALL
def test_ctx_writes_refused(backend: Backend, prog_type: int) -> None:
    off = {SK_SKB: SKB_OFF["mark"], SK_MSG: MSG_OFF["size"], SK_REUSEPORT: REUSEPORT_OFF["hash"]}[prog_type]
    with pytest.raises(BPFError) as caught:
        _load(backend, _access_program(off, 4, True), prog_type)
    assert caught.value.errno == errno.EACCES
