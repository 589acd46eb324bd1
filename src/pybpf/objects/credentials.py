"""The caller's credentials as bpf(2) judges them: effective capabilities and ``unprivileged_bpf_disabled``.

Mirrors how Linux 6.18 asks ``capable()`` about ``current``'s credentials for bpf(2)
(kernel/bpf/syscall.c, token.c, verifier.c, include/linux/capability.h, include/linux/bpf.h):

* ``bpf_token_capable(token, cap)`` without a token: ``capable(cap)``, or ``capable(CAP_SYS_ADMIN)``
  for any ``cap`` other than CAP_SYS_ADMIN itself (:meth:`Credentials.token_capable`);
* ``bpf_capable()`` is CAP_BPF or CAP_SYS_ADMIN; ``perfmon_capable()`` is CAP_PERFMON or
  CAP_SYS_ADMIN;
* the verifier's environment (``bpf_check``): ``bpf_capable`` (bounded loops, bpf-to-bpf calls, the
  1,000,000 instruction budget ...), ``allow_ptr_leaks`` and ``allow_uninit_stack``
  (``perfmon_capable``), and ``bypass_spec_v1`` / ``bypass_spec_v4`` (``perfmon_capable``, or CPU
  mitigations switched off, which pybpf does not model: mitigations are on);
* the sysctl ``kernel.unprivileged_bpf_disabled`` (0, 1 or 2): with a non-zero value a caller without
  CAP_BPF gets EPERM from every bpf() command.

The kernel reads ``current``'s credentials at each call; pybpf reads :func:`current`: the credentials
a :func:`acting_as` block (or a ``UserBackend(credentials=...)``) set for this thread, else those
``$PYBPF_CAPS`` and ``$PYBPF_UNPRIVILEGED_BPF_DISABLED`` name, else :data:`ROOT` -- every capability, so
that by default pybpf loads what root loads on the kernel, whoever runs it.  ``$PYBPF_CAPS`` is
``all``, ``none`` (or empty), ``inherit`` (this process's real effective set, ``/proc/self/status``)
or a comma list of names (``bpf,net_admin,perfmon`` or ``CAP_BPF,...``).
``$PYBPF_UNPRIVILEGED_BPF_DISABLED`` defaults to the running system's sysctl (2, the value of kernels
built with ``BPF_UNPRIV_DEFAULT_OFF``, where it cannot be read).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass

CAP_NET_ADMIN = 12
CAP_NET_RAW = 13
CAP_SYS_ADMIN = 21
CAP_SYS_RESOURCE = 24
CAP_PERFMON = 38
CAP_BPF = 39
CAP_CHECKPOINT_RESTORE = 40
CAP_LAST_CAP = 40
"""include/uapi/linux/capability.h's numbers of the capabilities bpf(2) asks about (and the last one)."""

CAPABILITY_NAMES: dict[str, int] = {
    "net_admin": CAP_NET_ADMIN,
    "net_raw": CAP_NET_RAW,
    "sys_admin": CAP_SYS_ADMIN,
    "sys_resource": CAP_SYS_RESOURCE,
    "perfmon": CAP_PERFMON,
    "bpf": CAP_BPF,
    "checkpoint_restore": CAP_CHECKPOINT_RESTORE,
}

SYSCTL_PATH = "/proc/sys/kernel/unprivileged_bpf_disabled"
UNPRIV_DEFAULT_OFF = 2
"""``unprivileged_bpf_disabled`` of a kernel built with CONFIG_BPF_UNPRIV_DEFAULT_OFF (most distributions)."""


