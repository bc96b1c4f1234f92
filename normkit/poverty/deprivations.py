"""How many households are deprived in each indicator and each dimension, and at what rate.

The indicators and their dimensions (the basic social services of NĐ 07/2021: employment,
health, education, housing, water and sanitation, information) are the standard pack's own
tables ``indicator_dimension``, ``indicator_name`` and ``dimension_name``; nothing here names
one. A household is deprived in a dimension when it is deprived in any of that dimension's
indicators. Rates are those of :func:`normkit.poverty.rates.rate`: deprived ÷ households × 100,
rounded half up to 0.01, as review results are published.

``among`` restricts the households counted (and so the denominator) to a status, classified by
:func:`normkit.poverty.batch.classify_frame`, the engine behind ``normkit classify``.

>>> import pandas as pd                                                      # doctest: +SKIP
>>> std = load_standard(year=2024)                                           # doctest: +SKIP
>>> frame = pd.DataFrame({"district": ["D1", "D1", "D2"],
...     "su_dung_dich_vu_vien_thong": [True, False, False],
...     "phuong_tien_phuc_vu_tiep_can_thong_tin": [True, True, False]})    # doctest: +SKIP
>>> r = count_deprivations(frame, std, by=["district"], dimension="information")  # doctest: +SKIP
>>> [(row["district"], row["deprived"], row["rate"]) for row in r.rows() if row["kind"] == "dimension"]  # doctest: +SKIP
[('D1', 2, '100.00'), ('D2', 0, '0.00'), ('', 2, '66.67')]
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from normkit.core.errors import Location, NormkitError
from normkit.poverty.batch import as_pandas, classify_frame
from normkit.poverty.ingest import bool_column, good_rows, new_reasons
from normkit.poverty.rates import rate
from normkit.poverty.standards import Indicator, Standard

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

AMONG = {"all": None, "poor": ("poor",), "near_poor": ("near_poor",), "poor_and_near_poor": ("poor", "near_poor")}
MAX_REJECTS_SHOWN = 20
ROW_FIELDS = ("kind", "id", "name_vi", "name_en", "dimension", "households", "deprived", "rate")


@dataclass(frozen=True)
class Item:
    """One line of the table: an indicator, or a dimension (deprived = deprived in any of its indicators)."""

    kind: str  # "dimension" or "indicator"
    id: str
    name_vi: str
    name_en: str
    dimension: str
    indicators: tuple[str, ...]


def items_of(std: Standard, dimension: str | None = None) -> tuple[Item, ...]:
    """The dimensions of ``std`` in the order of its indicator table, each followed by its indicators.

    ``dimension`` (an id, or its Vietnamese or English name, in any case) keeps only that one."""
    dims: dict[str, list[Indicator]] = {}
    for ind in std.indicators:
        dims.setdefault(ind.dimension, []).append(ind)
    if dimension is not None:
        wanted = _fold(dimension)
        hit = [d for d, inds in dims.items() if wanted in (_fold(d), _fold(inds[0].dimension_vi), _fold(inds[0].dimension_en))]
        if not hit:
            shown = ", ".join(f"{d} ({inds[0].dimension_en})" for d, inds in dims.items())
            raise NormkitError("NK706", f"{std.id} has no dimension {dimension!r}", location=Location(path="dimension"),
                               hint=f"dimensions of {std.id}: {shown}")
        dims = {hit[0]: dims[hit[0]]}
    out: list[Item] = []
    for d, inds in dims.items():
        out.append(Item("dimension", d, inds[0].dimension_vi, inds[0].dimension_en, d, tuple(i.id for i in inds)))
        out += [Item("indicator", i.id, i.name_vi, i.name_en, d, (i.id,)) for i in inds]
    return tuple(out)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


@dataclass
class GroupCounts:
    """The households of one group and how many are deprived in each item (by ``kind:id``)."""

    group: tuple[str, ...]
    households: int = 0
    deprived: dict[str, int] = field(default_factory=dict)

    def rate(self, item: Item) -> Decimal | None:
        return rate(self.deprived.get(f"{item.kind}:{item.id}", 0), self.households)


@dataclass
class DeprivationReport:
    """Counts and rates per group and item, plus what was left out and why."""

    standard: str
    at: str
    by: list[str]
    among: str
    items: tuple[Item, ...]
    groups: dict[tuple[str, ...], GroupCounts] = field(default_factory=dict)
    rows_in: int = 0
    rejected: int = 0
    rejects: list[dict[str, Any]] = field(default_factory=list)  # the first MAX_REJECTS_SHOWN: row, reason
    excluded: int = 0  # classified households of another status than `among`

    def total(self) -> GroupCounts:
        out = GroupCounts(())
        for g in self.groups.values():
            out.households += g.households
            for k, n in g.deprived.items():
                out.deprived[k] = out.deprived.get(k, 0) + n
        return out

    def group_list(self, *, with_total: bool = True) -> list[GroupCounts]:
        """The groups sorted by their names, then (with ``with_total``) the total when grouped."""
        out = [self.groups[k] for k in sorted(self.groups)]
        if with_total and self.by:
            out.append(self.total())
        elif not self.by:
            out = [self.total()]
        return out

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per group and item: the --by columns (empty strings on the total row), then ROW_FIELDS."""
        out = []
        for g in self.group_list():
            label = dict(zip(self.by, g.group, strict=True)) if g.group else dict.fromkeys(self.by, "")
            for item in self.items:
                r = g.rate(item)
                out.append({**label, "kind": item.kind, "id": item.id, "name_vi": item.name_vi, "name_en": item.name_en,
                            "dimension": item.dimension, "households": g.households,
                            "deprived": g.deprived.get(f"{item.kind}:{item.id}", 0), "rate": None if r is None else str(r)})
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"standard": self.standard, "at": self.at, "by": self.by, "among": self.among, "rows_in": self.rows_in,
                "counted": sum(g.households for g in self.groups.values()), "excluded": self.excluded,
                "rejected": self.rejected, "rejects": self.rejects, "rows": self.rows()}


