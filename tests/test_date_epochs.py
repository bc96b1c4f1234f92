"""Issue 13, a new date: what a rule set remembers per date is keyed by the date's epoch (the
interval between two consecutive days on which some dated value, table version, pack window or
norm comes into or goes out of force), not by the calendar date. A quote at date D from a warm
rule set is byte for byte the quote of a fresh one (empty memo) at D: its JSON with the whole
trace graph, or its error (code, message, location)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from handpriced import price_bulletins
from hypothesis import given, settings
from hypothesis import strategies as st
from normkit_testpaths import EXAMPLES

from normkit.api import load
from normkit.core.dating import boundaries, epoch_of, epoch_span
from normkit.core.errors import NormkitError
from normkit.media.pricing import PricingRules

PACK = EXAMPLES / "packs" / "example-province"
BULLETIN = "01.03.01.50.10"
_WARM = load(PACK)  # shared by every example of the hypothesis test: its memo fills across them
_PLAN_ITEMS: list[dict[str, Any]] = yaml.safe_load(Path(EXAMPLES / "orders" / "year-plan-2023.yaml").read_text(encoding="utf-8"))["items"]
# every item shape of the example: the bulletin, TV/radio/online reports with royalty inputs, a derived norm,
# a radio norm of the national pack (in force from 2020-06-08), a check overridden with a reason
_POOL: list[dict[str, Any]] = [{"norm": BULLETIN}, {"norm": "13.20.20.00.00"}, *_PLAN_ITEMS[::3], _PLAN_ITEMS[18], _PLAN_ITEMS[-1]]


def _outcome(rules: PricingRules, order: dict[str, Any]) -> tuple[str, ...]:
    """The quote's JSON with its trace graph, or the error's code, message and location."""
    try:
        return ("quote", rules.quote(order).to_json())
    except NormkitError as e:
        return ("error", *[f"{x.code}|{x.message}|{x.location}|{x.hint}" for x in getattr(e, "errors", [e])])


def _interesting_days(rules: PricingRules) -> list[dt.date]:
    """Each boundary from 2018 on, the day before and the day after."""
    days = []
    for b in rules.date_bounds():
        if b.year >= 2018:
            days += [b - dt.timedelta(days=1), b, b + dt.timedelta(days=1)]
    return days


def _traced_from_the_start(rules: PricingRules) -> PricingRules:
    """A fresh rule set whose rates are all evaluated the traced way (no untraced function): the
    trace as normkit made it before rates were computed untraced, with its records inline."""
    import normkit.media.plan as plan_module
    from normkit.media.compiled import media_part
    from normkit.media.plan import norm_plan

    fresh = type(rules)(rules.compiled, rules.overrides, rules.overlay_label, rules.overlay_text)
    saved = plan_module.compile_untraced
    plan_module.compile_untraced = lambda *_a, **_k: None  # type: ignore[assignment]
    try:
        for norm in media_part(fresh.compiled).norms.values():
            assert all(lp.untraced is None for lp in norm_plan(fresh, norm).lines)
    finally:
        plan_module.compile_untraced = saved
    return fresh


_DAYS = st.one_of(st.sampled_from(_interesting_days(_WARM)), st.dates(min_value=dt.date(2018, 6, 1), max_value=dt.date(2032, 12, 31)))
_ITEM = st.tuples(st.sampled_from(range(len(_POOL))), st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2))
_ORDER = st.tuples(_DAYS, st.lists(_ITEM, min_size=1, max_size=4))


@settings(max_examples=80, deadline=None)
@given(st.lists(_ORDER, min_size=1, max_size=6))
def test_a_warm_quote_at_any_date_is_byte_identical_to_a_fresh_rule_sets(orders: list[tuple[dt.date, list[tuple[int, Decimal]]]]) -> None:
    """Random orders on random dates (boundary days, the days around them, any day 2018–2032), in
    random order on one warm rule set: each outcome equals a fresh rule set's (empty memo)."""
    for at, items in orders:
        order = {"id": "e", "date": at.isoformat(),
                 "items": [{**_POOL[i], "id": f"i{k}", "quantity": str(q)} for k, (i, q) in enumerate(items)]}
        warm = _outcome(_WARM, order)
        fresh = _outcome(type(_WARM)(_WARM.compiled), order)
        assert warm == fresh, (at, items)
        assert warm == _outcome(_traced_from_the_start(_WARM), order), (at, items)  # the untraced rates' records, made later, are the traced ones


_WHAT_IF = _WARM.with_overrides({"salary_coefficient[A1,3]": "3.10", "working_days_per_month": "24 workday/month"})


