"""BPF_MAP_TYPE_STRUCT_OPS: one kernel ``struct *_ops`` filled with programs, and its registration.

Mirrors ``bpf_struct_ops_map_ops`` of kernel/bpf/bpf_struct_ops.c with the ``init_member``, ``reg``
and ``validate`` of net/ipv4/bpf_tcp_ca.c and net/bpf/bpf_dummy_struct_ops.c (Linux 6.18):

* creation (``map_alloc_check``): a 4-byte key, one entry, no flag but BPF_F_LINK (and
  BPF_F_VTYPE_BTF_OBJ_FD) -- EINVAL; the value type and its size are the syscall layer's
  (``pybpf.kernel.struct_ops_map``), which gives the map the struct (``set_struct_ops``: its layout);
* update (``bpf_struct_ops_map_update_elem``): flags EINVAL, a key but 0 E2BIG, non-zero padding in
  the value or between the struct's members EINVAL, a value whose ``state`` or ``refcnt`` is set
  EINVAL; a map filled before EBUSY; then member by member: the ``struct module *`` owner must be
  zero, the type's own members (tcp_congestion_ops' ``name``: a valid non-empty object name;
  ``flags``: within TCP_CONG_MASK, 0x1f) are checked, every other data member must be zero, and each
  function pointer holds 0 or the fd of a struct_ops program loaded for this struct and this member
  (EINVAL; its fd's errno for a closed fd), which the map keeps, the value then holding the
  program's id; then the type's ``validate`` (tcp_congestion_ops: ssthresh, undo_cwnd and one of
  cong_avoid / cong_control, EINVAL), and -- with BPF_F_LINK -- state READY, else the type's ``reg``:
  state INUSE, or its error (a tcp_congestion_ops name already registered: EEXIST).  Every failure
  leaves the map empty again and drops the programs it took.  bpf_dummy_ops, the kernel's test
  type, never registers: EOPNOTSUPP once the value's fields are checked (measured);
* lookup (``bpf_struct_ops_map_sys_lookup_elem``): key 0 only (ENOENT), all zeros before an update,
  else the value as written with the programs' ids, its ``state`` and its ``refcnt`` (1 while
  registered: the registration's hold on the map); lookups from programs are refused by the
  verifier;
* delete (``bpf_struct_ops_map_delete_elem``): EOPNOTSUPP for a BPF_F_LINK map; INUSE unregisters
  (state TOBEFREE, the programs stay with the map), TOBEFREE answers EINPROGRESS, INIT ENOENT;
* next key: 0, and ENOENT after 0.

pybpf has no TCP stack: a registered tcp_congestion_ops is recorded (its name taken, as the
kernel's list of congestion controls holds it, alongside the running kernel's own names from
/proc/sys/net/ipv4/tcp_available_congestion_control) but never called.  The registration does not
keep the map alive once no fd, pin or program holds it (the kernel's does): its name is free again
then.  A BPF_F_LINK map is registered by its link (``pybpf.kernel.struct_ops_link``: ``link_reg``,
``link_update``, ``link_unreg``), the name's holder being the link, free again once the link is
detached or its last fd and pin are gone.

Storage: a 32-byte header (state, value type id, member count, type flags, offset and size of the
struct in the value), a table of ``MAX_MEMBERS`` member descriptors (offset, size, kind, index),
then the value as user space last wrote it (``uvalue``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import struct
from dataclasses import dataclass
from typing import ClassVar

from pybpf import uapi
from pybpf.btf.struct_ops import StructOpsDesc
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.base import FdTarget, MapOps, MapParams, ProgResolver
from pybpf.maps.registry import register
from pybpf.objects import refs
from pybpf.objects.files import OBJ_NAME_CHARS, bpffs_root

INIT, INUSE, TOBEFREE, READY = 0, 1, 2, 3
"""enum bpf_struct_ops_state."""
MAX_MEMBERS = 64
_HEADER = struct.Struct("<8I")  # state, value type id, members, flags, data at, size, type id, map id
_MEMBER = struct.Struct("<IIII")
_VALUE_AT = _HEADER.size + MAX_MEMBERS * _MEMBER.size
_COMMON = struct.Struct("<Ii")  # struct bpf_struct_ops_common_value: refcnt, state
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_ALLOWED_FLAGS = uapi.BPF_F_LINK | uapi.BPF_F_VTYPE_BTF_OBJ_FD
TCP_CONG_MASK = 0x1F
"""TCP_CONG_NON_RESTRICTED, _NEEDS_ECN, _NEEDS_ACCECN, _ECT_1_NEGOTIATION, _NO_FALLBACK_RFC3168
(include/net/tcp.h; measured on Linux 6.18: bits 0-4)."""
TCP_CA_NAME_MAX = 16
_KERNEL_CA = "/proc/sys/net/ipv4/tcp_available_congestion_control"
_REGISTRY_DIR = "tcp_congestion_ops"


class MemberKind:
    """What ``update`` does with a member (the kernel's walk over the struct's members)."""

    DATA = 0
    """Must be zero."""
    FUNC = 1
    """A function pointer: 0 or a program fd."""
    MODULE = 2
    """The ``struct module *`` owner: must be zero."""
    TCP_NAME = 3
    """tcp_congestion_ops' ``name`` (bpf_tcp_ca_init_member)."""
    TCP_FLAGS = 4
    """tcp_congestion_ops' ``flags``."""


