"""User memory access for the user-space bpf(2): ``copy_from_user`` / ``copy_to_user`` and ``uattr``.

Mirrors how the kernel reads and writes the pointers found in ``union bpf_attr``: through the
address, never trusting it.  The copy goes through ``process_vm_readv`` / ``process_vm_writev`` on
our own pid, so the kernel validates every page: a NULL, unmapped or read-only address gives
``EFAULT`` (as ``copy_from_user`` returning non-zero does in the kernel) instead of a segfault.

:class:`UserAttr` is the attr itself as ``__sys_bpf`` sees it (``uattr``: read once by
``copy_from_bpfptr``, results written back by ``copy_to_bpfptr_offset``), for whatever Python
object holds the caller's buffer.  Both backends use it, so a result reaches the caller the same
way on each (see :class:`UserAttr` for the rules).
"""

from __future__ import annotations

import ctypes
import errno
import os
from typing import Any, TypeVar

from pybpf.errors import BPFError
from pybpf.memory.user import transfer

_S = TypeVar("_S", bound=ctypes.Structure)

_CDATA = (ctypes.Structure, ctypes.Union, ctypes.Array)

_PAGE = os.sysconf("SC_PAGESIZE")
_PATH_MAX = 4096


def _transfer(write: bool, address: int, buffer: Any, size: int) -> None:
    if size == 0:
        return
    if address == 0 or address < 0 or address + size > 1 << 64:
        raise BPFError(errno.EFAULT, f"bad user address {address:#x}")
    if transfer(write, address, buffer, size) != size:
        raise BPFError(errno.EFAULT, f"bad user address {address:#x} ({size} bytes)")


_CHUNK = 1 << 20
"""Large copies go this many bytes at a time: memory is allocated only as far as the source reads."""


def copy_from_user(address: int, size: int) -> bytes:
    """``size`` bytes read at user ``address``; ``BPFError(EFAULT)`` if any of it is not readable.

    A size beyond what the address space can hold is EFAULT before anything is allocated, and a
    large copy allocates chunk by chunk, so a huge size with a short buffer fails at the buffer's
    end instead of allocating the size first.
    """
    if size <= _CHUNK:
        buffer = ctypes.create_string_buffer(size)
        _transfer(False, address, buffer, size)
        return buffer.raw
    if address <= 0 or address + size > 1 << 64:
        raise BPFError(errno.EFAULT, f"bad user address {address:#x} ({size} bytes)")
    end = address + size
    return b"".join(copy_from_user(start, min(_CHUNK, end - start)) for start in range(address, end, _CHUNK))


def copy_to_user(address: int, data: bytes) -> None:
    """Write ``data`` at user ``address``; ``BPFError(EFAULT)`` if any of it is not writable."""
    buffer = ctypes.create_string_buffer(bytes(data), len(data))
    _transfer(True, address, buffer, len(data))


def read_info(address: int, info_len: int, struct_type: type[_S]) -> tuple[_S, int]:
    """The caller's ``struct bpf_*_info`` for BPF_OBJ_GET_INFO_BY_FD, and the ``info_len`` to report.

    As the kernel's ``bpf_*_get_info_by_fd``: more than a page is E2BIG; bytes the caller passes past
    the struct's last member must be zero (E2BIG) -- the kernel (6.18) refuses non-zero bytes in the
    struct's trailing padding too (``bpf_map_info`` after ``hash_size``, ``bpf_prog_info`` after
    ``attach_btf_id``), and still reports ``info_len`` as far as the padded struct; then the caller's
    ``min(info_len, sizeof)`` bytes are read (the fields the kernel does not fill come back as given).
    """
    size = ctypes.sizeof(struct_type)
    fields = struct_type._fields_
    end = max(getattr(struct_type, name).offset + ctypes.sizeof(kind) for name, kind, *_ in fields)
    if info_len > _PAGE:
        raise BPFError(errno.E2BIG, "info_len larger than a page")
    if info_len > end and any(copy_from_user(address + end, info_len - end)):
        raise BPFError(errno.E2BIG, f"non-zero bytes past struct {struct_type.__name__}")
    info_len = min(info_len, size)
    return struct_type.from_buffer_copy(copy_from_user(address, info_len).ljust(size, b"\0")), info_len


