"""The pydantic mirrors of the plain classes of :mod:`normkit.core.surface` (see
:mod:`normkit.core.plainmodel`): the same fields, types, defaults, aliases, descriptions and
docstrings as the models those classes replaced, so that validation errors and JSON Schemas are
unchanged. Imported only when a pack file is validated, a JSON Schema is asked for, or a plain
object is dumped the pydantic way; never on the warm path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import Field

from normkit.core.fields import SourceId, Strict, Text

Mode = Literal["half_up", "half_even", "half_down", "up", "down", "ceiling", "floor"]


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


__all__ = ["Label", "Money", "Source", "Validity"]
