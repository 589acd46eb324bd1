"""The compiled verifier: which build of the verifier's hot modules Python imports.

The verifier's hot modules (``MODULES``) are plain, mypy --strict typed Python;
``scripts/build_native.py`` compiles them with mypyc into C extensions in a directory *outside* the
source tree (``build/native`` of the checkout, next to ``src/``), together with a manifest of the
SHA-256 of every source it was built from -- the compiled modules and every pybpf module they import,
directly or not (``dependencies``: mypyc compiles against their types and inlines their ``Final``
constants) -- and of the Python ABI it was built for.  Nothing compiled
ever lands in ``src/``, so a stale binary can never shadow an edited ``.py`` file by being found
first on the ordinary import path.

At the import of ``pybpf.verifier`` (and ``pybpf.verifier.checks``) the package calls
``install()``: when every recorded source still hashes to what the manifest says and the
ABI is this interpreter's, the native directory goes first on the package's ``__path__`` (and
mypyc's shared library is loaded under its module name), so ``import pybpf.verifier.tnum`` finds
the extension; otherwise -- not built, stale, another interpreter, or ``PYBPF_NATIVE=0`` -- nothing
changes and the pure-Python modules load, silently.  ``status()`` says which and why (``pybpf
--version`` prints it).  Each checkout looks only at its own ``build/native`` (or, explicitly, at
``PYBPF_NATIVE_DIR``), so worktrees sharing one virtualenv never load each other's binaries.

There is no kernel counterpart: this is how pybpf's verifier (kernel/bpf/verifier.c's model) is made fast.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import os
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

MODULES: tuple[str, ...] = (
    "pybpf.verifier.tnum",
    "pybpf.verifier.bounds",
    "pybpf.verifier.regtypes",
    "pybpf.verifier.regstate",
    "pybpf.verifier.stack",
    "pybpf.verifier.state",
    "pybpf.verifier.registers",
    "pybpf.verifier.liveness",
    "pybpf.verifier.prune",
    "pybpf.verifier.precision",
    "pybpf.verifier.do_check",
    "pybpf.verifier.checks.alu",
    "pybpf.verifier.checks.jmp",
    "pybpf.verifier.checks.mem",
    "pybpf.verifier.checks.ld",
    "pybpf.verifier.checks.call",
    "pybpf.verifier.stack_liveness",
    "pybpf.verifier.references",
    "pybpf.verifier.dynptr",
    "pybpf.verifier.helpers",
    "pybpf.verifier.log",
    "pybpf.verifier.insn_print",
    "pybpf.verifier.mem_region",
    "pybpf.verifier.value_fields",
)
"""The modules compiled by mypyc, in one group (they call each other natively)."""

GROUP = "pybpf_native"
"""mypyc's group name: the shared library holding the compiled code is the module ``pybpf_native__mypyc``."""

MANIFEST = "manifest.json"
FORMAT = 1
"""The manifest's format; a manifest of another format is stale."""

ENV_SWITCH = "PYBPF_NATIVE"
"""``PYBPF_NATIVE=0`` forces the pure-Python verifier."""

ENV_DIR = "PYBPF_NATIVE_DIR"
"""Where to look for the build instead of the checkout's ``build/native``."""

_SRC = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Decision:
    """Whether the compiled modules are used, and why (or why not)."""

    native: bool
    reason: str
    directory: Path | None


def source_path(module: str) -> Path:
    """The ``.py`` file of a pybpf module (``pybpf.verifier.tnum`` -> ``src/pybpf/verifier/tnum.py``)."""
    return _SRC.joinpath(*module.split(".")).with_suffix(".py")


def default_directory() -> Path | None:
    """This checkout's ``build/native`` (None when pybpf is not run from a source checkout)."""
    root = _SRC.parent
    if _SRC.name != "src" or not (root / "pyproject.toml").is_file():
        return None
    return root / "build" / "native"


def build_directory() -> Path | None:
    """Where the build is looked for: ``PYBPF_NATIVE_DIR`` or the checkout's ``build/native``."""
    explicit = os.environ.get(ENV_DIR)
    return Path(explicit) if explicit else default_directory()


def abi() -> dict[str, str]:
    """What an extension module depends on in the interpreter (a build for another one is stale)."""
    return {
        "implementation": sys.implementation.cache_tag or "",
        "ext_suffix": str(sysconfig.get_config_var("EXT_SUFFIX")),
        "version": f"{sys.version_info[0]}.{sys.version_info[1]}",
    }


def _module_file(module: str) -> Path | None:
    """The source of a pybpf module or package (None for a name that is neither, e.g. a class)."""
    path = _SRC.joinpath(*module.split("."))
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return None


