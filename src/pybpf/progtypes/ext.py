"""BPF_PROG_TYPE_EXT (freplace): the type an extension program is loaded as.

Mirrors the kernel's ``bpf_extension_verifier_ops`` and ``bpf_extension_prog_ops`` (both empty,
kernel/bpf/syscall.c's BPF_PROG_TYPE(BPF_PROG_TYPE_EXT, bpf_extension, ...)): no helper, no
context access and no BPF_PROG_TEST_RUN (ENOTSUPP) of its own.  An extension loaded against a
target program (``attach_prog_fd``) is verified as the target's type with the target's expected
attach type (check_attach_btf_id(): ``env->ops = bpf_verifier_ops[tgt_prog->type]``;
``pybpf.verifier.extension``), and runs in place of the target's function while a link attaches
it (``pybpf.kernel.links``); this type is what it is without a target, which the verifier refuses.
"""

from __future__ import annotations

from pybpf import uapi
from pybpf.progtypes.base import ProgType
from pybpf.progtypes.registry import register


@register
class ExtProgType(ProgType):
    prog_type = uapi.BPF_PROG_TYPE_EXT
    name = "ext"
