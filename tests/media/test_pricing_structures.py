"""Pricing's named structures, the rule set's bounded memo, and a rule set that quoting never changes."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pytest
from handpriced import price_lines

from normkit.api import load
from normkit.core.memo import DATES_MAX, LRU, Memo
from normkit.core.records import Frozen, FrozenInstanceError, Record
from normkit.core.runtime import RuleSet, check_validity, convert_inputs
from normkit.media import pricing
from normkit.media.compiled import media_part
from normkit.media.plan import COMPONENTS, LinePlan, norm_plan
from normkit.media.pricing import PricedLine, PricingRules, static_check
from normkit.media.quote import QuoteLine

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "examples" / "packs" / "example-province"
NORM = "01.03.01.50.10"
AT = dt.date(2024, 9, 15)


def order(quantity: object = 3, at: dt.date = AT, item_id: str = "a") -> dict[str, object]:
    return {"id": "t", "date": at.isoformat(), "items": [{"id": item_id, "norm": NORM, "quantity": quantity}]}


@pytest.fixture()
def rules() -> PricingRules:
    return load(PACK)


def test_quote_lines_by_name_match_the_hand_priced_oracle(rules: PricingRules) -> None:
    q = rules.quote(order(3))
    hand, total = price_lines(Decimal(3))
    assert q.total == total
    norm_lines = [ln for ln in q.lines if ln.component != "other"]
    assert len(norm_lines) == 19 and len(q.lines) == len(hand)
    plan = norm_plan(rules, media_part(rules.compiled).norms[NORM])
    for ln, lp, (qty, rate, amount) in zip(norm_lines, plan.lines, hand[:len(norm_lines)], strict=True):  # hand: norm lines, then extras
        assert (ln.item, ln.norm) == ("a", NORM)
        assert (ln.component, ln.resource, ln.label_vi, ln.label_en) == (lp.component, lp.resource, lp.label_vi, lp.label_en)
        assert (ln.quantity_unit, ln.rate_unit, ln.verified) == (lp.unit, lp.rate_unit, lp.verified)
        assert ln.quantity == qty == lp.quantity * 3
        assert ln.rate.quantize(Decimal("1E-20")) == rate.quantize(Decimal("1E-20"))  # the engine carries 34 digits, the oracle 28
        assert ln.amount == amount == ln.amount_exact.quantize(Decimal(1), "ROUND_HALF_UP")
    odc, overhead = q.lines[-2:]
    assert (odc.component, odc.amount, overhead.component, overhead.amount) == ("other", hand[-2][2], "other", hand[-1][2])
    for x in (odc, overhead):
        assert (x.item, x.norm, x.quantity, x.quantity_unit, x.rate_unit, x.verified) == ("a", NORM, 1, "1", "VND", True)
        assert x.rate == x.amount_exact and x.amount == x.amount_exact.quantize(Decimal(1), "ROUND_HALF_UP")
    assert (odc.resource, overhead.resource) == ("other_direct_costs", "overhead")


def test_quote_line_field_order_is_pinned() -> None:
    """media.quote.quote_line fills a QuoteLine positionally (the hot path): this is its order."""
    assert list(QuoteLine.__match_args__) == [
        "item", "norm", "component", "resource", "label_vi", "label_en", "quantity", "quantity_unit", "rate", "rate_unit",
        "amount", "amount_exact", "verified"]


def test_money_path_structures_are_frozen_and_named(rules: PricingRules) -> None:
    plan = norm_plan(rules, media_part(rules.compiled).norms[NORM])
    # written out like frozen dataclasses (normkit/core/records.py: no @dataclass on the warm path)
    for cls in (LinePlan, pricing.PricedBlock, pricing.StaticCheck):
        assert issubclass(cls, Frozen) and set(cls.__slots__) == set(cls.__match_args__), cls
    # built on every line of the first quote of an epoch: slotted, not frozen (a frozen dataclass costs 4× to build)
    assert issubclass(PricedLine, Record) and not issubclass(PricedLine, Frozen) and not hasattr(PricedLine(*[None] * 6), "__dict__")
    assert PricedLine.__match_args__ == ("plan", "quantity", "rate", "amount", "exact", "line_rate") and PricedLine.kind == "line"
    assert pricing.LineRate.__slots__ == ("_children", "_make", "rate")
    with pytest.raises(FrozenInstanceError):
        plan.lines[0].quantity = Decimal(9)  # type: ignore[misc]
    check = static_check(rules, AT, [media_part(rules.compiled).norms[NORM]])
    assert check.missing == {} and "vn-wages" in check.packs and check.unverified == tuple(sorted(check.unverified))
    assert [lp.component for lp in plan.lines] == sorted((lp.component for lp in plan.lines), key=COMPONENTS.index)


def test_lru_forgets_the_least_recently_used() -> None:
    t: LRU[int, str] = LRU(3)
    for i in range(10):
        t.put(i, str(i))
        assert len(t) == min(i + 1, 3)
    assert t.get(7) == "7"  # 7 is now the most recent: 8 goes next
    t.put(10, "10")
    assert 8 not in t and 7 in t and len(t) == 3
    with pytest.raises(ValueError):
        LRU(0)


# one date in each epoch of the example province after its first day (2019-07-01): the radio pack
# (2020-06-08), the title tables (2020-12-12, 2022-10-10), base salary 1,800,000 (2023-07-01) and 2,340,000 (2024-07-01)
EPOCH_DATES = [dt.date(2019, 8, 1), dt.date(2020, 7, 1), dt.date(2021, 1, 1), dt.date(2022, 11, 1), dt.date(2023, 8, 1), AT]


def test_per_date_memo_is_keyed_by_epoch_and_keeps_at_most_64(rules: PricingRules, monkeypatch: pytest.MonkeyPatch) -> None:
    for k in range(DATES_MAX + 10):  # 74 dates of one epoch (from 2024-07-01 on): one entry
        rules.quote(order(3, AT + dt.timedelta(days=k)))
    sizes = rules.memo.sizes()
    assert (sizes["dates"], sizes["media.static"], sizes["media.units"]) == (1, 1, 1)
    assert list(rules.memo.dates._data) == [rules.epoch(AT)]
    assert DATES_MAX == 64
    import normkit.core.memo as memo

    monkeypatch.setattr(memo, "DATES_MAX", 4)
    small = load(PACK)
    for at in EPOCH_DATES:
        small.quote(order(3, at))
    assert [small.epoch(at) for at in EPOCH_DATES] == sorted({small.epoch(at) for at in EPOCH_DATES})  # six epochs
    assert small.memo.sizes()["dates"] == 4 and small.memo.sizes()["media.static"] == 6  # under its own bound (256)
    assert small.epoch(EPOCH_DATES[0]) not in small.memo.dates and small.epoch(AT) in small.memo.dates


def test_priced_blocks_and_static_checks_are_bounded(rules: PricingRules, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pricing, "BLOCKS_MAX", 5)
    monkeypatch.setattr(pricing, "STATIC_MAX", 4)
    expected = {}
    for k in range(12):
        q = rules.quote(order(k + 1, EPOCH_DATES[k % 6]))
        expected[k] = q.total
    sizes = rules.memo.sizes()
    assert (sizes["media.blocks"], sizes["media.static"]) == (5, 4)
    # what the memo forgot is recomputed, and equal
    assert [rules.quote(order(k + 1, EPOCH_DATES[k % 6])).total for k in range(12)] == list(expected.values())


def test_a_cached_block_is_only_reused_for_the_same_quantity_text(rules: PricingRules) -> None:
    a = rules.quote(order("3"))
    b = rules.quote(order("3.0"))
    assert a.total == b.total
    assert [str(x.quantity) for x in a.lines[:2]] != [str(x.quantity) for x in b.lines[:2]]  # 3 vs 3.0 keep their exponents
    assert [str(x.quantity) for x in b.lines[:2]] == [str(x.quantity) for x in load(PACK).quote(order("3.0")).lines[:2]]


def test_quoting_never_changes_the_rule_set(rules: PricingRules) -> None:
    def snapshot() -> dict[str, object]:
        # mappings by value (they are read-only views), everything else by identity
        return {k: dict(v) if isinstance(v, Mapping) else id(v) for k, v in vars(rules).items() if k != "memo"}

    before = snapshot()
    memo = rules.memo
    rules.quote(order(3))
    rules.quote(order("7.5", AT + dt.timedelta(days=40)))
    variant = rules.with_overrides({"base_salary": 1800000})
    variant.quote(order(3))
    assert snapshot() == before
    assert rules.memo is memo and isinstance(memo, Memo) and variant.memo is not memo
    assert type(variant) is PricingRules and dict(variant.overrides) == {"base_salary": Decimal(1800000)}
    with pytest.raises(TypeError):
        rules.overrides["base_salary"] = Decimal(1)  # type: ignore[index]


def test_threads_share_one_rule_set(rules: PricingRules) -> None:
    cases = [(Decimal(k) / 4 + 1, AT + dt.timedelta(days=k % 70)) for k in range(120)]
    expected = [load(PACK).quote(order(q, at)).total for q, at in cases]
    got: dict[int, Decimal] = {}

    def work(offset: int) -> None:
        for i in range(offset, len(cases), 4):
            q, at = cases[i]
            got[i] = rules.quote(order(q, at)).total

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [got[i] for i in range(len(cases))] == expected


def test_generic_input_checks_live_in_the_core(rules: PricingRules) -> None:
    check_validity(rules, AT)
    assert convert_inputs(rules, {}, ("inputs",)) == {}
    assert isinstance(rules, RuleSet) and not hasattr(RuleSet, "quote")


def test_the_core_imports_no_domain() -> None:
    code = ("import sys, normkit.core.runtime, normkit.core.trace, normkit.core.memo; "
            "print(sorted(m for m in sys.modules if m.split('.')[1:2] in (['media'], ['poverty'], ['budget'], ['cli'], ['server'])))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_formula_results_per_date_are_bounded(rules: PricingRules, monkeypatch: pytest.MonkeyPatch) -> None:
    import normkit.core.runtime as runtime

    fresh = load(PACK).quote(order(3))
    monkeypatch.setattr(runtime, "FORMULAS_PER_DATE_MAX", 2)
    q = rules.quote(order(3))
    shared = rules.memo.date(rules.epoch(AT))
    assert q.total == fresh.total
    # the rates are computed untraced (7 distinct labour_day_rate/monthly_salary results): 2 kept
    assert len(shared.results) == 2 and len(shared.formulas) == 0
    assert q.to_json() == fresh.to_json()  # the trace, made now: its formula records bounded too
    assert len(shared.formulas) == 2


def test_the_first_value_stored_in_a_shared_table_is_kept_and_returned() -> None:
    """Two threads that compute one missing value both adopt the first one stored, so every trace
    built from the table shares one record object (the 8-thread test's traces are one graph)."""
    from normkit.core.memo import LRU

    table: LRU[str, list[int]] = LRU(4)
    first, second = [1], [1]
    assert table.put("k", first) is first
    assert table.put("k", second) is first and table.get("k") is first
