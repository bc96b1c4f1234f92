"""The result of pricing an order: a :class:`Quote`, with a trace node behind every figure.

In JSON every money amount is a string holding an exact decimal (VND amounts are whole
numbers once rounded), so no consumer ever parses money into a float.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from normkit.core.io import jsonstream
from normkit.core.surface import Source
from normkit.core.trace import TRACE_SCHEMA, Graph, TraceGraph, TraceInput, TraceNode

QUOTE_SCHEMA = "normkit.quote/2"
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
    "TraceGraph",
    "TraceInput",
    "TraceNode",
    "fast_model",
]


M = TypeVar("M", bound=BaseModel)


def fast_model(cls: type[M], values: dict[str, Any]) -> M:
    """Build a model from values the engine computed and already knows to be valid.

    Like ``model_construct`` without its per-field default handling: ``values`` must name every
    field. Used on the hot path of pricing, where validation would only re-check our own work."""
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    if cls.__private_attributes__:
        object.__setattr__(obj, "__pydantic_private__", {k: v.get_default() for k, v in cls.__private_attributes__.items()})
    return obj


class Out(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class PackRef(Out):
    id: str
    version: str
    hash: str = Field(description="sha256 of the pack's files")


class Rounding(Out):
    quantum: Decimal
    mode: str
    at: Literal["line", "subtotal", "total"]
    basis: Literal["one_unit", "whole_quantity"] = Field(
        default="one_unit", description="one_unit: every amount of an item is its one-unit amount × the quantity, rounded; "
                                        "whole_quantity: lines priced and rounded on the whole quantity")
    pack: str


class OverlayInfo(Out):
    label: str
    values: dict[str, str]


@dataclass(slots=True)
class QuoteLine:
    """One priced line: a norm line (labour, equipment, material) or an extra ("other").

    A plain slotted dataclass rather than a pydantic model: a quote can hold thousands of
    lines and this is the hot path. pydantic still validates, serialises and documents it
    as part of :class:`Quote`. ``quantity`` is the norm quantity × the item quantity;
    ``amount`` is in VND, rounded as the pack declares; ``amount_exact`` is before rounding."""

    item: str
    norm: str
    component: Literal["labour", "equipment", "material", "other"]
    resource: str
    label_vi: str
    label_en: str
    quantity: Decimal
    quantity_unit: str
    rate: Decimal
    rate_unit: str
    amount: Decimal
    amount_exact: Decimal
    verified: bool = True


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


class QuoteNote(Out):
    """A rule whose condition was not met, priced anyway because the order gave the
    override the rule allows (with its reason)."""

    item: str
    check: str
    label_vi: str
    label_en: str
    message_vi: str
    message_en: str
    reason: str
    source: Source | None = None


class QuoteItem(Out):
    id: str
    norm: str
    name_vi: str
    name_en: str
    quantity: Decimal
    unit_price: Decimal | None = Field(
        default=None, description="the one-unit amount (đơn giá) every amount of the item is a multiple of; "
                                  "absent when the pack prices on the whole quantity")
    subtotals: dict[str, Decimal]
    total: Decimal


class Quote(Out):
    """A priced order."""

    schema_: str = Field(default=QUOTE_SCHEMA, alias="schema")
    order_id: str
    at: dt.date
    currency: str = "VND"
    items: list[QuoteItem]
    lines: list[QuoteLine]
    subtotals: dict[str, Decimal]
    total: Decimal
    rounding: Rounding
    packs: list[PackRef]
    overlay: OverlayInfo | None = None
    unverified: list[str] = Field(default_factory=list, description="values used that are not verified in their source")
    notes: list[QuoteNote] = Field(default_factory=list, description="rule conditions overridden by the order, with reasons")

    model_config = ConfigDict(frozen=True, populate_by_name=True, defer_build=True)
    _materialize: Any = PrivateAttr(default=None)
    _graph: Any = PrivateAttr(default=None)
    _item_trace: Any = PrivateAttr(default=None)  # index -> that item's trace node alone (what the XLSX sheet reads)
    _vocab: Any = PrivateAttr(default=None)  # the units of the packs (their Vietnamese names, for the XLSX sheet)

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

        The bytes are those of ``model_dump_json(by_alias=True)``, written from the fields as plain
        data by pydantic's serialiser without building the models' schemas (a warm
        ``normkit price --json`` starts faster; tests/test_quote_json.py compares the two)."""
        fields: list[tuple[str, bytes | Iterator[bytes]]] = []
        values = self.__dict__
        for name, key in _keys(Quote):
            if name == "items":
                fields.append((key, jsonstream.array(_batches(self.items, _plain))))
            elif name == "lines":
                fields.append((key, jsonstream.array(_batches(self.lines, None))))
            else:
                fields.append((key, jsonstream.encode(_plain(values[name]))))
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


_KEYS: dict[type[BaseModel], tuple[tuple[str, str], ...]] = {}


def _keys(cls: type[BaseModel]) -> tuple[tuple[str, str], ...]:
    """``(attribute, JSON key)`` of each field of ``cls``, in order (the key is the alias, if any)."""
    keys = _KEYS.get(cls)
    if keys is None:
        keys = _KEYS[cls] = tuple((name, f.serialization_alias or f.alias or name) for name, f in cls.model_fields.items())
    return keys


def _plain(value: Any) -> Any:
    """``value`` with every model in it (a quote's items, its rounding, a note's source …) as a
    dict of its fields by JSON key, as ``model_dump(by_alias=True)`` gives it; plain data is kept."""
    if isinstance(value, BaseModel):
        fields = value.__dict__
        return {key: _plain(fields[name]) for name, key in _keys(type(value))}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _batches(values: list[Any], plain: Callable[[Any], Any] | None) -> Iterator[bytes]:
    """The elements of ``values`` as JSON separated by commas (no brackets), :data:`jsonstream.BATCH`
    at a time (memory bounded by the batch); ``plain`` turns a model into plain data first
    (dataclasses are serialised as they are)."""
    batch = jsonstream.BATCH
    for start in range(0, len(values), batch):
        part = values[start:start + batch]
        data = jsonstream.encode([plain(v) for v in part] if plain is not None else part)
        if len(data) > 2:
            yield (b"," if start else b"") + data[1:-1]