@dataclass(frozen=True)
class Credentials:
    """What ``capable()`` answers for the caller, and the sysctl it is judged under."""

    caps: frozenset[int]
    """The effective capability set (CAP_* numbers)."""
    unprivileged_bpf_disabled: int = UNPRIV_DEFAULT_OFF

    def capable(self, cap: int) -> bool:
        """``capable(cap)``."""
        return cap in self.caps

    def token_capable(self, cap: int) -> bool:
        """``bpf_token_capable(NULL, cap)``: ``cap`` itself, or CAP_SYS_ADMIN standing in for any other."""
        return cap in self.caps or (cap != CAP_SYS_ADMIN and CAP_SYS_ADMIN in self.caps)

    @property
    def bpf_capable(self) -> bool:
        """``bpf_capable()``: CAP_BPF or CAP_SYS_ADMIN."""
        return self.token_capable(CAP_BPF)

    @property
    def perfmon_capable(self) -> bool:
        """``perfmon_capable()``: CAP_PERFMON or CAP_SYS_ADMIN."""
        return self.token_capable(CAP_PERFMON)

    @property
    def net_admin_capable(self) -> bool:
        """``bpf_token_capable(token, CAP_NET_ADMIN)``: CAP_NET_ADMIN or CAP_SYS_ADMIN."""
        return self.token_capable(CAP_NET_ADMIN)

    @property
    def allow_ptr_leaks(self) -> bool:
        """``bpf_allow_ptr_leaks()``: pointers may reach maps, ctx, return values and comparisons."""
        return self.perfmon_capable

    @property
    def allow_uninit_stack(self) -> bool:
        """``bpf_allow_uninit_stack()``: reading stack bytes never written is allowed."""
        return self.perfmon_capable

    @property
    def bypass_spec_v1(self) -> bool:
        """``bpf_bypass_spec_v1()``: no Spectre v1 sanitation (pointer ALU limits, speculative paths)."""
        return self.perfmon_capable

    @property
    def bypass_spec_v4(self) -> bool:
        """``bpf_bypass_spec_v4()``: no Spectre v4 barriers after stack spills."""
        return self.perfmon_capable

    @property
    def bpf_allowed(self) -> bool:
        """May this caller use bpf() at all (``__sys_bpf``'s sysctl check)?"""
        return self.unprivileged_bpf_disabled == 0 or self.bpf_capable


ROOT = Credentials(frozenset(range(CAP_LAST_CAP + 1)), UNPRIV_DEFAULT_OFF)
"""Every capability: what pybpf answers for when nothing else is asked."""


def parse_caps(text: str) -> frozenset[int]:
    """A capability set from ``all``, ``none``, ``inherit`` or a comma list of names; ValueError otherwise."""
    spec = text.strip().lower()
    if spec == "all":
        return ROOT.caps
    if spec in ("", "none"):
        return frozenset()
    if spec == "inherit":
        return process_caps()
    caps = set()
    for item in spec.split(","):
        name = item.strip().removeprefix("cap_")
        if name not in CAPABILITY_NAMES:
            known = ", ".join(sorted(CAPABILITY_NAMES))
            raise ValueError(f"unknown capability {item.strip()!r} (known: {known}, or all/none/inherit)")
        caps.add(CAPABILITY_NAMES[name])
    return frozenset(caps)


def process_caps() -> frozenset[int]:
    """This process's real effective capabilities (``CapEff`` of /proc/self/status)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("CapEff:"):
                    mask = int(line.split()[1], 16)
                    return frozenset(cap for cap in range(64) if mask >> cap & 1)
    except (OSError, ValueError, IndexError):
        pass
    return frozenset()


def system_unprivileged_bpf_disabled() -> int:
    """The running system's ``kernel.unprivileged_bpf_disabled`` (else :data:`UNPRIV_DEFAULT_OFF`)."""
    try:
        with open(SYSCTL_PATH, encoding="ascii") as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return UNPRIV_DEFAULT_OFF


@functools.lru_cache(maxsize=8)
def _from_environment(caps_text: str | None, sysctl_text: str | None) -> Credentials:
    caps = ROOT.caps if caps_text is None else parse_caps(caps_text)
    if sysctl_text is None:
        sysctl = system_unprivileged_bpf_disabled()
    else:
        try:
            sysctl = int(sysctl_text)
        except ValueError:
            raise ValueError(f"PYBPF_UNPRIVILEGED_BPF_DISABLED={sysctl_text!r} is not 0, 1 or 2") from None
        if sysctl not in (0, 1, 2):
            raise ValueError(f"PYBPF_UNPRIVILEGED_BPF_DISABLED={sysctl} is not 0, 1 or 2")
    return Credentials(caps, sysctl)


_ACTING: contextvars.ContextVar[Credentials | None] = contextvars.ContextVar(
    "pybpf_credentials", default=None
)


def current() -> Credentials:
    """The credentials bpf() judges this call by (the kernel's ``current_cred()``)."""
    acting = _ACTING.get()
    if acting is not None:
        return acting
    return _from_environment(os.environ.get("PYBPF_CAPS"), os.environ.get("PYBPF_UNPRIVILEGED_BPF_DISABLED"))


@contextlib.contextmanager
def acting_as(credentials: Credentials) -> Iterator[Credentials]:
    """Run the block's bpf() calls (this thread, this context) as a caller with ``credentials``."""
    token = _ACTING.set(credentials)
    try:
        yield credentials
    finally:
        _ACTING.reset(token)
