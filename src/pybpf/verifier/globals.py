"""Global (BTF_FUNC_GLOBAL) subprograms: verified once on their own, assumed valid at every call.

Mirrors kernel/bpf/verifier.c and kernel/bpf/btf.c of Linux 6.18:

* ``subprog_is_global()``: a subprogram whose func_info record names a FUNC of global linkage
  (check_btf_func() keeps ``BTF_INFO_VLEN`` as the linkage).  Without func_info every
  subprogram is static;
* btf_prepare_func_args(): the argument kinds a subprogram's FUNC_PROTO gives — an integer or enum
  is a scalar (ARG_ANYTHING), a pointer to the program type's context struct (``struct xdp_md``,
  ``struct __sk_buff`` ...) or one tagged ``arg:ctx`` is PTR_TO_CTX (btf_validate_prog_ctx_type():
  a tagged one points to void, to the context struct by name, to a u64 in a raw tracepoint program,
  to anything in a SYSCALL one — "arg#%d should be `struct %s *`"), a pointer to ``struct
  bpf_dynptr`` is a read-only dynptr, ``arg:trusted`` (with ``arg:nullable``: or NULL) and
  ``arg:untrusted`` make a PTR_TO_BTF_ID of the kernel type of the pointee's name
  (btf_get_ptr_to_btf_id(), searched in the running kernel's vmlinux BTF: ``kernel_btf``; an
  untrusted pointer to void or a primitive is read-only untrusted memory, read by probe loads),
  ``arg:arena`` an arena pointer, any other pointer of a global function is memory of its pointee's
  size that may be NULL (ARG_PTR_TO_MEM | PTR_MAYBE_NULL; ``arg:nonnull`` drops the NULL), with the
  kernel's messages for the combinations it refuses ("arg#%d has invalid combination of tags",
  "arg#%d untrusted cannot be combined with any other tags" ...) and when a global function's
  prototype is not supported ("Global function %s() doesn't return scalar. Only those are
  supported.", "Arg#%d type %s in %s() is not supported yet.", "arg#%d reference type('%s %s') size
  cannot be determined: %ld" ...).  A static function's unsupported prototype (any pointer but its
  context) is only unreliable, silently;
* btf_check_subprog_call() / btf_check_func_arg_match() at every bpf-to-bpf call of a program with
  func_info: each register against its argument ("R%d is not a scalar", "arg#%d expects pointer to
  ctx", check_mem_reg()'s read and write of the memory, "arg#%d is expected to be non-NULL", "R%d is
  not a pointer to arena or scalar.", an initialised dynptr, a trusted pointer: "R%d must be
  referenced or trusted", check_reg_type()'s list; anything for an untrusted one).  A static
  function whose arguments do not match becomes unreliable and is walked as before; a global one
  refuses the call ("Caller passes invalid args into func#%d ('%s')");
* check_func_call() of a global function: no new frame — it is "assumed valid" (logged), marked
  called, r1-r5 are clobbered and r0 is an unknown scalar; no call while holding a spin lock; a
  global function that (through its callees) may move the packet invalidates every packet
  pointer (``changes_pkt_data``); one that may sleep (``might_sleep``: it or a callee calls a helper
  that might sleep) is refused in a program that is not sleepable and inside an RCU read-side,
  non-preemptible or IRQ-disabled region ("global functions that may sleep are not allowed in
  non-sleepable context ...");
* do_check_subprogs(): after the main program, each global function that was called is verified
  once from its own first instruction ("Validating %s() func#%d..."; r1-r5 from the prototype:
  ``ctx()``, unknown scalars, ``mem_or_null(id=N,sz=S)``), until no new one is called, each ending
  with "Func#%d ('%s') is safe for any args that match its prototype".  At its exit r0 must be a
  scalar ("At subprogram exit the register R0 is not a scalar value (%s)", check_return_code()).
  The program's exception callback is one of them, "presumed to be always called", taking one
  integer ("exception cb only supports single integer argument"; ``pybpf.verifier.exceptions``).

Not modelled: the kernel struct of PTR_TO_BTF_ID registers that helpers other than
bpf_get_current_task_btf return (such a register at its start matches any ``arg:trusted``
argument), kernel module types, the sleeping global
functions' checks inside RCU, IRQ and preemption sections (kfuncs open them) and BPF_PROG_TYPE_EXT.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pybpf import uapi
from pybpf.btf.kinds import MODIFIER_KINDS, Kind
from pybpf.btf.types import BTF, BTFError, BTFType, DeclTag, Func, FuncLinkage, FuncProto, Int, Ptr
from pybpf.helpers.protos import ArgType
from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.program import CALL_OPCODE
from pybpf.verifier import dynptr, exceptions, helpers, kernel_btf, references, tnum, xdp_kfuncs
from pybpf.verifier.bounds import S32_MAX
from pybpf.verifier.checks import call, mem
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.kfunc_objects import PROJECTIONS
from pybpf.verifier.regstate import RegState, is_null
from pybpf.verifier.regtypes import RegType, TypeFlag, type_str
from pybpf.verifier.state import FuncFrame, VerifierState, in_sleepable

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

MAX_BPF_FUNC_REG_ARGS = 5

_SKB = "__sk_buff"
_RAW_TP_ARGS = "bpf_raw_tracepoint_args"
CTX_TYPE_NAMES: dict[int, str] = {
    uapi.BPF_PROG_TYPE_SOCKET_FILTER: _SKB,
    uapi.BPF_PROG_TYPE_SCHED_CLS: _SKB,
    uapi.BPF_PROG_TYPE_SCHED_ACT: _SKB,
    uapi.BPF_PROG_TYPE_XDP: "xdp_md",
    uapi.BPF_PROG_TYPE_CGROUP_SKB: _SKB,
    uapi.BPF_PROG_TYPE_CGROUP_SOCK: "bpf_sock",
    uapi.BPF_PROG_TYPE_LWT_IN: _SKB,
    uapi.BPF_PROG_TYPE_LWT_OUT: _SKB,
    uapi.BPF_PROG_TYPE_LWT_XMIT: _SKB,
    uapi.BPF_PROG_TYPE_SOCK_OPS: "bpf_sock_ops",
    uapi.BPF_PROG_TYPE_SK_SKB: _SKB,
    uapi.BPF_PROG_TYPE_CGROUP_DEVICE: "bpf_cgroup_dev_ctx",
    uapi.BPF_PROG_TYPE_SK_MSG: "sk_msg_md",
    uapi.BPF_PROG_TYPE_RAW_TRACEPOINT: _RAW_TP_ARGS,
    uapi.BPF_PROG_TYPE_CGROUP_SOCK_ADDR: "bpf_sock_addr",
    uapi.BPF_PROG_TYPE_LWT_SEG6LOCAL: _SKB,
    uapi.BPF_PROG_TYPE_SK_REUSEPORT: "sk_reuseport_md",
    uapi.BPF_PROG_TYPE_FLOW_DISSECTOR: _SKB,
    uapi.BPF_PROG_TYPE_CGROUP_SYSCTL: "bpf_sysctl",
    uapi.BPF_PROG_TYPE_CGROUP_SOCKOPT: "bpf_sockopt",
    uapi.BPF_PROG_TYPE_SK_LOOKUP: "bpf_sk_lookup",
    uapi.BPF_PROG_TYPE_PERF_EVENT: "bpf_perf_event_data",
    uapi.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE: _RAW_TP_ARGS,
    uapi.BPF_PROG_TYPE_NETFILTER: "bpf_nf_ctx",
}
"""The program types' user-visible context structs (the kernel's bpf_ctx_convert, by name): a
global function's pointer to one of them is its context (btf_is_prog_ctx_type())."""

