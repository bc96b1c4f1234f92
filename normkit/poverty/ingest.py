"""Read household columns into exact arrays, marking each bad value with its reason.

A column arrives as a pandas Series: text (CSV is read as text, so nothing is lost to float
parsing), integers, booleans, decimals, or floats (Parquet). Each reader returns the values
as NumPy arrays (``int64`` for whole numbers, ``bool``, :class:`~normkit.core.lang.vector.Text`
for text, ``object`` Decimals for fractional quantities) and a ``reasons`` array holding
``None`` for a good row and a short explanation for a bad one.

Text columns that arrive Arrow-backed (household files, read by :mod:`normkit.core.io.tables`)
are checked by Arrow compute (:mod:`normkit.core.io.columns`): plain integers are cast in one
pass, text and true/false words are evaluated once per distinct value; only the rows of other
shapes are read one by one. Grouped numbers (``2.000.000``, ``2,000,000``, ``2 000 000``) and a
decimal comma (``15,5``) are read as everywhere else in normkit; a single group (``2.000``) is
ambiguous and rejected with the reason — except in an income (whole đồng, no decimal places),
where it can only be thousands.

Money is never float. A float column is accepted only where every value is a whole number
that a float holds exactly (below 2**53); an income with a fraction of a đồng is rejected
(the lines are whole đồng, and rounding it is the user's decision, not ours).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

from normkit.core.io.columns import choice_codes, empty_mask, integer_of, plain_integers, trimmed
from normkit.core.io.vocabulary import EXPONENT, FALSE_WORDS, GROUPED_EN, GROUPED_SPACE, GROUPED_VI, PLAIN_DECIMAL_COMMA, TRUE_WORDS, fold
from normkit.core.lang.vector import Text

FLOAT_EXACT = 2**53
INT64_LIMIT = 2**63
_GROUPED = tuple(re.compile(p) for p in (GROUPED_VI, GROUPED_EN, GROUPED_SPACE))
_DECIMAL_COMMA = re.compile(PLAIN_DECIMAL_COMMA)
_EXPONENT = re.compile(EXPONENT)


def arrow_text(series: Any) -> Any:
    """The Arrow array behind a text Series (``None`` when it is not Arrow-backed text)."""
    arr = getattr(series, "array", None)
    if arr is None or not hasattr(arr, "__arrow_array__") or "str" not in str(series.dtype):
        return None
    import pyarrow as pa

    data = pa.array(arr)
    if isinstance(data, pa.ChunkedArray):
        data = data.combine_chunks()
    return data if pa.types.is_string(data.type) or pa.types.is_large_string(data.type) else None


def _missing(series: Any) -> np.ndarray:
    arr = arrow_text(series)
    if arr is not None:
        return empty_mask(arr)
    na = series.isna().to_numpy()
    if series.dtype == object or str(series.dtype) in ("string", "str"):
        blank = series.astype("string").str.strip().eq("").fillna(False).to_numpy(dtype=bool)
        na = na | blank
    return na


_NO_REASON = np.array(None, dtype=object)


def good_rows(reasons: np.ndarray) -> np.ndarray:
    """The rows with no reason against them (a boolean mask)."""
    return np.equal(reasons, _NO_REASON)


def _mark(reasons: np.ndarray, mask: np.ndarray, text: str) -> None:
    if not mask.any():
        return
    hit = mask & good_rows(reasons)
    if hit.any():
        reasons[hit] = text


def new_reasons(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def text_column(series: Any, name: str, choices: Sequence[str] | None) -> tuple[Text, np.ndarray]:
    """A text column (e.g. area), checked against ``choices``."""
    n = len(series)
    reasons = new_reasons(n)
    na = _missing(series)
    _mark(reasons, na, f"{name} is missing")
    arr = arrow_text(series)
    if arr is not None:
        categories, codes = _categories(arr)
    else:
        values = series.astype("string").str.strip().fillna("").to_numpy(dtype=object)
        cats, codes = np.unique(values.astype(str), return_inverse=True)
        categories = [str(c) for c in cats]
    if choices is not None:
        for i, c in enumerate(categories):
            if c and c not in choices:
                _mark(reasons, codes == i, f"{name} must be one of {', '.join(choices)}, got {c!r}")
    return Text(codes.astype(np.int32 if len(categories) > 127 else np.int8), tuple(categories)), reasons


def _categories(arr: Any) -> tuple[list[str], np.ndarray]:
    """Sorted distinct values (trimmed, NFC, missing as ``""``) and each row's code, by Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(pc.utf8_normalize(pc.fill_null(trimmed(arr), ""), "NFC"))
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    words = enc.dictionary.to_pylist()
    order = np.argsort(np.asarray(words, dtype=object)) if words else np.zeros(0, dtype=np.int64)
    rank = np.empty(len(words), dtype=np.int64)
    rank[order] = np.arange(len(words))
    codes = rank[np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)] if words else np.zeros(len(arr), dtype=np.int64)
    return [words[i] for i in order.tolist()], codes


