"""Pricing end to end on the shipped packs with the illustrative example rate card."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from handpriced import price_bulletins
from hypothesis import given, settings
from hypothesis import strategies as st
from normkit_testpaths import EXAMPLES, FIXTURES

import normkit
from normkit.api import load, quote
from normkit.core.errors import NormkitError

ORDER = EXAMPLES / "orders" / "tv-bulletins.yaml"


def test_example_order_exact_total():
    q = quote(ORDER)
    assert str(q.total) == "5336124"
    assert {k: str(v) for k, v in q.subtotals.items()} == {
        "labour": "2821131", "equipment": "1728390", "material": "70500", "other": "716103"}
    assert q.total == price_bulletins(Decimal(3))
    assert q.at == dt.date(2024, 9, 15)
    assert [p.id for p in q.packs] == ["vn-tv-03-2018", "vn-radio-09-2020", "vn-wages", "vn-media-pricing", "vn-royalties-18-2014", "example-province"]
    assert all(len(p.hash) == 64 for p in q.packs)


def test_each_line_is_quantity_times_rate_rounded_half_up():
    q = quote(ORDER)
    line = q.lines[1]  # translator A1 step 4, 0.99 công × 3 bulletins
    assert (line.resource, str(line.quantity), line.quantity_unit) == ("bien_dich_vien_III", "2.97", "workday")
    # 3.33 × 2,340,000 × 1.335 / 22 = 472,844.863636… VND per công
    assert str(line.rate)[:17] == "472844.8636363636"
    # one bulletin: 0.99 công × 472,844.86… = 468,116.41… → 468,116 đ; × 3 bulletins = 1,404,348 đ
    # (rounded on the whole quantity, 2.97 công, it was 1,404,349 đ: every amount is now one unit's × the quantity)
    assert str(line.amount) == "1404348"
    assert line.amount_exact == Decimal(468116) * 3


def test_base_salary_follows_the_date():
    before = quote(ORDER, at=dt.date(2024, 6, 30))  # 1,800,000 in force
    assert before.total == price_bulletins(Decimal(3), base_salary=Decimal(1800000))
    assert str(before.total) != "5336124"


def test_what_if_override_with_unit_conversion():
    q = quote(ORDER, overrides={"base_salary": "1800000 VND/month"})
    assert q.total == price_bulletins(Decimal(3), base_salary=Decimal(1800000))
    assert q.overlay is not None and q.overlay.values == {"base_salary": "1800000 VND/month"}
    q2 = quote(ORDER, overrides={"working_days_per_month": "24 workday/month"})
    assert q2.total == price_bulletins(Decimal(3), days=Decimal(24))


def test_override_errors():
    rules = load(EXAMPLES / "packs" / "example-province")
    with pytest.raises(NormkitError) as e:
        rules.with_overrides({"base_salery": "1"})
    assert e.value.code == "NK602" and e.value.message == "unknown parameter 'base_salery'"
    assert e.value.hint == "did you mean base_salary?"
    with pytest.raises(NormkitError) as e:
        rules.with_overrides({"base_salary": "3 workday"})
    assert e.value.code == "NK602"
    assert e.value.message == "base_salary is in VND/month; workday is not compatible"


def test_trace_names_formula_inputs_rule_source_and_date():
    q = quote(ORDER)
    item = q.trace[0]
    assert item.kind == "item" and item.rule == "01.03.01.50.10" and item.value == "5336124"
    line = item.children[1]
    assert line.kind == "line" and line.value == "1404348" and line.source.table == "01.03.01.50.10"
    rate = line.children[0]
    assert rate.kind == "formula" and rate.name == "labour_day_rate"
    assert rate.formula == "monthly_salary(scale, step) * (1 + labour_allowance_rate + employer_contribution_rate) / working_days_per_month"
    assert [(i.name, i.value) for i in rate.inputs] == [("scale", "A1"), ("step", "4")]
    monthly = rate.children[0]
    assert monthly.name == "monthly_salary" and monthly.value == "7792200.00"
    coef, base = monthly.children
    assert (coef.kind, coef.rule, coef.value) == ("table", "A1/4", "3.33")
    assert coef.source.document.startswith("Nghị định 204/2004/NĐ-CP")
    assert (base.kind, base.name, base.value, base.effective_from) == ("parameter", "base_salary", "2340000", dt.date(2024, 7, 1))
    assert base.source.document.startswith("Nghị định 73/2024/NĐ-CP") and base.verified
    assert "parameter working_days_per_month" in q.unverified


def test_json_money_is_strings():
    q = quote(ORDER)
    data = __import__("json").loads(q.to_json(trace=False))
    assert data["total"] == "5336124"
    assert all(isinstance(line["amount"], str) for line in data["lines"])
    assert data["schema"] == "normkit.quote/2"


def test_pack_outside_validity_refuses():
    with pytest.raises(NormkitError) as e:
        quote(ORDER, at=dt.date(2018, 6, 30))
    assert e.value.code == "NK402"
    assert "cannot be used on 2018-06-30" in e.value.message


def test_missing_rate_card_lists_every_value():
    rules = load("vn-tv-03-2018", extra=("vn-media-pricing",))
    with pytest.raises(NormkitError) as e:
        rules.quote({"id": "x", "date": "2024-09-15", "items": [{"norm": "01.03.01.50.10"}]})
    assert e.value.code == "NK501"
    names = [m["name"] for m in e.value.details["missing"]]
    assert names == ["labour_allowance_rate", "employer_contribution_rate", "working_days_per_month", "machine_hour_rate",
                     "material_price", "other_direct_cost_rate", "overhead_rate"]
    assert e.value.message.startswith("7 value(s) missing to price this order: `labour_allowance_rate` (Allowances included in the labour rate, percent) must be supplied by the rate card;")


@pytest.mark.parametrize("round_at,total", [("line", "617366"), ("subtotal", "617366"), ("total", "617365")])
def test_rounding_happens_where_declared(tmp_path, round_at, total):
    import shutil

    pack = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "packs" / "tiny", pack)
    text = (pack / "pack.yaml").read_text(encoding="utf-8").replace("round_at: line", f"round_at: {round_at}")
    (pack / "pack.yaml").write_text(text, encoding="utf-8")
    q = load(pack, use_cache=False).quote({"id": "t", "date": "2024-07-01", "items": [{"norm": "99.00.00.00.01", "quantity": 1, "inputs": {"duration": "90 s"}}]})
    assert str(q.total) == total
    if round_at == "line":
        assert [str(line.amount) for line in q.lines] == ["144300", "440700", "30864", "1502"]
    else:
        assert [str(line.amount) for line in q.lines] == ["144300.00", "440700.00", "30863.75", "1501.5"]
    if round_at == "subtotal":
        assert {k: str(v) for k, v in q.subtotals.items()} == {"labour": "585000", "equipment": "30864", "material": "0", "other": "1502"}
    roundings = [n for n in q.trace if n.kind == "rounding"] + [c for n in q.trace for c in n.children if c.kind == "rounding"]
    assert (len(roundings) > 0) == (round_at != "line")


def test_adjustment_exception_applies():
    rules = load(FIXTURES / "packs" / "tiny")
    q = rules.quote({"id": "t", "date": "2024-06-30", "items": [{"norm": "99.00.00.00.01", "inputs": {"language": "ethnic"}}]})
    # 300,000 × (1 + 20 %) = 360,000 per công
    assert [str(line.rate) for line in q.lines if line.component == "labour"] == ["360000.0", "360000.0"]
    adj = next(c for c in q.trace[0].children[0].children if c.kind == "adjustment")
    assert (adj.kind, adj.name, adj.rule) == ("adjustment", "language_factor", "ethnic_language")


def test_public_api_surface():
    assert normkit.__version__
    from normkit import api

    assert set(api.schema("order")["properties"]) >= {"id", "date", "items", "packs", "at"}
    assert api.schema("quote")["$id"].endswith("/quote/2")


# ---- issue 13: a new quantity is a multiplication of the cached one-unit quote ------------------


_CACHED = load(EXAMPLES / "packs" / "example-province")
_QTY = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(quantities=st.lists(_QTY, min_size=1, max_size=4), norm=st.sampled_from(["01.03.01.50.10", "EX-TV-PS15", "EX-RD-PS10-DT"]))
def test_a_new_quantity_from_the_cached_unit_quote_is_identical_to_an_uncached_quote(quantities, norm):
    """The warm rule set answers from its memo of one-unit quotes; a fresh one (same compiled packs,
    empty memo) prices everything anew: lines, items, totals and the trace's figures are identical."""
    order = {"id": "c", "date": "2024-09-15", "items": [{"norm": norm, "quantity": str(q)} for q in quantities]}
    warm = _CACHED.quote(order)
    cold = type(_CACHED)(_CACHED.compiled).quote(order)
    assert warm.lines == cold.lines and warm.items == cold.items and warm.total == cold.total
    assert [n.value for n in warm.trace] == [n.value for n in cold.trace]
    assert warm.total == sum((i.total for i in warm.items), Decimal(0))


def test_the_one_unit_memo_is_bounded_and_used():
    from normkit.media.pricing import UNITS, UNITS_MAX

    rules = load(EXAMPLES / "packs" / "example-province", use_cache=False)
    for q in range(1, 30):
        rules.quote({"id": "m", "date": "2024-09-15", "items": [{"norm": "01.03.01.50.10", "quantity": q}]})
    table = rules.memo.table(UNITS, UNITS_MAX)
    assert (len(table), table.maxsize) == (1, 4096)  # 29 quantities, one one-unit quote
