"""What a fresh process imports: ``import pybpf`` and ``pybpf --help`` load neither llvmlite, the ELF loader,
the JIT, the verifier nor the helpers; a command imports its own module only; every public name of the
package still resolves (``pybpf.__getattr__``); the JIT reads its object's symbols as pyelftools does;
loading an object whose code is cached does not import llvmlite's binding to LLVM."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import pybpf

SRC = Path(__file__).resolve().parent.parent / "src"
HEAVY = ("llvmlite", "elftools", "dpkt", "cryptography", "capstone", "pybpf.jit", "pybpf.verifier",
         "pybpf.helpers", "pybpf.elf", "pybpf.kernel.prog_run")  # fmt: skip


def imported_after(code: str, extra: dict[str, str] | None = None) -> set[str]:
    """The modules a fresh interpreter holds after running ``code`` (``extra``: its environment's
    additions)."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    env = dict(os.environ, PYTHONPATH=str(SRC), **(extra or {}))
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def heavy(modules: set[str]) -> set[str]:
    return {m for m in modules for h in HEAVY if m == h or m.startswith(h + ".")}


def test_import_pybpf_loads_no_engine_loader_or_llvm() -> None:
    modules = imported_after("import pybpf")
    assert heavy(modules) == set()
    assert "pybpf.errors" in modules and "pybpf.kernel_version" in modules


def test_help_loads_no_command_module() -> None:
    code = (
        "import contextlib, io, sys\nfrom pybpf.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])"
    )
    modules = imported_after(code)
    assert heavy(modules) == set()
    assert not {m for m in modules if m.startswith("pybpf.cli.") and m.endswith("_commands")}


def test_a_command_imports_its_own_module_only() -> None:
    code = (
        "import contextlib, io\nfrom pybpf.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['asm', '--help'])"
    )
    commands = {m for m in imported_after(code) if m.startswith("pybpf.cli.") and m.endswith("_commands")}
    assert commands == {"pybpf.cli.isa_commands"}


def test_the_help_lists_every_command_with_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    from pybpf.cli.commands import COMMANDS
    from pybpf.cli.main import build_parser

    full = build_parser().format_help()
    light = build_parser("").format_help()
    assert full == light
    for name, command in COMMANDS.items():
        assert name in light and command.help in light
        one = build_parser(name)
        assert one.format_help() == full


def test_every_public_name_resolves() -> None:
    for name in pybpf.__all__:
        value = getattr(pybpf, name)
        assert value is not None, name
    assert set(pybpf.__all__) <= set(dir(pybpf))
    assert pybpf.Object.__module__ == "pybpf.object" and pybpf.assemble.__module__ == "pybpf.isa.asm"
    assert pybpf.program.__name__ == "pybpf.program"  # a submodule, as after the old eager imports
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        pybpf.no_such_name  # noqa: B018


def test_the_jit_reads_its_function_symbols_as_pyelftools_does() -> None:
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    from pybpf.jit import codegen

    try:
        program = pybpf.Program.load(pybpf.assemble("call 7\nr0 &= 1\nexit"), "socket_filter")
    except OSError as exc:
        pytest.skip(f"cannot load here: {exc}")
    with program:
        compiled = [obj for obj in list(codegen._LIVE) if obj.object_code]
        if not compiled:
            pytest.skip("no compiled program (the JIT is unavailable here)")
        for obj in compiled:
            table = ELFFile(io.BytesIO(obj.object_code)).get_section_by_name(".symtab")
            assert isinstance(table, SymbolTableSection)
            expected = [
                (s.name, s["st_shndx"], s["st_value"], s["st_size"])
                for s in table.iter_symbols()
                if s["st_info"]["type"] == "STT_FUNC" and s["st_size"]
            ]
            assert codegen._function_symbols(obj.object_code) == expected
    for bad in (b"", b"\x7fELF\x01\x01" + bytes(60), b"\x7fELF\x02\x01" + bytes(58)):
        with pytest.raises((ValueError, struct.error)):
            codegen._function_symbols(bad)


def test_a_load_with_a_warm_cache_links_its_code_without_llvm(
    tmp_path: Path,
) -> None:
    """The JIT links cached objects itself (``pybpf.jit.objlink``) with the target part of their key
    recorded (``codegen.target_key``)."""
    obj = Path(__file__).resolve().parent.parent / "examples/c/xdp_guard.o"
    code = f"import pybpf\npybpf.load_object({str(obj)!r}).close()"
    env = {"PYBPF_CACHE_DIR": str(tmp_path / "cache"), "PYBPF_ENGINE": "jit"}
    imported_after(code, env)  # compiles, and records the target
    modules = imported_after(code, env)
    assert "pybpf.jit.objlink" in modules and "pybpf.elf.reader" in modules
    assert not {m for m in modules if m.startswith("llvmlite.binding")}
