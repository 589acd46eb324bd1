"""OBJ_GET_INFO_BY_FD for programs: ``struct bpf_prog_info``.

Mirrors ``bpf_prog_get_info_by_fd`` (kernel/bpf/syscall.c): the caller's struct is read first
(``info_len`` bytes; a longer struct must have an all-zero tail, else E2BIG), the array fields work
in two steps — the caller passes a buffer and its capacity (``xlated_prog_len`` bytes,
``nr_map_ids`` ids, ``nr_func_info`` / ``nr_line_info`` records of the kernel's record sizes),
pybpf copies what fits and writes back the real size — and ``info_len`` is
reduced to what pybpf's ``bpf_prog_info`` has.

The jited fields describe the program's native code in the calling process
(``pybpf.kernel.prog_run.native_code``: compiled at load with the JIT engine, as the kernel's
``bpf_prog_select_runtime`` does, or linked from the object cache when another process loaded it):
``jited_prog_len``/``jited_prog_insns`` the machine code as it runs, its functions one after the
other, ``jited_ksyms`` where each function is in this process and ``jited_func_lens`` their sizes
(``nr_jited_ksyms`` = ``nr_jited_func_lens`` = the number of functions).  A program running on the
interpreter reports none of them (``bpftool prog show``: "not jited").  ``map_ids`` are the maps the
program uses, those it was loaded with then those bound to it (``pybpf.kernel.prog_bind_map``);
``run_time_ns``/``run_cnt`` are the run statistics kept while BPF_ENABLE_STATS is on
(``pybpf.kernel.run_stats``), ``recursion_misses`` 0.  A caller without CAP_BPF sees none of the
code: the xlated and jited lengths, the function and line records stay 0 (``!bpf_capable()``).
"""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Callable

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.isa.instruction import Instruction, encode_program
from pybpf.isa.program import slot_starts
from pybpf.jit.codegen import JitUnavailable
from pybpf.kernel import links, run_stats
from pybpf.kernel.prog_bind_map import used_map_ids
from pybpf.kernel.prog_load import program_tag
from pybpf.kernel.prog_run import native_code
from pybpf.kernel.progobj import ProgObject
from pybpf.kernel.usermem import copy_to_user, read_info
from pybpf.objects.credentials import current as current_credentials

_PAGE = os.sysconf("SC_PAGESIZE")
_INFO_LEN_OFFSET = 4  # offsetof(union bpf_attr, info.info_len)
_FUNC_INFO_SIZE = ctypes.sizeof(uapi.bpf_func_info)
_LINE_INFO_SIZE = ctypes.sizeof(uapi.bpf_line_info)
_CALL, _PSEUDO_CALL, _LDDW = 0x85, 1, 0x18
_JITED_LINE_INFO_SIZE = 8  # sizeof(__u64): a jited line is a native address


def _records(hex_records: str, rec_size: int, kernel_size: int) -> list[bytes]:
    """The records the loader passed, each cut to the kernel's struct (``check_btf_func`` /
    ``check_btf_line`` keep ``min(rec_size, sizeof)`` bytes of each; a longer tail was all zero)."""
    if not rec_size or not hex_records:
        return []
    raw = bytes.fromhex(hex_records)
    return [
        raw[i : i + min(rec_size, kernel_size)].ljust(kernel_size, b"\0")
        for i in range(0, len(raw), rec_size)
    ]


def _copy_records(records: list[bytes], capacity: int, address: int) -> None:
    """The two-step array copy: as many records as the caller has room for (``nr_*`` it passed)."""
    wanted = min(capacity, len(records))
    if wanted:
        copy_to_user(address, b"".join(records[:wanted]))


def _jited(info: uapi.bpf_prog_info, user: uapi.bpf_prog_info, prog: ProgObject) -> None:
    """The jited fields, each array copied as far as the caller made room for it."""
    info.jited_prog_insns, info.jited_ksyms = user.jited_prog_insns, user.jited_ksyms
    info.jited_func_lens = user.jited_func_lens
    compiled = native_code(prog)
    if compiled is None:
        return
    try:
        code, functions = compiled.machine_code, compiled.functions
    except JitUnavailable:  # its object cannot be read back: reported as not jited, never raised
        return
    info.jited_prog_len = len(code)
    if user.jited_prog_len:
        copy_to_user(user.jited_prog_insns, code[: min(user.jited_prog_len, len(code))])
    info.nr_jited_ksyms = info.nr_jited_func_lens = len(functions)
    wanted = functions[: user.nr_jited_ksyms]
    if wanted:
        copy_to_user(user.jited_ksyms, b"".join(f.address.to_bytes(8, "little") for f in wanted))
    wanted = functions[: user.nr_jited_func_lens]
    if wanted:
        copy_to_user(user.jited_func_lens, b"".join(f.size.to_bytes(4, "little") for f in wanted))


