"""The vn-wages pack reproduces the published salary tables exactly (and not their typo)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from normkit.api import load
from normkit.core.runtime import evaluate
from normkit.media.compiled import media_part

PUBLISHED = Path(__file__).resolve().parent / "fixtures" / "published" / "salary-tables.yaml"
WAGES = load("vn-wages")
ON_1490000 = dt.date(2020, 1, 1)
ON_1800000 = dt.date(2023, 7, 1)


def published_rows():
    table = yaml.safe_load(PUBLISHED.read_text(encoding="utf-8"))
    for scale, row in table["rows"].items():
        at_1490 = row.get("at_1490000_correct", row.get("at_1490000"))
        for step, (coef, a, b) in enumerate(zip(row["coefficients"], at_1490, row["at_1800000"], strict=True), start=1):
            yield scale, step, str(coef), str(a), str(b)


ROWS = list(published_rows())


def test_all_published_rows_are_checked():
    assert len(ROWS) == 6 + 6 + 8 + 8 + 9 + 10 + 12


@pytest.mark.parametrize("scale,step,coef,at_1490,at_1800", ROWS)
def test_published_monthly_salaries(scale, step, coef, at_1490, at_1800):
    for at, expected in ((ON_1490000, at_1490), (ON_1800000, at_1800)):
        monthly, _ = evaluate(WAGES, "monthly_salary", at, (scale, step))
        # the table prints thousands of đồng
        assert monthly / 1000 == Decimal(expected), (scale, step, at)


def test_the_published_typo_is_not_reproduced():
    printed = yaml.safe_load(PUBLISHED.read_text(encoding="utf-8"))["rows"]["B"]["at_1490000_as_published"][8]
    assert printed == 5364.0
    monthly, _ = evaluate(WAGES, "monthly_salary", ON_1490000, ("B", 9))
    assert str(monthly) == "5155400.00"  # 3.46 × 1,490,000; the published 5,364.0 is a typo
    assert monthly / 1000 != Decimal("5364.0")


def test_a1_step_3_at_1800000():
    monthly, _rec = evaluate(WAGES, "monthly_salary", ON_1800000, ("A1", 3))
    assert str(monthly) == "5400000.00"
    assert monthly == Decimal(5400000)


def test_salary_scales_are_complete():
    table = WAGES.compiled.tables["salary_coefficient"]
    steps: dict[str, int] = {}
    for (scale, _step) in table.layers[0][0].rows:
        steps[scale] = steps.get(scale, 0) + 1
    assert steps == {"A3.1": 6, "A3.2": 6, "A2.1": 8, "A2.2": 8, "A1": 9, "A0": 10, "B": 12}


def test_press_titles_map_to_scales_from_tt_13_2022():
    assert str(evaluate(WAGES, "base_salary", dt.date(2024, 7, 1))[0]) == "2340000"
    t = WAGES.compiled.tables["title_scale"]
    rows = {k: r[0].value for k, r in t.layers[0][0].rows.items()}
    assert rows[("bien_tap_vien", "I")] == "A3.1" and rows[("phong_vien", "II")] == "A2.1" and rows[("dao_dien_truyen_hinh", "III")] == "A1"
    assert t.layers[0][0].start == dt.date(2022, 10, 10)


def test_tv_norm_labour_total_is_1_95_cong():
    tv = load("vn-tv-03-2018")
    norm = media_part(tv.compiled).norms["01.03.01.50.10"]
    labour = [line for line in norm.lines if line.component == "labour"]
    assert len(labour) == 12 and sum(line.quantity for line in labour) == Decimal("1.95")
    assert len([x for x in norm.lines if x.component == "equipment"]) == 5
    assert len([x for x in norm.lines if x.component == "material"]) == 2
    assert norm.valid_from == dt.date(2018, 7, 1)