BTF_KIND_STR = {
    Kind.UNKN: "UNKNOWN", Kind.INT: "INT", Kind.PTR: "PTR", Kind.ARRAY: "ARRAY", Kind.STRUCT: "STRUCT",
    Kind.UNION: "UNION", Kind.ENUM: "ENUM", Kind.FWD: "FWD", Kind.TYPEDEF: "TYPEDEF",
    Kind.VOLATILE: "VOLATILE", Kind.CONST: "CONST", Kind.RESTRICT: "RESTRICT", Kind.FUNC: "FUNC",
    Kind.FUNC_PROTO: "FUNC_PROTO", Kind.VAR: "VAR", Kind.DATASEC: "DATASEC", Kind.FLOAT: "FLOAT",
    Kind.DECL_TAG: "DECL_TAG", Kind.TYPE_TAG: "TYPE_TAG", Kind.ENUM64: "ENUM64",
}  # fmt: skip
"""btf_type_str(): the kind names of the kernel's btf_kind_str[]."""

_CTX_ANYTHING = frozenset({uapi.BPF_PROG_TYPE_TRACEPOINT, uapi.BPF_PROG_TYPE_SYSCALL, uapi.BPF_PROG_TYPE_EXT})
"""btf_validate_prog_ctx_type(): the program types whose ``arg:ctx`` may point to anything."""
_CTX_U64 = frozenset(
    {
        uapi.BPF_PROG_TYPE_RAW_TRACEPOINT,
        uapi.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
        uapi.BPF_PROG_TYPE_LSM,
        uapi.BPF_PROG_TYPE_STRUCT_OPS,
    }
)
_CTX_U64_TRACING = frozenset(
    {uapi.BPF_TRACE_RAW_TP, uapi.BPF_TRACE_FENTRY, uapi.BPF_TRACE_FEXIT, uapi.BPF_MODIFY_RETURN}
)
"""... and those (with the TRACING attach types) whose ``arg:ctx`` may point to a u64."""
_CANONICAL_CTX = {uapi.BPF_PROG_TYPE_KPROBE: "pt_regs"}
"""find_canonical_prog_ctx_type() where CTX_TYPE_NAMES has no entry: kprobe's bpf_user_pt_regs_t is
``struct pt_regs`` on x86_64 (the other types without one have a ``void *`` context)."""

_KPROBE_CTX_TYPEDEF = "bpf_user_pt_regs_t"
"""The kprobe context's name in bpf_ctx_convert: a typedef (of ``struct pt_regs`` on x86_64)."""

_ARG_TAGS = ("ctx", "trusted", "untrusted", "nonnull", "nullable", "arena")
"""The ``arg:`` decl tags of Linux 6.18 (btf_prepare_func_args())."""
_DYNPTR_STRUCT = "bpf_dynptr"


