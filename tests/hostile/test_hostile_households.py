"""Hostile household data: numbers beyond int64, NaN/Infinity, encodings and BOMs, NFD text."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from hostilekit import bounded, expect_error


@pytest.fixture(scope="module")
def standard():
    from normkit.poverty.standards import load_standard
    return load_standard(year=2024)


def reasons(r) -> list:
    return r.rejects[["row", "reason"]].values.tolist()


def test_whole_numbers_beyond_int64_are_rejected_rows_not_a_crash(standard):
    """Regression (fuzz finding): a 20-digit or 1e30 income raised OverflowError converting to int64."""
    from normkit.poverty.batch import classify_frame

    df = pd.DataFrame({"area": ["rural"] * 5,
                       "income_per_capita": ["99999999999999999999", "1e30", "-1e30", "1500000", "1500000"],
                       "deprivation_count": ["3", "3", "3", "1e30", "-99999999999999999999"]})
    r = bounded("households: 1e30 and 20-digit numbers", lambda: classify_frame(df, standard))
    exponent = "is in exponent notation; write the number with all its digits; a number in exponent notation has already lost digits"
    assert reasons(r) == [  # exponent notation is refused as in every table (issue 11), before its size is looked at
        [1, "income_per_capita is too large (at most 9223372036854775807)"],
        [2, f"income_per_capita: '1e30' {exponent}"],
        [3, f"income_per_capita: '-1e30' {exponent}"],
        [4, f"deprivation_count: '1e30' {exponent}"],
        [5, "negative deprivation_count"],
    ]


def test_unsigned_64_bit_values_do_not_wrap_around(standard):
    """Regression: a UInt64 income of 2^64-1 (Parquet) wrapped to -1 and was reported as negative."""
    from normkit.poverty.batch import classify_frame

    df = pd.DataFrame({"area": ["rural"], "income_per_capita": pd.Series([2**64 - 1], dtype="UInt64"), "deprivation_count": [3]})
    assert reasons(classify_frame(df, standard)) == [[1, "income_per_capita is too large (at most 9223372036854775807)"]]


def test_nan_and_infinity_incomes_are_rejected(standard):
    from normkit.poverty.batch import classify_frame

    df = pd.DataFrame({"area": ["rural"] * 4, "income_per_capita": ["NaN", "Infinity", "-inf", "1500000"], "deprivation_count": ["3"] * 4})
    r = bounded("households: NaN/Infinity text", lambda: classify_frame(df, standard))
    assert [x[1] for x in reasons(r)] == ["income_per_capita is not a finite number"] * 3
    df = pd.DataFrame({"area": ["rural"] * 2, "income_per_capita": [float("nan"), float("inf")], "deprivation_count": [3, 3]})
    assert [x[1] for x in reasons(classify_frame(df, standard))] == ["income_per_capita is missing", "income_per_capita is not a finite number"]


def _classify(tmp_path: Path, raw: bytes, standard):
    from normkit.poverty.run import classify_file

    src = tmp_path / "in.csv"
    src.write_bytes(raw)
    return classify_file(src, tmp_path / "out.csv", standard)


ROWS = "area,income_per_capita,deprivation_count\nrural,1500000,3\nurban,2000000,1\n"


def test_bom_is_accepted_in_household_csv(tmp_path, standard):
    plain = _classify(tmp_path, ROWS.encode(), standard)
    out_plain = (tmp_path / "out.csv").read_bytes()
    bom = _classify(tmp_path, b"\xef\xbb\xbf" + ROWS.encode(), standard)
    assert (plain.classified, bom.classified) == (2, 2) and (tmp_path / "out.csv").read_bytes() == out_plain


@pytest.mark.parametrize("encoding,where", [("utf-16", "byte 0"), ("latin-1", None), ("cp1258", None)])
def test_other_encodings_are_a_clear_error(tmp_path, standard, encoding, where):
    raw = ("area,income_per_capita,deprivation_count,commune\nrural,1500000,3,Xã Đông\n").encode(encoding, errors="replace")
    if encoding != "utf-16":
        raw = raw.replace(b"X", "Xã".encode(encoding, errors="replace"))
    if raw.decode("utf-8", errors="ignore").encode() == raw:
        pytest.skip("this encoding produced valid UTF-8 here")
    e = expect_error(f"households: {encoding}", lambda: _classify(tmp_path, raw, standard), "NK702", "not UTF-8 text")
    assert e.location.file.endswith("in.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_mixed_encodings_in_one_file_are_a_clear_error(tmp_path, standard):
    raw = ("area,income_per_capita,deprivation_count,commune\nrural,1500000,3,Xã Đông\n").encode() + b"rural,1,1,X\xe3\n"  # latin-1
    expect_error("households: UTF-8 then cp1258", lambda: _classify(tmp_path, raw, standard), "NK702", "not UTF-8 text")


def test_nfd_commune_names_group_with_nfc(tmp_path, standard):
    """Regression: a commune typed in NFD (decomposed diacritics) was counted as a second commune."""
    from normkit.poverty.run import rates_file

    header = "area,income_per_capita,deprivation_count,commune\n"
    row = "rural,1500000,3,Xã Đông\n"
    src = tmp_path / "in.csv"
    src.write_bytes((header + row + unicodedata.normalize("NFD", row)).encode())
    assert unicodedata.normalize("NFD", row) != row
    counter, rejected = rates_file(src, ["commune"], standard)
    assert rejected == 0
    assert [(g.group, g.households) for g in counter.result()] == [(("Xã Đông",), 2)]


@pytest.mark.parametrize("runner", ["classify", "rates", "compare"])
def test_errors_about_a_whole_file_name_the_file(tmp_path, standard, runner):
    """Regression (fuzz finding): a file without the needed columns gave NK703 with no location."""
    from normkit.poverty import run
    from normkit.poverty.standards import load_standard

    src = tmp_path / "in.csv"
    src.write_text("x,y\n1,2\n", encoding="utf-8")
    calls = {"classify": lambda: run.classify_file(src, tmp_path / "out.csv", standard),
             "rates": lambda: run.rates_file(src, ["commune"], standard),
             "compare": lambda: run.compare_file(src, load_standard(year=2021), standard)}
    e = expect_error(f"households: no columns ({runner})", calls[runner], "NK703", "the data has no")
    assert e.location.file == str(src)


def test_a_header_only_file_classifies_to_an_empty_result(tmp_path, standard):
    """Regression (fuzz finding): an empty chunk made a table look-up return text, so the
    standard's `income <= poverty_line[area]` failed with a misleading NK303."""
    from normkit.poverty.batch import classify_frame
    from normkit.poverty.run import classify_file

    r = classify_frame(pd.DataFrame({"area": [], "income_per_capita": [], "deprivation_count": []}), standard)
    assert len(r.classified) == len(r.rejects) == 0
    src = tmp_path / "in.csv"
    src.write_text("area,income_per_capita,deprivation_count\n", encoding="utf-8")
    s = classify_file(src, tmp_path / "out.csv", standard)
    assert (s.rows_in, s.classified, s.rejected) == (0, 0, 0)
    # the same header a non-empty result has (deprivation_count once)
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "area,income_per_capita,deprivation_count,status\n"
