"""The closed expression language: parsing, unit inference, evaluation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from normkit.core.errors import NormkitError
from normkit.core.lang.syntax import Binary, Call, Lookup, Num, parse

UNITS = {"VND", "workday", "month", "minute", "second", "machine_hour", "hour", "percent"}.__contains__


def test_number_with_unit_and_percent_literals():
    e = parse("22 workday/month * x + 17%", UNITS)
    assert isinstance(e.tree, Binary) and e.tree.op == "+"
    left = e.tree.left
    assert isinstance(left.left, Num) and (left.left.value, left.left.unit) == (Decimal(22), "workday/month")
    assert (e.tree.right.value, e.tree.right.unit) == (Decimal(17), "percent")


def test_lookups_calls_and_unicode_operators():
    e = parse("min(a × 2, t[\"A1\", 3]) ÷ 4", UNITS)
    assert e.tree.op == "/" and isinstance(e.tree.left, Call) and isinstance(e.tree.left.args[1], Lookup)
    assert e.names == frozenset({"a", "t"})


@pytest.mark.parametrize("text,message", [
    ("1 +", "unexpected 'end of expression' in expression '1 +'"),
    ("a < b < c", "comparisons cannot be chained; join them with `and` in expression 'a < b < c'"),
    ("a.b", "unexpected character '.' in expression 'a.b'"),
    ("x ** 2", "unexpected '**' in expression 'x ** 2'"),
    ("month * 2", "'month' is a unit; write a number before it, e.g. `1 month` in expression 'month * 2'"),
])
def test_syntax_errors_are_precise(text, message):
    with pytest.raises(NormkitError) as e:
        parse(text, UNITS)
    assert e.value.code == "NK301"
    assert e.value.message == message


def test_size_and_depth_limits():
    with pytest.raises(NormkitError) as e:
        parse("1+" * 6000 + "1", UNITS)
    assert e.value.code == "NK302" and "limit is 10000" in e.value.message
    with pytest.raises(NormkitError) as e:
        parse("-" * 60 + "1", UNITS)
    assert e.value.code == "NK302"
    with pytest.raises(NormkitError) as e:
        parse(" + ".join(["a"] * 2100), UNITS)
    assert e.value.code == "NK302"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab1 2+-*/()[],<>=!%\"'.xyzif then else andornot×÷≤≥", max_size=60))
def test_garbage_never_crashes_the_parser(text):
    try:
        parse(text, UNITS)
    except NormkitError as e:
        assert e.code in ("NK301", "NK302")


def _formula_pack(tmp_path, expr, unit="VND", extra=""):
    pack = tmp_path / "p"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "normkit: 1\nid: p\ntitle: {vi: p, en: p}\nversion: '1'\njurisdiction: t\nstatus: test\nvalid: {from: 2020-01-01}\n"
        "parameters:\n  salary: {label: {vi: s, en: s}, unit: VND/month, values: [{from: 2020-01-01, value: 3000000}]}\n"
        "  days: {label: {vi: d, en: d}, unit: workday/month, values: [{from: 2020-01-01, value: 22}]}\n"
        "  share: {label: {vi: r, en: r}, unit: percent, values: [{from: 2020-01-01, value: 12.5}]}\n"
        f"formulas:\n  f:\n    label: {{vi: f, en: f}}\n    unit: {unit}\n    expr: \"{expr}\"\n{extra}", encoding="utf-8")
    return pack


@pytest.mark.parametrize("expr,unit,value", [
    ("salary / days", "VND/workday", "136363.6363636363636363636363636364"),
    ("round(salary / days, 1, half_up)", "VND/workday", "136364"),
    ("round(salary / days, 1000 VND/workday, down)", "VND/workday", "136000"),
    ("salary * share", "VND/month", "375000.0"),
    ("if share > 10% then 1 else 2", "1", "1"),
    ("max(90 second, 1 minute)", "minute", "1.5"),
    ("min(salary, 1 VND/month) + abs(0 VND/month - salary)", "VND/month", "3000001"),
    ("salary * 12 month", "VND", "36000000"),
    ("1 year * salary", "VND", "36000000"),
])
def test_units_are_inferred_and_folded(tmp_path, expr, unit, value):
    from normkit.api import load
    from normkit.core.runtime import evaluate

    rules = load(_formula_pack(tmp_path, expr, unit), use_cache=False)
    assert str(evaluate(rules, "f", dt.date(2024, 1, 1))[0]) == value


@pytest.mark.parametrize("expr,unit,code,message", [
    ("salary + days", "VND/month", "NK311", "cannot add VND/month and workday/month in `salary + days`"),
    ("salary > 3 workday", "1", "NK311", "cannot compare VND/month and workday in `salary > 3 workday`"),
    ("salary / days", "VND/month", "NK311", "`salary / days` has unit VND/workday but VND/month is declared"),
    ("if salary then 1 else 2", "1", "NK303", "the condition of `if` must be true/false, but this is VND/month in `if salary then 1 else 2`"),
    ("__import__('os')", "1", "NK202", "unknown function '__import__' in `__import__('os')`"),
    ("salary / 0", "VND/month", None, None),
])
def test_unit_and_type_errors_at_load(tmp_path, expr, unit, code, message):
    from normkit.api import load
    from normkit.core.runtime import evaluate

    if code is None:  # division by zero is caught when evaluated, as a normkit error
        rules = load(_formula_pack(tmp_path, expr, unit), use_cache=False)
        with pytest.raises(NormkitError) as e:
            evaluate(rules, "f", dt.date(2024, 1, 1))
        assert e.value.code == "NK502" and e.value.message == "division by zero (3000000 / 0)"
        return
    with pytest.raises(NormkitError) as e:
        load(_formula_pack(tmp_path, expr, unit), use_cache=False)
    assert (e.value.code, e.value.message) == (code, message)
    assert e.value.location.file.endswith("pack.yaml") and e.value.location.line == 16
