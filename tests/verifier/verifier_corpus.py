"""The verifier corpus (tests/data/verifier_corpus): programs, the kernel's recorded verdicts, loading.

The corpus measures how often pybpf's verifier gives the kernel's answer.  Each theme file
(``<theme>.asm``) holds programs in the kernel's assembly syntax, one block each::

    === null_check_missing
    type: xdp
    maps: m=hash(4,8,16)
    desc: the value pointer of a lookup is read without the NULL check
        r1 = 0
        ...
        exit

Header keys: ``type`` (xdp, socket_filter, sched_cls, sched_act, raw_tracepoint, kprobe,
tracepoint, perf_event, syscall, tracing,
lsm, sk_skb, sk_msg, sk_reuseport, lwt_in, lwt_out, lwt_xmit, lwt_seg6local, flow_dissector,
sk_lookup, struct_ops), ``attach`` (the expected attach type, ``trace_raw_tp``, ``trace_iter``,
``sk_lookup`` ..., or a number: a struct_ops member's index), ``attach_btf`` (the attach target: a
FUNC, typedef or struct name of the running kernel's BTF, e.g. ``btf_trace_sched_switch``,
``bpf_iter_task``, ``tcp_congestion_ops``), ``maps``
(``NAME=TYPE(key,value,entries[,flag...])``, flags ``rdonly_prog``, ``wronly_prog``,
``no_prealloc`` and ``frozen`` (BPF_MAP_FREEZE after the create), and ``spin_lock`` (the map's
value type is refs_harness's 16-byte ``struct { int a; struct bpf_spin_lock l; long b; }``, key
``int``: needs ``btf``), ``timer`` (the same for refs_harness's 24-byte
``struct { long x; struct bpf_timer t; }``), ``kptr`` (the value type is tests.verifier.kptr_harness's 40-byte
``struct kv`` with kptr fields, from a BTF of its own), ``inner_map`` (BPF_F_INNER_MAP); a map of
maps (``array_of_maps``, ``hash_of_maps``) names its inner template ``inner:NAME`` and its
elements ``KEY:NAME`` (the map NAME stored at the integer KEY), maps defined before it in the list;
``data=HEX`` is the value stored at key 0 before any freeze (an array's first element: a constant
string); the program names them as ``map_fd(NAME)`` / ``map_value(NAME, OFF)``),
``flags`` (``sleepable``, ``strict_alignment``, ``any_alignment``, ``test_state_freq``,
``test_reg_invariants``: BPF_F_SLEEPABLE, BPF_F_STRICT_ALIGNMENT, BPF_F_ANY_ALIGNMENT,
BPF_F_TEST_STATE_FREQ, BPF_F_TEST_REG_INVARIANTS), ``btf``
(``func_info``: the load carries BTF with a static FUNC for every subprogram, as clang's output
has -- the kernel refuses callbacks without it;
``global_subprogs``: the same with every subprogram but the main one global, ``int f(void)``),
``proto`` (may be repeated: one subprogram's prototype and argument decl tags, in
tests.verifier.corpus_protos's C-like syntax, e.g. ``int f1(struct xdp_md *c, int *p __arg_nonnull)``),
``funcs`` (labels, space-separated, where a subprogram starts that no instruction calls, e.g. the
exception callback a ``__tag_exception_callback:fN`` names: the func_info gets a record there too),
``caps`` (the loader's capabilities among CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and CAP_SYS_ADMIN,
comma-separated names or ``none``; absent: every capability): the program is loaded, its maps
created, by a caller lacking the others with ``kernel.unprivileged_bpf_disabled`` at 0 -- on the
kernel from a child process (tests/caps.py), on pybpf as ``UserBackend(Credentials(...))``;
``license`` (GPL when absent), ``desc`` and ``heavy`` (why pybpf needs long for it: such
programs are checked only on request, see tests/verifier/test_corpus.py).  The program text
starts at the first indented line and runs to the next ``===`` (labels may sit at the start of a line there).
A kfunc is called by name, ``call kfunc(bpf_iter_num_new)``: the name becomes the BTF id of that
function in pybpf's kernel BTF (``pybpf.kfuncs.kernel_btf``: the running kernel's, so both backends
load the same bytes) when the program is assembled (``resolve_kfuncs``); so do
``offsetof(STRUCT, MEMBER.MEMBER)`` (a member's byte offset in the running kernel's struct) and
``btf_type(STRUCT)`` (its vmlinux type id), for programs that walk kernel structs
(``resolve_kernel_types``).
``generated.asm`` is written by the corpus generator (``tests.verifier.corpus_generator``), and
the C theme is every program of every object in tests/data/c, loaded one at a time through
pybpf's ELF loader (maps unpinned, CO-RE relocated against core_target.o's BTF -- the objects built
against vmlinux.h against their own BTF: the kernel's layout when they were built; the ``vmlinux_*``
objects, which walk kernel structs, against the running kernel's -- so both backends load the same
bytes).

``labels.json`` (written by scripts/record_verifier_corpus.py) holds, per program, the answer of
each kernel release it was recorded on: ``{"6.18": {"errno": "EACCES", "line": "..."}}`` with the
errno's name ("" when the program loads) and the last line of the log's reason.  Releases that
answer alike share nothing special; ``answers()`` turns a program's records into a
``tests.kernel_releases.ByRelease`` (the oldest recorded answer first, then one ``Since`` per
release that answered differently).  ``known_disagreements.txt`` lists every program on which
pybpf's answer is not the kernel's, with the reason.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from pybpf import uapi
from pybpf.btf.kinds import Kind
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel_version import KernelVersion
from pybpf.objects.credentials import (
    CAP_BPF,
    CAP_NET_ADMIN,
    CAP_PERFMON,
    CAP_SYS_ADMIN,
    ROOT,
    Credentials,
    parse_caps,
)
from tests.kernel_build import refused_helpers
from tests.kernel_releases import ByRelease, Since
from tests.verifier import corpus_protos, kptr_harness, refs_harness

CORPUS = Path(__file__).resolve().parent.parent / "data" / "verifier_corpus"
C_OBJECTS = Path(__file__).resolve().parent.parent / "data" / "c"
CORE_TARGET = "core_target.o"
"""The BTF the C objects' CO-RE relocations resolve against (the same on both backends)."""
VMLINUX_OBJECTS = "vmlinux_"
"""The C objects that walk the kernel's own structs: relocated against the running kernel's BTF."""
LABELS = CORPUS / "labels.json"
KNOWN = CORPUS / "known_disagreements.txt"
LOG_SIZE = 1 << 22

