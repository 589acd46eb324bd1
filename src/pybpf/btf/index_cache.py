"""The record index of a large BTF blob kept on disk, so that a fresh process opens vmlinux's BTF cheaply.

``pybpf.btf.parse`` decodes a large blob (the kernel's ``/sys/kernel/btf/vmlinux``) on demand, after one
pass over its words that finds where each record starts and checks every name and reference (about
0.1-0.2 s for vmlinux's 130 000 types).  That pass is a pure function of the blob's bytes, and every
short pybpf process (each CLI command, each test worker) makes it for the same file, so its result --
the records' start offsets of a blob that checked out -- is kept, named by the SHA-256 of the whole
blob, in

* ``$PYBPF_CACHE_DIR/btf`` when ``PYBPF_CACHE_DIR`` is set (set but empty: no disk cache),
* else ``$XDG_CACHE_HOME/pybpf/btf``, else ``~/.cache/pybpf/btf``

(the JIT's object cache, ``pybpf.jit.cache``, lives in ``PYBPF_CACHE_DIR`` or ``.../pybpf/jit``).
The directory must belong to this user and be writable by it alone, else nothing is kept.  A file
holds a header (magic, format, the blob's digest, the number of records, the SHA-256 of the offsets)
and the offsets; one that does not check out is ignored and the pass is made again, so a missing,
stale, truncated or corrupt file only costs the time it saves.  Files are written whole under a
temporary name and renamed.  Only base BTF is indexed (split BTF's checks depend on its base).

There is no kernel counterpart: the kernel parses its own BTF once, at boot (btf_parse_vmlinux()).
"""

from __future__ import annotations

import array
import contextlib
import hashlib
import os
import stat
import struct
import sys
import threading
from pathlib import Path

DIRECTORY_VARIABLE = "PYBPF_CACHE_DIR"
"""The pybpf cache root the JIT's object cache also uses (empty: no disk cache)."""
FORMAT = 1
_MAGIC = b"PYBPFBTI"
_HEADER = struct.Struct("<8sI32sI32s")  # magic, format, sha256(blob), records, sha256(offsets)
_SUFFIX = ".idx"


def private_directory(directory: Path) -> bool:
    """Create ``directory`` (mode 0700) if needed; True when it is ours, writable by us and no one else
    (what a cache may trust the files of)."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = directory.stat()
    except OSError:
        return False
    private = st.st_uid == os.geteuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    return private and os.access(directory, os.W_OK | os.X_OK)


def index_directory() -> Path | None:
    """The directory the environment names for BTF indices (None: disabled)."""
    named = os.environ.get(DIRECTORY_VARIABLE)
    if named is not None:
        return Path(named) / "btf" if named else None
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "pybpf" / "btf"


def blob_digest(blob: bytes) -> bytes:
    """The name of ``blob``'s index: the SHA-256 of all its bytes."""
    return hashlib.sha256(blob).digest()


def _usable() -> Path | None:
    directory = index_directory()
    return directory if directory is not None and private_directory(directory) else None


def load_index(digest: bytes) -> array.array[int] | None:
    """The record offsets (in u32 words) kept for the blob of ``digest``, or None."""
    directory = _usable()
    if directory is None:
        return None
    try:
        with open(directory / f"{digest.hex()}{_SUFFIX}", "rb") as file:
            raw = file.read()
    except OSError:
        return None
    if len(raw) < _HEADER.size:
        return None
    magic, fmt, blob, count, check = _HEADER.unpack_from(raw)
    body = raw[_HEADER.size :]
    if magic != _MAGIC or fmt != FORMAT or blob != digest or len(body) != 4 * count:
        return None
    if hashlib.sha256(body).digest() != check:
        return None
    starts = array.array("I")
    starts.frombytes(body)
    if sys.byteorder != "little":
        starts.byteswap()
    return starts


def store_index(digest: bytes, starts: array.array[int]) -> None:
    """Keep the record offsets of the blob of ``digest`` (failures are ignored)."""
    directory = _usable()
    if directory is None:
        return
    words = array.array("I", starts)
    if sys.byteorder != "little":
        words.byteswap()
    body = words.tobytes()
    path = directory / f"{digest.hex()}{_SUFFIX}"
    temporary = path.with_name(f".{digest.hex()}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(temporary, "wb") as file:
            file.write(
                _HEADER.pack(_MAGIC, FORMAT, digest, len(starts), hashlib.sha256(body).digest()) + body
            )
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