def prog_get_info_by_fd(
    prog: ProgObject, info_len: int, address: int, write_back: Callable[[int, bytes], None]
) -> int:
    """``bpf_prog_get_info_by_fd``, its steps in the kernel's order (so the first bad buffer or record
    size the caller passed is the one answered): map ids, record sizes, xlated code, jited code,
    func_info, line_info, prog tags, then the struct and info_len."""
    user, info_len = read_info(address, info_len, uapi.bpf_prog_info)
    meta = prog.meta
    info = uapi.bpf_prog_info.from_buffer_copy(bytes(user))  # the caller's fields stay where not set
    info.type = meta.prog_type
    info.id = meta.id
    info.tag[:] = list(bytes.fromhex(meta.tag))
    info.load_time = meta.load_time
    info.created_by_uid = meta.created_by_uid
    info.name = meta.name.encode()
    info.gpl_compatible = int(meta.gpl_compatible)
    map_ids = used_map_ids(prog)
    info.nr_map_ids = len(map_ids)
    wanted = min(user.nr_map_ids, len(map_ids))
    if wanted:
        ids = b"".join(map_id.to_bytes(4, "little") for map_id in map_ids[:wanted])
        copy_to_user(user.map_ids, ids)
    _set_info_rec_size(user)
    info.func_info_rec_size, info.line_info_rec_size = _FUNC_INFO_SIZE, _LINE_INFO_SIZE
    info.jited_line_info_rec_size = _JITED_LINE_INFO_SIZE
    info.run_time_ns, info.run_cnt = run_stats.prog_stats(meta.id)
    info.recursion_misses = 0
    info.verified_insns = meta.verified_insns
    info.btf_id = meta.btf_id
    if not current_credentials().bpf_capable:  # the code, its records and tags stay hidden
        info.jited_prog_len = info.xlated_prog_len = info.nr_jited_ksyms = info.nr_jited_func_lens = 0
        info.nr_func_info = info.nr_line_info = info.nr_jited_line_info = 0
        return _done(info, info_len, address, write_back)
    xlated = encode_program(prog.xlated)
    info.xlated_prog_len = len(xlated)
    if user.xlated_prog_len:  # copied even to a NULL pointer: EFAULT, as the kernel's copy_to_user
        copy_to_user(user.xlated_prog_insns, xlated[: min(user.xlated_prog_len, len(xlated))])
    info.jited_prog_len = info.nr_jited_ksyms = info.nr_jited_func_lens = 0
    _jited(info, user, prog)
    info.attach_btf_id = meta.attach_btf_id
    dst = links.load_time_target(prog)  # bpf_prog_get_target_btf(): pybpf has no kernel BTF object
    info.attach_btf_obj_id = dst.meta.btf_id if dst is not None else 0
    func_info = _records(meta.func_info, meta.func_info_rec_size, _FUNC_INFO_SIZE)
    info.nr_func_info = len(func_info)
    _copy_records(func_info, user.nr_func_info, user.func_info)
    line_info = _records(meta.line_info, meta.line_info_rec_size, _LINE_INFO_SIZE)
    info.nr_line_info = len(line_info)
    _copy_records(line_info, user.nr_line_info, user.line_info)
    info.nr_jited_line_info = 0  # no line table for the native code (jited_line_info)
    tags = _function_tags(prog)
    info.nr_prog_tags = len(tags)
    if user.nr_prog_tags:
        copy_to_user(user.prog_tags, b"".join(tags[: user.nr_prog_tags]))
    return _done(info, info_len, address, write_back)


def _done(
    info: uapi.bpf_prog_info, info_len: int, address: int, write_back: Callable[[int, bytes], None]
) -> int:
    """The ``done:`` label: the struct and info_len back to the caller."""
    copy_to_user(address, bytes(info)[:info_len])
    write_back(_INFO_LEN_OFFSET, info_len.to_bytes(4, "little"))
    return 0


def _function_tags(prog: ProgObject) -> list[bytes]:
    """``prog_tags``: the program's tag, or with subprograms each function's (``func[i]->tag``): the
    tag of its xlated instructions as ``jit_subprogs`` leaves them before compiling, each BPF-to-BPF
    call holding its callee's index in ``off`` and 1 in ``imm`` (a helper call's imm is the kernel's
    helper address there: a function calling helpers has a tag pybpf cannot reproduce)."""
    starts = prog.meta.subprogs
    if len(starts) <= 1:
        return [bytes.fromhex(prog.meta.tag)]
    insns = prog.xlated
    slots = slot_starts(insns)
    ends = [*starts[1:], slots[-1] + (2 if insns[-1].opcode == _LDDW else 1)]
    tags = []
    for start, end in zip(starts, ends, strict=True):
        body = []
        for slot, insn in zip(slots, insns, strict=True):
            if not start <= slot < end:
                continue
            target = slot + insn.imm + 1
            if insn.opcode == _CALL and insn.src == _PSEUDO_CALL and target in starts:
                body.append(Instruction(insn.opcode, insn.dst, insn.src, starts.index(target), 1, 0))
            else:
                body.append(insn)
        tags.append(bytes.fromhex(program_tag(body)))
    return tags


def _set_info_rec_size(user: uapi.bpf_prog_info) -> None:
    """``set_info_rec_size``: a record size the caller passes (or implies by a count) must be the
    kernel's struct's (EINVAL)."""
    if (user.nr_func_info or user.func_info_rec_size) and user.func_info_rec_size != _FUNC_INFO_SIZE:
        raise BPFError(errno.EINVAL, "func_info_rec_size is not sizeof(struct bpf_func_info)")
    if (user.nr_line_info or user.line_info_rec_size) and user.line_info_rec_size != _LINE_INFO_SIZE:
        raise BPFError(errno.EINVAL, "line_info_rec_size is not sizeof(struct bpf_line_info)")
    if (
        user.nr_jited_line_info or user.jited_line_info_rec_size
    ) and user.jited_line_info_rec_size != _JITED_LINE_INFO_SIZE:
        raise BPFError(errno.EINVAL, "jited_line_info_rec_size is not sizeof(__u64)")