@settings(max_examples=25, deadline=None)
@given(st.lists(_ORDER, min_size=1, max_size=4))
def test_a_what_if_rule_set_is_byte_identical_to_a_fresh_one_too(orders: list[tuple[dt.date, list[tuple[int, Decimal]]]]) -> None:
    """The same with a what-if (a table row and a parameter set on every date): the overlay's
    values are in every epoch's memo, and the dates still name their own versions of the rest."""
    for at, items in orders:
        order = {"id": "w", "date": at.isoformat(),
                 "items": [{**_POOL[i], "id": f"i{k}", "quantity": str(q)} for k, (i, q) in enumerate(items)]}
        fresh = type(_WHAT_IF)(_WHAT_IF.compiled, _WHAT_IF.overrides, _WHAT_IF.overlay_label, _WHAT_IF.overlay_text)
        warm = _outcome(_WHAT_IF, order)
        assert warm == _outcome(fresh, order) == _outcome(_traced_from_the_start(_WHAT_IF), order), (at, items)


def test_the_example_province_epochs() -> None:
    """The boundaries are every start and every day after an end: the packs' first days, the
    title tables (2020-12-12, 2022-10-10) and base salary 1,800,000 (2023-07-01) → 2,340,000 (2024-07-01)."""
    rules = load(PACK)
    assert [str(b) for b in rules.date_bounds()] == ["2004-10-01", "2014-06-01", "2018-07-01", "2019-07-01", "2020-06-08",
                                                      "2020-12-12", "2022-10-10", "2023-07-01", "2024-07-01"]
    ep = rules.epoch
    assert ep(dt.date(2024, 6, 30)) == ep(dt.date(2023, 7, 1)) == 8 and ep(dt.date(2024, 7, 1)) == ep(dt.date(2040, 1, 1)) == 9
    assert epoch_span(rules.date_bounds(), 8) == (dt.date(2023, 7, 1), dt.date(2024, 6, 30))
    assert epoch_span(rules.date_bounds(), 9) == (dt.date(2024, 7, 1), None) and epoch_span(rules.date_bounds(), 0) == (None, dt.date(2004, 9, 30))


def test_boundaries_take_the_day_after_an_end() -> None:
    d = dt.date
    bounds = boundaries([(d(2020, 1, 1), d(2020, 12, 31)), (d(2021, 1, 1), None), (d(2019, 5, 1), d.max)])
    assert bounds == (d(2019, 5, 1), d(2020, 1, 1), d(2021, 1, 1))  # 2020-12-31 ends: 2021-01-01 (already a start); d.max never ends
    assert [epoch_of(bounds, x) for x in (d(2019, 4, 30), d(2019, 5, 1), d(2020, 12, 31), d(2021, 1, 1))] == [0, 1, 2, 3]


def _base_salary_node(rules: PricingRules, at: dt.date) -> tuple[str, str, str]:
    q = rules.quote({"id": "b", "date": at.isoformat(), "items": [{"norm": BULLETIN, "quantity": 3}]})
    nodes = q.trace_graph().data()
    bases = nodes["bases"]
    for n in nodes["nodes"]:
        fields = {**(bases[n["base"]] if "base" in n else {}), **n}
        if fields.get("name") == "base_salary":
            return str(q.total), fields["value"], fields["effective_from"]
    raise AssertionError("no base_salary node")


def test_base_salary_changes_on_2024_07_01_on_a_warm_rule_set() -> None:
    """1,800,000 VND/month to 2024-06-30, 2,340,000 from 2024-07-01: asked back and forth on one
    rule set, each date gets its own epoch's rates, and the trace names the version in force."""
    rules = load(PACK)
    old = (str(price_bulletins(Decimal(3), base_salary=Decimal(1800000))), "1800000", "2023-07-01")
    new = (str(price_bulletins(Decimal(3))), "2340000", "2024-07-01")
    assert new[0] == "5336124"
    for at, expected in [(dt.date(2024, 7, 1), new), (dt.date(2024, 6, 30), old), (dt.date(2024, 7, 2), new),
                         (dt.date(2023, 7, 1), old), (dt.date(2031, 3, 5), new), (dt.date(2024, 6, 29), old)]:
        assert _base_salary_node(rules, at) == expected, at
    assert len(rules.memo.dates) == 2  # two epochs, six dates


def test_the_quote_names_its_own_date() -> None:
    """Two dates of one epoch share every cached rate, but each quote carries its own ``at``."""
    rules = load(PACK)
    a = rules.quote({"id": "d", "date": "2024-09-15", "items": [{"norm": BULLETIN, "quantity": 2}]})
    b = rules.quote({"id": "d", "date": "2029-01-02", "items": [{"norm": BULLETIN, "quantity": 2}]})
    assert (str(a.at), str(b.at)) == ("2024-09-15", "2029-01-02")
    assert a.to_json().replace('"2024-09-15"', '"2029-01-02"', 1) == b.to_json()
    assert a.lines[0].rate is b.lines[0].rate  # the epoch's one rate object


