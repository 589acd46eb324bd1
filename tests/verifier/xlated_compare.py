"""The xlated program of pybpf against the kernel's: fetch both, normalise, align, classify.

BPF_OBJ_GET_INFO_BY_FD's ``xlated_prog_insns`` is the program bpf_check() leaves after its rewrites
(kernel/bpf/verifier.c, Linux 6.18: dead code and nops removed or sanitized, the context accesses
converted, do_misc_fixups()' inlined helpers, map lookups and index masks, jit_subprogs()' call
fields), as bpf_insn_prepare_dump() (kernel/bpf/syscall.c) shows it.  Both sides load the same
corpus program (``tests.verifier.verifier_corpus``) and are compared instruction by instruction,
normalising only what is legitimately different:

* a map ``lddw`` names the map by id (``map[id:N]``): compared by the map's place in the program's
  ``map_ids`` (the used maps, in the order the program first names them, on both sides);
* a helper call's ``imm`` is, on the kernel, the helper function's address less ``__bpf_call_base``
  (a kfunc's too): it is turned into the kernel symbol at that address (``/proc/kallsyms``) and
  compared with the helper pybpf's ``imm`` names (``bpf_<name>``, or for the map helpers the map
  type's own function the kernel calls directly: ``array_map_lookup_elem`` for ``bpf_map_lookup_elem``
  and so on) and with the kfunc a ``BPF_PSEUDO_KFUNC_CALL`` names by BTF id;
* a bpf-to-bpf call: the kernel's jit_subprogs() leaves the offset in ``off`` and the callee's
  subprogram index in ``imm``, pybpf the offset in ``imm``: compared by target;
* an ``lddw`` of a kernel address (``&jiffies``, a ksym, a callback's code, a per-CPU variable): by
  the kernel symbol there where one starts, else as "a kernel address"; pybpf's stand-ins
  (``JIFFIES_ADDRESS``) are named alike;
* a jump's offset: by target, the two programs' instructions aligned.

The two normalised programs are aligned (difflib) and each difference gets a class: what the
kernel does that pybpf does not (or the reverse), named after the kernel function that does it
where the pattern says so (``CLASSES``).
"""

from __future__ import annotations

import bisect
import difflib
import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pybpf import Program as Prog
from pybpf.elf import PinType, read_object
from pybpf.elf.loader import LoadOptions, load_spec
from pybpf.errors import BPFError
from pybpf.helpers.basic import JIFFIES_ADDRESS
from pybpf.isa import opcodes as op
from pybpf.isa.helper_names import helper_name
from pybpf.isa.instruction import Instruction
from pybpf.kernel.backend import Backend
from pybpf.object import target_btf
from tests.verifier import verifier_corpus as vc

CALL = op.BPF_JMP | op.BPF_CALL
LDDW = op.LDDW_OPCODE
KERNEL_SPACE = 0xFFFF_8000_0000_0000
TAIL_CALL = 12
_MAP_SOURCES = (op.BPF_PSEUDO_MAP_FD, op.BPF_PSEUDO_MAP_VALUE)
_JUMPS = frozenset({op.Kind.JA, op.Kind.GOTOL, op.Kind.JCOND, op.Kind.MAY_GOTO})

CLASSES: dict[str, str] = {
    "dead code": "pybpf keeps instructions the kernel removed (opt_remove_dead_code, opt_remove_nops)",
    "hard-wired branch": "a conditional jump the kernel made a goto (opt_hard_wire_dead_code_branches)",
    "inlined map lookup": "the kernel inlines bpf_map_lookup_elem (map_gen_lookup)",
    "inlined smp_processor_id": "the kernel inlines bpf_get_smp_processor_id (a per-CPU load)",
    "context layout": "a memory access at another offset: a context struct's field (pybpf's layout)",
    "context rewrite": "convert_ctx_access() gives other instructions for a context field",
    "call target": "a call names another function",
    "inlined call": "the kernel replaced a helper or kfunc call by instructions (bpf_kptr_xchg, "
    "bpf_cast_to_kern_ctx, bpf_rdonly_cast, ...)",
    "may_goto counter": "do_misc_fixups()' may_goto: a loop counter on the stack through AX",
    "default exception callback": "add_hidden_subprog(): the kernel's own exception callback appended",
    "kernel address": "an lddw of a kernel address differs",
    "jump target": "a jump lands elsewhere",
    "division guard": "do_misc_fixups() guards a division or modulo by a register (0, -1) through AX",
    "other": "any other difference",
}
"""The difference classes, with what each means."""


