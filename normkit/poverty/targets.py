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

Areas file (``--areas``, CSV or YAML), for the two area targets (30 % of poor districts and
30 % of extremely difficult coastal and island communes leave that status over the period)::

    id,kind,status_start,status_end
    huyen-a,district,poor,not_poor
    xa-b,commune,extremely_difficult,extremely_difficult

``kind`` is ``district`` (statuses ``poor`` / ``not_poor``) or ``commune`` (``extremely_difficult``
/ ``not_extremely_difficult``). Only the areas listed at the start count.
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


# kind -> (status that is on the list, status off it)
AREA_STATUSES = {"district": ("poor", "not_poor"), "commune": ("extremely_difficult", "not_extremely_difficult")}
AREA_COLUMNS = ("id", "kind", "status_start", "status_end")


class Area(BaseModel):
    """One district or commune: its status at the start and at the end of the period."""

    model_config = ConfigDict(frozen=True)
    id: str
    kind: str
    status_start: str
    status_end: str


def load_areas(path: str | Path) -> list[Area]:
    """Read an areas file (CSV with a header row, or YAML: a list of mappings or ``areas:``); NK707/NK708."""
    p = Path(path)
    rows: list[tuple[dict[str, Any], Location]] = []
    if p.suffix.lower() == ".csv":
        import csv

        try:
            text = p.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise NormkitError("NK707", f"cannot read the areas file: {exc}", location=Location(str(p))) from None
        reader = csv.DictReader(text.splitlines())
        missing = [c for c in AREA_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise NormkitError("NK707", f"the areas file lacks the column(s) {', '.join(missing)}", location=Location(str(p), 1, 1))
        for n, rec in enumerate(reader, start=2):
            rows.append(({c: rec.get(c) for c in AREA_COLUMNS}, Location(str(p), n, 1)))
    else:
        from normkit.core.io.yaml import read_file

        data, smap = read_file(p)
        items = data.get("areas") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise NormkitError("NK707", "an areas file is a list of {id, kind, status_start, status_end} (or `areas:` holding one)",
                               location=Location(str(p), 1, 1))
        key: tuple[str | int, ...] = ("areas",) if isinstance(data, dict) else ()
        for i, item in enumerate(items):
            loc = smap.locate((*key, i))
            if not isinstance(item, dict):
                raise NormkitError("NK707", "each area is a mapping with id, kind, status_start, status_end", location=loc)
            missing = [c for c in AREA_COLUMNS if item.get(c) in (None, "")]
            if missing:
                raise NormkitError("NK707", f"the area lacks {', '.join(missing)}", location=loc)
            rows.append(({c: item.get(c) for c in AREA_COLUMNS}, loc))
    out: list[Area] = []
    seen: dict[tuple[str, str], Location] = {}
    for rec, loc in rows:
        values = {c: str(rec[c] or "").strip() for c in AREA_COLUMNS}
        if not values["id"]:
            raise NormkitError("NK707", "an area has no id", location=loc)
        kind = values["kind"]
        if kind not in AREA_STATUSES:
            raise NormkitError("NK707", f"area {values['id']!r}: kind {kind!r} is not one of {', '.join(AREA_STATUSES)}", location=loc)
        for col in ("status_start", "status_end"):
            if values[col] not in AREA_STATUSES[kind]:
                raise NormkitError("NK707", f"area {values['id']!r}: {col} {values[col]!r} is not one of "
                                            f"{', '.join(AREA_STATUSES[kind])} (for a {kind})", location=loc)
        first = seen.get((kind, values["id"]))
        if first is not None:
            raise NormkitError("NK708", f"{kind} {values['id']!r} is listed twice (first at line {first.line})", location=loc)
        seen[(kind, values["id"])] = loc
        out.append(Area(**values))
    return out


def load_review_change(path: str | Path) -> ReviewChange:
    from normkit.core.io.yaml import read_file
    from normkit.core.loader import validate

    data, smap = read_file(path)
    if not isinstance(data, dict):
        raise NormkitError("NK705", f"{path}: expected a mapping with `before:` and `after:`", location=Location(str(path), 1, 1))
    return validate(ReviewChange, data, smap)


def review_standards(change: ReviewChange) -> dict[str, Any]:
    """The national standard each review's figures belong to, chosen by :func:`choose_standard`.

    The earlier review is the start of the period judged: in a transitional year (2021) that is
    the review that set the period's baseline (NĐ 07/2021 with TT 07/2021, the programme's
    5.20 %), not the one that reported the year under the old standard (QĐ 125/QĐ-LĐTBXH, 2.23 %).
    """
    from normkit.poverty.standards import choose_standard

    return {"before": choose_standard(change.before.year, baseline_of_next=True),
            "after": choose_standard(change.after.year)}


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


# kind -> target id, inputs (at start, exited), formulas (share, met, margin), band
_AREA_TARGETS = {
    "district": ("poor_district_exit", "poor_districts_at_start", "poor_districts_exited", "poor_district_exit_share",
                 "poor_district_exit_target_met", "poor_district_exit_target_margin", "poor_district_exit_share_min",
                 "poor districts"),
    "commune": ("coastal_commune_exit", "coastal_communes_at_start", "coastal_communes_exited", "coastal_commune_exit_share",
                "coastal_commune_exit_target_met", "coastal_commune_exit_target_margin", "coastal_commune_exit_share_min",
                "extremely difficult coastal and island communes"),
}


def evaluate_area_targets(areas: list[Area], *, end_year: int = 2025, pack: str | Path = TARGETS_PACK) -> list[TargetResult]:
    """Judge the two QĐ 90 area targets on a list of districts and communes (share of those listed at the start that left).

    The share is judged exactly; ``value`` and ``margin`` are shown rounded half up to 0.01 points.
    """
    from normkit.core.rulesets import load
    from normkit.core.runtime import evaluate

    rules = load(pack)
    at = dt.date(end_year, 12, 31)
    out: list[TargetResult] = []
    for kind, (tid, start_in, exited_in, share_f, met_f, margin_f, min_p, what) in _AREA_TARGETS.items():
        label = rules.compiled.formulas[met_f].label
        listed, off = AREA_STATUSES[kind]
        of_kind = [a for a in areas if a.kind == kind]
        at_start = [a for a in of_kind if a.status_start == listed]
        exited = sum(1 for a in at_start if a.status_end == off)
        minimum = evaluate(rules, min_p, at)[0]
        band = f"at least {_fmt(minimum)} % of the {what} at the start leave that status over 2021–2025"
        skipped = len(of_kind) - len(at_start)
        extra = f"; {skipped} {kind}(s) not {listed} at the start are not counted" if skipped else ""
        if not at_start:
            out.append(TargetResult(id=tid, label_vi=label.vi, label_en=label.en, evaluated=False, band=band,
                                    note=f"not evaluated: no {kind} is {listed} at the start{extra}"))
            continue
        inputs = {start_in: len(at_start), exited_in: exited}
        share = evaluate(rules, share_f, at, inputs=inputs)[0]
        met = bool(evaluate(rules, met_f, at, inputs=inputs)[0])
        margin = evaluate(rules, margin_f, at, inputs=inputs)[0]
        note = f"{exited} of {len(at_start)} {kind}(s) {listed} at the start are {off} at the end{extra}"
        if end_year < 2025:
            note += f"; the target is due in 2025, judged here on the {end_year} status"
        out.append(TargetResult(id=tid, label_vi=label.vi, label_en=label.en, evaluated=True, value=_pct(share), unit="%",
                                band=band, met=met, margin=_signed_pct(margin), note=note))
    return out


def _pct(v: Decimal) -> str:
    from decimal import ROUND_HALF_UP

    return str(v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _signed_pct(v: Decimal) -> str:
    text = _pct(v)
    return text if text.startswith("-") else "+" + text


def _fmt(v: Decimal) -> str:
    return format(v.normalize() if v == v.to_integral_value() else v, "f")


def _signed(v: Decimal) -> str:
    text = _fmt(v)
    return text if text.startswith("-") else "+" + text
