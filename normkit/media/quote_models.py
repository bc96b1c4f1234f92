"""The quote's pydantic models: the mirrors of the plain classes of :mod:`normkit.media.quote`
(see :mod:`normkit.core.plainmodel`), with the fields, types, defaults, aliases, descriptions and
docstrings of the models those classes replaced. They give ``normkit schema quote`` and the
pydantic dumps (``Quote.model_dump_json``, the reference the fast JSON writer is tested
against); a warm ``normkit price`` never imports them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from normkit.core.surface_mirrors import Source
from normkit.media.quoteline import QUOTE_SCHEMA


# the mirror of normkit.media.quoteline.QuoteLine: the dataclass it was (not slotted: to_plain reads __dict__)
@dataclass
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

    @classmethod
    def model_construct(cls, **values: Any) -> QuoteLine:
        """Built from the plain line's fields (core/plainmodel.py's ``to_mirror``)."""
        return cls(**values)


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


__all__ = ["OverlayInfo", "PackRef", "Quote", "QuoteItem", "QuoteLine", "QuoteNote", "Rounding"]
