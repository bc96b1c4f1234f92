"""One priced line of a quote (:class:`QuoteLine`) and the quote's schema name, re-exported by
:mod:`normkit.media.quote`.

A module of its own so that both the quote's plain classes and their pydantic mirrors
(:mod:`normkit.media.quote_models`, for the JSON Schema) use the one definition."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

QUOTE_SCHEMA = "normkit.quote/2"


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


__all__ = ["QUOTE_SCHEMA", "QuoteLine"]
