"""Every documented example runs: each shell, Python and curl block of README.md and docs/*.md.

- Python blocks of one file run in order, in one namespace (a later block may use an earlier
  block's names, as a reader would), in a scratch folder that sees the repository's
  ``examples/``, ``rules/`` … through links.
- Shell blocks run with ``bash -e -o pipefail`` in the same scratch folder, ``normkit`` on the
  PATH (this interpreter's ``python -m normkit``) and a shared pack cache.
- A block with ``curl`` runs against a test server (tests/normkit_serverkit.py) started with the
  example packs on its search path, as docs/integration.md tells a reader to start it; the
  block's ``localhost:8765`` is that server.
- A block that cannot run here (``pip install``, starting a long-running server, a file only the
  reader has) says so on the line before its fence: ``<!-- no-run: reason -->``.

Also: docs/cli-reference.md is what tools/gen_cli_doc.py generates from the parser today.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from normkit_testpaths import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[A-Za-z]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
NO_RUN = re.compile(r"<!--\s*no-run:(?P<why>.*?)-->\s*$")
SHELL = {"sh", "bash", "shell"}
PYTHON = {"python", "py"}
LINKED = ("examples", "rules", "docs", "tests", "tools", "benchmarks", "normkit", "README.md", "pyproject.toml")


@dataclass(frozen=True)
class Block:
    file: Path
    line: int
    lang: str
    code: str
    no_run: str | None  # the reason, when the doc marks the block

    @property
    def id(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line}"


def blocks(path: Path) -> Iterator[Block]:
    text = path.read_text(encoding="utf-8")
    for m in FENCE.finditer(text):
        lang = m["lang"].lower()
        if lang not in SHELL | PYTHON:
            continue
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mark = NO_RUN.search(before)
        body = "\n".join(ln[len(m["indent"]):] for ln in m["body"].split("\n"))
        yield Block(path, text.count("\n", 0, m.start()) + 1, "python" if lang in PYTHON else "sh", body,
                    mark["why"].strip() if mark else None)


ALL = [b for doc in DOCS for b in blocks(doc)]
RUNNABLE_SHELL = [b for b in ALL if b.lang == "sh" and b.no_run is None]
PYTHON_FILES = sorted({b.file for b in ALL if b.lang == "python" and b.no_run is None})


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """A working folder that sees the repository's files (links) and keeps what examples write."""
    work = tmp_path_factory.mktemp("docs-work")
    for name in LINKED:
        (work / name).symlink_to(ROOT / name)
    return work


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    """``normkit`` on the PATH, and one pack cache for every example (the packs are built once)."""
    bin_dir = tmp_path_factory.mktemp("docs-bin")
    shim = bin_dir / "normkit"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m normkit "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    cache = os.environ.get("NORMKIT_CACHE_DIR") or str(tmp_path_factory.mktemp("docs-cache"))
    path = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.environ.get("PATH", "")])  # `python` is this one too
    return dict(os.environ, PATH=path, PYTHONPATH=str(ROOT), NORMKIT_CACHE_DIR=cache,
                COLUMNS="120")


@pytest.fixture(scope="module")
def server_url(env) -> Iterator[str]:
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    from normkit_serverkit import running_service

    packs = {p.name: p for p in (ROOT / "examples" / "packs").iterdir() if (p / "pack.yaml").is_file()}
    with running_service(packs) as url:
        yield url


def test_the_docs_have_runnable_blocks_and_every_skip_gives_a_reason():
    assert len(RUNNABLE_SHELL) >= 5 and len(PYTHON_FILES) >= 4
    assert all(b.no_run for b in ALL if b.no_run is not None)
    assert any("curl" in b.code for b in RUNNABLE_SHELL)


@pytest.mark.parametrize("block", RUNNABLE_SHELL, ids=lambda b: b.id)
def test_shell_block_runs(block: Block, scratch: Path, env: dict[str, str], request: pytest.FixtureRequest):
    code = block.code
    if "curl" in code:
        url = request.getfixturevalue("server_url")
        code = code.replace("localhost:8765", url.removeprefix("http://"))
    r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", code], cwd=scratch, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{block.id} failed (exit {r.returncode}):\n{code}\n--- stdout\n{r.stdout[-3000:]}\n--- stderr\n{r.stderr[-3000:]}"


@pytest.mark.parametrize("path", PYTHON_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_python_blocks_run(path: Path, scratch: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.chdir(scratch)
    monkeypatch.setenv("NORMKIT_CACHE_DIR", env["NORMKIT_CACHE_DIR"])
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block in (b for b in ALL if b.file == path and b.lang == "python" and b.no_run is None):
        try:
            exec(compile(block.code, block.id, "exec"), namespace)  # our own documentation, not a rule file
        except Exception as exc:
            pytest.fail(f"{block.id}: {type(exc).__name__}: {exc}\n{block.code}")


def test_cli_reference_is_generated_from_the_parser():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_cli_doc.py"), "--check"], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert r.returncode == 0, r.stderr


def test_every_command_is_in_the_cli_guide():
    from normkit.cli.main import parser

    guide = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    sub = next(a for a in parser()._actions if a.choices and "price" in a.choices)
    missing = [name for name in sub.choices if not any(f"{p}{name}" in guide for p in ("normkit ", "`", "/ "))]
    assert missing == []


def test_the_readme_whatif_example_changes_the_price(env):
    """It used to set base_salary to the value already in force on the order's date: no change."""
    import json

    line = next(ln for ln in (ROOT / "README.md").read_text(encoding="utf-8").splitlines() if ln.startswith("normkit whatif "))
    argv = line.split("#")[0].split()[1:]
    r = subprocess.run([sys.executable, "-m", "normkit", *argv, "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert (data["baseline_total"], data["variant_total"]) == ("4584192", "5336124")
