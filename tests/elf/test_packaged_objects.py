"""BPF objects that distributions build and ship, on the kernel and on pybpf.

Two packages of real-world objects, compiled by the distribution's clang (``scripts/setup.sh``
installs them where it may; without them these tests skip):

* BCC's **libbpf-tools** (``apt-get install libbpf-tools``) -- biosnoop, runqslower, offcputime,
  tcpconnlat and some fifty more tracing tools, each with its BPF object embedded in the executable by
  its libbpf skeleton; the test finds every embedded object (an ELF image of machine EM_BPF);
* **xdp-tools** (``xdp-tools``, ``xdp-tests``, ``libxdp1``) -- xdp-filter's ten filter programs,
  libxdp's dispatcher and AF_XDP default program, xdpdump, as ``.o`` files.

Every program is loaded through pybpf's libbpf-style loader on the native backend (the running
kernel's verifier) and on the user backend, CO-RE relocated against the running kernel's BTF on both:
the same verdict (errno and the log's last line) and, for an accepted program, the same number of
processed instructions.  The XDP programs are also run on both, on each engine, over frames of every
kind with their filter maps filled alike: the same verdicts, output frames and maps.  Nothing of the
packages is kept in the repository.
"""

from __future__ import annotations

import functools
import shutil
import socket
import struct
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from pybpf import Map, Object, uapi
from pybpf.elf import read_object
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.objects.files import bpffs_root
from tests.elf.test_differential import kernel_bpffs
from tests.elf.test_real_world import needs_kernel, object_outcome, skip_trampolines_refused_spec
from tests.programs.test_differential_programs import dump_map, one_cpu

EM_BPF = 247
_ELF64_LE = b"\x7fELF\x02\x01"
_TOOL_PACKAGES = ("libbpf-tools",)
_OBJECT_PACKAGES = ("xdp-tools", "xdp-tests", "libxdp1")


def embedded_objects(image: bytes) -> list[bytes]:
    """The BPF ELF objects inside an executable (a libbpf skeleton's ``bpf_object`` bytes): each
    from its ELF header to the end of its furthest section or section header table."""
    found = []
    start = image.find(_ELF64_LE, 1)
    while start > 0:
        if struct.unpack_from("<H", image, start + 18)[0] == EM_BPF:
            shoff = struct.unpack_from("<Q", image, start + 0x28)[0]
            shentsize, shnum = struct.unpack_from("<HH", image, start + 0x3A)
            end = shoff + shentsize * shnum
            for index in range(shnum):
                header = start + shoff + index * shentsize
                sh_type = struct.unpack_from("<I", image, header + 4)[0]
                sh_offset, sh_size = struct.unpack_from("<QQ", image, header + 0x18)
                if sh_type != 8:  # SHT_NOBITS takes no bytes of the file
                    end = max(end, sh_offset + sh_size)
            found.append(image[start : start + end])
        start = image.find(_ELF64_LE, start + 1)
    return found


def _package_files(package: str) -> list[Path]:
    if shutil.which("dpkg") is None:
        return []
    listed = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=False)
    paths = (Path(line) for line in sorted(listed.stdout.split()))
    return [p for p in paths if p.is_file() and not p.is_symlink()]


@functools.cache
def packaged_objects() -> dict[str, bytes]:
    """``name.o`` -> object bytes for every BPF object of the installed packages."""
    objects: dict[str, bytes] = {}
    for package in _TOOL_PACKAGES:
        for path in _package_files(package):
            if "bin/" in str(path):
                for index, data in enumerate(embedded_objects(path.read_bytes())):
                    objects[f"{path.name}{f'_{index}' if index else ''}.bpf.o"] = data
    for package in _OBJECT_PACKAGES:
        for path in _package_files(package):
            data = path.read_bytes() if path.suffix == ".o" else b""
            if data.startswith(_ELF64_LE) and struct.unpack_from("<H", data, 18)[0] == EM_BPF:
                objects[path.name] = data
    return objects


PROGRAMS = [
    (name, program, spec.programs[program].prog_type)
    for name, data in packaged_objects().items()
    for spec in [read_object(data, name)]
    for program in sorted(spec.programs)
]


@pytest.fixture(scope="module")
def objects_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("packaged")
    for name, data in packaged_objects().items():
        (directory / name).write_bytes(data)
    return directory


def test_the_objects_are_found_when_the_packages_are_installed() -> None:
    names = packaged_objects()
    if not names:
        pytest.skip("neither libbpf-tools nor xdp-tools is installed")
    assert len(names) >= 30 or any(n.startswith("xdpfilt_") for n in names)
    assert len(PROGRAMS) >= 20


@pytest.mark.slow
@needs_kernel
@pytest.mark.parametrize(("obj", "program", "_type"), PROGRAMS, ids=[f"{o}/{p}" for o, p, _ in PROGRAMS])
def test_same_verdict_and_processed_insns_as_the_kernel(
    obj: str, program: str, _type: int, objects_dir: Path
) -> None:
    path = objects_dir / obj
    kernel = object_outcome(path, program, NativeBackend())
    if kernel[:2] == ("EPERM", ""):
        skip_trampolines_refused_spec(read_object(str(path)), program)
    assert object_outcome(path, program, UserBackend()) == kernel


