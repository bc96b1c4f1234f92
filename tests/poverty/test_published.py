"""Published review tables: exact rates, and the inconsistencies the validator must report."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from normkit.poverty.published import check_table, households_range, load_published
from normkit.poverty.rates import rate

ROOT = Path(__file__).resolve().parents[2]
HOUSEHOLDS = ROOT / "examples" / "households"

PUBLISHED = HOUSEHOLDS / "published"
SHARED = ROOT.parent / "shared" / "domain" / "published-figures.yaml"


def test_quang_binh_rates_are_reproduced_exactly() -> None:
    assert rate(12855, 257085) == Decimal("5.00")
    assert rate(12248, 257085) == Decimal("4.76")
    assert rate(25103, 257085) == Decimal("9.76")
    assert rate(25105, 257085) == Decimal("9.77")  # the DOLISA copy's count
    assert str(rate(1, 3)) == "33.33" and str(rate(2, 3)) == "66.67" and str(rate(1, 8)) == "12.50"  # half up at 0.01
    assert rate(5, 0) is None


def test_quang_binh_portal_copy_is_consistent() -> None:
    assert check_table(load_published(PUBLISHED / "quang-binh-2022-portal.yaml")) == []


def test_quang_binh_dolisa_copy_rate_does_not_match_its_count() -> None:
    findings = check_table(load_published(PUBLISHED / "quang-binh-2022-dolisa.yaml"))
    assert [(f.check, f.row, f.field, f.published, f.expected) for f in findings] == [
        ("rate", "total", "poor_and_near_poor_pct", "9.76", "9.77")]
    assert findings[0].message == "total: 25,105 / 257,085 × 100 = 9.77 at 2 decimals, but 9.76 is published"


def test_national_2022_table_inconsistency_is_flagged_not_fixed() -> None:
    table = load_published(PUBLISHED / "vietnam-2022.yaml")
    findings = check_table(table)
    assert [(f.check, f.row, f.published, f.expected) for f in findings] == [
        ("parts_sum", "total", "1057374", "1057284"),
        ("poor_plus_near", "total", "1972767", "1972648"),
        ("poor_plus_near", "dong_bang_song_hong", "169566", "169476"),
        ("poor_plus_near", "tay_nguyen", "236766", "236647"),
    ]
    assert findings[0].message == "the parts' poor add up to 1,057,284, the total says 1,057,374 (difference +90)"
    assert table.total.poor == 1057374  # the published figure is kept as published


def test_rates_without_households_must_share_one_denominator() -> None:
    # national 2022: 1,972,767 at 7.52 % and 1,057,374 at 4.03 % fit some household count
    lo, hi = households_range([("a", "mp", Decimal("7.52"), 1972767), ("b", "poor", Decimal("4.03"), 1057374)])
    assert lo <= 26233604 <= hi and lo <= hi
    from normkit.poverty.published import PublishedRow, check_row

    bad = PublishedRow(poor=100, poor_pct=Decimal("1.00"), near_poor=100, near_poor_pct=Decimal("2.00"))
    assert [f.check for f in check_row("x", bad)] == ["rates_disagree"]


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/domain is not present")
def test_example_tables_copy_the_shared_published_figures() -> None:
    figures = yaml.safe_load(SHARED.read_text(encoding="utf-8"))
    national = figures["poverty_national"][0]
    t = load_published(PUBLISHED / "vietnam-2022.yaml")
    assert (t.total.poor, t.total.near_poor, t.total.poor_and_near_poor) == (
        national["total"]["poor_households"], national["total"]["near_households"], national["total"]["mp_households"])
    for region, row in national["regions"].items():
        part = t.parts[region]
        assert (part.poor, part.near_poor, part.poor_and_near_poor) == (row["poor"], row["near"], row["mp"])
        assert part.poor_pct == Decimal(str(row["poor_pct"]))
    checks = national["consistency_checks"]
    sums = {f.check + ":" + f.row: f for f in check_table(t)}
    assert int(sums["parts_sum:total"].expected) == checks["sum_region_poor"]
    assert int(sums["poor_plus_near:total"].expected) == checks["national_poor_plus_near"]
    for region, m in checks["region_poor_plus_near_mismatch"].items():
        assert int(sums[f"poor_plus_near:{region}"].expected) == m["poor_plus_near"]
    qb = figures["poverty_provinces"][0]
    for name, version in (("portal", "version_portal"), ("dolisa", "version_dolisa")):
        t = load_published(PUBLISHED / f"quang-binh-2022-{name}.yaml")
        src = qb[version]
        assert (t.total.poor, t.total.near_poor, t.total.poor_and_near_poor) == (src["total"]["poor"], src["total"]["near"], src["total"]["mp"])
        for part in ("urban", "rural"):
            assert t.parts[part].near_poor == src[part]["near"]


def test_schema_error_names_the_file_position(tmp_path: Path) -> None:
    from normkit.core.errors import NormkitError

    f = tmp_path / "t.yaml"
    f.write_text("normkit_published: 1\nid: x\ntotal:\n  poor: 5\n  rich: 3\n", encoding="utf-8")
    with pytest.raises(NormkitError) as e:
        load_published(f)
    assert e.value.code == "NK201"
    assert e.value.message == "unknown field 'rich'"
    assert (e.value.location.line, e.value.location.column) == (5, 9)  # the offending value