class Role:
    """What the type's ``validate`` asks of a function-pointer member."""

    NONE = 0
    REQUIRED = 1
    """Must hold a program (tcp_congestion_ops: ssthresh, undo_cwnd)."""
    ONE_OF = 2
    """One of these must hold a program (tcp_congestion_ops: cong_avoid, cong_control)."""


class OpsFlag:
    """Per-type behaviour of ``validate`` and ``reg``."""

    TCP_CA = 1
    """tcp_congestion_ops: tcp_validate_congestion_control() and the registry of names."""
    NEVER_REGISTERS = 2
    """bpf_dummy_ops: EOPNOTSUPP once the value's fields are checked."""


@dataclass(frozen=True)
class Layout:
    """The struct a map holds, as the syscall layer found it in vmlinux BTF."""

    value_type_id: int
    type_id: int
    data_offset: int
    struct_size: int
    members: tuple[tuple[int, int, int, int], ...]
    """Each member's offset, size, ``MemberKind`` and ``Role``."""
    flags: int


@register(uapi.BPF_MAP_TYPE_STRUCT_OPS)
class StructOpsMap(MapOps):
    """One struct_ops value and its state."""

    can_be_inner = False
    own_btf_check = True
    can_freeze = False
    value_prog_fd_errno = True
    value_prog_fd_at: ClassVar[int | None] = 0
    """Values hold programs (``update_with_programs``); the ids sit at the members' offsets, which
    ``holds`` knows (offset 0 reads the value's refcnt, never a held program there)."""

    @classmethod
    def check(cls, params: MapParams) -> None:
        """``bpf_struct_ops_map_alloc_check``."""
        if params.key_size != 4 or params.max_entries != 1 or params.flags & ~_ALLOWED_FLAGS:
            raise BPFError(errno.EINVAL, "struct_ops maps: 4-byte key, one entry, only BPF_F_LINK")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return _VALUE_AT + params.value_size

    # --- the layout ----------------------------------------------------------------------------
    def set_struct_ops(self, desc: StructOpsDesc, map_id: int) -> None:
        """Record the struct's layout (``layout``) and the map's id (by the creator, before any use)."""
        self.set_layout(layout(desc), map_id)

    def set_layout(self, layout: Layout, map_id: int) -> None:
        """Record a struct's layout and the map's id."""
        if len(layout.members) > MAX_MEMBERS or layout.data_offset + layout.struct_size > self.value_size:
            raise BPFError(errno.EINVAL, "struct_ops layout does not fit the value")
        _HEADER.pack_into(
            self.mem, 0, INIT, layout.value_type_id, len(layout.members), layout.flags,
            layout.data_offset, layout.struct_size, layout.type_id, map_id,
        )  # fmt: skip
        for i, member in enumerate(layout.members):
            _MEMBER.pack_into(self.mem, _HEADER.size + i * _MEMBER.size, *member)

    def _header(self) -> tuple[int, int, int, int, int, int]:
        state, vid, count, flags, data_at, struct_size, _, _ = _HEADER.unpack_from(self.mem, 0)
        if count > MAX_MEMBERS or data_at + struct_size > self.value_size or state > READY:
            raise BPFError(errno.EUCLEAN, "struct_ops map header corrupted")
        return state, vid, count, flags, data_at, struct_size

    @property
    def value_type_id(self) -> int:
        """``btf_vmlinux_value_type_id``."""
        return self._header()[1]

    def _members(self) -> list[tuple[int, int, int, int]]:
        _, _, count, _, _, struct_size = self._header()
        found = []
        for i in range(count):
            offset, size, kind, role = _MEMBER.unpack_from(self.mem, _HEADER.size + i * _MEMBER.size)
            if offset + size > struct_size or kind > MemberKind.TCP_FLAGS or role > Role.ONE_OF:
                raise BPFError(errno.EUCLEAN, "struct_ops member table corrupted")
            found.append((offset, size, kind, role))
        return found

    def _set_state(self, state: int) -> None:
        _U32.pack_into(self.mem, 0, state)

    @property
    def _uvalue(self) -> memoryview:
        return self.mem[_VALUE_AT : _VALUE_AT + self.value_size]

    # --- element operations --------------------------------------------------------------------
    def _key(self, key: bytes) -> int:
        index: int = _U32.unpack(key)[0]
        return index

    def lookup(self, key: bytes) -> bytes:
        """``bpf_struct_ops_map_sys_lookup_elem``."""
        if self._key(key):
            raise KeyNotExistError()
        state = self._header()[0]
        if state == INIT:
            return bytes(self.value_size)
        value = bytearray(self._uvalue)
        _COMMON.pack_into(value, 0, 1 if state == INUSE else 0, state)
        return bytes(value)

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        raise BPFError(errno.EINVAL, "struct_ops values hold program fds (use update_with_programs)")

    def update_with_programs(self, key: bytes, value: bytes, flags: int, resolve: ProgResolver) -> int:
        """``bpf_struct_ops_map_update_elem``; its return value (see ``_fill``)."""
        if flags:
            raise BPFError(errno.EINVAL, "struct_ops updates take no flags")
        if self._key(key):
            raise BPFError(errno.E2BIG, "struct_ops maps have the key 0 only")
        state, _, _, ops, data_at, struct_size = self._header()
        members = self._members()
        holes = [(_COMMON.size, data_at), (data_at + struct_size, self.value_size)]
        end = 0
        for offset, size, _, _ in members:
            holes.append((data_at + end, data_at + offset))
            end = max(end, offset + size)
        holes.append((data_at + end, data_at + struct_size))
        if any(any(value[start:stop]) for start, stop in holes if stop > start):
            raise BPFError(errno.EINVAL, "non-zero padding in the struct_ops value")
        if any(value[: _COMMON.size]):
            raise BPFError(errno.EINVAL, "the value's state and refcnt must be zero")
        if ops & OpsFlag.NEVER_REGISTERS:
            raise BPFError(errno.EOPNOTSUPP, "bpf_dummy_ops cannot be registered")
        if state != INIT:
            raise BPFError(errno.EBUSY, "the struct_ops map is already in use")
        udata = bytearray(value)
        try:
            given_back = self._fill(udata, data_at, members, resolve)
            if given_back is not None:
                self._uvalue[:] = bytes(self.value_size)
                return given_back
            self._validate(udata, data_at, members)
            self._uvalue[:] = udata
            if self.params.flags & uapi.BPF_F_LINK:
                self._set_state(READY)
                return 0
            if ops & OpsFlag.TCP_CA:
                self._register_name(_tcp_name(udata, data_at, members))
            self._set_state(INUSE)
        except BaseException:
            self._uvalue[:] = bytes(self.value_size)
            raise
        return 0

    @staticmethod
    def _validate(udata: bytearray, data_at: int, members: list[tuple[int, int, int, int]]) -> None:
        """The type's ``validate`` (tcp_validate_congestion_control(): ssthresh, undo_cwnd and one
        of cong_avoid / cong_control, EINVAL)."""
        required = [_U64.unpack_from(udata, data_at + m[0])[0] for m in members if m[3] == Role.REQUIRED]
        one_of = [_U64.unpack_from(udata, data_at + m[0])[0] for m in members if m[3] == Role.ONE_OF]
        if not all(required) or (one_of and not any(one_of)):
            raise BPFError(errno.EINVAL, "the struct_ops value lacks a required operation")

    def _fill(
        self, udata: bytearray, data_at: int, members: list[tuple[int, int, int, int]], resolve: ProgResolver
    ) -> int | None:
        """The walk over the members: owner, the type's own members, data zero, programs taken.

        A non-zero owner ends the walk with the value the kernel's error variable holds then (the
        last ``init_member``'s answer: 1 after tcp_congestion_ops' ``name`` or ``flags``, else 0):
        the update returns it -- a success (0 or 1) that leaves the map empty."""
        err = 0
        for index, (offset, size, kind, _) in enumerate(members):
            at = data_at + offset
            raw = udata[at : at + size]
            if kind == MemberKind.MODULE:
                if any(raw):
                    return err
                continue
            err = 1 if kind in (MemberKind.TCP_NAME, MemberKind.TCP_FLAGS) else 0
            if kind == MemberKind.TCP_NAME:
                if not _valid_name(bytes(raw)):
                    raise BPFError(errno.EINVAL, "tcp_congestion_ops name: empty or invalid")
            elif kind == MemberKind.TCP_FLAGS:
                if _U32.unpack_from(raw)[0] & ~TCP_CONG_MASK:
                    raise BPFError(errno.EINVAL, "tcp_congestion_ops flags outside TCP_CONG_MASK")
            elif kind == MemberKind.DATA:
                if any(raw):
                    raise BPFError(errno.EINVAL, "a struct_ops data member must be zero")
            else:
                fd = struct.unpack_from("<i", raw)[0]
                if not fd:
                    continue
                self._member_index = index
                prog_id = resolve(fd)
                _U64.pack_into(udata, at, prog_id)
        return None

    _member_index = -1

    def check_value_prog(self, target: FdTarget) -> None:
        """The program of the member being filled: a struct_ops program of this struct and member."""
        if (
            target.prog_type != uapi.BPF_PROG_TYPE_STRUCT_OPS
            or target.attach_btf_id != self._struct_type_id
            or target.expected_attach_type != self._member_index
        ):
            raise BPFError(errno.EINVAL, "the program is not loaded for this struct_ops member")

    @property
    def _struct_type_id(self) -> int:
        return int(_HEADER.unpack_from(self.mem, 0)[6])

    def holds(self, object_id: int) -> bool:
        """Whether a function-pointer member holds the program ``object_id``."""
        if not object_id:
            return False
        _, _, _, _, data_at, _ = self._header()
        value = self._uvalue
        return any(
            kind == MemberKind.FUNC and _U64.unpack_from(value, data_at + offset)[0] == object_id
            for offset, _, kind, _ in self._members()
        )

    def delete(self, key: bytes) -> None:
        """``bpf_struct_ops_map_delete_elem``."""
        if self.params.flags & uapi.BPF_F_LINK:
            raise BPFError(errno.EOPNOTSUPP, "a BPF_F_LINK struct_ops map is unregistered by its link")
        state, _, _, ops, data_at, _ = self._header()
        if state == TOBEFREE:
            raise BPFError(errno.EINPROGRESS, "the struct_ops map is being unregistered")
        if state != INUSE:
            raise KeyNotExistError()
        if ops & OpsFlag.TCP_CA:
            self._unregister_name(_tcp_name(bytes(self._uvalue), data_at, self._members()))
        self._set_state(TOBEFREE)

    # --- links (bpf_struct_ops_link_create, bpf_struct_ops_map_link_update / _detach) ---------------
    def valid_to_reg(self) -> bool:
        """``bpf_struct_ops_valid_to_reg``: a BPF_F_LINK map whose update made it READY."""
        return bool(self.params.flags & uapi.BPF_F_LINK) and self._header()[0] == READY

    def _link_name(self) -> str | None:
        """The tcp_congestion_ops name of a READY map (None for a type without names)."""
        _, _, _, ops, data_at, _ = self._header()
        if not ops & OpsFlag.TCP_CA:
            return None
        return _tcp_name(bytes(self._uvalue), data_at, self._members())

    def link_reg(self, owner: str) -> None:
        """The type's ``reg`` by the link ``owner`` (``link-<id>``): tcp_congestion_ops registers its
        name (EEXIST when the kernel or a live registration has it)."""
        name = self._link_name()
        if name is not None:
            self._register_name(name, owner)

    def link_unreg(self, owner: str) -> None:
        """The type's ``unreg`` by the link ``owner``."""
        name = self._link_name()
        if name is not None:
            self._unregister_name(name, owner)

    def link_update(self, old: StructOpsMap, owner: str) -> None:
        """The type's ``update`` (tcp_update_congestion_control): this map's struct takes the place
        of ``old``'s under the same name (another name: EINVAL, measured), registered by ``owner``.
        EOPNOTSUPP for a type without ``update``."""
        name, old_name = self._link_name(), old._link_name()
        if name is None or old_name is None:
            raise BPFError(errno.EOPNOTSUPP, "this struct_ops type has no update")
        if name != old_name:
            raise BPFError(errno.EINVAL, "the new congestion control's name is not the one it replaces")
        self._register_name(name, owner, replace=True)

    def get_next_key(self, key: bytes | None) -> bytes:
        if key is not None and self._key(key) == 0:
            raise KeyNotExistError()
        return _U32.pack(0)

    # --- tcp_congestion_ops' names ------------------------------------------------------------------
    def _register_name(self, name: str, owner: str | None = None, *, replace: bool = False) -> None:
        """tcp_register_congestion_control(): EEXIST for a name the kernel or a live pybpf map has.
        ``owner``: who holds the registration (the map's id, or ``link-<id>`` for a link's);
        ``replace``: the owner's name taken again (a link's update)."""
        owner = str(self._map_id()) if owner is None else owner
        if replace:
            directory = os.path.join(bpffs_root(), _REGISTRY_DIR)
            os.makedirs(directory, exist_ok=True)
            with open(os.path.join(directory, name), "w") as f:
                f.write(owner)
            return
        if name in _kernel_names():
            raise BPFError(errno.EEXIST, f"congestion control {name} already registered")
        root = bpffs_root()
        directory = os.path.join(root, _REGISTRY_DIR)
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, name)
        for _ in range(2):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
            except FileExistsError:
                if _owner_alive(root, path):
                    raise BPFError(errno.EEXIST, f"congestion control {name} already registered") from None
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
                continue
            with os.fdopen(fd, "w") as f:
                f.write(owner)
            return
        raise BPFError(errno.EEXIST, f"congestion control {name} already registered")

    def _unregister_name(self, name: str, owner: str | None = None) -> None:
        path = os.path.join(bpffs_root(), _REGISTRY_DIR, name)
        with contextlib.suppress(OSError):
            with open(path) as f:
                holder = f.read().strip()
            if holder == (str(self._map_id()) if owner is None else owner):
                os.unlink(path)

    def _map_id(self) -> int:
        """The map's id: the registry records who holds a name."""
        return int(_HEADER.unpack_from(self.mem, 0)[7])


