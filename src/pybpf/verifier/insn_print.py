"""One instruction as the verifier log prints it: the kernel's print_bpf_insn() (kernel/bpf/disasm.c).

An instruction that is no legal encoding (the verifier prints it before refusing its fields) is
printed from its raw fields as disasm.c does: ``(d4) r0 = le17 r0``, ``(e5) if r0 (null) 0x0 goto
pc+0``, ``(85) call unknown#1``, ``BUG_db`` for an unknown atomic operation.

``(61) r2 = *(u32 *)(r1 +0)``, ``(07) r1 += -3``, ``(bc) w5 = w2``, ``(25) if r2 > 0xa goto pc+1``,
``(85) call bpf_map_lookup_elem#1``, ``(85) call pc+2``, ``(18) r1 = 0x5`` ...: the opcode in hex,
then the operation with ``w`` registers for 32-bit ALU/JMP32 operands, ``%+d`` offsets, decimal
immediates for ALU and stores, hex for jump immediates.  An lddw of a map prints its fd's kernel
map id in the kernel (``map[id:N]``), which pybpf's objects do not share; pybpf prints
``map[fd:N]`` there.
"""

from __future__ import annotations

from pybpf.isa import opcodes as op
from pybpf.isa.helper_names import helper_name
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import Kind

_ALU = {
    0x00: "+=", 0x10: "-=", 0x20: "*=", 0x30: "/=", 0x40: "|=", 0x50: "&=", 0x60: "<<=", 0x70: ">>=",
    0x80: "neg", 0x90: "%=", 0xA0: "^=", 0xB0: "=", 0xC0: "s>>=", 0xD0: "endian",
}  # fmt: skip
_JMP = {
    0x10: "==", 0x20: ">", 0x30: ">=", 0x40: "&", 0x50: "!=", 0x60: "s>", 0x70: "s>=", 0xA0: "<",
    0xB0: "<=", 0xC0: "s<", 0xD0: "s<=",
}  # fmt: skip
_SIZE = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}
_ATOMIC_OPS = {0x00: "add", 0x40: "or", 0x50: "and", 0xA0: "xor"}


def _off(v: int) -> str:
    return f"{v:+d}"


