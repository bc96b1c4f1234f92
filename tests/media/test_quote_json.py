"""A quote's JSON (``Quote.json_chunks``) is written from its fields as plain data, without
building the models' pydantic schemas (issue 13, warm start); the bytes are exactly those of
pydantic's own ``model_dump_json(by_alias=True)``, batch by batch."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from normkit_testpaths import EXAMPLES
from pydantic import TypeAdapter

from normkit.api import WhatIf, load, resolve_order_pack
from normkit.core.io import jsonstream
from normkit.media import quote_models
from normkit.media.orders import load_order
from normkit.media.quote import LINE_KEYS, Quote, QuoteLine, _line_batches, _line_json

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


# ---- the lines, composed from their fields -------------------------------------------------------

TEXT = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(["Nhân công", "công", 'a"b', "a\\b", "\x00\x1f\x7f", "𝔘 \u2028"])
NUMBER = st.decimals(allow_nan=True, allow_infinity=True, places=None) | st.sampled_from(
    [Decimal("1E+3"), Decimal("-0.00"), Decimal("5336124"), Decimal("0.000001")])
LINE = st.builds(QuoteLine, TEXT, TEXT, st.sampled_from(["labour", "equipment", "material", "other"]), TEXT, TEXT, TEXT,
                 NUMBER, TEXT, NUMBER, TEXT, NUMBER, NUMBER, st.booleans())


def lines_json(lines: list[QuoteLine]) -> bytes:
    return b"[" + b"".join(_line_batches(lines)) + b"]"


@settings(max_examples=200, deadline=None)
@given(st.lists(LINE, max_size=5), st.integers(1, 3))
def test_lines_composed_from_their_fields_are_the_mirrors_dump(lines: list[QuoteLine], batch: int) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(jsonstream, "BATCH", batch)  # lines split across batches
        assert lines_json(lines) == TypeAdapter(list[QuoteLine]).dump_json(lines)


def test_the_composed_keys_are_the_mirrors_fields_in_order() -> None:
    assert LINE_KEYS == QuoteLine.__match_args__ == tuple(f.name for f in dataclasses.fields(quote_models.QuoteLine))
    line = QuoteLine("i", "n", "labour", "r", "v", "e", Decimal(1), "u", Decimal(2), "VND", Decimal(2), Decimal(2), True)
    assert tuple(json.loads(lines_json([line]))[0]) == LINE_KEYS


def test_a_line_of_other_types_is_written_by_the_general_path() -> None:
    odd = QuoteLine("i", "n", "labour", "r", "v", "e", 3, "u", Decimal(2), "VND", Decimal(6), Decimal(6), True)  # type: ignore[arg-type]
    plain = QuoteLine("j", "n", "labour", "r", "v", "e", Decimal(3), "u", Decimal(2), "VND", Decimal(6), Decimal(6), True)
    assert _line_json(odd) is None and _line_json(plain) is not None
    assert lines_json([plain, odd]) == b"[" + jsonstream.encode([plain, odd])[1:-1] + b"]"
    assert json.loads(lines_json([plain, odd]))[1]["quantity"] == 3  # as the general path writes it: the batch is its


def test_a_lone_surrogate_fails_as_it_did_before() -> None:
    bad = QuoteLine("i\ud800", "n", "labour", "r", "v", "e", Decimal(1), "u", Decimal(2), "VND", Decimal(2), Decimal(2), True)
    assert _line_json(bad) is not None  # composed, but not encodable: the general path decides
    with pytest.raises(Exception) as general:  # pydantic's error or UnicodeEncodeError, as the general path gives
        jsonstream.encode([bad])
    with pytest.raises(type(general.value)):
        lines_json([bad])


def test_no_line_goes_through_a_per_record_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lines are the bulk of a large quote's JSON: neither pydantic's serialiser (turning each
    line into its mirror, 14 calls a line) nor the standard encoder (a callback for the line and
    each of its Decimals) may be asked to write one — the slow paths a quote took before its lines
    were composed (24–27× the hand-written pricing with the trace, docs/performance.md)."""
    from normkit.core import plainmodel

    q = quoted(str(EXAMPLES / "orders" / "tv-bulletins.yaml"))
    expected = b"".join(q.json_chunks(trace=False))

    def no_mirror(value: object) -> object:
        raise AssertionError(f"{type(value).__name__} turned into its mirror")

    def default(value: object) -> object:
        assert not isinstance(value, QuoteLine), "a line written by the encoder's callback"
        return jsonstream._default(value)

    with monkeypatch.context() as mp:  # pydantic's serialiser (loaded in this process)
        mp.setattr(plainmodel, "to_mirror", no_mirror)
        assert b"".join(q.json_chunks(trace=False)) == expected
    with monkeypatch.context() as mp:  # the standard encoder (a process without pydantic)
        mp.setattr(jsonstream, "encode", jsonstream.encode_stdlib)
        mp.setattr(jsonstream, "_ENCODE", json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                                                          default=default).encode)
        assert b"".join(q.json_chunks(trace=False)) == expected
    assert len(q.lines) > 10
