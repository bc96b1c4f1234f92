"""The one scalar reader: every single value a person types goes through here.

Orders, ``--set``, overlays, ``normkit household``, the service's requests and the packs'
own quantities read numbers, money, dates, booleans, units and headers with these functions,
so the same text means the same thing everywhere. The grammar is that of
:mod:`normkit.core.io.vocabulary` (the column reader for large tables implements the same
one); ``docs/input.md`` has the table of accepted forms and the errors (NK110–NK117).

Each reader takes the text's *convention* — ``"vi"`` (``5.358.000``, ``0,12``), ``"en"``
(``5,358,000``, ``0.12``) or ``None`` when unknown — and a location for its errors. A text
two conventions read differently is an error with a hint when the convention is unknown,
never a guess. Everything is computed in normkit's own Decimal context: the caller's context
(its precision, traps and flags) is never used or touched.

>>> read_number("1.234,5"), read_number("0,12"), read_money("5.358.000 đ")
(Decimal('1234.5'), Decimal('0.12'), Decimal('5358000'))
>>> read_number("1.234", convention="en"), read_date("15/09/2024"), read_bool("Có")
(Decimal('1.234'), datetime.date(2024, 9, 15), True)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from decimal import Decimal
from typing import Any, Final

from normkit.core.errors import Location, NormkitError
from normkit.core.io import vocabulary as voc
from normkit.core.io.vocabulary import Convention, fold, fold_header
from normkit.core.numbers import CTX
from normkit.core.records import Frozen
from normkit.core.units import Vocabulary, parse_unit_expr

_set = object.__setattr__

Where = Location | Callable[[], Location] | None
"""Where a value was written: a location, or a function that works it out only for an error."""


class Pattern:
    """A regular expression compiled on its first use: a start that reads no text of a shape
    (a warm ``normkit price`` reads one date) compiles none of the others (docs/performance.md).
    ``match`` is then the compiled pattern's own method."""

    __slots__ = ("match", "source")
    match: Callable[[str], re.Match[str] | None]

    def __init__(self, source: str) -> None:
        self.source = source

    def __getattr__(self, name: str) -> Any:  # only while `match` is unset: the first use
        if name != "match":
            raise AttributeError(name)
        self.match = re.compile(self.source).match
        return self.match


_PLAIN_INTEGER = Pattern(voc.PLAIN_INTEGER)
_PLAIN_DOT = Pattern(voc.PLAIN_DECIMAL_DOT)
_PLAIN_COMMA = Pattern(voc.PLAIN_DECIMAL_COMMA)
_GROUPED_VI = Pattern(voc.GROUPED_VI)
_GROUPED_EN = Pattern(voc.GROUPED_EN)
_GROUPED_SPACE = Pattern(voc.GROUPED_SPACE)
_EXPONENT = Pattern(voc.EXPONENT)
_PACK_EXPONENT = Pattern(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]+$")  # as YAML writes a float: 1e40, 1.5E-3
_DATE_ISO = Pattern(voc.DATE_ISO)
_DATE_DMY = Pattern(voc.DATE_DMY)
# a quantity: the number (digits, marks, group spaces, an exponent to refuse it), then the unit
_QUANTITY = Pattern(rf"^(?P<num>[+-]?[0-9][0-9.,{voc.GROUP_SPACES}]*(?:[eE][+-]?[0-9]+)?)(?P<unit>.*)$")
# an amount followed by a currency word: "5.358.000 đ", "5358000VND"
_MONEY_TAIL = Pattern(r"^(?P<num>.*?[0-9])\s*(?P<word>[^\s0-9.,+-]+)$")

ONE: Final[Decimal] = Decimal(1)
#: Whole numbers a spreadsheet float holds exactly: a float cell at or beyond is refused (NK114).
FLOAT_EXACT: Final[int] = 2**53

CONVENTION: ContextVar[Convention | None] = ContextVar("normkit_convention", default=None)
"""The convention of the text being read when a reader is given none: ``None`` (unknown, the
default: a text two conventions read differently is NK111), or the one the user chose with
``normkit --convention vi|en`` / ``NORMKIT_CONVENTION``. Set it with :func:`reading_convention`."""


