"""No module of the engine runs source text: rule files are untrusted input, evaluated by the
closed expression language's backends only (docs/development.md: no ``exec``/``eval``).

ruff's S102/S307 can be silenced line by line with ``noqa``; this scan of every module's syntax
tree cannot: it fails on any use of the builtins ``exec``, ``eval`` or ``compile`` (called or
passed around, by name or through ``builtins``; a name they are assigned to, such as a
dataclass field ``compile``, is not a use), and on a ``noqa`` that silences S102 or S307.
``re.compile`` and a method named ``compile`` are attributes of something else, and fine."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BANNED = {"exec", "eval", "compile"}
SILENCED = re.compile(r"noqa:[^\n]*\bS(102|307)\b")


def _uses(source: str, name: str) -> list[str]:
    """Where ``source`` uses a banned builtin (``file:line: what``)."""
    found = []
    tree = ast.parse(source, name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in BANNED and isinstance(node.ctx, ast.Load):  # a field named `compile` is no use
            found.append(f"{name}:{node.lineno}: {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in BANNED and isinstance(node.value, ast.Name) and node.value.id in {"builtins", "__builtins__"}:
            found.append(f"{name}:{node.lineno}: {node.value.id}.{node.attr}")
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and any(a.name in BANNED for a in node.names) and getattr(node, "module", None) == "builtins":
            found.append(f"{name}:{node.lineno}: from builtins import")
    for i, line in enumerate(source.splitlines(), 1):
        if SILENCED.search(line):
            found.append(f"{name}:{i}: noqa S102/S307")
    return sorted(found, key=lambda hit: int(hit.split(":")[1]))


def test_the_scan_sees_what_it_bans() -> None:
    sample = "\n".join([
        "import re, builtins",
        "from builtins import eval as e",
        "exec('x = 1')",
        "f = compile",
        "builtins.eval('1')",
        "y = 1  # noqa: S102",
        "re.compile('a')",
        "self_compile = obj.compile(node)",
        "class D:\n    compile: int = 0",
    ])
    assert _uses(sample, "s") == ["s:2: from builtins import", "s:3: exec", "s:4: compile", "s:5: builtins.eval", "s:6: noqa S102/S307"]


def test_no_module_of_normkit_runs_source_text() -> None:
    files = sorted((ROOT / "normkit").rglob("*.py"))
    assert len(files) > 50
    found = [hit for f in files for hit in _uses(f.read_text(encoding="utf-8"), str(f.relative_to(ROOT)))]
    assert found == []