PROG_TYPES = {
    "xdp": uapi.BPF_PROG_TYPE_XDP,
    "socket_filter": uapi.BPF_PROG_TYPE_SOCKET_FILTER,
    "sched_cls": uapi.BPF_PROG_TYPE_SCHED_CLS,
    "sched_act": uapi.BPF_PROG_TYPE_SCHED_ACT,
    "raw_tracepoint": uapi.BPF_PROG_TYPE_RAW_TRACEPOINT,
    "kprobe": uapi.BPF_PROG_TYPE_KPROBE,
    "tracepoint": uapi.BPF_PROG_TYPE_TRACEPOINT,
    "perf_event": uapi.BPF_PROG_TYPE_PERF_EVENT,
    "syscall": uapi.BPF_PROG_TYPE_SYSCALL,
    "sk_skb": uapi.BPF_PROG_TYPE_SK_SKB,
    "sk_msg": uapi.BPF_PROG_TYPE_SK_MSG,
    "sk_reuseport": uapi.BPF_PROG_TYPE_SK_REUSEPORT,
    "tracing": uapi.BPF_PROG_TYPE_TRACING,
    "lsm": uapi.BPF_PROG_TYPE_LSM,
    "cgroup_skb": uapi.BPF_PROG_TYPE_CGROUP_SKB,
    "cgroup_sock": uapi.BPF_PROG_TYPE_CGROUP_SOCK,
    "cgroup_sock_addr": uapi.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
    "sock_ops": uapi.BPF_PROG_TYPE_SOCK_OPS,
    "cgroup_device": uapi.BPF_PROG_TYPE_CGROUP_DEVICE,
    "cgroup_sysctl": uapi.BPF_PROG_TYPE_CGROUP_SYSCTL,
    "cgroup_sockopt": uapi.BPF_PROG_TYPE_CGROUP_SOCKOPT,
    "lwt_in": uapi.BPF_PROG_TYPE_LWT_IN,
    "lwt_out": uapi.BPF_PROG_TYPE_LWT_OUT,
    "lwt_xmit": uapi.BPF_PROG_TYPE_LWT_XMIT,
    "lwt_seg6local": uapi.BPF_PROG_TYPE_LWT_SEG6LOCAL,
    "flow_dissector": uapi.BPF_PROG_TYPE_FLOW_DISSECTOR,
    "sk_lookup": uapi.BPF_PROG_TYPE_SK_LOOKUP,
    "struct_ops": uapi.BPF_PROG_TYPE_STRUCT_OPS,
    "netfilter": uapi.BPF_PROG_TYPE_NETFILTER,
    "raw_tracepoint_writable": uapi.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
    "lirc_mode2": uapi.BPF_PROG_TYPE_LIRC_MODE2,
}
MAP_TYPES = {
    "hash": uapi.BPF_MAP_TYPE_HASH,
    "array": uapi.BPF_MAP_TYPE_ARRAY,
    "percpu_hash": uapi.BPF_MAP_TYPE_PERCPU_HASH,
    "percpu_array": uapi.BPF_MAP_TYPE_PERCPU_ARRAY,
    "lru_hash": uapi.BPF_MAP_TYPE_LRU_HASH,
    "prog_array": uapi.BPF_MAP_TYPE_PROG_ARRAY,
    "ringbuf": uapi.BPF_MAP_TYPE_RINGBUF,
    "user_ringbuf": uapi.BPF_MAP_TYPE_USER_RINGBUF,
    "queue": uapi.BPF_MAP_TYPE_QUEUE,
    "stack": uapi.BPF_MAP_TYPE_STACK,
    "perf_event_array": uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY,
    "cgroup_array": uapi.BPF_MAP_TYPE_CGROUP_ARRAY,
    "stack_trace": uapi.BPF_MAP_TYPE_STACK_TRACE,
    "devmap": uapi.BPF_MAP_TYPE_DEVMAP,
    "devmap_hash": uapi.BPF_MAP_TYPE_DEVMAP_HASH,
    "cpumap": uapi.BPF_MAP_TYPE_CPUMAP,
    "array_of_maps": uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS,
    "hash_of_maps": uapi.BPF_MAP_TYPE_HASH_OF_MAPS,
    "sockmap": uapi.BPF_MAP_TYPE_SOCKMAP,
    "sockhash": uapi.BPF_MAP_TYPE_SOCKHASH,
    "sk_storage": uapi.BPF_MAP_TYPE_SK_STORAGE,
    "task_storage": uapi.BPF_MAP_TYPE_TASK_STORAGE,
    "inode_storage": uapi.BPF_MAP_TYPE_INODE_STORAGE,
    "cgrp_storage": uapi.BPF_MAP_TYPE_CGRP_STORAGE,
    "xskmap": uapi.BPF_MAP_TYPE_XSKMAP,
    "reuseport_sockarray": uapi.BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
    "cgroup_storage": uapi.BPF_MAP_TYPE_CGROUP_STORAGE,
    "percpu_cgroup_storage": uapi.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
}
MAP_FLAGS = {
    "no_prealloc": uapi.BPF_F_NO_PREALLOC,
    "rdonly_prog": uapi.BPF_F_RDONLY_PROG,
    "wronly_prog": uapi.BPF_F_WRONLY_PROG,
    "inner_map": uapi.BPF_F_INNER_MAP,
}
PROG_FLAGS = {
    "sleepable": uapi.BPF_F_SLEEPABLE,
    "strict_alignment": uapi.BPF_F_STRICT_ALIGNMENT,
    "any_alignment": uapi.BPF_F_ANY_ALIGNMENT,
    "test_state_freq": uapi.BPF_F_TEST_STATE_FREQ,
    "test_reg_invariants": uapi.BPF_F_TEST_REG_INVARIANTS,
}

