"""The file formats, as pydantic models: the single source of truth for pack files,
orders and overlays (their JSON Schemas come from here).

These models describe the *surface* a person writes. Checking (names, units, dates,
references) happens in :mod:`normkit.check`, which turns them into a compiled pack set.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, PrivateAttr, StringConstraints, Tag

from normkit.core.errors import Location
from normkit.core.io.yaml import format_path

FORMAT_VERSION = 1

Word = Annotated[str, StringConstraints(pattern=r"^[^\W\d]\w*$", max_length=80)]
SourceId = Annotated[str, StringConstraints(pattern=r"^[^\W\d][\w.-]*$", max_length=80)]
PackId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=80)]
NormCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_]+([.-][0-9A-Za-z_]+)*$", max_length=60)]
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


SourceRef = Union[SourceId, Source]  # the id of a source declared in `sources:`, or one written inline


class Validity(Strict):
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None


class Money(Strict):
    """How money is rounded: to a multiple of ``quantum`` with ``rounding``, at ``round_at``."""

    currency: Literal["VND"] = "VND"
    quantum: Decimal = Decimal(1)
    rounding: Mode = "half_up"
    round_at: Literal["line", "subtotal", "total"] = "line"
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


class NormLine(Strict):
    component: Literal["labour", "equipment", "material"]
    resource: Word
    label: Label
    quantity: Annotated[str, StringConstraints(max_length=100)] | Decimal = Field(description='e.g. "0.04 workday"')
    unit: UnitText | None = None
    grade: Text | None = None
    scale: Annotated[str, StringConstraints(max_length=20)] | None = None
    step: int | None = None
    steps: int | None = None
    verified: bool | None = None
    why: Text | None = None


class Derive(Strict):
    """A norm computed from another: some components of a base entry, scaled by a factor
    (e.g. an edited radio programme counts a chosen share, at most 17 %, of 13.20.20.00.00)."""

    from_: NormCode = Field(alias="from")
    components: list[Literal["labour", "equipment", "material"]]
    factor: Expr = Field(description="expression for the share, evaluated per order item (e.g. an input)")
    source: SourceRef | None = None


class Norm(Strict):
    """One economic-technical norm entry: the maximum labour, machine time and materials
    for one product."""

    name: Label
    output_unit: UnitText = "item"
    medium: Literal["tv", "radio", "online", "print", "publication"] | None = None
    duration: Annotated[str, StringConstraints(max_length=40)] | None = None
    valid: Validity | None = None
    source: SourceRef | None = None
    verified: bool | None = None
    why: Text | None = None
    notes: list[Text] = Field(default_factory=list)
    lines: list[NormLine] = Field(default_factory=list)
    derive: Derive | None = None
    supplied_by: Literal["province"] | None = Field(
        default=None, description="the entry exists but its lines were not readable: a province pack must supply them")


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


class ComponentRate(Strict):
    rate: Expr = Field(description="expression in the context of one norm line: the price of one unit of it")
    label: Label | None = None


class Extra(Strict):
    """A priced line added to every item (overhead, royalties, travel …)."""

    id: Word
    label: Label
    expr: Expr
    when: Expr | None = None
    source: SourceRef | None = None


class Check(Strict):
    """A condition every priced item must meet (e.g. the radio duration tolerance). When it
    fails, pricing stops with an error, unless ``override`` names a text input and the order
    gives it: then the quote shows the override and its reason."""

    id: Word
    label: Label
    expr: Expr = Field(description="must be true for the item; item scope plus norm_duration, norm_medium, norm_code")
    message: Label
    media: list[Literal["tv", "radio", "online", "print", "publication"]] | None = None
    requires: list[Word] = Field(default_factory=list, description="inputs that must be given for the check to apply")
    override: Word | None = None
    source: SourceRef | None = None


class Pricing(Strict):
    labour: ComponentRate | None = None
    equipment: ComponentRate | None = None
    material: ComponentRate | None = None
    extras: list[Extra] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)


def _declares(value: object) -> str:
    """A mapping with a `label` declares a parameter/table; one without only adds values."""
    if isinstance(value, dict):
        return "declare" if "label" in value else "extend"
    return "declare" if hasattr(value, "label") else "extend"


ParameterEntry = Annotated[Union[Annotated[Parameter, Tag("declare")], Annotated[ParameterValues, Tag("extend")]], Discriminator(_declares)]
TableEntry = Annotated[Union[Annotated[Table, Tag("declare")], Annotated[TableRows, Tag("extend")]], Discriminator(_declares)]


class Sections(Strict):
    """The sections a pack file may hold (any file of a pack, ``pack.yaml`` included)."""

    sources: dict[SourceId, Source] = Field(default_factory=dict)
    units: dict[Word, UnitSpec] = Field(default_factory=dict)
    inputs: dict[Word, InputSpec] = Field(default_factory=dict)
    parameters: dict[Word, ParameterEntry] = Field(default_factory=dict)
    tables: dict[Word, TableEntry] = Field(default_factory=dict)
    formulas: dict[Word, Formula] = Field(default_factory=dict)
    adjustments: dict[Word, Adjustment] = Field(default_factory=dict)
    norms: dict[NormCode, Norm] = Field(default_factory=dict)
    pricing: Pricing | None = None


class PackFile(Sections):
    """Any YAML file of a pack except ``pack.yaml``: any of these sections."""


class PackDocument(Manifest, Sections):
    """``pack.yaml``: the manifest, and optionally any section (small packs fit in one file)."""


# ---- orders and overlays --------------------------------------------------------------

class OrderItem(Strict):
    id: Annotated[str, StringConstraints(max_length=80)] | None = None
    norm: NormCode
    quantity: Decimal = Field(default=Decimal(1), description="number of products")
    label: Text | None = None
    inputs: dict[Word, Decimal | bool | Text] = Field(default_factory=dict)


class Order(Strict):
    """An order (đặt hàng) to price: items, each a norm code and a quantity."""

    normkit_order: Literal[1] = 1
    id: Annotated[str, StringConstraints(max_length=80)]
    title: Text | None = None
    date: dt.date
    at: dt.date | None = Field(default=None, description="evaluation date; the order date when absent")
    packs: list[Annotated[str, StringConstraints(max_length=200)]] = Field(default_factory=list)
    inputs: dict[Word, Decimal | bool | Text] = Field(default_factory=dict)
    items: list[OrderItem] = Field(min_length=1, max_length=100_000)
    _source_map: Any = PrivateAttr(default=None)  # where each field was written, when read from a file

    def locate(self, *path: str | int) -> Location:
        """File position of a field (``locate("items", 2, "norm")``), or just its path."""
        if self._source_map is not None:
            loc: Location = self._source_map.locate(tuple(path))
            return loc
        return Location(path=format_path(tuple(path)))


class Overlay(Strict):
    """A what-if: new values for existing parameters, without editing any pack."""

    normkit_overlay: Literal[1] = 1
    label: Text = "what-if"
    set: dict[Word, Decimal | bool | Text]