class DeprivationCounter:
    """Accumulates deprivation counts over chunks of a household file."""

    def __init__(self, std: Standard, *, by: Sequence[str] = (), among: str = "all", dimension: str | None = None) -> None:
        if among not in AMONG:
            raise NormkitError("NK706", f"unknown --among {among!r}; choose {', '.join(AMONG)}", location=Location(path="among"))
        self.std = std
        self.report = DeprivationReport(std.id, str(std.at), list(by), among, items_of(std, dimension))
        self.needed = list(dict.fromkeys(i for it in self.report.items for i in it.indicators))

    def add(self, frame: Any, first_row: int = 1) -> None:
        """Count the households of ``frame`` (row numbers in rejects start at ``first_row``)."""
        df = as_pandas(frame).reset_index(drop=True)  # positions, whatever index the caller's frame has
        rep = self.report
        missing = [c for c in rep.by if c not in df.columns]
        if missing:
            raise NormkitError("NK703", f"no column {', '.join(repr(c) for c in missing)} to group by",
                               hint="columns: " + ", ".join(map(str, df.columns)))
        lacking = [i for i in self.needed if i not in df.columns]
        if lacking:
            raise NormkitError("NK706", f"the data has no indicator column{'s' if len(lacking) > 1 else ''} {', '.join(lacking)} of {self.std.id}",
                               hint="give one true/false column per indicator (true = deprived; `normkit indicators` lists them): "
                                    "a deprivation_count does not say which indicators a household lacks")
        rep.rows_in += len(df)
        row_numbers = np.arange(first_row, first_row + len(df))
        statuses = AMONG[rep.among]
        if statuses is not None:
            classified = classify_frame(df, self.std, first_row=first_row)
            self._reject(classified.rejects["row"].to_numpy(), classified.rejects["reason"].to_numpy())
            keep = classified.classified["status"].isin(statuses).to_numpy(dtype=bool)
            rep.excluded += int((~keep).sum())
            row_numbers = row_numbers[classified.classified.index.to_numpy()][keep]
            df = classified.classified[keep]
        reasons = new_reasons(len(df))
        flags: dict[str, np.ndarray] = {}
        for ind in self.needed:
            values, bad = bool_column(df[ind], ind)
            flags[ind] = values
            hit = ~good_rows(bad) & good_rows(reasons)
            reasons[hit] = bad[hit]
        ok = good_rows(reasons)
        self._reject(row_numbers[~ok], reasons[~ok])
        self._count(df[ok], {k: v[ok] for k, v in flags.items()})

    def _reject(self, rows: np.ndarray, reasons: np.ndarray) -> None:
        rep = self.report
        rep.rejected += len(rows)
        for r, why in zip(rows.tolist(), reasons.tolist(), strict=True):
            if len(rep.rejects) < MAX_REJECTS_SHOWN:
                rep.rejects.append({"row": int(r), "reason": str(why)})

    def _count(self, df: pd.DataFrame, flags: dict[str, np.ndarray]) -> None:
        import pandas as pd

        rep = self.report
        data = {}
        for item in rep.items:
            deprived = np.zeros(len(df), dtype=bool)
            for ind in item.indicators:
                deprived |= flags[ind]
            data[f"{item.kind}:{item.id}"] = deprived.astype(np.int64)
        counts = pd.DataFrame(data, index=df.index)
        # group names in NFC, as `rates` does: "Xã Đông" typed decomposed (NFD) is the same commune
        keys = [df[c].astype("string").fillna("").str.normalize("NFC").rename(c) for c in rep.by]
        if keys:
            grouped = counts.groupby(keys, sort=False)
            sums, sizes = grouped.sum(), grouped.size()
            names = list(data)
            for key, n, row in zip(sizes.index, sizes.to_numpy().tolist(), sums[names].to_numpy().tolist(), strict=True):
                group = tuple(str(k) for k in (key if isinstance(key, tuple) else (key,)))
                self._add(group, int(n), dict(zip(names, (int(v) for v in row), strict=True)))
        elif len(counts):
            self._add((), len(counts), {k: int(v.sum()) for k, v in data.items()})

    def _add(self, group: tuple[str, ...], households: int, deprived: dict[str, int]) -> None:
        g = self.report.groups.setdefault(group, GroupCounts(group))
        g.households += households
        for k, n in deprived.items():
            g.deprived[k] = g.deprived.get(k, 0) + n


