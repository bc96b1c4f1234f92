"""Reading a written quantity such as ``"0.04 workday"``, ``"90 s"`` or ``"17%"``."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from normkit.core.errors import Location, NormkitError
from normkit.core.numbers import CTX
from normkit.core.units import Vocabulary, parse_unit_expr

_QTY = re.compile(r"^\s*(?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(?P<unit>.*?)\s*$")


def parse_quantity(text: str, vocab: Vocabulary, location: Location | None = None) -> tuple[Decimal, dict[str, int]]:
    """``"2340000 VND/month"`` -> (Decimal('2340000'), {'VND': 1, 'month': -1})."""
    m = _QTY.match(text)
    if not m:
        raise NormkitError("NK603", f"cannot read {text!r} as a number with a unit", location=location)
    try:
        value = Decimal(m.group("num"))
    except InvalidOperation:  # an exponent too large for Decimal itself
        raise NormkitError("NK603", f"cannot read {text!r} as a number", location=location) from None
    if value and not CTX.Emin <= value.adjusted() <= CTX.Emax:
        raise NormkitError("NK603", f"{text!r} is out of range: numbers must lie between 10^{CTX.Emin} and 10^{CTX.Emax} in size",
                           location=location)
    unit = m.group("unit")
    return value, (parse_unit_expr(unit, vocab, location) if unit else {})
