"""The live objects of one kind, as bpftool's ``show`` / ``list`` walk them, and their printing
(``show``: the command itself, for programs, maps and links).

Mirrors bpftool's ``do_show`` loops (tools/bpf/bpftool/prog.c, map.c, link.c): ``*_GET_NEXT_ID``
from 0 until ENOENT, each id opened with ``*_GET_FD_BY_ID``, an object gone between the two calls
skipped (ENOENT); the entries printed as one JSON array (``-j`` / ``-p``) or one block each.
"""

from __future__ import annotations

import argparse
import errno
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from pybpf.cli.output import print_json, wants_json
from pybpf.errors import BPFError

__all__ = ["live_objects", "print_entries", "show"]

T = TypeVar("T")
Obj = TypeVar("Obj", bound=AbstractContextManager[Any])


def live_objects(next_id: Callable[[int], int], open_id: Callable[[int], T]) -> Iterator[T]:
    """Every live object: ids from ``next_id`` (a ``*_GET_NEXT_ID``), each opened by ``open_id``."""
    object_id = 0
    while True:
        try:
            object_id = next_id(object_id)
        except BPFError as exc:
            if exc.errno == errno.ENOENT:  # no id after this one
                return
            raise
        try:
            opened = open_id(object_id)
        except BPFError as exc:
            if exc.errno == errno.ENOENT:  # gone meanwhile
                continue
            raise
        yield opened


def print_entries(
    args: argparse.Namespace, entries: list[dict[str, Any]], format_show: Callable[[dict[str, Any]], str]
) -> None:
    """The described objects: one JSON array, or each as ``format_show`` writes it."""
    if wants_json(args):
        print_json(args, entries)
    else:
        for entry in entries:
            print(format_show(entry))


def show(
    args: argparse.Namespace,
    one: Callable[[], Obj] | None,
    every: Iterable[Obj],
    describe: Callable[[Obj], dict[str, Any]],
    format_show: Callable[[dict[str, Any]], str],
) -> int:
    """bpftool's ``show``: the object ``one`` opens when the command names one, else ``every`` live
    object (``live_objects``), each described (and closed) and printed; the exit status."""
    if one is not None:
        obj = one()
        with obj:
            entry = describe(obj)
        print_json(args, entry) if wants_json(args) else print(format_show(entry))
        return 0
    entries = []
    for obj in every:
        with obj:
            entries.append(describe(obj))
    print_entries(args, entries, format_show)
    return 0