@pytest.mark.parametrize(("at", "code", "text"), [
    # before the province pack's window: the message names the date asked, not the epoch's first day
    ("2019-06-30", "NK402", "pack example-province is valid from 2019-07-01 onwards; it cannot be used on 2019-06-30"),
    ("2018-07-02", "NK402", "pack example-province is valid from 2019-07-01 onwards; it cannot be used on 2018-07-02"),
])
def test_errors_name_the_date_asked(at: str, code: str, text: str) -> None:
    rules = load(PACK)
    rules.quote({"id": "w", "date": "2019-07-01", "items": [{"norm": BULLETIN}]})
    with pytest.raises(NormkitError) as e:
        rules.quote({"id": "w", "date": at, "items": [{"norm": BULLETIN}]})
    assert (e.value.code, e.value.message) == (code, text)


def test_a_norm_before_its_first_day_names_the_date_asked() -> None:
    """The radio pack's derived norm (edited songs) is in force from 2020-06-08: the day before,
    in the epoch before, it is refused, naming that day; the day itself is priced."""
    rules = load(PACK)
    music = _PLAN_ITEMS[-1]
    assert music["norm"] == "13.20.20.00.00-edited"
    assert rules.quote({"id": "r", "date": "2020-06-08", "items": [music]}).total > 0
    for day in ("2020-06-07", "2019-12-31"):
        with pytest.raises(NormkitError) as e:
            rules.quote({"id": "r", "date": day, "items": [music]})
        assert (e.value.code, e.value.message) == ("NK402", f"norm 13.20.20.00.00-edited is in force from 2020-06-08, not on {day}")


def test_missing_values_are_listed_in_the_items_order_on_a_warm_rule_set() -> None:
    """The static check's memo is keyed by the norms in the items' order (it was the sorted codes:
    a warm rule set listed the missing values in the order of the first order it had seen)."""
    national = load(EXAMPLES.parent / "rules" / "vn-tv-03-2018", extra=(str(EXAMPLES.parent / "rules" / "vn-radio-09-2020"),
                                                                        str(EXAMPLES.parent / "rules" / "vn-media-pricing")))
    music = {"norm": "13.20.20.00.00-edited", "inputs": {"edited_share": "15%"}}
    a = {"id": "m", "date": "2024-09-15", "items": [music, {"norm": BULLETIN}]}
    b = {"id": "m", "date": "2024-09-16", "items": [{"norm": BULLETIN}, music]}
    first, second = _outcome(national, a), _outcome(national, b)
    assert second == _outcome(type(national)(national.compiled), b) and first == _outcome(type(national)(national.compiled), a)
    assert first != second and first[1].startswith("NK501|8 value(s) missing to price this order: the lines of norm 13.20.20.00.00 must be supplied")
    assert second[1].startswith("NK501|8 value(s) missing to price this order: `labour_allowance_rate`")


def test_threads_quoting_new_epochs_build_the_same_traces() -> None:
    """The first quote of an epoch computes its rates untraced; the records are made when a trace
    asks (by whichever thread asks first): quotes and traces made by 8 threads at once, on dates of
    six epochs, equal a fresh rule set's byte for byte."""
    from concurrent.futures import ThreadPoolExecutor

    days = ["2019-08-01", "2020-07-01", "2021-01-01", "2022-11-01", "2023-08-01", "2024-09-15"]
    orders = [{"id": "t", "date": d, "items": [{"norm": BULLETIN, "quantity": str(k + 1)}, *_PLAN_ITEMS[k % 3::9]]}
              for k, d in enumerate(days * 4)]
    expected = [_outcome(_traced_from_the_start(_WARM), o) for o in orders]
    shared = type(_WARM)(_WARM.compiled)
    def quote(order: dict[str, Any]) -> Any:
        try:
            return shared.quote(order)
        except NormkitError as e:  # the radio norms before 2020-06-08
            return ("error", *[f"{x.code}|{x.message}|{x.location}|{x.hint}" for x in getattr(e, "errors", [e])])

    with ThreadPoolExecutor(max_workers=8) as pool:
        quotes = list(pool.map(quote, orders))  # every epoch's rates: untraced, by 8 threads
        got = list(pool.map(lambda q: q if isinstance(q, tuple) else ("quote", q.to_json()), quotes))  # the records: by whichever thread asks first
    assert got == expected
    assert sum(1 for g in got if g[0] == "quote") >= 12
    assert sum(len(shared.memo.date(shared.epoch(dt.date.fromisoformat(d))).formulas) for d in days) > 0
