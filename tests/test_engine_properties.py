"""Laws the engine must keep, checked with hypothesis."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from normkit_testpaths import EXAMPLES, FIXTURES

from normkit.api import load
from normkit.core.compiled import Dated
from normkit.core.dating import in_force
from normkit.core.numbers import MODES, round_to

TINY = load(FIXTURES / "packs" / "tiny")
EXAMPLE = load(EXAMPLES / "packs" / "example-province")
CODE = "99.00.00.00.01"
quantities = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2)
dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))
few = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def order(quantity: Decimal, duration: str = "10 minute", at: dt.date = dt.date(2024, 7, 1), language: str = "vi") -> dict:
    return {"id": "p", "date": at, "items": [{"norm": CODE, "quantity": quantity, "inputs": {"duration": duration, "language": language}}]}


@few
@given(q=quantities, k=st.integers(min_value=2, max_value=50), at=dates)
def test_quote_is_linear_in_item_quantity_before_rounding(q, k, at):
    a = TINY.quote(order(q, at=at))
    b = TINY.quote(order(q * k, at=at))
    assert [line.amount_exact * k for line in a.lines] == [line.amount_exact for line in b.lines]


@few
@given(seconds=st.integers(min_value=0, max_value=5000).map(lambda n: n * 36), q=quantities)
def test_same_duration_in_seconds_minutes_or_hours_gives_the_same_quote(seconds, q):
    minutes = Decimal(seconds) / 60
    hours = Decimal(seconds) / 3600
    quotes = [TINY.quote(order(q, f"{seconds} s")), TINY.quote(order(q, f"{minutes} minute")), TINY.quote(order(q, f"{hours} hour"))]
    assert len({str(x.total) for x in quotes}) == 1
    # exact numeric equality (Decimal ==), whatever the number of trailing zeros
    assert [line.amount_exact for line in quotes[0].lines] == [line.amount_exact for line in quotes[1].lines] == [line.amount_exact for line in quotes[2].lines]


@few
@given(at=st.dates(min_value=dt.date(2019, 7, 1), max_value=dt.date(2030, 12, 31)), n=quantities)
def test_overlay_setting_every_value_to_itself_changes_nothing(at, n):
    base = EXAMPLE.quote({"id": "o", "date": at, "items": [{"norm": "01.03.01.50.10", "quantity": n}]})
    same = {}
    for name, p in EXAMPLE.compiled.params.items():
        d = in_force(p.layers, at)
        if d is not None:
            same[name] = d.value
    variant = EXAMPLE.with_overrides(same).quote({"id": "o", "date": at, "items": [{"norm": "01.03.01.50.10", "quantity": n}]})
    assert variant.total == base.total
    assert [(x.amount, x.amount_exact) for x in variant.lines] == [(x.amount, x.amount_exact) for x in base.lines]


@settings(max_examples=300, deadline=None)
@given(x=st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=6),
       quantum=st.sampled_from([Decimal("1"), Decimal("1000"), Decimal("500"), Decimal("0.01")]),
       mode=st.sampled_from(sorted(MODES)))
def test_rounding_is_idempotent_and_lands_on_the_quantum(x, quantum, mode):
    once = round_to(x, quantum, mode)
    assert round_to(once, quantum, mode) == once
    assert once % quantum == 0
    assert abs(once - x) < quantum


@settings(max_examples=200, deadline=None)
@given(starts=st.lists(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 1, 1)), min_size=1, max_size=6, unique=True),
       probe=st.dates(min_value=dt.date(1999, 1, 1), max_value=dt.date(2041, 1, 1)))
def test_dating_picks_the_value_in_force_on_each_side_of_every_boundary(starts, probe):
    starts = sorted(starts)
    layer = [Dated(s, None, Decimal(i), None, True, None, "t", "") for i, s in enumerate(starts)]
    for i, s in enumerate(starts):
        assert in_force([layer], s).value == i  # a value is in force on its first day
        before = in_force([layer], s - dt.timedelta(days=1))
        assert (before is None) if i == 0 else (before.value == i - 1)  # and the old one the day before
    expected = max((i for i, s in enumerate(starts) if s <= probe), default=None)
    got = in_force([layer], probe)
    assert (got.value if got else None) == expected


def test_base_salary_boundaries_are_exact():
    wages = load("vn-wages")
    from normkit.core.runtime import evaluate

    cases = [(dt.date(2019, 7, 1), "1490000"), (dt.date(2023, 6, 30), "1490000"), (dt.date(2023, 7, 1), "1800000"),
             (dt.date(2024, 6, 30), "1800000"), (dt.date(2024, 7, 1), "2340000")]
    assert [(d, str(evaluate(wages, "base_salary", d)[0])) for d in (c[0] for c in cases)] == cases
