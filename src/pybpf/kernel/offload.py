"""Device offload of maps and programs as pybpf meets it: no device registers for BPF offload here.

Mirrors kernel/bpf/offload.c's ``bpf_map_offload_map_alloc`` -- the ``map_alloc`` of every map
created with a ``map_ifindex`` (``map_create`` switches to the offload ops after the type's own
``map_alloc_check``) -- up to the point where it needs an offload device: only ARRAY and HASH maps
(EINVAL), a device of that ifindex in the caller's network namespace (``__dev_get_by_index``:
EINVAL), a driver with an ``ndo_bpf`` (``bpf_dev_offload_check``: EOPNOTSUPP), then the device's
offload registration (``bpf_offload_find_netdev``), which no device has in pybpf: EINVAL.  The
same for a program's ``prog_ifindex`` (``bpf_prog_dev_bound_init``).

Whether a driver has ``ndo_bpf`` (its XDP setup) is not visible from user space; the driver's name
(ETHTOOL_GDRVINFO) is, and ``NDO_BPF_DRIVERS`` names the Linux 6.18 drivers that set it.  A device
whose driver does not answer (the loopback) or is not among them (ifb, dummy, bridges, VLANs, ...)
has none.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import socket
import struct

from pybpf import uapi
from pybpf.errors import BPFError

NDO_BPF_DRIVERS = frozenset(
    {
        "veth", "virtio_net", "tun", "bonding", "netdevsim", "vif", "hv_netvsc", "ena", "gve",
        "mana", "mlx4_en", "mlx5_core", "ixgbe", "ixgbevf", "i40e", "ice", "igb", "igc", "idpf",
        "nfp", "bnxt_en", "qede", "thunder-nicvf", "fsl_dpaa2_eth", "fsl_dpa", "fec", "stmmaceth",
        "mvneta", "mvpp2", "sfc", "tsnep", "lan966x-switch", "lan743x", "atlantic", "ionic",
        "rvu_nicpf", "am65-cpsw-nuss", "cpsw", "cpsw-switch", "fsl_enetc", "mtk_soc_eth", "fbnic",
    }
)  # fmt: skip
"""Drivers whose ``net_device_ops`` have an ``ndo_bpf`` (drivers/net, Linux 6.18)."""
ALLOC_CHECK_TYPES = frozenset(
    {
        uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_PERCPU_ARRAY, uapi.BPF_MAP_TYPE_PROG_ARRAY,
        uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY, uapi.BPF_MAP_TYPE_CGROUP_ARRAY, uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS,
        uapi.BPF_MAP_TYPE_HASH, uapi.BPF_MAP_TYPE_LRU_HASH, uapi.BPF_MAP_TYPE_PERCPU_HASH,
        uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH, uapi.BPF_MAP_TYPE_HASH_OF_MAPS, uapi.BPF_MAP_TYPE_BLOOM_FILTER,
        uapi.BPF_MAP_TYPE_QUEUE, uapi.BPF_MAP_TYPE_STACK, uapi.BPF_MAP_TYPE_SK_STORAGE,
        uapi.BPF_MAP_TYPE_INODE_STORAGE, uapi.BPF_MAP_TYPE_TASK_STORAGE, uapi.BPF_MAP_TYPE_CGRP_STORAGE,
        uapi.BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, uapi.BPF_MAP_TYPE_STRUCT_OPS,
    }
)  # fmt: skip
"""The map types whose ops have a ``map_alloc_check`` (it runs before ``map_create`` switches a
``map_ifindex`` map to the offload ops; the others' checks are all in their ``map_alloc``, which an
offloaded map never reaches)."""
_SIOCETHTOOL = 0x8946
_ETHTOOL_GDRVINFO = 0x00000003
_DRVINFO_SIZE = 196
"""``sizeof(struct ethtool_drvinfo)``: cmd, driver[32], version[32], fw_version[32], bus_info[32],
erom_version[32], reserved2[12] and five u32 counts."""


def driver_name(ifindex: int) -> str | None:
    """The driver of the device ``ifindex`` (ETHTOOL_GDRVINFO), or None: no such device, or a
    device whose driver does not say."""
    try:
        name = socket.if_indextoname(ifindex)
    except OSError:
        return None
    info = ctypes.create_string_buffer(struct.pack("<I", _ETHTOOL_GDRVINFO), _DRVINFO_SIZE)
    ifreq = struct.pack("16sP", name.encode()[:15], ctypes.addressof(info)).ljust(40, b"\0")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            fcntl.ioctl(sock.fileno(), _SIOCETHTOOL, ifreq)
    except OSError:
        return None
    return info.raw[4:36].split(b"\0", 1)[0].decode(errors="replace")


def _check_ndo_bpf(ifindex: int) -> None:
    """The device ``ifindex`` exists (EINVAL) and its driver has an ``ndo_bpf`` (EOPNOTSUPP)."""
    try:
        socket.if_indextoname(ifindex)
    except OSError:
        raise BPFError(errno.EINVAL, f"no network device with ifindex {ifindex}") from None
    if driver_name(ifindex) not in NDO_BPF_DRIVERS:
        raise BPFError(errno.EOPNOTSUPP, f"the driver of device {ifindex} has no ndo_bpf")


def map_offload_alloc(map_type: int, ifindex: int) -> None:
    """``bpf_map_offload_map_alloc``'s refusal of ``map_type`` on device ``ifindex``: always one."""
    if map_type not in (uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_HASH):
        raise BPFError(errno.EINVAL, "only array and hash maps can be offloaded")
    _check_ndo_bpf(ifindex)
    raise BPFError(errno.EINVAL, f"device {ifindex} is not registered for BPF offload (none is in pybpf)")


