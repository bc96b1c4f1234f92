"""Consistency checks of published review tables: report what does not add up, never fix it.

A published table (a province's or the ministry's review results) gives, for a total and for
its parts (regions, urban/rural), the numbers of poor and near-poor households, their sum
(the multidimensional count) and the rates to 2 decimals. The checks, all exact:

* ``parts_sum``: the parts' counts add up to the total's count;
* ``poor_plus_near``: poor + near-poor equals the stated multidimensional count, in each row;
* ``rate``: a rate equals count ÷ households × 100 rounded half-up to 0.01, where the row's
  households are published;
* ``rates_disagree``: where households are not published, some number of households must
  reproduce every rate of the row at once; if none does, the row's rates contradict each other.

File format (YAML, see ``examples/households/published/``)::

    normkit_published: 1
    id: quang-binh-2022
    title: "…"
    source: {document: "…", url: "…"}
    total: {households: 257085, poor: 12855, poor_pct: 5.00, near_poor: 12248, near_poor_pct: 4.76,
            poor_and_near_poor: 25103, poor_and_near_poor_pct: 9.76}
    parts:
      urban: {poor: 791, poor_pct: 1.44, …}
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from normkit.core.errors import Location, NormkitError
from normkit.poverty.rates import rate
from normkit.poverty.targets import Count, Percent, Year

COUNTS = ("households", "poor", "near_poor", "poor_and_near_poor")
RATES = {"poor_pct": "poor", "near_poor_pct": "near_poor", "poor_and_near_poor_pct": "poor_and_near_poor"}


class PublishedRow(BaseModel):
    """One row of a published table: counts and rates (percent, 2 decimals)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    households: Count | None = None
    poor: Count | None = None
    poor_pct: Percent | None = None
    near_poor: Count | None = None
    near_poor_pct: Percent | None = None
    poor_and_near_poor: Count | None = None
    poor_and_near_poor_pct: Percent | None = None


class PublishedSource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    document: str
    url: str | None = None
    date: Any = None
    note: str | None = None


class PublishedTable(BaseModel):
    """A published table of review results: a total and the parts it is made of."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    normkit_published: Literal[1] = 1
    id: str
    title: str | None = None
    year: Year | None = None
    source: PublishedSource | None = None
    total: PublishedRow
    parts: dict[str, PublishedRow] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)


class Finding(BaseModel):
    """One inconsistency: what, where, the published figure and what the others imply."""

    model_config = ConfigDict(frozen=True)
    check: Literal["parts_sum", "poor_plus_near", "rate", "rates_disagree"]
    row: str
    field: str
    published: str
    expected: str
    message: str


def load_published(path: str | Path) -> PublishedTable:
    """Read a published table file (strict YAML; schema errors carry file:line:column)."""
    from normkit.core.io.yaml import read_file
    from normkit.core.loader import validate

    data, smap = read_file(path)
    if not isinstance(data, dict):
        raise NormkitError("NK705", f"{path}: a published table is a mapping with `total:` and `parts:`", location=Location(str(path), 1, 1))
    return validate(PublishedTable, data, smap)


def check_table(table: PublishedTable) -> list[Finding]:
    """Every inconsistency of ``table``, in a stable order (parts sums first, then row by row)."""
    findings: list[Finding] = []
    if table.parts:
        for name in COUNTS:
            parts = [getattr(r, name) for r in table.parts.values()]
            whole = getattr(table.total, name)
            if whole is None or any(p is None for p in parts):
                continue
            s = sum(parts)
            if s != whole:
                findings.append(Finding(check="parts_sum", row="total", field=name, published=str(whole), expected=str(s),
                                        message=f"the parts' {name} add up to {s:,}, the total says {whole:,} (difference {whole - s:+,})"))
    rows = [("total", table.total)] + list(table.parts.items())
    for label, row in rows:
        findings += check_row(label, row)
    return findings


def check_row(label: str, row: PublishedRow) -> list[Finding]:
    out: list[Finding] = []
    if row.poor is not None and row.near_poor is not None and row.poor_and_near_poor is not None:
        s = row.poor + row.near_poor
        if s != row.poor_and_near_poor:
            out.append(Finding(check="poor_plus_near", row=label, field="poor_and_near_poor", published=str(row.poor_and_near_poor),
                               expected=str(s), message=f"{label}: poor {row.poor:,} + near-poor {row.near_poor:,} = {s:,}, "
                                                        f"but {row.poor_and_near_poor:,} is stated (difference {row.poor_and_near_poor - s:+,})"))
    pairs = [(pct, cnt, getattr(row, pct), getattr(row, cnt)) for pct, cnt in RATES.items()]
    pairs = [p for p in pairs if p[2] is not None and p[3] is not None]
    if row.households is not None:
        for pct, _cnt, published, count in pairs:
            computed = rate(count, row.households)
            if computed is not None and computed != published:
                out.append(Finding(check="rate", row=label, field=pct, published=f"{published:.2f}", expected=str(computed),
                                   message=f"{label}: {count:,} / {row.households:,} × 100 = {computed} at 2 decimals, "
                                           f"but {published:.2f} is published"))
    elif len(pairs) >= 2:
        lo, hi = households_range(pairs)
        if lo > hi:
            out.append(Finding(check="rates_disagree", row=label, field=",".join(p[0] for p in pairs),
                               published=", ".join(f"{p[2]:.2f}" for p in pairs), expected="no number of households fits",
                               message=f"{label}: no number of households reproduces all of "
                                       + ", ".join(f"{p[1]} {p[3]:,} at {p[2]:.2f} %" for p in pairs)))
    return out


def households_range(pairs: list[tuple[str, str, Decimal, int]]) -> tuple[int, int]:
    """The whole numbers H with round_half_up(count/H×100, 2) = pct for every (pct, count): [lo, hi]."""
    lo, hi = 1, 10**12
    for _pct, _cnt, published, count in pairs:
        p = Fraction(published)
        # count/H*100 in [p - 0.005, p + 0.005) ⇔ H in (count*100/(p+0.005), count*100/(p-0.005)]
        upper_rate, lower_rate = p + Fraction(1, 200), p - Fraction(1, 200)
        h_min = math.floor(Fraction(count * 100) / upper_rate) + 1
        h_max = math.floor(Fraction(count * 100) / lower_rate) if lower_rate > 0 else 10**12
        lo, hi = max(lo, h_min), min(hi, h_max)
    return lo, hi
