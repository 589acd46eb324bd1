"""do_check()'s per-instruction checks, one module per family of the kernel's do_check_insn():
``alu`` (check_alu_op, pointer and scalar arithmetic), ``mem`` (check_mem_access and the stack, map
value, context and packet accesses, loads, stores, atomics), ``jmp`` (check_cond_jmp_op with branch
refinement and null checks), ``call`` (check_helper_call with the helper prototypes) and ``ld``
(check_ld_imm, check_ld_abs)."""

from pybpf import native

native.install(__name__, __path__)
