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

BPF_PROG_TEST_RUN (``bpf_struct_ops_test_run``) runs only ``bpf_dummy_ops`` programs; the others
answer EOPNOTSUPP.  pybpf has no TCP stack: a registered tcp_congestion_ops is never called.
"""

from __future__ import annotations

import errno
from typing import Any, ClassVar

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.isa.instruction import Instruction
from pybpf.progtypes.base import BASE_FUNC_IDS, ProgramRunner, ProgType, TestRunArgs, TestRunResult
from pybpf.progtypes.registry import register
from pybpf.progtypes.return_ranges import Range

TCP_CA = "tcp_congestion_ops"
DUMMY_OPS = "bpf_dummy_ops"
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
        raise BPFError(errno.EOPNOTSUPP, "struct_ops test_run runs bpf_dummy_ops programs only")

    def test_run(self, runner: ProgramRunner, args: TestRunArgs) -> TestRunResult:
        raise BPFError(errno.EOPNOTSUPP, "struct_ops test_run runs bpf_dummy_ops programs only")


__all__ = [
    "DUMMY_OPS",
    "TCP_CA",
    "TCP_CA_FUNC_IDS",
    "TCP_CA_RELEASE_FUNC_IDS",
    "StructOpsProgType",
    "StructOpsProgram",
    "func_ids",
]
