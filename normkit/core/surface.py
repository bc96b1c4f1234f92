"""The small models and field types shared by pack files, orders, overlays and the compiled set.

:mod:`normkit.core.schema` (the pack-file models) re-exports them. They live apart so that the
warm path — a compiled set from the cache, an order, an overlay — never builds the pack-file
models (``normkit price`` starts faster; see docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

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


# ---- overlays ----------------------------------------------------------------------------

class Overlay(Strict):
    """A what-if: new values for existing parameters, without editing any pack."""

    normkit_overlay: Literal[1] = 1
    label: Text = "what-if"
    set: dict[SetName, Decimal | bool | Text]
