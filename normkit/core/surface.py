"""The small records and field types shared by pack files, orders, overlays and the compiled set.

:mod:`normkit.core.schema` (the pack-file models) re-exports them. ``Label``, ``Source``,
``Validity`` and ``Money`` are plain slotted classes (:mod:`normkit.core.plainmodel`): the
compiled set holds them, and a warm start — a compiled set from the cache — never imports
pydantic for them. Pack-file models embed them as field types: they are validated by their
pydantic mirrors (:mod:`normkit.core.surface_mirrors`), with the errors and JSON Schemas of the
models they replaced. The constrained field types (``Word``, ``Text`` …), the models' strict base
(``Strict``) and ``Overlay`` are pydantic's: they are defined in :mod:`normkit.core.fields` and
:mod:`normkit.core.overlay` and imported from here on first use (docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from normkit.core.plainmodel import PlainModel, mirrored

if TYPE_CHECKING:  # pragma: no cover
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

    from normkit.core.fields import Expr, PackId, SetName, SourceId, Strict, Text, UnitText, Word
    from normkit.core.overlay import Overlay

FORMAT_VERSION = 1

Mode = Literal["half_up", "half_even", "half_down", "up", "down", "ceiling", "floor"]

_set = object.__setattr__
_ONE = Decimal(1)


class Label(PlainModel):
    """A name in Vietnamese (with diacritics) and English."""

    __slots__ = ("en", "vi")
    __match_args__ = ("vi", "en")
    vi: str
    en: str

    def __init__(self, vi: str, en: str) -> None:
        _set(self, "vi", vi)
        _set(self, "en", en)


class Source(PlainModel):
    """Where a value comes from: document, place in it, date, address, and whether it was
    read in the source (``verified``) or not (then ``why`` says what is uncertain)."""

    __slots__ = ("article", "date", "document", "table", "url", "verified", "why")
    __match_args__ = ("document", "article", "table", "date", "url", "verified", "why")
    document: str
    article: str | None
    table: str | None
    date: dt.date | None
    url: str | None
    verified: bool
    why: str | None

    def __init__(self, document: str, article: str | None = None, table: str | None = None, date: dt.date | None = None,
                 url: str | None = None, verified: bool = True, why: str | None = None) -> None:
        _set(self, "document", document)
        _set(self, "article", article)
        _set(self, "table", table)
        _set(self, "date", date)
        _set(self, "url", url)
        _set(self, "verified", verified)
        _set(self, "why", why)

    def json_fields(self) -> dict[str, Any]:
        """The fields not at their default, dates as ISO text: ``model_dump(mode="json",
        exclude_defaults=True)`` of the model this class replaced (what a trace's ``sources`` holds)."""
        out: dict[str, Any] = {"document": self.document}
        for name in ("article", "table", "date", "url"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.isoformat() if name == "date" else value
        if self.verified is not True:
            out["verified"] = self.verified
        if self.why is not None:
            out["why"] = self.why
        return out


class _SourceRefSchema:
    """How pydantic reads a :data:`SourceRef`: the union of a source id and an inline source, its
    members labelled as pydantic labels ``SourceId | Source`` (``constrained-str``, ``Source``),
    so error locations are unchanged."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        from pydantic_core import core_schema

        from normkit.core.fields import SourceId

        return core_schema.union_schema([(handler.generate_schema(SourceId), "constrained-str"),
                                         (handler.generate_schema(Source), "Source")])


SourceRef = Annotated[str | Source, _SourceRefSchema()]
"""The id of a source declared in ``sources:``, or one written inline."""


class Validity(PlainModel):
    __slots__ = ("from_", "to")
    __match_args__ = ("from_", "to")
    from_: dt.date
    to: dt.date | None

    def __init__(self, from_: dt.date, to: dt.date | None = None) -> None:
        _set(self, "from_", from_)
        _set(self, "to", to)


class Money(PlainModel):
    """How money is rounded: to a multiple of ``quantum`` with ``rounding``, at ``round_at``, on the
    basis ``amount_basis`` (one unit × quantity, or the whole quantity)."""

    __slots__ = ("amount_basis", "currency", "quantum", "round_at", "rounding", "source")
    __match_args__ = ("currency", "quantum", "rounding", "round_at", "amount_basis", "source")
    currency: Literal["VND"]
    quantum: Decimal
    rounding: Mode
    round_at: Literal["line", "subtotal", "total"]
    amount_basis: Literal["one_unit", "whole_quantity"]
    source: str | Source | None

    def __init__(self, currency: Literal["VND"] = "VND", quantum: Decimal = _ONE, rounding: Mode = "half_up",
                 round_at: Literal["line", "subtotal", "total"] = "line",
                 amount_basis: Literal["one_unit", "whole_quantity"] = "one_unit", source: str | Source | None = None) -> None:
        _set(self, "currency", currency)
        _set(self, "quantum", quantum)
        _set(self, "rounding", rounding)
        _set(self, "round_at", round_at)
        _set(self, "amount_basis", amount_basis)
        _set(self, "source", source)


def _mirrors() -> dict[type, type]:
    from normkit.core import surface_mirrors as m

    return {Label: m.Label, Source: m.Source, Validity: m.Validity, Money: m.Money}


mirrored(_mirrors)

_PYDANTIC_NAMES = {"Expr": "fields", "PackId": "fields", "SetName": "fields", "SourceId": "fields", "Strict": "fields", "Text": "fields",
                   "UnitText": "fields", "Word": "fields", "Overlay": "overlay"}


def __getattr__(name: str) -> Any:
    """The pydantic names (field types, ``Strict``, ``Overlay``), imported on first use."""
    where = _PYDANTIC_NAMES.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if where == "fields":
        from normkit.core import fields as module
    else:
        from normkit.core import overlay as module  # type: ignore[no-redef]
    value = getattr(module, name)
    globals()[name] = value
    return value


__all__ = ["FORMAT_VERSION", "Expr", "Label", "Mode", "Money", "Overlay", "PackId", "SetName", "Source", "SourceId", "SourceRef",
           "Strict", "Text", "UnitText", "Validity", "Word"]