def prog_dev_bound_init(prog_type: int, prog_flags: int, ifindex: int) -> None:
    """``bpf_prog_dev_bound_init``'s answer for a program loaded with ``prog_ifindex``: SCHED_CLS
    and XDP only, the device-bound flags alone (BPF_F_XDP_HAS_FRAGS only with
    BPF_F_XDP_DEV_BOUND_ONLY, which SCHED_CLS may not take), a device (EINVAL) whose driver has an
    ``ndo_bpf`` (EOPNOTSUPP); then an offload needs the device registered for it (EINVAL: none is),
    and a device-bound-only XDP program -- which the kernel binds to any such device -- is not
    modelled by pybpf (EINVAL)."""
    if prog_type not in (uapi.BPF_PROG_TYPE_SCHED_CLS, uapi.BPF_PROG_TYPE_XDP):
        raise BPFError(errno.EINVAL, "only tc and XDP programs are bound to a device")
    bound_only = prog_flags & uapi.BPF_F_XDP_DEV_BOUND_ONLY
    if prog_flags & ~(uapi.BPF_F_XDP_DEV_BOUND_ONLY | uapi.BPF_F_XDP_HAS_FRAGS):
        raise BPFError(errno.EINVAL, "prog_flags a device-bound program cannot take")
    if prog_flags & uapi.BPF_F_XDP_HAS_FRAGS and not bound_only:
        raise BPFError(errno.EINVAL, "an offloaded program cannot take fragments")
    if prog_type == uapi.BPF_PROG_TYPE_SCHED_CLS and bound_only:
        raise BPFError(errno.EINVAL, "BPF_F_XDP_DEV_BOUND_ONLY is for XDP programs")
    _check_ndo_bpf(ifindex)
    if not bound_only:
        raise BPFError(errno.EINVAL, f"device {ifindex} is not registered for BPF offload (none is in pybpf)")
    raise BPFError(
        errno.EINVAL, "device-bound XDP programs (BPF_F_XDP_DEV_BOUND_ONLY) are not modelled by pybpf"
    )