def reading_convention(convention: Convention | None) -> Any:
    """Read with ``convention`` where a reader is given none, until the returned token is reset
    (``CONVENTION.reset(token)``)."""
    if convention is not None and convention not in voc.CONVENTIONS:
        raise ValueError(f"{convention!r} is not a convention (vi or en)")
    return CONVENTION.set(convention)

NUMBER_EXAMPLES: Final[str] = "e.g. 2340000, 5.358.000, 5,358,000, 0,12 or 0.12"
BOOL_WORDS: Final[str] = "true: có, x, true, yes, y, t, 1, đúng, phải; false: không, false, no, n, f, 0, sai"


class Quantity(Frozen):
    """A number with its unit: ``read_quantity("9,8 phút")`` -> ``Quantity(Decimal('9.8'), {'minute': 1})``."""

    __slots__ = ("powers", "value")
    __match_args__ = ("value", "powers")
    value: Decimal
    powers: dict[str, int]

    def __init__(self, value: Decimal, powers: dict[str, int]) -> None:
        _set(self, "value", value)
        _set(self, "powers", powers)


def _where(location: Where) -> Location | None:
    return location() if callable(location) else location


def _fail(code: str, message: str, location: Where, hint: str | None = None) -> NormkitError:
    return NormkitError(code, message, location=_where(location), hint=hint)


def _text(value: str, what: str, location: Where) -> str:
    text = value.strip()
    if len(text) > voc.MAX_TEXT_CHARS:
        raise _fail("NK117", f"{what}: the text is {len(text)} characters long; a value has at most {voc.MAX_TEXT_CHARS}", location)
    return text


class _Reading(Frozen):
    __slots__ = ("convention", "decimals", "value")
    __match_args__ = ("convention", "value", "decimals")
    convention: Convention | None  # None: the same in every convention
    value: Decimal
    decimals: bool  # the text has a decimal part in this reading

    def __init__(self, convention: Convention | None, value: Decimal, decimals: bool) -> None:
        _set(self, "convention", convention)
        _set(self, "value", value)
        _set(self, "decimals", decimals)


def _readings(text: str) -> list[_Reading]:
    """Every reading of ``text`` (vocabulary rule 3): one with no convention when one shape fits
    all conventions, else one per convention whose shape it matches."""
    if _PLAIN_INTEGER.match(text):
        return [_Reading(None, Decimal(text), False)]
    if _GROUPED_SPACE.match(text):
        bare = "".join(ch for ch in text if ch not in voc.GROUP_SPACES)
        return [_Reading(None, Decimal(bare.replace(",", ".")), "," in bare or "." in bare)]
    out: list[_Reading] = []
    if _PLAIN_COMMA.match(text) or _GROUPED_VI.match(text):
        out.append(_Reading("vi", Decimal(text.replace(".", "").replace(",", ".")), "," in text))
    if _PLAIN_DOT.match(text) or _GROUPED_EN.match(text):
        out.append(_Reading("en", Decimal(text.replace(",", "")), "." in text))
    return out


def _is_whole(d: Decimal) -> bool:
    return d == d.to_integral_value(context=CTX)


def _in_range(d: Decimal, shown: str, what: str, location: Where) -> Decimal:
    if not d.is_finite():
        raise _fail("NK110", f"{what}: {shown} is not a finite number", location, hint=f"write a number, {NUMBER_EXAMPLES}")
    digits = d.as_tuple().digits
    significant = len(digits) - (len(digits) - len("".join(map(str, digits)).rstrip("0")))  # trailing zeros are not significant
    if significant > voc.MAX_SIGNIFICANT_DIGITS or (d and not -voc.MAX_EXPONENT <= d.adjusted() <= voc.MAX_EXPONENT):
        raise _fail("NK114", f"{what}: {shown} is out of range: a number has at most {voc.MAX_SIGNIFICANT_DIGITS} digits "
                             f"and lies between 10^-{voc.MAX_EXPONENT} and 10^{voc.MAX_EXPONENT} in size", location)
    return d