def format_insn(insn: Instruction) -> str:
    """print_bpf_insn() for an instruction the verifier accepted the fields of."""
    spec = insn.spec
    code = f"({insn.opcode:02x})"
    if spec is None:
        return _format_raw(insn)
    kind = spec.kind
    d, s = insn.dst, insn.src
    if kind in (Kind.ALU, Kind.NEG, Kind.END, Kind.MOVSX):
        r = "r" if spec.alu64 else "w"
        alu = insn.opcode & 0xF0
        if kind is Kind.END:
            name = "bswap" if spec.alu64 else ("be" if insn.opcode & op.BPF_X else "le")
            return f"{code} r{d} = {name}{insn.imm} r{d}"
        if kind is Kind.NEG:
            return f"{code} {r}{d} = -{r}{d}"
        if kind is Kind.MOVSX:
            return f"{code} {r}{d} = (s{insn.off}){r}{s}"
        text = _ALU[alu]
        if insn.off == 1 and alu in (0x30, 0x90):
            text = "s" + text
        if spec.use_src_reg:
            return f"{code} {r}{d} {text} {r}{s}"
        return f"{code} {r}{d} {text} {insn.imm}"
    size = _SIZE.get(spec.size, "u64")
    if kind is Kind.STX:
        return f"{code} *({size} *)(r{d} {_off(insn.off)}) = r{s}"
    if kind is Kind.ST:
        return f"{code} *({size} *)(r{d} {_off(insn.off)}) = {insn.imm}"
    if kind is Kind.LDX:
        return f"{code} r{d} = *({size} *)(r{s} {_off(insn.off)})"
    if kind is Kind.LDXSX:
        return f"{code} r{d} = *(s{spec.size * 8} *)(r{s} {_off(insn.off)})"
    if kind is Kind.ATOMIC:
        return _atomic(code, insn, spec.size, spec.op, spec.fetch)
    if kind is Kind.LOAD_ACQ:
        return f"{code} r{d} = load_acquire(({size} *)(r{s} {_off(insn.off)}))"
    if kind is Kind.STORE_REL:
        return f"{code} store_release(({size} *)(r{d} {_off(insn.off)}), r{s})"
    if kind is Kind.LD_ABS:
        return f"{code} r0 = *({size} *)skb[{insn.imm}]"
    if kind is Kind.LD_IND:
        return f"{code} r0 = *({size} *)skb[r{s} + {insn.imm}]"
    if kind is Kind.LDDW:
        if s in (op.BPF_PSEUDO_MAP_FD, op.BPF_PSEUDO_MAP_IDX):
            return f"{code} r{d} = map[fd:{insn.imm}]"
        if s in (op.BPF_PSEUDO_MAP_VALUE, op.BPF_PSEUDO_MAP_IDX_VALUE):
            return f"{code} r{d} = map[fd:{insn.imm}][0]+{insn.imm_hi & 0xFFFFFFFF}"
        value = (insn.imm & 0xFFFFFFFF) | (insn.imm_hi & 0xFFFFFFFF) << 32
        return f"{code} r{d} = {value:#x}"
    if kind is Kind.CALL:
        name = helper_name(insn.imm) or "unknown"
        return f"{code} call {name}#{insn.imm}"
    if kind is Kind.CALL_LOCAL:
        return f"{code} call pc{_off(insn.imm)}"
    if kind is Kind.CALL_KFUNC:  # disasm_kfunc_name(): the FUNC's name in the kernel's BTF
        from pybpf.verifier.kfuncs import kfunc_name

        kfunc = kfunc_name(insn.imm)
        return f"{code} call {'kernel-function' if kfunc is None else kfunc}#{insn.imm}"
    if kind is Kind.JA:
        return f"{code} goto pc{_off(insn.off)}"
    if kind is Kind.GOTOL:
        return f"{code} gotol pc{_off(insn.imm)}"
    if kind is Kind.MAY_GOTO:
        return f"{code} may_goto pc{_off(insn.off)}"
    if kind is Kind.EXIT:
        return f"{code} exit"
    r = "r" if spec.alu64 else "w"
    cond = _JMP[insn.opcode & 0xF0]
    if spec.use_src_reg:
        return f"{code} if {r}{d} {cond} {r}{s} goto pc{_off(insn.off)}"
    return f"{code} if {r}{d} {cond} {insn.imm & 0xFFFFFFFF:#x} goto pc{_off(insn.off)}"


def _atomic(code: str, insn: Instruction, size: int, name: str, fetch: bool) -> str:
    width = "64" if size == 8 else ""
    place = f"(({_SIZE[size]} *)(r{insn.dst} {_off(insn.off)})"
    if name == "cmpxchg":
        return f"{code} r0 = atomic{width}_cmpxchg({place[1:]}, r0, r{insn.src})"
    if name == "xchg":
        return f"{code} r{insn.src} = atomic{width}_xchg({place[1:]}, r{insn.src})"
    alu = insn.imm & 0xF0
    if fetch:
        return (
            f"{code} r{insn.src} = atomic{width}_fetch_{_ATOMIC_OPS.get(alu, name)}({place[1:]}, r{insn.src})"
        )
    symbol = _ALU.get(alu, "?")
    return f"{code} lock *({_SIZE[size]} *)(r{insn.dst} {_off(insn.off)}) {symbol} r{insn.src}"


_RAW_SIZE = {0x00: "u32", 0x08: "u16", 0x10: "u8", 0x18: "u64"}
_RAW_ATOMIC_FETCH = {0x00: "add", 0x40: "or", 0x50: "and", 0xA0: "xor"}