_STATS = re.compile(r"^(processed \d+ insns|verification time|stack depth|cur state:|old state:)")
_GLUED_STATS = re.compile(r"processed \d+ insns \(limit .*$")
_MAP = re.compile(r"(\w+)=(\w+)\(([^)]*)\)")
_KFUNC_NAME = re.compile(r"kfunc\(([A-Za-z_]\w*)")
_BTF_OFFSET = re.compile(r"offsetof\((\w+),\s*([\w.]+)\)")
_BTF_TYPE = re.compile(r"btf_type\((\w+)\)")
_KERNEL_BTF_IDS = (
    (re.compile(r"\b(kfunc [A-Za-z_]\w*)#\d+"), r"\1#<btf_id>"),
    (re.compile(r"\b(\w*btf_id) \d+"), r"\1 <btf_id>"),
)
"""Where a verifier message names a type of the kernel's BTF by id: a kfunc (``kfunc NAME#ID``) and
``... btf_id ID`` (``attach_btf_id``, ``kernel btf_id``, ``pseudo btf_id``, ``has btf_id``)."""
_MAP_EXTRAS = ("frozen", "spin_lock", "kptr", "timer")
_MAP_IN_MAP = ("array_of_maps", "hash_of_maps")
"""Map flags of the corpus that are no BPF_MAP_CREATE flag (see the module docstring)."""


@dataclass(frozen=True)
class MapDef:
    """A map a program names: created before the load, closed after it."""

    name: str
    map_type: str
    key: int
    value: int
    entries: int
    flags: tuple[str, ...] = ()
    inner: str = ""  # a map-in-map's inner template map (BPF_MAP_CREATE's inner_map_fd)
    elems: tuple[tuple[int, str], ...] = ()  # a map-in-map's elements: (key, the map stored there)
    data: bytes = b""  # the value stored at key 0 (header ``data=HEX``), zero-padded to the value size


@dataclass(frozen=True)
class Program:
    """One corpus program: assembly text (``text``) or a program of a C object (``obj``)."""

    name: str
    theme: str
    prog_type: str = "xdp"
    text: str = ""
    maps: tuple[MapDef, ...] = ()
    desc: str = ""
    license: str = "GPL"
    flags: tuple[str, ...] = ()
    obj: str = ""  # tests/data/c object file name, for the C theme
    btf: str = ""  # load with BTF and func_info: "func_info" or "global_subprogs" (header ``btf``)
    heavy: str = ""  # why pybpf takes long on it (a million processed instructions), or ""
    protos: tuple[str, ...] = ()  # ``proto`` header lines: subprogram prototypes (corpus_protos)
    attach: str = ""  # expected_attach_type (header ``attach``: name without BPF_, e.g. cgroup_inet_ingress)
    attach_btf: str = (
        ""  # attach_btf_id: a FUNC or typedef of the running kernel's BTF (header ``attach_btf``)
    )
    funcs: tuple[str, ...] = ()  # labels where a subprogram nothing calls starts (header ``funcs``)
    caps: str = ""  # the loader's capabilities (header ``caps``: ``bpf``, ``bpf,net_admin``, ``none``)


@dataclass(frozen=True)
class Verdict:
    """A load's answer: the errno's name ("" when the program loads) and the reason's last line."""

    errno: str
    line: str = ""

    @property
    def accepted(self) -> bool:
        return not self.errno

    def to_json(self) -> dict[str, str]:
        return {"errno": self.errno, "line": self.line}

    def same_as(self, other: Verdict) -> bool:
        """The same errno and reason, kernel BTF ids aside (``build_neutral``): how a recorded answer
        is compared with a live one, and the answers of two releases with each other."""
        return self.errno == other.errno and build_neutral(self.line) == build_neutral(other.line)

    def __str__(self) -> str:
        return "accepted" if self.accepted else f"{self.errno}: {self.line}"


@dataclass
class Known:
    """A listed disagreement: ``kind`` is "verdict" (errno differs) or "message" (same errno)."""

    name: str
    kind: str
    reason: str


