"""The poverty standards as rule packs: which one applies to a review year, and what it holds.

A standard is an ordinary rule pack (``rules/vn-poverty-*``) that defines, by convention:

* inputs ``area``, ``income_per_capita``, ``deprivation_count`` and one true/false input per
  indicator (true = deprived);
* tables ``indicator_dimension``, ``indicator_name`` and ``dimension_name`` (the indicators,
  their names in Vietnamese and English, and the basic social service each belongs to);
* formulas ``status`` (text: ``poor``, ``near_poor``, ``middle`` or ``none``) and
  ``indicator_deprivation_count``; optionally ``status_by_score`` (review scores),
  ``derive_<indicator>`` (a deprivation derived from raw data) and ``low_income_household``.

Nothing here knows a line or a threshold: those are in the packs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from normkit.core.errors import NormkitError

if TYPE_CHECKING:  # pragma: no cover
    from normkit.core.runtime import RuleSet

STATUSES = ("poor", "near_poor", "middle", "none")
STATUS_LABELS = {
    "poor": ("Hộ nghèo", "poor"),
    "near_poor": ("Hộ cận nghèo", "near-poor"),
    "middle": ("Hộ có mức sống trung bình", "middle living standard"),
    "none": ("Không thuộc diện trên", "none of these"),
}
# the national standards, oldest first; their validity windows live in their manifests
STANDARD_PACKS = ("vn-poverty-2021", "vn-poverty-2022-2026", "vn-poverty-2027-2030")
REVIEW_MONTH_DAY = (9, 1)  # the annual review opens on 1 September (QĐ 24/2021/QĐ-TTg)
METHODS = ("income", "score")


def review_date(year: int) -> dt.date:
    """The date at which a review year's rules are read: 1 September of that year."""
    if not 1900 <= year <= 2200:
        raise NormkitError("NK701", f"{year} is not a review year")
    return dt.date(year, *REVIEW_MONTH_DAY)


@dataclass(frozen=True)
class Indicator:
    """One deprivation indicator of a standard."""

    id: str
    name_vi: str
    name_en: str
    dimension: str
    dimension_vi: str
    dimension_en: str
    verified: bool


class Standard:
    """A loaded poverty standard: its rule set plus what the domain needs to know about it."""

    def __init__(self, rules: RuleSet, at: dt.date, *, choice: StandardChoice | None = None) -> None:
        self.rules = rules
        self.at = at
        self.choice = choice  # set when --year alone chose the standard
        c = rules.compiled
        missing = [n for n in ("status", "indicator_deprivation_count") if n not in c.formulas]
        missing += [n for n in ("area", "income_per_capita", "deprivation_count") if n not in c.inputs]
        if missing:
            raise NormkitError("NK701", f"pack {c.root.id} is not a poverty standard: it lacks {', '.join(missing)}",
                               hint="a standard pack defines the inputs area, income_per_capita, deprivation_count and the formula status")
        from normkit.core.runtime import check_validity

        try:
            check_validity(rules, at)
        except NormkitError as e:
            raise NormkitError("NK701", e.message, location=e.location,
                               hint="choose the standard in force in that year (--year picks it for you)") from None

    @property
    def id(self) -> str:
        return self.rules.compiled.root.id

    @property
    def title(self) -> Any:
        return self.rules.compiled.root.title

    def has(self, formula: str) -> bool:
        return formula in self.rules.compiled.formulas

    @cached_property
    def statuses(self) -> tuple[str, ...]:
        """The statuses the standard's ``status`` formula can give (``middle`` is absent where no band is verified)."""
        from normkit.core.lang.ir import text_choices

        found = text_choices(self.rules.compiled.formulas["status"].ir)
        return tuple(s for s in STATUSES if found is None or s in found)

    @cached_property
    def indicators(self) -> tuple[Indicator, ...]:
        """The indicators, in the order of the standard's table."""
        from normkit.core.dating import in_force

        tables = self.rules.compiled.tables
        dims = in_force(tables["indicator_dimension"].layers, self.at)
        names = in_force(tables["indicator_name"].layers, self.at)
        dnames = in_force(tables["dimension_name"].layers, self.at)
        if dims is None or names is None or dnames is None:
            raise NormkitError("NK401", f"the indicator tables of {self.id} have no version in force on {self.at}")

        def text(rows: Any, *key: str) -> str:
            hit = rows.rows.get(tuple(key))
            return str(hit[0].value) if hit else key[0]

        out = []
        for (ind,), rows in dims.rows.items():
            dim = str(rows[0].value)
            out.append(Indicator(ind, text(names, ind, "vi"), text(names, ind, "en"), dim, text(dnames, dim, "vi"),
                                 text(dnames, dim, "en"), dims.verified and names.verified))
        return tuple(out)

    @property
    def indicator_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.indicators)

    def derivable(self) -> dict[str, str]:
        """indicator id -> the formula that derives it from raw data (all marked unverified in the packs)."""
        return {i.id: f"derive_{i.id}" for i in self.indicators if self.has(f"derive_{i.id}")}


