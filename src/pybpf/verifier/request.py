"""The verifier's request/result contract: what BPF_PROG_LOAD hands to the verifier and gets back.

Mirrors the inputs of the kernel's bpf_check() (the program, its type's bpf_verifier_ops, the
license, the log level, the map fds and fd_array it may reference, prog_flags) and its outputs (the
xlated instructions, the used_maps array and the subprogram layout).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pybpf.btf.types import BTF
from pybpf.isa.instruction import Instruction
from pybpf.objects.credentials import ROOT, Credentials
from pybpf.verifier.log import SourceLine, VerifierLog


class ProgTypeInfo(Protocol):
    """A program type's verifier ops (implemented by pybpf.progtypes)."""

    prog_type: int
    name: str
    converts_ctx: bool  # verifier_ops has convert_ctx_access (helpers may not take the ctx as memory)

    def func_allowed(self, helper_id: int) -> bool: ...  # kernel get_func_proto != NULL

    def is_valid_access(self, off: int, size: int, write: bool) -> bool: ...  # ctx field access allowed

    def convert_ctx_access(self, insn: Instruction) -> list[Instruction]: ...  # rewrite of one ctx load/store


class MapRef(Protocol):
    """A map a program references (implemented on pybpf.maps.object.MapObject)."""

    address: int  # value a `lddw map_fd` resolves to
    map_type: int

    # BPF_PSEUDO_MAP_VALUE; raises BPFError like the kernel
    def direct_value_address(self, off: int) -> int: ...


@dataclass(frozen=True)
class ExtTarget:
    """The program an freplace (BPF_PROG_TYPE_EXT) program is loaded against: the kernel's
    ``prog->aux->dst_prog`` as check_attach_btf_id() reads it."""

    prog_type: int
    expected_attach_type: int
    btf: Callable[[], BTF] | None
    """Its BTF (``aux->btf``), decoded on demand; None when it was loaded without."""
    func_ids: tuple[int, ...] = ()
    """The FUNC type id of each subprogram's func_info record (``aux->func_info``)."""
    unreliable: frozenset[int] = frozenset()
    """Subprograms whose BTF the verifier found unreliable (``func_info_aux[].unreliable``)."""
    changes_pkt_data: tuple[bool, ...] = ()
    """Per subprogram: it (or a static function it calls) may move the packet."""
    might_sleep: tuple[bool, ...] = ()
    """Per subprogram: it (or a function it calls) may sleep."""
    attach_btf_id: int = 0
    """Its own target (a tracing or LSM program's vmlinux id), which its type is bound to."""


@dataclass
class LoadRequest:
    insns: list[Instruction]
    prog_type: ProgTypeInfo
    gpl_compatible: bool
    log_level: int
    resolve_map_fd: Callable[[int], MapRef]  # raises BPFError (EBADF for a closed fd, EINVAL not a map)
    fd_array: Callable[[int], MapRef] | None  # for BPF_PSEUDO_MAP_IDX / MAP_IDX_VALUE (None: no fd_array)
    is_gpl_only: Callable[[int], bool | None]  # helper id -> gpl_only; None for an unknown helper id
    prog_flags: int = 0
    expected_attach_type: int = 0  # BPF_PROG_LOAD's expected_attach_type (some return ranges depend on it)
    attach_btf_id: int = 0  # the target of a tracing or LSM program, a vmlinux type id (verifier.attach)
    func_info: bytes | None = None  # the raw bpf_func_info records (None: the load has no func_info)
    func_info_rec_size: int = 0
    btf_is_func: Callable[[int], bool] | None = None  # type id -> is a BTF FUNC in prog_btf_fd
    btf_types: Callable[[], BTF] | None = None  # the types of prog_btf_fd (prog->aux->btf), decoded on demand
    line_info: Sequence[SourceLine] = ()  # the bpf_line_info records, strings resolved (the log's C lines)
    line_info_cnt: int = 0  # BPF_PROG_LOAD's line_info_cnt (check_btf_line())
    line_info_rec_size: int = 0
    line_info_raw: bytes | None = None
    """The raw bpf_line_info records (``line_info_cnt`` of ``line_info_rec_size`` bytes; None where the
    count or the record size is refused before anything is read)."""
    btf_strings_size: int = 0  # the size of prog_btf_fd's string section (btf_name_by_offset())
    extension: ExtTarget | None = None
    """An freplace program's target (``attach_prog_fd``); ``prog_type`` is then the target's type."""
    log_size: int | None = None
    """The user's log buffer size (``log_size``; 0: no buffer): the log keeps only what it will hold
    (None: the whole log is kept)."""
    credentials: Credentials = ROOT
    """The loader's credentials, read once as bpf_check() sets ``env->bpf_capable``,
    ``allow_ptr_leaks``, ``allow_uninit_stack``, ``bypass_spec_v1`` and ``bypass_spec_v4``."""


