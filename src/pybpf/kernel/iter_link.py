"""Iterator links (BPF_LINK_CREATE with BPF_TRACE_ITER) and BPF_ITER_CREATE: running an iterator
program over pybpf's own maps and programs into a seq_file.

Mirrors kernel/bpf/bpf_iter.c of Linux 6.18 (``bpf_iter_link_attach``, ``bpf_iter_link_replace``,
``bpf_iter_link_fill_link_info``, ``bpf_iter_new_fd``, ``bpf_seq_read``) and the bpf_map,
bpf_prog and bpf_map_elem targets (kernel/bpf/map_iter.c, prog_iter.c, the element iterators of
hashtab.c and arraymap.c):

* attach: a ``target_fd`` or ``flags`` is EINVAL; ``iter_info`` and ``iter_info_len`` come
  together (EINVAL), the bytes past ``union bpf_iter_link_info`` must be zero (E2BIG); the program's
  target (its ``bpf_iter_<target>`` function) must be one pybpf serves, ``SERVED_TARGETS``: the
  others (task, tcp, cgroup ...: the kernel's objects, which pybpf does not have) are ENOENT, the
  kernel's answer for a target it lacks.  The bpf_map and bpf_prog targets take no ``iter_info``
  (ignored, as there); bpf_map_elem takes its map from ``iter_info.map.map_fd``
  (``bpf_iter_attach_map``: none is EBADF, a map type without element iterator EINVAL, a program
  reaching more of the key or value than the map has -- ``max_rdonly_access`` /
  ``max_rdwr_access`` -- EACCES), which the link holds and names in its info (``iter.map.map_id``).
* the link: BPF_LINK_TYPE_ITER, info ``iter.target_name`` / ``target_name_len`` (both or neither:
  EINVAL; too short a buffer gets the truncated name and ENOSPC), no detach (EOPNOTSUPP),
  ``update_prog`` to a program of the same type, attach type and BTF id (EINVAL), and with
  BPF_F_REPLACE only from the link's own program (EPERM).
* BPF_ITER_CREATE: no ``flags`` (EINVAL), an iterator link (EINVAL for another), an fd whose reads
  yield what the program wrote for each object in id order -- ``ctx->meta->seq_num`` counts the
  objects, ``session_id`` the iterator fds opened -- and, once past the last, what it wrote for a
  NULL object (bpf_map_elem: each element of the map, its key read-only, its value in place or, for
  a per-CPU map, a copy of every CPU's; the NULL call has the map but no key nor value).
  ``bpf_seq_read``'s rules: a program returning 1 ends the read before its object,
  which the next read retries (alone in the buffer: EAGAIN); an object whose output overflows the
  ``SEQ_BUF_SIZE`` buffer ends the read before it, alone E2BIG.

The objects a program sees are the kernel's structs (``struct bpf_map``, ``struct bpf_prog`` and
its ``bpf_prog_aux``) laid out as the running kernel's BTF says, read-only, with the fields pybpf
knows filled in (``_MAP_FIELDS``, ``_PROG_FIELDS``, ``_AUX_FIELDS``) and zeros elsewhere.

pybpf has no hook on read(2): the output is produced when the iterator fd is created, as reads of
a large buffer would produce it (``run_iterator``), into the fd's file (an unnamed tmpfs file), so
reads yield exactly the kernel's bytes for the objects alive then; ``pybpf.kernel.iter_read``
keeps each object's share of them and the error that ends the walk on the file and answers each
read as ``bpf_seq_read`` does -- the same chunks for any read size, EAGAIN and E2BIG on the same
reads (``read_iter``: reads until the end).  A plain ``os.read`` of the fd gets the bytes, then end
of file where the kernel's read fails.
"""

from __future__ import annotations

import abc
import contextlib
import ctypes
import errno
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pybpf import uapi
from pybpf.btf.kinds import Kind
from pybpf.btf.types import BTF, BTFError
from pybpf.errors import BPFError, ExecutionError, ProgramFaultError
from pybpf.helpers.map_image import MAP_FIELDS, Getter, member_bytes
from pybpf.helpers.seq_file import IterRunEnv, Seq
from pybpf.kernel import iter_read, link_obj
from pybpf.kernel.link_obj import LinkObject
from pybpf.kernel.prog_run import EXEC_MEMORY, ProgRuntime, Runner
from pybpf.kernel.progobj import ProgObject
from pybpf.kernel.usermem import copy_from_user, copy_to_user
from pybpf.maps.base import BatchWalk
from pybpf.maps.object import MapObject
from pybpf.memory.regions import READ, WRITE, Region
from pybpf.objects import refs
from pybpf.objects.files import bpffs_root, next_object_id
from pybpf.verifier.kernel_btf import vmlinux_btf