def _imported(module: str, path: Path) -> set[str]:
    """The pybpf modules (and packages) ``module``'s source imports, anywhere in it."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # (relative: from the module's package up)
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *([base] if base else [])])
            # the package itself only when a name is taken from it (not when it only holds modules)
            modules = [f"{base}.{alias.name}" for alias in node.names]
            names = [*modules, base] if any(_module_file(m) is None for m in modules) else modules
        else:
            continue
        # (a package's __init__ that only contains a module -- ``pybpf`` in ``pybpf.verifier.tnum`` --
        # runs before it at import, but mypyc compiles nothing of it in: it is no dependency)
        found.update(name for name in names if name.startswith("pybpf") and _module_file(name) is not None)
    return found


def dependencies() -> tuple[str, ...]:
    """``MODULES`` and every pybpf module they import, directly or not: mypyc compiles against their
    types and may inline their ``Final`` constants, so a change to any of them makes a build stale."""
    seen: set[str] = set()
    todo = list(MODULES)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        path = _module_file(module)
        if path is not None:
            todo.extend(_imported(module, path) - seen)
    return tuple(sorted(seen))


def source_hashes(modules: tuple[str, ...] | list[str] = MODULES) -> dict[str, str]:
    """The SHA-256 of the current source of each of ``modules``."""
    hashes = {}
    for module in modules:
        path = _module_file(module)
        hashes[module] = hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else ""
    return hashes


def manifest() -> dict[str, object]:
    """The manifest a build of the current sources for this interpreter carries: the hashes of the
    compiled modules and of every pybpf module they depend on (``dependencies``)."""
    return {"format": FORMAT, "group": GROUP, "abi": abi(), "sources": source_hashes(dependencies())}


def check(directory: Path) -> str | None:
    """None when ``directory`` holds a build of exactly the current sources for this interpreter;
    otherwise why not."""
    try:
        recorded = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        return "not built"
    except (OSError, ValueError) as e:
        return f"unreadable manifest ({e.__class__.__name__})"
    if not isinstance(recorded, dict) or recorded.get("format") != FORMAT or recorded.get("group") != GROUP:
        return "manifest of another format"
    if recorded.get("abi") != abi():
        return "built for another Python"
    sources = recorded.get("sources")
    if not isinstance(sources, dict) or not set(MODULES) <= set(sources):
        return "built from another module list"
    try:
        current = source_hashes(sorted(sources))
    except OSError:
        return "sources unreadable"
    changed = sorted(module for module in sources if sources[module] != current[module])
    if changed:
        more = f" (+{len(changed) - 1})" if len(changed) > 1 else ""
        return f"stale: {changed[0]} changed{more}"
    if _library(directory) is None:
        return "shared library missing"
    missing = [module for module in MODULES if _extension(directory, module) is None]
    if missing:
        return f"extension of {missing[0]} missing"
    return None


def _library(directory: Path) -> Path | None:
    path = directory / f"{GROUP}__mypyc{sysconfig.get_config_var('EXT_SUFFIX')}"
    return path if path.is_file() else None


def _extension(directory: Path, module: str) -> Path | None:
    path = directory.joinpath(*module.split(".")).with_name(
        module.rsplit(".", 1)[1] + str(sysconfig.get_config_var("EXT_SUFFIX"))
    )
    return path if path.is_file() else None


_decision: Decision | None = None


def decide() -> Decision:
    """Whether this process uses the compiled modules (decided once, at the first call)."""
    global _decision
    if _decision is None:
        _decision = _decide()
    return _decision


def _decide() -> Decision:
    if os.environ.get(ENV_SWITCH, "1").strip().lower() in ("0", "no", "off", "false"):
        return Decision(False, f"{ENV_SWITCH}=0", None)
    directory = build_directory()
    if directory is None:
        return Decision(False, "not a source checkout", None)
    why = check(directory)
    if why is not None:
        return Decision(False, why, directory)
    library = _library(directory)
    name = f"{GROUP}__mypyc"
    if name not in sys.modules and library is not None:
        spec = importlib.util.spec_from_file_location(name, library)
        if spec is None or spec.loader is None:
            return Decision(False, "shared library not loadable", directory)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except ImportError as e:
            return Decision(False, f"shared library not loadable ({e})", directory)
        sys.modules[name] = module
    return Decision(True, f"{len(MODULES)} modules compiled by mypyc", directory)


def install(package: str, path: list[str]) -> None:
    """Put the native directory of ``package`` (a package holding compiled modules) first on its
    ``__path__``."""
    decision = decide()
    if decision.native and decision.directory is not None:
        native = str(decision.directory.joinpath(*package.split(".")))
        if native not in path:
            path.insert(0, native)


def status() -> str:
    """One line: which verifier this process runs (``native (...)`` or ``pure Python (why)``)."""
    decision = decide()
    if decision.native:
        loaded = [m for m in MODULES if m in sys.modules]
        compiled = [m for m in loaded if not str(getattr(sys.modules[m], "__file__", "")).endswith(".py")]
        if len(compiled) != len(loaded):
            return f"mixed: {len(compiled)} of {len(loaded)} loaded modules compiled"
        return f"native ({decision.reason}, {decision.directory})"
    return f"pure Python ({decision.reason})"