@dataclass(frozen=True)
class SubprogArg:
    """One argument of a subprogram's prototype (``struct bpf_subprog_arg_info``)."""

    kind: RegType  # SCALAR_VALUE (ARG_ANYTHING), PTR_TO_CTX, PTR_TO_MEM, PTR_TO_BTF_ID, PTR_TO_ARENA,
    # CONST_PTR_TO_DYNPTR (ARG_PTR_TO_DYNPTR | MEM_RDONLY)
    mem_size: int = 0
    maybe_null: bool = True
    flags: TypeFlag = (
        TypeFlag.NONE
    )  # PTR_TRUSTED / PTR_UNTRUSTED (and MEM_RDONLY) of a BTF or memory argument
    kernel_type: kernel_btf.KernelType | None = None  # PTR_TO_BTF_ID: the vmlinux type pointed to


class PrototypeError(Exception):
    """btf_prepare_func_args() failed: ``message`` (None: silently, for a static function)."""

    def __init__(self, err: int, message: str | None) -> None:
        super().__init__(message)
        self.errno = err
        self.message = message


class GlobalFuncs:
    """The subprograms' linkage and prototypes (``bpf_func_info_aux``, ``bpf_subprog_info.args``)
    for one load, and which global functions were called and verified."""

    def __init__(self, env: VerifierState) -> None:
        self.env = env
        self.btf: BTF | None = None
        self.funcs: list[Func | None] = [None] * len(env.subprogs)
        if env.func_info is not None and env.request.btf_types is not None:
            try:
                self.btf = env.request.btf_types()
            except BTFError:
                self.btf = None
            for n, (_, type_id) in enumerate(env.func_info[: len(self.funcs)]):
                found = self.btf[type_id] if self.btf is not None and type_id < self.btf.end_id else None
                self.funcs[n] = found if isinstance(found, Func) else None
        self.args: dict[int, tuple[SubprogArg, ...]] = {}  # args_cached
        self.unreliable: set[int] = set()
        self.called: set[int] = set()
        self.verified: set[int] = set()
        self._changes_pkt_data: list[bool] | None = None
        self._might_sleep: list[bool] | None = None
        self._might_throw: list[bool] | None = None

    def is_global(self, subprog: int) -> bool:
        func = self.funcs[subprog]
        return func is not None and func.linkage == FuncLinkage.GLOBAL

    def is_static(self, subprog: int) -> bool:
        """The func_info linkage is BTF_FUNC_STATIC (a callback must be)."""
        func = self.funcs[subprog]
        return func is None or func.linkage == FuncLinkage.STATIC

    def name(self, subprog: int) -> str:
        func = self.funcs[subprog]
        return func.name if func is not None else ""

    # --- btf_prepare_func_args() ---

    def prepare(self, subprog: int) -> tuple[SubprogArg, ...]:
        """The subprogram's arguments; PrototypeError when its prototype is not supported."""
        cached = self.args.get(subprog)
        if cached is not None:
            return cached
        is_global = self.is_global(subprog)
        func, btf = self.funcs[subprog], self.btf
        assert func is not None and btf is not None
        proto = btf[func.type_id]
        if not isinstance(proto, FuncProto):
            raise PrototypeError(errno.EFAULT, f"Invalid type of function {func.name}()")
        if len(proto.params) > MAX_BPF_FUNC_REG_ARGS:
            _global_only(
                is_global,
                f"Global function {func.name}() with {len(proto.params)} > {MAX_BPF_FUNC_REG_ARGS} args. "
                "Buggy compiler.",
            )
        ret = btf[_skip_modifiers(btf, proto.return_type)]
        if ret.kind not in (Kind.INT, Kind.ENUM, Kind.ENUM64):
            _global_only(
                is_global, f"Global function {func.name}() doesn't return scalar. Only those are supported."
            )
        func_id = self.env.func_info[subprog][1] if self.env.func_info else 0
        args = tuple(
            self._prepare_arg(btf, func, func_id, i, param.type_id, is_global=is_global)
            for i, param in enumerate(proto.params)
        )
        self.args[subprog] = args
        return args

    def _prepare_arg(
        self, btf: BTF, func: Func, func_id: int, i: int, type_id: int, *, is_global: bool
    ) -> SubprogArg:
        tags = self._arg_tags(btf, func_id, i, is_global=is_global)
        t = btf[_skip_modifiers(btf, type_id)]
        if isinstance(t, Ptr):
            if "ctx" in tags or self._is_prog_ctx_type(btf, t):
                if tags - {"ctx"}:
                    raise PrototypeError(errno.EINVAL, f"arg#{i} has invalid combination of tags")
                if "ctx" in tags:
                    self._validate_ctx_type(btf, t, i)
                return SubprogArg(RegType.PTR_TO_CTX)
            pointee_id = _skip_modifiers(btf, t.type_id)
            pointee = btf[pointee_id]
            if pointee.kind == Kind.STRUCT and pointee.name == _DYNPTR_STRUCT:  # btf_is_dynptr_ptr()
                if tags:
                    raise PrototypeError(errno.EINVAL, f"arg#{i} has invalid combination of tags")
                return SubprogArg(RegType.CONST_PTR_TO_DYNPTR, maybe_null=False, flags=TypeFlag.MEM_RDONLY)
            if "trusted" in tags:
                if "nonnull" in tags:
                    raise PrototypeError(errno.EINVAL, f"arg#{i} has invalid combination of tags")
                target = _kernel_type(i, pointee, struct_only=False)
                return SubprogArg(RegType.PTR_TO_BTF_ID, 0, "nullable" in tags, TypeFlag.PTR_TRUSTED, target)
            if "untrusted" in tags:
                if tags - {"untrusted"}:
                    raise PrototypeError(
                        errno.EINVAL, f"arg#{i} untrusted cannot be combined with any other tags"
                    )
                if pointee.kind in (Kind.UNKN, Kind.INT, Kind.ENUM, Kind.ENUM64, Kind.FLOAT):
                    flags = TypeFlag.MEM_RDONLY | TypeFlag.PTR_UNTRUSTED
                    return SubprogArg(RegType.PTR_TO_MEM, 0, False, flags)
                target = _kernel_type(i, pointee, struct_only=True)
                return SubprogArg(RegType.PTR_TO_BTF_ID, 0, False, TypeFlag.PTR_UNTRUSTED, target)
            if "arena" in tags:
                if tags - {"arena"}:
                    raise PrototypeError(
                        errno.EINVAL, f"arg#{i} arena cannot be combined with any other tags"
                    )
                return SubprogArg(RegType.PTR_TO_ARENA, maybe_null=False)
            if is_global:
                if "nullable" in tags:
                    raise PrototypeError(errno.EINVAL, f"arg#{i} has invalid combination of tags")
                try:
                    size = btf.size_of(pointee_id) if pointee.kind != Kind.UNKN else -1
                except BTFError:
                    size = -1
                if size < 0:
                    raise PrototypeError(
                        errno.EINVAL,
                        f"arg#{i} reference type('{BTF_KIND_STR[pointee.kind]} {pointee.name}') size cannot "
                        f"be determined: -{errno.EINVAL}",
                    )
                return SubprogArg(RegType.PTR_TO_MEM, size, "nonnull" not in tags)
        if tags:
            raise PrototypeError(errno.EINVAL, f"arg#{i} has pointer tag, but is not a pointer type")
        if t.kind in (Kind.INT, Kind.ENUM, Kind.ENUM64):
            return SubprogArg(RegType.SCALAR_VALUE)
        _global_only(is_global, f"Arg#{i} type {BTF_KIND_STR[t.kind]} in {func.name}() is not supported yet.")
        raise AssertionError  # unreachable: _global_only raises

    @staticmethod
    def _arg_tags(btf: BTF, func_id: int, i: int, *, is_global: bool) -> set[str]:
        """The parameter's ``arg:`` decl tags (btf_find_next_decl_tag()), in type-id order."""
        tags = set()
        for _, tag in btf:
            if not isinstance(tag, DeclTag) or tag.type_id != func_id or tag.component_idx != i:
                continue
            if not tag.name.startswith("arg:"):
                continue
            if not is_global:
                raise PrototypeError(
                    errno.EOPNOTSUPP, f"arg#{i} type tag is not supported in static functions"
                )
            if tag.name[4:] not in _ARG_TAGS:
                raise PrototypeError(errno.EOPNOTSUPP, f"arg#{i} has unsupported set of tags")
            tags.add(tag.name[4:])
        return tags

    def _validate_ctx_type(self, btf: BTF, ptr: Ptr, i: int) -> None:
        """btf_validate_prog_ctx_type(): what an ``arg:ctx`` pointer may point to: void; the
        ``bpf_user_pt_regs_t`` typedef or ``struct pt_regs`` (kprobe, perf_event); a u64 (raw
        tracepoints, tp_btf, fentry/fexit/fmod_ret, LSM, struct_ops); ``struct bpf_raw_tracepoint_args``
        (tp_btf); a ``struct bpf_iter__*`` (iterators); anything (tracepoint, syscall, freplace); else
        the program type's context struct by name, or void alone where that is not a struct."""
        request = self.env.request
        prog_type, attach_type = request.prog_type.prog_type, request.expected_attach_type
        tid = ptr.type_id
        if prog_type in (uapi.BPF_PROG_TYPE_KPROBE, uapi.BPF_PROG_TYPE_PERF_EVENT):
            t = btf[tid]
            while t.kind in MODIFIER_KINDS and t.kind != Kind.TYPEDEF:
                t = btf[getattr(t, "type_id", 0)]
            if t.kind == Kind.TYPEDEF and t.name == "bpf_user_pt_regs_t":
                return
        pointee = btf[_skip_modifiers(btf, tid)]
        if pointee.kind == Kind.UNKN:
            return
        if not pointee.name:
            raise PrototypeError(errno.EINVAL, f"arg#{i} type doesn't have a name")
        is_struct = pointee.kind == Kind.STRUCT
        is_u64 = isinstance(pointee, Int) and pointee.size == 8
        if prog_type in _CTX_ANYTHING:
            return
        regs_types = (uapi.BPF_PROG_TYPE_KPROBE, uapi.BPF_PROG_TYPE_PERF_EVENT)
        if prog_type in regs_types and is_struct and pointee.name == "pt_regs":
            return
        u64_ok = prog_type in _CTX_U64 or (
            prog_type == uapi.BPF_PROG_TYPE_TRACING and attach_type in _CTX_U64_TRACING
        )
        if u64_ok and is_u64:
            return
        if prog_type == uapi.BPF_PROG_TYPE_TRACING:
            if attach_type == uapi.BPF_TRACE_RAW_TP and is_struct and pointee.name == _RAW_TP_ARGS:
                return
            if attach_type == uapi.BPF_TRACE_ITER and is_struct and pointee.name.startswith("bpf_iter__"):
                return
        expected = _CANONICAL_CTX.get(prog_type, CTX_TYPE_NAMES.get(prog_type, ""))
        if not expected:
            raise PrototypeError(errno.EINVAL, f"arg#{i} should be void pointer")
        if not is_struct or pointee.name != expected:
            raise PrototypeError(errno.EINVAL, f"arg#{i} should be `struct {expected} *`")

    def _is_prog_ctx_type(self, btf: BTF, ptr: Ptr) -> bool:
        """btf_is_prog_ctx_type(): a pointer to the struct named as the program type's context (or
        the kernel struct it projects: ``struct sk_buff`` for ``__sk_buff``, ``struct xdp_buff`` for
        ``xdp_md``); a kprobe's context is also the typedef ``bpf_user_pt_regs_t`` itself, and the
        struct it names (``struct pt_regs`` on x86_64) or a struct of the typedef's name.  (An
        anonymous struct has the name "", which matches none: the kernel's "struct doesn't have a
        name" is for a name that cannot be read.)"""
        prog_type = self.env.request.prog_type.prog_type
        if prog_type == uapi.BPF_PROG_TYPE_KPROBE:
            t = btf[ptr.type_id]
            for _ in range(64):
                if t.kind not in MODIFIER_KINDS or t.kind == Kind.TYPEDEF:
                    break
                t = btf[t.type_id]  # type: ignore[union-attr]
            if t.kind == Kind.TYPEDEF and t.name == _KPROBE_CTX_TYPEDEF:
                return True
        pointee = btf[_skip_modifiers(btf, ptr.type_id)]
        if pointee.kind != Kind.STRUCT:
            return False
        if prog_type == uapi.BPF_PROG_TYPE_KPROBE:
            return pointee.name in (_KPROBE_CTX_TYPEDEF, _CANONICAL_CTX[prog_type])
        expected = CTX_TYPE_NAMES.get(prog_type, "")
        return bool(expected) and (pointee.name == expected or PROJECTIONS.get(expected) == pointee.name)

    # --- btf_check_subprog_call() ---

    def check_call_args(self, w: Walker, subprog: int) -> int:
        """btf_check_subprog_call(): 0 when the caller's r1-r5 match the prototype, else the
        errno (the reason already logged)."""
        if self.funcs[subprog] is None or subprog in self.unreliable:
            return errno.EINVAL
        try:
            args = self.prepare(subprog)
        except PrototypeError as exc:
            if exc.message is not None:
                w.env.log.line(exc.message)
            self.unreliable.add(subprog)
            return exc.errno
        try:
            _match_args(w, args)
        except VerifierError as exc:
            self.unreliable.add(subprog)
            return exc.errno or errno.EINVAL
        return 0

    def might_sleep(self, subprog: int) -> bool:
        """``subprog_info[].might_sleep``: the subprogram or a function it calls calls something that
        may sleep (helpers.call_might_sleep())."""
        if self._might_sleep is None:
            self._might_sleep = sleepers(self.env)
        return self._might_sleep[subprog]

    def might_throw(self, subprog: int) -> bool:
        """The subprogram or a function it calls (transitively) calls bpf_throw
        (``pybpf.verifier.exceptions``)."""
        if self._might_throw is None:
            self._might_throw = _merged_effect(self.env, exceptions.is_throw)
        return self._might_throw[subprog]

    def changes_pkt_data(self, subprog: int) -> bool:
        """``subprog_info[].changes_pkt_data``: the subprogram or a static function it calls calls a
        helper that may move the packet (check_cfg()'s merge of the callees' effects)."""
        if self._changes_pkt_data is None:
            self._changes_pkt_data = pkt_data_changers(self.env)
        return self._changes_pkt_data[subprog]


