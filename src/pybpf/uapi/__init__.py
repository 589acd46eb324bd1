"""The kernel's bpf(2) ABI as data: ``union bpf_attr`` and the other ``linux/bpf.h`` types, enums
and constants.

Everything here comes from ``_generated``, which ``scripts/gen_uapi.py`` writes from the running
kernel's BTF (layouts, enumerator values) and ``linux/bpf.h`` (which names exist); it is committed
and never edited by hand.  Mirrors ``include/uapi/linux/bpf.h``:

* ``bpf_attr`` is a ``ctypes.Union`` laid out exactly like the kernel's ``union bpf_attr``; its C
  anonymous members are flattened, so ``attr.map_type``, ``attr.map_fd``, ``attr.key`` ... work as
  in C, and named members (``attr.batch``, ``attr.info``, ``attr.test``, ``attr.link_create``)
  are nested ctypes structs.  ``ATTR_SIZE`` is its size.
* ``bpf_insn``, ``bpf_map_info``, ``bpf_prog_info``, ``bpf_btf_info``, ``bpf_link_info``,
  ``sk_buff`` (the C ``struct __sk_buff``), ``xdp_md``, ``bpf_sock`` ... likewise; ``C_TYPES`` maps
  C spellings (``"struct __sk_buff"``) to classes.  Pointers are ``c_uint64`` fields.
* each named C enum is an ``enum.IntEnum`` (``bpf_cmd``, ``bpf_map_type``, ``bpf_func_id`` ...);
  every enumerator and every simple integer ``#define`` is also a module-level ``int``
  (``BPF_MAP_CREATE``, ``BPF_F_NO_PREALLOC``, ``BPF_FUNC_ktime_get_ns``, ``BPF_OBJ_NAME_LEN``).
"""

from pybpf.uapi import _generated
from pybpf.uapi._generated import *  # noqa: F403

__all__: list[str] = []
__all__ += _generated.__all__
