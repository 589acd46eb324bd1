"""VerifierError: a program the verifier refuses, with the kernel's errno and the log so far.

Mirrors what BPF_PROG_LOAD reports when bpf_check() fails: a negative errno returned to user space
and the verifier log buffer holding every line written up to (and including) the reason.
"""

from __future__ import annotations

from pybpf.errors import BPFError


class VerifierError(BPFError):
    """The verifier refused a program: ``.errno`` is the kernel's, ``.log`` the verifier log text."""

    def __init__(self, err: int, message: str, log: str = "") -> None:
        self.reason = message
        self.log = log
        super().__init__(err, message)