def _from_float(value: float, what: str, location: Where) -> Decimal:
    """The one rule for a number that arrives as a float (a spreadsheet cell, a JSON number):
    its shortest repr, the decimal the user typed (0.04, not 0.04000000000000000083); at or
    beyond 2⁵³ in size a float no longer holds every whole number, so it is refused (NK114)."""
    shortest = repr(value)
    if value == value and abs(value) != float("inf") and abs(value) >= FLOAT_EXACT:
        raise _fail("NK114", f"{what}: {shortest} is beyond the range a spreadsheet number holds exactly; write it as text", location,
                    hint="write the number as text, with all its digits")
    if "e" in shortest or "E" in shortest:
        raise _fail("NK112", f"{what}: {shortest} is in exponent notation", location,
                    hint="write the number with all its digits; a number in exponent notation has already lost digits")
    return _in_range(Decimal(shortest), shortest, what, location)


def _number(value: Any, convention: Convention | None, location: Where, what: str, whole: bool, exponent: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise _fail("NK110", f"{what}: {value!r} is not a number", location, hint=f"write a number, {NUMBER_EXAMPLES}")
    if isinstance(value, int):
        return _in_range(Decimal(value), str(value), what, location)
    if isinstance(value, float):
        return _from_float(value, what, location)
    if isinstance(value, Decimal):
        return _in_range(value, str(value), what, location)
    text = _text(value, what, location)
    if _EXPONENT.match(text):
        if exponent and _PACK_EXPONENT.match(text):
            return _in_range(Decimal(text), repr(text), what, location)
        raise _fail("NK112", f"{what}: {text!r} is in exponent notation", location,
                    hint="write the number with all its digits; a number in exponent notation has already lost digits")
    readings = _readings(text)
    if not readings:
        raise _fail("NK110", f"{what}: cannot read {text!r} as a number", location, hint=f"write a number, {NUMBER_EXAMPLES}")
    if whole:
        kept = [r for r in readings if _is_whole(r.value)]
        if not kept:
            raise _fail("NK113", f"{what}: {text!r} is not a whole number of đồng", location,
                        hint="amounts are whole đồng; round the amount yourself, deliberately")
        if len(kept) == 2:  # "1.000": 1000 đồng, not 1,000 đồng with three zero decimals
            kept = [r for r in kept if not r.decimals]
        readings = kept
    if len(readings) == 1:
        return _in_range(readings[0].value, repr(text), what, location)
    chosen = [r.value for r in readings if r.convention == (convention or CONVENTION.get())]
    if not chosen:
        vi = next(r.value for r in readings if r.convention == "vi")
        en = next(r.value for r in readings if r.convention == "en")
        raise _fail("NK111", f"{what}: {text!r} is ambiguous: {vi} as Vietnamese writes numbers, {en} as English does", location,
                    hint="write it without a thousands separator (1234) or with its decimals in full (1.234,0 or 1,234.0)")
    return _in_range(chosen[0], repr(text), what, location)


def read_number(value: Any, *, convention: Convention | None = None, location: Where = None, what: str = "value",
                exponent: bool = False) -> Decimal:
    """An exact decimal from text (either convention), an int, a Decimal or a float (by its
    shortest repr). Errors: NK110 not a number, NK111 ambiguous, NK112 exponent notation,
    NK114 out of range, NK117 text too long. ``exponent=True`` (pack files only, which are
    written as code and read exactly, as their YAML numbers are) accepts ``1e40`` and ``1.5E-3``.

    >>> read_number("1 234,5"), read_number("5,358,000"), read_number("1,234", convention="vi")
    (Decimal('1234.5'), Decimal('5358000'), Decimal('1.234'))
    """
    return _number(value, convention, location, what, whole=False, exponent=exponent)


read_decimal = read_number
"""The same reader under the name of what it returns."""


def read_money(value: Any, *, convention: Convention | None = None, location: Where = None, what: str = "amount") -> Decimal:
    """A whole number of đồng, exact: ``"5.358.000"``, ``"5,358,000 VND"``, ``"1.234"`` (1234 in
    every convention: a decimal reading is not money). NK113 when not whole, NK114 beyond
    :data:`~normkit.core.io.vocabulary.MONEY_MAX_DIGITS` digits, and the errors of :func:`read_number`.

    >>> read_money("1.234"), read_money(5358000), read_money("5.358.000₫")
    (Decimal('1234'), Decimal('5358000'), Decimal('5358000'))
    """
    shown: str
    if isinstance(value, str):
        text = _text(value, what, location)
        m = _MONEY_TAIL.match(text)
        if m and fold(m.group("word")) in voc.MONEY_SUFFIXES:
            text = m.group("num")
        value, shown = text, repr(text)
    else:
        shown = repr(value) if isinstance(value, float) else str(value)
    d = _number(value, convention, location, what, whole=True)
    if not _is_whole(d):
        raise _fail("NK113", f"{what}: {shown} is not a whole number of đồng", location,
                    hint="amounts are whole đồng; round the amount yourself, deliberately")
    if d and d.adjusted() + 1 > voc.MONEY_MAX_DIGITS:
        raise _fail("NK114", f"{what}: {shown} is out of range: an amount has at most {voc.MONEY_MAX_DIGITS} digits", location,
                    hint="check the amount for a typing error; amounts are whole đồng")
    return d.quantize(ONE, context=CTX)


def read_date(value: Any, *, location: Where = None, what: str = "date") -> dt.date:
    """A date: a ``date`` (a ``datetime`` gives its day), ISO ``2024-09-15`` or day-first
    ``15/09/2024``; nothing else (NK115).

    >>> read_date("2024-09-15") == read_date("15/9/2024") == read_date(dt.date(2024, 9, 15))
    True
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    hint = "write YYYY-MM-DD (2024-09-15) or dd/mm/yyyy (15/09/2024)"
    if not isinstance(value, str):
        raise _fail("NK115", f"{what}: {value!r} is not a date", location, hint=hint)
    text = _text(value, what, location)
    try:
        if _DATE_ISO.match(text):
            return dt.date(int(text[:4]), int(text[5:7]), int(text[8:10]))
        if _DATE_DMY.match(text):
            day, month, year = (int(p) for p in text.split("/"))
            return dt.date(year, month, day)
    except ValueError:
        raise _fail("NK115", f"{what}: {text!r} is not a day of the calendar", location, hint=hint) from None
    raise _fail("NK115", f"{what}: cannot read {text!r} as a date", location, hint=hint)


def read_bool(value: Any, *, location: Where = None, what: str = "value") -> bool:
    """True or false: a bool, 0/1, or a word of the vocabulary in any case, with or without
    diacritics (``có``, ``Co``, ``x``, ``y``, ``t``, ``không``, ``n``, ``f`` …); else NK116.

    >>> read_bool("KHÔNG"), read_bool("y"), read_bool(1)
    (False, True, True)
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal)) and value in (0, 1):
        return bool(value == 1)
    if isinstance(value, str):
        word = fold(_text(value, what, location))
        if word in voc.TRUE_WORDS:
            return True
        if word in voc.FALSE_WORDS:
            return False
    raise _fail("NK116", f"{what}: cannot read {value!r} as true or false", location, hint=BOOL_WORDS)


