"""The array compiler keeps the single-case semantics: exact numbers, lazy branches, row errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from normkit.api import load
from normkit.core.lang.vector import Text, evaluate_columns
from normkit.core.runtime import evaluate

PACK = Path(__file__).parent / "vector-pack"
AT = dt.date(2024, 1, 1)


@pytest.fixture(scope="module")
def rs():
    return load(PACK, use_cache=False)


def cols(**kw):
    out = {}
    for k, v in kw.items():
        out[k] = Text.from_values(v) if isinstance(v[0], str) else np.array(v, dtype=object if isinstance(v[0], Decimal) else None)
    return out


def test_division_in_a_branch_not_taken_is_not_an_error(rs) -> None:
    c = cols(a=[10, 7, 5], b=[2, 0, 3])
    value, errors = evaluate_columns(rs, "safe_ratio", AT, c, 3)
    assert [str(v) for v in value.tolist()] == ["5", "0", "1.666666666666666666666666666666667"]
    assert errors == []
    # the same digits as the engine's Decimal path
    assert evaluate(rs, "safe_ratio", AT, inputs={"a": 5, "b": 3})[0] == Decimal("1.666666666666666666666666666666667")


def test_division_by_zero_where_it_is_used_is_a_row_error(rs) -> None:
    _value, errors = evaluate_columns(rs, "ratio", AT, cols(a=[10, 7], b=[2, 0]), 2)
    assert [(e.code, e.message, e.mask.tolist()) for e in errors] == [("NK502", "division by zero", [False, True])]


def test_table_key_without_a_row_fails_only_its_rows(rs) -> None:
    value, errors = evaluate_columns(rs, "rate_of", AT, cols(kind=["x", "y", "z", "x"]), 4)
    assert value.tolist()[:2] == [100, 250] and value.tolist()[3] == 100
    assert [(e.code, e.message, e.mask.tolist()) for e in errors] == [
        ("NK202", "table 'rate' has no row for z", [False, False, True, False])]


def test_text_results_and_comparisons(rs) -> None:
    value, _ = evaluate_columns(rs, "label", AT, cols(a=[1, 5, 10], b=[1, 1, 1]), 3)
    assert isinstance(value, Text) and value.to_objects().tolist() == ["small", "medium", "large"]
    flag, _ = evaluate_columns(rs, "is_large", AT, cols(a=[1, 5, 10], b=[1, 1, 1]), 3)
    assert flag.tolist() == [False, False, True]


def test_fractional_constants_compare_exactly_with_integer_columns(rs) -> None:
    value, _ = evaluate_columns(rs, "above_half", AT, cols(a=[0, 1, 2], b=[1, 1, 1]), 3)
    assert value.tolist() == [False, True, True]  # a > 0.5


def test_large_products_leave_int64_for_exact_decimals(rs) -> None:
    value, _ = evaluate_columns(rs, "product", AT, cols(a=[3 * 10**12, 2], b=[4 * 10**12, 3]), 2)
    assert value.dtype == object and value.tolist() == [Decimal("1.2E+25"), Decimal(6)]
