"""GET /v1/packs/{pack} and /v1/packs/{pack}/names/{name}: the listing and the one-name view
`normkit show` prints, from the same functions (normkit.media.listing)."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient
from normkit_testpaths import EXAMPLES, ROOT

from normkit.api import rules_for
from normkit.core.registry import installed_packs
from normkit.media.listing import describe, listing, without_paths
from normkit.server.app import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("packs")
    (folder / "example-province").symlink_to(EXAMPLES / "packs" / "example-province")
    mp = pytest.MonkeyPatch()
    mp.setenv("NORMKIT_PATH", str(folder))
    yield TestClient(create_app())
    mp.undo()


def test_the_listing_is_what_show_pack_prints(client):
    r = client.get("/v1/packs/example-province")
    assert r.status_code == 200
    assert r.json() == listing(rules_for("example-province").compiled)
    entry = next(e for e in r.json()["names"] if e["name"] == "overhead_rate")
    assert entry == {"kind": "parameter", "name": "overhead_rate", "label_vi": "Tỷ lệ chi phí chung", "label_en": "Overhead rate",
                     "unit": "percent", "from": "2019-07-01", "to": None, "verified": False}


def test_one_name_is_describe(client):
    r = client.get("/v1/packs/example-province/names/01.03.01.50.10")
    assert r.status_code == 200 and r.json() == without_paths(describe(rules_for("example-province").compiled, "01.03.01.50.10"))
    # the server's own folders are not shown: a location is the pack folder and file
    assert r.json()["location"].startswith("vn-tv-03-2018/norms.yaml:") and r.json()["lines"] and str(ROOT) not in r.text
    assert client.get("/v1/packs/example-province/names/overhead_rate").json()["values"][0]["value"] == "10"


def test_an_unknown_name_is_404_with_close_matches(client):
    r = client.get("/v1/packs/example-province/names/overhed_rate")
    assert r.status_code == 404
    err = r.json()["error"]
    assert (err["code"], err["message"], err["hint"]) == (
        "NK202", "'overhed_rate' is not a norm, parameter, table, formula, adjustment or input of pack example-province",
        "did you mean overhead_rate?")


def test_an_unknown_pack_is_404_with_close_matches(client):
    r = client.get("/v1/packs/example-provnce")
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["code"] == "NK904" and err["hint"].startswith("did you mean example-province? packs are chosen by name")
    assert client.get("/v1/packs/..").status_code == 404


def test_every_installed_pack_lists(client):
    for path in installed_packs():
        r = client.get(f"/v1/packs/{path.name}")
        assert r.status_code == 200, (path.name, r.text)
        assert r.json()["pack"] == path.name
