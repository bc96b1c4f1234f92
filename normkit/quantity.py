"""Reading a written quantity such as ``"0.04 workday"``, ``"90 s"`` or ``"17%"``."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .errors import Location, NormkitError
from .units import Vocabulary, parse_unit_expr

_QTY = re.compile(r"^\s*(?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?P<unit>.*?)\s*$")


def parse_quantity(text: str, vocab: Vocabulary, location: Location | None = None) -> tuple[Decimal, dict[str, int]]:
    """``"2340000 VND/month"`` -> (Decimal('2340000'), {'VND': 1, 'month': -1})."""
    m = _QTY.match(text)
    if not m:
        raise NormkitError("NK603", f"cannot read {text!r} as a number with a unit", location=location)
    try:
        value = Decimal(m.group("num"))
    except InvalidOperation:  # pragma: no cover - the pattern only admits decimals
        raise NormkitError("NK603", f"cannot read {text!r} as a number", location=location) from None
    unit = m.group("unit")
    return value, (parse_unit_expr(unit, vocab, location) if unit else {})