# -- running the XDP programs --------------------------------------------------------------------
_MAC_A, _MAC_B, _MAC_C = (bytes.fromhex(f"02000000000{n}") for n in (1, 2, 3))
_IP_A, _IP_B = socket.inet_aton("10.0.0.1"), socket.inet_aton("192.168.1.7")
_IP6_A = socket.inet_pton(socket.AF_INET6, "2001:db8::1")
_IP6_B = socket.inet_pton(socket.AF_INET6, "fe80::2")


def _ipv4(proto: int, payload: bytes, src: bytes = _IP_A, dst: bytes = _IP_B) -> bytes:
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, src, dst)
    return header + payload


def _ipv6(proto: int, payload: bytes, src: bytes = _IP6_A, dst: bytes = _IP6_B) -> bytes:
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), proto, 64, src, dst) + payload


def _tcp(sport: int, dport: int) -> bytes:
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, 0x02, 1024, 0, 0)


def _udp(sport: int, dport: int, data: bytes = b"\0" * 8) -> bytes:
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def _eth(ethertype: int, payload: bytes, src: bytes = _MAC_A, dst: bytes = _MAC_B) -> bytes:
    return dst + src + struct.pack("!H", ethertype) + payload


FRAMES = [
    _eth(0x0800, _ipv4(6, _tcp(40000, 80))),
    _eth(0x0800, _ipv4(6, _tcp(80, 40000), src=_IP_B, dst=_IP_A)),
    _eth(0x0800, _ipv4(17, _udp(5353, 53))),
    _eth(0x0800, _ipv4(1, b"\x08\x00\x00\x00\x00\x01\x00\x01" + bytes(32)), src=_MAC_C),
    _eth(0x86DD, _ipv6(6, _tcp(40000, 443))),
    _eth(0x86DD, _ipv6(17, _udp(53, 5353), src=_IP6_B, dst=_IP6_A)),
    _eth(0x8100, struct.pack("!H", 42) + struct.pack("!H", 0x0800) + _ipv4(17, _udp(1, 53))),
    _eth(0x0806, bytes(28)),
    _eth(0x0800, _ipv4(6, _tcp(1, 80))[:24]),  # cut inside the TCP header
    _eth(0x0800, b"\x45"),
    bytes(14),
]


def _value(m: Map, mask: int) -> Any:
    value = mask.to_bytes(8, "little")[: m.value_size].ljust(m.value_size, b"\0")
    return [value] * m.nr_cpus if m.percpu else value


_FILTER_ENTRIES = {
    "filter_ports": [(struct.pack("<I", 80), 0b0110), (struct.pack("<I", 53), 0b1001)],
    "filter_ipv4": [(_IP_B, 0b01)],
    "filter_ipv6": [(_IP6_B, 0b01)],
    "filter_ethernet": [(_MAC_C, 0b01)],
}
"""xdp-filter's maps (its user space writes a bit mask of modes -- source or destination, TCP or
UDP -- per port, address and MAC): keys the frames above carry, with masks that match some of them
one way and not the other."""


def _run_xdp(path: Path, program: str, backend: Backend, pin_root: str) -> dict[str, Any]:
    outcome: dict[str, Any] = {"runs": [], "maps": {}}
    with Object.open(path, backend=backend, pin_root=pin_root) as obj:
        obj.load()
        for name, entries in _FILTER_ENTRIES.items():
            if name in obj.maps and obj.maps[name].key_size == len(entries[0][0]):
                for key, mask in entries:
                    obj.maps[name].update(key, _value(obj.maps[name], mask))
        with one_cpu():
            for frame in FRAMES:
                try:
                    result = obj.programs[program].run(frame)
                except BPFError as exc:
                    outcome["runs"].append(("error", exc.errno))
                    continue
                outcome["runs"].append((result.retval, result.data_out))
        for name, live in obj.maps.items():
            if live.map_type not in (uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY, uapi.BPF_MAP_TYPE_XSKMAP):
                with Map.from_fd(live.fd, backend=backend) as raw:
                    outcome["maps"][name] = dump_map(raw, backend)
    return outcome


XDP_PROGRAMS = [(o, p) for o, p, t in PROGRAMS if t == uapi.BPF_PROG_TYPE_XDP]


@pytest.mark.slow
@pytest.mark.usefixtures("engine")
@pytest.mark.skipif(not kernel_bpf_available(), reason="needs the real bpf(2)")
@pytest.mark.parametrize(("obj", "program"), XDP_PROGRAMS, ids=[f"{o}/{p}" for o, p in XDP_PROGRAMS])
def test_xdp_programs_run_as_on_the_kernel(obj: str, program: str, objects_dir: Path) -> None:
    """Maps pinned by name (xdp-filter's statistics) go to a fresh directory on each backend."""
    with kernel_bpffs() as mount:
        kernel = _run_xdp(objects_dir / obj, program, NativeBackend(), mount)
    with tempfile.TemporaryDirectory(dir=bpffs_root(), prefix="packaged-") as pins:
        ours = _run_xdp(objects_dir / obj, program, UserBackend(), pins)
    assert ours == kernel
