"""Exact, vectorised casts from text columns (Arrow arrays) to integers, booleans and dates.

The column reader of the one input layer: the shapes are the regular expressions of
:mod:`normkit.core.io.vocabulary`, evaluated by Arrow's RE2 over whole columns, so a cell means
the same here as in the scalar reader. A cast never guesses and never goes through float; it
returns the values and, for every row it cannot read, a :class:`Failure` (row, column, text,
reason) — all of them, not only the first.

Integers (``cast_integers``): ``5358000``, ``+5``, grouped ``5.358.000`` (Vietnamese),
``5,358,000`` (English) or ``5 358 000``; a single group such as ``2.000`` or ``2,000`` is
*ambiguous* (two thousand in one convention, two in the other) unless ``convention`` says which;
a decimal (``1,5`` or ``1.5``) is not whole; exponent notation (``1.2345678901234568e16``, how a
spreadsheet writes a float that has already lost digits) is refused; beyond int64 is out of range.

>>> import pyarrow as pa
>>> values, failures = cast_integers(pa.array(["1500000", "2.000.000", " 7 ", "2.000", "1e6", ""]), "income")
>>> values.tolist()[:3], [(f.row, f.reason) for f in failures]  # doctest: +NORMALIZE_WHITESPACE
([1500000, 2000000, 7], [(4, "'2.000' is ambiguous: 2000 in Vietnamese notation, 2 in English; write it without a separator"),
 (5, "'1e6' is in exponent notation (a spreadsheet float that may have lost digits); write the number in full"),
 (6, 'income is missing')])
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import numpy as np

from normkit.core.io.vocabulary import (
    EMPTY_WORDS,
    EXPONENT,
    FALSE_WORDS,
    GROUP_SPACES,
    GROUPED_EN,
    GROUPED_SPACE,
    GROUPED_VI,
    PLAIN_DECIMAL_COMMA,
    PLAIN_DECIMAL_DOT,
    PLAIN_INTEGER,
    TRUE_WORDS,
    Convention,
    fold,
)

INT64_MAX = 2**63 - 1
#: Whole numbers a spreadsheet float holds exactly (a float cell beyond is refused).
FLOAT_EXACT = 2**53
#: Digits a plain integer may have to be cast by Arrow directly (anything longer is checked exactly).
FAST_DIGITS = 18
_FAST_INTEGER = rf"^[-]?[0-9]{{1,{FAST_DIGITS}}}$"
_ONE_GROUP_VI = r"^[+-]?[0-9]{1,3}\.[0-9]{3}$"
_ONE_GROUP_EN = r"^[+-]?[0-9]{1,3},[0-9]{3}$"
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_VN_DATE = r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$"


@dataclass(frozen=True, slots=True)
class Failure:
    """A cell a cast could not read: its row (from ``first_row``), column, text and the reason."""

    row: int
    column: str
    text: str
    reason: str


def _pa() -> tuple[Any, Any]:
    import pyarrow as pa
    import pyarrow.compute as pc

    return pa, pc


def trimmed(values: Any) -> Any:
    """The text with surrounding spaces removed (``None`` stays ``None``)."""
    _, pc = _pa()
    return pc.utf8_trim_whitespace(values)


def empty_mask(values: Any) -> np.ndarray:
    """Rows holding no value: null, empty or one of the vocabulary's empty words (``-``, ``NA`` …)."""
    pa, pc = _pa()
    t = pc.utf8_lower(trimmed(values))
    hit = pc.is_in(t, value_set=pa.array(sorted(EMPTY_WORDS), pa.string()))
    return np.asarray(pc.fill_null(pc.or_kleene(hit, pc.is_null(t)), True).to_numpy(zero_copy_only=False), dtype=bool)


def _match(values: Any, pattern: str) -> np.ndarray:
    _, pc = _pa()
    m = pc.match_substring_regex(values, pattern)
    return np.asarray(pc.fill_null(m, False).to_numpy(zero_copy_only=False), dtype=bool)


def _has_x(values: Any, pa: Any) -> bool:
    """Whether any cell holds an ``x`` or ``X`` (read from the text buffer: in UTF-8 those bytes
    are only ever those letters)."""
    if not isinstance(values, pa.Array) or not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        _, pc = _pa()
        return bool(pc.any(pc.match_substring(values, "x", ignore_case=True)).as_py())
    if not len(values):
        return False
    width = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(values.buffers()[1], dtype=width)[values.offset: values.offset + len(values) + 1]
    data = np.frombuffer(values.buffers()[2], dtype=np.uint8)[int(offsets[0]): int(offsets[-1])]
    return bool(((data | 0x20) == ord("x")).any())


