"""pybpf's one layer order, checked on every import of every module (imports inside functions too).

The order is written in README.md (*Architecture*): each package or top-level module imports only
from those before it (or from itself), so there are no cycles between packages, and no module
reaches a private name (``_name``) of another package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "pybpf"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "kernel_version", "native"),
    ("uapi",),
    ("isa",),
    ("btf",),
    ("objects",),
    ("maps",),
    ("memory",),
    ("helpers",),
    ("kfuncs",),
    ("progtypes",),
    ("verifier",),
    ("engine",),
    ("vm",),
    ("jit",),
    ("kernel",),
    ("elf",),
    ("buffers",),
    ("perf", "fd_object", "ringbuf"),
    ("perfbuf", "user_ringbuf"),
    ("libbpf",),
    ("link",),
    ("map", "program"),
    ("object", "capture", "trace_output"),
    ("replay",),
    ("__init__",),
    ("cli",),
    ("__main__",),
)
"""Lowest first.  Units in one tuple are peers: they may not import each other."""

RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    line: int
    target: str  # the imported module, dotted
    names: tuple[str, ...]  # names taken from it (``from target import names``)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(dotted: str) -> bool:
    relative = Path(*dotted.split("."))
    return (SRC / relative).with_suffix(".py").exists() or (SRC / relative / "__init__.py").exists()


def imports_of(path: Path) -> Iterator[Import]:
    module = module_name(path)
    package_parts = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, node.lineno, alias.name, ())
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            plain = []
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                if is_module(submodule):  # ``from pybpf import uapi``: an import of pybpf.uapi
                    yield Import(module, node.lineno, submodule, ())
                else:
                    plain.append(alias.name)
            if plain:
                yield Import(module, node.lineno, target, tuple(plain))


def unit_of(dotted: str) -> str | None:
    """The layer unit (package or top-level module) of a pybpf module; None outside pybpf."""
    parts = dotted.split(".")
    if parts[0] != "pybpf":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def all_imports() -> list[Import]:
    return [imp for path in sorted(PACKAGE.rglob("*.py")) for imp in imports_of(path)]


def test_every_unit_has_a_layer() -> None:
    units = {unit_of(module_name(path)) for path in PACKAGE.rglob("*.py")}
    assert units - set(RANK) == set(), "add new packages to LAYERS (and to README's architecture)"


def test_nothing_imports_upward_or_sideways() -> None:
    wrong = []
    for imp in all_imports():
        source, target = unit_of(imp.module), unit_of(imp.target)
        if target is None or source is None or source == target:
            continue
        if RANK[target] >= RANK[source]:
            wrong.append(f"{imp.module}:{imp.line} imports {imp.target} ({source} -> {target})")
    assert wrong == []


def test_no_private_names_across_packages() -> None:
    wrong: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        source = unit_of(module)
        aliases: dict[str, str] = {}  # local name -> pybpf module of another unit
        for imp in imports_of(path):
            if unit_of(imp.target) in (None, source):
                continue
            wrong.extend(
                f"{module}:{imp.line} takes {imp.target}.{name}" for name in imp.names if _private(name)
            )
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    dotted = f"{node.module}.{alias.name}"
                    if is_module(dotted) and unit_of(dotted) != source:
                        aliases[alias.asname or alias.name] = dotted
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname and unit_of(alias.name) not in (None, source):
                        aliases[alias.asname] = alias.name
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and _private(node.attr)
            ):
                wrong.append(f"{module}:{node.lineno} reaches {aliases[node.value.id]}.{node.attr}")
    assert wrong == []


def _private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("_")


@pytest.mark.parametrize("unit", sorted(RANK))
def test_layer_order_is_written_in_the_readme(unit: str) -> None:
    readme = (SRC.parent / "README.md").read_text()
    section = readme[readme.index("## Architecture") :]
    if (PACKAGE / unit).is_dir() or (PACKAGE / f"{unit}.py").exists():
        assert unit in section


def _runs_at_import(tree: ast.Module) -> Iterator[ast.stmt]:
    """The statements a module runs when imported: its body, the branches of its ``if``/``try``
    blocks, but not ``if TYPE_CHECKING:`` (nor function bodies)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                pending.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                pending.extend(handler.body)
        else:
            yield node


def import_graph() -> dict[str, set[str]]:
    """Module -> the pybpf modules its import runs (``from package import name`` counts as the
    package's ``__init__``)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        tree = ast.parse(path.read_text(), str(path))
        wanted = {id(node) for node in _runs_at_import(tree)}
        lines = {node.lineno for node in ast.walk(tree) if isinstance(node, ast.stmt) and id(node) in wanted}
        graph[module] = {
            imp.target
            for imp in imports_of(path)
            if imp.line in lines and unit_of(imp.target) is not None and imp.target != module
        }
    return graph


def test_no_import_cycles_between_modules() -> None:
    """Within a package too, importing a module never needs a module that needs it (a cycle that
    works only because of the order imports happen in): the strongly connected components of the
    import graph are single modules."""
    graph = import_graph()
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []
    for root in graph:  # Tarjan, iteratively
        if root in order:
            continue
        work = [(root, iter(sorted(graph[root])))]
        order[root] = low[root] = len(order)
        stack.append(root)
        while work:
            node, edges = work[-1]
            step = next((t for t in edges if t in graph), None)
            if step is not None:
                if step not in order:
                    order[step] = low[step] = len(order)
                    stack.append(step)
                    work.append((step, iter(sorted(graph[step]))))
                elif step in stack:
                    low[node] = min(low[node], order[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == order[node]:
                component = []
                while True:
                    member = stack.pop()
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    assert cycles == []
