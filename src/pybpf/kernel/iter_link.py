"""Iterator links (BPF_LINK_CREATE with BPF_TRACE_ITER) and BPF_ITER_CREATE: running an iterator
program over pybpf's own maps and programs into a seq_file.

Mirrors kernel/bpf/bpf_iter.c of Linux 6.18 (``bpf_iter_link_attach``, ``bpf_iter_link_replace``,
``bpf_iter_link_fill_link_info``, ``bpf_iter_new_fd``, ``bpf_seq_read``) and the bpf_map and
bpf_prog targets (kernel/bpf/map_iter.c, prog_iter.c):

* attach: a ``target_fd`` or ``flags`` is EINVAL; ``iter_info`` and ``iter_info_len`` come
  together (EINVAL), the bytes past ``union bpf_iter_link_info`` must be zero (E2BIG); the program's
  target (its ``bpf_iter_<target>`` function) must be one pybpf serves, ``SERVED_TARGETS``: the
  others (task, tcp, cgroup ...: the kernel's objects, which pybpf does not have) are ENOENT, the
  kernel's answer for a target it lacks.  The bpf_map and bpf_prog targets take no ``iter_info``
  (ignored, as there).
* the link: BPF_LINK_TYPE_ITER, info ``iter.target_name`` / ``target_name_len`` (both or neither:
  EINVAL; too short a buffer gets the truncated name and ENOSPC), no detach (EOPNOTSUPP),
  ``update_prog`` to a program of the same type, attach type and BTF id (EINVAL), and with
  BPF_F_REPLACE only from the link's own program (EPERM).
* BPF_ITER_CREATE: no ``flags`` (EINVAL), an iterator link (EINVAL for another), an fd whose reads
  yield what the program wrote for each object in id order -- ``ctx->meta->seq_num`` counts the
  objects, ``session_id`` the iterator fds opened -- and, once past the last, what it wrote for a
  NULL object.  ``bpf_seq_read``'s rules: a program returning 1 ends the read before its object,
  which the next read retries (alone in the buffer: EAGAIN); an object whose output overflows the
  ``SEQ_BUF_SIZE`` buffer ends the read before it, alone E2BIG.

The objects a program sees are the kernel's structs (``struct bpf_map``, ``struct bpf_prog`` and
its ``bpf_prog_aux``) laid out as the running kernel's BTF says, read-only, with the fields pybpf
knows filled in (``_MAP_FIELDS``, ``_PROG_FIELDS``, ``_AUX_FIELDS``) and zeros elsewhere.

pybpf has no hook on read(2): the output is produced when the iterator fd is created, into the
fd's file (an unnamed tmpfs file), so reads yield exactly the kernel's bytes for the objects alive
then; the error that ends the kernel's reads (EAGAIN, E2BIG) is kept on the file
(``ITER_ERRNO_XATTR``) for ``read_iter``, which raises it after the data as the kernel's reads do.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
from collections.abc import Callable, Iterator
from typing import Any

from pybpf import uapi
from pybpf.btf.kinds import Kind
from pybpf.btf.types import BTF, BTFError
from pybpf.errors import BPFError, ExecutionError, ProgramFaultError
from pybpf.helpers.seq_file import IterRunEnv, Seq
from pybpf.kernel import link_obj
from pybpf.kernel.link_obj import LinkObject
from pybpf.kernel.prog_run import EXEC_MEMORY, ProgRuntime, Runner
from pybpf.kernel.progobj import ProgObject
from pybpf.kernel.usermem import copy_from_user, copy_to_user
from pybpf.maps.object import MapObject
from pybpf.memory.regions import Region
from pybpf.objects import refs
from pybpf.objects.files import bpffs_root, next_object_id
from pybpf.verifier.kernel_btf import vmlinux_btf

ITER_PREFIX = "bpf_iter_"
SERVED_TARGETS = ("bpf_map", "bpf_prog")
"""The iterator targets pybpf serves from its own objects."""
ITER_ERRNO_XATTR = "user.pybpf.iter_errno"
_LINK_INFO_SIZE = ctypes.sizeof(uapi.bpf_iter_link_info)


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
        copy_from_user(a.iter_info, min(length, _LINK_INFO_SIZE))  # read, as the kernel does (EFAULT)
    prog = ProgObject.from_fd(prog_fd)
    target = target_of(prog)
    if target not in SERVED_TARGETS:
        raise BPFError(errno.ENOENT, f"pybpf has no iterator target {target!r} (it serves {SERVED_TARGETS})")
    record = {"type": uapi.BPF_LINK_TYPE_ITER, "prog_id": prog.id, "attach_type": uapi.BPF_TRACE_ITER,
              "target": target}  # fmt: skip
    return link_obj.create(record, [("prog", prog.id, prog_fd)])


def _fill_info(link: LinkObject, info: Any) -> None:
    """``bpf_iter_link_fill_link_info`` (the bpf_map and bpf_prog targets add nothing)."""
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

    def set(self, path: str, value: int | bytes) -> None:
        try:
            member = self.btf.member_at(self.type_id, path)
            size = self.btf.size_of(member.type_id)
        except BTFError:
            return  # a field this kernel does not have
        at = member.bit_offset // 8
        raw = (
            value if isinstance(value, bytes) else (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
        )
        self.data[at : at + size] = raw[:size].ljust(size, b"\0")


_MAP_FIELDS: tuple[tuple[str, Callable[[MapObject], int | bytes]], ...] = (
    ("map_type", lambda m: m.params.map_type),
    ("key_size", lambda m: m.params.key_size),
    ("value_size", lambda m: m.params.value_size),
    ("max_entries", lambda m: m.params.max_entries),
    ("map_extra", lambda m: m.params.map_extra),
    ("map_flags", lambda m: m.params.flags),
    ("id", lambda m: m.id),
    ("name", lambda m: m.name[:15]),
    ("numa_node", lambda m: m.params.numa_node),
    ("btf_key_type_id", lambda m: m.btf_key_type_id),
    ("btf_value_type_id", lambda m: m.btf_value_type_id),
    ("btf_vmlinux_value_type_id", lambda m: getattr(m.impl, "value_type_id", 0)),
    ("frozen", lambda m: int(m.frozen)),
)
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


_TARGET_OBJECTS: dict[str, tuple[str, Callable[[BTF, int, _Regions], int]]] = {
    "bpf_map": ("map", _map_struct),
    "bpf_prog": ("prog", _prog_struct),
}


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
        output, error = run_iterator(prog, str(link.record.get("target", "")))
    finally:
        os.close(held)
    fd = os.open(bpffs_root(), os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o600)
    try:
        os.pwrite(fd, bytes(output), 0)
        if error:
            os.setxattr(fd, ITER_ERRNO_XATTR, str(error).encode())
        return os.open(f"/proc/self/fd/{fd}", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        os.close(fd)


def read_iter(fd: int, size: int = 1 << 20) -> tuple[bytes, int]:
    """What reads of an iterator fd yield until the end (from the fd's position on, ``size`` bytes
    a read), and the errno that ends the kernel's reads (EAGAIN, E2BIG; 0: none)."""
    chunks = []
    while chunk := os.read(fd, size):
        chunks.append(chunk)
    try:
        raw = os.getxattr(fd, ITER_ERRNO_XATTR)
    except OSError:  # none: the iteration ended well
        raw = b""
    return b"".join(chunks), int(raw) if raw.isdigit() else 0


