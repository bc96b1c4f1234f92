"""The file formats, as pydantic models: the single source of truth for pack files,
orders and overlays (their JSON Schemas come from here).

These models describe the *surface* a person writes. Checking (names, units, dates,
references) happens in :mod:`normkit.check`, which turns them into a compiled pack set.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, StringConstraints, Tag

FORMAT_VERSION = 1

Word = Annotated[str, StringConstraints(pattern=r"^[^\W\d]\w*$", max_length=80)]
SetName = Annotated[str, StringConstraints(pattern=r"^[^\W\d]\w*(\[[^\[\]]{1,200}\])?$", max_length=300)]
"""What an overlay sets: a parameter name, or a table row ``table[key]`` / ``table[key1,key2]``."""
SourceId = Annotated[str, StringConstraints(pattern=r"^[^\W\d][\w.-]*$", max_length=80)]
PackId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=80)]
Text = Annotated[str, StringConstraints(max_length=2000)]
Expr = Annotated[str, StringConstraints(max_length=10_000)]
UnitText = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v), StringConstraints(max_length=200)]
Mode = Literal["half_up", "half_even", "half_down", "up", "down", "ceiling", "floor"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, defer_build=True)


class Label(Strict):
    """A name in Vietnamese (with diacritics) and English."""

    vi: Text
    en: Text


class Source(Strict):
    """Where a value comes from: document, place in it, date, address, and whether it was
    read in the source (``verified``) or not (then ``why`` says what is uncertain)."""

    document: Text
    article: Text | None = None
    table: Text | None = None
    date: dt.date | None = None
    url: Text | None = None
    verified: bool = True
    why: Text | None = None


SourceRef = SourceId | Source  # the id of a source declared in `sources:`, or one written inline


class Validity(Strict):
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None


class Money(Strict):
    """How money is rounded: to a multiple of ``quantum`` with ``rounding``, at ``round_at``, on the
    basis ``amount_basis`` (one unit × quantity, or the whole quantity)."""

    currency: Literal["VND"] = "VND"
    quantum: Decimal = Decimal(1)
    rounding: Mode = "half_up"
    round_at: Literal["line", "subtotal", "total"] = "line"
    amount_basis: Literal["one_unit", "whole_quantity"] = Field(
        default="one_unit",
        description="how an item's amounts are built: `one_unit` (default) prices ONE product (its unit price, đơn giá, "
                    "rounded at `round_at`) and every amount of the item is that one-unit amount × the quantity, rounded; "
                    "`whole_quantity` prices the lines on the whole quantity and rounds them there")
    source: SourceRef | None = None


class Manifest(Strict):
    """``pack.yaml``: who the pack is, what it rests on, and when it may be used."""

    normkit: Literal[1] = Field(description="pack format version")
    id: PackId
    title: Label
    version: Annotated[str, StringConstraints(max_length=40)]
    jurisdiction: Annotated[str, StringConstraints(max_length=80)]
    legal_basis: list[SourceId] = Field(default_factory=list, description="ids of sources in `sources:`")
    valid: Validity
    extends: list[Annotated[str, StringConstraints(max_length=200)]] = Field(default_factory=list)
    status: Literal["official", "illustrative", "test"] = "official"
    description: Text | None = None
    money: Money | None = None
    files: list[Annotated[str, StringConstraints(max_length=200)]] | None = None


class UnitSpec(Strict):
    dimension: Word | None = None
    definition: UnitText | None = None
    label: Label | None = None
    aliases: list[Word] = Field(default_factory=list)


class DatedValue(Strict):
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None
    value: Decimal | bool | Text
    source: SourceRef | None = None
    verified: bool | None = None
    why: Text | None = None


class Parameter(Strict):
    """A named value that changes over time, e.g. the base salary."""

    label: Label
    unit: UnitText = "1"
    type: Literal["number", "bool", "text"] = "number"
    description: Text | None = None
    values: list[DatedValue] = Field(default_factory=list)
    supplied_by: Literal["rate_card", "order"] | None = Field(
        default=None, description="no default: a province's rate card (or the order) must supply it")
    min: Decimal | None = None
    max: Decimal | None = None


class ParameterValues(Strict):
    """In a pack that extends another: new dated values for a parameter declared upstream."""

    values: list[DatedValue]
    unit: UnitText | None = None


class TableKey(Strict):
    name: Word
    type: Literal["text", "number"] = "text"
    unit: UnitText = "1"


class TableVersion(Strict):
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None
    source: SourceRef | None = None
    verified: bool | None = None
    why: Text | None = None
    rows: list[list[Decimal | int | bool | Text]]


class Table(Strict):
    """A keyed look-up, e.g. salary coefficient by scale and step. ``unit: per_row`` lets each
    row carry its own unit as a last column (material prices: VND/ream, VND/box)."""

    label: Label
    keys: list[TableKey]
    unit: UnitText = "1"
    hit_policy: Literal["unique", "first"] = "unique"
    description: Text | None = None
    versions: list[TableVersion] = Field(default_factory=list)
    supplied_by: Literal["rate_card"] | None = None


class TableRows(Strict):
    """In a pack that extends another: new dated versions of a table declared upstream."""

    versions: list[TableVersion]


class Formula(Strict):
    label: Label
    unit: UnitText = "1"
    type: Literal["number", "bool", "text"] = "number"
    expr: Expr
    params: dict[Word, UnitText] = Field(default_factory=dict, description="argument -> unit, or `text`")
    description: Text | None = None
    source: SourceRef | None = None
    verified: bool | None = None
    why: Text | None = None


class AdjustmentException(Strict):
    label: Word
    when: Expr
    value: Expr
    priority: int = 0
    source: SourceRef | None = None


class Adjustment(Strict):
    """A base value plus labelled exceptions. The applicable exception with the highest
    priority wins; two applicable exceptions of equal priority are a reported conflict."""

    label: Label
    unit: UnitText = "1"
    base: Expr
    exceptions: list[AdjustmentException] = Field(default_factory=list)
    source: SourceRef | None = None


class InputSpec(Strict):
    """A value the order supplies, per order or per item."""

    label: Label
    unit: UnitText = "1"
    type: Literal["number", "bool", "text"] = "number"
    scope: Literal["order", "item"] = "item"
    default: Decimal | bool | Text | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    choices: list[Text] | None = None


def _declares(value: object) -> str:
    """A mapping with a `label` declares a parameter/table; one without only adds values."""
    if isinstance(value, dict):
        return "declare" if "label" in value else "extend"
    return "declare" if hasattr(value, "label") else "extend"


ParameterEntry = Annotated[Annotated[Parameter, Tag("declare")] | Annotated[ParameterValues, Tag("extend")], Discriminator(_declares)]
TableEntry = Annotated[Annotated[Table, Tag("declare")] | Annotated[TableRows, Tag("extend")], Discriminator(_declares)]


class Sections(Strict):
    """The core sections a pack file may hold (any file of a pack, ``pack.yaml`` included).

    Domains add their own sections through :mod:`normkit.core.extensions`; the models a pack is
    read with are :func:`~normkit.core.extensions.pack_file_model` and
    :func:`~normkit.core.extensions.pack_document_model`."""

    sources: dict[SourceId, Source] = Field(default_factory=dict)
    units: dict[Word, UnitSpec] = Field(default_factory=dict)
    inputs: dict[Word, InputSpec] = Field(default_factory=dict)
    parameters: dict[Word, ParameterEntry] = Field(default_factory=dict)
    tables: dict[Word, TableEntry] = Field(default_factory=dict)
    formulas: dict[Word, Formula] = Field(default_factory=dict)
    adjustments: dict[Word, Adjustment] = Field(default_factory=dict)


class PackFile(Sections):
    """Any YAML file of a pack except ``pack.yaml``: any of these sections."""


class PackDocument(Manifest, Sections):
    """``pack.yaml``: the manifest, and optionally any section (small packs fit in one file)."""


# ---- overlays ----------------------------------------------------------------------------

class Overlay(Strict):
    """A what-if: new values for existing parameters, without editing any pack."""

    normkit_overlay: Literal[1] = 1
    label: Text = "what-if"
    set: dict[SetName, Decimal | bool | Text]
