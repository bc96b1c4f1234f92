"""normkit.media.whatif: baseline vs variant line by line, causes from the trace, sweeps, and the CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from normkit.api import load
from normkit.cli.main import main
from normkit.core.errors import NormkitError
from normkit.media.orders import load_order
from normkit.media.whatif import compare, parse_sweep, sweep

ROOT = Path(__file__).resolve().parent.parent
ORDER = ROOT / "examples" / "orders" / "tv-bulletins.yaml"
PACK = ROOT / "examples" / "packs" / "example-province"


@pytest.fixture(scope="module")
def rules():  # type: ignore[no-untyped-def]
    return load(PACK)


@pytest.fixture(scope="module")
def order():  # type: ignore[no-untyped-def]
    return load_order(ORDER)


def test_base_salary_change_line_by_line_with_causes(rules, order) -> None:  # type: ignore[no-untyped-def]
    base = rules.quote(order)
    variant = rules.with_overrides({"base_salary": 1800000}, label="lương 2023").quote(order)
    c = compare(base, variant)
    assert (c.baseline_total, c.variant_total, c.delta, c.delta_percent) == (
        Decimal("5336124"), Decimal("4584192"), Decimal("-751932"), Decimal("-14.09"))
    assert (c.overlay_label, c.overrides) == ("lương 2023", {"base_salary": "1800000"})
    assert c.subtotals["labour"].delta == Decimal("-651024") and c.subtotals["equipment"].delta == 0
    first = c.lines[1]
    assert (first.resource, first.baseline, first.variant, first.delta, first.status, first.causes) == (
        "bien_dich_vien_III", Decimal("1404348"), Decimal("1080270"), Decimal("-324078"), "changed", ["base_salary"])
    studio = next(ln for ln in c.lines if ln.resource == "he_thong_truong_quay")
    assert (studio.status, studio.delta, studio.causes, studio.via) == ("unchanged", 0, [], [])
    overhead = next(ln for ln in c.lines if ln.resource == "overhead")
    assert (overhead.baseline, overhead.variant, overhead.causes, overhead.via) == (
        Decimal("485103"), Decimal("416745"), [], ["base_salary"])
    assert [(i.id, i.delta, i.causes) for i in c.items] == [("tv-bulletin", Decimal("-751932"), ["base_salary"])]
    assert sum((ln.delta for ln in c.lines), Decimal(0)) == c.delta
    assert len(c.lines) == 19 + 2


def test_overhead_rate_changes_only_the_overhead_line(rules, order) -> None:  # type: ignore[no-untyped-def]
    c = compare(rules.quote(order), rules.with_overrides({"overhead_rate": "15 percent"}).quote(order))
    changed = [(ln.resource, ln.delta, ln.causes) for ln in c.lines if ln.status != "unchanged"]
    assert changed == [("overhead", Decimal("242550"), ["overhead_rate"])]


def test_json_money_is_strings(rules, order) -> None:  # type: ignore[no-untyped-def]
    c = compare(rules.quote(order), rules.with_overrides({"base_salary": 1800000}).quote(order))
    data = json.loads(c.model_dump_json(by_alias=True))
    assert data["schema"] == "normkit.whatif/1"
    assert (data["baseline_total"], data["variant_total"], data["delta"]) == ("5336124", "4584192", "-751932")
    assert data["lines"][1]["delta"] == "-324078"


def test_sweep_one_column_per_value(rules, order) -> None:  # type: ignore[no-untyped-def]
    s = sweep(rules, order, "overhead_rate", ["5", "10", "15"])
    assert s.columns == ["baseline", "overhead_rate=5", "overhead_rate=10", "overhead_rate=15"]
    assert s.totals == [Decimal("5336124"), Decimal("5093571"), Decimal("5336124"), Decimal("5578674")]
    overhead = next(ln for ln in s.lines if ln.resource == "overhead")
    assert overhead.amounts == [Decimal("485103"), Decimal("242550"), Decimal("485103"), Decimal("727653")]
    assert overhead.causes == ["overhead_rate"]
    assert s.subtotals["other"] == [Decimal("716103"), Decimal("473550"), Decimal("716103"), Decimal("958653")]


def test_parse_sweep_and_its_errors() -> None:
    assert parse_sweep("base_salary=1800000, 2340000") == ("base_salary", ["1800000", "2340000"])
    with pytest.raises(NormkitError) as e:
        parse_sweep("base_salary")
    assert (e.value.code, e.value.message) == ("NK602", "--sweep expects NAME=V1,V2,…, got 'base_salary'")
    with pytest.raises(NormkitError) as e:
        parse_sweep("overhead_rate=5,,10")
    assert e.value.code == "NK602"


def test_compare_refuses_different_orders(rules, order) -> None:  # type: ignore[no-untyped-def]
    other = order.model_copy(update={"id": "OTHER"})
    with pytest.raises(NormkitError) as e:
        compare(rules.quote(order), rules.quote(other))
    assert (e.value.code, e.value.message) == ("NK806", "cannot compare quotes of different orders (EX-2024-TV-001 and OTHER)")


def test_cli_whatif_json_table_overlay_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["whatif", str(ORDER), "--set", "base_salary=1800000", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["delta"], data["overrides"]) == ("-751932", {"base_salary": "1800000"})
    overlay = tmp_path / "old-salary.yaml"
    overlay.write_text("normkit_overlay: 1\nlabel: lương 2023\nset:\n  base_salary: 1800000\n", encoding="utf-8")
    assert main(["whatif", str(ORDER), "--overlay", str(overlay)]) == 0
    out = capsys.readouterr().out
    assert "lương 2023" in out and "-751.932 (-14.09%)" in out and "4.584.192" in out and "base_salary" in out
    assert main(["whatif", str(ORDER), "--sweep", "overhead_rate=5,15", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["totals"] == ["5336124", "5093571", "5578674"]
    assert main(["whatif", str(ORDER)]) == 1
    assert "error NK806" in capsys.readouterr().err
    assert main(["whatif", str(ORDER), "--set", "no_such=1"]) == 1
    assert "unknown parameter 'no_such'" in capsys.readouterr().err