def run_iterator(prog: ProgObject, target: str) -> tuple[bytearray, int]:
    """``bpf_seq_read`` called until it has nothing more: the bytes it returns, then the errno that
    ends the reads (0: none)."""
    kind, build = _TARGET_OBJECTS[target]
    btf = vmlinux_btf()
    if btf is None:
        raise BPFError(errno.ENOENT, "no kernel BTF: no iterator target")
    runtime = ProgRuntime.of(prog)
    session_id = next_object_id("iter-session")
    ids = _live_ids(kind)
    out = bytearray()
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
            ctx_region = regions.region(bytes(16), "iterator ctx")
            base = len(regions.regions)
            env = IterRunEnv(seq=seq)
            index = 0
            while True:
                offs = len(seq.data)
                seq_num = min(index, max(len(ids) - 1, 0))
                meta_region.view[seq_num_at : seq_num_at + 8] = seq_num.to_bytes(8, "little")
                obj_address = 0
                if index < len(ids):
                    with _opened(kind, ids[index]) as fd:
                        if fd is None:  # gone since it was listed (the kernel skips it too)
                            ids.pop(index)
                            continue
                        obj_address = build(btf, fd, regions)
                ctx_region.view[:16] = meta_region.start.to_bytes(8, "little") + obj_address.to_bytes(
                    8, "little"
                )
                retval = runner.run(ctx_region.start, env)
                regions.remove(base)
                in_stop = index == len(ids)  # the program's call past the end, whose result is ignored
                if not seq.overflowed and (retval == 0 or in_stop):
                    if in_stop:
                        out += seq.data
                        return out, 0
                    index += 1
                    continue
                seq.truncate(offs)
                out += seq.data
                seq.truncate(0)
                if offs == 0:  # alone in the buffer: the read fails
                    return out, errno.EAGAIN if retval and not in_stop else errno.E2BIG
    except ExecutionError as fault:  # a program the structural verifier let through faulted
        raise ProgramFaultError(fault) from fault
    finally:
        regions.remove()


__all__ = [
    "ITER_ERRNO_XATTR",
    "SERVED_TARGETS",
    "attach",
    "iter_create",
    "read_iter",
    "run_iterator",
    "target_of",
]
