"""Review figures (`normkit targets`) and published tables (`normkit check-published`) are
validated like every other input file: years of the review calendar (1900–2200), whole counts
that are never booleans, percentages between 0 and 100 (issue 10, "Files and packs")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostilekit import expect_error

from normkit.core.errors import NormkitErrors
from normkit.poverty.published import load_published
from normkit.poverty.targets import load_review_change

ROOT = Path(__file__).resolve().parents[2]
REVIEW = (ROOT / "examples" / "households" / "review-2021-2022.yaml").read_text(encoding="utf-8")
TABLE = "normkit_published: 1\nid: t\n"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "normkit", *args], capture_output=True, text=True, timeout=60, env=env)


def test_a_ten_digit_year_in_review_figures_is_nk201_not_an_overflow(tmp_path):
    path = tmp_path / "review.yaml"
    path.write_text(REVIEW.replace("year: 2022", "year: 9999999999"), encoding="utf-8")
    e = expect_error("targets year 9999999999", lambda: load_review_change(path), "NK201")
    assert e.message == "Input should be less than or equal to 2200"
    assert (e.location.line, e.location.column, e.location.path) == (12, 9, "after.year")
    r = _cli("targets", str(path))
    assert r.returncode == 1 and "NK201" in r.stderr and "Traceback" not in r.stderr and "internal error" not in r.stderr


@pytest.mark.parametrize("text,path,message", [
    ("total: {poor: true}\n", "total.poor", "Input should be a valid integer"),
    ("total: {households: false}\n", "total.households", "Input should be a valid integer"),
    ("total: {poor_pct: 1e59}\n", "total.poor_pct", "Input should be less than or equal to 100"),
    ("total: {poor_pct: 1e-300}\n", "total.poor_pct", "Decimal input should have no more than 12 decimal places"),
    ("total: {poor: 1000000000001}\n", "total.poor", "Input should be less than or equal to 1000000000000"),
    ("year: 100000000000000000000\ntotal: {poor: 1}\n", "year", "Input should be less than or equal to 2200"),
    ("year: true\ntotal: {poor: 1}\n", "year", "Input should be a valid integer"),
])
def test_published_tables_refuse_booleans_huge_numbers_and_years(tmp_path, text, path, message):
    file = tmp_path / "table.yaml"
    file.write_text(TABLE + text, encoding="utf-8")
    e = expect_error("check-published " + text.strip().replace("\n", "; "), lambda: load_published(file), "NK201")
    assert (e.message, e.location.path) == (message, path)


def test_all_three_published_findings_are_reported_at_once(tmp_path):
    file = tmp_path / "table.yaml"
    file.write_text(TABLE + "year: 100000000000000000000\ntotal: {poor: true, poor_pct: 1e59}\n", encoding="utf-8")
    e = expect_error("check-published three bad values", lambda: load_published(file), "NK201")
    assert isinstance(e, NormkitErrors)
    assert [(x.location.path, x.message) for x in e.errors] == [
        ("year", "Input should be less than or equal to 2200"),
        ("total.poor", "Input should be a valid integer"),
        ("total.poor_pct", "Input should be less than or equal to 100"),
    ]
    r = _cli("check-published", str(file))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.count("NK201") == 3


def test_the_published_examples_still_load():
    for file in sorted((ROOT / "examples" / "households" / "published").glob("*.yaml")):
        assert load_published(file).total is not None
    assert load_review_change(ROOT / "examples" / "households" / "review-2021-2022.yaml").after.year == 2022