def whole_column(series: Any, name: str, lo: Decimal | None, hi: Decimal | None, unit: str = "") -> tuple[np.ndarray, np.ndarray]:
    """A column of whole numbers (incomes in đồng, counts) as int64."""
    values, reasons, fractional = _numbers(series, name, money=unit == "đồng")
    if fractional is not None:
        whole = np.array([v == v.to_integral_value() if isinstance(v, Decimal) else True for v in fractional.tolist()], dtype=bool)
        _mark(reasons, ~whole, f"{name} must be a whole number{(' of ' + unit) if unit else ''}")
        # whole numbers beyond int64 (e.g. 1e30 or 20 digits in a CSV) are out of any bound: rejected, never converted
        big = np.array([isinstance(v, Decimal) and abs(v) >= INT64_LIMIT for v in fractional.tolist()], dtype=bool)
        positive = np.array([isinstance(v, Decimal) and v > 0 for v in fractional.tolist()], dtype=bool)
        _mark(reasons, big & positive, f"{name} is above {hi}" if hi is not None else f"{name} is too large (at most {INT64_LIMIT - 1})")
        _mark(reasons, big & ~positive, ("negative " + name if lo == 0 else f"{name} is below {lo}") if lo is not None
              else f"{name} is too small (at least {-INT64_LIMIT})")
        ints = np.zeros(len(series), dtype=np.int64)
        ok = good_rows(reasons)
        ints[ok] = [int(v) for v in fractional[ok].tolist()]
        values = ints
    _bounds(values, reasons, name, lo, hi)
    return values, reasons


def number_column(series: Any, name: str, lo: Decimal | None, hi: Decimal | None) -> tuple[np.ndarray, np.ndarray]:
    """A column of exact numbers: int64 if all are whole, else Decimal objects."""
    values, reasons, fractional = _numbers(series, name)
    if fractional is not None:
        values = fractional
        ok = good_rows(reasons)
        if ok.any():
            good = values[ok]
            if all(v == v.to_integral_value() and abs(v) < FLOAT_EXACT for v in good.tolist()):
                ints = np.zeros(len(series), dtype=np.int64)
                ints[ok] = [int(v) for v in good.tolist()]
                values = ints
        if values.dtype == object:
            values = np.where(ok, values, np.array(Decimal(0), dtype=object))
    _bounds(values, reasons, name, lo, hi)
    return values, reasons


def _bounds(values: np.ndarray, reasons: np.ndarray, name: str, lo: Decimal | None, hi: Decimal | None) -> None:
    if lo is not None:
        _mark(reasons, np.asarray(values < (int(lo) if lo == lo.to_integral_value() else lo), dtype=bool),
              "negative " + name if lo == 0 else f"{name} is below {lo}")
    if hi is not None:
        _mark(reasons, np.asarray(values > (int(hi) if hi == hi.to_integral_value() else hi), dtype=bool), f"{name} is above {hi}")


