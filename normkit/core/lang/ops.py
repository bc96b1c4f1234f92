"""The meaning of every operation of the rule language, defined once.

Every backend (traced scalar, folded scalar, NumPy arrays) calls these functions and nothing
else for arithmetic, division, rounding, comparison, min/max, abs, look-up misses and range
errors, so a rule gives one answer wherever it is evaluated. The scalar functions take and
return Decimals (or ints, which are exact); the ``array_*`` functions take int64 arrays, object
arrays of Decimal, or scalars, and report per-row failures through a :class:`Failures` callback
instead of raising, because one bad row must not fail a population.

Arithmetic is done in :data:`normkit.core.numbers.CTX` (34 digits, exponents ±60, traps on);
a trapped condition is a range error, NK502 with one wording on every path.

>>> from decimal import Decimal
>>> divide(Decimal(7), Decimal(2))
Decimal('3.5')
>>> round_value(Decimal("2.5"), Decimal(1), "half_up")
Decimal('3')
"""

from __future__ import annotations

import functools
import operator
import sys
from collections.abc import Callable, Iterable
from decimal import Clamped, Decimal, DivisionByZero, InvalidOperation, Overflow
from typing import Any, Protocol

from normkit.core.errors import Location, NormkitError
from normkit.core.numbers import CTX, round_to

RANGE_ERRORS = (Overflow, InvalidOperation, DivisionByZero, Clamped)
RANGE_TEXT = "a value is beyond the exact range (34 significant digits, magnitudes from 10^-60 to 10^60)"
RANGE_HINT = "check the inputs and the formula: a value this large is almost certainly a mistake"
INT_LIMIT = 2**62  # beyond this, int64 arithmetic moves to exact Decimal objects

# ---- scalars ------------------------------------------------------------------------------------

add = CTX.add
subtract = CTX.subtract
multiply = CTX.multiply
negate = CTX.minus
absolute = CTX.abs
divide_exact = CTX.divide  # by a divisor known not to be zero (a unit factor's denominator)


def divide(a: Any, b: Any) -> Decimal:
    """``a / b``; dividing by zero is NK502."""
    if not b:
        raise NormkitError("NK502", f"division by zero ({a} / 0)")
    return CTX.divide(a, b)


# Inside ``decimal.localcontext(CTX)`` (installed by the engine's entry points, for the calling
# thread only) Python's operators on Decimals compute exactly the functions above, about twice as
# fast as calling the context's methods; the traced backend, on the pricing hot path, uses these.
IN_CONTEXT: dict[str, Callable[[Any, Any], Any]] = {"add": operator.add, "sub": operator.sub, "mul": operator.mul}


def divide_in_context(a: Any, b: Any) -> Any:
    """:func:`divide` for code running inside ``localcontext(CTX)``."""
    if not b:
        raise NormkitError("NK502", f"division by zero ({a} / 0)")
    return a / b


def scale(value: Any, num: Decimal, den: Decimal) -> Decimal:
    """A unit conversion: ``value × num / den`` (``den`` is never zero)."""
    if den == 1:
        return CTX.multiply(value, num)
    return CTX.divide(CTX.multiply(value, num), den)


def check_quantum(quantum: Any) -> None:
    if not quantum > 0:
        raise NormkitError("NK502", f"round() needs a positive quantum, got {quantum}")


def round_value(value: Any, quantum: Any, mode: str) -> Decimal:
    """``round(value, quantum, mode)``; a quantum that is not positive is NK502."""
    check_quantum(quantum)
    return round_to(value if isinstance(value, Decimal) else Decimal(value),
                    quantum if isinstance(quantum, Decimal) else Decimal(quantum), mode)


COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda x, y: x < y, "<=": lambda x, y: x <= y, ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y, "==": lambda x, y: x == y, "!=": lambda x, y: x != y,
}


def compare(op: str, a: Any, b: Any) -> bool:
    """Numbers compare by value (exactly), text and booleans by equality."""
    return COMPARE[op](a, b)


def extreme(op: str, values: Iterable[Any]) -> Any:
    """``min``/``max``: the first of the smallest (largest) values (Python's ``min``/``max``)."""
    return min(values) if op == "min" else max(values)


def lookup_miss(table: str, key: tuple[Any, ...], detail: str = "", location: Location | None = None,
                hint: str | None = None) -> NormkitError:
    """A key without a row: NK202 naming the table and the key."""
    shown = "/".join(str(k) for k in key)
    return NormkitError("NK202", f"table {table!r} has no row for {shown}{detail}", location=location, hint=hint)


