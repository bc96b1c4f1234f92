"""Hostile numbers: 10^30 VND, values beyond the exact range, NaN/Infinity, negative and zero
quantities, exponents in written quantities."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hostilekit import bounded, expect_error
from normkit_testpaths import EXAMPLES, FIXTURES

from normkit.core.io.yaml import parse_text

ORDER = EXAMPLES / "orders" / "tv-bulletins.yaml"


@pytest.fixture(scope="module")
def tiny():
    from normkit.api import load
    return load(FIXTURES / "packs" / "tiny", use_cache=False)


@pytest.fixture(scope="module")
def province():
    from normkit.api import load
    return load(EXAMPLES / "packs" / "example-province")


def order(**item) -> dict:
    return {"id": "o", "date": dt.date(2024, 7, 1), "items": [{"norm": "99.00.00.00.01", **item}]}


def test_nan_and_infinity_in_yaml_are_refused_with_their_position():
    e = expect_error("NaN in YAML", lambda: parse_text("a: 1\nb: .nan\n", "x.yaml"), "NK106", "'.nan' is not a number normkit accepts")
    assert (e.location.line, e.location.column) == (2, 4)
    expect_error("Infinity in YAML", lambda: parse_text("b: -.Inf\n", "x.yaml"), "NK106")


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-inf", "sNaN"])
def test_nan_and_infinity_quantities_in_order_data_are_refused(tiny, text):
    e = expect_error(f"quantity {text}", lambda: tiny.quote(order(quantity=text)), "NK110", f"quantity: cannot read {text!r} as a number")
    assert e.location.path == "items[0].quantity"


@pytest.mark.parametrize("qty", [-1, 0, "-0.5"])
def test_negative_and_zero_quantities_are_refused(tiny, qty):
    e = expect_error(f"quantity {qty}", lambda: tiny.quote(order(quantity=qty)), "NK503", "item quantity must be a positive number")
    assert e.location.path == "items[0].quantity"


def test_negative_input_is_refused_by_its_bounds(tiny):
    expect_error("negative duration", lambda: tiny.quote(order(inputs={"duration": "-5"})), "NK503", "duration = -5 is outside the allowed range")


def test_10e30_vnd_base_salary_prices_exactly(province):
    q = bounded("base salary 1e30 VND", lambda: province.with_overrides({"base_salary": "1" + "0" * 30 + " VND/month"}).quote(ORDER))
    base = province.quote(ORDER)
    assert q.total > Decimal("1e30") and q.total == q.total.to_integral_value()
    assert q.total.adjusted() == 30 and base.total < Decimal("1e8")


def test_10e30_quantity_beyond_the_exact_range_is_a_located_error(tiny):
    """Regression (fuzz finding): 1e30 products raised a bare decimal.InvalidOperation when rounding."""
    e = expect_error("quantity 1e30", lambda: tiny.quote(order(quantity="1" + "0" * 30)), "NK502", "is beyond the exact range")
    # one product prices; its amounts × 1e30 (the one-unit rule) leave the exact range: one error, at the quantity
    assert e.location.path == "items[0].quantity"
    assert e.message.startswith("item 1 (99.00.00.00.01): the one-unit amount ")


def test_10e60_input_overflowing_an_extra_is_a_located_error(tiny):
    e = expect_error("duration 1e60", lambda: tiny.quote(order(inputs={"duration": "1" + "0" * 60})), "NK502", "extra airtime_fee is beyond the exact range")
    assert e.location.path == "items[0]"


def test_10e60_base_salary_is_a_located_error(province):
    expect_error("base salary 1e60 VND", lambda: province.with_overrides({"base_salary": "1" + "0" * 60 + " VND/month"}).quote(ORDER), "NK502",
                 "is beyond the exact range")


def test_exponent_notation_is_refused_with_a_hint_not_read_as_a_unit(province, tiny):
    """Regression: "1e30 VND/month" was read as 1 of the unknown unit 'e30' (NK310). Issue 11: one
    input layer refuses exponent notation in what people type (NK112), as budgets always did."""
    e = expect_error("2.34e6", lambda: province.with_overrides({"base_salary": "2.34e6 VND/month"}), "NK112")
    assert e.message == "base_salary: '2.34e6' is in exponent notation" and e.location.path == "set.base_salary"
    e = expect_error("1.5E1", lambda: tiny.quote(order(inputs={"duration": "1.5E1"})), "NK112")
    assert e.message == "duration: '1.5E1' is in exponent notation"


@pytest.mark.parametrize(("text", "code"), [("1" + "0" * 61 + " VND/month", "NK114"), ("0." + "0" * 61 + "1 VND/month", "NK114"),
                                            ("1e999999999 VND/month", "NK112")])
def test_numbers_beyond_the_range_are_refused_when_read(province, text, code):
    expect_error(f"value {text[:16]}", lambda: province.with_overrides({"base_salary": text}), code)


def test_pack_value_beyond_the_range_is_refused_at_load(tmp_path):
    from normkit.api import load

    text = (FIXTURES / "packs" / "tiny" / "pack.yaml").read_text(encoding="utf-8")
    (tmp_path / "pack.yaml").write_text(text.replace("value: 300000, source", "value: 1e999999999, source"), encoding="utf-8")
    e = expect_error("pack value 1e999999999", lambda: load(tmp_path, use_cache=False), "NK114", "is out of range")
    assert e.location.file.endswith("pack.yaml") and e.location.line == 30


@pytest.mark.parametrize("text", ["1.0e+61", "1.0e+999999999", "-2.5e-70", "1" + "0" * 61, "1" * 4000])
def test_yaml_numbers_beyond_the_range_are_refused(text):
    e = expect_error(f"YAML number {text[:16]}", lambda: parse_text(f"a: 1\nb: {text}\n", "x.yaml"), "NK106")
    assert (e.location.line, e.location.column) == (2, 4)


def test_yaml_numbers_inside_the_range_stay_exact():
    data, _ = parse_text("a: 1.0e+60\nb: 0.04\nc: 1000000000000000000000000000000\n", "x.yaml")
    assert data == {"a": Decimal("1.0e+60"), "b": Decimal("0.04"), "c": 10**30}


@pytest.mark.parametrize(("qty", "code"), [("1E-95", "NK112"), ("1E+61", "NK112"), (Decimal("1E-95"), "NK503"), (Decimal("1E+61"), "NK503")])
def test_quantities_outside_the_decimal_range_are_refused(tiny, qty, code):
    """Regression (long fuzz run, seed 20261131): a quantity of about 10^-95 from order data made a
    line quantity that the Decimal context clamps, raising a bare decimal.Clamped. Issue 11: text in
    exponent notation is NK112 when the order is read; a number beyond 10^±60 is NK503."""
    e = expect_error(f"quantity {qty}", lambda: tiny.quote(order(quantity=qty)), code)
    assert e.location.path == "items[0].quantity"
