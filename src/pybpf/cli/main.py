"""The ``pybpf`` command: a bpftool-shaped front end to pybpf.

Subcommands live in one module per area (``isa_commands`` for asm/disasm/run, ``object_commands``,
``prog_commands``, ``map_commands``, ``link_commands``, ``btf_commands``, ``xdp_commands``,
``trace_commands``); like bpftool, ``-j``/``-p`` before the command ask every command for JSON.
This module builds the parser and turns every expected failure — bad input, a program the kernel
would refuse, a faulting program, an errno from bpf() — into a one-line ``pybpf: error: ...`` on
stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from pybpf import KERNEL_VERSION, __version__, native
from pybpf.cli.commands import COMMANDS
from pybpf.cli.inputs import InputError
from pybpf.cli.output import add_json_options
from pybpf.errors import AsmError, ExecutionError

EXIT_ERROR = 1
EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    """argparse with pybpf's error line: a bad option or argument prints one ``pybpf: error: ...``
    line naming the (sub)command, and exits with status 2 (sub-parsers are of this class too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"pybpf: error: {message} (see '{self.prog} --help')\n")


class VersionAction(argparse.Action):
    """``--version``: pybpf's version, the kernel release it models and which verifier build this
    process runs (pybpf.native.status(): the mypyc-compiled modules or pure Python, and why)."""

    def __init__(
        self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object
    ) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version and exit"
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        import pybpf.verifier  # noqa: F401  (the verifier's import decides which build runs)

        sys.stdout.write(
            f"pybpf {__version__} (models Linux {KERNEL_VERSION} bpf(2))\nverifier: {native.status()}\n"
        )
        parser.exit(0)


if TYPE_CHECKING:  # the command modules, imported when a command line needs one (named for the layer test)
    from pybpf.cli import (  # noqa: F401
        btf_commands,
        isa_commands,
        link_commands,
        map_commands,
        object_commands,
        prog_commands,
        trace_commands,
        xdp_commands,
    )


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command (``command`` None), or of ``command`` alone (none: "") with every
    other one a parser with only its name and help (enough for the top-level help and usage errors)."""
    parser = Parser(
        prog="pybpf", description="The Linux bpf(2) system in user space: assemble, inspect and run eBPF."
    )
    parser.add_argument("--version", action=VersionAction)
    add_json_options(parser, top_level=True)
    sub: argparse._SubParsersAction[argparse.ArgumentParser]
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")  # type: ignore[assignment]
    wanted = None if command is None else COMMANDS[command].module if command in COMMANDS else ""
    loaded: set[str] = set()
    for name, (module, help_text) in COMMANDS.items():
        if wanted is not None and module != wanted:
            sub.add_parser(name, help=help_text, add_help=False)
        elif module not in loaded:  # one module adds all of its commands
            importlib.import_module(f"pybpf.cli.{module}").add_parsers(sub)
            loaded.add(module)
    return parser


def named_command(argv: Sequence[str]) -> str:
    """The command a command line names: its first argument that is no option ("" when none is)."""
    return next((arg for arg in argv if not arg.startswith("-")), "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(named_command(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.handler(args))
    except AsmError as exc:
        where = f"{getattr(args, 'file', '-')}:{exc.line}:{exc.column}"
        _error(f"{where}: {exc.reason}")
        if exc.source_line:
            print(f"    {exc.source_line}\n    {' ' * (exc.column - 1)}^", file=sys.stderr)
    except ExecutionError as exc:
        _error(f"program fault: {exc}")
    except (InputError, ValueError) as exc:
        _error(str(exc))
    except BrokenPipeError:  # output piped into something that stopped reading (head, less)
        _silence_stdout()
    except OSError as exc:  # BPFError and friends: errno plus the reason
        _error(f"{exc.strerror} (errno {exc.errno})" if exc.errno is not None else str(exc))
    except KeyboardInterrupt:
        return 130
    except MemoryError:
        _error("out of memory")
    except RecursionError:
        _error("input nested too deeply")
    return EXIT_ERROR


def _silence_stdout() -> None:
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _error(message: str) -> None:
    print(f"pybpf: error: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
