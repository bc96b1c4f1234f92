"""Every boundary of every standard, on all three evaluation paths (traced Decimal, bound, arrays)."""

from __future__ import annotations

import pandas as pd
import pytest

from normkit.core.errors import NormkitError
from normkit.poverty.batch import classify_frame
from normkit.poverty.household import classify_household, household_classifier

# (review year, area, income per person per month, deprivations, expected status)
CASES = [
    # 2021: QĐ 59/2015 kept by NĐ 07/2021 Art. 2 — poverty line 700,000 / 900,000; near-poverty 1,000,000 / 1,300,000
    (2021, "rural", 700000, 0, "poor"),
    (2021, "rural", 700001, 3, "poor"),
    (2021, "rural", 700001, 2, "near_poor"),
    (2021, "rural", 1000000, 3, "poor"),
    (2021, "rural", 1000000, 2, "near_poor"),
    (2021, "rural", 1000001, 10, "none"),
    (2021, "urban", 900000, 0, "poor"),
    (2021, "urban", 900001, 3, "poor"),
    (2021, "urban", 900001, 2, "near_poor"),
    (2021, "urban", 1300000, 2, "near_poor"),
    (2021, "urban", 1300001, 3, "none"),
    # 2022–2025 (NĐ 07/2021 Art. 3): 1,500,000 / 2,000,000; middle up to 2,250,000 / 3,000,000
    (2022, "rural", 1500000, 3, "poor"),
    (2022, "rural", 1500000, 2, "near_poor"),
    (2022, "rural", 0, 0, "near_poor"),
    (2022, "rural", 1500001, 12, "middle"),
    (2022, "rural", 2250000, 0, "middle"),
    (2022, "rural", 2250001, 0, "none"),
    (2022, "urban", 2000000, 3, "poor"),
    (2022, "urban", 2000000, 2, "near_poor"),
    (2022, "urban", 2000001, 3, "middle"),
    (2022, "urban", 3000000, 0, "middle"),
    (2022, "urban", 3000001, 0, "none"),
    # 2026 keeps the 2022–2025 standard (NĐ 351/2025)
    (2026, "rural", 1500000, 3, "poor"),
    (2026, "urban", 2000000, 2, "near_poor"),
    (2026, "urban", 3000001, 5, "none"),
    # 2027–2030 (NĐ 351/2025): 2,200,000 / 2,800,000; no verified middle band
    (2027, "rural", 2200000, 3, "poor"),
    (2027, "rural", 2200000, 2, "near_poor"),
    (2027, "rural", 2200001, 3, "none"),
    (2030, "urban", 2800000, 3, "poor"),
    (2030, "urban", 2800000, 2, "near_poor"),
    (2030, "urban", 2800001, 12, "none"),
]


@pytest.mark.parametrize("year,area,income,deprivations,expected", CASES)
def test_boundary_on_every_path(standards, year: int, area: str, income: int, deprivations: int, expected: str) -> None:
    std = standards[year]
    household = {"area": area, "income_per_capita": income, "deprivation_count": deprivations}
    assert classify_household(household, std=std, explain=False).status == expected
    assert household_classifier(std)(household) == expected
    frame = classify_frame(pd.DataFrame([household]), std)
    assert frame.classified["status"].tolist() == [expected]
    assert frame.rejects.empty


def test_the_standard_is_chosen_by_review_year(standards) -> None:
    assert {y: s.id for y, s in standards.items()} == {
        2021: "vn-poverty-2021", 2022: "vn-poverty-2022-2026", 2024: "vn-poverty-2022-2026", 2025: "vn-poverty-2022-2026",
        2026: "vn-poverty-2022-2026", 2027: "vn-poverty-2027-2030", 2030: "vn-poverty-2027-2030"}
    assert str(standards[2026].at) == "2026-09-01"


def test_2026_lines_are_sourced_to_decree_351(standards) -> None:
    r = classify_household({"area": "rural", "income_per_capita": 1, "deprivation_count": 0}, std=standards[2026])
    status_node = next(n for n in r.explanation if n.name == "status")
    line = next(c for c in status_node.children if c.name == "poverty_line")
    assert (line.value, str(line.effective_from)) == ("1500000", "2026-01-01")
    assert line.source is not None and line.source.document.startswith("Nghị định 351/2025/NĐ-CP")


