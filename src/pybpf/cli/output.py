"""Printing for the bpftool-shaped commands: JSON as bpftool writes it, and the byte forms it uses.

Mirrors bpftool's ``-j`` / ``-p`` (tools/bpf/bpftool/main.c, json_writer.c): ``-j`` one compact JSON
document, ``-p`` the same indented (and implies ``-j``); bytes as arrays of ``"0x1f"`` strings
(``map dump``'s ``key`` / ``value``) and as ``1f 00 ...`` in plain text (``map dump`` without BTF).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["add_json_options", "hex_array", "hex_bytes", "print_json", "usage", "wants_json"]


def add_json_options(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """``-j/--json`` and ``-p/--pretty``; on sub-commands they default to what the top level said."""
    default: Any = False if top_level else argparse.SUPPRESS
    parser.add_argument("-j", "--json", action="store_true", default=default, help="print JSON (compact)")
    parser.add_argument(
        "-p", "--pretty", action="store_true", default=default, help="print indented JSON (implies --json)"
    )


def wants_json(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "json", False) or getattr(args, "pretty", False))


def print_json(args: argparse.Namespace, document: Any) -> None:
    """One JSON document: compact for ``-j``, indented by 4 (as bpftool's) for ``-p``."""
    if getattr(args, "pretty", False):
        text = json.dumps(document, indent=4)
    else:
        text = json.dumps(document, separators=(",", ":"))
    sys.stdout.write(text + "\n")


def hex_array(data: bytes) -> list[str]:
    """bpftool's JSON bytes: ``["0x06", "0x00", ...]``."""
    return [f"0x{b:02x}" for b in data]


def hex_bytes(data: bytes) -> str:
    """bpftool's plain bytes: ``06 00 00 00``."""
    return data.hex(" ")


def usage(parser: argparse.ArgumentParser) -> int:
    """A command group given no sub-command: its help on stderr, exit status 2."""
    parser.print_help(sys.stderr)
    return 2
