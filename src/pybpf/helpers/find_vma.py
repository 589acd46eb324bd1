"""``bpf_find_vma`` (180): the callback run on the task's memory area holding an address, given a
``struct vm_area_struct`` image built from /proc.

Mirrors kernel/bpf/task_iter.c ``bpf_find_vma`` (Linux 6.18): flags other than 0 are -EINVAL; a
task without an address space (the idle task) -ENOENT; else ``find_vma`` -- the area with the
lowest end above ``start`` -- and, when it also begins at or below ``start``, one call of
``callback_fn(task, vma, callback_ctx)`` and 0, else -ENOENT.  The kernel's read-lock contention
(-EBUSY) never happens here.

The task is one pybpf's task images name (``pybpf.helpers.task_image``); its areas are the lines of
/proc/<tid>/smaps (the gate area ``[vsyscall]`` is no VMA).  The image has the running kernel's BTF
layout and holds what user space knows, the rest ``OPAQUE`` (``pybpf.helpers.known_bytes``: a load
of it stops the run rather than read a made-up value):

* ``vm_start``, ``vm_end``;
* ``vm_flags`` from smaps' ``VmFlags`` mnemonics (``show_smap_vma_flags``) -- opaque when a mnemonic
  pybpf does not place is listed;
* ``vm_file``: NULL for an anonymous or special area (no path, or a ``[name]``), else a ``struct
  file`` image whose ``f_path.dentry`` is a ``struct dentry`` image with ``d_name.len`` and
  ``d_name.name`` (the inline ``d_shortname`` below DNAME_INLINE_LEN, else a buffer of its own)
  -- the last component of the mapped path (without d_path's " (deleted)"; a shared anonymous
  area's shmem file is ``dev/zero``);
* ``vm_pgoff`` of a file area (the smaps offset in pages); an anonymous one's is opaque.

``vm_mm``, ``vm_page_prot`` and everything else are opaque.  The images live for the callback only.
"""

from __future__ import annotations

import errno
import os
import threading
from dataclasses import dataclass

from pybpf.btf.types import BTF, Struct
from pybpf.errors import HelperError
from pybpf.helpers import known_bytes
from pybpf.helpers.context import HelperContext
from pybpf.helpers.task_image import StructImage, btf_layout, is_current_task, task_key_of_image
from pybpf.memory.regions import Region
from pybpf.objects import tasks

PAGE_SHIFT = 12
DELETED = " (deleted)"
SHARED_ANON_PATH = "/dev/zero" + DELETED
DNAME_INLINE_LEN = 40
VM_FLAG_BITS: dict[str, int] = {
    "rd": 0, "wr": 1, "ex": 2, "sh": 3, "mr": 4, "mw": 5, "me": 6, "ms": 7, "gd": 8, "um": 9,
    "pf": 10, "uw": 12, "lo": 13, "io": 14, "sr": 15, "rr": 16, "dc": 17, "de": 18, "lf": 19,
    "ac": 20, "nr": 21, "ht": 22, "sf": 23, "ar": 24, "wf": 25, "dd": 26, "sd": 27, "mm": 28,
    "hg": 29, "nh": 30, "mg": 31,
}  # fmt: skip
"""include/linux/mm.h's VM_* bits below 32 (x86-64) by their smaps mnemonic."""


@dataclass(frozen=True)
class Area:
    """One line of /proc/<pid>/smaps with its VmFlags."""

    start: int
    end: int
    offset: int
    path: str
    flags: int | None
    """None: a mnemonic pybpf cannot place."""


def areas(tid: int) -> list[Area]:
    """The memory areas of the address space of thread ``tid`` (empty: none, or it is gone)."""
    found: list[Area] = []
    try:
        with open(f"/proc/{tid}/smaps", encoding="utf-8", errors="surrogateescape") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return found
    head: tuple[int, int, int, str] | None = None
    for line in lines:
        fields = line.split(None, 5)
        if fields and "-" in fields[0] and len(fields) >= 5 and fields[0].replace("-", "").isalnum():
            try:
                low, high = (int(part, 16) for part in fields[0].split("-"))
                head = (low, high, int(fields[2], 16), fields[5] if len(fields) > 5 else "")
            except ValueError:
                head = None
        elif fields and fields[0] == "VmFlags:" and head is not None:
            flags: int | None = 0
            for mnemonic in fields[1:] if len(fields) > 1 else ():
                for word in mnemonic.split():
                    bit = VM_FLAG_BITS.get(word)
                    flags = None if bit is None or flags is None else flags | 1 << bit
            found.append(Area(head[0], head[1], head[2], head[3], flags))
            head = None
    return found