def _kernel_type(i: int, pointee: BTFType, *, struct_only: bool) -> kernel_btf.KernelType:
    """btf_get_ptr_to_btf_id(): the one vmlinux type the pointee's kind and name mean; PrototypeError
    when the pointee has no name ("candidate matching error", EINVAL), there is no such type ("has
    no matches", ENOENT) or several ("is ambiguous", ESRCH), or, with ``struct_only``
    (``arg:untrusted``, Linux 6.17+), when the kernel's type is no struct or union."""
    what = f"arg#{i} reference type('{BTF_KIND_STR[pointee.kind]} {pointee.name or '(anon)'}')"
    if not pointee.name:
        raise PrototypeError(errno.EINVAL, f"{what} candidate matching error: -{errno.EINVAL}")
    found = kernel_btf.find_candidates(pointee.kind, pointee.name)
    if len(found) != 1:
        raise PrototypeError(
            errno.ENOENT if not found else errno.ESRCH,
            f"{what} {'has no matches' if not found else 'is ambiguous'}",
        )
    target = kernel_btf.kernel_type(found[0])
    if struct_only and target.kind not in (Kind.STRUCT, Kind.UNION):
        raise PrototypeError(
            errno.EINVAL,
            f"arg#{i} has type {BTF_KIND_STR[target.kind]} '{pointee.name}', but only struct or primitive "
            "types are allowed",
        )
    return target


