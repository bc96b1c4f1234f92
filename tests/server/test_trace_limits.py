"""The work one request may ask for is limited, and refused before any of it is done (413
NK909); quotes are streamed, not built as one string (issue 10: one 977 KB traced request made a
2.28 GB response after 116 s)."""

from __future__ import annotations

import json
import time

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402  (after the importorskip guards)
from normkit_testpaths import EXAMPLES  # noqa: E402  (after the importorskip guards)

import normkit  # noqa: E402  (after the importorskip guards)
from normkit.server.app import create_app  # noqa: E402  (after the importorskip guards)
from normkit.server.limits import Limits  # noqa: E402  (after the importorskip guards)

ITEM = {"norm": "01.03.01.50.10", "quantity": 3}


def order(n: int) -> dict:
    return {"id": "EX", "date": "2024-09-15", "items": [ITEM] * n}


@pytest.fixture()
def client(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NORMKIT_PATH", str(EXAMPLES / "packs"))
    return TestClient(create_app(limits=Limits(max_work=2_200, max_trace_work=220)))


def error(r, status: int) -> dict:
    assert r.status_code == status, r.text
    return r.json()["error"]


def test_a_traced_quote_over_the_limit_is_413_before_pricing(client) -> None:
    # 11 items of a 19-line norm, plus the pack's 3 extras each: 242 lines > 220
    start = time.perf_counter()
    err = error(client.post("/v1/quote", json={"pack": "example-province", "order": order(11), "trace": True}), 413)
    assert time.perf_counter() - start < 2
    assert (err["code"], err["message"], err["path"]) == (
        "NK909", "the order asks for 242 priced lines with its trace (items × norm lines); the limit per request is 220", "order.items")
    assert err["hint"].startswith("split the order or budget into smaller requests")
    # the same order without the trace is within the other limit; 10 items with the trace too
    assert client.post("/v1/quote", json={"pack": "example-province", "order": order(11)}).status_code == 200
    assert client.post("/v1/quote", json={"pack": "example-province", "order": order(10), "trace": True}).status_code == 200


def test_an_untraced_quote_over_the_limit_is_413(client) -> None:
    err = error(client.post("/v1/quote", json={"pack": "example-province", "order": order(101)}), 413)
    assert err["message"] == "the order asks for 2,222 priced lines (items × norm lines); the limit per request is 2,200"


def test_a_budget_check_over_the_limit_is_413(client) -> None:
    budget = {"normkit_budget": 1, "id": "b", "kind": "budget", "date": "2024-09-15", "total": 1,
              "lines": [{"ref": str(i), "product": "01.03.01.50.10", "quantity": 1, "unit_price": 1, "amount": 1} for i in range(11)]}
    err = error(client.post("/v1/check", json={"pack": "example-province", "budget": budget, "trace": True}), 413)
    assert (err["code"], err["message"], err["path"]) == (
        "NK909", "the budget asks for 242 priced lines with its trace (items × norm lines); the limit per request is 220", "budget.lines")


def test_the_streamed_quote_is_the_library_s_json(client) -> None:
    r = client.post("/v1/quote", json={"pack": "example-province", "order": order(10), "trace": True})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert "content-length" not in r.headers  # streamed (chunked), not one body built in memory
    q = normkit.load(EXAMPLES / "packs" / "example-province").quote(order(10))
    assert r.json() == json.loads(q.to_json())
    assert r.json()["trace"]["schema"] == "normkit.trace/2"


def test_the_limits_are_options_of_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    from normkit.cli.main import parser
    from normkit.cli.serve import limits_from

    args = parser().parse_args(["serve", "--max-work", "5000"])
    monkeypatch.setenv("NORMKIT_MAX_TRACE_WORK", "700")
    limits = limits_from(args)
    assert (limits.max_work, limits.max_trace_work) == (5000, 700)
    assert (Limits().max_work, Limits().max_trace_work) == (200_000, 20_000)
