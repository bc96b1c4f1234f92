"""One bad input per error kind: each must fail with its code, exact message and position.

Each folder under tests/fixtures/errors/ holds a pack in `pack/`, optionally an `order.yaml`
to price with it, and `expected.yaml` with the first error's code, message, file, line and
column. `{case}` in a message stands for the case folder's absolute path. An optional
`normkit_path` lists pack search folders (relative to the case folder) for the case.
A case with `classify.yaml` instead of `pack/` runs `classify_file` with its arguments (`input`,
`out`, `rejects` relative to the case folder; `year`, `in_place`, `fail_on_duplicates`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from normkit.core.compiler import build
from normkit.core.errors import CATALOGUE, NormkitError
from normkit.media.orders import load_order
from normkit.media.pricing import PricingRules

CASES = Path(__file__).parent / "fixtures" / "errors"


def classify_error(case: Path) -> NormkitError:
    from normkit.poverty.run import classify_file
    from normkit.poverty.standards import load_standard

    args = yaml.safe_load((case / "classify.yaml").read_text(encoding="utf-8"))
    try:
        classify_file(case / args["input"], case / args["out"], load_standard(year=args["year"]),
                      rejects=case / args["rejects"] if "rejects" in args else None, in_place=args.get("in_place", False),
                      fail_on_duplicates=args.get("fail_on_duplicates", False))
    except NormkitError as e:
        return e
    raise AssertionError(f"{case.name}: no error was raised")


def first_error(case: Path) -> NormkitError:
    if (case / "classify.yaml").exists():
        return classify_error(case)
    try:
        compiled = build(case / "pack")
        if (case / "order.yaml").exists():
            PricingRules(compiled).quote(load_order(case / "order.yaml"))
    except NormkitError as e:
        return getattr(e, "errors", [e])[0]
    raise AssertionError(f"{case.name}: no error was raised")


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()), ids=str)
def test_error_fixture(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = (CASES / case).resolve()
    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    if "normkit_path" in expected:
        monkeypatch.setenv("NORMKIT_PATH", os.pathsep.join(str(folder / p) for p in expected["normkit_path"]))
    err = first_error(folder)
    assert err.code == expected["code"]
    assert err.message == expected["message"].replace("{case}", str(folder))
    loc = err.location
    if "file" in expected:
        assert loc is not None and loc.file is not None
        assert os.path.relpath(Path(loc.file).resolve(), folder) == expected["file"]
        assert (loc.line, loc.column) == (expected.get("line"), expected.get("column"))
    assert err.hint  # every error has a hint


def test_every_catalogue_code_has_a_title_and_hint() -> None:
    for code, (title, hint) in CATALOGUE.items():
        assert code.startswith("NK") and title and hint
