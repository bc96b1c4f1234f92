"""The one scalar reader (normkit/core/io/text.py): every accepted form, every error with its
exact code and message, the caller's Decimal context untouched, and a round trip."""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from normkit.core.amounts import vnd
from normkit.core.errors import Location, NormkitError
from normkit.core.io.text import (
    match_header,
    read_bool,
    read_date,
    read_money,
    read_number,
    read_quantity,
    read_text,
    read_unit,
)
from normkit.core.units import Vocabulary

V = Vocabulary()
WHERE = Location("f.csv", 3, 2, "quantity")


def error(call) -> NormkitError:  # type: ignore[no-untyped-def]
    with pytest.raises(NormkitError) as e:
        call()
    return e.value


# ---- numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("5358000", "5358000"), ("-12", "-12"), ("+7", "7"), ("0,12", "0.12"), ("0.12", "0.12"), ("3,5", "3.5"),
    ("5.358.000", "5358000"), ("5,358,000", "5358000"), ("1.234,5", "1234.5"), ("1,234.5", "1234.5"),
    ("1 234,5", "1234.5"), ("1\u00a0234.5", "1234.5"), ("1\u202f234", "1234"), ("0.125", "0.125"), ("0,125", "0.125"),
    ("  42  ", "42"), ("1.800.000", "1800000"),
])
def test_numbers_every_convention_reads_alike(text: str, value: str) -> None:
    for convention in (None, "vi", "en"):
        assert str(read_number(text, convention=convention)) == value


@pytest.mark.parametrize(("text", "vi", "en"), [("1.234", "1234", "1.234"), ("1,234", "1.234", "1234"), ("-9.999", "-9999", "-9.999")])
def test_the_convention_settles_an_ambiguous_text(text: str, vi: str, en: str) -> None:
    assert str(read_number(text, convention="vi")) == vi
    assert str(read_number(text, convention="en")) == en
    e = error(lambda: read_number(text, location=WHERE, what="quantity"))
    assert (e.code, e.message, e.location) == ("NK111", f"quantity: {text!r} is ambiguous: {vi} as Vietnamese writes numbers, {en} as English does", WHERE)
    assert e.hint == "write it without a thousands separator (1234) or with its decimals in full (1.234,0 or 1,234.0)"


@pytest.mark.parametrize(("text", "code", "message"), [
    ("abc", "NK110", "value: cannot read 'abc' as a number"),
    ("12.34.5", "NK110", "value: cannot read '12.34.5' as a number"),
    ("1,23,456", "NK110", "value: cannot read '1,23,456' as a number"),
    ("NaN", "NK110", "value: cannot read 'NaN' as a number"),
    ("", "NK110", "value: cannot read '' as a number"),
    ("1.2345678901234568e16", "NK112", "value: '1.2345678901234568e16' is in exponent notation"),
    ("1e5", "NK112", "value: '1e5' is in exponent notation"),
    ("1" * 35, "NK114", f"value: {'1' * 35!r} is out of range: a number has at most 34 digits and lies between 10^-60 and 10^60 in size"),
    ("1" * 101, "NK117", "value: the text is 101 characters long; a value has at most 100"),
])
def test_number_errors(text: str, code: str, message: str) -> None:
    e = error(lambda: read_number(text))
    assert (e.code, e.message) == (code, message)
    assert e.hint


def test_written_out_powers_of_ten_are_in_range_and_beyond_is_not() -> None:
    assert read_number("1" + "0" * 60) == Decimal(10) ** 60
    assert error(lambda: read_number("1" + "0" * 61)).code == "NK114"


def test_non_text_values() -> None:
    assert read_number(7) == Decimal(7) and read_number(Decimal("0.5")) == Decimal("0.5")
    assert read_number(0.04) == Decimal("0.04")  # a spreadsheet float by its shortest repr
    big = error(lambda: read_number(1.2345678901234568e16))  # the one float rule: at or beyond 2**53 it has lost digits
    assert (big.code, big.message) == ("NK114", ("value: 1.2345678901234568e+16 is beyond the range a spreadsheet number holds exactly; "
                                                "write it as text"))
    assert read_number(float(2**53 - 1)) == Decimal(2**53 - 1)
    assert error(lambda: read_number(float(2**53))).code == "NK114"
    assert error(lambda: read_number(float("nan"))).message == "value: nan is not a finite number"
    assert error(lambda: read_number(True)).message == "value: True is not a number"
    assert error(lambda: read_number(Decimal("NaN"))).message == "value: NaN is not a finite number"


# ---- money --------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("5.358.000", "5358000"), ("5,358,000", "5358000"), ("1.234", "1234"), ("1,234", "1234"), ("1.000", "1000"),
    ("5.358.000 đ", "5358000"), ("5358000VND", "5358000"), ("5.358.000 đồng", "5358000"), ("5.358.000₫", "5358000"),
    ("1.234,00", "1234"), ("-1.000", "-1000"), ("2.000.000", "2000000"),
])
def test_money_is_whole_dong(text: str, value: str) -> None:
    assert str(read_money(text)) == value


