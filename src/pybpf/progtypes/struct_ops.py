"""BPF_PROG_TYPE_STRUCT_OPS: programs that implement one member of a kernel ``struct *_ops``.

Mirrors kernel/bpf/bpf_struct_ops.c (``bpf_struct_ops_verifier_ops``), net/ipv4/bpf_tcp_ca.c
(``bpf_tcp_ca_verifier_ops``: get_func_proto, is_valid_access, btf_struct_access) and
net/bpf/bpf_dummy_struct_ops.c (``bpf_dummy_verifier_ops``) of Linux 6.18.

A struct_ops program names its struct by ``attach_btf_id`` (the struct's id in vmlinux BTF) and the
member it implements by ``expected_attach_type`` (the member's index).  The verifier
(``pybpf.verifier.struct_ops``) checks both and binds the registered type to the member: the bound
program (``StructOpsProgram``) then answers for its helpers, its ctx (the member's prototype
arguments, one u64 each, typed by ``pybpf.verifier.btf_ctx``) and its return value.

What the struct_ops types pybpf knows (those vmlinux registers: ``bpf_struct_ops_<name>`` value
types) allow, measured on Linux 6.18:

* ``tcp_congestion_ops``: bpf_base_func_proto (the networking types' base set without their
  perf_event_output and the ``skc_to_*`` casts 136-140, 178 and 196), plus tcp_send_ack,
  sk_storage_get/delete, and setsockopt/getsockopt but in ``release`` (``TCP_CA_FUNC_IDS``);
* ``bpf_dummy_ops`` (the kernel's test struct): no helper at all (its verifier ops have no
  get_func_proto).

BPF_PROG_TEST_RUN (``bpf_struct_ops_test_run`` of net/bpf/bpf_dummy_struct_ops.c) runs only
``bpf_dummy_ops`` programs (others: EOPNOTSUPP), once, as its trampoline would: ``ctx_in`` is the
member's arguments, one u64 each (another size: EINVAL); a non-zero first argument is the user
address of a ``struct bpf_dummy_ops_state``, copied in (EFAULT), handed to the program as the
kernel's copy and copied back after the run; a NULL pointer argument the member's stub does not
mark ``__nullable`` is EINVAL.  The retval is the program's r0 (a void member's too); data, repeat,
flags and cpu are ignored, the duration is 0 and nothing is written to ctx_out (measured on Linux
6.18).  pybpf has no TCP stack: a registered tcp_congestion_ops is never called.
"""

from __future__ import annotations

import ctypes
import errno
import struct
from typing import Any, ClassVar

from pybpf import uapi
from pybpf.btf.kinds import Kind
from pybpf.btf.struct_ops import describe
from pybpf.btf.types import FuncProto
from pybpf.errors import BPFError
from pybpf.helpers.context import RunEnv
from pybpf.isa.instruction import Instruction
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.progtypes.base import BASE_FUNC_IDS, ProgramRunner, ProgType, TestRunArgs, TestRunResult
from pybpf.progtypes.registry import register
from pybpf.progtypes.return_ranges import Range

TCP_CA = "tcp_congestion_ops"
DUMMY_OPS = "bpf_dummy_ops"
_STATE = "bpf_dummy_ops_state"
_SETSOCKOPT, _GETSOCKOPT = 49, 57
TCP_CA_FUNC_IDS: frozenset[int] = (BASE_FUNC_IDS - {25, 136, 137, 138, 139, 140, 178, 196}) | {
    _SETSOCKOPT, _GETSOCKOPT, 107, 108, 116,
}  # fmt: skip
"""``bpf_tcp_ca_get_func_proto``: bpf_base_func_proto, tcp_send_ack (116), sk_storage_get and
_delete (107, 108), setsockopt and getsockopt (measured on Linux 6.18)."""
TCP_CA_RELEASE_FUNC_IDS: frozenset[int] = TCP_CA_FUNC_IDS - {_SETSOCKOPT, _GETSOCKOPT}
"""``release`` may not call setsockopt, nor getsockopt."""


