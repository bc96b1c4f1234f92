"""The result of pricing an order: a :class:`Quote`, with a trace node behind every figure.

In JSON every money amount is a string holding an exact decimal (VND amounts are whole
numbers once rounded), so no consumer ever parses money into a float.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .model import Source

QUOTE_SCHEMA = "normkit.quote/1"
TRACE_SCHEMA = "normkit.trace/1"


class Out(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class TraceInput(Out):
    name: str
    value: str
    unit: str | None = None


class TraceNode(Out):
    """How one figure was obtained."""

    kind: Literal["quote", "item", "line", "extra", "formula", "adjustment", "parameter", "table", "input", "rounding", "norm"]
    name: str
    label_vi: str | None = None
    label_en: str | None = None
    formula: str | None = None
    value: str
    unit: str | None = None
    inputs: list[TraceInput] = Field(default_factory=list)
    rule: str | None = Field(default=None, description="norm code, table row id, or chosen exception")
    pack: str | None = None
    location: str | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    source: Source | None = None
    verified: bool = True
    why: str | None = None
    children: list["TraceNode"] = Field(default_factory=list)


class PackRef(Out):
    id: str
    version: str
    hash: str = Field(description="sha256 of the pack's files")


class Rounding(Out):
    quantum: Decimal
    mode: str
    at: Literal["line", "subtotal", "total"]
    pack: str


class OverlayInfo(Out):
    label: str
    values: dict[str, str]


class QuoteLine(Out):
    item: str
    norm: str
    component: Literal["labour", "equipment", "material", "other"]
    resource: str
    label_vi: str
    label_en: str
    quantity: Decimal = Field(description="norm quantity × item quantity")
    quantity_unit: str
    rate: Decimal
    rate_unit: str
    amount: Decimal = Field(description="VND, rounded as the pack declares")
    amount_exact: Decimal = Field(description="VND before rounding")
    verified: bool = True


class QuoteItem(Out):
    id: str
    norm: str
    name_vi: str
    name_en: str
    quantity: Decimal
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
    trace: list[TraceNode] = Field(default_factory=list)

    model_config = ConfigDict(frozen=True, populate_by_name=True, defer_build=True)

    def to_json(self, *, trace: bool = True, indent: int | None = 2) -> str:
        return self.model_dump_json(by_alias=True, indent=indent, exclude={"trace"} if not trace else None)

    def explain(self) -> "object":
        """A rich Tree of the trace (render it with ``rich.print``)."""
        from .render import trace_tree

        return trace_tree(self)
