"""The JIT benchmark suite: XDP programs compiled from C, the frame they run on, and loading them.

Ten programs in ``benchmarks/c`` (one object each, built by ``make -C benchmarks/c`` with clang and the
test corpus's ``bpf_helpers.h``; the objects are committed): pure ALU, 64-bit modulo, a checksum over the
packet, byte copies, a switch, bpf-to-bpf calls, array-map and hash-map loops, a sort on the stack and a
parser/firewall.  Each is loaded with pybpf's ELF loader (``pybpf.Object``, what libbpf's
``bpf_object__load`` does) through a backend — pybpf's with an engine chosen by ``PYBPF_ENGINE``
(``pybpf.kernel.prog_run``), or the kernel's — and run with BPF_PROG_TEST_RUN on ``FRAME``.

``benchmarks/bench_jit.py`` times them; ``tests/jit/test_bench_suite.py`` checks that pybpf's two
engines and the kernel compute the same thing on each (retval, packet out, maps).
"""

from __future__ import annotations

import os
import random
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pybpf import Map, Object
from pybpf.kernel.backend import Backend
from pybpf.kernel.prog_run import ENGINE_VARIABLE

SUITE_DIR = Path(__file__).resolve().parent / "c"


@dataclass(frozen=True)
class SuiteProgram:
    """One program of the suite: ``name`` is its object's stem and its function's name."""

    name: str
    title: str

    @property
    def path(self) -> Path:
        return SUITE_DIR / f"{self.name}.o"


SUITE = (
    SuiteProgram("alu_loop", "ALU loop (1,024 rounds)"),
    SuiteProgram("primes", "primes below 600 (64-bit %)"),
    SuiteProgram("checksum", "checksum of 1,024 bytes"),
    SuiteProgram("byte_copy", "byte copies (2 x 256)"),
    SuiteProgram("dispatch", "switch dispatch (192 ops)"),
    SuiteProgram("calls", "bpf-to-bpf calls (3 x 256)"),
    SuiteProgram("array_map", "array map (320 lookups)"),
    SuiteProgram("hash_map", "hash map (64 flows)"),
    SuiteProgram("sort", "stack sort (48 words)"),
    SuiteProgram("firewall", "parser / firewall"),
)

IPPROTO_TCP, IPPROTO_UDP = 6, 17
XDP_DROP, XDP_PASS = 1, 2
UDP_PORT = 4789
FIREWALL_RULES = {(IPPROTO_UDP, UDP_PORT): XDP_PASS, (IPPROTO_UDP, 53): XDP_DROP, (IPPROTO_TCP, 22): XDP_DROP}
"""The firewall's ``rules`` (protocol, destination port) -> verdict; the frame's port has a rule."""


def frame(size: int = 1024, seed: int = 12) -> bytes:
    """An Ethernet / IPv4 / UDP frame of ``size`` bytes to UDP_PORT, its payload random from ``seed``."""
    ip_len = size - 14
    ethernet = bytes.fromhex("020000000002020000000001") + struct.pack("!H", 0x0800)
    ipv4 = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, 1, 0, 64, IPPROTO_UDP, 0, b"\n\0\0\1", b"\n\0\0\2")
    udp = struct.pack("!HHHH", 12345, UDP_PORT, ip_len - 20, 0)
    payload = random.Random(seed).randbytes(size - 42)
    return ethernet + ipv4 + udp + payload


FRAME = frame()


@contextmanager
def engine(name: str | None) -> Iterator[None]:
    """Programs first run inside this block run on engine ``name`` (``PYBPF_ENGINE``; None: unchanged)."""
    old = os.environ.get(ENGINE_VARIABLE)
    if name is not None:
        os.environ[ENGINE_VARIABLE] = name
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(ENGINE_VARIABLE, None)
        else:
            os.environ[ENGINE_VARIABLE] = old


@contextmanager
def loaded(program: SuiteProgram, backend: Backend, engine_name: str | None = None) -> Iterator[Object]:
    """``program``'s object loaded through ``backend`` (maps fresh, the firewall's rules in), its runs inside
    the block on engine ``engine_name``; raises ``ProgramLoadError`` when the verifier refuses it."""
    with engine(engine_name), Object.open(program.path, backend=backend) as obj:
        obj.load()
        if "rules" in obj.maps:
            for (protocol, port), verdict in FIREWALL_RULES.items():
                obj.maps["rules"].update(struct.pack("<II", protocol, port), struct.pack("<I", verdict))
        yield obj


def map_contents(obj: Object) -> dict[str, list[tuple[bytes, bytes]]]:
    """Every map of ``obj`` as its sorted raw (key, value) pairs."""
    contents = {}
    for name, typed in obj.maps.items():
        with Map.from_fd(typed.fd, backend=obj.backend) as raw:
            contents[name] = sorted(raw.items())
    return contents