ITER_PREFIX = "bpf_iter_"
SERVED_TARGETS = ("bpf_map", "bpf_prog", "bpf_map_elem")
"""The iterator targets pybpf serves from its own objects."""
ELEM_MAP_TYPES = frozenset(
    {uapi.BPF_MAP_TYPE_HASH, uapi.BPF_MAP_TYPE_LRU_HASH, uapi.BPF_MAP_TYPE_ARRAY,
     uapi.BPF_MAP_TYPE_PERCPU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH, uapi.BPF_MAP_TYPE_PERCPU_ARRAY}
)  # fmt: skip
"""The map types with a bpf_map_elem iterator (their ``iter_seq_info``: hashtab.c, arraymap.c)."""
_LINK_INFO_SIZE = ctypes.sizeof(uapi.bpf_iter_link_info)
_CTX_SIZE = 32
"""The largest iterator ctx pybpf builds (``struct bpf_iter__bpf_map_elem``: meta, map, key, value)."""


# --- the link ---------------------------------------------------------------------------------------


def target_of(prog: ProgObject) -> str | None:
    """The iterator target of a program (its ``bpf_iter_<target>`` function), None for none."""
    btf = vmlinux_btf()
    btf_id = prog.meta.attach_btf_id
    if btf is None or not btf_id:
        return None
    try:
        name = btf[btf_id].name
    except (BTFError, IndexError, KeyError):
        return None
    return name[len(ITER_PREFIX) :] if name.startswith(ITER_PREFIX) else None


def attach(prog_fd: int, a: Any) -> int:
    """``bpf_iter_link_attach``: a new iterator link of program ``prog_fd`` (``a``: the attr's
    ``link_create``)."""
    if a.target_fd or a.flags:
        raise BPFError(errno.EINVAL, "an iterator link takes no target_fd nor flags")
    if bool(a.iter_info) != bool(a.iter_info_len):
        raise BPFError(errno.EINVAL, "iter_info and iter_info_len come together")
    if a.iter_info:
        length = a.iter_info_len
        if length > 4096:
            raise BPFError(errno.E2BIG, "iter_info_len larger than a page")
        if length > _LINK_INFO_SIZE and any(
            copy_from_user(a.iter_info + _LINK_INFO_SIZE, length - _LINK_INFO_SIZE)
        ):
            raise BPFError(errno.E2BIG, "non-zero bytes past union bpf_iter_link_info")
    info = uapi.bpf_iter_link_info()
    if a.iter_info:  # read, as the kernel does (EFAULT)
        raw = copy_from_user(a.iter_info, min(a.iter_info_len, _LINK_INFO_SIZE))
        info = uapi.bpf_iter_link_info.from_buffer_copy(raw.ljust(_LINK_INFO_SIZE, b"\0"))
    prog = ProgObject.from_fd(prog_fd)
    target = target_of(prog)
    if target not in SERVED_TARGETS:
        raise BPFError(errno.ENOENT, f"pybpf has no iterator target {target!r} (it serves {SERVED_TARGETS})")
    record: dict[str, Any] = {"type": uapi.BPF_LINK_TYPE_ITER, "prog_id": prog.id,
                              "attach_type": uapi.BPF_TRACE_ITER, "target": target}  # fmt: skip
    held = [("prog", prog.id, prog_fd)]
    if target == "bpf_map_elem":
        map_fd = info.map.map_fd
        _attach_map(prog, map_fd)
        record["map_id"] = MapObject.from_fd(map_fd).id
        held.append(("map", record["map_id"], map_fd))
    return link_obj.create(record, held)


