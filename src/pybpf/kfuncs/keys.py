"""The key and signature kfuncs: bpf_lookup_user_key, bpf_lookup_system_key, bpf_key_put and
bpf_verify_pkcs7_signature.

Mirrors Linux 6.18's ``key_sig_kfunc_set``::

    struct bpf_key *bpf_lookup_user_key(s32 serial, u64 flags);  /* KF_ACQUIRE | KF_RET_NULL | KF_SLEEPABLE */
    struct bpf_key *bpf_lookup_system_key(u64 id);               /* KF_ACQUIRE | KF_RET_NULL */
    void bpf_key_put(struct bpf_key *bkey);                      /* KF_RELEASE */
    int bpf_verify_pkcs7_signature(struct bpf_dynptr *data_p, struct bpf_dynptr *sig_p,
                                   struct bpf_key *trusted_keyring);  /* KF_SLEEPABLE */

The program types that may call them were measured on the kernel (a one-call program per type):
those of the generic set (kernel/bpf/helpers.c): SYSCALL, XDP, SCHED_CLS, STRUCT_OPS, the tracing
hook (TRACING, TRACEPOINT, PERF_EVENT; LSM shares it) and the cgroup hook (CGROUP_SKB, CGROUP_SOCK,
CGROUP_SOCK_ADDR, SOCK_OPS, CGROUP_DEVICE, CGROUP_SYSCTL, CGROUP_SOCKOPT) -- not SOCKET_FILTER,
KPROBE, RAW_TRACEPOINT(_WRITABLE), SCHED_ACT, the LWT and SK_* types, FLOW_DISSECTOR, SK_REUSEPORT,
SK_LOOKUP or NETFILTER.  bpf_verify_pkcs7_signature is refused in every type measured, tracing
programs included: the recording kernel has it in no set.

User space has no kernel keyrings: both lookups find no key (NULL), so the release has nothing to
put, and a signature check cannot be reached (its keyring argument must be a key a lookup
returned); were it called, it answers -ENOKEY.
"""

from __future__ import annotations

import errno

from pybpf.helpers.context import HelperContext
from pybpf.kfuncs.proto import (
    GENERIC_PROG_TYPES,
    ArgKind,
    KArg,
    KfFlag,
    KFunc,
    RetKind,
    do_nothing,
    no_object,
)

KEY_PROG_TYPES = GENERIC_PROG_TYPES
"""The lookups and the release: the generic set's program types (measured, STRUCT_OPS included)."""
SIGNATURE_PROG_TYPES: frozenset[int] = frozenset()
"""bpf_verify_pkcs7_signature's: in no set of the recording kernel -- refused in every program type
it loads (measured), tracing programs attached as raw tracepoints and iterators included."""
_KEY = "struct bpf_key *"
_DYNPTR = "struct bpf_dynptr *"


def verify_pkcs7_signature(ctx: HelperContext, _r1: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``bpf_verify_pkcs7_signature``: no keyring in user space (-ENOKEY)."""
    return -errno.ENOKEY


KFUNCS: tuple[KFunc, ...] = (
    KFunc("bpf_lookup_user_key", KfFlag.ACQUIRE | KfFlag.RET_NULL | KfFlag.SLEEPABLE,
          (KArg(ArgKind.SCALAR, "int", "serial"), KArg(ArgKind.SCALAR, "u64", "flags")),
          RetKind.BTF_ID, _KEY, 8, no_object, KEY_PROG_TYPES),
    KFunc("bpf_lookup_system_key", KfFlag.ACQUIRE | KfFlag.RET_NULL, (KArg(ArgKind.SCALAR, "u64", "id"),),
          RetKind.BTF_ID, _KEY, 8, no_object, KEY_PROG_TYPES),
    KFunc("bpf_key_put", KfFlag.RELEASE, (KArg(ArgKind.BTF_ID, _KEY, "bkey"),), RetKind.VOID, "void", 0,
          do_nothing, KEY_PROG_TYPES),
    KFunc("bpf_verify_pkcs7_signature", KfFlag.SLEEPABLE,
          (KArg(ArgKind.DYNPTR, _DYNPTR, "data_p"), KArg(ArgKind.DYNPTR, _DYNPTR, "sig_p"),
           KArg(ArgKind.BTF_ID, _KEY, "trusted_keyring")),
          RetKind.SCALAR, "int", 4, verify_pkcs7_signature, SIGNATURE_PROG_TYPES),
)  # fmt: skip