def _format_raw(insn: Instruction) -> str:
    """print_bpf_insn() from the raw fields, for encodings no OpSpec describes."""
    c, d, s, o, imm = insn.opcode, insn.dst, insn.src, insn.off, insn.imm
    code = f"({c:02x})"
    cls, opc, size = c & 0x07, c & 0xF0, _RAW_SIZE[c & 0x18]
    mode, use_src = c & 0xE0, bool(c & op.BPF_X)
    if cls in (op.BPF_ALU, op.BPF_ALU64):
        r = "w" if cls == op.BPF_ALU else "r"
        if opc == 0xD0:
            name = f"bswap{imm}" if cls == op.BPF_ALU64 else ("be" if use_src else "le") + str(imm)
            return f"{code} r{d} = {name} r{d}"
        if c == op.BPF_ALU64 | 0xB0 | op.BPF_X and o == 1:
            return f"{code} r{d} = addr_space_cast(r{s}, {(imm & 0xFFFFFFFF) >> 16}, {imm & 0xFFFF})"
        if opc == 0x80:
            return f"{code} {r}{d} = -{r}{d}"
        text = _ALU.get(opc, "(null)")
        if opc in (0x30, 0x90) and o == 1:
            text = "s" + text
        if use_src:
            movsx = f"(s{o})" if opc == 0xB0 and o in (8, 16, 32) else ""
            return f"{code} {r}{d} {text} {movsx}{r}{s}"
        return f"{code} {r}{d} {text} {imm}"
    if cls == op.BPF_STX:
        if mode == 0x60:
            return f"{code} *({size} *)(r{d} {_off(o)}) = r{s}"
        if mode == 0xC0:
            width = "64" if c & 0x18 == 0x18 else ""
            place = f"({size} *)(r{d} {_off(o)})"
            if imm in _RAW_ATOMIC_FETCH:
                return f"{code} lock *{place} {_ALU[imm]} r{s}"
            if imm & ~0x01 in _RAW_ATOMIC_FETCH and imm & 0x01:
                return f"{code} r{s} = atomic{width}_fetch_{_RAW_ATOMIC_FETCH[imm & ~0x01]}({place}, r{s})"
            if imm == 0xF1:
                return f"{code} r0 = atomic{width}_cmpxchg({place}, r0, r{s})"
            if imm == 0xE1:
                return f"{code} r{s} = atomic{width}_xchg({place}, r{s})"
        return f"BUG_{c:02x}"
    if cls == op.BPF_ST:
        return f"{code} *({size} *)(r{d} {_off(o)}) = {imm}" if mode == 0x60 else f"BUG_st_{c:02x}"
    if cls == op.BPF_LDX:
        if mode not in (0x60, 0x80):
            return f"BUG_ldx_{c:02x}"
        return f"{code} r{d} = *({'u' if mode == 0x60 else 's'}{size[1:]} *)(r{s} {_off(o)})"
    if cls == op.BPF_LD:
        if mode == 0x20:
            return f"{code} r0 = *({size} *)skb[{imm}]"
        if mode == 0x40:
            return f"{code} r0 = *({size} *)skb[r{s} + {imm}]"
        if mode == 0x00 and c & 0x18 == 0x18:
            return f"{code} r{d} = {insn.imm64:#x}"
        return f"BUG_ld_{c:02x}"
    r = "w" if cls == op.BPF_JMP32 else "r"
    if opc == 0x80:
        if s == op.BPF_PSEUDO_CALL:
            return f"{code} call pc{_off(imm)}"
        callee = (
            "kernel-function" if s == op.BPF_PSEUDO_KFUNC_CALL else (helper_name(imm) if s == 0 else None)
        )
        return f"{code} call {callee or 'unknown'}#{imm}"
    if c == op.BPF_JMP | 0x00:
        return f"{code} goto pc{_off(o)}"
    if c == op.BPF_JMP | 0xE0 and s == 0:  # BPF_JCOND with BPF_MAY_GOTO (src 0)
        return f"{code} may_goto pc{_off(o)}"
    if c == op.BPF_JMP32 | 0x00:
        return f"{code} gotol pc{_off(imm)}"
    if c == op.BPF_JMP | 0x90:
        return f"{code} exit"
    cond = _JMP.get(opc, "(null)")
    if use_src:
        return f"{code} if {r}{d} {cond} {r}{s} goto pc{_off(o)}"
    return f"{code} if {r}{d} {cond} {imm & 0xFFFFFFFF:#x} goto pc{_off(o)}"
