"""The load-time attach rules the verifier applies before walking the program: check_attach_btf_id().

Mirrors check_attach_btf_id() and bpf_check_attach_target() in kernel/bpf/verifier.c, with
btf_distill_func_proto() of kernel/bpf/btf.c and bpf_iter_prog_supported() of kernel/bpf/bpf_iter.c
(Linux 6.18):

* a BPF_PROG_TYPE_SYSCALL program must be loaded with BPF_F_SLEEPABLE ("Syscall programs can only
  be sleepable"), and only the program types that may sleep -- tracing programs attached as fentry,
  fexit, fmod_ret or iterators, LSM, kprobe (for uprobes) and struct_ops: can_be_sleepable() -- may
  be loaded with it;
* a BPF_PROG_TYPE_TRACING or BPF_PROG_TYPE_LSM program names its target by ``attach_btf_id`` in the
  running kernel's BTF (``kernel_btf.vmlinux_btf()``): a ``btf_trace_<tracepoint>`` typedef for
  tp_btf, a FUNC for fentry/fexit/fmod_ret and iterators (``bpf_iter_<target>``), a ``bpf_lsm_<hook>``
  FUNC for LSM programs -- with the kernel's messages for a missing, invalid or wrongly kinded id.
  The target's prototype (``AttachTarget``) types the program's context (``btf_ctx``) and, for LSM
  programs, the value they may return.

What user space cannot decide is modelled as follows and said here: the kernel's error-injection
list (``within_error_injection_list()``, what fmod_ret and sleepable fentry/fexit need) is read from
``/sys/kernel/debug/error_injection/list`` when readable; otherwise a function is taken as on it when
it is a system call (``__x64_sys_*``, which SYSCALL_DEFINE marks) -- besides, as the kernel also
allows, ``security_*`` functions for fmod_ret and the kernel's own test targets
(``bpf_modify_return_test*``, ``bpf_fentry_test1``).  The tracepoint behind a ``btf_trace_*``
typedef, an iterator target and a function's address are taken to exist when their BTF does
(the kernel asks its tracepoint, iterator and kallsyms tables).  Targets in kernel modules
(``attach_btf_obj_fd``) and tracing targets in other BPF programs (``attach_prog_fd``) are not
modelled (the loader refuses them); freplace programs' targets are ``pybpf.verifier.extension``'s.
"""

from __future__ import annotations

import errno
import functools
from dataclasses import dataclass

from pybpf import uapi
from pybpf.btf.kinds import Kind
from pybpf.btf.types import BTF, BTFError, FuncProto
from pybpf.verifier import kernel_btf
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.regtypes import TypeFlag
from pybpf.verifier.state import VerifierState

