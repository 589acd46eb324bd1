"""BPF_MAP_TYPE_PROG_ARRAY: the table of programs ``bpf_tail_call`` jumps through.

Mirrors ``prog_array_map_ops`` in kernel/bpf/arraymap.c: key and value are 4 bytes, the value a user
writes is a program fd and the value a user reads back is that program's id; updates accept only
BPF_ANY (EINVAL otherwise), an index past the array is E2BIG on update and delete, an empty
slot is ENOENT for lookup and delete; the array belongs to the first program type put in it or
loaded with it (``bpf_prog_map_compatible``), and a program of another type is EINVAL.
BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG, BPF_F_MMAPABLE and BPF_F_INNER_MAP are EINVAL.

Storage: an 8-byte header (owner program type + 1, 0 = no owner yet) then ``max_entries`` u32
program ids (0 = empty).  A slot holds its program through a hard link in the array's reference
directory (``pybpf.objects.refs``), so a program lives as long as some slot holds it.

When the array's last *user* reference goes -- its last fd and its last pin; the programs that use
the array hold it too, but not as users -- every slot is emptied (``map_release_uref`` =
``prog_array_map_clear``, which runs ``bpf_fd_array_map_clear`` from a work item): so a program held
by a prog array it uses itself is freed once nobody but programs can reach the array.  pybpf sees no
close: ``pybpf.objects.refs`` finds the array without users when it next looks (a collection, an
fd opened by id, the array's first tail call of a run) and calls ``release_user_references``.
"""

from __future__ import annotations

import errno
import struct

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.array import check_fd_array_params, next_array_key
from pybpf.maps.base import FdKind, FdTarget, MapOps, MapParams, index_of
from pybpf.maps.registry import register

_U32 = struct.Struct("<I")
HEADER = 8


@register(uapi.BPF_MAP_TYPE_PROG_ARRAY)
class ProgArrayMap(MapOps):
    """Program ids by index; updates go through ``store_object`` (the caller resolves the fd)."""

    fd_kind = FdKind.PROG
    can_be_inner = False

    @classmethod
    def check(cls, params: MapParams) -> None:
        check_fd_array_params(params, "prog array")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return HEADER + 4 * params.max_entries

    # --- owner -------------------------------------------------------------------------------
    @property
    def owner_type(self) -> int | None:
        raw: int = _U32.unpack_from(self.mem, 0)[0]
        return raw - 1 if raw else None

    def claim_owner(self, prog_type: int) -> None:
        """``bpf_prog_map_compatible``: the first program type decides, others are EINVAL."""
        owner = self.owner_type
        if owner is None:
            _U32.pack_into(self.mem, 0, prog_type + 1)
        elif owner != prog_type:
            raise BPFError(errno.EINVAL, f"prog array belongs to program type {owner}, not {prog_type}")

    # --- slots -------------------------------------------------------------------------------
    def slot(self, index: int) -> int:
        """The program id in slot ``index`` (0: empty)."""
        value: int = _U32.unpack_from(self.mem, HEADER + 4 * index)[0]
        return value

    def holds(self, object_id: int) -> bool:
        return any(self.slot(i) == object_id for i in range(self.max_entries))

    def check_fd_update(self, key: bytes, flags: int) -> None:
        """``bpf_fd_array_map_update_elem`` before the fd: only BPF_ANY, E2BIG past the end."""
        if flags != uapi.BPF_ANY:
            raise BPFError(errno.EINVAL, "prog array updates take only BPF_ANY")
        if index_of(key) >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")

    def store_object(self, key: bytes, target: FdTarget, flags: int) -> int:
        """Put program ``target`` into the slot ``key`` (claiming the array for its type)."""
        self.check_fd_update(key, flags)
        self.claim_owner(target.prog_type)
        index = index_of(key)
        old = self.slot(index)
        _U32.pack_into(self.mem, HEADER + 4 * index, target.id)
        return old

    def release_user_references(self) -> list[int]:
        """``bpf_fd_array_map_clear``: every slot emptied; the ids the slots held."""
        held = set(struct.unpack_from(f"<{self.max_entries}I", self.mem, HEADER)) - {0}
        self.mem[HEADER : HEADER + 4 * self.max_entries] = bytes(4 * self.max_entries)
        return sorted(held)

    def lookup(self, key: bytes) -> bytes:
        index = index_of(key)
        if index >= self.max_entries or not self.slot(index):
            raise KeyNotExistError()
        return _U32.pack(self.slot(index))

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        raise BPFError(errno.EINVAL, "prog array values are program fds (use store_object)")

    def delete(self, key: bytes) -> None:
        self.remove_object(key)

    def remove_object(self, key: bytes) -> int:
        """Empty slot ``key``; returns the id it held.  E2BIG past the end, ENOENT when empty."""
        index = index_of(key)
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        old = self.slot(index)
        if not old:
            raise KeyNotExistError()
        _U32.pack_into(self.mem, HEADER + 4 * index, 0)
        return old

    def get_next_key(self, key: bytes | None) -> bytes:
        return next_array_key(key, self.max_entries)