def _global_only(is_global: bool, message: str) -> None:
    """A failure the kernel logs for a global function and passes over silently for a static one."""
    raise PrototypeError(errno.EINVAL, message if is_global else None)


def _skip_modifiers(btf: BTF, type_id: int) -> int:
    """btf_type_skip_modifiers(): typedefs, const, volatile, restrict and type tags skipped."""
    for _ in range(64):
        t = btf[type_id]
        if t.kind not in MODIFIER_KINDS:
            return type_id
        type_id = t.type_id  # type: ignore[union-attr]
    return type_id


def _match_args(w: Walker, args: tuple[SubprogArg, ...]) -> None:
    """btf_check_func_arg_match(): raises VerifierError (logged) on the first mismatch."""
    regs = w.state.cur.regs
    for i, arg in enumerate(args):
        regno = i + 1
        reg = regs[regno]
        if arg.kind is RegType.SCALAR_VALUE:
            if reg.type is not RegType.SCALAR_VALUE:
                w.fail(errno.EINVAL, f"R{regno} is not a scalar")
        elif arg.flags & TypeFlag.PTR_UNTRUSTED:
            continue  # read through probe loads: anything goes
        elif arg.kind is RegType.PTR_TO_CTX:
            mem.check_func_arg_reg_off(w, reg, regno, release=False, dynptr_arg=False)
            if reg.type is not RegType.PTR_TO_CTX:
                w.fail(errno.EINVAL, f"arg#{i} expects pointer to ctx")
        elif arg.kind is RegType.PTR_TO_MEM:
            mem.check_func_arg_reg_off(w, reg, regno, release=False, dynptr_arg=False)
            check_mem_reg(w, reg, regno, arg.mem_size)
            if not arg.maybe_null and (reg.maybe_null or is_null(reg)):
                w.fail(errno.EINVAL, f"arg#{i} is expected to be non-NULL")
        elif arg.kind is RegType.PTR_TO_ARENA:
            if reg.type not in (RegType.PTR_TO_ARENA, RegType.SCALAR_VALUE):
                w.fail(errno.EINVAL, f"R{regno} is not a pointer to arena or scalar.")
        elif arg.kind is RegType.CONST_PTR_TO_DYNPTR:
            mem.check_func_arg_reg_off(w, reg, regno, release=False, dynptr_arg=True)
            dynptr.process_dynptr_func(w, regno, reg, ArgType.PTR_TO_DYNPTR_RDONLY)
        elif arg.maybe_null and is_null(reg):
            w.mark_chain_precision(regno)  # the NULL is relied on exactly (Linux 6.18)
        else:
            _check_trusted_reg(w, reg, regno, arg.kernel_type, nullable=arg.maybe_null)
            mem.check_func_arg_reg_off(w, reg, regno, release=False, dynptr_arg=False)


