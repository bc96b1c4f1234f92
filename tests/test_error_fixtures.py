"""One bad input per error kind: each must fail with its code, exact message and position.

Each folder under tests/fixtures/errors/ holds a pack in `pack/`, optionally an `order.yaml`
to price with it, and `expected.yaml` with the first error's code, message, file, line and
column. `{case}` in a message stands for the case folder's absolute path. `service_limits`
(the HTTP service's limits) checks the order's work as the service does before pricing. An optional
`normkit_path` lists pack search folders (relative to the case folder) for the case. A case
about data rather than a pack has no `pack/`: `cli` in `expected.yaml` is the command line
(its files relative to the case folder) whose handler must raise the error; `env` sets
environment variables for it and `block_modules` makes those modules impossible to import
(an installation without an optional package).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

from normkit.core.compiler import build
from normkit.core.errors import CATALOGUE, NormkitError
from normkit.media.orders import load_order
from normkit.media.pricing import PricingRules

CASES = Path(__file__).parent / "fixtures" / "errors"


def first_error(case: Path, cli: list[str] | None = None, service_limits: dict | None = None) -> NormkitError:
    try:
        if cli is not None:
            from normkit.cli.main import COMMANDS, parser

            args = parser().parse_args(cli)
            COMMANDS[args.command](args)
            raise AssertionError(f"{case.name}: no error was raised")
        compiled = build(case / "pack")
        if (case / "order.yaml").exists():
            order = load_order(case / "order.yaml")
            if service_limits is not None:  # what the HTTP service checks before pricing
                from normkit.server.limits import Limits, require_work, work_of

                rules = PricingRules(compiled)
                require_work(work_of(rules, (i.norm for i in order.items)), False, Limits(**service_limits), "the order", "order.items")
            PricingRules(compiled).quote(order)
    except NormkitError as e:
        return getattr(e, "errors", [e])[0]
    raise AssertionError(f"{case.name}: no error was raised")


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()), ids=str)
def test_error_fixture(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = (CASES / case).resolve()
    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    if "normkit_path" in expected:
        monkeypatch.setenv("NORMKIT_PATH", os.pathsep.join(str(folder / p) for p in expected["normkit_path"]))
    if "cli" in expected:
        monkeypatch.chdir(folder)
    for name, value in expected.get("env", {}).items():
        monkeypatch.setenv(name, value)
    for module in expected.get("block_modules", []):
        monkeypatch.setitem(sys.modules, module, None)  # `import module` now raises ModuleNotFoundError
    err = first_error(folder, expected.get("cli"), expected.get("service_limits"))
    assert err.code == expected["code"]
    assert err.message == expected["message"].replace("{case}", str(folder))
    loc = err.location
    if "file" in expected:
        assert loc is not None and loc.file is not None
        assert os.path.relpath(os.path.realpath(loc.file), folder) == expected["file"]  # realpath: a link loop does not raise
        assert (loc.line, loc.column) == (expected.get("line"), expected.get("column"))
    assert err.hint  # every error has a hint


def test_every_catalogue_code_has_a_title_and_hint() -> None:
    for code, (title, hint) in CATALOGUE.items():
        assert code.startswith("NK") and title and hint
