"""Fuzz budgets (normkit/budget): the illustrative budget with lines, amounts, dates and options
replaced by hostile values, checked against the illustrative province pack, as data and as
YAML/CSV files. Every failure must be a catalogued NormkitError; a report must render."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
import yaml
from fuzzkit import fuzz_settings, must_be_clean
from hypothesis import given
from hypothesis import strategies as st
from normkit_testpaths import EXAMPLES

BUDGET = yaml.safe_load((EXAMPLES / "budgets" / "clean-2024.yaml").read_text(encoding="utf-8"))
BUDGET.pop("pack", None)
FIELDS = ["ref", "product", "description", "quantity", "unit", "unit_price", "amount", "duration", "options", "x"]
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**40, 10**40), st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1e30", "-1", "0", "NaN", "Infinity", "1e999999", "9.8 minute", "1e61 minute", "-5 minute", "abc", "",
                     "01.03.01.50.10", "EX-TV-PS15", "13.20.20.00.00-edited", "nope", "15%", "150%", "-1%", "=1+1", "ho\u0323",
                     "2024-02-30", "9999-12-31", 10**30, Decimal("1e30"), [], {}, {"edited_share": "1e30%"},
                     {"royalty_genre": "phong_su", "royalty_coefficient": "1e30"}, {"x": None}]),
    st.text(max_size=8),
)
TOP = ["date", "at", "total", "kind", "id", "lines", "x", "normkit_budget"]


@pytest.fixture(scope="module")
def province():
    from normkit.api import load
    return load(EXAMPLES / "packs" / "example-province")


def _mutate(data: dict, draws: list) -> dict:
    data = copy.deepcopy(data)
    for where, key, value in draws:
        if where == "top":
            data[key] = value
        elif data.get("lines") and isinstance(data["lines"], list):
            line = data["lines"][where % len(data["lines"])]
            if isinstance(line, dict):
                if value == "__delete__":
                    line.pop(key, None)
                else:
                    line[key] = value
    return data


mutation = st.one_of(
    st.tuples(st.just("top"), st.sampled_from(TOP), st.one_of(VALUES, st.sampled_from([dt.date(9999, 12, 31), dt.date(1, 1, 1)]))),
    st.tuples(st.integers(0, 10), st.sampled_from(FIELDS), st.one_of(VALUES, st.just("__delete__"))),
)


@fuzz_settings(100)
@given(st.lists(mutation, min_size=1, max_size=4))
def test_fuzz_budget_data(province, draws: list) -> None:
    from normkit.budget.checking import check

    data = _mutate(BUDGET, draws)

    def run() -> Any:
        report = check(data, rules=province)
        json.dumps(report.model_dump(mode="json") if hasattr(report, "model_dump") else str(report), default=str)
        return report
    must_be_clean("budget.data", run)


@fuzz_settings(40)
@given(st.lists(mutation, min_size=1, max_size=3), st.sampled_from([".yaml", ".json", ".csv"]), st.floats(0, 1))
def test_fuzz_budget_file(tmp_path_factory, province, draws: list, suffix: str, cut: float) -> None:
    from normkit.budget.checking import check

    data = _mutate(BUDGET, draws)
    folder = tmp_path_factory.mktemp("budget")
    path = folder / f"budget{suffix}"
    if suffix == ".csv":
        src = (EXAMPLES / "budgets" / "clean-2024.csv").read_bytes()
        raw = src[: int(len(src) * cut)] if cut < 0.5 else src.replace(b"1778000", str(draws[0][2]).encode()[:40])
    elif suffix == ".json":
        raw = json.dumps(data, default=str, ensure_ascii=False).encode()
    else:
        raw = yaml.safe_dump(json.loads(json.dumps(data, default=str)), allow_unicode=True).encode()
    path.write_bytes(raw)
    must_be_clean("budget.file", lambda: check(path, rules=province), located=True)
