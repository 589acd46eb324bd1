"""What ``struct tcp_info`` (``INET_DIAG_INFO``) tells user space of a TCP socket's ``struct tcp_sock``.

Mirrors net/ipv4/tcp.c ``tcp_get_info`` (Linux 6.18) and the layout of include/uapi/linux/tcp.h
``struct tcp_info``: which ``struct tcp_sock`` (and ``struct inet_connection_sock``) fields it
copies as they are.  A listener's report stops after ``tcpi_reordering`` and ``tcpi_snd_cwnd``
(``tcpi_unacked``/``tcpi_sacked`` then mean its accept queue); every other state's is whole.

Fields it reports changed, or not at all, are not here -- user space cannot learn them:
``srtt_us`` (``tcpi_rtt`` is ``srtt_us >> 3``: three bits lost), ``mdev_us``, the sequence numbers
``rcv_nxt`` / ``snd_nxt`` / ``snd_una`` / ``write_seq`` / ``copied_seq`` (only differences of them
are reported), the rate sample ``rate_delivered`` / ``rate_interval_us`` (``tcpi_delivery_rate``
is their product with ``mss_cache`` over the interval), ``icsk_rto`` (converted from jiffies), and
``ecn_flags`` beyond "no ECN at all" (``tcpi_options`` shows ``TCP_ECN_OK`` and ``TCP_ECN_SEEN``, not
the CWR bits).
"""

from __future__ import annotations

import struct

TCPI_OPT_ECN, TCPI_OPT_ECN_SEEN = 8, 16
TCP_INFO_OPTIONS = 5
"""``tcpi_options``' offset (u8)."""

TCP_INFO_OF: dict[str, tuple[int, int]] = {
    "snd_cwnd": (80, 4),
    "rtt_min": (148, 4),  # tcpi_min_rtt = minmax_get(&tp->rtt_min): rtt_min.s[0].v
    "snd_ssthresh": (76, 4),  # TCP_INFINITE_SSTHRESH while in the initial slow start: what the field holds
    "mss_cache": (16, 4),  # tcpi_snd_mss
    "packets_out": (24, 4),  # tcpi_unacked
    "retrans_out": (36, 4),  # tcpi_retrans
    "total_retrans": (100, 4),
    "segs_in": (140, 4),
    "data_segs_in": (152, 4),
    "segs_out": (136, 4),
    "data_segs_out": (156, 4),
    "lost_out": (32, 4),  # tcpi_lost
    "sacked_out": (28, 4),  # tcpi_sacked
    "bytes_received": (128, 8),
    "bytes_acked": (120, 8),
    "dsack_dups": (216, 4),
    "delivered": (192, 4),
    "delivered_ce": (196, 4),
    "icsk_retransmits": (2, 1),  # tcpi_retransmits
    "reordering": (88, 4),
    "rcv_ssthresh": (64, 4),
    "advmss": (84, 4),
    "bytes_sent": (200, 8),
    "bytes_retrans": (208, 8),
    "reord_seen": (220, 4),
    "rcv_ooopack": (224, 4),
    "snd_wnd": (228, 4),
    "rcv_wnd": (232, 4),
    "icsk_probes_out": (3, 1),  # tcpi_probes
    "icsk_backoff": (4, 1),  # tcpi_backoff
}
"""``struct tcp_sock`` (or ``inet_connection_sock``) field -> (offset, size) of the ``struct tcp_info``
member ``tcp_get_info`` copies it to unchanged."""

LISTENER_REPORTS = frozenset({"snd_cwnd", "reordering"})
"""The fields ``tcp_get_info`` reports of a listener (its other members mean something else or are 0)."""


def reported(info: bytes, listener: bool) -> dict[str, int]:
    """The ``struct tcp_sock`` fields ``info`` (a ``struct tcp_info`` as sock_diag sent it) gives
    exactly, by name; ``ecn_flags`` 0 where the connection has no ECN at all."""
    values: dict[str, int] = {}
    for name, (offset, size) in TCP_INFO_OF.items():
        if listener and name not in LISTENER_REPORTS:
            continue
        if offset + size <= len(info):
            values[name] = int.from_bytes(info[offset : offset + size], "little")
    if not listener and len(info) > TCP_INFO_OPTIONS:
        options = struct.unpack_from("=B", info, TCP_INFO_OPTIONS)[0]
        if not options & (TCPI_OPT_ECN | TCPI_OPT_ECN_SEEN):
            values["ecn_flags"] = 0
    return values


__all__ = ["LISTENER_REPORTS", "TCP_INFO_OF", "reported"]