@dataclass
class InsnFacts:
    """What value tracking proved about one instruction on every path reaching it (the kernel's
    ``struct bpf_insn_aux_data``): for the fixups, the interpreter and the JIT."""

    ptr_types: set[str] = field(default_factory=set)  # memory access: the base pointer's type(s)
    ptr_type: tuple[int, int] | None = None
    """Memory access: the base pointer's (type, flags) on the first path (``insn_aux_data.ptr_type``,
    which every other path's must match where the kernel requires it)."""
    in_bounds: bool | None = None
    """Memory access: True when on every path reaching it the access was proven inside memory that is
    really there at run time (the stack frames, a map value or key, a packet up to its proven range,
    the context, a ring buffer record), so the JIT needs no run-time check; None: not a memory access."""
    probe: bool = False
    """Memory read: on some path through an untrusted kernel pointer (``PTR_TO_BTF_ID`` or untrusted
    memory), which the fixups turn into a probe load (convert_ctx_accesses(): ``BPF_PROBE_MEM``)."""
    arena: bool = False
    """Memory access: through an arena pointer (``PTR_TO_ARENA``), which convert_ctx_accesses() makes a
    ``BPF_PROBE_MEM32`` access: the arena's page at the pointer's low 32 bits, a fault reading 0 and
    dropping a store."""
    needs_zext: bool = False
    """ALU64 operation on an arena pointer, which do_misc_fixups() turns into its 32-bit form
    (``insn_aux_data.needs_zext``)."""
    map: MapRef | None = None  # helper call: the map passed as CONST_PTR_TO_MAP (None if several)
    map_ambiguous: bool = False  # helper call: different maps on different paths
    map_unpriv: bool = False
    """Helper call: some map passed here lacks ``bypass_spec_v1`` (``map_ptr_state.unpriv``): a tail
    call through it gets its index masked (``pybpf.verifier.fixups_spectre``)."""
    obj_new_size: int | None = None
    """bpf_obj_new_impl call: the size of the object's struct (``insn_aux->obj_new_size``, what
    fixup_kfunc_call() passes in r1)."""
    insert_off: int | None = None
    """bpf_list_push_{front,back}_impl, bpf_rbtree_add_impl call: the node's offset in its object
    (``insn_aux->insert_off``, what fixup_kfunc_call() passes in r4 / r5)."""
    struct_meta: int | None = None
    """bpf_obj_new_impl, bpf_obj_drop_impl, bpf_refcount_acquire_impl call, a push or add: the struct
    meta fixup_kfunc_call() passes (``insn_aux->kptr_struct_meta``; pybpf's: where the struct's
    bpf_refcount is, ``pybpf.kfuncs.alloc_obj.struct_meta``)."""
    percpu_alloc_call: bool = False
    """bpf_per_cpu_ptr / bpf_this_cpu_ptr call of a per-CPU object (``call_with_percpu_alloc_ptr``:
    the fixups load the object's per-CPU pointer into r1 first)."""
    loop_inline: tuple[bool, int] | None = None
    """bpf_loop call: whether every path so far passed flags 0 and the same callback (its subprogram)
    -- the kernel's ``loop_inline_state`` (None: not reached yet)."""
    alu_state: int = 0
    alu_limit: int = 0
    """Pointer arithmetic a loader without Spectre v1 bypass had sanitized (``insn_aux->alu_state`` /
    ``alu_limit``, ``pybpf.verifier.sanitize``): which operand is the offset, its sign, whether it is
    a constant, and the limit do_misc_fixups() masks it to; ``BPF_ALU_NON_POINTER`` for scalar
    arithmetic at the same instruction; 0: none."""
    nospec: bool = False
    """A speculative path failed here: a speculation barrier goes before the instruction
    (``insn_aux->nospec``), which ends every later speculative path reaching it."""
    nospec_result: bool = False
    """A stack write a speculative store bypass could skip (Spectre v4: ``insn_aux->nospec_result``):
    a barrier goes after it; a speculative path ends there."""


