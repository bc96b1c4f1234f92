"""The HTTP service, started for real on loopback (``normkit serve`` in a subprocess on a free
port) and called over HTTP; schemathesis checks it against its own OpenAPI document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402  (after the importorskip guards)
from normkit_serverkit import running_service  # noqa: E402  (after the importorskip guards)
from normkit_testpaths import EXAMPLES, ROOT  # noqa: E402  (after the importorskip guards)

from normkit.budget import check, read_budget  # noqa: E402  (after the importorskip guards)

CLEAN = EXAMPLES / "budgets" / "clean-2024.yaml"
PLANTED = Path(__file__).resolve().parent.parent / "budget" / "data" / "planted.yaml"



@pytest.fixture(scope="module")
def base_url():
    # the packs the service may use: the shipped ones, the example province, the test pack without ink prices
    with running_service({"example-province": EXAMPLES / "packs" / "example-province",
                          "test-province-no-ink": ROOT / "tests" / "budget" / "packs" / "province-no-ink"}) as url:
        yield url


def budget_json(path: Path, pack: str) -> dict:
    data = json.loads(read_budget(path).model_dump_json(exclude_none=True))
    data["pack"] = pack
    return data


def test_health_and_packs(base_url) -> None:
    assert httpx.get(base_url + "/health").json()["status"] == "ok"
    ids = [p["id"] for p in httpx.get(base_url + "/v1/packs").json()]
    assert "example-province" in ids and "vn-wages" in ids


@pytest.mark.parametrize("path,pack", [(CLEAN, "example-province"), (PLANTED, "test-province-no-ink")], ids=["clean", "planted"])
def test_http_and_python_reports_are_identical(base_url, path, pack) -> None:
    r = httpx.post(base_url + "/v1/check", json={"budget": budget_json(path, pack)}, timeout=30)
    assert r.status_code == 200
    assert r.json() == json.loads(check(path).to_json())


def test_quote_over_http_matches_python(base_url) -> None:
    import normkit

    order = {"id": "EX", "date": "2024-09-15", "items": [{"norm": "01.03.01.50.10", "quantity": 3}]}
    r = httpx.post(base_url + "/v1/quote", json={"pack": "example-province", "order": order}, timeout=30)
    assert r.status_code == 200 and r.json()["total"] == "5336124"
    expected = json.loads(normkit.load(EXAMPLES / "packs" / "example-province").quote(order).to_json(trace=False))
    assert r.json() == expected


def test_schemas_over_http(base_url) -> None:
    from normkit.budget.schemas import schema

    assert httpx.get(base_url + "/v1/schema/budget").json() == schema("budget")
    assert httpx.get(base_url + "/v1/schema/report").json()["$id"] == "https://normkit.invalid/schema/report/1"
    assert httpx.get(base_url + "/v1/schema/nope").status_code == 422


def test_packs_only_by_installed_name(base_url) -> None:
    body = {"budget": budget_json(CLEAN, "../../examples/packs/example-province")}
    r = httpx.post(base_url + "/v1/check", json=body)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "NK904" and r.json()["error"]["message"].startswith("no installed pack named '../../examples")
    r = httpx.post(base_url + "/v1/quote", json={"pack": "/etc", "order": {"id": "x", "date": "2024-01-01", "items": [{"norm": "a"}]}})
    assert r.status_code == 422 and r.json()["error"]["code"] == "NK905" and r.json()["error"]["path"] == "pack"
    b = budget_json(CLEAN, "example-province")
    b["overlay"] = "/etc/passwd"
    r = httpx.post(base_url + "/v1/check", json={"budget": b})
    assert r.status_code == 404 and r.json()["error"]["code"] == "NK904"


def test_structured_errors(base_url) -> None:
    r = httpx.post(base_url + "/v1/quote", json={"pack": "example-province",
                                                 "order": {"id": "x", "date": "2024-09-15", "items": [{"norm": "01.03.01.50.11"}]}})
    assert r.status_code == 422
    assert r.json()["error"] == {"code": "NK504", "message": "unknown norm code '01.03.01.50.11'", "location": "items[0].norm",
                                 "file": None, "line": None, "column": None, "path": "items[0].norm", "hint": "close matches: 01.03.01.50.10",
                                 "message_vi": "không có mã định mức '01.03.01.50.11'", "hint_vi": "close matches: 01.03.01.50.10"}
    r = httpx.post(base_url + "/v1/check", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "NK905"


def test_request_size_is_limited(base_url) -> None:
    r = httpx.post(base_url + "/v1/check", content=b" " * 1_000_001, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"]["message"] == "the request body is larger than 1000000 bytes"


def test_inline_overlay_over_http(base_url) -> None:
    b = budget_json(CLEAN, "example-province")
    b["overlay"] = {"label": "lương cơ sở cũ", "set": {"base_salary": "1800000"}}
    r = httpx.post(base_url + "/v1/check", json={"budget": b})
    assert r.status_code == 200 and r.json()["overlay"] == "lương cơ sở cũ"
    assert r.json()["totals"]["allowed"] == json.loads(check(b, pack=EXAMPLES / "packs" / "example-province").to_json())["totals"]["allowed"]
    assert r.json()["totals"]["allowed"] != json.loads(check(CLEAN).to_json())["totals"]["allowed"]


def test_openapi_conformance(base_url) -> None:
    """Every operation of the OpenAPI document, with generated requests (bounded): never a 5xx.

    (schemathesis's own pytest plugin does not run on this pytest; its strategies are used directly.)"""
    from hypothesis import given
    from schemathesis.checks import not_a_server_error

    api = schemathesis.openapi.from_url(base_url + "/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]
    assert {op.label for op in operations} >= {"POST /v1/check", "POST /v1/quote", "GET /v1/packs", "GET /health"}
    for op in operations:
        @given(case=op.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
        def run(case) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        run()