def test_no_standard_after_2030() -> None:
    from normkit.poverty.standards import load_standard

    with pytest.raises(NormkitError) as e:
        load_standard(year=2031)
    assert e.value.code == "NK701"
    assert e.value.message.startswith("no national poverty standard covers the review year 2031; shipped: vn-poverty-2021 (2021–2021)")


# score-based review (TT 07/2021): A against 140 rural / 175 urban; B = 10 points per deprivation, poor from 30
SCORES = [
    ("rural", 140, 30, "poor"), ("rural", 140, 20, "near_poor"), ("rural", 141, 120, "none"),
    ("urban", 175, 30, "poor"), ("urban", 175, 20, "near_poor"), ("urban", 176, 30, "none"),
]


@pytest.mark.parametrize("area,a,b,expected", SCORES)
def test_score_boundaries(standards, area: str, a: int, b: int, expected: str) -> None:
    std = standards[2024]
    r = classify_household({"area": area, "score_a": a, "score_b": b}, std=std, explain=False)
    assert (r.method, r.status, r.deprivation_count) == ("score", expected, b // 10)
    # B from the count of deprivations: 3 deprivations are 30 points, 2 are 20
    by_count = classify_household({"area": area, "score_a": a, "deprivation_count": b // 10}, std=std, explain=False)
    assert by_count.status == expected
    frame = classify_frame(pd.DataFrame({"area": [area], "score_a": [a], "score_b": [b]}), std)
    assert frame.classified["status"].tolist() == [expected]


def test_score_method_is_not_offered_outside_2022_2026(standards) -> None:
    with pytest.raises(NormkitError) as e:
        classify_household({"area": "rural", "score_a": 100, "score_b": 30}, std=standards[2027], method="score")
    assert (e.value.code, e.value.message) == ("NK701", "standard vn-poverty-2027-2030 has no score-based review (TT 07/2021 applies to 2022–2026)")


@pytest.mark.parametrize("income,deprivations,expected", [
    (2250000, 0, True), (2250001, 0, False), (1500001, 5, True), (1500000, 2, False), (1500000, 3, False)])
def test_low_income_workers_2025(standards, income: int, deprivations: int, expected: bool) -> None:
    h = {"area": "rural", "income_per_capita": income, "deprivation_count": deprivations}
    assert classify_household(h, std=standards[2025], explain=False).low_income_household is expected
    frame = classify_frame(pd.DataFrame([h]), standards[2025], low_income=True)
    assert frame.classified["low_income_household"].tolist() == [expected]


def test_low_income_line_is_not_in_force_before_decree_30(standards) -> None:
    r = classify_household({"area": "urban", "income_per_capita": 2500000, "deprivation_count": 0}, std=standards[2024], explain=False)
    assert r.low_income_household is None
    assert "low-income-worker line not in force on this date" in r.notes
    with pytest.raises(NormkitError) as e:
        classify_frame(pd.DataFrame([{"area": "urban", "income_per_capita": 1, "deprivation_count": 0}]), standards[2024], low_income=True)
    assert e.value.code == "NK401"
    assert e.value.message == "table 'low_income_line' has no version in force on 2024-09-01; versions cover from 2025-02-24"


def test_score_a_from_a_user_supplied_b1_table() -> None:
    """The B1 points are the user's (an example pack extends the standard); A ≤ 140 rural is the decree's."""
    from pathlib import Path

    from normkit.poverty.standards import load_standard

    std = load_standard(standard=Path(__file__).resolve().parents[2] / "examples" / "households" / "b1-example", year=2024)
    rows = [{"area": "rural", "example_wall": "durable", "example_tv": "yes", "deprivation_count": 3},
            {"area": "rural", "example_wall": "other", "example_tv": "no", "deprivation_count": 2}]
    r = classify_household(rows[0], std=std)
    assert (r.method, r.status) == ("score", "poor")  # 40 + 30 = 70 points ≤ 140, B = 30
    score = next(n for n in r.explanation if n.name == "score_a_from_b1")
    assert (score.value, score.verified) == ("70", False)
    frame = classify_frame(pd.DataFrame(rows), std)
    assert frame.classified["status"].tolist() == ["poor", "near_poor"]
