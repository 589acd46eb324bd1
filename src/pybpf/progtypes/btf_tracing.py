"""Program types attached by BTF id: BPF_PROG_TYPE_TRACING (tp_btf, fentry, fexit, fmod_ret, iter) and
BPF_PROG_TYPE_LSM.

Mirrors kernel/trace/bpf_trace.c (``tracing_prog_func_proto``, ``tracing_prog_is_valid_access``),
kernel/bpf/bpf_lsm.c (``bpf_lsm_func_proto``) and kernel/bpf/btf.c (``btf_ctx_access``) of Linux
6.18.  What such a program may do depends on its target, which the verifier resolves in the kernel's
BTF (``pybpf.verifier.attach``): the registered type ``bind``s to it, and the verifier then asks the
bound program (``BtfAttachedProgram``) for its helpers, its ctx (the target's arguments, typed by
``pybpf.verifier.btf_ctx``) and, for LSM programs, the range of its return value.

Helpers, measured on Linux 6.18 with tp_btf and iterator programs (the trampoline types are refused
on the measuring machine, see below): ``TRACING_FUNC_IDS`` (the raw tracepoint set, the socket
casts, skb/xdp output, socket storage, d_path, sock_from_file ...) for tp_btf; iterators also get the
seq_file helpers but not get_attach_cookie; fentry/fexit/fmod_ret (bpf_prog_has_trampoline()) also
get get_func_arg, get_func_ret and get_func_arg_cnt; LSM programs also inode storage and
bprm_opts_set, and when sleepable ima_inode_hash and ima_file_hash (from the kernel's source).
bpf_d_path's own allow-list of attach points (``bpf_d_path_allowed``) is not modelled.

BPF_PROG_TEST_RUN (``bpf_prog_test_run_tracing``) never runs a tracing program: the kernel calls its
own test functions (bpf_fentry_test*, bpf_modify_return_test*), which reach the program only when it
is attached -- pybpf attaches nothing, so they run alone: fentry and fexit report retval 0, fmod_ret
the unmodified functions' result (``FMOD_RET_UNHOOKED``), every other attach type EFAULT (measured for
tp_btf and iterators); flags, cpu and batch_size are EINVAL.  LSM programs have no test run
(ENOTSUPP).

On the machine these were measured on (Linux 6.18 with lockdown in integrity mode) the kernel refuses
every fentry, fexit, fmod_ret and LSM load with EPERM before verifying (empty log, whatever the
attach target): pybpf verifies them as a kernel that loads them does, and the differential tests
skip where the kernel refuses them so.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping
from typing import Any, ClassVar

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.helpers.perf_output import PERF_EVENT_OUTPUT, perf_event_output
from pybpf.helpers.protos import ArgType, HelperProto, RetType, proto
from pybpf.helpers.registry import Helper
from pybpf.helpers.seq_file import SEQ_HELPERS
from pybpf.isa.instruction import Instruction
from pybpf.progtypes.base import ProgramRunner, ProgType, TestRunArgs, TestRunResult
from pybpf.progtypes.generic import RAW_TP_FUNC_IDS
from pybpf.progtypes.registry import register
from pybpf.progtypes.return_ranges import Range, return_range

TRACING_FUNC_IDS: frozenset[int] = RAW_TP_FUNC_IDS | {
    46, 107, 108, 111, 121, 136, 137, 138, 139, 140, 147, 162, 178, 188, 196,
}  # fmt: skip
"""``tracing_prog_func_proto`` for tp_btf: the raw tracepoint set, get_socket_cookie, sk_storage_get
and _delete, skb_output, xdp_output, the skc_to_* casts, d_path, sock_from_file and
xdp_get_buff_len (measured on Linux 6.18)."""
ITER_FUNC_IDS: frozenset[int] = (TRACING_FUNC_IDS - {174}) | {126, 127, 150}
"""Iterators: the seq_file helpers (seq_printf, seq_write, seq_printf_btf), no get_attach_cookie
(measured)."""
TRAMPOLINE_FUNC_IDS: frozenset[int] = TRACING_FUNC_IDS | {183, 184, 185}
"""fentry, fexit and fmod_ret: get_func_arg, get_func_ret and get_func_arg_cnt besides."""
LSM_FUNC_IDS: frozenset[int] = TRAMPOLINE_FUNC_IDS | {145, 146, 159}
"""``bpf_lsm_func_proto``: inode_storage_get and _delete, bprm_opts_set besides."""
LSM_SLEEPABLE_FUNC_IDS: frozenset[int] = LSM_FUNC_IDS | {161, 193}
"""ima_inode_hash and ima_file_hash, for sleepable LSM programs."""
_SK_STORAGE_GET, _SK_STORAGE_DELETE = 107, 108
TRACING_PROTOS: dict[int, HelperProto] = {
    _SK_STORAGE_GET: HelperProto(
        _SK_STORAGE_GET, "bpf_sk_storage_get", RetType.PTR_TO_MAP_VALUE_OR_NULL,
        (ArgType.CONST_MAP_PTR, ArgType.PTR_TO_BTF_ID_OR_NULL, ArgType.PTR_TO_MAP_VALUE_OR_NULL,
         ArgType.ANYTHING),
        arg_btf=((1, "sock_common"),),
    ),
    _SK_STORAGE_DELETE: HelperProto(
        _SK_STORAGE_DELETE, "bpf_sk_storage_delete", RetType.INTEGER,
        (ArgType.CONST_MAP_PTR, ArgType.PTR_TO_BTF_ID_OR_NULL), arg_btf=((1, "sock_common"),),
    ),
}  # fmt: skip
"""``tracing_prog_func_proto``'s own flavours (net/core/bpf_sk_storage.c
bpf_sk_storage_get_tracing_proto / _delete_tracing_proto): the socket is any pointer to a kernel
``struct sock_common`` (or what starts with one), NULL allowed -- not the socket-typed registers of
the networking programs' prototypes.  LSM programs keep those (bpf_lsm_func_proto)."""
_TRAMPOLINE = frozenset({uapi.BPF_TRACE_FENTRY, uapi.BPF_TRACE_FEXIT, uapi.BPF_MODIFY_RETURN})
FMOD_RET_UNHOOKED = (2 << 16) | 33
"""bpf_prog_test_run_tracing()'s retval for fmod_ret with nothing attached: bpf_modify_return_test(1,
&b) and bpf_modify_return_test2(1, &b, 3, 4, 5, 6, 7) return 4 and 29 and each changes b (two side
effects in the upper half)."""