_TRUSTED_BTF_REGS = (
    (RegType.PTR_TO_BTF_ID, TypeFlag.NONE), (RegType.PTR_TO_BTF_ID, TypeFlag.PTR_TRUSTED),
    (RegType.PTR_TO_BTF_ID, TypeFlag.MEM_RCU),
)  # fmt: skip
"""compatible_reg_types[ARG_PTR_TO_BTF_ID] (btf_ptr_types)."""
_REG2BTF_IDS = frozenset(
    {RegType.PTR_TO_SOCKET, RegType.PTR_TO_SOCK_COMMON, RegType.PTR_TO_TCP_SOCK, RegType.CONST_PTR_TO_MAP}
)
"""reg2btf_ids[]: the register types that stand for a kernel struct (trusted without a flag)."""


def _check_trusted_reg(
    w: Walker, reg: RegState, regno: int, target: kernel_btf.KernelType | None, *, nullable: bool
) -> None:
    """check_reg_type() for ARG_PTR_TO_BTF_ID | PTR_TRUSTED: the register is referenced or trusted
    (is_trusted_reg()) and a pointer to the argument's struct (btf_struct_ids_match(): that struct,
    or one holding it at the pointer's fixed offset; a variable offset is check_func_arg_reg_off()'s
    to refuse).  A register whose kernel type pybpf does not know passes at the start of its
    struct, and one moved into it is refused, named as the argument's type.  For a ``nullable``
    argument (| PTR_MAYBE_NULL) the register's own maybe-NULL flag is folded away before its type
    is compared: a pointer not yet checked against NULL passes (an acquired task, say)."""
    flags = TypeFlag(reg.flags)
    trusted_flags = TypeFlag.PTR_TRUSTED | TypeFlag.MEM_ALLOC
    safe = not flags & ~(trusted_flags | TypeFlag.PTR_MAYBE_NULL)  # (measured: NULL-ness is no unsafe flag)
    trusted = bool(reg.ref_obj_id) or (safe and (reg.type in _REG2BTF_IDS or bool(flags & trusted_flags)))
    if not trusted:
        w.fail(errno.EINVAL, f"R{regno} must be referenced or trusted")
    if (reg.type, flags & ~TypeFlag.PTR_MAYBE_NULL if nullable else flags) not in _TRUSTED_BTF_REGS:
        expected = ", ".join(type_str(base, flag) for base, flag in _TRUSTED_BTF_REGS)
        w.fail(errno.EACCES, f"R{regno} type={reg.type_name()} expected={expected}")
    expected = target.name if target is not None else ""
    if isinstance(reg.map, kernel_btf.KernelType) and target is not None:
        if not kernel_btf.struct_ids_match(reg.map, reg.off, target, strict=False):
            w.fail(errno.EACCES, f"R{regno} is of type {reg.map.name} but {expected} is expected")
        return
    pointed = reg.map.name if isinstance(reg.map, kernel_btf.KernelType) else expected
    moved = bool(reg.off) or not tnum.is_const(reg.var_off) or bool(reg.var_off.value)
    if moved or pointed != expected:
        w.fail(errno.EACCES, f"R{regno} is of type {pointed} but {expected} is expected")


