"""The media domain's file formats: norms (with their lines and derivations), the pricing
section of a pack, and orders. Registered with the core as the pack sections ``norms:`` and
``pricing:`` (see :mod:`normkit.media.compile`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, ModelWrapValidatorHandler, PrivateAttr, StringConstraints, model_validator

from normkit.core.errors import Location
from normkit.core.io.yaml import format_path
from normkit.core.surface import Expr, Label, PackId, SourceRef, Strict, Text, UnitText, Validity, Word
from normkit.media import order_check
from normkit.media.order_check import checked_fields, read_order_values

NormCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_]+([.-][0-9A-Za-z_]+)*$", max_length=60)]


class NormLine(Strict):
    component: Literal["labour", "equipment", "material"]
    resource: Word
    label: Label
    quantity: Annotated[str, StringConstraints(max_length=100)] | Decimal = Field(description='e.g. "0.04 workday"')
    unit: UnitText | None = None
    title: Word | None = Field(default=None, description="the job title this line prices (e.g. phat_thanh_vien); with `grade`, "
                               "the labour rate's `scale_by_title` table gives the salary scale")
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


Component = Literal["labour", "equipment", "material"]
Medium = Literal["tv", "radio", "online", "print", "publication"]


class NormSet(Strict):
    """A norm set defined as a share of another pack's norms (a province's decision "the norms
    in this province are 80 % of Circular 03/2018"): every norm of pack ``of`` (of the given
    media, in force while the set is) exists in this pack with its line quantities × the factor.
    Give ``factor`` (all components) or ``components`` (a factor per component; a component not
    listed keeps the national quantities)."""

    of: PackId = Field(description="the pack whose norms are scaled; it must come before this pack in the set")
    media: list[Medium] | None = Field(default=None, description="only the norms of these media (all when absent)")
    factor: Decimal | None = Field(default=None, description="one factor for every component, e.g. 0.80")
    components: dict[Component, Decimal] | None = Field(default=None, description="a factor per component")
    valid: Validity | None = None
    source: SourceRef | None = None
    verified: bool | None = None
    why: Text | None = None


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


class ComponentRate(Strict):
    rate: Expr = Field(description="expression in the context of one norm line: the price of one unit of it")
    label: Label | None = None
    scale_by_title: Word | None = Field(
        default=None, description="a table keyed (title, grade) whose value is a salary scale: a line that gives its `title` and "
        "`grade` but no `scale` takes the scale from it; a line whose own scale differs is flagged as a conflict (not verified)")


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


# ---- orders ----------------------------------------------------------------------------
# The models of an order: its JSON Schema, the service's requests, and every order document the
# plain check (normkit/media/order_check.py, which a warm `normkit price` uses) is not sure of:
# their errors are the user's. They subclass the attributes' declarations there, so pricing
# takes either. The check's tests compare the two (tests/media/test_order_check.py).

class OrderItem(Strict, order_check.OrderItem):
    id: Annotated[str, StringConstraints(max_length=80)] | None = None
    norm: NormCode
    quantity: Decimal = Field(default=Decimal(1), description="number of products")
    label: Text | None = None
    inputs: dict[Word, Decimal | bool | Text] = Field(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _from_checked(cls, data: Any, handler: ModelWrapValidatorHandler[OrderItem]) -> OrderItem:
        # an item the plain check built (inside a model or a request): validated from its fields
        return handler(checked_fields(data) if isinstance(data, order_check.CheckedItem) else data)


class Order(Strict, order_check.Order):
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

    @model_validator(mode="wrap")
    @classmethod
    def _from_checked(cls, data: Any, handler: ModelWrapValidatorHandler[Order]) -> Order:
        # an order the plain check built, given where this model is expected (a request, another
        # model's field): validated from its fields, still located in its file
        if not isinstance(data, order_check.CheckedOrder):
            return handler(data)
        order = handler(checked_fields(data))
        order._source_map = data._source_map
        return order

    @model_validator(mode="before")
    @classmethod
    def _read_text(cls, data: Any) -> Any:
        # data that did not come through load_order (the service's requests): the same readers
        return read_order_values(data, lambda path: Location(path=format_path(path))) if isinstance(data, dict) else data

    def locate(self, *path: str | int) -> Location:
        """File position of a field (``locate("items", 2, "norm")``), or just its path."""
        if self._source_map is not None:
            loc: Location = self._source_map.locate(tuple(path))
            return loc
        return Location(path=format_path(tuple(path)))
