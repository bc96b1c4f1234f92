from fractions import Fraction

import pytest

from normkit.core.errors import NormkitError
from normkit.core.units import VOCABULARY, UnitDef, Vocabulary, build_unit_table, format_powers, parse_unit_expr


@pytest.fixture(scope="module")
def table():
    return build_unit_table(Vocabulary())


def test_vocabulary_is_normkits_own():
    names = {u.name for u in VOCABULARY}
    assert {"VND", "workday", "machine_hour", "minute", "second", "month", "household", "person", "percent", "square_metre"} <= names
    v = Vocabulary()
    assert v.canonical("công") == "workday"
    assert v.canonical("m²") == "square_metre"
    assert v.canonical("day") is None  # pint's calendar day is not in normkit's vocabulary
    assert v.canonical("ton") is None


def test_exact_conversions(table):
    assert table.conversion({"second": 1}, {"minute": 1}) == Fraction(1, 60)
    assert 90 * table.conversion({"second": 1}, {"minute": 1}) == Fraction(3, 2)
    assert table.conversion({"hour": 1}, {"second": 1}) == 3600
    assert table.conversion({"percent": 1}, {}) == Fraction(1, 100)
    assert table.conversion({"year": 1}, {"month": 1}) == 12


def test_labour_machine_time_and_money_do_not_mix(table):
    assert table.conversion({"workday": 1}, {"machine_hour": 1}) is None
    assert table.conversion({"workday": 1}, {"hour": 1}) is None
    assert table.conversion({"VND": 1}, {"workday": 1}) is None


def test_unit_expressions():
    v = Vocabulary()
    assert parse_unit_expr("VND/workday", v) == {"VND": 1, "workday": -1}
    assert parse_unit_expr("m²/person", v) == {"square_metre": 1, "person": -1}
    assert parse_unit_expr("VND/person/month", v) == {"VND": 1, "person": -1, "month": -1}
    assert parse_unit_expr("1", v) == {}
    assert format_powers({"VND": 1, "workday": -1}) == "VND/workday"


def test_unknown_unit_is_an_error_listing_the_vocabulary():
    with pytest.raises(NormkitError) as e:
        parse_unit_expr("VND/fortnight", Vocabulary())
    assert e.value.code == "NK310"
    assert e.value.message == "unknown unit 'fortnight' in 'VND/fortnight'"
    assert "workday" in e.value.hint


def test_pack_units_extend_the_vocabulary():
    v = Vocabulary().extend([UnitDef("sheet", "[paper]", "tờ", "sheet"), UnitDef("ream", "500 sheet", "ram", "ream", ("ram",))])
    t = build_unit_table(v)
    assert t.conversion({"ream": 1}, {"sheet": 1}) == 500
