"""Budget checks: planted errors flagged line by line with their codes; a clean budget passes;
the same budget as YAML, JSON, CSV and XLSX gives the same report; ceilings scale linearly."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from normkit_testpaths import EXAMPLES, ROOT

from normkit.budget import Budget, check, read_budget
from normkit.budget.checking import CODES
from normkit.core.errors import NormkitError

HERE = Path(__file__).parent
PLANTED = HERE / "data" / "planted.yaml"
CLEAN = EXAMPLES / "budgets" / "clean-2024"
PACK = EXAMPLES / "packs" / "example-province"


@pytest.fixture(scope="module")
def planted():
    return check(PLANTED)


def by_line(report):
    out: dict = {}
    for f in report.findings:
        out.setdefault(f.line, []).append(f.code)
    return out


def test_planted_errors_are_flagged_line_by_line(planted) -> None:
    assert by_line(planted) == {
        1: ["BK101"], 2: ["BK102"], 3: ["BK201"], 4: ["BK202"], 5: ["BK203"], 6: ["BK204"], 7: ["BK205"],
        8: ["BK102", "BK301"], 9: ["BK203"], 10: ["BK101", "BK207"], None: ["BK401", "BK402"],
    }
    assert [ln.status for ln in planted.lines] == ["over", "within", "not_priced", "not_priced", "within", "not_priced", "not_priced",
                                                    "within", "not_priced", "over", "within"]
    assert not planted.passed
    assert planted.counts == {"error": 12, "warning": 1, "info": 1}


def test_planted_numbers_and_messages(planted) -> None:
    f = {(x.line, x.code): x for x in planted.findings}
    over = f[(1, "BK101")]
    assert over.severity == "error"
    assert over.numbers == {"claimed": Decimal(14000000), "allowed": Decimal(13296980), "excess": Decimal(703020),
                            "ceiling_unit": Decimal(6648490), "quantity": Decimal(2), "excess_percent": Decimal("5.29"),
                            "unit_price": Decimal(7000000)}
    assert over.message == "the amount 14.000.000 is above the norm ceiling 13.296.980 (6.648.490 × 2) by 703.020 (5.29 %)"
    assert over.message_vi == "thành tiền 14.000.000 vượt mức trần định mức 13.296.980 (6.648.490 × 2) là 703.020 (5,29 %)"
    arith = f[(2, "BK102")]
    assert arith.numbers["difference"] == Decimal(100000) and arith.numbers["product"] == Decimal(1200000)
    unknown = f[(3, "BK201")]
    assert unknown.message == "unknown norm code 'EX-TV-PS51'; close matches: EX-TV-PS15, EX-TV-PS15-DT, EX-RD-PS10"
    assert unknown.details["close_matches"] == ["EX-TV-PS15", "EX-TV-PS15-DT", "EX-RD-PS10"]
    assert f[(4, "BK202")].details["missing"] == ["material_price[muc_in]"]
    assert f[(5, "BK203")].message == "the line is in minute but norm EX-ON-BV prices one item"
    assert f[(6, "BK204")].details["check"] == "radio_duration_tolerance"
    assert f[(7, "BK205")].details["check"] == "royalty_frame"
    assert f[(8, "BK301")].details == {"first_line": "2"}
    assert f[(9, "BK203")].message == "option actual_duration: actual_duration is in minute; workday is not compatible"
    assert f[(10, "BK207")].details["close_matches"] == ["royalty_coefficient", "royalty_genre"]
    total = f[(None, "BK401")]
    assert total.numbers == {"declared": Decimal(99999999), "sum_of_lines": Decimal(47300000), "difference": Decimal(52699999)}
    t = planted.totals
    assert (t.claimed, t.allowed, t.excess, t.claimed_priced) == (Decimal(47300000), Decimal(19208652), Decimal(4851212), Decimal(23800000))
    assert (t.lines, t.priced_lines, t.not_priced_lines) == (11, 6, 5)


def test_every_code_is_documented() -> None:
    doc = (ROOT / "docs" / "budget.md").read_text(encoding="utf-8")
    for code, (severity, _title) in CODES.items():
        assert f"| `{code}` | {severity} |" in doc, code


def test_date_outside_the_packs_validity_flags_every_line() -> None:
    report = check(CLEAN.with_suffix(".yaml"), at=dt.date(2019, 1, 1))
    assert by_line(report) == {n: ["BK206"] for n in range(1, 6)}
    assert report.findings[0].message == ("pack example-province is valid from 2019-07-01 onwards; it cannot be used on 2019-01-01")
    assert report.totals.priced_lines == 0 and report.totals.allowed == 0


def test_a_norm_not_yet_in_force() -> None:
    data = {"id": "T", "date": "2020-01-15", "pack": str(PACK),
            "lines": [{"product": "EX-ON-BV", "quantity": 1, "amount": "1"},
                      {"product": "13.20.20.00.00-edited", "quantity": 1, "amount": "1", "options": {"edited_share": "10%"}}]}
    report = check(data)
    assert by_line(report) == {2: ["BK206"], None: ["BK402"]}
    assert report.lines[0].status == "within"


def test_clean_budget_passes() -> None:
    report = check(CLEAN.with_suffix(".yaml"))
    assert report.passed
    assert [f.code for f in report.findings] == ["BK402"]
    assert [ln.ceiling_unit for ln in report.lines] == [Decimal(x) for x in ("1778708", "11818527", "6531808", "676644", "108266")]
    assert report.totals.claimed == Decimal(51163054) == report.totals.declared
    assert report.totals.allowed == Decimal(51383444) and report.totals.excess == 0


def test_same_report_from_every_format() -> None:
    budgets = [read_budget(CLEAN.with_suffix(s)) for s in (".yaml", ".json", ".csv", ".xlsx")]
    first = budgets[0].model_dump(exclude={"comment"})
    assert all(b.model_dump(exclude={"comment"}) == first for b in budgets)
    reports = [check(CLEAN.with_suffix(s)).to_json() for s in (".yaml", ".json", ".csv", ".xlsx")]
    assert reports[1:] == reports[:1] * 3


def test_a_ceiling_comes_with_its_quote_and_trace() -> None:
    report = check(CLEAN.with_suffix(".yaml"), trace=True)
    q = report.quote_for(2)
    assert q.total == Decimal(11818527) and q.items[0].quantity == 1
    assert report.lines[1].trace is not None and report.lines[1].trace[0].kind == "item"
    assert json.loads(report.to_json())["lines"][1]["trace"][0]["value"] == "11818527"
    assert check(CLEAN.with_suffix(".yaml")).lines[1].trace is None


def test_json_money_is_text() -> None:
    data = json.loads(check(PLANTED).to_json())
    assert data["totals"]["claimed"] == "47300000"
    assert data["findings"][0] == {"code": "BK101", "severity": "error", "line": 1, "message": data["findings"][0]["message"],
                                   "message_vi": data["findings"][0]["message_vi"],
                                   "numbers": {"claimed": "14000000", "allowed": "13296980", "excess": "703020", "ceiling_unit": "6648490",
                                               "quantity": "2", "excess_percent": "5.29", "unit_price": "7000000"}, "details": {}}


def test_override_reason_is_reported_as_info() -> None:
    data = {"id": "T", "date": "2024-09-15", "pack": str(PACK),
            "lines": [{"product": "EX-RD-PS10", "quantity": 1, "duration": "11 minute", "amount": "100",
                       "options": {"lý do": "phát lại / repeated"}}]}
    report = check(data)
    assert [(f.code, f.severity) for f in report.findings if f.line] == [("BK210", "info")]
    assert report.findings[0].details == {"check": "radio_duration_tolerance", "reason": "phát lại / repeated"}


def test_a_line_without_a_claim_and_a_bad_quantity() -> None:
    data = {"id": "T", "date": "2024-09-15", "pack": str(PACK),
            "lines": [{"product": "EX-ON-BV", "quantity": 1}, {"product": "EX-ON-BV", "quantity": 0, "amount": "5"}]}
    assert by_line(check(data)) == {1: ["BK103"], 2: ["BK207"], None: ["BK402"]}


def test_unit_not_in_vocabulary_is_a_warning() -> None:
    data = {"id": "T", "date": "2024-09-15", "pack": str(PACK), "lines": [{"product": "EX-ON-BV", "unit": "bài", "amount": "5"}]}
    f = [x for x in check(data).findings if x.line == 1]
    assert [(x.code, x.severity) for x in f] == [("BK211", "warning")]


def test_schema_errors_have_paths() -> None:
    with pytest.raises(NormkitError) as e:
        check({"id": "T", "date": "2024-09-15", "pack": str(PACK), "lines": [{"product": "EX-ON-BV", "quantiti": 2}]})
    assert e.value.code == "NK903" and e.value.message == "unknown field 'quantiti'"
    assert str(e.value.location) == "lines[0].quantiti"


def test_no_pack() -> None:
    with pytest.raises(NormkitError) as e:
        check({"id": "T", "date": "2024-09-15", "lines": [{"product": "EX-ON-BV", "amount": "1"}]})
    assert e.value.code == "NK601"


PRODUCTS = [("01.03.01.50.10", {}), ("EX-TV-PS15", {"royalty_genre": "phong_su", "royalty_coefficient": "25"}),
            ("EX-RD-PS10", {"royalty_genre": "tin", "royalty_coefficient": "3"}), ("EX-ON-BV", {}),
            ("13.20.20.00.00-edited", {"edited_share": "15%"})]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.tuples(st.sampled_from(range(len(PRODUCTS))), st.integers(1, 500)), min_size=1, max_size=6),
       k=st.integers(2, 1000))
def test_scaling_quantities_scales_ceilings_linearly(lines, k) -> None:
    def budget(scale: int) -> Budget:
        return Budget.model_validate({"id": "H", "date": "2024-09-15", "lines": [
            {"product": PRODUCTS[p][0], "quantity": q * scale, "amount": "0", "options": PRODUCTS[p][1]} for p, q in lines]})
    a = check(budget(1), pack=PACK)
    b = check(budget(k), pack=PACK)
    for x, y in zip(a.lines, b.lines, strict=True):
        assert y.ceiling_unit == x.ceiling_unit
        assert y.allowed_exact == x.allowed_exact * k  # exact: the VND unit ceiling is whole, so is every allowed amount
        assert y.allowed == x.allowed * k
    assert b.totals.allowed == a.totals.allowed * k


def test_amounts_beyond_the_exact_range_are_refused_when_read():
    """Found by the long fuzz run: 10^30 quantities and amounts near 10^60 raised bare decimal errors."""
    import copy

    import yaml
    from normkit_testpaths import EXAMPLES

    from normkit.budget.checking import check
    from normkit.core.errors import NormkitError

    base = yaml.safe_load((EXAMPLES / "budgets" / "clean-2024.yaml").read_text(encoding="utf-8"))
    for field, value, code, message in [("quantity", 10**30, "NK903", "Input should be less than or equal to 1000000000000"),
                                        ("amount", "1" + "0" * 19, "NK114", "amount: '10000000000000000000' is out of range: an amount has at most 18 digits"),
                                        ("amount", "1e59", "NK112", "amount: '1e59' is in exponent notation")]:
        data = copy.deepcopy(base)
        data["lines"][0][field] = value
        with pytest.raises(NormkitError) as e:
            check(data)
        assert e.value.code == code and e.value.message == message
        assert str(e.value.location) == f"lines[0].{field}"


def test_tiny_values_are_refused_when_read_and_zero_is_zero():
    """Found by the long fuzz run (seed 20261132): 1.85E-263 raised a bare decimal.Clamped."""
    import copy

    import yaml
    from normkit_testpaths import EXAMPLES

    from normkit.budget.checking import check
    from normkit.core.errors import NormkitError

    base = yaml.safe_load((EXAMPLES / "budgets" / "clean-2024.yaml").read_text(encoding="utf-8"))
    data = copy.deepcopy(base)
    data["lines"][0]["unit_price"] = "1.8549459406372413E-263"
    with pytest.raises(NormkitError) as e:
        check(data)
    # issue 11: text in exponent notation is refused when read, before the schema sees it
    assert (e.value.code, e.value.message, str(e.value.location)) == ("NK112", "unit_price: '1.8549459406372413E-263' is in exponent notation",
                                                                       "lines[0].unit_price")
    from normkit.budget.model import _within_places

    assert str(_within_places(Decimal("0E-300"))) == "0"