def count_deprivations(frame: Any, std: Standard, *, by: Iterable[str] = (), among: str = "all",
                 dimension: str | None = None) -> DeprivationReport:
    """Deprived households and rates per indicator and dimension of ``std``, per group of ``by``.

    ``frame`` (pandas, polars or a mapping of columns) has one true/false column per indicator
    (true = deprived; with ``dimension``, only that dimension's), and for ``among`` other than
    ``"all"`` the columns ``classify`` needs. See the module's example.
    """
    counter = DeprivationCounter(std, by=list(by), among=among, dimension=dimension)
    counter.add(frame)
    return counter.report


@dataclass(frozen=True)
class Change:
    """One item of one group in two reviews: the published rates and the change in points."""

    group: tuple[str, ...]
    item: Item
    before: Decimal | None
    after: Decimal | None

    @property
    def points(self) -> Decimal | None:
        """after − before, in percentage points of the rounded rates (negative = fewer deprived)."""
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def compare_reports(before: DeprivationReport, after: DeprivationReport) -> list[Change]:
    """The change of every item's rate per group (and in total) from ``before`` to ``after``.

    A group found in only one review has no change (``None``): it is listed, not dropped."""
    # items compare ids, names and indicator lists: reviews under standards that group them differently are refused
    if before.by != after.by or before.among != after.among or before.items != after.items:
        raise NormkitError("NK706", "the two reviews were not counted the same way "
                                    f"(by {before.by} / {after.by}, among {before.among} / {after.among}, "
                                    f"standards {before.standard} / {after.standard})",
                           hint="compare two reviews counted with the same --by, --among, --dimension and indicators")
    b = {g.group: g for g in before.group_list()}
    a = {g.group: g for g in after.group_list()}
    keys = sorted(k for k in set(b) | set(a) if k) + ([()] if () in b or () in a else [])
    return [Change(k, item, b[k].rate(item) if k in b else None, a[k].rate(item) if k in a else None)
            for k in keys for item in after.items]


def change_rows(changes: list[Change], by: Sequence[str]) -> list[dict[str, Any]]:
    """Flat rows of :func:`compare_reports`: the --by columns, kind, id, names, rate_before, rate_after, change_points."""
    out = []
    for c in changes:
        label = dict(zip(by, c.group, strict=True)) if c.group else dict.fromkeys(by, "")
        p = c.points
        out.append({**label, "kind": c.item.kind, "id": c.item.id, "name_vi": c.item.name_vi, "name_en": c.item.name_en,
                    "dimension": c.item.dimension, "rate_before": None if c.before is None else str(c.before),
                    "rate_after": None if c.after is None else str(c.after), "change_points": None if p is None else str(p)})
    return out


def check_output(path: str | Path) -> str:
    """The output type of ``path`` (``.csv`` or ``.xlsx``), checked before any work is done."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise NormkitError("NK702", f"{path}: unknown output type {suffix or '(none)'!r}; use .csv or .xlsx",
                           location=Location(str(path)))
    if not (Path(path).parent if str(Path(path).parent) else Path(".")).is_dir():
        raise NormkitError("NK805", f"cannot write {path}: the folder {Path(path).parent} does not exist", location=Location(str(path)))
    return suffix


def write_rows(rows: list[dict[str, Any]], columns: Sequence[str], path: str | Path) -> None:
    """Write ``rows`` to ``path`` (.csv, or .xlsx with one sheet), atomically; rates stay exact text."""
    from normkit.core.io.atomic import atomic_write

    suffix = check_output(path)

    def write_csv(tmp: Path) -> None:
        import pandas as pd

        pd.DataFrame(rows, columns=list(columns)).to_csv(tmp, index=False)

    def write_xlsx(tmp: Path) -> None:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "deprivations"
        ws.append(list(columns))
        for r in rows:  # rates and points as text: a float cell would not hold them exactly
            ws.append([r.get(c) for c in columns])
        wb.save(tmp)

    atomic_write(path, write_xlsx if suffix == ".xlsx" else write_csv, "NK805")
