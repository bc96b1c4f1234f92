"""Evaluate one formula of a rule set on the three backends and reduce each answer to plain data.

An answer is ``("ok", value)`` (a Decimal, str or bool) or ``("error", code)``. The traced path
is :func:`normkit.core.runtime.evaluate`, the folded path :func:`normkit.core.lang.folded.fold`,
the array path :func:`normkit.core.lang.vector.evaluate_columns` over all rows at once (a row's
error is the first error recorded on it; an error raised for the whole batch is re-checked row
by row on one-row batches).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from normkit.core.errors import NormkitError
from normkit.core.lang.folded import fold
from normkit.core.lang.vector import Text, evaluate_columns
from normkit.core.runtime import RuleSet, evaluate

Answer = tuple[str, Any]


def plain(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return Decimal(int(value))
    assert isinstance(value, Decimal), f"not a plain value: {value!r} ({type(value).__name__})"
    return value


def traced(rs: RuleSet, name: str, at: dt.date, rows: Sequence[Mapping[str, Any]]) -> list[Answer]:
    out: list[Answer] = []
    for row in rows:
        try:
            out.append(("ok", plain(evaluate(rs, name, at, inputs=dict(row))[0])))
        except NormkitError as e:
            out.append(("error", e.code))
    return out


def folded(rs: RuleSet, name: str, at: dt.date, rows: Sequence[Mapping[str, Any]]) -> list[Answer]:
    out: list[Answer] = []
    fn = fold(rs, at, name)
    for row in rows:
        try:
            out.append(("ok", plain(fn(row))))
        except NormkitError as e:
            out.append(("error", e.code))
    return out


def columns(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in rows[0]:
        values = [r[key] for r in rows]
        if isinstance(values[0], str):
            out[key] = Text.from_values(values)
        elif isinstance(values[0], bool):
            out[key] = np.array(values, dtype=bool)
        elif all(isinstance(v, int) for v in values):
            out[key] = np.array(values, dtype=np.int64)
        else:
            out[key] = np.array([Decimal(v) for v in values], dtype=object)
    return out


def vector(rs: RuleSet, name: str, at: dt.date, rows: Sequence[Mapping[str, Any]]) -> list[Answer]:
    try:
        values, errors = evaluate_columns(rs, name, at, columns(rows), len(rows))
    except NormkitError as e:
        if len(rows) == 1:
            return [("error", e.code)]
        return [a for row in rows for a in vector(rs, name, at, [row])]
    vals = values.to_objects().tolist() if isinstance(values, Text) else values.tolist()
    out: list[Answer] = []
    for i, v in enumerate(vals):
        code = next((e.code for e in errors if e.mask[i]), None)
        out.append(("error", code) if code else ("ok", plain(v)))
    return out
