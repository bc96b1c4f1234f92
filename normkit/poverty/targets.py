"""The QĐ 90 program targets, each judged met or not met with its margin.

The targets and how each is judged are formulas of the pack ``vn-poverty-targets-2021-2025``;
this module gathers the figures of two reviews, evaluates those formulas with the engine's
Decimal path and reports the result. A target whose figures are not given is listed as
``not evaluated``, never guessed.

Figures file (YAML)::

    normkit_review_change: 1
    before: {year: 2021, poverty_rate: 5.20, ethnic_minority_poverty_rate: 25.91, poor_district_poverty_rate: 44.97}
    after:  {year: 2022, poverty_rate: 4.03, ethnic_minority_poverty_rate: 21.02, poor_district_poverty_rate: 38.62}
    baseline: {poor_and_near_poor: 2000000}     # optional: start of the period, for the halving target
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from normkit.core.errors import Location, NormkitError

TARGETS_PACK = "vn-poverty-targets-2021-2025"


# Inputs are bounded like every other file's: a year of the review calendar (a date can be made
# of it), counts that are whole numbers (never a boolean: `true` is not 1) below a trillion, and
# percentages of at most 12 decimal places (no 1E-300 for the arithmetic to meet).
Year = Annotated[int, Field(strict=True, ge=1900, le=2200)]
Count = Annotated[int, Field(strict=True, ge=0, le=10**12)]
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=12, allow_inf_nan=False)]


class ReviewFigures(BaseModel):
    """Published (or computed) figures of one review."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    year: Year
    poverty_rate: Percent | None = None
    ethnic_minority_poverty_rate: Percent | None = None
    poor_district_poverty_rate: Percent | None = None
    poor_and_near_poor: Count | None = None
    source: str | None = None


class Baseline(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    poor_and_near_poor: Count
    source: str | None = None


class ReviewChange(BaseModel):
    """Two reviews (and, for the halving target, the start of the period)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    normkit_review_change: Literal[1] = 1
    before: ReviewFigures
    after: ReviewFigures
    baseline: Baseline | None = None


class TargetResult(BaseModel):
    """One target: the measured value, the band, met or not, and by how much."""

    model_config = ConfigDict(frozen=True)
    id: str
    label_vi: str
    label_en: str
    evaluated: bool
    value: str | None = None
    unit: str | None = None
    band: str
    met: bool | None = None
    margin: str | None = None
    note: str | None = None


# target id, value formula, met formula, margin formula, inputs (name -> (review, field)), band text
_TARGETS: tuple[tuple[str, str, str, str, dict[str, tuple[str, str]], str], ...] = (
    ("poverty_rate", "poverty_rate_fall", "poverty_rate_target_met", "poverty_rate_target_margin",
     {"poverty_rate_before": ("before", "poverty_rate"), "poverty_rate_after": ("after", "poverty_rate")},
     "1.0–1.5 percentage points a year (a larger fall also counts as met)"),
    ("ethnic_minority", "ethnic_minority_rate_fall", "ethnic_minority_target_met", "ethnic_minority_target_margin",
     {"ethnic_minority_rate_before": ("before", "ethnic_minority_poverty_rate"),
      "ethnic_minority_rate_after": ("after", "ethnic_minority_poverty_rate")},
     "more than 3.0 percentage points a year"),
    ("poor_districts", "poor_district_rate_fall", "poor_district_target_met", "poor_district_target_margin",
     {"poor_district_rate_before": ("before", "poor_district_poverty_rate"),
      "poor_district_rate_after": ("after", "poor_district_poverty_rate")},
     "4–5 percentage points a year (a larger fall also counts as met)"),
)


def load_review_change(path: str | Path) -> ReviewChange:
    from normkit.core.io.yaml import read_file
    from normkit.core.loader import validate

    data, smap = read_file(path)
    if not isinstance(data, dict):
        raise NormkitError("NK705", f"{path}: expected a mapping with `before:` and `after:`", location=Location(str(path), 1, 1))
    return validate(ReviewChange, data, smap)


def evaluate_targets(change: ReviewChange, *, pack: str | Path = TARGETS_PACK) -> list[TargetResult]:
    """Judge every QĐ 90 target the figures allow (the halving target needs a baseline)."""
    from normkit.core.rulesets import load
    from normkit.core.runtime import evaluate

    years = change.after.year - change.before.year
    if years <= 0:
        raise NormkitError("NK705", f"the later review ({change.after.year}) must come after the earlier one ({change.before.year})",
                           location=Location(path="after.year"))
    rules = load(pack)
    at = dt.date(change.after.year, 12, 31)
    labels = rules.compiled.formulas
    out: list[TargetResult] = []
    for tid, value_f, met_f, margin_f, needs, band in _TARGETS:
        label = labels[met_f].label
        values = {name: getattr(getattr(change, review), field) for name, (review, field) in needs.items()}
        if any(v is None for v in values.values()):
            missing = [f"{review}.{field}" for name, (review, field) in needs.items() if values[name] is None]
            out.append(TargetResult(id=tid, label_vi=label.vi, label_en=label.en, evaluated=False, band=band,
                                    note="not evaluated: missing " + ", ".join(missing)))
            continue
        inputs: dict[str, Any] = {**values, "years_between": years}
        value = evaluate(rules, value_f, at, inputs=inputs)[0]
        met = bool(evaluate(rules, met_f, at, inputs=inputs)[0])
        margin = evaluate(rules, margin_f, at, inputs=inputs)[0]
        out.append(TargetResult(id=tid, label_vi=label.vi, label_en=label.en, evaluated=True, value=_fmt(value),
                                unit="percentage points a year", band=band, met=met, margin=_signed(margin)))
    label = labels["halving_target_met"].label
    band = "poor + near-poor households at most 1/2 of the start of the period, by 2025"
    if change.baseline is None or change.after.poor_and_near_poor is None:
        out.append(TargetResult(id="halving", label_vi=label.vi, label_en=label.en, evaluated=False, band=band,
                                note="not evaluated: needs baseline.poor_and_near_poor and after.poor_and_near_poor"))
    else:
        inputs = {"poor_and_near_poor_baseline": change.baseline.poor_and_near_poor,
                  "poor_and_near_poor_now": change.after.poor_and_near_poor}
        met = bool(evaluate(rules, "halving_target_met", at, inputs=inputs)[0])
        margin = evaluate(rules, "halving_target_margin", at, inputs=inputs)[0]
        limit = evaluate(rules, "poor_and_near_poor_limit", at, inputs=inputs)[0]
        note = None if change.after.year >= 2025 else f"the target is due in 2025; judged here on the {change.after.year} figures"
        out.append(TargetResult(id="halving", label_vi=label.vi, label_en=label.en, evaluated=True,
                                value=str(change.after.poor_and_near_poor), unit="households", band=f"{band} (limit {_fmt(limit)})",
                                met=met, margin=_signed(margin), note=note))
    return out


def _fmt(v: Decimal) -> str:
    return format(v.normalize() if v == v.to_integral_value() else v, "f")


def _signed(v: Decimal) -> str:
    text = _fmt(v)
    return text if text.startswith("-") else "+" + text