@dataclass
class Outcome:
    """pybpf's answer on one program next to the kernel's."""

    program: Program
    kernel: Verdict
    pybpf: Verdict

    @property
    def same_verdict(self) -> bool:
        return self.kernel.errno == self.pybpf.errno

    @property
    def same_message(self) -> bool:
        return self.same_verdict and (self.kernel.accepted or self.kernel.same_as(self.pybpf))

    @property
    def kind(self) -> str:
        """ "" when the answers agree, else "verdict" or "message"."""
        return "" if self.same_message else "message" if self.same_verdict else "verdict"


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def verdict_agreement(self) -> float:
        return sum(o.same_verdict for o in self.outcomes) / max(len(self.outcomes), 1)

    @property
    def message_agreement(self) -> float:
        return sum(o.same_message for o in self.outcomes) / max(len(self.outcomes), 1)

    def by_theme(self) -> dict[str, tuple[int, int, int]]:
        """theme -> (programs, same verdict, same message)."""
        table: dict[str, tuple[int, int, int]] = {}
        for o in self.outcomes:
            n, v, m = table.get(o.program.theme, (0, 0, 0))
            table[o.program.theme] = (n + 1, v + o.same_verdict, m + o.same_message)
        return dict(sorted(table.items()))

    def report(self) -> str:
        lines = [f"{'theme':<24}{'programs':>9}{'verdict':>9}{'message':>9}"]
        for theme, (n, v, m) in self.by_theme().items():
            lines.append(f"{theme:<24}{n:>9}{v:>9}{m:>9}")
        total = len(self.outcomes)
        lines.append(
            f"{'total':<24}{total:>9}{sum(o.same_verdict for o in self.outcomes):>9}"
            f"{sum(o.same_message for o in self.outcomes):>9}"
        )
        lines.append(
            f"agreement: verdict and errno {self.verdict_agreement:.2%}, "
            f"final message {self.message_agreement:.2%}"
        )
        return "\n".join(lines)


# -- reading the corpus ------------------------------------------------------------------------
def _parse_maps(spec: str) -> tuple[MapDef, ...]:
    maps: list[MapDef] = []
    for name, map_type, args in _MAP.findall(spec):
        parts = [p.strip() for p in args.split(",") if p.strip()]
        key, value, entries = (int(p, 0) for p in parts[:3])
        data = b"".join(bytes.fromhex(p[5:]) for p in parts[3:] if p.startswith("data="))
        parts = [p for p in parts if not p.startswith("data=")]
        flags = tuple(p for p in parts[3:] if ":" not in p)
        links = [p.partition(":")[::2] for p in parts[3:] if ":" in p]
        inner = "".join(target for what, target in links if what == "inner")
        elems = tuple((int(what, 0), target) for what, target in links if what != "inner")
        defined = {m.name for m in maps}
        if (
            map_type not in MAP_TYPES
            or any(f not in MAP_FLAGS and f not in _MAP_EXTRAS for f in flags)
            or any(target not in defined for _, target in links)
            or bool(inner or elems) != (map_type in _MAP_IN_MAP)
            or len(data) > value
        ):
            raise ValueError(f"bad map {name}={map_type}({args})")
        maps.append(MapDef(name, map_type, key, value, entries, flags, inner, elems, data))
    return tuple(maps)


def parse_theme(path: Path) -> list[Program]:
    """The programs of one theme file."""
    theme = path.stem
    programs: list[Program] = []
    name = ""
    header: dict[str, str] = {}
    body: list[str] = []
    protos: list[str] = []

    def finish() -> None:
        if not name:
            return
        if header.get("type", "xdp") not in PROG_TYPES:
            raise ValueError(f"{path.name}: {name}: unknown type {header['type']}")
        flags = tuple(header.get("flags", "").split())
        if header.get("attach"):
            attach_type(header["attach"])  # an unknown name fails here, not at load time
        if header.get("btf", "func_info") not in ("func_info", "global_subprogs"):
            raise ValueError(f"{path.name}: {name}: unknown btf {header['btf']}")
        programs.append(
            Program(
                name=name,
                theme=theme,
                prog_type=header.get("type", "xdp"),
                text="\n".join(body).strip("\n") + "\n",
                maps=_parse_maps(header.get("maps", "")),
                desc=header.get("desc", ""),
                license=header.get("license", "GPL"),
                flags=flags,
                heavy=header.get("heavy", ""),
                btf=header.get("btf", ""),
                protos=tuple(protos),
                attach=header.get("attach", ""),
                attach_btf=header.get("attach_btf", ""),
                funcs=tuple(header.get("funcs", "").split()),
                caps=header.get("caps", ""),
            )
        )
        if programs[-1].caps:
            loader_drops(programs[-1])  # an unknown capability name fails here

    for raw in path.read_text().splitlines():
        if raw.startswith("=== "):
            finish()
            name, header, body, protos = raw[4:].strip(), {}, [], []
        elif not name or (not raw.strip() and not body):
            continue
        elif body or raw[:1] in (" ", "\t"):
            body.append(raw)
        elif raw.startswith("#"):
            continue
        else:
            key, _, value = raw.partition(":")
            if key.strip() not in (
                "type",
                "maps",
                "desc",
                "flags",
                "license",
                "heavy",
                "btf",
                "proto",
                "attach",
                "attach_btf",
                "funcs",
                "caps",
            ):
                raise ValueError(f"{path.name}: {name}: unknown header line {raw!r}")
            if key.strip() == "proto":
                protos.append(value.strip())
            else:
                header[key.strip()] = value.strip()
    finish()
    return programs


def c_programs() -> list[Program]:
    """Every program of every object in tests/data/c (the C theme) but the freplace ones."""
    from pybpf.elf import read_object

    programs = []
    for path in sorted(C_OBJECTS.glob("*.o")):
        spec = read_object(str(path))
        for prog_name, prog in sorted(spec.programs.items()):
            # freplace programs load only against a target program (tests/progtypes/test_ext.py)
            if prog.autoload and prog.prog_type != uapi.BPF_PROG_TYPE_EXT:
                programs.append(
                    Program(
                        name=f"c/{path.stem}/{prog_name}",
                        theme="c_objects",
                        prog_type=prog.section,
                        obj=path.name,
                        desc=f"{path.stem}.c: {prog_name} (SEC {prog.section})",
                    )
                )
    return programs


