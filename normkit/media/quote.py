"""The result of pricing an order: a :class:`Quote`, with a trace node behind every figure.

In JSON every money amount is a string holding an exact decimal (VND amounts are whole
numbers once rounded), so no consumer ever parses money into a float.

The quote's records are plain slotted classes (:mod:`normkit.core.plainmodel`), so pricing and
writing the JSON never touch pydantic; their pydantic mirrors, with the JSON Schema and
pydantic's own dumps (``model_dump``, ``model_dump_json``), are in :mod:`normkit.media.quote_models`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from json.encoder import encode_basestring as _text  # the C escaper when there is one (the standard encoder's)
from typing import IO, Any, Literal, Protocol, TypeVar

from normkit.core.io import jsonstream
from normkit.core.plainmodel import PlainModel, mirrored
from normkit.core.surface import Source
from normkit.core.trace import TRACE_SCHEMA, Graph, TraceInput, TraceNode
from normkit.media.quoteline import QUOTE_SCHEMA, QuoteLine

__all__ = [
    "QUOTE_SCHEMA",
    "TRACE_SCHEMA",
    "OverlayInfo",
    "PackRef",
    "Quote",
    "QuoteItem",
    "QuoteLine",
    "QuoteNote",
    "Rounding",
    "TraceInput",
    "TraceNode",
    "fast_model",
]


M = TypeVar("M")

_set = object.__setattr__


def fast_model(cls: type[M], values: dict[str, Any]) -> M:
    """Build a quote record (or a pydantic model) from values the engine computed and already
    knows to be valid: ``values`` must name every field. Used on the hot path of pricing."""
    if issubclass(cls, PlainModel):
        return cls(**values)
    obj: Any = cls.__new__(cls)  # a pydantic model: model_construct without its per-field default handling
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", set(values))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    private = getattr(cls, "__private_attributes__", None)
    if private:
        _set(obj, "__pydantic_private__", {k: v.get_default() for k, v in private.items()})
    out: M = obj
    return out


class PackRef(PlainModel):
    __slots__ = ("hash", "id", "version")
    __match_args__ = ("id", "version", "hash")
    id: str
    version: str
    hash: str  # sha256 of the pack's files

    def __init__(self, *, id: str, version: str, hash: str) -> None:
        _set(self, "id", id)
        _set(self, "version", version)
        _set(self, "hash", hash)


class Rounding(PlainModel):
    __slots__ = ("at", "basis", "mode", "pack", "quantum")
    __match_args__ = ("quantum", "mode", "at", "basis", "pack")
    quantum: Decimal
    mode: str
    at: Literal["line", "subtotal", "total"]
    basis: Literal["one_unit", "whole_quantity"]  # one_unit: every amount of an item is its one-unit amount × the quantity, rounded
    pack: str

    def __init__(self, *, quantum: Decimal, mode: str, at: Literal["line", "subtotal", "total"],
                 basis: Literal["one_unit", "whole_quantity"] = "one_unit", pack: str) -> None:
        _set(self, "quantum", quantum)
        _set(self, "mode", mode)
        _set(self, "at", at)
        _set(self, "basis", basis)
        _set(self, "pack", pack)


class OverlayInfo(PlainModel):
    __slots__ = ("label", "values")
    __match_args__ = ("label", "values")
    label: str
    values: dict[str, str]

    def __init__(self, *, label: str, values: dict[str, str]) -> None:
        _set(self, "label", label)
        _set(self, "values", values)


def quote_line(item: str, norm: str, priced: PricedLineFields) -> QuoteLine:
    """The :class:`QuoteLine` of a priced norm line, for item ``item`` of norm ``norm``.

    The one place that fills a QuoteLine from a priced line, field by field (positional only
    because this is the hot path: a keyword call costs twice as much; the field order is the
    class's just above, and tests/test_named_structures.py pins every field by name)."""
    plan = priced.plan
    return QuoteLine(item, norm, plan.component, plan.resource, plan.label_vi, plan.label_en,  # type: ignore[arg-type]
                     priced.quantity, plan.unit, priced.rate, plan.rate_unit, priced.amount, priced.exact, plan.verified)


def scaled_line(item: str, norm: str, unit: PricedLineFields, quantity: Decimal, amount: Decimal) -> QuoteLine:
    """The :class:`QuoteLine` of ``quantity`` products from a line priced for ONE product:
    quantity × the line's one-unit quantity, the same rate, ``amount`` (the one-unit amount ×
    ``quantity``, rounded by the caller), and as ``amount_exact`` that product before rounding."""
    plan = unit.plan
    return QuoteLine(item, norm, plan.component, plan.resource, plan.label_vi, plan.label_en,  # type: ignore[arg-type]
                     unit.quantity * quantity, plan.unit, unit.rate, plan.rate_unit, amount, unit.amount * quantity, plan.verified)


def extra_line(item: str, norm: str, resource: str, label_vi: str, label_en: str, exact: Decimal, amount: Decimal) -> QuoteLine:
    """The :class:`QuoteLine` of an extra (component "other", quantity 1, rate = its exact amount);
    positional for speed, like :func:`quote_line`."""
    return QuoteLine(item, norm, "other", resource, label_vi, label_en, _ONE, "1", exact, "VND", amount, exact, True)


_ONE = Decimal(1)


class LinePlanFields(Protocol):
    @property
    def component(self) -> str: ...
    @property
    def resource(self) -> str: ...
    @property
    def label_vi(self) -> str: ...
    @property
    def label_en(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def rate_unit(self) -> str: ...
    @property
    def verified(self) -> bool: ...


class PricedLineFields(Protocol):
    """What :func:`quote_line` reads (``normkit.media.pricing.PricedLine`` has it)."""

    @property
    def plan(self) -> LinePlanFields: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def rate(self) -> Decimal: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def exact(self) -> Decimal: ...


class QuoteNote(PlainModel):
    """A rule whose condition was not met, priced anyway because the order gave the
    override the rule allows (with its reason)."""

    __slots__ = ("check", "item", "label_en", "label_vi", "message_en", "message_vi", "reason", "source")
    __match_args__ = ("item", "check", "label_vi", "label_en", "message_vi", "message_en", "reason", "source")
    item: str
    check: str
    label_vi: str
    label_en: str
    message_vi: str
    message_en: str
    reason: str
    source: Source | None

    def __init__(self, *, item: str, check: str, label_vi: str, label_en: str, message_vi: str, message_en: str, reason: str,
                 source: Source | None = None) -> None:
        _set(self, "item", item)
        _set(self, "check", check)
        _set(self, "label_vi", label_vi)
        _set(self, "label_en", label_en)
        _set(self, "message_vi", message_vi)
        _set(self, "message_en", message_en)
        _set(self, "reason", reason)
        _set(self, "source", source)


class QuoteItem(PlainModel):
    __slots__ = ("id", "name_en", "name_vi", "norm", "quantity", "subtotals", "total", "unit_price")
    __match_args__ = ("id", "norm", "name_vi", "name_en", "quantity", "unit_price", "subtotals", "total")
    id: str
    norm: str
    name_vi: str
    name_en: str
    quantity: Decimal
    unit_price: Decimal | None  # the one-unit amount (đơn giá); None when the pack prices on the whole quantity
    subtotals: dict[str, Decimal]
    total: Decimal

    def __init__(self, *, id: str, norm: str, name_vi: str, name_en: str, quantity: Decimal,
                 unit_price: Decimal | None = None, subtotals: dict[str, Decimal], total: Decimal) -> None:
        _set(self, "id", id)
        _set(self, "norm", norm)
        _set(self, "name_vi", name_vi)
        _set(self, "name_en", name_en)
        _set(self, "quantity", quantity)
        _set(self, "unit_price", unit_price)
        _set(self, "subtotals", subtotals)
        _set(self, "total", total)


class Quote(PlainModel):
    """A priced order."""

    __slots__ = ("_graph", "_item_trace", "_materialize", "_vocab", "at", "currency", "items", "lines", "notes", "order_id", "overlay",
                 "packs", "rounding", "schema_", "subtotals", "total", "unverified")
    __match_args__ = ("schema_", "order_id", "at", "currency", "items", "lines", "subtotals", "total", "rounding", "packs", "overlay",
                      "unverified", "notes")
    schema_: str  # written as `schema`
    order_id: str
    at: dt.date
    currency: str
    items: list[QuoteItem]
    lines: list[QuoteLine]
    subtotals: dict[str, Decimal]
    total: Decimal
    rounding: Rounding
    packs: list[PackRef]
    overlay: OverlayInfo | None
    unverified: list[str]  # values used that are not verified in their source
    notes: list[QuoteNote]  # rule conditions overridden by the order, with reasons
    # not fields: how the trace is made on first use (set by pricing), the trace, one item's trace, the packs' units
    _materialize: Any
    _graph: Any
    _item_trace: Any  # index -> that item's trace node alone (what the XLSX sheet reads)
    _vocab: Any  # the units of the packs (their Vietnamese names, for the XLSX sheet)

    def __init__(self, *, schema_: str = QUOTE_SCHEMA, order_id: str, at: dt.date, currency: str = "VND", items: list[QuoteItem],
                 lines: list[QuoteLine], subtotals: dict[str, Decimal], total: Decimal, rounding: Rounding, packs: list[PackRef],
                 overlay: OverlayInfo | None = None, unverified: list[str] | None = None, notes: list[QuoteNote] | None = None) -> None:
        _set(self, "schema_", schema_)
        _set(self, "order_id", order_id)
        _set(self, "at", at)
        _set(self, "currency", currency)
        _set(self, "items", items)
        _set(self, "lines", lines)
        _set(self, "subtotals", subtotals)
        _set(self, "total", total)
        _set(self, "rounding", rounding)
        _set(self, "packs", packs)
        _set(self, "overlay", overlay)
        _set(self, "unverified", [] if unverified is None else unverified)
        _set(self, "notes", [] if notes is None else notes)
        _set(self, "_materialize", None)
        _set(self, "_graph", None)
        _set(self, "_item_trace", None)
        _set(self, "_vocab", None)

    def trace_graph(self) -> Graph:
        """How every figure was obtained, as a graph (each distinct node once). The engine
        records it while pricing; it is built on first use (explain, JSON export)."""
        if self._graph is None:
            self._graph = self._materialize() if self._materialize is not None else Graph()
        graph: Graph = self._graph
        return graph

    @property
    def trace(self) -> list[TraceNode]:
        """The trace as :class:`TraceNode` trees, one per item (then a total rounding); a
        sub-result shared by several figures is the same object in each."""
        return self.trace_graph().trees()

    def json_chunks(self, *, trace: bool = True) -> Iterator[bytes]:
        """The quote as compact JSON (``normkit.quote/2``), in chunks: items and lines are
        serialised a batch at a time, the trace is the graph (``normkit.trace/2``) under ``trace``.

        The bytes are those of ``model_dump_json(by_alias=True)`` (the pydantic mirror's,
        :mod:`normkit.media.quote_models`), written from the fields as plain data without any
        pydantic model (a warm ``normkit price --json`` starts faster; tests/media/test_quote_json.py
        compares the two)."""
        fields: list[tuple[str, bytes | Iterator[bytes]]] = []
        for name, key in _keys(Quote):
            if name == "items":
                fields.append((key, jsonstream.array(_batches(self.items, _plain))))
            elif name == "lines":
                fields.append((key, jsonstream.array(_line_batches(self.lines))))
            else:
                fields.append((key, jsonstream.encode(_plain(getattr(self, name)))))
        if trace:
            fields.append(("trace", self.trace_graph().chunks()))
        return jsonstream.obj(fields)

    def write_json(self, out: IO[bytes], *, trace: bool = True) -> None:
        """Write the quote's JSON (UTF-8) to the binary stream ``out`` as it is produced (never
        one whole string), e.g. ``sys.stdout.buffer``."""
        jsonstream.write(self.json_chunks(trace=trace), out)

    def to_json(self, *, trace: bool = True, indent: int | None = None) -> str:
        """The quote's JSON as one string (compact unless ``indent``); for large quotes use
        :meth:`write_json` or :meth:`json_chunks`."""
        return jsonstream.text(self.json_chunks(trace=trace), indent)


_ALIASES = {"schema_": "schema"}  # the one field whose JSON key is not its name
_KEYS: dict[type, tuple[tuple[str, str], ...]] = {}


def _keys(cls: type[PlainModel]) -> tuple[tuple[str, str], ...]:
    """``(attribute, JSON key)`` of each field of ``cls``, in order."""
    keys = _KEYS.get(cls)
    if keys is None:
        keys = _KEYS[cls] = tuple((name, _ALIASES.get(name, name)) for name in cls.__match_args__)
    return keys


def _plain(value: Any) -> Any:
    """``value`` with every record in it (a quote's items, its rounding, a note's source …) as a
    dict of its fields by JSON key, as ``model_dump(by_alias=True)`` gives it; plain data is kept."""
    if isinstance(value, PlainModel):
        return {key: _plain(getattr(value, name)) for name, key in _keys(type(value))}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _mirrors() -> dict[type, type]:
    from normkit.media import quote_models as m

    return {PackRef: m.PackRef, Rounding: m.Rounding, OverlayInfo: m.OverlayInfo, QuoteNote: m.QuoteNote, QuoteItem: m.QuoteItem,
            Quote: m.Quote, QuoteLine: m.QuoteLine}


mirrored(_mirrors)


def _batches(values: list[Any], plain: Callable[[Any], Any]) -> Iterator[bytes]:
    """The elements of ``values`` as JSON separated by commas (no brackets), :data:`jsonstream.BATCH`
    at a time (memory bounded by the batch); ``plain`` turns a model into plain data first."""
    batch = jsonstream.BATCH
    for start in range(0, len(values), batch):
        part = values[start:start + batch]
        data = jsonstream.encode([plain(v) for v in part])
        if len(data) > 2:
            yield (b"," if start else b"") + data[1:-1]


def _line_json(x: QuoteLine) -> str | None:
    """One quote line's JSON, composed from its fields: the bytes its mirror's dump gives (text
    escaped by the standard library's escaper, the one its JSON encoder uses; a Decimal as its exact
    text, quoted). The hot part of a large quote's JSON: no record is turned into a dict or a
    mirror, no Decimal goes through a callback. None when a field is not of its declared type
    (the general path then writes the batch)."""
    quantity, rate, amount, exact, verified = x.quantity, x.rate, x.amount, x.amount_exact, x.verified
    if not (type(quantity) is type(rate) is type(amount) is type(exact) is Decimal and type(verified) is bool):
        return None
    try:
        return ('{"item":' + _text(x.item) + ',"norm":' + _text(x.norm) + ',"component":' + _text(x.component)
                + ',"resource":' + _text(x.resource) + ',"label_vi":' + _text(x.label_vi) + ',"label_en":' + _text(x.label_en)
                + ',"quantity":"' + str(quantity) + '","quantity_unit":' + _text(x.quantity_unit) + ',"rate":"' + str(rate)
                + '","rate_unit":' + _text(x.rate_unit) + ',"amount":"' + str(amount) + '","amount_exact":"' + str(exact)
                + ('","verified":true}' if verified else '","verified":false}'))
    except TypeError:  # a text field that is not a str
        return None


#: the JSON keys :func:`_line_json` writes, in its order (tests/media/test_quote_json.py checks them
#: against the mirror's fields)
LINE_KEYS = ("item", "norm", "component", "resource", "label_vi", "label_en", "quantity", "quantity_unit", "rate",
             "rate_unit", "amount", "amount_exact", "verified")


def _line_batches(lines: list[QuoteLine]) -> Iterator[bytes]:
    """:func:`_batches` for the quote's lines, each composed by :func:`_line_json`; a batch with a
    line it cannot write (a field of another type, text that is not valid Unicode) is written by
    the general path, which writes it or says why it cannot."""
    batch = jsonstream.BATCH
    for start in range(0, len(lines), batch):
        part = lines[start:start + batch]
        texts = [_line_json(x) for x in part]
        data = None
        if None not in texts:
            try:
                data = ",".join(texts).encode()  # type: ignore[arg-type]  # no None: checked above
            except UnicodeEncodeError:  # a lone surrogate
                data = None
        if data is None:
            data = jsonstream.encode(part)[1:-1]
        if data:
            yield (b"," if start else b"") + data
