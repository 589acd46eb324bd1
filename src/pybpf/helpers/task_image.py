"""Tasks and cgroups as memory a program reads: read-only images of the kernel structs they point at.

The kernel's ``bpf_get_current_task_btf`` returns ``current``, a trusted ``struct task_struct *``
whose fields a program loads with plain loads (convert_ctx_accesses() makes only untrusted pointers'
loads probe loads): ``task->pid``, ``task->real_parent->tgid``, ``task->cgroups->dfl_cgrp->kn->id``.
pybpf has no kernel memory, so it builds what a user-space model honestly can: for each task it
gives a program, a zeroed buffer of ``sizeof(struct task_struct)`` (the running kernel's BTF layout)
registered read-only in the run's address space, with the fields it knows from /proc filled in --
``pid``, ``tgid``, ``comm``, ``real_parent`` and ``parent`` (the parent process's image, up to
pid 1, whose parent is the idle task ``swapper/0``, its own parent), ``group_leader`` (the thread
group leader's image) and ``cgroups``: a ``struct css_set`` image whose ``dfl_cgrp`` is a
``struct cgroup`` image of the task's cgroup v2 (``level``, and ``kn``: a ``struct kernfs_node``
image whose ``id`` is the cgroup's id).  Every other field reads 0 (a NULL pointer, where the
kernel's would point somewhere), so a walk ends at a NULL that a program loading through it faults
on -- where the kernel reads memory pybpf does not have.

The images are this process's, built once per task (its pid and start time: a reused pid gets a
new image; at most ``TASK_IMAGE_LIMIT``) and registered in an address space the first time a
program there is given one.  ``task_key_of_image`` and ``cgroup_id_of_image`` name what an image is (the
task storage and cgroup storage helpers take them as owners).  Without the kernel's BTF (or its
``task_struct``), nothing is built and the current task is the address ``pybpf.objects.tasks``
gives it, which no memory has.
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading
import weakref
from collections.abc import Callable
from typing import TypeVar

from pybpf.btf.raw import BTFError
from pybpf.btf.types import BTF, Struct
from pybpf.memory.regions import Memory, Region
from pybpf.objects import cgroups, tasks
from pybpf.objects.forking import fork_safe

TASK_IMAGE_LIMIT = 1024
"""The most task images built (some 10 KiB each).  Images are never freed -- another image's
``real_parent`` or a running program may point at one -- so past this many tasks, a new one gets
the address ``pybpf.objects.tasks`` gives it, which no memory has, as without the kernel's BTF."""
TASK_COMM_LEN = 16
_lock = fork_safe(threading.RLock())


class _Layout:
    """The offsets and sizes of the struct members the images fill in (the running kernel's BTF)."""

    def __init__(self, btf: BTF) -> None:
        def struct(name: str) -> int:
            return btf.find(name, Struct)

        def offset(type_id: int, path: str) -> int:
            return btf.member_at(type_id, path).bit_offset // 8

        task, css_set, cgroup, kernfs = (
            struct(name) for name in ("task_struct", "css_set", "cgroup", "kernfs_node")
        )
        self.task_size = btf.size_of(task)
        self.css_set_size = btf.size_of(css_set)
        self.cgroup_size = btf.size_of(cgroup)
        self.kernfs_size = btf.size_of(kernfs)
        self.task = {name: offset(task, name) for name in ("pid", "tgid", "comm", "real_parent", "parent",
                                                          "group_leader", "cgroups")}  # fmt: skip
        self.dfl_cgrp = offset(css_set, "dfl_cgrp")
        self.cgroup_kn = offset(cgroup, "kn")
        self.cgroup_level = offset(cgroup, "level")
        self.kernfs_id = offset(kernfs, "id")


_btf_source: Callable[[], BTF | None] | None = None


_layout_caches: list[Callable[[], None]] = []
"""The ``cache_clear`` of every ``btf_layout``: a new BTF source computes the layouts again."""


def set_btf_source(source: Callable[[], BTF | None]) -> None:
    """Where the running kernel's BTF comes from: the process's one parse of it, which a higher layer
    keeps (``pybpf.kfuncs.kernel_btf``; ``pybpf.kernel.prog_run`` sets this), None when it has none."""
    global _btf_source  # the one hook, set once by the layer that owns the BTF
    _btf_source = source
    for clear in _layout_caches:
        clear()