def _numbers(series: Any, name: str, *, money: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(int64 values, reasons, None) when every good value is whole; else (…, Decimal objects)."""
    n = len(series)
    reasons = new_reasons(n)
    arr = arrow_text(series)
    if arr is not None:
        ints, plain = plain_integers(arr)
        if plain.all():  # every cell a plain integer: nothing missing, nothing to read one by one
            return ints, reasons, None
    na = _missing(series)
    _mark(reasons, na, f"{name} is missing")
    kind = series.dtype.kind if hasattr(series.dtype, "kind") else "O"
    dtype_name = str(series.dtype)
    if kind == "b" or dtype_name == "boolean":
        _mark(reasons, ~na, f"{name} must be a number, not true/false")
        return np.zeros(n, dtype=np.int64), reasons, None
    if kind in "iu" or dtype_name in ("Int64", "Int32", "Int16", "Int8", "UInt8", "UInt16", "UInt32", "UInt64"):
        if kind == "u" or dtype_name == "UInt64":  # above int64: rejected, never wrapped around to a negative number
            big = (series.fillna(0) >= INT64_LIMIT).to_numpy(dtype=bool)
            _mark(reasons, big, f"{name} is too large (at most {INT64_LIMIT - 1})")
            series = series.where(~big, 0)
        return series.fillna(0).to_numpy(dtype=np.int64), reasons, None
    if kind == "f":
        raw = series.to_numpy(dtype="float64", na_value=0)
        finite = np.isfinite(raw)
        _mark(reasons, ~finite & ~na, f"{name} is not a finite number")
        whole = finite & (np.floor(raw) == raw) & (np.abs(raw) < FLOAT_EXACT)
        _mark(reasons, ~whole & finite, f"{name} must be a whole number (a float column holds it only approximately)")
        return np.where(whole, raw, 0).astype(np.int64), reasons, None
    # text (CSV), decimals (Parquet decimal columns) or mixed Python objects
    if arr is None:
        text = series.astype("string").str.strip().fillna("")
        plain = text.str.fullmatch(r"[+-]?\d{1,18}").fillna(False).to_numpy(dtype=bool)
        ints = np.zeros(n, dtype=np.int64)
        if plain.any():
            ints[plain] = text[plain].astype("int64").to_numpy()
    rest = ~plain & ~na
    if not rest.any():
        return ints, reasons, None
    objs = np.array([Decimal(int(v)) for v in ints.tolist()], dtype=object)
    for i in np.flatnonzero(rest).tolist():
        raw_value = series.iloc[i]
        if isinstance(raw_value, bool):
            _mark(reasons, _one(n, i), f"{name} must be a number, not true/false")
            continue
        shaped = _shaped(raw_value, money)
        if isinstance(shaped, str):
            _mark(reasons, _one(n, i), f"{name}: {shaped}")
            continue
        try:
            d = shaped if shaped is not None else Decimal(str(raw_value).strip().replace("_", "!"))
        except (InvalidOperation, ValueError):
            _mark(reasons, _one(n, i), f"{name} is not a number: {str(raw_value)[:40]!r}")
            continue
        if not d.is_finite():
            _mark(reasons, _one(n, i), f"{name} is not a finite number")
            continue
        objs[i] = d
    return ints, reasons, objs


def _shaped(raw: Any, money: bool = False) -> Decimal | str | None:
    """A value in one of the vocabulary's grouped or decimal-comma shapes (a Decimal, or the reason
    it cannot be read); ``None`` for any other value (read by ``Decimal`` as before). In ``money``
    (whole đồng) a single group ``2.000`` is thousands; elsewhere it is ambiguous."""
    if isinstance(raw, Decimal):
        return raw
    text = str(raw).strip()
    if len(text) > 64:  # no number normkit reads has that many characters: never handed to Decimal
        return f"{text[:20]!r}… ({len(text)} characters) is not a number"
    if _DECIMAL_COMMA.match(text):
        return Decimal(text.replace(",", "."))
    if _EXPONENT.match(text) or any(p.match(text) for p in _GROUPED):
        value, reason = integer_of(text, money=money)
        if reason is not None:
            return reason
        return Decimal(value if value is not None else 0)
    return None


def _one(n: int, i: int) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    m[i] = True
    return m


def clean_values(arr: Any, kind: str, choices: Sequence[str] | None, lo: Decimal | None, hi: Decimal | None) -> Any:
    """The values of an Arrow column in which no row would be rejected, or ``None`` when some row
    might be (the caller then reads the column the long way, with a reason for every bad row).

    The fast path of the file reader: for a clean column the values equal what the readers above
    give (:func:`normkit.poverty.batch.text_codes` for text, :func:`bool_column`,
    :func:`whole_column` / :func:`number_column`), without making a reason per row.
    ``kind`` is the input's type (``text``, ``bool`` or a number type)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if arr.null_count:
        return None
    if kind == "text":
        if not pa.types.is_string(arr.type):
            return None
        fast = choice_codes(arr, choices) if choices is not None else None
        if fast is not None:  # every cell one of the words exactly, all as long (urban/rural): compared in place
            return Text(fast[0], fast[1])
        enc = pc.dictionary_encode(arr)
        raw = [str(w).strip() for w in enc.dictionary.to_pylist()]
        if "" in raw or (choices is not None and any(w not in choices for w in raw)):
            return None
        cats = list(dict.fromkeys(raw))
        codes = np.asarray(enc.indices.to_numpy(zero_copy_only=False))
        if len(cats) != len(raw):  # " rural" and "rural" are one value
            codes = np.array([cats.index(w) for w in raw], dtype=np.int64)[codes]
        return Text(codes.astype(np.int32 if len(cats) > 127 else np.int8), tuple(cats))
    if kind == "bool":
        if pa.types.is_boolean(arr.type):
            return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=bool)
        if not pa.types.is_string(arr.type) or empty_mask(arr).any():
            return None
        cats, codes = _categories(arr)
        keys = [fold(w) for w in cats]
        if any(k not in TRUE_WORDS and k not in FALSE_WORDS for k in keys):
            return None
        return np.array([k in TRUE_WORDS for k in keys], dtype=bool)[codes]
    if pa.types.is_signed_integer(arr.type):
        values = np.asarray(arr.to_numpy(), dtype=np.int64)
    elif pa.types.is_string(arr.type):
        values, plain = plain_integers(arr)
        if not plain.all():
            return None
    else:
        return None
    low: Any = None if lo is None else int(lo) if lo == lo.to_integral_value() else lo  # as _bounds compares
    high: Any = None if hi is None else int(hi) if hi == hi.to_integral_value() else hi
    if (low is not None and bool(np.asarray(values < low).any())) or (high is not None and bool(np.asarray(values > high).any())):
        return None
    return values


