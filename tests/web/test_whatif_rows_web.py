"""Table-row what-ifs in the service (``POST /v1/whatif``, ``/v1/sweep``) and on the web what-if
page (the "table[key]=value" field): the same figures as ``--set 'machine_hour_rate[may_vi_tinh]=4000'``."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("jinja2")
pytest.importorskip("multipart")

from fastapi.testclient import TestClient
from normkit_testpaths import EXAMPLES

from normkit.server.app import create_app

ROW = "machine_hour_rate[may_vi_tinh]"
ORDER = {"id": "EX", "date": "2024-09-15", "items": [{"norm": "01.03.01.50.10", "quantity": 3}]}
ITEM = {"pack": "example-province", "date": "2024-09-15", "order_id": "EX", "norm0": "01.03.01.50.10", "qty0": "3"}


@pytest.fixture(scope="module")
def client():
    folder = Path(tempfile.mkdtemp(prefix="normkit-web-path-"))
    (folder / "example-province").symlink_to(EXAMPLES / "packs" / "example-province")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NORMKIT_PATH", str(folder))
        yield TestClient(create_app())


def test_service_whatif_and_sweep_of_a_row(client) -> None:
    r = client.post("/v1/whatif", json={"pack": "example-province", "order": ORDER, "overrides": {ROW: 4000}})
    body = r.json()
    assert r.status_code == 200 and (body["baseline_total"], body["variant_total"], body["delta"]) == ("5336124", "5366823", "30699")
    computer = next(ln for ln in body["lines"] if ln["resource"] == "may_vi_tinh")
    assert (computer["delta"], computer["causes"]) == ("26580", [ROW])
    s = client.post("/v1/sweep", json={"pack": "example-province", "order": ORDER, "parameter": ROW, "values": ["3000", 5000]}).json()
    assert s["totals"] == ["5336124", "5336124", "5397522"]
    bad = client.post("/v1/whatif", json={"pack": "example-province", "order": ORDER, "overrides": {"machine_hour_rate[may]": 1}})
    err = bad.json()["error"]
    assert bad.status_code == 422 and (err["code"], err["message"]) == ("NK202", "table 'machine_hour_rate' has no row for may")


def test_whatif_page_has_a_labelled_row_field_and_lists_the_rate_card_rows(client) -> None:
    html = client.get("/whatif?pack=example-province").text
    assert '<label for="set_rows">Thay đổi dòng của bảng giá, mỗi dòng một giá trị: bảng[khóa]=giá trị</label>' in html
    assert "<li><code>machine_hour_rate[may_vi_tinh]</code> = 3000 VND/machine_hour</li>" in html
    assert "<li><code>material_price[giay_in]</code> = 75000 VND/ream</li>" in html
    en = client.get("/whatif?pack=example-province&lang=en").text
    assert '<label for="set_rows">Change rate-card rows, one per line: table[key]=value</label>' in en


def test_whatif_page_changes_rows_as_the_cli_does(client) -> None:
    r = client.post("/whatif", data={**ITEM, "set_rows": f"{ROW}=4000\nmaterial_price[giay_in] = 80000 VND/ream\n"})
    assert r.status_code == 200
    assert re.findall(r'id="whatif-delta" data-exact="(-?\d+)">([^<]+)<', r.text) == [("31740", "+31.740")]
    assert f"<code>{ROW}</code>" in r.text and "<code>material_price[giay_in]</code>" in r.text
    bad = client.post("/whatif", data={**ITEM, "set_rows": "machine_hour_rat[may_vi_tinh]=4000"})
    assert bad.status_code == 422 and "<code>NK602</code>" in bad.text and "machine_hour_rate" in bad.text