@pytest.mark.parametrize(("value", "code", "message"), [
    ("1,5", "NK113", "amount: '1,5' is not a whole number of đồng"),
    ("1500000.5", "NK113", "amount: '1500000.5' is not a whole number of đồng"),
    (Decimal("0.5"), "NK113", "amount: 0.5 is not a whole number of đồng"),
    ("1" * 29, "NK114", f"amount: {'1' * 29!r} is out of range: an amount has at most 18 digits"),
    ("5.358.000 USD", "NK110", "amount: cannot read '5.358.000 USD' as a number"),
])
def test_money_errors(value: object, code: str, message: str) -> None:
    e = error(lambda: read_money(value))
    assert (e.code, e.message) == (code, message)


def test_the_callers_decimal_context_is_neither_used_nor_touched() -> None:
    with decimal.localcontext() as ctx:
        ctx.prec = 6
        ctx.traps[decimal.Inexact] = True
        ctx.traps[decimal.Rounded] = True
        ctx.clear_flags()
        assert str(read_money("123.456.789.012.345")) == "123456789012345"
        assert str(read_number("1.234.567,891011")) == "1234567.891011"
        assert str(read_quantity("1.234.567,891011 VND", V).value) == "1234567.891011"
        assert not any(ctx.flags.values())


# ---- dates and booleans ---------------------------------------------------------------------

@pytest.mark.parametrize("text", ["2024-09-15", "15/09/2024", "15/9/2024", " 15/09/2024 "])
def test_dates(text: str) -> None:
    assert read_date(text) == dt.date(2024, 9, 15)


def test_date_objects_and_errors() -> None:
    assert read_date(dt.datetime(2024, 9, 15, 8, 30)) == dt.date(2024, 9, 15)
    hint = "write YYYY-MM-DD (2024-09-15) or dd/mm/yyyy (15/09/2024)"
    for text, message in [("2024/09/15", "date: cannot read '2024/09/15' as a date"), ("20240915", "date: cannot read '20240915' as a date"),
                          ("09/15/2024", "date: '09/15/2024' is not a day of the calendar"),
                          ("31/02/2024", "date: '31/02/2024' is not a day of the calendar"),
                          ("15.09.2024", "date: cannot read '15.09.2024' as a date")]:
        e = error(lambda t=text: read_date(t))
        assert (e.code, e.message, e.hint) == ("NK115", message, hint)
    assert error(lambda: read_date(20240915)).message == "date: 20240915 is not a date"


@pytest.mark.parametrize(("word", "value"), [
    ("có", True), ("Có", True), ("CO", True), ("x", True), ("y", True), ("t", True), ("true", True), ("1", True), ("Đúng", True),
    ("không", False), ("Khong", False), ("n", False), ("f", False), ("FALSE", False), ("0", False), ("sai", False),
    (True, True), (0, False), (1, True),
])
def test_booleans(word: object, value: bool) -> None:
    assert read_bool(word) is value


def test_boolean_error() -> None:
    e = error(lambda: read_bool("maybe", what="bao_hiem_y_te"))
    assert (e.code, e.message) == ("NK116", "bao_hiem_y_te: cannot read 'maybe' as true or false")
    assert e.hint == "true: có, x, true, yes, y, t, 1, đúng, phải; false: không, false, no, n, f, 0, sai"
    assert error(lambda: read_bool(2)).code == "NK116"


# ---- units and quantities ------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value", "powers"), [
    ("9,8 phút", "9.8", {"minute": 1}), ("9,8 phut", "9.8", {"minute": 1}), ("0,12 công", "0.12", {"workday": 1}),
    ("0,12 cong", "0.12", {"workday": 1}), ("2 sản phẩm", "2", {"item": 1}), ("2 san pham", "2", {"item": 1}),
    ("2 Sản Phẩm", "2", {"item": 1}), ("1 giờ máy", "1", {"machine_hour": 1}), ("2 ngày công", "2", {"workday": 1}),
    ("2.340.000 VND/month", "2340000", {"VND": 1, "month": -1}), ("5.000.000 đồng/sản phẩm", "5000000", {"VND": 1, "item": -1}),
    ("17%", "17", {"percent": 1}), ("1 234,5 m²", "1234.5", {"square_metre": 1}), ("3", "3", {}), ("1 mét vuông", "1", {"square_metre": 1}),
])
def test_quantities(text: str, value: str, powers: dict[str, int]) -> None:
    q = read_quantity(text, V)
    assert (str(q.value), q.powers) == (value, powers)


def test_quantity_errors() -> None:
    e = error(lambda: read_quantity("9,8 phuts", V))
    assert (e.code, e.message) == ("NK310", "unknown unit 'phuts' in 'phuts'")
    e = error(lambda: read_quantity("VND", V, what="base_salary"))
    assert (e.code, e.message) == ("NK110", "base_salary: cannot read 'VND' as a number with a unit")
    e = error(lambda: read_quantity("1.234 VND", V, what="base_salary"))
    assert e.code == "NK111"
    e = error(lambda: read_quantity("1e30 VND/month", V))
    assert (e.code, e.message) == ("NK112", "value: '1e30' is in exponent notation")
    assert read_quantity("1e30 VND/month", V, exponent=True, convention="en").value == Decimal("1e30")  # pack files only