_TCP_ROLES = {"ssthresh": Role.REQUIRED, "undo_cwnd": Role.REQUIRED,
              "cong_avoid": Role.ONE_OF, "cong_control": Role.ONE_OF}  # fmt: skip
_TCP_KINDS = {"name": MemberKind.TCP_NAME, "flags": MemberKind.TCP_FLAGS}
_OPS_FLAGS = {"tcp_congestion_ops": OpsFlag.TCP_CA, "bpf_dummy_ops": OpsFlag.NEVER_REGISTERS}


def layout(desc: StructOpsDesc) -> Layout:
    """What the map needs to know of a struct_ops type: each member's offset, size and what an update
    does with it (a function pointer, the ``struct module *`` owner, the type's own members -- the
    ``init_member`` of net/ipv4/bpf_tcp_ca.c --, data that must be zero), what the type's
    ``validate`` requires, and how it registers."""
    tcp = desc.name == "tcp_congestion_ops"
    members = []
    for m in desc.members:
        if m.module:
            kind = MemberKind.MODULE
        elif m.proto:
            kind = MemberKind.FUNC
        else:
            kind = _TCP_KINDS.get(m.name, MemberKind.DATA) if tcp else MemberKind.DATA
        role = _TCP_ROLES.get(m.name, Role.NONE) if tcp and kind == MemberKind.FUNC else Role.NONE
        members.append((m.offset, m.size, kind, role))
    return Layout(
        desc.value_id, desc.type_id, desc.data_offset, desc.size, tuple(members), _OPS_FLAGS.get(desc.name, 0)
    )