@dataclass
class VerifiedProgram:
    insns: list[Instruction]  # xlated: lddw imm/imm_hi filled with resolved addresses, ctx accesses rewritten
    resolved: dict[int, int]  # slot index of each pseudo lddw -> the 64-bit value it loads
    maps: list[MapRef]  # used maps, deduplicated, in first-use order (kernel's used_maps)
    subprogs: list[int]  # start slot of each subprogram, 0 first
    log: str
    max_ctx_offset: int = 0  # prog->aux->max_ctx_offset: largest end of a context access
    max_tp_access: int = 0  # prog->aux->max_tp_access: largest end of a tracepoint buffer access
    max_rdonly_access: int = 0  # prog->aux->max_rdonly_access: largest end of a read-only buffer access
    max_rdwr_access: int = 0  # prog->aux->max_rdwr_access: largest end of a writable buffer access
    facts: dict[int, InsnFacts] = field(default_factory=dict)  # per instruction index (before fixups)
    verified_insns: int = 0  # processed instructions (bpf_prog_info.verified_insns)
    slot_map: list[int] | None = None  # loaded slot -> xlated slot (None: the fixups moved none)
    proven_accesses: frozenset[int] = frozenset()
    """The xlated slots of the memory accesses proven in bounds on every path (``InsnFacts.in_bounds``
    moved through the fixups): what the JIT compiles without a run-time check."""
    probe_loads: frozenset[int] = frozenset()
    """The xlated slots of the probe loads (``InsnFacts.probe`` moved through the fixups; the kernel's
    ``BPF_PROBE_MEM``/``BPF_PROBE_MEMSX`` modes): reading an address no region holds gives 0."""
    arena_accesses: frozenset[int] = frozenset()
    """The xlated slots of the accesses through arena pointers (``InsnFacts.arena``, the kernel's
    ``BPF_PROBE_MEM32`` modes): the engines reach the arena's pages at the pointer's low 32 bits."""
    stack_depths: list[int] = field(default_factory=list)
    """The stack depth do_check found for each subprogram of ``subprogs`` (bytes below its frame
    pointer it may reach, rounded up to 8; the kernel's ``bpf_subprog_info.stack_depth``)."""
    verifier_log: VerifierLog | None = None
    """The log as the user's buffer receives it (``log`` is its text): its true size, whether it fits."""
    unreliable: frozenset[int] = frozenset()
    """Subprograms whose BTF prototype the verifier found unreliable (``func_info_aux[].unreliable``)."""
    changes_pkt_data: tuple[bool, ...] = ()
    """Per subprogram: it may move the packet (``subprog_info[].changes_pkt_data``)."""
    might_sleep: tuple[bool, ...] = ()
    """Per subprogram: it may sleep (``subprog_info[].might_sleep``)."""
    removed_subprogs: tuple[int, ...] = ()
    """The loaded program's subprograms (by number) that were dead code and removed, with their
    func_info records (adjust_subprog_starts_after_remove())."""
    exception_callback: int = 0
    """The first slot of the program's own exception callback (``exception_callback:`` decl tag),
    which a bpf_throw() runs with the cookie once every frame unwound; 0: none (the default one
    returns the cookie)."""