def test_every_unit_word_normkit_writes_reads_back() -> None:
    """The XLSX sheet writes each unit's Vietnamese word; budgets built from it must read it."""
    for u in V.units:
        assert read_unit(u.vi, V) == {u.name: 1}, u.vi
        assert read_unit(u.vi.upper(), V) == {u.name: 1}, u.vi


# ---- text and headers ------------------------------------------------------------------------

def test_read_text() -> None:
    assert read_text(1e16) == "10000000000000000"
    assert read_text(1.2345678901234568e16) == "12345678901234568"
    assert (read_text(0.04), read_text(3.0), read_text(None), read_text(" 01.03 ")) == ("0.04", "3", "", "01.03")


FIELDS = {"unit_price": ["đơn giá", "unit price"], "amount": ["thành tiền", "amount"], "income_per_capita": ["thu nhập bình quân"]}


@pytest.mark.parametrize(("header", "field"), [
    ("Đơn giá", "unit_price"), ("ĐƠN GIÁ", "unit_price"), ("don gia", "unit_price"), ("Unit Price", "unit_price"),
    ("unit_price", "unit_price"), ("Thành tiền / Amount", "amount"), ("Thu nhập  bình quân", "income_per_capita"),
    ("income-per-capita", "income_per_capita"), ("ghi chú", None),
])
def test_match_header(header: str, field: str | None) -> None:
    assert match_header(header, FIELDS) == field


# ---- round trip ------------------------------------------------------------------------------

def _en(d: Decimal) -> str:
    return vnd(d).replace(".", "\0").replace(",", ".").replace("\0", ",")


@given(st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=3, allow_nan=False, allow_infinity=False))
def test_written_in_either_convention_reads_back_equal(d: Decimal) -> None:
    vi, en = vnd(d), _en(d)
    assert read_number(vi, convention="vi") == d
    assert read_number(en, convention="en") == d
    assert read_number(format(d, "f"), convention="en") == d  # as Python writes it


@given(st.integers(min_value=-(10**17), max_value=10**17))
def test_money_written_in_either_convention_reads_back_equal_whatever_the_convention(n: int) -> None:
    d = Decimal(n)
    for convention in (None, "vi", "en"):
        assert read_money(vnd(d), convention=convention) == d
        assert read_money(_en(d), convention=convention) == d


# ---- the vocabulary's patterns mean the same in Python `re` and Arrow's RE2 -----------------

SAMPLES = ["5358000", "0,12", "0.12", "5.358.000", "1.234", "1,234", "0.125", "0,125", "1.234,5", "5,358,000.25", "1 234,5",
           "1\u00a0234.5", "0 125", "012.345", "-1.000", "+7", "1.2345678901234568e16", "12.34.5", "1,23,456", "2024-09-15",
           "15/09/2024", "5/9/2024", "2024/09/15", "", "abc"]


@pytest.mark.parametrize("name", ["PLAIN_INTEGER", "PLAIN_DECIMAL_DOT", "PLAIN_DECIMAL_COMMA", "GROUPED_VI", "GROUPED_EN",
                                  "GROUPED_SPACE", "EXPONENT", "DATE_ISO", "DATE_DMY"])
def test_patterns_agree_between_python_and_arrow(name: str) -> None:
    import re

    pa = pytest.importorskip("pyarrow")
    pc = pytest.importorskip("pyarrow.compute")
    from normkit.core.io import vocabulary

    pattern = getattr(vocabulary, name)
    arrow = pc.match_substring_regex(pa.array(SAMPLES), pattern).to_pylist()
    assert arrow == [re.search(pattern, s) is not None for s in SAMPLES]


def test_a_thousands_group_never_starts_with_zero() -> None:
    import re

    from normkit.core.io import vocabulary

    for text in ("0.125", "0,125", "0 125", "-0.125"):
        assert not any(re.match(getattr(vocabulary, n), text) for n in ("GROUPED_VI", "GROUPED_EN", "GROUPED_SPACE")), text


ALPHABET = "0123456789.,-+ eE\u00a0\u202fđd₫VNDabc/%"


@given(st.text(alphabet=ALPHABET, max_size=30))
def test_any_text_is_a_value_or_a_coded_error(text: str) -> None:
    """Random text never raises anything but a NormkitError with a code of the one input layer."""
    for read in (read_number, read_money, lambda t: read_quantity(t, V)):
        try:
            read(text)
        except NormkitError as e:
            assert e.code in {"NK110", "NK111", "NK112", "NK113", "NK114", "NK117", "NK310"}, (text, e.code)


@given(st.text(alphabet=ALPHABET, max_size=30))
def test_a_text_read_with_no_convention_means_the_same_in_both(text: str) -> None:
    """What is read without a convention is read alike in vi and en: a convention only settles ambiguity."""
    try:
        value = read_number(text)
    except NormkitError:
        return
    assert read_number(text, convention="vi") == value == read_number(text, convention="en")
