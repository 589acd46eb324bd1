"""References between BPF objects, and finding out when nobody uses an object any more.

Mirrors the kernel's object references: a program holds every map it uses
(``prog->aux->used_maps``), a prog array holds the programs in its slots, a map-in-map holds its
inner maps, and an object dies when its last fd, pin and holder are gone.  In pybpf an object is a
file (``pybpf.maps.object``), so:

* **A reference is a hard link.**  An object that holds others (a *holder*) has a directory
  ``<root>/.refs/<kind>-<id>/`` with a link ``self`` to its own file and one link per object it
  holds (``map-<id>``, ``prog-<id>``).  While the links exist the held files exist, in every
  process, whoever created them and whether or not anybody has an fd.  Any process can reopen a
  held object through its link, which is also how ``*_GET_FD_BY_ID`` finds a program.
* **Users are open file descriptions.**  Every fd pybpf hands out for an object holds a shared
  open-file-description lock (``F_OFD_SETLK``, ``F_RDLCK``) on the object's file.  The lock belongs
  to the open file description, so ``dup``, ``fork`` and ``SCM_RIGHTS`` share it and it is released
  exactly when the last fd of that description is closed — the same moment the kernel drops the
  file's reference.
* **Collection.**  ``collect()`` removes the directory of every holder that nobody uses: no user
  fd (an exclusive OFD lock on its file can be taken) and no other name (``st_nlink == 1``: not
  pinned and not held by another holder).  Removing a directory drops the links to what it held,
  which may make further holders collectable, so it repeats until nothing changes.  It runs at
  program load and when ids are enumerated; so a program's memory and its maps' memory are
  released at the next collection after its last fd closes, not at the ``close`` itself (pybpf has
  no hook on ``close``).  Releasing a map gives its memory back to the root's ledger
  (``pybpf.objects.accounting``: its file's allocated bytes).
* **User references** (the kernel's ``map->usercnt``, ``bpf_map_inc_with_uref`` /
  ``bpf_map_put_with_uref`` in kernel/bpf/syscall.c): the fds and pins of an object, but not the
  references other objects hold (a program's used maps, a map's inner maps).  A user fd is a
  description holding a user lock (so ``dup``, ``fork``, SCM_RIGHTS, BPF_OBJ_GET and
  ``*_GET_FD_BY_ID`` all count, as they do for the kernel); a pin is a name of the file outside the
  reference directories: its link count less its own link and its holders' links.  When a map's
  last user reference goes, the kernel calls the type's ``map_release_uref`` -- prog arrays empty
  every slot, which breaks the cycle of a program held by a prog array it uses itself.  A holder
  whose held objects go with its user references (``WATCHED``: a map holding programs)
  is marked in ``<root>/.refs/.uref/`` when it takes one; pybpf sees no close, so a marked holder
  is checked where its users matter: every collection, before an fd is opened for it by id
  (``open_holder``), and by ``release_if_unreferenced`` (a prog array's first tail call of a run).
  Found without user references, it is handed to the release registered for its kind
  (``on_last_user_reference``; the maps layer registers ``map_release_uref``) and unmarked; the
  objects it let go are collected in the same collection.
* **Open files** (the kernel's ``struct file``, which a perf event array entry remembers as
  ``ee->map_file``): ``tag_file`` gives an fd's open file description a lock on a byte of its own,
  which lasts exactly as long as the description (dup, fork and SCM_RIGHTS share it);
  ``files_of`` tells whether the description of a tag still exists.  A holder that stores what it
  holds per open file (a map holding perf events) is marked too, and its release runs at every
  collection (with ``users_gone`` False while it has users) to let go of what closed files stored.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import random
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator

from pybpf.errors import BPFError
from pybpf.objects import accounting
from pybpf.objects.files import FLOCK, allocation_failure, link_object
from pybpf.objects.forking import close_lock_file, fork_safe, open_lock_file
from pybpf.objects.locking import process_exists

_REFS = ".refs"
_SELF = "self"
_BUILDING = ".new-"
"""Prefix of a reference directory being built (``register_holder``): ``.new-<pid>-<random>``."""
_MARKED = ".uref"
"""The directory (in the refs root) of the markers of the ``WATCHED`` holders."""
WATCHED = frozenset({("map", "prog"), ("map", "perf")})
"""(holder kind, held kind): holders that let held objects go before they die themselves -- when
their last user reference goes (prog arrays: ``map_release_uref``) or when the open file that stored
one is released (perf event arrays: ``map_release``)."""

Release = Callable[[str, int, int, bool], bool]
"""``release(root, object_id, fd, users_gone)``: let go of what a marked holder no longer holds
(``fd``: an fd of its file, which the caller closes; ``users_gone``: its last fd and pin are gone);
whether it let go of anything."""
_releases: dict[str, Release] = {}
_LOCK_AT = 1 << 40
"""Start of the byte range of the object file user locks live on (beyond any data)."""
_LOCK_SPAN = 1 << 30
_TAG_AT = _LOCK_AT + _LOCK_SPAN
"""Start of the byte range of open-file tags (``tag_file``), after the user locks."""
_TAG_SPAN = 1 << 30

_FLOCK = FLOCK


_USERS = _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, _LOCK_AT, _LOCK_SPAN, 0)
"""The F_OFD_GETLK request that finds a user lock (``hold``)."""


def _flock(kind: int) -> bytes:
    return _FLOCK.pack(kind, os.SEEK_SET, _LOCK_AT, 1, 0)


def hold(fd: int) -> int:
    """Mark ``fd``'s open file description as a user of its object; returns ``fd``.

    A readable description takes a shared lock on the first byte of the lock range; a write-only
    one (which cannot take a read lock) takes an exclusive lock on a random byte of the rest.
    """
    if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE != os.O_WRONLY:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLKW, _flock(fcntl.F_RDLCK))
        return fd
    while True:
        start = _LOCK_AT + 1 + random.randrange(_LOCK_SPAN - 1)
        try:
            fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, start, 1, 0))
            return fd
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise


def _unused(fd: int) -> bool:
    """Whether no other open file description holds a user lock on the file."""
    answer = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, _USERS)
    return bool(_FLOCK.unpack(answer)[0] == fcntl.F_UNLCK)


def in_use(fd: int) -> bool:
    """Whether an open file description other than ``fd``'s holds a user lock on its file (an fd of
    the object is open somewhere)."""
    return not _unused(fd)


def holder_alive(root: str, kind: str, object_id: int) -> bool:
    """Whether an fd or a pin still holds the holder ``kind``/``object_id`` (its reference directory
    exists and its file has a user or a name besides its own: for objects nothing else holds, such
    as links, whether the kernel's would still be alive)."""
    try:
        fd = os.open(os.path.join(holder_dir(root, kind, object_id), _SELF), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        return in_use(fd) or os.fstat(fd).st_nlink > 1
    finally:
        os.close(fd)


def user_referenced(root: str, kind: str, object_id: int, fd: int) -> bool:
    """Whether object ``kind``/``object_id`` (its file open as ``fd``, an fd holding no user lock)
    still has a user reference: an fd open somewhere, or a pin (a name outside the reference
    directories).  One lock probe while an fd is open; a walk of the reference directories else."""
    if not _unused(fd):
        return True
    base = refs_root(root)
    name = f"{kind}-{object_id}"
    own = 1 if os.path.lexists(os.path.join(base, name, _SELF)) else 0
    try:
        held_by = sum(
            1 for holder in os.listdir(base)
            if not holder.startswith(".") and os.path.lexists(os.path.join(base, holder, name))
        )  # fmt: skip
    except FileNotFoundError:
        held_by = 0
    return os.fstat(fd).st_nlink - own - held_by > 0


def refs_root(root: str) -> str:
    path = os.path.join(root, _REFS)
    os.makedirs(path, mode=0o1777, exist_ok=True)
    return path


def holder_dir(root: str, kind: str, object_id: int) -> str:
    return os.path.join(refs_root(root), f"{kind}-{object_id}")


@contextlib.contextmanager
def opening(root: str) -> Iterator[None]:
    """Hold off collection while an fd for an existing object is being opened and marked."""
    fd = open_lock_file(os.path.join(refs_root(root), ".lock"))
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        close_lock_file(fd)


def _link(fd: int, path: str) -> None:
    link_object(fd, path)


def new_object_file(root: str, mode: int) -> int:
    """A new unnamed object file in ``root`` (``O_TMPFILE``, permissions ``mode``), open read-write
    and already marked as a user (``hold``).

    Marked from the start, so that no collection in another process can find the object unused
    between its anchor link (``register_holder``) and the fd its creator hands out, and release it
    under the creator's feet.  The creator hands out another description (marked too) and closes
    this one, or returns this one.  ENOMEM (EMFILE / ENFILE when no fd is left) when it cannot be
    made.
    """
    try:
        fd = os.open(root, os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, mode)
    except OSError as exc:
        raise allocation_failure(exc, f"cannot create an object in {root}") from None
    try:
        return hold(fd)
    except OSError as exc:
        os.close(fd)
        raise allocation_failure(exc, f"cannot create an object in {root}") from None


def register_holder(root: str, kind: str, object_id: int, fd: int) -> str:
    """Create the reference directory of a new holder whose file is open as ``fd``.

    The directory appears whole, its ``self`` link inside, by renaming one built under a hidden
    name: a collection never sees it without its anchor (and removes such a directory).
    """
    path = holder_dir(root, kind, object_id)
    if os.path.lexists(os.path.join(path, _SELF)):
        return path
    building = os.path.join(refs_root(root), f"{_BUILDING}{os.getpid()}-{os.urandom(6).hex()}")
    os.mkdir(building, 0o700)
    try:
        _link(fd, os.path.join(building, _SELF))
        os.rename(building, path)
    except OSError as exc:
        shutil.rmtree(building, ignore_errors=True)
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not os.path.lexists(os.path.join(path, _SELF)):
            raise
    return path


def add_ref(root: str, holder: tuple[str, int], held: tuple[str, int], held_fd: int) -> None:
    """Record that ``holder`` (kind, id) holds ``held`` (kind, id), whose file is open as ``held_fd``."""
    path = os.path.join(holder_dir(root, *holder), f"{held[0]}-{held[1]}")
    if not os.path.lexists(path):
        _link(held_fd, path)
    if (holder[0], held[0]) in WATCHED:
        marks = os.path.join(refs_root(root), _MARKED)
        os.makedirs(marks, mode=0o1777, exist_ok=True)
        mark = os.path.join(marks, f"{holder[0]}-{holder[1]}")
        if not os.path.lexists(mark):
            os.close(os.open(mark, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o666))


def drop_ref(root: str, holder: tuple[str, int], held: tuple[str, int]) -> None:
    """Forget that ``holder`` holds ``held`` (no error when it did not)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(os.path.join(holder_dir(root, *holder), f"{held[0]}-{held[1]}"))


def open_ref(root: str, holder: tuple[str, int], held: tuple[str, int], flags: int = os.O_RDWR) -> int:
    """A new fd (marked as a user) for an object ``holder`` holds; ENOENT when it holds no such object."""
    path = os.path.join(holder_dir(root, *holder), f"{held[0]}-{held[1]}")
    with opening(root):
        try:
            fd = os.open(path, flags | os.O_CLOEXEC)
        except FileNotFoundError:
            raise BPFError(errno.ENOENT, f"{holder[0]} {holder[1]} holds no {held[0]} {held[1]}") from None
        return hold(fd)


def open_holder(root: str, kind: str, object_id: int, flags: int = os.O_RDWR) -> int:
    """A new fd (marked as a user) for the live holder ``kind``/``object_id``; ENOENT if there is none.

    A holder whose user references were all gone is released first (the kernel released it when
    they went, before this fd could exist)."""
    name = f"{kind}-{object_id}"
    if os.path.lexists(os.path.join(refs_root(root), _MARKED, name)):
        with _collecting(root, wait=True):
            _release_marked_holder(root, name)
    path = os.path.join(holder_dir(root, kind, object_id), _SELF)
    with opening(root):
        try:
            fd = os.open(path, flags | os.O_CLOEXEC)
        except FileNotFoundError:
            raise BPFError(errno.ENOENT, f"no {kind} with id {object_id}") from None
        return hold(fd)


def holder_ids(root: str, kind: str) -> list[int]:
    """Ids of the holders of ``kind`` that have a reference directory, ascending."""
    prefix = kind + "-"
    ids = []
    for name in os.listdir(refs_root(root)):
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            ids.append(int(name[len(prefix) :]))
    return sorted(ids)


def on_last_user_reference(kind: str, release: Release) -> None:
    """Have ``release`` called for the marked holders of ``kind`` (see ``Release``)."""
    _releases[kind] = release


def tag_file(fd: int) -> int:
    """Tag ``fd``'s open file description (a writable one): a lock on a byte of its own, released
    with the description; returns the tag ``file_alive`` takes."""
    while True:
        tag = random.randrange(_TAG_SPAN)
        try:
            fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, _TAG_AT + tag, 1, 0))
            return tag
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise BPFError(exc.errno or errno.EBADF, f"cannot tag fd {fd}: {exc.strerror}") from None


def files_of(root: str, kind: str, object_id: int) -> Callable[[int], bool]:
    """``file_alive(tag)`` for holder ``kind``/``object_id``: whether the open file description
    ``tag_file`` gave ``tag`` (on an fd of that holder) still exists.  One lock probe a call."""
    key = (root, f"{kind}-{object_id}")

    def file_alive(tag: int) -> bool:
        answer = _ask(key, _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, _TAG_AT + tag, 1, 0))
        return answer is not None and answer != fcntl.F_UNLCK

    return file_alive


@contextlib.contextmanager
def _collecting(root: str, *, wait: bool) -> Iterator[bool]:
    """The refs root's lock, exclusive: no fd is being opened for an existing object meanwhile.
    Yields whether it was taken (without ``wait``, not when someone is opening or collecting)."""
    lock = open_lock_file(os.path.join(refs_root(root), ".lock"))
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        close_lock_file(lock)


def _pins(base: str, name: str, st: os.stat_result) -> int:
    """The names of the object ``name`` (whose file's status is ``st``) outside the reference
    directories: its links less its own and one per holder holding it."""
    held_by = 0
    for holder in os.listdir(base):
        if not holder.startswith(".") and os.path.lexists(os.path.join(base, holder, name)):
            held_by += 1
    return st.st_nlink - 1 - held_by


def _release_marked_holder(root: str, name: str) -> bool:
    """Have the marked holder ``name`` (``kind-id``) let go of what it no longer holds, and unmark it
    once its last fd and pin are gone; whether it let go of anything.  The caller holds the lock
    exclusively (``_collecting``)."""
    base = refs_root(root)
    mark = os.path.join(base, _MARKED, name)
    try:
        fd = os.open(os.path.join(base, name, _SELF), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:  # the holder itself is gone
        with contextlib.suppress(FileNotFoundError):
            os.unlink(mark)
        return False
    try:
        users_gone = _unused(fd) and _pins(base, name, os.fstat(fd)) <= 0
        kind, _, number = name.partition("-")
        release = _releases.get(kind)
        released = False
        if release is not None and number.isdigit():
            with contextlib.suppress(BPFError, OSError):  # a corrupted holder keeps what it holds
                released = release(root, int(number), fd, users_gone)
        if users_gone:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(mark)
        return released
    finally:
        os.close(fd)


_probes: OrderedDict[tuple[str, str], int] = OrderedDict()
"""Fds holding no lock of the holders last asked about (``release_if_unreferenced``, ``files_of``),
so that asking again costs one lock probe.  (They keep the files of holders since freed until
they are pushed out.)"""
_PROBES_KEPT = 64
_probes_lock = fork_safe(threading.Lock())


def _ask(key: tuple[str, str], request: bytes) -> int | None:
    """F_OFD_GETLK ``request`` on holder ``key`` = (root, name): the type of a conflicting lock
    (F_UNLCK: none), None when there is no such holder.  Asked through an fd of the holder's file
    that holds no lock, kept for the next question."""
    with _probes_lock:
        fd = _probes.get(key)
        if fd is not None:
            _probes.move_to_end(key)
        else:
            _close_released_probes(key[0])
            try:
                fd = os.open(os.path.join(key[0], _REFS, key[1], _SELF), os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                return None
            _probes[key] = fd
            while len(_probes) > _PROBES_KEPT:
                os.close(_probes.popitem(last=False)[1])
        kind: int = _FLOCK.unpack(fcntl.fcntl(fd, fcntl.F_OFD_GETLK, request))[0]
        return kind


def _close_released_probes(root: str) -> None:
    """Close the probes of ``root``'s holders released since the last look (``_probes_lock`` held):
    a probe keeps its holder's file, and so its memory, alive."""
    now = generation(root)
    if _probe_generations.get(root) == now:
        return
    _probe_generations[root] = now
    while len(_probe_generations) > _PROBES_KEPT:
        del _probe_generations[next(iter(_probe_generations))]
    for key, fd in list(_probes.items()):
        if key[0] != root:
            continue
        try:
            anchor, probe = os.stat(os.path.join(root, _REFS, key[1], _SELF)), os.fstat(fd)
            released = (anchor.st_dev, anchor.st_ino) != (probe.st_dev, probe.st_ino)
        except OSError:
            released = True
        if released:
            del _probes[key]
            os.close(fd)


_probe_generations: dict[str, int] = {}
"""Each root's generation when its probes were last looked at (``_close_released_probes``)."""


def release_if_unreferenced(root: str, kind: str, object_id: int) -> bool:
    """Release the holder ``kind``/``object_id`` now if it is marked and has no user reference left;
    whether it was released (False too when someone else holds the lock: their pass will).

    One lock probe while the holder has a user fd (the common case)."""
    name = f"{kind}-{object_id}"
    if _ask((root, name), _USERS) != fcntl.F_UNLCK or not os.path.lexists(
        os.path.join(root, _REFS, _MARKED, name)
    ):
        return False
    with _collecting(root, wait=False) as held:
        return held and _release_marked_holder(root, name)


def _release_marked(root: str) -> bool:
    """Have every marked holder let go of what it no longer holds; whether any let go of anything."""
    try:
        marked = os.listdir(os.path.join(refs_root(root), _MARKED))
    except FileNotFoundError:
        return False
    released = False
    for name in marked:
        released = _release_marked_holder(root, name) or released
    return released


def _remove_abandoned(path: str, name: str) -> None:
    """Remove a reference directory left half-built by a process that died building it."""
    pid = name[len(_BUILDING) :].partition("-")[0]
    if pid.isdigit() and not process_exists(int(pid)):
        shutil.rmtree(path, ignore_errors=True)


def _remove_unused(root: str) -> int:
    """One pass removing the reference directories of unused holders; how many were removed."""
    base = refs_root(root)
    removed = 0
    for name in os.listdir(base):
        path = os.path.join(base, name)
        if name.startswith(_BUILDING):
            _remove_abandoned(path, name)
        if name.startswith(".") or not os.path.isdir(path):
            continue
        try:
            fd = os.open(os.path.join(path, _SELF), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            shutil.rmtree(path, ignore_errors=True)
            continue
        except OSError:
            continue  # no fd left (EMFILE) ...: the next collection will look again
        try:
            st = os.fstat(fd)
            if st.st_nlink == 1 and _unused(fd):
                shutil.rmtree(path, ignore_errors=True)
                if os.path.lexists(path):
                    continue  # not removed (out of fds ...): not counted, or collect would never end
                removed += 1
                if name.startswith("map-"):
                    accounting.uncharge(root, st.st_blocks * 512)
        finally:
            os.close(fd)
    return removed


_GENERATION = ".generation"
"""The file (in the refs root) holding the root's generation: a u64 each collection that released
something increments."""


def generation(root: str) -> int:
    """How many collections released something in ``root`` (0 before the first): the per-process
    caches look for released objects when it changes (``pybpf.objects.cache``)."""
    try:
        fd = os.open(os.path.join(root, _REFS, _GENERATION), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return 0
    try:
        raw = os.pread(fd, 8, 0)
    finally:
        os.close(fd)
    return int.from_bytes(raw, "little") if len(raw) == 8 else 0


def _next_generation(root: str) -> None:
    """Increment ``root``'s generation (the caller holds the refs lock exclusively)."""
    with contextlib.suppress(OSError):
        fd = os.open(os.path.join(root, _REFS, _GENERATION), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        try:
            os.pwrite(fd, ((generation(root) + 1) % (1 << 64)).to_bytes(8, "little"), 0)
        finally:
            os.close(fd)


def collect(root: str, *, wait: bool = False) -> int:
    """Remove the reference directories of unused holders, releasing the marked holders left without
    user references on the way; returns how many directories were removed.  Without ``wait`` it does
    nothing while another thread or process opens an object or collects; with it, it waits for them
    (for a caller that needs what is unused released now: ``accounting.charge``'s reclaim)."""
    removed = 0
    with _collecting(root, wait=wait) as held:
        if not held:
            return 0  # someone is opening an object or collecting: try again next time
        while True:
            count = _remove_unused(root)
            removed += count
            if not count and not _release_marked(root):
                if removed:
                    _next_generation(root)
                return removed


def allocated_bytes(root: str, kind: str) -> int:
    """The memory (allocated bytes of their files) the live holders of ``kind`` in ``root`` hold."""
    total = 0
    prefix = kind + "-"
    for name in os.listdir(refs_root(root)):
        if name.startswith(prefix):
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(refs_root(root), name, _SELF)).st_blocks * 512
    return total


INT_MAX = (1 << 31) - 1


def next_id(root: str, kind: str, start_id: int) -> int:
    """``bpf_obj_get_next_id`` for ``kind``: the smallest live id above ``start_id``.

    ``start_id`` >= INT_MAX is EINVAL, no larger id ENOENT.  Scope: every object of ``kind`` of this
    root still alive in any process, after a collection of the unused ones.
    """
    if start_id >= INT_MAX:
        raise BPFError(errno.EINVAL, "start_id >= INT_MAX")
    collect(root)
    later = [found for found in holder_ids(root, kind) if found > start_id]
    if not later:
        raise BPFError(errno.ENOENT, f"no {kind} with an id above {start_id}")
    return min(later)
