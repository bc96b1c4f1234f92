"""The round trip price → budget → check (issue 11, "the tool's own numbers must pass the tool's
own check"): a budget built from a quote's own amounts passes with no BK101, on the one-unit basis
(the default) and on the whole-quantity basis a pack may declare; one đồng more on any line is
BK101 on that line and nowhere else. Random orders (hypothesis), bounded to a few seconds."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from normkit_testpaths import EXAMPLES

import normkit
from normkit.budget import check
from normkit.media.pricing import PricingRules

PACK = EXAMPLES / "packs" / "example-province"
# the example pack's norms that price without item inputs
NORMS = ["01.03.01.50.10", "13.20.20.00.00", "EX-TV-PS15", "EX-TV-PS15-DT", "EX-RD-PS10", "EX-RD-PS10-DT", "EX-ON-BV"]
QUANTITIES = st.one_of(st.integers(1, 400).map(Decimal),
                       st.decimals(min_value=Decimal("0.01"), max_value=Decimal("250"), places=2, allow_nan=False, allow_infinity=False))
ORDERS = st.lists(st.tuples(st.sampled_from(NORMS), QUANTITIES), min_size=1, max_size=6)


@pytest.fixture(scope="module")
def one_unit() -> PricingRules:
    return normkit.load(PACK)


@pytest.fixture(scope="module")
def whole_quantity(tmp_path_factory: pytest.TempPathFactory) -> PricingRules:
    """The example pack declaring `amount_basis: whole_quantity` next to its rounding."""
    pack = tmp_path_factory.mktemp("basis") / "example-whole"
    shutil.copytree(PACK, pack)
    text = (pack / "pack.yaml").read_text(encoding="utf-8").replace("id: example-province", "id: example-whole")
    text += "money:\n  currency: VND\n  quantum: 1\n  rounding: half_up\n  round_at: line\n  amount_basis: whole_quantity\n"
    (pack / "pack.yaml").write_text(text, encoding="utf-8")
    return normkit.load(pack, use_cache=False)


def _order(items: list[tuple[str, Decimal]]) -> dict:
    return {"id": "rt", "date": "2024-09-15", "items": [{"id": f"i{k}", "norm": n, "quantity": str(q)} for k, (n, q) in enumerate(items)]}


def _budget(quote, *, bump: int | None = None, with_unit_price: bool = False) -> dict:
    lines = []
    for k, item in enumerate(quote.items):
        line = {"product": item.norm, "quantity": str(item.quantity), "amount": str(item.total + (1 if k == bump else 0)),
                "description": f"item {item.id}"}  # an order may repeat a product and quantity: not a duplicate line here
        if with_unit_price and item.unit_price is not None:
            line["unit_price"] = str(item.unit_price)
        lines.append(line)
    return {"id": "rt", "date": "2024-09-15", "lines": lines}


def _codes(report) -> dict[int | None, list[str]]:
    out: dict[int | None, list[str]] = {}
    for f in report.findings:
        if f.code != "BK402":  # the example rate card is unverified: an info, on every report
            out.setdefault(f.line, []).append(f.code)
    return out


def test_the_issue_case_three_bulletins(one_unit: PricingRules) -> None:
    """3 × 01.03.01.50.10 priced 5,336,129 on main and the budget of that amount got BK101 against
    5,336,124; now the quote is 1,778,708 × 3 = 5,336,124 and the budget of it passes."""
    q = one_unit.quote(_order([("01.03.01.50.10", Decimal(3))]))
    assert (q.total, q.items[0].unit_price, q.rounding.basis) == (Decimal(5336124), Decimal(1778708), "one_unit")
    report = check(_budget(q), rules=one_unit)
    assert report.passed and _codes(report) == {}
    assert (report.lines[0].ceiling_unit, report.lines[0].allowed) == (Decimal(1778708), Decimal(5336124))
    over = check(_budget(q, bump=0), rules=one_unit)
    assert [f.message for f in over.findings if f.code == "BK101"] == [
        "the amount 5.336.125 is above the norm ceiling 5.336.124 (1.778.708 × 3) by 1 (0.00 %)"]


def test_whole_quantity_basis_is_followed_by_price_and_check(whole_quantity: PricingRules) -> None:
    """Declared `amount_basis: whole_quantity`: the lines are rounded on the whole quantity (the
    former 5,336,129), no unit price is shown, and check's ceiling is the quote of that quantity."""
    q = whole_quantity.quote(_order([("01.03.01.50.10", Decimal(3))]))
    assert (q.total, q.items[0].unit_price, q.rounding.basis) == (Decimal(5336129), None, "whole_quantity")
    assert str(next(ln.amount for ln in q.lines if ln.resource == "bien_dich_vien_III")) == "1404349"
    report = check(_budget(q), rules=whole_quantity)
    assert report.passed and (report.lines[0].ceiling_unit, report.lines[0].allowed) == (None, Decimal(5336129))
    over = check(_budget(q, bump=0), rules=whole_quantity)
    assert [f.message for f in over.findings if f.code == "BK101"] == [
        "the amount 5.336.130 is above the norm ceiling 5.336.129 (3 × 01.03.01.50.10, priced on the whole quantity) by 1 (0.00 %)"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=ORDERS, data=st.data())
def test_a_budget_of_the_quotes_amounts_passes_and_one_dong_more_is_bk101(one_unit: PricingRules, whole_quantity: PricingRules,
                                                                        items: list[tuple[str, Decimal]], data: st.DataObject) -> None:
    for rules in (one_unit, whole_quantity):
        q = rules.quote(_order(items))
        report = check(_budget(q, with_unit_price=True), rules=rules)
        assert report.passed and _codes(report) == {}, _codes(report)
        assert [ln.allowed for ln in report.lines] == [i.total for i in q.items]
        bump = data.draw(st.integers(0, len(items) - 1))
        over = check(_budget(q, bump=bump), rules=rules)
        assert _codes(over) == {bump + 1: ["BK101"]}
        assert over.totals.excess == 1


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=ORDERS)
def test_every_amount_is_the_one_unit_amount_times_the_quantity(one_unit: PricingRules, items: list[tuple[str, Decimal]]) -> None:
    """Each line, subtotal and item total is its amount for one product × the quantity, rounded half up
    (the example packs round each line to 1 đồng); the order's total is the sum of the items'."""
    q = one_unit.quote(_order(items))
    for item, (norm, qty) in zip(q.items, items, strict=True):
        unit = one_unit.quote(_order([(norm, Decimal(1))]))
        assert item.unit_price == unit.total
        assert item.total == (unit.total * qty).quantize(Decimal(1), "ROUND_HALF_UP")
        assert item.subtotals == {c: (v * qty).quantize(Decimal(1), "ROUND_HALF_UP") for c, v in unit.items[0].subtotals.items()}
        mine = [ln.amount for ln in q.lines if ln.item == item.id]
        assert mine == [(ln.amount * qty).quantize(Decimal(1), "ROUND_HALF_UP") for ln in unit.lines]
    assert q.total == sum((i.total for i in q.items), Decimal(0))