_SLEEPABLE_TRACING_ATTACH = frozenset(
    {uapi.BPF_TRACE_FENTRY, uapi.BPF_TRACE_FEXIT, uapi.BPF_MODIFY_RETURN, uapi.BPF_TRACE_ITER}
)
_SLEEPABLE_TYPES = frozenset(
    {uapi.BPF_PROG_TYPE_LSM, uapi.BPF_PROG_TYPE_KPROBE, uapi.BPF_PROG_TYPE_STRUCT_OPS}
)
BTF_MAX_TYPE = 0xFFFFF
"""include/uapi/linux/btf.h: the largest type id (bpf_prog_load_check_attach() refuses a larger one)."""
TRAMPOLINE_ATTACH = frozenset(
    {uapi.BPF_TRACE_FENTRY, uapi.BPF_TRACE_FEXIT, uapi.BPF_MODIFY_RETURN, uapi.BPF_LSM_MAC}
)
"""bpf_prog_has_trampoline(): the attach types whose programs run from a BPF trampoline."""
_RETVAL_ATTACH = frozenset(
    {uapi.BPF_TRACE_FEXIT, uapi.BPF_MODIFY_RETURN, uapi.BPF_LSM_MAC, uapi.BPF_LSM_CGROUP}
)
_RAW_TP_PREFIX = "btf_trace_"
_ITER_PREFIX = "bpf_iter_"
_LSM_PREFIX = "bpf_lsm_"
ITER_TARGETS: dict[str, bool] = {
    "task": True, "bpf_map": True, "tcp": True, "udp": True, "cgroup": True, "kmem_cache": True,
    "bpf_prog": False, "bpf_link": False, "task_file": False, "task_vma": False, "unix": False,
    "netlink": False, "ipv6_route": False, "ksym": False, "bpf_map_elem": False,
    "bpf_sk_storage_map": False, "sockmap": False,
}  # fmt: skip
"""The iterator targets pybpf models (registered by the kernel with bpf_iter_reg_target()), each with
whether the objects it hands out (its ``ctx_arg_info``: every struct pointer after the
``bpf_iter_meta``, maybe-NULL) are trusted (measured on Linux 6.18; the map-element targets' from
their registrations, this kernel refusing their loads with EPERM).  The others are not modelled:
bpf_iter_prog_supported() answers EINVAL as for an unknown target."""
ITER_BUFFERS: dict[str, dict[int, TypeFlag]] = {
    "bpf_map_elem": {2: TypeFlag.MEM_RDONLY, 3: TypeFlag.NONE},
    "bpf_sk_storage_map": {3: TypeFlag.NONE},
    "sockmap": {2: TypeFlag.MEM_RDONLY},
}
"""The iterator targets whose ctx holds buffers (kernel/bpf/map_iter.c's bpf_map_elem,
net/core/bpf_sk_storage.c's bpf_sk_storage_map, net/core/sock_map.c's sockmap): per argument, the
PTR_TO_BUF | PTR_MAYBE_NULL of its ``ctx_arg_info`` with its other flags (the key read-only, the
value writable).  Their ``struct bpf_map *map`` (argument 1) is not in ``ctx_arg_info``: a plain
trusted argument."""
_MODIFY_RETURN_KFUNCS = frozenset({"bpf_modify_return_test", "bpf_modify_return_test2", "bpf_fentry_test1"})
"""The kernel's BTF_KFUNC_HOOK_FMODRET set (net/bpf/test_run.c): test functions fmod_ret may attach to."""
_ERROR_INJECTION_LIST = "/sys/kernel/debug/error_injection/list"
_DENIED = frozenset({"migrate_disable", "migrate_enable", "rcu_read_unlock_strict", "preempt_count_add",
                     "preempt_count_sub", "__rcu_read_lock", "__rcu_read_unlock"})  # fmt: skip
"""btf_id_deny: functions tracing programs may never attach to (the trampoline itself calls them)."""
_NORETURN = frozenset({"do_exit", "do_group_exit", "__x64_sys_exit", "__x64_sys_exit_group",
                       "kthread_exit", "make_task_dead"})  # fmt: skip
"""noreturn_deny: __noreturn functions fexit and fmod_ret may not attach to."""
_SLEEPABLE_LSM_HOOKS = frozenset(
    {
        "bpf", "bpf_map", "bpf_map_create", "bpf_map_free", "bpf_prog", "bpf_prog_load", "bpf_prog_free",
        "bpf_token_create", "bpf_token_free", "bpf_token_cmd", "bpf_token_capable", "bprm_check_security",
        "bprm_committed_creds", "bprm_committing_creds", "bprm_creds_for_exec", "bprm_creds_from_file",
        "capget", "capset", "sb_alloc_security", "sb_free_security", "sb_kern_mount", "sb_mount",
        "sb_remount", "sb_set_mnt_opts", "sb_show_options", "sb_statfs", "sb_umount", "settime",
        "file_alloc_security", "file_fcntl", "file_ioctl", "file_lock", "file_open", "file_post_open",
        "file_receive", "file_truncate", "inode_create", "inode_free_security", "inode_getattr",
        "inode_getxattr", "inode_mknod", "inode_need_killpriv", "inode_post_setxattr",
        "inode_post_removexattr", "inode_readlink", "inode_removexattr", "inode_rename", "inode_rmdir",
        "inode_setattr", "inode_setxattr", "inode_symlink", "inode_unlink", "kernel_module_request",
        "kernel_read_file", "kernel_post_read_file", "kernfs_init_security", "mmap_file",
        "path_notify", "sb_eat_lsm_opts", "task_alloc", "current_getsecid_subj", "task_getsecid_obj",
        "task_prctl", "task_setscheduler", "task_free", "userns_create", "socket_bind", "socket_connect",
        "socket_create", "socket_post_create", "socket_socketpair", "socket_getpeersec_dgram",
        "syslog", "quotactl", "quota_on", "key_free", "watch_key", "audit_rule_free",
        "audit_rule_init", "audit_rule_known", "audit_rule_match", "xfrm_state_alloc_acquire",
        "xfrm_state_free_security", "xfrm_policy_free_security",
    }
)  # fmt: skip
"""sleepable_lsm_hooks of kernel/bpf/bpf_lsm.c (the hooks a sleepable LSM program may attach to), as
pybpf knows them (unmeasured: this kernel does not load LSM programs)."""
BOOL_LSM_HOOKS = frozenset({"audit_rule_known", "inode_xattr_skipcap"})
"""bool_lsm_hooks: the LSM hooks returning a bool, whose programs return 0 or 1 (the others
[-MAX_ERRNO, 0])."""
MAX_ERRNO = 4095