class BtfAttachedProgram:
    """One program of a type attached by BTF id, bound to its target (the kernel's ``prog`` that the
    type's verifier ops are called with): its helpers, its ctx and its return value."""

    def __init__(self, kind: BtfAttachedProgType, target: Any, sleepable: bool) -> None:
        self.kind = kind
        self.prog_type = kind.prog_type
        self.name = kind.name
        self.attach_target = target
        """The verifier's ``AttachTarget`` (``pybpf.verifier.attach``), read by ``btf_ctx``."""
        self.func_ids = kind.func_ids(int(target.attach_type), sleepable)
        self.converts_ctx = kind.converts_ctx  # (no convert_ctx_access: the ctx is plain memory)

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in self.func_ids

    def func_proto(self, helper_id: int) -> HelperProto | None:
        """The prototype the verifier checks a call of ``helper_id`` against (the type's flavour)."""
        if self.prog_type == uapi.BPF_PROG_TYPE_TRACING and helper_id in TRACING_PROTOS:
            return TRACING_PROTOS[helper_id]
        return proto(helper_id)

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        """The range part of ``tracing_prog_is_valid_access`` (the verifier asks ``btf_ctx``)."""
        return 0 <= off < 96 and not write and off % size == 0

    def convert_ctx_access(self, insn: Instruction) -> list[Instruction]:
        return [insn]  # the ctx is the trampoline's array of u64 arguments: nothing to rewrite

    def exit_range(self) -> Range | None:
        """check_return_code(): the range r0 must lie in at exit (None: any value)."""
        if self.attach_target.lsm:
            found: Range | None = self.attach_target.exit_range
            return found
        return return_range(self.prog_type, int(self.attach_target.attach_type))


