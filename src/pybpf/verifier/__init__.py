"""The BPF verifier: a pipeline of named passes mirroring the kernel's bpf_check().

``verify(LoadRequest(...)) -> VerifiedProgram`` checks a program the way BPF_PROG_LOAD's verifier
does before and around value tracking — subprograms, lddw resolution, control flow, per-instruction
structural rules, helpers, context accesses — with the kernel's errno and log lines, then applies
the fixups (context rewrite, lddw constants).  See ``pipeline`` for the order of the passes.

The verifier's hot modules may be the mypyc-compiled build of this checkout (``pybpf.native`` decides, here,
before any submodule is imported).
"""

from pybpf import native

native.install(__name__, __path__)

from pybpf.verifier.decode import decode_insns
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.log import VerifierLog
from pybpf.verifier.pipeline import PASSES, Pass, verify
from pybpf.verifier.request import LoadRequest, MapRef, ProgTypeInfo, VerifiedProgram
from pybpf.verifier.state import VerifierState

__all__ = [
    "PASSES",
    "LoadRequest",
    "MapRef",
    "Pass",
    "ProgTypeInfo",
    "VerifiedProgram",
    "VerifierError",
    "VerifierLog",
    "VerifierState",
    "decode_insns",
    "verify",
]
