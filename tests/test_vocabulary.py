"""The shared vocabulary: folding and the number shapes every reader uses."""

import re

import pytest

from normkit.core.io import vocabulary as v


@pytest.mark.parametrize(("text", "key"), [("Có", "co"), ("KHÔNG", "khong"), ("Đúng", "dung"), ("  Thu  nhập ", "thu nhap")])
def test_fold(text: str, key: str) -> None:
    assert v.fold(text) == key


def test_fold_header() -> None:
    assert v.fold_header("Thu nhập bình quân - đầu người") == "thu_nhap_binh_quan_dau_nguoi"
    assert v.fold_header("income.per capita") == "income_per_capita"


SHAPES = {
    "5358000": {"PLAIN_INTEGER"},
    "0,12": {"PLAIN_DECIMAL_COMMA"},
    "0.12": {"PLAIN_DECIMAL_DOT"},
    "5.358.000": {"GROUPED_VI"},
    "1.234": {"GROUPED_VI", "PLAIN_DECIMAL_DOT"},
    "1,234": {"GROUPED_EN", "PLAIN_DECIMAL_COMMA"},
    "1.234,5": {"GROUPED_VI"},
    "5,358,000.25": {"GROUPED_EN"},
    "1 234,5": {"GROUPED_SPACE"},
    "1\u00a0234.5": {"GROUPED_SPACE"},
    "1.2345678901234568e16": {"EXPONENT"},
    "12.34.5": set(),
    "1,23,456": set(),
}
NAMES = ["PLAIN_INTEGER", "PLAIN_DECIMAL_DOT", "PLAIN_DECIMAL_COMMA", "GROUPED_VI", "GROUPED_EN", "GROUPED_SPACE", "EXPONENT"]


@pytest.mark.parametrize("text", sorted(SHAPES))
def test_number_shapes(text: str) -> None:
    matched = {name for name in NAMES if re.match(getattr(v, name), text)}
    assert matched == SHAPES[text]


def test_boolean_words_disjoint() -> None:
    assert not v.TRUE_WORDS & v.FALSE_WORDS
    assert v.fold("Có") in v.TRUE_WORDS and v.fold("Không") in v.FALSE_WORDS


def test_header_words_and_strip_marks_are_the_one_folding_of_the_table_readers() -> None:
    from normkit.core.io import tables

    assert v.header_words("Đơn giá (đ) / Unit price") == "don gia d unit price"
    assert v.strip_marks("Biên dịch viên") == "Bien dich vien"
    assert tables.words is v.header_words and tables.fold is v.strip_marks  # budgets and norm tables fold through these