@functools.cache
def kallsyms() -> tuple[list[int], list[str], int]:
    """(sorted addresses, their symbols, ``__bpf_call_base``) of the running kernel (root reads
    the real addresses; empty without them)."""
    pairs: dict[int, str] = {}
    path = Path("/proc/kallsyms")
    try:
        text = path.read_text()
    except OSError:
        return [], [], 0
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        address = int(parts[0], 16)
        if address and address not in pairs:
            pairs[address] = parts[2]
    addresses = sorted(pairs)
    base = next((a for a, n in pairs.items() if n == "__bpf_call_base"), 0)
    return addresses, [pairs[a] for a in addresses], base


def kernel_symbol(address: int) -> str | None:
    """The symbol starting at ``address`` in the running kernel (None: none starts there)."""
    addresses, names, _ = kallsyms()
    i = bisect.bisect_left(addresses, address)
    return names[i] if i < len(addresses) and addresses[i] == address else None


def kfunc_name(btf_id: int) -> str:
    from pybpf.kfuncs.kernel_btf import kernel_btf

    return kernel_btf().func_name(btf_id) or f"kfunc#{btf_id}"


_MAP_OPS = {
    "map_lookup_elem": "map_lookup_elem",
    "map_update_elem": "map_update_elem",
    "map_delete_elem": "map_delete_elem",
    "map_push_elem": "map_push_elem",
    "map_pop_elem": "map_pop_elem",
    "map_peek_elem": "map_peek_elem",
    "redirect_map": "map_redirect",
    "map_lookup_percpu_elem": "map_lookup_percpu_elem",
}
"""do_misc_fixups() calls a map type's ops for these helpers (``map->ops->map_*``): the kernel's
symbol ends so."""


@dataclass(frozen=True)
class Norm:
    """One normalised instruction: what must be equal on both sides, and its jump target (an
    instruction index of its own program, None: no jump)."""

    key: tuple[object, ...]
    target: int | None = None
    text: str = ""


def _call_key(insn: Instruction, *, kernel: bool) -> tuple[object, ...]:
    """A helper or kfunc call by the function it calls."""
    if kernel:
        if insn.src == 0 and insn.imm == TAIL_CALL:  # bpf_insn_prepare_dump(): BPF_TAIL_CALL
            return ("call", "bpf_tail_call")
        _, _, base = kallsyms()
        name = kernel_symbol(base + insn.imm) if base else None
        if name is None:
            return ("call", "?")
        return ("call", name)
    if insn.src == op.BPF_PSEUDO_KFUNC_CALL:
        return ("call", kfunc_name(insn.imm))
    return ("call", helper_name(insn.imm) or f"helper#{insn.imm}")


KERNEL_ALIASES: dict[str, frozenset[str]] = {
    "bpf_get_prandom_u32": frozenset({"bpf_user_rnd_u32"}),
    "bpf_get_cgroup_classid": frozenset({"bpf_get_cgroup_classid_curr"}),
    "bpf_check_mtu": frozenset({"bpf_xdp_check_mtu", "bpf_skb_check_mtu"}),
    "bpf_get_func_ip": frozenset(
        {
            "bpf_get_func_ip_kprobe",
            "bpf_get_func_ip_kprobe_multi",
            "bpf_get_func_ip_uprobe_multi",
            "bpf_get_func_ip_tracing",
        }
    ),
    "bpf_sk_lookup_tcp": frozenset(
        {"bpf_tc_sk_lookup_tcp", "bpf_xdp_sk_lookup_tcp", "bpf_sock_addr_sk_lookup_tcp"}
    ),
    "bpf_sk_lookup_udp": frozenset(
        {"bpf_tc_sk_lookup_udp", "bpf_xdp_sk_lookup_udp", "bpf_sock_addr_sk_lookup_udp"}
    ),
    "bpf_skc_lookup_tcp": frozenset(
        {"bpf_tc_skc_lookup_tcp", "bpf_xdp_skc_lookup_tcp", "bpf_sock_addr_skc_lookup_tcp"}
    ),
    "bpf_perf_event_output": frozenset(
        {
            "bpf_xdp_event_output",
            "bpf_skb_event_output",
            "bpf_perf_event_output_tp",
            "bpf_perf_event_output_raw_tp",
        }
    ),
    "bpf_get_stackid": frozenset({"bpf_get_stackid_tp", "bpf_get_stackid_raw_tp", "bpf_get_stackid_pe"}),
    "bpf_get_stack": frozenset({"bpf_get_stack_tp", "bpf_get_stack_raw_tp", "bpf_get_stack_pe"}),
}
"""Helpers whose prototype's function has another name in the kernel (kernel/bpf/helpers.c,
net/core/filter.c, ...): the kernel's xlated call names that function."""


