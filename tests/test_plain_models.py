"""The plain value classes (normkit.core.plainmodel) and their pydantic mirrors (issue 13, warm
start, the output side): the surface records (Label, Source, Validity, Money), the trace's
TraceNode/TraceInput and the quote's records are plain slotted classes; each keeps the fields,
defaults, validation errors, dumps and JSON Schema of the pydantic model it replaced."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined, to_json

from normkit.core import surface, surface_mirrors, trace, trace_models
from normkit.core.io import plain as codec
from normkit.core.plainmodel import PlainModel, mirror_of, mirrored, to_mirror, to_plain
from normkit.core.records import FrozenInstanceError
from normkit.core.schema import Manifest
from normkit.media import quote, quote_models

PAIRS = [(surface.Label, surface_mirrors.Label), (surface.Source, surface_mirrors.Source), (surface.Validity, surface_mirrors.Validity),
         (surface.Money, surface_mirrors.Money), (trace.TraceInput, trace_models.TraceInput), (trace.TraceNode, trace_models.TraceNode),
         (quote.PackRef, quote_models.PackRef), (quote.Rounding, quote_models.Rounding), (quote.OverlayInfo, quote_models.OverlayInfo),
         (quote.QuoteNote, quote_models.QuoteNote), (quote.QuoteItem, quote_models.QuoteItem), (quote.Quote, quote_models.Quote)]
IDS = [p.__name__ for p, _ in PAIRS]


SAMPLES: dict[str, Any] = {"at": dt.date(2024, 1, 1), "from_": dt.date(2024, 1, 1), "kind": "line", "quantity": Decimal(1),
                           "total": Decimal(1), "quantum": Decimal(1), "subtotals": {}, "values": {}, "items": [], "lines": [],
                           "packs": [], "rounding": None}


def required(mirror: type[BaseModel]) -> dict[str, Any]:
    """A value for each field without a default (what the plain class must be given)."""
    return {name: SAMPLES.get(name, "x") for name, f in mirror.model_fields.items() if f.is_required()}


@pytest.mark.parametrize(("plain", "mirror"), PAIRS, ids=IDS)
def test_the_mirror_has_the_plain_class_fields_in_order_and_its_docstring(plain: type[PlainModel], mirror: type[BaseModel]) -> None:
    assert plain.__match_args__ == tuple(mirror.model_fields)
    assert mirror_of(plain) is mirror
    assert (plain.__doc__ or None) == (mirror.__doc__ if "__doc__" in vars(mirror) else None)
    assert not issubclass(plain, BaseModel)


@pytest.mark.parametrize(("plain", "mirror"), PAIRS, ids=IDS)
def test_the_plain_defaults_are_the_mirror_defaults(plain: type[PlainModel], mirror: type[BaseModel]) -> None:
    given_values = required(mirror)
    obj = plain(**given_values)
    for name, f in mirror.model_fields.items():
        if name in given_values:
            assert getattr(obj, name) is given_values[name]
        else:
            default = f.default_factory() if f.default_factory is not None else f.default  # type: ignore[call-arg]
            assert default is not PydanticUndefined
            assert getattr(obj, name) == default and type(getattr(obj, name)) is type(default), name


def test_value_semantics_equality_hash_repr_frozen_pickle_copy() -> None:
    a, b = surface.Label("Tên", "Name"), surface.Label(vi="Tên", en="Name")
    assert a == b and hash(a) == hash(b) and a != surface.Label("Tên", "Other") and a != ("Tên", "Name")
    assert repr(a) == "Label(vi='Tên', en='Name')"
    with pytest.raises(FrozenInstanceError):
        a.vi = "x"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del a.vi  # type: ignore[misc]
    src = surface.Source("Thông tư 03/2023", date=dt.date(2023, 5, 1), verified=False, why="not read")
    assert pickle.loads(pickle.dumps(src)) == src and copy.copy(src) == src and copy.deepcopy(src) == src  # noqa: S301 (our own bytes)
    match src:
        case surface.Source(document, _, _, date):
            assert (document, date) == ("Thông tư 03/2023", dt.date(2023, 5, 1))
    money = surface.Money(quantum=Decimal(1000))
    assert (money.currency, money.quantum, money.rounding, money.round_at, money.amount_basis, money.source) == (
        "VND", Decimal(1000), "half_up", "line", "one_unit", None)


def test_model_copy_replaces_fields_and_keeps_the_private_slots() -> None:
    q = quote.Quote(order_id="O", at=dt.date(2024, 1, 1), items=[], lines=[], subtotals={}, total=Decimal(5),
                    rounding=quote.Rounding(quantum=Decimal(1), mode="half_up", at="line", pack="p"), packs=[])
    q._vocab = "units"
    c = q.model_copy(update={"order_id": "P"})
    assert (c.order_id, c.total, c._vocab, q.order_id) == ("P", Decimal(5), "units", "O")
    shallow, deep = copy.copy(q), copy.deepcopy(q)
    assert shallow == q == deep and (shallow._vocab, deep._vocab) == ("units", "units")
    assert shallow.items is q.items and deep.items is not q.items
    assert pickle.loads(pickle.dumps(q)) == q and pickle.loads(pickle.dumps(q))._vocab is None  # noqa: S301 (our own bytes)
    assert q.model_dump_json(by_alias=True).startswith('{"schema":"normkit.quote/2","order_id":"O","at":"2024-01-01","currency":"VND"')


def test_pack_errors_come_from_the_mirror_with_the_union_labels_pydantic_gave() -> None:
    bad = {"source": {"document": 5, "x": 1}}
    with pytest.raises(ValidationError) as plain_err:
        surface.Money.model_validate(bad)
    with pytest.raises(ValidationError) as mirror_err:
        surface_mirrors.Money.model_validate(bad)
    assert plain_err.value.errors(include_url=False) == mirror_err.value.errors(include_url=False)
    assert [e["loc"] for e in plain_err.value.errors()] == [("source", "constrained-str"), ("source", "Source", "document"),
                                                            ("source", "Source", "x")]
    ok = surface.Money.model_validate({"quantum": "1000", "source": {"document": "QĐ 1", "date": "2024-01-02"}})
    assert type(ok) is surface.Money and type(ok.source) is surface.Source and ok.source.date == dt.date(2024, 1, 2)
    assert ok.quantum == Decimal(1000)


def test_a_pack_model_holds_plain_objects_and_dumps_them_as_before() -> None:
    m = Manifest.model_validate({"normkit": 1, "id": "p", "title": {"vi": "Gói", "en": "Pack"}, "version": "1", "jurisdiction": "VN",
                                 "valid": {"from": "2024-01-01"}, "money": {"quantum": 1000, "source": "nd73"}})
    assert type(m.title) is surface.Label and type(m.valid) is surface.Validity and type(m.money) is surface.Money
    assert m.money is not None and m.money.source == "nd73"
    dumped = m.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert dumped["title"] == {"vi": "Gói", "en": "Pack"} and dumped["valid"] == {"from": "2024-01-01"}
    assert dumped["money"] == {"currency": "VND", "quantum": "1000", "rounding": "half_up", "round_at": "line", "amount_basis": "one_unit",
                               "source": "nd73"}
    same = Manifest.model_validate(m.model_dump(by_alias=True))  # plain objects given back to a model are taken as they are
    assert same == m


def test_mirror_round_trip_and_pydantic_core_serialises_a_plain_object_as_its_mirror() -> None:
    node = trace.TraceNode(kind="line", name="n", value="1", inputs=[trace.TraceInput(name="a", value="2", unit="VND")],
                           source=surface.Source("d", date=dt.date(2024, 2, 3)))
    parent = trace.TraceNode(kind="item", name="p", value="3", children=[node, node])
    m = to_mirror(parent)
    assert type(m) is trace_models.TraceNode and m.children[0] is m.children[1]  # a shared node is converted once
    assert to_plain(m) == parent
    assert to_json(parent) == to_json(m) == parent.model_dump_json().encode()
    assert to_json([quote.PackRef(id="a", version="1", hash="h")]) == b'[{"id":"a","version":"1","hash":"h"}]'


def test_the_cache_codec_writes_the_surface_records_field_by_field() -> None:
    data = {"m": surface.Money(quantum=Decimal("1E+3"), source=surface.Source("d", verified=False)), "l": surface.Label("a", "b")}
    raw = codec.dumps(data)
    assert b'"o","core.Money"' in raw and b'"m",' not in raw
    assert codec.loads(raw) == data


dates = st.none() | st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@given(document=texts, article=st.none() | texts, table=st.none() | texts, date=dates, url=st.none() | texts, verified=st.booleans(),
       why=st.none() | texts)
def test_source_json_fields_is_the_mirrors_json_dump_without_defaults(document: str, article: str | None, table: str | None,
                                                                      date: dt.date | None, url: str | None, verified: bool,
                                                                      why: str | None) -> None:
    src = surface.Source(document, article, table, date, url, verified, why)
    assert src.json_fields() == to_mirror(src).model_dump(mode="json", exclude_defaults=True)
    assert list(src.json_fields()) == list(to_mirror(src).model_dump(mode="json", exclude_defaults=True))



def test_a_thread_needing_a_mirror_waits_for_the_loader_another_thread_runs() -> None:
    import threading

    class Probe(PlainModel):
        __slots__ = ()

    class ProbeMirror:
        pass

    started, release = threading.Event(), threading.Event()

    def loader() -> dict[type, type]:
        started.set()
        release.wait(10)
        return {Probe: ProbeMirror}

    mirrored(loader)
    got: list[object] = []
    first = threading.Thread(target=lambda: got.append(mirror_of(Probe)))
    first.start()
    assert started.wait(10)  # the first thread runs the loader (the list of loaders is empty now)
    second = threading.Thread(target=lambda: got.append(mirror_of(Probe)))
    second.start()
    second.join(0.2)
    assert second.is_alive()  # it waits for the loader, rather than failing to find the mirror
    release.set()
    first.join(10)
    second.join(10)
    assert got == [ProbeMirror, ProbeMirror]
