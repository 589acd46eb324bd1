"""Reading programs and memory for the command line: raw bytes, hex text or assembly.

A program given to ``pybpf disasm``/``pybpf run`` may be raw eBPF bytes (what ``pybpf asm`` writes,
what ``llvm-objcopy -O binary`` extracts), hex text (``b7 00 00 00 01 00 00 00 ...``, the form the
BPF ISA conformance suites pass around) or assembly source in either syntax.  ``auto`` tells them
apart: text that is only hex digits, whitespace and optional ``0x`` prefixes is hex, other
UTF-8 text is assembly, anything else is raw bytes.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from pybpf.errors import InstructionError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import Instruction, decode_program

FORMATS = ("auto", "raw", "hex", "asm")

_HEX_TEXT = re.compile(rb"\A(?:\s*(?:0x)?[0-9a-fA-F]{2})*\s*\Z")


U32_MAX = 0xFFFF_FFFF


class InputError(ValueError):
    """An input file, hex string or option value that cannot be used."""


def u32(text: str) -> int:
    """argparse type of options that fill a ``__u32`` attr field: an integer 0..2**32-1 (0x-hex too)."""
    value = _integer(text)
    if not 0 <= value <= U32_MAX:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0 and {U32_MAX}")
    return value


def count(text: str) -> int:
    """argparse type of a non-negative integer (a budget, a timeout in whole units)."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative")
    return value


def _integer(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None


def read_source(path: str) -> bytes:
    """The bytes of ``path`` ('-' is standard input)."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None


def parse_hex(text: str | bytes, what: str = "hex input") -> bytes:
    """Bytes from hex text: pairs of digits, optionally separated by whitespace or 0x-prefixed."""
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            raise InputError(f"{what} is not hex text") from None
    digits = "".join(text.replace("0x", " ").replace("0X", " ").split())
    if len(digits) % 2:
        raise InputError(f"{what} has an odd number of hex digits ({len(digits)})")
    try:
        return bytes.fromhex(digits)
    except ValueError:
        bad = next((c for c in digits if c not in "0123456789abcdefABCDEF"), "?")
        raise InputError(f"{what} contains a non-hex character {bad!r}") from None


def detect_format(data: bytes) -> str:
    """'hex', 'asm' or 'raw' for program input in ``auto`` mode."""
    if data.strip() and _HEX_TEXT.match(data):
        return "hex"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "raw"
    if "\x00" in text or not text.strip():
        return "raw"
    return "asm"


def load_program(data: bytes, fmt: str = "auto", syntax: str = "auto") -> list[Instruction]:
    """Decode, parse or assemble a program given in ``fmt``."""
    if fmt not in FORMATS:
        raise InputError(f"unknown input format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if fmt == "auto":
        fmt = detect_format(data)
    if fmt == "asm":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("assembly input is not UTF-8 text") from None
        return assemble(text, syntax)
    raw = parse_hex(data, "program") if fmt == "hex" else data
    if not raw:
        raise InstructionError(None, "empty program")
    return decode_program(raw)
