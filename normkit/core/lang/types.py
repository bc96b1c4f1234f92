"""The types of checked expressions, as the compiled form stores them.

Kept apart from the checker (:mod:`normkit.core.lang.typecheck`, which re-exports them) so that
a compiled set read from the cache does not import the parser and the checker (a warm
``normkit price`` starts faster; docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from normkit.core.lang.ir import Record
from normkit.core.units import format_powers

Powers = tuple[tuple[str, int], ...]
"""A unit as (base unit, power) pairs, sorted, no zero power: ``(("VND", 1), ("day", -1))``."""

_set = object.__setattr__


def powers_of(d: Mapping[str, int]) -> Powers:
    return tuple(sorted((k, v) for k, v in d.items() if v))


class Type(Record):
    """The type of a value: a number with its unit (``kind="num"``), a boolean or a text.
    Immutable and compared, hashed and printed by value, as a frozen dataclass."""

    __slots__ = ("kind", "unit")
    __match_args__ = ("kind", "unit")
    kind: str  # "num", "bool", "str"
    unit: Powers

    def __init__(self, kind: str, unit: Powers = ()) -> None:
        _set(self, "kind", kind)
        _set(self, "unit", unit)

    def __str__(self) -> str:
        if self.kind == "num":
            return format_powers(dict(self.unit)) if self.unit else "a plain number"
        return {"bool": "true/false", "str": "text"}[self.kind]
