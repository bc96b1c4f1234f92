"""The column casts (normkit/core/io/columns.py): exact values and every failing row, with the
vocabulary's shapes evaluated by Arrow's RE2."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from normkit.core.io.columns import Failure, cast_booleans, cast_dates, cast_integers, integer_of, plain_integers

EXPONENT = "is in exponent notation; write the number with all its digits; a number in exponent notation has already lost digits"


def test_integers_of_every_shape_and_every_failure_with_its_row():
    values, failures = cast_integers(pa.array(["5358000", "+5", "5.358.000", "5,358,000", "5 358 000", "5\u00a0358\u00a0000",
                                               "2.000", "2,000", "1,5", "1.2345678901234568e16", "abc", "", None, "-",
                                               "99999999999999999999"]), "amount", first_row=10)
    assert values.tolist()[:6] == [5358000, 5, 5358000, 5358000, 5358000, 5358000]
    assert failures == [
        Failure(16, "amount", "2.000", "'2.000' is ambiguous: 2000 as Vietnamese writes numbers, 2.000 as English does; write it without a thousands separator (1234) or with its decimals in full (1.234,0 or 1,234.0)"),
        Failure(17, "amount", "2,000", "'2,000' is ambiguous: 2.000 as Vietnamese writes numbers, 2000 as English does; write it without a thousands separator (1234) or with its decimals in full (1.234,0 or 1,234.0)"),
        Failure(18, "amount", "1,5", "'1,5' is not a whole number"),
        Failure(19, "amount", "1.2345678901234568e16", f"'1.2345678901234568e16' {EXPONENT}"),
        Failure(20, "amount", "abc", "cannot read 'abc' as a number"),
        Failure(21, "amount", "", "amount is missing"),
        Failure(22, "amount", "", "amount is missing"),
        Failure(23, "amount", "-", "amount is missing"),
        Failure(24, "amount", "99999999999999999999", "amount is out of range (at most 9223372036854775807)"),
    ]


@pytest.mark.parametrize("text,convention,expected", [
    ("2.000", "vi", (2000, None)), ("2,000", "en", (2000, None)),
    ("2.000", "en", (2, None)), ("1.234,5", None, (None, "'1.234,5' is not a whole number")),  # 2.000 in English: two, exactly
    ("1.234.567", "en", (1234567, None)), ("1,234,567", None, (1234567, None)),  # one reading: the same in every convention
])
def test_a_known_convention_settles_a_single_group(text, convention, expected):
    assert integer_of(text, convention) == expected


def test_bounds_are_reported_after_the_shape():
    values, failures = cast_integers(pa.array(["-1", "13", "12", "x"]), "deprivation_count", lo=0, hi=12)
    assert values.tolist() == [-1, 13, 12, 0]
    assert [(f.row, f.reason) for f in failures] == [(1, "deprivation_count is below 0"), (2, "deprivation_count is above 12"),
                                                     (4, "cannot read 'x' as a number")]


def test_the_fast_path_never_reads_hex_or_spaces():
    """Arrow's own cast reads `0x10` as 16: the fast path excludes it; spaces go the checked way."""
    values, mask = plain_integers(pa.array(["0x10", " 12 ", "7"]))
    assert (values.tolist(), mask.tolist()) == ([0, 12, 7], [False, True, True])
    values, failures = cast_integers(pa.array(["0x10"]), "n")
    assert [f.reason for f in failures] == ["cannot read '0x10' as a number"]


def test_booleans_in_every_word_once_per_distinct_value():
    flags, failures = cast_booleans(pa.array(["Có", "co", "KHÔNG", "x", "y", "f", "0", "1", "Đúng", "sai", "maybe", "", None]), "viec_lam")
    assert flags.tolist() == [True, True, False, True, True, False, False, True, True, False, False, False, False]
    assert [(f.row, f.reason) for f in failures] == [(11, "unknown value 'maybe' for viec_lam (use true/false, có/không)"),
                                                     (12, "viec_lam is missing"), (13, "viec_lam is missing")]


def test_dates_iso_and_vietnamese_only():
    dates, failures = cast_dates(pa.array(["2024-09-15", "15/09/2024", "9/3/2024", "31/02/2024", "2024/09/15", ""]), "date")
    assert dates == [dt.date(2024, 9, 15), dt.date(2024, 9, 15), dt.date(2024, 3, 9), None, None, None]
    assert [(f.row, f.reason) for f in failures] == [
        (4, "'31/02/2024' is not a date; write YYYY-MM-DD or dd/mm/yyyy"),
        (5, "'2024/09/15' is not a date; write YYYY-MM-DD or dd/mm/yyyy"), (6, "date is missing")]


def test_a_million_clean_integers_take_one_cast():
    arr = pa.array(np.arange(1_000_000).astype(str))
    values, mask = plain_integers(arr)
    assert mask.all() and int(values.sum()) == 499999500000


def test_choice_words_are_read_in_place_in_the_order_of_their_first_row():
    from normkit.core.io.columns import choice_codes

    codes, words = choice_codes(pa.array(["urban", "rural", "urban", "rural"]), ("rural", "urban"))
    assert (codes.dtype, codes.tolist(), words) == (np.int8, [0, 1, 0, 1], ("urban", "rural"))
    codes, words = choice_codes(pa.array(["rural", "rural"]), ("rural", "urban"))
    assert (codes.tolist(), words) == ([0, 0], ("rural",))
    sliced = pa.array(["x", "nông thôn", "thành thị", "nông thôn"])[1:]  # an offset into the buffer; 9 and 10 bytes
    assert choice_codes(sliced, ("nông thôn", "thành thị")) is None  # cells of two widths: the general reader
    codes, words = choice_codes(pa.array(["nông thôn", "nông thôn"])[1:], ("nông thôn",))
    assert (codes.tolist(), words) == ([0], ("nông thôn",))
    long = "a_choice_word_longer_than_eight_bytes"
    codes, words = choice_codes(pa.array([long, long[:-1] + "t", long]), (long, long[:-1] + "t"))
    assert (codes.tolist(), words) == ([0, 1, 0], (long, long[:-1] + "t"))
    for refused in (["rural", " rural"], ["rural", "rurax"], ["rural", None], ["Rural"], ["rural", "urbanx"], [], [""]):
        assert choice_codes(pa.array(refused, pa.string()), ("rural", "urban")) is None, refused
    assert choice_codes(pa.array(["rural"], pa.large_string()), ("rural",)) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["rural", "urban", "rura", "urbann", " rural", "RURAL", "rural\x00", "ruraL", "nông", ""]),
                min_size=1, max_size=40), st.integers(0, 5))
def test_choice_words_read_in_place_equal_the_dictionary_reading(cells, cut):
    """Whenever the in-place reading answers, it gives the codes and words of the general reading
    (Arrow's dictionary, trimmed); when a cell is not exactly a choice it does not answer."""
    from normkit.core.io.columns import choice_codes
    from normkit.poverty.ingest import clean_values

    arr = pa.array(["urban"] * cut + cells, pa.string())[cut:]
    fast = choice_codes(arr, ("rural", "urban"))
    exact = all(c in ("rural", "urban") for c in cells) and len({len(c) for c in cells}) == 1
    assert (fast is not None) == exact
    if fast is not None:
        enc = arr.dictionary_encode()
        words = tuple(enc.dictionary.to_pylist())
        assert (fast[0].tolist(), fast[1]) == (enc.indices.to_pylist(), words)
        general = clean_values(arr, "text", ("rural", "urban"), None, None)
        assert (general.codes.tolist(), general.categories) == (fast[0].tolist(), fast[1])
