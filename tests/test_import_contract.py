"""The import contract of ``src/cwpattern``, checked statically (``ast``, nothing imported).

The graph has one node per module of ``src/cwpattern`` and one edge per import statement
anywhere in a module (top level or inside a function), except those under
``if TYPE_CHECKING:``, which never run.  ``from . import x`` is an edge to the submodule
``x`` when there is one, else to the package's ``__init__``.

Rules:

1. **Layers.** The *core* (every module except the ``aws/`` and ``commands/`` packages, the
   CLI ``cli.py`` / ``__main__.py``, the package root ``cwpattern/__init__.py``, which is
   the public facade, and the old-name re-export shims: modules that define no function or
   class and import only from ``aws/``) never imports ``aws/`` or ``commands/``.  ``aws/``
   never imports ``commands/`` or the CLI.  The one exception is listed in
   :data:`LAYER_EXCEPTIONS` with its reason (and must still be needed).
2. **No package root.** No module imports from the package root ``cwpattern`` (its
   ``__init__``): the root imports everything, so such an import is a cycle through it.
   (``from . import ast`` names the submodule ``cwpattern.ast`` and is fine.)
3. **Private names.** A leading-underscore name (not a ``__dunder__``) defined in a
   module is private to that module: no other module imports it (``from .x import _y``)
   or reads it as an attribute (``x._y``).  A private *module* (``_m.py``) may be imported
   only by the modules of the package that directly contains it (its siblings and that
   package's ``__init__``), not from other packages or sub-packages.
4. **No cycles** between modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT_PACKAGE = "cwpattern"


@dataclass
class Module:
    name: str  #: dotted name, e.g. ``cwpattern.analysis.core``
    path: Path
    is_package: bool  #: an ``__init__.py``
    tree: ast.Module
    #: (target module, imported name or None, line) of every import that runs
    imports: list[tuple[str, str | None, int]] = field(default_factory=list)
    #: (module, attribute, line) of ``alias._private`` reads of imported modules
    attributes: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def package(self) -> str:
        """The package that directly contains the module (itself, for an ``__init__``)."""
        return self.name if self.is_package else self.name.rpartition(".")[0]


def _modules() -> dict[str, Module]:
    out = {}
    for path in sorted((SRC / ROOT_PACKAGE).rglob("*.py")):
        rel = path.relative_to(SRC).with_suffix("")
        parts = list(rel.parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        name = ".".join(parts)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        out[name] = Module(name, path, is_package, tree)
    for module in out.values():
        _collect(module, out)
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below ``node``, leaving out the bodies of ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield other
                yield from _runtime_nodes(other)
            continue
        yield child
        yield from _runtime_nodes(child)


def _resolve(module: Module, level: int, target: str | None) -> str:
    """The absolute name of a (relative) import's module."""
    if level == 0:
        return target or ""
    base = module.package.split(".")
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _collect(module: Module, modules: dict[str, Module]) -> None:
    aliases: dict[str, str] = {}  # local name -> imported cwpattern module
    for node in _runtime_nodes(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != ROOT_PACKAGE:
                    continue
                module.imports.append((alias.name, None, node.lineno))
                if alias.asname:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node.level, node.module)
            if source.split(".")[0] != ROOT_PACKAGE:
                continue
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                if sub in modules:  # a submodule, not a name of the package
                    module.imports.append((sub, None, node.lineno))
                    aliases[alias.asname or alias.name] = sub
                else:
                    module.imports.append((source, alias.name, node.lineno))
    for node in _runtime_nodes(module.tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and _private(node.attr)
        ):
            module.attributes.append((aliases[node.value.id], node.attr, node.lineno))


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _defines_code(module: Module) -> bool:
    return any(
        isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for n in ast.walk(module.tree)
    )


