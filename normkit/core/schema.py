"""The file formats, as pydantic models: the single source of truth for pack files,
orders and overlays (their JSON Schemas come from here).

These models describe the *surface* a person writes. Checking (names, units, dates,
references) happens in :mod:`normkit.check`, which turns them into a compiled pack set.
The small records shared with the compiled set, orders and overlays (labels, sources, money;
plain classes validated through pydantic mirrors), the field types and overlays are defined in
:mod:`normkit.core.surface`, :mod:`normkit.core.fields` and :mod:`normkit.core.overlay`, and
re-exported here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Discriminator, Field, StringConstraints, Tag

# the shared records and field types, re-exported (see normkit.core.surface)
from normkit.core.fields import Expr as Expr
from normkit.core.fields import PackId as PackId
from normkit.core.fields import SourceId as SourceId
from normkit.core.fields import Strict as Strict
from normkit.core.fields import Text as Text
from normkit.core.fields import UnitText as UnitText
from normkit.core.fields import Word as Word
from normkit.core.overlay import Overlay as Overlay
from normkit.core.surface import FORMAT_VERSION as FORMAT_VERSION
from normkit.core.surface import Label as Label
from normkit.core.surface import Mode as Mode
from normkit.core.surface import Money as Money
from normkit.core.surface import Source as Source
from normkit.core.surface import SourceRef as SourceRef
from normkit.core.surface import Validity as Validity


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
