"""Hostile numbers: 10^30 VND, values beyond the exact range, NaN/Infinity, negative and zero
quantities, exponents in written quantities."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from hostilekit import bounded, expect_error
from normkit_testpaths import EXAMPLES, FIXTURES
from normkit.yamlsource import parse_text

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


def test_10e30_quantity_beyond_the_exact_range_is_a_located_error(tiny):
    """Regression (fuzz finding): 1e30 products raised a bare decimal.InvalidOperation when rounding."""
    e = expect_error("quantity 1e30", lambda: tiny.quote(order(quantity="1e30")), "NK502", "is beyond the exact range")
    assert e.errors[0].location.path == "items[0].quantity"
    assert "item 1 (99.00.00.00.01), line editor" in e.errors[0].message