def strncpy_from_user(address: int, limit: int = _PATH_MAX) -> bytes:
    """A NUL-terminated string at ``address`` (without the NUL), read page by page.

    ``EFAULT`` for a bad address, ``ENAMETOOLONG`` when no NUL comes within ``limit`` bytes
    (as ``getname()`` does for paths).
    """
    out = bytearray()
    while len(out) < limit:
        chunk = min(_PAGE - (address + len(out)) % _PAGE, limit - len(out))
        data = copy_from_user(address + len(out), chunk)
        end = data.find(b"\0")
        if end >= 0:
            out += data[:end]
            return bytes(out)
        out += data
    raise BPFError(errno.ENAMETOOLONG, "path too long")


def _owns_memory(obj: Any) -> bool:
    """Whether a ctypes object's memory was allocated by ctypes (so it is ours, mapped and writable),
    rather than taken ``from_address`` / ``from_buffer`` of memory ctypes knows nothing about."""
    root = obj
    while root._b_base_ is not None:
        root = root._b_base_
    return bool(root._b_needsfree_)


# How a UserAttr reaches the caller's memory.
_IMMUTABLE, _BYTEARRAY, _CTYPES_OWN, _CTYPES_FOREIGN, _BUFFER = range(5)


class UserAttr:
    """The caller's ``union bpf_attr`` buffer (the kernel's ``uattr``), whatever object holds it.

    ``raw`` is the whole buffer, read when the call starts.  :meth:`write` puts a result
    (``info_len``, ``retval``, ``count``, ``next_id`` ...) at an offset of the caller's buffer, as
    ``copy_to_bpfptr_offset`` does, and the two backends agree on where results go:

    * a ``bytearray``, a ctypes object (``Structure``, ``Union``, any ctypes array such as
      ``create_string_buffer``, ``c_char * n`` or ``c_ubyte * n``) or any other writable
      C-contiguous buffer (a writable ``memoryview``, ``array.array``, ``mmap``, a numpy array)
      receives the result in place;
    * an immutable one (``bytes``, a read-only ``memoryview`` or buffer) is input only: the command
      runs and what it would write back is dropped.  (The native backend has always handed the
      kernel a copy of such a buffer, so the kernel's writes were lost there too.)
    * the part of a result past the end of the caller's buffer is dropped: the buffer may be
      shorter than ``union bpf_attr``, and nothing is written outside it;
    * a ctypes object over memory ctypes did not allocate (``from_address`` / ``from_buffer``) is
      read and written through ``copy_from_user`` / ``copy_to_user``: memory that is not readable
      or not writable gives ``EFAULT``, as the kernel answers for it.

    Anything else (no buffer, or a non-contiguous one) is a TypeError.
    """

    __slots__ = ("_kind", "_target", "raw")

    def __init__(self, attr: Any) -> None:
        self._target = attr
        kind = type(attr)
        if kind is bytes:
            self.raw: bytes = attr
            self._kind = _IMMUTABLE
        elif kind is bytearray:
            self.raw = bytes(attr)
            self._kind = _BYTEARRAY
        elif isinstance(attr, _CDATA):
            if attr._b_needsfree_ or _owns_memory(attr):
                self.raw = bytes(attr)
                self._kind = _CTYPES_OWN
            else:
                self.raw = copy_from_user(ctypes.addressof(attr), ctypes.sizeof(attr))
                self._kind = _CTYPES_FOREIGN
        else:
            try:
                view = memoryview(attr)
            except TypeError:
                raise TypeError(
                    f"bpf attr must be bytes-like or a ctypes object, not {type(attr).__name__}"
                ) from None
            with view:
                if not view.c_contiguous:
                    raise TypeError("bpf attr must be one contiguous buffer")
                self.raw = view.tobytes()
                self._kind = _IMMUTABLE if view.readonly else _BUFFER

    @property
    def writable(self) -> bool:
        """Whether results reach the caller (False for an immutable buffer)."""
        return self._kind != _IMMUTABLE

    def write(self, offset: int, data: bytes) -> None:
        """Write ``data`` at ``offset`` of the caller's buffer (what fits of it; see the class)."""
        end = min(offset + len(data), len(self.raw))
        if end <= offset or self._kind == _IMMUTABLE:
            return
        if end - offset < len(data):
            data = data[: end - offset]
        target = self._target
        if self._kind == _BYTEARRAY:
            if end <= len(target):  # the caller may have shrunk it meanwhile
                target[offset:end] = data
        elif self._kind == _CTYPES_OWN:
            ctypes.memmove(ctypes.addressof(target) + offset, data, len(data))
        elif self._kind == _CTYPES_FOREIGN:
            copy_to_user(ctypes.addressof(target) + offset, data)
        else:
            with memoryview(target) as view, view.cast("B") as octets:
                if end <= len(octets):
                    octets[offset:end] = data