class BtfAttachedProgType(ProgType):
    """What TRACING and LSM share: bound to a target at load, the tracing perf_event_output."""

    def func_ids(self, attach_type: int, sleepable: bool) -> frozenset[int]:
        """The helpers a program of this type attached as ``attach_type`` may call."""
        raise NotImplementedError

    def func_allowed(self, helper_id: int) -> bool:
        """Before its target is known: the helpers of any attachment (the verifier asks the bound
        program)."""
        return helper_id in LSM_SLEEPABLE_FUNC_IDS | ITER_FUNC_IDS

    def bind(self, target: Any, sleepable: bool = False) -> BtfAttachedProgram:
        """The program attached to ``target`` (the verifier's ``AttachTarget``)."""
        return BtfAttachedProgram(self, target, sleepable)

    def helpers(self) -> Mapping[int, Helper]:
        # bpf_perf_event_output's tracing flavour; the seq_file helpers of iterators (whose runs carry
        # their seq_file: ``pybpf.helpers.seq_file``)
        return {PERF_EVENT_OUTPUT: perf_event_output, **SEQ_HELPERS}


@register
class TracingProgType(BtfAttachedProgType):
    """BPF_PROG_TYPE_TRACING: tp_btf, fentry, fexit, fmod_ret and iterator programs."""

    prog_type: ClassVar[int] = uapi.BPF_PROG_TYPE_TRACING
    name: ClassVar[str] = "tracing"

    def check_test_run_attr(self, args: TestRunArgs) -> None:
        if args.flags or args.cpu or args.batch_size:
            raise BPFError(errno.EINVAL, "tracing test_run takes no flags, cpu or batch_size")

    def test_run(self, runner: ProgramRunner, args: TestRunArgs) -> TestRunResult:
        """bpf_prog_test_run_tracing(): the kernel's test functions, the program not attached."""
        self.check_test_run_attr(args)
        attach = int(getattr(runner, "expected_attach_type", 0))
        if attach in (uapi.BPF_TRACE_FENTRY, uapi.BPF_TRACE_FEXIT):
            return TestRunResult(retval=0)
        if attach == uapi.BPF_MODIFY_RETURN:
            return TestRunResult(retval=FMOD_RET_UNHOOKED)
        raise BPFError(errno.EFAULT, "tracing test_run: only fentry, fexit and fmod_ret programs")

    def func_ids(self, attach_type: int, sleepable: bool) -> frozenset[int]:
        if attach_type == uapi.BPF_TRACE_ITER:
            return ITER_FUNC_IDS
        return TRAMPOLINE_FUNC_IDS if attach_type in _TRAMPOLINE else TRACING_FUNC_IDS


@register
class LsmProgType(BtfAttachedProgType):
    """BPF_PROG_TYPE_LSM: programs on the kernel's ``bpf_lsm_<hook>`` functions."""

    prog_type: ClassVar[int] = uapi.BPF_PROG_TYPE_LSM
    name: ClassVar[str] = "lsm"

    def func_ids(self, attach_type: int, sleepable: bool) -> frozenset[int]:
        return LSM_SLEEPABLE_FUNC_IDS if sleepable else LSM_FUNC_IDS


__all__ = [
    "FMOD_RET_UNHOOKED",
    "ITER_FUNC_IDS",
    "LSM_FUNC_IDS",
    "LSM_SLEEPABLE_FUNC_IDS",
    "TRACING_FUNC_IDS",
    "TRACING_PROTOS",
    "TRAMPOLINE_FUNC_IDS",
    "BtfAttachedProgType",
    "BtfAttachedProgram",
    "LsmProgType",
    "TracingProgType",
]