@dataclass(frozen=True)
class AttachTarget:
    """What check_attach_btf_id() keeps of a tracing or LSM program's target (``prog->aux``'s
    attach_func_name and attach_func_proto): the name, the argument and return types (vmlinux ids,
    0 for void) and what kind of attachment it is."""

    name: str
    """attach_func_name: the function, or the tracepoint without ``btf_trace_``."""
    btf_id: int
    args: tuple[int, ...]
    """The argument types (a tracepoint's without its leading ``void *__data``)."""
    arg_names: tuple[str, ...]
    ret: int
    attach_type: int
    iterator: bool = False
    lsm: bool = False
    trace_data: bool = False
    """A tracepoint (tp_btf): its prototype's leading ``void *__data`` was dropped from ``args``."""
    struct_ops: str = ""
    """A struct_ops program: the struct whose member (``name``, index ``attach_type``) it implements
    (``pybpf.verifier.struct_ops``)."""
    nullable_args: tuple[int, ...] = ()
    """A struct_ops member's arguments its stub marks ``__nullable`` (maybe-NULL pointers)."""

    @property
    def trampoline(self) -> bool:
        return self.attach_type in TRAMPOLINE_ATTACH

    @property
    def exit_range(self) -> tuple[int, int] | None:
        """An LSM program's check_return_code() range (None: any value)."""
        if self.attach_type == uapi.BPF_LSM_CGROUP:
            return (0, 1) if self.ret else (1, 1)
        return lsm_return_range(self)

    @property
    def has_retval(self) -> bool:
        """The ctx holds the return value after the arguments (fexit, fmod_ret, LSM)."""
        return self.attach_type in _RETVAL_ATTACH


def can_be_sleepable(prog_type: int, expected_attach_type: int) -> bool:
    """can_be_sleepable(): whether a program of this type may be loaded with BPF_F_SLEEPABLE."""
    if prog_type == uapi.BPF_PROG_TYPE_TRACING:
        return expected_attach_type in _SLEEPABLE_TRACING_ATTACH
    return prog_type in _SLEEPABLE_TYPES


def attach_btf_id_allowed(prog_type: int) -> bool:
    """bpf_prog_load_check_attach(): the program types that may name an attach_btf_id."""
    return prog_type in (
        uapi.BPF_PROG_TYPE_TRACING,
        uapi.BPF_PROG_TYPE_LSM,
        uapi.BPF_PROG_TYPE_STRUCT_OPS,
        uapi.BPF_PROG_TYPE_EXT,
    )


@functools.cache
def _error_injection_list() -> frozenset[str] | None:
    try:
        with open(_ERROR_INJECTION_LIST) as f:
            return frozenset(line.split()[0] for line in f if line.strip())
    except OSError:
        return None


def within_error_injection_list(name: str) -> bool:
    """within_error_injection_list(): from the kernel's list when readable, else system calls."""
    listed = _error_injection_list()
    if listed is not None:
        return name in listed
    return name.startswith("__x64_sys_")


def _modifiable(name: str) -> bool:
    """check_attach_modify_return() or a kfunc of the fmod_ret set: what fmod_ret may attach to."""
    return name in _MODIFY_RETURN_KFUNCS or within_error_injection_list(name) or name.startswith("security_")


def _silent(err: int) -> VerifierError:
    """A refusal the kernel logs nothing for."""
    return VerifierError(err, "")


