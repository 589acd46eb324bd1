"""The BTF of the corpus's kptr maps: a map value with kptr fields (header flag ``kptr``).

A map created with the corpus flag ``kptr`` has this BTF (loaded on its own, closed with the map):
key ``int``, value ``struct kv`` of 40 bytes, as C would declare it with libbpf's tags::

    struct kv {
        long x;                                         /* 0: plain data */
        struct task_struct __kptr *task;                /* 8: referenced kptr */
        struct task_struct __kptr_untrusted *raw;       /* 16: unreferenced kptr */
        struct cgroup __kptr *cg;                       /* 24: referenced kptr */
        struct kv_node __kptr *local;                   /* 32: a program-local type's kptr */
    };

The pointee structs are the program's own declarations (``task_struct`` and ``cgroup`` found in the
kernel's BTF by name, as the kernel's btf_parse_kptr() finds them; ``kv_node`` exists only here).
"""

from __future__ import annotations

from pybpf.btf.encode import encode_btf
from pybpf.btf.types import BTF, BTF_INT_SIGNED, BTFType, Int, Member, Ptr, Struct, TypeTag

VALUE_SIZE = 40
TASK_OFF, RAW_OFF, CG_OFF, LOCAL_OFF = 8, 16, 24, 32


def _types() -> list[BTFType]:
    return [
        Int("int", 4, BTF_INT_SIGNED, 0, 32),  # 1
        Int("long", 8, BTF_INT_SIGNED, 0, 64),  # 2
        Struct("task_struct", 4, (Member("pid", 1, 0),)),  # 3
        Struct("cgroup", 4, (Member("level", 1, 0),)),  # 4
        Struct("kv_node", 8, (Member("n", 2, 0),)),  # 5
        TypeTag("kptr", 3),  # 6
        Ptr(6),  # 7: struct task_struct __kptr *
        TypeTag("kptr_untrusted", 3),  # 8
        Ptr(8),  # 9: struct task_struct __kptr_untrusted *
        TypeTag("kptr", 4),  # 10
        Ptr(10),  # 11: struct cgroup __kptr *
        TypeTag("kptr", 5),  # 12
        Ptr(12),  # 13: struct kv_node __kptr *
        Struct(
            "kv",
            VALUE_SIZE,
            (
                Member("x", 2, 0),
                Member("task", 7, TASK_OFF * 8),
                Member("raw", 9, RAW_OFF * 8),
                Member("cg", 11, CG_OFF * 8),
                Member("local", 13, LOCAL_OFF * 8),
            ),
        ),  # 14
    ]


KEY_TYPE, VALUE_TYPE = 1, 14
"""The key and value type ids of a ``kptr`` map."""


def btf_blob() -> bytes:
    """The raw BTF of a ``kptr`` map."""
    return encode_btf(BTF(tuple(_types())))
