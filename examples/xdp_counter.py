"""Run examples/xdp_count.s over a few packets on pybpf (and on the kernel when bpf(2) works).

    .venv/bin/python examples/xdp_counter.py
"""

from __future__ import annotations

import struct
from pathlib import Path

from pybpf import Map, Program, uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available

VERDICTS = {0: "XDP_ABORTED", 1: "XDP_DROP", 2: "XDP_PASS", 3: "XDP_TX", 4: "XDP_REDIRECT"}
PROTOCOLS = {1: "icmp", 6: "tcp", 17: "udp"}


def packet(protocol: int, dport: int = 0) -> bytes:
    eth = b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02" + b"\x08\x00"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, protocol, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return (eth + ip + struct.pack("!HHHH", 40000, dport, 8, 0)).ljust(64, b"\0")


PACKETS = [packet(6, 80), packet(17, 53), packet(17, 123), packet(1), packet(6, 443)]


def run(backend: Backend) -> tuple[list[str], dict[str, int]]:
    source = (Path(__file__).parent / "xdp_count.s").read_text()
    with Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 16, name="counts", key_type=int, value_type=int,
                    backend=backend) as counts:  # fmt: skip
        with Program.load(source, "xdp", maps={"counts": counts}, name="xdp_count", backend=backend) as prog:
            verdicts = [VERDICTS[prog.run(p).retval] for p in PACKETS]
        return verdicts, {PROTOCOLS.get(k, str(k)): v for k, v in sorted(counts.items())}


def main() -> None:
    ours = run(UserBackend())
    print("pybpf :", ours[0], ours[1])
    if kernel_bpf_available():
        theirs = run(NativeBackend())
        print("kernel:", theirs[0], theirs[1])
        print("same results:", ours == theirs)


if __name__ == "__main__":
    main()
