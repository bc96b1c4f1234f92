"""tools/check_imports.py on tiny fake packages: private names across modules, cycles with
function-level and relative imports, and a clean package."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from normkit_testpaths import ROOT

TOOL = ROOT / "tools" / "check_imports.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_imports", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_imports"] = module
    spec.loader.exec_module(module)
    return module


ci = _tool()


def package(tmp_path: Path, files: dict[str, str]) -> Path:
    """A package ``fake`` under ``tmp_path`` with the given modules (``"a.py"``, ``"sub/b.py"``)."""
    root = tmp_path / "fake"
    root.mkdir()
    (root / "__init__.py").write_text("")
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if p.parent != root and not (p.parent / "__init__.py").exists():
            (p.parent / "__init__.py").write_text("")
        p.write_text(text)
    return root


def test_clean_package_passes(tmp_path, capsys):
    root = package(tmp_path, {"a.py": "import os\nfrom fake.b import VALUE, __version__\n", "b.py": "VALUE = 1\n__version__ = '1'\n"})
    assert ci.main([str(root)]) == 0
    assert "no import cycles" in capsys.readouterr().out


def test_private_name_from_another_module_is_reported(tmp_path):
    root = package(tmp_path, {"a.py": "def f():\n    from fake.b import _hidden\n    return _hidden\n", "b.py": "_hidden = 1\n"})
    problems = ci.check([root])
    assert len(problems) == 1
    assert problems[0].endswith("a.py:2: imports private name _hidden from fake.b")


def test_private_name_by_relative_import_and_attribute(tmp_path):
    root = package(tmp_path, {
        "sub/a.py": "from . import b\nfrom .b import _x\n\n\ndef f():\n    return b._y\n",
        "sub/b.py": "_x = 1\n_y = 2\n",
    })
    problems = sorted(ci.check([root]))
    assert any(p.endswith("a.py:2: imports private name _x from fake.sub.b") for p in problems)
    assert any(p.endswith("a.py:6: uses private name _y of fake.sub.b") for p in problems)
    assert len(problems) == 2


def test_own_private_names_and_third_party_private_names_are_fine(tmp_path):
    root = package(tmp_path, {"a.py": "from os import _exit\n_mine = 1\n\n\ndef f(self):\n    return self._cache, _mine\n"})
    assert ci.check([root]) == []


def test_cycle_through_a_function_level_import_is_reported_with_its_path(tmp_path):
    root = package(tmp_path, {
        "a.py": "from fake.b import B\nA = 1\n",
        "b.py": "B = 2\n\n\ndef late():\n    from fake import c\n    return c\n",
        "c.py": "import fake.a\n",
    })
    problems = ci.check([root])
    assert len(problems) == 1
    text = problems[0]
    assert text.startswith("import cycle: fake.a -> fake.b -> fake.c -> fake.a")
    assert "fake.b imports fake.c at" in text and "b.py:5" in text


def test_relative_import_two_levels_up_makes_a_cycle(tmp_path):
    root = package(tmp_path, {"top.py": "from fake.sub.deep import leaf\n", "sub/deep/leaf.py": "from ...top import X\n"})
    problems = ci.check([root])
    assert len(problems) == 1 and "fake.sub.deep.leaf -> fake.top -> fake.sub.deep.leaf" in problems[0]


def test_type_checking_imports_count_too(tmp_path):
    root = package(tmp_path, {
        "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from fake.b import B\n",
        "b.py": "from fake.a import A\n",
    })
    assert len(ci.check([root])) == 1


def test_cycles_lists_one_shortest_cycle_per_group():
    graph = {"a": {"b"}, "b": {"c", "a"}, "c": {"a"}, "d": {"d2"}, "d2": set()}
    assert ci.cycles(graph) == [["a", "b", "a"]]
    assert ci.components(graph) == [["a", "b", "c"]]


def test_command_line_exit_codes(tmp_path):
    root = package(tmp_path, {"a.py": "from fake.b import _x\n", "b.py": "_x = 1\n"})
    r = subprocess.run([sys.executable, str(TOOL), str(root)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "1 problem(s)" in r.stdout and "imports private name _x from fake.b" in r.stdout
    r = subprocess.run([sys.executable, str(TOOL), str(tmp_path / "nothing")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "not a package folder" in r.stderr


@pytest.mark.parametrize("text", ["from .. import x\n"])
def test_relative_import_beyond_the_package_does_not_crash(tmp_path, text):
    root = package(tmp_path, {"a.py": text})
    assert ci.check([root]) == []
