"""The compiled code of the methods ``dataclasses`` generates, kept on disk across processes.

``@dataclass`` writes each class's ``__init__``, ``__repr__``, ``__eq__``, ``__hash__`` (and, frozen,
``__setattr__``/``__delattr__``) as source text and compiles it with ``exec`` when the class is defined:
a fresh pybpf process that loads a program defines about 160 dataclasses, and compiling their ~800
methods was about a fifth of its CPU time (70 ms of 250 ms, most of it ``compile``).  The text is a
pure function of the class's definition, so its compiled code is kept as Python keeps a module's
(``__pycache__``): ``install()`` (called by ``import pybpf``) gives the ``dataclasses`` module an
``exec`` that looks the text up first; the code is what ``exec`` would have compiled (the same file
name, ``"<string>"``, and no inherited ``__future__`` flags: ``dataclasses`` has none), run the same
way, so the classes are the same.  The table is read at the first dataclass a process defines, and
written back (whole, under a temporary name, then renamed) at exit by a process that compiled text
it did not hold, in

* ``$PYBPF_CACHE_DIR/code`` when ``PYBPF_CACHE_DIR`` is set (set but empty: nothing kept),
* else ``$XDG_CACHE_HOME/pybpf/code``, else ``~/.cache/pybpf/code``,

one file per Python version (``sys.implementation.cache_tag`` and ``sys.hexversion``: marshalled code
is version-specific).  The directory must belong to this user and be writable by it alone (the file
becomes code in the process, as ``.pyc`` files do); a file that does not check out (magic, format,
CRC-32 of the table) is ignored and replaced.  The table keeps at most ``MAX_ENTRIES`` texts: past
that, a process writes only those it used.

There is no kernel counterpart: this is how a short pybpf process starts faster.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import stat
import struct
import sys
import threading
import zlib
from types import CodeType
from typing import Any

DIRECTORY_VARIABLE = "PYBPF_CACHE_DIR"
"""The pybpf cache root (empty: no disk cache), as for the JIT's objects and the BTF indices."""
MAX_ENTRIES = 2_000
FORMAT = 1
_MAGIC = b"PYBPFDCC"
_HEADER = struct.Struct("<8sII")  # magic, format, crc32(table)


class _Table:
    """Source text -> code, read from disk on first use; what this process compiled or used."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: dict[str, CodeType] | None = None
        self._used: set[str] = set()
        self._new = 0
        self.hits = 0
        """Texts found compiled (for tests and measurements)."""
        self.compiled = 0
        """Texts this process compiled."""

    def code(self, source: str) -> CodeType:
        with self._lock:
            if self._codes is None:
                self._codes = _read()
            found = self._codes.get(source)
            self._used.add(source)
            if found is not None:
                self.hits += 1
                return found
        code = compile(source, "<string>", "exec", dont_inherit=True)  # as exec(source) compiles it
        with self._lock:
            assert self._codes is not None
            self._codes[source] = code
            self.compiled += 1
            self._new += 1
            if self._new == 1:
                import atexit

                atexit.register(self.save)
        return code

    def save(self) -> None:
        """Write the table back if this process compiled text it did not hold."""
        with self._lock:
            if not self._new or self._codes is None:
                return
            codes = self._codes
            if len(codes) > MAX_ENTRIES:
                codes = {text: code for text, code in codes.items() if text in self._used}
            self._new = 0
        _write(codes)


def cache_file() -> str | None:
    """The file of this Python version in the directory the environment names (None: disabled or not
    private)."""
    named = os.environ.get(DIRECTORY_VARIABLE)
    if named is not None:
        if not named:
            return None
        directory = os.path.join(named, "code")
    else:
        base = os.environ.get("XDG_CACHE_HOME", "")
        root = base if os.path.isabs(base) else os.path.join(os.path.expanduser("~"), ".cache")
        directory = os.path.join(root, "pybpf", "code")
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        st = os.stat(directory)
    except OSError:
        return None
    if st.st_uid != os.geteuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    return os.path.join(directory, f"dataclasses-{sys.implementation.cache_tag}-{sys.hexversion:x}.code")


def _read() -> dict[str, CodeType]:
    path = cache_file()
    if path is None:
        return {}
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except OSError:
        return {}
    if len(raw) < _HEADER.size:
        return {}
    magic, version, crc = _HEADER.unpack_from(raw)
    body = raw[_HEADER.size :]
    if magic != _MAGIC or version != FORMAT or zlib.crc32(body) != crc:
        return {}
    import marshal

    try:
        table = marshal.loads(body)
    except (ValueError, EOFError, TypeError):
        return {}
    if not isinstance(table, dict):
        return {}
    return {
        text: code for text, code in table.items() if isinstance(text, str) and isinstance(code, CodeType)
    }


def _write(codes: dict[str, CodeType]) -> None:
    path = cache_file()
    if path is None:
        return
    import marshal

    body = marshal.dumps(codes)
    temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        with open(temporary, "wb") as file:
            file.write(_HEADER.pack(_MAGIC, FORMAT, zlib.crc32(body)) + body)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


TABLE = _Table()
"""This process's table."""


def _exec(source: Any, globals: Any = None, locals: Any = None, /) -> None:
    """``exec`` for the ``dataclasses`` module: its source text compiled once across processes."""
    if isinstance(source, str):
        source = TABLE.code(source)
    builtins.exec(source, globals, locals)


def install() -> None:
    """Give ``dataclasses`` the caching ``exec`` (unless ``PYBPF_CACHE_DIR`` is set but empty)."""
    if os.environ.get(DIRECTORY_VARIABLE) == "":
        return
    import dataclasses

    if getattr(dataclasses, "exec", None) is None:
        dataclasses.exec = _exec  # type: ignore[attr-defined]


__all__ = ["DIRECTORY_VARIABLE", "MAX_ENTRIES", "TABLE", "cache_file", "install"]
