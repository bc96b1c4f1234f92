"""What-if of table rows (issue 11 "`--set` can replace a table row", issue 12 "rates of the rate
card"): ``table[key]=value`` goes through the same path as a parameter — ``--set``, overlays,
``normkit.api.WhatIf``, compare/sweep — with the table's unit, coded errors with close matches,
the row named in the causes and shown in the trace as the override."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from normkit_testpaths import EXAMPLES, ROOT

import normkit
from normkit.api import WhatIf
from normkit.core.errors import NormkitError, message_vi
from normkit.core.runtime import evaluate
from normkit.core.trace import TraceNode
from normkit.media.orders import load_order, load_overlay, parse_set
from normkit.media.whatif import compare, sweep

PACK = EXAMPLES / "packs" / "example-province"
ORDER = EXAMPLES / "orders" / "tv-bulletins.yaml"
ROW = "machine_hour_rate[may_vi_tinh]"


@pytest.fixture(scope="module")
def rules():
    return normkit.load(PACK)


@pytest.fixture(scope="module")
def order():
    return load_order(ORDER)


def line(q, resource):
    return next(ln for ln in q.lines if ln.resource == resource)


def overridden_nodes(nodes: list[TraceNode]) -> list[TraceNode]:
    out: list[TraceNode] = []
    stack = list(nodes)
    while stack:
        n = stack.pop()
        if n.rule == "what-if overlay":
            out.append(n)
        stack.extend(n.children)
    return out


def test_a_machine_hour_rate_row_changes_the_line_by_quantity_times_the_rate_change(rules, order) -> None:
    base = rules.quote(order)
    variant = rules.with_overrides({ROW: "4000"}).quote(order)
    b, v = line(base, "may_vi_tinh"), line(variant, "may_vi_tinh")
    # the example rate card says 3000; the order is 3 bulletins of 8.86 machine hours each
    assert (b.rate, v.rate, b.quantity) == (Decimal("3000"), Decimal("4000"), Decimal("26.58"))
    assert v.amount == Decimal("8.86") * 4000 * 3 == Decimal("106320")  # one-unit amount × quantity
    c = compare(base, variant)
    changed = {ln.resource: (ln.delta, ln.causes, ln.via) for ln in c.lines if ln.status == "changed"}
    assert changed == {
        "may_vi_tinh": (Decimal("26580"), [ROW], []),  # 26.58 × (4000 − 3000)
        "other_direct_costs": (Decimal("1329"), [], [ROW]),  # 5 % of 26 580
        "overhead": (Decimal("2790"), [], [ROW]),  # 10 % of (8 860 + 443) = 930 a bulletin, × 3
    }
    assert (c.baseline_total, c.variant_total, c.delta) == (Decimal("5336124"), Decimal("5366823"), Decimal("30699"))
    assert c.subtotals["equipment"].delta == Decimal("26580") and c.subtotals["labour"].delta == 0
    assert c.items[0].causes == [ROW] and c.overrides == {ROW: "4000"}


def test_the_trace_shows_the_overridden_row_as_the_override(rules, order) -> None:
    q = rules.with_overrides({ROW: "4000"}).quote(order)
    nodes = overridden_nodes(q.trace)
    assert {(n.kind, n.name, n.value, n.unit, n.verified, n.why) for n in nodes} == {
        ("table", "machine_hour_rate", "4000", "VND/machine_hour", False, "value set by a what-if overlay")}
    assert [(i.name, i.value) for i in nodes[0].inputs] == [("resource", "may_vi_tinh")]
    assert nodes[0].effective_from is None and nodes[0].source is None
    assert q.overlay is not None and q.overlay.values == {ROW: "4000"}
    # the other rows of the table are still the rate card's rows
    base_rows = {n.rule for n in _nodes(rules.quote(order).trace) if n.kind == "table" and n.name == "machine_hour_rate"}
    var_rows = {n.rule for n in _nodes(q.trace) if n.kind == "table" and n.name == "machine_hour_rate"}
    assert "may_vi_tinh" in base_rows and var_rows == (base_rows - {"may_vi_tinh"}) | {"what-if overlay"}


def _nodes(nodes: list[TraceNode]) -> list[TraceNode]:
    out, stack = [], list(nodes)
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(n.children)
    return out


def test_a_row_with_its_own_unit_takes_a_value_in_that_unit(rules, order) -> None:
    v = rules.with_overrides({"material_price[giay_in]": "80000 VND/ream"}).quote(order)
    assert (line(v, "giay_in").rate, line(v, "giay_in").amount) == (Decimal("80000"), Decimal("14400"))  # 0.06 ream × 80 000 × 3
    c = compare(rules.quote(order), v)
    assert next(ln.delta for ln in c.lines if ln.resource == "giay_in") == Decimal("900")  # 0.18 ream × 5 000
    with pytest.raises(NormkitError) as e:
        rules.with_overrides({"material_price[giay_in]": "80000 VND/hour"})
    assert (e.value.code, e.value.message) == ("NK602", "material_price[giay_in] is in VND/ream; VND/hour is not compatible")


def test_a_row_value_is_read_by_the_one_input_reader(rules) -> None:
    assert rules.with_overrides({ROW: "1.234.000"}).overrides[ROW] == Decimal("1234000")  # Vietnamese thousands points
    assert rules.with_overrides({ROW: "4 000"}).overrides[ROW] == Decimal("4000")
    with pytest.raises(NormkitError) as e:
        rules.with_overrides({ROW: "4.000"})  # 4000 or 4? never a silent guess
    assert e.value.code == "NK111"
    with pytest.raises(NormkitError) as e:
        rules.with_overrides({ROW: "abc"})
    assert (e.value.code, str(e.value.location)) == ("NK110", "set.machine_hour_rate[may_vi_tinh]")
    with pytest.raises(NormkitError) as e:
        rules.with_overrides({ROW: 4000.5})
    assert e.value.code == "NK602" and "floats are not accepted" in e.value.message


def test_a_table_with_two_keys_takes_them_comma_separated() -> None:
    wages = normkit.load(ROOT / "rules" / "vn-wages")
    at = dt.date(2024, 9, 1)
    assert evaluate(wages, "monthly_salary", at, ("A1", 3))[0] == Decimal("7020000.00")  # 3.00 × 2 340 000
    v = wages.with_overrides({"salary_coefficient[A1, 3]": "2,80"})
    assert dict(v.overlay_text) == {"salary_coefficient[A1,3]": "2,80"}
    assert evaluate(v, "monthly_salary", at, ("A1", 3))[0] == Decimal("6552000.00")  # 2.80 × 2 340 000
    assert evaluate(v, "monthly_salary", at, ("A1", 2))[0] == evaluate(wages, "monthly_salary", at, ("A1", 2))[0]


@pytest.mark.parametrize(("name", "code", "message", "hint"), [
    ("machine_hour_rat[may_vi_tinh]", "NK602", "unknown table 'machine_hour_rat'", "did you mean machine_hour_rate?"),
    ("machine_hour_rate[may_vi_tnh]", "NK202", "table 'machine_hour_rate' has no row for may_vi_tnh",
     "did you mean machine_hour_rate[may_vi_tinh], machine_hour_rate[may_in]?"),
    ("machine_hour_rate[may_vi_tinh,2]", "NK602", "table 'machine_hour_rate' takes 1 key(s) (resource), got 'may_vi_tinh,2'",
     "e.g. machine_hour_rate[resource]=VALUE"),
    ("machine_hour_rate[may_vi_tinh", "NK602", "'machine_hour_rate[may_vi_tinh': write a table row as TABLE[KEY] or TABLE[KEY1,KEY2]",
     "e.g. machine_hour_rate[resource]=VALUE"),
])
def test_an_unknown_table_or_key_is_a_coded_error_with_close_matches(rules, name, code, message, hint) -> None:
    with pytest.raises(NormkitError) as e:
        rules.with_overrides({name: "4000"})
    assert (e.value.code, e.value.message, e.value.hint, str(e.value.location)) == (code, message, hint, f"set.{name}")


def test_the_new_messages_have_vietnamese_text() -> None:
    assert message_vi("NK602", "unknown table 'machine_hour_rat'") == "không có bảng 'machine_hour_rat'"
    assert message_vi("NK202", "table 'machine_hour_rate' has no row for may_vi_tnh") == "bảng 'machine_hour_rate' không có dòng cho may_vi_tnh"


def test_parse_set_takes_a_row_name_and_tidies_its_keys() -> None:
    assert parse_set(["machine_hour_rate[ may_vi_tinh ]=4000", "salary_coefficient[A1, 3] = 2,80", "base_salary=1.800.000"]) == {
        "machine_hour_rate[may_vi_tinh]": "4000", "salary_coefficient[A1,3]": "2,80", "base_salary": "1.800.000"}


def test_an_overlay_file_sets_rows_under_set(rules, order, tmp_path) -> None:
    f = tmp_path / "rates.yaml"
    f.write_text("normkit_overlay: 1\nlabel: new rate card\nset:\n  base_salary: 2340000\n"
                 "  machine_hour_rate[may_vi_tinh]: 4000\n  'material_price[giay_in]': 80000 VND/ream\n", encoding="utf-8")
    ov = load_overlay(f)
    variant = WhatIf(overlay=ov).apply(rules)
    assert variant.overlay_label == "new rate card"
    c = compare(rules.quote(order), variant.quote(order))
    # base_salary is already 2 340 000 on 2024-09-15: only the two rows change the quote
    assert {ln.resource: ln.delta for ln in c.lines if ln.status == "changed"} == {
        "may_vi_tinh": Decimal("26580"), "giay_in": Decimal("900"),  # 26.58 h × 1 000; 0.18 ream × 5 000
        "other_direct_costs": Decimal("1374"),  # 5 % of (8 860 + 300) = 458 a bulletin, × 3
        "overhead": Decimal("2886")}  # 962 a bulletin (the item's overhead rounded to the đồng), × 3
    assert c.delta == Decimal("31740")
    assert {ln.resource: ln.causes for ln in c.lines if ln.status == "changed" and ln.causes} == {"may_vi_tinh": [ROW], "giay_in": ["material_price[giay_in]"]}
    # --set wins over the overlay, as for parameters
    later = WhatIf(overlay=ov, values={ROW: "3000"}).apply(rules)
    assert later.overrides[ROW] == Decimal("3000")


def test_a_sweep_of_a_row(rules, order) -> None:
    s = sweep(rules, order, ROW, ["3000", "4000", "5000"])
    assert s.totals == [Decimal("5336124"), Decimal("5336124"), Decimal("5366823"), Decimal("5397522")]
    assert s.columns[1:] == [f"{ROW}=3000", f"{ROW}=4000", f"{ROW}=5000"]
    assert next(ln for ln in s.lines if ln.resource == "may_vi_tinh").amounts == [
        Decimal("79740"), Decimal("79740"), Decimal("106320"), Decimal("132900")]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "normkit", *args], capture_output=True, text=True, env=env, cwd=ROOT, check=False)


def test_cli_whatif_set_a_row() -> None:
    r = _cli("whatif", str(ORDER), "--set", f"{ROW}=4000", "--json")
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    assert (body["delta"], body["overrides"]) == ("30699", {ROW: "4000"})
    assert next(ln for ln in body["lines"] if ln["resource"] == "may_vi_tinh")["causes"] == [ROW]
    bad = _cli("price", str(ORDER), "--set", "machine_hour_rate[may_vi_tnh]=4000")
    assert bad.returncode == 1
    assert bad.stderr == ("set.machine_hour_rate[may_vi_tnh]: error NK202: table 'machine_hour_rate' has no row for may_vi_tnh\n"
                          "  lỗi: bảng 'machine_hour_rate' không có dòng cho may_vi_tnh\n"
                          "  hint: did you mean machine_hour_rate[may_vi_tinh], machine_hour_rate[may_in]?\n")


def test_the_household_engines_read_an_overridden_row_too() -> None:
    import numpy as np

    from normkit.core.lang.folded import fold
    from normkit.core.lang.vector import Text, evaluate_columns

    poverty = normkit.load(ROOT / "rules" / "vn-poverty-2022-2026")
    at = dt.date(2024, 9, 1)
    raised = poverty.with_overrides({"poverty_line[rural]": "1700000"})
    h = {"area": "rural", "income_per_capita": 1600000, "deprivation_count": 3}
    assert (fold(poverty, at, "status")(h), fold(raised, at, "status")(h)) == ("middle", "poor")  # 1 600 000 is above 1 500 000
    cols = {"area": Text.from_values(["rural", "urban"]), "income_per_capita": np.array([1600000, 1600000]),
            "deprivation_count": np.array([3, 3])}
    assert list(evaluate_columns(raised, "status", at, cols, 2)[0].to_objects()) == ["poor", "poor"]  # urban line 2 000 000 unchanged
    assert list(evaluate_columns(poverty, "status", at, cols, 2)[0].to_objects()) == ["middle", "poor"]


def test_a_number_key_is_written_as_the_table_holds_it() -> None:
    wages = normkit.load(ROOT / "rules" / "vn-wages")
    assert dict(wages.with_overrides({"salary_coefficient[A1,3.0]": "2.80"}).overlay_text) == {"salary_coefficient[A1,3]": "2.80"}