@dataclass(frozen=True)
class StandardChoice:
    """Which national standard a review year was read under, why, and the other one of a transitional year.

    A year is transitional when the standard in force at its review date ends that year and the
    next one starts the day after: that year then has two reviews (2021: the old standard, QĐ
    59/2015 kept by NĐ 07/2021 Art. 2, reporting 2021; and NĐ 07/2021 with TT 07/2021 setting the
    2022–2025 baseline; the same for 2026 → 2027). ``other`` is None outside transitional years.
    """

    year: int
    chosen: str
    other: str | None
    reason: str

    @property
    def transitional(self) -> bool:
        return self.other is not None

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "chosen": self.chosen, "other": self.other, "reason": self.reason}

    def warning(self) -> str:
        return f"review year {self.year} is a transitional year: {self.reason}"


def choose_standard(year: int, *, baseline_of_next: bool = False) -> StandardChoice:
    """THE one choice of a national standard for a review ``year`` (every --year goes through here).

    By default a year is read under the standard in force at its review date (1 September), i.e.
    the review that reports that year. With ``baseline_of_next`` (``targets`` judging a period
    that starts after a transitional year), the year's review that set the next period's
    baseline is taken instead.
    """
    from normkit.core.loader import read_pack
    from normkit.core.registry import find_pack

    at = review_date(year)
    windows = []
    for pid in STANDARD_PACKS:
        m = read_pack(find_pack(pid)).manifest
        windows.append((pid, m.valid.from_, m.valid.to))
    spans = [f"{pid} ({f.year}–{t.year if t else '…'})" for pid, f, t in windows]
    for i, (pid, start, end) in enumerate(windows):
        if not (start <= at and (end is None or at <= end)):
            continue
        nxt = windows[i + 1] if i + 1 < len(windows) else None
        if end is None or end.year != year or nxt is None or nxt[1] != end + dt.timedelta(days=1):
            return StandardChoice(year, pid, None, f"{pid} is in force on {at} (the review date)")
        nid, nstart, _end = nxt
        if baseline_of_next:
            return StandardChoice(year, nid, pid, f"took {nid}: the {year} review under it set the baseline of the "
                                                  f"period judged here; the other {year} review, under {pid} "
                                                  f"(in force on {at}), reported {year} under the old standard")
        return StandardChoice(year, pid, nid, f"took {pid}, in force on {at} (the review that reports {year}); "
                                              f"the other {year} review, under {nid} (in force from {nstart}), set the baseline "
                                              f"of the period that follows: give --standard {nid} (without --year) for that one")
    raise NormkitError("NK701", f"no national poverty standard covers the review year {year}; shipped: {', '.join(spans)}")


def find_standard_for_year(year: int) -> str:
    """The id of the national standard in force in review year ``year`` (see :func:`choose_standard`)."""
    return choose_standard(year).chosen


def load_standard(*, year: int | None = None, standard: str | Path | None = None, at: dt.date | None = None,
                  overrides: Mapping[str, Any] | None = None, use_cache: bool = True) -> Standard:
    """Load a poverty standard chosen by review ``year`` or named by ``standard`` (a pack id or folder).

    With ``year`` alone the standard is :func:`choose_standard`'s, recorded in ``Standard.choice``
    (in a transitional year it names the other standard). With both, ``standard`` is used at the review date of ``year`` (a pack that extends a
    national standard, e.g. one with your own B1 points table). ``at`` overrides the date.

    >>> s = load_standard(year=2024)           # doctest: +SKIP
    >>> s.id, s.at                              # doctest: +SKIP
    ('vn-poverty-2022-2026', datetime.date(2024, 9, 1))
    """
    from normkit.core.rulesets import load

    if standard is None and year is None and at is None:
        raise NormkitError("NK701", "choose a standard: give a review year or a standard pack")
    if at is None and year is not None:
        at = review_date(year)
    choice = None
    if standard is None:
        assert at is not None
        choice = choose_standard(at.year)
        standard = choice.chosen
    rules = load(standard, use_cache=use_cache)
    if at is None:
        root = rules.compiled.root
        at = max(root.valid_from, dt.date(root.valid_from.year, *REVIEW_MONTH_DAY))
    if overrides:
        rules = rules.with_overrides(overrides)
    return Standard(rules, at, choice=choice)
