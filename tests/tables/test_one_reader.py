"""Differential: the column reader (Arrow/RE2, normkit/core/io/columns.py) and the scalar reader
(normkit/core/io/text.py) read the same text the same way — the same value, or both refuse with
the same reason — for integers, money, booleans and dates, in every convention."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from normkit.core.errors import NormkitError
from normkit.core.io.columns import INT64_MAX, cast_booleans, cast_dates, cast_integers, integer_of
from normkit.core.io.text import read_bool, read_date, read_money, read_number
from normkit.core.io.vocabulary import EMPTY_WORDS, FALSE_WORDS, TRUE_WORDS, fold

CONVENTIONS = st.sampled_from([None, "vi", "en"])


def _groups(mark: str) -> st.SearchStrategy[str]:
    head = st.integers(1, 999).map(str)
    tail = st.lists(st.integers(0, 999).map(lambda n: f"{n:03d}"), min_size=1, max_size=6)
    return st.tuples(head, tail).map(lambda t: mark.join([t[0], *t[1]]))


NUMBER_TEXT = st.one_of(
    st.integers(-10**25, 10**25).map(str),                                             # plain, also beyond int64
    st.tuples(st.sampled_from(["", "+", "-"]), _groups("."), st.sampled_from(["", ",5", ",50", ",000"])).map("".join),
    st.tuples(st.sampled_from(["", "+", "-"]), _groups(","), st.sampled_from(["", ".5", ".25", ".000"])).map("".join),
    st.tuples(_groups(" "), st.sampled_from(["", ",5", ".5"])).map("".join),
    st.tuples(_groups("\u00a0"), st.sampled_from(["", ",5"])).map("".join),
    st.tuples(st.integers(0, 999), st.sampled_from([".", ","]), st.integers(0, 999)).map(lambda t: f"{t[0]}{t[1]}{t[2]:03d}"),
    st.tuples(st.integers(0, 99), st.sampled_from([".", ","]), st.integers(0, 99)).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),                         # 1e+16, 0.04, -0.0
    st.text(alphabet="0123456789.,+- eExađ\u00a0", max_size=14),                       # junk of the same characters
    st.sampled_from(["", "-", "NA", "n/a", "null", "0x10", "1_000", "١٢", "½", "5.358.000 đ", "  7  "]),
)


def _scalar_integer(text: str, convention: str | None) -> tuple[int | None, str | None]:
    try:
        d = read_number(text, convention=convention, what="n")  # type: ignore[arg-type]
    except NormkitError as e:
        return None, e.code
    if d != d.to_integral_value() or not -INT64_MAX - 1 <= d <= INT64_MAX:
        return None, "not whole or beyond int64"
    return int(d), None


@settings(max_examples=400, deadline=None)
@given(text=NUMBER_TEXT, convention=CONVENTIONS)
@example(text="1.234", convention=None)
@example(text="1.234.567", convention="en")
@example(text="9223372036854775808", convention=None)
def test_integers_read_the_same_in_both(text: str, convention: str | None) -> None:
    values, failures = cast_integers(pa.array([text]), "n", convention=convention)  # type: ignore[arg-type]
    value, refused = _scalar_integer(text, convention)
    if fold(text) in EMPTY_WORDS:
        assert [f.reason for f in failures] == ["n is missing"]
    elif refused is None:
        assert (failures, int(values[0])) == ([], value)
    else:
        assert len(failures) == 1, (text, values)
        if refused.startswith("NK"):  # the same reason: the scalar reader's message, without the field name
            with pytest.raises(NormkitError) as e:
                read_number(text, convention=convention, what="n")  # type: ignore[arg-type]
            assert failures[0].reason.startswith(e.value.message.removeprefix("n: "))


@settings(max_examples=300, deadline=None)
@given(text=NUMBER_TEXT, convention=CONVENTIONS)
@example(text="600.000", convention=None)
@example(text="1,5", convention="vi")
def test_money_reads_the_same_in_both(text: str, convention: str | None) -> None:
    value, reason = integer_of(text, convention, money=True)  # type: ignore[arg-type]
    try:
        d: Decimal | None = read_money(text, convention=convention, what="n")  # type: ignore[arg-type]
        message = None
    except NormkitError as e:
        d, message = None, e.message.removeprefix("n: ")
    if d is None:
        assert value is None and reason is not None and message is not None and reason.startswith(message)
    else:
        assert (value, reason) == (int(d), None)


WORDS = st.one_of(st.sampled_from(sorted(TRUE_WORDS | FALSE_WORDS | EMPTY_WORDS)),
                  st.sampled_from(["Có", "KHÔNG", "Đúng", "Sai", "Phải", " x ", "YES", "maybe", "2", "co  ", "khong phai"]),
                  st.text(alphabet="cokhngtrueyfalsx01 ĐđóÓ", max_size=8))


@settings(max_examples=300, deadline=None)
@given(word=WORDS)
@example(word="Có")
def test_booleans_read_the_same_in_both(word: str) -> None:
    flags, failures = cast_booleans(pa.array([word]), "b")
    try:
        expected: bool | None = read_bool(word, what="b")
    except NormkitError as e:
        assert e.code == "NK116"
        expected = None
    if expected is None:
        assert len(failures) == 1
    else:
        assert (failures, bool(flags[0])) == ([], expected)


DATES = st.one_of(st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)).map(lambda d: d.isoformat()),
                  st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)).map(lambda d: f"{d.day}/{d.month}/{d.year}"),
                  st.tuples(st.integers(0, 40), st.integers(0, 14), st.integers(1000, 9999)).map(lambda t: f"{t[0]:02d}/{t[1]:02d}/{t[2]}"),
                  st.sampled_from(["2024-02-30", "2024-9-15", "15.09.2024", "", "2024-09-15T00:00", " 2024-09-15 "]),
                  st.text(alphabet="0123456789-/ ", max_size=12))


@settings(max_examples=300, deadline=None)
@given(text=DATES)
@example(text="31/02/2024")
def test_dates_read_the_same_in_both(text: str) -> None:
    days, failures = cast_dates(pa.array([text]), "d")
    try:
        expected: dt.date | None = read_date(text, what="d")
    except NormkitError as e:
        assert e.code == "NK115"
        expected = None
    assert (days[0], len(failures)) == (expected, 0 if expected else 1)
