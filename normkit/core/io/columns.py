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
Plain integers are cast by Arrow in one pass; every other row is read by the scalar reader
(:mod:`normkit.core.io.text`), so its value and its reason are those of every other input
(``tests/tables/test_one_reader.py`` checks both readers against each other).

>>> import pyarrow as pa
>>> values, failures = cast_integers(pa.array(["1500000", "2.000.000", " 7 ", "2.000", "1e6", ""]), "income")
>>> values.tolist()[:3], [(f.row, f.reason) for f in failures]  # doctest: +NORMALIZE_WHITESPACE
([1500000, 2000000, 7], [(4, "'2.000' is ambiguous: 2000 as Vietnamese writes numbers, 2.000 as English does;
 write it without a thousands separator (1234) or with its decimals in full (1.234,0 or 1,234.0)"),
 (5, "'1e6' is in exponent notation; write the number with all its digits; a number in exponent notation has already lost digits"),
 (6, 'income is missing')])
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from normkit.core.errors import NormkitError
from normkit.core.io.text import read_date, read_money, read_number
from normkit.core.io.vocabulary import (
    EMPTY_WORDS,
    FALSE_WORDS,
    FAST_INTEGER,
    TRUE_WORDS,
    Convention,
    fold,
)
from normkit.core.numbers import CTX

INT64_MAX = 2**63 - 1


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


def choice_codes(values: Any, choices: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...]] | None:
    """The fast path of reading a column of choice words (``urban``/``rural``): when every cell is,
    byte for byte, one of ``choices`` and all cells are as long as each other, ``(codes, words)``
    — ``words`` the choices present in the order of their first row, ``codes`` (int8) their
    index there; otherwise ``None`` (the caller reads the column the general way, which trims,
    folds and says why a cell is refused). The cells are compared as 8-byte words copied from the
    text buffer: no string is made."""
    pa, _ = _pa()
    n = len(values)
    if not isinstance(values, pa.Array) or not pa.types.is_string(values.type) or values.null_count or not n or len(choices) > 127:
        return None
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[values.offset: values.offset + n + 1]
    lo, hi = int(offsets[0]), int(offsets[-1])
    width = (hi - lo) // n
    if not width or width > 64 or hi - lo != width * n or not (np.diff(offsets) == width).all():
        return None
    words = (width + 7) // 8
    padded = np.zeros((n, 8 * words), dtype=np.uint8)  # each cell zero-padded to whole 8-byte words, compared as integers
    padded[:, :width] = np.frombuffer(values.buffers()[2], dtype=np.uint8, count=width * n, offset=lo).reshape(n, width)
    keys = padded.view("<u8")
    codes = np.zeros(n, dtype=np.int8)  # 1 + the word's place among those found; 0: no word
    firsts: list[tuple[int, str]] = []
    for word in dict.fromkeys(choices):
        raw = word.encode()
        if len(raw) != width:
            continue
        raw += bytes(8 * words - width)
        hit = keys[:, 0] == int.from_bytes(raw[:8], "little")
        for k in range(1, words):
            hit &= keys[:, k] == int.from_bytes(raw[8 * k: 8 * k + 8], "little")
        at = int(hit.argmax())
        if hit[at]:
            firsts.append((at, word))
            codes += hit.view(np.int8) * np.int8(len(firsts))
    if not firsts or not codes.all():
        return None
    order = sorted(range(len(firsts)), key=lambda k: firsts[k][0])
    codes -= np.int8(1)
    if order != list(range(len(order))):
        codes = np.argsort(np.array(order, dtype=np.int8)).astype(np.int8)[codes]
    return codes, tuple(firsts[k][1] for k in order)


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
    fast = _match(t, FAST_INTEGER)
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
    fast = _match(t, FAST_INTEGER) & ~missing
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
    """One cell as a whole number: ``(value, None)`` or ``(None, reason)``, read by the one scalar
    reader (:func:`~normkit.core.io.text.read_number`, or :func:`~normkit.core.io.text.read_money`
    for ``money``) — so a row the fast path of :func:`cast_integers` leaves means what the same
    text means in every other input. The reason is the reader's message without a field name
    (with its hint for an ambiguous text or exponent notation).

    ``money``: an amount in đồng, which has no decimal places, so a single group (``600.000``,
    ``600,000``) can only be thousands and is read so in either convention."""
    try:
        d = read_money(text, convention=convention, what="cell") if money else read_number(text, convention=convention, what="cell")
    except NormkitError as e:
        reason = e.message.removeprefix("cell: ")
        return None, f"{reason}; {e.hint}" if e.code in ("NK111", "NK112") and e.hint else reason
    if d != d.to_integral_value(context=CTX):
        return None, f"{text.strip()!r} is not a whole number"
    return int(d), None


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
        d: dt.date | None = None
        if text:
            with contextlib.suppress(NormkitError):  # the one scalar reader: the vocabulary's two date shapes, a real day
                d = read_date(text, what=column)
        if d is None:
            failures.append(Failure(first_row + i, column, text or "",
                                    f"{column} is missing" if not text else f"{text!r} is not a date; write YYYY-MM-DD or dd/mm/yyyy"))
        out.append(d)
    return out, failures


__all__ = ["Failure", "cast_booleans", "cast_dates", "cast_integers", "empty_mask", "integer_of", "plain_integers", "trimmed"]
