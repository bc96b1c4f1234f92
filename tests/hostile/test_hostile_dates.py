"""Hostile dates: year 9999, year 1, dates that do not exist, years with five digits."""

from __future__ import annotations

import datetime as dt

import pytest
from hostilekit import bounded, expect_error
from normkit_testpaths import EXAMPLES, FIXTURES

from normkit.core.io.yaml import parse_text


@pytest.fixture(scope="module")
def tiny():
    from normkit.api import load
    return load(FIXTURES / "packs" / "tiny", use_cache=False)


@pytest.fixture(scope="module")
def province():
    from normkit.api import load
    return load(EXAMPLES / "packs" / "example-province")


def order(date, norm="99.00.00.00.01") -> dict:
    return {"id": "o", "date": date, "items": [{"norm": norm}]}


def test_year_9999_outside_a_packs_validity_is_nk402(tiny):
    expect_error("date 9999-12-31 (pack valid to 2030)", lambda: tiny.quote(order(dt.date(9999, 12, 31))), "NK402",
                 "pack tiny is valid from 2020-01-01 to 2030-12-31; it cannot be used on 9999-12-31")
    expect_error("date 0001-01-01", lambda: tiny.quote(order(dt.date(1, 1, 1))), "NK402")


def test_year_9999_in_an_open_ended_pack_prices_with_the_latest_values(province):
    """Open-ended packs apply their latest values to any later date, year 9999 included, exactly."""
    far = bounded("date 9999-12-31 (open-ended pack)", lambda: province.quote(order(dt.date(9999, 12, 31), "01.03.01.50.10")))
    near = province.quote(order(dt.date(2030, 1, 1), "01.03.01.50.10"))
    assert far.total == near.total and far.at == dt.date(9999, 12, 31)


@pytest.mark.parametrize("text,message", [("10000-01-01", "date: cannot read '10000-01-01' as a date"),
                                          ("2024-02-30", "date: '2024-02-30' is not a day of the calendar"),
                                          ("0000-01-01", "date: '0000-01-01' is not a day of the calendar"),
                                          ("9999-13-01", "date: '9999-13-01' is not a day of the calendar")])
def test_impossible_dates_in_orders_are_date_errors(province, text, message):
    e = expect_error(f"order date {text}", lambda: province.quote(order(text, "01.03.01.50.10")), "NK115", message)
    assert e.location.path == "date"


@pytest.mark.parametrize("text", ["2024-02-30", "0000-01-01", "9999-12-32"])
def test_impossible_dates_in_yaml_are_nk106_with_their_position(text):
    e = expect_error(f"YAML date {text}", lambda: parse_text(f"a: 1\nfrom: {text}\n", "d.yaml"), "NK106")
    assert (e.location.line, e.location.column) == (2, 7)


def test_year_9999_in_yaml_is_a_date():
    assert parse_text("from: 9999-12-31\n", "d.yaml")[0] == {"from": dt.date(9999, 12, 31)}


def test_cli_at_year_9999_and_10000(tmp_path):
    from normkit.cli.main import main

    path = EXAMPLES / "orders" / "tv-bulletins.yaml"
    assert main(["price", str(path), "--at", "9999-12-31", "--json"]) == 0
    with pytest.raises(SystemExit) as e:  # argparse: a usage error, exit 2
        main(["price", str(path), "--at", "10000-01-01"])
    assert e.value.code == 2