def corpus(with_c: bool = True) -> list[Program]:
    """The whole corpus: every theme file's programs, then the C theme."""
    programs: list[Program] = []
    for path in sorted(CORPUS.glob("*.asm")):
        programs += parse_theme(path)
    if with_c:
        programs += c_programs()
    names = [p.name for p in programs]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"programs named twice: {sorted(duplicates)}")
    return programs


# -- loading -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BuildVariant:
    """A way some builds of the modelled release verify differently from upstream's source, told
    apart by one corpus program's answer (``probe`` answers ``answer`` on such a build): the
    programs calling any of ``kfuncs`` get other logs, and some other verdicts, there."""

    what: str
    probe: str
    answer: Verdict
    kfuncs: frozenset[str]


BUILD_VARIANTS: Final = (
    BuildVariant(
        "the result of an iterator's next kfunc is an untrusted pointer (6.18.44-fc-v1300: css_task, "
        "task_vma, kmem_cache, dmabuf), where Linux 6.18's check_kfunc_call marks it PTR_TRUSTED "
        "(MEM_RCU under an RCU-protected iterator) and the corpus's recording build did too, and "
        "bpf-next still did in January 2026 (the context of kernel-patches/bpf#10759): the build's "
        "own change, not upstream's",
        "selftests_iters_kernel/css_task_next_trusted",
        Verdict("EINVAL", "R2 must be referenced or trusted"),
        frozenset(
            {
                "bpf_iter_css_task_next",
                "bpf_iter_task_vma_next",
                "bpf_iter_kmem_cache_next",
                "bpf_iter_dmabuf_next",
            }
        ),
    ),
)
"""The build variants met so far (each found on a build the tests ran on)."""


@functools.cache
def _running_build_has(variant: BuildVariant) -> bool:
    """Whether the running kernel answers ``variant.probe`` as such a build does (False without bpf(2))."""
    from pybpf.kernel.native import NativeBackend, kernel_bpf_available

    if not kernel_bpf_available():
        return False
    probe = next(
        p for p in parse_theme(CORPUS / f"{variant.probe.split('/')[0]}.asm") if p.name == variant.probe
    )
    return load(probe, NativeBackend()).same_as(variant.answer)


def build_refusal(program: Program) -> str:
    """Why the running kernel's build cannot answer for an assembly ``program`` as the modelled
    release does: the helpers it calls that the build refuses to its program type and the release
    allows (``tests.kernel_build``), or a kfunc a :data:`BUILD_VARIANTS` entry the running build has
    changes; "" when none (and for the C theme's programs)."""
    if program.obj:
        return ""
    for variant in BUILD_VARIANTS:
        called = set(_KFUNC_NAME.findall(program.text)) & variant.kfuncs
        if called and _running_build_has(variant):
            return f"it calls {', '.join(sorted(called))}, and on the running kernel build {variant.what}"
    insns = assemble(resolve_kfuncs(program.text), "kernel", maps={m.name: 0 for m in program.maps})
    attach = attach_type(program.attach) if program.attach else 0
    return refused_helpers(PROG_TYPES[program.prog_type], insns, attach)


def resolve_kfuncs(text: str) -> str:
    """``kfunc(NAME`` -> ``kfunc(ID`` with the BTF id of the function NAME in the kernel's BTF; then
    the kernel's struct layout (``resolve_kernel_types``)."""
    from pybpf.kfuncs.kernel_btf import kernel_btf

    def btf_id(match: re.Match[str]) -> str:
        found = kernel_btf().func_id(match.group(1))
        if found is None:
            raise ValueError(f"no kernel function {match.group(1)} in the kernel's BTF")
        return f"kfunc({found}"

    return resolve_kernel_types(_KFUNC_NAME.sub(btf_id, text))


def resolve_kernel_types(text: str) -> str:
    """``offsetof(STRUCT, MEMBER.MEMBER...)`` -> the byte offset of that member in the running
    kernel's struct (members of anonymous structs and unions found through them, as C names them),
    ``btf_type(NAME)`` -> the vmlinux BTF id of the struct or union NAME: programs that walk kernel
    structs read the kernel's own layout, as CO-RE gives a C program."""
    from pybpf.verifier.kernel_btf import vmlinux_btf

    btf = vmlinux_btf()
    if btf is None:
        return text

    def struct_id(name: str) -> int:
        found = [i for i in btf.ids_by_name(name) if btf[i].kind in (Kind.STRUCT, Kind.UNION)]
        if not found:
            raise ValueError(f"no struct {name} in the kernel's BTF")
        return found[0]

    def member_offset(type_id: int, name: str) -> tuple[int, int] | None:
        t = btf[btf.resolve(type_id)]
        for member in getattr(t, "members", ()):
            if member.name == name:
                return member.type_id, member.bit_offset // 8
            if not member.name:
                inner = member_offset(member.type_id, name)
                if inner is not None:
                    return inner[0], member.bit_offset // 8 + inner[1]
        return None

    def offset(match: re.Match[str]) -> str:
        type_id, off = struct_id(match.group(1)), 0
        for name in match.group(2).split("."):
            found = member_offset(type_id, name)
            if found is None:
                raise ValueError(f"no member {match.group(2)} in the kernel's struct {match.group(1)}")
            type_id, off = found[0], off + found[1]
        return str(off)

    text = _BTF_OFFSET.sub(offset, text)
    return _BTF_TYPE.sub(lambda m: str(struct_id(m.group(1))), text)


