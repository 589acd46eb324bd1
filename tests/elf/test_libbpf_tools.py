"""The objects of BCC's libbpf-tools, as a distribution built them, on the kernel and on pybpf.

libbpf-tools (``apt-get install libbpf-tools``; ``scripts/setup.sh`` installs it where it may) are
real-world tracing tools -- biosnoop, runqslower, tcpconnlat, offcputime and some fifty more -- whose
BPF objects were compiled by the distribution's clang and embedded in each tool by its libbpf
skeleton.  The test finds every embedded object (an ELF image of machine EM_BPF inside the tool's
executable), loads each of its programs through pybpf's libbpf-style loader on the native backend
(the running kernel's verifier) and on the user backend, CO-RE relocated against the running
kernel's BTF on both, and requires the same verdict (errno and the log's last line) and, for an
accepted program, the same number of processed instructions.  Nothing of the tools is kept in the
repository; where the package is missing the tests skip.
"""

from __future__ import annotations

import functools
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from pybpf.elf import read_object
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend
from tests.elf.test_real_world import needs_kernel, object_outcome, skip_trampolines_refused_spec

EM_BPF = 247
_ELF64_LE = b"\x7fELF\x02\x01"


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


@functools.cache
def tool_objects() -> dict[str, bytes]:
    """``tool.bpf.o`` -> object bytes for every tool of the installed libbpf-tools package."""
    if shutil.which("dpkg") is None:
        return {}
    listed = subprocess.run(["dpkg", "-L", "libbpf-tools"], capture_output=True, text=True, check=False)
    objects: dict[str, bytes] = {}
    for line in sorted(listed.stdout.split()):
        path = Path(line)
        if "bin/" not in line or not path.is_file() or path.is_symlink():
            continue
        for index, data in enumerate(embedded_objects(path.read_bytes())):
            objects[f"{path.name}{f'_{index}' if index else ''}.bpf.o"] = data
    return objects


@functools.cache
def tool_object_path(name: str, directory: str) -> Path:
    path = Path(directory) / name
    path.write_bytes(tool_objects()[name])
    return path


PROGRAMS = [
    (name, program)
    for name, data in tool_objects().items()
    for program in sorted(read_object(data, name).programs)
]


@pytest.fixture(scope="module")
def objects_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("libbpf-tools"))


def test_the_objects_are_found_when_the_package_is_installed() -> None:
    if not tool_objects():
        pytest.skip("libbpf-tools is not installed")
    assert len(tool_objects()) >= 30
    assert len(PROGRAMS) >= 150


@pytest.mark.slow
@needs_kernel
@pytest.mark.parametrize(("obj", "program"), PROGRAMS, ids=[f"{o[:-6]}/{p}" for o, p in PROGRAMS])
def test_same_verdict_and_processed_insns_as_the_kernel(obj: str, program: str, objects_dir: str) -> None:
    path = tool_object_path(obj, objects_dir)
    kernel = object_outcome(path, program, NativeBackend())
    if kernel[:2] == ("EPERM", ""):
        skip_trampolines_refused_spec(read_object(str(path)), program)
    assert object_outcome(path, program, UserBackend()) == kernel
