"""Classify a whole table of households with the standard's own rules, evaluated as arrays.

The rules are the pack's formulas, compiled by :mod:`normkit.core.lang.vector`; this module only
reads the columns (:mod:`normkit.poverty.ingest`), decides where deprivations come from
(:func:`normkit.poverty.household.plan_for`) and splits rows into classified and rejected.
Every row ends in exactly one of the two: rows in = rows classified + rows rejected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from normkit.core.errors import NormkitError
from normkit.core.lang.vector import RowError, Text, evaluate_columns
from normkit.poverty.household import Plan, plan_for, raw_inputs_of
from normkit.poverty.ingest import bool_column, clean_values, good_rows, new_reasons, number_column, whole_column
from normkit.poverty.standards import STATUSES, Standard

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

OUTPUT_COLUMNS = ("status", "deprivation_count")


@dataclass
class BatchResult:
    """Classified rows (every input column plus ``status`` and ``deprivation_count``) and rejects."""

    classified: pd.DataFrame
    rejects: pd.DataFrame  # columns: row, reason, then the row's input columns
    standard: str
    method: str
    plan: Plan
    notes: list[str] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        return len(self.classified) + len(self.rejects)


def as_pandas(frame: Any) -> pd.DataFrame:
    """A pandas DataFrame from pandas, polars (``to_pandas``) or a mapping of columns."""
    import pandas as pd

    if isinstance(frame, pd.DataFrame):
        return frame
    if hasattr(frame, "to_pandas"):
        return frame.to_pandas()
    return pd.DataFrame(frame)


@dataclass
class Columns:
    """Checked input arrays of one batch, and the reason each bad row is rejected.

    ``bad`` marks the rejected rows; ``reasons`` (one text a row) is made only once a row is bad,
    so a clean batch is never scanned as Python objects."""

    n: int
    arrays: dict[str, Any] = field(default_factory=dict)
    bad: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    reasons: np.ndarray | None = None

    def take(self, name: str, values: Any, reasons: np.ndarray) -> None:
        self.arrays[name] = values
        self.reject(~good_rows(reasons), reasons)

    def reject(self, mask: np.ndarray, reasons: Any) -> None:
        """Reject the rows of ``mask`` not rejected yet, each with its reason (an array or one text)."""
        hit = mask & ~self.bad
        if not hit.any():
            return
        if self.reasons is None:
            self.reasons = new_reasons(self.n)
        self.reasons[hit] = reasons[hit] if isinstance(reasons, np.ndarray) else reasons
        self.bad |= hit


def read_columns(std: Standard, frame: pd.DataFrame, names: list[str]) -> Columns:
    """Check and convert the named input columns of ``frame`` as the standard declares them."""
    cols = Columns(len(frame), bad=np.zeros(len(frame), dtype=bool))
    inputs = std.rules.compiled.inputs
    for name in names:
        spec = inputs[name]
        series = frame[name]
        if spec.type == "text":
            cols.take(name, *text_codes(series, name, spec.choices))
        elif spec.type == "bool":
            cols.take(name, *bool_column(series, name))
        elif name in ("income_per_capita", "deprivation_count"):
            cols.take(name, *whole_column(series, name, spec.min, spec.max, "đồng" if name == "income_per_capita" else ""))
        else:
            cols.take(name, *number_column(series, name, spec.min, spec.max))
    return cols


def text_codes(series: Any, name: str, choices: Sequence[str] | None) -> tuple[Text, np.ndarray]:
    """A text column as codes into its distinct values (stripped), checked against ``choices``.

    The same values and reasons as :func:`normkit.poverty.ingest.text_column`, by hashing instead of
    sorting Python strings: a categorical (or Arrow dictionary) column is checked once per category."""
    import pandas as pd

    if not isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype("category")
    raw = [str(c).strip() for c in series.cat.categories.tolist()]
    codes = series.cat.codes.to_numpy()  # -1: missing
    cats: list[str] = list(dict.fromkeys(raw))
    if len(cats) != len(raw):  # " rural" and "rural" are one value
        codes = np.where(codes >= 0, np.array([cats.index(c) for c in raw] or [0], dtype=np.int64)[codes], -1)
    missing = codes < 0
    if "" in cats:
        missing |= codes == cats.index("")
    if missing.any():
        if "" not in cats:
            cats.append("")
        codes = np.where(codes < 0, cats.index(""), codes)
    n = len(series)
    reasons = new_reasons(n)
    if missing.any():
        reasons[missing] = f"{name} is missing"
    if choices is not None:
        for i, c in enumerate(cats):
            if c and c not in choices:
                hit = codes == i
                reasons[hit] = f"{name} must be one of {', '.join(choices)}, got {c!r}"
    return Text(codes.astype(np.int32 if len(cats) > 127 else np.int8), tuple(cats)), reasons


def _subset(value: Any, keep: np.ndarray) -> Any:
    if isinstance(value, Text):
        return Text(value.codes[keep], value.categories)
    return value[keep]


def _charge(errors: list[RowError], cols: Columns, rows: np.ndarray) -> None:
    """Turn evaluation errors on the kept rows into rejection reasons on the full batch."""
    for e in errors:
        mask = np.zeros(cols.n, dtype=bool)
        mask[rows[e.mask]] = True
        cols.reject(mask, f"{e.code} {e.message}")


def _categorical(status: Text, rows: np.ndarray | None) -> Any:
    """``status`` as a pandas categorical of the statuses in their order (one byte a row)."""
    import pandas as pd

    cats = list(STATUSES) + [c for c in status.categories if c not in STATUSES]
    remap = np.array([cats.index(c) for c in status.categories], dtype=np.int8)
    codes = remap[status.codes] if rows is None else remap[status.codes[rows]]
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(cats))


def classify_frame(frame: Any, std: Standard, *, method: str | None = None, low_income: bool = False,
                   first_row: int = 1) -> BatchResult:
    """Classify every household of ``frame`` under ``std``.

    ``frame`` is a pandas or polars DataFrame (or a mapping of columns) with ``area``,
    ``income_per_capita`` (whole đồng per person per month) and either ``deprivation_count``
    or the standard's indicator columns; ``score_a`` (and ``score_b``) for the score method.
    Row numbers in the rejects start at ``first_row`` (1 = the first data row).

    >>> r = classify_frame(pd.DataFrame({"area": ["rural"], "income_per_capita": [1500000],
    ...                    "deprivation_count": [3]}), load_standard(year=2024))  # doctest: +SKIP
    >>> r.classified["status"].tolist()                                          # doctest: +SKIP
    ['poor']
    """
    df = as_pandas(frame)
    inputs = std.rules.compiled.inputs
    present = {c for c in df.columns if c in inputs}
    plan = plan_for(std, present, method)
    cols = read_columns(std, df, needed_inputs(std, plan, present))
    n = cols.n
    ev = evaluate(std, plan, cols, low_income)
    # rows that failed during evaluation leave the classified set too
    ok_in_keep = ~cols.bad[ev.keep]
    final = ev.keep[ok_in_keep]
    everyone = len(final) == n
    out = df.copy(deep=False) if everyone else df.iloc[final]  # no copy of the data when nothing is rejected
    out["status"] = _categorical(ev.status, None if everyone else ok_in_keep)
    out["deprivation_count"] = ev.count if everyone else ev.count[ok_in_keep]
    if ev.low is not None:
        out["low_income_household"] = ev.low[ok_in_keep]
    bad = np.flatnonzero(cols.bad)
    rejects = df.iloc[bad]
    rejects.insert(0, "reason", cols.reasons[bad] if cols.reasons is not None else np.empty(0, dtype=object))
    rejects.insert(0, "row", bad + first_row)
    if len(out) + len(rejects) != n:  # pragma: no cover - the invariant the module exists to keep
        raise AssertionError(f"rows in {n} != classified {len(out)} + rejected {len(rejects)}")
    return BatchResult(out, rejects, std.id, plan.method, plan, ev.notes)


@dataclass
class CleanResult:
    """A batch in which no row is rejected: ``status`` and ``count`` (int64) for every row, and the
    low-income flag when asked for."""

    status: Text
    count: np.ndarray
    low: np.ndarray | None
    method: str
    notes: list[str]
    count_read: bool = False  # ``count`` is the input's deprivation_count column as read (not computed)


def classify_clean(columns: Mapping[str, Any], n: int, std: Standard, *, method: str | None = None,
                   low_income: bool = False) -> CleanResult | None:
    """Classify ``n`` rows given as Arrow columns (text, or numbers as stored) when no row is
    rejected — the common case of a household file, read without pandas or a reason per row;
    ``None`` as soon as some row might be rejected: the caller then runs :func:`classify_frame`,
    which says why. The results are those :func:`classify_frame` gives for the same rows (the same
    plan, the same evaluation; the columns read by :func:`normkit.poverty.ingest.clean_values`)."""
    inputs = std.rules.compiled.inputs
    present = {c for c in columns if c in inputs}
    plan = plan_for(std, present, method)
    cols = Columns(n, bad=np.zeros(n, dtype=bool))
    for name in needed_inputs(std, plan, present):
        spec = inputs[name]
        values = clean_values(columns[name], spec.type, spec.choices, spec.min, spec.max)
        if values is None:
            return None
        cols.arrays[name] = values
    ev = evaluate(std, plan, cols, low_income)
    if cols.bad.any():
        return None
    return CleanResult(ev.status, ev.count, ev.low, plan.method, ev.notes, count_read=plan.deprivations == "count")


def needed_inputs(std: Standard, plan: Plan, present: set[str]) -> list[str]:
    """The input columns the plan reads, in the order they are checked."""
    needed = ["area"] + (["income_per_capita"] if plan.method == "income" else
                         raw_inputs_of(std, "score_a_from_b1") if plan.b1 else ["score_a"])
    if plan.deprivations == "indicators":
        given_ids = [i for i in std.indicator_ids if i not in plan.derived]
        raw = sorted({r for i in plan.derived for r in raw_inputs_of(std, std.derivable()[i])})
        needed += given_ids + raw + (["deprivation_count"] if plan.check_count else [])
    elif plan.deprivations == "count":
        needed.append("deprivation_count")
    if plan.method == "score" and "score_b" in present:
        needed.append("score_b")
    return list(dict.fromkeys(needed))


@dataclass
class Evaluated:
    """The rules evaluated over the rows whose columns passed their checks (``keep``): ``status``,
    the deprivation count (int64) and the low-income flag over those rows. Rows failing during the
    evaluation are marked in the :class:`Columns` (``cols.bad``)."""

    status: Text
    count: np.ndarray
    low: np.ndarray | None
    keep: np.ndarray
    notes: list[str]


def evaluate(std: Standard, plan: Plan, cols: Columns, low_income: bool) -> Evaluated:
    """Evaluate the standard's formulas over the checked columns ``cols`` as ``plan`` says."""
    keep = np.flatnonzero(~cols.bad)
    arrays = {k: _subset(v, keep) for k, v in cols.arrays.items()}
    m = len(keep)
    rs, at = std.rules, std.at
    notes: list[str] = []

    def run(name: str, columns: dict[str, Any]) -> Any:
        value, errors = evaluate_columns(rs, name, at, columns, m)
        _charge(errors, cols, keep)
        return value

    if plan.deprivations == "indicators":
        flags = {i: arrays[i] for i in std.indicator_ids if i in arrays}
        for ind in plan.derived:
            formula = std.derivable()[ind]
            flags[ind] = run(formula, {r: arrays[r] for r in raw_inputs_of(std, formula)})
            notes.append(f"{ind} derived from raw data by {formula}: its cut-off is unverified")
        count = run("indicator_deprivation_count", flags)
        if plan.check_count:
            differ = count != arrays["deprivation_count"]
            _charge([RowError(differ, "NK704", "deprivation_count disagrees with the indicator columns")], cols, keep)
    elif plan.deprivations == "score_b":
        implied = run("deprivations_from_score_b", {"score_b": arrays["score_b"]})
        if implied.dtype == object:
            whole = np.array([v == v.to_integral_value() for v in implied.tolist()], dtype=bool)
            _charge([RowError(~whole, "NK704", "score_b is not a whole number of deprived indicators")], cols, keep)
            implied = np.array([int(v) if w else 0 for v, w in zip(implied.tolist(), whole.tolist(), strict=True)], dtype=np.int64)
        count = implied
    else:
        count = arrays["deprivation_count"]
    given = {"area": arrays["area"], "deprivation_count": count}
    if plan.method == "income":
        given["income_per_capita"] = arrays["income_per_capita"]
        status = run("status", given)
    else:
        score_b = arrays["score_b"] if "score_b" in arrays else run("score_b_from_deprivations", {"deprivation_count": count})
        score_a = (run("score_a_from_b1", {r: arrays[r] for r in raw_inputs_of(std, "score_a_from_b1")}) if plan.b1
                   else arrays["score_a"])
        status = run("status_by_score", {"area": arrays["area"], "score_a": score_a, "score_b": score_b})
    low = run("low_income_household", given) if (low_income and plan.method == "income") else None
    if low_income and low is None:
        raise NormkitError("NK701", "low-income workers (NĐ 30/2025) are defined on income; use the income method")
    if "middle" not in std.statuses and plan.method == "income":
        notes.append(f"{std.id} has no verified middle-living-standard band: above the lines the status is `none`")
    status_text = status if isinstance(status, Text) else Text.from_values(np.asarray(status))
    return Evaluated(status_text, np.asarray(count, dtype=np.int64), None if low is None else np.asarray(low, dtype=bool), keep, notes)
