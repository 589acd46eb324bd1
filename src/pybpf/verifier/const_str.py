"""Constant strings as helper arguments: ARG_PTR_TO_CONST_STR and bpf_snprintf's format.

Mirrors kernel/bpf/verifier.c (Linux 6.18): check_reg_const_str() -- the argument points into the
value of a read-only map (BPF_F_RDONLY_PROG and frozen: "R%d does not point to a readonly map'",
the kernel's stray quote included) at a constant address ("R%d is not a constant address'") of a
map type whose value has one address ("no direct value access support for this map type"), the
rest of the value is readable (check_map_access()), and the string ends inside it ("string is not
zero-terminated", EINVAL) -- and check_bpf_snprintf_call(): bpf_snprintf's data length is a
multiple of 8 (EINVAL without a message) and its format, read from the map, is one
bpf_bprintf_prepare() accepts with that many arguments ("Invalid format string"); and a kfunc's
``__str`` argument (KF_ARG_PTR_TO_CONST_STR in check_kfunc_args(): a map value pointer, "arg#%d
doesn't point to a const string", then check_reg_const_str()).  The format's
rules are ``pybpf.helpers.printk``'s, asked with zero arguments and no memory (the verifier's
question is only which conversions the format has).
"""

from __future__ import annotations

import ctypes
import errno
from typing import TYPE_CHECKING

from pybpf.errors import BPFError
from pybpf.helpers.printk import FormatError, render
from pybpf.memory.regions import Memory
from pybpf.verifier import tnum, value_fields
from pybpf.verifier.checks import mem
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.mem_region import check_mem_region_access
from pybpf.verifier.regstate import RegState, map_value_size
from pybpf.verifier.regtypes import RegType

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker


def check_reg_const_str(w: Walker, regno: int, reg: RegState) -> None:
    """check_reg_const_str(): ``reg`` points to a NUL-terminated string of a read-only map value."""
    if reg.type is not RegType.PTR_TO_MAP_VALUE:  # (check_reg_type() let nothing else through)
        raise VerifierError(errno.EINVAL, "", w.env.log.text)
    map_ref = reg.map
    if not mem.map_is_rdonly(map_ref):
        w.fail(errno.EACCES, f"R{regno} does not point to a readonly map'")
    if not tnum.is_const(reg.var_off):
        w.fail(errno.EACCES, f"R{regno} is not a constant address'")
    if not mem.has_direct_value_addr(map_ref):
        w.fail(errno.EACCES, "no direct value access support for this map type")
    value_size = map_value_size(map_ref)
    check_mem_region_access(w, regno, reg, reg.off, value_size - reg.off, mem_size=value_size)
    value_fields.check_map_fields(w, reg, reg.off, value_size - reg.off)
    if b"\0" not in _string_bytes(w, reg):
        w.fail(errno.EINVAL, "string is not zero-terminated")


def kfunc_const_str(w: Walker, i: int, regno: int, reg: RegState) -> None:
    """check_kfunc_args() of a KF_ARG_PTR_TO_CONST_STR (``__str``) argument: a map value pointer
    ("arg#%d doesn't point to a const string" otherwise), then check_reg_const_str()."""
    if reg.type is not RegType.PTR_TO_MAP_VALUE:
        w.fail(errno.EINVAL, f"arg#{i} doesn't point to a const string")
    check_reg_const_str(w, regno, reg)


def _string_bytes(w: Walker, reg: RegState) -> bytes:
    """The bytes from the pointer to the end of the map value (map_direct_value_addr())."""
    off = reg.off + reg.var_off.value
    try:
        address = reg.map.direct_value_address(off)
    except BPFError as exc:
        w.fail(exc.errno or errno.EINVAL, "direct value access on string failed")
    return ctypes.string_at(address, map_value_size(reg.map) - off)


def check_snprintf_call(w: Walker) -> None:
    """check_bpf_snprintf_call(): r5 (the data length) is a multiple of 8, and the format in r3
    (a checked constant string) takes no more conversions than r5 / 8 arguments."""
    regs = w.state.cur.regs
    data_len = regs[5].var_off.value
    if data_len % 8:
        raise VerifierError(errno.EINVAL, "", w.env.log.text)
    text = _string_bytes(w, regs[3])
    try:
        render(Memory(), text[: text.index(b"\0")], [0] * (data_len // 8), 0)
    except FormatError as exc:
        w.fail(-exc.errno, "Invalid format string")