def check_mem_reg(w: Walker, reg: RegState, regno: int, size: int, *, keep_errno: bool = False) -> None:
    """check_mem_reg(): NULL passes, relied on exactly (Linux 6.18 marks it precise); otherwise the
    memory is read and written as by a helper without a prototype (a maybe-NULL pointer checked as
    if not NULL, and left as it was; the write clobbers the stack without showing it in the log);
    a failure is EINVAL whatever the access check's errno (a global function's argument,
    btf_check_func_arg_match()) or that errno (``keep_errno``: a kfunc's, check_kfunc_args())."""
    if is_null(reg):
        w.mark_chain_precision(regno)
        return
    flags = reg.flags
    reg.flags = flags & ~TypeFlag.PTR_MAYBE_NULL
    try:
        if size > S32_MAX:  # (a pointee of 2 GiB or more: Linux 6.18 stable refuses it before any access)
            w.fail(errno.EACCES, f"R{regno} memory size {size} is too large")
        mem.helper_mem_access(w, regno, size, mem.BPF_READ, zero_ok=True, clobber=False)
        mem.helper_mem_access(w, regno, size, mem.BPF_WRITE, zero_ok=True, clobber=True, raw=False)
    except VerifierError as exc:
        if keep_errno:
            raise
        raise VerifierError(errno.EINVAL, exc.reason, exc.log) from None
    finally:
        reg.flags = flags


def pkt_data_changers(env: VerifierState) -> list[bool]:
    """Per subprogram: it, or a static function it calls (transitively), moves the packet."""
    return _merged_effect(env, _changes_pkt_data)


def _changes_pkt_data(insn: Instruction) -> bool:
    """A call of a helper or kfunc that may move the packet (bpf_helper_changes_pkt_data(),
    is_kfunc_pkt_changing()), or a tail call: the program it reaches may call any of them, so
    visit_insn() marks the subprogram that tail calls as changing packet data (Linux 6.18; a tail
    call that fails goes on with the packet as it was, so the call itself clears nothing)."""
    if insn.src == 0 and (insn.imm in call.CHANGES_PKT_DATA or insn.imm == uapi.BPF_FUNC_tail_call):
        return True
    return xdp_kfuncs.is_pkt_changing_call(insn)


def sleepers(env: VerifierState) -> list[bool]:
    """Per subprogram: it, or a function it calls (transitively), may sleep."""
    return _merged_effect(env, helpers.call_might_sleep)


def _merged_effect(env: VerifierState, has_effect: Callable[[Instruction], bool]) -> list[bool]:
    """check_cfg()'s merge_callee_effects(): per subprogram, whether one of its calls
    (``has_effect``) or one of a function it calls (transitively) has the effect."""
    view = env.view
    count = len(env.subprogs)
    direct = [False] * count
    callees: list[set[int]] = [set() for _ in range(count)]
    for slot, insn in zip(view.starts, view.insns, strict=True):
        if insn.opcode != CALL_OPCODE:
            continue
        sub = view.subprog_of(slot)
        if insn.src == op.BPF_PSEUDO_CALL:
            callees[sub].add(view.subprog_of(slot + insn.imm + 1))
        elif has_effect(insn):
            direct[sub] = True
    merged = list(direct)
    changed = True
    while changed:
        changed = False
        for sub in range(count):
            if not merged[sub] and any(merged[c] for c in callees[sub]):
                merged[sub] = changed = True
    return merged


# --- the hooks of do_check ---