def _attach_map(prog: ProgObject, map_fd: int) -> None:
    """``bpf_iter_attach_map`` (kernel/bpf/map_iter.c): the map of ``iter_info.map.map_fd`` (none:
    EBADF) must be a hash, LRU hash or array map, per-CPU or not (EINVAL), and the program may reach
    no more of its key and value (of all CPUs' values, 8-byte rounded, for per-CPU maps) than the
    map has (EACCES: what the verifier could not check, knowing no map)."""
    if not map_fd:
        raise BPFError(errno.EBADF, "a bpf_map_elem iterator needs iter_info.map.map_fd")
    if map_fd > 0x7FFFFFFF:  # (a u32: no process has such an fd)
        raise BPFError(errno.EBADF, f"fd {map_fd} is not open")
    map_obj = MapObject.from_fd(map_fd)
    params = map_obj.params
    if params.map_type not in ELEM_MAP_TYPES:
        raise BPFError(errno.EINVAL, f"map type {params.map_type} has no element iterator")
    value_size = map_obj.impl.user_value_size  # (bpf_map_value_size(): per-CPU maps' every slot)
    meta = prog.meta
    if meta.max_rdonly_access > params.key_size or meta.max_rdwr_access > value_size:
        raise BPFError(
            errno.EACCES,
            f"the program reaches {meta.max_rdonly_access} bytes of key, {meta.max_rdwr_access} of value; "
            f"the map has {params.key_size} and {value_size}",
        )


def _fill_info(link: LinkObject, info: Any) -> None:
    """``bpf_iter_link_fill_link_info``; the bpf_map_elem target adds its map's id
    (``bpf_iter_map_fill_link_info``), the bpf_map and bpf_prog targets nothing."""
    name = str(link.record.get("target", "")).encode()
    address, size = info.iter.target_name, info.iter.target_name_len
    if bool(address) != bool(size):
        raise BPFError(errno.EINVAL, "target_name and target_name_len come together")
    info.iter.target_name_len = len(name) + 1
    if address:
        if size >= len(name) + 1:
            copy_to_user(address, name + b"\0")
        else:
            copy_to_user(address, name[: size - 1] + b"\0")
            raise BPFError(errno.ENOSPC, "target_name_len too short for the target's name")
    if "map_id" in link.record:  # bpf_iter_map_fill_link_info
        info.iter.map.map_id = int(link.record["map_id"])


def _update_prog(link: LinkObject, new_fd: int, old_fd: int | None) -> None:
    """``bpf_iter_link_replace``."""
    new = ProgObject.from_fd(new_fd)
    with link_obj.changing(link) as record:
        current = int(record["prog_id"])
        if old_fd is not None and ProgObject.from_fd(old_fd).id != current:
            raise BPFError(errno.EPERM, "old_prog_fd is not the link's program")
        held = link.held_fd("prog", current)
        try:
            now = ProgObject.from_fd(held).meta
        finally:
            os.close(held)
        meta = new.meta
        if (now.prog_type, now.expected_attach_type, now.attach_btf_id) != (
            meta.prog_type, meta.expected_attach_type, meta.attach_btf_id,
        ):  # fmt: skip
            raise BPFError(errno.EINVAL, "the new program's type, attach type or target differs")
        link_obj.swap_held(link, "prog", current, (new.id, new_fd))
        record["prog_id"] = new.id


link_obj.register_type(
    uapi.BPF_LINK_TYPE_ITER, link_obj.LinkType(fill_info=_fill_info, update_prog=_update_prog)
)


# --- the objects a program sees ---------------------------------------------------------------------


class _KernelStruct:
    """A zeroed ``struct <name>`` of the running kernel's layout, fields set by member path."""

    def __init__(self, btf: BTF, name: str) -> None:
        found = [i for i in btf.ids_by_name(name) if btf[i].kind == Kind.STRUCT]
        if not found:
            raise BPFError(errno.ENOENT, f"the kernel's BTF has no struct {name}")
        self.btf, self.type_id = btf, found[0]
        self.data = bytearray(btf.size_of(self.type_id))

    def set(self, path: str, value: int | bytes | None) -> None:
        """Set member ``path`` (nothing for None, an unknown value, or a member this kernel lacks)."""
        placed = None if value is None else member_bytes(self.btf, self.type_id, path, value)
        if placed is not None:
            at, raw = placed
            self.data[at : at + len(raw)] = raw


