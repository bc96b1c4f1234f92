"""Hostile expressions: 10^6 characters, exponent towers, deep nesting, division by zero,
overflow, and formulas that call each other in a cycle."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hostilekit import expect_error
from normkit_testpaths import FIXTURES

from normkit.core.lang.syntax import parse

UNITS = {"VND", "workday", "month"}.__contains__
TINY = (FIXTURES / "packs" / "tiny" / "pack.yaml").read_text(encoding="utf-8")
AT = dt.date(2024, 7, 1)


def _pack(tmp_path: Path, formulas: str) -> Path:
    d = tmp_path / "p"
    d.mkdir(exist_ok=True)
    (d / "pack.yaml").write_text(TINY + "formulas:\n" + formulas, encoding="utf-8")
    return d


def _load(path: Path):
    from normkit.api import load
    return load(path, use_cache=False)


def test_a_million_character_expression_is_refused_before_parsing():
    expect_error("expression 10^6 chars (parser)", lambda: parse("1+" * 500_000 + "1", UNITS), "NK302",
                 "expression has 1000001 characters; the limit is 10000")


def test_a_million_character_expression_in_a_pack_is_refused_with_its_position(tmp_path):
    path = _pack(tmp_path, '  f: {label: {vi: f, en: f}, expr: "' + "1+" * 500_000 + '1"}\n')
    e = expect_error("expression 10^6 chars (pack)", lambda: _load(path), "NK201", "at most 10000 characters")
    assert e.location.line == 71 and e.location.path == "formulas.f.expr"


def test_too_many_parts_and_too_deep_nesting():
    expect_error("expression 5000 parts", lambda: parse("1+" * 4999 + "1", UNITS), "NK302", "more than 2000 parts")
    expect_error("expression nested 1000 deep", lambda: parse("(" * 1000 + "1" + ")" * 1000, UNITS), "NK302")
    expect_error("expression nested 49 deep", lambda: parse("-(" * 49 + "1" + ")" * 49, UNITS), "NK302")


@pytest.mark.parametrize("text,token", [("2^2^2^2^2^2", "'^'"), ("2**2**2**2", "'**'"), ("pow(2, 1000)", None)])
def test_exponent_towers_do_not_exist_in_the_language(text, token):
    if token:
        expect_error(f"tower {text}", lambda: parse(text, UNITS), "NK301", f"unexpected {token}")
    else:
        parse(text, UNITS)  # parses as a call; the checker refuses the unknown function (below)


def test_unknown_functions_are_refused_at_load(tmp_path):
    path = _pack(tmp_path, '  f: {label: {vi: f, en: f}, expr: "pow(2, 1000)"}\n')
    expect_error("pow(2, 1000)", lambda: _load(path), "NK202", "unknown function 'pow'")


def test_multiplication_towers_overflow_with_a_clear_error(tmp_path):
    """Regression: an overflowing formula raised a bare decimal.Overflow from normkit.evaluate."""
    from normkit.core.runtime import evaluate

    big = "1" + "0" * 30
    path = _pack(tmp_path, f'  f: {{label: {{vi: f, en: f}}, unit: VND/workday, expr: "day_rate * {big} * {big} * {big}"}}\n')
    rules = _load(path)
    e = expect_error("multiplication tower", lambda: evaluate(rules, "f", AT), "NK502", "evaluating f: a value is beyond the exact range")
    assert e.location.file.endswith("pack.yaml") and e.location.path == "formulas.f"


def test_division_by_zero_is_nk502(tmp_path):
    from normkit.core.runtime import evaluate

    path = _pack(tmp_path, '  f: {label: {vi: f, en: f}, unit: VND/workday, expr: "day_rate / (ethnic_uplift - 20%)"}\n')
    rules = _load(path)
    expect_error("division by zero", lambda: evaluate(rules, "f", AT), "NK502", "division by zero (390000 / 0")


def test_formula_cycles_are_refused_at_load(tmp_path):
    path = _pack(tmp_path, '  f: {label: {vi: f, en: f}, expr: "g + 1"}\n  g: {label: {vi: g, en: g}, expr: "h * 2"}\n'
                           '  h: {label: {vi: h, en: h}, expr: "f - 1"}\n')
    e = expect_error("formula cycle", lambda: _load(path), "NK204", "formulas depend on each other in a cycle: f -> g -> h -> f")
    assert e.location.file.endswith("pack.yaml")
    path = _pack(tmp_path, '  f: {label: {vi: f, en: f}, expr: "f"}\n')
    expect_error("formula self-cycle", lambda: _load(path), "NK204", "f -> f")


def test_unit_mismatch_with_squared_dimensions_is_nk311(tmp_path):
    """Regression (long fuzz run): formatting the hint for `1 / (day_rate * day_rate)` raised a
    TypeError inside pint (Fraction exponents), so loading the pack crashed instead of NK311."""
    path = _pack(tmp_path, '  f: {label: {vi: f, en: f}, unit: percent, expr: "1 / (day_rate * day_rate)"}\n')
    e = expect_error("unit mismatch, squared dimension", lambda: _load(path), "NK311",
                     "`1 / (day_rate * day_rate)` has unit workday^2/VND^2 but percent is declared")
    assert e.hint == "the expression's dimension is [labour]^2 / [currency]^2, the declared one 1"