def check_func_call(w: Walker, subprog: int) -> bool:
    """check_func_call()'s argument check and global branch: True when the call was a global
    function's (handled: r0 an unknown scalar, the walk goes on after the call), False for a static
    function the walker enters."""
    funcs = w.globals
    if w.env.func_info is None:
        return False
    err = funcs.check_call_args(w, subprog)
    if err == errno.EFAULT:  # the reason is logged already
        raise VerifierError(errno.EFAULT, "", w.env.log.text)
    if not funcs.is_global(subprog):
        return False
    name = funcs.name(subprog)
    state = w.state
    if references.active_lock(state) is not None:
        w.fail(
            errno.EINVAL,
            "global function calls are not allowed while holding a lock,\nuse static function instead",
        )
    in_region = state.active_rcu_lock or state.active_preempt_locks or state.active_irq_id
    if funcs.might_sleep(subprog) and (in_region or not in_sleepable(w.env, state)):
        w.fail(
            errno.EINVAL,
            "global functions that may sleep are not allowed in non-sleepable context,\n"
            "i.e., in a RCU/IRQ/preempt-disabled section, or in\na non-sleepable BPF program context",
        )
    if err:
        w.fail(err, f"Caller passes invalid args into func#{subprog} ('{name}')")
    w.env.log.line(f"Func#{subprog} ('{name}') is global and assumed valid.")
    if funcs.might_throw(subprog):  # its throw would unwind the caller's frames too
        references.check_resource_leak(w, True, "bpf_throw", exception_exit=True)
    if funcs.changes_pkt_data(subprog):
        call.clear_all_pkt_pointers(state, w.env.allow_ptr_leaks)
    funcs.called.add(subprog)
    regs = state.cur.regs
    for regno in range(6):
        regs[regno].mark_not_init()
        w.scratch_reg(regno)
    regs[0].mark_unknown()
    return True


def check_main_prototype(w: Walker) -> None:
    """do_check_common() of the main program with func_info: btf_prepare_func_args(0), whose
    complaints are logged (the main program is verified with a context in r1 whatever they say)."""
    funcs = w.globals
    if w.env.func_info is None or funcs.funcs[0] is None:
        return
    try:
        funcs.prepare(0)
    except PrototypeError as exc:
        if exc.message is not None:
            w.env.log.line(exc.message)
        funcs.unreliable.add(0)


def extension_entry(w: Walker) -> FuncFrame:
    """do_check_common() of an freplace program's main function: verified as a global function
    ("Validating %s() func#0..."), its prototype's refusal refusing the program."""
    funcs = w.globals
    if w.env.log.level:
        w.env.log.line(f"Validating {funcs.name(0)}() func#0...")
    try:
        funcs.prepare(0)
    except PrototypeError as exc:
        w.fail(exc.errno, exc.message or "")
    return entry_frame(w, 0)


def entry_frame(w: Walker, subprog: int) -> FuncFrame:
    """do_check_common() for a global function: frame 0 at its start with r1-r5 from its prototype
    (the caller has checked the prototype with prepare())."""
    frame = FuncFrame(0, subprog, -1)
    for i, arg in enumerate(w.globals.args[subprog]):
        reg = frame.regs[i + 1]
        if arg.kind is RegType.SCALAR_VALUE:
            reg.mark_unknown()
        elif arg.kind is RegType.PTR_TO_CTX:
            reg.mark_pointer(RegType.PTR_TO_CTX)
        elif arg.kind is RegType.PTR_TO_ARENA:
            reg.mark_unknown()  # an arena pointer only in a program that uses an arena (none here)
        elif arg.kind is RegType.CONST_PTR_TO_DYNPTR:
            # __mark_dynptr_reg() with a new id.  The source says a LOCAL dynptr; Linux 6.18 as built
            # on the recording machine (6.18.44) makes it an skb dynptr in every program type: the
            # log says type=skb, and a slice of it is invalidated by a helper that changes packet
            # data (selftests_global_args/dynptr_arg_* in the verifier corpus)
            reg.mark_pointer(RegType.CONST_PTR_TO_DYNPTR)
            reg.map = dynptr.dynptr_slot(dynptr.SKB, True)
            reg.id = w.new_id()
        else:
            flags = arg.flags | (TypeFlag.PTR_MAYBE_NULL if arg.maybe_null else TypeFlag.NONE)
            reg.mark_pointer(arg.kind, flags)
            reg.mem_size = arg.mem_size
            reg.map = arg.kernel_type
            if arg.maybe_null or arg.kind is RegType.PTR_TO_BTF_ID:
                reg.id = w.new_id()
    return frame


def check_subprogs(env: VerifierState, main: Walker) -> None:
    """do_check_subprogs(): verify every called global function once, on its own, until no new one
    is called (each run may call more)."""
    from pybpf.verifier.do_check import Walker

    funcs = main.globals
    if env.exception_callback:  # "exception callback is presumed to be always called"
        funcs.called.add(env.exception_callback)
    previous = main
    while True:
        new = 0
        for subprog in range(1, len(env.subprogs)):
            if not funcs.is_global(subprog) or subprog not in funcs.called or subprog in funcs.verified:
                continue
            name = funcs.name(subprog)
            if env.log.level:
                env.log.line(f"Validating {name}() func#{subprog}...")
            try:
                funcs.prepare(subprog)
            except PrototypeError as exc:
                env.fail(exc.errno, exc.message or "")
            if subprog == env.exception_callback:  # do_check_common(): its one argument, the cookie
                args = funcs.args[subprog]
                if len(args) != 1 or args[0].kind is not RegType.SCALAR_VALUE:
                    env.einval("exception cb only supports single integer argument")
            walker = Walker(env, subprog=subprog, previous=previous)
            walker.run()
            if env.log.level:
                env.log.line(f"Func#{subprog} ('{name}') is safe for any args that match its prototype")
            funcs.verified.add(subprog)
            previous = walker
            new += 1
        if not new:
            return
