"""What the verification running in this thread started with: the part of the kernel's ``struct
bpf_verifier_env`` (include/linux/bpf_verifier.h) that pybpf's register code reads without an env
at hand -- ``env->bpf_capable`` for ``__mark_reg_unknown()``'s ``reg->precise = !env->bpf_capable``
(kernel/bpf/verifier.c).

Each thread has its own copy (a ``threading.local``), so a verification in one thread never sees
another's.  This module is deliberately not among the mypyc-compiled ones (``pybpf.native.MODULES``):
a compiled subclass of ``threading.local`` would lose its per-thread attributes.
"""

from __future__ import annotations

import threading


class LoadFlags(threading.local):
    """This thread's verification's flags (class attributes: the defaults of a new thread)."""

    unknown_precise = False
    """``!env->bpf_capable``: the precision a new scalar starts with."""


LOAD = LoadFlags()
"""The flags of the verification running in the calling thread."""