def range_error(exc: BaseException, name: str, location: Location | None = None) -> NormkitError:
    """A value beyond the exact range while evaluating ``name``: NK502."""
    return NormkitError("NK502", f"evaluating {name}: {RANGE_TEXT} ({type(exc).__name__})", location=location, hint=RANGE_HINT)


def conflict(adjustment: str, labels: Iterable[str], priority: int, location: Location | None = None) -> NormkitError:
    """Two exceptions of an adjustment apply with the same priority: NK208."""
    return NormkitError("NK208", f"adjustment {adjustment!r}: exceptions {', '.join(labels)} all apply with priority {priority}",
                        location=location)


def whole(value: Any) -> Any:
    """A whole Decimal as an int (exactly); anything else unchanged."""
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return value


# ---- arrays -------------------------------------------------------------------------------------

def small(value: Any) -> Any:
    """A scalar in array form: a whole Decimal within int64's exact range as an int, others unchanged."""
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value() and abs(value) < INT_LIMIT:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= INT_LIMIT:
        return Decimal(value)
    return value


class Failures(Protocol):
    """Where array operations report the rows that fail: ``fail(rows, code, message)``."""

    def __call__(self, rows: Any, code: str, message: str, /) -> None: ...


def is_array(x: Any) -> bool:
    np = sys.modules.get("numpy")  # no array exists before NumPy is loaded: the scalar path never loads it
    return np is not None and isinstance(x, np.ndarray)


def is_int(x: Any) -> bool:
    return (isinstance(x, int) and not isinstance(x, bool)) or (is_array(x) and x.dtype.kind == "i")


def _bound(x: Any) -> int:
    np = _np()
    if is_array(x):
        return int(np.abs(x).max()) if x.size else 0
    return abs(int(x))


def objects(x: Any) -> Any:
    """An int64 array or int scalar as exact Decimal objects."""
    if is_array(x):
        if x.dtype == object:
            return x
        return _np().array([Decimal(int(v)) for v in x.tolist()], dtype=object)
    return Decimal(x) if not isinstance(x, Decimal) else x


def narrow(x: Any) -> Any:
    """An object array of Decimals whose values are all whole numbers becomes int64."""
    if is_array(x) and x.dtype == object and x.size:
        np = _np()
        vals = x.tolist()
        if all(isinstance(v, Decimal) and v == v.to_integral_value() and abs(v) < INT_LIMIT for v in vals):
            return np.array([int(v) for v in vals], dtype=np.int64)
    if isinstance(x, Decimal):
        return small(x)
    return x


_SCALAR_ARITH: dict[str, Callable[[Any, Any], Decimal]] = {"add": add, "sub": subtract, "mul": multiply}


@functools.cache
def _np() -> Any:
    """NumPy, imported on first use: only the array functions below need it, so evaluating one
    order or one household (the scalar backends) never loads it (``normkit price`` starts faster)."""
    import numpy

    return numpy


@functools.cache
def _one_object() -> Any:
    return _np().array(Decimal(1), dtype=object)


def _np_arith(op: str) -> Any:
    np = _np()
    return {"add": np.add, "sub": np.subtract, "mul": np.multiply}[op]


def _elementwise(fn: Callable[[Any, Any], Any], a: Any, b: Any, fail: Failures) -> Any:
    """``fn`` row by row over exact objects; a row beyond the exact range fails with NK502 (value 0)."""
    np = _np()
    n = len(a) if is_array(a) else len(b)
    xs = a.tolist() if is_array(a) else [a] * n
    ys = b.tolist() if is_array(b) else [b] * n
    out: list[Any] = []
    bad = np.zeros(n, dtype=bool)
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):  # columns of one batch: n rows each
        try:
            out.append(fn(objects(x), objects(y)))
        except RANGE_ERRORS as exc:
            bad[i] = True
            out.append(Decimal(0))
            message = f"{RANGE_TEXT} ({type(exc).__name__})"
    if bad.any():
        fail(bad, "NK502", message)
    return narrow(np.array(out, dtype=object))


def _scalar_or_fail(fn: Callable[[Any, Any], Any], a: Any, b: Any, fail: Failures) -> Any:
    try:
        return small(fn(objects(a), objects(b)))
    except RANGE_ERRORS as exc:
        fail(True, "NK502", f"{RANGE_TEXT} ({type(exc).__name__})")
        return 0