def reason(log: str) -> str:
    """The last line of a verifier log before its statistics: the kernel's reason for a refusal
    (a few kernel messages lack their newline, so the statistics are cut off their line)."""
    lines = [line for line in log.splitlines() if line.strip() and not _STATS.match(line)]
    return _GLUED_STATS.sub("", lines[-1]) if lines else ""


def build_neutral(line: str) -> str:
    """``line`` with the ids of the kernel's BTF types it names replaced by ``<btf_id>``.

    Every build of a release numbers vmlinux's BTF types its own way (another config, another
    compiler, a backport adds a type: 6.18.y builds name one kfunc #65551 and #65560), and both
    pybpf and the kernel print the running kernel's ids.  A label recorded on one build is compared
    with a live answer on another through this; live answers are compared with each other as they are.
    """
    for pattern, replacement in _KERNEL_BTF_IDS:
        line = pattern.sub(replacement, line)
    return line


def errno_name(err: int) -> str:
    if not err:
        return ""
    if err == uapi.ENOTSUPP:
        return "ENOTSUPP"
    return errno.errorcode.get(err, str(err))


@contextlib.contextmanager
def created_maps(defs: tuple[MapDef, ...], backend: Backend, btf_fd: int = -1) -> Iterator[dict[str, int]]:
    """The maps ``defs`` names, created through ``backend`` (name -> fd) and closed afterwards."""
    fds: dict[str, int] = {}
    try:
        for m in defs:
            attr = uapi.bpf_attr()
            attr.map_type, attr.key_size, attr.value_size, attr.max_entries = (
                MAP_TYPES[m.map_type],
                m.key,
                m.value,
                m.entries,
            )
            attr.map_flags = sum(MAP_FLAGS[f] for f in m.flags if f in MAP_FLAGS)
            if "spin_lock" in m.flags:
                if btf_fd < 0:
                    raise ValueError(f"map {m.name}: spin_lock needs the program's btf")
                attr.btf_fd, attr.btf_key_type_id, attr.btf_value_type_id = btf_fd, *refs_harness.LOCKED_TYPES
            if "timer" in m.flags:
                if btf_fd < 0:
                    raise ValueError(f"map {m.name}: timer needs the program's btf")
                attr.btf_fd, attr.btf_key_type_id, attr.btf_value_type_id = btf_fd, *refs_harness.TIMER_TYPES
            if m.inner:
                attr.inner_map_fd = fds[m.inner]
            if "kptr" in m.flags:
                with _kptr_btf(backend) as kptr_btf_fd:
                    attr.btf_fd, attr.btf_key_type_id = kptr_btf_fd, kptr_harness.KEY_TYPE
                    attr.btf_value_type_id = kptr_harness.VALUE_TYPE
                    fds[m.name] = backend.bpf(uapi.BPF_MAP_CREATE, attr)
            else:
                fds[m.name] = backend.bpf(uapi.BPF_MAP_CREATE, attr)
            for key, target in m.elems:
                _store_map_fd(backend, fds[m.name], key.to_bytes(m.key, "little"), fds[target])
            if m.data:
                _store_value(backend, fds[m.name], bytes(m.key), m.data.ljust(m.value, b"\0"))
            if "frozen" in m.flags:
                freeze = uapi.bpf_attr()
                freeze.map_fd = fds[m.name]
                backend.bpf(uapi.BPF_MAP_FREEZE, freeze)
        yield fds
    finally:
        for fd in fds.values():
            os.close(fd)


@contextlib.contextmanager
def _kptr_btf(backend: Backend) -> Iterator[int]:
    """The BTF of a ``kptr`` map, loaded through ``backend`` (the map holds it once created)."""
    raw = kptr_harness.btf_blob()
    blob = ctypes.create_string_buffer(raw, len(raw))
    attr = uapi.bpf_attr()
    attr.btf, attr.btf_size = ctypes.addressof(blob), len(raw)
    fd = backend.bpf(uapi.BPF_BTF_LOAD, attr)
    try:
        yield fd
    finally:
        os.close(fd)


def _store_map_fd(backend: Backend, outer_fd: int, key: bytes, inner_fd: int) -> None:
    """BPF_MAP_UPDATE_ELEM of a map-in-map: the element at ``key`` is the map ``inner_fd``."""
    _store_value(backend, outer_fd, key, inner_fd.to_bytes(4, "little"))


def _store_value(backend: Backend, map_fd: int, key: bytes, value: bytes) -> None:
    """BPF_MAP_UPDATE_ELEM of ``value`` at ``key``."""
    key_buf = ctypes.create_string_buffer(key, len(key))
    value_buf = ctypes.create_string_buffer(value, len(value))
    attr = uapi.bpf_attr()
    attr.map_fd, attr.key, attr.value = map_fd, ctypes.addressof(key_buf), ctypes.addressof(value_buf)
    backend.bpf(uapi.BPF_MAP_UPDATE_ELEM, attr)