def running_btf() -> BTF | None:
    """The running kernel's BTF, as the layer that owns it gives it (``set_btf_source``); None without."""
    source = _btf_source
    return source() if source is not None else None


_L = TypeVar("_L")


def btf_layout(build: Callable[[BTF], _L]) -> Callable[[], _L | None]:
    """``build`` of the running kernel's BTF (the offsets and sizes of the structs an image fills in),
    made once and again after ``set_btf_source``: None without the BTF, or when it lacks a struct or
    member ``build`` looks up (BTFError, KeyError, ValueError)."""

    @functools.cache
    def made() -> _L | None:
        btf = running_btf()
        if btf is None:
            return None
        try:
            return build(btf)
        except (BTFError, KeyError, ValueError):
            return None

    _layout_caches.append(made.cache_clear)
    return made


layout = btf_layout(_Layout)
"""The layout of the running kernel's task, css_set, cgroup and kernfs_node, None without its BTF."""


class StructImage:
    """One kernel struct's bytes in a buffer of their own (kept alive with the image), zeroed, then
    filled field by field (``put``; ``filled`` is told of each)."""

    def __init__(self, size: int) -> None:
        self.buffer = (ctypes.c_char * size)()
        self.address = ctypes.addressof(self.buffer)

    def put(self, offset: int, value: int | bytes, size: int = 8) -> None:
        """Store ``value`` at ``offset``: bytes as they are, an int as ``size`` little-endian bytes."""
        data = (
            value if isinstance(value, bytes) else (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
        )
        ctypes.memmove(self.address + offset, data, len(data))
        self.filled(offset, len(data))

    def filled(self, offset: int, size: int) -> None:
        """Bytes ``[offset, offset + size)`` now hold the kernel's values (nothing to do here)."""


class _Image(StructImage):
    """A task, css_set, cgroup or kernfs_node image (counted in ``_built``)."""

    def __init__(self, size: int) -> None:
        global _built  # (under ``_lock``: every image is built in ``current_task``)
        super().__init__(size)
        _built += 1


_tasks: dict[tuple[int, int], _Image] = {}
"""Task images by (pid, start time): the task, however many programs see it."""
_cgroups: dict[int, tuple[_Image, _Image]] = {}
"""Cgroup images (the cgroup, its kernfs node) by cgroup id."""
_css_sets: dict[int, _Image] = {}
"""A css_set image per cgroup id (pybpf's tasks in one cgroup share it, as the kernel's mostly do)."""
_task_of: dict[int, bytes] = {}
_cgroup_of: dict[int, int] = {}
_registered: weakref.WeakKeyDictionary[Memory, dict[int, Region]] = weakref.WeakKeyDictionary()
_seen: weakref.WeakKeyDictionary[Memory, int] = weakref.WeakKeyDictionary()
"""The value of ``_built`` when each address space last registered the images."""
_built = 0
"""Images built so far (the address spaces register what is new when it changes)."""


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(comm, ppid, start time) of ``/proc/<pid>/stat``, None when the task is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
        close = stat.rindex(b")")
        comm = stat[stat.index(b"(") + 1 : close].decode(errors="replace")
        fields = stat[close + 2 :].split()
        return comm, int(fields[1]), int(fields[19])
    except (OSError, ValueError, IndexError):
        return None


def _cgroup_id_of(pid: int) -> int | None:
    mount = cgroups.cgroup2_mount()
    if mount is None:
        return None
    try:
        with open(f"/proc/{pid}/cgroup", encoding="utf-8") as handle:
            line = next((line for line in handle if line.startswith("0::")), None)
        if line is None:
            return None
        return os.stat(os.path.join(mount, line[3:].strip().lstrip("/"))).st_ino
    except OSError:
        return None


def _cgroup_image(shape: _Layout, cgroup_id: int) -> int:
    images = _cgroups.get(cgroup_id)
    if images is None:
        cgroup, kernfs = _Image(shape.cgroup_size), _Image(shape.kernfs_size)
        kernfs.put(shape.kernfs_id, cgroup_id)
        cgroup.put(shape.cgroup_kn, kernfs.address)
        path = cgroups.cgroup_path_of_id(cgroup_id)
        mount = cgroups.cgroup2_mount()
        if path is not None and mount is not None:
            depth = len(
                [part for part in os.path.relpath(path, mount).split(os.sep) if part not in ("", ".")]
            )
            cgroup.put(shape.cgroup_level, depth, 4)
        images = _cgroups[cgroup_id] = (cgroup, kernfs)
        _cgroup_of[cgroup.address] = cgroup_id
    return images[0].address


def _css_set_image(shape: _Layout, cgroup_id: int | None) -> int:
    if cgroup_id is None:
        return 0
    image = _css_sets.get(cgroup_id)
    if image is None:
        image = _css_sets[cgroup_id] = _Image(shape.css_set_size)
        image.put(shape.dfl_cgrp, _cgroup_image(shape, cgroup_id))
    return image.address


def _task_image(shape: _Layout, tid: int, tgid: int, depth: int = 0) -> int:
    """The image of the task ``tid`` (of thread group ``tgid``), its parents' built first; 0 when it
    is gone."""
    if tid == 0:  # the idle task: its own parent
        key = (0, 0)
        image = _tasks.get(key)
        if image is None:
            image = _tasks[key] = _Image(shape.task_size)
            image.put(shape.task["comm"], b"swapper/0")
            for name in ("real_parent", "parent", "group_leader"):
                image.put(shape.task[name], image.address)
        return image.address
    stat = _stat(tid)
    if stat is None or depth > 64:
        return 0
    comm, ppid, started = stat
    key = (tid, started)
    image = _tasks.get(key)
    if image is not None:
        return image.address
    if len(_tasks) >= TASK_IMAGE_LIMIT:
        return 0
    parent = _task_image(shape, ppid, ppid, depth + 1)
    leader = 0
    if tid != tgid:
        leader = _task_image(shape, tgid, tgid, depth + 1)
    image = _Image(shape.task_size)
    places = shape.task
    image.put(places["pid"], tid, 4)
    image.put(places["tgid"], tgid, 4)
    image.put(places["comm"], comm.encode()[: TASK_COMM_LEN - 1])
    image.put(places["real_parent"], parent)
    image.put(places["parent"], parent)
    image.put(places["group_leader"], leader or image.address)
    image.put(places["cgroups"], _css_set_image(shape, _cgroup_id_of(tgid)))
    _tasks[key] = image
    _task_of[image.address] = tasks.TASK_KEY.pack(tid, started)
    return image.address


def _register_all(memory: Memory) -> None:
    """Every image this process built, in ``memory`` (read-only), once."""
    if _seen.get(memory) == _built:
        return  # (the usual case: no image built since the last call)
    regions = _registered.setdefault(memory, {})
    images = [*_tasks.values(), *_css_sets.values(), *(image for pair in _cgroups.values() for image in pair)]
    with memory.lock:
        for image in images:
            if image.address not in regions:
                regions[image.address] = memory.add_region(image.buffer, writable=False, name="kernel object")
    _seen[memory] = _built


def current_task(memory: Memory) -> int:
    """``current`` as a program in ``memory`` sees it: the calling thread's image (registered there),
    or, without the kernel's BTF, the address ``pybpf.objects.tasks`` gives it."""
    shape = layout()
    if shape is None:
        return tasks.current_task_address()
    with _lock:
        address = _task_image(shape, threading.get_native_id(), os.getpid())
        if not address:
            return tasks.current_task_address()
        _register_all(memory)
    return address


def is_current_task(task: int) -> bool:
    """``task`` is the calling thread as programs see it: its task image (``bpf_get_current_task_btf``
    with the kernel's BTF) or, without it, the bare address ``pybpf.objects.tasks`` gives it."""
    return task == tasks.current_task_address() or task_key_of_image(task) == tasks.current_task_key()


def task_key_of_image(address: int) -> bytes | None:
    """The task key (``pybpf.objects.tasks``) of the task whose image is at ``address``, or None."""
    return _task_of.get(address)


def cgroup_id_of_image(address: int) -> int | None:
    """The id of the cgroup whose image is at ``address``, or None."""
    return _cgroup_of.get(address)


__all__ = ["cgroup_id_of_image", "current_task", "layout", "running_btf", "task_key_of_image"]
