"""How exact numbers are written for people, the same in every front-end and domain.

VND is written as Vietnamese documents write it: dots between thousands, a decimal comma.

>>> from decimal import Decimal
>>> vnd(Decimal("5359747")), vnd(Decimal("-1234.50")), number(Decimal("2.500"))
('5.359.747', '-1.234,50', '2.5')
"""

from __future__ import annotations

from decimal import Decimal


def vnd(amount: Decimal) -> str:
    """``Decimal('5359747')`` -> ``'5.359.747'``; decimals after a comma, as in Vietnamese."""
    sign = "-" if amount < 0 else ""
    text = format(abs(amount), "f")
    whole, _, frac = text.partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = ".".join(groups)
    return sign + out + ("," + frac if frac and frac.strip("0") else "")


def number(value: Decimal) -> str:
    """A plain decimal without trailing zeros: ``Decimal('2.500')`` -> ``'2.5'``."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


__all__ = ["number", "vnd"]