_MAP_FIELDS: tuple[tuple[str, Getter], ...] = (*MAP_FIELDS, ("frozen", lambda m: int(m.frozen)))
"""The ``struct bpf_map`` members a program reads through the map pointer (``pybpf.helpers.map_image``)
and, as the iteration sees it now, ``frozen``; None: unknown (left 0)."""
_PROG_FIELDS: tuple[tuple[str, Callable[[ProgObject], int | bytes]], ...] = (
    ("type", lambda p: p.meta.prog_type),
    ("expected_attach_type", lambda p: p.meta.expected_attach_type),
    ("len", lambda p: sum(insn.slots for insn in p.xlated)),
    ("tag", lambda p: bytes.fromhex(p.meta.tag)[:8]),
)
_AUX_FIELDS: tuple[tuple[str, Callable[[ProgObject], int | bytes]], ...] = (
    ("id", lambda p: p.id),
    ("name", lambda p: p.meta.name.encode()[:15]),
    ("verified_insns", lambda p: p.meta.verified_insns),
    ("attach_btf_id", lambda p: p.meta.attach_btf_id),
    ("load_time", lambda p: p.meta.load_time),
)


class _Regions:
    """The read-only regions one iteration registers in the programs' address space."""

    def __init__(self) -> None:
        self.regions: list[Region] = []

    def add(self, data: bytes | bytearray, name: str) -> int:
        return self.region(data, name).start

    def region(self, data: bytes | bytearray, name: str) -> Region:
        region = EXEC_MEMORY.add_buffer(max(len(data), 1), writable=False, name=name)
        region.view[: len(data)] = data
        self.regions.append(region)
        return region

    def remove(self, keep: int = 0) -> None:
        while len(self.regions) > keep:
            EXEC_MEMORY.remove_region(self.regions.pop())


def _live_ids(kind: str) -> list[int]:
    root = bpffs_root()
    refs.collect(root)
    return refs.holder_ids(root, kind)


@contextlib.contextmanager
def _opened(kind: str, object_id: int) -> Iterator[int | None]:
    try:
        fd = refs.open_holder(bpffs_root(), kind, object_id, os.O_RDONLY)
    except BPFError:
        yield None
        return
    try:
        yield fd
    finally:
        os.close(fd)


def _map_struct(btf: BTF, fd: int, regions: _Regions) -> int:
    obj = MapObject.from_fd(fd)
    struct = _KernelStruct(btf, "bpf_map")
    for path, get in _MAP_FIELDS:
        struct.set(path, get(obj))
    return regions.add(struct.data, f"struct bpf_map of map {obj.id}")


def _prog_struct(btf: BTF, fd: int, regions: _Regions) -> int:
    prog = ProgObject.from_fd(fd)
    aux = _KernelStruct(btf, "bpf_prog_aux")
    for path, get in _AUX_FIELDS:
        aux.set(path, get(prog))
    struct = _KernelStruct(btf, "bpf_prog")
    for path, get in _PROG_FIELDS:
        struct.set(path, get(prog))
    struct.set("aux", regions.add(aux.data, f"struct bpf_prog_aux of program {prog.id}"))
    return regions.add(struct.data, f"struct bpf_prog of program {prog.id}")


class _Source(abc.ABC):
    """What one iteration walks: ``items`` in order (object ids, or a map's keys) and, for each,
    the ctx's pointers after the ``bpf_iter_meta`` (``show``: None when the item is gone since it
    was listed, skipped as the kernel never finds it) and those of the call past the last (``stop``)."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    @abc.abstractmethod
    def prepare(self, btf: BTF, regions: _Regions) -> None:
        """Register what every call shares (kept to the end of the iteration)."""

    @abc.abstractmethod
    def show(self, btf: BTF, index: int, regions: _Regions) -> list[int] | None:
        """The ctx's pointers for item ``index`` (None: gone)."""

    def stop(self, btf: BTF, regions: _Regions) -> list[int]:
        return [0]


class _Objects(_Source):
    """The bpf_map and bpf_prog targets: pybpf's live maps or programs in id order, each shown as
    the kernel's struct (``build``)."""

    def __init__(self, kind: str, build: Callable[[BTF, int, _Regions], int]) -> None:
        super().__init__(_live_ids(kind))
        self.kind, self.build = kind, build

    def prepare(self, btf: BTF, regions: _Regions) -> None:
        """Nothing: each object is its own struct."""

    def show(self, btf: BTF, index: int, regions: _Regions) -> list[int] | None:
        with _opened(self.kind, self.items[index]) as fd:
            return None if fd is None else [self.build(btf, fd, regions)]


