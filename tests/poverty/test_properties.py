"""Laws the classification keeps, on every standard: monotone in income and in deprivations,
and the array path agrees with the one-household paths on every row."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normkit.poverty.batch import classify_frame
from normkit.poverty.household import classify_household, household_classifier

RANK = {"poor": 0, "near_poor": 1, "middle": 2, "none": 3}  # lower = poorer
YEARS = (2021, 2024, 2027)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

incomes = st.one_of(st.integers(0, 4_000_000), st.sampled_from([700000, 900000, 1000000, 1300000, 1500000, 2000000,
                                                                   2200000, 2250000, 2800000, 3000000]).flatmap(
    lambda x: st.sampled_from([x - 1, x, x + 1])))
household = st.fixed_dictionaries({"area": st.sampled_from(["rural", "urban"]), "income_per_capita": incomes,
                                   "deprivation_count": st.integers(0, 9)})  # +1 stays within 2021's 10 indicators


@SETTINGS
@given(h=household, raise_by=st.integers(1, 2_000_000), year=st.sampled_from(YEARS))
def test_more_income_never_makes_a_household_poorer(standards, h, raise_by: int, year: int) -> None:
    classify = household_classifier(standards[year])
    richer = {**h, "income_per_capita": h["income_per_capita"] + raise_by}
    assert RANK[classify(richer)] >= RANK[classify(h)]


@SETTINGS
@given(h=household, year=st.sampled_from(YEARS))
def test_one_more_deprivation_never_makes_a_household_less_poor(standards, h, year: int) -> None:
    classify = household_classifier(standards[year])
    worse = {**h, "deprivation_count": h["deprivation_count"] + 1}
    assert RANK[classify(worse)] <= RANK[classify(h)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(household, min_size=1, max_size=40), year=st.sampled_from(YEARS))
def test_arrays_agree_with_single_households_on_every_row(standards, rows, year: int) -> None:
    std = standards[year]
    frame = classify_frame(pd.DataFrame(rows), std)
    assert frame.rejects.empty
    arrays = frame.classified["status"].tolist()
    traced = [classify_household(r, std=std, explain=False).status for r in rows]  # the engine's Decimal path
    bound = [household_classifier(std)(r) for r in rows]
    assert arrays == traced == bound


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flags=st.lists(st.lists(st.booleans(), min_size=12, max_size=12), min_size=1, max_size=20),
       incomes=st.lists(st.integers(0, 3_500_000), min_size=20, max_size=20))
def test_indicator_counts_agree_between_arrays_and_single_households(standards, flags, incomes) -> None:
    std = standards[2024]
    ids = std.indicator_ids
    rows = [{"area": "urban", "income_per_capita": inc, **dict(zip(ids, f, strict=True))}
            for f, inc in zip(flags, incomes, strict=False)]  # incomes: 20 drawn, one per household used
    frame = classify_frame(pd.DataFrame(rows), std)
    single = [classify_household(r, std=std, explain=False) for r in rows]
    assert frame.classified["deprivation_count"].tolist() == [s.deprivation_count for s in single] == [sum(f) for f in flags]
    assert frame.classified["status"].tolist() == [s.status for s in single]
    assert np.all(frame.classified["deprivation_count"].to_numpy() >= 0)