class StructOpsProgram:
    """A struct_ops program bound to its member (the verifier's ``AttachTarget`` with ``struct_ops``
    set): its helpers, its ctx and its return value."""

    def __init__(self, kind: StructOpsProgType, target: Any, sleepable: bool) -> None:
        self.kind = kind
        self.prog_type = kind.prog_type
        self.name = kind.name
        self.attach_target = target
        """The verifier's ``AttachTarget`` (``pybpf.verifier.attach``), read by ``btf_ctx``."""
        self.sleepable = sleepable
        self.func_ids = func_ids(str(target.struct_ops), str(target.name))
        self.converts_ctx = kind.converts_ctx  # (no convert_ctx_access: the ctx is plain memory)

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in self.func_ids

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        """bpf_tracing_ctx_access(): the verifier asks ``btf_ctx`` for the rest."""
        return 0 <= off < 8 * uapi.MAX_BPF_FUNC_ARGS and not write and off % size == 0

    def convert_ctx_access(self, insn: Instruction) -> list[Instruction]:
        return [insn]  # the trampoline's array of u64 arguments: nothing to rewrite

    @property
    def exit_unchecked(self) -> bool:
        """check_return_code(): a member returning void leaves r0 unchecked (even unset)."""
        return not self.attach_target.ret

    def exit_range(self) -> Range | None:
        """Any scalar (a root loader may even return a pointer)."""
        return None


def _no_user_memory(*_: object) -> bytes:
    raise BPFError(errno.EFAULT, "no user memory to copy the state from")


def func_ids(struct_name: str, member: str) -> frozenset[int]:
    """The helpers a program implementing ``struct_name``'s ``member`` may call."""
    if struct_name == TCP_CA:
        return TCP_CA_RELEASE_FUNC_IDS if member == "release" else TCP_CA_FUNC_IDS
    return frozenset()


@register
class StructOpsProgType(ProgType):
    """BPF_PROG_TYPE_STRUCT_OPS, before the verifier binds it to its member."""

    prog_type: ClassVar[int] = uapi.BPF_PROG_TYPE_STRUCT_OPS
    name: ClassVar[str] = "struct_ops"

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in TCP_CA_FUNC_IDS

    def bind(self, target: Any, sleepable: bool = False) -> StructOpsProgram:
        """The program implementing ``target`` (the verifier's ``AttachTarget``)."""
        return StructOpsProgram(self, target, sleepable)

    def check_test_run_attr(self, args: TestRunArgs) -> None:
        """bpf_struct_ops_test_run() checks none of the attr's common fields."""

    def test_run(self, runner: ProgramRunner, args: TestRunArgs) -> TestRunResult:
        """bpf_struct_ops_test_run(): one call of a bpf_dummy_ops member through its trampoline."""
        btf = kernel_btf().btf
        desc = describe(btf, DUMMY_OPS)
        if desc is None or int(getattr(runner, "attach_btf_id", 0)) != desc.type_id:
            raise BPFError(errno.EOPNOTSUPP, "struct_ops test_run runs bpf_dummy_ops programs only")
        member = desc.members[int(getattr(runner, "expected_attach_type", 0))]
        proto = btf[member.proto]
        assert isinstance(proto, FuncProto)
        nargs = len(proto.params)
        ctx = args.ctx_in or b""
        if len(ctx) != 8 * nargs:  # dummy_ops_init_args()
            raise BPFError(errno.EINVAL, f"{member.name} takes {nargs} arguments: ctx_size_in {8 * nargs}")
        values = list(struct.unpack(f"<{nargs}Q", ctx))
        read_user, write_user = args.user_memory or (_no_user_memory, _no_user_memory)
        state_type = btf.find(_STATE, Kind.STRUCT)
        state = (ctypes.c_char * btf.size_of(state_type))()
        if values and values[0]:
            state.raw = read_user(values[0], len(state))
        for i, param in enumerate(proto.params):  # check_test_run_args()
            pointer = btf[btf.resolve(param.type_id)].kind == Kind.PTR
            if pointer and not values[i] and i not in member.nullable:
                raise BPFError(errno.EINVAL, f"{member.name}'s argument {i} may not be NULL")
        user_state = values[0] if values else 0
        if user_state:
            values[0] = ctypes.addressof(state)
        frame = (ctypes.c_uint64 * max(nargs, 1))(*values)
        memory = runner.memory
        regions = [memory.add_region(ctypes.addressof(frame), 8 * nargs, writable=False, name="ctx")]
        if user_state:
            regions.append(memory.add_region(ctypes.addressof(state), len(state), writable=True, name=_STATE))
        try:
            retval = runner.run(ctypes.addressof(frame), RunEnv())
        finally:
            for region in regions:
                memory.remove_region(region)
        if user_state:  # dummy_ops_copy_args()
            write_user(user_state, bytes(state))
        return TestRunResult(retval=retval & 0xFFFFFFFF)


__all__ = [
    "DUMMY_OPS",
    "TCP_CA",
    "TCP_CA_FUNC_IDS",
    "TCP_CA_RELEASE_FUNC_IDS",
    "StructOpsProgType",
    "StructOpsProgram",
    "func_ids",
]
