"""VerifierError: a program the verifier refuses, with the kernel's errno and the log so far.

Mirrors what BPF_PROG_LOAD reports when bpf_check() fails: a negative errno returned to user space
and the verifier log buffer holding every line written up to (and including) the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pybpf.errors import BPFError

if TYPE_CHECKING:
    from pybpf.verifier.log import VerifierLog


class VerifierError(BPFError):
    """The verifier refused a program: ``.errno`` is the kernel's, ``.log`` the verifier log text,
    ``.verifier_log`` the log as the user's buffer receives it (its true size, whether it fits)."""

    def __init__(
        self, err: int, message: str, log: str = "", verifier_log: VerifierLog | None = None
    ) -> None:
        self.reason = message
        self.log = log
        self.verifier_log = verifier_log
        super().__init__(err, message)
