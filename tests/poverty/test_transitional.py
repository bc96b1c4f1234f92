"""Transitional review years (2021, 2026): --year names the standard it took, why, and the other one."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from normkit.poverty.published import check_table, households_range, load_published
from normkit.poverty.standards import choose_standard, find_standard_for_year, load_standard
from normkit.poverty.targets import load_review_change, review_standards

ROOT = Path(__file__).resolve().parents[2]
HOUSEHOLDS = ROOT / "examples" / "households"
LEGAL = ROOT.parent / "shared" / "domain" / "legal-updates-2026-12.yaml"


def test_2021_takes_the_old_standard_and_names_the_baseline_one() -> None:
    c = choose_standard(2021)
    assert (c.year, c.chosen, c.other, c.transitional) == (2021, "vn-poverty-2021", "vn-poverty-2022-2026", True)
    assert c.reason == ("took vn-poverty-2021, in force on 2021-09-01 (the review that reports 2021); the other 2021 review, "
                        "under vn-poverty-2022-2026 (in force from 2022-01-01), set the baseline of the period that follows: "
                        "give --standard vn-poverty-2022-2026 (without --year) for that one")


def test_2026_takes_the_2022_standard_and_names_the_2027_one() -> None:
    c = choose_standard(2026)
    assert (c.chosen, c.other) == ("vn-poverty-2022-2026", "vn-poverty-2027-2030")


@pytest.mark.parametrize(("year", "pack"), [(2022, "vn-poverty-2022-2026"), (2025, "vn-poverty-2022-2026"),
                                             (2027, "vn-poverty-2027-2030"), (2030, "vn-poverty-2027-2030")])
def test_ordinary_years_have_no_other_standard(year: int, pack: str) -> None:
    c = choose_standard(year)
    assert (c.chosen, c.other, c.transitional) == (pack, None, False)
    assert c.reason == f"{pack} is in force on {year}-09-01 (the review date)"
    assert find_standard_for_year(year) == pack


def test_baseline_choice_takes_the_review_that_set_the_next_period() -> None:
    c = choose_standard(2021, baseline_of_next=True)
    assert (c.chosen, c.other) == ("vn-poverty-2022-2026", "vn-poverty-2021")
    assert choose_standard(2024, baseline_of_next=True).other is None


def test_load_standard_records_the_choice_only_for_year_alone() -> None:
    std = load_standard(year=2021)
    assert std.id == "vn-poverty-2021" and std.choice is not None and std.choice.other == "vn-poverty-2022-2026"
    assert load_standard(standard="vn-poverty-2022-2026").choice is None


def test_targets_judge_2021_on_the_baseline_review() -> None:
    choices = review_standards(load_review_change(HOUSEHOLDS / "review-2021-2022.yaml"))
    assert (choices["before"].chosen, choices["before"].other) == ("vn-poverty-2022-2026", "vn-poverty-2021")
    assert (choices["after"].chosen, choices["after"].other) == ("vn-poverty-2022-2026", None)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "normkit", *args], capture_output=True, text=True, cwd=ROOT, check=False)


def test_cli_household_warns_on_stderr_and_reports_the_choice_in_json() -> None:
    p = _cli("household", "area=rural", "income_per_capita=600000", "deprivation_count=0", "--year", "2021", "--json")
    assert p.returncode == 0, p.stderr
    assert p.stderr.startswith("warning: review year 2021 is a transitional year: took vn-poverty-2021, in force on 2021-09-01")
    data = json.loads(p.stdout)
    assert data["standard_choice"]["chosen"] == "vn-poverty-2021"
    assert data["standard_choice"]["other"] == "vn-poverty-2022-2026"


def test_cli_ordinary_year_is_silent_and_named_standard_has_no_choice() -> None:
    p = _cli("indicators", "--year", "2024", "--json")
    assert p.returncode == 0 and p.stderr == ""
    assert json.loads(p.stdout)["standard_choice"]["other"] is None
    p = _cli("indicators", "--standard", "vn-poverty-2022-2026", "--json")
    assert p.returncode == 0 and p.stderr == ""
    assert json.loads(p.stdout)["standard_choice"] is None


def test_cli_targets_warn_that_2021_is_the_baseline_review() -> None:
    p = _cli("targets", str(HOUSEHOLDS / "review-2021-2022.yaml"), "--json")
    assert p.returncode == 0
    assert "took vn-poverty-2022-2026: the 2021 review under it set the baseline of the period judged here" in p.stderr
    assert json.loads(p.stdout)["standard_choice"]["before"]["chosen"] == "vn-poverty-2022-2026"


def test_qd_125_national_2021_figures_are_reproduced() -> None:
    t = load_published(HOUSEHOLDS / "published" / "vietnam-2021-qd-125.yaml")
    assert (t.total.poor, t.total.poor_pct, t.total.near_poor, t.total.near_poor_pct) == (
        609049, Decimal("2.23"), 850202, Decimal("3.11"))
    assert check_table(t) == []
    assert households_range([("poor_pct", "poor", Decimal("2.23"), 609049),
                             ("near_poor_pct", "near_poor", Decimal("3.11"), 850202)]) == (27293805, 27372988)
    p = _cli("check-published", str(HOUSEHOLDS / "published" / "vietnam-2021-qd-125.yaml"), "--json")
    assert p.returncode == 0 and json.loads(p.stdout) == {"id": "vietnam-2021-qd-125", "consistent": True, "findings": []}


@pytest.mark.skipif(not LEGAL.exists(), reason="../shared/domain is not present")
def test_qd_125_case_copies_the_shared_figures() -> None:
    src = yaml.safe_load(LEGAL.read_text(encoding="utf-8"))["reviews-2021"]["old_standard_2021"]
    t = load_published(HOUSEHOLDS / "published" / "vietnam-2021-qd-125.yaml")
    n = src["national"]
    assert (t.total.poor, str(t.total.poor_pct), t.total.near_poor, str(t.total.near_poor_pct)) == (
        n["poor"], n["poor_pct"], n["near_poor"], n["near_poor_pct"])
    assert t.source is not None and t.source.url == src["url"]


@pytest.mark.parametrize(("args", "year", "other"), [
    (("classify", "examples/households/households.csv", "--out", "{tmp}/out.csv", "--year", "2021"), 2021, "vn-poverty-2022-2026"),
    (("rates", "examples/households/households.csv", "--year", "2026"), 2026, "vn-poverty-2027-2030"),
    (("deprivations", "examples/households/indicators.csv", "--year", "2026"), 2026, "vn-poverty-2027-2030"),
])
def test_every_year_command_reports_the_choice(args: tuple[str, ...], year: int, other: str, tmp_path: Path) -> None:
    p = _cli(*(a.replace("{tmp}", str(tmp_path)) for a in args), "--json")
    assert p.returncode == 0, p.stderr
    assert f"warning: review year {year} is a transitional year: took " in p.stderr
    choice = json.loads(p.stdout)["standard_choice"]
    assert (choice["year"], choice["other"]) == (year, other)


def test_compare_standards_reports_both_choices() -> None:
    p = _cli("compare-standards", "examples/households/households.csv", "--from", "2026", "--to", "2027", "--json")
    assert p.returncode == 0, p.stderr
    assert p.stderr.count("warning: review year 2026 is a transitional year") == 1
    a, b = json.loads(p.stdout)["standard_choice"]
    assert (a["chosen"], a["other"], b["chosen"], b["other"]) == ("vn-poverty-2022-2026", "vn-poverty-2027-2030",
                                                                  "vn-poverty-2027-2030", None)
