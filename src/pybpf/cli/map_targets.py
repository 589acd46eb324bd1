"""Naming maps on the command line as bpftool does: ``id N``, ``pinned PATH``, ``name NAME``; bytes.

Mirrors ``map_parse_fd`` and ``parse_bytes`` of tools/bpf/bpftool (common.c, map.c): a map is its id,
a pinned path or its name (which must be unique); keys and values are given byte by byte (``6 0 0 0``,
``0x06 0 0 0``) or as hex after the word ``hex`` (``hex 06 00 00 00``).  Map types are named as bpftool
(libbpf) names them.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from functools import partial

from pybpf import libbpf, uapi
from pybpf.cli.inputs import InputError
from pybpf.cli.listing import live_objects
from pybpf.cli.output import add_json_options
from pybpf.kernel.backend import Backend
from pybpf.map import Map

__all__ = [
    "MAP_SPEC",
    "MAP_TYPE_NAMES",
    "all_maps",
    "common_options",
    "keyword",
    "map_type_name",
    "no_more",
    "number",
    "open_map",
    "parse_bytes",
]

MAP_TYPE_NAMES = {
    m.value: m.name.removeprefix("BPF_MAP_TYPE_").lower()
    for m in uapi.bpf_map_type
    if m.name.startswith("BPF_MAP_TYPE_") and not m.name.startswith("__")
}
MAP_SPEC = "id N | pinned PATH | name NAME"


def map_type_name(map_type: int) -> str:
    """bpftool's (libbpf's) name of a map type: ``hash``, ``percpu_array``, ``ringbuf`` ..."""
    return MAP_TYPE_NAMES.get(map_type, f"type {map_type}")


def common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        choices=("user", "native"),
        default=None,
        help="bpf(2) to use: pybpf's (user) or the kernel's (native); default $PYBPF_BACKEND",
    )
    add_json_options(parser)


def number(text: str, what: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise InputError(f"{what} must be a number, not {text!r}") from None
    if value < 0:
        raise InputError(f"{what} must not be negative")
    return value


def open_map(words: list[str], backend: Backend) -> tuple[Map, list[str]]:
    """The map ``id N`` / ``pinned PATH`` / ``name NAME`` at the start of ``words``, and the words after."""
    if len(words) < 2 or words[0] not in ("id", "pinned", "name"):
        raise InputError(f"expected a map as '{MAP_SPEC}', got {' '.join(words)!r}")
    how, what, rest = words[0], words[1], words[2:]
    if how == "id":
        fd = libbpf.bpf_map_get_fd_by_id(number(what, "map id"), backend=backend)
    elif how == "pinned":
        fd = libbpf.bpf_obj_get(what, backend=backend)
    else:
        matches = [m for m in all_maps(backend) if m.name == what]
        if len(matches) != 1:
            for m in matches:
                m.close()
            raise InputError(
                f"{len(matches)} maps are named {what!r}: name one by id"
                if matches
                else f"no map named {what!r}"
            )
        return matches[0], rest
    try:
        return Map(fd, backend=backend), rest
    except BaseException:
        os.close(fd)
        raise


def all_maps(backend: Backend) -> Iterator[Map]:
    """Every live map, opened (bpftool's ``map show`` walk)."""

    def open_map_id(map_id: int) -> Map:
        return Map(libbpf.bpf_map_get_fd_by_id(map_id, backend=backend), backend=backend)

    return live_objects(partial(libbpf.bpf_map_get_next_id, backend=backend), open_map_id)


def parse_bytes(words: list[str], size: int, what: str) -> tuple[bytes, list[str]]:
    """bpftool's bytes: ``size`` numbers (``6``, ``0x06``), or ``hex`` and pairs of hex digits."""
    out = bytearray()
    i = 0
    as_hex = bool(words) and words[0] == "hex"
    if as_hex:
        i = 1
    while len(out) < size and i < len(words):
        word = words[i]
        if as_hex:
            digits = word.removeprefix("0x")
            if not digits or len(digits) % 2 or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise InputError(f"{what}: {word!r} is not hex bytes")
            out += bytes.fromhex(digits)
        else:
            value = number(word, f"{what} byte")
            if value > 255:
                raise InputError(f"{what}: {word!r} is not a byte (0..255)")
            out.append(value)
        i += 1
    if len(out) != size:
        raise InputError(f"{what} needs {size} bytes, got {len(out)}")
    return bytes(out), words[i:]


def keyword(words: list[str], keyword: str) -> list[str]:
    if not words or words[0] != keyword:
        raise InputError(f"expected '{keyword}', got {' '.join(words) or 'nothing'!r}")
    return words[1:]


def no_more(words: list[str]) -> None:
    if words:
        raise InputError(f"unexpected {' '.join(words)!r}")