def same_call(pybpf: tuple[object, ...], kernel: tuple[object, ...]) -> bool:
    """Whether pybpf's call (by helper or kfunc name) is the kernel's (by symbol)."""
    mine, theirs = str(pybpf[1]), str(kernel[1])
    if mine == theirs or theirs in KERNEL_ALIASES.get(mine, ()):
        return True
    if mine.startswith("bpf_"):
        suffix = _MAP_OPS.get(mine[4:])
        if suffix is not None and theirs.endswith(suffix):
            return True
        if mine == "bpf_for_each_map_elem" and theirs.startswith("bpf_for_each_"):
            return True
    return False


def normalise(insns: Sequence[Instruction], map_ids: Sequence[int], *, kernel: bool) -> list[Norm]:
    """``insns`` as comparable keys (see the module docstring)."""
    starts: list[int] = []
    slot = 0
    for insn in insns:
        starts.append(slot)
        slot += insn.slots
    index_of = {s: i for i, s in enumerate(starts)}
    out: list[Norm] = []
    for i, insn in enumerate(insns):
        spec = insn.spec
        after = starts[i] + insn.slots
        text = f"{insn.opcode:#04x} dst={insn.dst} src={insn.src} off={insn.off} imm={insn.imm}"
        if insn.opcode == CALL and insn.src == op.BPF_PSEUDO_CALL:
            rel = insn.off if kernel else insn.imm
            out.append(Norm(("bpf call",), index_of.get(after + rel, -1), text))
        elif insn.opcode == CALL:
            key = _call_key(insn, kernel=kernel)
            out.append(Norm(key, None, f"call {key[1]}"))
        elif insn.opcode == LDDW:
            out.append(Norm(_lddw_key(insn, map_ids, kernel=kernel), None, text))
        elif spec is not None and spec.kind in _JUMPS:
            gotol = spec.kind is op.Kind.GOTOL
            rel = insn.imm if gotol else insn.off
            key = (insn.opcode, insn.dst, insn.src, 0 if gotol else insn.imm)
            out.append(Norm(key, index_of.get(after + rel, -1), text))
        else:
            out.append(Norm((insn.opcode, insn.dst, insn.src, insn.off, insn.imm), None, text))
    return out


def _lddw_key(insn: Instruction, map_ids: Sequence[int], *, kernel: bool) -> tuple[object, ...]:
    if insn.src in _MAP_SOURCES:
        place = map_ids.index(insn.imm) if insn.imm in map_ids else -1
        return ("lddw map", insn.dst, insn.src, place, insn.imm_hi if insn.src != op.BPF_PSEUDO_MAP_FD else 0)
    if insn.src == op.BPF_PSEUDO_FUNC:
        return ("lddw func", insn.dst)
    value = insn.imm64
    if kernel and value >= KERNEL_SPACE:
        return ("lddw kernel", insn.dst, kernel_symbol(value) or "address")
    if not kernel and value == JIFFIES_ADDRESS:
        return ("lddw kernel", insn.dst, "jiffies_64")
    if kernel and value == 0 and insn.src == op.BPF_PSEUDO_FUNC:
        return ("lddw func", insn.dst)
    return ("lddw", insn.dst, insn.src, value)


@dataclass
class Comparison:
    """The differences between pybpf's xlated program and the kernel's, by class."""

    pybpf_len: int
    kernel_len: int
    classes: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return not self.classes

    def add(self, name: str, example: str) -> None:
        self.classes[name] = self.classes.get(name, 0) + 1
        if len(self.examples) < 6:
            self.examples.append(f"{name}: {example}")


def _equal(a: Norm, b: Norm) -> bool:
    if a.key[0] == "call" and b.key[0] == "call":
        return same_call(a.key, b.key)
    return a.key == b.key