def bool_column(series: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A true/false column (an indicator: true = deprived). Accepts true/false, 1/0, yes/no, có/không."""
    n = len(series)
    reasons = new_reasons(n)
    na = _missing(series)
    _mark(reasons, na, f"{name} is missing")
    kind = series.dtype.kind if hasattr(series.dtype, "kind") else "O"
    if kind == "b" or str(series.dtype) == "boolean":
        return series.fillna(False).to_numpy(dtype=bool), reasons
    if kind in "iuf":
        raw = series.to_numpy(dtype="float64", na_value=0) if kind == "f" else series.to_numpy()
        good = (raw == 0) | (raw == 1)
        for v in np.unique(raw[~good & ~na]).tolist():
            _mark(reasons, raw == v, f"unknown value {v!r} for indicator {name} (use true/false)")
        return raw == 1, reasons
    arr = arrow_text(series)
    if arr is not None:
        cats, codes = _categories(arr)
    else:
        words = series.astype("string").str.strip().fillna("")
        uniq, codes = np.unique(words.to_numpy(dtype=object).astype(str), return_inverse=True)
        cats = [str(c) for c in uniq]
    table = np.zeros(len(cats), dtype=bool)
    for i, w in enumerate(cats):
        key = fold(w)
        if key in TRUE_WORDS:
            table[i] = True
        elif key not in FALSE_WORDS and w and not na[codes == i].all():
            _mark(reasons, codes == i, f"unknown value {w.lower()!r} for indicator {name} (use true/false)")
    return table[codes], reasons
