"""A quote's JSON (``Quote.json_chunks``) is written from its fields as plain data, without
building the models' pydantic schemas (issue 13, warm start); the bytes are exactly those of
pydantic's own ``model_dump_json(by_alias=True)``, batch by batch."""

from __future__ import annotations

import json

import pytest
from normkit_testpaths import EXAMPLES

from normkit.api import WhatIf, load, resolve_order_pack
from normkit.core.io import jsonstream
from normkit.media.orders import load_order
from normkit.media.quote import Quote

ORDERS = sorted((EXAMPLES / "orders").glob("*.yaml"))


def quoted(path: str, whatif: WhatIf | None = None) -> Quote:
    order = load_order(path)
    rules = load(resolve_order_pack(order, None, EXAMPLES / "orders"))
    return (whatif.apply(rules) if whatif else rules).quote(order)


@pytest.mark.parametrize("path", ORDERS, ids=[p.stem for p in ORDERS])
def test_the_json_is_pydantics_own(path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    q = quoted(str(path))
    expected = q.model_dump_json(by_alias=True).encode()
    assert b"".join(q.json_chunks(trace=False)) == expected
    monkeypatch.setattr(jsonstream, "BATCH", 2)  # several batches of items and lines
    assert b"".join(q.json_chunks(trace=False)) == expected


def test_notes_overlay_and_unverified_values_are_written_as_pydantic_writes_them() -> None:
    q = quoted(str(EXAMPLES / "orders" / "year-plan-2023.yaml"), WhatIf(values={"base_salary": "2340000 VND/month"}))
    assert q.notes and q.overlay is not None and q.unverified  # every optional part is present
    data = b"".join(q.json_chunks(trace=False))
    assert data == q.model_dump_json(by_alias=True).encode()
    doc = json.loads(data)
    assert list(doc)[:6] == ["schema", "order_id", "at", "currency", "items", "lines"]
    assert doc["overlay"] == {"label": "what-if", "values": {"base_salary": "2340000 VND/month"}}
    assert doc["notes"][0]["check"] == "radio_duration_tolerance"


def test_the_trace_follows_the_fields() -> None:
    q = quoted(str(EXAMPLES / "orders" / "tv-bulletins.yaml"))
    doc = json.loads(b"".join(q.json_chunks(trace=True)))
    assert list(doc)[-1] == "trace" and doc["total"] == "5336124"
    assert {k: v for k, v in doc.items() if k != "trace"} == json.loads(q.model_dump_json(by_alias=True))