@contextlib.contextmanager
def _func_info_btf(program: Program, backend: Backend) -> Iterator[tuple[int, bytes]]:
    """The BTF fd and func_info records of a program with ``btf`` ((-1, b"") without)."""
    if not program.btf:
        yield -1, b""
        return
    placeholders = {m.name: 0 for m in program.maps}
    text = resolve_kfuncs(program.text)
    starts = refs_harness.subprogram_starts(assemble(text, "kernel", maps=placeholders))
    starts = sorted(set(starts) | {_label_slot(text, label, placeholders) for label in program.funcs})
    global_subprogs = program.btf == "global_subprogs"
    if program.protos:
        raw = corpus_protos.btf_blob(len(starts), program.protos, global_subprogs=global_subprogs)
    else:
        raw = refs_harness.btf_blob(len(starts), global_subprogs=global_subprogs)
    blob = ctypes.create_string_buffer(raw)
    attr = uapi.bpf_attr()
    attr.btf, attr.btf_size = ctypes.addressof(blob), len(blob) - 1
    fd = backend.bpf(uapi.BPF_BTF_LOAD, attr)
    try:
        yield fd, refs_harness.func_info(starts)
    finally:
        os.close(fd)


def _label_slot(text: str, label: str, maps: dict[str, int]) -> int:
    """The slot ``label`` names in ``text``: where a ``gotol`` appended after the program lands."""
    insns = assemble(f"{text}\n    gotol {label}\n", "kernel", maps=maps)
    return sum(insn.slots for insn in insns) + insns[-1].imm


def attach_type(name: str) -> int:
    """The ``BPF_<NAME>`` attach type value of a corpus ``attach`` header (e.g. cgroup_inet_ingress);
    a number is taken as it is (a struct_ops program's member index)."""
    if name.isdigit():
        return int(name)
    value = getattr(uapi, "BPF_" + name.upper(), None)
    if not isinstance(value, int):
        raise ValueError(f"unknown attach type {name}")
    return value


def attach_btf_id(name: str) -> int:
    """The running kernel's BTF id of a corpus ``attach_btf`` header: the FUNC of that name, else the
    typedef (a tracepoint's ``btf_trace_<name>``), else the struct (a struct_ops type); 0 when it has
    none (the kernel's "must provide btf_id")."""
    from pybpf.verifier.kernel_btf import vmlinux_btf

    btf = vmlinux_btf()
    ids = btf.ids_by_name(name) if btf is not None else ()
    for kind in (Kind.FUNC, Kind.TYPEDEF, Kind.STRUCT):
        found = [i for i in ids if btf is not None and btf[i].kind == kind]
        if found:
            return found[0]
    return 0


BPF_CAPS: Final = frozenset({CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN})
"""The capabilities a ``caps`` header speaks of."""


def loader_drops(program: Program) -> frozenset[int]:
    """The capabilities the loader of ``program`` lacks (its ``caps`` header: those of BPF_CAPS it
    does not name)."""
    return BPF_CAPS - parse_caps(program.caps) if program.caps else frozenset()


def load_with_log(
    program: Program, backend: Backend, log_level: int = 1, log_size: int = LOG_SIZE
) -> tuple[int, str]:
    """(errno, log) of loading an assembly ``program`` through ``backend`` (errno 0: loaded), as the
    caller its ``caps`` header names (with unprivileged bpf() open for the load)."""
    drops = loader_drops(program)
    if not drops:
        return _load_with_log(program, backend, log_level, log_size)
    if isinstance(backend, UserBackend):
        caller = UserBackend(Credentials(ROOT.caps - drops, 0))
        return _load_with_log(program, caller, log_level, log_size)
    from tests.caps import run_without_caps, unprivileged_bpf_enabled

    with unprivileged_bpf_enabled():
        result: tuple[int, str] = run_without_caps(
            drops, lambda: _load_with_log(program, backend, log_level, log_size)
        )
    return result


def _load_with_log(program: Program, backend: Backend, log_level: int, log_size: int) -> tuple[int, str]:
    fd, err, log = load_fd(program, backend, log_level, log_size)
    if fd >= 0:
        os.close(fd)
    return err, log


def load_fd(
    program: Program, backend: Backend, log_level: int = 1, log_size: int = LOG_SIZE
) -> tuple[int, int, str]:
    """(fd, errno, log) of loading an assembly ``program`` through ``backend``: the program's fd
    (the caller closes it) and errno 0, or fd -1 and the load's errno."""
    with (
        _func_info_btf(program, backend) as (btf_fd, func_info),
        created_maps(program.maps, backend, btf_fd) as fds,
    ):
        return _prog_load(program, backend, fds, (btf_fd, func_info), (log_level, log_size))


@contextlib.contextmanager
def loaded(
    program: Program, backend: Backend, log_level: int = 1, log_size: int = LOG_SIZE
) -> Iterator[tuple[int, int, str, dict[str, int]]]:
    """load_fd() with the maps kept open for the block: (fd, errno, log, map name -> fd), the
    program's fd closed after it (a run of what was loaded, its maps read afterwards)."""
    with (
        _func_info_btf(program, backend) as (btf_fd, func_info),
        created_maps(program.maps, backend, btf_fd) as fds,
    ):
        fd, err, log = _prog_load(program, backend, fds, (btf_fd, func_info), (log_level, log_size))
        try:
            yield fd, err, log, fds
        finally:
            if fd >= 0:
                os.close(fd)


