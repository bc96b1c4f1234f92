"""`check --pack FOLDER` reads FOLDER from the working directory, as `price --pack` does (it was
read from the budget's folder: docs/budget.md's own example failed with NK205)."""

from __future__ import annotations

import json

from normkit_testpaths import ROOT

from normkit.cli.main import main


def test_check_pack_is_a_path_from_the_working_directory(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(["check", "examples/budgets/clean-2024.csv", "--pack", "examples/packs/example-province", "--at", "2024-07-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["passed"] is True