class _Elements(_Source):
    """The bpf_map_elem target (kernel/bpf/hashtab.c's and arraymap.c's ``bpf_iter_seq_info``):
    the elements of the link's map -- a hash map's bucket by bucket, an array's every index --
    as ``struct bpf_iter__bpf_map_elem``'s ``map``, ``key`` (read-only) and ``value``: the
    element's own value, written in place, or for a per-CPU map a copy of every possible CPU's
    (8-byte rounded slots, the kernel's ``percpu_value_buf``: writes are lost).  The keys are
    listed when the iteration starts; an element deleted since is skipped."""

    def __init__(self, obj: MapObject) -> None:
        impl = obj.impl
        with obj.lock:
            if impl.batch_walk is BatchWalk.BUCKETS:
                keys = [key for b in range(impl.bucket_count()) for key, _ in impl.bucket_items(b)]
            else:
                keys, key = [], None
                with contextlib.suppress(BPFError):  # the end of the map
                    while True:
                        key = impl.get_next_key(key)
                        keys.append(key)
        super().__init__(keys)
        self.obj = obj
        self.map_address = 0

    def prepare(self, btf: BTF, regions: _Regions) -> None:
        struct = _KernelStruct(btf, "bpf_map")
        for path, get in _MAP_FIELDS:
            struct.set(path, get(self.obj))
        self.map_address = regions.add(struct.data, f"struct bpf_map of map {self.obj.id}")

    def show(self, btf: BTF, index: int, regions: _Regions) -> list[int] | None:
        obj, key = self.obj, self.items[index]
        name = obj.name.decode(errors="replace") or f"id {obj.id}"
        with obj.lock:
            if obj.impl.percpu:
                try:
                    value: bytes | None = obj.impl.lookup(key)
                except BPFError:
                    value = None
                offset = None
            else:
                value, offset = None, obj.impl.peek_value_offset(key, 0)
        if value is None and offset is None:
            return None
        key_address = regions.add(key, f"key of map {name!r}")
        if value is not None:
            value_region = EXEC_MEMORY.add_buffer(len(value), name=f"per-CPU values of map {name!r}")
            value_region.view[:] = value
        else:
            assert offset is not None
            size = obj.params.value_size
            view = memoryview(obj.mm)[offset : offset + size]
            address = obj.address + offset
            if EXEC_MEMORY.region_at(address) is not None:  # the program looked it up itself this run
                return [self.map_address, key_address, address]
            value_region = EXEC_MEMORY.add_view(
                view, address, access=READ | WRITE, name=f"value of map {name!r}"
            )
        regions.regions.append(value_region)
        return [self.map_address, key_address, value_region.start]

    def stop(self, btf: BTF, regions: _Regions) -> list[int]:
        return [self.map_address, 0, 0]


def _source(target: str, link: LinkObject) -> _Source:
    if target == "bpf_map":
        return _Objects("map", _map_struct)
    if target == "bpf_prog":
        return _Objects("prog", _prog_struct)
    map_id = int(link.record["map_id"])
    fd = refs.open_ref(bpffs_root(), ("link", link.id), ("map", map_id), os.O_RDWR)
    try:
        return _Elements(MapObject.from_fd(fd))
    finally:
        os.close(fd)


# --- BPF_ITER_CREATE ----------------------------------------------------------------------------------


