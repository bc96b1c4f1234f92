"""tools/gates.sh: every gate runs, a summary is printed, and NORMKIT_GATES decides whether a
failing gate fails the script (tools replaced by stand-ins, so this runs in a second)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from normkit_testpaths import ROOT

GATES = ROOT / "tools" / "gates.sh"


def stand_in_tools(tmp_path: Path, failing: set[str]) -> Path:
    """A fake `python` (for `-m ruff`, `-m mypy`, tools/check_imports.py) and `lint-imports`
    that print their name and fail when it is in ``failing``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = bin_dir / "python"
    python.write_text("#!/bin/sh\n"
                      'case "$1" in -m) name="$2" ;; *) name=check_imports ;; esac\n'
                      'echo "ran $name"\n'
                      f'case " {" ".join(sorted(failing))} " in *" $name "*) exit 1 ;; esac\n'
                      "exit 0\n")
    lint = bin_dir / "lint-imports"
    lint.write_text("#!/bin/sh\necho 'ran lint-imports'\n" + ("exit 1\n" if "lint-imports" in failing else "exit 0\n"))
    python.chmod(0o755)
    lint.chmod(0o755)
    return python


def run(python: Path, mode: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NORMKIT_GATES"}
    env["PYTHON"] = str(python)
    if mode is not None:
        env["NORMKIT_GATES"] = mode
    return subprocess.run(["bash", str(GATES)], capture_output=True, text=True, env=env, timeout=60)


def test_all_gates_pass(tmp_path):
    r = run(stand_in_tools(tmp_path, set()), "fatal")
    assert r.returncode == 0, r.stderr
    for name in ("ruff", "mypy", "lint-imports", "check_imports"):
        assert f"ran {name}" in r.stdout and f"  {name}" in r.stdout
    assert "gates: all passed" in r.stdout


@pytest.mark.parametrize("mode,code", [("fatal", 1), ("warn", 0)])
def test_a_failing_gate_is_fatal_only_when_asked(tmp_path, mode, code):
    r = run(stand_in_tools(tmp_path, {"mypy", "lint-imports"}), mode)
    assert r.returncode == code
    assert "mypy           FAILED (exit 1)" in r.stdout and "lint-imports   FAILED (exit 1)" in r.stdout
    assert "ruff           ok" in r.stdout and "check_imports  ok" in r.stdout
    assert "2 gate(s) failed" in r.stderr


def test_the_gates_are_fatal_by_default_and_bad_modes_are_refused(tmp_path):
    lines = [ln for ln in GATES.read_text(encoding="utf-8").splitlines() if ln.startswith("DEFAULT_MODE=")]
    assert lines == ["DEFAULT_MODE=fatal"]
    python = stand_in_tools(tmp_path, {"ruff"})
    r = run(python, None)
    assert r.returncode == 1 and "NORMKIT_GATES=fatal" in r.stdout
    r = run(python, "maybe")
    assert r.returncode == 2 and "must be fatal or warn" in r.stderr