def array_arith(op: str, a: Any, b: Any, fail: Failures) -> Any:
    """``add``/``sub``/``mul`` over columns: int64 while exact, else Decimal objects in CTX."""
    if is_int(a) and is_int(b):
        limit_ok = (_bound(a) + _bound(b) < INT_LIMIT) if op != "mul" else (_bound(a) * _bound(b) < INT_LIMIT)
        if limit_ok:
            if is_array(a) or is_array(b):
                return _np_arith(op)(a, b)
            return a + b if op == "add" else (a - b if op == "sub" else a * b)
    fn = _SCALAR_ARITH[op]
    if not is_array(a) and not is_array(b):
        return _scalar_or_fail(fn, a, b, fail)
    return _elementwise(fn, a, b, fail)


def array_negate(a: Any, fail: Failures) -> Any:
    return array_arith("sub", 0, a, fail)


def array_divide(a: Any, b: Any, fail: Failures) -> Any:
    """``a / b`` over columns; rows dividing by zero fail with NK502 (and compute ``a / 1``)."""
    np = _np()
    zero = np.asarray(b == 0) if is_array(b) else (b == 0)
    if np.any(zero):
        fail(zero, "NK502", "division by zero")
        if not is_array(b):
            b = 1
        elif b.dtype != object:
            b = np.where(zero, 1, b)
        else:
            b = np.where(zero, _one_object(), b)
    if is_int(a) and is_int(b) and (is_array(a) or is_array(b)) and not np.any(np.remainder(a, b)):
        return np.floor_divide(a, b)
    if not is_array(a) and not is_array(b):
        return _scalar_or_fail(CTX.divide, a, b, fail)
    return _elementwise(CTX.divide, a, b, fail)


def array_scale(value: Any, num: int, den: int, fail: Failures) -> Any:
    out = array_arith("mul", value, num, fail)
    return out if den == 1 else array_divide(out, den, fail)


def array_round(value: Any, quantum: Any, mode: str, fail: Failures) -> Any:
    """``round`` over columns; rows whose quantum is not positive fail with NK502."""
    if not is_array(quantum):
        if not quantum > 0:
            fail(True, "NK502", f"round() needs a positive quantum, got {quantum}")
            return value
        if is_array(value) and is_int(value) and is_int(quantum) and quantum == 1:
            return value
        if not is_array(value):
            return _scalar_or_fail(lambda v, q: round_to(v, q, mode), value, quantum, fail)
    else:
        np = _np()
        bad = ~np.asarray(quantum > 0, dtype=bool)
        if bad.any():
            fail(bad, "NK502", "round() needs a positive quantum")
            quantum = np.where(bad, 1, quantum) if quantum.dtype != object else np.where(bad, _one_object(), quantum)
    return _elementwise(lambda v, q: round_to(v, q, mode), value, quantum, fail)


def array_abs(a: Any) -> Any:
    """``abs`` over columns, in CTX (``np.abs`` on objects would use the thread's context)."""
    np = _np()
    if is_array(a):
        if a.dtype == object:
            return narrow(np.array([absolute(v) for v in a.tolist()], dtype=object))
        return np.abs(a)
    return small(absolute(a))


def array_extreme(op: str, values: list[Any]) -> Any:
    """``min``/``max`` over columns, exactly."""
    np = _np()
    if not any(is_array(v) for v in values):
        return extreme(op, values)
    pick = np.minimum if op == "min" else np.maximum
    if all(is_int(v) for v in values):
        out = values[0]
        for v in values[1:]:
            out = pick(out, v)
        return out
    out = objects(values[0])
    for v in values[1:]:
        out = np.asarray(pick(out, objects(v)), dtype=object) if is_array(out) or is_array(v) else pick(out, objects(v))
    return narrow(out)


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NP_CMP = {"<": "less", "<=": "less_equal", ">": "greater", ">=": "greater_equal", "==": "equal", "!=": "not_equal"}


def array_compare_numbers(op: str, a: Any, b: Any, n: int) -> Any:
    """Numeric comparison over columns, exact for int columns against fractional constants."""
    np = _np()
    if not is_array(a) and not is_array(b):
        return compare(op, a, b)
    if not is_array(a):  # keep the array on the left
        a, b, op = b, a, _FLIP[op]
    if isinstance(b, Decimal) and b.is_finite() and b == b.to_integral_value():
        b = int(b)
    if isinstance(b, Decimal) and a.dtype != object:
        if op in ("==", "!="):  # an integer column never equals a fractional constant
            return np.full(n, op == "!=")
        lo = int(b.to_integral_value(rounding="ROUND_FLOOR"))
        if op in ("<", "<="):
            return np.less_equal(a, lo)
        return np.greater_equal(a, lo + 1)
    if a.dtype == object or (is_array(b) and b.dtype == object):
        return np.asarray(getattr(np, _NP_CMP[op])(a, b), dtype=bool)
    return getattr(np, _NP_CMP[op])(a, b)
