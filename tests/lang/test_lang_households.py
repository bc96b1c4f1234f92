"""`normkit household` (traced, and folded for one household after another) and `normkit classify`
(arrays) give every household of every shipped standard the same status, by income and, where the
standard has review scores, by score."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normkit.core.errors import NormkitError
from normkit.core.lang.folded import fold
from normkit.poverty.batch import classify_frame
from normkit.poverty.household import classify_household, household_classifier
from normkit.poverty.standards import Standard, load_standard

# one review year per shipped standard and its edges: vn-poverty-2021, vn-poverty-2022-2026, vn-poverty-2027-2030
YEARS = (2021, 2022, 2024, 2026, 2027, 2030)
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
LINES = [700000, 900000, 1000000, 1300000, 1500000, 2000000, 2200000, 2250000, 2800000, 3000000]
incomes = st.one_of(st.integers(0, 4_000_000), st.sampled_from(LINES).flatmap(lambda x: st.sampled_from([x - 1, x, x + 1])))
scores = st.one_of(st.integers(0, 300), st.sampled_from([139, 140, 141, 174, 175, 176]))


@pytest.fixture(scope="module")
def stds() -> dict[int, Standard]:
    return {y: load_standard(year=y) for y in YEARS}


def test_every_shipped_standard_is_covered(stds: dict[int, Standard]) -> None:
    assert {s.id for s in stds.values()} == {"vn-poverty-2021", "vn-poverty-2022-2026", "vn-poverty-2027-2030"}
    assert {s.id for s in stds.values() if s.has("status_by_score")} == {"vn-poverty-2022-2026"}


@SETTINGS
@given(year=st.sampled_from(YEARS), rows=st.lists(st.fixed_dictionaries({
    "area": st.sampled_from(["rural", "urban"]), "income_per_capita": incomes, "deprivation_count": st.integers(0, 10)}),
    min_size=1, max_size=30))
def test_household_and_classify_agree_by_income(stds: dict[int, Standard], year: int, rows: list[dict[str, int | str]]) -> None:
    std = stds[year]
    frame = classify_frame(pd.DataFrame(rows), std, method="income")
    folded = household_classifier(std)
    kept = [i for i in range(len(rows)) if i not in set(frame.rejects.index)] if not frame.rejects.empty else list(range(len(rows)))
    arrays = frame.classified["status"].tolist()
    for i, row in enumerate(rows):
        try:
            traced = classify_household(row, std=std, method="income", explain=False).status
        except NormkitError as e:  # a count beyond the standard's indicators: every path must refuse the row
            assert e.code == "NK704" and i not in kept
            continue
        assert traced == folded(row)
    assert arrays == [classify_household(rows[i], std=std, method="income", explain=False).status for i in kept]


@SETTINGS
@given(year=st.sampled_from([2022, 2024, 2026]), rows=st.lists(st.fixed_dictionaries({
    "area": st.sampled_from(["rural", "urban"]), "score_a": scores, "score_b": st.sampled_from([0, 10, 20, 30, 40, 60, 120])}),
    min_size=1, max_size=30))
def test_household_and_classify_agree_by_score(stds: dict[int, Standard], year: int, rows: list[dict[str, int | str]]) -> None:
    std = stds[year]  # only vn-poverty-2022-2026 has review scores (checked below)
    frame = classify_frame(pd.DataFrame(rows), std, method="score")
    assert frame.rejects.empty
    traced = [classify_household(r, std=std, method="score", explain=False).status for r in rows]
    status = fold(std.rules, std.at, "status_by_score")
    assert frame.classified["status"].tolist() == traced == [status(r) for r in rows]


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(year=st.sampled_from([2021, 2024, 2027]), rows=st.lists(st.fixed_dictionaries({
    "area": st.sampled_from(["rural", "urban"]), "income_per_capita": incomes, "deprivation_count": st.integers(0, 9)}),
    min_size=1, max_size=8))
def test_the_household_and_classify_commands_agree(tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str],
                                                   year: int, rows: list[dict[str, int | str]]) -> None:
    """The commands themselves: `normkit classify` on a CSV, `normkit household` on each of its rows."""
    import json

    from normkit.cli.main import main

    tmp = tmp_path_factory.mktemp("cmd")
    pd.DataFrame(rows).to_csv(tmp / "h.csv", index=False)
    assert main(["classify", str(tmp / "h.csv"), "--out", str(tmp / "out.csv"), "--year", str(year), "--json"]) == 0
    capsys.readouterr()
    classified = pd.read_csv(tmp / "out.csv", dtype=str)["status"].tolist()
    single = []
    for r in rows:
        assert main(["household", *(f"{k}={v}" for k, v in r.items()), "--year", str(year), "--json"]) == 0
        single.append(json.loads(capsys.readouterr().out)["status"])
    assert classified == single