def _block_class(mine: Sequence[Norm], theirs: Sequence[Norm], before: Norm | None) -> str:
    """The class of one differing block (pybpf's instructions ``mine``, the kernel's ``theirs``;
    ``before``: the kernel's instruction before the block)."""
    if before is not None and before.key[0] == "call" and str(before.key[1]).startswith("__"):
        return "inlined map lookup"  # htab_map_gen_lookup(): the element's value after the call
    if not mine and theirs and all(t.key in _HTAB_TAIL or t.key[:3] == _ADD_R0 for t in theirs):
        return "inlined map lookup"  # the same, aligned otherwise
    mine_calls = {str(n.key[1]) for n in mine if n.key[0] == "call"}
    theirs_calls = {str(n.key[1]) for n in theirs if n.key[0] == "call"}
    if "bpf_map_lookup_elem" in mine_calls and not any("lookup" in c for c in theirs_calls):
        return "inlined map lookup"
    if "bpf_get_smp_processor_id" in mine_calls and "bpf_get_smp_processor_id" not in theirs_calls:
        return "inlined smp_processor_id"
    if any(n.key[0] == op.BPF_JMP | op.BPF_JCOND for n in mine) and any(_uses_ax(t) for t in theirs):
        return "may_goto counter"
    if not mine and theirs and any(_uses_ax(t) for t in theirs):
        return "division guard"  # do_misc_fixups(): a division or modulo by a register, through AX
    if not mine and all(t.key[:3] == _ST_DW_FP for t in theirs):
        return "may_goto counter"  # its initial value, stored at the function's start
    if not mine and len(theirs) == 2 and theirs[0].key == _R0_IS_R1 and theirs[1].key == _EXIT:
        return "default exception callback"
    if any(_is_packet_load(n) for n in mine) and any(
        c.startswith("bpf_skb_load_helper") for c in theirs_calls
    ):
        return "LD_ABS/LD_IND rewrite"
    if mine_calls and not theirs_calls and any(n.key[0] == "call" for n in mine):
        return "inlined call"
    if not mine and before is not None and _is_memory(before):
        return "context rewrite"
    if not theirs:
        return "dead code"
    if (
        mine
        and len(mine) == len(theirs)
        and all(m.target is not None and t.target is not None for m, t in zip(mine, theirs, strict=True))
    ):
        ja = (op.BPF_JMP | op.BPF_JA, 0, 0, 0)
        if all(t.key == ja for t in theirs):
            return "hard-wired branch"
    if mine_calls or theirs_calls:
        return "call target"
    if any(n.key[0] == "lddw kernel" for n in [*mine, *theirs]):
        return "kernel address"
    if len(mine) == len(theirs) and all(_off_only(m, t) for m, t in zip(mine, theirs, strict=True)):
        return "context layout"
    if any(_is_memory(n) for n in mine) and any(_is_memory(n) for n in theirs):
        return "context rewrite"
    return "other"


_R0_IS_R1 = (op.BPF_ALU64 | op.BPF_MOV | op.BPF_X, 0, 1, 0, 0)
_EXIT = (op.BPF_JMP | op.BPF_EXIT, 0, 0, 0, 0)
_ST_DW_FP = (op.BPF_ST | op.BPF_MEM | op.BPF_DW, op.BPF_REG_FP, 0)


def _uses_ax(n: Norm) -> bool:
    """An instruction on the hidden register AX (r11), which only the kernel's rewrites use."""
    return isinstance(n.key[0], int) and op.BPF_REG_AX in (n.key[1], n.key[2])


_HTAB_TAIL = frozenset({(op.BPF_JMP | op.BPF_JEQ | op.BPF_K, 0, 0, 0)})
_ADD_R0 = (op.BPF_ALU64 | op.BPF_ADD | op.BPF_K, 0, 0)
_MEMORY_CLASSES = frozenset({op.BPF_LDX, op.BPF_ST, op.BPF_STX})


def _is_packet_load(n: Norm) -> bool:
    """A legacy packet load: ``BPF_LD | BPF_ABS`` or ``BPF_LD | BPF_IND``."""
    return (
        isinstance(n.key[0], int)
        and n.key[0] & 0x07 == op.BPF_LD
        and n.key[0] & 0xE0 in (op.BPF_ABS, op.BPF_IND)
    )


def _is_memory(n: Norm) -> bool:
    return isinstance(n.key[0], int) and n.key[0] & 0x07 in _MEMORY_CLASSES


def _off_only(m: Norm, t: Norm) -> bool:
    """The same memory access but for its offset: a field of a context struct whose layout is
    pybpf's own (pybpf's ``struct sk_buff`` ... is not the kernel's)."""
    return _is_memory(m) and m.key[:3] == t.key[:3] and m.key[4:] == t.key[4:]