def read_unit(text: str, vocab: Vocabulary, *, location: Where = None) -> dict[str, int]:
    """A unit as {canonical unit: power}: names, aliases and Vietnamese words in any case, with
    or without diacritics (``phút``, ``phut``, ``sản phẩm``, ``san pham``, ``VND/công``); NK310
    for an unknown unit."""
    return parse_unit_expr(text, vocab, _where(location))


def read_quantity(value: Any, vocab: Vocabulary, *, convention: Convention | None = None, location: Where = None,
                  what: str = "value", exponent: bool = False) -> Quantity:
    """A number with an optional unit: ``"9,8 phút"``, ``"0,12 công"``, ``"2.340.000 VND/month"``,
    ``"17%"``. A number without text has no unit (``{}``).

    >>> read_quantity("9,8 phút", Vocabulary())
    Quantity(value=Decimal('9.8'), powers={'minute': 1})
    """
    if not isinstance(value, str):
        return Quantity(read_number(value, convention=convention, location=location, what=what, exponent=exponent), {})
    text = _text(value, what, location)
    m = _QUANTITY.match(text)
    if m is None:
        raise _fail("NK110", f"{what}: cannot read {text!r} as a number with a unit", location,
                    hint="write a number, then its unit: 2340000 VND/month, 9,8 phút, 0,12 công")
    number = m.group("num").rstrip(voc.GROUP_SPACES)
    unit = m.group("unit").strip()
    value_d = read_number(number, convention=convention, location=location, what=what, exponent=exponent)
    return Quantity(value_d, read_unit(unit, vocab, location=location) if unit else {})


Reader = Callable[[Any, Where, str], Any]
"""A field reader for :func:`read_fields`: (raw value, where, the field's name) -> value."""

