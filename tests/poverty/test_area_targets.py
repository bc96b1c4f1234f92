"""QĐ 90 area targets: 30 % of poor districts and 30 % of extremely difficult coastal communes leave that status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from normkit.core.errors import NormkitError
from normkit.poverty.targets import Area, evaluate_area_targets, load_areas

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "households" / "areas-2021-2025.csv"


def _areas(kind: str, exited: int, stayed: int) -> list[Area]:
    listed, off = {"district": ("poor", "not_poor"), "commune": ("extremely_difficult", "not_extremely_difficult")}[kind]
    return ([Area(id=f"{kind}-{i}", kind=kind, status_start=listed, status_end=off) for i in range(exited)]
            + [Area(id=f"{kind}-s{i}", kind=kind, status_start=listed, status_end=listed) for i in range(stayed)])


def test_example_file_two_of_seven_districts_and_two_of_three_communes() -> None:
    d, c = evaluate_area_targets(load_areas(EXAMPLE))
    assert (d.id, d.evaluated, d.value, d.met, d.margin) == ("poor_district_exit", True, "28.57", False, "-1.43")
    assert d.note == "2 of 7 district(s) poor at the start are not_poor at the end; 1 district(s) not poor at the start are not counted"
    assert (c.id, c.value, c.met, c.margin) == ("coastal_commune_exit", "66.67", True, "+36.67")
    assert d.band == "at least 30 % of the poor districts at the start leave that status over 2021–2025"


def test_exactly_30_percent_is_met_and_just_under_is_not() -> None:
    (d, c) = evaluate_area_targets(_areas("district", 3, 7) + _areas("commune", 299, 701))
    assert (d.value, d.met, d.margin) == ("30.00", True, "+0.00")
    assert (c.value, c.met, c.margin) == ("29.90", False, "-0.10")
    # 2999 of 9997 is 29.9989… %: shown as 30.00 but judged exactly, so not met
    (d, _c) = evaluate_area_targets(_areas("district", 2999, 6998))
    assert (d.value, d.met, d.margin) == ("30.00", False, "-0.00")


def test_a_kind_with_nothing_listed_at_the_start_is_not_evaluated() -> None:
    d, c = evaluate_area_targets(_areas("commune", 1, 1))
    assert (d.evaluated, d.met, d.note) == (False, None, "not evaluated: no district is poor at the start")
    assert (c.value, c.met) == ("50.00", True)


def test_judged_before_2025_says_so() -> None:
    d, _c = evaluate_area_targets(_areas("district", 1, 2), end_year=2023)
    assert d.note == "1 of 3 district(s) poor at the start are not_poor at the end; the target is due in 2025, judged here on the 2023 status"


def test_yaml_areas_and_errors(tmp_path: Path) -> None:
    f = tmp_path / "a.yaml"
    f.write_text("- {id: h1, kind: district, status_start: poor, status_end: not_poor}\n", encoding="utf-8")
    assert load_areas(f) == [Area(id="h1", kind="district", status_start="poor", status_end="not_poor")]
    f.write_text("- {id: h1, kind: province, status_start: poor, status_end: poor}\n", encoding="utf-8")
    with pytest.raises(NormkitError) as e:
        load_areas(f)
    assert (e.value.code, e.value.message) == ("NK707", "area 'h1': kind 'province' is not one of district, commune")
    g = tmp_path / "a.csv"
    g.write_text("id,kind,status_start\nh1,district,poor\n", encoding="utf-8")
    with pytest.raises(NormkitError) as e:
        load_areas(g)
    assert (e.value.code, e.value.message) == ("NK707", "the areas file lacks the column(s) status_end")


def test_cli_targets_with_figures_and_areas() -> None:
    p = subprocess.run([sys.executable, "-m", "normkit", "targets", str(ROOT / "examples/households/review-2021-2022.yaml"),
                        "--areas", str(EXAMPLE), "--json"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert [t["id"] for t in data["targets"]] == ["poverty_rate", "ethnic_minority", "poor_districts", "halving",
                                                  "poor_district_exit", "coastal_commune_exit"]
    assert data["targets"][4]["note"].endswith("; the target is due in 2025, judged here on the 2022 status")
