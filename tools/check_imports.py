#!/usr/bin/env python3
"""Import rules import-linter cannot state: no private names across modules, no cycles at all.

    python tools/check_imports.py [PACKAGE_DIR ...]     (default: normkit)

1. No module imports another module's ``_private`` name: ``from normkit.x import _y`` and
   ``x._y`` where ``x`` is bound by an import to another module of the package are reported.
   Privacy is per module (a package's own submodules are other modules too); dunder names
   (``__version__``) are public.
2. No import cycles among the package's modules, counting imports inside functions and
   ``if TYPE_CHECKING:`` blocks too: every ``import`` / ``from … import`` anywhere in a file is
   an edge (relative imports resolved). ``from pkg import name`` is an edge to ``pkg.name``
   when that is a module, else to ``pkg``. Each cycle is printed with its path.

Exit 0 when clean, 1 with the list of problems. Standard library only.
"""

from __future__ import annotations

import ast
import itertools
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One finding: where it is and what it is."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Module:
    """A module of the checked package: its dotted name, file and parsed tree."""

    name: str
    path: Path
    is_package: bool
    tree: ast.Module
    imports: dict[str, int] = field(default_factory=dict)  # imported module -> first line


def modules(root: Path) -> dict[str, Module]:
    """Every ``.py`` file under the package folder ``root``, by dotted name."""
    out: dict[str, Module] = {}
    base = root.parent
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(base).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        name = ".".join(parts)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        out[name] = Module(name, path, is_package, tree)
    return out


def _absolute(mod: Module, level: int, target: str | None) -> str:
    """The absolute module named by ``from <level dots><target> import …`` inside ``mod``."""
    if level == 0:
        return target or ""
    package = mod.name.split(".") if mod.is_package else mod.name.split(".")[:-1]
    if level > 1:
        package = package[: len(package) - (level - 1)]
    return ".".join([*package, target] if target else package)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _edge_target(name: str, known: dict[str, Module]) -> str | None:
    """The longest known module that ``name`` is or lies in (``a.b.c`` -> ``a.b`` if only that is known)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def _scan(mod: Module, known: dict[str, Module]) -> Iterator[Problem]:
    """Fill ``mod.imports`` and yield its private-name imports."""
    aliases: dict[str, str] = {}  # local name -> module it is bound to (for attribute access)
    rel = _shown(mod.path)

    def edge(target: str | None, line: int) -> None:
        if target is not None and target != mod.name:
            mod.imports.setdefault(target, line)

    for node in ast.walk(mod.tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                edge(_edge_target(a.name, known), node.lineno)
                if a.asname:
                    aliases[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(mod, node.level, node.module)
            for a in node.names:
                sub = f"{source}.{a.name}"
                if sub in known:  # `from pkg import module`
                    edge(sub, node.lineno)
                    aliases[a.asname or a.name] = sub
                else:
                    edge(_edge_target(source, known), node.lineno)
                if _private(a.name) and source != mod.name and source in known:
                    yield Problem(rel, node.lineno, f"imports private name {a.name} from {source}")
    yield from _private_attributes(mod, aliases, known)


def _private_attributes(mod: Module, aliases: dict[str, str], known: dict[str, Module]) -> Iterator[Problem]:
    """``alias._name`` where ``alias`` is bound by an import to another module of the package."""
    for node in ast.walk(mod.tree):
        if not isinstance(node, ast.Attribute) or not _private(node.attr):
            continue
        dotted = _dotted(node.value)
        if dotted is None:
            continue
        head, _, rest = dotted.partition(".")
        target = aliases.get(head, head) + (f".{rest}" if rest else "")
        if target in known and target != mod.name and (head in aliases or "." in dotted):
            yield Problem(_shown(mod.path), node.lineno, f"uses private name {node.attr} of {target}")


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


def components(graph: dict[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of ``graph`` with more than one module, each sorted:
    every module of one imports every other, directly or not (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp: list[str] = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return sorted(found)


def cycles(graph: dict[str, Iterable[str]]) -> list[list[str]]:
    """One cycle per component of :func:`components`: a shortest closed path from its first module."""
    return [_shortest_cycle(graph, comp) for comp in components(graph)]


def _shortest_cycle(graph: dict[str, Iterable[str]], comp: list[str]) -> list[str]:
    """A shortest path from the component's first module back to itself, inside the component."""
    members = set(comp)
    start = comp[0]
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt: list[str] = []
        for node in frontier:
            for child in sorted(graph.get(node, ())):
                if child not in members:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    nxt.append(child)
        frontier = nxt
    return [start, start]  # pragma: no cover - a component always closes


def check(roots: Iterable[Path]) -> list[str]:
    """Every problem under the package folders ``roots``, as printable lines."""
    known: dict[str, Module] = {}
    for root in roots:
        known.update(modules(root))
    problems: list[str] = []
    for mod in known.values():
        problems.extend(str(p) for p in _scan(mod, known))
    graph = {name: set(mod.imports) for name, mod in known.items()}
    for comp in components(graph):
        cyc = _shortest_cycle(graph, comp)
        steps = [f"{a} imports {b} at {_shown(known[a].path)}:{known[a].imports[b]}" for a, b in itertools.pairwise(cyc)]
        others = sorted(set(comp) - set(cyc))
        problems.append("import cycle: " + " -> ".join(cyc) + "".join("\n      " + s for s in steps)
                        + (f"\n      (the same cycle group also holds: {', '.join(others)})" if others else ""))
    return problems


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    roots = [Path(a) for a in args] or [Path(__file__).resolve().parent.parent / "normkit"]
    for r in roots:
        if not (r / "__init__.py").is_file():
            print(f"check_imports: {r} is not a package folder (no __init__.py)", file=sys.stderr)
            return 2
    problems = check(roots)
    if problems:
        print(f"check_imports: {len(problems)} problem(s)")
        for p in problems:
            print("  " + p)
        return 1
    print("check_imports: no private imports across modules, no import cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
