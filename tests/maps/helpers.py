"""Raw bpf() helpers for the map tests: build attrs, call a backend, reduce results to comparables."""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from typing import Any

from pybpf import uapi
from pybpf.kernel.backend import Backend


def outcome(call: Callable[[], Any]) -> Any:
    """The call's result, or ("errno", n) when it raised OSError."""
    try:
        return call()
    except OSError as exc:
        return ("errno", exc.errno)


def create(  # noqa: PLR0917
    backend: Backend,
    map_type: int,
    key_size: int,
    value_size: int,
    max_entries: int,
    flags: int = 0,
    name: bytes = b"",
    **extra: int,
) -> int:
    attr = uapi.bpf_attr()
    attr.map_type, attr.key_size, attr.value_size = map_type, key_size, value_size
    attr.max_entries, attr.map_flags = max_entries, flags
    ctypes.memmove(ctypes.addressof(attr) + 28, name, len(name))
    for field, value in extra.items():
        setattr(attr, field, value)
    return backend.bpf(uapi.BPF_MAP_CREATE, attr)


def create_outcome(backend: Backend, *args: Any, **kwargs: Any) -> Any:
    """ "ok" (closing the fd) or ("errno", n)."""

    def run() -> str:
        os.close(create(backend, *args, **kwargs))
        return "ok"

    return outcome(run)


def elem(  # noqa: PLR0917
    backend: Backend,
    cmd: int,
    fd: int,
    key: bytes | None,
    value: bytes | None = None,
    flags: int = 0,
    value_size: int = 0,
    key_address: int | None = None,
) -> Any:
    """Run an element command; returns the bytes written to value/next_key, or ("errno", n)."""
    attr = uapi.bpf_attr()
    attr.map_fd = fd
    keybuf = ctypes.create_string_buffer(key or b"", max(len(key or b""), 1))
    if key_address is not None:
        attr.key = key_address
    elif key is not None:
        attr.key = ctypes.addressof(keybuf)
    size = max(value_size, len(value or b""), 1)
    valbuf = ctypes.create_string_buffer(value or b"", size)
    if cmd != uapi.BPF_MAP_DELETE_ELEM:
        attr.value = ctypes.addressof(valbuf)
    attr.flags = flags

    def run() -> bytes:
        backend.bpf(cmd, attr)
        return valbuf.raw[:size]

    return outcome(run)


def lookup(backend: Backend, fd: int, key: bytes, value_size: int) -> Any:
    return elem(backend, uapi.BPF_MAP_LOOKUP_ELEM, fd, key, value_size=value_size)


def update(backend: Backend, fd: int, key: bytes, value: bytes, flags: int = 0) -> Any:
    result = elem(backend, uapi.BPF_MAP_UPDATE_ELEM, fd, key, value, flags)
    return result if isinstance(result, tuple) else "ok"


def delete(backend: Backend, fd: int, key: bytes) -> Any:
    result = elem(backend, uapi.BPF_MAP_DELETE_ELEM, fd, key)
    return result if isinstance(result, tuple) else "ok"


def next_key(backend: Backend, fd: int, key: bytes | None, key_size: int) -> Any:
    return elem(backend, uapi.BPF_MAP_GET_NEXT_KEY, fd, key, value_size=key_size)


def u32(value: int) -> bytes:
    return value.to_bytes(4, "little")