def iter_create(link_fd: int, flags: int) -> int:
    """``bpf_iter_create``: an fd whose reads yield the iteration's output."""
    if flags:
        raise BPFError(errno.EINVAL, "BPF_ITER_CREATE takes no flags")
    link = LinkObject.from_fd(link_fd)
    if link.type != uapi.BPF_LINK_TYPE_ITER:
        raise BPFError(errno.EINVAL, "not an iterator link")
    held = link.held_fd("prog", link.prog_id)
    try:
        prog = ProgObject.from_fd(held)
        output = run_iterator(prog, _source(str(link.record.get("target", "")), link))
    finally:
        os.close(held)
    fd = os.open(bpffs_root(), os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o600)
    try:
        os.pwrite(fd, bytes(output.data), 0)
        iter_read.record(
            fd, output.sizes, stop=output.stop, error=output.error, error_in_stop=output.error_in_stop
        )
        return os.open(f"/proc/self/fd/{fd}", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        os.close(fd)


def read_iter(fd: int, size: int = 1 << 20) -> tuple[bytes, int]:
    """What reads of ``size`` bytes of an iterator fd yield until the end (``iter_read`` after
    ``iter_read``), and the errno that ends them (EAGAIN, E2BIG; 0: none)."""
    chunks = []
    try:
        while chunk := iter_read.read(fd, size):
            chunks.append(chunk)
    except BPFError as exc:
        return b"".join(chunks), exc.errno or errno.EIO
    return b"".join(chunks), 0


@dataclass
class IterOutput:
    """An iteration run through as reads of a large buffer would run it: the bytes, each item's
    share of them -- the objects' outputs kept, then the call past the last (``stop``) when it was
    kept -- and the errno that ended it (EAGAIN: the next object asks for a retry, E2BIG: the next
    object, or the stop call when ``error_in_stop``, overflows an empty buffer; 0: none)."""

    data: bytearray = field(default_factory=bytearray)
    sizes: list[int] = field(default_factory=list)
    stop: bool = False
    error: int = 0
    error_in_stop: bool = False


def run_iterator(prog: ProgObject, source: _Source) -> IterOutput:
    """``bpf_seq_read`` called with a large buffer until it has nothing more (``IterOutput``)."""
    btf = vmlinux_btf()
    if btf is None:
        raise BPFError(errno.ENOENT, "no kernel BTF: no iterator target")
    runtime = ProgRuntime.of(prog)
    session_id = next_object_id("iter-session")
    items = source.items
    result = IterOutput()
    out = result.data
    seq = Seq()
    regions = _Regions()
    try:
        with Runner(runtime) as runner:
            meta = _KernelStruct(btf, "bpf_iter_meta")
            seq_struct = _KernelStruct(btf, "seq_file")
            meta.set("seq", regions.add(seq_struct.data, "struct seq_file"))
            meta.set("session_id", session_id)
            meta_region = regions.region(meta.data, "struct bpf_iter_meta")
            seq_num_at = btf.member_at(meta.type_id, "seq_num").bit_offset // 8
            ctx_region = regions.region(bytes(_CTX_SIZE), "iterator ctx")
            source.prepare(btf, regions)
            base = len(regions.regions)
            env = IterRunEnv(seq=seq)
            index = 0
            while True:
                offs = len(seq.data)
                seq_num = min(index, max(len(items) - 1, 0))
                meta_region.view[seq_num_at : seq_num_at + 8] = seq_num.to_bytes(8, "little")
                if index < len(items):
                    pointers = source.show(btf, index, regions)
                    if pointers is None:  # gone since it was listed (the kernel skips it too)
                        items.pop(index)
                        regions.remove(base)
                        continue
                else:
                    pointers = source.stop(btf, regions)
                ctx = b"".join(p.to_bytes(8, "little") for p in [meta_region.start, *pointers])
                ctx_region.view[: len(ctx)] = ctx
                retval = runner.run(ctx_region.start, env)
                regions.remove(base)
                in_stop = index == len(items)  # the program's call past the end, whose result is ignored
                if not seq.overflowed and (retval == 0 or in_stop):
                    result.sizes.append(len(seq.data) - offs)
                    if in_stop:
                        out += seq.data
                        result.stop = True
                        return result
                    index += 1
                    continue
                seq.truncate(offs)
                out += seq.data
                seq.truncate(0)
                if offs == 0:  # alone in the buffer: the read fails
                    result.error = errno.EAGAIN if retval and not in_stop else errno.E2BIG
                    result.error_in_stop = in_stop
                    return result
    except ExecutionError as fault:  # a program the structural verifier let through faulted
        raise ProgramFaultError(fault) from fault
    finally:
        regions.remove()


__all__ = [
    "SERVED_TARGETS",
    "IterOutput",
    "attach",
    "iter_create",
    "read_iter",
    "run_iterator",
    "target_of",
]
