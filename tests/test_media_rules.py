"""The media rules of issue 3: radio (17 % edited share, duration tolerance), royalties, and
the illustrative year plan priced exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from handpriced import price_year_plan
from normkit_testpaths import EXAMPLES

from normkit.api import load
from normkit.core.errors import NormkitError
from normkit.core.runtime import evaluate

PROVINCE = load(EXAMPLES / "packs" / "example-province")


def one(code: str, date: str = "2024-09-15", quantity: int | str = 1, **inputs: object):
    return PROVINCE.quote({"id": "t", "date": date, "items": [{"id": "x", "norm": code, "quantity": quantity, "inputs": inputs}]})


# ---- royalties (NĐ 18/2014) ----------------------------------------------------------------

@pytest.mark.parametrize("at,value", [(dt.date(2024, 7, 1), "234000"), (dt.date(2023, 7, 1), "180000"), (dt.date(2020, 1, 1), "149000")])
def test_royalty_unit_is_ten_percent_of_base_salary(at, value):
    royalties = load("vn-royalties-18-2014")
    unit, _ = evaluate(royalties, "royalty_unit_value", at)
    assert unit == Decimal(value)


def test_royalty_line_from_the_chosen_coefficient():
    q = one("EX-TV-PS15", royalty_genre="phong_su", royalty_coefficient=30)
    royalty = next(x for x in q.lines if x.resource == "royalty")
    assert str(royalty.amount) == "7020000"  # 30 × 234,000
    assert "table royalty_max_coefficient" not in q.unverified  # the frame is only checked, not priced


def test_royalty_coefficient_outside_its_frame_is_an_error():
    assert one("EX-TV-PS15", royalty_genre="tin", royalty_coefficient=10).total  # exactly the maximum
    with pytest.raises(NormkitError) as e:
        one("EX-TV-PS15", royalty_genre="tin", royalty_coefficient="10.5")
    assert e.value.code == "NK505"
    assert e.value.message == "item x (EX-TV-PS15): the royalty coefficient is above its genre's maximum / hệ số nhuận bút vượt khung tối đa của thể loại"
    assert e.value.hint == "this rule allows no override"
    with pytest.raises(NormkitError) as e:
        one("EX-TV-PS15", royalty_genre="phong_su", royalty_coefficient=-1)
    assert e.value.code == "NK503"


# ---- radio: programmes edited from recorded poems or songs (≤ 17 %) -----------------------

def test_edited_programme_counts_the_chosen_share_of_labour_and_machine_lines():
    q = one("13.20.20.00.00-edited", quantity=6, edited_share="17%")
    assert [(x.component, x.resource, str(x.quantity)) for x in q.lines if x.component != "other"] == [
        ("labour", "bien_tap_vien_III", "0.5100"),       # 0.50 công × 6 works × 17 %
        ("labour", "ky_thuat_vien_am_thanh", "0.4080"),
        ("equipment", "phong_thu_am", "1.5300"),
        ("equipment", "may_vi_tinh", "3.0600"),
    ]  # no material line: the rule covers labour and machines only
    factor = q.trace[0].children[0]
    assert (factor.kind, factor.value, factor.formula) == ("factor", "0.17", "edited_share")


def test_share_above_17_percent_is_rejected():
    with pytest.raises(NormkitError) as e:
        one("13.20.20.00.00-edited", edited_share="17.01%")
    assert e.value.code == "NK503"
    assert e.value.message == "edited_share = 17.01 is outside the allowed range [0, 17]"
    with pytest.raises(NormkitError) as e:
        one("13.20.20.00.00-edited")  # the share must be chosen in the order
    assert e.value.code == "NK501" and "edited_share" in e.value.message


def test_edited_programme_needs_the_base_entry_lines_from_a_province():
    national = load("vn-radio-09-2020", extra=("vn-media-pricing",))
    with pytest.raises(NormkitError) as e:
        national.quote({"id": "t", "date": "2024-01-01", "items": [{"norm": "13.20.20.00.00-edited", "inputs": {"edited_share": "10%"}}]})
    assert e.value.code == "NK501"
    assert "the lines of norm 13.20.20.00.00 must be supplied by a province pack" in e.value.message


# ---- radio: duration tolerance (3 %, and 30 s from 10 minutes) ------------------------------

@pytest.mark.parametrize("code,actual,ok", [
    ("13.20.20.00.00", "309 s", True),     # 5-minute norm: 3 % = 9 s, exactly
    ("13.20.20.00.00", "291 s", True),
    ("13.20.20.00.00", "309.5 s", False),
    ("13.20.20.00.00", "290 s", False),
    ("EX-RD-PS10", "618 s", True),         # 10-minute norm: 3 % = 18 s (under the 30 s cap)
    ("EX-RD-PS10", "582 s", True),
    ("EX-RD-PS10", "618.5 s", False),
    ("EX-RD-PS10", "10.3 minute", True),   # 18 s in minutes
    ("EX-RD-PS10", "10.31 minute", False),
])
def test_duration_tolerance_edges(code, actual, ok):
    if ok:
        assert one(code, actual_duration=actual).notes == []
    else:
        with pytest.raises(NormkitError) as e:
            one(code, actual_duration=actual)
        assert e.value.code == "NK505" and "duration" in e.value.message
        assert e.value.hint == "if this is intended, give the input `duration_override_reason` with the reason"


def test_thirty_second_cap_for_long_programmes(tmp_path):
    pack = tmp_path / "long"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "normkit: 1\nid: long-radio\ntitle: {vi: t, en: t}\nversion: '1'\njurisdiction: test\nstatus: test\n"
        "valid: {from: 2021-01-01}\nextends: [vn-radio-09-2020]\n"
        "norms:\n  T-20:\n    name: {vi: 'Chương trình 20 phút', en: '20-minute programme'}\n    medium: radio\n    duration: 20 minute\n"
        "    lines: [{component: labour, resource: r, label: {vi: r, en: r}, quantity: 1 workday}]\n"
        "pricing:\n  labour: {rate: 100000 VND/workday}\n", encoding="utf-8")
    rules = load(pack, use_cache=False)

    def price(actual: str):
        return rules.quote({"id": "t", "date": "2024-01-01", "items": [{"norm": "T-20", "inputs": {"actual_duration": actual}}]})

    assert price("1230 s").total == Decimal(100000)   # 30 s over: 3 % would allow 36 s, the cap allows 30
    assert price("1170 s").total == Decimal(100000)
    for bad in ("1231 s", "1169 s", "1236 s"):
        with pytest.raises(NormkitError) as e:
            price(bad)
        assert e.value.code == "NK505"


def test_override_with_a_reason_is_shown_in_the_quote():
    q = one("EX-RD-PS10", actual_duration="11 minute", duration_override_reason="phát lại phần kết / ending repeated")
    assert [(n.item, n.check, n.reason) for n in q.notes] == [("x", "radio_duration_tolerance", "phát lại phần kết / ending repeated")]
    check = next(c for c in q.trace[0].children if c.kind == "check")
    assert check.rule == "overridden: phát lại phần kết / ending repeated" and not check.verified


# ---- the year plan ---------------------------------------------------------------------------

def test_year_plan_exact_totals():
    q = PROVINCE.quote(EXAMPLES / "orders" / "year-plan-2023.yaml")
    item_totals, total = price_year_plan()
    assert str(q.total) == "215872192"
    assert q.total == total
    assert [i.total for i in q.items] == item_totals
    assert len(q.items) == 31
    assert {k: str(v) for k, v in q.subtotals.items()} == {
        "labour": "47027148", "equipment": "28374600", "material": "72000", "other": "140398444"}
    assert [(n.item, n.check) for n in q.notes] == [("rd-07", "radio_duration_tolerance")]
    assert sum(1 for i in q.items if i.norm.endswith("-DT")) == 8  # ethnic-minority language items
