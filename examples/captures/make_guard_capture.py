"""Writes examples/captures/guard.pcap: the small capture `pybpf xdp replay` runs xdp_guard over.

21 frames, made with scapy and fixed timestamps (the file is the same on every run): ARP, DNS over UDP,
web traffic over TCP, telnet attempts from two hosts (what xdp_guard drops: port 23), ICMP echo requests
(which it answers, XDP_TX), IPv6, and one runt of 10 bytes -- shorter than an Ethernet header, which
BPF_PROG_TEST_RUN refuses as input.  Run: `pip install scapy; python examples/captures/make_guard_capture.py`
(scapy builds the packets of this one-off generator only; pybpf itself reads captures with dpkt).
"""

from __future__ import annotations

from pathlib import Path

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Packet, Raw
from scapy.utils import RawPcapWriter

ROUTER, HOST = "02:00:00:00:00:01", "02:00:00:00:00:02"
START = 1_700_000_000.0


def frames() -> list[Packet | bytes]:
    def eth() -> Ether:
        return Ether(src=HOST, dst=ROUTER)

    dns = [eth() / IP(src="10.0.0.2", dst="10.0.0.53") / UDP(sport=40000 + i, dport=53) / Raw(b"\x12\x34" + bytes(10))
           for i in range(5)]  # fmt: skip
    web = [eth() / IP(src="10.0.0.2", dst="93.184.216.34") / TCP(sport=50000 + i, dport=80, flags="S")
           for i in range(4)]  # fmt: skip
    telnet = [eth() / IP(src=src, dst="10.0.0.1") / TCP(sport=33000 + i, dport=23, flags="S")
              for i, src in enumerate(["10.0.0.66", "10.0.0.66", "10.0.0.77", "10.0.0.66", "10.0.0.77"])]  # fmt: skip
    ping = [eth() / IP(src="10.0.0.5", dst="10.0.0.1") / ICMP(type=8, id=7, seq=i) / Raw(b"pybpf-ping")
            for i in range(3)]  # fmt: skip
    other: list[Packet | bytes] = [
        Ether(src=HOST, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc="10.0.0.2", pdst="10.0.0.1"),
        eth() / IPv6(src="fd00::2", dst="fd00::1") / UDP(sport=5353, dport=5353) / Raw(b"mdns"),
        eth() / IP(src="10.0.0.2", dst="10.0.0.1") / UDP(sport=40100, dport=123) / Raw(bytes(48)),
        bytes.fromhex("02000000000102000000"),  # a runt: 10 bytes, no complete Ethernet header
    ]
    order = [other[0], *dns[:2], telnet[0], *web[:2], ping[0], other[1], telnet[1], dns[2], other[3],
             telnet[2], ping[1], *web[2:], dns[3], telnet[3], other[2], ping[2], dns[4], telnet[4]]  # fmt: skip
    return order


def main() -> None:
    out = Path(__file__).with_name("guard.pcap")
    items = frames()
    with RawPcapWriter(str(out), linktype=1) as writer:  # Ethernet
        writer.write_header(None)
        for i, frame in enumerate(items):
            writer.write_packet(bytes(frame), sec=int(START) + i // 1000, usec=(i % 1000) * 1000)
    print(f"wrote {out} ({len(items)} frames)")


if __name__ == "__main__":
    main()
