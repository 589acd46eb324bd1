"""The kernel's bpf(2) ABI as data: ``union bpf_attr`` and the other ``linux/bpf.h`` types, enums
and constants, plus the kernel-internal constants pybpf mirrors.

Everything here comes from ``_generated``, which ``scripts/gen_uapi.py`` writes from the running
kernel's BTF (layouts, enumerator values), ``linux/bpf.h`` (which names exist) and the generator's
own tables (what the installed header cannot say); it is committed and never edited by hand, and
no module outside this package imports it.  Mirrors ``include/uapi/linux/bpf.h``:

* ``bpf_attr`` is a ``ctypes.Union`` laid out exactly like the kernel's ``union bpf_attr``; its C
  anonymous members are flattened, so ``attr.map_type``, ``attr.map_fd``, ``attr.key`` ... work as
  in C, and named members (``attr.batch``, ``attr.info``, ``attr.test``, ``attr.link_create``)
  are nested ctypes structs.  ``ATTR_SIZE`` is its size.
* the member types of ``bpf_attr`` have public names: an anonymous struct is named after the
  commands that use it (``bpf_attr_map_create``, ``bpf_attr_map_elem`` for the element commands
  and BPF_MAP_FREEZE, ``bpf_attr_prog_load``, ``bpf_attr_obj`` for pin/get, ``bpf_attr_prog_attach``,
  ``bpf_attr_get_id`` for the get-next-id/fd-by-id commands, ``bpf_attr_btf_load``), a named member
  after itself (``bpf_attr_batch``, ``bpf_attr_test``, ``bpf_attr_info``, ``bpf_attr_link_create``
  ...).  An anonymous union inside a record ``r`` whose first member is ``m`` is ``r_anon_m``.
* ``bpf_insn``, ``bpf_map_info``, ``bpf_prog_info``, ``bpf_btf_info``, ``bpf_link_info``,
  ``sk_buff`` (the C ``struct __sk_buff``), ``xdp_md``, ``bpf_sock`` ... likewise; ``C_TYPES`` maps
  C spellings (``"struct __sk_buff"``) to classes.  Pointers are ``c_uint64`` fields.
* each named C enum is an ``enum.IntEnum`` (``bpf_cmd``, ``bpf_map_type``, ``bpf_func_id`` ...);
  every enumerator and every simple integer ``#define`` is also a module-level ``int``
  (``BPF_MAP_CREATE``, ``BPF_F_NO_PREALLOC``, ``BPF_FUNC_ktime_get_ns``, ``BPF_OBJ_NAME_LEN``).
* kernel-internal constants, each from the kernel file that defines it: ``ENOTSUPP`` and the other
  errnos above 511 (``include/linux/errno.h``), ``BPF_REG_FP`` and ``MAX_BPF_STACK``
  (``include/linux/filter.h``), ``MAX_TAIL_CALL_CNT``, ``BPF_COMPLEXITY_LIMIT_INSNS``,
  ``BPF_MAX_LOOPS`` (``include/linux/bpf.h``), ``MAX_CALL_FRAMES``, ``BPF_LOG_*``
  (``include/linux/bpf_verifier.h``) ...

``offsetof``, ``offsetofend`` and ``member_names`` read a record's layout the way C code does, by
member name (dotted for nested members, anonymous members transparent).
"""

from __future__ import annotations

import ctypes
from typing import Any, TypeGuard

from pybpf.uapi import _generated
from pybpf.uapi._generated import *  # noqa: F403

Record = type[ctypes.Structure] | type[ctypes.Union]
"""A generated record class."""

_PLACEHOLDERS = ("_pad", "_bits")  # the generator's names for padding and unnamed bitfield bits
_ANONYMOUS = "_anon_"  # the generator's prefix for a C anonymous member


def _is_record(ctype: Any) -> TypeGuard[Record]:
    return isinstance(ctype, type) and issubclass(ctype, (ctypes.Structure, ctypes.Union))


def _locate(record: Record, name: str) -> tuple[int, int, Any]:
    """(offset, size, type) of the member ``name`` of ``record``, looking through anonymous members."""
    for field in record._fields_:
        field_name, field_type = field[0], field[1]
        if field_name == name:
            if len(field) > 2:
                raise ValueError(f"{record.__name__}.{name} is a bitfield: it has no byte offset")
            descriptor = getattr(record, field_name)
            return int(descriptor.offset), int(descriptor.size), field_type
    for field_name in getattr(record, "_anonymous_", ()):
        inner = dict((f[0], f[1]) for f in record._fields_)[field_name]
        if not _is_record(inner):
            continue
        try:
            offset, size, member_type = _locate(inner, name)
        except AttributeError:
            continue
        return int(getattr(record, field_name).offset) + offset, size, member_type
    raise AttributeError(f"{record.__name__} has no member {name!r}")


def _member(record: Record, member: str) -> tuple[int, int]:
    offset, size, current = 0, 0, record
    for part in member.split("."):
        if not _is_record(current):
            raise AttributeError(f"{member!r}: {part!r} is not inside a struct or union")
        at, size, current = _locate(current, part)
        offset += at
    return offset, size


def offsetof(record: Record, member: str) -> int:
    """C ``offsetof(record, member)``: ``member`` may be dotted (``"test.retval"``) and may name the
    member of an anonymous struct or union directly, as in C (``"map_name"``)."""
    return _member(record, member)[0]


def offsetofend(record: Record, member: str) -> int:
    """The kernel's ``offsetofend(record, member)`` (include/linux/stddef.h): the offset just past
    ``member``.  ``CHECK_ATTR`` (kernel/bpf/syscall.c) requires every byte of ``union bpf_attr``
    after ``offsetofend`` of a command's last field to be zero."""
    offset, size = _member(record, member)
    return offset + size


def member_names(record: Record) -> tuple[str, ...]:
    """The names C code can write after ``record.``, in order: the members of anonymous members in
    their place, padding left out (``member_names(bpf_attr_map_create)[-1]`` is the last field of
    BPF_MAP_CREATE, the kernel's ``BPF_MAP_CREATE_LAST_FIELD``)."""
    names: list[str] = []
    anonymous = set(getattr(record, "_anonymous_", ()))
    for field in record._fields_:
        name, field_type = field[0], field[1]
        if name in anonymous and _is_record(field_type):
            names.extend(member_names(field_type))
        elif not name.startswith(_PLACEHOLDERS) and not name.startswith(_ANONYMOUS):
            names.append(name)
    return tuple(names)


__all__: list[str] = ["Record", "member_names", "offsetof", "offsetofend"]
__all__ += _generated.__all__