def _in(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


AWS = f"{ROOT_PACKAGE}.aws"
COMMANDS = f"{ROOT_PACKAGE}.commands"
CLI = (f"{ROOT_PACKAGE}.cli", f"{ROOT_PACKAGE}.__main__")


def _is_shim(module: Module) -> bool:
    """An old-name re-export: no function or class, imports only from ``aws/``."""
    return (
        not _defines_code(module)
        and bool(module.imports)
        and all(_in(target, AWS) for target, _, _ in module.imports)
    )


def _is_core(module: Module) -> bool:
    name = module.name
    return not (
        name == ROOT_PACKAGE
        or _in(name, AWS)
        or _in(name, COMMANDS)
        or name in CLI
        or _is_shim(module)
    )


MODULES = _modules()

#: (importing module, imported module) -> why a core module may import that module.
LAYER_EXCEPTIONS = {
    ("cwpattern.testing", "cwpattern.aws.filterdefs"): (
        "cwpattern.testing re-exports load_metric_filters and FilterDef so that a test suite "
        "reads its Terraform/CloudFormation filters with one import (docs/testing.md); no code "
        "of cwpattern.testing uses them"
    ),
}


def _where(module: Module, line: int) -> str:
    return f"{module.path.relative_to(SRC.parent)}:{line}"


def test_the_graph_sees_the_package() -> None:
    """The checks below look at real modules and real imports (they cannot pass empty)."""
    core = [m for m in MODULES.values() if _is_core(m)]
    assert len(core) > 30 and f"{ROOT_PACKAGE}.parser" in MODULES
    assert any(t == f"{ROOT_PACKAGE}.sources" for t, _, _ in MODULES["cwpattern.scanner"].imports)
    assert _is_core(MODULES["cwpattern.scanner"]) and not _is_core(MODULES["cwpattern.cli"])


def test_core_never_imports_aws_or_commands() -> None:
    bad, excepted = set(), set()
    for module in MODULES.values():
        core, aws = _is_core(module), _in(module.name, AWS)
        for target, _, line in module.imports:
            if (core and (_in(target, AWS) or _in(target, COMMANDS) or target in CLI)) or (
                aws and (_in(target, COMMANDS) or target in CLI)
            ):
                if (module.name, target) in LAYER_EXCEPTIONS:
                    excepted.add((module.name, target))
                else:
                    bad.add(f"{_where(module, line)}: {module.name} imports {target}")
    assert not bad, "\n".join(sorted(bad))
    assert excepted == set(LAYER_EXCEPTIONS), "an exception no longer needed: remove it"


def test_no_module_imports_the_package_root() -> None:
    bad = [
        f"{_where(module, line)}: "
        + (f"from {ROOT_PACKAGE} import {name}" if name else f"import {ROOT_PACKAGE}")
        for module in MODULES.values()
        if module.name != ROOT_PACKAGE
        for target, name, line in module.imports
        if target == ROOT_PACKAGE
    ]
    assert not bad, "\n".join(bad)


def test_no_module_imports_another_modules_private_name() -> None:
    bad = []
    for module in MODULES.values():
        uses = [(t, n, line) for t, n, line in module.imports] + [
            (t, n, line) for t, n, line in module.attributes
        ]
        for target, name, line in uses:
            if name is not None and _private(name) and target != module.name:
                bad.append(f"{_where(module, line)}: {module.name} uses {target}.{name}")
            last = target.rpartition(".")[2]
            if _private(last) and target != module.name:
                home = target.rpartition(".")[0]  # the package that directly contains it
                if module.package != home:
                    bad.append(
                        f"{_where(module, line)}: {module.name} imports the private module "
                        f"{target} of another package"
                    )
    assert not bad, "\n".join(bad)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each as one
    cycle through them."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_one_cycle(graph, set(c)) for c in components]


def _one_cycle(graph: dict[str, set[str]], members: set[str]) -> list[str]:
    """A shortest path from the first member back to itself inside the component."""
    start = min(members)
    parent: dict[str, str] = {}
    frontier, seen = [start], {start}
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph.get(v, set()) & members):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return [*reversed(path), start]
                if w not in seen:
                    seen.add(w)
                    parent[w] = v
                    nxt.append(w)
        frontier = nxt
    return sorted(members)  # not reached: a component is strongly connected


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {}
    for module in MODULES.values():
        graph[module.name] = {t for t, _, _ in module.imports if t in MODULES and t != module.name}
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize(
    "graph, expected",
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c", "a"]]),
        ({"a": {"b"}, "b": {"a"}, "c": {"c"}}, [["a", "b", "a"], ["c", "c"]]),
    ],
)
def test_cycle_finder(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert sorted(_cycles(graph)) == expected