def skip_modifiers(btf: BTF, type_id: int) -> int:
    """btf_type_skip_modifiers(): past typedefs, qualifiers and type tags."""
    while btf[type_id].kind in (Kind.TYPEDEF, Kind.VOLATILE, Kind.CONST, Kind.RESTRICT, Kind.TYPE_TAG):
        type_id = btf[type_id].type_id  # type: ignore[union-attr]
    return type_id


def distill_func_proto(state: VerifierState, btf: BTF, proto: FuncProto, name: str) -> None:
    """btf_distill_func_proto(): at most 12 arguments, no varargs, none wider than 16 bytes, no
    struct or union returned."""
    params = proto.params
    if proto.variadic:
        state.einval(f"The function {name} with variable args is unsupported.")
    if len(params) > uapi.MAX_BPF_FUNC_ARGS:
        state.fail(errno.E2BIG, f"The function {name} has {len(params)} arguments. Too many.")
    ret = skip_modifiers(btf, proto.return_type)
    if ret and btf[ret].kind in (Kind.STRUCT, Kind.UNION):
        state.einval(f"The function {name} return type {btf[ret].kind.name} is unsupported.")
    for i, param in enumerate(params):
        t = skip_modifiers(btf, param.type_id)
        if btf[t].kind in (Kind.STRUCT, Kind.UNION) and btf.size_of(t) > 16:
            state.einval(f"The function {name} arg{i} type {btf[t].kind.name} is unsupported.")


def check_attach_target(state: VerifierState, prog_type: int, attach_type: int, btf_id: int) -> AttachTarget:
    """bpf_check_attach_target() on vmlinux BTF, then check_attach_btf_id()'s checks of the target."""
    sleepable = bool(state.request.prog_flags & uapi.BPF_F_SLEEPABLE)
    if not btf_id:
        state.einval("Tracing programs must provide btf_id")
    btf = kernel_btf.vmlinux_btf()
    if btf is None:
        state.einval("FENTRY/FEXIT program can only be attached to another program annotated with BTF")
    try:
        t = btf[btf_id]
    except BTFError:
        state.einval(f"attach_btf_id {btf_id} is invalid")
    name = t.name
    if not name:
        state.einval(f"attach_btf_id {btf_id} doesn't have a name")
    if attach_type == uapi.BPF_TRACE_RAW_TP:
        if t.kind != Kind.TYPEDEF:
            state.einval(f"attach_btf_id {btf_id} is not a typedef")
        if not name.startswith(_RAW_TP_PREFIX):
            state.einval(f"attach_btf_id {btf_id} points to wrong type name {name}")
        pointer = btf[t.type_id]  # type: ignore[union-attr]
        if pointer.kind != Kind.PTR:
            raise _silent(errno.EINVAL)
        proto = btf[pointer.type_id]  # type: ignore[union-attr]
        if not isinstance(proto, FuncProto) or not proto.params:
            raise _silent(errno.EINVAL)
        params = proto.params[1:]  # attach_btf_trace: the tracepoint's 'void *__data' is not the program's
        return AttachTarget(
            name[len(_RAW_TP_PREFIX) :], btf_id, tuple(p.type_id for p in params),
            tuple(p.name for p in params), proto.return_type, attach_type, trace_data=True,
        )  # fmt: skip
    trampoline = attach_type in TRAMPOLINE_ATTACH or attach_type == uapi.BPF_LSM_CGROUP
    if attach_type != uapi.BPF_TRACE_ITER and not trampoline:
        raise _silent(errno.EINVAL)  # (freplace targets are extension.py's)
    if t.kind != Kind.FUNC:
        state.einval(f"attach_btf_id {btf_id} is not a function")
    proto = btf[t.type_id]  # type: ignore[union-attr]
    if not isinstance(proto, FuncProto):
        raise _silent(errno.EINVAL)
    distill_func_proto(state, btf, proto, name)
    if trampoline and sleepable:
        if prog_type == uapi.BPF_PROG_TYPE_LSM:
            allowed = name.startswith(_LSM_PREFIX) and name[len(_LSM_PREFIX) :] in _SLEEPABLE_LSM_HOOKS
        else:
            allowed = within_error_injection_list(name) or name in _MODIFY_RETURN_KFUNCS
        if not allowed:
            state.einval(f"{name} is not sleepable")
    elif attach_type == uapi.BPF_MODIFY_RETURN and not _modifiable(name):
        state.einval(f"{name}() is not modifiable")
    target = AttachTarget(
        name, btf_id, tuple(p.type_id for p in proto.params), tuple(p.name for p in proto.params),
        proto.return_type, attach_type, iterator=attach_type == uapi.BPF_TRACE_ITER,
        lsm=prog_type == uapi.BPF_PROG_TYPE_LSM,
    )  # fmt: skip
    if target.iterator:
        if iter_target(name) is None:
            raise _silent(errno.EINVAL)  # bpf_iter_prog_supported(): no such target
        return target
    if prog_type == uapi.BPF_PROG_TYPE_LSM:
        if not state.request.gpl_compatible:  # bpf_lsm_verify_prog()
            state.einval("LSM programs must have a GPL compatible license")
        if not name.startswith(_LSM_PREFIX):
            state.einval(f"attach_btf_id {btf_id} points to wrong type name {name}")
    elif name in _DENIED:
        state.einval(f"Attaching tracing programs to function '{name}' is rejected.")
    elif attach_type in (uapi.BPF_TRACE_FEXIT, uapi.BPF_MODIFY_RETURN) and name in _NORETURN:
        state.einval(f"Attaching fexit/fmod_ret to __noreturn function '{name}' is rejected.")
    return target