def _owner_alive(root: str, path: str) -> bool:
    """Whether the registration at ``path`` still has its holder: a live map, or a live link (a
    link's registration goes with its last fd and pin)."""
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return False
    kind, _, number = text.rpartition("-")
    if not number.isdigit() or int(number) == 0 or kind not in ("", "link"):
        return False
    if kind == "link":
        return refs.holder_alive(root, "link", int(number))
    return os.path.isdir(refs.holder_dir(root, "map", int(number)))


def _kernel_names() -> frozenset[str]:
    """The congestion controls the running kernel has registered."""
    try:
        with open(_KERNEL_CA) as f:
            return frozenset(f.read().split())
    except OSError:
        return frozenset({"reno", "cubic"})


def _valid_name(raw: bytes) -> bool:
    """bpf_obj_name_cpy() > 0: a non-empty name of the object-name characters, NUL-terminated."""
    end = raw.find(b"\0")
    return end > 0 and OBJ_NAME_CHARS.issuperset(raw[:end])


def _tcp_name(udata: bytes | bytearray, data_at: int, members: list[tuple[int, int, int, int]]) -> str:
    """The name member of a tcp_congestion_ops value."""
    for offset, size, kind, _ in members:
        if kind == MemberKind.TCP_NAME:
            raw = bytes(udata[data_at + offset : data_at + offset + size])
            return raw.split(b"\0", 1)[0].decode("latin-1")
    raise BPFError(errno.EUCLEAN, "tcp_congestion_ops layout without a name")
