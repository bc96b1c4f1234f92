"""Counts and rates of households by status, overall or by any grouping column.

Rates are exact: count ÷ households × 100 in Decimal, rounded half-up to 2 decimals, the way
review results are published. The multidimensional poverty rate that ministries headline
counts poor and near-poor households together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from normkit.core.errors import NormkitError
from normkit.poverty.standards import STATUSES

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def rate(count: int, households: int) -> Decimal | None:
    """``count / households × 100`` rounded half-up to 0.01 (None without households)."""
    if households <= 0:
        return None
    return (Decimal(count) * HUNDRED / Decimal(households)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class GroupRates:
    """The counts of one group and the rates published from them."""

    group: tuple[str, ...]
    households: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def poor(self) -> int:
        return self.counts.get("poor", 0)

    @property
    def near_poor(self) -> int:
        return self.counts.get("near_poor", 0)

    @property
    def poverty_rate(self) -> Decimal | None:
        return rate(self.poor, self.households)

    @property
    def near_poverty_rate(self) -> Decimal | None:
        return rate(self.near_poor, self.households)

    @property
    def multidimensional_rate(self) -> Decimal | None:
        """(poor + near-poor) / households × 100."""
        return rate(self.poor + self.near_poor, self.households)

    def to_dict(self, by: Sequence[str]) -> dict[str, Any]:
        out: dict[str, Any] = dict(zip(by, self.group, strict=True))  # the groups were counted by these columns
        out["households"] = self.households
        for s in STATUSES:
            out[s] = self.counts.get(s, 0)
        for name in ("poverty_rate", "near_poverty_rate", "multidimensional_rate"):
            v = getattr(self, name)
            out[name] = None if v is None else str(v)
        return out


class RateCounter:
    """Accumulates status counts over chunks of classified rows."""

    def __init__(self, by: Sequence[str]) -> None:
        self.by = list(by)
        self.table: dict[tuple[str, ...], dict[str, int]] = {}

    def add(self, frame: pd.DataFrame) -> None:
        if "status" not in frame.columns:
            raise NormkitError("NK703", "the data has no `status` column: classify it first, or give --year/--standard")
        missing = [c for c in self.by if c not in frame.columns]
        if missing:
            raise NormkitError("NK703", f"no column {', '.join(repr(c) for c in missing)} to group by",
                               hint="columns: " + ", ".join(map(str, frame.columns)))
        bad = sorted(set(frame["status"].dropna().astype(str)) - set(STATUSES))
        if bad or frame["status"].isna().any():
            shown = ", ".join(repr(b) for b in bad) if bad else "an empty value"
            raise NormkitError("NK704", f"`status` holds {shown}; expected one of {', '.join(STATUSES)}")
        # group names in NFC: "Xã Đông" typed with decomposed diacritics (NFD) is the same commune
        keys = [frame[c].astype("string").fillna("").str.normalize("NFC") for c in self.by] if self.by else []
        grouped = frame.groupby(keys + [frame["status"].astype(str)], sort=False).size() if keys else frame["status"].astype(str).value_counts()
        for key, n in grouped.items():
            parts = key if isinstance(key, tuple) else (key,)
            group, status = tuple(str(k) for k in parts[:-1]), str(parts[-1])
            row = self.table.setdefault(group, {})
            row[status] = row.get(status, 0) + int(n)

    def result(self) -> list[GroupRates]:
        out = [GroupRates(g, sum(c.values()), dict(c)) for g, c in self.table.items()]
        out.sort(key=lambda r: r.group)
        return out

    def total(self) -> GroupRates:
        counts: dict[str, int] = {}
        for c in self.table.values():
            for s, n in c.items():
                counts[s] = counts.get(s, 0) + n
        return GroupRates((), sum(counts.values()), counts)


def rates_by(frame: pd.DataFrame, by: Iterable[str] = ()) -> list[GroupRates]:
    """Counts and rates of a classified frame (with a ``status`` column), by the columns ``by``."""
    counter = RateCounter(list(by))
    counter.add(frame)
    return counter.result()


def change_in_points(before: Decimal, after: Decimal) -> Decimal:
    """The fall of a rate between two reviews, in percentage points (positive = the rate fell)."""
    return before - after