def iter_target(name: str) -> bool | None:
    """Whether the iterator target ``bpf_iter_<target>`` hands out trusted objects (None: pybpf does
    not know the target)."""
    return ITER_TARGETS.get(name[len(_ITER_PREFIX) :]) if name.startswith(_ITER_PREFIX) else None


def iter_ctx_arg(name: str, arg: int) -> TypeFlag | None:
    """The flags of argument ``arg`` of iterator ``bpf_iter_<target>`` when its ``ctx_arg_info``
    makes it a buffer (PTR_TO_BUF, with PTR_MAYBE_NULL), None otherwise."""
    if not name.startswith(_ITER_PREFIX):
        return None
    found = ITER_BUFFERS.get(name[len(_ITER_PREFIX) :], {}).get(arg)
    return None if found is None else found | TypeFlag.PTR_MAYBE_NULL


def iter_object_arg(name: str, arg: int) -> bool:
    """Whether argument ``arg`` (a struct pointer) of iterator ``bpf_iter_<target>`` is one of its
    ``ctx_arg_info``'s maybe-NULL objects: every one after the ``bpf_iter_meta`` but a map-element
    target's map."""
    return arg > 0 and not (arg == 1 and name[len(_ITER_PREFIX) :] in ITER_BUFFERS)


def lsm_return_range(target: AttachTarget) -> tuple[int, int] | None:
    """bpf_lsm_get_retval_range(): what an LSM program attached to ``target`` may return (None: a
    void hook, any value)."""
    if not target.ret:
        return None
    if target.name[len(_LSM_PREFIX) :] in BOOL_LSM_HOOKS:
        return (0, 1)
    return (-MAX_ERRNO, 0)


class AttachPass:
    """check_attach_btf_id(): the sleepable rules, then a tracing or LSM program's target, which binds
    the program type to it (the program type's ``bind``, when it has one)."""

    name = "attach"

    def run(self, state: VerifierState) -> None:
        request = state.request
        prog_type = request.prog_type.prog_type
        if request.extension is not None:  # an freplace program (its target's type): extension.py
            prog_type = uapi.BPF_PROG_TYPE_EXT
        sleepable = bool(request.prog_flags & uapi.BPF_F_SLEEPABLE)
        if prog_type == uapi.BPF_PROG_TYPE_SYSCALL:
            if not sleepable:
                state.einval("Syscall programs can only be sleepable")
            return
        if sleepable and not can_be_sleepable(prog_type, request.expected_attach_type):
            state.einval(
                "Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable"
            )
        if prog_type == uapi.BPF_PROG_TYPE_STRUCT_OPS:
            from pybpf.verifier.struct_ops import check_struct_ops_btf_id

            target = check_struct_ops_btf_id(state, sleepable)
        elif prog_type not in (uapi.BPF_PROG_TYPE_TRACING, uapi.BPF_PROG_TYPE_LSM):
            return
        else:
            target = check_attach_target(
                state, prog_type, request.expected_attach_type, request.attach_btf_id
            )
        bind = getattr(request.prog_type, "bind", None)
        if bind is not None:
            request.prog_type = bind(target, sleepable)
