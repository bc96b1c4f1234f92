"""How exact numbers and units are written for people, the same in every front-end and domain.

One number format per language. Vietnamese (``vi``, the default) writes as Vietnamese
documents write: dots between thousands and a decimal comma (5.359.747; 0,12 công). English
(``en``) writes 5,359,747 and 0.12 workday. The language is an argument, or else the one
chosen for this context with :func:`use_lang` (the CLI's ``--lang``); JSON never goes through
here (it stays canonical: decimal strings without separators).

Digits are never rounded here: a value is written with exactly the digits it has (``vnd`` and
``number`` only drop trailing zeros). Babel (CLDR) would give the same separators for vi/en but
formats through a pattern with a fixed number of decimals, so a hand-written grouping of the
Decimal's own digits is both smaller and exact.

>>> from decimal import Decimal
>>> vnd(Decimal("5359747")), vnd(Decimal("-1234.50")), number(Decimal("2.500"))
('5.359.747', '-1.234,50', '2,5')
>>> vnd(Decimal("5359747"), "en"), quantity(Decimal("0.12"), "workday", "vi"), quantity(Decimal("0.12"), "workday", "en")
('5,359,747', '0,12 công', '0.12 workday')
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Literal

from normkit.core.units import VOCABULARY

Lang = Literal["vi", "en"]
LANGS: tuple[Lang, ...] = ("vi", "en")
DEFAULT_LANG: Lang = "vi"

_LANG: ContextVar[Lang] = ContextVar("normkit_lang", default=DEFAULT_LANG)

# (thousands separator, decimal mark)
_MARKS: dict[Lang, tuple[str, str]] = {"vi": (".", ","), "en": (",", ".")}


def current_lang() -> Lang:
    """The language numbers are written in when no ``lang`` is passed (default ``vi``)."""
    return _LANG.get()


def set_lang(lang: str) -> None:
    """Write numbers in ``lang`` (``vi`` or ``en``) from now on in this context."""
    _LANG.set(_checked(lang))


@contextmanager
def use_lang(lang: str) -> Iterator[None]:
    """Write numbers in ``lang`` inside the ``with`` block."""
    token = _LANG.set(_checked(lang))
    try:
        yield
    finally:
        _LANG.reset(token)


def _checked(lang: str) -> Lang:
    for known in LANGS:
        if lang == known:
            return known
    raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")


def _pick(lang: str | None) -> Lang:
    return current_lang() if lang is None else _checked(lang)


def _grouped(text: str, lang: Lang) -> str:
    """``'-1234.50'`` (a plain decimal) written with ``lang``'s separators: ``'-1.234,50'``."""
    sep, mark = _MARKS[lang]
    sign = "-" if text.startswith("-") else ""
    whole, _, frac = text.lstrip("-").partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + sep.join(groups) + (mark + frac if frac else "")


def vnd(amount: Decimal, lang: str | None = None) -> str:
    """Money: ``Decimal('5359747')`` -> ``'5.359.747'`` (vi) or ``'5,359,747'`` (en); a fraction
    is written only when it is not zero (``-1.234,50``)."""
    text = format(amount, "f")
    whole, _, frac = text.partition(".")
    return _grouped(text if frac.strip("0") else whole, _pick(lang))


def number(value: Decimal, lang: str | None = None) -> str:
    """A quantity without trailing zeros: ``Decimal('2.500')`` -> ``'2,5'`` (vi), ``'2.5'`` (en)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return _grouped(text, _pick(lang))


def fixed(value: Decimal | str, lang: str | None = None) -> str:
    """A figure with exactly its own decimals (a rate rounded to 0.01 keeps both):
    ``Decimal('75.00')`` -> ``'75,00'`` (vi), ``'75.00'`` (en)."""
    return _grouped(format(Decimal(value), "f"), _pick(lang))


def count(n: int, lang: str | None = None) -> str:
    """A count: ``10000`` -> ``'10.000'`` (vi), ``'10,000'`` (en)."""
    return _grouped(str(int(n)), _pick(lang))


# English unit words where the identifier is not already a word a person writes.
_EN_WORDS = {"machine_hour": "machine-hour", "square_metre": "m²", "percent": "%", "VND": "VND"}
_VI_WORDS = {"VND": "đồng", "percent": "%", "square_metre": "m²"}
_CANONICAL = {alias: u.name for u in VOCABULARY for alias in (u.name, *u.aliases)}
_WORDS: dict[Lang, dict[str, str]] = {
    "vi": {u.name: _VI_WORDS.get(u.name, u.vi) for u in VOCABULARY},
    "en": {u.name: _EN_WORDS.get(u.name, u.name.replace("_", " ")) for u in VOCABULARY},
}
_UNIT_NAME = re.compile(r"[^\W\d]\w*")


def unit_words(unit: str, lang: str | None = None) -> str:
    """A unit expression in words of ``lang``: ``'VND/workday'`` -> ``'đồng/công'`` (vi) or
    ``'VND/workday'`` (en); ``'machine_hour'`` -> ``'giờ máy'`` / ``'machine-hour'``. A unit
    outside normkit's vocabulary (one a pack adds) is written as it is named; ``'1'`` is ``''``."""
    if unit.strip() in ("", "1"):
        return ""
    words = _WORDS[_pick(lang)]

    def word(m: re.Match[str]) -> str:
        canon = _CANONICAL.get(m.group(0))
        return words[canon] if canon is not None else m.group(0)

    return _UNIT_NAME.sub(word, unit)


def quantity(value: Decimal, unit: str, lang: str | None = None) -> str:
    """A number with its unit in words: ``(0.12, 'workday')`` -> ``'0,12 công'`` (vi)."""
    words = unit_words(unit, lang)
    return f"{number(value, lang)} {words}".rstrip()


__all__ = ["DEFAULT_LANG", "LANGS", "Lang", "count", "current_lang", "fixed", "number", "quantity", "set_lang",
           "unit_words", "use_lang", "vnd"]
