"""One priced line of a quote (:class:`QuoteLine`) and the quote's schema name, re-exported by
:mod:`normkit.media.quote`.

A module of its own, imported by the quote's plain classes (:mod:`normkit.media.quote`); its
mirror, the dataclass it was (for pydantic: the quote's JSON Schema and dumps), is
``normkit.media.quote_models.QuoteLine``, declared in :mod:`normkit.media.quote`."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from normkit.core.plainmodel import Mirrored
from normkit.core.records import Record

QUOTE_SCHEMA = "normkit.quote/2"


class QuoteLine(Record, Mirrored):
    """One priced line: a norm line (labour, equipment, material) or an extra ("other").

    A plain slotted class rather than a pydantic model: a quote can hold thousands of lines and
    this is the hot path. Written out (no ``@dataclass`` at import: core/records.py) with the
    dataclass's fields, order, default, equality and repr; pydantic still validates, serialises
    and documents it through its mirror, that dataclass (``quote_models.QuoteLine``).
    ``quantity`` is the norm quantity × the item quantity; ``amount`` is in VND, rounded as the
    pack declares; ``amount_exact`` is before rounding."""

    __slots__ = ("amount", "amount_exact", "component", "item", "label_en", "label_vi", "norm", "quantity", "quantity_unit",
                 "rate", "rate_unit", "resource", "verified")
    __match_args__ = ("item", "norm", "component", "resource", "label_vi", "label_en", "quantity", "quantity_unit", "rate",
                      "rate_unit", "amount", "amount_exact", "verified")
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
    verified: bool

    def __init__(self, item: str, norm: str, component: Literal["labour", "equipment", "material", "other"], resource: str,
                 label_vi: str, label_en: str, quantity: Decimal, quantity_unit: str, rate: Decimal, rate_unit: str,
                 amount: Decimal, amount_exact: Decimal, verified: bool = True) -> None:
        self.item = item
        self.norm = norm
        self.component = component
        self.resource = resource
        self.label_vi = label_vi
        self.label_en = label_en
        self.quantity = quantity
        self.quantity_unit = quantity_unit
        self.rate = rate
        self.rate_unit = rate_unit
        self.amount = amount
        self.amount_exact = amount_exact
        self.verified = verified


__all__ = ["QUOTE_SCHEMA", "QuoteLine"]
