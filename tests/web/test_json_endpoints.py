"""The JSON API additions the workspace uses: what-if, sweep, classify a batch of households,
rates by group — each the same as the CLI's --json for the same data."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient
from normkit_testpaths import EXAMPLES

from normkit.server.app import create_app

ORDER = {"id": "EX", "date": "2024-09-15", "items": [{"norm": "01.03.01.50.10", "quantity": 3}]}
HOUSEHOLDS = [dict(r) for r in csv.DictReader((EXAMPLES / "households" / "households.csv").open(encoding="utf-8"))]


@pytest.fixture(scope="module")
def client():
    folder = Path(tempfile.mkdtemp(prefix="normkit-web-path-"))
    (folder / "example-province").symlink_to(EXAMPLES / "packs" / "example-province")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NORMKIT_PATH", str(folder))
        yield TestClient(create_app())


def test_whatif_endpoint(client) -> None:
    r = client.post("/v1/whatif", json={"pack": "example-province", "order": ORDER, "overrides": {"base_salary": 1800000}})
    body = r.json()
    assert r.status_code == 200 and body["schema"] == "normkit.whatif/1"
    assert (body["baseline_total"], body["variant_total"], body["delta"], body["delta_percent"]) == ("5336124", "4584192", "-751932", "-14.09")
    assert body["subtotals"]["labour"] == {"baseline": "2821131", "variant": "2170107", "delta": "-651024"}
    overhead = next(ln for ln in body["lines"] if ln["resource"] == "overhead")
    assert overhead["via"] == ["base_salary"] and overhead["delta"] == "-68358"


def test_whatif_needs_a_change(client) -> None:
    r = client.post("/v1/whatif", json={"pack": "example-province", "order": ORDER, "overrides": {}})
    assert r.status_code == 422 and r.json()["error"]["code"] == "NK905"


def test_sweep_endpoint(client) -> None:
    r = client.post("/v1/sweep", json={"pack": "example-province", "order": ORDER, "parameter": "base_salary",
                                       "values": [1490000, "1800000", 2340000]})
    body = r.json()
    assert r.status_code == 200 and body["schema"] == "normkit.sweep/1"
    assert body["columns"] == ["baseline", "base_salary=1490000", "base_salary=1800000", "base_salary=2340000"]
    assert body["totals"] == ["5336124", "4152525", "4584192", "5336124"]
    r = client.post("/v1/sweep", json={"pack": "example-province", "order": ORDER, "parameter": "base_salry", "values": [1]})
    assert r.status_code == 422 and r.json()["error"] == {**r.json()["error"], "code": "NK602", "message": "unknown parameter 'base_salry'"}


def test_classify_endpoint(client) -> None:
    r = client.post("/v1/households/classify", json={"year": 2024, "households": HOUSEHOLDS})
    body = r.json()
    assert r.status_code == 200 and body["standard"] == "vn-poverty-2022-2026"
    assert (body["rows_in"], body["classified"], body["rejected"]) == (18, 14, 4)
    assert body["counts"] == {"poor": 3, "near_poor": 2, "middle": 7, "none": 2}
    assert body["households"][0] == {**HOUSEHOLDS[0], "deprivation_count": 4, "status": "poor"}
    assert body["rejects"][0] == {"row": 15, "reason": "area is missing"}
    assert body["standard_choice"]["chosen"] == "vn-poverty-2022-2026"


def test_rates_endpoint(client) -> None:
    r = client.post("/v1/households/rates", json={"year": 2024, "households": HOUSEHOLDS, "by": ["district"]})
    body = r.json()
    assert [(g["district"], g["households"], g["poor"], g["poverty_rate"], g["multidimensional_rate"]) for g in body["groups"]] == [
        ("Huyện 1", 7, 2, "28.57", "42.86"), ("Huyện 2", 7, 1, "14.29", "28.57")]
    assert body["total"]["poverty_rate"] == "21.43" and body["rejected"] == 4
    r = client.post("/v1/households/rates", json={"year": 2024, "households": HOUSEHOLDS, "by": ["province"]})
    assert r.status_code == 422 and r.json()["error"]["message"] == "no column 'province' to group by"
    r = client.post("/v1/households/rates", json={"households": HOUSEHOLDS})
    assert r.json()["error"]["code"] == "NK701"


def test_the_new_endpoints_are_in_the_openapi_document(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/whatif", "/v1/sweep", "/v1/households/classify", "/v1/households/rates"} <= set(paths)
    assert not {"/", "/price", "/check"} & set(paths)  # the pages are not API operations


def test_the_integration_page_examples(client) -> None:
    """The two curl examples of docs/integration.md, with the values their comments show."""
    text = (EXAMPLES.parent / "docs" / "integration.md").read_text(encoding="utf-8")
    assert '| jq .delta                                                   # "-751932"' in text
    r = client.post("/v1/whatif", json={"pack": "example-province", "overrides": {"base_salary": 1800000},
                                        "order": {"id": "EX-1", "date": "2024-09-15", "items": [{"norm": "01.03.01.50.10", "quantity": 3}]}})
    assert r.json()["delta"] == "-751932"
    r = client.post("/v1/households/rates", json={"year": 2024, "by": ["district"], "households": [
        {"household_id": "H01", "district": "Huyện 1", "area": "rural", "income_per_capita": 1200000, "deprivation_count": 4}]})
    assert r.json()["groups"][0]["poverty_rate"] == "100.00"