NUMBER: Final[Reader] = lambda v, where, what: read_number(v, location=where, what=what)  # noqa: E731  (a table of readers)
MONEY: Final[Reader] = lambda v, where, what: read_money(v, location=where, what=what)  # noqa: E731
DATE: Final[Reader] = lambda v, where, what: read_date(v, location=where, what=what)  # noqa: E731


def read_fields(data: dict[str, Any], fields: Mapping[str, Reader], locate: Callable[[tuple[str | int, ...]], Location],
                prefix: tuple[str | int, ...] = (), errors: list[NormkitError] | None = None) -> dict[str, Any]:
    """``data`` with the text of each field in ``fields`` read by its reader, before a schema
    sees it (so ``date: 15/09/2024`` and ``quantity: "3,5"`` read as everywhere else). Values
    that are not text are left to the schema. Errors are appended to ``errors`` (all of them,
    located with ``locate(prefix + (field,))``), or raised when ``errors`` is None."""
    out = data  # copied only when a value is read: a large order of plain numbers costs nothing here
    for name, reader in fields.items():
        raw = data.get(name)
        if not isinstance(raw, str):
            continue
        path = (*prefix, name)
        try:
            value = reader(raw, lambda p=path: locate(p), name)  # type: ignore[misc]
        except NormkitError as e:
            if errors is None:
                raise
            errors.append(e)
            continue
        if out is data:
            out = dict(data)
        out[name] = value
    return out


def read_text(value: Any) -> str:
    """A cell or scalar as text: ``None`` is ``""``; a whole float without its ``.0`` and
    without exponent notation (``1e16`` -> ``"10000000000000000"``); other values stripped.

    >>> read_text(1e16), read_text(0.04), read_text(" 01.03 ")
    ('10000000000000000', '0.04', '01.03')
    """
    if value is None:
        return ""
    if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
        return format(Decimal(repr(value)), "f").removesuffix(".0") if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value).strip()


def read_cell(value: Any, kind: str = "number", *, convention: Convention | None = None) -> Any:
    """One table cell (text from a CSV, or the int/float/date an XLSX cell holds) read by the
    scalar readers above — ``kind`` is ``"number"``, ``"money"`` or ``"date"`` — for the table
    readers (budgets, norm tables), which report a cell with its own code and header. A problem
    is a ``ValueError`` whose text is the reader's message without the field name (``'1.234' is
    ambiguous: …``); booleans are not numbers.

    >>> read_cell("1 234,5"), read_cell(5359747.0, "money"), read_cell("15/09/2024", "date")
    (Decimal('1234.5'), Decimal('5359747'), datetime.date(2024, 9, 15))
    """
    try:
        if kind == "date":
            return read_date(value, what="cell")
        if isinstance(value, bool):
            raise _fail("NK110", f"cell: {value!r} is not a number", None)
        if kind == "money":
            return read_money(value, convention=convention, what="cell")
        return read_number(value, convention=convention, what="cell")
    except NormkitError as e:
        raise ValueError(e.message.removeprefix("cell: ")) from None


def match_header(text: str, fields: Mapping[str, Iterable[str]]) -> str | None:
    """The field a column header names, or ``None``: ``fields`` maps each field to its spellings
    (Vietnamese or English); a header matches in any case, with or without diacritics, and a
    bilingual header (``"Đơn giá / unit price"``) matches by either half.

    >>> match_header("ĐƠN GIÁ / unit price", {"unit_price": ["đơn giá", "unit price"], "amount": ["thành tiền"]})
    'unit_price'
    """
    wanted = {fold_header(s): f for f, spellings in fields.items() for s in (f, *spellings)}
    for part in [text, *re.split(r"[/|()\[\]]", text)]:
        key = fold_header(part)
        if key and key in wanted:
            return wanted[key]
    return None


__all__ = [
    "CONVENTION",
    "DATE",
    "FLOAT_EXACT",
    "MONEY",
    "NUMBER",
    "Quantity",
    "Reader",
    "Where",
    "match_header",
    "read_bool",
    "read_cell",
    "read_date",
    "read_decimal",
    "read_fields",
    "read_money",
    "read_number",
    "read_quantity",
    "read_text",
    "read_unit",
    "reading_convention",
]
