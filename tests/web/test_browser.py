"""An officer's tasks in a real browser (the system's Chromium through Playwright): `normkit serve`
on a free loopback port with the example province; every figure checked against the CLI's own
output for the same file; every download opened; no request to any other host.

Skipped (with the reason) only when Playwright or Chromium is not installed; .ci/run installs both.
Screenshots of every page go to tests/web/artifacts/ (git-ignored).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from normkit_testpaths import EXAMPLES, ROOT
from webkit import PACKS, browser, guard_hosts, playwright, shot, unavailable

pytestmark = [pytest.mark.browser, pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))]

ORDER = EXAMPLES / "orders" / "tv-bulletins.yaml"
PLANTED = EXAMPLES / "budgets" / "planted-errors.yaml"
HOUSEHOLDS = EXAMPLES / "households" / "households.csv"
TOKEN = "browser-test-token-0123456789"


def cli(*args: str) -> dict:
    """``normkit ARGS --json`` as a user runs it, parsed."""
    import os

    env = dict(os.environ, PYTHONPATH=str(ROOT), NORMKIT_PATH=str(EXAMPLES / "packs"))
    out = subprocess.run([sys.executable, "-m", "normkit", *args, "--json"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def vnd(text: str) -> str:
    from decimal import Decimal

    from normkit.core.amounts import vnd as fmt

    return fmt(Decimal(text))


@pytest.fixture(scope="module")
def pw():
    with playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def served(pw):
    from normkit_serverkit import service_process

    with service_process(PACKS) as (url, _proc), browser(pw) as ctx:
        foreign: list[str] = []
        page = ctx.new_page()
        guard_hosts(page, url, foreign)
        yield url, page, foreign
        assert foreign == [], f"the page asked other hosts: {foreign}"


def saved(page, link_selector: str, tmp_path: Path) -> Path:
    with page.expect_download() as info:
        page.click(link_selector)
    dl = info.value
    path = tmp_path / dl.suggested_filename
    dl.save_as(path)
    return path


def test_price_the_readme_order_through_the_form(served, tmp_path) -> None:
    url, page, _ = served
    expected = cli("price", str(ORDER))["total"]
    page.goto(url + "/price")
    shot(page, "price")
    page.select_option("#pack", "example-province")
    page.wait_for_load_state()
    page.fill("#date", "2024-09-15")
    page.fill("#norm0", "01.03.01.50.10")
    page.fill("#qty0", "3")
    page.click("#price-submit")
    assert page.inner_text("#quote-total") == f"{vnd(expected)} đ" == "5.336.124 đ"
    page.click("details.trace >> nth=0")  # a figure's trace unfolds down to its source
    shot(page, "price-result")
    xlsx = saved(page, "a[download$='.xlsx']", tmp_path)
    from openpyxl import load_workbook
    from xlsxcalc import recalculated

    assert load_workbook(xlsx).sheetnames[0] == "Dự toán"  # it opens
    assert int(expected) in {round(v) for v in recalculated(xlsx).values() if isinstance(v, (int, float))}  # its live total
    quote = json.loads(saved(page, "a[download$='.json']", tmp_path).read_text(encoding="utf-8"))
    assert quote["total"] == expected


def test_upload_the_order_file(served) -> None:
    url, page, _ = served
    page.goto(url + "/price")
    page.set_input_files("#order-file", str(ORDER))
    page.click("#price-upload button[type=submit]")
    assert page.inner_text("#quote-total") == "5.336.124 đ"


def test_check_the_planted_errors(served, tmp_path) -> None:
    url, page, _ = served
    expected = cli("check", str(PLANTED))
    page.goto(url + "/check")
    shot(page, "check")
    page.select_option("#pack", "example-province")
    page.set_input_files("#budget-file", str(PLANTED))
    page.click("#check-form button[type=submit]")
    rows = page.eval_on_selector_all("#findings tbody tr", "rs => rs.map(r => [r.dataset.line, r.dataset.code, r.cells[1].innerText])")
    assert [[str(f["line"] or ""), f["code"], f["code"]] for f in expected["findings"]] == rows
    assert page.inner_text("#total-excess") == f"{vnd(expected['totals']['excess'])} đ"
    shot(page, "check-result")
    page.select_option("#filter-severity", "warning")
    visible = page.eval_on_selector_all("#findings tbody tr:not([hidden])", "rs => rs.map(r => r.dataset.code)")
    assert visible == ["BK301"]
    report = json.loads(saved(page, "a[download$='report.json']", tmp_path).read_text(encoding="utf-8"))
    assert report["totals"] == expected["totals"]
    from openpyxl import load_workbook

    rows = list(load_workbook(saved(page, "a[download$='report.xlsx']", tmp_path))["Kiểm tra"].iter_rows(values_only=True))
    assert ("Tổng vượt trần / Excess", int(expected["totals"]["excess"])) in [r[:2] for r in rows]


def test_a_bad_budget_shows_every_bad_cell(served, tmp_path) -> None:
    url, page, _ = served
    bad = tmp_path / "bad.csv"
    bad.write_text("id,EX\ndate,2024-09-15\nstt,ma dinh muc,so luong,don gia,thanh tien\n1,EX-ON-BV,abc,600000,1200000\n"
                   "2,EX-ON-BV,2,xx,1200000\n", encoding="utf-8")
    page.goto(url + "/check")
    page.select_option("#pack", "example-province")
    page.set_input_files("#budget-file", str(bad))
    page.click("#check-form button[type=submit]")
    cells = page.eval_on_selector_all("tr.error-row", "rs => rs.map(r => [r.cells[0].innerText, r.cells[1].innerText, r.cells[2].innerText])")
    assert cells == [["NK902", "4", "3 quantity"], ["NK902", "5", "4 unit_price"]]
    shot(page, "check-bad-file")


def test_households_rates_are_the_clis(served, tmp_path) -> None:
    url, page, _ = served
    classified = tmp_path / "classified.csv"
    cli("classify", str(HOUSEHOLDS), "--out", str(classified), "--year", "2024")
    expected = cli("rates", str(classified), "--by", "district")
    page.goto(url + "/households")
    shot(page, "households")
    page.fill("#year", "2024")
    page.set_input_files("#hh-file", str(HOUSEHOLDS))
    page.click("#households-form button[type=submit]")
    page.wait_for_selector("#rates-by")  # the result page, with its small script, has loaded
    page.select_option("#rates-by", "district")
    page.wait_for_selector("#rates-all", state="hidden", timeout=10_000)  # the script switches the view
    assert not page.is_visible("#rates-all") and page.is_visible("#rates-district")
    rows = page.eval_on_selector_all("#rates-district tbody tr", "rs => rs.map(r => Array.from(r.cells).map(c => c.innerText))")
    want = [[g["district"], str(g["households"]), str(g["poor"]), g["poverty_rate"], str(g["near_poor"]), g["near_poverty_rate"],
             g["multidimensional_rate"]] for g in expected["groups"]]
    t = expected["total"]
    want.append(["Tổng cộng", str(t["households"]), str(t["poor"]), t["poverty_rate"], str(t["near_poor"]), t["near_poverty_rate"],
                 t["multidimensional_rate"]])
    assert rows == want
    shot(page, "households-result")
    got = list(csv.DictReader(io.StringIO(saved(page, "a[download='classified.csv']", tmp_path).read_text(encoding="utf-8"))))
    assert got == list(csv.DictReader(classified.open(encoding="utf-8")))
    rejects = saved(page, "a[download='rejects.csv']", tmp_path).read_text(encoding="utf-8")
    assert rejects == classified.with_suffix(".rejects.csv").read_text(encoding="utf-8")


def test_households_deprivations_are_the_clis(served) -> None:
    url, page, _ = served
    indicators = EXAMPLES / "households" / "indicators.csv"
    expected = cli("deprivations", str(indicators), "--year", "2024")["rows"]
    page.goto(url + "/households")
    page.fill("#year", "2024")
    page.set_input_files("#hh-file", str(indicators))
    page.click("#households-form button[type=submit]")
    page.wait_for_selector("#deprivations tbody tr")  # the result page has loaded (the click only starts the POST)
    rows = page.eval_on_selector_all("#deprivations tbody tr", "rs => rs.map(r => [r.dataset.id, r.cells[2].innerText, r.cells[4].innerText])")
    assert sorted(rows) == sorted([r["id"], str(r["deprived"]), r["rate"]] for r in expected)
    assert rows[0] == ["thong_tin", "1", "25.00"]  # the information dimension first
    shot(page, "households-deprivations")


def test_whatif_base_salary_gives_the_clis_difference(served) -> None:
    url, page, _ = served
    expected = cli("whatif", str(ORDER), "--set", "base_salary=1800000")["delta"]
    page.goto(url + "/whatif")
    shot(page, "whatif")
    page.fill("#date", "2024-09-15")
    page.fill("#norm0", "01.03.01.50.10")
    page.fill("#qty0", "3")
    page.fill("#set_base_salary", "1800000")
    page.select_option("#sweep_param", "base_salary")
    page.fill("#sweep_values", "1490000,1800000,2340000")
    page.click("#whatif-submit")
    assert page.get_attribute("#whatif-delta", "data-exact") == expected
    assert page.inner_text("#whatif-delta") == vnd(expected)
    assert page.locator("svg.chart circle.point").count() == 3
    shot(page, "whatif-result")


def test_packs_browse_and_english(served) -> None:
    url, page, _ = served
    page.goto(url + "/packs?pack=example-province")
    page.fill("#filter-text", "lương cơ sở")
    assert page.eval_on_selector_all("#names tbody tr:not([hidden])", "rs => rs.length") >= 1
    shot(page, "packs")
    page.click("a:has-text('base_salary')")
    assert "2.340.000" in page.inner_text("main")
    shot(page, "packs-detail")
    page.click("a.lang")
    assert page.inner_text("h1") == "Packs"
    page.goto(url + "/?lang=en")
    shot(page, "home-en")
    page.goto(url + "/")
    shot(page, "home")
    page.keyboard.press("Tab")  # the first stop is the skip link, then the navigation
    assert page.evaluate("document.activeElement.className") == "skip"


def test_the_token_is_asked_once_and_kept_for_the_tab(pw) -> None:
    from normkit_serverkit import service_process

    with service_process(PACKS, options=["--token", TOKEN], token=TOKEN) as (url, _proc), browser(pw) as ctx:
        foreign: list[str] = []
        page = ctx.new_page()
        guard_hosts(page, url, foreign)
        page.goto(url + "/price")
        assert page.is_visible("#token-form")
        page.fill("#token", TOKEN)
        page.click("#token-form button")
        page.wait_for_selector("#price-form")
        page.fill("#date", "2024-09-15")
        page.fill("#norm0", "01.03.01.50.10")
        page.fill("#qty0", "3")
        page.click("#price-submit")
        page.wait_for_selector("#quote-total")
        assert page.inner_text("#quote-total") == "5.336.124 đ"
        page.click("nav a[href='/check']")
        page.wait_for_selector("#check-form")
        assert page.evaluate("sessionStorage.getItem('normkit-token')") == TOKEN
        other = ctx.new_page()  # another tab does not have it
        other.goto(url + "/check")
        assert other.is_visible("#token-form")
        assert foreign == []