class _Layout:
    """Offsets and sizes of what the images fill in (the running kernel's BTF)."""

    def __init__(self, btf: BTF) -> None:
        vma, file, dentry = (btf.find(name, Struct) for name in ("vm_area_struct", "file", "dentry"))

        def at(type_id: int, path: str) -> int:
            return btf.member_at(type_id, path).bit_offset // 8

        self.vma_size, self.file_size, self.dentry_size = (btf.size_of(t) for t in (vma, file, dentry))
        self.vma = {name: at(vma, name) for name in ("vm_start", "vm_end", "vm_flags", "vm_pgoff", "vm_file")}
        self.f_dentry = at(file, "f_path.dentry")
        self.d_len = at(dentry, "d_name.len")
        self.d_name = at(dentry, "d_name.name")
        self.d_inline = at(dentry, "d_shortname")


_layout = btf_layout(_Layout)


class _Image(StructImage):
    """One struct's bytes and which of them are known."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.known = known_bytes.KnownBytes(size)

    def filled(self, offset: int, size: int) -> None:
        self.known.mark(offset, size)


def _task_tid(task: int) -> int:
    """The thread a task image stands for (0: the idle task, which has no address space)."""
    key = task_key_of_image(task)
    if key is not None:
        return int(tasks.TASK_KEY.unpack(key)[0])
    if is_current_task(task):
        return threading.get_native_id()
    if task == tasks.current_task_address():
        return threading.get_native_id()
    if _layout() is not None and task:
        return 0  # the idle task's image (no key) -- or a task pybpf never made: no mm either way
    raise HelperError(None, "bpf_find_vma: the task is none pybpf made an image of")


def _images(shape: _Layout, area: Area) -> list[_Image]:
    vma = _Image(shape.vma_size)
    places = shape.vma
    vma.put(places["vm_start"], area.start)
    vma.put(places["vm_end"], area.end)
    if area.flags is not None:
        vma.put(places["vm_flags"], area.flags)
    images = [vma]
    path = area.path
    if not path or path.startswith("["):
        vma.put(places["vm_file"], 0)
        return images
    vma.put(places["vm_pgoff"], area.offset >> PAGE_SHIFT)
    if not path.startswith("/"):
        return images
    name = os.fsencode(_dentry_name(path))
    file, dentry = _Image(shape.file_size), _Image(shape.dentry_size)
    vma.put(places["vm_file"], file.address)
    file.put(shape.f_dentry, dentry.address)
    dentry.put(shape.d_len, len(name), 4)
    images += [file, dentry]
    if len(name) < DNAME_INLINE_LEN:
        dentry.put(shape.d_inline, name + b"\0")
        dentry.put(shape.d_name, dentry.address + shape.d_inline)
    else:
        external = _Image(len(name) + 1)
        external.put(0, name + b"\0")
        dentry.put(shape.d_name, external.address)
        images.append(external)
    return images


def _dentry_name(path: str) -> str:
    """The name of the dentry ``d_path`` printed as ``path``: its last component -- but a shared
    anonymous area's shmem file (``shmem_zero_setup``) is named ``dev/zero`` on the internal mount,
    printed "/dev/zero (deleted)"."""
    if path == SHARED_ANON_PATH:
        return "dev/zero"
    return path.removesuffix(DELETED).rsplit("/", 1)[-1]


def find_vma(ctx: HelperContext, task: int, start: int, callback: int, callback_ctx: int, flags: int) -> int:  # noqa: PLR0917 - the helper ABI
    """``long bpf_find_vma(struct task_struct *task, u64 addr, callback_fn, void *ctx, u64 flags)``."""
    if flags:
        return -errno.EINVAL
    if not task:
        return -errno.ENOENT
    tid = _task_tid(task)
    if not tid:
        return -errno.ENOENT
    area = next((a for a in areas(tid) if a.end > start and a.path != "[vsyscall]"), None)
    if area is None or area.start > start:
        return -errno.ENOENT
    shape = _layout()
    if shape is None:
        raise HelperError(None, "bpf_find_vma: no kernel BTF to lay out a struct vm_area_struct")
    images = _images(shape, area)
    regions: list[Region] = []
    try:
        for image in images:
            regions += known_bytes.register(ctx.memory, image.buffer, image.known, "vm_area_struct")
        ctx.call_function(callback, task, images[0].address, callback_ctx)
    finally:
        known_bytes.unregister(ctx.memory, regions)
    return 0


__all__ = ["VM_FLAG_BITS", "Area", "areas", "find_vma"]
