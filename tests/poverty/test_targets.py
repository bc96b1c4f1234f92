"""QĐ 90 targets, judged by the formulas of vn-poverty-targets-2021-2025."""

from __future__ import annotations

from pathlib import Path

import pytest

from normkit.core.errors import NormkitError
from normkit.poverty.targets import ReviewChange, evaluate_targets, load_review_change

ROOT = Path(__file__).resolve().parents[2]
HOUSEHOLDS = ROOT / "examples" / "households"


def test_2021_to_2022_targets_as_reported_by_the_ministry() -> None:
    results = {r.id: r for r in evaluate_targets(load_review_change(HOUSEHOLDS / "review-2021-2022.yaml"))}
    assert [(r.id, r.value, r.met, r.margin) for r in results.values() if r.evaluated] == [
        ("poverty_rate", "1.17", True, "+0.17"),
        ("ethnic_minority", "4.89", True, "+1.89"),
        ("poor_districts", "6.35", True, "+2.35"),  # above the 4–5 band counts as met
    ]
    assert results["halving"].evaluated is False
    assert results["halving"].note == "not evaluated: needs baseline.poor_and_near_poor and after.poor_and_near_poor"


def test_not_met_with_negative_margin_and_yearly_average() -> None:
    change = ReviewChange.model_validate({
        "before": {"year": 2021, "poverty_rate": "5.20", "ethnic_minority_poverty_rate": "25.91", "poor_district_poverty_rate": "44.97"},
        "after": {"year": 2023, "poverty_rate": "4.00", "ethnic_minority_poverty_rate": "20.00", "poor_district_poverty_rate": "40.00"},
    })
    r = {x.id: x for x in evaluate_targets(change)}
    assert (r["poverty_rate"].value, r["poverty_rate"].met, r["poverty_rate"].margin) == ("0.60", False, "-0.40")
    assert (r["ethnic_minority"].value, r["ethnic_minority"].met, r["ethnic_minority"].margin) == ("2.955", False, "-0.045")
    assert (r["poor_districts"].value, r["poor_districts"].met, r["poor_districts"].margin) == ("2.485", False, "-1.515")


def test_exactly_three_points_is_not_more_than_three() -> None:
    change = ReviewChange.model_validate({"before": {"year": 2022, "ethnic_minority_poverty_rate": "21.02"},
                                          "after": {"year": 2023, "ethnic_minority_poverty_rate": "18.02"}})
    r = {x.id: x for x in evaluate_targets(change)}
    assert (r["ethnic_minority"].met, r["ethnic_minority"].margin) == (False, "+0")
    assert r["poverty_rate"].evaluated is False


def test_halving_against_the_start_of_the_period() -> None:
    base = {"before": {"year": 2021}, "baseline": {"poor_and_near_poor": 3000001}}
    met = ReviewChange.model_validate({**base, "after": {"year": 2025, "poor_and_near_poor": 1500000}})
    r = {x.id: x for x in evaluate_targets(met)}["halving"]
    assert (r.met, r.margin, r.value, r.note) == (True, "+0.5", "1500000", None)
    assert r.band.endswith("(limit 1500000.5)")
    early = ReviewChange.model_validate({**base, "after": {"year": 2022, "poor_and_near_poor": 1500001}})
    r = {x.id: x for x in evaluate_targets(early)}["halving"]
    assert (r.met, r.margin) == (False, "-0.5")
    assert r.note == "the target is due in 2025; judged here on the 2022 figures"


def test_reviews_must_be_in_order() -> None:
    change = ReviewChange.model_validate({"before": {"year": 2022}, "after": {"year": 2022}})
    with pytest.raises(NormkitError) as e:
        evaluate_targets(change)
    assert (e.value.code, e.value.message) == ("NK705", "the later review (2022) must come after the earlier one (2022)")