def compare(
    pybpf: Sequence[Instruction],
    pybpf_maps: Sequence[int],
    kernel: Sequence[Instruction],
    kernel_maps: Sequence[int],
) -> Comparison:
    """Compare pybpf's xlated program with the kernel's."""
    mine = normalise(pybpf, pybpf_maps, kernel=False)
    theirs = normalise(kernel, kernel_maps, kernel=True)
    result = Comparison(len(mine), len(theirs))
    # align on keys, calls by the function they reach
    a = [_align_key(n) for n in mine]
    b = [_align_key(n) for n in theirs]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    packet_loads_rewritten = any(_is_packet_load(n) for n in mine) and any(
        n.key[0] == "call" and str(n.key[1]).startswith("bpf_skb_load_helper") for n in theirs
    )
    pairs: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                pairs[i1 + k] = j1 + k
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                m, t = mine[i1 + k], theirs[j1 + k]
                if _equal(m, t):
                    pairs[i1 + k] = j1 + k
            if all((i1 + k) in pairs for k in range(i2 - i1)):
                continue
        block = _block_class(mine[i1:i2], theirs[j1:j2], theirs[j1 - 1] if j1 else None)
        if block == "other" and packet_loads_rewritten:
            block = "LD_ABS/LD_IND rewrite"  # bpf_gen_ld_abs()'s way out: r0 = 0; exit
        result.add(
            block,
            f"pybpf {i1}..{i2} [{'; '.join(n.text for n in mine[i1:i2][:4])}] "
            f"kernel {j1}..{j2} [{'; '.join(n.text for n in theirs[j1:j2][:4])}]",
        )
    paired_mine = sorted(pairs)
    paired_theirs = sorted(pairs.values())
    for i, j in pairs.items():
        m, t = mine[i], theirs[j]
        if m.target is None or t.target is None:
            continue
        if (
            m.target < 0
            or t.target < 0
            or _next_paired(paired_mine, m.target, pairs) != _next_paired(paired_theirs, t.target, None)
        ):
            result.add("jump target", f"pybpf {i} -> {m.target}, kernel {j} -> {t.target}")
    return result


def _next_paired(paired: list[int], target: int, pairs: dict[int, int] | None) -> int:
    """The first instruction at or after ``target`` that has a partner on the other side (an
    instruction of a differing block lands on the next that agrees), as the kernel's index."""
    k = bisect.bisect_left(paired, target)
    if k == len(paired):
        return -2
    return pairs[paired[k]] if pairs is not None else paired[k]


def _align_key(n: Norm) -> tuple[object, ...]:
    if n.key[0] == "call":
        name = str(n.key[1])
        for helper, aliases in KERNEL_ALIASES.items():
            if name in aliases:
                return ("call", helper)
        for helper, suffix in _MAP_OPS.items():
            if name == "bpf_" + helper or name.endswith(suffix):
                return ("call", helper)
        if name.startswith("bpf_for_each_"):
            return ("call", "for_each_map_elem")
        return n.key
    return n.key


def candidates(only: str = "", *, with_c: bool = True) -> list[vc.Program]:
    """The corpus programs Linux 6.18 accepts (by their labels), not heavy, without ``caps`` (the
    programs of a theme ``only``, or whose names start so)."""
    labels = vc.read_labels()
    out = []
    for program in vc.corpus(with_c=with_c):
        if only and not program.name.startswith(only) and program.theme != only:
            continue
        recorded = labels.get(program.name)
        if not recorded or not vc.answers(recorded).modelled.accepted or program.heavy or program.caps:
            continue
        out.append(program)
    return out


def fetch(program: vc.Program, backend: Backend) -> tuple[list[Instruction], list[int]] | None:
    """The xlated program and map ids of corpus ``program`` loaded through ``backend`` (None: the
    load failed, or the program is no candidate: a ``caps`` program, loaded by another caller)."""

    if program.caps:
        return None
    if program.obj:
        return _fetch_c(program, backend)
    fd, err, _ = vc.load_fd(program, backend, log_level=0, log_size=0)
    if err or fd < 0:
        return None
    try:
        prog = Prog(fd, backend=backend)
        return prog.xlated(), prog.map_ids()
    except BPFError:
        return None
    finally:
        os.close(fd)


def _fetch_c(program: vc.Program, backend: Backend) -> tuple[list[Instruction], list[int]] | None:

    spec = read_object(str(vc.C_OBJECTS / program.obj))
    for m in spec.maps.values():
        m.pinning = PinType.NONE
    name = program.name.rsplit("/", 1)[1]
    core = (
        None
        if program.obj.startswith(vc.VMLINUX_OBJECTS)
        else str(vc.C_OBJECTS / vc.core_target_of(program.obj))
    )
    options = LoadOptions(programs=frozenset({name}), target_btf=lambda: target_btf(core))
    try:
        loaded = load_spec(spec, backend, options)
    except OSError:
        return None
    try:
        fd = loaded.programs.get(name)
        if fd is None:
            return None
        prog = Prog(fd, backend=backend)
        return prog.xlated(), prog.map_ids()
    except BPFError:
        return None
    finally:
        loaded.close()