def _prog_load(
    program: Program,
    backend: Backend,
    fds: dict[str, int],
    btf: tuple[int, bytes],
    log_spec: tuple[int, int],
) -> tuple[int, int, str]:
    """BPF_PROG_LOAD of ``program`` with its maps (``fds``) and BTF (``btf``: its fd and func_info
    records) made, at ``log_spec``'s (level, size): (fd, errno, log)."""
    (btf_fd, func_info), (log_level, log_size) = btf, log_spec
    code = encode_program(assemble(resolve_kfuncs(program.text), "kernel", maps=fds))
    insns = ctypes.create_string_buffer(code, len(code))
    records = ctypes.create_string_buffer(func_info, max(len(func_info), 1))
    lic = ctypes.create_string_buffer(program.license.encode())
    log = ctypes.create_string_buffer(max(log_size, 1))
    attr = uapi.bpf_attr()
    attr.prog_type = PROG_TYPES[program.prog_type]
    attr.insns, attr.insn_cnt = ctypes.addressof(insns), len(code) // 8
    attr.license = ctypes.addressof(lic)
    if log_level:
        attr.log_level, attr.log_size, attr.log_buf = log_level, log_size, ctypes.addressof(log)
    attr.prog_flags = sum(PROG_FLAGS[f] for f in program.flags)
    if program.attach:
        attr.expected_attach_type = attach_type(program.attach)
    if program.attach_btf:
        attr.attach_btf_id = attach_btf_id(program.attach_btf)
    if btf_fd >= 0:
        attr.prog_btf_fd, attr.func_info_rec_size = btf_fd, 8
        attr.func_info, attr.func_info_cnt = ctypes.addressof(records), len(func_info) // 8
    try:
        fd = backend.bpf(uapi.BPF_PROG_LOAD, attr)
    except BPFError as exc:
        return -1, exc.errno or 0, log.value.decode(errors="replace")
    return fd, 0, log.value.decode(errors="replace")


def _load_asm(program: Program, backend: Backend) -> Verdict:
    err, log = load_with_log(program, backend)
    if not err:
        return Verdict("")
    line = reason(log)
    if err == errno.ENOSPC:
        # The level-1 trace outgrew the buffer (a path of a million instructions): the log
        # keeps its tail, so the reason stands; the verdict is the load's without a log.
        err = load_with_log(program, backend, log_level=0, log_size=0)[0]
    return Verdict(errno_name(err), line)


def _load_c(program: Program, backend: Backend) -> Verdict:
    from pybpf.elf import PinType, read_object
    from pybpf.elf.loader import LoadOptions, ProgramLoadError, load_spec
    from pybpf.object import target_btf

    spec = read_object(str(C_OBJECTS / program.obj))
    for m in spec.maps.values():
        m.pinning = PinType.NONE  # pins are no business of the verifier
    prog_name = program.name.rsplit("/", 1)[1]
    core_target = (
        None if program.obj.startswith(VMLINUX_OBJECTS) else str(C_OBJECTS / core_target_of(program.obj))
    )
    options = LoadOptions(programs=frozenset({prog_name}), target_btf=lambda: target_btf(core_target))
    try:
        load_spec(spec, backend, options).close()
    except ProgramLoadError as exc:
        return Verdict(errno_name(exc.errno or 0), reason(exc.raw_log))
    except BPFError as exc:  # before the program's load: maps, BTF, pins
        return Verdict(errno_name(exc.errno or 0), f"(object) {exc}".splitlines()[0])
    return Verdict("")


def built_against_vmlinux(obj: str) -> bool:
    """Whether the object's C source includes the generated vmlinux.h (the real-world programs)."""
    source = (C_OBJECTS / obj).with_suffix(".c")
    return source.exists() and '#include "vmlinux.h"' in source.read_text()


def core_target_of(obj: str) -> str:
    """The object whose BTF ``obj``'s CO-RE relocations resolve against in the corpus: its own for
    the objects built against vmlinux.h (the kernel's layout when they were built, whatever kernel
    runs the tests), else core_target.o."""
    return obj if built_against_vmlinux(obj) else CORE_TARGET


def load(program: Program, backend: Backend) -> Verdict:
    """Load ``program`` through ``backend`` at log level 1 and return its verdict (a log that
    overflows its buffer, ENOSPC, is loaded again without a log for the verdict)."""
    return _load_c(program, backend) if program.obj else _load_asm(program, backend)


# -- labels and the known disagreements ---------------------------------------------------------
def read_labels() -> dict[str, dict[str, Verdict]]:
    """program name -> {release: verdict} as recorded."""
    if not LABELS.exists():
        return {}
    raw = json.loads(LABELS.read_text())
    return {
        name: {release: Verdict(v["errno"], v["line"]) for release, v in by_release.items()}
        for name, by_release in raw.items()
    }


def write_labels(labels: dict[str, dict[str, Verdict]]) -> None:
    raw = {
        name: {release: labels[name][release].to_json() for release in sorted(labels[name], key=_release_key)}
        for name in sorted(labels)
    }
    LABELS.write_text(json.dumps(raw, indent=1, sort_keys=False) + "\n")


def _release_key(release: str) -> KernelVersion:
    return KernelVersion.parse(release)


def answers(recorded: dict[str, Verdict]) -> ByRelease[Verdict]:
    """A program's recorded answers as release history: the oldest first, then each change."""
    releases = sorted(recorded, key=_release_key)
    changes = []
    previous = recorded[releases[0]]
    for release in releases[1:]:
        if not recorded[release].same_as(previous):
            changes.append(Since(_release_key(release), recorded[release]))
            previous = recorded[release]
    return ByRelease(recorded[releases[0]], changes)


def read_known() -> dict[str, Known]:
    """The listed disagreements: ``NAME | verdict|message | reason`` lines, ``#`` comments."""
    known: dict[str, Known] = {}
    for raw in KNOWN.read_text().splitlines() if KNOWN.exists() else []:
        if not raw.strip() or raw.startswith("#"):
            continue
        name, kind, why = (part.strip() for part in raw.split("|", 2))
        if kind not in ("verdict", "message") or not why:
            raise ValueError(f"bad known-disagreement line: {raw!r}")
        known[name] = Known(name, kind, why)
    return known