def plain_integers(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """The fast path of :func:`cast_integers`: ``(int64 values, mask)`` of the rows that are plain
    integers of at most 18 digits (after trimming), cast by Arrow in one pass; other rows are 0."""
    pa, pc = _pa()
    if values.null_count == 0 and not _has_x(values, pa):
        try:  # clean data, the common case: one cast, no regular expression (Arrow would read 0x10 as hex: excluded)
            cast = pc.cast(values, pa.int64())
            return np.asarray(cast.to_numpy(zero_copy_only=False), dtype=np.int64), np.ones(len(values), dtype=bool)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    t = trimmed(values)
    fast = _match(t, _FAST_INTEGER)
    out = np.zeros(len(t), dtype=np.int64)
    if fast.any():
        out[:] = np.asarray(pc.cast(pc.if_else(pa.array(fast), t, "0"), pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    return out, fast


def cast_integers(values: Any, column: str, *, first_row: int = 1, convention: Convention | None = None,
                  lo: int | None = None, hi: int | None = None) -> tuple[np.ndarray, list[Failure]]:
    """Whole numbers from text: ``int64`` values (0 where a row failed) and every failure."""
    pa, pc = _pa()
    t = trimmed(values)
    n = len(t)
    out = np.zeros(n, dtype=np.int64)
    missing = empty_mask(t)
    fast = _match(t, _FAST_INTEGER) & ~missing
    if fast.any():
        picked = pc.if_else(pa.array(fast), t, "0")
        out[:] = np.asarray(pc.cast(picked, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    failures: list[Failure] = []
    rest = np.flatnonzero(~fast)
    if len(rest):
        texts = pc.take(t, pa.array(rest)).to_pylist()
        for i, text in zip(rest.tolist(), texts, strict=True):
            if missing[i]:
                failures.append(Failure(first_row + i, column, text or "", f"{column} is missing"))
                continue
            value, reason = integer_of(text, convention)
            if reason is None and value is not None and not -INT64_MAX - 1 <= value <= INT64_MAX:
                reason = f"{column} is out of range (at most {INT64_MAX})"
            if reason is not None or value is None:
                failures.append(Failure(first_row + i, column, text, reason or f"{text!r} is not a number"))
            else:
                out[i] = value
    if lo is not None or hi is not None:
        bad = np.zeros(n, dtype=bool)
        if lo is not None:
            bad |= out < lo
        if hi is not None:
            bad |= out > hi
        failed = {f.row - first_row for f in failures}
        for i in np.flatnonzero(bad).tolist():
            if i not in failed:
                v = int(out[i])
                failures.append(Failure(first_row + i, column, str(v), f"{column} is below {lo}" if lo is not None and v < lo
                                        else f"{column} is above {hi}"))
        failures.sort(key=lambda f: f.row)
    return out, failures


def integer_of(text: str, convention: Convention | None = None, *, money: bool = False) -> tuple[int | None, str | None]:
    """One cell as a whole number: ``(value, None)`` or ``(None, reason)`` — the scalar form of
    :func:`cast_integers`, with the same shapes (used for the rows the fast path leaves).

    ``money``: an amount in đồng, which has no decimal places, so a single group (``600.000``,
    ``600,000``) can only be thousands and is read so in either convention."""
    import re

    s = text.strip()
    if money and convention is None and (re.match(_ONE_GROUP_VI, s) or re.match(_ONE_GROUP_EN, s)):
        return int(s.replace(".", "").replace(",", "")), None
    if re.match(PLAIN_INTEGER, s):
        return int(s), None
    if re.match(EXPONENT, s):
        return None, f"{s!r} is in exponent notation (a spreadsheet float that may have lost digits); write the number in full"
    one_vi, one_en = re.match(_ONE_GROUP_VI, s), re.match(_ONE_GROUP_EN, s)
    if one_vi or one_en:  # 2.000 / 2,000: a thousands group or three decimals
        mark = "." if one_vi else ","
        grouping = "vi" if mark == "." else "en"
        if convention is None:
            as_decimal = s.replace(",", ".").rstrip("0").rstrip(".")
            return None, (f"{s!r} is ambiguous: {int(s.replace(mark, ''))} in {'Vietnamese' if grouping == 'vi' else 'English'} "
                          f"notation, {as_decimal} in {'English' if grouping == 'vi' else 'Vietnamese'}; write it without a separator")
        if convention == grouping:
            return int(s.replace(mark, "")), None
        return None, f"{s!r} is not a whole number"
    for pattern, mark, decimal in ((GROUPED_VI, ".", ","), (GROUPED_EN, ",", ".")):
        if re.match(pattern, s) and convention in (None, "vi" if mark == "." else "en"):
            body = s.replace(mark, "")
            if decimal in body:
                return None, f"{s!r} is not a whole number"
            return int(body), None
    if re.match(GROUPED_SPACE, s):
        body = "".join(ch for ch in s if ch not in GROUP_SPACES)
        if "," in body or "." in body:
            return None, f"{s!r} is not a whole number"
        return int(body), None
    if re.match(PLAIN_DECIMAL_DOT, s) or re.match(PLAIN_DECIMAL_COMMA, s):
        return None, f"{s!r} is not a whole number"
    return None, f"{s[:40]!r} is not a number"


def decimal_of_cell(v: Any, convention: Convention | None = None, *, money: bool = False) -> Decimal:
    """A table cell as an exact decimal, in normkit's own Decimal context (never the caller's);
    ``ValueError`` with the reason otherwise. The shapes are the vocabulary's: ``1 234,5``,
    ``1.234,5`` and ``1,234.5`` are one number in every table; a single group (``1.234``) is
    ambiguous unless ``convention`` is known or the cell is ``money`` (whole đồng: thousands);
    exponent notation and spreadsheet floats beyond 2⁵³ are refused (they have lost digits)."""
    import re

    from normkit.core.numbers import CTX

    with localcontext(CTX):
        if isinstance(v, bool) or not isinstance(v, (int, float, str, Decimal)):
            raise ValueError(f"{str(getattr(v, 'value', v))!r} is not a number")
        if isinstance(v, int):
            return Decimal(v)
        if isinstance(v, Decimal):
            if not v.is_finite():
                raise ValueError("not a finite number")
            return v
        if isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                raise ValueError("not a finite number")
            if abs(v) >= FLOAT_EXACT:
                raise ValueError(f"{v!r} is beyond the range a spreadsheet number holds exactly; write it as text")
            return Decimal(repr(v))
        s = v.strip()
        if len(s) > 64:
            raise ValueError(f"{s[:20]!r}… ({len(s)} characters) is not a number")
        if re.match(PLAIN_INTEGER, s):
            return Decimal(s)
        if re.match(EXPONENT, s):
            raise ValueError(f"{s!r} is in exponent notation (a spreadsheet float that may have lost digits); write the number in full")
        one_vi, one_en = re.match(_ONE_GROUP_VI, s), re.match(_ONE_GROUP_EN, s)
        if one_vi or one_en:
            mark = "." if one_vi else ","
            if money or convention == ("vi" if mark == "." else "en"):
                return Decimal(s.replace(mark, ""))
            if convention is None:
                raise ValueError(integer_of(s)[1] or f"{s!r} is ambiguous")
            return Decimal(s.replace(",", "."))
        if (re.match(PLAIN_DECIMAL_DOT, s) and convention != "vi") or (re.match(PLAIN_DECIMAL_COMMA, s) and convention != "en"):
            return Decimal(s.replace(",", "."))
        if re.match(GROUPED_VI, s) and convention != "en":
            return Decimal(s.replace(".", "").replace(",", "."))
        if re.match(GROUPED_EN, s) and convention != "vi":
            return Decimal(s.replace(",", ""))
        if re.match(GROUPED_SPACE, s):
            return Decimal("".join(ch for ch in s if ch not in GROUP_SPACES).replace(",", "."))
        raise ValueError(f"{s[:40]!r} is not a number")


def cast_booleans(values: Any, column: str, *, first_row: int = 1) -> tuple[np.ndarray, list[Failure]]:
    """True/false from the vocabulary's words (``có``/``không``, ``x``, ``true``/``false``, ``1``/``0`` …,
    any case, with or without diacritics), evaluated once per distinct word."""
    pa, pc = _pa()
    t = trimmed(values)
    encoded = pc.dictionary_encode(t)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    words = encoded.dictionary.to_pylist()
    truth = np.zeros(len(words) + 1, dtype=np.int8)  # 1 true, 0 false, -1 unknown, -2 missing
    for k, w in enumerate(words):
        f = fold(w)
        truth[k] = 1 if f in TRUE_WORDS else 0 if f in FALSE_WORDS else -2 if f in EMPTY_WORDS else -1
    truth[len(words)] = -2
    idx = np.asarray(pc.fill_null(encoded.indices, len(words)).to_numpy(zero_copy_only=False))
    state = truth[idx]
    failures = []
    for i in np.flatnonzero(state < 0).tolist():
        text = words[idx[i]] if idx[i] < len(words) else ""
        reason = f"{column} is missing" if state[i] == -2 else f"unknown value {text!r} for {column} (use true/false, có/không)"
        failures.append(Failure(first_row + i, column, text, reason))
    return state == 1, failures


def cast_dates(values: Any, column: str, *, first_row: int = 1) -> tuple[list[dt.date | None], list[Failure]]:
    """Dates written ``YYYY-MM-DD`` or ``dd/mm/yyyy`` (as Vietnamese offices write them)."""
    texts = trimmed(values).to_pylist()
    out: list[dt.date | None] = []
    failures = []
    for i, text in enumerate(texts):
        d = date_of(text or "")
        if d is None:
            failures.append(Failure(first_row + i, column, text or "",
                                    f"{column} is missing" if not text else f"{text!r} is not a date; write YYYY-MM-DD or dd/mm/yyyy"))
        out.append(d)
    return out, failures


def date_of(text: str) -> dt.date | None:
    """``2024-09-15`` or ``15/09/2024`` as a date; ``None`` when it is neither (or not a real day)."""
    import re

    s = text.strip()
    try:
        if re.match(_ISO_DATE, s):
            return dt.date.fromisoformat(s)
        if re.match(_VN_DATE, s):
            d, m, y = (int(x) for x in s.split("/"))
            return dt.date(y, m, d)
    except ValueError:
        return None
    return None


__all__ = ["Failure", "cast_booleans", "cast_dates", "cast_integers", "date_of", "decimal_of_cell", "empty_mask", "integer_of", "plain_integers", "trimmed"]
